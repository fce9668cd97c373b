"""``python -m bench`` (``make bench``): start the servers, run every scenario, print the tables.

The site runs under gunicorn exactly as ``make run`` serves it (2 sync workers,
``--no-control-socket``) on a SQLite database with the demo register; a bare Flask page runs under
the same settings as the ceiling. Options: ``-k NAME`` to run some scenarios only,
``--seconds`` per load run. ``BENCH_POSTGRES_URL`` names a PostgreSQL server for the import
scenario (default: postgres@127.0.0.1:5432, skipped when it does not answer).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
from pathlib import Path

from bench import (  # noqa: F401 - importing a module registers its scenarios
    form,
    hot,
    outreach,
    pages,
    peak,
    scenarios,
    status,
)
from bench.core import (
    OUT,
    SCENARIOS,
    Context,
    Row,
    create_database,
    drop_database,
    gunicorn,
    print_tables,
)


def prepare_site_database(url: str) -> None:
    """A migrated database with regions and the demo register, as ``make run`` makes it."""
    from census import create_app

    app = create_app({"DATABASE_URL": url})
    result = app.test_cli_runner().invoke(args=["census", "setup"])
    if result.exit_code != 0:
        raise RuntimeError(result.output)


def postgres_url() -> str | None:
    """A fresh PostgreSQL database for the import scenario, or None when none answers."""
    url = create_database()
    if url is None:
        print("PostgreSQL not available: its import row is skipped")
    return url


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (
        f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, "
        f"load average {load:.2f} at start"
    )


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("-k", action="append", help="run only these scenarios", default=[])
    parser.add_argument("--seconds", type=float, default=5.0, help="duration of each load run")
    args = parser.parse_args()
    chosen = [name for name in SCENARIOS if not args.k or name in args.k]

    os.environ.setdefault("SECRET_KEY", "bench-secret-key")
    os.environ.setdefault("IDENTITY_HASH_KEY", "bench-identity-hash-key")
    os.environ.pop("DATABASE_URL", None)
    OUT.mkdir(parents=True, exist_ok=True)
    site_db = OUT / "site.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{site_db}{suffix}").unlink(missing_ok=True)
    sqlite_url = f"sqlite:///{site_db}"
    print(f"machine: {machine()}")
    prepare_site_database(sqlite_url)

    env = {"DATABASE_URL": sqlite_url, "LIMITS_ENABLED": "0"}
    site, site_url = gunicorn("app:app", env, OUT / "site.log")
    import urllib.request

    from tests.browser_fixtures import first_load_bytes  # noqa: F401 - fails early if missing

    with urllib.request.urlopen(site_url + "/") as response:
        home_bytes = len(response.read())
    bare, bare_url = gunicorn(
        "bench.bare:app", {"BENCH_BARE_BYTES": str(home_bytes)}, OUT / "bare.log"
    )
    pg_url = postgres_url() if {"import", "outreach"} & set(chosen) else None
    ctx = Context(site_url, bare_url, sqlite_url, pg_url, seconds=args.seconds)
    rows: list[Row] = []
    try:
        for name in chosen:
            print(f"running {name}...", flush=True)
            rows += SCENARIOS[name](ctx)
    finally:
        for process in (site, bare):
            process.terminate()
            process.wait(timeout=10)
        if pg_url:
            drop_database(pg_url)
    print(f"\nbare page: {home_bytes} bytes, the size of the home page's HTML")
    print_tables(rows)
    for note in ctx.notes:
        print(note)
    return 0


if __name__ == "__main__":
    sys.exit(main())
