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
