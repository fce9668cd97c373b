"""Checking and hashing register rows on their way to the staging table, in this process or
spread over worker processes (on blocks of the file, ``census.register.blocks``), and filling the
table with them (``COPY`` on PostgreSQL, ``executemany`` on SQLite); the numbers leave here only
as keyed hashes, names and birth dates only sealed."""

from __future__ import annotations

import io
import struct
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from itertools import chain
from multiprocessing.pool import AsyncResult, Pool
from typing import Any, BinaryIO

from sqlalchemy import Connection

from census.core.identity import keyed_hasher
from census.core.models import HEAD
from census.core.sealing import CardKey
from census.register.blocks import file_blocks
from census.register.rows import Layout, check_row, records
from census.register.seen import Place, Run, Seen
from census.register.sql import COPY_COLUMNS, STAGING, STAGING_COLUMNS

PROGRESS_EVERY = 2048  # rows between progress updates
SQLITE_BATCH = 5000  # staging rows per executemany on SQLite

StagedRow = tuple[Any, ...]


@dataclass
class Counts:
    """Rows staged, and how many of them were rejected by the checks one row can fail alone."""

    rows: int = 0
    rejected: int = 0

    def add(self, other: Counts) -> None:
        """Add ``other``'s counts to these."""
        self.rows += other.rows
        self.rejected += other.rejected


def staged_rows(
    records: Iterator[tuple[int, list[str]]],
    key: bytes,
    card: CardKey,
    today: date,
    tick: Callable[[], None] | None = None,
    counts: Counts | None = None,
) -> Iterator[StagedRow]:
    """Check and hash each record: a staging row, with a reason when the row is rejected.

    The numbers leave this function only as keyed hashes, the name and birth date only sealed
    with ``card`` (bound to the NIK's hash). ``counts`` is added to once the records run out.
    """
    blank = (None,) * 8
    kk_hash, nik_hash = keyed_hasher("kk", key), keyed_hasher("nik", key)
    seal = card.sealer()
    last_kk, last_kk_hash = "", b""  # a household's rows are usually consecutive: one hash
    count = rejected = 0
    for count, (line, fields) in enumerate(records, 1):
        if tick is not None and count % PROGRESS_EVERY == 0:
            tick()
        try:
            p = check_row(fields, today)
        except ValueError as exc:
            rejected += 1
            yield (line, *blank, None, str(exc))
            continue
        person = nik_hash(p.nik)
        if p.kk != last_kk:
            last_kk, last_kk_hash = p.kk, kk_hash(p.kk)
        yield (
            line,
            last_kk_hash,
            person,
            seal(p.name, p.birth_date, person),
            p.sex,
            p.relationship,
            p.village_code,
            p.rt,
            p.rw,
            p.address,
            None,
        )
    if tick is not None:
        tick()
    if counts is not None:
        counts.rows += count
        counts.rejected += rejected


#: Rows of the staging table in PostgreSQL's binary ``COPY`` format: a file's data is the
#: signature, then the rows, then the trailer.
COPY_SIGNATURE = b"PGCOPY\n\xff\r\n\0" + bytes(8)
COPY_TRAILER = b"\xff\xff"
_NULL = b"\xff\xff\xff\xff"
_ROW_HEAD = struct.Struct("!hii").pack  # the fields, then the line number's length and value
_LENGTH = struct.Struct("!i").pack
_POSITION = struct.Struct("!ii").pack  # a field's length (4) and an int4


def copy_data(rows: Iterable[StagedRow], seen: Seen | None = None) -> bytes:
    """``rows`` in the binary ``COPY`` format of the staging table (``COPY_TYPES``: the rows'
    columns and each accepted row's position in its run), noted in ``seen`` when there is one.

    Done here rather than by the driver so that worker processes, which have no connection,
    can send the database's bytes as they are: one string to pass on, not rows to pickle. A
    household's rows are usually consecutive, so its KK and its address are encoded once (and
    noted once, as a run, for ``seen``).
    """
    out = bytearray()
    last_kk: bytes | None = None
    last_place: Place | None = None
    kk_part, place_part = b"", b""
    people: dict[tuple[str, str], bytes] = {}
    width = len(COPY_COLUMNS)
    blank = _NULL * (len(STAGING_COLUMNS) - 2)
    niks: list[bytes] = []
    runs: list[Run] = []
    heads = position = 0  # in the current run
    for line, kk, nik, sealed, sex, relationship, village, rt, rw, address, reason in rows:
        if reason is not None:  # a rejected row: its line and reason, nothing else
            encoded = reason.encode("utf-8", "surrogateescape")
            out += _ROW_HEAD(width, 4, line) + blank + _LENGTH(len(encoded)) + encoded + _NULL
            continue
        place = (village, rt, rw, address)
        if kk is not last_kk or place != last_place:
            if last_kk is not None and last_place is not None:
                runs.append((last_kk, last_place, heads))
            heads = position = 0
            if kk is not last_kk:
                last_kk, kk_part = kk, _LENGTH(len(kk)) + kk
            if place != last_place:
                last_place, place_part = place, _fields(place) + _NULL
        heads += relationship == HEAD
        niks.append(nik)
        person = people.get((sex, relationship))
        if person is None:
            person = people[sex, relationship] = _fields((sex, relationship))
        out += _ROW_HEAD(width, 4, line)
        out += kk_part
        out += _LENGTH(len(nik))
        out += nik
        out += _LENGTH(len(sealed))
        out += sealed
        out += person
        out += place_part
        out += _POSITION(4, position)
        position += 1
    if seen is not None:
        if last_kk is not None and last_place is not None:
            runs.append((last_kk, last_place, heads))
        seen.note(niks, runs)
    return bytes(out)


