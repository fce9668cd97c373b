"""The site in a real Chromium at 320 px, with JavaScript on and off."""

from __future__ import annotations

import pytest

from tests.browser_fixtures import first_load_bytes, screenshot

pytestmark = pytest.mark.browser


def test_home_page_renders_without_horizontal_scroll(page, live_server) -> None:
    response = page.goto(live_server.url + "/?lang=id")
    assert response.status == 200
    assert page.locator("html").get_attribute("lang") == "id"
    assert page.locator("h1").is_visible()
    if page.javascript:
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 320
    screenshot(page, f"home-{'js' if page.javascript else 'nojs'}")


def test_language_switch_works_without_javascript(page_nojs, live_server) -> None:
    page_nojs.goto(live_server.url + "/")
    with page_nojs.expect_navigation():
        page_nojs.get_by_role("link", name="English").click()
    assert page_nojs.locator("html").get_attribute("lang") == "en"
    page_nojs.goto(live_server.url + "/")
    assert page_nojs.locator("html").get_attribute("lang") == "en", "the choice is remembered"


def test_first_load_is_small(live_server) -> None:
    assert first_load_bytes(live_server.url, "/") <= 14 * 1024
