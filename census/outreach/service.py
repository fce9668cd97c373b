"""Region participation figures: aggregate queries, small-count protection and caching.

Only aggregates leave this module, and only after protection:

* **Primary suppression.** A count from 1 to 9 households is published as ``"<10"`` (``SMALL``),
  so a published figure never points at one or two households.
* **Secondary suppression.** A hidden count must not be recoverable by subtraction. Within a row
  ``counted = online + officer``: when exactly one of the three is hidden, the smaller of the other
  two is withheld too. Within a table (a region and its sub-regions) ``parent = sum(children)``
  for every measure: when exactly one child is hidden, the smallest non-zero child shown is
  withheld too. A withheld count (``WITHHELD``, ``"x"``) may be any size. The same in the 30-day
  series (its days against each other).
* **One answer per row everywhere.** A region's row is protected in its parent's table first and
  that result seeds the region's own page, so a cell hidden on the province page is hidden on the
  regency page too (no differencing between pages).

Tables are cached (see :mod:`census.core.cache`) for ``CENSUS_CACHE_SECONDS`` (at most a minute), as
public JSON. Demo households (``is_demo``) are excluded from every query here.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import Date, cast, false, func, select
from sqlalchemy.orm import Session

from census.core import cache, settings
from census.core.config import census_today
from census.core.models import CountStatus, Household, Region, RegionLevel
from census.core.regions import ancestors, children, get_region, level_of

SMALL = "<10"
WITHHELD = "x"
THRESHOLD = 10
DAYS = 30
MEASURES = ("register", "online", "officer", "counted")
Cell = int | str

#: The household column that names a region at each level (None: the whole country).
LEVEL_COLUMN = {
    None: None,
    RegionLevel.PROVINCE: Household.province_code,
    RegionLevel.REGENCY: Household.regency_code,
    RegionLevel.DISTRICT: Household.district_code,
    RegionLevel.VILLAGE: Household.village_code,
}
CHILD_COLUMN = {
    None: Household.province_code,
    RegionLevel.PROVINCE: Household.regency_code,
    RegionLevel.REGENCY: Household.district_code,
    RegionLevel.DISTRICT: Household.village_code,
}
#: Levels that have a page of their own; a village is too small to publish on its own.
PAGE_LEVELS = (RegionLevel.PROVINCE, RegionLevel.REGENCY, RegionLevel.DISTRICT)


def cache_seconds() -> float:
    """How long a computed table may be served (config ``CENSUS_CACHE_SECONDS``, at most 60)."""
    return min(60.0, float(current_app.config.get("CENSUS_CACHE_SECONDS", 60)))


def target_percent(code: str | None = None) -> float:
    """The participation target drawn on the charts: the region's own, else its nearest
    parent's, else ``CENSUS_TARGET_PERCENT`` (read per request: a change shows at once)."""
    return settings.target_percent(code)


# --- protection ------------------------------------------------------------------------------


def _shown(value: int, hidden: str | None) -> Cell:
    return hidden if hidden else value


def protect(rows: list[dict[str, int]], seed: dict[str, str] | None = None) -> list[dict[str, str]]:
    """Which cells to hide in a table whose first row is the total of the others.

    ``rows`` hold raw counts per measure; ``seed`` is what the first row already hides elsewhere.
    Returns, per row, ``{measure: SMALL | WITHHELD}`` for the hidden cells.
    """
    hidden: list[dict[str, str]] = [
        {m: SMALL for m in MEASURES if 0 < row[m] < THRESHOLD} for row in rows
    ]
    if seed:
        for measure, mark in seed.items():
            hidden[0].setdefault(measure, mark)
    changed = True
    while changed:
        changed = False
        for row, marks in zip(rows, hidden, strict=True):
            trio = ("online", "officer", "counted")
            open_ = [m for m in trio if m not in marks]
            if len(open_) == 2:
                marks[min(open_, key=lambda m: row[m])] = WITHHELD
                changed = True
        if len(rows) > 1:
            for measure in MEASURES:
                if measure in hidden[0]:
                    continue
                kids = range(1, len(rows))
                hidden_kids = [i for i in kids if measure in hidden[i]]
                if len(hidden_kids) != 1:
                    continue
                candidates = [i for i in kids if measure not in hidden[i] and rows[i][measure] > 0]
                if candidates:
                    hidden[min(candidates, key=lambda i: rows[i][measure])][measure] = WITHHELD
                else:
                    hidden[0][measure] = WITHHELD
                changed = True
    return hidden


def percent(part: Cell, whole: Cell) -> float | None:
    """``part`` as a percentage of ``whole`` when both are published numbers."""
    if isinstance(part, int) and isinstance(whole, int) and whole > 0:
        return round(100.0 * part / whole, 1)
    return None


def public_row(region: dict[str, Any], raw: dict[str, int], marks: dict[str, str]) -> dict:
    """A row as published: protected counts and the percentages that follow from them."""
    row = {**region, **{m: _shown(raw[m], marks.get(m)) for m in MEASURES}}
    row["percent_counted"] = percent(row["counted"], row["register"])
    row["percent_online"] = percent(row["online"], row["register"])
    row["hidden"] = dict(marks)
    return row


# --- queries ----------------------------------------------------------------------------------


def _raw_counts(session: Session, code: str | None) -> dict[str, dict[str, int]]:
    """Register, online, officer and counted households per sub-region of ``code``."""
    level = level_of(code) if code else None
    child = CHILD_COLUMN[level]
    query = select(child, Household.status, func.count()).where(Household.is_demo == false())
    if code:
        query = query.where(LEVEL_COLUMN[level] == code)
    counts: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(MEASURES, 0))
    for child_code, status, number in session.execute(query.group_by(child, Household.status)):
        row = counts[child_code]
        row["register"] += number
        if status == CountStatus.COUNTED_ONLINE:
            row["online"] += number
        elif status == CountStatus.COUNTED_OFFICER:
            row["officer"] += number
    for row in counts.values():
        row["counted"] = row["online"] + row["officer"]
    return counts


