"""form_response: what a person typed on a step while the form was locked

A step sent after 45 idle minutes meets the PIN page. What was typed on that page is kept here
until the PIN is given again, then shown back to be saved.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("form_response") as batch:
        batch.add_column(sa.Column("held", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("form_response") as batch:
        batch.drop_column("held")
