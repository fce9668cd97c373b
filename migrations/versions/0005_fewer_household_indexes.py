"""household: drop indexes the region aggregates' composite indexes already serve

Every household row written by the register import pays for every index on the table. The
single-column indexes on province, regency and district codes lead the same columns as the
composite aggregate indexes of 0004, and nothing queries status with village first.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

DROPPED = {
    "ix_household_province_code": ["province_code"],
    "ix_household_regency_code": ["regency_code"],
    "ix_household_district_code": ["district_code"],
    "ix_household_status_village": ["status", "village_code"],
}


def upgrade() -> None:
    with op.batch_alter_table("household", schema=None) as batch_op:
        for name in DROPPED:
            batch_op.drop_index(name)


def downgrade() -> None:
    with op.batch_alter_table("household", schema=None) as batch_op:
        for name, columns in DROPPED.items():
            batch_op.create_index(name, columns, unique=False)
