"""The register import skips a check across rows only when the rows staged show it would reject
none (``census.register.staging.Seen``): the same report and register as running every check."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from census.core import db
from census.register import service, staging
from census.register import sql as register_sql
from tests.conftest import clear_data
from tests.factories import add_household
from tests.register_helpers import VILLAGE, Card, family, run, write

ALL_SKIPPABLE = {"same NIK twice", "unknown village", *register_sql.HOUSEHOLD_CHECKS}
UNKNOWN_VILLAGE = "33.16.01.2999"
KEPT = staging.SEEN_ROWS  # (the property test below sets it for each example)


@pytest.fixture(params=["one process", "worker processes"])
def reading(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Rows checked in this process, then by two workers reading blocks of 61 bytes (so a
    household's rows are cut into several blocks)."""
    if request.param == "worker processes":
        monkeypatch.setattr(service, "default_workers", lambda size, postgresql: 2)
        monkeypatch.setattr(staging, "BLOCK_BYTES", 61)
    return str(request.param)


@pytest.fixture
def needless(monkeypatch: pytest.MonkeyPatch) -> list[set[str]]:
    """What each import found it need not run."""
    found: list[set[str]] = []
    real = service._needless_checks

    def spy(connection, seen):  # type: ignore[no-untyped-def]
        found.append(real(connection, seen))
        return found[-1]

    monkeypatch.setattr(service, "_needless_checks", spy)
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
    monkeypatch.setattr(service, "VILLAGE_BATCH", 1)
    people = _problem("an unknown village" if unknown else "none")
    result = run(app, write(tmp_path / "r.csv", people))
    assert result.exit_code == 0, result.output
    assert ("unknown village" in needless[0]) is not unknown


def test_a_file_larger_than_what_is_kept_runs_every_check(
    app: Flask, tmp_path: Path, reading: str, needless: list[set[str]], monkeypatch
) -> None:
    monkeypatch.setattr(staging, "SEEN_ROWS", 4)
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

    def block(niks: list[bytes], runs: list[staging.Run]) -> staging.Seen:
        seen = staging.Seen()
        seen.note(niks, runs)
        return seen

    whole = staging.Seen()
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
    niks = [row["nik"] for row in people]
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


def _import(app: Flask, path: Path) -> tuple[str, int, int]:
    result = run(app, path)
    with app.app_context():
        households = db.session().execute(text("SELECT COUNT(*) FROM household")).scalar()
        members = db.session().execute(text("SELECT COUNT(*) FROM member")).scalar()
        db.session().close()
    return result.output, households, members


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(people=registers(), registered=st.booleans(), workers=st.booleans())
def test_what_is_kept_changes_nothing_an_import_does(
    app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, people, registered, workers
) -> None:
    path = write(tmp_path / "r.csv", people)
    monkeypatch.setattr(service, "default_workers", lambda size, postgresql: 2 if workers else 0)
    monkeypatch.setattr(staging, "BLOCK_BYTES", 61 if workers else 1 << 20)
    outcomes = []
    for kept in (KEPT, -1):  # -1: given up at once, so every check runs
        clear_data(app)
        if registered:  # checks against the register run between the others
            with app.app_context():
                add_household(db.session())
        monkeypatch.setattr(staging, "SEEN_ROWS", kept)
        outcomes.append(_import(app, path))
    assert outcomes[0] == outcomes[1]
