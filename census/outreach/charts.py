"""Server-rendered SVG charts: ranked horizontal bars and a 30-day column chart.

No chart library and no script: the SVG is part of the HTML, so it arrives with the first round
trip, prints, and reads on a 320 px screen. Bars are horizontal with the label on its own line
above each bar, so long region names and many sub-regions both fit. Every chart has ``<title>``
and ``<desc>`` (referenced by ``aria-labelledby``), and the page shows the same figures as a
table for anyone who cannot see the chart.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from typing import Any

from markupsafe import Markup, escape

WIDTH = 300
ROW = 34
TOP = 22
_ids = itertools.count(1)


def _svg(height: float, title: str, desc: str, body: list[str], css_class: str) -> Markup:
    uid = f"chart{next(_ids)}"
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="{css_class}" role="img" '
        f'viewBox="0 0 {WIDTH} {height:g}" width="{WIDTH}" height="{height:g}" '
        f'aria-labelledby="{uid}t {uid}d" font-family="system-ui,sans-serif" font-size="13">'
        f'<title id="{uid}t">{escape(title)}</title><desc id="{uid}d">{escape(desc)}</desc>'
        + "".join(body)
        + "</svg>"
    )


def ranked_bars(
    rows: Sequence[dict[str, Any]],
    *,
    title: str,
    desc: str,
    target: float,
    target_label: str,
    value_label: Callable[[dict[str, Any]], str],
) -> Markup:
    """Horizontal bars of ``percent_counted`` per row (0-100 %), with a dashed target line."""
    height = TOP + ROW * max(1, len(rows)) + 4
    scale = (WIDTH - 2) / 100.0
    body = [
        f'<rect x="0" y="{TOP}" width="{WIDTH}" height="{height - TOP}" fill="#f2f5f8"/>',
    ]
    for index, row in enumerate(rows):
        y = TOP + index * ROW
        pct = row.get("percent_counted")
        label = f"{row['name']}: {value_label(row)}"
        body.append(f'<text x="2" y="{y + 13}" fill="#1b1f24">{escape(_clip(label, 44))}</text>')
        if pct is not None:
            body.append(
                f'<rect x="1" y="{y + 17}" width="{max(1.5, min(pct, 100) * scale):.1f}" '
                f'height="11" fill="#0b4f8a"><title>{escape(label)}</title></rect>'
            )
    x = 1 + min(target, 100) * scale
    body.append(
        f'<line x1="{x:.1f}" y1="{TOP - 4}" x2="{x:.1f}" y2="{height}" stroke="#b3261e" '
        'stroke-width="2" stroke-dasharray="4 3"/>'
    )
    anchor = "end" if target > 60 else "start"
    shift = -3 if anchor == "end" else 3
    body.append(
        f'<text x="{x + shift:.1f}" y="14" fill="#b3261e" text-anchor="{anchor}" '
        f'font-weight="700">{escape(target_label)}</text>'
    )
    return _svg(height, title, desc, body, "chart bars")


def daily_columns(
    days: Sequence[dict[str, Any]],
    *,
    title: str,
    desc: str,
    first_label: str,
    last_label: str,
    max_label: Callable[[int], str],
) -> Markup:
    """Columns of households counted per day; a hidden day is a short hatched stub."""
    height, base, top = 150, 126, 18
    numbers = [d["counted"] for d in days if isinstance(d["counted"], int)]
    peak = max([*numbers, 10])
    step = WIDTH / max(1, len(days))
    body = [
        f'<line x1="0" y1="{base}" x2="{WIDTH}" y2="{base}" stroke="#4a5560"/>',
        f'<line x1="0" y1="{top}" x2="{WIDTH}" y2="{top}" stroke="#c9d1d9" '
        'stroke-dasharray="3 3"/>',
        f'<text x="0" y="{top - 5}" fill="#4a5560">{escape(max_label(peak))}</text>',
    ]
    for index, day in enumerate(days):
        x = index * step + 1
        value = day["counted"]
        if isinstance(value, int):
            if value:
                h = (base - top) * value / peak
                body.append(
                    f'<rect x="{x:.1f}" y="{base - h:.1f}" width="{step - 2:.1f}" '
                    f'height="{h:.1f}" fill="#0b4f8a"/>'
                )
        else:
            body.append(
                f'<rect x="{x:.1f}" y="{base - 6}" width="{step - 2:.1f}" height="6" '
                'fill="#fff" stroke="#4a5560" stroke-dasharray="2 1"/>'
            )
    body.append(f'<text x="0" y="{height - 6}" fill="#4a5560">{escape(first_label)}</text>')
    body.append(
        f'<text x="{WIDTH}" y="{height - 6}" fill="#4a5560" text-anchor="end">'
        f"{escape(last_label)}</text>"
    )
    return _svg(height, title, desc, body, "chart days")


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
