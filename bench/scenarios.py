"""The foundation's scenarios: the home page against a bare page, page weights, register import.

Add a capability's scenarios in a module of its own (``bench/status.py``...) with the same
decorator and import it in ``bench/__main__.py``; see docs/benchmarks.md.
"""

from __future__ import annotations

import os
import random
import resource
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from bench.core import OUT, Context, Row, create_database, drop_database, scenario


@scenario("home")
def home_page(ctx: Context) -> list[Row]:
    """The home page against the bare page."""
    return [ctx.compare("GET /", "/")]


def get_pages() -> list[str]:
    """Every page a person can open with a plain GET and no argument in the URL."""
    from census import create_app

    app = create_app({"TESTING": True})
    skip = {"/healthz"}
    paths = []
    for rule in app.url_map.iter_rules():
        plain = "GET" in (rule.methods or ()) and not rule.arguments
        if plain and rule.rule not in skip and not rule.rule.startswith("/static"):
            paths.append(rule.rule)
    return sorted(set(paths))


@scenario("weights")
def page_weights(ctx: Context) -> list[Row]:
    """Gzipped first-load weight of each GET page."""
    return [ctx.weight(path) for path in get_pages()]


def synthetic_register(path: Path, persons: int, seed: int = 1) -> int:
    """Write a register CSV of about ``persons`` synthetic persons in Central Java's villages."""
    import csv

    from census.core.regions import DATA_DIR
    from census.register.synthetic import Generator, write_csv

    with open(DATA_DIR / "villages.csv", newline="", encoding="utf-8") as handle:
        villages = [row["code"] for row in csv.DictReader(handle) if row["code"][:3] == "33."]
    rng = random.Random(seed)
    generator = Generator(rng, villages[::10], date(2026, 1, 1))

    def households():
        written = 0
        while written < persons:
            household = generator.household(rng.choice(generator.villages))
            written += len(household.members)
            yield household

    return write_csv(path, households())


@dataclass
class ImportRun:
    """One timed import: wall-clock seconds and the CPU seconds each side spent."""

    persons: int
    seconds: float
    app_cpu: float
    database_cpu: float | None  # the PostgreSQL backend's, when it runs on this machine


def _process_cpu(pid: int) -> float | None:
    """User + system CPU seconds of a local process, from /proc (None when unreadable)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _own_cpu() -> float:
    self, children = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return self.ru_utime + self.ru_stime + children.ru_utime + children.ru_stime


def timed_import(url: str, csv_path: Path) -> ImportRun:
    """Import ``csv_path`` into a freshly migrated database at ``url``."""
    from sqlalchemy import event

    from census import create_app
    from census.cli import upgrade_database
    from census.core import db
    from census.core.config import census_today
    from census.core.regions import load_regions
    from census.register.service import import_register

    app = create_app({"DATABASE_URL": url})
    with app.app_context():
        upgrade_database()
        load_regions(db.session())
        db.session().close()
        engine = db.engine()
        engine.dispose()
        backend: list[int] = []
        if engine.dialect.name == "postgresql":

            @event.listens_for(engine, "connect")
            def _remember_backend(dbapi_connection, _record) -> None:
                with dbapi_connection.cursor() as cursor:
                    cursor.execute("SELECT pg_backend_pid()")
                    backend.append(cursor.fetchone()[0])

        cpu, start = _own_cpu(), time.perf_counter()
        result = import_register(csv_path, engine, app.config["IDENTITY_HASH_KEY"], census_today())
        elapsed, app_cpu = time.perf_counter() - start, _own_cpu() - cpu
        database_cpu = _process_cpu(backend[-1]) if backend else None
        engine.dispose()
    assert result.rejected == 0, f"{result.rejected} synthetic rows rejected"
    return ImportRun(result.accepted, elapsed, app_cpu, database_cpu)


IMPORT_PERSONS = 100_000
#: Persons a second on PostgreSQL (twice the households per core: the performance issue's aim).
IMPORT_AIM = 60_000


#: Imports a row's figure is the median of: one import of 100,000 takes a second or two, which
#: a busy minute on a shared machine moves by a third.
IMPORT_RUNS = 3


def _fresh_import(name: str, url: str, csv_path: Path, index: int) -> ImportRun:
    """One timed import into a new, empty database (the first one into ``url``)."""
    if name == "SQLite":
        for suffix in ("", "-wal", "-shm"):
            (OUT / f"import-bench.db{suffix}").unlink(missing_ok=True)
        return timed_import(url, csv_path)
    if index == 0:
        return timed_import(url, csv_path)
    database = create_database("census_bench_import")
    if database is None:
        raise RuntimeError("PostgreSQL answered for the first import but not for the next")
    try:
        return timed_import(database, csv_path)
    finally:
        drop_database(database)


def _met(met: bool, has_aim: bool) -> str:
    return ("yes" if met else "no") if has_aim else ""


IMPORT_TABLE = (
    "Register import (100,000 persons, fresh database, one transaction, the median of 3 runs;"
    " persons/CPU s counts the CPU time of this process and of the PostgreSQL backend, so it holds"
    " on a busy machine)"
)


@scenario("import")
def register_import(ctx: Context) -> list[Row]:
    """The register import rate for 100,000 persons, on SQLite and on PostgreSQL."""
    OUT.mkdir(parents=True, exist_ok=True)
    csv_path = OUT / "register-100k.csv"
    if not csv_path.exists():
        synthetic_register(csv_path, IMPORT_PERSONS)
    rows = []
    targets = [("SQLite", f"sqlite:///{OUT / 'import-bench.db'}")]
    if ctx.postgres_url:
        targets.append(("PostgreSQL", ctx.postgres_url))
    for name, url in targets:
        runs = [_fresh_import(name, url, csv_path, first) for first in range(IMPORT_RUNS)]
        run = sorted(runs, key=lambda r: r.seconds)[len(runs) // 2]  # the median
        cpu = run.app_cpu + (run.database_cpu or 0.0)
        rows.append(
            Row(
                IMPORT_TABLE,
                name,
                {
                    "persons": f"{run.persons:,}",
                    "wall s": f"{run.seconds:.2f}",
                    "persons/s": f"{run.persons / run.seconds:,.0f}",
                    "CPU s app": f"{run.app_cpu:.2f}",
                    "CPU s db": "" if run.database_cpu is None else f"{run.database_cpu:.2f}",
                    "persons/CPU s": f"{run.persons / cpu:,.0f}",
                    "each run, persons/s": " ".join(f"{r.persons / r.seconds:,.0f}" for r in runs),
                    "aim": f">= {IMPORT_AIM:,}/s" if name == "PostgreSQL" else "",
                    "met": _met(run.persons / run.seconds >= IMPORT_AIM, name == "PostgreSQL"),
                },
            )
        )
    return rows
