"""The form's sessions live on the server: a copied cookie dies with "Stop for now", a PIN change
and 45 minutes idle; a new session id at entry and at the PIN."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from census.core import db
from census.core.models import FormResponse
from census.core.visit_models import FormSession
from census.form import access, pins
from tests.form_helpers import PIN, enter, errors_of, make_household, post_step

NEW_PIN = "864213"


def cookie_of(client: FlaskClient) -> str:
    cookie = client.get_cookie("session")
    assert cookie is not None
    return cookie.value


def copy_of(app: Flask, client: FlaskClient) -> FlaskClient:
    """Another browser holding a copy of ``client``'s session cookie."""
    thief = app.test_client()
    thief.set_cookie("session", cookie_of(client))
    return thief


def token_of(client: FlaskClient) -> str:
    with client.session_transaction() as state:
        return state["isi"]["s"]


def sessions(app: Flask) -> list[FormSession]:
    with app.app_context():
        return list(db.session().scalars(select(FormSession)))


def test_a_copied_cookie_dies_with_stop_for_now(app: Flask, client: FlaskClient) -> None:
    made = make_household(app)
    enter(client, made)
    thief = copy_of(app, client)
    assert thief.get("/isi/anggota").status_code == 200, "the copy works while the form is open"
    assert "Budi Santoso" in thief.get("/isi/anggota").text
    assert client.post("/isi/keluar").status_code == 303
    after = thief.get("/isi/anggota")
    assert after.status_code == 303 and after.headers["Location"].endswith("/isi")
    assert "Budi Santoso" not in thief.get("/isi/anggota", follow_redirects=True).text
    assert client.get("/isi/anggota").headers["Location"].endswith("/isi")


def test_stop_for_now_closes_the_form_on_every_phone(app: Flask) -> None:
    made = make_household(app)
    first, second = app.test_client(), app.test_client()
    enter(first, made)
    enter(second, made)
    assert second.get("/isi/rumah").status_code == 200
    first.post("/isi/keluar")
    asked = second.get("/isi/rumah")
    assert asked.status_code == 303 and "/isi/pin?closed=stop" in asked.headers["Location"]
    notice = second.get("/isi/pin?closed=stop&lang=en").text
    assert "Stop for now" in notice and "every phone" in notice
    assert second.get("/isi/rumah").headers["Location"].endswith("/isi/pin"), "told once"
    assert second.post("/isi/pin", data={"pin": PIN}).status_code == 303
    assert second.get("/isi/rumah").status_code == 200, "the PIN opens it again"


def test_a_phone_shut_out_by_stop_or_a_new_pin_cannot_plant_answers(app: Flask) -> None:
    made = make_household(app)
    first, intruder = app.test_client(), app.test_client()
    enter(first, made)
    enter(intruder, made)
    first.post("/isi/keluar")
    sent = intruder.post("/isi/alamat", data={"at_kk_address": "no", "version": "1"})
    assert sent.status_code == 303 and "kept=1" not in sent.headers["Location"]
    enter(first, made)
    enter(intruder, made)
    changed = first.post(
        "/isi/ganti-pin", data={"current": PIN, "pin": NEW_PIN, "confirm": NEW_PIN}
    )
    assert changed.status_code == 303
    sent = intruder.post("/isi/alamat", data={"at_kk_address": "no", "version": "1"})
    assert sent.status_code == 303 and "kept=1" not in sent.headers["Location"]
    with app.app_context():
        response = db.session().scalars(select(FormResponse)).one()
        assert response.held is None, "nothing waits to be saved for the household"


def test_a_session_id_is_new_at_entry_and_at_the_pin(app: Flask, client: FlaskClient) -> None:
    made = make_household(app)
    client.post("/isi", data={"kk": made.kk, "nik": made.niks[0]})
    at_entry = token_of(client)
    before_pin = copy_of(app, client)
    client.post("/isi/pin", data={"pin": PIN, "confirm": PIN})
    assert token_of(client) != at_entry
    assert before_pin.get("/isi/alamat").headers["Location"].endswith("/isi"), (
        "the cookie from before the PIN opens nothing"
    )
    with client.session_transaction() as state:
        assert set(state["isi"]) == {"s"}, "the cookie holds only the random id"
    assert len(sessions(app)) == 1 and sessions(app)[0].unlocked


