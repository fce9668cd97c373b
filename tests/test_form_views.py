"""The census form through the test client: entry, PIN, every step, sending and the proof."""

from __future__ import annotations

import re

from census.core import db
from census.core.models import CountStatus, Household
from census.form import service
from tests.form_helpers import (
    HOUSING,
    PIN,
    enter,
    errors_of,
    fill_until_check,
    make_household,
    post_step,
    stored,
    version_of,
)


def test_whole_journey_ends_with_a_proof(app, client) -> None:
    made = make_household(app)
    assert enter(client, made).status_code == 303
    fill_until_check(client, app, made)
    check = client.get("/isi/periksa")
    html = check.get_data(as_text=True)
    assert check.status_code == 200 and "Bayu" in html
    sent = client.post("/isi/periksa", data={"version": version_of(html)})
    assert sent.status_code == 303 and sent.headers["Location"].endswith("/isi/bukti")
    proof = client.get("/isi/bukti")
    assert proof.status_code == 200
    household, response = stored(app, made.household.id)
    assert household.status is CountStatus.COUNTED_ONLINE
    assert response.members_counted == 4
    code = household.proof_code
    assert code and len(code) == 10 and "<svg" in proof.get_data(as_text=True)
    public = client.get(f"/bukti/{code}?lang=en").get_data(as_text=True)
    assert "Valid" in public and "4 people" in public
    assert "Budi" not in public and "Bayu" not in public
    assert client.get("/bukti/AAAAAAAAAA").status_code == 404
    # Sending twice yields the same proof.
    again = client.post("/isi/periksa", data={"version": version_of(html)})
    assert again.status_code == 303
    assert stored(app, made.household.id)[0].proof_code == code


