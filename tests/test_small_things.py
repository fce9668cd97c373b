"""Small things a resident notices: static files cached as immutable (no Vary on the cookie or
the language), the proof's QR code scaled and centred (a viewBox), and no share link on the
proof page that would send others to a page that is not theirs."""

from __future__ import annotations

from census.core import db
from census.core.models import Household
from tests.form_helpers import enter, fill_until_check, make_household, version_of


def test_static_files_vary_only_on_the_encoding(client) -> None:
    client.get("/?lang=en")  # a language cookie and a session, as a returning visitor has
    for accept in ("gzip", ""):
        response = client.get(
            "/static/vendor/htmx-1.9.12.min.js", headers={"Accept-Encoding": accept}
        )
        assert response.status_code == 200
        assert response.headers["Vary"] == "Accept-Encoding"
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert "Set-Cookie" not in response.headers


def test_the_proof_shares_its_check_and_its_qr_code_has_a_view_box(app, client) -> None:
    made = make_household(app)
    enter(client, made)
    fill_until_check(client, app, made)
    page = client.get("/isi/periksa").get_data(as_text=True)
    client.post("/isi/periksa", data={"version": version_of(page)})
    html = client.get("/isi/bukti?lang=en").get_data(as_text=True)
    with app.app_context():
        code = db.session().get(Household, made.household.id).proof_code
    assert '<svg viewBox="0 0 ' in html and '<svg width="' not in html
    import re

    shares = re.findall(r'href="(https://wa\.me/[^"]+)"', html)
    assert len(shares) == 1, shares  # the footer's "share this page" would send /isi/bukti
    assert f"/bukti/{code}" in shares[0] and "isi" not in shares[0].split("bukti")[0][-6:]
