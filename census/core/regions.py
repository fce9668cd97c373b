"""Regions: loading the Kemendagri codes and small look-ups over them.

The files in ``census/data/idn-area`` (ODbL, see its README) hold every province, regency/city,
district and village. Loading is an upsert, so running it again after a data update renames and
adds without touching households that point at a village.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from census.core.models import Region, RegionLevel

DATA_DIR = Path(__file__).resolve().parents[1] / "data" / "idn-area"
FILES = (
    ("provinces.csv", RegionLevel.PROVINCE, None),
    ("regencies.csv", RegionLevel.REGENCY, "province_code"),
    ("districts.csv", RegionLevel.DISTRICT, "regency_code"),
    ("villages.csv", RegionLevel.VILLAGE, "district_code"),
)
CODE_PATTERN = re.compile(r"^\d{2}(\.\d{2}(\.\d{2}(\.\d{4})?)?)?$")
BATCH = 5000


def level_of(code: str) -> RegionLevel | None:
    """The level a dotted code names, or None when it is not a well-formed code."""
    if not CODE_PATTERN.fullmatch(code):  # fullmatch: "$" alone would let a final "\n" in
        return None
    return RegionLevel(code.count(".") + 1)


def read_rows(data_dir: Path = DATA_DIR) -> Iterator[dict[str, object]]:
    """Every region row, parents before children."""
    for filename, level, parent_column in FILES:
        with open(data_dir / filename, newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                yield {
                    "code": row["code"],
                    "parent_code": row[parent_column] if parent_column else None,
                    "level": int(level),
                    "name": row["name"].strip(),
                }


def load_regions(session: Session, data_dir: Path = DATA_DIR) -> int:
    """Insert or update every region; returns the number of rows read."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(Region)
    statement = statement.on_conflict_do_update(
        index_elements=[Region.code],
        set_={"name": statement.excluded.name, "parent_code": statement.excluded.parent_code},
    )
    count = 0
    batch: list[dict[str, object]] = []
    for row in read_rows(data_dir):
        batch.append(row)
        count += 1
        if len(batch) >= BATCH:
            session.execute(statement, batch)
            batch.clear()
    if batch:
        session.execute(statement, batch)
    session.commit()
    return count


def region_count(session: Session) -> int:
    """How many regions are loaded."""
    return session.scalar(select(func.count()).select_from(Region)) or 0


def get_region(session: Session, code: str) -> Region | None:
    """The region with this dotted code, or None."""
    if level_of(code) is None:
        return None
    return session.get(Region, code)


def children(session: Session, code: str | None) -> list[Region]:
    """The regions directly under ``code`` (provinces when ``code`` is None), by name."""
    query = select(Region).where(
        Region.parent_code.is_(None) if code is None else Region.parent_code == code
    )
    return list(session.scalars(query.order_by(Region.name)))


def ancestors(session: Session, code: str) -> list[Region]:
    """The region and its parents, province first."""
    parts = code.split(".")
    codes = [".".join(parts[: i + 1]) for i in range(len(parts))]
    found = {r.code: r for r in session.scalars(select(Region).where(Region.code.in_(codes)))}
    return [found[c] for c in codes if c in found]
