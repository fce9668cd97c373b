"""Importing the household register: stream, stage, check as sets, upsert, in one transaction.

A national register has hundreds of millions of rows, so nothing here holds the file, or a map of
its numbers, in Python. Rows are read and checked one at a time (``census.register.rows``), their
NIK and KK hashed, and streamed into a temporary staging table: with ``COPY`` on PostgreSQL and
batched ``executemany`` on SQLite. Checks that need other rows or the register (the same NIK
twice, unknown villages, a NIK in another household, a KK whose rows disagree, two heads) are then
single SQL statements over the staging table (``census.register.sql``), and so is the upsert.
Everything runs in one transaction: a failure anywhere leaves the register as it was.

Re-running a file changes nothing: upserts only touch rows whose values differ, and never the
counting status, which belongs to the household, not to the register file.
"""

from __future__ import annotations

import io
import logging
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from datetime import date
from multiprocessing.pool import Pool
from pathlib import Path

from psycopg.types.string import BytesBinaryDumper
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import OperationalError

from census.core.sealing import CardKey, keyring
from census.register import sql
from census.register.rows import read_records
from census.register.sql import STAGING, STAGING_COLUMNS
from census.register.staging import StagedRow, parallel_staged_rows, staged_rows

log = logging.getLogger(__name__)

SQLITE_BATCH = 5000
#: Files smaller than this are checked in this process: starting workers would cost more.
PARALLEL_FROM_BYTES = 4 * 1024 * 1024


class RegisterDatabaseError(Exception):
    """The database cannot be reached or is not ready (no schema, no regions)."""


@dataclass
class ImportResult:
    """What an import did, in counts only (safe to log)."""

    rows: int = 0
    rejected: int = 0
    households_added: int = 0
    households_updated: int = 0
    members_added: int = 0
    members_updated: int = 0

    @property
    def accepted(self) -> int:
        """Rows that are now in the register (added, updated or already there)."""
        return self.rows - self.rejected


def _copy_postgresql(connection: Connection, rows: Iterator[StagedRow]) -> None:
    raw = connection.connection.driver_connection
    columns = ", ".join(STAGING_COLUMNS)
    statement = f"COPY {STAGING} ({columns}) FROM STDIN (FORMAT BINARY)"
    with raw.cursor() as cursor:
        # ``bytea`` by its oid would take psycopg's DB-API dumper, which checks each value for a
        # ``Binary`` wrapper in Python; the plain bytes dumper (this cursor only) is C.
        cursor.adapters.register_dumper(bytes, BytesBinaryDumper)
        with cursor.copy(statement) as copy:
            # Binary: the hashes and sealed cards go as bytes, not as hex text to be parsed again.
            copy.set_types(sql.STAGING_TYPES)
            for row in rows:
                copy.write_row(row)


def _insert_sqlite(connection: Connection, rows: Iterator[StagedRow]) -> None:
    raw = connection.connection.driver_connection
    insert = f"INSERT INTO {STAGING} VALUES ({', '.join('?' * len(STAGING_COLUMNS))})"
    batch: list[StagedRow] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= SQLITE_BATCH:
            raw.executemany(insert, batch)
            batch.clear()
    if batch:
        raw.executemany(insert, batch)


#: How long the first load waits to take the register for itself before going the usual way.
FIRST_LOAD_LOCK_WAIT = "2s"


#: What a first load builds once, at the end, rather than row by row: on ``household`` and
#: ``member``, every foreign key, every primary or unique key no foreign key depends on (the
#: member's primary key; the household's stays, members refer to it), and every index that
#: belongs to no constraint.
_BUILT_AT_THE_END = """
SELECT 1, c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid)
FROM pg_constraint c
WHERE c.conrelid IN ('household'::regclass, 'member'::regclass)
  AND (c.contype = 'f' OR (c.contype IN ('p', 'u') AND NOT EXISTS (
      SELECT 1 FROM pg_constraint k WHERE k.contype = 'f' AND k.conindid = c.conindid)))
UNION ALL
SELECT 0, i.indrelid::regclass::text, i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
FROM pg_index i
WHERE i.indrelid IN ('household'::regclass, 'member'::regclass)
  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
ORDER BY 1, 2, 3
"""


