"""Key rotation: seal every sealed value again with the current data key.

Put a new key first in ``DATA_KEYS``, keep the old one after it, restart the app servers, run
``flask census rotate-data-key``, then drop the old key. Rows are read in batches by id and each
is written back only if it is still what was read (``WHERE sealed = :old``), so a form saved
meanwhile is never overwritten with older answers; a row skipped that way was already sealed
again by its own save. Each batch commits on its own: the command can be stopped and run again.
At the end every value is counted again: the old key may be dropped only once none is left
under it (an app server still running with the old key first may have saved some meanwhile).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy import Engine

from census.core.sealing import ANSWERS_CONTEXT, HELD_CONTEXT, Keyring

BATCH = 1000

_MEMBER = sa.table(
    "member",
    sa.column("id", sa.Integer),
    sa.column("nik_hash", sa.LargeBinary),
    sa.column("sealed", sa.LargeBinary),
)
_RESPONSE = sa.table(
    "form_response",
    sa.column("id", sa.Integer),
    sa.column("answers", sa.LargeBinary),
    sa.column("held", sa.LargeBinary),
)


@dataclass
class Rotated:
    """How many values were sealed again, per kind."""

    members: int = 0
    answers: int = 0
    held: int = 0
    #: Values still under an older key after the pass (saved meanwhile by an app server that
    #: did not have the new key yet): run the command again before dropping the old key.
    left: int = 0


def _column(
    engine: Engine,
    table: sa.TableClause,
    column: str,
    reseal: Callable[[sa.Row], bytes],
    keys: Keyring,
) -> int:
    """Seal ``table.column`` again wherever it is not sealed with the current key."""
    target, last, count = table.c[column], 0, 0
    columns = [table.c.id, target, *(c for c in table.c if c.name == "nik_hash")]
    while True:
        with engine.begin() as connection:
            rows = connection.execute(
                sa.select(*columns)
                .where(table.c.id > last, target.is_not(None))
                .order_by(table.c.id)
                .limit(BATCH)
            ).all()
            if not rows:
                return count
            last = rows[-1][0]
            stale = [row for row in rows if not keys.is_current(bytes(row[1]))]
            for row in stale:
                written = connection.execute(
                    table.update()
                    .where(table.c.id == row[0], target == bytes(row[1]))
                    .values({column: reseal(row)})
                )
                count += written.rowcount


def _left(engine: Engine, table: sa.TableClause, column: str, keys: Keyring) -> int:
    """How many values of ``table.column`` are not sealed with the current key."""
    target, last, count = table.c[column], 0, 0
    while True:
        with engine.connect() as connection:
            rows = connection.execute(
                sa.select(table.c.id, target)
                .where(table.c.id > last, target.is_not(None))
                .order_by(table.c.id)
                .limit(BATCH * 10)
            ).all()
        if not rows:
            return count
        last = rows[-1][0]
        count += sum(not keys.is_current(bytes(row[1])) for row in rows)


def rotate(engine: Engine, keys: Keyring) -> Rotated:
    """Seal every member's card, and every response's answers and held input, with the current
    key; return how many were sealed again."""
    result = Rotated()

    def card(row: sa.Row) -> bytes:
        name, born = keys.open_card(bytes(row[1]), bytes(row[2]))
        return keys.seal_card(name, born, bytes(row[2]))

    def document(context: bytes) -> Callable[[sa.Row], bytes]:
        return lambda row: keys.seal_json(keys.open_json(bytes(row[1]), context), context)

    result.members = _column(engine, _MEMBER, "sealed", card, keys)
    result.answers = _column(engine, _RESPONSE, "answers", document(ANSWERS_CONTEXT), keys)
    result.held = _column(engine, _RESPONSE, "held", document(HELD_CONTEXT), keys)
    result.left = sum(
        _left(engine, table, column, keys)
        for table, column in ((_MEMBER, "sealed"), (_RESPONSE, "answers"), (_RESPONSE, "held"))
    )
    return result
