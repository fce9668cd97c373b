"""Staff sign-in: Argon2 passwords, TOTP codes that cannot be replayed, server-side sessions.

The cookie holds only a random session id; the ``staff_session`` table holds its SHA-256, so a
copy of the database opens no session. A new id is made at every sign-in; a session ends after
``STAFF_IDLE_MINUTES`` without a request, or ``STAFF_SESSION_HOURS`` after sign-in. Tries are
throttled per client address (``STAFF_SIGNIN_LIMITS``, on the view) and per account
(``STAFF_FAILS_PER_ACCOUNT``, counted before the password is checked).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import wraps
from typing import Any

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import abort, after_this_request, current_app, g, redirect, request, url_for
from limits import parse
from sqlalchemy import delete, select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response as WResponse

from census.core import db
from census.core.limits import key_prefix, limiter, refuse
from census.core.local_models import StaffAccount, StaffSession
from census.core.models import utcnow

COOKIE = "staf"
TOTP_STEP = 30
SETUP_HOURS = 24
hasher = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)
#: Checked when the email is unknown, so a wrong address takes as long as a wrong password.
_DUMMY_HASH = hasher.hash(secrets.token_hex(16))


def token_hash(token: str) -> bytes:
    """The stored form of a session id or set-up token."""
    return hashlib.sha256(token.encode()).digest()


def hash_password(password: str) -> str:
    """The Argon2id hash of a staff password."""
    return hasher.hash(password)


def password_matches(password_hash: str | None, password: str) -> bool:
    """Whether ``password`` is the account's (always does the work of one check)."""
    try:
        return hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def new_totp_secret() -> str:
    """A random base32 TOTP secret (160 bits)."""
    return pyotp.random_base32(32)


def totp_uri(account: StaffAccount) -> str:
    """The ``otpauth://`` URI an authenticator app reads from the QR code."""
    return pyotp.TOTP(account.totp_secret or "").provisioning_uri(
        name=account.email, issuer_name="Sensus Online"
    )


def totp_check(secret: str, code: str, last_step: int | None) -> tuple[str, int | None]:
    """("ok", step), ("used", None) for a code already accepted, or ("wrong", None).

    A code of the current step or either neighbour (clocks drift) is accepted once: its step
    must be later than the last step accepted for the account.
    """
    code = "".join(code.split())
    if len(code) != 6 or not code.isdigit():
        return "wrong", None
    totp = pyotp.TOTP(secret)
    now = int(time.time()) // TOTP_STEP
    used = False
    for step in (now, now - 1, now + 1):
        if hmac.compare_digest(totp.at(step * TOTP_STEP), code):
            if last_step is not None and step <= last_step:
                used = True
                continue
            return "ok", step
    return ("used" if used else "wrong"), None


def find_account(session: Session, email: str) -> StaffAccount | None:
    """The active account with this email address."""
    account = session.scalar(
        select(StaffAccount).where(StaffAccount.email == email.strip().lower())
    )
    return account if account is not None and account.active else None


# --- throttles ---------------------------------------------------------------------------------


def signin_limits() -> str:
    """Sign-in tries per client address (config ``STAFF_SIGNIN_LIMITS``)."""
    return current_app.config.get("STAFF_SIGNIN_LIMITS", "10/minute;50/day")


#: On the sign-in and set-up views (POST): tries per client address.
signin_limit: Callable[..., Any] = limiter.shared_limit(
    signin_limits, scope="staff-signin", methods=["POST"]
)


def _account_limit(email: str) -> tuple[Any, tuple[str, ...]]:
    item = parse(current_app.config.get("STAFF_FAILS_PER_ACCOUNT", "10/hour"))
    digest = hashlib.sha256(("staff/" + email.strip().lower()).encode()).hexdigest()[:32]
    return item, (key_prefix(), "staff-fails", digest)


