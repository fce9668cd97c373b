"""No input makes the form fail: arbitrary fields and text posted to every step (Hypothesis)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.form_helpers import enter, fill_until_check, make_household, member_keys

FIELDS = [
    "version",
    "return_to",
    "at_kk_address",
    "province",
    "regency",
    "district",
    "village",
    "rt",
    "rw",
    "street",
    "tenure",
    "lighting",
    "water",
    "toilet",
    "floor",
    "head",
    "action",
    "remove",
    "new_name",
    "new_reason",
    "add_token",
    "name",
    "nik",
    "no_nik_reason",
    "sex",
    "birth_day",
    "birth_month",
    "birth_year",
    "relationship",
    "marital",
    "religion",
    "citizenship",
    "education",
    "activity",
    "confirm_mismatch",
    "pin",
    "confirm",
    "kk",
]
VALUES = st.one_of(
    st.text(max_size=300),
    st.sampled_from(
        [
            "",
            "1",
            "2",
            "no",
            "yes",
            "add",
            "save",
            "pick_province",
            "33",
            "33.74",
            "present",
            "L",
            "P",
            "-1",
            "99999999999999999999",
            "\x00",
            "\u202e",
            "\ud7ff",
        ]
    ),
    st.integers().map(str),
)
FORMS = st.dictionaries(
    st.one_of(st.sampled_from(FIELDS), st.text(max_size=20)), VALUES, max_size=25
)
SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _ready(app, client):
    made = make_household(app)
    enter(client, made)
    fill_until_check(client, app, made)
    keys = member_keys(app, made.household.id)
    client.post("/isi/alamat", data={"at_kk_address": "no", "version": "99"})
    return keys


@SETTINGS
@given(data=FORMS, step=st.integers(min_value=0, max_value=8))
def test_any_post_to_any_step_is_answered_without_error(app, client, data, step) -> None:
    if not hasattr(client, "_member_keys"):
        client._member_keys = _ready(app, client)
    keys = client._member_keys
    paths = [
        "/isi/alamat",
        "/isi/alamat/tempat",
        "/isi/rumah",
        "/isi/anggota",
        f"/isi/anggota/{keys[0]}",
        f"/isi/anggota/{keys[3]}",
        "/isi/periksa",
        "/isi/pin",
        "/isi",
    ]
    response = client.post(paths[step], data=data)
    assert response.status_code < 500, (paths[step], response.status_code)


@SETTINGS
@given(data=FORMS, text=st.text(max_size=60))
def test_any_query_or_code_is_answered_without_error(app, client, data, text) -> None:
    if not hasattr(client, "_member_keys"):
        client._member_keys = _ready(app, client)
    assert client.post("/isi/alamat/wilayah", data=data).status_code < 500
    assert client.get("/isi/anggota/" + text.replace("/", "")[:40] or "x").status_code < 500
    assert client.get("/bukti/" + (text.replace("/", "") or "x")).status_code < 500


@SETTINGS
@given(data=FORMS)
def test_any_entry_is_answered_without_error(app, data) -> None:
    client = app.test_client()
    assert client.post("/isi", data=data).status_code < 500
    assert client.post("/isi/pin", data=data).status_code < 500
