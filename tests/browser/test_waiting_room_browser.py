"""The waiting room in Chromium: with the limit set low, newcomers (JavaScript on and off) see the
polite waiting page and are let in by its refresh, in the order they came, while a household
already inside goes on filling in."""

from __future__ import annotations

import time

import pytest

from census.core import db
from tests.browser_fixtures import new_context
from tests.factories import add_household

pytestmark = pytest.mark.browser
PIN = "135790"


def _enter(page, base: str, made) -> None:
    page.goto(base + "/isi?lang=id")
    page.fill("#kk", made.kk)
    page.fill("#nik", made.niks[0])
    page.click("form button[type=submit]")
    page.wait_for_load_state()


def test_newcomers_wait_politely_and_go_in_in_order(browser, server_factory, app) -> None:
    # A turn every 5 s; a turn within 5 s of now is taken at once.
    server = server_factory(CENSUS_ADMIT_PER_MINUTE="12", LIMITS_ENABLED="0")
    with app.app_context():
        made = [add_household(db.session()) for _ in range(4)]
    contexts = [new_context(browser, javascript=js) for js in (False, True, True, False)]
    pages = [context.new_page() for context in contexts]
    try:
        inside, second, third, fourth = pages
        _enter(inside, server.url, made[0])
        assert "/isi/pin" in inside.url
        inside.fill("#pin", PIN)
        inside.fill("#confirm", PIN)
        inside.click("form button[type=submit]")
        inside.wait_for_load_state()
        _enter(second, server.url, made[1])
        assert "/isi/pin" in second.url  # still within the burst
        waiting = []
        for page, household in ((third, made[2]), (fourth, made[3])):
            with page.expect_response(lambda r: "/isi" in r.url and r.status == 503):
                _enter(page, server.url, household)
            assert "Mohon tunggu giliran Anda" in page.content()
            assert page.locator("meta[http-equiv=refresh]").count() == 1
            waiting.append(page)
        # The household inside is never held up: it answers its first step meanwhile.
        inside.check("input[name='at_kk_address'][value='yes']")
        inside.click("form button[type=submit]")
        inside.wait_for_load_state()
        assert "Langkah 2 dari 6" in inside.content()
        arrived: dict[int, float] = {}
        deadline = time.monotonic() + 60
        while len(arrived) < 2:
            assert time.monotonic() < deadline, [page.url for page in waiting]
            for index, page in enumerate(waiting):
                if index not in arrived and "/isi/pin" in page.url:
                    arrived[index] = time.monotonic()
            waiting[0].wait_for_timeout(200)
        assert arrived[0] < arrived[1]  # first come, first served
        assert 'name="confirm"' in fourth.content()  # on to the PIN, numbers not typed again
    finally:
        for context in contexts:
            context.close()
