"""The consistency rules through the test client: three implausible households, each questioned
once, confirmable, and still reaching its proof; and the check page that will not send before."""

from __future__ import annotations

import html as html_lib
import re
from datetime import date, datetime, timedelta

from census.core import db
from tests.factories import add_household
from tests.form_helpers import (
    HOUSING,
    enter,
    errors_of,
    member_keys,
    post_step,
    stored,
    version_of,
)

ADULT = {"marital": "married", "religion": "islam", "citizenship": "wni"}


def open_household(app, client, members):
    """A household of ``members`` (the first is the head) answered up to its member pages."""
    with app.app_context():
        made = add_household(db.session(), members=members)
    assert enter(client, made).status_code == 303
    assert post_step(client, "/isi/alamat", {"at_kk_address": "yes"}).status_code == 303
    assert post_step(client, "/isi/rumah", HOUSING).status_code == 303
    keys = member_keys(app, made.household.id)
    statuses = {f"status_{k}": "present" for k in keys}
    saved = post_step(client, "/isi/anggota", {**statuses, "head": keys[0], "action": "save"})
    assert saved.status_code == 303, errors_of(saved.get_data(as_text=True))
    return made, keys


def answers(name: str, sex: str, born: date, **extra) -> dict:
    return {
        "name": name,
        "sex": sex,
        "birth_day": str(born.day),
        "birth_month": str(born.month),
        "birth_year": str(born.year),
        **ADULT,
        "education": "sma",
        "activity": "work",
        **extra,
    }


def asked(html: str) -> set[str]:
    """The rules asked on a page: their confirmation boxes."""
    return set(re.findall(r'name="confirm_rules" value="([a-z_0-9]+)"', html))


def confirm(client, path: str, data: dict, expected: set[str]):
    """Post ``data``: the page asks exactly ``expected``; ticked, the page is saved."""
    refused = post_step(client, path + "?lang=en", data)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 200, html[:300]
    assert asked(html) == expected, errors_of(html)
    assert "Yes, this is right" in html and 'id="error-summary"' in html
    for rule_id in expected:  # each question is in the error summary, linked to its box
        assert f'href="#confirm-{rule_id}"' in html
    ticked = post_step(client, path, {**data, "confirm_rules": sorted(expected)})
    assert ticked.status_code == 303, errors_of(ticked.get_data(as_text=True))
    # Asked once: the same answers saved again without a tick are accepted.
    again = post_step(client, path, data)
    assert again.status_code == 303, errors_of(again.get_data(as_text=True))
    return ticked


def send(app, client, made) -> None:
    check = client.get("/isi/periksa?lang=en")
    html = check.get_data(as_text=True)
    assert "need a second look" not in html, html
    sent = client.post("/isi/periksa", data={"version": version_of(html)})
    assert sent.status_code == 303 and sent.headers["Location"].endswith("/isi/bukti")
    household, _response = stored(app, made.household.id)
    assert household.proof_code


def confirmations(app, made, key: str) -> dict[str, str]:
    _household, response = stored(app, made.household.id)
    member = next(m for m in response.answers["members"] if m["key"] == key)
    return member["details"].get("confirmed") or {}


def test_a_child_typed_born_in_1919_is_questioned_and_can_be_confirmed(app, client, caplog) -> None:
    caplog.set_level("INFO")
    made, keys = open_household(
        app,
        client,
        (
            ("Ahmad", "L", date(1990, 5, 1), "kepala_keluarga"),
            ("Dewi", "P", date(2019, 3, 4), "anak"),
        ),
    )
    head = answers("Ahmad", "L", date(1990, 5, 1))
    assert post_step(client, f"/isi/anggota/{keys[0]}", head).status_code == 303
    child = answers(
        "Dewi",
        "P",
        date(1919, 3, 4),
        nik=made.niks[1],
        relationship="anak",
        marital="single",
        education="sd_now",
        activity="school",
    )
    confirm(
        client,
        f"/isi/anggota/{keys[1]}",
        child,
        {"birth_date_register", "child_older_than_head"},
    )
    stamps = confirmations(app, made, keys[1])
    assert set(stamps) == {"birth_date_register", "child_older_than_head"}
    for when in stamps.values():
        assert datetime.fromisoformat(when).tzinfo is not None
    check = client.get("/isi/periksa?lang=en").get_data(as_text=True)
    assert "checked: the answer is right" in check
    send(app, client, made)
    logged = caplog.text
    assert "form rule asked: child_older_than_head" in logged
    assert "form rule confirmed: birth_date_register" in logged
    assert "form sent with a confirmed rule: child_older_than_head" in logged
    assert "Dewi" not in logged and made.niks[1] not in logged and "1919" not in logged


