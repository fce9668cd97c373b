"""The census form in a real Chromium at 320x568, with JavaScript off and on.

A first-time user's whole journey for a 4-person household (3 on the family card, 1 baby added),
ending with a proof that /bukti/<code> verifies; an interrupted journey resumed on "another phone"
(a new browser context); and the weight of each step's first load.
"""

from __future__ import annotations

import re

import pytest
from axe_playwright_python.sync_playwright import Axe

from census.core import db
from census.core.models import CountStatus, Household
from census.form import service
from tests.browser_fixtures import new_context, screenshot
from tests.factories import add_household

pytestmark = pytest.mark.browser
AXE = Axe()
PIN = "135790"


def _made(app):
    with app.app_context():
        return add_household(db.session())


def _radio(page, name: str, value: str) -> None:
    page.check(f"input[name='{name}'][value='{value}']")


def _submit(page, selector: str) -> None:
    """Press a button and wait for the next page: a navigation, or an htmx swap of the body."""
    if page.javascript:
        page.evaluate("document.querySelector('h1').dataset.old = '1'")
    page.click(selector)
    if page.javascript:
        page.wait_for_selector("h1:not([data-old])")
    page.wait_for_load_state()


def _continue(page) -> None:
    _submit(page, "form button[type=submit]:not([name]), form button[value=save]")


def _shot(page, name: str, js: bool) -> None:
    """Screenshot every step; with JavaScript on, also check it with axe and for sideways scroll."""
    screenshot(page, f"form-{name}-{'js' if js else 'nojs'}")
    if js:
        results = AXE.run(page)
        assert results.violations_count == 0, (name, results.generate_report())
        assert page.evaluate("document.documentElement.scrollWidth") <= 320, name


def _enter(page, base: str, made, pin: str = PIN, js: bool = False) -> None:
    page.goto(base + "/isi?lang=id")
    _shot(page, "0-start", js)
    page.fill("#kk", made.kk)
    page.fill("#nik", made.niks[0])
    _continue(page)
    _shot(page, "0-pin", js)
    page.fill("#pin", pin)
    if page.locator("#confirm").count():
        page.fill("#confirm", pin)
    _continue(page)


def _pick_village(page, via_buttons: bool) -> None:
    """Province -> regency -> district -> village: by the "Show ..." buttons, or by htmx swaps."""
    for level, code, below, below_code in (
        ("province", "33", "regency", "33.74"),
        ("regency", "33.74", "district", "33.74.01"),
        ("district", "33.74.01", "village", "33.74.01."),
    ):
        page.select_option(f"#{level}", code)
        if via_buttons:
            page.click(f"button[value=pick_{level}]")
        match = "^=" if below_code.endswith(".") else "="
        page.wait_for_selector(f"#{below} option[value{match}'{below_code}']", state="attached")
    village = page.locator("#village option[value^='33.74.01.']").first.get_attribute("value")
    page.select_option("#village", village)


def _address_and_housing(page, js: bool, moved: bool) -> None:
    assert "Langkah 1 dari 6" in page.content()
    _shot(page, "1-address", js)
    _radio(page, "at_kk_address", "no" if moved else "yes")
    _continue(page)
    if moved:
        _pick_village(page, via_buttons=not js)
        page.fill("#rt", "4")
        page.fill("#rw", "2")
        page.fill("#street", "Jl. Pandanaran No. 12")
        _shot(page, "1-where", js)
        _continue(page)
    assert "Langkah 2 dari 6" in page.content()
    _shot(page, "2-housing", js)
    _radio(page, "tenure", "own")
    _radio(page, "lighting", "pln_meter")
    page.select_option("#water", "refill")
    _radio(page, "toilet", "own")
    page.select_option("#floor", "ceramic")
    _continue(page)


def _members(page, js: bool) -> None:
    assert "Langkah 3 dari 6" in page.content()
    for radio in page.locator("input[type=radio][value=present]").all():
        radio.check()
    page.locator("input[name=head]").first.check()
    page.fill("#new_name", "Bayu")
    _radio(page, "new_reason", "born")
    page.click("button[value=add]")
    page.wait_for_selector("text=Bayu")
    page.wait_for_load_state()
    _shot(page, "3-members", js)
    _submit(page, "button[value=save]")


