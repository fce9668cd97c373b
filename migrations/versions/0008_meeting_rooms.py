"""meeting_room, meeting_seat: a meeting's room of practice households

A presenter opens a room of N practice households; each phone that scans the room's QR code gets
its own. Ending the meeting deletes the room's households (and so its seats).

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "meeting_room",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("join_token", sa.String(32), nullable=False, unique=True),
        sa.Column("size", sa.SmallInteger(), nullable=False),
        sa.Column("region_code", sa.String(13), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "meeting_seat",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "room_id",
            sa.Integer(),
            sa.ForeignKey("meeting_room.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("number", sa.SmallInteger(), nullable=False),
        sa.Column(
            "household_id",
            sa.Integer(),
            sa.ForeignKey("household.id", ondelete="CASCADE"),
            nullable=False,
            unique=True,
        ),
        sa.UniqueConstraint("room_id", "number", name="uq_meeting_seat_number"),
    )


def downgrade() -> None:
    op.drop_table("meeting_seat")
    op.drop_table("meeting_room")
