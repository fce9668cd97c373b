"""Every server and command must seal with the keys the database knows.

An app server started without the shared ``DATA_KEYS`` makes a key of its own under id 1; it
would seal new rows that no other server can open. So before anything is sealed, each configured
key's check value (``census.core.sealing``) is compared with the one the database keeps for its
id: a different key under a known id stops the server (503 on every request, a critical log line
naming the id, never a key) or the command. A new current key (a rotation) is recorded on first
use.
"""

from __future__ import annotations

import hmac
import logging

from flask import Flask, abort, current_app
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from census.core import db
from census.core.key_models import DataKeyCheck
from census.core.sealing import Keyring, SealingError, keyring

log = logging.getLogger(__name__)
CHECKED = "census_data_keys_checked"


def verify(session: Session, keys: Keyring) -> None:
    """Raise ``SealingError`` when a configured key differs from the database's key of that id;
    record the current key when the database does not know its id yet."""
    known = {row.key_id: row.check_value for row in session.scalars(select(DataKeyCheck))}
    for key in keys.keys:
        stored = known.get(key.key_id)
        if stored is not None and not hmac.compare_digest(stored, key.check):
            raise SealingError(
                f"key id {key.key_id} of DATA_KEYS is not the key this database knows by that"
                " id: give every server and command the same DATA_KEYS"
            )
    current = keys.keys[0]
    if current.key_id not in known:
        session.add(DataKeyCheck(key_id=current.key_id, check_value=current.check))
        session.commit()


def verify_configured() -> None:
    """:func:`verify` for this application's ``DATA_KEYS`` (for a command, before it seals).
    A database that cannot be reached is left to the command to report."""
    session = db.session()
    try:
        verify(session, keyring())
    except SealingError:
        session.rollback()
        raise
    except SQLAlchemyError:
        session.rollback()


def _before_request() -> None:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    value = app.config["DATA_KEYS"]
    if app.extensions.get(CHECKED) == value:
        return
    session = db.session()
    try:
        verify(session, keyring(app))
    except SealingError as exc:
        session.rollback()
        log.critical("data keys refused: %s", exc)
        abort(503)
    except SQLAlchemyError as exc:  # the database cannot say now: asked again next request
        session.rollback()
        log.warning("data keys not checked: %s", type(exc).__name__)
        return
    app.extensions[CHECKED] = value


def init_app(app: Flask) -> None:
    """Check the data keys against the database once per process, before the first request."""
    app.before_request(_before_request)
