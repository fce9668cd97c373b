"""The household register in tests: family cards written as a register CSV, and the import
run on the command line."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from flask import Flask

from census.register.rows import COLUMNS
from tests.factories import make_kk, make_nik

HEADER = ",".join(COLUMNS)
VILLAGE = "33.16.01.2001"


class Card:
    """A synthetic family card whose rows can be written to a register CSV."""

    def __init__(self, village: str = VILLAGE, rt: str = "3", rw: str = "1") -> None:
        self.kk = make_kk(village[:8])
        self.village, self.rt, self.rw = village, rt, rw
        self.address = "Jl. Melati No. 7"
        self.people: list[dict[str, str]] = []

    def person(
        self, who: str, sex: str, born: date, relationship: str = "Anak", /, **override: str
    ) -> dict[str, str]:
        row = {
            "kk": self.kk,
            "nik": make_nik(self.village[:8], sex, born),
            "name": who,
            "sex": sex,
            "birth_date": born.isoformat(),
            "relationship": relationship,
            "village_code": self.village,
            "rt": self.rt,
            "rw": self.rw,
            "address": self.address,
        }
        row.update(override)
        self.people.append(row)
        return row


def family(village: str = VILLAGE) -> Card:
    card = Card(village)
    card.person("Budi Santoso", "L", date(1978, 4, 12), "Kepala Keluarga")
    card.person("Siti Aminah", "P", date(1981, 9, 3), "Istri")
    card.person("Rina", "P", date(2010, 1, 25), "Anak")
    return card


def write(path: Path, rows: list[dict[str, str]], sep: str = ",", header: str = HEADER) -> Path:
    lines = [header.replace(",", sep)]
    for row in rows:
        lines.append(sep.join(_quote(row[c], sep) for c in COLUMNS))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _quote(value: str, sep: str) -> str:
    if sep in value or '"' in value or "\n" in value:
        return '"' + value.replace('"', '""') + '"'
    return value


def run(app: Flask, path: Path | str) -> object:
    """``flask census import-register PATH``, through the CLI runner."""
    return app.test_cli_runner().invoke(args=["census", "import-register", str(path)])
