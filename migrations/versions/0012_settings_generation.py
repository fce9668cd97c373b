"""settings generation: one number that grows with every change by staff

App servers keep public pages for a few seconds (census/core/pagecache.py); the number is part of
each kept page's key, so a notice, target, date or help point changed on one server shows on
every other at once.

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = op.create_table(
        "settings_generation",
        sa.Column("id", sa.SmallInteger(), primary_key=True),
        sa.Column("value", sa.Integer(), nullable=False),
    )
    op.bulk_insert(table, [{"id": 1, "value": 0}])


def downgrade() -> None:
    op.drop_table("settings_generation")
