"""Answer pages of the status check kept with holes (census/status/kept.py): the same bytes."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, date, datetime

import pytest
from flask import Flask

from census.core.models import CountStatus
from census.status import kept
from census.status.service import Answer
from tests.factories import make_kk, make_nik, schedule_for, with_status
from tests.kept_helpers import add_help_point, gzipped_whole, same_page

DAY = datetime(2026, 3, 1, 20, 30, tzinfo=UTC)  # 2 March in Jakarta
PROOFS = ("SP20-K7QX-9F3M", "SP20-AB12-ZZ41")
OTHER_DAY = datetime(2026, 3, 9, 2, 0, tzinfo=UTC)

#: (phase, status, counted at, proof code) of the first household and the second's proof code.
CASES = {
    "online-with-proof": ("online", CountStatus.COUNTED_ONLINE, DAY, *PROOFS),
    "online-no-date": ("online", CountStatus.COUNTED_ONLINE, None, None, None),
    "officer": ("field", CountStatus.COUNTED_OFFICER, DAY, None, None),
    "started-online": ("online", CountStatus.IN_PROGRESS, None, None, None),
    "started-field": ("field", CountStatus.IN_PROGRESS, None, None, None),
    "not-started-before": ("before", CountStatus.NOT_STARTED, None, None, None),
    "not-started-online": ("online", CountStatus.NOT_STARTED, None, None, None),
    "not-started-after": ("after", CountStatus.NOT_STARTED, None, None, None),
}


def test_the_key_holds_every_field_of_an_answer() -> None:
    assert {field.name for field in dataclasses.fields(Answer)} == kept.KEYED_FIELDS


def _post(app: Flask, path: str, kk: str, nik: str, htmx: bool, **data: str):
    client = app.test_client()
    # A session with its CSRF token, as a visitor has after the form's page.
    token = re.search(r'name="csrf_token"[^>]* value="([^"]+)"', client.get(path).text)
    if token:  # the embed's form has none
        data["csrf_token"] = token.group(1)
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(path, data={"kk": kk, "nik": nik, **data}, headers=headers)


def _rendered(app: Flask, *args, **kwargs):
    """The same request with nothing kept: the page as the templates render it."""
    app.config["STATUS_KEEP_ANSWERS"] = False
    try:
        return _post(app, *args, **kwargs)
    finally:
        app.config["STATUS_KEEP_ANSWERS"] = True


@pytest.fixture(autouse=True)
def _csrf(app: Flask) -> None:
    """With CSRF checks, as the site runs: each page carries its visitor's token."""
    app.config["WTF_CSRF_ENABLED"] = True


def _status_pages(templates: list[str]) -> list[str]:
    """The status check's pages (or fragments) among the templates rendered."""
    return [name for name in templates if name.startswith("status/")]


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("lang", ["id", "en"])
@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_a_kept_answer_is_the_rendered_answer(app: Flask, templates, case, lang, htmx) -> None:
    phase, status, at, proof, second_proof = CASES[case]
    app.config["CENSUS_SCHEDULE"] = schedule_for(phase)
    first = with_status(app, status, at, proof)
    second = with_status(app, status, at, second_proof)
    path = f"/cek?lang={lang}"
    _post(app, path, first.kk, first.niks[0], htmx)
    templates.clear()
    served = _post(app, path, second.kk, f" {second.niks[1]} ", htmx)  # spaces are trimmed
    assert served.status_code == 200
    assert not _status_pages(templates)  # served from what was kept
    assert second.niks[1] in served.text and first.niks[0] not in served.text
    if second_proof:
        assert '<strong class="code">ZZ41</strong>' in served.text
        assert "9F3M" not in served.text
    same_page(served.text, _rendered(app, path, second.kk, f" {second.niks[1]} ", htmx).text)
    assert served.headers["Cache-Control"] == "no-store"
    assert served.headers["Content-Length"] == str(len(served.data))


def test_another_day_counted_or_no_proof_code_is_another_page(app: Flask) -> None:
    first = with_status(app, CountStatus.COUNTED_ONLINE, DAY, "SP20-K7QX-9F3M")
    second = with_status(app, CountStatus.COUNTED_ONLINE, OTHER_DAY, "SP20-AB12-ZZ41")
    third = with_status(app, CountStatus.COUNTED_ONLINE, DAY)
    assert "March 2, 2026" in _post(app, "/cek?lang=en", first.kk, first.niks[0], False).text
    page = _post(app, "/cek?lang=en", second.kk, second.niks[0], False).text
    assert "March 9, 2026" in page and "March 2, 2026" not in page
    same_page(page, _rendered(app, "/cek?lang=en", second.kk, second.niks[0], False).text)
    page = _post(app, "/cek?lang=en", third.kk, third.niks[0], False).text
    assert "March 2, 2026" in page and "proof of filling" not in page
    same_page(page, _rendered(app, "/cek?lang=en", third.kk, third.niks[0], False).text)


