"""data key check: one value per data key id, so a server with another key under it is stopped

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "data_key_check",
        sa.Column("key_id", sa.SmallInteger(), primary_key=True, autoincrement=False),
        sa.Column("check_value", sa.LargeBinary(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("data_key_check")
