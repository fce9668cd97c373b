"""household proof code, for the status check

Revision ID: 0002_status
Revises: 0001
Create Date: 2026-11-23 15:40:00

The census form sets ``proof_code`` when a household sends its answers; the status check shows its
last characters. Nullable: households not yet counted online have none.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_status"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("household", schema=None) as batch_op:
        batch_op.add_column(sa.Column("proof_code", sa.String(length=32), nullable=True))
        batch_op.create_index(batch_op.f("ix_household_proof_code"), ["proof_code"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("household", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_household_proof_code"))
        batch_op.drop_column("proof_code")
