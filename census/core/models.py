"""Typed models: regions, the household register and each household's counting status.

The register is the frame, as Dukcapil's was for SP2020: one household per family card (KK), its
members from the card. NIK and KK numbers are stored only as keyed hashes (see
``docs/adr/0001-identifiers-as-keyed-hashes.md``); names, birth dates and the form's answers are
sealed with a key held outside the database (``docs/adr/0005-encryption-at-rest.md``).
"""

from __future__ import annotations

import enum
from datetime import UTC, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    UniqueConstraint,
    false,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from census.core import sealing
from census.core.db import Base


def utcnow() -> datetime:
    """The current time in UTC, timezone-aware (stored as such on both databases)."""
    return datetime.now(UTC)


class RegionLevel(enum.IntEnum):
    """Kemendagri levels; the code length tells the level (``33``, ``33.16``, ...)."""

    PROVINCE = 1
    REGENCY = 2
    DISTRICT = 3
    VILLAGE = 4


class Region(Base):
    """A province, regency/city, district or village, keyed by its dotted Kemendagri code."""

    __tablename__ = "region"

    code: Mapped[str] = mapped_column(String(13), primary_key=True)
    parent_code: Mapped[str | None] = mapped_column(
        String(13), ForeignKey("region.code"), index=True
    )
    level: Mapped[int] = mapped_column(SmallInteger)
    name: Mapped[str] = mapped_column(String(120))

    parent: Mapped[Region | None] = relationship(remote_side=[code])

    def __repr__(self) -> str:
        return f"<Region {self.code} {self.name}>"


class CountStatus(enum.StrEnum):
    """Where a household stands in the census."""

    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    COUNTED_ONLINE = "counted_online"
    COUNTED_OFFICER = "counted_officer"


class Sex(enum.StrEnum):
    """Sex as printed on a KK: L (laki-laki) or P (perempuan)."""

    MALE = "L"
    FEMALE = "P"


#: Relationship to the head of household, as printed on a family card (code -> KK wording).
RELATIONSHIPS: dict[str, str] = {
    "kepala_keluarga": "Kepala Keluarga",
    "suami": "Suami",
    "istri": "Istri",
    "anak": "Anak",
    "menantu": "Menantu",
    "cucu": "Cucu",
    "orang_tua": "Orang Tua",
    "mertua": "Mertua",
    "famili_lain": "Famili Lain",
    "pembantu": "Pembantu",
    "lainnya": "Lainnya",
}
HEAD = "kepala_keluarga"


def _where(condition: str) -> dict[str, object]:
    """The keyword arguments that make an index partial on both databases."""
    return {"sqlite_where": text(condition), "postgresql_where": text(condition)}


