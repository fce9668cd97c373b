"""A meeting room in Chromium: 30 phones (JavaScript on and off) each scan their way to a practice
household and send it; the projector's count reaches 30; "End the meeting" leaves none behind.

The server's SITE_URL is a room address on a LAN (as ``make meeting`` sets it); the phones talk
to 127.0.0.1 with the paths the room's QR code carries.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from census.core import db
from census.core.models import Household, MeetingRoom
from tests.browser_fixtures import new_context, screenshot, wait_until_true

pytestmark = pytest.mark.browser
ROOM_ADDRESS = "http://10.20.30.40:8000"
PHONES = 30
PIN = "135790"
PEOPLE = (  # the practice household's three members (census.demo.service.DEMO_MEMBERS)
    ("L", (1, 1, 1980), {}),
    ("P", (1, 2, 1982), {"relationship": "istri"}),
    ("P", (1, 3, 2012), {"marital": "single", "education": "sd", "activity": "school"}),
)


def _press(page, selector: str) -> None:
    """Press a button and wait for the next page: a navigation, or an htmx swap of the body."""
    if page.javascript:
        page.evaluate("document.querySelector('h1').dataset.old = '1'")
    page.click(selector)
    if page.javascript:
        page.wait_for_selector("h1:not([data-old])")
    page.wait_for_load_state()


def _continue(page) -> None:
    _press(page, "form button[type=submit]:not([name]), form button[value=save]")


def _send_practice_household(page, base: str, join_path: str) -> str:
    """Scan, take a practice household, fill in its census form and send it; its KK number."""
    page.goto(base + join_path + "?lang=id")
    page.click("button[type=submit]")
    page.wait_for_load_state()
    numbers = [n.replace(" ", "") for n in page.locator(".demo-numbers dd").all_inner_texts()]
    kk, nik = numbers[0], numbers[1]
    page.goto(base + "/isi?lang=id")
    page.fill("#kk", kk)
    page.fill("#nik", nik)
    _continue(page)
    page.fill("#pin", PIN)
    page.fill("#confirm", PIN)
    _continue(page)
    page.check("input[name='at_kk_address'][value='yes']")
    _continue(page)
    page.check("input[name='tenure'][value='own']")
    page.check("input[name='lighting'][value='pln_meter']")
    page.select_option("#water", "refill")
    page.check("input[name='toilet'][value='own']")
    page.select_option("#floor", "ceramic")
    _continue(page)
    for radio in page.locator("input[type=radio][value=present]").all():
        radio.check()
    page.locator("input[name=head]").first.check()
    _press(page, "button[value=save]")
    for sex, born, extra in PEOPLE:
        page.check(f"input[name='sex'][value='{sex}']")
        page.fill("#birth_day", str(born[0]))
        page.fill("#birth_month", str(born[1]))
        page.fill("#birth_year", str(born[2]))
        if page.locator("select#relationship").count():
            page.select_option("#relationship", extra.get("relationship", "anak"))
        page.check(f"input[name='marital'][value='{extra.get('marital', 'married')}']")
        page.check("input[name='religion'][value='islam']")
        page.check("input[name='citizenship'][value='wni']")
        page.select_option("#education", extra.get("education", "sma"))
        page.check(f"input[name='activity'][value='{extra.get('activity', 'work')}']")
        _continue(page)
    assert "Langkah 5 dari 6" in page.content(), page.content()[:3000]
    _press(page, "button:has-text('Kirim jawaban')")
    assert page.locator("#proof-code").count() == 1
    return kk


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)  # as deployed; once
def test_a_room_of_thirty_phones_sends_thirty_households(browser, server_factory, app) -> None:
    server = server_factory(
        SITE_URL=ROOM_ADDRESS, LIMITS_ENABLED="0", CENSUS_ROOM_REFRESH_SECONDS="1"
    )
    projector = browser.new_context(viewport={"width": 1024, "height": 768}, locale="id-ID")
    screen = projector.new_page()
    screen.goto(server.url + "/ruang?lang=id")
    screen.fill("#size", str(PHONES))
    screen.click("button[type=submit]")
    screen.wait_for_load_state()
    join_url = screen.locator(".url").inner_text()
    assert join_url.startswith(ROOM_ADDRESS + "/ruang/masuk/")
    join_path = join_url.removeprefix(ROOM_ADDRESS).split("?")[0]
    assert screen.evaluate("document.documentElement.scrollWidth") <= 1024
    assert (
        screen.evaluate("parseFloat(getComputedStyle(document.querySelector('.big')).fontSize)")
        >= 72
    )
    sent = set()
    for phone in range(PHONES):
        js = phone % 2 == 0
        context = new_context(browser, javascript=js)
        page = context.new_page()
        page.javascript = js
        try:
            sent.add(_send_practice_household(page, server.url, join_path))
        finally:
            context.close()
    assert len(sent) == PHONES  # each phone its own household
    wait_until_true(
        screen, "document.querySelector('.big').textContent.trim().startsWith('30')", timeout=15
    )
    screenshot(screen, "meeting-room-1024")
    room_id = int(re.search(r"/ruang/(\d+)/selesai", screen.content()).group(1))
    screen.click("button.secondary")
    screen.wait_for_load_state()
    assert "30 rumah tangga latihan dihapus" in screen.content()
    with app.app_context():
        session = db.session()
        assert session.get(MeetingRoom, room_id) is None
        left = session.scalar(select(func.count()).select_from(Household).where(Household.is_demo))
        assert left == 0
    projector.close()
