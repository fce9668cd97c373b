"""The register import skips a check across rows only when the rows staged show it would reject
none (``census.register.seen.Seen``): the same report and register as running every check."""

from __future__ import annotations

import itertools
from datetime import date
from pathlib import Path

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from census.core import db
from census.register import blocks as register_blocks
from census.register import seen as register_seen
from census.register import service
from census.register import sql as register_sql
from tests.conftest import clear_data
from tests.register_helpers import VILLAGE, Card, family, run, write

ALL_SKIPPABLE = {"same NIK twice", "unknown village", *register_sql.HOUSEHOLD_CHECKS}
UNKNOWN_VILLAGE = "33.16.01.2999"
KEPT = register_seen.SEEN_ROWS  # (the property test below sets it for each example)
#: A household the property test may find in the register first (the same numbers each time).
REGISTERED = family("33.16.02.2001")


@pytest.fixture(params=["one process", "worker processes"])
def reading(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Rows checked in this process, then by two workers reading blocks of 61 bytes (so a
    household's rows are cut into several blocks)."""
    if request.param == "worker processes":
        monkeypatch.setattr(service, "default_workers", lambda size, postgresql: 2)
        monkeypatch.setattr(register_blocks, "BLOCK_BYTES", 61)
    return str(request.param)


@pytest.fixture
def needless(monkeypatch: pytest.MonkeyPatch) -> list[set[str]]:
    """What each import found it need not run."""
    found: list[set[str]] = []
    real = service.needless_checks

    def spy(connection, seen):  # type: ignore[no-untyped-def]
        found.append(real(connection, seen))
        return found[-1]

    monkeypatch.setattr(service, "needless_checks", spy)
    return found


def _two_households() -> list[dict[str, str]]:
    return family().people + family("33.16.02.2001").people


def _problem(kind: str) -> list[dict[str, str]]:
    people = _two_households()
    if kind == "a NIK twice":
        people.append({**people[1], "name": "Dua Kali"})
    elif kind == "an unknown village":
        card = Card(UNKNOWN_VILLAGE)
        card.person("Tono", "L", date(1970, 1, 1), "Kepala Keluarga")
        people += card.people
    elif kind == "a household's rows disagree":
        people[2] = {**people[2], "rt": "9"}
    elif kind == "two heads":
        people[2] = {**people[2], "relationship": "Kepala Keluarga"}
    elif kind in ("a head again further on", "different details further on"):
        card = family()  # its last row after the other household's rows
        if kind == "a head again further on":
            card.person("Agus", "L", date(1950, 1, 1), "Kepala Keluarga")
        else:
            card.person("Joko", "L", date(2015, 3, 3), "Anak", address="Jl. Lain 2")
        people = [*card.people[:3], *people[3:], card.people[3]]
    return people


CAUGHT = {
    "a NIK twice": "same NIK twice",
    "an unknown village": "unknown village",
    "a household's rows disagree": "household rows disagree",
    "two heads": "two heads in the file",
    "a head again further on": "two heads in the file",
    "different details further on": "household rows disagree",
}


def test_a_clean_file_runs_none_of_the_checks_that_would_reject_nothing(
    app: Flask, tmp_path: Path, reading: str, needless: list[set[str]]
) -> None:
    # A KK whose rows are apart in the file, with the same details and one head, is no conflict.
    people = _two_households()
    people = [*people[:2], *people[3:], people[2]]
    result = run(app, write(tmp_path / "r.csv", people))
    assert result.exit_code == 0, result.output
    assert "6 rows read: 6 in the register, 0 rejected" in result.output
    assert needless == [ALL_SKIPPABLE]


@pytest.mark.parametrize("kind", CAUGHT)
def test_a_check_that_could_reject_a_row_runs(
    app: Flask, tmp_path: Path, reading: str, needless: list[set[str]], kind: str
) -> None:
    result = run(app, write(tmp_path / "r.csv", _problem(kind)))
    assert result.exit_code == 0, result.output
    assert "1 rejected" in result.output
    assert CAUGHT[kind] not in needless[0]


@pytest.mark.parametrize("unknown", [False, True])
def test_village_codes_are_looked_up_in_batches(
    app: Flask, tmp_path: Path, needless: list[set[str]], monkeypatch, unknown: bool
) -> None:
    monkeypatch.setattr(register_seen, "VILLAGE_BATCH", 1)
    people = _problem("an unknown village" if unknown else "none")
    result = run(app, write(tmp_path / "r.csv", people))
    assert result.exit_code == 0, result.output
    assert ("unknown village" in needless[0]) is not unknown


def test_a_file_larger_than_what_is_kept_runs_every_check(
    app: Flask, tmp_path: Path, reading: str, needless: list[set[str]], monkeypatch
) -> None:
    monkeypatch.setattr(register_seen, "SEEN_ROWS", 4)
    result = run(app, write(tmp_path / "r.csv", _two_households()))
    assert result.exit_code == 0, result.output
    assert needless == [set()]


def test_seen_adds_blocks_as_one() -> None:
    """Blocks added up answer as the whole would: a KK cut between blocks, its heads counted
    across them; a NIK in two blocks; KKs sharing the first 8 bytes of their hash as one."""
    place, other = ("33.16.01.2001", "003", "001", "Jl. A"), ("33.16.01.2001", "003", "001", "B")
    kk = bytes(range(32))
    twin = kk[:8] + bytes(24)  # another KK's hash with the same first 8 bytes
    nik = [bytes([n]) * 32 for n in range(4)]

    def block(niks: list[bytes], runs: list[register_seen.Run]) -> register_seen.Seen:
        seen = register_seen.Seen()
        seen.note(niks, runs)
        return seen

    whole = register_seen.Seen()
    whole.add(block(nik[:2], [(kk, place, 1)]))
    whole.add(block(nik[2:], [(kk, place, 0)]))
    assert not whole.duplicate_nik and not whole.household_conflict
    assert whole.villages == {"33.16.01.2001"} and whole.count == 4
    whole.add(block([nik[0]], []))
    assert whole.duplicate_nik
    for runs in ([(kk, place, 1)], [(kk, other, 0)], [(twin, other, 0)]):
        seen = block(nik[:2], [(kk, place, 1)])
        seen.add(block(nik[2:], runs))
        assert seen.household_conflict, runs
    seen = block(nik, [(kk, place, 2)])
    assert seen.household_conflict
    seen = block([b"short"], [])
    assert not seen.usable and seen.duplicate_nik and seen.household_conflict


# The same file imported with and without what is kept: the same report, the same register.


@st.composite
def registers(draw: st.DrawFn) -> list[dict[str, str]]:
    cards = [family(), family("33.16.02.2001"), family()]
    people = [row for card in cards for row in card.people]
    niks = [row["nik"] for row in people + REGISTERED.people]
    for _ in range(draw(st.integers(min_value=1, max_value=6))):
        at = draw(st.integers(min_value=0, max_value=len(people) - 1))
        row = dict(people[at])
        change = draw(st.sampled_from(["nik", "village_code", "rt", "relationship", "copy"]))
        if change == "nik":
            row["nik"] = draw(st.sampled_from(niks))
        elif change == "village_code":
            row["village_code"] = draw(st.sampled_from([UNKNOWN_VILLAGE, VILLAGE]))
        elif change == "rt":
            row["rt"] = draw(st.sampled_from(["3", "4"]))
        elif change == "relationship":
            row["relationship"] = draw(st.sampled_from(["Kepala Keluarga", "Anak"]))
        if change == "copy":
            people.append(row)
        else:
            people[at] = row
    return draw(st.permutations(people)) if draw(st.booleans()) else people


REGISTER = text(
    "SELECT h.kk_hash, h.village_code, h.district_code, h.rt, h.rw, h.address, m.nik_hash,"
    " m.position, m.sex, m.relationship_code, m.sealed"
    " FROM household h LEFT JOIN member m ON m.household_id = h.id ORDER BY h.kk_hash, m.position"
)


def _import(app: Flask, path: Path) -> tuple[str, list[tuple[object, ...]]]:
    """The import's report and the register it left: every household and person, in order."""
    result = run(app, path)
    with app.app_context():
        register = [tuple(row) for row in db.session().execute(REGISTER)]
        db.session().close()
    return result.output, register


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(people=registers(), registered=st.booleans(), block=st.sampled_from([0, 61, 300]))
def test_what_is_kept_changes_nothing_an_import_does(
    app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, people, registered, block
) -> None:
    # block 0: one process; else two workers reading blocks of that many bytes (61: a row or
    # so, every household cut; 300: a few rows, most households whole, so a first load can
    # take the one pass that uses what is kept the most).
    path = write(tmp_path / "r.csv", people)
    monkeypatch.setattr(service, "default_workers", lambda size, postgresql: 2 if block else 0)
    monkeypatch.setattr(register_blocks, "BLOCK_BYTES", block or 1 << 20)
    outcomes = []
    for kept in (KEPT, -1):  # -1: given up at once, so every check runs
        clear_data(app)
        if registered:  # checks against the register run between the others
            assert run(app, write(tmp_path / "before.csv", REGISTERED.people)).exit_code == 0
        monkeypatch.setattr(register_seen, "SEEN_ROWS", kept)
        outcomes.append(_import(app, path))
    assert outcomes[0] == outcomes[1]


@pytest.mark.parametrize("block", [0, 300], ids=["one process", "blocks of 300 bytes"])
def test_a_clean_first_load_inserts_in_one_pass(
    app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, block: int
) -> None:
    """Every KK one run of rows and nothing rejected across rows: on PostgreSQL the households
    and persons go in without grouping or sorting, each person's place on the card the
    position written as the rows were staged (a row rejected on its own takes none)."""
    monkeypatch.setattr(service, "default_workers", lambda size, postgresql: 2 if block else 0)
    monkeypatch.setattr(register_blocks, "BLOCK_BYTES", block or 1 << 20)
    ran: list[str] = []
    real = service.Connection.exec_driver_sql

    def spy(self, statement, *args, **kwargs):  # type: ignore[no-untyped-def]
        ran.append(statement)
        return real(self, statement, *args, **kwargs)

    monkeypatch.setattr(service.Connection, "exec_driver_sql", spy)
    cards = [family(), family("33.16.02.2001"), family()]
    cards[1].person("Tono", "L", date(2016, 1, 1), "Anak", sex="X")  # rejected on its own
    cards[1].person("Tini", "P", date(2017, 1, 1), "Anak")
    result = run(app, write(tmp_path / "r.csv", [row for card in cards for row in card.people]))
    assert result.exit_code == 0, result.output
    assert "1 rejected" in result.output
    one_pass = register_sql.ONE_PASS_MEMBERS in ran
    with app.app_context():
        assert one_pass == (db.engine().dialect.name == "postgresql")
        positions = db.session().execute(
            text(
                "SELECT h.kk_hash, m.position FROM household h JOIN member m"
                " ON m.household_id = h.id ORDER BY h.kk_hash, m.position"
            )
        )
        by_household: dict[bytes, list[int]] = {}
        for kk, position in positions:
            by_household.setdefault(bytes(kk), []).append(position)
    assert sorted(by_household.values()) == [[0, 1, 2], [0, 1, 2], [0, 1, 2, 3]]


def test_blocks_end_before_the_last_household_they_hold(monkeypatch: pytest.MonkeyPatch) -> None:
    """Plain lines are cut into blocks before the run of lines with the block's last KK (so a
    household stays in one block, when the blocks can hold one), every line in exactly one
    block, numbered as before; a block that holds a quote is cut as before."""
    import io

    lines = [f"{kk:016d},{n},x\r\n".encode() for kk in (1, 1, 2, 2, 2, 3, 4, 4) for n in (0,)]
    data = b"".join(lines)
    for size in range(1, len(data) + 2):
        monkeypatch.setattr(register_blocks, "BLOCK_BYTES", size)
        blocks = list(register_blocks.file_blocks(io.BytesIO(data), ",", 1, 0))
        assert b"".join(block for block, _ in blocks) == data
        line = 1
        for block, after in blocks:
            assert after == line
            line += block.count(b"\n")
        if size < 3 * len(lines[0]):
            continue  # too small to hold a household: cut inside it, as before
        whole = [b.split(b"\r\n")[:-1] for b, _ in blocks]
        kks = [{row.split(b",")[0] for row in block} for block in whole]
        for first, second in itertools.pairwise(kks):
            shared = first & second
            assert not shared or len(first) == 1 or len(second) == 1, (size, kks)
    quoted = b'1,"a",x\n1,b,x\n2,c,x\n'
    monkeypatch.setattr(register_blocks, "BLOCK_BYTES", len(quoted) - 2)
    blocks = list(register_blocks.file_blocks(io.BytesIO(quoted), ",", 1, 0))
    assert blocks[0][0] == b'1,"a",x\n1,b,x\n'
