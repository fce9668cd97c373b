"""``/healthz``: whether the application and each part it relies on answer (for load balancers).

- the database answers: ``{"status": "ok", "database": "ok"}`` (plus ``"redis": "ok"`` when
  ``REDIS_URL`` is set), HTTP 200;
- Redis does not answer: the site still works (throttles count in each process's memory, caches
  recompute), so ``{"status": "degraded", ..., "redis": "unreachable"}`` with HTTP 200: a load
  balancer keeps the server, a monitor can still see that something is wrong;
- the database does not answer: ``"status": "error"``, HTTP 503.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, Response, current_app, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from census.core import db

log = logging.getLogger(__name__)
bp = Blueprint("health", __name__)

#: A Redis that does not answer this fast counts as unreachable.
REDIS_TIMEOUT_SECONDS = 0.5


def _redis_client() -> Any:
    client = current_app.extensions.get("census_health_redis")
    if client is None:
        import redis

        client = redis.Redis.from_url(
            current_app.config["REDIS_URL"],
            socket_timeout=REDIS_TIMEOUT_SECONDS,
            socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
        )
        current_app.extensions["census_health_redis"] = client
    return client


def database_ok() -> bool:
    """Whether the database answers a trivial query."""
    try:
        db.session().execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        log.warning("health: database unreachable: %s", type(exc).__name__)
        return False
    return True


def redis_ok() -> bool:
    """Whether Redis answers a ``PING``."""
    try:
        return bool(_redis_client().ping())
    except Exception as exc:  # any failure is "unreachable": the caller degrades, never fails
        log.warning("health: redis unreachable: %s", type(exc).__name__)
        return False


@bp.get("/healthz")
def healthz() -> tuple[Response, int]:
    """200 with ``ok`` or ``degraded`` (Redis down) while the database answers, 503 otherwise."""
    parts = {"database": "ok" if database_ok() else "unreachable"}
    if current_app.config.get("REDIS_URL"):
        parts["redis"] = "ok" if redis_ok() else "unreachable"
    if parts["database"] != "ok":
        status, code = "error", 503
    elif any(value != "ok" for value in parts.values()):
        status, code = "degraded", 200
    else:
        status, code = "ok", 200
    response = jsonify(status=status, **parts)
    response.headers["Cache-Control"] = "no-store"
    return response, code
