"""Kept public pages answered in front of Flask: the same answer, only where nothing about the
visitor matters, and never after a change by staff."""

from __future__ import annotations

import gzip
import re
import time
from collections.abc import Iterator

import pytest
from flask import Flask, Response, request_started
from flask import session as flask_session
from flask_wtf.csrf import validate_csrf
from itsdangerous import URLSafeTimedSerializer
from werkzeug.test import TestResponse

from census.core import frontcache, frontforms, pagecache, settings

GZIP = {"Accept-Encoding": "gzip"}


@pytest.fixture
def entered(app: Flask) -> Iterator[list[str]]:
    """The paths of the requests that reached Flask."""
    seen: list[str] = []

    def count(sender: Flask, **_extra: object) -> None:
        from flask import request

        seen.append(request.full_path)

    request_started.connect(count, app)
    yield seen
    request_started.disconnect(count, app)


def test_a_kept_page_is_answered_in_front_with_the_same_bytes_and_headers(
    app: Flask, entered: list[str]
) -> None:
    client = app.test_client()
    first = client.get("/", headers=GZIP)
    second = client.get("/", headers=GZIP)
    assert len(entered) == 1, "the second request never reached Flask"
    assert second.status_code == first.status_code == 200
    assert second.data == first.data and second.headers["Content-Encoding"] == "gzip"
    assert sorted(second.headers.items()) == sorted(first.headers.items())
    for header in ("Content-Security-Policy", "X-Content-Type-Options", "ETag", "Vary"):
        assert header in second.headers


def test_the_language_and_encoding_are_part_of_the_key(app: Flask, entered: list[str]) -> None:
    client = app.test_client()
    english = client.get("/", headers={"Accept-Language": "en"}).text
    indonesian = client.get("/", headers={"Accept-Language": "id"}).text
    assert "Skip to main content" in english and "Skip to main content" not in indonesian
    client.set_cookie("lang", "en")
    assert "Skip to main content" in client.get("/", headers={"Accept-Language": "id"}).text
    plain, gzipped = client.get("/"), client.get("/", headers=GZIP)
    assert "Content-Encoding" not in plain.headers and gzipped.headers["Content-Encoding"] == "gzip"
    again = app.test_client().get("/", headers={"Accept-Language": "en"}).text
    assert again == english
    # The cookie's English with "id" or with no Accept-Language is one answer, as in Flask.
    assert len(entered) == 4, "each distinct answer made once; the same answer from the front"


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        ("/?x=1", {}),  # an unusual query
        ("/", {"If-None-Match": '"x"'}),  # Flask answers the 304s
        ("/", {"HX-Request": "true", "Accept-Language": "x" * 300}),  # a long header
        ("/wilayah/33.16.01.2001", {}),  # a redirect
    ],
)
def test_what_is_not_answered_in_front(
    app: Flask, entered: list[str], path: str, headers: dict[str, str]
) -> None:
    client = app.test_client()
    for _ in range(2):
        assert client.get(path, headers=headers).status_code in (200, 302, 304)
    assert len(entered) == 2


