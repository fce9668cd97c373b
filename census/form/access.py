"""Who may open a household's answers: the two numbers, then the household's shared PIN.

SP2020 gave each family card one password, shared by the household. We do the same: the first
person in sets a PIN (Argon2-hashed); anyone later needs the numbers *and* the PIN, so a stranger
holding the two numbers (they are printed on many documents) can neither read nor change the
answers. Wrong PINs are throttled per household.

The session is kept on the server (``form_session``): the signed cookie holds only a random id,
made anew at entry and at the PIN. After ``FORM_IDLE_MINUTES`` (45, as the UK census runner) of
silence, after "Stop for now" and after a PIN change the household's sessions are closed, so a
copied cookie opens nothing until the PIN is given again.
"""

from __future__ import annotations

import hashlib
import itertools
import logging
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, g, session
from limits import RateLimitItem, parse
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from census.core import db
from census.core import limits as throttles
from census.core.limits import key_prefix, refuse
from census.core.models import FormResponse, utcnow
from census.core.visit_models import FormSession

log = logging.getLogger(__name__)

SESSION_KEY = "isi"
DEFAULT_IDLE_MINUTES = 45
DEFAULT_PIN_FAILS = "5/hour"
#: OWASP's second Argon2id profile (19 MiB, 2 passes): strong, and light enough for cheap servers.
hasher = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)


def hash_pin(pin: str) -> str:
    """The Argon2id hash of a PIN or password."""
    return hasher.hash(pin)


def pin_matches(pin_hash: str, pin: str) -> bool:
    """Whether ``pin`` is the household's PIN."""
    try:
        return hasher.verify(pin_hash, pin)
    except (VerificationError, InvalidHashError):
        return False


def _pin_keys(household_id: int) -> tuple[str, ...]:
    digest = hashlib.sha256(f"form-pin/{household_id}".encode()).hexdigest()[:32]
    return (key_prefix(), "pin-fails", digest)


def _pin_limit() -> RateLimitItem:
    return parse(current_app.config.get("FORM_PIN_FAILS", DEFAULT_PIN_FAILS))


def check_pin_throttle(household_id: int) -> None:
    """Raise ``TooManyRequests`` (with Retry-After) when this household had too many wrong PINs."""
    item, keys = _pin_limit(), _pin_keys(household_id)
    if not throttles.test(item, *keys):
        refuse(item, *keys)


def take_pin_try(household_id: int) -> None:
    """Count one PIN try against the household before the PIN is checked, or raise
    ``TooManyRequests``. Counting first is atomic in the store, so tries sent at the same moment
    from many phones cannot all slip through between a check and a count."""
    item, keys = _pin_limit(), _pin_keys(household_id)
    if not throttles.hit(item, *keys):
        refuse(item, *keys)


def record_pin_result(household_id: int, right: bool) -> None:
    """A right PIN clears the household's count of tries (only someone who knows it can);
    a wrong one stays counted."""
    log.info("form pin: %s", "right" if right else "wrong")
    if right:
        throttles.clear(_pin_limit(), *_pin_keys(household_id))


def weak_pins(birth_dates: list[date]) -> set[str]:
    """PINs that someone holding the household's numbers could guess: the members' birth dates
    (a NIK carries them, as DDMMYY, with 40 added to the day for women) in the usual ways of
    writing them."""
    weak: set[str] = set()
    for born in birth_dates:
        dd, mm, yy, yyyy = (
            f"{born.day:02d}",
            f"{born.month:02d}",
            f"{born.year % 100:02d}",
            str(born.year),
        )
        women = f"{born.day + 40:02d}"
        for day in (dd, women):
            weak |= {day + mm + yy, day + mm + yyyy, yyyy + mm + day, yy + mm + day}
    return weak


def is_trivial_pin(pin: str) -> bool:
    """One digit repeated, or a run up or down (111111, 123456, 987654)."""
    if not pin.isdigit():
        return False
    steps = {(int(b) - int(a)) % 10 for a, b in itertools.pairwise(pin)}
    return len(steps) == 1 and steps <= {0, 1, 9}


@dataclass(frozen=True)
class Visit:
    """What this browser's session says: which household, and whether the PIN was given.

    ``expired`` is true once, on the first request after an unlocked session was closed: it idled
    (``closed == "idle"``), someone pressed "Stop for now" (``"stop"``) or changed the PIN
    (``"pin"``) on this or another phone.
    """

    household_id: int | None
    unlocked: bool
    expired: bool = False
    closed: str | None = None


def _idle_seconds() -> int:
    return int(current_app.config.get("FORM_IDLE_MINUTES", DEFAULT_IDLE_MINUTES)) * 60


