"""Journeys through the information pages as a new visitor on a cheap phone: 320x568, JavaScript
off, over emulated 2G, in both languages; the language switch works without JavaScript."""

from __future__ import annotations

import pytest

from tests.browser_fixtures import VIEWPORT, emulate_2g, screenshot
from tests.routes import INFORMATION_PAGES

pytestmark = pytest.mark.browser

H1 = {
    "id": {
        "/": "Pastikan rumah tangga Anda tercacah dalam Sensus Penduduk",
        "/jadwal": "Jadwal sensus",
        "/persiapan": "Yang perlu disiapkan",
        "/cara": "Cara mengisi",
        "/tanya-jawab": "Tanya jawab",
        "/privasi": "Privasi",
        "/tentang-data": "Tentang data",
    },
    "en": {
        "/": "Count your household in the population census",
        "/jadwal": "Census schedule",
        "/persiapan": "What to prepare",
        "/cara": "How it works",
        "/tanya-jawab": "Questions and answers",
        "/privasi": "Privacy",
        "/tentang-data": "About the data",
    },
}
SHARE = {"id": "Bagikan halaman ini lewat WhatsApp", "en": "Share this page on WhatsApp"}


def test_every_page_has_expected_headings() -> None:
    assert set(H1["id"]) == set(H1["en"]) == set(INFORMATION_PAGES.values())


@pytest.mark.parametrize("lang", ["id", "en"])
def test_every_page_reads_well_without_javascript_on_2g(page_nojs, live_server, lang) -> None:
    emulate_2g(page_nojs)
    for path, heading in H1[lang].items():
        response = page_nojs.goto(f"{live_server.url}{path}?lang={lang}")
        assert response.status == 200
        assert page_nojs.locator("html").get_attribute("lang") == lang
        h1 = page_nojs.locator("h1")
        assert h1.inner_text() == heading
        box = h1.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= VIEWPORT["width"]
        assert page_nojs.evaluate("document.documentElement.scrollWidth") <= VIEWPORT["width"]
        share = page_nojs.get_by_role("link", name=SHARE[lang])
        assert share.get_attribute("href").startswith("https://wa.me/?text=")
        name = (path.strip("/") or "home").replace("-", "_")
        screenshot(page_nojs, f"pages-{name}-{lang}-nojs")


def test_a_visitor_finds_their_way_without_javascript(page_nojs, live_server) -> None:
    page = page_nojs
    page.goto(live_server.url + "/")
    assert page.locator("h1").inner_text() == H1["id"]["/"]
    assert "Sensus daring sedang dibuka." in page.locator("main").inner_text()
    page.get_by_role("link", name="Yang perlu disiapkan").click()
    page.wait_for_url("**/persiapan")
    assert page.locator("h1").inner_text() == "Yang perlu disiapkan"
    assert page.get_by_role("img", name="Letak nomor-nomor pada Kartu Keluarga").is_visible()
    page.get_by_role("link", name="Cara mengisi, langkah demi langkah").click()
    page.wait_for_url("**/cara")
    assert page.locator("h1").inner_text() == "Cara mengisi"
    assert page.locator("ol.steps > li").count() == 7
    page.get_by_role("navigation", name="Tentang situs ini").get_by_role(
        "link", name="Tanya jawab"
    ).click()
    page.wait_for_url("**/tanya-jawab")
    page.get_by_role("link", name="Apakah ada aplikasi sensus?").click()
    page.wait_for_url("**/tanya-jawab#app")
    page.get_by_role("link", name="Privasi").click()
    page.wait_for_url("**/privasi")
    assert "UU 27/2022" in page.locator("main").inner_text()
    page.get_by_role("link", name="Tentang data").first.click()
    page.wait_for_url("**/tentang-data")
    assert "ODbL" in page.locator("main").inner_text()
    page.get_by_role("navigation", name="Utama").get_by_role("link", name="Jadwal").click()
    page.wait_for_url("**/jadwal")
    now = page.locator('li.phase[aria-current="step"]')
    assert now.count() == 1
    assert "Sekarang" in now.inner_text()


def test_language_switch_works_without_javascript(page_nojs, live_server) -> None:
    page = page_nojs
    page.goto(live_server.url + "/jadwal")
    assert page.locator("html").get_attribute("lang") == "id"
    page.get_by_role("link", name="English").click()
    assert page.url.endswith("/jadwal?lang=en"), "the switch stays on the same page"
    assert page.locator("h1").inner_text() == "Census schedule"
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Questions").click()
    assert page.url.endswith("/tanya-jawab?lang=en"), "links keep the chosen language"
    assert page.locator("html").get_attribute("lang") == "en"
    page.goto(live_server.url + "/privasi")
    assert page.locator("h1").inner_text() == "Privacy", "the cookie remembers the choice"
    page.get_by_role("link", name="Bahasa Indonesia").click()
    assert page.locator("h1").inner_text() == "Privasi"
    page.goto(live_server.url + "/")
    assert page.locator("html").get_attribute("lang") == "id"


def test_browser_language_is_the_first_guess(browser, live_server) -> None:
    context = browser.new_context(viewport=VIEWPORT, java_script_enabled=False, locale="en-US")
    try:
        page = context.new_page()
        page.goto(live_server.url + "/cara")
        assert page.locator("html").get_attribute("lang") == "en"
        assert page.locator("h1").inner_text() == "How it works"
    finally:
        context.close()


def test_home_screenshots(page, live_server) -> None:
    """The home page as a visitor sees it, in both languages (tests/artifacts/)."""
    for lang in ("id", "en"):
        page.goto(f"{live_server.url}/?lang={lang}")
        assert page.locator(".actions .btn").first.is_visible()
        mode = "js" if page.javascript else "nojs"
        screenshot(page, f"pages-home-{lang}-{mode}")


def test_bench_scenarios_report_weights_and_2g_timing(browser, live_server) -> None:
    from bench.pages import PAGES, scenarios

    results = {
        r["name"]: r for r in scenarios({"base_url": live_server.url, "browser": browser}, 1)
    }
    for path in PAGES:
        weight = results[f"first load {path}"]
        assert 1000 < weight["value"] <= weight["budget"]
    # A page this small may paint just after its load event: each only has to include the
    # emulated 800 ms round trip.
    for key in ("first_contentful_paint", "dom_content_loaded", "load"):
        assert results[f"home on 2G: {key}"]["value"] >= 800, "2G latency is in the timing"