def _person(page, js: bool, index: int, sex: str, born: tuple[int, int, int], **extra) -> None:
    assert "Langkah 4 dari 6" in page.content()
    if index == 0:
        _shot(page, "4-member", js)
    if page.locator("#nik").count() and extra.get("no_nik"):
        _radio(page, "no_nik_reason", "newborn")
    _radio(page, "sex", sex)
    page.fill("#birth_day", str(born[0]))
    page.fill("#birth_month", str(born[1]))
    page.fill("#birth_year", str(born[2]))
    if page.locator("select#relationship").count():
        page.select_option("#relationship", extra.get("relationship", "anak"))
    _radio(page, "marital", extra.get("marital", "married"))
    _radio(page, "religion", "islam")
    _radio(page, "citizenship", "wni")
    page.select_option("#education", extra.get("education", "sma"))
    _radio(page, "activity", extra.get("activity", "work"))
    _continue(page)


def _all_people(page, js: bool, first: int = 0) -> None:
    """The four people of the test household, from person ``first`` on."""
    people = [
        (0, "L", (12, 4, 1978), {}),
        (1, "P", (3, 9, 1981), {"relationship": "istri"}),
        (2, "P", (25, 1, 2010), {"marital": "single", "activity": "school"}),
        (
            3,
            "L",
            (2, 1, 2024),
            {"no_nik": True, "marital": "single", "education": "none", "activity": "other"},
        ),
    ]
    for index, sex, born, extra in people[first:]:
        _person(page, js, index, sex, born, **extra)


def _send_and_verify(page, app, made, base: str, js: bool) -> None:
    assert "Langkah 5 dari 6" in page.content()
    _shot(page, "5-check", js)
    _submit(page, "button:has-text('Kirim jawaban')")
    assert "Langkah 6 dari 6" in page.content()
    _shot(page, "6-proof", js)
    code = page.locator("#proof-code").inner_text().replace("-", "")
    assert page.locator("#proof svg").count() == 1
    with app.app_context():
        household = db.session().get(Household, made.household.id)
        assert household.status is CountStatus.COUNTED_ONLINE
        assert household.proof_code == code
    page.goto(f"{base}/bukti/{code}?lang=en")
    assert "Valid." in page.content() and "4 people" in page.content()
    assert "Budi" not in page.content()
    # The status check now says so, with the end of the proof code to match.
    page.goto(f"{base}/cek?lang=en")
    page.get_by_label("Family card (KK) number").fill(made.kk)
    page.get_by_label("NIK of any member of this family card").fill(made.niks[1])
    with page.expect_response(lambda r: r.request.method == "POST" and "/cek" in r.url):
        page.get_by_role("button", name="Check").click()
    answer = page.locator("#status-answer")
    answer.wait_for()
    assert "It was counted online on" in answer.inner_text()
    assert code[-4:] in answer.inner_text()


@pytest.mark.parametrize("js", [False, True], ids=["nojs", "js"])
def test_four_person_household_counts_itself(browser, live_server, app, js) -> None:
    made = _made(app)
    context = new_context(browser, javascript=js)
    page = context.new_page()
    page.javascript = js
    failed: list[str] = []  # not one request of the journey may fail (no stray favicon 404 either)
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    try:
        _enter(page, live_server.url, made, js=js)
        _address_and_housing(page, js, moved=True)
        _members(page, js)
        _all_people(page, js)
        if js:
            assert page.evaluate("document.documentElement.scrollWidth") <= 320
        _send_and_verify(page, app, made, live_server.url, js)
        assert failed == []
    finally:
        context.close()


def _to_where_step(page, base: str, made) -> None:
    _enter(page, base, made)
    _radio(page, "at_kk_address", "no")
    _continue(page)
    assert "Langkah 1 dari 6" in page.content() and page.locator("#province").count() == 1


def test_cascade_works_when_htmx_never_arrives(browser, live_server, app) -> None:
    """JavaScript on, but the script is lost on the way (a dropped 2G request, a proxy browser):
    the "Show ..." buttons stay, and the address can still be chosen and saved."""
    made = _made(app)
    context = new_context(browser, javascript=True)
    context.route("**/static/vendor/htmx-*", lambda route: route.abort())
    page = context.new_page()
    page.javascript = False  # every step is a whole page: no htmx to swap the body
    try:
        _to_where_step(page, live_server.url, made)
        assert page.locator("button[value=pick_province]").is_visible()
        _pick_village(page, via_buttons=True)
        page.fill("#rt", "4")
        page.fill("#rw", "2")
        page.fill("#street", "Jl. Pandanaran No. 12")
        _continue(page)
        assert "Langkah 2 dari 6" in page.content()
    finally:
        context.close()


