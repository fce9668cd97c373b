"""Outreach scenarios: a regency page on a 1,000,000-person register, against the bare page.

Needs the bench framework (``bench/core.py``, ``python -m bench``); register this module in
``bench/__main__.py`` with ``from bench import outreach  # noqa: F401``. Runs on PostgreSQL (the
scale it is meant for) and is skipped with a note when no PostgreSQL answers.

The register is made directly in SQL: about 270,000 households (1,000,000 persons at SP2020's
3.7 persons a household) in the villages of one regency, Blora (33.16), a quarter of them counted
over the last 120 days. Region figures read only the household table, so members are not made.
"""

from __future__ import annotations

import uuid
from dataclasses import replace

from bench.core import OUT, Context, Row, scenario

PERSONS = 1_000_000
HOUSEHOLDS = round(PERSONS / 3.7)
REGENCY = "33.16"

FILL = """
WITH v AS (
    SELECT array_agg(code ORDER BY code) AS codes FROM region
    WHERE level = 4 AND code LIKE :prefix
)
INSERT INTO household (kk_hash, village_code, district_code, regency_code, province_code,
                       rt, rw, address, status, counted_at, is_demo)
SELECT sha256(('bench-kk-' || i)::bytea), vc, left(vc, 8), left(vc, 5), left(vc, 2),
       '001', '001', 'Jl. Bench',
       (CASE WHEN r < 0.20 THEN 'counted_online' WHEN r < 0.25 THEN 'counted_officer'
             WHEN r < 0.30 THEN 'in_progress' ELSE 'not_started' END)::count_status,
       CASE WHEN r < 0.25 THEN now() - (r * 480) * interval '1 day' END,
       false
FROM (
    SELECT i, random() AS r,
           (SELECT codes FROM v)[1 + (i % (SELECT array_length(codes, 1) FROM v))] AS vc
    FROM generate_series(1, :households) AS i
) AS s
"""


def _database(server_url: str) -> str:
    from sqlalchemy import create_engine, text

    name = f"census_bench_outreach_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server_url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return server_url.rsplit("/", 1)[0] + "/" + name


def _drop(url: str) -> None:
    from sqlalchemy import create_engine, text

    admin = create_engine(url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)'))
    admin.dispose()


def fill_register(url: str) -> None:
    """Migrate ``url``, load the regions and add the synthetic households."""
    from sqlalchemy import text

    from census import create_app
    from census.cli import upgrade_database
    from census.core import db
    from census.core.regions import load_regions

    app = create_app({"DATABASE_URL": url})
    with app.app_context():
        upgrade_database()
        load_regions(db.session())
        with db.engine().begin() as connection:
            connection.execute(text(FILL), {"prefix": REGENCY + ".%", "households": HOUSEHOLDS})
        with db.engine().connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE household"))
        db.engine().dispose()


def _row(ctx: Context, name: str, base: str, path: str) -> Row:
    """``path`` on the server at ``base`` against the bare page, in alternating rounds."""
    return replace(ctx, app_url=base).compare(name, path)


@scenario("outreach")
def scenarios(ctx: Context) -> list[Row]:
    """Region page, JSON and badge of a regency with 1,000,000 persons; weights of the pages."""
    from tests.live import start_server

    rows = [
        ctx.weight(path)
        for path in (
            "/wilayah",
            "/wilayah/33.16",
            "/wilayah/33.16/flyer",
            "/presentasi/33.16",
            "/untuk-pemda?wilayah=33.16",
            "/embed/cek?wilayah=33.16",
            "/demo",
        )
    ]
    if not ctx.postgres_url:
        ctx.notes.append("outreach: no PostgreSQL, the 1,000,000-person rows are skipped")
        return rows
    url = _database(ctx.postgres_url)
    try:
        fill_register(url)
        OUT.mkdir(parents=True, exist_ok=True)
        env = {"DATABASE_URL": url, "LIMITS_ENABLED": "0", "CENSUS_CACHE_SECONDS": "60"}
        redis_url = _redis()
        if redis_url:
            # As deployed at this scale: one cache shared by every worker.
            env.update(REDIS_URL=redis_url, CENSUS_KEY_PREFIX=f"bench-{uuid.uuid4().hex[:8]}")
        else:
            ctx.notes.append("outreach: no Redis, each worker caches the figures for itself")
        server = start_server(env, OUT / "outreach.log", workers=2)
        try:
            paths = (f"/wilayah/{REGENCY}", f"/wilayah/{REGENCY}.json", f"/badge/{REGENCY}.svg")
            rows.append(_miss(server.url + paths[0], paths[0]))
            for path in paths:
                _warm(server.url + path)
                rows.append(_row(ctx, f"GET {path} (1M persons, cached)", server.url, path))
        finally:
            server.stop()
    finally:
        _drop(url)
    return rows


MISS_TABLE = "Cache miss on a 1,000,000-person register (one request computes the figures)"


def _redis() -> str | None:
    import os

    url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except Exception:
        return None
    return url


def _fetch(url: str) -> float:
    import time
    import urllib.request

    start = time.perf_counter()
    with urllib.request.urlopen(url, timeout=120) as response:
        response.read()
    return (time.perf_counter() - start) * 1000


def _warm(url: str) -> None:
    """Fill the cache in both workers (without Redis each keeps its own)."""
    for _ in range(6):
        _fetch(url)


def _miss(url: str, path: str) -> Row:
    # A first request for a region computes its table, its parents' tables and the daily series.
    return Row(MISS_TABLE, f"GET {path}", {"ms": f"{_fetch(url):.0f}"})
