"""outreach: demo households apart from the register, indexes for region aggregates

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

AGGREGATE_INDEXES = (
    ("ix_household_province_agg", ["province_code", "regency_code", "status", "is_demo"]),
    ("ix_household_regency_agg", ["regency_code", "district_code", "status", "is_demo"]),
    ("ix_household_district_agg", ["district_code", "village_code", "status", "is_demo"]),
    ("ix_household_province_counted", ["province_code", "counted_at"]),
    ("ix_household_regency_counted", ["regency_code", "counted_at"]),
    ("ix_household_district_counted", ["district_code", "counted_at"]),
)


def upgrade() -> None:
    with op.batch_alter_table("household", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("is_demo", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.create_index("ix_household_is_demo", ["is_demo"], unique=False)
        for name, columns in AGGREGATE_INDEXES:
            batch_op.create_index(name, columns, unique=False)


def downgrade() -> None:
    with op.batch_alter_table("household", schema=None) as batch_op:
        for name, _columns in reversed(AGGREGATE_INDEXES):
            batch_op.drop_index(name)
        batch_op.drop_index("ix_household_is_demo")
        batch_op.drop_column("is_demo")
