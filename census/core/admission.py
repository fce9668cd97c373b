"""The waiting room's clock: at most ``CENSUS_ADMIT_PER_MINUTE`` households newly enter the census
form per minute, counted across every app server, and in the order they arrived.

Every newcomer takes the next free turn on one shared clock: turn = max(the clock, now), and the
clock moves on by 60/N seconds. A turn that falls within ``BURST_SECONDS`` of now is taken at
once; a later one is a place in the queue, kept in the newcomer's (signed) session, so people are
let in in the order they took their turns, and an honest wait can be shown. The clock lives in
Redis when ``REDIS_URL`` is set and in the database otherwise, or while Redis does not answer.
"""

from __future__ import annotations

import logging
import time

from flask import current_app
from sqlalchemy import case, literal, update
from sqlalchemy.exc import IntegrityError

from census.core import db
from census.core.models import AdmissionClock

log = logging.getLogger(__name__)

#: A turn this close to now is taken at once: short bursts pass without a waiting page.
BURST_SECONDS = 5.0
CLOCK = "form"
_LUA = """
local now = tonumber(ARGV[1])
local step = tonumber(ARGV[2])
local turn = tonumber(redis.call('GET', KEYS[1]) or '0')
if turn < now then turn = now end
redis.call('SET', KEYS[1], tostring(turn + step), 'EX', 86400)
return tostring(turn)
"""
_clients: dict[str, object] = {}


def clock() -> float:
    """Seconds since the epoch (one place for tests to move time)."""
    return time.time()


def per_minute() -> int:
    """How many households may newly enter per minute; 0 means no limit."""
    return int(current_app.config.get("CENSUS_ADMIT_PER_MINUTE") or 0)


def step_seconds() -> float:
    """Seconds between two turns (0 without a limit)."""
    rate = per_minute()
    return 60.0 / rate if rate else 0.0


def take_turn(now: float | None = None) -> float | None:
    """Take the next turn to enter; its time in epoch seconds, or None without a limit."""
    step = step_seconds()
    if not step:
        return None
    now = clock() if now is None else now
    url = current_app.config.get("REDIS_URL")
    if url:
        try:
            return _redis_turn(url, now, step)
        except Exception as exc:  # any failure of Redis: the database keeps the clock
            log.warning(
                "admission clock: redis unavailable (%s); using the database", type(exc).__name__
            )
    return _database_turn(now, step)


def _redis_turn(url: str, now: float, step: float) -> float:
    client = _clients.get(url)
    if client is None:
        import redis

        client = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
        _clients[url] = client
    key = f"{current_app.config['KEY_PREFIX']}:admission:{CLOCK}"
    return float(client.eval(_LUA, 1, key, repr(now), repr(step)))  # type: ignore[attr-defined]


def _database_turn(now: float, step: float) -> float:
    """One atomic UPDATE ... RETURNING: two app servers can never take the same turn."""
    later = case(
        (AdmissionClock.next_at > literal(now), AdmissionClock.next_at), else_=literal(now)
    )
    statement = (
        update(AdmissionClock)
        .where(AdmissionClock.name == CLOCK)
        .values(next_at=later + step)
        .returning(AdmissionClock.next_at)
    )
    for _attempt in range(2):
        try:
            with db.engine().begin() as connection:
                moved = connection.execute(statement).scalar()
                if moved is None:  # made by the migration; a wiped table gets it back
                    insert = AdmissionClock.__table__.insert()
                    connection.execute(insert.values(name=CLOCK, next_at=now + step))
                    return now
            return float(moved) - step
        except IntegrityError:  # two servers put the row back at once: the other one won
            continue
    raise RuntimeError("admission clock row could not be made")
