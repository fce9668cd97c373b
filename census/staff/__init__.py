"""Staff of local governments and BPS offices at ``/staf``: targets, notices, schedule, help points.

``auth`` signs staff in (password and TOTP, server-side sessions), ``service`` and ``helppoints``
make the changes, each with its line in the audit log (``audit``), ``views`` and ``manage`` are
the pages and ``cli`` the ``flask census`` commands. The tables are in
``census/core/local_models.py``; what they change is read by every capability through
``census/core/settings.py``. See docs/staff.md.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response

bp = Blueprint("staff", __name__, url_prefix="/staf")


@bp.context_processor
def _signed_in() -> dict[str, Any]:
    from census.staff.auth import current_account

    return {"account": current_account()}


@bp.after_request
def _never_stored(response: Response) -> Response:
    """Staff pages show accounts, the audit log and forms in progress: never kept anywhere."""
    response.headers["Cache-Control"] = "no-store"
    response.headers.setdefault("Pragma", "no-cache")
    return response


from census.staff import manage, views  # noqa: E402, F401 - they register on bp
