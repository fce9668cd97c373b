"""Fixed questions' markup kept per language and answer: the same bytes as rendering them, never
another household's answer or another language's words."""

from __future__ import annotations

import re

import pytest
from flask import Flask

from census.form.fields import FixedRadioField, FixedSelectField
from tests.form_helpers import HOUSING, enter, make_household, post_step


def housing_page(client, lang: str = "id") -> str:
    html = client.get(f"/isi/rumah?lang={lang}").text
    # The CSRF token is signed with the second it was made in: left out of the comparison.
    html = re.sub(r'"X-CSRFToken": "[^"]*"', "", html)
    return re.sub(r'name="csrf_token"[^>]*>', "", html)


def opened(app: Flask):
    client = app.test_client()
    made = make_household(app)
    enter(client, made)
    assert post_step(client, "/isi/alamat", {"at_kk_address": "yes"}).status_code == 303
    return client


def test_a_kept_question_is_the_same_markup_as_rendering_it(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = opened(app)
    first, kept = housing_page(client), housing_page(client)
    assert app.extensions["census_fields"], "the housing questions were kept"
    monkeypatch.setattr(FixedRadioField, "fixed", False)
    monkeypatch.setattr(FixedSelectField, "fixed", False)
    app.extensions["census_fields"].clear()
    rendered = housing_page(client)
    assert not app.extensions["census_fields"], "nothing kept while switched off"
    assert first == kept == rendered


def test_each_household_sees_its_own_answers_and_language(app: Flask) -> None:
    answered, fresh = opened(app), opened(app)
    assert post_step(answered, "/isi/rumah", HOUSING).status_code == 303
    mine = housing_page(answered)
    assert re.search(r'value="own" checked', mine), "the answer given is selected"
    other = housing_page(fresh)
    assert " checked" not in other and " selected" not in other.replace('value="" selected', ""), (
        "nothing selected for a household that has not answered"
    )
    english, indonesian = housing_page(fresh, "en"), housing_page(fresh, "id")
    assert "Who owns the home you live in?" in english
    assert "Who owns the home you live in?" not in indonesian


def test_an_error_is_shown_once_and_not_kept_for_the_next_page(app: Flask) -> None:
    client = opened(app)
    refused = post_step(client, "/isi/rumah", {"tenure": "own"})
    assert refused.status_code == 200 and 'class="error-text"' in refused.text
    again = housing_page(client)
    assert 'class="error-text"' not in again


def test_an_answer_that_is_no_option_is_not_kept(app: Flask) -> None:
    client = opened(app)
    kept = app.extensions.setdefault("census_fields", {})
    page = client.get("/isi/rumah")
    assert page.status_code == 200
    before = len(kept)
    for i in range(5):
        client.post("/isi/rumah", data={"tenure": "x" * 50 + str(i), "version": "2"})
    assert len(kept) <= before + 5, "long made-up answers make no entries of their own"
    assert not any(isinstance(k[5], str) and len(k[5]) > 40 for k in kept)
