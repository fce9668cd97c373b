"""A staff member sets up an account and signs in, with JavaScript off, at 320 px."""

from __future__ import annotations

import pyotp
import pytest

from tests.staff_helpers import PASSWORD, add_account, previous_code

pytestmark = pytest.mark.browser


def test_set_up_sign_in_and_sign_out_without_javascript(app, page_nojs, live_server) -> None:
    page = page_nojs
    path = add_account(app, "blora@blora.go.id", "region", "33.16")
    assert page.goto(live_server.url + path + "?lang=en").status == 200
    assert page.locator(".qr svg").is_visible()
    secret = page.locator("#totp-secret").inner_text()
    page.get_by_label("Choose a password").fill(PASSWORD)
    page.get_by_label("Type the password again").fill(PASSWORD)
    page.get_by_label("Code from your authenticator app").fill(previous_code(secret))
    with page.expect_navigation():
        page.get_by_role("button", name="Finish setting up").click()
    assert page.locator("h1").inner_text() == "Staff sign-in"
    page.get_by_label("Email address").fill("blora@blora.go.id")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Code from your authenticator app").fill(pyotp.TOTP(secret).now())
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    assert page.locator("h1").inner_text() == "Staff pages"
    with page.expect_navigation():
        page.get_by_role("link", name="Manage Kabupaten Blora").click()
    page.get_by_label("Online participation target (%)").fill("150")
    with page.expect_navigation():
        page.get_by_role("button", name="Save the target").click()
    assert page.locator("#error-summary").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    with page.expect_navigation():
        page.get_by_role("button", name="Sign out", exact=True).click()
    assert page.locator("h1").inner_text() == "Staff sign-in"


def _sign_in(page, app, base: str, email: str, role: str, region: str | None) -> None:
    path = add_account(app, email, role, region)
    page.goto(base + path + "?lang=en")
    secret = page.locator("#totp-secret").inner_text()
    page.get_by_label("Choose a password").fill(PASSWORD)
    page.get_by_label("Type the password again").fill(PASSWORD)
    page.get_by_label("Code from your authenticator app").fill(previous_code(secret))
    with page.expect_navigation():
        page.get_by_role("button", name="Finish setting up").click()
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Code from your authenticator app").fill(pyotp.TOTP(secret).now())
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()


@pytest.mark.parametrize("lang", ["id", "en"])
def test_staff_pages_have_no_axe_violations(app, page_js, live_server, lang) -> None:
    from axe_playwright_python.sync_playwright import Axe

    axe, base = Axe(), live_server.url
    _sign_in(page_js, app, base, "bps@bps.go.id", "national", None)
    for path in ("/staf", "/staf/wilayah/33", "/staf/wilayah/33.16", "/staf/jadwal", "/staf/audit"):
        page_js.goto(f"{base}{path}?lang={lang}")
        results = axe.run(page_js)
        assert results.violations_count == 0, (path, results.generate_report())
        assert page_js.evaluate("document.documentElement.scrollWidth") <= 320, path
    page_js.goto(f"{base}/staf/wilayah/33.16?lang={lang}")
    with page_js.expect_navigation():
        page_js.locator("button[type=submit]").first.click()  # a form sent empty: its errors
    results = axe.run(page_js)
    assert results.violations_count == 0, results.generate_report()
