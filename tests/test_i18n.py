"""Language: ?lang= first, then the cookie, then Accept-Language, then Indonesian.

Also that the choice is remembered, that links keep a language chosen in the URL, and that dates,
numbers and plurals follow the language.
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import format_date, format_decimal, ngettext

from census.core.i18n import lang_url


def html_lang(client: FlaskClient, path: str, **kwargs) -> str:
    html = client.get(path, **kwargs).get_data(as_text=True)
    return re.search(r'<html lang="(\w+)">', html).group(1)


def test_indonesian_by_default(client: FlaskClient) -> None:
    response = client.get("/")
    assert html_lang(client, "/") == "id"
    assert response.headers["Content-Language"] == "id"
    assert "lang=" not in response.headers.get("Set-Cookie", ""), "nothing chosen, nothing stored"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("en-GB,en;q=0.9", "en"),
        ("en-US", "en"),
        ("id-ID,id;q=0.9,en;q=0.8", "id"),
        ("fr-FR,fr;q=0.9", "id"),
        ("fr,en;q=0.5", "en"),
    ],
)
def test_accept_language_is_the_first_guess(client: FlaskClient, header: str, expected) -> None:
    assert html_lang(client, "/jadwal", headers={"Accept-Language": header}) == expected


def test_lang_parameter_sets_a_cookie_for_a_year(client: FlaskClient) -> None:
    response = client.get("/privasi?lang=en")
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("lang=en;")
    assert "Max-Age=31536000" in cookie
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert response.headers["Content-Language"] == "en"
    assert {"Cookie", "Accept-Language"} <= set(
        response.headers["Vary"].replace(" ", "").split(",")
    )


def test_cookie_is_remembered_and_beats_accept_language(client: FlaskClient) -> None:
    client.get("/?lang=en")
    assert html_lang(client, "/cara", headers={"Accept-Language": "id"}) == "en"
    client.get("/?lang=id")
    assert html_lang(client, "/cara", headers={"Accept-Language": "en"}) == "id"


def test_lang_parameter_beats_the_cookie(client: FlaskClient) -> None:
    client.set_cookie("lang", "en")
    assert html_lang(client, "/cara?lang=id") == "id"


def test_unknown_language_is_ignored(client: FlaskClient) -> None:
    response = client.get("/?lang=fr")
    assert "Set-Cookie" not in response.headers
    assert html_lang(client, "/?lang=fr") == "id"
    assert html_lang(client, "/?lang=fr", headers={"Accept-Language": "en"}) == "en"


def test_explicit_language_is_kept_on_links(client: FlaskClient) -> None:
    html = client.get("/?lang=en").get_data(as_text=True)
    links = re.findall(r'<a href="(/[^"]*)"(?! hreflang)', html)
    assert len(links) >= 8
    assert all(link.endswith("lang=en") for link in links), links
    assert 'href="/jadwal?lang=en"' in html
    assert 'href="/privasi?lang=en"' in html


def test_language_from_cookie_does_not_clutter_links(client: FlaskClient) -> None:
    client.set_cookie("lang", "en")
    html = client.get("/").get_data(as_text=True)
    assert 'href="/jadwal"' in html
    assert html_lang(client, "/") == "en"


def test_language_switch_keeps_the_page_and_its_query(app: Flask) -> None:
    with app.test_request_context("/jadwal?lang=en&x=1&x=2"):
        assert lang_url("id") == "/jadwal?x=1&x=2&lang=id"
    html = app.test_client().get("/persiapan?lang=en").get_data(as_text=True)
    assert '<a href="/persiapan?lang=id" hreflang="id" lang="id">Bahasa Indonesia</a>' in html
    assert 'hreflang="en" lang="en" aria-current="true">English</a>' in html


@pytest.mark.parametrize(
    ("lang", "long_date", "number", "plural"),
    [
        ("id", "15 Februari 2020", "51,36", "Tinggal 3 hari lagi."),
        ("en", "February 15, 2020", "51.36", "3 days left."),
    ],
)
def test_dates_numbers_and_plurals_follow_the_language(
    app: Flask, lang: str, long_date: str, number: str, plural: str
) -> None:
    with app.test_request_context(f"/?lang={lang}"):
        assert format_date(date(2020, 2, 15), "long") == long_date
        assert format_decimal(51.36) == number
        assert ngettext("%(num)d day left.", "%(num)d days left.", 3) == plural


def test_one_day_is_singular_in_english(app: Flask) -> None:
    with app.test_request_context("/?lang=en"):
        assert ngettext("%(num)d day left.", "%(num)d days left.", 1) == "1 day left."


def test_error_pages_follow_the_language_too(client: FlaskClient) -> None:
    client.get("/?lang=en")
    assert "Page not found" in client.get("/tidak-ada").get_data(as_text=True)


@pytest.mark.parametrize("path", ["/badge/33.16.svg", "/embed/cek?wilayah=33.16"])
def test_what_other_sites_show_neither_sets_nor_reads_the_cookie(
    client: FlaskClient, path: str
) -> None:
    # A cookie set inside another site's page would be a third-party cookie; the language comes
    # from the snippet's URL (or the browser), never from what our own pages remembered.
    response = client.get(path + ("&" if "?" in path else "?") + "lang=en")
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    assert response.headers["Content-Language"] == "en"
    client.set_cookie("lang", "en")
    response = client.get(path, headers={"Accept-Language": "id"})
    assert response.headers["Content-Language"] == "id"
    assert "Set-Cookie" not in response.headers
