"""Help points as the public sees them: on region pages and their open data, and for a wrong pair.

Staff add them (``census/staff/helppoints.py`` writes, this module reads). A region's list is read
from the database on each request; the list a wrong pair gets (:func:`help_points_for_kk`, at
the deadline peak one check in several) is kept per district while the settings generation
stays (``census.core.settings.generation``), which every change by staff moves on, so an import
shows at once in the worker that made it and within a second everywhere else.
"""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from census.core import db
from census.core.local_models import HelpPoint
from census.core.regions import level_of
from census.core.settings import generation

#: The most help points a public page lists.
HELP_POINTS_SHOWN = 10


def help_points(code: str | None, limit: int | None = HELP_POINTS_SHOWN) -> list[HelpPoint]:
    """Help points in ``code`` and below it, by village and name."""
    if not code or level_of(code) is None:
        return []
    query = select(HelpPoint)
    if len(code) == 2:
        query = query.where(HelpPoint.regency_code.like(code + ".%"))
    elif len(code) == 5:
        query = query.where(HelpPoint.regency_code == code)
    elif len(code) == 8:
        query = query.where(HelpPoint.district_code == code)
    else:
        query = query.where(HelpPoint.village_code == code)
    query = query.order_by(HelpPoint.village_code, HelpPoint.name, HelpPoint.id)
    if limit is not None:
        query = query.limit(limit)
    return list(db.session().scalars(query))


#: Districts whose help points one worker keeps (Indonesia has some 7,300).
MAX_KEPT_DISTRICTS = 1024


def help_points_for_kk(kk_number: str) -> tuple[dict[str, str], ...]:
    """Help points (as :func:`help_point_row`) for a typed KK's region of issue: its district's,
    else its regency's; kept per district while the settings generation stays, since every
    change by staff moves it on (a wrong pair at the peak is no query).

    The first six digits of a KK are the district that issued it (the regency is the first four).
    """
    digits = "".join(c for c in kk_number if c.isdigit())
    if len(digits) < 6:
        return ()
    district = f"{digits[:2]}.{digits[2:4]}.{digits[4:6]}"
    key, kept = (generation(), district), current_app.extensions.setdefault("census_kk_points", {})
    rows = kept.get(key)
    if rows is None:
        points = help_points(district) or help_points(district[:5])
        rows = tuple(help_point_row(point) for point in points)
        if key[0] >= 0:  # -1: the database cannot say whether staff changed something
            if len(kept) >= MAX_KEPT_DISTRICTS:
                kept.clear()
            kept[key] = rows
    return rows


def help_point_row(point: HelpPoint) -> dict[str, str]:
    """A help point as published (page, CSV, JSON)."""
    return {
        "village_code": point.village_code,
        "name": point.name,
        "address": point.address,
        "hours": point.hours,
        "phone": point.phone,
    }
