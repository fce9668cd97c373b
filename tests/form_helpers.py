"""Helpers for the census form's tests: open a household and answer each step."""

from __future__ import annotations

import re
from typing import Any

from flask.testing import FlaskClient

from census.core import db
from census.core.models import FormResponse, Household
from census.form import service
from tests.factories import MadeHousehold, add_household

PIN = "246810"
HOUSING = {
    "tenure": "own",
    "lighting": "pln_meter",
    "water": "refill",
    "toilet": "own",
    "floor": "ceramic",
}
PERSON = {
    "marital": "married",
    "religion": "islam",
    "citizenship": "wni",
    "education": "sma",
    "activity": "work",
}


def version_of(html: str) -> str:
    found = re.search(r'name="version"[^>]*value="(\d+)"', html) or re.search(
        r'value="(\d+)"[^>]*name="version"', html
    )
    assert found, "no version field on the page"
    return found.group(1)


def errors_of(html: str) -> str:
    """The error summary's text (or the page start), for assertion messages."""
    found = re.search(r'<div class="error-summary".*?</div>', html, re.S)
    return found.group(0) if found else html[-3000:]


def make_household(app: Any) -> MadeHousehold:
    with app.app_context():
        return add_household(db.session())


def enter(client: FlaskClient, made: MadeHousehold, pin: str = PIN) -> Any:
    """Numbers, then set (first time) or enter the PIN; returns the last response."""
    response = client.post("/isi", data={"kk": made.kk, "nik": made.niks[0]})
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    page = client.get("/isi/pin").get_data(as_text=True)
    if 'name="confirm"' in page:
        return client.post("/isi/pin", data={"pin": pin, "confirm": pin})
    return client.post("/isi/pin", data={"pin": pin})


def post_step(client: FlaskClient, path: str, data: dict[str, Any]) -> Any:
    """GET the step for its version, then POST ``data`` with it."""
    page = client.get(path)
    assert page.status_code == 200, (path, page.status_code, page.headers.get("Location"))
    return client.post(path, data={"version": version_of(page.get_data(as_text=True)), **data})


def member_keys(app: Any, household_id: int) -> list[str]:
    with app.app_context():
        response = service.get_response(db.session(), household_id)
        assert response is not None
        return [m["key"] for m in response.answers["members"]]


def person_data(made: MadeHousehold, index: int, **extra: Any) -> dict[str, Any]:
    """Answers for the register member at ``index`` (DEFAULT_MEMBERS of tests.factories)."""
    from tests.factories import DEFAULT_MEMBERS

    name, sex, born, _relationship = DEFAULT_MEMBERS[index]
    data = {
        "name": name,
        "sex": sex,
        "birth_day": str(born.day),
        "birth_month": str(born.month),
        "birth_year": str(born.year),
        "relationship": "istri" if index == 1 else "anak",
        **PERSON,
    }
    if index >= 2:  # a child at school: plausible from 12 on (census/form/rules.py)
        data.update(marital="single", education="smp", activity="school")
    data.update(extra)
    return data


def fill_until_check(client: FlaskClient, app: Any, made: MadeHousehold) -> None:
    """Answer every step for a household of 3 register members plus a baby."""
    hid = made.household.id
    assert post_step(client, "/isi/alamat", {"at_kk_address": "yes"}).status_code == 303
    assert post_step(client, "/isi/rumah", HOUSING).status_code == 303
    keys = member_keys(app, hid)
    statuses = {f"status_{k}": "present" for k in keys}
    page = client.get("/isi/anggota").get_data(as_text=True)
    token = re.search(r'name="add_token"[^>]*value="([0-9a-f]+)"', page) or re.search(
        r'value="([0-9a-f]+)"[^>]*name="add_token"', page
    )
    assert token
    added = client.post(
        "/isi/anggota",
        data={
            "version": version_of(page),
            **statuses,
            "head": keys[0],
            "action": "add",
            "new_name": "Bayu",
            "new_reason": "born",
            "add_token": token.group(1),
        },
    )
    assert added.status_code == 303, errors_of(added.get_data(as_text=True))
    keys = member_keys(app, hid)
    statuses = {f"status_{k}": "present" for k in keys}
    saved = post_step(client, "/isi/anggota", {**statuses, "head": keys[0], "action": "save"})
    assert saved.status_code == 303, errors_of(saved.get_data(as_text=True))
    for index in range(3):
        data = person_data(made, index)
        if index == 0:
            data.pop("relationship")
        answer = post_step(client, f"/isi/anggota/{keys[index]}", data)
        assert answer.status_code == 303, errors_of(answer.get_data(as_text=True))
    baby = {
        "name": "Bayu",
        "sex": "L",
        "birth_day": "2",
        "birth_month": "1",
        "birth_year": "2024",
        "relationship": "anak",
        "no_nik_reason": "newborn",
        **PERSON,
        "marital": "single",
        "education": "none",
        "activity": "other",
    }
    answer = post_step(client, f"/isi/anggota/{keys[3]}", baby)
    assert answer.status_code == 303, errors_of(answer.get_data(as_text=True))
    assert answer.headers["Location"].endswith("/isi/periksa")


def stored(app: Any, household_id: int) -> tuple[Household, FormResponse]:
    with app.app_context():
        session = db.session()
        household = session.get(Household, household_id)
        response = service.get_response(session, household_id)
        assert household is not None and response is not None
        session.expunge_all()
        return household, response