def _token(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert match, "the page has a CSRF token"
    return match.group(1)


def _text(response: TestResponse) -> str:
    gzipped = response.headers.get("Content-Encoding") == "gzip"
    return (gzip.decompress(response.data) if gzipped else response.data).decode()


@pytest.mark.parametrize("path", ["/cek", "/isi", "/cek?wilayah=33.16.01.2001"])
@pytest.mark.parametrize("headers", [GZIP, {}])
@pytest.mark.parametrize("base_url", ["http://localhost", "https://localhost"])
def test_a_form_page_is_answered_in_front_with_a_visitors_own_token_and_session(
    app: Flask, entered: list[str], path: str, headers: dict[str, str], base_url: str
) -> None:
    app.config["WTF_CSRF_ENABLED"] = True
    first = app.test_client().get(path, headers=headers, base_url=base_url)  # new visitors
    second = app.test_client().get(path, headers=headers, base_url=base_url)
    assert len(entered) == 1, "the second visitor's page was made in front of Flask"
    assert second.status_code == first.status_code == 200
    differ = {"Set-Cookie", "Content-Length"}
    assert sorted((k, v) for k, v in second.headers.items() if k not in differ) == sorted(
        (k, v) for k, v in first.headers.items() if k not in differ
    )
    assert int(second.headers["Content-Length"]) == len(second.data)
    cookies = [r.headers["Set-Cookie"].split(";", 1) for r in (first, second)]
    assert cookies[0][1] == cookies[1][1], "the same cookie attributes (Secure, HttpOnly...)"
    assert ("Secure" in cookies[1][1]) == base_url.startswith("https")
    assert cookies[0][0] != cookies[1][0], "each visitor their own session"
    pages = [_text(first), _text(second)]
    tokens = [_token(page) for page in pages]
    assert tokens[0] != tokens[1], "each visitor their own token"
    assert pages[1].replace(tokens[1], "T") == pages[0].replace(tokens[0], "T")
    serializer = app.session_interface.get_signing_serializer(app)
    secret = serializer.loads(cookies[1][0].removeprefix("session="))["csrf_token"]
    with app.test_request_context():
        flask_session["csrf_token"] = secret
        validate_csrf(tokens[1])  # raises when the token is not this session's


@pytest.mark.parametrize("path", ["/cek", "/isi"])
def test_a_form_page_made_in_front_is_sent_back_like_any_other(
    app: Flask, entered: list[str], path: str
) -> None:
    app.config["WTF_CSRF_ENABLED"] = True
    app.test_client().get(path)
    visitor, other = app.test_client(), app.test_client()
    token, others = _token(visitor.get(path).text), _token(other.get(path).text)
    assert len(entered) == 1, "both pages made in front"
    answer = visitor.post(path, data={"csrf_token": token, "kk": "3316010903159001"})
    assert answer.status_code == 200, "the token and session made in front are accepted"
    assert 'aria-invalid="true"' in answer.text, "and the form is checked (no NIK typed)"
    refused = other.post(path, data={"csrf_token": token, "kk": "3316010903159001"})
    assert refused.status_code == 400, "but only with that visitor's own session"
    assert other.post(path, data={"csrf_token": others, "kk": "1"}).status_code == 200


def test_a_kept_form_page_counts_its_compressor_against_the_bound(app: Flask) -> None:
    app.test_client().get("/cek", headers=GZIP)
    app.test_client().get("/cek", headers=GZIP)
    front = app.extensions["census_front"]
    (entry,) = front.entries.values()
    assert isinstance(entry[3], frontforms.FormAnswer)
    assert front.size == len(entry[3]) > frontforms.COMPRESSOR_BYTES


def test_a_form_page_is_kept_only_when_both_make_the_same_tokens(
    app: Flask, entered: list[str]
) -> None:
    app.config["WTF_CSRF_ENABLED"] = True
    app.config["WTF_CSRF_SECRET_KEY"] = ""  # Flask-WTF signs with it as it is, empty or not
    for _ in range(2):
        visitor = app.test_client()
        token = _token(visitor.get("/cek").text)
        assert visitor.post("/cek", data={"csrf_token": token, "kk": "1"}).status_code == 200
    assert len(entered) == 3, "the second page made in front, with a token Flask-WTF accepts"
    front = app.extensions["census_front"]
    front.visitors.signer = (app.config["WTF_CSRF_SECRET_KEY"], URLSafeTimedSerializer("other"))
    front.clear()
    app.extensions["census_pages"].clear()
    for _ in range(2):
        app.test_client().get("/cek")
    assert len(entered) == 5, "tokens made otherwise than Flask-WTF's: nothing kept in front"
    assert not front.entries


def test_a_form_page_for_a_visitor_with_a_session_or_a_cookie_to_set_reaches_flask(
    app: Flask, entered: list[str]
) -> None:
    visitor = app.test_client()
    visitor.get("/cek")  # a new visitor: kept
    visitor.get("/cek")  # with their session now: Flask answers
    for _ in range(2):  # ?lang= sets the language cookie too: Flask answers
        assert "lang=en" in app.test_client().get("/cek?lang=en").headers.get("Set-Cookie", "")
    assert len(entered) == 4
    assert [key[2] for key in app.extensions["census_front"].entries] == [""]


def test_a_form_page_whose_session_holds_more_than_the_token_is_not_kept(
    app: Flask, entered: list[str]
) -> None:
    @app.after_request
    def _something_else_in_the_session(response: Response) -> Response:
        flask_session["seen"] = True  # after the page was kept: only the front can refuse it
        return response

    for _ in range(2):
        assert app.test_client().get("/cek").status_code == 200
    assert len(entered) == 2
    assert not app.extensions["census_front"].entries


@pytest.mark.parametrize(
    ("query", "plain", "asked"),
    [
        ("", True, None),
        ("lang=en", True, "en"),
        ("wilayah=33", True, None),
        ("wilayah=33.16.01.2001", True, None),
        ("wilayah=33.16&lang=id", True, "id"),
        ("lang=en&wilayah=33.16", False, None),  # not as the site's links write it
        ("wilayah=33.16&x=1", False, None),
        ("wilayah=33.16.01.2001.1", False, None),
        ("wilayah=3316", False, None),
        ("wilayah=33.16&lang=fr", False, None),
    ],
)
def test_the_queries_answered_in_front(query: str, plain: bool, asked: str | None) -> None:
    assert frontcache.plain_query(query) == (plain, asked)


def test_the_embed_for_a_region_is_answered_in_front(app: Flask, entered: list[str]) -> None:
    client = app.test_client()
    pages = [client.get(f"/embed/cek?wilayah={code}") for code in ("33.16", "33.16", "33.17")]
    assert len(entered) == 2, "one page per region, the same region's again from the front"
    assert pages[1].data == pages[0].data and pages[2].data != pages[0].data
    assert "frame-ancestors *" in pages[1].headers["Content-Security-Policy"]
    assert "Set-Cookie" not in pages[1].headers


def test_a_region_code_too_long_or_another_argument_is_not_kept(
    app: Flask, entered: list[str]
) -> None:
    client = app.test_client()
    for path in ("/embed/cek?wilayah=" + "3" * 30, "/embed/cek?wilayah=33.16&x=1"):
        for _ in range(2):
            assert client.get(path).status_code == 200
    assert len(entered) == 4
    assert not app.extensions.get("census_pages", pagecache.PageStore())._pages


def test_head_requests_reach_flask(app: Flask, entered: list[str]) -> None:
    client = app.test_client()
    client.get("/")
    assert client.head("/").status_code == 200
    assert len(entered) == 2


@pytest.mark.parametrize(
    "other",
    [
        {"base_url": "https://localhost"},
        {"base_url": "http://census.example"},
        {"headers": {"HX-Request": "true"}},
        {"headers": {"HX-Boosted": "true", "HX-Request": "true"}},
    ],
)
def test_scheme_host_and_htmx_headers_are_part_of_the_key(
    app: Flask, entered: list[str], other: dict[str, object]
) -> None:
    client = app.test_client()
    client.get("/")
    client.get("/", **other)
    assert len(entered) == 2


def test_the_badge_ignores_the_cookie_and_so_does_its_key(app: Flask, entered: list[str]) -> None:
    client = app.test_client()
    client.set_cookie("lang", "en")
    indonesian = client.get("/badge/33.16.svg", headers={"Accept-Language": "id"}).text
    english = client.get("/badge/33.16.svg", headers={"Accept-Language": "en"}).text
    assert indonesian != english, "an embedded part takes its language from the browser"
    assert len(entered) == 2


def test_a_visitor_with_a_session_always_reaches_flask(app: Flask, entered: list[str]) -> None:
    client = app.test_client()
    client.get("/cek")  # a CSRF token: now a session cookie
    entered.clear()
    for _ in range(2):
        client.get("/")
    assert len(entered) == 2


def test_a_page_that_sets_a_cookie_is_not_kept_in_front(app: Flask, entered: list[str]) -> None:
    for _ in range(2):
        response = app.test_client().get("/?lang=en")
        assert "lang=en" in response.headers.get("Set-Cookie", "")
    assert len(entered) == 2


def test_a_change_by_staff_is_seen_at_once(app: Flask, entered: list[str]) -> None:
    client = app.test_client()
    client.get("/")
    with app.app_context():
        settings.moved_on()
    client.get("/")
    assert len(entered) == 2


def test_a_page_made_across_a_change_by_staff_is_not_kept(app: Flask, entered: list[str]) -> None:
    @app.before_request
    def _staff_change_meanwhile() -> None:
        if len(entered) == 1:
            frontcache.forget(app)  # while this page is being made

    client = app.test_client()
    client.get("/")
    client.get("/")
    assert len(entered) == 2, "the page made across the change was not kept"
    client.get("/")
    assert len(entered) == 2, "the next one was"


def test_kept_for_half_a_second_at_most(
    app: Flask, entered: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    client = app.test_client()
    now = [time.monotonic()]
    monkeypatch.setattr(frontcache, "clock", lambda: now[0])
    client.get("/")
    now[0] += 0.4
    client.get("/")
    assert len(entered) == 1
    now[0] += 0.2
    client.get("/")
    assert len(entered) == 2


def test_switched_off(app: Flask, entered: list[str]) -> None:
    app.config["FRONT_CACHE_SECONDS"] = 0
    client = app.test_client()
    client.get("/")
    client.get("/")
    assert len(entered) == 2
