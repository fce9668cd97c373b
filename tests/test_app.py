"""The foundation: health check, security headers, error pages, CSRF, static files."""

from __future__ import annotations

import gzip

from flask import Flask
from flask.testing import FlaskClient

from census import create_app


def test_healthz_reports_database(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}
    assert response.headers["Cache-Control"] == "no-store"


def test_healthz_fails_when_database_is_unreachable(tmp_path) -> None:
    app = create_app(
        {"DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none", "TESTING": True}
    )
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["database"] == "unreachable"


def test_security_headers(client: FlaskClient) -> None:
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "'unsafe-inline'" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_inline_css_is_allowed_by_its_hash(app: Flask, client: FlaskClient) -> None:
    html = client.get("/").get_data(as_text=True)
    css = str(app.extensions["census_css"])
    assert f"<style>{css}</style>" in html
    from census.core.security import style_hash

    assert style_hash(css) in client.get("/").headers["Content-Security-Policy"]


def test_no_inline_script(client: FlaskClient) -> None:
    html = client.get("/").get_data(as_text=True)
    assert "<script>" not in html
    assert " on" + "click=" not in html


def test_404_is_friendly_and_translated(client: FlaskClient) -> None:
    response = client.get("/tidak-ada?lang=id")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "Halaman tidak ditemukan" in html
    english = client.get("/no-such-page?lang=en").get_data(as_text=True)
    assert "Page not found" in english


def test_405_keeps_allow_header(client: FlaskClient) -> None:
    response = client.post("/healthz")
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"]


def test_500_page_hides_details(app: Flask) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/boom")
    def boom() -> str:
        raise RuntimeError("secret detail 3316014202800001")

    response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert b"3316014202800001" not in response.data
    assert b"secret detail" not in response.data


def test_csrf_is_enforced(database_url: str) -> None:
    app = create_app({"DATABASE_URL": database_url, "TESTING": True})

    @app.post("/echo")
    def echo() -> str:
        return "ok"

    response = app.test_client().post("/echo", data={"x": "1"})
    assert response.status_code == 400
    assert "kedaluwarsa" in response.get_data(as_text=True) or b"expired" in response.data


def test_htmx_is_versioned_long_cached_and_precompressed(client: FlaskClient) -> None:
    response = client.get("/static/vendor/htmx-1.9.12.min.js", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "gzip"
    assert "immutable" in response.headers["Cache-Control"]
    assert "max-age=31536000" in response.headers["Cache-Control"]
    assert response.mimetype in ("text/javascript", "application/javascript")
    assert gzip.decompress(response.data).startswith(b"(function")
    plain = client.get("/static/vendor/htmx-1.9.12.min.js")
    assert "Content-Encoding" not in plain.headers
    assert plain.data.startswith(b"(function")


def test_static_refuses_traversal(client: FlaskClient) -> None:
    assert client.get("/static/../app.py").status_code == 404


def test_pages_are_gzipped_for_clients_that_accept_it(client: FlaskClient) -> None:
    plain = client.get("/")
    assert plain.status_code == 200
    assert "Content-Encoding" not in plain.headers
    assert "Accept-Encoding" in plain.headers["Vary"]
    zipped = client.get("/", headers={"Accept-Encoding": "gzip, deflate"})
    assert zipped.status_code == 200
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in zipped.headers["Vary"]
    assert int(zipped.headers["Content-Length"]) == len(zipped.data) < len(plain.data)
    assert gzip.decompress(zipped.data) == plain.data


def test_small_and_static_responses_are_not_compressed_again(client: FlaskClient) -> None:
    small = client.get("/healthz", headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in small.headers
    htmx = client.get("/static/vendor/htmx-1.9.12.min.js", headers={"Accept-Encoding": "gzip"})
    assert htmx.headers["Content-Encoding"] == "gzip"
    # The precompressed twin, sent once: decompressing once gives the script itself.
    assert gzip.decompress(htmx.data).startswith(b"(function")
    vary = [value.strip().lower() for value in htmx.headers["Vary"].split(",")]
    assert vary.count("accept-encoding") == 1
    # A static file without a twin is sent as it is, never compressed per request.
    licence = client.get("/static/vendor/htmx-LICENSE.txt", headers={"Accept-Encoding": "gzip"})
    assert licence.status_code == 200
    assert licence.mimetype == "text/plain" and len(licence.data) > 500
    assert "Content-Encoding" not in licence.headers


def test_compression_can_be_switched_off(database_url: str) -> None:
    app = create_app({"DATABASE_URL": database_url, "TESTING": True, "COMPRESS_ENABLED": False})
    response = app.test_client().get("/", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert "Content-Encoding" not in response.headers


def test_a_request_blocked_by_a_lock_gives_up_with_the_try_again_page(database_url: str) -> None:
    # The first register load on PostgreSQL locks the register until it commits: a request that
    # would wait for it gives up after DATABASE_LOCK_TIMEOUT with the 503 page, instead of
    # holding a worker. SQLite readers never wait for a writer (WAL): the page answers.
    import time
    from datetime import date

    from census.core import db
    from tests.factories import make_kk, make_nik

    app = create_app(
        {
            "DATABASE_URL": database_url,
            "TESTING": True,
            "WTF_CSRF_ENABLED": False,
            "DATABASE_LOCK_TIMEOUT": 0.3,
        }
    )
    numbers = {"kk": make_kk("33.16.01"), "nik": make_nik("33.16.01", "L", date(1980, 1, 2))}
    with app.app_context(), db.engine().connect() as holder:
        postgresql = holder.dialect.name == "postgresql"
        holder.exec_driver_sql(
            "LOCK TABLE household IN ACCESS EXCLUSIVE MODE"
            if postgresql
            else "UPDATE household SET rt = rt"
        )
        start = time.monotonic()
        response = app.test_client().post("/cek?lang=en", data=numbers)
        elapsed = time.monotonic() - start
        holder.rollback()
        db.engine().dispose()
    if postgresql:
        assert response.status_code == 503
        assert int(response.headers["Retry-After"]) > 0
        assert "try again" in response.get_data(as_text=True)
    else:
        assert response.status_code == 200
    assert elapsed < 5


def test_every_precompressed_static_file_matches_its_source() -> None:
    # A .gz twin is sent instead of its source to every client that accepts gzip: one left
    # behind after an edit would serve old code under the new file's name.
    from census.core.assets import STATIC_DIR

    twins = sorted(STATIC_DIR.rglob("*.gz"))
    assert twins, "the static files have .gz twins"
    for twin in twins:
        source = twin.with_suffix("")
        assert source.is_file(), f"{twin.name} has no source"
        assert gzip.decompress(twin.read_bytes()) == source.read_bytes(), twin.name
