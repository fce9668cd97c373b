"""The register import's parallel reading: blocks cut only where records end, and the staging
rows written in ``COPY``'s binary format exactly as the driver writes them."""

from __future__ import annotations

import io
import os

import psycopg
import pytest
from psycopg.types.string import BytesBinaryDumper

from census.register import blocks as register_blocks
from census.register import service, staging
from census.register.rows import COLUMNS, RegisterFileError, read_header, read_records, records
from census.register.sql import COPY_COLUMNS, COPY_TYPES, STAGING, staging_table

ROW = "3316011203150001,3316011204800002,{name},L,1980-04-12,Anak,33.16.01.2001,1,1,{address}"


def tricky_file(separator: str, newline: str = "\n") -> bytes:
    """Records a spreadsheet can write, and some it should not: quoted separators, quotes
    doubled and left alone, a field over three lines, blank lines, a lone carriage return, a
    short row, a name that is not ASCII and bytes that are not UTF-8."""
    rows = [
        ROW.format(name="Budi", address="Jl. Melati No. 7"),
        ROW.format(name='"Santoso, Budi"', address='"Jl. ""Mawar""; Gang 2"'),
        ROW.format(name='"Siti\nAminah\r\nDewi"', address="Jl. Melati"),
        "",
        ROW.format(name='O"Brien', address="Jl. 5'2\" No. 1"),
        ROW.format(name="René", address="Jl. Kenanga") + "\r" + ROW.format(name="A", address="B"),
        "3316011203150001,too,short",
        ROW.format(name='"quote ""inside', address='still the same field\nuntil here"'),
        ROW.format(name="Ren\udce9", address="Jl. Melati"),
        "",
        ROW.format(name="Last", address="No newline at the end"),
    ]
    text = newline.join([",".join(COLUMNS), *rows]).replace(",", separator)
    return b"\xef\xbb\xbf" + text.encode("utf-8", "surrogateescape")


Read = tuple[list[tuple[int, list[str]]], str | None]


def read_whole(data: bytes) -> Read:
    """Every record as the one-process import reads them, and the error that stopped it."""
    text = io.TextIOWrapper(
        io.BytesIO(data), encoding="utf-8-sig", errors="surrogateescape", newline=""
    )
    found: list[tuple[int, list[str]]] = []
    try:
        found.extend(read_records(text))
    except RegisterFileError as exc:
        return found, str(exc)
    return found, None


def read_in_blocks(data: bytes) -> Read:
    """The same, read as the worker processes read it: block by block."""
    binary = io.BytesIO(data)
    layout = read_header(binary.readline().decode("utf-8-sig", "surrogateescape"))
    found: list[tuple[int, list[str]]] = []
    try:
        for block, after_line in register_blocks.file_blocks(binary, layout.separator, 1):
            text = io.StringIO(block.decode("utf-8", "surrogateescape"), newline="")
            found.extend(records(text, layout, after_line, ascii_only=block.isascii()))
    except RegisterFileError as exc:
        return found, str(exc)
    return found, None