def test_an_idle_session_is_locked_on_the_server(app: Flask, client: FlaskClient) -> None:
    made = make_household(app)
    enter(client, made)
    thief = copy_of(app, client)
    with app.app_context():
        for row in db.session().scalars(select(FormSession)):
            row.last_seen_at -= timedelta(minutes=46)
        db.session().commit()
    assert "/isi/pin?expired=1" in thief.get("/isi/anggota").headers["Location"]
    assert client.get("/isi/anggota").headers["Location"].endswith("/isi/pin")
    assert not sessions(app)[0].unlocked


def test_changing_the_pin_closes_every_other_phone(app: Flask) -> None:
    made = make_household(app)
    first, second = app.test_client(), app.test_client()
    enter(first, made)
    enter(second, made)
    thief = copy_of(app, second)
    wrong = first.post(
        "/isi/ganti-pin?lang=en", data={"current": "999991", "pin": NEW_PIN, "confirm": NEW_PIN}
    )
    assert wrong.status_code == 200 and "not your household" in wrong.text + errors_of(wrong.text)
    weak = first.post("/isi/ganti-pin", data={"current": PIN, "pin": "120478", "confirm": "120478"})
    assert weak.status_code == 200 and "error-summary" in weak.text, "a birth date is refused"
    changed = first.post(
        "/isi/ganti-pin", data={"current": PIN, "pin": NEW_PIN, "confirm": NEW_PIN}
    )
    assert changed.status_code == 303, errors_of(changed.text)
    done = first.get(changed.headers["Location"] + "&lang=en")
    assert "The PIN is changed" in done.text
    assert first.get("/isi/rumah").status_code == 200, "this phone carries on"
    assert "/isi/pin?closed=pin" in second.get("/isi/rumah").headers["Location"]
    assert thief.get("/isi/rumah").headers["Location"].endswith("/isi/pin"), "the copy too"
    assert second.post("/isi/pin", data={"pin": PIN}).status_code == 200, "the old PIN is gone"
    assert second.post("/isi/pin", data={"pin": NEW_PIN}).status_code == 303


def test_the_pin_change_page_needs_an_open_form(app: Flask, client: FlaskClient) -> None:
    made = make_household(app)
    client.post("/isi", data={"kk": made.kk, "nik": made.niks[0]})
    assert client.get("/isi/ganti-pin").headers["Location"].endswith("/isi/pin")
    assert client.post("/isi/ganti-pin", data={"current": PIN}).status_code == 303


def test_the_pin_change_is_throttled_with_the_pin(app: Flask, client: FlaskClient) -> None:
    app.config["FORM_PIN_FAILS"] = "2/hour"
    made = make_household(app)
    enter(client, made)
    data = {"current": "999991", "pin": NEW_PIN, "confirm": NEW_PIN}
    codes = [client.post("/isi/ganti-pin", data=data).status_code for _ in range(3)]
    assert codes == [200, 200, 429]


def test_old_sessions_are_swept(app: Flask) -> None:
    made = make_household(app)
    enter(app.test_client(), made)
    enter(app.test_client(), made)
    with app.app_context():
        rows = list(db.session().scalars(select(FormSession)))
        rows[0].last_seen_at -= timedelta(hours=25)
        db.session().commit()
        assert access.sweep() == 1
        assert db.session().scalar(select(func.count()).select_from(FormSession)) == 1


def test_the_change_pin_link_is_on_every_step(app: Flask, client: FlaskClient) -> None:
    made = make_household(app)
    enter(client, made)
    page = client.get("/isi/alamat?lang=en").text
    assert 'href="/isi/ganti-pin' in page and "Change the PIN" in page
    assert post_step(client, "/isi/alamat", {"at_kk_address": "yes"}).status_code == 303


def test_a_pin_changed_while_the_old_one_is_checked_opens_nothing(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = make_household(app)
    enter(app.test_client(), made)  # the household's PIN is set
    late = app.test_client()
    assert late.post("/isi", data={"kk": made.kk, "nik": made.niks[0]}).status_code == 303
    checked = pins.pin_matches

    def changed_meanwhile(pin_hash: str, pin: str) -> bool:
        right = checked(pin_hash, pin)
        with app.app_context():  # another phone changes the PIN during the check
            response = db.session().scalars(select(FormResponse)).one()
            response.pin_hash = pins.hash_pin(NEW_PIN)
            db.session().commit()
        return right

    monkeypatch.setattr(pins, "pin_matches", changed_meanwhile)
    answer = late.post("/isi/pin?lang=en", data={"pin": PIN})
    assert answer.status_code == 200 and "changed on another phone" in answer.text
    assert late.get("/isi/rumah").headers["Location"].endswith("/isi/pin")
    unlocked = [row for row in sessions(app) if row.unlocked]
    assert len(unlocked) == 1, "only the first phone's session is open"
