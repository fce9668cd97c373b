"""A live server: the real app under gunicorn on a free port, as ``make run`` serves it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).parent / "gunicorn"


@dataclass
class LiveServer:
    """A running gunicorn and its base URL."""

    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(env: dict[str, str], log: Path, workers: int = 1) -> LiveServer:
    """Start gunicorn serving ``app:app`` with ``env`` added, and wait until /healthz answers."""
    port = free_port()
    full_env = {**os.environ, **env}
    command = [
        str(GUNICORN),
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--no-control-socket",
        "--timeout",
        "60",
        "app:app",
    ]
    handle = open(log, "wb")  # noqa: SIM115 - closed with the process
    process = subprocess.Popen(command, cwd=ROOT, env=full_env, stdout=handle, stderr=handle)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited: {log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2) as response:
                if response.status == 200:
                    return LiveServer(url, process, log)
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"gunicorn did not answer: {log.read_text()[-2000:]}")


@pytest.fixture
def server_factory(database_url: str, tmp_path: Path) -> Iterator[Callable[..., LiveServer]]:
    """Start servers on the test's database with extra environment; all stopped afterwards."""
    servers: list[LiveServer] = []

    def make(workers: int = 1, **env: str) -> LiveServer:
        server = start_server(
            {"DATABASE_URL": database_url, **env},
            tmp_path / f"gunicorn-{len(servers)}.log",
            workers=workers,
        )
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.stop()


@pytest.fixture(scope="session")
def live_server(
    database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """One gunicorn per backend for the whole session (tests share it; data is cleared per test)."""
    log = tmp_path_factory.mktemp("live") / "gunicorn.log"
    server = start_server(
        # Throttles are tested on servers of their own (server_factory); journeys from one
        # address on a shared server would otherwise run into them.
        {"DATABASE_URL": database_url, "LIMITS_ENABLED": "0"},
        log,
    )
    yield server
    server.stop()