def test_entry_not_found_gives_the_status_advice(app, client) -> None:
    make_household(app)
    page = client.post("/isi?lang=en", data={"kk": "3316010903159999", "nik": "3316011204789999"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "We could not find this family card" in html
    assert "another member" in html


def test_pin_is_needed_on_every_later_entry(app, client) -> None:
    made = make_household(app)
    set_pin = enter(client, made)
    assert set_pin.headers["Location"].endswith("/isi/alamat")
    other_phone = app.test_client()
    other_phone.post("/isi", data={"kk": made.kk, "nik": made.niks[2]})
    # Without the PIN nothing of the household's answers can be read.
    blocked = other_phone.get("/isi/rumah")
    assert blocked.status_code == 303 and blocked.headers["Location"].endswith("/isi/pin")
    wrong = other_phone.post("/isi/pin?lang=en", data={"pin": "000000"})
    assert wrong.status_code == 200
    assert "not your household" in wrong.get_data(as_text=True)
    assert other_phone.get("/isi/rumah").status_code == 303
    right = other_phone.post("/isi/pin", data={"pin": PIN})
    assert right.status_code == 303
    assert other_phone.get("/isi/alamat").status_code == 200


def test_a_new_pin_is_typed_twice_and_long_enough(app, client) -> None:
    made = make_household(app)
    client.post("/isi", data={"kk": made.kk, "nik": made.niks[0]})
    short = client.post("/isi/pin?lang=en", data={"pin": "123", "confirm": "123"})
    assert "at least 6" in short.get_data(as_text=True)
    differ = client.post("/isi/pin?lang=en", data={"pin": "275319", "confirm": "275391"})
    assert "not the same" in differ.get_data(as_text=True)
    assert differ.status_code == 200
    for easy in ("123456", "111111", "987654"):
        page = client.post("/isi/pin?lang=en", data={"pin": easy, "confirm": easy})
        assert "easy to guess" in page.get_data(as_text=True), easy
    with app.app_context():
        born = db.session().get(Household, made.household.id).members[0].birth_date
    birthday = born.strftime("%d%m%Y")
    page = client.post("/isi/pin?lang=en", data={"pin": birthday, "confirm": birthday})
    assert "easy to guess" in page.get_data(as_text=True)
    assert client.get("/isi/pin").status_code == 200 and "confirm" in client.get("/isi/pin").text


def _phone_at_the_pin(app, made, nik_index: int):
    """Another phone that typed the household's numbers and now stands at the PIN."""
    phone = app.test_client()
    phone.post("/isi", data={"kk": made.kk, "nik": made.niks[nik_index]})
    return phone


def _wrong_pins(phone, times: int) -> None:
    for _ in range(times):
        assert phone.post("/isi/pin", data={"pin": "999998"}).status_code == 200


def test_wrong_pins_are_throttled_per_household(app, client) -> None:
    app.config["FORM_PIN_FAILS"] = "3/hour"
    made = make_household(app)
    enter(client, made)
    other = _phone_at_the_pin(app, made, 1)
    _wrong_pins(other, 3)
    refused = other.post("/isi/pin", data={"pin": PIN})
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    # Even a third phone (another address) is held back: the count is per household.
    third = _phone_at_the_pin(app, made, 0)
    assert third.post("/isi/pin", data={"pin": PIN}).status_code == 429


def test_a_right_pin_clears_the_count_of_wrong_ones(app, client) -> None:
    app.config["FORM_PIN_FAILS"] = "3/hour"
    made = make_household(app)
    enter(client, made)
    other = _phone_at_the_pin(app, made, 1)
    _wrong_pins(other, 2)
    assert other.post("/isi/pin", data={"pin": PIN}).status_code == 303
    third = _phone_at_the_pin(app, made, 0)
    _wrong_pins(third, 2)  # two more wrong ones are allowed again: the right PIN reset the count
    assert third.post("/isi/pin", data={"pin": PIN}).status_code == 303


def test_pin_tries_count_against_the_address_too(app) -> None:
    # Each household allows a few wrong PINs an hour; one address trying many households meets
    # the per-address look-up limit that /cek and /isi share.
    app.config["LOOKUP_LIMITS"] = "4/minute"
    made = make_household(app)
    client = app.test_client()
    codes = [client.post("/isi", data={"kk": made.kk, "nik": made.niks[0]}).status_code]
    codes += [client.post("/isi/pin", data={"pin": PIN, "confirm": PIN}).status_code]
    codes += [client.post("/isi/pin", data={"pin": "999998"}).status_code for _ in range(3)]
    assert codes[:4] == [303, 303, 200, 200] and codes[4] == 429, codes


def test_a_session_idle_for_45_minutes_asks_for_the_pin_again(app, client) -> None:
    made = make_household(app)
    enter(client, made)
    assert post_step(client, "/isi/alamat", {"at_kk_address": "yes"}).status_code == 303
    _idle(app)
    expired = client.get("/isi/rumah")
    assert expired.status_code == 303 and "/isi/pin?expired=1" in expired.headers["Location"]
    page = client.get("/isi/pin?expired=1&lang=en").get_data(as_text=True)
    assert "45 minutes" in page
    resumed = client.post("/isi/pin", data={"pin": PIN})
    assert resumed.status_code == 303, errors_of(resumed.get_data(as_text=True))
    assert resumed.headers["Location"].endswith("/isi/rumah"), "resumes where it stopped"


def test_outside_the_online_phase_entry_shows_status_and_proof(app, client) -> None:
    from datetime import timedelta

    from census.core.config import Schedule, census_today

    made = make_household(app)
    enter(client, made)
    fill_until_check(client, app, made)
    html = client.get("/isi/periksa").get_data(as_text=True)
    client.post("/isi/periksa", data={"version": version_of(html)})
    today = census_today()
    app.config["CENSUS_SCHEDULE"] = Schedule(
        today - timedelta(days=60),
        today - timedelta(days=1),
        today + timedelta(days=30),
        today + timedelta(days=60),
    )
    assert client.get("/isi/rumah").headers["Location"].endswith("/isi/bukti")
    phone = app.test_client()
    phone.post("/isi", data={"kk": made.kk, "nik": made.niks[0]})
    phone.post("/isi/pin", data={"pin": PIN})
    status = phone.get("/isi/tutup?lang=en").get_data(as_text=True)
    assert "Counted online" in status and "proof of filling" in status
    assert phone.get("/isi/bukti").status_code == 200
    # A household that never started cannot start now; it is told an officer will visit.
    other = make_household(app)
    late = app.test_client()
    late.post("/isi", data={"kk": other.kk, "nik": other.niks[0]})
    assert late.get("/isi/pin").headers["Location"].endswith("/isi/tutup")
    assert "officer will visit" in late.get("/isi/tutup?lang=en").get_data(as_text=True)
    assert late.post("/isi/pin", data={"pin": PIN, "confirm": PIN}).status_code == 303
    assert late.get("/isi/alamat").headers["Location"].endswith("/isi/pin")


def test_errors_are_summarised_linked_and_typed_answers_kept(app, client) -> None:
    made = make_household(app)
    enter(client, made)
    post_step(client, "/isi/alamat", {"at_kk_address": "no"})
    page = post_step(
        client,
        "/isi/alamat/tempat?lang=en",
        {"province": "33", "rt": "12a", "rw": "", "street": "Gg. Mawar ✿"},
    )
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'class="error-summary"' in html
    assert 'href="#regency"' in html and 'href="#rt"' in html and 'href="#rw"' in html
    assert 'value="12a"' in html and "Gg. Mawar ✿" in html
    assert "Choose the regency or city." in html


def test_a_list_left_at_choose_is_not_an_answer(app, client) -> None:
    # The "Choose…" placeholder of a list (water, floor, relationship, education) has an empty
    # value: the step must ask for an answer, not save an empty one.
    made = make_household(app)
    enter(client, made)
    post_step(client, "/isi/alamat", {"at_kk_address": "yes"})
    page = post_step(client, "/isi/rumah?lang=en", dict(HOUSING, water="", floor=""))
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'href="#water"' in html and 'href="#floor"' in html
    assert "Choose the main source of drinking water." in html
    assert 'value="own" checked' in html, "the answers given are kept"
    _household, response = stored(app, made.household.id)
    assert not response.answers.get("housing")


def test_a_stale_page_is_refused_with_the_newer_answers(app, client) -> None:
    made = make_household(app)
    enter(client, made)
    old_page = client.get("/isi/rumah").get_data(as_text=True)
    other = app.test_client()
    enter(other, made)
    fresh = dict(HOUSING, tenure="rent")
    assert post_step(other, "/isi/rumah", fresh).status_code == 303
    stale = client.post("/isi/rumah?lang=en", data={"version": version_of(old_page), **HOUSING})
    html = stale.get_data(as_text=True)
    assert stale.status_code == 409
    assert "Someone else changed these answers" in html
    assert 'value="rent" checked' in html or 'checked id="tenure-1"' in html
    _household, response = stored(app, made.household.id)
    assert response.answers["housing"]["tenure"] == "rent"
    # The same repeated POST of the winner is harmless.
    assert other.post("/isi/rumah", data={"version": "1", **fresh}).status_code == 303


def test_nik_mismatch_is_explained_and_can_be_confirmed(app, client) -> None:
    from tests.form_helpers import member_keys, person_data

    made = make_household(app)
    enter(client, made)
    fill_until_check(client, app, made)
    keys = member_keys(app, made.household.id)
    baby = keys[3]
    # Budi's NIK typed for the new baby: the NIK's date and the declared one disagree.
    data = {
        **person_data(made, 2),
        "name": "Bayu",
        "sex": "L",
        "birth_day": "2",
        "birth_month": "1",
        "birth_year": "2024",
        "nik": made.niks[0][:12] + "7777",
        # A plausible baby: not married, no certificate, not working (see census/form/rules.py).
        "marital": "single",
        "education": "none",
        "activity": "other",
    }
    refused = post_step(client, f"/isi/anggota/{baby}?lang=en", data)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 200 and "The birth date in this NIK" in html
    assert 'name="confirm_mismatch"' in html
    confirmed = post_step(client, f"/isi/anggota/{baby}", {**data, "confirm_mismatch": "y"})
    assert confirmed.status_code == 303
    _household, response = stored(app, made.household.id)
    details = next(m for m in response.answers["members"] if m["key"] == baby)["details"]
    assert details["nik_confirmed"] is True and details["nik_last4"] == "7777"
    assert made.niks[0] not in str(response.answers), "a NIK is never stored in the answers"
    # A register member's NIK typed wrongly is refused: it is not theirs.
    wrong = post_step(
        client, f"/isi/anggota/{keys[1]}?lang=en", {**person_data(made, 1), "nik": made.niks[2]}
    )
    assert "not the NIK the register holds" in wrong.get_data(as_text=True)
    # Their own NIK, typed with spaces as printed on the card, is accepted.
    spaced = " ".join(made.niks[1][i : i + 4] for i in range(0, 16, 4))
    right = post_step(client, f"/isi/anggota/{keys[1]}", {**person_data(made, 1), "nik": spaced})
    assert right.status_code == 303, errors_of(right.get_data(as_text=True))


def test_members_need_a_head_who_lives_here(app, client) -> None:
    from tests.form_helpers import member_keys

    made = make_household(app)
    enter(client, made)
    keys = member_keys(app, made.household.id)
    data = {f"status_{k}": "moved" for k in keys}
    none_here = post_step(
        client, "/isi/anggota?lang=en", {**data, "head": keys[0], "action": "save"}
    )
    assert "At least one person must live here" in none_here.get_data(as_text=True)
    data[f"status_{keys[1]}"] = "present"
    away_head = post_step(
        client, "/isi/anggota?lang=en", {**data, "head": keys[0], "action": "save"}
    )
    assert "must be someone who lives here" in away_head.get_data(as_text=True)
    ok = post_step(client, "/isi/anggota", {**data, "head": keys[1], "action": "save"})
    assert ok.status_code == 303


def test_htmx_gets_fragments_and_boosted_requests_whole_pages(app, client) -> None:
    import re

    made = make_household(app)
    enter(client, made)
    post_step(client, "/isi/alamat", {"at_kk_address": "no"})
    cascade = client.post(
        "/isi/alamat/wilayah",
        data={"province": "33", "regency": "33.74"},
        headers={"HX-Request": "true"},
    )
    assert client.get("/isi/alamat/wilayah?province=33").status_code == 405  # never in a URL
    html = cascade.get_data(as_text=True)
    assert cascade.status_code == 200 and html.lstrip().startswith('<div id="regions"')
    assert 'value="33.74.01"' in html and "<html" not in html
    page = client.get("/isi/anggota").get_data(as_text=True)
    token = re.search(r'name="add_token"[^>]*value="([0-9a-f]+)"', page) or re.search(
        r'value="([0-9a-f]+)"[^>]*name="add_token"', page
    )
    add = {
        "version": version_of(page),
        "action": "add",
        "new_name": "Ni Luh Putu Ayu",
        "new_reason": "joined",
        "add_token": token.group(1),
    }
    fragment = client.post("/isi/anggota", data=add, headers={"HX-Request": "true"})
    html = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and "<html" not in html and "Ni Luh Putu Ayu" in html
    # A double tap on "Add" adds one person.
    again = client.post("/isi/anggota", data=add, headers={"HX-Request": "true"})
    assert again.status_code == 200
    _household, response = stored(app, made.household.id)
    assert [m["name"] for m in response.answers["members"]].count("Ni Luh Putu Ayu") == 1
    boosted = client.get("/isi/anggota", headers={"HX-Request": "true", "HX-Boosted": "true"})
    assert "<html" in boosted.get_data(as_text=True)


def test_each_step_is_at_most_14_kb_gzipped(app, client) -> None:
    from tests.browser_fixtures import gzipped_size
    from tests.form_helpers import member_keys

    made = make_household(app)
    paths = ["/isi", "/isi/lupa-pin"]
    sizes = {p: gzipped_size(client.get(p).data) for p in paths}
    enter(client, made)
    sizes["/isi/pin"] = gzipped_size(client.get("/isi/pin").data)
    post_step(client, "/isi/alamat", {"at_kk_address": "no"})
    for path in ("/isi/alamat", "/isi/alamat/tempat", "/isi/rumah", "/isi/anggota"):
        sizes[path] = gzipped_size(client.get(path).data)
    fill_until_check(client, app, made)
    key = member_keys(app, made.household.id)[1]
    sizes["/isi/anggota/<key>"] = gzipped_size(client.get(f"/isi/anggota/{key}").data)
    sizes["/isi/periksa"] = gzipped_size(client.get("/isi/periksa").data)
    html = client.get("/isi/periksa").get_data(as_text=True)
    client.post("/isi/periksa", data={"version": version_of(html)})
    sizes["/isi/bukti"] = gzipped_size(client.get("/isi/bukti").data)
    with app.app_context():
        code = db.session().get(Household, made.household.id).proof_code
    verify = client.get(f"/bukti/{code}")
    assert verify.status_code == 200
    sizes["/bukti/<code>"] = gzipped_size(verify.data)
    big = {p: s for p, s in sizes.items() if s > 14 * 1024}
    assert not big, big
    assert all(s > 1000 for s in sizes.values()), str(sizes)


def test_no_name_number_or_answer_reaches_the_log(app, client, caplog) -> None:
    import logging

    caplog.set_level(logging.DEBUG)
    made = make_household(app)
    enter(client, made)
    fill_until_check(client, app, made)
    text = caplog.text
    for secret in (made.kk, *made.niks, "Budi", "Siti", "Bayu", "refill", "ceramic", PIN):
        assert secret not in text


def test_an_htmx_fragment_request_is_sent_to_a_whole_page(app, client) -> None:
    made = make_household(app)
    enter(client, made)
    client.get("/isi/keluar")  # GET does nothing: leaving needs a POST
    client.post("/isi/keluar")
    fragment = client.post(
        "/isi/alamat/wilayah", data={"province": "33"}, headers={"HX-Request": "true"}
    )
    assert fragment.status_code == 200 and fragment.headers["HX-Redirect"].endswith("/isi")
    assert fragment.get_data(as_text=True) == ""
    boosted = client.get("/isi/rumah", headers={"HX-Request": "true", "HX-Boosted": "true"})
    assert boosted.status_code == 303


def test_no_form_answer_is_ever_kept_by_a_browser_or_proxy(app, client) -> None:
    # Back or the history on a shared phone must not bring a household's answers back.
    made = make_household(app)
    mistaken = client.post("/isi", data={"kk": made.kk, "nik": "3316010101010001"})
    assert made.kk in mistaken.get_data(as_text=True)  # typed numbers are kept for the person
    assert mistaken.headers["Cache-Control"] == "no-store"
    enter(client, made)
    for path in ("/isi/alamat", "/isi/rumah", "/isi/anggota", "/isi/periksa"):
        response = client.get(path)
        assert response.headers["Cache-Control"] == "no-store", path
    saved = post_step(client, "/isi/alamat", {"at_kk_address": "yes"})
    assert saved.headers["Cache-Control"] == "no-store"


def _idle(app, minutes: int = 46) -> None:
    """Every open form session was last seen ``minutes`` ago (the clock is on the server)."""
    from datetime import timedelta

    from sqlalchemy import select

    from census.core.visit_models import FormSession

    with app.app_context():
        session = db.session()
        for row in session.scalars(select(FormSession)):
            row.last_seen_at -= timedelta(minutes=minutes)
        session.commit()


def test_what_was_typed_while_the_form_closed_is_kept_for_after_the_pin(app, client) -> None:
    made = make_household(app)
    enter(client, made)
    assert post_step(client, "/isi/alamat", {"at_kk_address": "yes"}).status_code == 303
    page = client.get("/isi/rumah").get_data(as_text=True)
    housing = {**HOUSING, "tenure": "rent", "version": version_of(page)}
    _idle(app)  # the phone lay on the table for 46 minutes with the housing page filled in
    sent = client.post("/isi/rumah", data=housing)
    assert sent.status_code == 303 and "kept=1" in sent.headers["Location"]
    assert "is kept" in client.get(sent.headers["Location"] + "&lang=en").text
    unlocked = client.post("/isi/pin", data={"pin": PIN})
    assert unlocked.headers["Location"].endswith("/isi/tersimpan")
    kept = client.get("/isi/tersimpan?lang=en")
    html = kept.get_data(as_text=True)
    assert kept.status_code == 200 and kept.headers["Cache-Control"] == "no-store"
    assert 'action="/isi/rumah"' in html and 'name="tenure" value="rent"' in html
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', html))
    saved = client.post("/isi/rumah", data=fields)
    assert saved.status_code == 303, errors_of(saved.get_data(as_text=True))
    with app.app_context():
        response = service.get_response(db.session(), made.household.id)
        assert response.answers["housing"]["tenure"] == "rent"
        assert response.held is None, "shown once, then forgotten"
    assert client.get("/isi/tersimpan").status_code == 303  # nothing held any more


def test_someone_without_the_pin_cannot_leave_answers_for_the_household(app, client) -> None:
    made = make_household(app)
    enter(client, made)
    stranger = app.test_client()  # has the two numbers, not the PIN
    stranger.post("/isi", data={"kk": made.kk, "nik": made.niks[1]})
    sent = stranger.post("/isi/rumah", data={"version": "2", "tenure": "rent"})
    assert sent.status_code == 303 and "kept" not in sent.headers["Location"]
    with app.app_context():
        assert service.get_response(db.session(), made.household.id).held is None
