"""Typed models for what local governments and BPS offices change: staff, settings, help points.

The staff capability (``census/staff/``) writes these tables; the core reads the settings through
:mod:`census.core.settings`, so every capability sees one effective schedule, target and list of
notices. No table here holds a resident's number or answer: a drive's confirmations keep only
keyed hashes scoped to the drive (see docs/drives.md).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    UniqueConstraint,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from census.core.db import Base
from census.core.models import utcnow

#: The two kinds of staff account.
ROLES = ("national", "region")
#: The phase dates national staff may move, as stored in ``phase_change.phase``.
PHASE_KEYS = ("online_start", "online_end", "field_start", "field_end")
#: Longest notice, so pages stay within their first-load weight.
ANNOUNCEMENT_MAX = 280


class StaffAccount(Base):
    """A person of a local government or BPS office: national, or one region and below it."""

    __tablename__ = "staff_account"
    __table_args__ = (
        CheckConstraint("role IN ('national', 'region')", name="ck_staff_account_role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    role: Mapped[str] = mapped_column(String(10))
    region_code: Mapped[str | None] = mapped_column(String(13), ForeignKey("region.code"))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    #: The last TOTP time step accepted, so a code is never accepted twice.
    totp_last_step: Mapped[int | None] = mapped_column(Integer)
    setup_hash: Mapped[bytes | None] = mapped_column(LargeBinary(32), unique=True)
    setup_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class StaffSession(Base):
    """A signed-in browser: the cookie holds a random id, this table only its SHA-256."""

    __tablename__ = "staff_session"

    id_hash: Mapped[bytes] = mapped_column(LargeBinary(32), primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("staff_account.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    account: Mapped[StaffAccount] = relationship()


class AuditEntry(Base):
    """One change made by staff: who, what, when, from where. Never a resident's data."""

    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(254))
    action: Mapped[str] = mapped_column(String(40))
    target: Mapped[str] = mapped_column(String(60), default="")
    detail: Mapped[str] = mapped_column(String(400), default="")
    #: The client address, or "command line".
    source: Mapped[str] = mapped_column(String(64))


class RegionTarget(Base):
    """A province's, regency's or district's own online-participation target (1-100 %)."""

    __tablename__ = "region_target"
    __table_args__ = (
        CheckConstraint("percent BETWEEN 1 AND 100", name="ck_region_target_percent"),
    )

    region_code: Mapped[str] = mapped_column(
        String(13), ForeignKey("region.code"), primary_key=True
    )
    percent: Mapped[int] = mapped_column(SmallInteger)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Announcement(Base):
    """A short notice for the whole country (no region) or one region, between two dates."""

    __tablename__ = "announcement"

    id: Mapped[int] = mapped_column(primary_key=True)
    region_code: Mapped[str | None] = mapped_column(
        String(13), ForeignKey("region.code"), index=True
    )
    text_id: Mapped[str] = mapped_column(String(ANNOUNCEMENT_MAX))
    text_en: Mapped[str | None] = mapped_column(String(ANNOUNCEMENT_MAX))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class PhaseChange(Base):
    """A phase date moved by national staff; the newest change of each phase applies."""

    __tablename__ = "phase_change"
    __table_args__ = (
        CheckConstraint(
            "phase IN ('online_start', 'online_end', 'field_start', 'field_end')",
            name="ck_phase_change_phase",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    phase: Mapped[str] = mapped_column(String(20))
    old_date: Mapped[date] = mapped_column(Date)
    new_date: Mapped[date] = mapped_column(Date)
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class HelpPoint(Base):
    """A place where residents get help to count themselves (village office, BPS corner...)."""

    __tablename__ = "help_point"

    id: Mapped[int] = mapped_column(primary_key=True)
    village_code: Mapped[str] = mapped_column(String(13), ForeignKey("region.code"))
    district_code: Mapped[str] = mapped_column(String(8), index=True)
    regency_code: Mapped[str] = mapped_column(String(5), index=True)
    name: Mapped[str] = mapped_column(String(120))
    address: Mapped[str] = mapped_column(String(200))
    hours: Mapped[str] = mapped_column(String(120), default="")
    phone: Mapped[str] = mapped_column(String(30), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class SettingsGeneration(Base):
    """One row: a number that grows with every change by staff (written with the audit entry),
    so a page kept by an app server (``census.core.pagecache``) knows when it is out of date."""

    __tablename__ = "settings_generation"

    id: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    value: Mapped[int] = mapped_column(Integer, default=0)


class Drive(Base):
    """A participation drive of a regency's or province's employees (ASN), agency by agency."""

    __tablename__ = "drive"
    __table_args__ = (
        CheckConstraint("target_percent BETWEEN 1 AND 100", name="ck_drive_target_percent"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    region_code: Mapped[str] = mapped_column(String(13), ForeignKey("region.code"), index=True)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    target_percent: Mapped[int] = mapped_column(SmallInteger)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    agencies: Mapped[list[DriveAgency]] = relationship(
        back_populates="drive", order_by="DriveAgency.position", cascade="all, delete-orphan"
    )


class DriveAgency(Base):
    """One agency (OPD) of a drive and how many employees it has."""

    __tablename__ = "drive_agency"
    __table_args__ = (
        UniqueConstraint("drive_id", "name", name="uq_drive_agency_name"),
        CheckConstraint("headcount >= 1", name="ck_drive_agency_headcount"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    drive_id: Mapped[int] = mapped_column(ForeignKey("drive.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    headcount: Mapped[int] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(SmallInteger, default=0)

    drive: Mapped[Drive] = relationship(back_populates="agencies")


class DriveConfirmation(Base):
    """An employee's confirmation that their household was sent: no number, code or name.

    ``nik_key`` and ``household_key`` are keyed hashes scoped to the drive, so a NIK counts once
    per drive and a proof at most as often as it counted people, while no row can be matched
    with the register or with another drive's rows without the key.
    """

    __tablename__ = "drive_confirmation"
    __table_args__ = (UniqueConstraint("drive_id", "nik_key", name="uq_drive_confirmation_nik"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    drive_id: Mapped[int] = mapped_column(ForeignKey("drive.id", ondelete="CASCADE"))
    agency_id: Mapped[int] = mapped_column(
        ForeignKey("drive_agency.id", ondelete="CASCADE"), index=True
    )
    nik_key: Mapped[bytes] = mapped_column(LargeBinary(32))
    household_key: Mapped[bytes] = mapped_column(LargeBinary(32), index=True)
    confirmed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
