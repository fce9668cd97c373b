"""``/healthz``: whether the application and its database answer (for load balancers)."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from census.core import db

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> tuple[Response, int]:
    """200 with ``{"status": "ok"}`` when the database answers, 503 otherwise."""
    try:
        db.session().execute(text("SELECT 1"))
    except SQLAlchemyError:
        response = jsonify(status="error", database="unreachable")
        response.headers["Cache-Control"] = "no-store"
        return response, 503
    response = jsonify(status="ok", database="ok")
    response.headers["Cache-Control"] = "no-store"
    return response, 200
