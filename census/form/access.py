"""Who has a household's answers open: the numbers, then the household's PIN (``pins``).

The session is kept on the server (``form_session``): the signed cookie holds only a random id,
made anew at entry and at the PIN. After ``FORM_IDLE_MINUTES`` (45, as the UK census runner) of
silence, after "Stop for now" and after a PIN change the household's sessions are closed, so a
copied cookie opens nothing until the PIN is given again.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import current_app, g, session
from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.orm import Session

from census.core import db
from census.core.models import FormResponse, Household, utcnow
from census.core.visit_models import FormSession
from census.form.pins import hash_pin

log = logging.getLogger(__name__)

SESSION_KEY = "isi"
DEFAULT_IDLE_MINUTES = 45


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
    token = _token()
    return db_session.get(FormSession, _id_hash(token)) if token is not None else None


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


def _token() -> str | None:
    data = session.get(SESSION_KEY)
    token = data.get("s") if isinstance(data, dict) else None
    return token if isinstance(token, str) and token else None


#: The session's row as every step reads it: columns, not an ORM object (a step's hottest query).
_TABLE = FormSession.__table__
_SESSION_ROW = select(
    _TABLE.c.household_id,
    _TABLE.c.unlocked,
    _TABLE.c.closed_because,
    _TABLE.c.last_seen_at,
).where(_TABLE.c.id_hash == bindparam("id_hash"))


def _touch(db_session: Session, id_hash: bytes, **values: Any) -> None:
    db_session.execute(
        update(FormSession).where(FormSession.id_hash == id_hash).values(**values),
        execution_options={"synchronize_session": False},
    )
    db_session.commit()


#: The same row with the household and its answers, for a step (one query instead of two).
_SESSION_AND_HOUSEHOLD = (
    select(
        FormSession.household_id,
        FormSession.unlocked,
        FormSession.closed_because,
        FormSession.last_seen_at,
        Household,
        FormResponse,
    )
    .join(Household, Household.id == FormSession.household_id)
    .outerjoin(FormResponse, FormResponse.household_id == Household.id)
    .where(FormSession.id_hash == bindparam("id_hash"))
    .execution_options(populate_existing=True)  # freshly read, as _household_and_response
)


def current_visit(now: datetime | None = None) -> Visit:
    """The session's household, from the server's row; an unlocked one idle too long, or
    closed elsewhere, is locked (PIN asked). A cookie whose row is gone opens nothing."""
    return open_visit(now)[0]


def open_visit(
    now: datetime | None = None, with_household: bool = False
) -> tuple[Visit, tuple[Household, FormResponse | None] | None]:
    """:func:`current_visit`, and with ``with_household`` the household and its answers read
    in the same query (None when the visit was already known in this request)."""
    if not isinstance(session.get(SESSION_KEY), dict):
        return Visit(None, False), None
    visit = g.get("form_visit")
    if visit is not None:
        return visit, None
    db_session = db.session()
    token = _token()
    row: Any = None
    if token is not None and with_household:
        row = db_session.execute(_SESSION_AND_HOUSEHOLD, {"id_hash": _id_hash(token)}).first()
    elif token is not None:
        # On the connection: a Core statement, without the ORM's per-statement work.
        row = db_session.connection().execute(_SESSION_ROW, {"id_hash": _id_hash(token)}).first()
    if token is None or row is None:
        session.pop(SESSION_KEY, None)
        return Visit(None, False), None
    id_hash = _id_hash(token)
    household_id, unlocked, closed_because, last_seen_at = row[:4]
    now = now or utcnow()
    idle = (now - _aware(last_seen_at)).total_seconds()
    if closed_because is not None:
        _touch(db_session, id_hash, closed_because=None, last_seen_at=now)
        visit = Visit(household_id, False, expired=True, closed=closed_because)
    elif not unlocked:
        visit = Visit(household_id, False)
    elif idle > _idle_seconds():
        _touch(db_session, id_hash, unlocked=False, last_seen_at=now)
        log.info("form session: expired")
        visit = Visit(household_id, False, expired=True, closed="idle")
    else:
        if idle > 30:  # written at most every 30 s
            _touch(db_session, id_hash, last_seen_at=now)
        visit = Visit(household_id, True)
    g.form_visit = visit
    return visit, ((row[4], row[5]) if with_household else None)


def reopen_args(visit: Visit) -> dict[str, str]:
    """The PIN page's query arguments that say why the PIN is asked again."""
    if not visit.expired:
        return {}
    return {"expired": "1"} if visit.closed == "idle" else {"closed": visit.closed or "stop"}


def _aware(moment: datetime) -> datetime:
    """SQLite gives back naive datetimes; they were stored in UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
