"""Checking and hashing register rows on their way to the staging table, in this process or
spread over worker processes; the numbers leave here only as keyed hashes, names and birth dates
only sealed."""

from __future__ import annotations

import csv
import io
import struct
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from multiprocessing.pool import AsyncResult, Pool
from typing import Any, BinaryIO

from census.core.identity import keyed_hasher
from census.core.sealing import CardKey
from census.register.rows import Layout, check_row, records
from census.register.sql import STAGING_COLUMNS

PROGRESS_EVERY = 2048  # rows between progress updates

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
_ROW_HEAD = struct.Struct("!hii").pack  # 11 fields, then the line number's length and value
_LENGTH = struct.Struct("!i").pack


def copy_data(rows: Iterable[StagedRow]) -> bytes:
    """``rows`` in the binary ``COPY`` format of the staging table (``STAGING_TYPES``).

    Done here rather than by the driver so that worker processes, which have no connection,
    can send the database's bytes as they are: one string to pass on, not rows to pickle. A
    household's rows are usually consecutive, so its KK and its address are encoded once.
    """
    out = bytearray()
    last_kk, kk_part, last_place, place_part = None, b"", None, b""
    people: dict[tuple[str, str], bytes] = {}
    width = len(STAGING_COLUMNS)
    for line, kk, nik, sealed, sex, relationship, village, rt, rw, address, reason in rows:
        if reason is not None:  # a rejected row: its line and reason, nothing else
            encoded = reason.encode("utf-8", "surrogateescape")
            out += _ROW_HEAD(width, 4, line) + _NULL * (width - 2) + _LENGTH(len(encoded)) + encoded
            continue
        if kk is not last_kk:
            last_kk, kk_part = kk, _LENGTH(len(kk)) + kk
        place = (village, rt, rw, address)
        if place != last_place:
            last_place, place_part = place, _fields(place) + _NULL
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
    return bytes(out)


def _fields(values: Iterable[str]) -> bytes:
    parts = []
    for value in values:
        encoded = value.encode("utf-8", "surrogateescape")
        parts += (_LENGTH(len(encoded)), encoded)
    return b"".join(parts)


#: Bytes of the file each worker task reads: about 9,000 register rows.
BLOCK_BYTES = 1 << 20


def file_blocks(binary: BinaryIO, separator: str, after_line: int) -> Iterator[tuple[bytes, int]]:
    """Cut the rest of ``binary`` into blocks of whole records, each with the number of the line
    before its first record (records are numbered as ``read_records`` numbers them)."""
    carry, line = b"", after_line
    while True:
        # A record longer than a block is kept whole, as the text reader keeps a long line:
        # reading as much again as is held makes that linear in its length.
        data = binary.read(max(BLOCK_BYTES, len(carry)))
        if not data:
            if carry:
                yield carry, line
            return
        data = carry + data
        cut, count = _whole_records(data, separator)
        if cut:
            yield data[:cut], line
        carry, line = data[cut:], line + count


def _whole_records(data: bytes, separator: str) -> tuple[int, int]:
    """The bytes and the number of records of the longest start of ``data`` that ends where a
    record ends: at a newline, unless a quoted field holds it or a lone carriage return ends
    lines. Without quotes every line is a record, found by a few scans in C."""
    # After the last newline, or the last carriage return with a byte after it that is not a
    # newline (one at the very end may be the first half of a CRLF).
    end = max(data.rfind(b"\n"), data.rfind(b"\r", 0, len(data) - 1)) + 1
    if not end:
        return 0, 0
    lines = data.count(b"\n", 0, end)
    # (The separator matters below: a quote opens a quoted field only at a field's start.)
    if data.find(b'"', 0, end) < 0 and data.count(b"\r", 0, end) == data.count(b"\r\n", 0, end):
        return end, lines
    # Let the CSV reader say where its records end, as it will in the worker. A complete record
    # comes back before the reader asks for another line, so one that needed a line after the
    # last was cut short: the block ends at the record before it.
    consumed, asked_past_end = [0], [False]

    def physical_lines() -> Iterator[str]:
        for raw in data[:end].splitlines(keepends=True):
            consumed[0] += len(raw)
            yield raw.decode("utf-8", "surrogateescape")
        asked_past_end[0] = True

    cut = count = 0
    try:
        for _ in csv.reader(physical_lines(), delimiter=separator):
            if asked_past_end[0]:
                break
            cut, count = consumed[0], count + 1
    except csv.Error:  # the worker meets the same error and reports it with its line
        return end, 0
    return cut, count


Staged = bytes | list[StagedRow]


def _stage_block(
    args: tuple[bytes, int, Layout, bytes, CardKey, date, bool],
) -> tuple[Staged, Counts]:
    """Worker side of ``staged_blocks``: one block's rows, as ``COPY`` data or a list."""
    block, after_line, layout, key, card, today, as_copy = args
    text = io.StringIO(block.decode("utf-8", "surrogateescape"), newline="")
    counts = Counts()
    found = records(text, layout, after_line, ascii_only=block.isascii())
    rows = staged_rows(found, key, card, today, counts=counts)
    return (copy_data(rows) if as_copy else list(rows)), counts


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
) -> Iterator[Staged]:
    """The rest of ``binary`` (after the header) read, checked and hashed by ``pool``'s processes.

    This process only cuts the file into blocks of whole records and passes each on: the
    workers parse the CSV, check, hash and seal, and (``as_copy``) write the staging rows in
    ``COPY``'s binary format, so that what comes back is one string of bytes a block. Results
    come in file order, so the first unreadable line in the file is the one reported, and at
    most two blocks per worker are in flight (unlike ``Pool.imap``, which would read the whole
    file ahead).
    """
    pending: deque[AsyncResult[tuple[Staged, Counts]]] = deque()
    limit = 2 * pool._processes  # type: ignore[attr-defined]

    def done() -> Staged:
        staged, block_counts = pending.popleft().get()
        counts.add(block_counts)
        if tick is not None:  # the bytes read so far, once a block's rows are back
            tick()
        return staged

    for block, after_line in file_blocks(binary, layout.separator, 1):
        task = (block, after_line, layout, key, card, today, as_copy)
        pending.append(pool.apply_async(_stage_block, (task,)))
        if len(pending) >= limit:
            yield done()
    while pending:
        yield done()
    if tick is not None:
        tick()
