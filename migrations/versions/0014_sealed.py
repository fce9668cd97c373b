"""sealed: register names and birth dates, and the form's answers, encrypted at rest

``member.name`` and ``member.birth_date`` become one sealed ``member.sealed``; ``form_response``'s
``answers`` and ``held`` are stored sealed. Existing rows are sealed here with the configured
``DATA_KEYS`` (the first key), so configure the key before upgrading. See
docs/adr/0005-encryption-at-rest.md.

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import sqlalchemy as sa
from alembic import op
from flask import has_app_context

from census.core.sealing import Keyring, keyring

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

BATCH = 2000
ANSWERS, HELD = b"form_response.answers", b"form_response.held"

member = sa.table(
    "member",
    sa.column("id", sa.Integer),
    sa.column("nik_hash", sa.LargeBinary),
    sa.column("name", sa.String),
    sa.column("birth_date", sa.Date),
    sa.column("sealed", sa.LargeBinary),
)
response = sa.table(
    "form_response",
    sa.column("id", sa.Integer),
    sa.column("answers", sa.JSON),
    sa.column("held", sa.JSON),
    sa.column("sealed_answers", sa.LargeBinary),
    sa.column("sealed_held", sa.LargeBinary),
)


def _keys() -> Keyring:
    if has_app_context():
        return keyring()
    from census import create_app

    return keyring(create_app())


def _batches(query: sa.Select) -> Iterator[list[sa.Row]]:
    """The rows of ``query`` (ordered by id, its first column) in batches, by id ranges."""
    connection, last = op.get_bind(), 0
    while True:
        rows = connection.execute(query.where(query.selected_columns[0] > last).limit(BATCH)).all()
        if not rows:
            return
        yield rows
        last = rows[-1][0]


def _write(table: sa.TableClause, rows: list[dict[str, object]]) -> None:
    if rows:
        values = {k: sa.bindparam(f"v_{k}") for k in rows[0] if k != "id"}
        op.get_bind().execute(
            table.update().where(table.c.id == sa.bindparam("v_id")).values(values),
            [{f"v_{k}": v for k, v in row.items()} for row in rows],
        )


def upgrade() -> None:
    keys = _keys()
    with op.batch_alter_table("member") as batch:
        batch.add_column(sa.Column("sealed", sa.LargeBinary(), nullable=True))
    query = sa.select(member.c.id, member.c.nik_hash, member.c.name, member.c.birth_date)
    for rows in _batches(query.order_by(member.c.id)):
        _write(
            member,
            [
                {"id": i, "sealed": keys.seal_card(name, born, bytes(nik))}
                for i, nik, name, born in rows
            ],
        )
    with op.batch_alter_table("member") as batch:
        batch.alter_column("sealed", existing_type=sa.LargeBinary(), nullable=False)
        batch.drop_column("name")
        batch.drop_column("birth_date")

    with op.batch_alter_table("form_response") as batch:
        batch.add_column(sa.Column("sealed_answers", sa.LargeBinary(), nullable=True))
        batch.add_column(sa.Column("sealed_held", sa.LargeBinary(), nullable=True))
    query = sa.select(response.c.id, response.c.answers, response.c.held)
    for rows in _batches(query.order_by(response.c.id)):
        _write(
            response,
            [
                {
                    "id": i,
                    "sealed_answers": keys.seal_json(answers, ANSWERS),
                    "sealed_held": None if held is None else keys.seal_json(held, HELD),
                }
                for i, answers, held in rows
            ],
        )
    with op.batch_alter_table("form_response") as batch:
        batch.drop_column("answers")
        batch.drop_column("held")
    with op.batch_alter_table("form_response") as batch:
        batch.alter_column(
            "sealed_answers",
            new_column_name="answers",
            existing_type=sa.LargeBinary(),
            nullable=False,
        )
        batch.alter_column("sealed_held", new_column_name="held", existing_type=sa.LargeBinary())


def downgrade() -> None:
    keys = _keys()
    with op.batch_alter_table("member") as batch:
        batch.add_column(sa.Column("name", sa.String(120), nullable=True))
        batch.add_column(sa.Column("birth_date", sa.Date(), nullable=True))
    query = sa.select(member.c.id, member.c.nik_hash, member.c.sealed)
    for rows in _batches(query.order_by(member.c.id)):
        opened: list[tuple[int, tuple[str, date]]] = [
            (i, keys.open_card(bytes(sealed), bytes(nik))) for i, nik, sealed in rows
        ]
        _write(member, [{"id": i, "name": n, "birth_date": b} for i, (n, b) in opened])
    with op.batch_alter_table("member") as batch:
        batch.alter_column("name", existing_type=sa.String(120), nullable=False)
        batch.alter_column("birth_date", existing_type=sa.Date(), nullable=False)
        batch.drop_column("sealed")

    with op.batch_alter_table("form_response") as batch:
        batch.alter_column("answers", new_column_name="sealed_answers")
        batch.alter_column("held", new_column_name="sealed_held")
    with op.batch_alter_table("form_response") as batch:
        batch.add_column(sa.Column("answers", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("held", sa.JSON(), nullable=True))
    query = sa.select(response.c.id, response.c.sealed_answers, response.c.sealed_held)
    for rows in _batches(query.order_by(response.c.id)):
        _write(
            response,
            [
                {
                    "id": i,
                    "answers": keys.open_json(bytes(answers), ANSWERS),
                    "held": None if held is None else keys.open_json(bytes(held), HELD),
                }
                for i, answers, held in rows
            ],
        )
    with op.batch_alter_table("form_response") as batch:
        batch.alter_column("answers", existing_type=sa.JSON(), nullable=False)
        batch.drop_column("sealed_answers")
        batch.drop_column("sealed_held")
