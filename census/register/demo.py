"""``flask census demo-data``: a synthetic register that makes a fresh site look alive.

The households (``census.register.synthetic``) are written to ``instance/demo-register.csv`` and go
through the same import as a real register, so the demo also exercises that path. Inside the same
transaction, households get a realistic spread of counting statuses over the last 30 days of the
online phase: most not started, about a fifth counted online, a few in progress and a few counted
by an officer, some villages keener than others. ``instance/demo-households.csv`` lists a few
households' numbers (synthetic, so showing them is fine) to try the site with.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import Connection, bindparam, func, select, update
from sqlalchemy.orm import Session

from census.core import db
from census.core.config import CENSUS_TZ, Schedule, census_today
from census.core.identity import keyed_hash
from census.core.models import CountStatus, Household, Region, RegionLevel
from census.register.cli import run_import, summary
from census.register.synthetic import DemoHousehold, Generator, pick_villages, write_csv

#: Shares of the statuses across the demo register (the rest: not started).
STATUS_SHARES = (
    (CountStatus.COUNTED_ONLINE, 0.20),
    (CountStatus.IN_PROGRESS, 0.05),
    (CountStatus.COUNTED_OFFICER, 0.03),
)
#: Hours (WIB) at which people fill in the form, weighted: evenings after work, then mornings.
HOUR_WEIGHTS = [1, 0, 0, 0, 1, 2, 3, 4, 5, 5, 4, 4, 4, 3, 3, 3, 4, 5, 6, 8, 9, 8, 5, 2]


def register_is_empty(session: Session) -> bool:
    """Whether no household is registered yet."""
    return not session.scalar(select(func.count()).select_from(Household))


def villages_under(session: Session, code: str) -> list[str]:
    """Every village code under ``code`` (itself, if it is a village), in code order."""
    query = select(Region.code).where(Region.level == int(RegionLevel.VILLAGE))
    query = query.where((Region.code == code) | Region.code.startswith(code + ".", autoescape=True))
    return list(session.scalars(query.order_by(Region.code)))


def status_plan(
    rng: random.Random, households: Sequence[DemoHousehold], schedule: Schedule, now: datetime
) -> list[dict[str, object]]:
    """Statuses and timestamps for the households that are not "not started"."""
    today = census_today(now)
    first = max(schedule.online_start, today - timedelta(days=29))
    last = min(today, schedule.online_end)
    if first > last:  # the online phase has not begun: nobody has started
        return []
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    day_weights = [1 + 2 * i / len(days) for i in range(len(days))]  # interest grows over time
    keenness = {
        code: rng.uniform(0.3, 1.8) for code in sorted({h.village_code for h in households})
    }

    def moment() -> datetime:
        for _ in range(20):  # today's later hours have not happened yet: draw again
            day = rng.choices(days, weights=day_weights)[0]
            hour = rng.choices(range(24), weights=HOUR_WEIGHTS)[0]
            at = datetime.combine(day, time(hour, rng.randrange(60), rng.randrange(60)), CENSUS_TZ)
            if at <= now:
                return at.astimezone(UTC)
        return now - timedelta(minutes=rng.randrange(1, 600))

    plan = []
    for household in households:
        draw, status = rng.random(), CountStatus.NOT_STARTED
        keen = keenness[household.village_code]
        threshold = 0.0
        for candidate, share in STATUS_SHARES:
            threshold += share * (keen if candidate is CountStatus.COUNTED_ONLINE else 1)
            if draw < threshold:
                status = candidate
                break
        if status is CountStatus.NOT_STARTED:
            continue
        at = moment()
        started = None
        if status is not CountStatus.COUNTED_OFFICER:
            started = max(
                at - timedelta(minutes=rng.choice((8, 15, 25, 40, 90, 600, 2000))),
                datetime.combine(first, time(), CENSUS_TZ).astimezone(UTC),
            )
        if status is CountStatus.IN_PROGRESS:
            at, started = started or at, started or at
        plan.append(
            {
                "kk": household.kk,
                "status": status,
                "started_at": started,
                "status_changed_at": at,
                "counted_at": at if status is not CountStatus.IN_PROGRESS else None,
            }
        )
    return plan


def apply_statuses(connection: Connection, plan: list[dict[str, object]], key: bytes) -> None:
    """Set the planned statuses on households that nobody has touched yet."""
    if not plan:
        return
    table = Household.__table__
    statement = (
        update(table)
        .where(table.c.kk_hash == bindparam("h"))
        .where(table.c.status == CountStatus.NOT_STARTED)
        .where(table.c.status_changed_at.is_(None))
        .values(
            status=bindparam("status"),
            started_at=bindparam("started_at"),
            status_changed_at=bindparam("status_changed_at"),
            counted_at=bindparam("counted_at"),
        )
    )
    rows = [
        {**{k: v for k, v in p.items() if k != "kk"}, "h": keyed_hash("kk", p["kk"], key)}
        for p in plan
    ]  # type: ignore[arg-type]
    connection.execute(statement, rows)


def write_try_list(
    path: Path,
    households: Sequence[DemoHousehold],
    plan: list[dict[str, object]],
    names: dict[str, str],
) -> None:
    """A few households of each status, with the numbers to type into the site."""
    status_of = {p["kk"]: p["status"] for p in plan}
    wanted = {CountStatus.NOT_STARTED: 4, CountStatus.IN_PROGRESS: 2}
    wanted |= {CountStatus.COUNTED_ONLINE: 3, CountStatus.COUNTED_OFFICER: 1}
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ("kk", "nik", "name", "relationship", "members", "village_code", "village", "status")
        )
        for household in households:
            status = status_of.get(household.kk, CountStatus.NOT_STARTED)
            if wanted.get(status, 0) <= 0:
                continue
            wanted[status] -= 1
            for person in household.members[:2]:
                writer.writerow(
                    (
                        household.kk,
                        person.nik,
                        person.name,
                        person.relationship,
                        len(household.members),
                        household.village_code,
                        names.get(household.village_code, ""),
                        status.value,
                    )
                )


def make_demo_register(
    households: int, region: str, seed: int, instance: Path, today: date | None = None
) -> tuple[list[DemoHousehold], Path]:
    """Draw the households and write them as an import file under ``instance``."""
    session = db.session()
    villages = villages_under(session, region)
    if not villages:
        raise click.ClickException(
            f"no villages under region {region}; give a loaded Kemendagri code such as 33.16 "
            "(run 'flask census load-regions' first)"
        )
    rng = random.Random(seed)
    generator = Generator(rng, pick_villages(rng, villages, households), today or census_today())
    drawn = list(generator.households(households))
    instance.mkdir(parents=True, exist_ok=True)
    path = instance / "demo-register.csv"
    write_csv(path, drawn)
    return drawn, path


@click.command("demo-data")
@click.option("--households", default=300, show_default=True, type=click.IntRange(1, 2_000_000))
@click.option("--region", default="33.16", show_default=True, help="Kemendagri code, any level.")
@click.option("--seed", default=2020, show_default=True, help="Same seed, same register.")
@with_appcontext
def demo_data_command(households: int, region: str, seed: int) -> None:
    """Add a synthetic register for the villages under a real region code."""
    instance = Path(current_app.instance_path)
    drawn, path = make_demo_register(households, region, seed, instance)
    plan = status_plan(
        random.Random(seed + 1), drawn, current_app.config["CENSUS_SCHEDULE"], datetime.now(UTC)
    )
    key = current_app.config["IDENTITY_HASH_KEY"]
    result = run_import(str(path), after_upsert=lambda c: apply_statuses(c, plan, key))
    click.echo(summary(result))
    names = dict(
        db.session()
        .execute(
            select(Region.code, Region.name).where(Region.code.in_({h.village_code for h in drawn}))
        )
        .all()
    )
    try_list = instance / "demo-households.csv"
    write_try_list(try_list, drawn, plan, names)
    counted = sum(1 for p in plan if p["status"] is not CountStatus.IN_PROGRESS)
    click.echo(
        f"demo register: {len(drawn)} households in {len(names)} villages under {region}, "
        f"{counted} counted; numbers to try are in {try_list}"
    )
