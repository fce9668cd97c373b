"""``make run``'s gunicorn settings keep the site answering while phones are slow or idle.

gunicorn runs with exactly ``deploy/gunicorn.conf.py`` on a free loopback port, on a temporary
SQLite database. Two TCP connections stay open without sending anything, and ten clients send a
POST body at one byte a second (each for at most 12 s); a normal ``GET /`` must still answer
within 2 s. Traffic goes to 127.0.0.1 only.
"""

from __future__ import annotations

import os
import socket
import subprocess
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from census import create_app
from census.cli import upgrade_database
from census.core import db
from tests.live import GUNICORN, ROOT, free_port

CONFIG = ROOT / "deploy" / "gunicorn.conf.py"
IDLE, SLOW, SLOW_SECONDS, ANSWER_WITHIN = 2, 10, 12.0, 2.0


def start(tmp_path: Path, *options: str) -> tuple[subprocess.Popen[bytes], int, Path]:
    """gunicorn with ``options`` (by default: the config file) on a fresh SQLite database."""
    url = f"sqlite:///{tmp_path / 'census.db'}"
    app = create_app({"DATABASE_URL": url})
    with app.app_context():
        upgrade_database()
        db.engine().dispose()
    port = free_port()
    env = {**os.environ, "DATABASE_URL": url, "PORT": str(port), "LIMITS_ENABLED": "0"}
    log = tmp_path / "gunicorn.log"
    command = [str(GUNICORN), *(options or ("--config", str(CONFIG))), "--no-control-socket"]
    with open(log, "wb") as handle:
        process = subprocess.Popen(
            [*command, "app:app"], cwd=ROOT, env=env, stdout=handle, stderr=handle
        )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited: {log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                return process, port, log
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"gunicorn did not answer: {log.read_text()[-2000:]}")


def _slow_upload(port: int, stop: threading.Event) -> None:
    """A POST whose body arrives at one byte a second, until ``stop`` or SLOW_SECONDS."""
    body = b"kk=" + b"3" * 60
    head = (
        "POST /cek HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(head)
        started = time.monotonic()
        for byte in body:
            if stop.is_set() or time.monotonic() - started > SLOW_SECONDS:
                return
            try:
                sock.sendall(bytes([byte]))
            except OSError:
                return
            stop.wait(1.0)


def measure(port: int, samples: int = 4) -> list[float]:
    """Seconds each ``GET /`` took while the idle and slow clients held on (inf: none in 10 s)."""
    stop = threading.Event()
    idle = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(IDLE)]
    slow = [
        threading.Thread(target=_slow_upload, args=(port, stop), daemon=True) for _ in range(SLOW)
    ]
    timings: list[float] = []
    try:
        for thread in slow:
            thread.start()
        time.sleep(1.5)  # every slow client is connected and sending
        for _ in range(samples):
            started = time.monotonic()
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as answer:
                    answer.read()
                    assert answer.status == 200
                timings.append(time.monotonic() - started)
            except OSError:
                timings.append(float("inf"))
            time.sleep(max(0.0, 2.5 - (time.monotonic() - started)))
    finally:
        stop.set()
        for sock in idle:
            sock.close()
        for thread in slow:
            thread.join(timeout=SLOW_SECONDS + 5)
    return timings


@pytest.fixture
def server(tmp_path: Path) -> Iterator[int]:
    process, port, _log = start(tmp_path)
    yield port
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


def test_make_run_config_answers_while_phones_are_slow_or_idle(server: int) -> None:
    timings = measure(server)
    assert max(timings) < ANSWER_WITHIN, timings
