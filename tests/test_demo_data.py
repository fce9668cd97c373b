"""``flask census demo-data``: synthetic households that look real and parse as real numbers."""

from __future__ import annotations

import csv
import random
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from census.core import db
from census.core.config import census_today
from census.core.identity import parse_kk, parse_nik
from census.core.models import CountStatus, Household, Member
from census.register.demo import make_demo_register, status_plan
from census.register.synthetic import Generator
from tests.factories import household_of


@pytest.fixture
def demo_app(app: Flask, tmp_path: Path) -> Flask:
    """The app writing its demo files into a temporary instance folder."""
    app.instance_path = str(tmp_path)
    return app


def run_demo(app: Flask, *args: str) -> object:
    return app.test_cli_runner().invoke(args=["census", "demo-data", *args])


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_demo_register_is_imported_with_statuses(demo_app: Flask, tmp_path: Path) -> None:
    result = run_demo(demo_app, "--households", "120", "--region", "53.71", "--seed", "3")
    assert result.exit_code == 0, result.output
    assert "0 rejected" in result.output
    rows = read_csv(tmp_path / "demo-register.csv")
    with demo_app.app_context():
        session = db.session()
        households = list(session.scalars(select(Household)))
        assert len(households) == 120
        assert session.scalar(select(func.count()).select_from(Member)) == len(rows)
        assert all(h.village_code.startswith("53.71.") for h in households)
        statuses = Counter(h.status for h in households)
        now = datetime.now(UTC)
        for h in households:
            if h.status is CountStatus.NOT_STARTED:
                assert h.counted_at is None and h.status_changed_at is None
                continue
            changed = h.status_changed_at.replace(tzinfo=h.status_changed_at.tzinfo or UTC)
            assert now - timedelta(days=31) <= changed <= now
            if h.status is CountStatus.IN_PROGRESS:
                assert h.started_at is not None and h.counted_at is None
            else:
                assert h.counted_at is not None
    assert statuses[CountStatus.NOT_STARTED] > 60
    assert 10 <= statuses[CountStatus.COUNTED_ONLINE] <= 45
    assert statuses[CountStatus.IN_PROGRESS] + statuses[CountStatus.COUNTED_OFFICER] >= 2


def test_try_list_numbers_open_their_households(demo_app: Flask, tmp_path: Path) -> None:
    assert run_demo(demo_app, "--households", "80", "--seed", "5").exit_code == 0
    listed = read_csv(tmp_path / "demo-households.csv")
    assert len(listed) >= 8
    assert {"not_started", "counted_online"} <= {row["status"] for row in listed}
    with demo_app.app_context():
        for row in listed:
            household = household_of(db.session(), row["kk"], row["nik"])
            assert household is not None
            assert household.status.value == row["status"]
            assert household.village_code == row["village_code"]
            assert row["village"]


def test_rerun_with_the_same_seed_changes_nothing(demo_app: Flask) -> None:
    assert run_demo(demo_app, "--households", "30", "--seed", "9").exit_code == 0
    with demo_app.app_context():
        before = sorted(
            (h.id, h.status, h.counted_at) for h in db.session().scalars(select(Household))
        )
    result = run_demo(demo_app, "--households", "30", "--seed", "9")
    assert "households 0 added, 0 updated; persons 0 added, 0 updated" in result.output
    with demo_app.app_context():
        after = sorted(
            (h.id, h.status, h.counted_at) for h in db.session().scalars(select(Household))
        )
    assert after == before


def test_an_unknown_region_is_refused(demo_app: Flask) -> None:
    result = run_demo(demo_app, "--region", "99.99")
    assert result.exit_code == 1
    assert "no villages under region 99.99" in result.output


def test_same_seed_same_register(demo_app: Flask, tmp_path: Path) -> None:
    today = date(2026, 3, 1)
    with demo_app.app_context():
        make_demo_register(50, "33.16", 11, tmp_path / "a", today)
        make_demo_register(50, "33.16", 11, tmp_path / "b", today)
        make_demo_register(50, "33.16", 12, tmp_path / "c", today)
    a, b, c = (tmp_path / x / "demo-register.csv" for x in "abc")
    assert a.read_bytes() == b.read_bytes()
    assert a.read_bytes() != c.read_bytes()


