"""The census form at ``/isi``: a household counts itself, step by step, and loses nothing.

``entry`` opens a household (numbers, then its shared PIN), ``steps`` asks the questions and
``proof`` shows and verifies the proof of filling. ``service`` stores versioned answers and
``access`` keeps the session. See docs/census-form.md.
"""

from __future__ import annotations

from flask import Blueprint, Response

bp = Blueprint("form", __name__)


@bp.after_request
def _never_stored(response: Response) -> Response:
    """Every answer of the form concerns one household (names, births, the numbers typed back
    after a mistake): no browser or proxy may keep it, so Back or the history on a shared phone
    shows nothing once the person has left."""
    response.headers["Cache-Control"] = "no-store"
    response.headers.setdefault("Pragma", "no-cache")
    return response


from census.form import check, entry, proof, retention, steps, waiting  # noqa: E402, F401 - on bp
