"""The audit log: every change by staff, who made it, when and from which address.

An entry names the account (or "command line"), the action, the region or record it touched and
a short description of the new value. It never holds a resident's number, name or answer, a
password or a TOTP secret.
"""

from __future__ import annotations

import csv
import io

from flask import has_request_context
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from census.core import settings
from census.core.limits import client_address
from census.core.local_models import AuditEntry, SettingsGeneration

#: What the audit log says for changes made with ``flask census`` commands.
COMMAND_LINE = "command line"
CSV_FIELDS = ("at", "actor", "action", "target", "detail", "source")


def source() -> str:
    """Where a change comes from: the client address, or the command line."""
    return client_address() if has_request_context() else COMMAND_LINE


def record(session: Session, actor: str, action: str, target: str = "", detail: str = "") -> None:
    """Add an entry to the session's transaction (written with the change, or not at all), and
    move the settings generation on, so every app server's kept pages show the change."""
    moved = session.execute(
        update(SettingsGeneration)
        .where(SettingsGeneration.id == 1)
        .values(value=SettingsGeneration.value + 1),
        execution_options={"synchronize_session": False},
    ).rowcount
    if not moved:  # the row was deleted (a database emptied by hand): start it again
        session.add(SettingsGeneration(id=1, value=1))
    session.info[settings.MOVED] = True  # every worker's kept pages follow, once committed
    session.add(
        AuditEntry(
            actor=actor[:254],
            action=action[:40],
            target=target[:60],
            detail=detail[:400],
            source=source()[:64],
        )
    )


def entries(session: Session, limit: int | None = 200) -> list[AuditEntry]:
    """The newest entries first."""
    query = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query))


def as_csv(session: Session) -> str:
    """The whole log as CSV, oldest first."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_FIELDS)
    for entry in reversed(entries(session, limit=None)):
        writer.writerow(
            [
                entry.at.isoformat(timespec="seconds"),
                *(
                    _cell(v)
                    for v in (entry.actor, entry.action, entry.target, entry.detail, entry.source)
                ),
            ]
        )
    return out.getvalue()


def _cell(value: str) -> str:
    """A value a spreadsheet will not run as a formula."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
