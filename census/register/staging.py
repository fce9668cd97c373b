"""Checking and hashing register rows on their way to the staging table, in this process or
spread over worker processes; the numbers leave here only as keyed hashes, names and birth dates
only sealed."""

from __future__ import annotations

import csv
import io
import struct
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from multiprocessing.pool import AsyncResult, Pool
from typing import Any, BinaryIO

from census.core.identity import keyed_hasher
from census.core.models import HEAD
from census.core.sealing import CardKey
from census.register.rows import Layout, check_row, records
from census.register.sql import COPY_COLUMNS, STAGING_COLUMNS

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


#: Rows up to which an import keeps a ``Seen`` (some 50 bytes a person and 300 a household,
#: in the importing process): a larger file runs every check across rows.
SEEN_ROWS = 500_000
#: Bytes of a NIK's keyed hash (HMAC-SHA256).
NIK_HASH_BYTES = 32

Place = tuple[str, str, str, str]
#: A run of consecutive accepted rows with the same KK and details: the KK's hash, the details
#: (village code, RT, RW, address) and how many of the rows name the head.
Run = tuple[bytes, Place, int]


@dataclass
class Seen:
    """What the rows the checks of one row accepted hold, so far as it tells whether a check
    across rows could reject any of them; a check that cannot is not run.

    Those rows are the ones the SQL checks look at (or more of them: a check may have rejected
    some before the next looks), so each question errs only towards running a check:

    - ``niks``: the first 8 bytes of each NIK's hash (``unsorted`` until asked), and ``count``
      how many were added; a NIK twice leaves the set smaller than the count (two NIKs that
      share 8 bytes only make the check run and find nothing);
    - ``villages``: the village codes, for one look in the region table;
    - ``households``: per KK (the first 8 bytes of its hash) its details and heads so far, and
      ``conflict`` once a KK's rows differ or name two heads; KKs that share 8 bytes count as
      one, which can only find a conflict that is not there.

    Kept for a block of rows in each worker (``copy_data`` notes its rows) and added up by the
    importing process; given up (``usable`` false, the sets let go) past ``SEEN_ROWS`` rows.
    """

    niks: set[int] = field(default_factory=set)
    count: int = 0
    #: NIK prefixes noted but not yet in ``niks`` (8 bytes each, native order): a worker's go
    #: to the importing process like this, and become a set only once asked.
    unsorted: list[bytes] = field(default_factory=list)
    villages: set[str] = field(default_factory=set)
    households: dict[int, tuple[Place, int]] = field(default_factory=dict)
    conflict: bool = False
    #: Whether some KK (the first 8 bytes of its hash) is in more than one run of rows.
    split: bool = False
    usable: bool = True

    @property
    def duplicate_nik(self) -> bool:
        """Whether some NIK may be on two rows (always, once given up)."""
        if not self.usable:
            return True
        for prefixes in self.unsorted:
            self.niks.update(memoryview(prefixes).cast("Q"))
        self.unsorted.clear()
        return len(self.niks) != self.count

    @property
    def household_conflict(self) -> bool:
        """Whether some KK's rows may differ or name two heads (always, once given up)."""
        return not self.usable or self.conflict

    def note(self, niks: list[bytes], runs: list[Run]) -> None:
        """Accepted rows: their NIKs' hashes, and their runs of one KK with the same details."""
        if not self.usable:
            return
        joined = b"".join(niks)
        self.count += len(niks)
        if self.count > SEEN_ROWS or len(joined) != NIK_HASH_BYTES * len(niks):
            self.give_up()
            return
        self.unsorted.append(memoryview(joined).cast("Q")[:: NIK_HASH_BYTES // 8].tobytes())
        households, villages = self.households, self.villages
        for kk, place, heads in runs:
            villages.add(place[0])
            key = int.from_bytes(kk[:8])
            before = households.get(key)
            if before is None:
                households[key] = (place, heads)
                self.conflict = self.conflict or heads > 1
            else:
                households[key] = (before[0], before[1] + heads)
                self.conflict = self.conflict or before[0] != place or before[1] + heads > 1
                self.split = True

    def note_rows(self, rows: Iterable[StagedRow]) -> None:
        """Note staged rows (as ``copy_data`` does for the rows it writes)."""
        niks: list[bytes] = []
        runs: list[Run] = []
        last_kk: bytes | None = None
        last_place: Place | None = None
        heads = 0
        for row in rows:
            if row[10] is not None:  # rejected
                continue
            kk, place = row[1], (row[6], row[7], row[8], row[9])
            if kk != last_kk or place != last_place:
                if last_kk is not None and last_place is not None:
                    runs.append((last_kk, last_place, heads))
                last_kk, last_place, heads = kk, place, 0
            heads += row[5] == HEAD
            niks.append(row[2])
        if last_kk is not None and last_place is not None:
            runs.append((last_kk, last_place, heads))
        self.note(niks, runs)

    def add(self, other: Seen) -> None:
        """Add what ``other`` (the next rows of the file) holds to this."""
        if not self.usable:
            return
        if not other.usable or self.count + other.count > SEEN_ROWS:
            self.give_up()
            return
        self.niks |= other.niks
        self.unsorted += other.unsorted
        self.count += other.count
        self.villages |= other.villages
        self.conflict = self.conflict or other.conflict
        self.split = self.split or other.split
        mine, theirs = self.households, other.households
        for key in mine.keys() & theirs.keys():  # a KK in both (one whose rows a block cut)
            (place, heads), (other_place, other_heads) = mine[key], theirs.pop(key)
            mine[key] = (place, heads + other_heads)
            self.conflict = self.conflict or place != other_place or heads + other_heads > 1
            self.split = True
        mine.update(theirs)

    def give_up(self) -> None:
        """Answer "maybe" to every question from now on, and let the sets go."""
        self.usable = False
        self.niks, self.unsorted, self.villages, self.households = set(), [], set(), {}


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


#: Bytes of the file each worker task reads: about 9,000 register rows.
BLOCK_BYTES = 1 << 20
#: Past this many blocks' bytes held, a block is cut at its last record even inside a household.
HOLD_BLOCKS = 4


def file_blocks(
    binary: BinaryIO, separator: str, after_line: int, kk_column: int | None = None
) -> Iterator[tuple[bytes, int]]:
    """Cut the rest of ``binary`` into blocks of whole records, each with the number of the line
    before its first record (records are numbered as ``read_records`` numbers them). With
    ``kk_column`` (where the KK is in a record), a block of plain lines ends before the run of
    lines with its last line's KK, which starts the next block: a household's rows, usually
    consecutive, stay in one block (up to ``HOLD_BLOCKS`` blocks' bytes held)."""
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
        if cut and kk_column is not None and len(data) < HOLD_BLOCKS * BLOCK_BYTES:
            before = _before_last_kk(data, cut, separator.encode(), kk_column)
            if before != cut:  # (0: all one KK so far; read on)
                cut, count = before, data.count(b"\n", 0, before)
        if cut:
            yield data[:cut], line
        carry, line = data[cut:], line + count


def _before_last_kk(data: bytes, cut: int, separator: bytes, kk_column: int) -> int:
    """Where the run of lines with the KK of ``data[:cut]``'s last line starts, when those are
    plain lines (no quote, each ending in a newline): 0 when they all have that KK; ``cut``
    otherwise. KKs are compared as written: one written two ways only ends a block early."""
    if data[cut - 1 : cut] != b"\n" or data.find(b'"', 0, cut) >= 0:
        return cut
    if data.count(b"\r", 0, cut) != data.count(b"\r\n", 0, cut):
        return cut

    def kk_of(start: int, end: int) -> bytes | None:
        fields = data[start:end].rstrip(b"\r").split(separator)
        return fields[kk_column] if kk_column < len(fields) else None

    end = cut - 1
    start = data.rfind(b"\n", 0, end) + 1
    kk = kk_of(start, end)
    if not kk:
        return cut
    while start > 0:
        previous = data.rfind(b"\n", 0, start - 1) + 1
        if kk_of(previous, start - 1) != kk:
            return start
        start = previous
    return 0


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
