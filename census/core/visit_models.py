"""Typed model of a resident's open form: the server side of the form's session.

The browser's signed cookie holds only a random id; this table holds its SHA-256, which household
it opened and whether the PIN was given. Ending a row ends the session wherever a copy of the
cookie is (see ``census.form.access``). No number, name or answer is stored here.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from census.core.db import Base
from census.core.models import utcnow


class FormSession(Base):
    """One browser's open household form."""

    __tablename__ = "form_session"

    id_hash: Mapped[bytes] = mapped_column(LargeBinary(32), primary_key=True)
    household_id: Mapped[int] = mapped_column(
        ForeignKey("household.id", ondelete="CASCADE"), index=True
    )
    #: The PIN was given in this session (and it has not idled or been closed since).
    unlocked: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Why an unlocked session was closed ("idle", "stop", "pin"), until the browser is told.
    closed_because: Mapped[str | None] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, index=True
    )
