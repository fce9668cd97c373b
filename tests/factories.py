"""Test data: households with valid, obviously synthetic NIK and KK numbers.

Numbers are built the way Dukcapil builds them (region, date, serial; +40 on a woman's birth day),
with serials from 9000 up so they never collide with a real person's.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from census.core import db
from census.core.config import Schedule, census_today
from census.core.households import find_by_pair, new_household
from census.core.models import CountStatus, Household

_serials = itertools.count(9000)

#: The data key tests/conftest.py configures, and a second one to rotate to.
KEY_A = "1:" + "5a" * 32
KEY_B = "2:" + "b7" * 32


def make_nik(district: str, sex: str, born: date, serial: int | None = None) -> str:
    """A structurally valid NIK for someone first registered in ``district`` (dotted)."""
    day = born.day + (40 if sex == "P" else 0)
    serial = next(_serials) % 10000 if serial is None else serial
    return f"{district.replace('.', '')}{day:02d}{born:%m%y}{serial:04d}"


def make_kk(district: str, issued: date = date(2015, 3, 9), serial: int | None = None) -> str:
    """A structurally valid KK number issued in ``district``."""
    serial = next(_serials) % 10000 if serial is None else serial
    return f"{district.replace('.', '')}{issued:%d%m%y}{serial:04d}"


@dataclass
class MadeHousehold:
    """A household added to the register and its raw numbers (which the database never sees)."""

    household: Household
    kk: str
    niks: list[str] = field(default_factory=list)


DEFAULT_MEMBERS = (
    ("Budi Santoso", "L", date(1978, 4, 12), "kepala_keluarga"),
    ("Siti Aminah", "P", date(1981, 9, 3), "istri"),
    ("Rina", "P", date(2010, 1, 25), "anak"),
)


def add_household(
    session: Session,
    village: str = "33.16.01.2001",
    members: tuple[tuple[str, str, date, str], ...] = DEFAULT_MEMBERS,
    commit: bool = True,
) -> MadeHousehold:
    """Add a household to the register (inside an app context) and return its numbers."""
    district = village[:8]
    kk = make_kk(district)
    niks = [make_nik(district, sex, born) for _name, sex, born, _relationship in members]
    people = [(*member, nik) for member, nik in zip(members, niks, strict=True)]
    household = new_household(kk, village, "003", "001", "Jl. Melati No. 7", people)
    made = MadeHousehold(household, kk, niks)
    session.add(household)
    if commit:
        session.commit()
    return made


def household_of(session: Session, kk: str, nik: str) -> Household | None:
    """The household (ORM object, to read everything about it) the look-up finds for a pair."""
    found = find_by_pair(session.connection(), kk, nik)
    return None if found is None else session.get(Household, found.id)


def schedule_for(phase: str) -> Schedule:
    """A schedule in which today (WIB) falls in ``phase``."""
    start = (
        census_today()
        + {
            "before": timedelta(10),
            "online": timedelta(-5),
            "between": timedelta(-40),
            "field": timedelta(-60),
            "after": timedelta(-100),
        }[phase]
    )
    return Schedule(start, start + timedelta(30), start + timedelta(50), start + timedelta(80))


def with_status(app, status: CountStatus, at: datetime | None = None, proof: str | None = None):
    """Add a household in an application context of its own, so every request gets a fresh one
    (a shared context would share ``g``, and with it the first request's language)."""
    with app.app_context():
        session = db.session()
        made = add_household(session)
        if status is not CountStatus.NOT_STARTED:
            made.household.set_status(status, at)
        made.household.proof_code = proof
        session.commit()
    return made
