"""The status check (``POST /cek``) on PostgreSQL with a register of 1,000,000 persons.

Figures: req/s of the check for a found pair and for a not-found pair as a ratio to the bare page,
with p50/p99; and p50 with 10,000 households against the large register (a look-up by keyed hash
through unique indexes should not care how big the register is). The site runs with throttles off
(``LIMITS_ENABLED=0``, as for every bench page), so the figures measure the page and the query,
not the limiter; with CSRF on, each POST carries a token and session cookie taken from a GET first.
``BENCH_STATUS_PERSONS`` changes the size of the large register (default 1,000,000).

A "floor" row serves the same look-up from a bare Flask app that makes no page at all
(``bench/floor.py``): the best ratio any status check with a database look-up can reach here.
"""

from __future__ import annotations

import csv
import os
import random
import re
import statistics
import time
from dataclasses import replace
from datetime import date
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.parse import urlencode
from urllib.request import HTTPCookieProcessor, build_opener

from bench.core import (
    OUT,
    Context,
    Load,
    Row,
    create_database,
    drop_database,
    gunicorn,
    scenario,
    with_aim,
)
from bench.scenarios import synthetic_register, timed_import

PERSONS = int(os.environ.get("BENCH_STATUS_PERSONS", "1000000"))
#: The found check's aim on PostgreSQL (the performance issue's: 0.6 of the floor row's 0.33).
FOUND_AIM = 0.2
SMALL_HOUSEHOLDS = 10_000
SIZE_TABLE = "Status check p50 by register size (PostgreSQL, POST /cek, 2 workers)"


def _small_register(path: Path) -> int:
    """A register CSV of ``SMALL_HOUSEHOLDS`` synthetic households; returns its persons."""
    from census.core.regions import DATA_DIR
    from census.register.synthetic import Generator, write_csv

    with open(DATA_DIR / "villages.csv", newline="", encoding="utf-8") as handle:
        villages = [row["code"] for row in csv.DictReader(handle) if row["code"][:3] == "33."]
    generator = Generator(random.Random(7), villages[::10], date(2026, 1, 1))
    return write_csv(path, generator.households(SMALL_HOUSEHOLDS))


def _pairs(path: Path, persons: int) -> tuple[tuple[str, str], tuple[str, str]]:
    """A registered (KK, NIK) pair from the middle of the register, and a pair whose NIK is
    registered in another household (the not-found case that costs the most)."""
    with open(path, newline="", encoding="utf-8") as handle:
        rows = csv.DictReader(handle)
        for number, row in enumerate(rows):
            if number >= persons // 2:
                found = (row["kk"], row["nik"])
                break
        for row in rows:
            if row["kk"] != found[0]:
                return found, (found[0], row["nik"])
    raise RuntimeError(f"{path} is too small")


def _session(url: str) -> tuple[str, str]:
    """The session cookie and CSRF token a browser gets from GET /cek."""
    jar = CookieJar()
    with build_opener(HTTPCookieProcessor(jar)).open(url + "/cek?lang=en", timeout=30) as page:
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.read().decode())
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    assert token, "no CSRF token on /cek"
    return cookie, token.group(1)


def _post_args(url: str, pair: tuple[str, str], expect: str) -> dict[str, object]:
    """wrk arguments for a POST of ``pair``, after checking once that it gets ``expect``."""
    cookie, token = _session(url)
    body = urlencode({"csrf_token": token, "kk": pair[0], "nik": pair[1]})
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie}
    from urllib.request import Request, urlopen

    request = Request(url + "/cek?lang=en", body.encode(), headers)
    with urlopen(request, timeout=30) as response:
        assert expect in response.read().decode(), f"POST /cek did not answer {expect!r}"
    return {"method": "POST", "body": body, "headers": headers}


def _sample(path: Path, count: int = 400, seed: int = 9) -> list[tuple[str, str]]:
    """``count`` registered (KK, NIK) pairs spread over the register."""
    rng = random.Random(seed)
    sample: list[tuple[str, str]] = []
    with open(path, newline="", encoding="utf-8") as handle:
        for number, row in enumerate(csv.DictReader(handle)):
            if number < count:
                sample.append((row["kk"], row["nik"]))
            elif (slot := rng.randrange(number + 1)) < count:
                sample[slot] = (row["kk"], row["nik"])
    return sample