def test_numbers_are_valid_synthetic_and_unique() -> None:
    villages = ["33.16.01.2001", "51.71.01.1001", "12.71.01.1001", "53.71.01.1001"]
    generator = Generator(random.Random(1), villages, census_today())
    households = list(generator.households(400))
    niks, kks = set(), set()
    for h in households:
        parse_kk(h.kk)
        assert int(h.kk[12:]) >= 9000
        assert h.kk[:6] == h.village_code.replace(".", "")[:6]
        kks.add(h.kk)
        for p in h.members:
            nik = parse_nik(p.nik, other=h.kk, birth_date=p.born, sex=p.sex)
            assert nik.mismatches == ()
            assert int(nik.serial) >= 9000
            niks.add(p.nik)
    assert len(kks) == 400
    assert len(niks) == sum(len(h.members) for h in households)


def test_households_look_like_real_ones() -> None:
    today = census_today()
    villages = ["33.16.01.2001", "51.71.01.1001", "12.71.01.1001", "53.71.01.1001"]
    households = list(Generator(random.Random(2), villages, today).households(600))
    shapes = Counter(h.shape for h in households)
    assert set(shapes) == {"single", "couple", "nuclear", "single_parent", "three_generations"}
    assert shapes["nuclear"] == max(shapes.values())
    sizes = Counter(len(h.members) for h in households)
    assert sizes[1] > 0 and max(sizes) >= 5
    heads = [h.members[0] for h in households]
    assert all(p.relationship == "Kepala Keluarga" for p in heads)
    assert sum(p.sex == "P" for p in heads) >= 20  # women head some households
    relationships = {p.relationship for h in households for p in h.members}
    assert {"Istri", "Anak", "Cucu", "Menantu"} <= relationships
    assert relationships & {"Orang Tua", "Mertua"}
    names = [p.name for h in households for p in h.members]
    assert any(" " not in n for n in names)  # one-word names, as many Javanese have
    assert any(
        n.startswith(("I Wayan", "I Made", "Ni Made", "Ni Nyoman", "I Ketut")) for n in names
    )
    for h in households:
        ages = [(today - p.born).days // 365 for p in h.members]
        assert min(ages) >= 0 and max(ages) <= 100
        head_age = ages[0]
        assert head_age >= 21
        for p, age in zip(h.members, ages, strict=True):
            if p.relationship == "Anak":
                assert age < head_age
            if p.relationship == "Cucu":
                assert age < head_age - 30
        assert h.rt.isdigit() and len(h.rt) == 3 and h.rw.isdigit() and len(h.rw) == 3
        assert h.address


def test_statuses_stay_in_the_online_phase(app: Flask) -> None:
    schedule = app.config["CENSUS_SCHEDULE"]
    households = list(
        Generator(random.Random(4), ["33.16.01.2001"], census_today()).households(500)
    )
    now = datetime.now(UTC)
    plan = status_plan(random.Random(5), households, schedule, now)
    shares = Counter(p["status"] for p in plan)
    assert 60 <= shares[CountStatus.COUNTED_ONLINE] <= 160
    assert shares[CountStatus.IN_PROGRESS] > 5 and shares[CountStatus.COUNTED_OFFICER] > 3
    start = datetime.combine(
        max(schedule.online_start, census_today() - timedelta(days=29)), datetime.min.time()
    ).replace(tzinfo=UTC) - timedelta(hours=7)
    for p in plan:
        assert start <= p["status_changed_at"] <= now
        if p["started_at"]:
            assert start <= p["started_at"] <= p["status_changed_at"]
    days = {p["status_changed_at"].date() for p in plan}
    assert len(days) >= 10  # spread over the weeks, not all today


def test_setup_adds_demo_data_to_an_empty_register(demo_app: Flask) -> None:
    result = demo_app.test_cli_runner().invoke(
        args=["census", "setup", "--demo-households", "15", "--demo-region", "33.16.01"]
    )
    assert result.exit_code == 0, result.output
    with demo_app.app_context():
        assert db.session().scalar(select(func.count()).select_from(Household)) == 15
    again = demo_app.test_cli_runner().invoke(args=["census", "setup"])
    assert again.exit_code == 0
    assert "demo register" not in again.output
