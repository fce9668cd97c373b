"""Over HTTPS: Secure cookies, HSTS and upgrade-insecure-requests; over plain HTTP none of them
(a meeting laptop serving a LAN)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from flask import Flask
from werkzeug.test import TestResponse

from census import create_app
from census.core import db
from tests.conftest import clear_data

HSTS = "max-age=31536000; includeSubDomains"


def cookies(response: TestResponse) -> list[str]:
    return response.headers.getlist("Set-Cookie")


def assert_https(response: TestResponse) -> None:
    assert response.headers["Strict-Transport-Security"] == HSTS
    assert "upgrade-insecure-requests" in response.headers["Content-Security-Policy"]
    assert cookies(response), "the request was meant to set a cookie"
    assert all("; Secure" in cookie for cookie in cookies(response)), cookies(response)


def assert_plain_http(response: TestResponse) -> None:
    assert "Strict-Transport-Security" not in response.headers
    assert "upgrade-insecure-requests" not in response.headers["Content-Security-Policy"]
    assert cookies(response), "the request was meant to set a cookie"
    assert not any("secure" in cookie.lower() for cookie in cookies(response))


def test_over_https_cookies_are_secure_with_hsts_and_upgrades(app: Flask) -> None:
    client = app.test_client()
    https = "https://localhost"
    assert_https(client.get("/?lang=en", base_url=https))  # the language cookie
    assert_https(client.post("/demo", base_url=https))  # the session cookie
    assert_https(client.get("/cek?lang=id", base_url=https))
    embed = client.get("/embed/cek", base_url=https)
    assert embed.headers["Strict-Transport-Security"] == HSTS


def test_over_plain_http_none_of_them(app: Flask) -> None:
    client = app.test_client()
    assert_plain_http(client.get("/?lang=en"))
    assert_plain_http(client.post("/demo"))


def test_an_https_site_url_makes_them_apply_behind_any_proxy(app: Flask) -> None:
    app.config["SITE_URL"] = "https://sensus.example.go.id"
    client = app.test_client()
    assert_https(client.get("/?lang=en"))
    assert_https(client.post("/demo"))


@pytest.fixture
def proxied(database_url: str) -> Iterator[Flask]:
    """The application behind one proxy of ours, which sets X-Forwarded-Proto."""
    application = create_app(
        {
            "DATABASE_URL": database_url,
            "TESTING": True,
            "WTF_CSRF_ENABLED": False,
            "TRUSTED_PROXY_HOPS": 1,
            "KEY_PREFIX": f"census-test-{uuid.uuid4().hex[:8]}",
        }
    )
    yield application
    clear_data(application)
    with application.app_context():
        db.engine().dispose()


def test_behind_a_trusted_proxy_its_forwarded_proto_decides(proxied: Flask) -> None:
    client = proxied.test_client()
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"}
    assert_https(client.get("/?lang=en", headers=forwarded))
    assert_https(client.post("/demo", headers=forwarded))
    plain = {"X-Forwarded-Proto": "http", "X-Forwarded-For": "203.0.113.7"}
    assert_plain_http(client.get("/?lang=id", headers=plain))


def test_without_a_trusted_proxy_a_forwarded_proto_is_not_believed(app: Flask) -> None:
    client = app.test_client()
    assert_plain_http(client.get("/?lang=en", headers={"X-Forwarded-Proto": "https"}))