def _region_info(region: Region | None) -> dict[str, Any]:
    if region is None:
        return {"code": "", "name": "Indonesia", "level": 0, "parent_code": None}
    return {
        "code": region.code,
        "name": region.name,
        "level": region.level,
        "parent_code": region.parent_code,
    }


def _rank(row: dict[str, Any]) -> tuple[int, float, str]:
    """Highest share counted first, then areas whose share is hidden, then empty areas."""
    if row["percent_counted"] is not None:
        return (0, -row["percent_counted"], row["name"])
    return (1 if row["register"] != 0 else 2, 0.0, row["name"])


def compute_table(session: Session, code: str | None) -> dict[str, Any]:
    """The protected table of ``code`` (None: the country) and its sub-regions, uncached."""
    region = get_region(session, code) if code else None
    seed: dict[str, str] | None = None
    if region is not None:
        parent = region_table(session, region.parent_code)
        seed = next((r["hidden"] for r in parent["children"] if r["code"] == code), None)
    counts = _raw_counts(session, code)
    kids = children(session, code)
    raws = [counts.get(k.code, dict.fromkeys(MEASURES, 0)) for k in kids]
    total = {m: sum(r[m] for r in raws) for m in MEASURES}
    marks = protect([total, *raws], seed)
    rows = [
        public_row(_region_info(k), raw, mark)
        for k, raw, mark in zip(kids, raws, marks[1:], strict=True)
    ]
    rows.sort(key=_rank)
    trail = ancestors(session, code)[:-1] if code else []
    return {
        **public_row(_region_info(region), total, marks[0]),
        "breadcrumb": [{"code": r.code, "name": r.name} for r in trail],
        "children": rows,
        "computed_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def region_table(session: Session, code: str | None) -> dict[str, Any]:
    """The cached protected table of ``code`` and its sub-regions."""
    return cache.get_or_set(
        f"outreach:table:{code or 'id'}", cache_seconds(), lambda: compute_table(session, code)
    )


def _day_expression(session: Session) -> Any:
    """The WIB calendar day of ``counted_at`` (WIB is UTC+7 all year), per database."""
    if session.get_bind().dialect.name == "postgresql":
        return cast(func.timezone("Asia/Jakarta", Household.counted_at), Date)
    return func.date(Household.counted_at, "+7 hours")


def compute_daily(session: Session, code: str | None, today: date) -> list[dict[str, Any]]:
    """Households counted per WIB day over the last ``DAYS`` days, protected, oldest first."""
    first = today - timedelta(days=DAYS - 1)
    start = datetime(first.year, first.month, first.day, tzinfo=UTC) - timedelta(hours=7)
    day = _day_expression(session)
    query = (
        select(day, func.count())
        .where(Household.is_demo == false())
        .where(Household.counted_at >= start)
        .where(Household.status.in_([CountStatus.COUNTED_ONLINE, CountStatus.COUNTED_OFFICER]))
    )
    if code:
        query = query.where(LEVEL_COLUMN[level_of(code)] == code)
    found = {str(d)[:10]: n for d, n in session.execute(query.group_by(day))}
    days = [first + timedelta(days=i) for i in range(DAYS)]
    values = [found.get(d.isoformat(), 0) for d in days]
    hidden = [SMALL if 0 < v < THRESHOLD else None for v in values]
    if sum(1 for h in hidden if h) == 1:
        candidates = [i for i, v in enumerate(values) if not hidden[i] and v > 0]
        if candidates:
            hidden[min(candidates, key=lambda i: values[i])] = WITHHELD
    return [
        {"date": d.isoformat(), "counted": h or v}
        for d, v, h in zip(days, values, hidden, strict=True)
    ]


def daily_counts(session: Session, code: str | None) -> list[dict[str, Any]]:
    """The cached 30-day series of ``code``."""
    today = census_today()
    return cache.get_or_set(
        f"outreach:daily:{code or 'id'}:{today.isoformat()}",
        cache_seconds(),
        lambda: compute_daily(session, code, today),
    )


# --- what a page needs ------------------------------------------------------------------------


def page_region(session: Session, code: str) -> Region | None:
    """The region a page may be shown for: a province, regency/city or district."""
    region = get_region(session, code)
    if region is None or RegionLevel(region.level) not in PAGE_LEVELS:
        return None
    return region


def page_region_info(session: Callable[[], Session], code: str) -> dict[str, Any] | None:
    """``page_region`` as a cached dict; ``session`` is called only when the cache misses.

    Region names and codes change only with a new Kemendagri list, so a hot page needs no
    database round trip at all while its figures are cached.
    """
    if level_of(code) not in PAGE_LEVELS:
        return None

    def look_up() -> dict[str, Any] | None:
        region = page_region(session(), code)
        return _region_info(region) if region is not None else None

    return cache.get_or_set(f"outreach:region:{code}", max(cache_seconds(), 1.0), look_up)


def region_figures(session: Session, code: str | None) -> dict[str, Any]:
    """Everything a region page, its exports, its badge and its presenter view publish."""
    table = region_table(session, code)
    daily = daily_counts(session, code)
    return {
        **table,
        "daily": daily,
        "today": daily[-1],
        "target_percent": target_percent(code),
        "child_level": (table["level"] or 0) + 1,
        "children_have_pages": (table["level"] or 0) + 1 in PAGE_LEVELS,
    }
