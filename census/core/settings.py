"""What staff changed, read by every capability: the effective schedule, targets and notices.

The environment gives the defaults (``CENSUS_SCHEDULE``, ``CENSUS_TARGET_PERCENT``); national and
region staff override them in the database (``census/staff/`` writes, this module reads). Each
value is read from the database once per request, never cached across requests, so a change
made on one app server is followed by every other at once. Every change also moves the settings
generation on (:func:`generation`, read at most once a second per worker), which is part of the
key of every kept public page (``census.core.pagecache``): a kept page shows a change made on
another server within a second. Help points, the other thing staff change, are read by
``census.core.helppoints``.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import current_app, g, has_app_context
from sqlalchemy import event, or_, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from census.core import db, frontcache
from census.core.config import Schedule, census_today
from census.core.i18n import current_language
from census.core.local_models import (
    Announcement,
    PhaseChange,
    RegionTarget,
    SettingsGeneration,
)
from census.core.regions import level_of

log = logging.getLogger(__name__)


#: How long a worker trusts the settings generation it read (other servers' changes show within it).
GENERATION_SECONDS = 1.0


def generation() -> int:
    """The settings generation (grows with every change by staff), read at most once a second
    per worker (a change made in this worker is seen at once: :func:`moved_on`); -1 when the
    database cannot say (nothing is then kept: see ``census.core.pagecache``)."""
    memo = current_app.extensions.setdefault("census_generation", [0.0, -1])
    now = time.monotonic()
    if now < memo[0]:
        return memo[1]
    session = db.session()
    try:
        value = session.execute(
            select(SettingsGeneration.value).where(SettingsGeneration.id == 1)
        ).scalar()
        value = int(value or 0)
    except SQLAlchemyError as exc:
        session.rollback()
        log.warning("settings generation unreadable: %s", type(exc).__name__)
        return -1
    memo[:] = [now + GENERATION_SECONDS, value]
    return value


def moved_on() -> None:
    """Staff changed something in this worker: read the generation again on its next use."""
    memo = current_app.extensions.get("census_generation")
    if memo is not None:
        memo[0] = 0.0
    frontcache.forget(current_app)


#: Set on a database session whose transaction moves the settings generation on.
MOVED = "census_settings_moved"


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    # Only once the change is committed: a read in between would keep the old number.
    if session.info.pop(MOVED, False) and has_app_context():
        moved_on()


@event.listens_for(Session, "after_rollback")
def _rolled_back(session: Session) -> None:
    session.info.pop(MOVED, None)


def configured_schedule() -> Schedule:
    """The schedule from the environment (``CENSUS_SCHEDULE``), before any change by staff."""
    return current_app.config["CENSUS_SCHEDULE"]


@dataclass(frozen=True)
class Move:
    """One phase change as read: which date, from what, to what."""

    phase: str
    old_date: date
    new_date: date


def phase_changes() -> list[Move]:
    """Every phase change, oldest first: read once per request, and kept by the worker for as
    long as the settings generation stays the same (no staff change anywhere since)."""
    cached = g.get("census_phase_changes")
    if cached is None:
        version = generation()
        memo = current_app.extensions.get("census_phase_changes")
        if version >= 0 and memo is not None and memo[0] == version:
            cached = memo[1]
        else:
            cached = _read_phase_changes()
            if version >= 0:
                current_app.extensions["census_phase_changes"] = (version, cached)
        g.census_phase_changes = cached
    return cached


def _read_phase_changes() -> list[Move]:
    query = select(PhaseChange.phase, PhaseChange.old_date, PhaseChange.new_date).order_by(
        PhaseChange.changed_at, PhaseChange.id
    )
    session = db.session()
    try:
        return [Move(*row) for row in session.execute(query)]
    except SQLAlchemyError as exc:
        # An error page after a failed statement (a lock timeout): its transaction is aborted.
        session.rollback()
        log.warning("schedule changes unreadable: %s", type(exc).__name__)
    try:
        return [Move(*row) for row in session.execute(query)]
    except SQLAlchemyError:
        session.rollback()
        return []  # the database is down: the configured schedule, on an error page


def merge(base: Schedule, changes: list[Move]) -> Schedule:
    """``base`` with the newest change of each phase applied."""
    values: dict[str, date] = {}
    for change in changes:
        values[change.phase] = change.new_date
    return dataclasses.replace(base, **values) if values else base


def effective_schedule() -> Schedule:
    """The schedule every phase-dependent answer follows: configuration plus staff changes."""
    return merge(configured_schedule(), phase_changes())


def forget_schedule() -> None:
    """Read the schedule again on its next use in this request (after a change)."""
    g.pop("census_phase_changes", None)


def online_open() -> bool:
    """Whether the online form takes answers now, on the effective schedule."""
    return effective_schedule().online_open()


def today_phase() -> tuple[Schedule, str]:
    """The effective schedule and today's phase on the census clock (WIB)."""
    schedule = effective_schedule()
    return schedule, schedule.phase(census_today())


