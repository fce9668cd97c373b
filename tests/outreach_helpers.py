"""Helpers for the outreach tests: a small register with known counts."""

from __future__ import annotations

from datetime import timedelta

from census.core.models import CountStatus, utcnow
from tests.factories import add_household

ONE = (("Budi Santoso", "L", __import__("datetime").date(1978, 4, 12), "kepala_keluarga"),)


def add_many(
    session, village: str, *, online: int = 0, officer: int = 0, waiting: int = 0, days_ago: int = 0
) -> list:
    """Add households to ``village``: counted online, by officers, and not yet counted."""
    made = []
    at = utcnow() - timedelta(days=days_ago)
    for status, number in (
        (CountStatus.COUNTED_ONLINE, online),
        (CountStatus.COUNTED_OFFICER, officer),
        (None, waiting),
    ):
        for _ in range(number):
            household = add_household(session, village=village, members=ONE, commit=False)
            if status is not None:
                household.household.set_status(status, at)
            made.append(household)
    session.commit()
    return made
