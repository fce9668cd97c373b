"""What every step page shares: opening the household from the session and the page context."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import wraps
from typing import Any

from flask import g, make_response, redirect, request, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response as WResponse

from census.core import db, settings
from census.core.config import census_today
from census.core.i18n import current_language
from census.core.models import FormResponse, Household
from census.core.render import htmx
from census.form import access, held, sent

TOTAL_STEPS = 6


@dataclass
class Opened:
    """The household whose form this request works on, and its answers."""

    household: Household
    response: FormResponse


def online_open() -> bool:
    """Whether the form takes answers now (the schedule as staff last set it)."""
    return settings.online_open()


def reference_date() -> date:
    """The census reference date at which ages are counted: the online phase's first day."""
    return settings.effective_schedule().online_start


def today() -> date:
    """Today in WIB, the census clock."""
    return census_today()


def see_other(endpoint: str, **values: Any) -> WResponse:
    """Post/Redirect/Get (303); for an htmx fragment request, a full client-side navigation.

    The browser follows a 303 inside an XHR transparently, so a fragment request would swap a whole
    page into its target; ``HX-Redirect`` makes htmx load the page instead.
    """
    target = url_for(endpoint, **values)
    if htmx and not htmx.boosted:
        response = make_response("", 200)
        response.headers["HX-Redirect"] = target
        return response
    return redirect(target, 303)


#: Step endpoints whose POST is not an answer to keep (the region cascade only fetches lists).
NOT_HELD = frozenset({"form.region_choices"})


def step_view(view: Callable[..., Any]) -> Callable[..., Any]:
    """Open the household from the session, or send the person where they must go first."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        visit, read = access.open_visit(with_household=True)
        if visit.household_id is None:
            return see_other("form.start")
        if not visit.unlocked:
            # Kept only when this browser had given the PIN and the form closed for idling:
            # someone holding just the two numbers must not plant answers for the household,
            # nor someone the household shut out with "Stop for now" or a new PIN.
            kept = (
                visit.closed == "idle"
                and request.method == "POST"
                and request.endpoint not in NOT_HELD
                and held.hold(
                    db.session(),
                    visit.household_id,
                    request.path,
                    list(request.form.items(multi=True)),
                )
            )
            if kept:  # what was typed on this step waits for the PIN (see entry.held)
                return see_other("form.pin", **access.reopen_args(visit), kept=1)
            return see_other("form.pin", **access.reopen_args(visit))
        household, response = read or _household_and_response(db.session(), visit.household_id)
        if household is None or response is None:
            access.forget()
            return see_other("form.start")
        if response.submitted_at is not None and view.__name__ != "done":
            if sent.is_change():  # another phone sent the household meanwhile: say so
                return sent.not_saved(response)
            return see_other("form.done")
        if not online_open() and view.__name__ != "done":
            return see_other("form.closed")
        g.opened = Opened(household, response)
        return view(*args, **kwargs)

    return wrapper


#: Built once: each step only binds the household's id.
_HOUSEHOLD_AND_RESPONSE = (
    select(Household, FormResponse)
    .outerjoin(FormResponse, FormResponse.household_id == Household.id)
    .where(Household.id == bindparam("household_id"))
    .execution_options(populate_existing=True)
)


def _household_and_response(
    session: Session, household_id: int
) -> tuple[Household | None, FormResponse | None]:
    """The household and its answers, freshly read, in one query (every step needs both)."""
    row = session.execute(_HOUSEHOLD_AND_RESPONSE, {"household_id": household_id}).first()
    return (row[0], row[1]) if row is not None else (None, None)


def opened() -> Opened:
    return g.opened


_step_labels: dict[tuple[str, int], str] = {}


def step_label(number: int) -> str:
    """ "Step 2 of 6", numbers formatted for the language (made once per language and step)."""
    key = (current_language(), number)
    label = _step_labels.get(key)
    if label is None:
        label = _step_labels[key] = _(
            "Step %(num)s of %(total)s",
            num=format_decimal(number),
            total=format_decimal(TOTAL_STEPS),
        )
    return label
