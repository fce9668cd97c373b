"""Drives with households sent through the census form itself, real and practice ones."""

from __future__ import annotations

import re

from census.core import db
from census.core.models import Household
from tests.drive_helpers import agency_ids, confirm, create_drive
from tests.factories import MadeHousehold
from tests.form_helpers import enter, fill_until_check, make_household, version_of


def send(client, app, made: MadeHousehold) -> str:
    """Fill in and send the form of ``made`` in ``client``; the proof code."""
    assert enter(client, made).status_code == 303
    fill_until_check(client, app, made)
    html = client.get("/isi/periksa").get_data(as_text=True)
    assert client.post("/isi/periksa", data={"version": version_of(html)}).status_code == 303
    with app.app_context():
        return db.session().get(Household, made.household.id).proof_code


def test_members_of_a_household_sent_through_the_form_confirm(app) -> None:
    assert create_drive(app).exit_code == 0
    made = make_household(app)
    proof = send(app.test_client(), app, made)
    ids = agency_ids(app)
    phone = app.test_client()
    spaced = f"{proof[:5]}-{proof[5:]}".lower()  # as read from the proof
    assert confirm(phone, spaced, made.niks[0], ids["Dinas Kesehatan"]).status_code == 303
    assert confirm(phone, proof, made.niks[1], ids["Dinas Pendidikan"]).status_code == 303
    page = phone.get("/kampanye/asn-blora?lang=en").text
    assert re.search(r"Employees who confirmed</dt><dd><strong>&lt;10</strong>", page)


def test_a_practice_household_sent_through_the_form_never_counts(app, monkeypatch) -> None:
    from census.demo.service import DEMO_MEMBERS

    assert create_drive(app).exit_code == 0
    client = app.test_client()
    client.post("/demo", data={"wilayah": "33.16"})
    with client.session_transaction() as state:
        demo = state["demo"]
    with app.app_context():
        household = db.session().get(Household, demo["household_id"])
    made = MadeHousehold(household, demo["kk"], [m["nik"] for m in demo["members"]])
    monkeypatch.setattr("tests.factories.DEFAULT_MEMBERS", tuple(DEMO_MEMBERS))
    proof = send(client, app, made)
    assert proof
    refused = confirm(app.test_client(), proof, made.niks[0], agency_ids(app)["Bappeda"])
    assert refused.status_code == 200
    assert "practice forms never count in a drive" in refused.text
