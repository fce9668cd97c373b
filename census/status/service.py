"""The status check's decisions: what to tell a household, and counting outcomes.

An answer carries only what the household needs to act: its counting status, the date, the last
characters of its proof code and today's census phase. Never a name, never the member list: the
numbers on a family card are printed on many documents, so whoever holds them is not necessarily
the household.

Outcomes are counted (Redis ``INCR`` when ``REDIS_URL`` is set, so every worker adds to one count;
memory of the worker otherwise) and logged as ``status_check outcome=...``; nothing else about a
check is kept.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from flask import current_app

from census.core import db, helppoints, settings
from census.core.config import Schedule, census_today
from census.core.households import Found
from census.core.lookup import find_household
from census.core.models import CountStatus
from census.core.regions import ancestors, level_of

log = logging.getLogger(__name__)

#: Every outcome a check can have, in the order the metrics list them.
OUTCOMES = (
    "found_counted_online",
    "found_officer",
    "found_in_progress",
    "found_not_started",
    "not_found",
    "invalid",
    "throttled",
)
_FOUND = {
    CountStatus.COUNTED_ONLINE: "found_counted_online",
    CountStatus.COUNTED_OFFICER: "found_officer",
    CountStatus.IN_PROGRESS: "found_in_progress",
    CountStatus.NOT_STARTED: "found_not_started",
}
#: How many characters of the proof code an answer shows: enough to match a proof in hand,
#: too few to stand in for it.
PROOF_TAIL = 4


@dataclass(frozen=True)
class Answer:
    """What the status check tells a household.

    ``kind`` is one of ``OUTCOMES`` except ``invalid`` (form errors carry no answer). ``phase`` is
    today's census phase, which decides the next step for a household not yet counted.
    """

    kind: str
    schedule: Schedule
    phase: str
    counted_at: datetime | None = None
    proof_tail: str | None = None
    retry_after: int | None = None
    #: For a pair not found: help points in the typed KK's region of issue.
    help_points: tuple[dict[str, str], ...] = ()

    @property
    def counted(self) -> bool:
        return self.kind in ("found_counted_online", "found_officer")


class Wilayah(NamedTuple):
    """A region named in ``/cek?wilayah=CODE``: its code, name and parents' names."""

    code: str
    name: str
    parents: list[str]


def today_phase() -> tuple[Schedule, str]:
    """The effective schedule (configuration plus staff changes) and today's phase (WIB)."""
    schedule = settings.effective_schedule()
    return schedule, schedule.phase(census_today())


def answer_for(household: Found | None) -> Answer:
    """The answer for a looked-up household (None: the pair is not in the register)."""
    schedule, phase = today_phase()
    if household is None:
        return Answer("not_found", schedule, phase)
    kind = _FOUND[household.status]
    tail = None
    if household.status is CountStatus.COUNTED_ONLINE and household.proof_code:
        tail = household.proof_code[-PROOF_TAIL:]
    return Answer(kind, schedule, phase, counted_at=household.counted_at, proof_tail=tail)


def check(kk_number: str, nik_number: str) -> Answer:
    """Look the pair up (throttled per KK by :func:`find_household`) and decide the answer."""
    household = find_household(kk_number, nik_number).household
    answer = answer_for(household)
    if household is None:
        answer = dataclasses.replace(answer, help_points=helppoints.help_points_for_kk(kk_number))
    if household is not None and household.is_demo:
        log.info("status_check outcome=%s (demo, not counted)", answer.kind)
    else:
        record(answer.kind)
    return answer


def throttled(retry_after: int | None) -> Answer:
    """The answer shown when a throttle stops a check."""
    schedule, phase = today_phase()
    return Answer("throttled", schedule, phase, retry_after=retry_after)


def find_wilayah(code: str | None) -> Wilayah | None:
    """The region for ``?wilayah=``, or None when the code is missing, malformed or unknown."""
    code = (code or "").strip()[:13]
    if level_of(code) is None:
        return None
    chain = ancestors(db.session(), code)  # one query: the region and its parents
    if not chain or chain[-1].code != code:
        return None
    return Wilayah(code, chain[-1].name, [r.name for r in reversed(chain[:-1])])


# Outcome counters ------------------------------------------------------------------------------


class CounterUnavailable(RuntimeError):
    """The shared counters (Redis) cannot be read right now."""


_memory: Counter[str] = Counter()
_memory_lock = threading.Lock()


def _redis() -> Any:
    client = current_app.extensions.get("census_status_redis")
    if client is None:
        import redis

        client = redis.Redis.from_url(
            current_app.config["REDIS_URL"], socket_timeout=0.5, socket_connect_timeout=0.5
        )
        current_app.extensions["census_status_redis"] = client
    return client


def _counter_key(outcome: str) -> str:
    return f"{current_app.config['KEY_PREFIX']}:status-check:{outcome}"


def record(outcome: str) -> None:
    """Count one check's outcome and log it; the outcome is all that is kept."""
    assert outcome in OUTCOMES, outcome
    log.info("status_check outcome=%s", outcome)
    if current_app.config.get("REDIS_URL"):
        try:
            _redis().incr(_counter_key(outcome))
        except Exception as exc:  # a lost count must never cost a resident their answer
            log.warning("status_check counter unavailable: %s", type(exc).__name__)
        return
    with _memory_lock:
        _memory[_counter_key(outcome)] += 1


def counts() -> dict[str, int]:
    """The count of each outcome (since Redis was emptied, or since this worker started)."""
    keys = [_counter_key(outcome) for outcome in OUTCOMES]
    if current_app.config.get("REDIS_URL"):
        try:
            values = _redis().mget(keys)
        except Exception as exc:
            raise CounterUnavailable(type(exc).__name__) from exc
        return {o: int(v or 0) for o, v in zip(OUTCOMES, values, strict=True)}
    with _memory_lock:
        return {o: _memory[k] for o, k in zip(OUTCOMES, keys, strict=True)}


def prometheus_text() -> str:
    """The counts in Prometheus' text exposition format."""
    lines = [
        "# HELP census_status_check_total Status checks at /cek by outcome.",
        "# TYPE census_status_check_total counter",
    ]
    lines += [
        f'census_status_check_total{{outcome="{outcome}"}} {value}'
        for outcome, value in counts().items()
    ]
    return "\n".join(lines) + "\n"
