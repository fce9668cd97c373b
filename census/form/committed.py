"""After a commit, the answers as written, even when reading them back fails.

A save or a send is done once its commit returned: a connection lost right after (the database
restarted, a proxy cut it) must not turn that success into the "try again" page. The re-read is
only for freshness; when it fails, a detached copy of what was written stands in for it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from census.core.models import FormResponse

log = logging.getLogger(__name__)

COPIED = (
    "id",
    "household_id",
    "pin_hash",
    "version",
    "answers",
    "created_at",
    "updated_at",
    "submitted_at",
    "members_counted",
    "held",
)


def reread(
    db: Session,
    response: FormResponse,
    read: Callable[[Session, int], FormResponse | None],
    **written: Any,
) -> FormResponse:
    """``read(db, household_id)`` after a commit, or ``response`` with ``written`` applied, in a
    copy that belongs to no session, when the database cannot be read right now."""
    try:
        fresh = read(db, response.household_id)
    except SQLAlchemyError as exc:
        log.warning("form response re-read after commit failed: %s", type(exc).__name__)
        try:
            db.rollback()
        except SQLAlchemyError as again:
            log.warning("rollback after a failed re-read failed: %s", type(again).__name__)
        fresh = None
    if fresh is not None:
        return fresh
    values = {name: getattr(response, name) for name in COPIED}
    values.update(written)
    return FormResponse(**values)