@pytest.mark.parametrize(("separator", "newline"), [(",", "\n"), (";", "\r\n"), ("\t", "\n")])
def test_blocks_of_every_size_read_as_the_whole_file_reads(
    separator: str, newline: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tricky_file(separator, newline)
    whole = read_whole(data)
    assert [line for line, _ in whole[0]] == [2, 3, 4, 6, 7, 8, 9, 10]  # records, not lines
    assert whole[1] == "line 11: the file is not UTF-8 text; save it as 'CSV UTF-8'"
    readable = data.replace(b"Ren\xe9", b"Rene")
    assert [line for line, _ in read_whole(readable)[0]] == [2, 3, 4, 6, 7, 8, 9, 10, 11, 13]
    for size in range(1, len(data) + 2):
        monkeypatch.setattr(register_blocks, "BLOCK_BYTES", size)
        assert read_in_blocks(data) == whole, f"blocks of {size} bytes"
        assert read_in_blocks(readable) == read_whole(readable), f"blocks of {size} bytes"


def test_a_block_ends_at_a_line_only_outside_quotes() -> None:
    head = b'a,"b\nc",d\ne,f\n'
    assert register_blocks._whole_records(head + b'g,"h\n', ",") == (len(head), 2)
    # With another separator the same quote is inside a field, and every line is a record.
    assert register_blocks._whole_records(head + b'g,"h\n', ";") == (len(head) + 5, 4)
    # A carriage return at the very end may be half of a CRLF: not cut there.
    assert register_blocks._whole_records(b"a,b\r\nc,d\r", ",") == (5, 1)
    assert register_blocks._whole_records(b"a,b\rc,d\re", ",") == (8, 2)
    assert register_blocks._whole_records(b"no end yet", ",") == (0, 0)


def test_an_unreadable_quote_fails_in_the_block_that_holds_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    too_long = '"' + "x" * 200_000 + '"'
    data = tricky_file(",").replace(b"Last", too_long.encode())
    monkeypatch.setattr(register_blocks, "BLOCK_BYTES", 4096)
    data = data.replace(b"Ren\xe9", b"Rene")
    whole = read_whole(data)
    assert whole[1] is not None and whole[1].startswith("line 13: cannot read the CSV")
    assert read_in_blocks(data) == whole


@pytest.mark.parametrize(
    ("cores", "size", "postgresql", "workers"),
    [
        (2, 5 << 20, True, 2),  # the database leaves a core idle while it takes the rows
        (8, 5 << 20, True, 4),
        (1, 5 << 20, True, 0),
        (2, 1 << 20, True, 0),  # a small file: starting workers would cost more
        (2, 5 << 20, False, 0),  # SQLite inserts in this process, which needs its core
        (3, 5 << 20, False, 2),
    ],
)
def test_how_many_workers_check_rows(
    cores: int, size: int, postgresql: bool, workers: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(os, "cpu_count", lambda: cores)
    assert service.default_workers(size, postgresql) == workers


def test_copy_data_is_what_the_driver_writes(postgres_url: str) -> None:
    rows = [
        (2, b"k" * 32, b"n" * 32, b"\x01sealed", "L", "kepala_keluarga", "33.16.01.2001", "001",
         "002", "Jl. Melati No. 7", None),
        (3, b"k" * 32, b"m" * 32, b"\x01" + bytes(range(256)), "P", "istri", "33.16.01.2001",
         "001", "002", "Jl. Melati No. 7", None),
        (4, None, None, None, None, None, None, None, None, None, "sex must be L or P"),
        (5, b"j" * 32, b"o" * 32, b"\x01x", "P", "anak", "33.16.01.2002", "010", "020",
         "Gg. Kenanga, dekat masjid \\ belakang — RT", None),
        (70000, None, None, None, None, None, None, None, None, None, "has 3 fields, expected 10"),
    ]  # fmt: skip
    positions = [0, 1, None, 0, None]  # in each run of a KK with the same details
    columns = ", ".join(COPY_COLUMNS)
    url = postgres_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url) as connection, connection.cursor() as cursor:
        cursor.execute(staging_table("postgresql"))
        cursor.execute(f"CREATE TEMPORARY TABLE driver (LIKE {STAGING})")
        cursor.adapters.register_dumper(bytes, BytesBinaryDumper)
        with cursor.copy(f"COPY driver ({columns}) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(COPY_TYPES)
            for row, position in zip(rows, positions, strict=True):
                copy.write_row((*row, position))
        with cursor.copy(f"COPY {STAGING} ({columns}) FROM STDIN (FORMAT BINARY)") as copy:
            copy.write(staging.COPY_SIGNATURE)
            copy.write(staging.copy_data(rows[:2]))
            copy.write(staging.copy_data(rows[2:]))
            copy.write(staging.COPY_TRAILER)
        cursor.execute(f"SELECT * FROM {STAGING} ORDER BY line")
        ours = cursor.fetchall()
        cursor.execute("SELECT * FROM driver ORDER BY line")
        assert ours == cursor.fetchall()
        assert [tuple(row) for row in ours] == [
            tuple(bytes(v) if isinstance(v, memoryview) else v for v in (*row, position))
            for row, position in zip(rows, positions, strict=True)
        ]
