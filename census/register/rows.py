"""Reading a register CSV: header and separator sniffing, and the checks one row can fail alone.

Everything here is per row and pure Python, so it streams: the checks that need other rows or the
database (duplicates, unknown villages, other households) run as SQL on the staging table in
``census.register.service``. A reason never quotes the NIK, KK number or name: the report of an
import is shown on screens and pasted into tickets.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import IO

from flask_babel import force_locale

from census.core.identity import IdentifierError, normalise, parse_kk, parse_nik, quick_pair
from census.core.models import RELATIONSHIPS

COLUMNS = (
    "kk",
    "nik",
    "name",
    "sex",
    "birth_date",
    "relationship",
    "village_code",
    "rt",
    "rw",
    "address",
)
SEPARATORS = (",", ";", "\t")
NAME_MAX = 120
ADDRESS_MAX = 200
OLDEST_BIRTH_YEAR = 1880

_SEXES = {"L": "L", "P": "P", "l": "L", "laki-laki": "L", "p": "P", "perempuan": "P"}
_RELATIONSHIPS: dict[str, str] = {}
for _code, _wording in RELATIONSHIPS.items():
    _RELATIONSHIPS[_wording] = _code  # as printed: the usual case, looked up first
    _RELATIONSHIPS[_wording.lower()] = _code
    _RELATIONSHIPS[_code.replace("_", " ")] = _code
# [0-9], not \d: \d also matches Arabic-Indic and other Unicode digits.
_VILLAGE = re.compile(r"[0-9]{2}\.[0-9]{2}\.[0-9]{2}\.[0-9]{4}")
_VILLAGE_UNDOTTED = re.compile(r"[0-9]{10}")
_NUMBER_3 = re.compile(r"[0-9]{1,3}")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class RegisterFileError(Exception):
    """The file cannot be imported at all (header, encoding, broken quoting): nothing is kept."""


@dataclass(slots=True)
class Person:
    """One row that passed the per-row checks, its numbers already read (not yet hashed)."""

    kk: str
    nik: str
    name: str
    sex: str
    birth_date: date
    relationship: str
    village_code: str
    rt: str
    rw: str
    address: str


def sniff_separator(header_line: str) -> str:
    """The separator a spreadsheet used: whichever of ``,`` ``;`` or tab the header holds most."""
    return max(SEPARATORS, key=header_line.count)


def column_order(header: list[str]) -> list[int]:
    """Map each expected column to its position in ``header``, or raise naming what is wrong.

    Column names are compared without case or surrounding spaces, and may come in any order.
    """
    names = [h.strip().lower() for h in header]
    missing = [c for c in COLUMNS if c not in names]
    unexpected = [n or "(empty)" for n in names if n not in COLUMNS]
    repeated = sorted({n for n in names if n in COLUMNS and names.count(n) > 1})
    problems = []
    if missing:
        problems.append("missing columns: " + ", ".join(missing))
    if unexpected:
        problems.append("unexpected columns: " + ", ".join(unexpected))
    if repeated:
        problems.append("repeated columns: " + ", ".join(repeated))
    if problems:
        raise RegisterFileError(
            "wrong header (" + "; ".join(problems) + "); expected: " + ",".join(COLUMNS)
        )
    return [names.index(c) for c in COLUMNS]


@dataclass(frozen=True, slots=True)
class Layout:
    """How a file's records are written: the separator, and where each of ``COLUMNS`` is."""

    separator: str
    order: tuple[int, ...]
    width: int


def read_header(header_line: str) -> Layout:
    """Check the header line (decoded with ``surrogateescape``): the file's layout, or raise."""
    if _SURROGATE.search(header_line):
        raise RegisterFileError(_NOT_UTF8.format(line=1))
    if not header_line.strip():
        raise RegisterFileError("the file is empty; expected the header " + ",".join(COLUMNS))
    separator = sniff_separator(header_line)
    header = next(csv.reader([header_line], delimiter=separator))
    return Layout(separator, tuple(column_order(header)), len(header))


def read_records(text: IO[str]) -> Iterator[tuple[int, list[str]]]:
    """Check the header now, then return ``(line, fields)`` for every data record.

    ``text`` must be decoded with ``errors="surrogateescape"``, so that a byte that is not UTF-8
    is reported with its line rather than wherever the decoder's buffer happened to end.

    Lines are numbered as a spreadsheet numbers rows, the header being row 1: a quoted field may
    span several physical lines but is still one row, so records are counted, not newlines.
    Blank records are skipped but keep their number. Fields come in ``COLUMNS`` order; a record
    with the wrong number of fields comes back as a one-element list holding the reason.
    """
    return records(text, read_header(text.readline()), 1)


_NOT_UTF8 = "line {line}: the file is not UTF-8 text; save it as 'CSV UTF-8'"
#: Bytes that are not UTF-8, as ``errors="surrogateescape"`` decodes them.
_SURROGATE = re.compile("[\udc80-\udcff]")


def records(
    text: Iterable[str], layout: Layout, after_line: int, *, ascii_only: bool = False
) -> Iterator[tuple[int, list[str]]]:
    """``(line, fields)`` for each record of ``text``, a part of a file that starts at a record,
    the first numbered ``after_line + 1`` (see ``read_records``). ``ascii_only``: the caller
    knows that ``text`` is all ASCII, so no record needs to be looked at for bytes not UTF-8."""
    reader = csv.reader(text, delimiter=layout.separator)
    order, width, line = layout.order, layout.width, after_line
    in_order = order == tuple(range(width))
    try:
        for fields in reader:
            line += 1
            if not ascii_only:
                joined = "".join(fields)
                if not joined.isascii() and _SURROGATE.search(joined):
                    raise RegisterFileError(_NOT_UTF8.format(line=line))
            if len(fields) == width:
                yield line, fields if in_order else [fields[i] for i in order]
            elif fields and (len(fields) > 1 or fields[0].strip()):
                yield line, [f"has {len(fields)} fields, expected {width}"]
    except csv.Error as exc:
        raise RegisterFileError(
            f"line {line + 1}: cannot read the CSV ({exc}); is a quote left open?"
        ) from None


