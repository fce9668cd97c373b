"""A drive in Chromium at 320 px: its pages with axe, an employee confirming with JavaScript on
and off, and the presenter view following by polling (JavaScript) or by refreshing (without)."""

from __future__ import annotations

import time

import pytest
from axe_playwright_python.sync_playwright import Axe
from sqlalchemy import select

from census.core import db
from census.core.local_models import Drive, DriveConfirmation
from tests.browser.test_staff_browser import _sign_in
from tests.browser_fixtures import new_context, refreshes_by_itself, screenshot
from tests.drive_helpers import create_drive, sent_household

pytestmark = pytest.mark.browser

PUBLIC = ("/kampanye/asn-blora", "/kampanye/asn-blora/poster", "/presentasi/kampanye/asn-blora")
STAFF = ("/staf/wilayah/33.16/kampanye", "/staf/kampanye/asn-blora")


def add_confirmations(app, count: int) -> None:
    """``count`` confirmations for the drive's first agency, as if employees had sent them."""
    with app.app_context():
        session = db.session()
        drive = session.scalar(select(Drive))
        start = session.query(DriveConfirmation).count()
        for n in range(start, start + count):
            session.add(
                DriveConfirmation(
                    drive_id=drive.id,
                    agency_id=drive.agencies[0].id,
                    nik_key=n.to_bytes(32, "big"),
                    household_key=n.to_bytes(32, "big"),
                )
            )
        session.commit()


@pytest.mark.parametrize("lang", ["id", "en"])
def test_drive_pages_have_no_axe_violations_at_320px(app, page_js, live_server, lang) -> None:
    assert create_drive(app).exit_code == 0
    add_confirmations(app, 12)
    axe, base = Axe(), live_server.url
    for path in PUBLIC:
        page_js.goto(f"{base}{path}?lang={lang}")
        results = axe.run(page_js)
        assert results.violations_count == 0, (path, results.generate_report())
        assert page_js.evaluate("document.documentElement.scrollWidth") <= 320, path
    page_js.goto(f"{base}/kampanye/asn-blora?lang={lang}")
    with page_js.expect_navigation():
        page_js.locator("form button[type=submit]").click()  # sent empty: its errors
    assert page_js.locator("#error-summary").is_visible()
    results = axe.run(page_js)
    assert results.violations_count == 0, results.generate_report()
    screenshot(page_js, f"drive-errors-{lang}")
    _sign_in(page_js, app, base, f"blora-{lang}@blora.go.id", "region", "33.16")
    for path in STAFF:
        page_js.goto(f"{base}{path}?lang={lang}")
        results = axe.run(page_js)
        assert results.violations_count == 0, (path, results.generate_report())
        assert page_js.evaluate("document.documentElement.scrollWidth") <= 320, path


def test_an_employee_confirms_with_and_without_javascript(app, page, live_server) -> None:
    assert create_drive(app).exit_code == 0
    home = sent_household(app)
    page.goto(live_server.url + "/kampanye/asn-blora?lang=en")
    page.get_by_label("Proof code of your household").fill(home.proof)
    page.get_by_label("Your own NIK").fill(home.niks[0])
    page.get_by_label("Your agency").select_option(label="Bappeda")
    with page.expect_navigation():
        page.get_by_role("button", name="Confirm").click()
    assert page.get_by_text("your confirmation is counted").is_visible()
    row = page.locator("tr", has=page.get_by_role("rowheader", name="Bappeda"))
    assert row.locator("td").nth(1).inner_text() == "<10"
    page.get_by_label("Proof code of your household").fill(home.proof)
    page.get_by_label("Your own NIK").fill(home.niks[0])
    page.get_by_label("Your agency").select_option(label="Bappeda")
    with page.expect_navigation():
        page.get_by_role("button", name="Confirm").click()
    assert page.locator("#error-summary").is_visible()
    assert "already confirmed" in page.locator("#error-summary").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 320


def test_presenter_follows_by_polling_with_javascript(browser, server_factory, app) -> None:
    server = server_factory(CENSUS_PRESENTER_REFRESH_SECONDS="2")
    assert create_drive(app).exit_code == 0
    add_confirmations(app, 10)
    context = new_context(browser, javascript=True)
    page = context.new_page()
    navigations, polls = [], []
    page.on("framenavigated", lambda frame: navigations.append(frame.url))
    page.on("request", lambda r: polls.append(r.url) if r.headers.get("hx-request") else None)
    page.goto(server.url + "/presentasi/kampanye/asn-blora?lang=en")
    assert page.locator(".big").first.inner_text() == "10"
    add_confirmations(app, 5)
    deadline = time.monotonic() + 10
    while page.locator(".big").first.inner_text() != "15" and time.monotonic() < deadline:
        page.wait_for_timeout(250)
    assert page.locator(".big").first.inner_text() == "15", "the new count arrived by polling"
    assert polls and len(navigations) == 1, navigations
    screenshot(page, "drive-presenter-js")
    context.close()


def test_presenter_refreshes_without_javascript(browser, server_factory, app) -> None:
    server = server_factory(CENSUS_PRESENTER_REFRESH_SECONDS="2")
    assert create_drive(app).exit_code == 0
    add_confirmations(app, 10)
    context = new_context(browser, javascript=False)
    page = context.new_page()
    url = server.url + "/presentasi/kampanye/asn-blora?lang=en"
    refreshes_by_itself(page, url, lambda: add_confirmations(app, 2))
    assert page.locator(".big").first.inner_text() == "12"
    context.close()
