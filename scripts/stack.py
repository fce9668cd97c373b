"""``make stack``: the production shape on one machine.

nginx (Debian's package) in front of two gunicorn app servers that share one PostgreSQL and one
Redis: nginx buffers slow phones, serves ``/static/`` from the precompressed files, limits
connections per address and skips an app server that is down; the app servers keep no state of
their own (sessions are signed cookies, throttles and caches in Redis, answers in PostgreSQL).

Environment: ``DATABASE_URL`` (PostgreSQL; its database is created when missing), ``REDIS_URL``,
``STACK_PORT`` (nginx, 8080), ``APP_PORTS`` (``8001,8002``), ``STACK_DIR`` (``instance/stack``),
``STACK_SETUP`` (``1``: migrate, load regions, demo data when empty). An app server that exits
is started again after two seconds, as a service manager would; Ctrl+C stops everything.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
NGINX = "/usr/sbin/nginx"
MIME = "/etc/nginx/mime.types"


def ensure_database(url: str) -> None:
    """Create the PostgreSQL database named in ``url`` when it does not exist yet."""
    import psycopg
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if not parsed.drivername.startswith("postgresql"):
        raise SystemExit(
            "make stack shares one PostgreSQL between its app servers: set DATABASE_URL"
        )
    server = parsed.set(drivername="postgresql", database="postgres")
    conninfo = server.render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as connection:
        found = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (parsed.database,)
        ).fetchone()
        if found is None:
            connection.execute(f'CREATE DATABASE "{parsed.database}"')
            print(f"created database {parsed.database}", flush=True)


def nginx_conf(run: Path, listen: int, apps: list[int]) -> Path:
    """Write nginx's configuration for this stack from deploy/nginx.conf.in."""
    text = (ROOT / "deploy" / "nginx.conf.in").read_text()
    upstreams = "\n".join(
        f"        server 127.0.0.1:{port} max_fails=1 fail_timeout=5s;" for port in apps
    )
    # Run as root (a development machine or CI), nginx's workers read the checkout as root too;
    # a production nginx runs as its packaged service user instead.
    user = "user root;" if os.geteuid() == 0 else ""
    for key, value in {
        "@@USER@@": user,
        "@@RUN@@": str(run),
        "@@MIME@@": MIME,
        "@@LISTEN@@": f"127.0.0.1:{listen}",
        "@@UPSTREAMS@@": upstreams,
        "@@STATIC@@": str(ROOT / "census" / "static"),
    }.items():
        text = text.replace(key, value)
    path = run / "nginx.conf"
    path.write_text(text)
    return path


def start_app(port: int, run: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    """One gunicorn app server with ``make run``'s settings, behind one proxy hop."""
    log = open(run / f"app-{port}.log", "ab")  # noqa: SIM115 - lives as long as the process
    command = [
        str(BIN / "gunicorn"),
        "--config",
        str(ROOT / "deploy" / "gunicorn.conf.py"),
        "--bind",
        f"127.0.0.1:{port}",
        "--no-control-socket",
        # Paths only (%(U)s): a query string could carry what a person typed.
        "--access-logfile",
        str(run / f"app-{port}.access.log"),
        "--access-logformat",
        "%(m)s %(U)s %(s)s",
        "app:app",
    ]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)


def wait_until_up(url: str, processes: list[subprocess.Popen[bytes]], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while True:
        if any(p.poll() is not None for p in processes):
            raise SystemExit("a part of the stack exited at start; see its log in STACK_DIR")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise SystemExit(f"the stack did not answer on {url}")
        time.sleep(0.2)


def main() -> int:
    if not Path(NGINX).exists():
        raise SystemExit("nginx is missing: apt-get install nginx (make stack installs it)")
    database = os.environ.get("DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/census")
    redis = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    listen = int(os.environ.get("STACK_PORT", "8080"))
    apps = [int(p) for p in os.environ.get("APP_PORTS", "8001,8002").split(",")]
    run = Path(os.environ.get("STACK_DIR", ROOT / "instance" / "stack")).resolve()
    for sub in ("", "body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (run / sub).mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "DATABASE_URL": database, "REDIS_URL": redis, "TRUSTED_PROXY_HOPS": "1"}
    env["FLASK_APP"] = "app"
    ensure_database(database)
    if os.environ.get("STACK_SETUP", "1") != "0":
        subprocess.run([str(BIN / "flask"), "census", "setup"], cwd=ROOT, env=env, check=True)
    conf = nginx_conf(run, listen, apps)
    subprocess.run([NGINX, "-t", "-q", "-c", str(conf), "-p", str(run)], check=True)
    servers = {port: start_app(port, run, env) for port in apps}
    for port, process in servers.items():  # nginx starts once every app server answers
        wait_until_up(f"http://127.0.0.1:{port}/healthz", [process])
    nginx_log = open(run / "nginx.log", "ab")  # noqa: SIM115 - lives as long as nginx
    nginx = subprocess.Popen(
        [NGINX, "-c", str(conf), "-p", str(run)], stdout=nginx_log, stderr=nginx_log
    )
    stopping = False

    def stop(_signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    url = f"http://127.0.0.1:{listen}"
    wait_until_up(url + "/healthz", [nginx, *servers.values()])

    def write_pids() -> None:
        pids = {"nginx": nginx.pid, "apps": {str(p): s.pid for p, s in servers.items()}}
        (run / "pids.json").write_text(json.dumps(pids))

    write_pids()
    ports = ", ".join(f"127.0.0.1:{p}" for p in apps)
    print(f"Stack on {url} (nginx) in front of app servers {ports}; Ctrl+C stops it", flush=True)
    try:
        while not stopping:
            time.sleep(0.5)
            if nginx.poll() is not None:
                print("nginx exited; stopping the stack", flush=True)
                break
            for port, process in list(servers.items()):
                if process.poll() is not None and not stopping:
                    print(f"app server {port} exited; starting it again", flush=True)
                    time.sleep(2)
                    servers[port] = start_app(port, run, env)
                    write_pids()
    finally:
        for process in (nginx, *servers.values()):
            if process.poll() is None:
                process.terminate()
        for process in (nginx, *servers.values()):
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
