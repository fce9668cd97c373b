"""Accessibility of every GET page: axe finds nothing, nothing scrolls sideways at 320 px, and
keyboard focus moves through a page in reading order.

Pages come from ``app.url_map`` (tests/routes.py), so pages other capabilities add are covered as
soon as their blueprint is registered. axe needs JavaScript in the page; the width check also runs
with JavaScript off, as many visitors browse.
"""

from __future__ import annotations

import itertools

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.routes import INFORMATION_PAGES, PAGE_ROUTES, PageRoute

pytestmark = pytest.mark.browser
AXE = Axe()
LANGS = ["id", "en"]


def url(live_server, route: PageRoute, lang: str) -> str:
    if route.path is None:
        pytest.skip(f"{route.rule}: {route.reason}")
    sep = "&" if "?" in route.path else "?"
    return f"{live_server.url}{route.path}{sep}lang={lang}"


def open_page(page, address: str) -> None:
    """Load a page, skipping (with the reason shown) a route that answers with no HTML page."""
    response = page.goto(address)
    assert response.status < 400, f"{address} answered {response.status}"
    kind = response.headers.get("content-type", "")
    if not kind.startswith("text/html"):
        pytest.skip(f"{address} is not a page ({kind})")


def scroll_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


@pytest.mark.parametrize("route", PAGE_ROUTES, ids=str)
@pytest.mark.parametrize("lang", LANGS)
def test_axe_finds_no_violations(page_js, live_server, route: PageRoute, lang: str) -> None:
    open_page(page_js, url(live_server, route, lang))
    assert page_js.locator("html").get_attribute("lang") == lang
    results = AXE.run(page_js)
    assert results.violations_count == 0, results.generate_report()
    assert scroll_width(page_js) <= 320


@pytest.mark.parametrize("route", PAGE_ROUTES, ids=str)
@pytest.mark.parametrize("lang", LANGS)
def test_no_sideways_scroll_without_javascript(page_nojs, live_server, route, lang) -> None:
    open_page(page_nojs, url(live_server, route, lang))
    assert scroll_width(page_nojs) <= 320


FOCUSED = """() => {
  const el = document.activeElement;
  const box = el.getBoundingClientRect();
  return {tag: el.tagName, text: el.textContent.trim(), top: box.top + window.scrollY,
          left: box.left, right: box.right, inMain: !!el.closest('main')};
}"""


def focus_order(page) -> list[dict]:
    """Tab through the page from the top and record each focused element until it wraps."""
    stops = []
    for _ in range(80):
        page.keyboard.press("Tab")
        here = page.evaluate(FOCUSED)
        if here["tag"] == "BODY" or (stops and here == stops[0]):
            break
        stops.append(here)
    return stops


@pytest.mark.parametrize("path", INFORMATION_PAGES.values())
def test_keyboard_focus_follows_the_reading_order(page_js, live_server, path: str) -> None:
    page_js.goto(f"{live_server.url}{path}?lang=id")
    stops = focus_order(page_js)
    assert stops[0]["text"] == "Langsung ke isi utama", "the skip link comes first"
    assert len(stops) >= 8
    for before, after in itertools.pairwise(stops[1:]):
        assert after["top"] >= before["top"] - 4, f"focus jumps up from {before} to {after}"
    for stop in stops[1:]:
        assert stop["left"] >= 0 and stop["right"] <= 320, f"focused off screen: {stop}"


def test_skip_link_moves_focus_to_the_content(page_js, live_server) -> None:
    page_js.goto(f"{live_server.url}/?lang=en")
    page_js.keyboard.press("Tab")
    skip = page_js.get_by_role("link", name="Skip to main content")
    assert skip.evaluate("el => el === document.activeElement")
    box = skip.bounding_box()
    assert box and box["x"] >= 0, "the skip link shows when focused"
    page_js.keyboard.press("Enter")
    page_js.keyboard.press("Tab")
    assert page_js.evaluate("!!document.activeElement.closest('main')")
