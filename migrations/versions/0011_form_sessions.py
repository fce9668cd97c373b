"""form sessions: a resident's open form kept on the server, so it can be ended everywhere

The cookie holds a random id; this table its SHA-256, the household and whether the PIN was given.
"Stop for now", a PIN change and 45 minutes idle end the sessions here, wherever the cookie was
copied.

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "form_session",
        sa.Column("id_hash", sa.LargeBinary(32), primary_key=True),
        sa.Column(
            "household_id",
            sa.Integer(),
            sa.ForeignKey("household.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("unlocked", sa.Boolean(), nullable=False),
        sa.Column("closed_because", sa.String(10), nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("last_seen_at", TZ, nullable=False),
    )
    op.create_index("ix_form_session_household_id", "form_session", ["household_id"])
    op.create_index("ix_form_session_last_seen_at", "form_session", ["last_seen_at"])


def downgrade() -> None:
    op.drop_table("form_session")
