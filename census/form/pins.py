"""The household's shared PIN: Argon2 hashes, wrong tries throttled per household, and the PINs
too easy to guess (a run of digits, a member's birth date as a NIK holder would write it).

SP2020 gave each family card one password, shared by the household. We do the same: the first
person in sets a PIN; anyone later needs the numbers *and* the PIN, so a stranger holding the two
numbers (they are printed on many documents) can neither read nor change the answers.
"""

from __future__ import annotations

import hashlib
import itertools
import logging
from datetime import date

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from limits import RateLimitItem, parse

from census.core import limits as throttles
from census.core.limits import key_prefix, refuse

log = logging.getLogger(__name__)

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