def _id_hash(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def _own_row(db_session: Session) -> FormSession | None:
    data = session.get(SESSION_KEY)
    token = data.get("s") if isinstance(data, dict) else None
    if not isinstance(token, str) or not token:
        return None
    return db_session.get(FormSession, _id_hash(token))


def _open(household_id: int, unlocked: bool, pin_hash: str | None = None) -> bool:
    """A new session id for this browser (the old one, if any, ends): at entry and at the PIN.

    With ``pin_hash`` (the PIN just checked), the session opens only if that is still the
    household's PIN, read under a row lock: a PIN changed on another phone while this one was
    being checked wins, and nothing is opened (False)."""
    db_session = db.session()
    if pin_hash is not None:
        current = db_session.scalar(
            select(FormResponse.pin_hash)
            .where(FormResponse.household_id == household_id)
            .with_for_update()
        )
        if current != pin_hash:
            db_session.rollback()
            log.info("form pin: changed meanwhile")
            return False
    old = _own_row(db_session)
    if old is not None:
        db_session.delete(old)
    token = secrets.token_urlsafe(32)
    now = utcnow()
    db_session.add(
        FormSession(
            id_hash=_id_hash(token),
            household_id=household_id,
            unlocked=unlocked,
            created_at=now,
            last_seen_at=now,
        )
    )
    db_session.commit()
    session[SESSION_KEY] = {"s": token}
    g.pop("form_visit", None)
    return True


def begin_entry(household_id: int) -> None:
    """The numbers were right: remember the household, PIN still needed. Now and then (one
    entry in a hundred) sessions not seen for a day are swept away."""
    _open(household_id, unlocked=False)
    if secrets.randbelow(100) == 0:
        sweep()


def unlock(household_id: int, pin_hash: str) -> bool:
    """The PIN was right (or just set): the household's answers are open to this browser,
    under a new session id; False when ``pin_hash`` is no longer the household's PIN."""
    opened = _open(household_id, unlocked=True, pin_hash=pin_hash)
    if opened:
        log.info("form pin: unlocked")
    return opened


def forget() -> None:
    """Close the form in this browser (another household's numbers, or a household gone)."""
    db_session = db.session()
    row = _own_row(db_session)
    if row is not None:
        db_session.delete(row)
        db_session.commit()
    session.pop(SESSION_KEY, None)
    g.pop("form_visit", None)


def close_everywhere(household_id: int, because: str, keep_own: bool = False) -> int:
    """End every open session of the household ("stop" for now, a "pin" change): the PIN is
    asked again on every phone, whoever holds a copy of a cookie. This browser's own session
    ends too, unless ``keep_own`` (the one that just changed the PIN). Returns how many closed."""
    db_session = db.session()
    own = _own_row(db_session)
    closed = db_session.execute(
        update(FormSession)
        .where(
            FormSession.household_id == household_id,
            FormSession.unlocked.is_(True),
            FormSession.id_hash != (own.id_hash if own is not None else b""),
        )
        .values(unlocked=False, closed_because=because),
        execution_options={"synchronize_session": False},
    ).rowcount
    db_session.commit()
    log.info("form session: %d closed (%s)", closed, because)
    if not keep_own:
        forget()
    return closed


def change_pin(response: FormResponse, new_pin: str) -> None:
    """Give the household a new PIN: every other phone's session closes (the PIN is asked
    again there), and this browser carries on under a new session id."""
    response.pin_hash = hash_pin(new_pin)
    response.held = None  # nothing typed under the old PIN waits to be saved under the new one
    db.session().commit()
    log.info("form pin: changed")
    close_everywhere(response.household_id, "pin", keep_own=True)
    unlock(response.household_id, response.pin_hash)


def sweep(older_than_hours: int = 24) -> int:
    """Delete sessions not seen for a day: a locked one only remembers which household's PIN
    to ask, and nobody comes back to it after so long. Returns how many were deleted."""
    db_session = db.session()
    cutoff = utcnow() - timedelta(hours=older_than_hours)
    deleted = db_session.execute(
        delete(FormSession).where(FormSession.last_seen_at < cutoff),
        execution_options={"synchronize_session": False},
    ).rowcount
    db_session.commit()
    return deleted


def current_visit(now: datetime | None = None) -> Visit:
    """The session's household, from the server's row; an unlocked one idle too long, or
    closed elsewhere, is locked (PIN asked). A cookie whose row is gone opens nothing."""
    if not isinstance(session.get(SESSION_KEY), dict):
        return Visit(None, False)
    visit = g.get("form_visit")
    if visit is not None:
        return visit
    db_session = db.session()
    row = _own_row(db_session)
    if row is None:
        session.pop(SESSION_KEY, None)
        return Visit(None, False)
    now = now or utcnow()
    idle = (now - _aware(row.last_seen_at)).total_seconds()
    if row.closed_because is not None:
        because, row.closed_because = row.closed_because, None
        row.last_seen_at = now
        db_session.commit()
        visit = Visit(row.household_id, False, expired=True, closed=because)
    elif not row.unlocked:
        visit = Visit(row.household_id, False)
    elif idle > _idle_seconds():
        row.unlocked, row.last_seen_at = False, now
        db_session.commit()
        log.info("form session: expired")
        visit = Visit(row.household_id, False, expired=True, closed="idle")
    else:
        if idle > 30:  # written at most every 30 s
            row.last_seen_at = now
            db_session.commit()
        visit = Visit(row.household_id, True)
    g.form_visit = visit
    return visit


def reopen_args(visit: Visit) -> dict[str, str]:
    """The PIN page's query arguments that say why the PIN is asked again."""
    if not visit.expired:
        return {}
    return {"expired": "1"} if visit.closed == "idle" else {"closed": visit.closed or "stop"}


def _aware(moment: datetime) -> datetime:
    """SQLite gives back naive datetimes; they were stored in UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
