"""``/demo``: start and end a sandbox household for showing the site in a meeting.

The demo lives in the browser's session: while it is active every page carries a "DEMO" banner.
Its household is real to the status check and the form (found by hash like any other) and absent
from every published figure (see :mod:`census.demo.service`).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, redirect, request, session, url_for
from werkzeug.exceptions import ServiceUnavailable

from census.core import db
from census.core.limits import limiter
from census.core.render import render
from census.demo.service import DemoFull, end_demo, start_demo

bp = Blueprint("demo", __name__)
SESSION_KEY = "demo"


@bp.app_context_processor
def _demo_banner() -> dict[str, Any]:
    return {"demo_active": SESSION_KEY in session}


def _group(number: str) -> str:
    """``3398990101009901`` as ``3398 9901 0100 9901``: easier to read off a screen and type."""
    return " ".join(number[i : i + 4] for i in range(0, len(number), 4))


@bp.get("/demo")
def start() -> Response:
    """The demo page: a start button, or the active demo's numbers shown large."""
    demo = session.get(SESSION_KEY)
    endpoints = current_app.view_functions
    response = render(
        "demo/page.html",
        demo=demo,
        group=_group,
        status_url=url_for("status.check") if "status.check" in endpoints else None,
        form_url=url_for("form.start") if "form.start" in endpoints else None,
        wilayah=request.args.get("wilayah", ""),
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/demo")
@limiter.limit("30 per hour")
def begin() -> Response:
    """Start a new demo with a fresh household (an earlier one in this browser is removed)."""
    previous = session.pop(SESSION_KEY, None)
    if previous:
        end_demo(db.session(), int(previous["household_id"]))
    try:
        demo = start_demo(db.session(), request.form.get("wilayah") or None)
    except DemoFull:
        raise ServiceUnavailable(retry_after=600) from None
    session[SESSION_KEY] = demo.to_session()
    return redirect(url_for(".start"), 303)  # type: ignore[return-value]


@bp.post("/demo/selesai")
def finish() -> Response:
    """End the demo in this browser and delete its household."""
    previous = session.pop(SESSION_KEY, None)
    if previous:
        end_demo(db.session(), int(previous["household_id"]))
    return redirect(url_for(".start"), 303)  # type: ignore[return-value]
