"""Drives: create one with its agencies, add agencies, find a drive; each change audited.

A drive belongs to a province or a regency/city; staff of that region (or national staff) make
and change it. A refused change raises :class:`DriveRefused` naming its form field, and writes
nothing.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from census.core.local_models import Drive, DriveAgency
from census.core.models import RegionLevel
from census.core.regions import get_region
from census.drives.agencies import HEADCOUNT_MAX, Agencies, read_agencies
from census.staff import audit
from census.staff.service import ChangeRefused

SLUG = re.compile(r"[a-z0-9](?:[a-z0-9-]{1,38}[a-z0-9])")
NAME_MAX = 120
#: The levels that run drives: a province, or a regency/city.
DRIVE_LEVELS = (RegionLevel.PROVINCE, RegionLevel.REGENCY)


class DriveRefused(ChangeRefused):
    """A refused change, with the rejected agency lines when there were any."""

    def __init__(
        self, field: str, message: Any, rejected: list[tuple[int, Any]] | None = None
    ) -> None:
        super().__init__(field, message)
        self.rejected = rejected or []


def slug_from(name: str) -> str:
    """A short link's name from a drive's name: ``ASN Blora 2026`` gives ``asn-blora-2026``."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:40].strip("-")


def find(session: Session, slug: str) -> Drive | None:
    """The drive with this short name, or None (anything not shaped like one: None)."""
    if not SLUG.fullmatch(slug or ""):
        return None
    return session.scalar(select(Drive).where(Drive.slug == slug))


def of_region(session: Session, code: str) -> list[Drive]:
    """The drives of a region and of every region in it, newest first."""
    query = select(Drive).where(
        (Drive.region_code == code) | Drive.region_code.startswith(code + ".")
    )
    return list(session.scalars(query.order_by(Drive.starts_on.desc(), Drive.id.desc())))


def is_open(drive: Drive, today: date) -> bool:
    """Whether confirmations are taken today (the first and last day included)."""
    return drive.starts_on <= today <= drive.ends_on


def _checked(
    session: Session,
    slug: str,
    name: str,
    region_code: str,
    starts_on: date,
    ends_on: date,
    target: int,
) -> tuple[str, str]:
    name = _checked_details(name, starts_on, ends_on, target)
    slug = (slug or "").strip().lower() or slug_from(name)
    if not SLUG.fullmatch(slug):
        raise DriveRefused(
            "slug",
            _l("Use 3 to 40 lower-case letters, digits and hyphens, like asn-blora-2026."),
        )
    if session.scalar(select(Drive.id).where(Drive.slug == slug)) is not None:
        raise DriveRefused("slug", _l("Another drive already has this short name."))
    region = get_region(session, (region_code or "").strip())
    if region is None:
        raise DriveRefused("region", _l("There is no region with this code."))
    if RegionLevel(region.level) not in DRIVE_LEVELS:
        raise DriveRefused("region", _l("A drive belongs to a province or a regency/city."))
    return slug, name


def _checked_details(name: str, starts_on: date, ends_on: date, target: int) -> str:
    """The name as kept (spaces tidied), or ``DriveRefused`` naming the field."""
    name = " ".join((name or "").split())
    if not name:
        raise DriveRefused("name", _l("Enter the drive's name."))
    if len(name) > NAME_MAX or any(not c.isprintable() for c in name):
        raise DriveRefused("name", _l("Write the name in at most 120 characters."))
    if ends_on < starts_on:
        raise DriveRefused("ends_on", _l("The last day cannot be before the first day."))
    if not 1 <= target <= 100:
        raise DriveRefused("target", _l("Enter a whole number from 1 to 100."))
    return name


def change(
    session: Session,
    actor: str,
    drive: Drive,
    *,
    name: str,
    starts_on: date,
    ends_on: date,
    target: int,
    headcounts: dict[int, int],
) -> None:
    """Correct a drive's name, days, target and agencies' headcounts (its link stays)."""
    drive.name = _checked_details(name, starts_on, ends_on, target)
    drive.starts_on, drive.ends_on, drive.target_percent = starts_on, ends_on, target
    changed = 0
    for agency in drive.agencies:
        count = headcounts.get(agency.id, agency.headcount)
        if not 1 <= count <= HEADCOUNT_MAX:
            raise DriveRefused(f"headcount_{agency.id}", _l("Enter a whole number."))
        changed += count != agency.headcount
        agency.headcount = count
    detail = f"{drive.name}; target {target}%; {starts_on} to {ends_on}; {changed} headcounts"
    audit.record(session, actor, "drive.change", drive.slug, detail)
    session.commit()


def create(
    session: Session,
    actor: str,
    *,
    slug: str,
    name: str,
    region_code: str,
    starts_on: date,
    ends_on: date,
    target: int,
    agencies: str,
) -> Drive:
    """Make a drive with its agencies: every agency line must pass, or nothing is made."""
    slug, name = _checked(session, slug, name, region_code, starts_on, ends_on, target)
    read = read_agencies(agencies)
    if read.rejected:
        raise DriveRefused("agencies", _l("Some agency lines cannot be used."), read.rejected)
    if not read.rows:
        raise DriveRefused("agencies", _l("List at least one agency with its headcount."))
    drive = Drive(
        slug=slug,
        name=name,
        region_code=region_code.strip(),
        starts_on=starts_on,
        ends_on=ends_on,
        target_percent=target,
    )
    for position, (_line, agency, headcount) in enumerate(read.rows):
        drive.agencies.append(DriveAgency(name=agency, headcount=headcount, position=position))
    session.add(drive)
    detail = f"{name}; {len(read.rows)} agencies; target {target}%; {starts_on} to {ends_on}"
    audit.record(session, actor, "drive.create", slug, detail)
    session.commit()
    return drive


def add_agencies(session: Session, actor: str, drive: Drive, text: str) -> Agencies:
    """Add every agency line that passes; the others come back as rejects."""
    read = read_agencies(text, [a.name for a in drive.agencies])
    last = session.scalar(
        select(func.max(DriveAgency.position)).where(DriveAgency.drive_id == drive.id)
    )
    start = -1 if last is None else last
    for offset, (_line, agency, headcount) in enumerate(read.rows, start=1):
        drive.agencies.append(
            DriveAgency(name=agency, headcount=headcount, position=start + offset)
        )
    detail = f"{len(read.rows)} added, {len(read.rejected)} rejected of {read.lines} lines"
    audit.record(session, actor, "drive.agencies", drive.slug, detail)
    session.commit()
    return read
