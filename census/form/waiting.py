"""The waiting room at the deadline peak: newcomers to the form wait their turn, politely.

With ``CENSUS_ADMIT_PER_MINUTE`` set, a household entering the form for the first time (its
numbers right, no answers yet) takes a turn on the shared clock (``census.core.admission``). A turn
due now lets it in; a later one is kept in this browser's signed session (the ticket: the
household, and when its turn comes) and answered with the waiting page: 503 with
``Retry-After``, an honest estimate, and a meta refresh that comes back to ``/isi/antre`` by
itself, with or without JavaScript. When the turn has come the person goes on to the PIN without
typing the numbers again. Households already inside the form, practice households, the status
check and the information pages never wait.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

from flask import Response, session
from flask_babel import format_time
from werkzeug.wrappers import Response as WResponse

from census.core import admission, db
from census.core.households import Found
from census.core.render import render
from census.form import access, bp, service
from census.form.common import see_other

QUEUE_KEY = "antre"
#: The waiting page looks again at most this often, and at the turn itself when it is sooner.
MAX_REFRESH_SECONDS = 30


def must_wait(household: Found) -> float | None:
    """The turn a newcomer must wait for (epoch seconds), or None when it may go in now."""
    if household.is_demo or service.get_response(db.session(), household.id) is not None:
        return None
    turn = admission.take_turn()
    if turn is None or turn - admission.clock() <= admission.BURST_SECONDS:
        return None
    return turn


def queue(household: Found, turn: float) -> Response:
    """Keep the household's place in this browser's session and show the waiting page."""
    session[QUEUE_KEY] = {"h": household.id, "at": turn}
    return waiting_page(turn)


def waiting_page(turn: float) -> Response:
    """503 with Retry-After and a meta refresh: the wait, in the person's language."""
    wait = max(1, math.ceil(turn - admission.clock()))
    step = admission.step_seconds() or 1.0
    ahead = max(0, math.floor((turn - admission.clock() - admission.BURST_SECONDS) / step))
    response = render(
        "form/waiting.html",
        status=503,
        minutes=max(1, math.ceil(wait / 60)),
        at=format_time(datetime.fromtimestamp(turn, UTC), "short"),
        ahead=ahead,
        refresh=min(wait, MAX_REFRESH_SECONDS),
    )
    response.headers["Retry-After"] = str(wait)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/isi/antre")
def waiting() -> Response | WResponse:
    """Come back here (the meta refresh does): the waiting page until the turn, then the PIN."""
    ticket = session.get(QUEUE_KEY)
    if not isinstance(ticket, dict) or "h" not in ticket or "at" not in ticket:
        return see_other("form.start")
    turn = float(ticket["at"])
    if turn - admission.clock() > admission.BURST_SECONDS:
        return waiting_page(turn)
    session.pop(QUEUE_KEY, None)
    access.begin_entry(int(ticket["h"]))
    return see_other("form.pin")
