"""staff: accounts and sessions, the audit log, region targets, announcements, phase changes, help points

Local governments and BPS offices sign in at /staf. What they change lives here and is read by the
core (census/core/settings.py) on every request, so every app server follows at once.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "staff_account",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("role", sa.String(10), nullable=False),
        sa.Column("region_code", sa.String(13), sa.ForeignKey("region.code"), nullable=True),
        sa.Column("password_hash", sa.String(200), nullable=True),
        sa.Column("totp_secret", sa.String(64), nullable=True),
        sa.Column("totp_last_step", sa.Integer(), nullable=True),
        sa.Column("setup_hash", sa.LargeBinary(32), nullable=True),
        sa.Column("setup_expires_at", TZ, nullable=True),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.UniqueConstraint("email"),
        sa.UniqueConstraint("setup_hash"),
        sa.CheckConstraint("role IN ('national', 'region')", name="ck_staff_account_role"),
    )
    op.create_table(
        "staff_session",
        sa.Column("id_hash", sa.LargeBinary(32), primary_key=True),
        sa.Column(
            "account_id",
            sa.Integer(),
            sa.ForeignKey("staff_account.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("last_seen_at", TZ, nullable=False),
    )
    op.create_index("ix_staff_session_account_id", "staff_session", ["account_id"])
    op.create_table(
        "audit_entry",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("at", TZ, nullable=False),
        sa.Column("actor", sa.String(254), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("target", sa.String(60), nullable=False),
        sa.Column("detail", sa.String(400), nullable=False),
        sa.Column("source", sa.String(64), nullable=False),
    )
    op.create_index("ix_audit_entry_at", "audit_entry", ["at"])
    op.create_table(
        "region_target",
        sa.Column("region_code", sa.String(13), sa.ForeignKey("region.code"), primary_key=True),
        sa.Column("percent", sa.SmallInteger(), nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.CheckConstraint("percent BETWEEN 1 AND 100", name="ck_region_target_percent"),
    )
    op.create_table(
        "announcement",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("region_code", sa.String(13), sa.ForeignKey("region.code"), nullable=True),
        sa.Column("text_id", sa.String(280), nullable=False),
        sa.Column("text_en", sa.String(280), nullable=True),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_index("ix_announcement_region_code", "announcement", ["region_code"])
    op.create_table(
        "phase_change",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("phase", sa.String(20), nullable=False),
        sa.Column("old_date", sa.Date(), nullable=False),
        sa.Column("new_date", sa.Date(), nullable=False),
        sa.Column("changed_at", TZ, nullable=False),
        sa.CheckConstraint(
            "phase IN ('online_start', 'online_end', 'field_start', 'field_end')",
            name="ck_phase_change_phase",
        ),
    )
    op.create_table(
        "help_point",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("village_code", sa.String(13), sa.ForeignKey("region.code"), nullable=False),
        sa.Column("district_code", sa.String(8), nullable=False),
        sa.Column("regency_code", sa.String(5), nullable=False),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("address", sa.String(200), nullable=False),
        sa.Column("hours", sa.String(120), nullable=False),
        sa.Column("phone", sa.String(30), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_index("ix_help_point_district_code", "help_point", ["district_code"])
    op.create_index("ix_help_point_regency_code", "help_point", ["regency_code"])


def downgrade() -> None:
    op.drop_index("ix_help_point_regency_code", table_name="help_point")
    op.drop_index("ix_help_point_district_code", table_name="help_point")
    op.drop_table("help_point")
    op.drop_table("phase_change")
    op.drop_index("ix_announcement_region_code", table_name="announcement")
    op.drop_table("announcement")
    op.drop_table("region_target")
    op.drop_index("ix_audit_entry_at", table_name="audit_entry")
    op.drop_table("audit_entry")
    op.drop_index("ix_staff_session_account_id", table_name="staff_session")
    op.drop_table("staff_session")
    op.drop_table("staff_account")
