"""Engine and session handling with plain SQLAlchemy 2.

One engine per application, one session per application context (a request or a CLI command),
closed when the context ends. Closing never fails a request: a connection lost late (the database
restarted, a proxy cut it) makes the closing rollback raise after the answer was written, and that
error is logged (its type only) and dropped. SQLite gets the pragmas that make it a sound
embedded default (foreign keys, WAL, a busy timeout for several gunicorn workers).
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, current_app, g
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

log = logging.getLogger(__name__)


class Base(DeclarativeBase):
    """Declarative base for every model."""


def make_engine(url: str, *, lock_timeout: float = 0, **kwargs: Any) -> Engine:
    """Create an engine with the settings this project relies on.

    ``lock_timeout`` (seconds, PostgreSQL; 0: wait forever) bounds how long a statement waits
    for a lock, so a request blocked by a long import fails fast instead of holding a worker.
    """
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    if lock_timeout:
        options = f"-c lock_timeout={round(lock_timeout * 1000)}"
        kwargs["connect_args"] = {**kwargs.get("connect_args", {}), "options": options}
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10, **kwargs)


def init_app(app: Flask) -> None:
    """Attach an engine and a session factory to ``app``."""
    engine = make_engine(
        app.config["DATABASE_URL"], lock_timeout=app.config.get("DATABASE_LOCK_TIMEOUT", 0)
    )
    app.extensions["census_db"] = sessionmaker(engine, expire_on_commit=False)
    app.teardown_appcontext(_close_session)


def engine() -> Engine:
    """The current application's engine."""
    factory: sessionmaker[Session] = current_app.extensions["census_db"]
    bound = factory.kw["bind"]
    assert isinstance(bound, Engine)
    return bound


def read_connection() -> Connection:
    """A connection of the engine's pool for one read that needs no transaction
    (``with db.read_connection() as connection: ...``).

    The request's session opens a transaction on its first statement and rolls it back when
    the request ends: on PostgreSQL a ``BEGIN`` and a ``ROLLBACK`` on the wire around a single
    ``SELECT``, two of the four round trips of a status check. There this connection is in
    autocommit, so neither is sent; Python's ``sqlite3`` starts no transaction for a ``SELECT``,
    so on SQLite it is a plain connection (switching it to autocommit and back would cost two
    statements). Either is checked (pinged) when it leaves the pool, as every other.
    """
    bind = engine()
    if bind.dialect.name == "postgresql":
        autocommit = current_app.extensions.get("census_db_autocommit")
        if autocommit is None:
            autocommit = bind.execution_options(isolation_level="AUTOCOMMIT")
            current_app.extensions["census_db_autocommit"] = autocommit
        bind = autocommit
    return bind.connect()


def session() -> Session:
    """The session of the current application context, opened on first use."""
    if "db_session" not in g:
        g.db_session = current_app.extensions["census_db"]()
    return g.db_session


def _invalidate(db_session: Session) -> None:
    try:
        db_session.invalidate()
    except Exception as exc:
        log.warning("database session invalidate failed: %s", type(exc).__name__)


def discard_session() -> None:
    """Drop this context's session after a database error, and its connections with it: a
    connection whose commit failed may still hold that transaction open (SQLite does), and the
    pool must never hand it to the next request, whose commit would write it after all."""
    db_session = g.pop("db_session", None)
    if db_session is not None:
        _invalidate(db_session)


def _close_session(_exc: BaseException | None) -> None:
    db_session = g.pop("db_session", None)
    if db_session is None:
        return
    try:
        db_session.close()
    except Exception as exc:  # the response is already made: never turn it into an error
        # The type only: a database error's text carries the statement's parameters.
        log.warning("database session close failed: %s", type(exc).__name__)
        _invalidate(db_session)


def is_postgresql(bind: Engine | None = None) -> bool:
    """Whether the database is PostgreSQL (for the fast paths that only it has)."""
    return (bind or engine()).dialect.name == "postgresql"
