"""Hostile bodies: whatever is sent to whichever route, the answer is never a 500.

Only HTML forms come in (``census/core/bodies.py``): any other body is refused with the site's
own 415 page, a form that carries a file with its 400 page, before the CSRF check, a throttle, a
form or a view reads it. And no exception text or traceback with request data reaches the log.
"""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.datastructures import MultiDict

from census.core import db
from census.form import service
from tests.drive_helpers import create_drive
from tests.form_helpers import version_of

METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH")
PIN = "Kq7!mZ2x"
ODD_FIELDS = [
    ("kk", "1"),
    ("kk", "2"),
    ("nik", "9" * 5000),
    ("version", "{}"),
    ("version", "99999999999999999999"),
    ("pin", "x" * 3000),
    ("confirm", ""),
    ("action", "add"),
    ("remove", "r" * 300),
    ("at_kk_address", "\x00"),
    ("wilayah", "33.16\n"),
    ("status_", "\u202e"),
    ("new_name", "\ud7ff" * 50),
    ("\x00", "\x00"),
]
#: Path arguments by name; ``key`` (a member) and ``code`` of a proof are filled in per test.
ARGUMENTS = {
    "code": "33.16",
    "filename": "site.css",
    "room_id": "1",
    "token": "no-such-room",
    "notice_id": "1",
    "point_id": "1",
    "slug": "asn-blora",
}
#: Requested last: a POST there ends the demo or closes the form in this browser.
LAST = ("/demo", "/demo/selesai", "/isi/keluar")


def csrf_token(html: str) -> str:
    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', html
    )
    assert found, "no CSRF token on the page"
    return found.group(1)


def hostile_bodies(token: str) -> dict[str, Callable[[], dict[str, Any]]]:
    """Each kind of body, built afresh for each request (a file is read once)."""
    odd = [*ODD_FIELDS, ("csrf_token", token)]
    return {
        "odd form": lambda: {"data": MultiDict(odd)},
        "odd multipart": lambda: {"data": MultiDict(odd), "content_type": "multipart/form-data"},
        "json object": lambda: {"json": {"kk": 1, "nik": 2}},
        "json list": lambda: {"json": [1]},
        "json lone surrogate": lambda: {"data": '"\\ud800"', "content_type": "application/json"},
        "json broken": lambda: {"data": "x", "content_type": "application/json"},
        "json version object": lambda: {"json": {"version": {}}},
        "json pin with token header": lambda: {
            "json": {"pin": 12345678},
            "headers": {"X-CSRFToken": token},
        },
        "multipart file": lambda: {
            "data": {
                "kk": (io.BytesIO(b"3316010101010001"), "kk.txt"),
                "pin": (io.BytesIO(b"123456"), "pin.txt"),
                "csrf_token": token,
            },
            "content_type": "multipart/form-data",
        },
        "text": lambda: {"data": "kk=1&nik=2", "content_type": "text/plain"},
        "no body": lambda: {},
    }


@pytest.fixture
def guarded(app: Flask) -> Flask:
    """The application with CSRF checks on, as in production."""
    app.config["WTF_CSRF_ENABLED"] = True
    return app


def open_demo(client: FlaskClient) -> tuple[str, dict[str, Any]]:
    """Start a demo through ``/demo`` and open its form with a PIN; the token and the demo."""
    token = csrf_token(client.get("/demo").get_data(as_text=True))
    assert client.post("/demo", data={"csrf_token": token}).status_code == 303
    with client.session_transaction() as state:
        demo = dict(state["demo"])
    numbers = {"kk": demo["kk"], "nik": demo["members"][0]["nik"], "csrf_token": token}
    assert client.post("/isi", data=numbers).status_code == 303
    opened = client.post("/isi/pin", data={"pin": PIN, "confirm": PIN, "csrf_token": token})
    assert opened.status_code == 303, opened.get_data(as_text=True)[:300]
    return token, demo


def sample_paths(app: Flask, member_key: str) -> list[str]:
    """A path for every route of the application; those that end the demo or the form last."""
    values = {**ARGUMENTS, "key": member_key}
    paths = set()
    for rule in app.url_map.iter_rules():
        arguments = {name: values[name] for name in rule.arguments}
        if rule.endpoint == "form.verify":
            arguments["code"] = "ABCDE-FGHJK"
        built = rule.build(arguments)
        assert built is not None, rule.rule
        paths.add(built[1])
    return sorted(paths, key=lambda path: (path in LAST, path))


#: One body of each content type per request; the variants of a type take turns over the routes.
CONTENT_TYPES = {
    "form": ("odd form",),
    "multipart": ("odd multipart", "multipart file"),
    "json": (
        "json object",
        "json list",
        "json lone surrogate",
        "json broken",
        "json version object",
        "json pin with token header",
    ),
    "text": ("text",),
    "none": ("no body",),
}