def _fields(values: Iterable[str]) -> bytes:
    parts = []
    for value in values:
        encoded = value.encode("utf-8", "surrogateescape")
        parts += (_LENGTH(len(encoded)), encoded)
    return b"".join(parts)


Staged = bytes | list[StagedRow]


def _stage_block(
    args: tuple[bytes, int, Layout, bytes, CardKey, date, bool, bool],
) -> tuple[Staged, Counts, Seen | None]:
    """Worker side of ``staged_blocks``: one block's rows, as ``COPY`` data or a list, with
    their counts and (``keep_seen``) what they hold."""
    block, after_line, layout, key, card, today, as_copy, keep_seen = args
    text = io.StringIO(block.decode("utf-8", "surrogateescape"), newline="")
    counts = Counts()
    seen = Seen() if keep_seen else None
    found = records(text, layout, after_line, ascii_only=block.isascii())
    rows = staged_rows(found, key, card, today, counts=counts)
    if as_copy:
        return copy_data(rows, seen), counts, seen
    listed = list(rows)
    if seen is not None:
        seen.note_rows(listed)
    return listed, counts, seen


def staged_blocks(
    binary: BinaryIO,
    layout: Layout,
    key: bytes,
    card: CardKey,
    today: date,
    pool: Pool,
    *,
    as_copy: bool,
    tick: Callable[[], None] | None = None,
    counts: Counts,
    seen: Seen | None = None,
) -> Iterator[Staged]:
    """The rest of ``binary`` (after the header) read, checked and hashed by ``pool``'s processes.

    This process only cuts the file into blocks of whole records and passes each on: the
    workers parse the CSV, check, hash and seal, and (``as_copy``) write the staging rows in
    ``COPY``'s binary format, so that what comes back is one string of bytes a block. Results
    come in file order, so the first unreadable line in the file is the one reported, and at
    most two blocks per worker are in flight (unlike ``Pool.imap``, which would read the whole
    file ahead). ``counts`` and ``seen`` are added to as the blocks come back.
    """
    pending: deque[AsyncResult[tuple[Staged, Counts, Seen | None]]] = deque()
    limit = 2 * pool._processes  # type: ignore[attr-defined]

    def done() -> Staged:
        staged, block_counts, block_seen = pending.popleft().get()
        counts.add(block_counts)
        if seen is not None and block_seen is not None:
            seen.add(block_seen)
        if tick is not None:  # the bytes read so far, once a block's rows are back
            tick()
        return staged

    for block, after_line in file_blocks(binary, layout.separator, 1, layout.order[0]):
        keep_seen = seen is not None and seen.usable
        task = (block, after_line, layout, key, card, today, as_copy, keep_seen)
        pending.append(pool.apply_async(_stage_block, (task,)))
        if len(pending) >= limit:
            yield done()
    while pending:
        yield done()
    if tick is not None:
        tick()


def copy_postgresql(connection: Connection, chunks: Iterator[Staged]) -> None:
    """Fill the staging table from ``chunks``: its rows in ``COPY``'s binary format
    (``census.register.staging.copy_data``), as sent, with the signature and the trailer."""
    raw = connection.connection.driver_connection
    columns = ", ".join(COPY_COLUMNS)
    statement = f"COPY {STAGING} ({columns}) FROM STDIN (FORMAT BINARY)"
    # The text in the rows is UTF-8 (``copy_data``), whatever the connection's own encoding:
    # the server converts COPY's text from the client encoding, so that is UTF-8 too, until
    # the import commits.
    connection.exec_driver_sql("SET LOCAL client_encoding = 'UTF8'")
    # Binary: the hashes and sealed cards go as bytes, not as hex text to be parsed again.
    with raw.cursor() as cursor, cursor.copy(statement) as copy:
        copy.write(COPY_SIGNATURE)
        for chunk in chunks:
            copy.write(chunk)  # type: ignore[arg-type]
        copy.write(COPY_TRAILER)


def insert_sqlite(connection: Connection, chunks: Iterator[Staged]) -> None:
    """Fill the staging table from ``chunks`` of rows, in batches of ``SQLITE_BATCH``."""
    raw = connection.connection.driver_connection
    columns = ", ".join(STAGING_COLUMNS)
    insert = f"INSERT INTO {STAGING} ({columns}) VALUES ({', '.join('?' * len(STAGING_COLUMNS))})"
    batch: list[StagedRow] = []
    for row in chain.from_iterable(chunks):  # type: ignore[arg-type]
        batch.append(row)
        if len(batch) >= SQLITE_BATCH:
            raw.executemany(insert, batch)
            batch.clear()
    if batch:
        raw.executemany(insert, batch)
