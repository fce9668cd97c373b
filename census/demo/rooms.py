"""A meeting's room of practice households: the presenter opens it for N phones, each phone that
scans the room's QR code gets a practice household of its own, and the presenter's screen counts
how many the room has sent. Ending the meeting deletes every practice household of the room.

Practice households are demo households (``is_demo``): the register never sees them and no
figure counts them.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import delete, func, select, true
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from census.core.models import Household, MeetingRoom, MeetingSeat
from census.demo.service import DemoFull, DemoHousehold, add_demo, cleanup

#: The most practice households one room may hand out (demo numbers are a shared, small range).
MAX_ROOM = 60


class RoomFull(RuntimeError):
    """Every practice household of the room has been handed out."""


@dataclass(frozen=True)
class RoomCount:
    """What the presenter's screen shows: phones joined and practice households sent."""

    size: int
    joined: int
    sent: int


def open_room(session: Session, size: int, region_code: str | None = None) -> MeetingRoom:
    """Open a room for ``size`` phones (1 to ``MAX_ROOM``)."""
    if not 1 <= size <= MAX_ROOM:
        raise ValueError(f"a room has 1 to {MAX_ROOM} practice households")
    room = MeetingRoom(join_token=secrets.token_urlsafe(16), size=size, region_code=region_code)
    session.add(room)
    session.commit()
    return room


def room_by_token(session: Session, token: str) -> MeetingRoom | None:
    """The open room with this join token, or None."""
    if not token or len(token) > 32:
        return None
    return session.scalar(select(MeetingRoom).where(MeetingRoom.join_token == token))


def join(session: Session, room: MeetingRoom, attempts: int = 5) -> DemoHousehold:
    """Hand one phone a new practice household of the room; raises ``RoomFull`` past its size.

    Phones scan at once: the seat number is unique per room, so two phones that count the same
    free seat cannot both take it; the loser tries the next one.
    """
    cleanup(session)
    for _ in range(attempts):
        taken = session.scalar(
            select(func.count()).select_from(MeetingSeat).where(MeetingSeat.room_id == room.id)
        )
        if taken is not None and taken >= room.size:
            session.rollback()
            raise RoomFull(f"room {room.id} is full")
        try:
            made, household = add_demo(session, room.region_code)
            session.add(
                MeetingSeat(room_id=room.id, number=(taken or 0) + 1, household_id=household.id)
            )
            session.commit()
            return made
        except IntegrityError:
            session.rollback()
        except DemoFull:
            session.rollback()
            raise RoomFull("no practice numbers left") from None
    raise RoomFull(f"room {room.id}: too many phones at once; try again")


def get_room(session: Session, room_id: int) -> MeetingRoom | None:
    """The open room with this id, or None."""
    return session.get(MeetingRoom, room_id)


def count(session: Session, room: MeetingRoom) -> RoomCount:
    """How many phones have joined the room and how many of its households were sent."""
    joined, sent = session.execute(
        select(func.count(), func.count(Household.proof_code))
        .select_from(MeetingSeat)
        .join(Household, Household.id == MeetingSeat.household_id)
        .where(MeetingSeat.room_id == room.id)
    ).one()
    return RoomCount(room.size, joined, sent)


def end_room(session: Session, room_id: int) -> int:
    """End the meeting: delete the room's practice households, then the room; how many went."""
    ids = list(
        session.scalars(
            select(MeetingSeat.household_id)
            .join(Household, Household.id == MeetingSeat.household_id)
            .where(MeetingSeat.room_id == room_id, Household.is_demo == true())
        )
    )
    if ids:
        session.execute(delete(Household).where(Household.id.in_(ids), Household.is_demo == true()))
    session.execute(delete(MeetingRoom).where(MeetingRoom.id == room_id))
    session.commit()
    return len(ids)
