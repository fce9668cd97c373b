"""A drive's published figures: confirmed employees per agency, with small counts withheld.

The same protection as the region pages (``census.outreach.service``): a count from 1 to 9 is
published as ``"<10"``, and when exactly one agency's count is hidden while the total is shown,
the smallest other count shown is withheld too (``"x"``), so no hidden count can be recovered by
subtraction. A hidden count has no percentage either (headcount times share would give it back).
The page, chart, presenter view, CSV and JSON are all built from :func:`drive_figures`.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from census.core.local_models import Drive, DriveConfirmation
from census.core.models import utcnow
from census.outreach.charts import ranked_bars
from census.outreach.figures import cell, pct
from census.outreach.service import SMALL, THRESHOLD, WITHHELD


def _shown(count: int) -> int | str:
    return SMALL if 0 < count < THRESHOLD else count


def _share(count: int | str, raw: int, headcount: int) -> float | None:
    return round(100.0 * raw / headcount, 1) if isinstance(count, int) and headcount else None


def drive_figures(session: Session, drive: Drive) -> dict[str, Any]:
    """Per agency: name, headcount, confirmed (a number, ``"<10"`` or ``"x"``) and share."""
    counts = dict(
        session.execute(
            select(DriveConfirmation.agency_id, func.count())
            .where(DriveConfirmation.drive_id == drive.id)
            .group_by(DriveConfirmation.agency_id)
        ).all()
    )
    raw = {agency.id: int(counts.get(agency.id, 0)) for agency in drive.agencies}
    shown = {agency_id: _shown(count) for agency_id, count in raw.items()}
    total_raw = sum(raw.values())
    total = _shown(total_raw)
    hidden = [agency_id for agency_id, value in shown.items() if value == SMALL]
    if len(hidden) == 1 and total != SMALL:
        others = [a for a, value in shown.items() if isinstance(value, int) and value > 0]
        if others:
            shown[min(others, key=lambda a: (raw[a], a))] = WITHHELD
    rows = [
        {
            "name": agency.name,
            "headcount": agency.headcount,
            "confirmed": shown[agency.id],
            "percent": _share(shown[agency.id], raw[agency.id], agency.headcount),
        }
        for agency in drive.agencies
    ]
    rows.sort(key=lambda r: (r["percent"] is None, -(r["percent"] or 0), r["name"].casefold()))
    headcount = sum(agency.headcount for agency in drive.agencies)
    return {
        "slug": drive.slug,
        "name": drive.name,
        "target_percent": drive.target_percent,
        "rows": rows,
        "total": {
            "headcount": headcount,
            "confirmed": total,
            "percent": _share(total, total_raw, headcount),
        },
        "computed_at": utcnow().isoformat(timespec="seconds"),
    }


def _bar_label(row: dict[str, Any]) -> str:
    if row["percent_counted"] is not None:
        return pct(row["percent_counted"])
    if row["confirmed"] == WITHHELD:
        return _("hidden")
    return _("%(count)s employees", count=cell(row["confirmed"]))


def drive_chart(figures: dict[str, Any]) -> Markup:
    """The ranked bar chart of the region pages, one bar per agency."""
    target = figures["target_percent"]
    return ranked_bars(
        [{**row, "percent_counted": row["percent"]} for row in figures["rows"]],
        title=_("Employees who confirmed, per agency: %(name)s", name=figures["name"]),
        desc=_(
            "Share of each agency's employees who confirmed their household was counted, "
            "highest first; the dashed line is the target of %(target)s. The same figures are "
            "in the table below.",
            target=pct(target),
        ),
        target=target,
        target_label=_("Target %(target)s", target=pct(target)),
        value_label=_bar_label,
    )