def test_no_route_answers_any_method_or_body_with_a_server_error(
    guarded: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    assert create_drive(guarded).exit_code == 0  # a drive for /kampanye/<slug> to answer
    client = guarded.test_client()
    token, demo = open_demo(client)
    with guarded.app_context():
        response = service.get_response(db.session(), demo["household_id"])
        assert response is not None
        keys = [member["key"] for member in response.answers["members"]]
    page = client.get("/isi/anggota").get_data(as_text=True)
    present = {f"status_{key}": "present" for key in keys}
    step = {"version": version_of(page), **present, "head": keys[0], "csrf_token": token}
    assert client.post("/isi/anggota", data={**step, "action": "save"}).status_code == 303
    member_key = keys[0]
    bodies = hostile_bodies(token)
    failures, reached, turn = [], set(), 0
    caplog.set_level(logging.WARNING)
    for path in sample_paths(guarded, member_key):
        for method in METHODS:
            turn += 1
            for variants in CONTENT_TYPES.values():
                name = variants[turn % len(variants)]
                answer = client.open(path, method=method, **bodies[name]())
                if answer.status_code >= 500:
                    failures.append(f"{method} {path} {name}: {answer.status_code}")
                if method == "GET" and answer.status_code == 200:
                    reached.add(path)
    assert failures == []
    # The form's steps were really reached, not only redirected to the entry.
    steps = {"/isi/alamat", "/isi/rumah", "/isi/anggota", f"/isi/anggota/{member_key}"}
    assert steps <= reached, steps - reached
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


NOT_FORMS = ("json object", "json list", "json lone surrogate", "json broken", "text")
ENTRY_AND_STEPS = ("/cek", "/embed/cek", "/isi", "/isi/pin", "/isi/alamat", "/isi/rumah")


def test_a_body_that_is_not_a_form_gets_the_sites_415_page(guarded: Flask) -> None:
    client = guarded.test_client()
    token, _demo = open_demo(client)
    bodies = hostile_bodies(token)
    for path in ENTRY_AND_STEPS:
        for kind in NOT_FORMS:
            answer = client.post(path + "?lang=en", **bodies[kind]())
            assert answer.status_code == 415, (path, kind)
            page = answer.get_data(as_text=True)
            assert "<h1>This page takes only its own forms</h1>" in page, (path, kind)
            assert "Error code: 415" in page
            assert "Content-Security-Policy" in answer.headers
            assert answer.headers["X-Content-Type-Options"] == "nosniff"
    indonesian = client.post("/cek?lang=id", **bodies["json object"]())
    assert indonesian.status_code == 415
    assert "This page takes only" not in indonesian.get_data(as_text=True)


def test_json_with_the_csrf_header_is_refused_before_the_pin_form(guarded: Flask) -> None:
    client = guarded.test_client()
    token, _demo = open_demo(client)
    answer = client.post("/isi/pin", json={"pin": 12345678}, headers={"X-CSRFToken": token})
    assert answer.status_code == 415


def test_a_file_in_a_form_gets_the_sites_400_page(guarded: Flask) -> None:
    client = guarded.test_client()
    token, _demo = open_demo(client)
    for path in ENTRY_AND_STEPS:
        answer = client.post(path + "?lang=en", **hostile_bodies(token)["multipart file"]())
        assert answer.status_code == 400, path
        assert "Error code: 400" in answer.get_data(as_text=True)
        assert "Content-Security-Policy" in answer.headers


def test_forms_with_a_charset_or_as_multipart_still_work(guarded: Flask) -> None:
    client = guarded.test_client()
    token, demo = open_demo(client)
    numbers = {"kk": demo["kk"], "nik": demo["members"][0]["nik"], "csrf_token": token}
    plain = client.post(
        "/cek",
        data="&".join(f"{k}={v}" for k, v in numbers.items()),
        content_type="application/x-www-form-urlencoded; charset=UTF-8",
    )
    assert plain.status_code == 200
    multipart = client.post("/cek", data=numbers, content_type="multipart/form-data")
    assert multipart.status_code == 200
    assert client.post("/isi/keluar", data={"csrf_token": token}).status_code == 303


def test_no_exception_text_or_traceback_reaches_the_log(
    app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "3316010101010001 Budi Santoso"

    class Boom(Exception):
        pass

    def fails() -> str:
        raise ValueError(secret)

    def fails_twice() -> str:
        raise Boom(secret)

    def handler_fails(_error: Boom) -> str:
        raise KeyError(secret)

    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production
    app.add_url_rule("/test-fails", view_func=fails)
    app.add_url_rule("/test-fails-twice", view_func=fails_twice)
    app.register_error_handler(Boom, handler_fails)
    client = app.test_client()
    caplog.set_level(logging.DEBUG)
    for path in ("/test-fails", "/test-fails-twice"):
        answer = client.get(path + "?lang=en")
        assert answer.status_code == 500
        assert "Something went wrong on our side" in answer.get_data(as_text=True)
        assert "Content-Security-Policy" in answer.headers
    logged = "\n".join(caplog.text.splitlines() + [r.getMessage() for r in caplog.records])
    assert "ValueError" in logged and "KeyError" in logged
    assert secret not in logged and "3316010101010001" not in logged
    assert "Traceback" not in logged
    assert not [r for r in caplog.records if r.exc_info or r.exc_text]
