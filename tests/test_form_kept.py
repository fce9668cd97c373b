"""Question pages kept by their answers (``Step.kept_by`` in census/form/saving.py): same bytes."""

from __future__ import annotations

import pytest
from flask import Flask

from tests.form_helpers import HOUSING, enter, make_household, post_step, version_of
from tests.kept_helpers import gzipped_whole, same_page

OTHER = {**HOUSING, "floor": "cement"}


def _at_housing(app: Flask, answers: dict[str, str] | None, saves: int = 1):
    """A phone with a household open at the housing step, its answers saved ``saves`` times."""
    client = app.test_client()
    enter(client, make_household(app))
    assert post_step(client, "/isi/alamat", {"at_kk_address": "yes"}).status_code == 303
    for _ in range(saves if answers else 0):
        assert post_step(client, "/isi/rumah", answers).status_code == 303
    return client


def _rendered(app: Flask, client, path: str, **kwargs):
    """The same request with nothing kept: the page as the templates render it."""
    app.config["FORM_KEEP_PAGES"] = False
    try:
        return client.get(path, **kwargs)
    finally:
        app.config["FORM_KEEP_PAGES"] = True


@pytest.mark.parametrize("answers", [None, HOUSING], ids=["first-visit", "answered"])
@pytest.mark.parametrize("lang", ["id", "en"])
@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_a_kept_question_page_is_the_rendered_page(app, templates, answers, lang, htmx) -> None:
    first = _at_housing(app, answers)
    second = _at_housing(app, answers, saves=2)  # another household, another version
    headers = {"HX-Request": "true"} if htmx else {}
    path = f"/isi/rumah?lang={lang}"
    first.get(path, headers=headers)
    templates.clear()
    served = second.get(path, headers=headers)
    assert served.status_code == 200
    assert not [name for name in templates if name.startswith("form/")]  # from what was kept
    rendered = _rendered(app, second, path, headers=headers)
    same_page(served.text, rendered.text)
    assert version_of(served.text) == version_of(rendered.text)
    assert served.headers["Content-Length"] == str(len(served.data))
    if answers:
        assert 'value="ceramic" checked' in served.text or 'value="ceramic" selected' in served.text


def test_other_answers_or_a_change_link_make_another_page(app) -> None:
    first, second = _at_housing(app, HOUSING), _at_housing(app, OTHER)
    assert "ceramic" in first.get("/isi/rumah?lang=en").text
    page = second.get("/isi/rumah?lang=en").text
    assert 'value="cement" selected' in page and 'value="ceramic" selected' not in page
    same_page(page, _rendered(app, second, "/isi/rumah?lang=en").text)
    change = "/isi/rumah?lang=en&return_to=check&focus=floor"
    page = second.get(change).text
    assert 'name="return_to" type="hidden" value="check"' in page and "autofocus" in page
    same_page(page, _rendered(app, second, change).text)


def test_an_answer_posted_from_a_kept_page_is_saved(app) -> None:
    first, second = _at_housing(app, HOUSING), _at_housing(app, HOUSING)
    first.get("/isi/rumah")
    page = second.get("/isi/rumah").text  # kept: its version is this household's
    saved = second.post("/isi/rumah", data={"version": version_of(page), **OTHER})
    assert saved.status_code == 303 and saved.headers["Location"].endswith("/isi/anggota")
    assert 'value="cement" selected' in second.get("/isi/rumah").text


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_a_kept_page_gzipped_from_its_first_hole_is_the_page_gzipped_whole(app, htmx) -> None:
    """A client that takes gzip gets the kept page compressed from its first hole on (the
    state before it kept): the very bytes of compressing the page it decompresses to."""
    headers = {"Accept-Encoding": "gzip", **({"HX-Request": "true"} if htmx else {})}
    for client in (_at_housing(app, HOUSING), _at_housing(app, HOUSING, saves=2)):
        packed = client.get("/isi/rumah?lang=en", headers=headers)
        plain = client.get(
            "/isi/rumah?lang=en",
            headers={k: v for k, v in headers.items() if k != "Accept-Encoding"},
        )
        page = gzipped_whole(app, packed)
        same_page(page.decode(), plain.text)
        assert f'value="{version_of(plain.text)}"'.encode() in page
    from census.core import holes

    with app.app_context():
        starts = [page.start for page in holes.store("steps", 1).pages.values()]
    assert any(start in app.extensions["census_heads"] for start in starts)