def test_birth_years_changed_against_the_register_are_asked_without_a_nik(app, client) -> None:
    made, keys = open_household(
        app,
        client,
        (
            ("Hasan", "L", date(1970, 2, 3), "kepala_keluarga"),
            ("Nur", "P", date(2010, 6, 7), "anak"),
        ),
    )
    head = answers("Hasan", "L", date(1971, 2, 3))
    confirm(client, f"/isi/anggota/{keys[0]}", head, {"birth_date_register"})
    child = answers("Nur", "P", date(1910, 6, 7), relationship="anak", marital="single")
    confirm(
        client, f"/isi/anggota/{keys[1]}", child, {"birth_date_register", "child_older_than_head"}
    )
    assert set(confirmations(app, made, keys[0])) == {"birth_date_register"}
    send(app, client, made)


def test_a_married_working_10_year_old_with_a_certificate_is_asked(app, client) -> None:
    reference = app.config["CENSUS_SCHEDULE"].online_start
    born = date(reference.year - 10, reference.month, 1) - timedelta(days=1)  # 10 at reference
    made, keys = open_household(
        app,
        client,
        (("Joko", "L", date(1985, 1, 1), "kepala_keluarga"), ("Ani", "P", born, "anak")),
    )
    assert (
        post_step(
            client, f"/isi/anggota/{keys[0]}", answers("Joko", "L", date(1985, 1, 1))
        ).status_code
        == 303
    )
    child = answers("Ani", "P", born, relationship="anak")  # married, SMA, working
    # Working is asked under 10 only: at 10 it is not a question.
    confirm(client, f"/isi/anggota/{keys[1]}", child, {"married_under_16", "education_for_age"})
    send(app, client, made)


def test_the_check_page_asks_again_when_the_head_changed_and_cannot_send(app, client) -> None:
    made, keys = open_household(
        app,
        client,
        (
            ("Rudi", "L", date(1980, 1, 1), "kepala_keluarga"),
            ("Tono", "L", date(2000, 1, 1), "anak"),
        ),
    )
    assert (
        post_step(
            client, f"/isi/anggota/{keys[0]}", answers("Rudi", "L", date(1980, 1, 1))
        ).status_code
        == 303
    )
    child = answers("Tono", "L", date(2000, 1, 1), relationship="anak", marital="single")
    assert post_step(client, f"/isi/anggota/{keys[1]}", child).status_code == 303
    # The head's year changed from the check page: the child is now 10 years younger.
    head = answers("Rudi", "L", date(1990, 1, 1), return_to="check")
    ticked = confirm(client, f"/isi/anggota/{keys[0]}", head, {"birth_date_register"})
    assert ticked.headers["Location"].endswith("/isi/periksa")
    page = client.get("/isi/periksa?lang=en")
    html = page.get_data(as_text=True)
    assert "Some answers need a second look" in html and "Send the answers" not in html
    link = re.search(r'href="([^"]*focus=confirm-child_close_to_head[^"]*)"', html)
    assert link and f"/isi/anggota/{keys[1]}" in link.group(1)
    version = stored(app, made.household.id)[1].version
    refused = client.post("/isi/periksa", data={"version": str(version)})
    assert refused.status_code == 200 and "autofocus" in refused.get_data(as_text=True)
    assert not stored(app, made.household.id)[0].proof_code
    # The link opens the child's page with the question, its box focused.
    member = client.get(html_lib.unescape(link.group(1)))
    text = member.get_data(as_text=True)
    assert re.search(r'id="confirm-child_close_to_head"[^>]*autofocus', text)
    fixed = post_step(
        client,
        f"/isi/anggota/{keys[1]}",
        {**child, "return_to": "check", "confirm_rules": "child_close_to_head"},
    )
    assert fixed.headers["Location"].endswith("/isi/periksa")
    send(app, client, made)


def test_a_birth_date_in_the_future_or_over_120_years_is_refused(app, client) -> None:
    _made, keys = open_household(app, client, (("Sari", "P", date(1980, 1, 1), "kepala_keluarga"),))
    path = f"/isi/anggota/{keys[0]}"
    future = post_step(
        client, path + "?lang=en", answers("Sari", "P", date.today() + timedelta(days=3))
    )
    assert future.status_code == 200 and "must be in the past" in future.get_data(as_text=True)
    old = post_step(client, path + "?lang=en", answers("Sari", "P", date(1890, 1, 1)))
    html = old.get_data(as_text=True)
    assert old.status_code == 200 and "older than 120" in html
    assert 'value="age_over_120"' not in html, "a hard rule cannot be confirmed"
