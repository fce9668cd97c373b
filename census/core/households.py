"""The household register's small service layer: find a household by the numbers on its KK.

Every look-up goes through the keyed hash, so the database never needs (or holds) a raw NIK or KK
number. ``find_by_pair`` does the same work whether the KK is unknown or the NIK is not in it, so
neither the answer nor its timing tells which number was wrong.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask import current_app
from sqlalchemy import Connection, bindparam, select, true
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from census.core.identity import keyed_hash
from census.core.models import CountStatus, Household, Member, region_parts

#: The region code that starts every practice household's numbers (33.98.99): no real card has it.
DEMO_PREFIX = "339899"


def number_hash(kind: str, number: str) -> bytes:
    """The keyed hash of a normalised 16-digit NIK (``kind="nik"``) or KK number (``"kk"``)."""
    return keyed_hash(kind, number, current_app.config["IDENTITY_HASH_KEY"])  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class Found:
    """A household found by its numbers: what answers the check and opens the form, no more
    (no name, no address, nothing sealed)."""

    id: int
    status: CountStatus
    counted_at: datetime | None
    proof_code: str | None
    is_demo: bool


_household, _member = Household.__table__.c, Member.__table__.c
#: Built once, as Core columns: each look-up only binds the two hashes (its SQL is cached too),
#: and no ORM object is made for a row that is only read.
_BY_PAIR = (
    select(
        _household.id,
        _household.status,
        _household.counted_at,
        _household.proof_code,
        _household.is_demo,
    )
    .join_from(Household.__table__, Member.__table__, _member.household_id == _household.id)
    .where(_household.kk_hash == bindparam("kk_hash"))
    .where(_member.nik_hash == bindparam("nik_hash"))
    .limit(1)
)


def find_by_pair(connection: Connection, kk_number: str, nik_number: str) -> Found | None:
    """The household whose KK is ``kk_number`` and which has a member ``nik_number``, or None."""
    hashes = {"kk_hash": number_hash("kk", kk_number), "nik_hash": number_hash("nik", nik_number)}
    if connection.dialect.driver == "psycopg":
        row = _psycopg_row(connection, hashes)
        return None if row is None else Found(row[0], CountStatus(row[1]), *row[2:])
    if connection.dialect.driver == "pysqlite":
        return _sqlite_found(connection, hashes)
    row = connection.execute(_BY_PAIR, hashes).first()
    return None if row is None else Found(*row)


#: ``_BY_PAIR`` as ``sqlite3`` takes it: the statement, its parameters' names and values (the
#: limit and offset) in order, and each column's SQLAlchemy result processor; made on first use.
_by_pair_sqlite: tuple[str, tuple[str, ...], dict[str, Any], tuple[Any, ...]] | None = None


def _sqlite_found(connection: Connection, hashes: dict[str, bytes]) -> Found | None:
    """``_BY_PAIR``'s household, read with ``sqlite3`` itself.

    The statement SQLAlchemy compiles, run on the driver's connection (whose statement cache
    keeps it prepared), each value turned into Python by the column type's own result
    processor, as SQLAlchemy would (the status as its enum, the day counted as a datetime,
    the demo flag as a bool): without SQLAlchemy's execution and result layers around one row
    (in process, a found check's read, pool included, went from 96 µs to 55 µs of CPU). A
    driver error is raised as SQLAlchemy raises it.
    """
    global _by_pair_sqlite
    if _by_pair_sqlite is None:
        compiled = _BY_PAIR.compile(dialect=connection.dialect)
        columns = _BY_PAIR.selected_columns
        dialect = connection.dialect
        processors = tuple(
            c.type.dialect_impl(dialect).result_processor(dialect, None) for c in columns
        )
        order = tuple(compiled.positiontup or ())
        _by_pair_sqlite = compiled.string, order, dict(compiled.params), processors
    statement, order, defaults, processors = _by_pair_sqlite
    values = {**defaults, **hashes}
    params = tuple(values[name] for name in order)
    raw = connection.connection.driver_connection
    dbapi = connection.dialect.loaded_dbapi
    try:
        row = raw.execute(statement, params).fetchone()  # type: ignore[union-attr]
    except dbapi.Error as exc:
        raise DBAPIError.instance(statement, params, exc, dbapi.Error) from exc
    if row is None:
        return None
    return Found(
        *(
            value if process is None else process(value)
            for value, process in zip(row, processors, strict=True)
        )
    )


#: ``_BY_PAIR`` as psycopg takes it, with its other parameters (the limit), made on first use.
_by_pair_psycopg: tuple[str, dict[str, Any]] | None = None
#: The name ``_BY_PAIR`` is prepared under on each reader connection (psycopg's own are ``_pg3_N``),
#: and the key in the pooled connection's ``info`` of the loader kept for it.
_BY_PAIR_NAME = b"census_by_pair"
_PREPARED = "census_by_pair"
#: What PostgreSQL answers for a prepared statement it no longer has (``DEALLOCATE ALL``).
_NO_SUCH_STATEMENT = "26000"


def _psycopg_row(connection: Connection, hashes: dict[str, bytes]) -> tuple[Any, ...] | None:
    """``_BY_PAIR``'s row, sent by psycopg itself as a prepared statement.

    The statement is the same one SQLAlchemy would send (psycopg prepares it there too, from its
    fifth use), but without SQLAlchemy's execution, result and type layers around one row (in
    process, a look-up's 280 µs became 200 µs). In autocommit (the reads of ``db.read``) it goes
    one layer further down, to libpq through psycopg's ``pgconn``: prepared once per connection
    under a name of ours, then one ``PQexecPrepared`` with the two hashes as binary parameters,
    the row read by psycopg's own loaders (a kept ``Transformer``), so it comes back typed as a
    cursor gives it. That skips making a cursor and psycopg's waiting loop: 136 µs of CPU and
    270 µs of wall time became 42 µs and 140 µs. A statement the server dropped (``DEALLOCATE
    ALL``) is prepared again once. The status comes back as the enum's text. A driver error is
    raised as SQLAlchemy would raise it, the connection lost (the database restarted)
    invalidated as it would be, so callers (``db.read``, the error pages) handle it the same way.
    """
    global _by_pair_psycopg
    if _by_pair_psycopg is None:
        compiled = _BY_PAIR.compile(dialect=connection.dialect)
        _by_pair_psycopg = compiled.string, dict(compiled.params)
    statement, params = _by_pair_psycopg
    params = {**params, **hashes}
    raw = connection.connection.driver_connection
    dbapi = connection.dialect.loaded_dbapi
    try:
        if raw.autocommit:  # type: ignore[union-attr]
            return _libpq_row(connection, hashes)
        return raw.execute(statement, params, prepare=True).fetchone()  # type: ignore[union-attr]
    except dbapi.Error as exc:
        lost = connection.dialect.is_disconnect(exc, raw, None)
        if lost:  # as SQLAlchemy does: this connection and every one pooled before it dropped
            connection.invalidate(exc)
            connection.engine.dispose()
        raise DBAPIError.instance(
            statement, params, exc, dbapi.Error, connection_invalidated=lost
        ) from exc


def _libpq_row(connection: Connection, hashes: dict[str, bytes]) -> tuple[Any, ...] | None:
    """``_BY_PAIR``'s row through libpq on an autocommit connection (see ``_psycopg_row``)."""
    from psycopg import errors, pq
    from psycopg.adapt import Transformer

    pooled = connection.connection
    raw = pooled.driver_connection
    pgconn = raw.pgconn  # type: ignore[union-attr]
    kept = pooled.info.get(_PREPARED)
    if kept is None or kept[0] is not raw:
        kept = pooled.info[_PREPARED] = (raw, Transformer(raw))  # type: ignore[arg-type]
        _prepare(connection)
    values = [hashes["kk_hash"], hashes["nik_hash"]]
    result = pgconn.exec_prepared(_BY_PAIR_NAME, values, param_formats=(1, 1))
    if (
        result.status == pq.ExecStatus.FATAL_ERROR
        and result.error_field(pq.DiagnosticField.SQLSTATE) == _NO_SUCH_STATEMENT.encode()
    ):
        _prepare(connection)
        result = pgconn.exec_prepared(_BY_PAIR_NAME, values, param_formats=(1, 1))
    if result.status != pq.ExecStatus.TUPLES_OK:
        raise errors.error_from_result(result, encoding=raw.info.encoding)  # type: ignore[union-attr]
    if result.ntuples == 0:
        return None
    loader = kept[1]
    loader.set_pgresult(result)
    return loader.load_row(0, tuple)


def _prepare(connection: Connection) -> None:
    """Prepare ``_BY_PAIR`` on this connection under ``_BY_PAIR_NAME`` ($1 the KK's hash, $2
    the NIK's, the limit written in)."""
    from psycopg import errors, pq

    compiled = _BY_PAIR.compile(dialect=connection.dialect)
    numbered = {"kk_hash": "$1", "nik_hash": "$2"}
    text = compiled.string % {
        name: numbered.get(name, str(value)) for name, value in compiled.params.items()
    }
    raw = connection.connection.driver_connection
    result = raw.pgconn.prepare(_BY_PAIR_NAME, text.encode())  # type: ignore[union-attr]
    if result.status != pq.ExecStatus.COMMAND_OK:
        raise errors.error_from_result(result, encoding=raw.info.encoding)  # type: ignore[union-attr]


_DEMO_BY_KK = (
    select(Household.id)
    .where(Household.kk_hash == bindparam("kk_hash"), Household.is_demo == true())
    .limit(1)
)


def is_demo_kk(session: Session, kk_number: str) -> bool:
    """Whether ``kk_number`` (normalised) is a demo household's that the register really holds.

    Only a number in the demo range is looked up: any other answers False without a query."""
    if len(kk_number) != 16 or not kk_number.startswith(DEMO_PREFIX) or not kk_number.isdigit():
        return False
    return session.scalar(_DEMO_BY_KK, {"kk_hash": number_hash("kk", kk_number)}) is not None


def new_household(
    kk_number: str,
    village_code: str,
    rt: str,
    rw: str,
    address: str,
    members: Iterable[tuple[str, str, date, str, str]],
    is_demo: bool = False,
) -> Household:
    """A household and its members, hashed, for the session to add.

    ``members`` are ``(name, sex, birth date, relationship code, NIK)`` in the card's order. The
    register import writes in bulk instead; this is for the few households made one at a time
    (demo mode, tests).
    """
    household = Household(
        kk_hash=number_hash("kk", kk_number),
        village_code=village_code,
        rt=rt,
        rw=rw,
        address=address,
        is_demo=is_demo,
        **region_parts(village_code),
    )
    for position, (name, sex, born, relationship, nik) in enumerate(members):
        household.members.append(
            Member(
                nik_hash=number_hash("nik", nik),
                name=name,
                sex=sex,
                birth_date=born,
                relationship_code=relationship,
                position=position,
            )
        )
    return household
