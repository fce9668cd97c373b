"""Typed model of the data keys a database knows: one check value per key id.

The check is derived from the key (HKDF, ``census.core.sealing``) and reveals nothing of it; an
app server or command whose ``DATA_KEYS`` gives another key under a known id is stopped before it
seals anything (``census.core.keycheck``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, LargeBinary, SmallInteger
from sqlalchemy.orm import Mapped, mapped_column

from census.core.db import Base
from census.core.models import utcnow


class DataKeyCheck(Base):
    """A data key the database has seen, by its id."""

    __tablename__ = "data_key_check"

    key_id: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    check_value: Mapped[bytes] = mapped_column(LargeBinary(16))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
