"""A change sent after the household was sent (phone B, after phone A pressed Send)."""

from __future__ import annotations

from datetime import UTC

from census.core.config import CENSUS_TZ
from tests.form_helpers import (
    HOUSING,
    enter,
    fill_until_check,
    make_household,
    member_keys,
    stored,
    version_of,
)


def _sent_with_phone_b_on_a_step(app, path: str):
    """Phone A fills in and sends while phone B has ``path`` open; returns (made, B, B's page)."""
    made = make_household(app)
    phone_a, phone_b = app.test_client(), app.test_client()
    assert enter(phone_a, made).status_code == 303
    fill_until_check(phone_a, app, made)
    assert enter(phone_b, made).status_code == 303
    page_b = phone_b.get(path)
    assert page_b.status_code == 200
    check = phone_a.get("/isi/periksa").get_data(as_text=True)
    sent = phone_a.post("/isi/periksa", data={"version": version_of(check)})
    assert sent.status_code == 303 and sent.headers["Location"].endswith("/isi/bukti")
    return made, phone_b, page_b.get_data(as_text=True)


def _wib(moment) -> str:
    local = (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(CENSUS_TZ)
    return f"{local:%B} {local.day}, {local.year}, {local:%H:%M}"  # the long date, as everywhere


def test_a_change_after_sending_is_explained_and_shown_back(app) -> None:
    made, phone_b, page = _sent_with_phone_b_on_a_step(app, "/isi/rumah?lang=en")
    changed = {**HOUSING, "tenure": "rent"}
    refused = phone_b.post("/isi/rumah?lang=en", data={"version": version_of(page), **changed})
    assert refused.status_code == 409
    html = refused.get_data(as_text=True)
    _household, response = stored(app, made.household.id)
    assert "Your household was already sent" in html
    assert f"sent on {_wib(response.submitted_at)} WIB" in html
    assert "Your change on this page was not saved" in html
    # What B chose is shown back, as the page words it; and the way to the proof.
    assert "Who owns the home you live in?" in html and "Rented or contracted" in html
    assert 'href="/isi/bukti' in html
    assert refused.headers["Cache-Control"] == "no-store"
    # Nothing changed: the answers are those that were sent.
    assert response.answers["housing"] == HOUSING
    # A GET still goes to the proof, and sending again gives the same proof.
    assert phone_b.get("/isi/rumah").headers["Location"].endswith("/isi/bukti")
    again = phone_b.post("/isi/periksa", data={"version": "1"})
    assert again.status_code == 303 and again.headers["Location"].endswith("/isi/bukti")


def test_a_person_typed_after_sending_is_shown_back_and_htmx_gets_it_too(app) -> None:
    made, phone_b, _page = _sent_with_phone_b_on_a_step(app, "/isi/anggota?lang=en")
    key = member_keys(app, made.household.id)[0]
    typed = {"version": "3", "name": "Budi <Santoso> Jr", "sex": "L", "birth_day": "12"}
    refused = phone_b.post(f"/isi/anggota/{key}?lang=en", data=typed)
    assert refused.status_code == 409
    html = refused.get_data(as_text=True)
    assert "Budi &lt;Santoso&gt; Jr" in html and "<Santoso>" not in html
    # htmx swaps only 2xx answers: a fragment request gets the page, retargeted to the body.
    fragment = phone_b.post(
        "/isi/anggota?lang=en",
        data={"version": "3", "action": "add", "new_name": "Ayu", "new_reason": "born"},
        headers={"HX-Request": "true"},
    )
    assert fragment.status_code == 200
    assert fragment.headers["HX-Retarget"] == "body"
    text = fragment.get_data(as_text=True)
    assert "Your household was already sent" in text and "Ayu" in text
