"""PostgreSQL stopped and restarted in the middle of a household's journey: no 5xx but the
translated "try again" page while it is down, and nothing that was acknowledged is lost.

The test starts a PostgreSQL server of its own (initdb on a free port, in a temporary folder) and
stops and starts only that one, never the machine's own.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from census import create_app
from census.cli import upgrade_database
from census.core import db
from census.core.models import CountStatus, Region, RegionLevel
from tests.conftest import unavailable
from tests.form_helpers import HOUSING, enter, fill_until_check, post_step, stored, version_of
from tests.live import free_port

REGIONS = (
    ("33", "JAWA TENGAH", RegionLevel.PROVINCE, None),
    ("33.16", "KABUPATEN BLORA", RegionLevel.REGENCY, "33"),
    ("33.16.01", "JATI", RegionLevel.DISTRICT, "33.16"),
    ("33.16.01.2001", "DOPLANG", RegionLevel.VILLAGE, "33.16.01"),
)


class OwnPostgres:
    """A PostgreSQL server in a temporary folder, run as the ``postgres`` user when we are root."""

    def __init__(self) -> None:
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
        if not found:
            unavailable("postgres", "no PostgreSQL server binaries (Debian package postgresql)")
        self.bin = Path(found[-1]).parent
        self.root = Path(tempfile.mkdtemp(prefix="census-pg-"))
        self.root.chmod(0o755)
        self.data = self.root / "data"
        self.port = free_port()
        self.root_is_us = os.geteuid() == 0
        if self.root_is_us:
            shutil.chown(self.root, "postgres", "postgres")

    def run(self, *args: str) -> None:
        command = [str(self.bin / args[0]), *args[1:]]
        if self.root_is_us:
            command = ["su", "postgres", "-s", "/bin/sh", "-c", subprocess.list2cmdline(command)]
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    def initdb(self) -> None:
        self.run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        log = str(self.root / "server.log")
        self.run("pg_ctl", "-D", str(self.data), "-o", options, "-l", log, "-w", "start")

    def stop(self) -> None:
        self.run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"


@pytest.fixture
def own_postgres() -> Iterator[OwnPostgres]:
    server = OwnPostgres()
    try:
        server.initdb()
        server.start()
    except (subprocess.SubprocessError, OSError) as exc:
        shutil.rmtree(server.root, ignore_errors=True)
        unavailable("postgres", f"could not start a PostgreSQL of the test's own: {exc}")
    try:
        yield server
    finally:
        with contextlib.suppress(subprocess.SubprocessError):
            server.run("pg_ctl", "-D", str(server.data), "-m", "immediate", "stop")
        shutil.rmtree(server.root, ignore_errors=True)


@pytest.fixture
def restart_app(own_postgres: OwnPostgres) -> Iterator[Flask]:
    import psycopg

    conninfo = f"host=127.0.0.1 port={own_postgres.port} user=postgres dbname=postgres"
    with psycopg.connect(conninfo, autocommit=True) as connection:
        connection.execute('CREATE DATABASE "census"')
    app = create_app(
        {"DATABASE_URL": own_postgres.url("census"), "TESTING": True, "WTF_CSRF_ENABLED": False}
    )
    with app.app_context():
        upgrade_database()
        session = db.session()
        for code, name, level, parent in REGIONS:
            session.add(Region(code=code, name=name, level=level, parent_code=parent))
        session.commit()
    yield app
    with app.app_context():
        db.engine().dispose()


def test_a_journey_goes_on_after_postgresql_restarts(restart_app, own_postgres) -> None:
    from tests.factories import add_household

    app = restart_app
    with app.app_context():
        made = add_household(db.session())
    client = app.test_client()
    assert enter(client, made).status_code == 303
    assert post_step(client, "/isi/alamat", {"at_kk_address": "yes"}).status_code == 303
    page = client.get("/isi/rumah").get_data(as_text=True)

    own_postgres.stop()  # the database goes away between two steps
    down = client.post("/isi/rumah?lang=id", data={"version": version_of(page), **HOUSING})
    assert down.status_code == 503
    assert "Retry-After" in down.headers and "Content-Security-Policy" in down.headers
    assert "<html" in down.get_data(as_text=True)  # the site's own page, not a bare error
    health = client.get("/healthz")
    assert health.status_code == 503 and health.json["status"] != "ok"
    assert client.get("/").status_code < 500  # information pages do not need the database

    own_postgres.start()  # back: the same step goes through, and so does the rest
    again = client.post("/isi/rumah", data={"version": version_of(page), **HOUSING})
    assert again.status_code == 303, again.get_data(as_text=True)[:500]
    household, response = stored(app, made.household.id)
    assert response.answers["address"]["at_kk_address"] == "yes"  # acknowledged before: kept
    assert response.answers["housing"]["tenure"] == "own"
    fill_until_check(client, app, made)
    html = client.get("/isi/periksa").get_data(as_text=True)
    assert client.post("/isi/periksa", data={"version": version_of(html)}).status_code == 303
    household, response = stored(app, made.household.id)
    assert household.status is CountStatus.COUNTED_ONLINE and response.submitted_at is not None
