"""What every benchmark scenario gets: running servers, a load generator, page weights, a table.

A scenario is a function registered with ``@scenario("name")`` that receives a ``Context`` and
returns ``Row``s; ``python -m bench`` runs them all (or those named with ``-k``) and prints one
table per ``Row.table``. See docs/benchmarks.md.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from statistics import median

from tests.browser_fixtures import first_load_bytes

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
WORKERS = "2"


@dataclass
class Row:
    """One line of a result table; ``values`` are column name -> text, in display order."""

    table: str
    name: str
    values: dict[str, str] = field(default_factory=dict)
    #: A load row's ratio to the bare page, unrounded (its aim is met or not by this).
    ratio: float | None = None


@dataclass
class Load:
    """What a load run measured."""

    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int


Scenario = Callable[["Context"], list[Row]]
SCENARIOS: dict[str, Scenario] = {}


def scenario(name: str) -> Callable[[Scenario], Scenario]:
    """Register a scenario under ``name`` (the order of registration is the order of the run)."""

    def register(function: Scenario) -> Scenario:
        SCENARIOS[name] = function
        return function

    return register


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()  # type: ignore[union-attr]
    return float(value) * _UNITS[unit]


def parse_wrk(output: str) -> Load:
    """Read requests/s, p50, p99 and errors from ``wrk --latency`` output."""
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"\s50%\s+(\S+)", output).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"\s99%\s+(\S+)", output).group(1))  # type: ignore[union-attr]
    errors = 0
    for pattern in (r"Non-2xx or 3xx responses: (\d+)", r"Socket errors: .*?(\d+)"):
        found = re.search(pattern, output)
        if found:
            errors += int(found.group(1))
    return Load(rps, p50, p99, errors)


#: What every load sends: phones accept gzip.
GZIP = {"Accept-Encoding": "gzip"}
HTTP_TABLE = "HTTP (2 gunicorn sync workers; ratio = req/s of the page / req/s of the bare page)"


@dataclass
class Context:
    """Servers and helpers a scenario uses; only 127.0.0.1, bounded in time."""

    app_url: str
    bare_url: str
    sqlite_url: str
    postgres_url: str | None
    seconds: float = 5.0
    connections: int = 4
    notes: list[str] = field(default_factory=list)

    def load(
        self,
        url: str,
        *,
        method: str = "GET",
        body: str | None = None,
        headers: dict[str, str] | None = None,
        seconds: float | None = None,
        warm_up: bool = True,
    ) -> Load:
        """Drive ``url`` with wrk (one thread, a few connections) and return what it measured."""
        wrk = shutil.which("wrk")
        if wrk is None:
            raise RuntimeError("wrk is not installed (make bench installs it on Debian)")
        duration = f"{max(1, round(seconds or self.seconds))}s"
        command = [wrk, "-t1", f"-c{self.connections}", f"-d{duration}", "--latency"]
        script = None
        if method != "GET" or body or headers:
            script = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)  # noqa: SIM115
            lua = [f"wrk.method = {_lua(method)}"]
            if body is not None:
                lua.append(f"wrk.body = {_lua(body)}")
            for key, value in (headers or {}).items():
                lua.append(f"wrk.headers[{_lua(key)}] = {_lua(value)}")
            script.write("\n".join(lua) + "\n")
            script.close()
            command += ["-s", script.name]
        try:
            subprocess.run(
                [*command[:3], "-d1s", *command[5:], url], capture_output=True, timeout=30
            )
            done = subprocess.run(
                [*command, url], capture_output=True, text=True, timeout=120, check=True
            )
        finally:
            if script is not None:
                Path(script.name).unlink(missing_ok=True)
        return parse_wrk(done.stdout)

    def bare(self) -> Load:
        """Load the bare page once, for a scenario that drives its own load (a wrk script)."""
        return self.load(self.bare_url + "/", headers=GZIP)

    def compare(self, name: str, path: str, rounds: int = 3, **kwargs: object) -> Row:
        """Load ``path`` on the app and the bare page in alternating rounds; a row with the ratio.

        Alternating keeps both under the same background load, so the ratio holds on a busy
        machine even when the absolute figures do not.
        """
        seconds = max(1.0, self.seconds / rounds)
        # Both sides are asked as a phone asks: gzip accepted (the bare page has it ready).
        headers = {**GZIP, **(kwargs.pop("headers", None) or {})}  # type: ignore[dict-item]
        ours, bare = [], []
        for i in range(rounds):
            ours.append(
                self.load(
                    self.app_url + path,
                    seconds=seconds,
                    warm_up=i == 0,
                    headers=headers,
                    **kwargs,  # type: ignore[arg-type]
                )
            )
            bare.append(
                self.load(self.bare_url + "/", seconds=seconds, warm_up=i == 0, headers=GZIP)
            )
        rps = sum(r.requests_per_second for r in ours) / rounds
        bare_rps = sum(r.requests_per_second for r in bare) / rounds
        return Row(
            HTTP_TABLE,
            name,
            {
                "req/s": f"{rps:.0f}",
                "p50 ms": f"{median(r.p50_ms for r in ours):.1f}",
                "p99 ms": f"{median(r.p99_ms for r in ours):.1f}",
                "bare req/s": f"{bare_rps:.0f}",
                "bare p99 ms": f"{median(r.p99_ms for r in bare):.1f}",
                "ratio": f"{rps / bare_rps:.2f}",
                "errors": str(sum(r.errors for r in ours)),
            },
            ratio=rps / bare_rps,
        )

    def weight(self, path: str) -> Row:
        """Gzipped first-load bytes of ``path`` (HTML and blocking CSS) against the 14 KB budget."""
        size = first_load_bytes(self.app_url, path)
        return Row(
            "First load (HTML + blocking CSS, gzipped; budget 14 KB)",
            f"GET {path}",
            {
                "bytes": str(size),
                "KB": f"{size / 1024:.1f}",
                "of budget": f"{size / (14 * 1024):.0%}",
            },
        )


def with_aim(row: Row, aim: float | None) -> Row:
    """``row`` with its aim (a ratio to the bare page) and whether its ratio, unrounded, meets
    it (a printed 0.20 may be 0.196)."""
    ratio = row.ratio if row.ratio is not None else float(row.values["ratio"])
    row.values["aim"] = "" if aim is None else f">= {aim}"
    row.values["met"] = "" if aim is None else "yes" if ratio >= aim else "no"
    return row


def _lua(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def print_tables(rows: list[Row]) -> None:
    """Print rows grouped by table, columns aligned."""
    tables: dict[str, list[Row]] = {}
    for row in rows:
        tables.setdefault(row.table, []).append(row)
    for title, members in tables.items():
        columns: list[str] = []
        for row in members:
            columns += [c for c in row.values if c not in columns]
        header = ["", *columns]
        body = [[row.name, *(row.values.get(c, "") for c in columns)] for row in members]
        widths = [max(len(line[i]) for line in [header, *body]) for i in range(len(header))]
        print(f"\n{title}")
        for i, line in enumerate([header, *body]):
            cells = [line[0].ljust(widths[0])] + [
                c.rjust(w) for c, w in zip(line[1:], widths[1:], strict=True)
            ]
            print("  ".join(cells).rstrip())
            if i == 0:
                print("  ".join("-" * w for w in widths))


def gunicorn(app: str, env: dict[str, str], log: Path) -> tuple[subprocess.Popen[bytes], str]:
    """Start gunicorn like ``make run`` does and wait for it; returns the process and its URL."""
    from tests.live import free_port

    port = free_port()
    command = [
        str(Path(sys.executable).parent / "gunicorn"),
        "--bind", f"127.0.0.1:{port}",
        "--workers", WORKERS,
        "--no-control-socket",
        app,
    ]  # fmt: skip
    handle = open(log, "wb")  # noqa: SIM115 - closed with the process
    process = subprocess.Popen(
        command, cwd=ROOT, env={**os.environ, **env}, stdout=handle, stderr=handle
    )
    url = f"http://127.0.0.1:{port}"
    import time
    import urllib.request

    for _ in range(300):
        if process.poll() is not None:
            raise RuntimeError(f"{app} exited: {log.read_text()[-1500:]}")
        try:
            with urllib.request.urlopen(url + "/", timeout=2):
                return process, url
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"{app} did not answer")


def _server_url() -> str:
    return os.environ.get(
        "BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    )


def create_database(prefix: str = "census_bench") -> str | None:
    """A new, empty PostgreSQL database on ``BENCH_POSTGRES_URL``'s server; None if none answers."""
    from sqlalchemy import create_engine, text

    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    try:
        with create_engine(_server_url(), isolation_level="AUTOCOMMIT").connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception:
        return None
    return _server_url().rsplit("/", 1)[0] + "/" + name


def drop_database(url: str) -> None:
    """Drop a database ``create_database`` made."""
    from sqlalchemy import create_engine, text

    with create_engine(_server_url(), isolation_level="AUTOCOMMIT").connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)'))
