"""The changes staff make, each checked, written with its audit entry in one transaction.

A change that fails a check raises :class:`ChangeRefused` naming the field and a translated
reason, before anything is written, so nothing is ever half-saved. The pages and the
``flask census`` commands call the same functions.
"""

from __future__ import annotations

import secrets
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from census.core import settings
from census.core.config import census_today
from census.core.local_models import (
    ANNOUNCEMENT_MAX,
    PHASE_KEYS,
    ROLES,
    Announcement,
    HelpPoint,
    PhaseChange,
    RegionTarget,
    StaffAccount,
    StaffSession,
)
from census.core.models import RegionLevel, utcnow
from census.core.regions import get_region
from census.staff import audit
from census.staff.auth import SETUP_HOURS, new_totp_secret, token_hash

#: Levels that can have a target of their own (a village is too small to publish).
TARGET_LEVELS = (RegionLevel.PROVINCE, RegionLevel.REGENCY, RegionLevel.DISTRICT)


class ChangeRefused(ValueError):
    """A change that fails a check: ``field`` is the form field the ``message`` belongs to."""

    def __init__(self, field: str, message: Any) -> None:
        super().__init__(field)
        self.field = field
        self.message = message


def check_region(session: Session, code: str | None, field: str = "region") -> str | None:
    """``code`` when it names a loaded region (None: the whole country)."""
    if code is None:
        return None
    code = code.strip()
    if get_region(session, code) is None:
        raise ChangeRefused(field, _l("There is no region with this code."))
    return code


# --- accounts ----------------------------------------------------------------------------------


def add_account(
    session: Session, actor: str, email: str, role: str, region_code: str | None
) -> str:
    """Create an account and return its one-time set-up token (valid ``SETUP_HOURS``)."""
    email = email.strip().lower()
    if "@" not in email or len(email) > 254:
        raise ChangeRefused("email", _l("Enter an email address like name@example.go.id."))
    if role not in ROLES:
        raise ChangeRefused("role", _l("The role must be national or region."))
    if role == "region":
        if not region_code:
            raise ChangeRefused("region", _l("A region account needs a region code."))
        region_code = check_region(session, region_code)
    else:
        region_code = None
    if settings_account(session, email) is not None:
        raise ChangeRefused("email", _l("There is already an account with this email address."))
    token = secrets.token_urlsafe(32)
    account = StaffAccount(
        email=email,
        role=role,
        region_code=region_code,
        totp_secret=new_totp_secret(),
        setup_hash=token_hash(token),
        setup_expires_at=utcnow() + timedelta(hours=SETUP_HOURS),
    )
    session.add(account)
    audit.record(session, actor, "staff.add", email, f"role={role} region={region_code or '-'}")
    session.commit()
    return token


def reset_account(session: Session, actor: str, email: str) -> str:
    """A new set-up link for an account: new TOTP key, no password, every session ended."""
    account = settings_account(session, email.strip().lower())
    if account is None:
        raise ChangeRefused("email", _l("There is no account with this email address."))
    token = secrets.token_urlsafe(32)
    account.password_hash = None
    account.totp_secret = new_totp_secret()
    account.totp_last_step = None
    account.setup_hash = token_hash(token)
    account.setup_expires_at = utcnow() + timedelta(hours=SETUP_HOURS)
    account.active = True
    session.execute(delete(StaffSession).where(StaffSession.account_id == account.id))
    audit.record(session, actor, "staff.reset", account.email)
    session.commit()
    return token


def disable_account(session: Session, actor: str, email: str) -> int:
    """Stop an account from signing in and end its sessions; returns the sessions ended."""
    account = settings_account(session, email.strip().lower())
    if account is None:
        raise ChangeRefused("email", _l("There is no account with this email address."))
    account.active = False
    account.setup_hash = None
    ended = session.execute(delete(StaffSession).where(StaffSession.account_id == account.id))
    count = int(getattr(ended, "rowcount", 0) or 0)
    audit.record(session, actor, "staff.disable", account.email, f"{count} sessions ended")
    session.commit()
    return count


def settings_account(session: Session, email: str) -> StaffAccount | None:
    """The account with this email, active or not."""
    return session.scalar(select(StaffAccount).where(StaffAccount.email == email))


# --- targets -----------------------------------------------------------------------------------


def set_target(session: Session, actor: str, code: str, percent: int | None) -> None:
    """Give a province, regency or district its own target (None: take the parent's)."""
    region = get_region(session, code.strip())
    if region is None:
        raise ChangeRefused("region", _l("There is no region with this code."))
    if RegionLevel(region.level) not in TARGET_LEVELS:
        raise ChangeRefused("region", _l("Only a province, regency/city or district has a target."))
    if percent is not None and not 1 <= percent <= 100:
        raise ChangeRefused("percent", _l("Enter a whole number from 1 to 100."))
    row = session.get(RegionTarget, region.code)
    if percent is None:
        if row is not None:
            session.delete(row)
    elif row is None:
        session.add(RegionTarget(region_code=region.code, percent=percent))
    else:
        row.percent, row.updated_at = percent, utcnow()
    shown = "parent's" if percent is None else f"{percent}%"
    audit.record(session, actor, "target.set", region.code, f"target {shown}")
    session.commit()


