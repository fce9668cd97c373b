"""A database connection lost late in a request: never a bare 500, never a saved answer lost.

On PostgreSQL the app's own connection is really cut (``pg_terminate_backend`` from a second
connection) at the moment that matters; on SQLite the driver's rollback, read or commit is made to
fail the way a lost file or disk would.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask, g
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import OperationalError

from census.core import db
from tests.form_helpers import HOUSING, enter, make_household, post_step, stored, version_of


@pytest.fixture
def terminate(app: Flask) -> Iterator[Callable[[Any], None]]:
    """Cut one PostgreSQL connection of the app from a second connection, and wait until it is
    gone."""
    admin = create_engine(app.config["DATABASE_URL"], isolation_level="AUTOCOMMIT")

    def cut(dbapi_connection: Any) -> None:
        pid = dbapi_connection.info.backend_pid
        with admin.connect() as connection:
            connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            for _ in range(100):
                alive = connection.execute(
                    text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid}
                ).scalar()
                if not alive:
                    return
                time.sleep(0.02)

    yield cut
    admin.dispose()


def _postgresql(app: Flask) -> bool:
    with app.app_context():
        return db.is_postgresql()


def _secured(response: Any) -> bool:
    return "Content-Security-Policy" in response.headers and "X-Frame-Options" in response.headers


@pytest.fixture
def cut_before_teardown(app: Flask, monkeypatch, terminate) -> dict[str, bool]:
    """While ``["on"]``: after the response is made, cut the connection the request's session
    still holds (on SQLite: make its rollback fail), so the closing rollback in teardown raises."""
    postgresql = _postgresql(app)
    armed = {"on": False}

    def failing_rollback(_dbapi_connection: Any) -> None:
        raise sqlite3.OperationalError("disk I/O error")

    @app.after_request
    def _cut(response: Any) -> Any:
        if armed["on"] and "db_session" in g:
            connection = db.session().connection()
            if postgresql:
                terminate(connection.connection.dbapi_connection)
            else:
                monkeypatch.setattr(db.engine().dialect, "do_rollback", failing_rollback)
        return response

    return armed


def test_a_connection_lost_before_teardown_still_answers(
    app, monkeypatch, cut_before_teardown
) -> None:
    made = make_household(app)
    client = app.test_client()
    assert enter(client, made).status_code == 303
    page = client.get("/isi/rumah")
    cut_before_teardown["on"] = True
    saved = client.post("/isi/rumah", data={"version": version_of(page.text), **HOUSING})
    cut_before_teardown["on"] = False
    monkeypatch.undo()
    # The answer was committed before the connection was lost: it is reported as saved.
    assert saved.status_code == 303, saved.status_code
    assert saved.headers["Location"].endswith("/isi/anggota")
    assert _secured(saved)
    _household, response = stored(app, made.household.id)
    assert response.answers["housing"] == HOUSING
    # The next request gets a healthy connection.
    assert client.get("/isi/anggota").status_code == 200


def test_a_reread_failing_after_the_commit_reports_the_save(app, monkeypatch, terminate) -> None:
    made = make_household(app)
    client = app.test_client()
    assert enter(client, made).status_code == 303
    assert post_step(client, "/isi/alamat", {"at_kk_address": "yes"}).status_code == 303
    page = client.get("/isi/rumah")
    postgresql = _postgresql(app)
    state = {"armed": False, "committed": False}
    with app.app_context():
        engine = db.engine()

    def on_commit(_connection: Connection) -> None:
        if state["armed"]:
            state["committed"] = True

    def before_execute(connection: Connection, _cursor, statement: str, *_args: Any) -> None:
        reading = statement.lstrip().upper().startswith("SELECT") and "form_response" in statement
        if not (state["armed"] and state["committed"] and reading):
            return
        state["armed"] = False
        if postgresql:
            terminate(connection.connection.dbapi_connection)
        else:
            raise OperationalError(statement, {}, sqlite3.OperationalError("disk I/O error"))

    event.listen(engine, "commit", on_commit)
    event.listen(engine, "before_cursor_execute", before_execute)
    try:
        state["armed"] = True
        saved = client.post("/isi/rumah", data={"version": version_of(page.text), **HOUSING})
    finally:
        event.remove(engine, "commit", on_commit)
        event.remove(engine, "before_cursor_execute", before_execute)
    assert state["committed"] and not state["armed"], "the re-read was not cut"
    assert saved.status_code == 303, saved.status_code
    assert saved.headers["Location"].endswith("/isi/anggota")
    _household, response = stored(app, made.household.id)
    assert response.answers["housing"] == HOUSING


def test_a_commit_that_fails_gives_the_translated_busy_page(app, monkeypatch, terminate) -> None:
    made = make_household(app)
    client = app.test_client()
    assert enter(client, made).status_code == 303
    page = client.get("/isi/rumah")
    postgresql = _postgresql(app)
    with app.app_context():
        engine = db.engine()

    def cut_on_commit(connection: Connection) -> None:
        terminate(connection.connection.dbapi_connection)

    def failing_commit(_dbapi_connection: Any) -> None:
        raise sqlite3.OperationalError("disk I/O error")

    if postgresql:
        event.listen(engine, "commit", cut_on_commit)
    else:
        monkeypatch.setattr(engine.dialect, "do_commit", failing_commit)
    try:
        refused = client.post("/isi/rumah", data={"version": version_of(page.text), **HOUSING})
    finally:
        if postgresql:
            event.remove(engine, "commit", cut_on_commit)
        monkeypatch.undo()
    assert refused.status_code == 503
    assert refused.headers["Retry-After"] == "30"
    assert _secured(refused)
    assert "Situs sedang sangat sibuk" in refused.text  # Indonesian, the default language
    # Nothing was saved, and trying again works.
    assert "housing" not in stored(app, made.household.id)[1].answers
    again = post_step(client, "/isi/rumah", HOUSING)
    assert again.status_code == 303
