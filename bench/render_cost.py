"""Rendering cost in-process: CPU milliseconds per request, no server and no network.

``python -m bench.render_cost`` (from the project root) builds the app on a fresh SQLite file with
CSRF and throttles off, adds one household, enters its census form, and times each request with
``time.process_time`` (the best of five rounds, since the development machine is shared).
See "Rendering cost" in docs/benchmarks.md.
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("SECRET_KEY", "bench-secret-key")
os.environ.setdefault("IDENTITY_HASH_KEY", "bench-identity-hash-key")
os.environ.pop("REDIS_URL", None)


def main(rounds: int = 5, per_round: int = 40) -> None:
    from census import create_app
    from census.cli import upgrade_database
    from census.core import db
    from census.core.regions import load_regions
    from tests.factories import add_household
    from tests.form_helpers import enter

    logging.disable(logging.INFO)
    warnings.simplefilter("ignore")
    url = f"sqlite:///{Path(tempfile.mkdtemp()) / 'census.db'}"
    app = create_app({"DATABASE_URL": url, "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False})
    with app.app_context():
        upgrade_database()
        load_regions(db.session())
        made = add_household(db.session())
    visitor, resident = app.test_client(), app.test_client()
    enter(resident, made)
    gzip = {"Accept-Encoding": "gzip"}
    numbers = {"kk": made.kk, "nik": made.niks[0]}
    cases: dict[str, Callable[[], object]] = {
        "GET /": lambda: visitor.get("/"),
        "GET / (gzip)": lambda: visitor.get("/", headers=gzip),
        "GET /cek": lambda: visitor.get("/cek"),
        "POST /cek (found)": lambda: visitor.post("/cek", data=numbers),
        "GET /isi/rumah": lambda: resident.get("/isi/rumah"),
        "GET /isi/rumah (gzip)": lambda: resident.get("/isi/rumah", headers=gzip),
    }
    for name, request in cases.items():
        for _ in range(10):
            request()
        best = []
        for _ in range(rounds):
            start = time.process_time()
            for _ in range(per_round):
                request()
            best.append((time.process_time() - start) * 1000 / per_round)
        print(f"{name:24s} {min(best):6.2f} ms")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    main()
