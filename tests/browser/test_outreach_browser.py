"""Outreach pages in Chromium at 320 px: size, accessibility, presenter refresh, demo journey."""

from __future__ import annotations

import functools
import http.server
import re
import threading
import time

import pytest
from axe_playwright_python.sync_playwright import Axe

from census.core import db
from tests.browser_fixtures import (
    first_load_bytes,
    new_context,
    refreshes_by_itself,
    screenshot,
    wait_until_true,
)
from tests.outreach_helpers import add_many

pytestmark = pytest.mark.browser

PAGES = (
    "/wilayah",
    "/wilayah/33.16",
    "/wilayah/33.16.01",
    "/wilayah/33.16/flyer",
    "/presentasi/33.16",
    "/untuk-pemda",
    "/untuk-pemda?wilayah=33.16",
    "/embed/cek?wilayah=33.16",
    "/demo",
)


def with_lang(path: str, lang: str) -> str:
    return path + ("&" if "?" in path else "?") + f"lang={lang}"


@pytest.fixture
def blora(app):
    with app.app_context():
        add_many(db.session(), "33.16.01.2001", online=30, officer=12, waiting=40)
        add_many(db.session(), "33.16.02.2001", online=14, waiting=20, days_ago=3)
        add_many(db.session(), "33.16.05.2001", online=4, waiting=5)
    return app


def test_every_outreach_page_is_small_on_first_load(live_server, blora) -> None:
    for path in PAGES:
        for lang in ("id", "en"):
            size = first_load_bytes(
                live_server.url, path + ("&" if "?" in path else "?") + f"lang={lang}"
            )
            assert size <= 14 * 1024, (path, lang, size)


@pytest.mark.parametrize("lang", ["id", "en"])
def test_outreach_pages_have_no_axe_violations_at_320px(page_js, live_server, blora, lang) -> None:
    axe = Axe()
    for path in (*PAGES, "/wilayah/99"):
        page_js.goto(live_server.url + with_lang(path, lang))
        results = axe.run(page_js)
        assert results.violations_count == 0, f"{path}: {results.generate_report()}"
        width = page_js.evaluate("document.documentElement.scrollWidth")
        assert width <= 320, (path, width)
    page_js.goto(live_server.url + f"/wilayah/33.16?lang={lang}")
    screenshot(page_js, f"region-{lang}")


def test_presenter_updates_with_javascript_without_reloading(browser, server_factory, app) -> None:
    server = server_factory(CENSUS_CACHE_SECONDS="0", CENSUS_PRESENTER_REFRESH_SECONDS="2")
    with app.app_context():
        add_many(db.session(), "33.16.01.2001", online=20, waiting=10)
    context = new_context(browser, javascript=True)
    page = context.new_page()
    navigations, polls = [], []
    page.on("framenavigated", lambda frame: navigations.append(frame.url))
    page.on("request", lambda r: polls.append(r.url) if r.headers.get("hx-request") else None)
    page.goto(server.url + "/presentasi/33.16?lang=en")
    assert page.locator(".big").first.inner_text() == "20"
    refreshers = page.evaluate("document.querySelectorAll('meta[http-equiv=refresh]').length")
    assert refreshers == 0, "with JavaScript the noscript refresh is not active"
    with app.app_context():
        add_many(db.session(), "33.16.01.2001", online=5)
    deadline = time.monotonic() + 10
    while page.locator(".big").first.inner_text() != "25" and time.monotonic() < deadline:
        page.wait_for_timeout(250)
    assert page.locator(".big").first.inner_text() == "25", "the new count arrived by polling"
    assert polls, "htmx polled the fragment"
    assert len(navigations) == 1, f"no full reload with JavaScript: {navigations}"
    screenshot(page, "presenter-js")
    context.close()


