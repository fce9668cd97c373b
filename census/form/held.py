"""What was typed on a step while the form was locked (idle too long), kept for the PIN.

Only for a browser that had given the PIN: the household's own row keeps the fields until the
PIN is given again, and ``/isi/tersimpan`` sends them back to the same step (see ``entry.held``).
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from census.core.models import FormResponse, utcnow

log = logging.getLogger(__name__)

#: What ``hold`` keeps at most: a step has a few dozen fields of bounded length.
HELD_FIELDS, HELD_VALUE, HELD_HOURS = 200, 2000, 24


def hold(db: Session, household_id: int, path: str, fields: list[tuple[str, str]]) -> bool:
    """Keep what was typed on a step sent while the form was locked; False if not kept.

    Only the household's own row holds it, never a cookie or a log. The CSRF token is dropped
    (the page that shows it back makes a new one); the version stays, so a save that another
    phone has overtaken meanwhile is still refused as stale.
    """
    kept = [(k, v) for k, v in fields if k != "csrf_token"]
    if not path.startswith("/isi/") or not kept or len(kept) > HELD_FIELDS:
        return False
    if any(len(k) > 100 or len(v) > HELD_VALUE for k, v in kept):
        return False
    held = {"path": path, "fields": kept, "at": utcnow().isoformat()}
    result = db.execute(
        update(FormResponse)
        .where(FormResponse.household_id == household_id, FormResponse.submitted_at.is_(None))
        .values(held=held)
        .execution_options(synchronize_session=False)
    )
    db.commit()
    log.info("form input: held while locked")
    return result.rowcount == 1


def take_held(db: Session, response: FormResponse) -> dict[str, Any] | None:
    """What was held for this household (then forgotten), if it is recent enough."""
    held = response.held
    if not held:
        return None
    response.held = None
    db.commit()
    try:
        at = datetime.fromisoformat(held["at"])
        fields = [(str(k), str(v)) for k, v in held["fields"]]
        path = str(held["path"])
    except (KeyError, TypeError, ValueError):
        return None
    if (utcnow() - at).total_seconds() > HELD_HOURS * 3600 or not path.startswith("/isi/"):
        return None
    return {"path": path, "fields": fields}
