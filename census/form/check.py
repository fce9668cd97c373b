"""Step 5: every answer on one page, with its Change links, the questions still open, and Send.

Sending is refused while a consistency question is open (``rules.open_questions``), and from a
stale page like any save; a sent household goes to its proof.
"""

from __future__ import annotations

import logging

from flask import Response, request
from werkzeug.wrappers import Response as WResponse

from census.core import db
from census.core.render import htmx, render
from census.form import bp, members, rules, service
from census.form.common import opened, reference_date, see_other, step_label, step_view, today

log = logging.getLogger(__name__)


@bp.route("/isi/periksa", methods=["GET", "POST"])
@step_view
def check() -> Response | WResponse:
    """Step 5: every answer on one page, each with a change link; sending is the last button."""
    household, response = opened().household, opened().response
    if not service.is_complete(response.answers):
        return see_other("form.resume")
    conflict = refused = False
    questions = rules.open_questions(response.answers, reference_date(), today())
    if request.method == "POST" and questions:  # corrected or confirmed first, then sent
        refused = True
        log.info("form send: questions open")
    elif request.method == "POST":
        value = request.form.get("version", "")
        sane = value.isascii() and value.isdigit() and len(value) <= 10
        base = int(value) if sane and int(value) < 2**31 else None
        result = service.submit(db.session(), response, base)
        if result.ok:
            return see_other("form.done")
        conflict, response = True, result.response
        if not service.is_complete(response.answers):
            return see_other("form.resume")
        questions = rules.open_questions(response.answers, reference_date(), today())
    return render(
        "form/check.html",
        status=(200 if htmx else 409) if conflict else 200,
        household=household,
        answers=response.answers,
        version=response.version,
        summary=members.summary(db.session(), household, response.answers),
        conflict=conflict,
        questions=questions,
        refused=refused,
        step=step_label(5),
        uses_htmx=True,
    )
