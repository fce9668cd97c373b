"""Configuration: safe defaults, overridden by environment variables.

Everything a deployment changes comes from the environment so that the same code runs as a laptop
demo (SQLite, no Redis) and as a national service (PostgreSQL, Redis, several app servers). Secrets
that are absent are generated once into ``instance/`` so a fresh clone works without setup; a
multi-server deployment must set them in the environment, because each machine would otherwise
generate its own.
"""

from __future__ import annotations

import os
import secrets
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

#: Indonesia's western time zone: SP2020's phases were announced in WIB.
CENSUS_TZ = ZoneInfo("Asia/Jakarta")

PHASE_VARIABLES = (
    "CENSUS_ONLINE_START",
    "CENSUS_ONLINE_END",
    "CENSUS_FIELD_START",
    "CENSUS_FIELD_END",
)


@dataclass(frozen=True)
class Schedule:
    """The census phases, inclusive dates in WIB.

    SP2020 moved its online deadline (31 March to 29 May) and its field phase (July to September),
    so the dates live in configuration, never in code.
    """

    online_start: date
    online_end: date
    field_start: date
    field_end: date

    def phase(self, day: date) -> str:
        """The phase on ``day``: before, online, between, field or after."""
        if day < self.online_start:
            return "before"
        if day <= self.online_end:
            return "online"
        if day < self.field_start:
            return "between"
        if day <= self.field_end:
            return "field"
        return "after"

    def online_open(self, moment: datetime | None = None) -> bool:
        """Whether the online self-count accepts answers at ``moment`` (default: now)."""
        return self.phase(census_today(moment)) == "online"


def census_today(moment: datetime | None = None) -> date:
    """Today's date in WIB (the census clock), whatever the server's time zone."""
    moment = moment or datetime.now(CENSUS_TZ)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=CENSUS_TZ)
    return moment.astimezone(CENSUS_TZ).date()


def default_schedule(today: date | None = None) -> Schedule:
    """A schedule in which a new user finds the online phase open.

    The shape follows SP2020: about three and a half months online, a gap, then a month of visits.
    """
    today = today or census_today()
    online_start = today - timedelta(days=14)
    online_end = today + timedelta(days=90)
    field_start = online_end + timedelta(days=32)
    return Schedule(online_start, online_end, field_start, field_start + timedelta(days=29))


