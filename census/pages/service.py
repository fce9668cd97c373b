"""What the information pages need to know: the census phases as of today, and share links.

The phase dates come from configuration (``CENSUS_SCHEDULE``) because SP2020 moved both its online
deadline and its field visits; national staff may move them again (``census.core.settings``
merges their changes), and the pages describe the effective schedule.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from urllib.parse import quote

from flask import current_app, request, url_for

from census.core.config import Schedule
from census.core.i18n import asked_language

#: The order of the phases as a visitor lives through them.
PHASES = ("before", "online", "between", "field", "after")


@dataclass(frozen=True)
class Phase:
    """One phase of the census as shown on the schedule: its key, dates and place in time."""

    key: str
    start: date | None
    end: date | None
    state: str  # "past", "now" or "next"


def phases(schedule: Schedule, today: date) -> list[Phase]:
    """The four phases a visitor can see on the schedule, each marked past, now or next.

    "before" has no row of its own: before the census every phase is still to come.
    """
    current = PHASES.index(schedule.phase(today))
    rows = [
        ("online", schedule.online_start, schedule.online_end),
        ("between", None, None),
        ("field", schedule.field_start, schedule.field_end),
        ("after", None, None),
    ]
    result = []
    for key, start, end in rows:
        position = PHASES.index(key)
        state = "now" if position == current else ("past" if position < current else "next")
        result.append(Phase(key, start, end, state))
    return result


def days_left(schedule: Schedule, today: date) -> int:
    """Days the online form stays open, today included (0 outside the online phase)."""
    if schedule.phase(today) != "online":
        return 0
    return (schedule.online_end - today).days + 1


def link_to(endpoint: str, fallback: str) -> str:
    """``url_for(endpoint)`` when another capability provides it, else its fixed path.

    The status check (``/cek``) and the form (``/isi``) are separate capabilities; the home page
    links to them whether or not they are installed, keeping a language chosen in the URL.
    """
    if endpoint in current_app.view_functions:
        return url_for(endpoint)
    asked = asked_language()
    return f"{fallback}?lang={asked}" if asked is not None else fallback


def site_root() -> str:
    """The public base URL: ``SITE_URL`` when configured, else the address the request used."""
    return current_app.config.get("SITE_URL") or request.url_root.rstrip("/")


def page_url() -> str:
    """This page's public address without the language, so each reader gets their own."""
    return site_root() + request.path


def whatsapp_url(message: str) -> str:
    """A ``wa.me`` link that opens WhatsApp with ``message`` ready to send to anyone."""
    return "https://wa.me/?text=" + quote(message, safe="")


#: The 2020 census as it ran (BPS announcements), quoted on the pages as history.
SP2020 = {
    "online_start": date(2020, 2, 15),
    "online_planned_end": date(2020, 3, 31),
    "online_end": date(2020, 5, 29),
    "field_start": date(2020, 9, 1),
    "field_end": date(2020, 9, 30),
}

#: 2020 census figures (BPS), in millions except the online share. Passed to templates as values,
#: never written as literals there: Jinja folds a filter on a literal once, in the first
#: visitor's language.
SP2020_FIGURES = {
    "register_people": 266.5,
    "register_cards": 86,
    "online_people": 51.36,
    "online_share": 0.1905,
    "population": 270.2,
}