class Household(Base):
    """One family card (KK) of the register, with its counting status."""

    __tablename__ = "household"
    __table_args__ = (
        # Region aggregates (outreach pages): one covering index per level, so a page's
        # "counts per sub-region and status" is an index-only scan, and one per level for the
        # daily series of the last 30 days.
        Index("ix_household_province_agg", "province_code", "regency_code", "status", "is_demo"),
        Index("ix_household_regency_agg", "regency_code", "district_code", "status", "is_demo"),
        Index("ix_household_district_agg", "district_code", "village_code", "status", "is_demo"),
        # Partial indexes: most households are never counted, have no proof code and are not
        # demo households, so the register import writes no entry into these.
        Index("ix_household_counted_at", "counted_at", **_where("counted_at IS NOT NULL")),
        Index(
            "ix_household_province_counted",
            "province_code",
            "counted_at",
            **_where("counted_at IS NOT NULL"),
        ),
        Index(
            "ix_household_regency_counted",
            "regency_code",
            "counted_at",
            **_where("counted_at IS NOT NULL"),
        ),
        Index(
            "ix_household_district_counted",
            "district_code",
            "counted_at",
            **_where("counted_at IS NOT NULL"),
        ),
        Index(
            "ix_household_proof_code",
            "proof_code",
            unique=True,
            **_where("proof_code IS NOT NULL"),
        ),
        # Spelt as each database renders ``is_demo == true()``, so both planners match it.
        Index(
            "ix_household_is_demo",
            "is_demo",
            sqlite_where=text("is_demo = 1"),
            postgresql_where=text("is_demo = true"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kk_hash: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    # No index of its own: regions are never deleted, and look-ups by village also give its
    # district, which ix_household_district_agg leads with.
    village_code: Mapped[str] = mapped_column(String(13), ForeignKey("region.code"))
    # Denormalised prefixes of the village code, so region aggregates are indexed range-free
    # equality look-ups at every level (the composite indexes above lead with them).
    district_code: Mapped[str] = mapped_column(String(8))
    regency_code: Mapped[str] = mapped_column(String(5))
    province_code: Mapped[str] = mapped_column(String(2))
    rt: Mapped[str] = mapped_column(String(3))
    rw: Mapped[str] = mapped_column(String(3))
    address: Mapped[str] = mapped_column(String(200))
    status: Mapped[CountStatus] = mapped_column(
        Enum(CountStatus, name="count_status", values_callable=lambda e: [m.value for m in e]),
        default=CountStatus.NOT_STARTED,
        server_default=CountStatus.NOT_STARTED.value,
    )
    status_changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    counted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The code printed on the proof of filling ("bukti pengisian"), set when the form is sent; the
    # status check shows its last characters so a household can match its proof.
    proof_code: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, server_default=func.now()
    )
    # A sandbox household made by the demo mode: found by its numbers like any other, never
    # part of a published figure.
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    village: Mapped[Region] = relationship()
    members: Mapped[list[Member]] = relationship(
        back_populates="household", order_by="Member.position", cascade="all, delete-orphan"
    )

    def set_status(self, status: CountStatus, at: datetime | None = None) -> None:
        """Move to ``status``, stamping when it happened."""
        at = at or utcnow()
        self.status = status
        self.status_changed_at = at
        if status is CountStatus.IN_PROGRESS and self.started_at is None:
            self.started_at = at
        if status in (CountStatus.COUNTED_ONLINE, CountStatus.COUNTED_OFFICER):
            self.counted_at = at


class Member(sealing.SealedCard, Base):
    """A person on a household's family card."""

    __tablename__ = "member"
    __table_args__ = (CheckConstraint("sex IN ('L', 'P')", name="ck_member_sex"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(
        ForeignKey("household.id", ondelete="CASCADE"), index=True
    )
    nik_hash: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    #: The name and birth date, sealed together and bound to ``nik_hash``
    #: (``census.core.sealing``); read them as ``name`` and ``birth_date``.
    sealed: Mapped[bytes] = mapped_column(LargeBinary)
    # Clear: the import's checks read the relationship in SQL, and alone these name no one.
    sex: Mapped[str] = mapped_column(String(1))
    relationship_code: Mapped[str] = mapped_column(String(20))
    position: Mapped[int] = mapped_column(SmallInteger, default=0)

    household: Mapped[Household] = relationship(back_populates="members")


class FormResponse(Base):
    """A household's answers to the online form: one row per household, one version counter.

    The answers are one JSON document (address, housing, members) saved step by step; ``version``
    grows with every save and a save names the version it was based on, so two phones editing
    at once cannot silently overwrite each other (see docs/adr/0003-form-answers-storage.md).
    The household's shared PIN is kept here as an Argon2 hash.
    """

    __tablename__ = "form_response"

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(
        ForeignKey("household.id", ondelete="CASCADE"), unique=True
    )
    pin_hash: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer, default=1)
    # Sealed (AES-GCM): read and written as dicts, stored as ciphertext.
    answers: Mapped[dict] = mapped_column(sealing.SealedJSON(sealing.ANSWERS_CONTEXT), default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    members_counted: Mapped[int | None] = mapped_column(SmallInteger)
    #: What was typed on a step sent while the form was locked (idle too long): the step's path,
    #: its fields and when, kept until the PIN is given again (see ``census.form.held.hold``).
    held: Mapped[dict | None] = mapped_column(sealing.SealedJSON(sealing.HELD_CONTEXT))

    household: Mapped[Household] = relationship()


class MeetingRoom(Base):
    """A meeting's room of practice households: one QR code hands each phone its own.

    The presenter owns the room through the browser session that opened it; phones join with
    ``join_token`` (in the QR code). Its households are demo households (``is_demo``), so they
    never reach a figure; ending the meeting deletes them and the room.
    """

    __tablename__ = "meeting_room"

    id: Mapped[int] = mapped_column(primary_key=True)
    join_token: Mapped[str] = mapped_column(String(32), unique=True)
    size: Mapped[int] = mapped_column(SmallInteger)
    region_code: Mapped[str | None] = mapped_column(String(13))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class MeetingSeat(Base):
    """One phone's practice household in a meeting room; ``number`` is 1 to the room's size."""

    __tablename__ = "meeting_seat"
    __table_args__ = (UniqueConstraint("room_id", "number", name="uq_meeting_seat_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("meeting_room.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(SmallInteger)
    household_id: Mapped[int] = mapped_column(
        ForeignKey("household.id", ondelete="CASCADE"), unique=True
    )


class AdmissionClock(Base):
    """The waiting room's shared clock when Redis is not there: the next free turn to enter the
    form, in epoch seconds (see ``census.core.admission``)."""

    __tablename__ = "admission_clock"

    name: Mapped[str] = mapped_column(String(20), primary_key=True)
    next_at: Mapped[float] = mapped_column(Float)


def region_parts(village_code: str) -> dict[str, str]:
    """The province, regency and district codes contained in a dotted village code."""
    return {
        "province_code": village_code[:2],
        "regency_code": village_code[:5],
        "district_code": village_code[:8],
    }