def test_cascade_catches_up_with_a_choice_made_before_htmx_arrived(
    browser, live_server, app
) -> None:
    """On 2G a person may pick a regency before the deferred htmx has loaded; once it runs, the
    district list follows that choice, and the no-JavaScript buttons are hidden."""
    made = _made(app)
    context = new_context(browser, javascript=True)
    page = context.new_page()
    page.javascript = True
    held: list = []
    try:
        _to_where_step(page, live_server.url, made)
        page.route("**/static/vendor/htmx-*", lambda route: held.append(route))
        page.reload(wait_until="commit")  # a fresh load of this step; htmx is held back
        page.wait_for_selector("#regency option[value='33.74']", state="attached")
        page.select_option("#regency", "33.74")  # htmx is still on its way
        assert page.locator("#district option[value='33.74.01']").count() == 0
        assert page.locator("button[value=pick_regency]").is_visible()
        for _ in range(200):  # the held request reaches this handler while Playwright waits
            if held:
                break
            page.wait_for_timeout(50)
        assert held, "the page asked for htmx"
        for route in held:
            route.continue_()
        page.wait_for_selector("#district option[value='33.74.01']", state="attached")
        assert not page.locator("button[value=pick_regency]").is_visible()
        assert page.eval_on_selector("#regency", "e => e.value") == "33.74"
    finally:
        context.close()


def test_cascade_buttons_stay_in_opera_mini(browser, live_server, app) -> None:
    """Opera Mini runs scripts on its proxy and sends no change events: the buttons must stay."""
    made = _made(app)
    context = new_context(browser, javascript=True)
    context.add_init_script("window.operamini = {};")
    page = context.new_page()
    page.javascript = True
    try:
        _to_where_step(page, live_server.url, made)
        page.reload()
        page.wait_for_function("() => window.htmx !== undefined")
        assert page.locator("button[value=pick_province]").is_visible()
    finally:
        context.close()


def test_interrupted_journey_resumes_on_another_phone(browser, live_server, app) -> None:
    made = _made(app)
    first = new_context(browser, javascript=False)
    page = first.new_page()
    page.javascript = False
    _enter(page, live_server.url, made)
    _address_and_housing(page, False, moved=False)
    _members(page, False)
    _person(page, False, 0, "L", (12, 4, 1978))
    first.close()  # the phone's battery dies
    second = new_context(browser, javascript=True)
    other = second.new_page()
    other.javascript = True
    _enter(other, live_server.url, made)  # the same PIN, asked again on the new phone
    assert "Langkah 4 dari 6" in other.content()
    assert re.search(r"Siti Aminah", other.content()), "resumes at the second person"
    _all_people(other, True, first=1)
    _send_and_verify(other, app, made, live_server.url, True)
    second.close()
    with app.app_context():
        response = service.get_response(db.session(), made.household.id)
        assert response.answers["address"] == {"at_kk_address": "yes"}


def _focused(page) -> str:
    return page.evaluate("document.activeElement ? document.activeElement.id : ''")


@pytest.mark.parametrize("js", [False, True], ids=["nojs", "js"])
def test_an_unusual_answer_is_asked_with_focus_and_confirmed(browser, live_server, app, js) -> None:
    """Rina's year typed 1910 instead of 2010: the page asks (older than the head, not the family
    card's date), the error summary has the focus, two ticks accept it; a Change link on the check
    page lands on its field; the household is sent."""
    made = _made(app)
    context = new_context(browser, javascript=js)
    page = context.new_page()
    page.javascript = js
    try:
        _enter(page, live_server.url, made, js=js)
        _address_and_housing(page, js, moved=False)
        _members(page, js)
        _person(page, js, 0, "L", (12, 4, 1978))
        _person(page, js, 1, "P", (3, 9, 1981), relationship="istri")
        _person(page, js, 2, "P", (25, 1, 1910), marital="single", activity="other")
        assert "Langkah 4 dari 6" in page.content()
        page.wait_for_function("() => document.activeElement?.id === 'error-summary'")
        assert page.locator("#error-summary a[href='#confirm-birth_date_register']").count() == 1
        _shot(page, "4-questions", js)
        page.check("#confirm-birth_date_register")
        page.check("#confirm-child_older_than_head")
        _continue(page)
        _person(
            page,
            js,
            3,
            "L",
            (2, 1, 2024),
            no_nik=True,
            marital="single",
            education="none",
            activity="other",
        )
        assert "Langkah 5 dari 6" in page.content()
        assert "sudah diperiksa: jawabannya benar" in page.content()
        page.click("a[href*='focus=sex']")
        page.wait_for_load_state()  # no document, hence no active element, while it navigates
        page.wait_for_function("() => document.activeElement?.id === 'sex-0'")
        assert _focused(page) == "sex-0"
        _continue(page)
        _send_and_verify(page, app, made, live_server.url, js)
    finally:
        context.close()