@contextmanager
def _keys_and_indexes_built_at_the_end(connection: Connection) -> Iterator[None]:
    """Build the register's indexes and check its keys once, after the inserts.

    For the first load of an empty register on PostgreSQL. Row by row, each inserted household
    and person costs an entry in every index of its table and a query (with a row lock) for each
    foreign key. Dropped here and made again with the same definitions once the rows are in,
    PostgreSQL sorts each index in one pass (on several cores where it can) and validates each
    key in one join, and still refuses the whole import if any row were wrong. Both run in the
    import's transaction, so no one ever sees the tables without them. In exchange ``household``
    and ``member`` stay locked until the import commits, which an empty register can afford: the
    site's requests give up waiting after ``DATABASE_LOCK_TIMEOUT`` with the "try again" page.
    When the tables cannot be taken within ``FIRST_LOAD_LOCK_WAIT`` (someone is reading them),
    everything stays in place and works row by row as usual.
    """
    built = connection.exec_driver_sql(_BUILT_AT_THE_END).all()
    savepoint = connection.begin_nested()
    try:
        connection.exec_driver_sql(f"SET LOCAL lock_timeout = '{FIRST_LOAD_LOCK_WAIT}'")
        connection.exec_driver_sql("LOCK TABLE household, member IN ACCESS EXCLUSIVE MODE")
        for constraint, table, name, _definition in reversed(built):
            if constraint:
                connection.exec_driver_sql(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
            else:
                connection.exec_driver_sql(f"DROP INDEX {name}")
        connection.exec_driver_sql("SET LOCAL lock_timeout = 0")
    except OperationalError:
        savepoint.rollback()
        log.info("register import: the register is in use; keys and indexes kept row by row")
        yield
        return
    savepoint.commit()
    yield
    connection.exec_driver_sql("SET LOCAL maintenance_work_mem = '256MB'")
    for constraint, table, name, definition in built:
        if constraint:
            connection.exec_driver_sql(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        else:
            connection.exec_driver_sql(definition)


def _scalar(connection: Connection, sql: str) -> int:
    return int(connection.execute(text(sql)).scalar_one())


def import_register(
    path: str | Path,
    engine: Engine,
    key: bytes,
    today: date,
    *,
    progress: Callable[[int], None] | None = None,
    on_reject: Callable[[int, str], None] | None = None,
    after_upsert: Callable[[Connection], None] | None = None,
    workers: int | None = None,
    card: CardKey | None = None,
) -> ImportResult:
    """Import a register CSV; call ``on_reject(line, reason)`` for each rejected row, in order.

    ``progress`` receives the number of bytes read since its last call. ``after_upsert`` runs
    inside the transaction before it commits (the demo data sets counting statuses there).
    Raises ``OSError`` (unreadable file), ``RegisterFileError`` (header, encoding, quoting) or
    ``RegisterDatabaseError``; anything raised leaves the register untouched. ``workers`` is the
    number of processes that check rows (default for files over 4 MB on three cores or more:
    one per core but one, at most four; 0: check in this process). ``card`` seals names and birth
    dates (default: the application's current data key).
    """
    card = card or keyring().card_key()
    if workers is None:
        big = os.path.getsize(path) >= PARALLEL_FROM_BYTES
        cores = os.cpu_count() or 1
        # On two cores the database needs one; a worker would only add pickling.
        workers = min(4, cores - 1) if big and cores >= 3 else 0
    # Worker processes are forked before any database connection is open, so none inherits one.
    with open(path, "rb") as binary, Pool(workers) if workers else nullcontext() as pool:
        text_stream = io.TextIOWrapper(
            binary, encoding="utf-8-sig", errors="surrogateescape", newline=""
        )
        records = read_records(text_stream)  # the header is checked before the database
        position = [0]

        def tick() -> None:
            now = binary.raw.tell()
            if progress is not None:
                progress(now - position[0])
            position[0] = now

        try:
            connection = engine.connect()
        except OperationalError as exc:
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
            raise RegisterDatabaseError(f"cannot reach the database: {reason}") from None
        if pool is None:
            rows = staged_rows(records, key, card, today, tick)
        else:
            rows = parallel_staged_rows(records, key, card, today, pool, tick)
        with connection, connection.begin():
            result = _run(connection, rows, on_reject)
            if after_upsert is not None:
                after_upsert(connection)
    log.info(
        "register import: %d rows, %d rejected, households +%d ~%d, members +%d ~%d",
        result.rows,
        result.rejected,
        result.households_added,
        result.households_updated,
        result.members_added,
        result.members_updated,
    )
    return result


def _run(
    connection: Connection,
    rows: Iterator[StagedRow],
    on_reject: Callable[[int, str], None] | None,
) -> ImportResult:
    dialect = connection.dialect.name
    if not _scalar(connection, "SELECT COUNT(*) FROM (SELECT 1 FROM region LIMIT 1) AS r"):
        raise RegisterDatabaseError(
            "no region codes are loaded; run 'flask census load-regions' first"
        )
    if dialect == "postgresql":  # sorts and hashes of a big file in memory, for this import only
        connection.exec_driver_sql("SET LOCAL work_mem = '64MB'")
        # The site's lock timeout is for requests; an import waits for its locks as long as needed.
        connection.exec_driver_sql("SET LOCAL lock_timeout = 0")
    connection.exec_driver_sql(f"DROP TABLE IF EXISTS {STAGING}")
    connection.exec_driver_sql(sql.staging_table(dialect))
    if dialect == "postgresql":
        _copy_postgresql(connection, rows)
    else:
        _insert_sqlite(connection, rows)
    if dialect == "sqlite":  # PostgreSQL hash-joins; SQLite needs indexes to avoid nested loops
        connection.exec_driver_sql(f"CREATE INDEX ix_{STAGING}_nik ON {STAGING} (nik_hash)")
        connection.exec_driver_sql(f"CREATE INDEX ix_{STAGING}_kk ON {STAGING} (kk_hash, line)")
    # Without statistics PostgreSQL plans nested loops over the staging table: minutes, not ms.
    # Only the columns the checks join, group or filter on: names and addresses need no statistics.
    columns = " (line, kk_hash, nik_hash, relationship, village_code, reason)"
    if dialect == "postgresql":  # a small sample is enough to choose hash joins: 3,000 rows
        connection.exec_driver_sql("SET LOCAL default_statistics_target = 10")
    connection.exec_driver_sql(f"ANALYZE {STAGING}{columns if dialect == 'postgresql' else ''}")
    if dialect == "postgresql":
        connection.exec_driver_sql("RESET default_statistics_target")
    register_empty = not _scalar(
        connection, "SELECT COUNT(*) FROM (SELECT 1 FROM member LIMIT 1) AS m"
    )
    for name, statement in sql.CHECKS:
        if register_empty and name in sql.REGISTER_CHECKS:
            continue  # nothing in the register to conflict with
        connection.exec_driver_sql(statement)

    result = ImportResult()
    first_load = (
        dialect == "postgresql"
        and register_empty
        and not _scalar(connection, "SELECT COUNT(*) FROM (SELECT 1 FROM household LIMIT 1) AS h")
    )
    with _keys_and_indexes_built_at_the_end(connection) if first_load else nullcontext():
        result.households_updated = connection.exec_driver_sql(sql.UPDATE_HOUSEHOLDS).rowcount
        result.households_added = connection.exec_driver_sql(sql.INSERT_HOUSEHOLDS).rowcount
        result.members_updated = connection.exec_driver_sql(sql.UPDATE_MEMBERS).rowcount
        result.members_added = connection.exec_driver_sql(sql.INSERT_MEMBERS).rowcount

    counts = connection.exec_driver_sql(f"SELECT COUNT(*), COUNT(reason) FROM {STAGING}").one()
    result.rows, result.rejected = int(counts[0]), int(counts[1])
    if on_reject is not None and result.rejected:
        rejects = connection.exec_driver_sql(
            f"SELECT line, reason FROM {STAGING} WHERE reason IS NOT NULL ORDER BY line",
            execution_options={"stream_results": True},
        )
        for line, reason in rejects:
            on_reject(line, reason)
    if dialect != "postgresql":
        connection.exec_driver_sql(f"DROP TABLE {STAGING}")
    return result
