"""Public pages kept for a few seconds as bytes: rendered once, 304 on a matching ETag, never
kept past a change by staff, never mixed between languages, sessions or htmx requests."""

from __future__ import annotations

import gzip
from contextlib import contextmanager

from flask import Flask, template_rendered

GZIP = {"Accept-Encoding": "gzip"}


@contextmanager
def renders(app: Flask):
    names: list[str] = []

    def record(_sender, template, context, **extra) -> None:
        names.append(template.name)

    template_rendered.connect(record, app)
    try:
        yield names
    finally:
        template_rendered.disconnect(record, app)


def test_a_page_is_rendered_once_and_served_as_kept_bytes(app: Flask) -> None:
    client = app.test_client()
    first = client.get("/tanya-jawab", headers=GZIP)
    with renders(app) as names:
        second = client.get("/tanya-jawab", headers=GZIP)
    assert names == [], "the second request renders no template"
    assert second.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(second.data) == gzip.decompress(first.data)
    plain = client.get("/tanya-jawab")
    assert "Content-Encoding" not in plain.headers
    assert plain.data == gzip.decompress(second.data)
    for header in ("Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options"):
        assert header in second.headers, "the security headers are added to a kept page too"
    assert "Accept-Encoding" in second.headers["Vary"] and "Cookie" in second.headers["Vary"]


def test_a_matching_etag_gets_304_without_a_body(app: Flask) -> None:
    client = app.test_client()
    first = client.get("/", headers=GZIP)
    etag = first.headers["ETag"]
    again = client.get("/", headers={**GZIP, "If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    weak = client.get("/", headers={**GZIP, "If-None-Match": "W/" + etag})  # as nginx passes it on
    assert weak.status_code == 304
    plain = client.get("/")
    assert plain.headers["ETag"] != etag, "the plain bytes have an ETag of their own"
    assert client.get("/", headers={"If-None-Match": plain.headers["ETag"]}).status_code == 304
    other = client.get("/", headers={**GZIP, "If-None-Match": '"something-else"'})
    assert other.status_code == 200 and other.headers["ETag"] == etag
    assert first.headers["Cache-Control"] == "no-cache", "browsers ask again, cheaply"


def test_languages_and_htmx_requests_are_kept_apart(app: Flask) -> None:
    client = app.test_client()
    english = client.get("/privasi?lang=en").text
    indonesian = client.get("/privasi?lang=id").text
    assert 'lang="en"' in english and 'lang="id"' in indonesian
    assert client.get("/privasi?lang=en").text == english
    other = app.test_client()
    assert 'lang="en"' in other.get("/privasi", headers={"Accept-Language": "en"}).text
    assert 'lang="id"' in other.get("/privasi", headers={"Accept-Language": "id"}).text


def test_another_query_string_is_rendered_and_not_kept(app: Flask) -> None:
    client = app.test_client()
    client.get("/tanya-jawab")
    with renders(app) as names:
        client.get("/tanya-jawab?utm_source=wa")
        client.get("/tanya-jawab?utm_source=wa")
    assert len(names) >= 2, "each unusual URL is rendered as before"


def test_a_change_by_staff_shows_at_once(app: Flask) -> None:
    client = app.test_client()
    assert "Balai desa buka" not in client.get("/?lang=id").text
    result = app.test_cli_runner().invoke(
        args=["census", "announce", "Balai desa buka sampai jam 8 malam"]
    )
    assert result.exit_code == 0, result.output
    assert "Balai desa buka" in client.get("/?lang=id").text


def test_the_demo_banner_is_not_served_to_others(app: Flask) -> None:
    demo = app.test_client()
    assert demo.post("/demo", data={"wilayah": "33.16"}).status_code == 303
    assert '<p class="demo-banner"' in demo.get("/cara").text
    assert '<p class="demo-banner"' not in app.test_client().get("/cara").text
    assert '<p class="demo-banner"' in demo.get("/cara").text


def test_the_cache_can_be_switched_off(app: Flask) -> None:
    app.config["PAGE_CACHE_SECONDS"] = 0
    client = app.test_client()
    client.get("/tanya-jawab")
    with renders(app) as names:
        response = client.get("/tanya-jawab")
    assert names and "ETag" not in response.headers


def csrf_token(html: str) -> str:
    import re

    found = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert found, "no CSRF token on the page"
    return found.group(1)


def test_the_entry_pages_are_kept_with_each_visitor_given_a_token_of_their_own(
    app: Flask,
) -> None:
    from tests.form_helpers import make_household

    app.config["WTF_CSRF_ENABLED"] = True
    made = make_household(app)
    first, second = app.test_client(), app.test_client()
    for path in ("/cek", "/isi"):
        first_token = csrf_token(gzip.decompress(first.get(path, headers=GZIP).data).decode())
        with renders(app) as names:
            kept = second.get(path, headers=GZIP)
        assert names == [], f"{path} comes from what was kept"
        assert kept.headers["Content-Encoding"] == "gzip"
        second_token = csrf_token(gzip.decompress(kept.data).decode())
        assert second_token != first_token, "each visitor has a token of their own"
        if path == "/cek":  # the second visitor's first page: their session starts here
            assert "session=" in kept.headers.get("Set-Cookie", "")
        assert "ETag" not in kept.headers
    answered = second.post(
        "/cek", data={"csrf_token": second_token, "kk": made.kk, "nik": made.niks[0]}
    )
    assert answered.status_code == 200 and '<div class="error-summary"' not in answered.text, (
        "the token on a kept page is accepted"
    )
    opened = second.post(
        "/isi", data={"csrf_token": second_token, "kk": made.kk, "nik": made.niks[0]}
    )
    assert opened.status_code == 303 and opened.headers["Location"].endswith("/isi/pin")


def test_a_visitor_with_a_household_open_is_not_served_the_kept_entry_page(app: Flask) -> None:
    from tests.form_helpers import enter, make_household

    made = make_household(app)
    app.test_client().get("/isi")  # kept now
    client = app.test_client()
    enter(client, made)
    again = client.get("/isi")
    assert again.status_code == 303 and again.headers["Location"].endswith("/isi/lanjut")


def test_odd_headers_hosts_and_tokens_make_no_new_pages(app: Flask) -> None:
    client = app.test_client()
    client.get("/tanya-jawab")
    pages = app.extensions["census_pages"]._pages
    kept = len(pages)
    for i in range(20):
        client.get("/tanya-jawab", headers={"HX-Request": f"x{i}", "HX-Boosted": f"y{i}"})
    assert len(pages) == kept, "a header's other values are one entry"
    for i in range(20):
        client.get("/tanya-jawab", headers={"Host": f"host{i}.example"})
    assert len(pages) <= kept + 8, "a few request hosts at most"
    app.config["SITE_URL"] = "https://sensus.example.go.id"
    before = len(pages)
    for i in range(5):
        client.get("/tanya-jawab", headers={"Host": f"other{i}.example"})
    assert len(pages) <= before + 1, "with SITE_URL the request's host is not in the key"
    with renders(app) as names:
        client.get("/presentasi/33.16")
        client.get("/presentasi/33.16")
    assert len(names) >= 2, "a page with the visitor's CSRF token (htmx) is not kept"
