"""household: partial indexes for the columns most households leave empty

Every household row written by the register import pays for every index on the table. Most
households are never counted (``counted_at`` null), have no proof code and are not demo
households, so the indexes that serve those look-ups now hold only the rows that have a value.
The index on ``village_code`` alone goes: regions are never deleted, and a look-up by village
knows its district, which ``ix_household_district_agg`` leads with.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

COUNTED = "counted_at IS NOT NULL"
# name: (columns, unique, SQLite predicate, PostgreSQL predicate)
PARTIAL = {
    "ix_household_counted_at": (["counted_at"], False, COUNTED, COUNTED),
    "ix_household_province_counted": (["province_code", "counted_at"], False, COUNTED, COUNTED),
    "ix_household_regency_counted": (["regency_code", "counted_at"], False, COUNTED, COUNTED),
    "ix_household_district_counted": (["district_code", "counted_at"], False, COUNTED, COUNTED),
    "ix_household_proof_code": (
        ["proof_code"],
        True,
        "proof_code IS NOT NULL",
        "proof_code IS NOT NULL",
    ),
    "ix_household_is_demo": (["is_demo"], False, "is_demo = 1", "is_demo = true"),
}


def upgrade() -> None:
    with op.batch_alter_table("household", schema=None) as batch_op:
        batch_op.drop_index("ix_household_village_code")
        for name in PARTIAL:
            batch_op.drop_index(name)
    with op.batch_alter_table("household", schema=None) as batch_op:
        for name, (columns, unique, sqlite_where, postgresql_where) in PARTIAL.items():
            batch_op.create_index(
                name,
                columns,
                unique=unique,
                sqlite_where=sa.text(sqlite_where),
                postgresql_where=sa.text(postgresql_where),
            )


def downgrade() -> None:
    with op.batch_alter_table("household", schema=None) as batch_op:
        for name in PARTIAL:
            batch_op.drop_index(name)
    with op.batch_alter_table("household", schema=None) as batch_op:
        for name, (columns, unique, _sqlite, _postgresql) in PARTIAL.items():
            batch_op.create_index(name, columns, unique=unique)
        batch_op.create_index("ix_household_village_code", ["village_code"], unique=False)