def _query_times(database_url: str, pairs: list[tuple[str, str]]) -> tuple[float, float]:
    """p50 of the look-up query alone (ms) for found pairs and for pairs with another KK's NIK."""
    from census import create_app
    from census.core import db
    from census.core.households import find_by_pair

    app = create_app({"DATABASE_URL": database_url, "LIMITS_ENABLED": False})
    found: list[float] = []
    missing: list[float] = []
    with app.app_context():
        session = db.session()
        for i, (kk, nik) in enumerate(pairs):
            other_nik = pairs[(i + 1) % len(pairs)][1]
            for times, number, expect in ((found, nik, True), (missing, other_nik, False)):
                start = time.perf_counter()
                household = find_by_pair(session.connection(), kk, number)
                times.append((time.perf_counter() - start) * 1000)
                assert (household is not None) == expect
            session.rollback()
        db.engine().dispose()
    return statistics.median(found), statistics.median(missing)


def _serve(database_url: str, log: Path):
    from tests.live import start_server

    return start_server({"DATABASE_URL": database_url, "LIMITS_ENABLED": "0"}, log, workers=2)


def _size_row(
    label: str, households: str, found: Load, missing: Load, query: tuple[float, float]
) -> Row:
    return Row(
        SIZE_TABLE,
        label,
        {
            "households": households,
            "query p50 ms (found / not)": f"{query[0]:.2f} / {query[1]:.2f}",
            "found p50 ms": f"{found.p50_ms:.1f}",
            "found p99 ms": f"{found.p99_ms:.1f}",
            "not found p50 ms": f"{missing.p50_ms:.1f}",
            "not found p99 ms": f"{missing.p99_ms:.1f}",
        },
    )


def _households(database_url: str) -> int:
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    with engine.connect() as connection:
        count = connection.execute(text("SELECT count(*) FROM household")).scalar_one()
    engine.dispose()
    return int(count)


def _floor_row(ctx: Context, database_url: str, pair: tuple[str, str], where: str) -> Row:
    """The floor (``bench/floor.py``): the look-up alone, answered with the bare page."""
    process, url = gunicorn(
        "bench.floor:app", {"BENCH_FLOOR_DATABASE_URL": database_url}, OUT / "floor.log"
    )
    try:
        body = urlencode({"kk": pair[0], "nik": pair[1]})
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        floor = replace(ctx, app_url=url)
        name = f"floor: 2 HMACs + look-up, no page ({where})"
        return floor.compare(name, "/", method="POST", body=body, headers=headers)
    finally:
        process.terminate()
        process.wait(timeout=10)


@scenario("status")
def status_check(ctx: Context) -> list[Row]:
    """POST /cek for a found and a not-found pair on PostgreSQL, small and large registers."""
    OUT.mkdir(parents=True, exist_ok=True)
    large_csv = OUT / f"register-status-{PERSONS}.csv"
    if not large_csv.exists():
        synthetic_register(large_csv, PERSONS, seed=4)
    small_csv = OUT / f"register-status-{SMALL_HOUSEHOLDS}hh.csv"
    if not small_csv.exists():
        _small_register(small_csv)
    rows: list[Row] = []
    for label, path in (("small", small_csv), ("large", large_csv)):
        database = create_database("census_bench_status")
        if database is None:
            ctx.notes.append("status: PostgreSQL not available, scenario skipped")
            return rows
        server = None
        try:
            started = time.perf_counter()
            persons = timed_import(database, path).persons
            households = _households(database)
            query = _query_times(database, _sample(path))
            ctx.notes.append(
                f"status: {label} register {persons:,} persons in {households:,} households "
                f"(import and setup {time.perf_counter() - started:.0f} s)"
            )
            server = _serve(database, OUT / f"status-{label}.log")
            # The bare page again, next to these runs: the machine's load drifts during a long run.
            site = replace(ctx, app_url=server.url)
            found_pair, missing_pair = _pairs(path, persons)
            found = _post_args(server.url, found_pair, "has not been counted yet")
            missing = _post_args(server.url, missing_pair, "could not find these two numbers")
            if label == "large":
                where = f"PostgreSQL, {persons:,} persons"
                rows.append(site.compare(f"GET /cek ({where})", "/cek?lang=en"))
                found_row = site.compare(f"POST /cek found pair ({where})", "/cek?lang=en", **found)
                rows.append(with_aim(found_row, FOUND_AIM))
                rows.append(
                    site.compare(f"POST /cek not-found pair ({where})", "/cek?lang=en", **missing)
                )
                rows.append(_floor_row(ctx, database, found_pair, where))
            found_load = site.load(server.url + "/cek?lang=en", **found)  # type: ignore[arg-type]
            missing_load = site.load(server.url + "/cek?lang=en", **missing)  # type: ignore[arg-type]
            rows.append(_size_row(label, f"{households:,}", found_load, missing_load, query))
        finally:
            if server is not None:
                server.stop()
            drop_database(database)
    rows.append(ctx.weight("/cek?lang=id"))
    return rows
