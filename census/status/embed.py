"""``/embed/cek``: the status check that local government sites frame on their own pages.

Only views under ``/embed/`` may be framed by other sites
(:func:`census.core.security.allow_framing`). When the status check (``status.check``) is part of
the site, this view serves it through ``census.status.views.serve_check`` with its own page around
the shared fragment, so the form posts to this framable URL and the answer appears inside the frame,
with or without JavaScript. Without it, a plain form posts the two numbers to ``/cek`` in the whole
window.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, current_app, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import TooManyRequests

from census.core import db
from census.core.errors import _handle_csrf, _handle_http
from census.core.lookup import lookup_limit
from census.core.pagecache import cached_page
from census.core.regions import get_region
from census.core.render import render
from census.core.security import allow_framing, csrf

bp = Blueprint("embed", __name__)
PAGE = "status/embed.html"


def _status() -> Any:
    """The status check module when its blueprint is registered, else None."""
    if "status.check" not in current_app.view_functions:
        return None
    from census.status import views as status

    return status


@bp.route("/embed/cek", methods=["GET", "POST"])
@csrf.exempt
@allow_framing
@lookup_limit
@cached_page(query=("wilayah",))
def check() -> Response:
    """The compact status check, framable by any site."""
    status = _status()
    if status is not None:
        status.PAGES.setdefault("embed.check", (PAGE, {"link_target": "_top"}))
        return status.serve_check(csrf=False)
    if request.method == "POST":
        abort(405, valid_methods=["GET"])
    code = request.args.get("wilayah", "").strip()
    region = get_region(db.session(), code) if code else None
    return render(PAGE, region=region, wilayah_code=region.code if region else "")


@bp.errorhandler(TooManyRequests)
def _throttled(error: TooManyRequests) -> Response:
    status = _status()
    return status.on_throttled(error) if status is not None else _handle_http(error)


@bp.errorhandler(CSRFError)
def _expired(error: CSRFError) -> Response:
    status = _status()
    return status.on_expired(error) if status is not None else _handle_csrf(error)
