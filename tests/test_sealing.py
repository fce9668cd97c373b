"""Encryption at rest: names, birth dates and answers are sealed, keys rotate, nothing leaks."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select, text

from census.core import db
from census.core.models import Member
from census.core.sealing import ANSWERS_CONTEXT, HELD_CONTEXT, SealingError, parse_keys
from census.form import held, service
from tests.factories import KEY_A, KEY_B, add_household
from tests.form_helpers import enter, fill_until_check, make_household
from tests.register_helpers import family, run, write
from tests.status_helpers import post

NIK = b"\x01" * 32


def test_a_card_opens_only_for_its_person_and_seals_the_same_each_time() -> None:
    keys = parse_keys(KEY_A)
    sealed = keys.seal_card("Budi Santoso", date(1978, 4, 12), NIK)
    assert sealed[0] == 1 and b"Budi" not in sealed and b"1978" not in sealed
    assert keys.open_card(sealed, NIK) == ("Budi Santoso", date(1978, 4, 12))
    assert keys.seal_card("Budi Santoso", date(1978, 4, 12), NIK) == sealed  # the import compares
    assert keys.card_key().sealer()("Budi Santoso", date(1978, 4, 12), NIK) == sealed  # its way
    with pytest.raises(SealingError):
        keys.open_card(sealed, b"\x02" * 32)  # moved to another person's row
    with pytest.raises(SealingError):
        keys.open_card(sealed[:-1] + bytes([sealed[-1] ^ 1]), NIK)  # altered


def test_a_document_opens_only_in_its_column_and_never_seals_the_same() -> None:
    keys = parse_keys(KEY_A)
    answers = {"members": [{"name": "Siti Aminah", "religion": "islam"}]}
    sealed = keys.seal_json(answers, ANSWERS_CONTEXT)
    assert b"Siti" not in sealed and b"islam" not in sealed
    assert keys.open_json(sealed, ANSWERS_CONTEXT) == answers
    assert keys.seal_json(answers, ANSWERS_CONTEXT) != sealed  # a random nonce each time
    with pytest.raises(SealingError):
        keys.open_json(sealed, HELD_CONTEXT)


def test_every_listed_key_opens_and_only_the_first_seals() -> None:
    old, both, new = parse_keys(KEY_A), parse_keys(f"{KEY_B}, {KEY_A}"), parse_keys(KEY_B)
    sealed = old.seal_json({"a": 1}, ANSWERS_CONTEXT)
    assert both.open_json(sealed, ANSWERS_CONTEXT) == {"a": 1}
    assert both.seal_json({"a": 1}, ANSWERS_CONTEXT)[0] == 2
    with pytest.raises(SealingError, match="key id 1"):
        new.open_json(sealed, ANSWERS_CONTEXT)


@pytest.mark.parametrize(
    "value",
    ["", "1:abcd", "0:" + "ab" * 32, "256:" + "ab" * 32, "ab" * 32, f"{KEY_A},{KEY_A}"],
)
def test_a_wrong_key_list_is_refused(value: str) -> None:
    with pytest.raises(ValueError, match="DATA_KEYS"):
        parse_keys(value)


def _stored_key_ids(app: Flask) -> set[int]:
    with app.app_context(), db.engine().connect() as connection:
        blobs = connection.execute(
            text(
                "SELECT sealed FROM member UNION ALL SELECT answers FROM form_response "
                "UNION ALL SELECT held FROM form_response WHERE held IS NOT NULL"
            )
        ).scalars()
        return {bytes(blob)[0] for blob in blobs}


def _read_everything(app: Flask, household_id: int) -> tuple[list[str], dict, dict | None]:
    with app.app_context():
        session = db.session()
        names = [m.name for m in session.scalars(select(Member).order_by(Member.id))]
        response = service.get_response(session, household_id)
        assert response is not None
        return names, response.answers, response.held


def test_a_new_key_reads_old_rows_and_rotation_seals_them_again(app: Flask) -> None:
    with app.app_context():
        session = db.session()
        made = add_household(session)
        response = service.create_response(session, made.household, "pin-hash")
        assert response is not None
        hid = made.household.id
        assert held.hold(session, hid, "/isi/rumah", [("water", "refill")])
    before = _read_everything(app, hid)
    assert before[0] == ["Budi Santoso", "Siti Aminah", "Rina"]
    assert _stored_key_ids(app) == {1}

    app.config["DATA_KEYS"] = f"{KEY_B},{KEY_A}"
    assert _read_everything(app, hid) == before
    result = app.test_cli_runner().invoke(args=["census", "rotate-data-key"])
    assert result.exit_code == 0, result.output
    assert "key 2: 3 members, 1 answers, 1 held inputs" in result.output
    assert "no value is left under an older key" in result.output
    assert _stored_key_ids(app) == {2}
    again = app.test_cli_runner().invoke(args=["census", "rotate-data-key"])
    assert "0 members, 0 answers, 0 held" in again.output

    app.config["DATA_KEYS"] = KEY_B
    assert _read_everything(app, hid) == before
    app.config["DATA_KEYS"] = KEY_A  # the old key alone no longer opens anything
    with pytest.raises(SealingError):
        _read_everything(app, hid)


def test_rotation_with_a_key_missing_says_so(app: Flask) -> None:
    with app.app_context():
        add_household(db.session())
    app.config["DATA_KEYS"] = KEY_B  # key 1 is still in use but not listed
    result = app.test_cli_runner().invoke(args=["census", "rotate-data-key"])
    assert result.exit_code == 1
    assert "DATA_KEYS" in result.output and "Budi" not in result.output


def test_an_import_after_a_new_key_rewrites_each_card_once(app: Flask, tmp_path: Path) -> None:
    path = write(tmp_path / "r.csv", family().people)
    assert "persons 3 added" in run(app, path).output
    app.config["DATA_KEYS"] = f"{KEY_B},{KEY_A}"
    assert "persons 0 added, 3 updated" in run(app, path).output
    assert "persons 0 added, 0 updated" in run(app, path).output
    assert _stored_key_ids(app) == {2}


def test_the_database_file_holds_no_name_birth_date_or_answer(app: Flask, tmp_path: Path) -> None:
    card = family()
    card.person("Wulandari Kusumaningrum", "P", date(1999, 7, 21), "Anak")
    assert "persons 4 added" in run(app, write(tmp_path / "r.csv", card.people)).output
    made = make_household(app)  # the form's own household, with the default members
    client = app.test_client()
    enter(client, made)
    fill_until_check(client, app, made)
    with app.app_context():
        names = [m.name for m in db.session().scalars(select(Member))]
        assert "Wulandari Kusumaningrum" in names and "Bayu" not in names
        response = service.get_response(db.session(), made.household.id)
        assert response is not None and response.answers["housing"]["lighting"] == "pln_meter"
        typed = [("name", "Anjani Prameswari")]
        assert held.hold(db.session(), made.household.id, "/isi/anggota/x", typed)
        raw = _every_row(app)
        db.engine().dispose()
    if app.config["DATABASE_URL"].startswith("sqlite"):  # the file itself, journal included
        database = Path(app.config["DATABASE_URL"].removeprefix("sqlite:///"))
        files = (p for p in database.parent.glob(database.name + "*") if p.is_file())
        raw = b"".join(p.read_bytes() for p in files)
    assert len(raw) > 10_000
    for clear in (
        "Wulandari Kusumaningrum",
        "Kusumaningrum",
        "Budi Santoso",
        "Siti Aminah",
        "Anjani Prameswari",  # typed while the form was locked
        "1999-07-21",
        "pln_meter",
        "at_kk_address",
        "religion",
    ):
        assert clear.encode() not in raw, _debug_where(raw, clear.encode())


def _every_row(app: Flask) -> bytes:
    """On PostgreSQL: every row of every table as the server writes it out (a dump's text)."""
    if not app.config["DATABASE_URL"].startswith("postgresql"):
        return b""
    from sqlalchemy import text

    session = db.session()
    tables = session.scalars(
        text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
    ).all()
    rows = [
        session.scalar(text(f"SELECT coalesce(string_agg(t::text, chr(10)), '') FROM \"{name}\" t"))
        for name in tables
    ]
    return "\n".join(rows).encode()


def _debug_where(raw: bytes, clear: bytes) -> str:
    """Where ``clear`` sits in the file, to tell a leak from a region's name."""
    i = raw.find(clear)
    return repr(raw[max(0, i - 300) : i + 100])


def test_the_status_check_and_region_figures_open_nothing(app: Flask) -> None:
    with app.app_context():
        made = add_household(db.session(), village="33.16.01.2001")
    app.config["DATA_KEYS"] = KEY_B  # every sealed value now fails to open
    client = app.test_client()
    found = post(client, made.kk, made.niks[0])
    assert found.status_code == 200 and "not been counted yet" in found.text
    assert client.get("/wilayah/33.16?lang=en").status_code == 200
    assert client.get("/wilayah/33.16.json").status_code == 200
    with app.app_context(), pytest.raises(SealingError):
        db.session().scalars(select(Member)).first().name  # noqa: B018 - the property opens


def test_values_saved_under_the_old_key_during_a_rotation_are_counted(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    from census.core import rekey

    app.config["DATA_KEYS"] = KEY_A
    with app.app_context():
        add_household(db.session())
    app.config["DATA_KEYS"] = f"{KEY_B},{KEY_A}"
    skipped = rekey._column  # an app server with only the old key saves meanwhile: nothing moved
    monkeypatch.setattr(rekey, "_column", lambda *args: 0)
    result = app.test_cli_runner().invoke(args=["census", "rotate-data-key"])
    assert result.exit_code == 1 and "still under an older key" in result.output
    monkeypatch.setattr(rekey, "_column", skipped)
    result = app.test_cli_runner().invoke(args=["census", "rotate-data-key"])
    assert result.exit_code == 0 and "no value is left" in result.output
