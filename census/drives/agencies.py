"""A drive's agencies (OPD) and their headcounts, typed or from a spreadsheet export.

One agency a line, ``agency,headcount``; a first line ``agency,headcount`` (any case) is a header
and skipped. A UTF-8 byte order mark, CRLF line ends and ``;`` or tab separators (as spreadsheets
save them) are accepted. Each rejected line is reported as ``line N: reason``, numbered as a
spreadsheet numbers its rows.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l

from census.register.rows import sniff_separator

HEADER = ("agency", "headcount")
NAME_MAX = 120
HEADCOUNT_MAX = 1_000_000
#: More agencies than any regency has, and still a page that fits its budget.
AGENCIES_MAX = 80


class AgencyFileError(ValueError):
    """The text cannot be read at all (encoding, quoting): nothing is added."""


@dataclass
class Agencies:
    """The lines that passed, ``(line, name, headcount)``, and the rejects, ``(line, reason)``."""

    rows: list[tuple[int, str, int]] = field(default_factory=list)
    rejected: list[tuple[int, Any]] = field(default_factory=list)

    @property
    def lines(self) -> int:
        return len(self.rows) + len(self.rejected)


def decode(data: bytes) -> str:
    """The text of an uploaded file; raises AgencyFileError when it is not UTF-8."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise AgencyFileError(_l("the file is not UTF-8 text; save it as 'CSV UTF-8'")) from None


def _one(fields: list[str], taken: set[str]) -> tuple[str, int]:
    if len(fields) != 2:
        raise ValueError(_l("write the agency, a comma and its headcount"))
    name = " ".join(fields[0].split())
    if not name:
        raise ValueError(_l("the agency's name is empty"))
    if len(name) > NAME_MAX or any(not c.isprintable() for c in name):
        raise ValueError(_l("the agency's name is longer than %(max)s characters", max=NAME_MAX))
    raw = fields[1].strip().replace(".", "").replace(" ", "")
    if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= HEADCOUNT_MAX:
        raise ValueError(
            _l("the headcount must be a whole number from 1 to %(max)s", max=f"{HEADCOUNT_MAX:,}")
        )
    if name.casefold() in taken:
        raise ValueError(_l("this agency is already listed"))
    return name, int(raw)


def read_agencies(text: str, existing: list[str] | tuple[str, ...] = ()) -> Agencies:
    """Every line of ``text`` checked; ``existing`` names are refused as duplicates."""
    result = Agencies()
    text = text.lstrip("\ufeff")
    first = text.split("\n", 1)[0]
    separator = sniff_separator(first) if first.strip() else ","
    taken = {name.casefold() for name in existing}
    line = 0
    try:
        for fields in csv.reader(io.StringIO(text, newline=""), delimiter=separator):
            line += 1
            if not any(f.strip() for f in fields):
                continue
            if line == 1 and tuple(f.strip().lower() for f in fields) == HEADER:
                continue
            try:
                name, headcount = _one(fields, taken)
            except ValueError as exc:
                result.rejected.append((line, exc.args[0]))
                continue
            if len(result.rows) + len(existing) >= AGENCIES_MAX:
                result.rejected.append(
                    (line, _l("a drive has at most %(max)s agencies", max=AGENCIES_MAX))
                )
                continue
            taken.add(name.casefold())
            result.rows.append((line, name, headcount))
    except csv.Error:
        raise AgencyFileError(_l("line %(line)s cannot be read (quotes)", line=line + 1)) from None
    return result
