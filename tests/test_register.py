"""``flask census import-register``: checks, reject report, idempotence, atomicity, privacy."""

from __future__ import annotations

import logging
from datetime import date, timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import TextClause, create_engine, func, select, text

from census import create_app
from census.core import db
from census.core.config import census_today
from census.core.households import number_hash
from census.core.models import CountStatus, Household, Member
from census.register import blocks as register_blocks
from census.register import service
from census.register import sql as register_sql
from census.register.rows import COLUMNS
from tests.factories import add_household, household_of, make_kk, make_nik
from tests.register_helpers import HEADER, VILLAGE, Card, family, run, write


@pytest.fixture(autouse=True, params=["one process", "worker processes"])
def reading(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every test twice: rows checked in this process, then by two worker processes reading
    the file in blocks of 61 bytes (smaller than a row, so records are cut everywhere)."""
    if request.param == "worker processes":
        monkeypatch.setattr(service, "default_workers", lambda size, postgresql: 2)
        monkeypatch.setattr(register_blocks, "BLOCK_BYTES", 61)
    return str(request.param)


OTHER_VILLAGE = "33.16.02.2001"


def counts(app: Flask) -> tuple[int, int]:
    with app.app_context():
        session = db.session()
        return (
            session.scalar(select(func.count()).select_from(Household)),
            session.scalar(select(func.count()).select_from(Member)),
        )


def rejects(output: str) -> dict[int, str]:
    found = {}
    for line in output.splitlines():
        if line.startswith("line "):
            number, reason = line.removeprefix("line ").split(": ", 1)
            found[int(number)] = reason
    return found


def test_imports_households_and_members(app: Flask, tmp_path: Path) -> None:
    one, two = family(), family(OTHER_VILLAGE)
    result = run(app, write(tmp_path / "r.csv", one.people + two.people))
    assert result.exit_code == 0, result.output
    assert "6 rows read: 6 in the register, 0 rejected" in result.output
    assert "households 2 added" in result.output
    with app.app_context():
        session = db.session()
        household = household_of(session, one.kk, one.people[1]["nik"])
        assert household is not None
        assert (household.village_code, household.rt, household.rw) == (VILLAGE, "003", "001")
        assert (household.district_code, household.regency_code) == ("33.16.01", "33.16")
        assert household.province_code == "33"
        assert household.address == "Jl. Melati No. 7"
        assert household.status is CountStatus.NOT_STARTED
        members = [(m.name, m.sex, m.birth_date, m.relationship_code) for m in household.members]
        assert members == [
            ("Budi Santoso", "L", date(1978, 4, 12), "kepala_keluarga"),
            ("Siti Aminah", "P", date(1981, 9, 3), "istri"),
            ("Rina", "P", date(2010, 1, 25), "anak"),
        ]
        assert [m.position for m in household.members] == [0, 1, 2]
        assert household.members[0].nik_hash == number_hash("nik", one.people[0]["nik"])
        assert household_of(session, two.kk, two.people[0]["nik"]).village_code == OTHER_VILLAGE


def _row(**override: str) -> dict[str, str]:
    card = Card()
    return card.person("Budi Santoso", "L", date(1978, 4, 12), "Kepala Keluarga", **override)


def _woman_nik_on_man() -> dict[str, str]:
    return _row(nik=make_nik("33.16.01", "P", date(1978, 4, 12)))


def _swapped() -> dict[str, str]:
    row = _row()
    row["kk"], row["nik"] = row["nik"], row["kk"]
    return row


def _kk_like_womans_nik() -> dict[str, str]:
    return _row(kk=make_nik("33.16.01", "P", date(1990, 5, 6)))


def _same_number() -> dict[str, str]:
    row = _row()
    row["kk"] = row["nik"]
    return row


ROW_CASES = {
    "nik too short": (
        lambda: _row(nik="331601120478900"),
        "nik: A NIK has 16 digits; you typed 15",
    ),
    "nik letters": (lambda: _row(nik="33160112047890AB"), "nik: A NIK has only digits"),
    "nik placeholder": (lambda: _row(nik="3333333333333333"), "nik: This is a placeholder"),
    "nik date": (lambda: _row(nik="3316019904789001"), "nik: The birth date in this NIK"),
    "woman's NIK on a man": (_woman_nik_on_man, "is a woman's (in a woman's NIK, 40 is added"),
    "birth date disagrees": (
        lambda: _row(birth_date="1979-04-12"),
        "nik: The birth date in this NIK (digits 7 to 12) is not birth_date",
    ),
    "swapped pair": (_swapped, "nik: This looks like a KK number"),
    "same number": (lambda: _same_number(), "the same number twice"),
    "kk too long": (lambda: _row(kk="33160109031590011"), "kk: A KK number has 16 digits"),
    "kk is a woman's NIK": (_kk_like_womans_nik, "kk: This looks like a NIK, not a KK number"),
    "name empty": (lambda: _row(name="   "), "name is empty"),
    "name control": (lambda: _row(name="Budi\x07"), "name contains a control character"),
    "name newline": (lambda: _row(name="Budi\nSantoso"), "name contains a control character"),
    "name too long": (lambda: _row(name="Budi " * 30), "name is longer than 120 characters"),
    "name no letters": (lambda: _row(name="12345"), "name has no letters"),
    "sex": (lambda: _row(sex="X"), "sex must be L or P"),
    "date format": (lambda: _row(birth_date="12/04/1978"), "birth_date must be written YYYY-MM-DD"),
    "date unreal": (lambda: _row(birth_date="1978-02-30"), "birth_date is not a real date"),
    "date future": (
        lambda: _row(birth_date=(census_today() + timedelta(days=2)).isoformat()),
        "birth_date is in the future",
    ),
    "relationship": (lambda: _row(relationship="Sepupu"), "relationship is not one printed"),
    "village format": (lambda: _row(village_code="33.16.1.2001"), "village_code must be written"),
    "rt too long": (lambda: _row(rt="1234"), "rt must be a number from 1 to 999"),
    "rt letters": (lambda: _row(rt="3a"), "rt must be a number from 1 to 999"),
    "rw zero": (lambda: _row(rw="000"), "rw must be a number from 1 to 999"),
    "address empty": (lambda: _row(address=""), "address is empty"),
    "address too long": (lambda: _row(address="x" * 201), "address is longer than 200"),
}


@pytest.mark.parametrize("case", list(ROW_CASES))
def test_each_row_check_has_a_reason(app: Flask, tmp_path: Path, case: str) -> None:
    make, reason = ROW_CASES[case]
    good = family()
    bad = make()
    result = run(app, write(tmp_path / "r.csv", [*good.people, bad]))
    assert result.exit_code == 0, result.output
    assert list(rejects(result.output)) == [5]
    assert reason in rejects(result.output)[5]
    assert counts(app) == (1, 3)
    for value in (bad["nik"], bad["kk"], bad["nik"][6:12], bad["birth_date"]):
        assert value not in result.output  # no number, and no part of one


def test_a_row_with_the_wrong_number_of_fields(app: Flask, tmp_path: Path) -> None:
    path = write(tmp_path / "r.csv", family().people)
    path.write_text(path.read_text() + "1,2,3\n\n" + HEADER.replace("kk", "x") + ",extra\n")
    result = run(app, path)
    assert rejects(result.output) == {
        5: "has 3 fields, expected 10",
        7: "has 11 fields, expected 10",
    }


def test_rows_checked_against_each_other_and_the_register(app: Flask, tmp_path: Path) -> None:
    with app.app_context():
        existing = add_household(db.session())
    card = family()
    card.person("Rina", "P", date(2010, 1, 25), "Anak", nik=existing.niks[2])  # line 5
    card.person("Sri", "P", date(2014, 2, 2), "Anak")  # line 6
    card.person("Sri", "P", date(2014, 2, 2), "Anak", nik=card.people[-1]["nik"])  # line 7
    card.person("Joko", "L", date(2015, 3, 3), "Anak", address="Jl. Mawar 1", rt="4")  # line 8
    card.person("Agus", "L", date(1950, 1, 1), "Kepala Keluarga")  # line 9
    card.person("Tono", "L", date(2016, 1, 1), "Anak", village_code="33.16.01.2999")  # line 10
    result = run(app, write(tmp_path / "r.csv", card.people))
    assert result.exit_code == 0, result.output
    found = rejects(result.output)
    assert found == {
        5: "nik: this NIK is already in the register under another KK",
        7: "the same NIK is on line 6",
        8: "the household details differ from line 2 of the same KK: rt, address",
        9: "this KK already has a head (Kepala Keluarga) on line 2",
        10: "village_code is not a village in the loaded region codes",
    }
    assert counts(app) == (2, 3 + 4)


def test_the_reject_count_is_every_row_with_a_reason(app: Flask, tmp_path: Path) -> None:
    # Counted as rows are staged and as each check rejects them, not read back: the count must be
    # what the staging table holds, whatever mix of checks rejected the rows.
    with app.app_context():
        existing = add_household(db.session())
    card = family()
    card.person("Rina", "P", date(2010, 1, 25), "Anak", nik=existing.niks[2])
    card.person("Sri", "P", date(2014, 2, 2), "Anak", sex="X")
    card.person("Sri", "P", date(2014, 2, 2), "Anak")
    card.person("Sri", "P", date(2014, 2, 2), "Anak", nik=card.people[-1]["nik"])
    card.person("Joko", "L", date(2015, 3, 3), "Anak", address="Jl. Mawar 1")
    card.person("Agus", "L", date(1950, 1, 1), "Kepala Keluarga")
    card.person("Tono", "L", date(2016, 1, 1), "Anak", village_code="33.16.01.2999")
    other = Card()
    other.kk = existing.kk
    other.person("Ani", "P", date(1960, 1, 1), "Kepala Keluarga")
    path = write(tmp_path / "r.csv", card.people + other.people)
    seen: list[tuple[int, str]] = []  # every row the staging table holds with a reason
    with app.app_context():
        result = service.import_register(
            path, db.engine(), app.config["IDENTITY_HASH_KEY"], census_today(),
            on_reject=lambda *row: seen.append(row),
        )  # fmt: skip
    assert (result.rows, result.rejected, len(seen)) == (11, 7, 7)


def test_a_second_head_against_the_register(app: Flask, tmp_path: Path) -> None:
    card = family()
    run(app, write(tmp_path / "a.csv", card.people))
    newcomer = Card()
    newcomer.kk = card.kk
    newcomer.person("Agus", "L", date(1950, 1, 1), "Kepala Keluarga")
    result = run(app, write(tmp_path / "b.csv", newcomer.people))
    assert rejects(result.output) == {
        2: "this KK already has another head (Kepala Keluarga) in the register"
    }
    # Handing the card to a new head is fine when the file also says what the old head became.
    card.people[0]["relationship"] = "Orang Tua"
    result = run(app, write(tmp_path / "c.csv", card.people + newcomer.people))
    assert rejects(result.output) == {}
    with app.app_context():
        household = household_of(db.session(), card.kk, card.people[0]["nik"])
        codes = sorted(m.relationship_code for m in household.members)
    assert codes == ["anak", "istri", "kepala_keluarga", "orang_tua"]


def test_spreadsheet_exports_bom_crlf_semicolon_quotes(app: Flask, tmp_path: Path) -> None:
    card = family()
    card.people[0]["address"] = card.people[1]["address"] = card.people[2]["address"] = (
        'Jl. Melati; "Gang Buntu" No. 7'
    )
    card.people[0]["relationship"] = "  kepala   KELUARGA "
    card.people[1]["sex"] = "p"
    card.people[2]["village_code"] = VILLAGE.replace(".", "")
    path = write(tmp_path / "r.csv", card.people, sep=";")
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes().replace(b"\n", b"\r\n"))
    result = run(app, path)
    assert result.exit_code == 0, result.output
    assert "3 rows read: 3 in the register, 0 rejected" in result.output
    with app.app_context():
        household = household_of(db.session(), card.kk, card.people[2]["nik"])
        assert household.address == 'Jl. Melati; "Gang Buntu" No. 7'
        assert household.members[0].relationship_code == "kepala_keluarga"


def test_lines_ending_in_a_lone_carriage_return(app: Flask, tmp_path: Path) -> None:
    # Old Mac exports: only the text reader splits these lines, so such a file is read in one
    # process whatever the size.
    card = family()
    card.people[2]["sex"] = "X"
    path = write(tmp_path / "r.csv", card.people)
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r"))
    result = run(app, path)
    assert rejects(result.output) == {4: "sex must be L or P"}
    assert counts(app) == (1, 2)


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_text_is_kept_whatever_the_connection_encoding(app: Flask, tmp_path: Path) -> None:
    # The rows go to COPY already encoded as UTF-8: a connection in another encoding (a
    # PGCLIENTENCODING, a role's setting) must not have the server convert them again.
    card = family()
    for row in card.people:
        row["address"] = "Jl. Melati Ré No. 7"
    path = write(tmp_path / "r.csv", card.people)
    with app.app_context():
        latin = create_engine(db.engine().url, connect_args={"client_encoding": "LATIN1"})
        try:
            key = app.config["IDENTITY_HASH_KEY"]
            service.import_register(path, latin, key, census_today())
        finally:
            latin.dispose()
        household = household_of(db.session(), card.kk, card.people[0]["nik"])
        assert household.address == "Jl. Melati Ré No. 7"


def test_columns_in_another_order_and_case(app: Flask, tmp_path: Path) -> None:
    card = family()
    order = list(reversed(COLUMNS))
    lines = [",".join(c.upper() for c in order)]
    lines += [",".join(row[c] for c in order) for row in card.people]
    (tmp_path / "r.csv").write_text("\n".join(lines) + "\n")
    result = run(app, tmp_path / "r.csv")
    assert result.exit_code == 0, result.output
    assert counts(app) == (1, 3)


def test_a_quoted_newline_keeps_spreadsheet_row_numbers(app: Flask, tmp_path: Path) -> None:
    card = family()
    card.people[1]["name"] = "Siti\nAminah"
    card.people[2]["sex"] = "X"
    result = run(app, write(tmp_path / "r.csv", card.people))
    assert rejects(result.output) == {
        3: "name contains a control character",
        4: "sex must be L or P",
    }


def _dump(app: Flask) -> list[tuple]:
    with app.app_context(), db.engine().connect() as connection:
        return [
            *connection.execute(text("SELECT * FROM household ORDER BY id")).all(),
            *connection.execute(text("SELECT * FROM member ORDER BY id")).all(),
        ]


def test_rerun_changes_nothing_and_reports_the_same(app: Flask, tmp_path: Path) -> None:
    card = family()
    card.person("Sri", "P", date(2014, 2, 2), "Anak")
    card.person("Sri", "P", date(2014, 2, 2), "Anak", nik=card.people[-1]["nik"])
    card.person("Agus", "L", date(1950, 1, 1), "Kepala Keluarga")
    other = family(OTHER_VILLAGE)
    path = write(tmp_path / "r.csv", card.people + other.people + [_row(sex="Q")])
    first = run(app, path)
    before = _dump(app)
    second = run(app, path)
    assert second.exit_code == 0
    assert _dump(app) == before
    assert rejects(first.output) == rejects(second.output) != {}
    assert "households 0 added, 0 updated; persons 0 added, 0 updated" in second.output


def test_reimport_updates_the_register_but_never_the_status(app: Flask, tmp_path: Path) -> None:
    card = family()
    run(app, write(tmp_path / "a.csv", card.people))
    with app.app_context():
        session = db.session()
        household = household_of(session, card.kk, card.people[0]["nik"])
        household.set_status(CountStatus.COUNTED_ONLINE)
        session.commit()
        session.refresh(household)
        counted_at = household.counted_at
    for row in card.people:
        row["address"] = "Jl. Kenanga No. 9"
    card.people[2]["name"] = "Rina Wati"
    result = run(app, write(tmp_path / "b.csv", card.people))
    assert "households 0 added, 1 updated; persons 0 added, 1 updated" in result.output
    with app.app_context():
        household = household_of(db.session(), card.kk, card.people[0]["nik"])
        assert household.address == "Jl. Kenanga No. 9"
        assert household.members[2].name == "Rina Wati"
        assert household.status is CountStatus.COUNTED_ONLINE
        assert household.counted_at == counted_at


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("kk,nik,name,sex,birth_date,relationship,village_code,rt,rw", "missing columns: address"),
        (
            "kk,nik,nama,sex,birth_date,relationship,village_code,rt,rw,address,notes",
            "missing columns: name; unexpected columns: nama, notes",
        ),
        (HEADER + ",kk", "repeated columns: kk"),
    ],
)
def test_a_wrong_header_stops_before_anything_is_written(
    app: Flask, tmp_path: Path, header: str, message: str
) -> None:
    path = tmp_path / "r.csv"
    path.write_text(header + "\n" + ",".join(family().people[0].values()) + "\n")
    result = run(app, path)
    assert result.exit_code == 1
    assert f"wrong header ({message})" in result.output
    assert "nothing was imported" in result.output
    assert counts(app) == (0, 0)


def test_an_empty_file(app: Flask, tmp_path: Path) -> None:
    (tmp_path / "r.csv").write_text("")
    result = run(app, tmp_path / "r.csv")
    assert result.exit_code == 1
    assert "the file is empty" in result.output


def test_a_missing_file(app: Flask, tmp_path: Path) -> None:
    result = run(app, tmp_path / "nope.csv")
    assert result.exit_code == 1
    assert f"cannot read {tmp_path / 'nope.csv'}: No such file or directory" in result.output


@pytest.mark.parametrize(
    "url",
    ["postgresql+psycopg://nobody@127.0.0.1:1/none", "sqlite:////nonexistent-dir/census.db"],
    ids=["postgresql", "sqlite"],
)
def test_an_unreachable_database(tmp_path: Path, url: str) -> None:
    card = family()
    app = create_app({"DATABASE_URL": url, "TESTING": True})
    result = run(app, write(tmp_path / "r.csv", card.people))
    assert result.exit_code == 1
    assert "cannot reach the database" in result.output
    assert "nothing was imported" in result.output
    assert card.kk not in result.output


def test_no_regions_loaded(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    app = create_app({"DATABASE_URL": url, "TESTING": True})
    with app.app_context():
        from census.cli import upgrade_database

        upgrade_database()
    result = run(app, write(tmp_path / "r.csv", family().people))
    assert result.exit_code == 1
    assert "run 'flask census load-regions' first" in result.output


def test_a_failure_midway_keeps_nothing(
    app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Households are inserted, then the member upsert fails: the households must go too.
    for name in ("INSERT_MEMBERS", "ONE_PASS_MEMBERS"):
        monkeypatch.setattr(register_sql, name, "INSERT INTO no_such_table VALUES (1)")
    result = run(app, write(tmp_path / "r.csv", family().people + family().people))
    assert result.exit_code == 1
    assert "the import failed" in result.output
    assert "nothing was imported" in result.output
    assert counts(app) == (0, 0)


def test_bad_encoding_late_in_the_file_keeps_nothing(app: Flask, tmp_path: Path) -> None:
    path = write(tmp_path / "r.csv", family().people + family().people)
    path.write_bytes(path.read_bytes() + b"3316010903159001,x,Ren\xe9,L\n")
    result = run(app, path)
    assert result.exit_code == 1
    assert "line 8: the file is not UTF-8 text" in result.output
    assert counts(app) == (0, 0)


def test_worker_processes_give_the_same_result(app: Flask, tmp_path: Path) -> None:
    rows = []
    for _ in range(30):
        rows += family().people
    rows[40]["sex"] = "X"
    rows.append(dict(rows[10]))
    path = write(tmp_path / "r.csv", rows)
    seen: list[tuple[int, str]] = []
    with app.app_context():
        key = app.config["IDENTITY_HASH_KEY"]
        result = service.import_register(
            path, db.engine(), key, census_today(), on_reject=lambda *r: seen.append(r), workers=2
        )
    assert (result.rows, result.rejected, result.members_added) == (91, 2, 89)
    assert seen == [(42, "sex must be L or P"), (92, "the same NIK is on line 12")]


def test_no_number_or_name_in_logs_or_output(
    app: Flask, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    card = family()
    card.person("Sri", "P", date(2014, 2, 2), "Anak", sex="L")
    card.person("Joko", "L", date(2015, 3, 3), "Anak", address="Jl. Lain", rt="9")
    card.person("Agus", "L", date(1950, 1, 1), "Kepala Keluarga")
    card.person("Tono", "L", date(2016, 1, 1), "Anak", nik=card.people[0]["nik"])
    path = write(tmp_path / "r.csv", card.people)
    outputs = [run(app, path).output, run(app, path).output]
    assert "register import: 7 rows, 4 rejected" in caplog.text
    secrets = {card.kk} | {p["nik"] for p in card.people} | {p["name"] for p in card.people}
    for secret in secrets:
        for haystack in (*outputs, caplog.text):
            assert secret not in haystack


def _full_parse_accepts(kk: str, nik: str, born: date, sex: str) -> bool:
    from census.core.identity import IdentifierError, parse_kk, parse_nik

    try:
        result = parse_nik(nik, other=kk, birth_date=born, sex=sex)
        parse_kk(kk, other=nik, birth_date=born, sex=sex)
    except IdentifierError:
        return False
    return not result.mismatches


def test_the_import_fast_path_accepts_exactly_what_the_full_checks_accept() -> None:
    import random

    from census.core.identity import quick_pair

    rng = random.Random(7)
    checked = accepted = 0
    for _ in range(4000):
        sex = rng.choice("LP")
        born = date(1930, 1, 1) + timedelta(days=rng.randrange(35000))
        kk = make_kk("33.16.01", issued=date(2000, 1, 1) + timedelta(days=rng.randrange(9000)))
        nik = make_nik("33.16.01", sex, born)
        digits = list(rng.choice((kk, nik)))
        for _ in range(rng.choice((0, 0, 1, 2))):  # mutate a digit or two, sometimes
            digits[rng.randrange(16)] = rng.choice("0123456789")
        if rng.random() < 0.5:
            kk = "".join(digits) if rng.random() < 0.5 else kk
        else:
            nik = "".join(digits)
        if rng.random() < 0.05:
            kk, nik = nik, kk
        declared_sex = sex if rng.random() < 0.9 else ("P" if sex == "L" else "L")
        declared = born if rng.random() < 0.9 else born + timedelta(days=rng.choice((1, 36525)))
        expected = _full_parse_accepts(kk, nik, declared, declared_sex)
        assert (quick_pair(kk, nik, declared, declared_sex) is not None) == expected
        checked += 1
        accepted += expected
    assert 0.3 * checked < accepted < 0.95 * checked  # both branches were exercised


def test_a_partial_file_leaves_the_other_members_in_place(app: Flask, tmp_path: Path) -> None:
    card = family()
    run(app, write(tmp_path / "a.csv", card.people))
    card.people[0]["sex"] = "X"  # the head's row is rejected this time
    newborn = card.person("Bayu", "L", date(2025, 1, 2), "Anak")
    result = run(app, write(tmp_path / "b.csv", card.people))
    assert rejects(result.output) == {2: "sex must be L or P"}
    assert "households 0 added, 0 updated; persons 1 added, 0 updated" in result.output
    result = run(app, write(tmp_path / "c.csv", card.people[2:]))
    assert "households 0 added, 0 updated; persons 0 added, 0 updated" in result.output
    with app.app_context():
        household = household_of(db.session(), card.kk, newborn["nik"])
        assert [(m.name, m.position) for m in household.members] == [
            ("Budi Santoso", 0),
            ("Siti Aminah", 1),
            ("Rina", 2),
            ("Bayu", 3),
        ]


def test_progress_counts_every_byte_read(app: Flask, tmp_path: Path) -> None:
    rows = []
    for _ in range(1500):  # more than one progress step of rows
        rows += family().people
    path = write(tmp_path / "r.csv", rows)
    steps: list[int] = []
    with app.app_context():
        result = service.import_register(
            path,
            db.engine(),
            app.config["IDENTITY_HASH_KEY"],
            census_today(),
            progress=steps.append,
        )
    assert result.rows == 4500
    assert len(steps) >= 3 and all(step >= 0 for step in steps)
    assert sum(steps) == path.stat().st_size


FOREIGN_KEYS = text(
    "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), convalidated "
    "FROM pg_constraint WHERE contype = 'f' ORDER BY 1, 2"
)
KEYS_AND_INDEXES = text(
    "SELECT conrelid::regclass::text, conname, contype, pg_get_constraintdef(oid), convalidated "
    "FROM pg_constraint WHERE connamespace = 'public'::regnamespace UNION ALL "
    "SELECT indrelid::regclass::text, indexrelid::regclass::text, 'i', "
    "pg_get_indexdef(indexrelid), indisvalid FROM pg_index "
    "WHERE indrelid IN ('household'::regclass, 'member'::regclass) ORDER BY 1, 2, 3"
)
ORPHAN = text(
    "INSERT INTO member (household_id, nik_hash, sealed, sex, relationship_code, "
    "position) VALUES (-1, :hash, :hash, 'L', 'anak', 0)"
)


def _catalogue(app: Flask, query: TextClause = FOREIGN_KEYS) -> list[tuple[object, ...]]:
    with app.app_context(), db.engine().connect() as connection:
        if connection.dialect.name != "postgresql":
            return []
        return [tuple(row) for row in connection.execute(query)]


def test_a_first_load_keeps_every_key_and_index(app: Flask, tmp_path: Path) -> None:
    # On PostgreSQL the first load into an empty register builds its indexes and checks its keys
    # once, at the end; afterwards they must be exactly as the migrations made them, and enforced.
    before, keys = _catalogue(app, KEYS_AND_INDEXES), _catalogue(app)
    result = run(app, write(tmp_path / "r.csv", family().people + family().people))
    assert "persons 6 added" in result.output
    assert _catalogue(app, KEYS_AND_INDEXES) == before
    assert all(row[4] for row in before)
    assert all(row[3] for row in keys)
    if before:
        assert {"household_kk_hash_key", "member_nik_hash_key"} <= {row[1] for row in before}
        assert "ix_household_district_agg" in {row[1] for row in before}
    with (
        app.app_context(),
        db.engine().connect() as connection,
        pytest.raises(Exception, match=r"(?i)foreign key"),
        connection.begin(),
    ):
        connection.execute(ORPHAN, {"hash": b"\x00" * 32})


@pytest.mark.parametrize("check", ["unknown village", "same NIK twice"])
def test_a_first_load_refuses_a_row_its_keys_refuse(
    app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, check: str
) -> None:
    # The keys still refuse the whole import when a row breaks one, past a disabled check: a
    # household whose village is not a region (foreign key), a NIK twice (unique constraint).
    checks = tuple(c for c in register_sql.CHECKS if c[0] != check)
    monkeypatch.setattr(register_sql, "CHECKS", checks)
    if check == "unknown village":
        people = family("33.16.01.9999").people
    else:
        people = family().people
        people.append({**people[-1], "name": "Dua Kali"})
    result = run(app, write(tmp_path / "r.csv", people))
    assert result.exit_code == 1
    assert "nothing was imported" in result.output
    assert counts(app) == (0, 0)


def test_a_first_load_while_the_register_is_being_read(
    app: Flask, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # Someone holds a read of the (empty) register open: the first load cannot take the tables
    # for itself, so it keeps the keys and checks row by row, rather than wait or fail.
    import time

    path = write(tmp_path / "r.csv", family().people)
    with app.app_context(), db.engine().connect() as reader:
        reader.execute(select(func.count()).select_from(Household))  # holds its read lock
        postgresql = reader.dialect.name == "postgresql"
        caplog.set_level(logging.INFO, logger="census.register")
        start = time.monotonic()
        result = run(app, path)
        elapsed = time.monotonic() - start
        reader.rollback()
    assert result.exit_code == 0, result.output
    assert "persons 3 added" in result.output
    assert elapsed < 10
    assert ("keys and indexes kept row by row" in caplog.text) == postgresql
