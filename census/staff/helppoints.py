"""Help points ("tempat bantuan") from a CSV file: the register import's conventions.

The header is ``village_code,name,address,hours,phone`` (any order, any case); a UTF-8 BOM, CRLF
line ends and ``;`` or tab separators (as spreadsheets save them) are accepted. A row that fails
a check is reported as ``line N: reason``, numbered as a spreadsheet numbers its rows; the rows
that pass are added in one transaction, or none at all when the file itself cannot be read.
A region account may only add help points in its own region.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from census.core.local_models import HelpPoint
from census.core.models import Region, RegionLevel, region_parts
from census.register.rows import sniff_separator
from census.staff import audit

COLUMNS = ("village_code", "name", "address", "hours", "phone")
LIMITS = {"name": 120, "address": 200, "hours": 120, "phone": 30}
_VILLAGE = re.compile(r"[0-9]{2}\.[0-9]{2}\.[0-9]{2}\.[0-9]{4}")
_UNDOTTED = re.compile(r"[0-9]{10}")
_PHONE = re.compile(r"[0-9+() \-]*")


class HelpPointFileError(Exception):
    """The file cannot be read at all (encoding, header, quoting): nothing is added."""


@dataclass
class ImportResult:
    """What an import did, in counts, and the rejected rows as ``(line, reason)``."""

    rows: int = 0
    added: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)


def _clean(value: str, column: str) -> str:
    if any(c in "\r\n\t" or not (c.isprintable() or c.isspace()) for c in value):
        raise ValueError(f"{column} contains a control character")
    value = " ".join(value.split())
    if len(value) > LIMITS[column]:
        raise ValueError(f"{column} is longer than {LIMITS[column]} characters")
    return value


def check_values(
    session: Session, village_code: str, name: str, address: str, hours: str, phone: str
) -> dict[str, str]:
    """One help point's columns, checked; raises ValueError("<column> <reason>")."""
    village = village_code.strip()
    if _UNDOTTED.fullmatch(village):
        village = f"{village[:2]}.{village[2:4]}.{village[4:6]}.{village[6:]}"
    if not _VILLAGE.fullmatch(village):
        raise ValueError("village_code must be written like 33.16.01.2001")
    region = session.get(Region, village)
    if region is None or region.level != RegionLevel.VILLAGE:
        raise ValueError("village_code is not a known village")
    values = {"village_code": village}
    for column, value in (("name", name), ("address", address), ("hours", hours), ("phone", phone)):
        values[column] = _clean(value, column)
    for column in ("name", "address"):
        if not values[column]:
            raise ValueError(f"{column} is empty")
    if not _PHONE.fullmatch(values["phone"]):
        raise ValueError("phone may hold only digits, spaces, +, - and brackets")
    parts = region_parts(village)
    values["district_code"], values["regency_code"] = parts["district_code"], parts["regency_code"]
    return values


def read_rows(data: bytes) -> list[tuple[int, list[str]]]:
    """``(line, fields in COLUMNS order)`` for each data row; raises HelpPointFileError."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise HelpPointFileError("the file is not UTF-8 text; save it as 'CSV UTF-8'") from None
    handle = io.StringIO(text, newline="")
    header_line = handle.readline()
    if not header_line.strip():
        raise HelpPointFileError("the file is empty; expected the header " + ",".join(COLUMNS))
    separator = sniff_separator(header_line)
    header = [h.strip().lower() for h in next(csv.reader([header_line], delimiter=separator))]
    missing = [c for c in COLUMNS if c not in header]
    unexpected = [h or "(empty)" for h in header if h not in COLUMNS]
    if missing or unexpected or len(set(header)) != len(header):
        raise HelpPointFileError("wrong header; expected: " + ",".join(COLUMNS))
    order = [header.index(c) for c in COLUMNS]
    rows = []
    line = 1
    try:
        for fields in csv.reader(handle, delimiter=separator):
            line += 1
            if not any(f.strip() for f in fields):
                continue
            if len(fields) != len(header):
                rows.append((line, [f"has {len(fields)} fields, expected {len(header)}"]))
            else:
                rows.append((line, [fields[i] for i in order]))
    except csv.Error as exc:
        raise HelpPointFileError(f"line {line + 1}: cannot read the CSV ({exc})") from None
    return rows


def import_help_points(
    session: Session,
    data: bytes,
    actor: str,
    allowed: Callable[[str], bool] = lambda _code: True,
) -> ImportResult:
    """Add every row that passes its checks, in one transaction with one audit entry."""
    result = ImportResult()
    seen = {
        (p.village_code, p.name.lower())
        for p in session.scalars(select(HelpPoint))  # a re-import must not double the list
    }
    for line, fields in read_rows(data):
        result.rows += 1
        try:
            if len(fields) == 1:
                raise ValueError(fields[0])
            values = check_values(session, *fields)
            if not allowed(values["village_code"]):
                raise ValueError("village_code is outside your region")
            key = (values["village_code"], values["name"].lower())
            if key in seen:
                raise ValueError("this place is already listed in this village")
        except ValueError as exc:
            result.rejected.append((line, str(exc)))
            continue
        seen.add(key)
        session.add(HelpPoint(**values))
        result.added += 1
    detail = f"{result.added} added, {len(result.rejected)} rejected of {result.rows} rows"
    audit.record(session, actor, "help_point.import", "", detail)
    session.commit()
    return result