def test_not_found_with_and_without_help_points(app: Flask) -> None:
    add_help_point(app)
    born = date(1980, 1, 2)
    near = [(make_kk("33.16.01"), make_nik("33.16.01", "L", born)) for _ in range(2)]
    far = (make_kk("33.17.01"), make_nik("33.17.01", "L", born))
    for kk, nik in near:
        page = _post(app, "/cek?lang=en", kk, nik, False).text
        assert "Perpustakaan Daerah" in page and kk in page
        same_page(page, _rendered(app, "/cek?lang=en", kk, nik, False).text)
    page = _post(app, "/cek?lang=en", *far, False).text
    assert "We could not find these two numbers together" in page
    assert "Perpustakaan Daerah" not in page
    same_page(page, _rendered(app, "/cek?lang=en", *far, False).text)


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_the_embed_and_a_regions_check_keep_their_own_pages(app: Flask, htmx) -> None:
    made = [with_status(app, CountStatus.NOT_STARTED) for _ in range(3)]
    for household in made:
        embed = _post(app, "/embed/cek?lang=id", household.kk, household.niks[0], htmx)
        assert 'target="_top"' in embed.text or htmx
        same_page(
            embed.text,
            _rendered(app, "/embed/cek?lang=id", household.kk, household.niks[0], htmx).text,
        )
        region = _post(app, "/cek", household.kk, household.niks[0], htmx, wilayah="33.16")
        assert 'name="wilayah" value="33.16"' in region.text
        same_page(
            region.text,
            _rendered(app, "/cek", household.kk, household.niks[0], htmx, wilayah="33.16").text,
        )
    plain = _post(app, "/cek", made[0].kk, made[0].niks[0], htmx).text
    assert 'name="wilayah"' not in plain


def test_a_form_with_errors_or_a_fuller_session_is_rendered(app: Flask, templates) -> None:
    made = with_status(app, CountStatus.NOT_STARTED)
    _post(app, "/cek?lang=en", made.kk, made.niks[0], False)
    templates.clear()
    wrong = _post(app, "/cek?lang=en", made.kk, "123", False)
    assert _status_pages(templates) == ["status/page.html"]
    assert 'aria-invalid="true"' in wrong.text
    client = app.test_client()
    token = re.search(r'name="csrf_token"[^>]* value="([^"]+)"', client.get("/cek").text).group(1)
    with client.session_transaction() as session:
        session["seen"] = True  # anything but the token: the page is the view's to make
    templates.clear()
    data = {"kk": made.kk, "nik": made.niks[0], "csrf_token": token}
    assert client.post("/cek?lang=en", data=data).status_code == 200
    assert _status_pages(templates) == ["status/page.html"]


def test_at_most_max_kept_pages(app: Flask, monkeypatch) -> None:
    monkeypatch.setattr(kept, "MAX_KEPT", 2)
    made = with_status(app, CountStatus.NOT_STARTED)
    for lang in ("id", "en", "id", "en"):
        _post(app, f"/cek?lang={lang}", made.kk, made.niks[0], False)
        with app.app_context():
            assert 1 <= len(kept._store().pages) <= 2


def test_a_kept_answer_gzipped_from_its_first_hole_is_the_answer_gzipped_whole(app) -> None:
    """A client that takes gzip gets the kept answer compressed from its first hole on: the
    very bytes of compressing the page it decompresses to, that page the rendered one."""
    made = [with_status(app, CountStatus.COUNTED_ONLINE, DAY, proof) for proof in PROOFS]
    for household in made:
        client = app.test_client()
        token = re.search(r'name="csrf_token"[^>]* value="([^"]+)"', client.get("/cek").text)
        data = {"kk": household.kk, "nik": household.niks[0], "csrf_token": token.group(1)}
        packed = client.post("/cek", data=data, headers={"Accept-Encoding": "gzip"})
        page = gzipped_whole(app, packed)
        assert household.niks[0].encode() in page
        same_page(
            page.decode(), _rendered(app, "/cek", household.kk, household.niks[0], False).text
        )
    with app.app_context():
        (page,) = kept._store().pages.values()
        assert page.start is not None and page.start in app.extensions["census_heads"]