def _identifier_reason(column: str, exc: IdentifierError) -> str:
    with force_locale("en"):
        return f"{column}: {exc}"


def _text(value: str, column: str, limit: int) -> str:
    """Collapse spaces; reject control characters and overlong values."""
    if not value.isprintable() and any(
        c in "\r\n\t" or not (c.isprintable() or c.isspace()) for c in value
    ):
        raise ValueError(f"{column} contains a control character")
    value = " ".join(value.split())
    if len(value) > limit:
        raise ValueError(f"{column} is longer than {limit} characters")
    return value


def check_row(fields: list[str], today: date) -> Person:
    """Read one record or raise ``ValueError`` with a reason that quotes no number or name."""
    if len(fields) == 1:
        raise ValueError(fields[0])
    kk, nik, name, sex, born, relationship, village, rt, rw, address = fields

    sex_code = _SEXES.get(sex) or _SEXES.get(sex.strip().lower())
    if sex_code is None:
        raise ValueError("sex must be L or P")
    birth_date = _birth_date(born.strip(), today)
    nik_number, kk_number = _numbers(nik, kk, birth_date, sex_code)

    name = _text(name, "name", NAME_MAX)
    if not name:
        raise ValueError("name is empty")
    if not name[0].isalpha() and not any(c.isalpha() for c in name):
        raise ValueError("name has no letters")

    relationship_code = _RELATIONSHIPS.get(relationship) or _RELATIONSHIPS.get(
        " ".join(relationship.split()).lower()
    )
    if relationship_code is None:
        raise ValueError(
            "relationship is not one printed on a KK (" + ", ".join(RELATIONSHIPS.values()) + ")"
        )

    village, rt, rw, address = _household_fields(village, rt, rw, address)
    return Person(
        kk_number,
        nik_number,
        name,
        sex_code,
        birth_date,
        relationship_code,
        village,
        rt,
        rw,
        address,
    )


@lru_cache(maxsize=256)
def _household_fields(village: str, rt: str, rw: str, address: str) -> tuple[str, str, str, str]:
    """The household's village code, RT, RW and address, checked once for a household's rows.

    Every member of a household repeats them, usually on consecutive lines, so the checks run
    once a household rather than once a person (a failing value raises, and is never kept).
    """
    village = village.strip()
    if not _VILLAGE.fullmatch(village):
        if not _VILLAGE_UNDOTTED.fullmatch(village):
            raise ValueError("village_code must be written like 33.16.01.2001")
        village = f"{village[:2]}.{village[2:4]}.{village[4:6]}.{village[6:]}"
    rt, rw = _number_3(rt, "rt"), _number_3(rw, "rw")
    address = _text(address, "address", ADDRESS_MAX)
    if not address:
        raise ValueError("address is empty")
    return village, rt, rw, address


def _number_3(value: str, column: str) -> str:
    """An RT or RW number, zero-padded to three digits as the register stores it."""
    value = value.strip()
    if not _NUMBER_3.fullmatch(value) or value in ("0", "00", "000"):
        raise ValueError(f"{column} must be a number from 1 to 999")
    return value.zfill(3)


def _birth_date(born: str, today: date) -> date:
    if len(born) != 10 or born[4] != "-" or born[7] != "-" or not _DATE.fullmatch(born):
        raise ValueError("birth_date must be written YYYY-MM-DD")
    try:
        birth_date = date.fromisoformat(born)
    except ValueError:
        raise ValueError("birth_date is not a real date") from None
    if birth_date > today:
        raise ValueError("birth_date is in the future")
    if birth_date.year < OLDEST_BIRTH_YEAR:
        raise ValueError(f"birth_date is before {OLDEST_BIRTH_YEAR}")
    return birth_date


def _numbers(nik: str, kk: str, birth_date: date, sex: str) -> tuple[str, str]:
    """The NIK and KK digits, checked against each other and the declared birth date and sex.

    Most rows are right, so the fast path parses each number alone and compares; only a row
    that fails goes through the slower calls that name the mistake (a swapped pair, a NIK coded
    for the other sex, a birth date that disagrees).
    """
    quick = quick_pair(kk, nik, birth_date, sex)
    if quick is not None:
        return quick[1], quick[0]
    if len(kk) != 16 or len(nik) != 16 or not (kk + nik).isdigit():  # spaces, dots, dashes
        quick = quick_pair(normalise(kk), normalise(nik), birth_date, sex)
        if quick is not None:
            return quick[1], quick[0]
    try:
        nik_result = parse_nik(nik, other=kk, birth_date=birth_date, sex=sex)
    except IdentifierError as exc:
        raise ValueError(_identifier_reason("nik", exc)) from None
    if nik_result.mismatches:
        mismatch = nik_result.mismatches[0]
        if mismatch.field == "birth_date":  # the form's message quotes both dates: not here
            raise ValueError("nik: The birth date in this NIK (digits 7 to 12) is not birth_date")
        with force_locale("en"):
            raise ValueError(f"nik: {mismatch.message}")
    try:
        kk_result = parse_kk(kk, other=nik, birth_date=birth_date, sex=sex)
    except IdentifierError as exc:
        raise ValueError(_identifier_reason("kk", exc)) from None
    return nik_result.number, kk_result.number  # quick_pair is stricter than it should be
