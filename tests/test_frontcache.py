"""Kept public pages answered in front of Flask: the same answer, only where nothing about the
visitor matters, and never after a change by staff."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask, request_started

from census.core import frontcache, settings

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
    assert len(entered) == 5, "each distinct request once; the repeated one from the front"


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        ("/cek", {}),  # a form: each visitor's own CSRF token
        ("/?x=1", {}),  # an unusual query
        ("/", {"If-None-Match": '"x"'}),  # Flask answers the 304s
        ("/", {"HX-Request": "true", "Accept-Language": "x" * 300}),  # a long header
    ],
)
def test_what_is_not_answered_in_front(
    app: Flask, entered: list[str], path: str, headers: dict[str, str]
) -> None:
    client = app.test_client()
    for _ in range(2):
        assert client.get(path, headers=headers).status_code in (200, 304)
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


def test_kept_for_half_a_second_at_most(
    app: Flask, entered: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    client = app.test_client()
    now = [1000.0]
    monkeypatch.setattr(frontcache.time, "monotonic", lambda: now[0])
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