# --- announcements -----------------------------------------------------------------------------


def add_announcement(
    session: Session,
    actor: str,
    text_id: str,
    *,
    text_en: str | None = None,
    region_code: str | None = None,
    starts_on: date | None = None,
    ends_on: date | None = None,
) -> Announcement:
    """A notice for the whole country (no region) or one region."""
    text_id, text_en = " ".join(text_id.split()), " ".join((text_en or "").split()) or None
    if not text_id:
        raise ChangeRefused("text_id", _l("Write the notice in Indonesian."))
    for field, text in (("text_id", text_id), ("text_en", text_en or "")):
        if len(text) > ANNOUNCEMENT_MAX:
            raise ChangeRefused(field, _l("Keep the notice to 280 characters or fewer."))
    region_code = check_region(session, region_code)
    starts_on = starts_on or census_today()
    if ends_on is not None and ends_on < starts_on:
        raise ChangeRefused("ends_on", _l("The last day cannot be before the first day."))
    notice = Announcement(
        region_code=region_code,
        text_id=text_id,
        text_en=text_en,
        starts_on=starts_on,
        ends_on=ends_on,
    )
    session.add(notice)
    session.flush()
    until = ends_on.isoformat() if ends_on else "-"
    detail = f"notice {notice.id}: {starts_on.isoformat()} to {until}"
    audit.record(session, actor, "announcement.add", region_code or "ID", detail)
    session.commit()
    return notice


def remove_announcement(session: Session, actor: str, notice: Announcement) -> None:
    """Take a notice down."""
    audit.record(
        session, actor, "announcement.remove", notice.region_code or "ID", f"notice {notice.id}"
    )
    session.delete(notice)
    session.commit()


# --- the schedule ------------------------------------------------------------------------------


def set_phase(session: Session, actor: str, phase: str, new_date: date) -> PhaseChange:
    """Move one phase date; the phases must stay in order."""
    if phase not in PHASE_KEYS:
        raise ChangeRefused("phase", _l("Choose which date to move."))
    current = settings.effective_schedule()
    moved = replace(current, **{phase: new_date})
    if moved.online_end < moved.online_start or moved.field_end < moved.field_start:
        raise ChangeRefused("new_date", _l("A phase cannot end before it starts."))
    if not moved.online_end < moved.field_start:
        raise ChangeRefused(
            "new_date", _l("The door-to-door visits must start after the online phase ends.")
        )
    old_date = getattr(current, phase)
    change = PhaseChange(phase=phase, old_date=old_date, new_date=new_date)
    session.add(change)
    audit.record(
        session, actor, "schedule.set", phase, f"{old_date.isoformat()} to {new_date.isoformat()}"
    )
    session.commit()
    settings.forget_schedule()
    return change


# --- help points -------------------------------------------------------------------------------


def help_point_values(
    session: Session, village_code: str, name: str, address: str, hours: str, phone: str
) -> dict[str, str]:
    """A help point's columns, checked (raises ChangeRefused naming the field)."""
    from census.staff.helppoints import check_values

    try:
        return check_values(session, village_code, name, address, hours, phone)
    except ValueError as exc:
        field, _sep, _reason = str(exc).partition(" ")
        raise ChangeRefused(field, help_point_message(field)) from None


def help_point_message(field: str) -> Any:
    """The translated reason a help point field was refused."""
    return {
        "village_code": _l("There is no village with this code."),
        "name": _l("Enter the place's name (at most 120 characters)."),
        "address": _l("Enter the address (at most 200 characters)."),
        "hours": _l("Keep the opening hours to 120 characters or fewer."),
        "phone": _l("Enter a phone number of digits, spaces, + and - (at most 30)."),
    }.get(field, _l("This value is not right."))


def add_help_point(session: Session, actor: str, values: dict[str, str]) -> HelpPoint:
    """Add one checked help point."""
    point = HelpPoint(**values)
    session.add(point)
    session.flush()
    audit.record(session, actor, "help_point.add", values["village_code"], f"help point {point.id}")
    session.commit()
    return point


def remove_help_point(session: Session, actor: str, point: HelpPoint) -> None:
    """Remove a help point."""
    audit.record(session, actor, "help_point.remove", point.village_code, f"help point {point.id}")
    session.execute(delete(HelpPoint).where(HelpPoint.id == point.id))
    session.commit()
