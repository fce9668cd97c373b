"""``make stack``: nginx in front of two app servers sharing PostgreSQL and Redis.

A household's whole journey goes through nginx with CSRF on, across both app servers; one app
server is killed in the middle of it (SIGKILL, as a crash would), and the journey finishes on
the other with nothing lost. Static files come from nginx, precompressed and long-cached.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path
from typing import Any

import pytest

from census import create_app
from census.cli import upgrade_database
from census.core import db
from census.core.models import CountStatus, Household
from census.core.regions import load_regions
from tests.conftest import unavailable
from tests.factories import add_household
from tests.form_helpers import enter, fill_until_check, version_of
from tests.live import ROOT, free_port

NGINX = Path("/usr/sbin/nginx")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class Answer:
    """What the journey helpers read of a response (the FlaskClient's names)."""

    def __init__(self, status: int, headers: Any, body: bytes) -> None:
        self.status_code, self.headers, self._body = status, headers, body

    def get_data(self, as_text: bool = False) -> Any:
        return self._body.decode() if as_text else self._body


class Phone:
    """A browser without JavaScript: cookies, the page's CSRF token, no automatic redirects."""

    def __init__(self, base: str) -> None:
        self.base, self.token, self.answers = base, None, []
        jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(jar), _NoRedirect()
        )

    def _open(self, request: urllib.request.Request) -> Answer:
        try:
            with self.opener.open(request, timeout=30) as response:
                answer = Answer(response.status, response.headers, response.read())
        except urllib.error.HTTPError as error:
            answer = Answer(error.code, error.headers, error.read())
        self.answers.append(answer.status_code)
        found = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', answer.get_data())
        if found:
            self.token = found.group(1).decode()
        return answer

    def get(self, path: str) -> Answer:
        return self._open(urllib.request.Request(self.base + path))

    def post(self, path: str, data: dict[str, Any]) -> Answer:
        if self.token is None:
            self.get(path)
        body = urllib.parse.urlencode({**data, "csrf_token": self.token}).encode()
        return self._open(urllib.request.Request(self.base + path, data=body, method="POST"))


@pytest.fixture
def stack(postgres_url: str, redis_url: str, tmp_path: Path):
    """A stack of its own: a new database, nginx and two app servers on free ports."""
    if not NGINX.exists():
        unavailable("nginx", "/usr/sbin/nginx is not installed (Debian package 'nginx')")
    name = f"census_stack_{uuid.uuid4().hex[:8]}"
    url = postgres_url.rsplit("/", 1)[0] + "/" + name
    ports = [free_port(), free_port(), free_port()]
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "REDIS_URL": redis_url,
        "CENSUS_KEY_PREFIX": name,
        "STACK_PORT": str(ports[0]),
        "APP_PORTS": f"{ports[1]},{ports[2]}",
        "STACK_DIR": str(tmp_path / "stack"),
        "STACK_SETUP": "0",
        "LIMITS_ENABLED": "0",
        "WORKERS": "1",
    }
    import psycopg

    server = postgres_url.replace("postgresql+psycopg://", "postgresql://").rsplit("/", 1)[0]
    with psycopg.connect(server + "/postgres", autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    app = create_app({"DATABASE_URL": url, "TESTING": True})
    with app.app_context():
        upgrade_database()
        load_regions(db.session())
    log = tmp_path / "stack.log"
    with open(log, "wb") as handle:
        process = subprocess.Popen(
            [sys.executable, str(ROOT / "scripts" / "stack.py")],
            cwd=ROOT,
            env=env,
            stdout=handle,
            stderr=handle,
        )
    try:
        deadline = time.monotonic() + 90
        while "Stack on" not in log.read_text():
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        yield app, f"http://127.0.0.1:{ports[0]}", tmp_path / "stack", log
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)
        with app.app_context():
            db.engine().dispose()
        with psycopg.connect(server + "/postgres", autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_a_journey_through_nginx_survives_an_app_server_killed_in_the_middle(stack) -> None:
    app, base, run, log = stack
    with app.app_context():
        made = add_household(db.session())
    phone = Phone(base)
    assert enter(phone, made).status_code == 303  # numbers and PIN, through nginx
    pids = json.loads((run / "pids.json").read_text())
    first, second = sorted(pids["apps"])
    os.kill(pids["apps"][first], signal.SIGKILL)  # a crash in the middle of the journey
    fill_until_check(phone, app, made)
    page = phone.get("/isi/periksa")
    sent = phone.post("/isi/periksa", {"version": version_of(page.get_data(as_text=True))})
    assert sent.status_code == 303 and "/isi/bukti" in sent.headers["Location"]
    assert all(status < 500 for status in phone.answers), phone.answers
    with app.app_context():
        household = db.session().get(Household, made.household.id)
        assert household.status is CountStatus.COUNTED_ONLINE and household.proof_code
    served = {port: (run / f"app-{port}.access.log").read_text() for port in (first, second)}
    assert all("/isi" in text for text in served.values())  # both app servers served the journey
    assert "starting it again" in log.read_text()


def test_nginx_serves_static_files_precompressed_and_long_cached(stack) -> None:
    _app, base, run, _log = stack
    request = urllib.request.Request(
        base + "/static/vendor/htmx-1.9.12.min.js", headers={"Accept-Encoding": "gzip"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.headers["Content-Encoding"] == "gzip"
        assert response.headers.get_all("Cache-Control") == ["public, max-age=31536000, immutable"]
        assert response.headers["Server"] == "nginx"
    logs = "".join(path.read_text() for path in run.glob("app-*.access.log"))
    assert "/static/" not in logs  # nginx answered it alone