def test_presenter_refreshes_without_javascript(browser, server_factory, app) -> None:
    server = server_factory(CENSUS_CACHE_SECONDS="0", CENSUS_PRESENTER_REFRESH_SECONDS="2")
    context = new_context(browser, javascript=False)
    page = context.new_page()

    def add_households() -> None:
        with app.app_context():
            add_many(db.session(), "33.16.01.2001", online=12)

    refreshes_by_itself(page, server.url + "/presentasi/33.16?lang=en", add_households)
    assert page.locator(".big").first.inner_text() == "12"
    context.close()


def test_demo_journey_without_javascript(page_nojs, live_server) -> None:
    page_nojs.goto(live_server.url + "/demo?lang=en")
    with page_nojs.expect_navigation():
        page_nojs.get_by_role("button", name="Start a demo").click()
    assert page_nojs.locator(".demo-banner").is_visible()
    numbers = page_nojs.locator(".demo-numbers dd").all_inner_texts()
    assert len(numbers) == 4 and all(n.replace(" ", "").startswith("339899") for n in numbers)
    screenshot(page_nojs, "demo-nojs")
    page_nojs.goto(live_server.url + "/wilayah/33.16?lang=en")
    assert page_nojs.locator(".demo-banner").is_visible()
    page_nojs.goto(live_server.url + "/demo?lang=en")
    with page_nojs.expect_navigation():
        page_nojs.get_by_role("button", name="End the demo").click()
    assert page_nojs.locator(".demo-banner").count() == 0


def test_pemda_picker_without_javascript(page_nojs, live_server) -> None:
    page_nojs.goto(live_server.url + "/untuk-pemda?lang=en")
    page_nojs.get_by_label("Choose your province").select_option("33")
    with page_nojs.expect_navigation():
        page_nojs.get_by_role("button", name="Show").click()
    page_nojs.get_by_label("Choose an area in Jawa Tengah").select_option("33.16")
    with page_nojs.expect_navigation():
        page_nojs.get_by_role("button", name="Show").click()
    assert page_nojs.get_by_role("heading", name="Snippets for Kabupaten Blora").is_visible()
    badge = "document.querySelector(\"img[src*='/badge/33.16.svg']\")"
    # The image loads after the page's load state may already have been reported: wait for it.
    wait_until_true(page_nojs, f"{badge}.complete && {badge}.naturalWidth > 0")
    assert page_nojs.evaluate(f"{badge}.naturalWidth") == 220
    screenshot(page_nojs, "pemda-nojs")


@pytest.fixture
def other_site(tmp_path):
    """Another origin (a local government's site): a static server on a port of its own."""
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield tmp_path, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_only_the_embed_can_be_framed_by_another_site(page_js, live_server, other_site) -> None:
    folder, origin = other_site
    (folder / "index.html").write_text(
        f'<iframe id="ok" title="embed" src="{live_server.url}/embed/cek?wilayah=33.16"></iframe>'
        f'<iframe id="no" title="page" src="{live_server.url}/wilayah/33.16"></iframe>'
    )
    page_js.goto(origin + "/index.html")
    embed = page_js.frame_locator("#ok")
    embed.locator("input[name=nik]").wait_for()
    assert embed.locator("form[method=post]").count() == 1
    page_js.wait_for_timeout(1000)
    urls = [frame.url for frame in page_js.frames]
    assert any(url.startswith("chrome-error://") for url in urls), urls
    blocked = page_js.frame_locator("#no")
    assert blocked.get_by_text("Blora").count() == 0, "the region page refuses to be framed"


def test_flyer_prints_on_one_a4_page(page_js, live_server) -> None:
    for lang in ("id", "en"):
        page_js.goto(live_server.url + f"/wilayah/33.16/flyer?lang={lang}")
        page_js.emulate_media(media="print")
        assert not page_js.locator("header.site").is_visible()
        assert not page_js.locator(".no-print").first.is_visible()
        assert page_js.locator(".flyer-qr svg").is_visible()
        pdf = page_js.pdf(format="A4", print_background=True)
        pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
        assert pages == 1, f"the {lang} flyer takes {pages} pages"
        page_js.emulate_media(media="screen")
