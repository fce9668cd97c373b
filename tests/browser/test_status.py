"""The status check in Chromium at 320 px: journeys with JavaScript on (htmx) and off."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from census.core.models import CountStatus
from tests.browser_fixtures import emulate_2g, first_load_bytes, screenshot, wait_until_true
from tests.factories import make_kk, with_status

pytestmark = pytest.mark.browser


def mode(page) -> str:
    return "js" if page.javascript else "nojs"


def open_check(page, url: str) -> None:
    response = page.goto(url + "/cek?lang=en")
    assert response.status == 200
    if page.javascript:
        # Survives only if the answer is swapped in without a page load.
        page.evaluate("window.sameDocument = true")


def submit(page, kk: str, nik: str) -> None:
    page.get_by_label("Family card (KK) number").fill(kk)
    page.get_by_label("NIK of any member of this family card").fill(nik)
    with page.expect_response(lambda r: r.request.method == "POST" and "/cek" in r.url):
        page.get_by_role("button", name="Check").click()


def assert_answer(page, heading: str) -> None:
    answer = page.locator("#status-answer")
    answer.wait_for()
    assert answer.locator("h2").inner_text() == heading
    if page.javascript:
        assert page.evaluate("window.sameDocument") is True, "no full page load"
        # htmx focuses the answer (autofocus) once it has settled.
        wait_until_true(page, "document.activeElement.id === 'status-answer'")
        assert page.evaluate("document.documentElement.scrollWidth") <= 320


def test_counted_household(page, live_server, app) -> None:
    made = with_status(
        app, CountStatus.COUNTED_ONLINE, datetime(2026, 3, 1, 2, tzinfo=UTC), proof="SP20AB12CD34"
    )
    open_check(page, live_server.url)
    spaced = f"{made.kk[:4]} {made.kk[4:8]} {made.kk[8:12]} {made.kk[12:]}"
    submit(page, spaced, made.niks[1])
    assert_answer(page, "Your household has been counted")
    text = page.locator("#status-answer").inner_text()
    assert "March 1, 2026" in text and "CD34" in text
    assert "Siti" not in page.content()
    screenshot(page, f"status-counted-{mode(page)}")


def test_not_found(page, live_server, app) -> None:
    made = with_status(app, CountStatus.NOT_STARTED)
    open_check(page, live_server.url)
    submit(page, make_kk("33.16.01"), made.niks[0])
    assert_answer(page, "We could not find these two numbers together")
    assert page.get_by_role("link", name="More answers in Questions").is_visible()
    screenshot(page, f"status-not-found-{mode(page)}")


def test_not_started_in_the_online_phase_links_to_the_form(page, live_server, app) -> None:
    made = with_status(app, CountStatus.NOT_STARTED)
    open_check(page, live_server.url)
    submit(page, made.kk, made.niks[2])
    assert_answer(page, "Your household has not been counted yet")
    link = page.locator("#status-check").get_by_role("link", name="Fill in the census")
    assert link.get_attribute("href").startswith("/isi")


def test_in_progress_links_to_continue(page, live_server, app) -> None:
    made = with_status(app, CountStatus.IN_PROGRESS)
    open_check(page, live_server.url)
    submit(page, made.kk, made.niks[0])
    assert_answer(page, "Your household started online but has not sent its answers")
    assert page.get_by_role("link", name="Continue the census form").is_visible()


def test_mistakes_are_shown_next_to_the_field_and_kept(page, live_server, app) -> None:
    made = with_status(app, CountStatus.NOT_STARTED)
    open_check(page, live_server.url)
    submit(page, "3316 01", made.niks[0])
    summary = page.locator(".error-summary")
    summary.wait_for()
    link = summary.get_by_role("link", name="A KK number has 16 digits; you typed 6 digits.")
    assert link.get_attribute("href") == "#kk"
    assert page.locator("#kk-error").is_visible()
    assert page.locator("#kk").input_value() == "3316 01"
    assert page.locator("#nik").input_value() == made.niks[0]
    screenshot(page, f"status-invalid-{mode(page)}")


def test_the_throttle_is_shown(page, server_factory, app) -> None:
    server = server_factory(LOOKUP_LIMITS="2/minute")
    made = with_status(app, CountStatus.NOT_STARTED)
    open_check(page, server.url)
    for _ in range(2):
        submit(page, make_kk("33.16.01"), made.niks[0])
        assert_answer(page, "We could not find these two numbers together")
    submit(page, make_kk("33.16.01"), made.niks[0])
    page.get_by_role("heading", name="Too many tries").wait_for()
    assert_answer(page, "Too many tries")
    assert "Please try again in 1 minute." in page.locator("#status-answer").inner_text()
    screenshot(page, f"status-throttled-{mode(page)}")


def test_usable_on_2g(page_js, live_server, app) -> None:
    made = with_status(app, CountStatus.COUNTED_OFFICER)
    emulate_2g(page_js)
    page_js.javascript = True
    open_check(page_js, live_server.url)
    submit(page_js, made.kk, made.niks[0])
    assert_answer(page_js, "Your household has been counted")


def test_first_load_is_small(live_server) -> None:
    assert first_load_bytes(live_server.url, "/cek?lang=id") <= 14 * 1024
    assert first_load_bytes(live_server.url, "/cek?wilayah=33.16.01.2001") <= 14 * 1024


@pytest.mark.parametrize("status", [CountStatus.COUNTED_ONLINE, None], ids=["counted", "not-found"])
def test_answers_have_no_accessibility_violations(page_js, live_server, app, status) -> None:
    from axe_playwright_python.sync_playwright import Axe

    made = with_status(app, status or CountStatus.NOT_STARTED, proof="SP20AB12CD34")
    page_js.javascript = True
    open_check(page_js, live_server.url)
    submit(page_js, made.kk if status else make_kk("33.16.01"), made.niks[0])
    page_js.locator("#status-answer").wait_for()
    results = Axe().run(page_js)
    assert results.response["passes"], "axe ran"
    assert results.violations_count == 0, results.generate_report()


@pytest.mark.parametrize("failure", ["server", "network"])
def test_a_failed_request_is_said_and_keeps_what_was_typed(page_js, live_server, failure) -> None:
    # A 503 (the database busy or locked) or no answer at all (a dropped 2G connection): htmx
    # alone would leave the page silent. The form says so, in the page's language, and keeps
    # the numbers typed.
    def fail(route) -> None:
        if route.request.method != "POST":
            route.continue_()
        elif failure == "server":
            route.fulfill(status=503, body="busy", headers={"Content-Type": "text/html"})
        else:
            route.abort("internetdisconnected")

    page_js.route("**/cek*", fail)
    open_check(page_js, live_server.url)
    page_js.get_by_label("Family card (KK) number").fill("3316010903159001")
    page_js.get_by_label("NIK of any member of this family card").fill("3316011204789002")
    page_js.get_by_role("button", name="Check").click()
    alert = page_js.locator("form .request-failed[role=alert]")
    alert.wait_for()
    expected = "Sorry, that did not work" if failure == "server" else "No connection to the site"
    assert alert.inner_text().startswith(expected)
    assert page_js.get_by_label("Family card (KK) number").input_value() == "3316010903159001"
    assert page_js.evaluate("window.sameDocument") is True
    # The next try clears the line; this one gets an answer.
    page_js.unroute("**/cek*")
    with page_js.expect_response(lambda r: r.request.method == "POST"):
        page_js.get_by_role("button", name="Check").click()
    page_js.locator("#status-answer").wait_for()
    assert page_js.locator(".request-failed").count() == 0