@dataclass(frozen=True)
class ScheduleMove:
    """One change as the schedule page tells it: which date, from when, to when."""

    phase: str
    old_date: date
    new_date: date

    @property
    def later(self) -> bool:
        return self.new_date > self.old_date


def schedule_history() -> list[ScheduleMove]:
    """The phase changes, oldest first, for ``/jadwal``."""
    return [ScheduleMove(c.phase, c.old_date, c.new_date) for c in phase_changes()]


# --- targets -----------------------------------------------------------------------------------


def _chain(code: str) -> list[str]:
    """``code`` and its parents' codes, deepest first (``33.16.01`` -> 33.16.01, 33.16, 33)."""
    parts = code.split(".")
    return [".".join(parts[:i]) for i in range(len(parts), 0, -1)]


def target_percent(code: str | None) -> float:
    """The region's own target, else its nearest parent's, else ``CENSUS_TARGET_PERCENT``."""
    default = float(current_app.config["CENSUS_TARGET_PERCENT"])
    if not code or level_of(code) is None:
        return default
    chain = _chain(code)
    query = select(RegionTarget.region_code, RegionTarget.percent).where(
        RegionTarget.region_code.in_(chain)
    )
    found = {region: percent for region, percent in db.session().execute(query)}
    for candidate in chain:
        if candidate in found:
            return float(found[candidate])
    return default


def own_target(code: str) -> int | None:
    """The target set on this region itself (None: it takes its parent's)."""
    row = db.session().get(RegionTarget, code)
    return row.percent if row is not None else None


# --- announcements -----------------------------------------------------------------------------


def announcements(code: str | None, today: date | None = None) -> list[dict[str, Any]]:
    """The notices shown today for ``code`` (its own, its parents' and the country's)."""
    today = today or census_today()
    regions: list[Any] = [Announcement.region_code.is_(None)]
    if code and level_of(code) is not None:
        regions.append(Announcement.region_code.in_(_chain(code)))
    query = (
        select(Announcement)
        .where(or_(*regions))
        .where(Announcement.starts_on <= today)
        .where(or_(Announcement.ends_on.is_(None), Announcement.ends_on >= today))
        .order_by(Announcement.starts_on.desc(), Announcement.id.desc())
        .limit(3)
    )
    session = db.session()
    try:
        return [notice_text(a) for a in session.scalars(query)]
    except SQLAlchemyError as exc:  # the database is down: the page goes out without notices
        session.rollback()
        log.warning("announcements unreadable: %s", type(exc).__name__)
        return []


def notice_text(announcement: Announcement) -> dict[str, Any]:
    """The text for the visitor's language: English when given, else Indonesian marked as such."""
    if current_language() == "en" and announcement.text_en:
        return {"text": announcement.text_en, "lang": None}
    lang = "id" if current_language() != "id" else None
    return {"text": announcement.text_id, "lang": lang}