def take_account_try(email: str) -> None:
    """Count a sign-in try against the address typed, or raise ``TooManyRequests``.

    Counted before the password is checked (one atomic step in the store), so tries sent at
    the same moment from many addresses cannot all slip through.
    """
    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return
    item, keys = _account_limit(email)
    if not limiter.limiter.hit(item, *keys):
        refuse(item, *keys)


def clear_account_tries(email: str) -> None:
    """Forget the tries of an address after a sign-in with the right password and code."""
    if current_app.config.get("RATELIMIT_ENABLED", True):
        limiter.limiter.clear(*_account_limit(email))


# --- sessions ----------------------------------------------------------------------------------


def _idle() -> timedelta:
    return timedelta(minutes=float(current_app.config.get("STAFF_IDLE_MINUTES", 30)))


def _longest() -> timedelta:
    return timedelta(hours=float(current_app.config.get("STAFF_SESSION_HOURS", 12)))


def start_session(session: Session, account: StaffAccount) -> None:
    """A new session id for ``account``; the cookie is set on this request's response.

    The caller commits. Any session id this browser held before is ended, never reused.
    """
    old = request.cookies.get(COOKIE)
    if old:
        session.execute(delete(StaffSession).where(StaffSession.id_hash == token_hash(old)))
    token = secrets.token_urlsafe(32)
    session.add(StaffSession(id_hash=token_hash(token), account_id=account.id))

    @after_this_request
    def _set_cookie(response: WResponse) -> WResponse:
        response.set_cookie(
            COOKIE,
            token,
            path="/staf",
            httponly=True,
            samesite="Strict",
            secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
        )
        return response


def _forget_cookie() -> None:
    @after_this_request
    def _clear(response: WResponse) -> WResponse:
        response.delete_cookie(COOKIE, path="/staf")
        return response


def current_account() -> StaffAccount | None:
    """The signed-in account of this request, or None (an expired session is deleted)."""
    if "staff_account" in g:
        return g.staff_account
    g.staff_account = None
    token = request.cookies.get(COOKIE)
    if not token:
        return None
    session = db.session()
    row = session.get(StaffSession, token_hash(token))
    if row is None:
        _forget_cookie()
        return None
    now = utcnow()
    if as_utc(row.last_seen_at) + _idle() < now or as_utc(row.created_at) + _longest() < now:
        session.delete(row)
        session.commit()
        _forget_cookie()
        return None
    if not row.account.active:
        return None
    row.last_seen_at = now
    session.commit()
    g.staff_account = row.account
    return row.account


def as_utc(moment: datetime) -> datetime:
    """``moment`` with its time zone (SQLite returns stored UTC times without one)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def end_session() -> None:
    """Sign this browser out."""
    token = request.cookies.get(COOKIE)
    if token:
        session = db.session()
        session.execute(delete(StaffSession).where(StaffSession.id_hash == token_hash(token)))
        session.commit()
    _forget_cookie()
    g.staff_account = None


def end_all_sessions(session: Session, account: StaffAccount) -> int:
    """Sign ``account`` out in every browser; the caller commits."""
    result = session.execute(delete(StaffSession).where(StaffSession.account_id == account.id))
    _forget_cookie()
    return int(getattr(result, "rowcount", 0) or 0)


# --- who may do what ---------------------------------------------------------------------------


def covers(account: StaffAccount, code: str | None) -> bool:
    """National accounts act everywhere; a region account on its region and below it only."""
    if account.role == "national":
        return True
    if not code or not account.region_code:
        return False
    return code == account.region_code or code.startswith(account.region_code + ".")


def staff_view(*, national: bool = False) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Require a signed-in account (else the sign-in page), national ones when asked (else 403)."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            account = current_account()
            if account is None:
                return redirect(url_for("staff.sign_in"), 303)
            if national and account.role != "national":
                abort(403)
            return view(*args, **kwargs)

        return wrapper

    return decorate


def require(code: str | None) -> StaffAccount:
    """The signed-in account, after checking it covers ``code`` (403 otherwise)."""
    account = current_account()
    if account is None or not covers(account, code):
        abort(403)
    return account
