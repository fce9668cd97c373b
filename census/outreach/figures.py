"""How published figures read: counts in the reader's language with small counts as "<10",
percentages, the "updated" time, and the region page's charts with their words."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask_babel import format_date, format_decimal, format_percent
from flask_babel import gettext as _

from census.core.i18n import date_and_time
from census.outreach.charts import daily_columns, ranked_bars
from census.outreach.service import SMALL, WITHHELD


def cell(value: Any) -> str:
    """A published count as text: the number in the reader's language, "<10", or "x" (hidden)."""
    if value == SMALL:
        return "<10"
    if value == WITHHELD or value is None:
        return "x"
    return format_decimal(value)


def pct(value: float | None) -> str:
    """A percentage in the reader's language, or a dash when it cannot be published."""
    return "–" if value is None else format_percent(value / 100, format="#,##0.0%")


def _bar_label(row: dict[str, Any]) -> str:
    if row["percent_counted"] is not None:
        return pct(row["percent_counted"])
    if row["counted"] == WITHHELD:
        return _("hidden")
    return _("%(count)s households", count=cell(row["counted"]))


def updated_text(figures: dict[str, Any]) -> str:
    """When the figures were computed, as a date and time in the reader's language (WIB)."""
    when = date_and_time(datetime.fromisoformat(figures["computed_at"]))
    return f"{when} WIB"


def charts(figures: dict[str, Any]) -> dict[str, Any]:
    """The region's two charts: counted share per area (ranked) and households per day."""
    name = figures["name"]
    days = figures["daily"]
    bars = ranked_bars(
        [row for row in figures["children"] if row["register"] != 0],
        title=_("Households counted in each area of %(name)s", name=name),
        desc=_(
            "Share of registered households counted, highest first; the dashed line is the "
            "target of %(target)s. The same figures are in the table below.",
            target=pct(figures["target_percent"]),
        ),
        target=figures["target_percent"],
        target_label=_("Target %(target)s", target=pct(figures["target_percent"])),
        value_label=_bar_label,
    )
    when = [format_datetime_day(d["date"]) for d in (days[0], days[-1])]
    columns = daily_columns(
        days,
        title=_("Households counted per day in %(name)s, last 30 days", name=name),
        desc=_(
            "From %(first)s to %(last)s. Days with fewer than 10 households show a small "
            "dashed mark. The same figures are in the table below the chart.",
            first=when[0],
            last=when[1],
        ),
        first_label=when[0],
        last_label=when[1],
        max_label=lambda peak: format_decimal(peak),
    )
    return {"bars": bars, "columns": columns}


def format_datetime_day(iso_day: str) -> str:
    """A short date (``5 Des``) for chart axes."""
    return format_date(date.fromisoformat(iso_day), format="d MMM")