def _parse_date(name: str, value: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError as exc:
        raise RuntimeError(f"{name} must be a date written YYYY-MM-DD, got {value!r}") from exc


def schedule_from_env(env: dict[str, str]) -> Schedule:
    """Read the four phase dates; any date not given keeps its default."""
    base = default_schedule()
    values = {
        "online_start": base.online_start,
        "online_end": base.online_end,
        "field_start": base.field_start,
        "field_end": base.field_end,
    }
    for name in PHASE_VARIABLES:
        if env.get(name):
            values[name.removeprefix("CENSUS_").lower()] = _parse_date(name, env[name])
    schedule = Schedule(**values)
    if not (
        schedule.online_start <= schedule.online_end < schedule.field_start <= schedule.field_end
    ):
        raise RuntimeError(
            "Census phases must be in order: online start <= online end < field start <= field end"
        )
    return schedule


def instance_secret(instance_path: str, name: str) -> str:
    """Read ``instance/<name>``, creating it with a random value on first use.

    ``O_EXCL`` makes the creation safe when several gunicorn workers start at once: one writes,
    the others read what it wrote.
    """
    path = Path(instance_path) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        for _ in range(50):
            value = path.read_text().strip()
            if value:
                return value
            time.sleep(0.02)
        raise RuntimeError(f"{path} is empty; delete it to generate a new secret") from None
    value = secrets.token_hex(32)
    with os.fdopen(fd, "w") as handle:
        handle.write(value + "\n")
    return value


def data_keys(env: dict[str, str], instance_path: str) -> str:
    """``DATA_KEYS``, checked; without it, key 1 from ``instance/data_key`` (made on first use)."""
    from census.core.sealing import parse_keys

    value = env.get("DATA_KEYS") or f"1:{instance_secret(instance_path, 'data_key')}"
    try:
        parse_keys(value)
    except ValueError as exc:
        raise RuntimeError(str(exc)) from None
    return value


def load_config(instance_path: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    """Build the Flask configuration from ``env`` (default: ``os.environ``)."""
    env = dict(os.environ if env is None else env)
    database_url = env.get("DATABASE_URL") or f"sqlite:///{Path(instance_path) / 'census.db'}"
    if database_url.startswith("postgres://"):
        database_url = "postgresql://" + database_url.removeprefix("postgres://")
    if database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url.removeprefix("postgresql://")
    redis_url = env.get("REDIS_URL") or None
    return {
        "SECRET_KEY": env.get("SECRET_KEY") or instance_secret(instance_path, "secret_key"),
        "IDENTITY_HASH_KEY": (
            env.get("IDENTITY_HASH_KEY") or instance_secret(instance_path, "identity_hash_key")
        ).encode(),
        # Encryption at rest (census/core/sealing.py): ID:KEY entries, the sealing key first.
        "DATA_KEYS": data_keys(env, instance_path),
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "CENSUS_SCHEDULE": schedule_from_env(env),
        "CENSUS_TARGET_PERCENT": float(env.get("CENSUS_TARGET_PERCENT", "23")),
        # Outreach: how long region figures are cached (at most 60 s) and how often the
        # presenter view refreshes itself.
        "CENSUS_CACHE_SECONDS": float(env.get("CENSUS_CACHE_SECONDS", "60")),
        "CENSUS_PRESENTER_REFRESH_SECONDS": int(env.get("CENSUS_PRESENTER_REFRESH_SECONDS", "30")),
        # Public pages (information, region pages, badges, open data) kept as bytes in each
        # worker this long (census/core/pagecache.py; 0 = off).
        "PAGE_CACHE_SECONDS": float(env.get("PAGE_CACHE_SECONDS", "5")),
        "FRONT_CACHE_SECONDS": float(env.get("FRONT_CACHE_SECONDS", "0.5")),
        # PostgreSQL: how long a statement waits for a lock (e.g. behind the first register load)
        # before the request gives up with the "try again" page.
        "DATABASE_LOCK_TIMEOUT": float(env.get("DATABASE_LOCK_TIMEOUT", "5")),
        "TRUSTED_PROXY_HOPS": int(env.get("TRUSTED_PROXY_HOPS", "0")),
        # Look-up throttles (census/lookup.py): per client address, and failed pairs per KK.
        "LOOKUP_LIMITS": env.get("LOOKUP_LIMITS", "10/minute;100/day"),
        "LOOKUP_FAILS_PER_KK": env.get("LOOKUP_FAILS_PER_KK", "5/hour"),
        "DRIVE_FAILS_PER_PROOF": env.get("DRIVE_FAILS_PER_PROOF", "10/hour"),
        # Checks of a proof code (/bukti/<code>) per client address.
        "PROOF_LIMITS": env.get("PROOF_LIMITS", "10/minute;200/day"),
        # Staff sign-in (census/staff/auth.py): tries per client address and per account, and
        # how long a staff session lasts idle and at most.
        "STAFF_SIGNIN_LIMITS": env.get("STAFF_SIGNIN_LIMITS", "10/minute;50/day"),
        "STAFF_FAILS_PER_ACCOUNT": env.get("STAFF_FAILS_PER_ACCOUNT", "10/hour"),
        "STAFF_IDLE_MINUTES": float(env.get("STAFF_IDLE_MINUTES", "30")),
        "STAFF_SESSION_HOURS": float(env.get("STAFF_SESSION_HOURS", "12")),
        "SITE_URL": env.get("SITE_URL", "").rstrip("/"),
        # A room with no internet (``make meeting``): no links to other hosts (WhatsApp, credits).
        "CENSUS_OFFLINE": env.get("CENSUS_OFFLINE", "0") == "1",
        "CENSUS_ROOM_REFRESH_SECONDS": int(env.get("CENSUS_ROOM_REFRESH_SECONDS", "5")),
        # The waiting room: households newly entering the form per minute, all servers (0: none).
        "CENSUS_ADMIT_PER_MINUTE": int(env.get("CENSUS_ADMIT_PER_MINUTE", "0")),
        "LIMITS_ENABLED": env.get("LIMITS_ENABLED", "1") != "0",
        "KEY_PREFIX": env.get("CENSUS_KEY_PREFIX", "census"),
        # Flask-WTF: a token lasts as long as a census form session may sit idle, plus margin.
        "WTF_CSRF_TIME_LIMIT": 4 * 3600,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": env.get("SESSION_COOKIE_SECURE", "0") == "1",
        "PREFERRED_URL_SCHEME": env.get("PREFERRED_URL_SCHEME", "http"),
        "MAX_CONTENT_LENGTH": 256 * 1024,
        "BABEL_DEFAULT_LOCALE": "id",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Jakarta",
        # Dynamic responses are gzipped (census/assets.py); /static/ has precompressed twins.
        "COMPRESS_ENABLED": env.get("COMPRESS_ENABLED", "1") != "0",
        "COMPRESS_MIMETYPES": [
            "text/html",
            "text/csv",
            "text/plain",
            "application/json",
            "image/svg+xml",
        ],
        "COMPRESS_ALGORITHM": ["gzip"],
        "COMPRESS_LEVEL": 6,
        "COMPRESS_MIN_SIZE": 500,
        "COMPRESS_STREAMS": False,
        "COMPRESS_REGISTER": False,
    }
