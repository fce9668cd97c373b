"""admission_clock: the waiting room's shared clock when Redis is not there

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = op.create_table(
        "admission_clock",
        sa.Column("name", sa.String(20), primary_key=True),
        sa.Column("next_at", sa.Float(), nullable=False),
    )
    op.bulk_insert(table, [{"name": "form", "next_at": 0.0}])


def downgrade() -> None:
    op.drop_table("admission_clock")
