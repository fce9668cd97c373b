"""Demo mode: a sandbox household for showing the site live, kept out of every figure.

A presenter starts a demo and gets a freshly made household with numbers nobody can own:
region prefix ``33.98.99`` (no regency 33.98 exists, so no real NIK or KK starts like this),
registration and birth dates on the first of a month, serials ``99xx`` (the test factories count
from 9000 with other dates). The household is stored with ``is_demo`` set: the status check and
the census form find it by its hashes like any other household, while every published aggregate
filters it out. Each start makes a new household; demo households older than
``DEMO_LIFETIME`` are deleted whenever a demo starts.
"""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import delete, exists, select, true
from sqlalchemy.orm import Session

from census.core.households import DEMO_PREFIX, new_household, number_hash
from census.core.models import HEAD, Household, Member, Region, RegionLevel, utcnow
from census.core.regions import level_of

DEMO_LIFETIME = timedelta(hours=3)
DEMO_ISSUED = date(2000, 1, 1)
DEMO_VILLAGE = "33.16.01.2001"
DEMO_MEMBERS = (
    ("Budi Contoh", "L", date(1980, 1, 1), HEAD),
    ("Sari Contoh", "P", date(1982, 2, 1), "istri"),
    ("Dewi Contoh", "P", date(2012, 3, 1), "anak"),
)


@dataclass
class DemoHousehold:
    """What the presenter may show: the household's id and its made-up numbers."""

    household_id: int
    kk: str
    members: list[dict[str, str]] = field(default_factory=list)

    def to_session(self) -> dict[str, object]:
        """The form kept in the browser's (signed) session cookie."""
        return asdict(self)


def demo_nik(sex: str, born: date, serial: int) -> str:
    """A NIK in the demo range (women's day + 40, as on a real NIK)."""
    day = born.day + (40 if sex == "P" else 0)
    return f"{DEMO_PREFIX}{day:02d}{born:%m%y}{serial:04d}"


def demo_kk(serial: int) -> str:
    """A KK number in the demo range."""
    return f"{DEMO_PREFIX}{DEMO_ISSUED:%d%m%y}{serial:04d}"


def cleanup(session: Session, now: datetime | None = None) -> int:
    """Delete demo households older than ``DEMO_LIFETIME`` (members go with them)."""
    cutoff = (now or utcnow()) - DEMO_LIFETIME
    old = select(Household.id).where(Household.is_demo == true(), Household.created_at < cutoff)
    ids = list(session.scalars(old))
    if ids:
        session.execute(delete(Member).where(Member.household_id.in_(ids)))
        session.execute(delete(Household).where(Household.id.in_(ids)))
    return len(ids)


def demo_village(session: Session, code: str | None) -> str:
    """A village for the demo household: the first one inside ``code``, else the default."""
    if code and level_of(code) is not None:
        query = (
            select(Region.code)
            .where(Region.level == RegionLevel.VILLAGE, Region.code.startswith(code + "."))
            .order_by(Region.code)
            .limit(1)
        )
        found = session.scalar(query)
        if found:
            return found
    return DEMO_VILLAGE


class DemoFull(RuntimeError):
    """Every practice household is in use (each lives three hours)."""


def _free_serial(session: Session) -> int:
    serials = list(range(9900, 10000))
    random.shuffle(serials)
    for serial in serials:
        taken = exists().where(Household.kk_hash == number_hash("kk", demo_kk(serial)))
        if not session.scalar(select(taken)):
            return serial
    raise DemoFull("no free demo serial; demo households are cleaned up after 3 hours")


def start_demo(session: Session, region_code: str | None = None) -> DemoHousehold:
    """Clean up old demos, then add and return a new demo household."""
    cleanup(session)
    made, _household = add_demo(session, region_code)
    session.commit()
    return made


def add_demo(session: Session, region_code: str | None = None) -> tuple[DemoHousehold, Household]:
    """Add a new demo household to ``session`` (not committed) with a free serial."""
    serial = _free_serial(session)
    village = demo_village(session, region_code)
    kk = demo_kk(serial)
    made = DemoHousehold(0, kk)
    people = []
    for name, sex, born, relationship in DEMO_MEMBERS:
        nik = demo_nik(sex, born, serial)
        made.members.append({"name": name, "nik": nik, "relationship": relationship})
        people.append((name, sex, born, relationship, nik))
    household = new_household(kk, village, "001", "001", "Jl. Contoh No. 1", people, is_demo=True)
    session.add(household)
    session.flush()
    made.household_id = household.id
    return made, household


def end_demo(session: Session, household_id: int) -> None:
    """Delete one demo household (never a real one)."""
    ids = select(Household.id).where(Household.id == household_id, Household.is_demo == true())
    session.execute(delete(Member).where(Member.household_id.in_(ids)))
    session.execute(
        delete(Household).where(Household.id == household_id, Household.is_demo == true())
    )
    session.commit()
