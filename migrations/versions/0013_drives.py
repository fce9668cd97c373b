"""drives: participation drives of government employees, their agencies and confirmations

A regency's or province's staff run a drive; an employee whose household has sent its form
confirms once. Confirmations keep only keyed hashes scoped to the drive (docs/drives.md).

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "drive",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("slug", sa.String(40), nullable=False),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("region_code", sa.String(13), sa.ForeignKey("region.code"), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("target_percent", sa.SmallInteger(), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.UniqueConstraint("slug"),
        sa.CheckConstraint("target_percent BETWEEN 1 AND 100", name="ck_drive_target_percent"),
    )
    op.create_index("ix_drive_region_code", "drive", ["region_code"])
    op.create_table(
        "drive_agency",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "drive_id", sa.Integer(), sa.ForeignKey("drive.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("headcount", sa.Integer(), nullable=False),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.UniqueConstraint("drive_id", "name", name="uq_drive_agency_name"),
        sa.CheckConstraint("headcount >= 1", name="ck_drive_agency_headcount"),
    )
    op.create_index("ix_drive_agency_drive_id", "drive_agency", ["drive_id"])
    op.create_table(
        "drive_confirmation",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "drive_id", sa.Integer(), sa.ForeignKey("drive.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column(
            "agency_id",
            sa.Integer(),
            sa.ForeignKey("drive_agency.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("nik_key", sa.LargeBinary(32), nullable=False),
        sa.Column("household_key", sa.LargeBinary(32), nullable=False),
        sa.Column("confirmed_at", TZ, nullable=False),
        sa.UniqueConstraint("drive_id", "nik_key", name="uq_drive_confirmation_nik"),
    )
    op.create_index("ix_drive_confirmation_agency_id", "drive_confirmation", ["agency_id"])
    op.create_index("ix_drive_confirmation_household_key", "drive_confirmation", ["household_key"])


def downgrade() -> None:
    op.drop_index("ix_drive_confirmation_household_key", table_name="drive_confirmation")
    op.drop_index("ix_drive_confirmation_agency_id", table_name="drive_confirmation")
    op.drop_table("drive_confirmation")
    op.drop_index("ix_drive_agency_drive_id", table_name="drive_agency")
    op.drop_table("drive_agency")
    op.drop_index("ix_drive_region_code", table_name="drive")
    op.drop_table("drive")
