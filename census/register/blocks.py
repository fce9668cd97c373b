"""Cutting a register file into blocks of whole records for the worker processes
(``census.register.staging.staged_blocks``), each with the number of its first row."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import BinaryIO

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
