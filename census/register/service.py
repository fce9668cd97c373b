"""Importing the household register: stream, stage, check as sets, upsert, in one transaction.

A national register has hundreds of millions of rows, so nothing here holds the file in Python,
nor a map of its numbers past ``SEEN_ROWS`` rows. Rows are read and checked one at a time
(``census.register.rows``), their NIK and KK hashed, and streamed into a temporary staging table:
with ``COPY`` on PostgreSQL and batched ``executemany`` on SQLite. Checks that need other rows or
the register (the same NIK twice, unknown villages, a NIK in another household, a KK whose rows
disagree, two heads) are then single SQL statements over the staging table
(``census.register.sql``), and so is the upsert; those that what was kept of the rows shows
cannot reject any (``census.register.seen``) are not run.
Everything runs in one transaction: a failure anywhere leaves the register as it was.

Re-running a file changes nothing: upserts only touch rows whose values differ, and never the
counting status, which belongs to the household, not to the register file.
"""

from __future__ import annotations

import io
import logging
import os
from collections.abc import Callable, Iterator
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import date
from functools import partial
from itertools import islice
from multiprocessing.pool import Pool
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import OperationalError

from census.core.sealing import CardKey, keyring
from census.register import sql
from census.register.first_load import keys_and_indexes_built_at_the_end
from census.register.rows import Layout, read_header, read_records
from census.register.seen import ACROSS_ROWS, Seen, needless_checks
from census.register.sql import STAGING
from census.register.staging import (
    SQLITE_BATCH,
    Counts,
    Staged,
    StagedRow,
    copy_data,
    copy_postgresql,
    insert_sqlite,
    staged_blocks,
    staged_rows,
)

log = logging.getLogger(__name__)

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


#: Staging rows per ``COPY`` write when this process checks the rows itself.
COPY_ROWS = 2000


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
    number of processes that check rows (default: ``default_workers``; 0: check in this
    process). ``card`` seals names and birth
    dates (default: the application's current data key).
    """
    card = card or keyring().card_key()
    postgresql = engine.dialect.name == "postgresql"
    if workers is None:
        workers = default_workers(os.path.getsize(path), postgresql)
    # Worker processes are forked before any database connection is open, so none inherits one.
    with open(path, "rb") as binary, Pool(workers) if workers else nullcontext() as pool:
        position = [0]

        def tick() -> None:
            now = binary.raw.tell()
            if progress is not None:
                progress(now - position[0])
            position[0] = now

        counts = Counts()  # what the checks of one row alone found, as the rows are staged
        seen = Seen()  # what the rows they accepted hold, for the checks across rows
        layout = _header_of(binary) if pool is not None else None
        chunks: Iterator[Staged]  # COPY data for PostgreSQL, lists of rows for SQLite
        if layout is not None:
            chunks = staged_blocks(
                binary,
                layout,
                key,
                card,
                today,
                pool,
                as_copy=postgresql,
                tick=tick,
                counts=counts,
                seen=seen,
            )
        else:  # the header is checked before the database, in either case
            binary.seek(0)
            text_stream = io.TextIOWrapper(
                binary, encoding="utf-8-sig", errors="surrogateescape", newline=""
            )
            rows = staged_rows(read_records(text_stream), key, card, today, tick, counts)
            if postgresql:
                chunks = (copy_data(batch, seen) for batch in _batched(rows, COPY_ROWS))
            else:
                chunks = iter([_noted(rows, seen)])
        try:
            connection = engine.connect()
        except OperationalError as exc:
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
            raise RegisterDatabaseError(f"cannot reach the database: {reason}") from None
        fill = partial(copy_postgresql if postgresql else insert_sqlite, chunks=chunks)
        with connection, connection.begin():
            result = _run(connection, fill, counts, seen, on_reject)
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


def default_workers(size: int, postgresql: bool) -> int:
    """How many processes should check a file of ``size`` bytes (0: this process alone).

    On PostgreSQL this process only passes blocks of the file to the workers and their bytes to
    ``COPY``, so every core can check rows: on two cores, two workers use the one the database
    leaves idle while it takes the rows. On SQLite this process inserts the rows, which come
    back pickled: a worker pays for itself only from three cores, one left for the inserts.
    """
    cores = os.cpu_count() or 1
    if size < PARALLEL_FROM_BYTES:
        return 0
    if postgresql:
        return min(4, cores) if cores >= 2 else 0
    return min(4, cores - 1) if cores >= 3 else 0


def _header_of(binary: BinaryIO) -> Layout | None:
    """The layout from the file's first line, read as bytes so that the blocks start after it;
    None if the lines end with a lone carriage return, which only the text reader splits on."""
    line = binary.readline().decode("utf-8-sig", "surrogateescape")
    body = line.removesuffix("\n").removesuffix("\r") if line.endswith("\n") else line
    if "\r" in body:
        return None
    return read_header(line)


def _noted(rows: Iterator[StagedRow], seen: Seen) -> Iterator[StagedRow]:
    """``rows``, noted in ``seen`` a batch at a time as they pass."""
    for batch in _batched(rows, SQLITE_BATCH):
        seen.note_rows(batch)
        yield from batch


def _batched(rows: Iterator[StagedRow], size: int) -> Iterator[list[StagedRow]]:
    while batch := list(islice(rows, size)):
        yield batch


def _run(
    connection: Connection,
    fill: Callable[[Connection], None],
    counts: Counts,
    seen: Seen,
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
    fill(connection)
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
    result = ImportResult(rows=counts.rows, rejected=counts.rejected)
    needless = needless_checks(connection, seen)
    conflict: bool | None = None
    for name, statement in sql.CHECKS:
        if register_empty and name in sql.REGISTER_CHECKS:
            continue  # nothing in the register to conflict with
        if name in needless:
            continue  # the rows staged show it would reject none
        if name in sql.HOUSEHOLD_CHECKS:
            if conflict is None:
                conflict = bool(_scalar(connection, sql.HOUSEHOLD_CONFLICT))
            if not conflict:
                continue  # every household's rows agree and name at most one head
        # Each check sets a reason only on rows that had none (the first, on rows with a NIK).
        result.rejected += connection.exec_driver_sql(statement).rowcount

    first_load = (
        dialect == "postgresql"
        and register_empty
        and not _scalar(connection, "SELECT COUNT(*) FROM (SELECT 1 FROM household LIMIT 1) AS h")
    )
    with keys_and_indexes_built_at_the_end(connection) if first_load else nullcontext() as alone:
        if alone and seen.usable and not seen.split and needless >= ACROSS_ROWS:
            # Every KK one run of rows, none rejected across rows, nobody else adding.
            result.households_added = connection.exec_driver_sql(sql.ONE_PASS_HOUSEHOLDS).rowcount
            result.members_added = connection.exec_driver_sql(sql.ONE_PASS_MEMBERS).rowcount
        else:
            result.households_updated = connection.exec_driver_sql(sql.UPDATE_HOUSEHOLDS).rowcount
            result.households_added = connection.exec_driver_sql(sql.INSERT_HOUSEHOLDS).rowcount
            result.members_updated = connection.exec_driver_sql(sql.UPDATE_MEMBERS).rowcount
            result.members_added = connection.exec_driver_sql(sql.INSERT_MEMBERS).rowcount

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
