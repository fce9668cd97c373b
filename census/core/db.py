"""Engine and session handling with plain SQLAlchemy 2.

One engine per application, one session per application context (a request or a CLI command),
closed when the context ends. Closing never fails a request: a connection lost late (the database
restarted, a proxy cut it) makes the closing rollback raise after the answer was written, and that
error is logged (its type only) and dropped. SQLite gets the pragmas that make it a sound
embedded default (foreign keys, WAL, a busy timeout for several gunicorn workers).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, current_app, g
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

log = logging.getLogger(__name__)
T = TypeVar("T")


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
    options = {"pool_pre_ping": True, "pool_size": 5, "max_overflow": 10, **kwargs}
    return create_engine(url, **options)


def init_app(app: Flask) -> None:
    """Attach an engine and a session factory to ``app``."""
    engine = make_engine(
        app.config["DATABASE_URL"], lock_timeout=app.config.get("DATABASE_LOCK_TIMEOUT", 0)
    )
    app.extensions["census_db"] = sessionmaker(engine, expire_on_commit=False)
    if engine.dialect.name == "postgresql":
        # For single reads (db.read): autocommit, no ping on checkout, a few connections.
        reader = make_engine(
            app.config["DATABASE_URL"],
            lock_timeout=app.config.get("DATABASE_LOCK_TIMEOUT", 0),
            isolation_level="AUTOCOMMIT",
            pool_pre_ping=False,
            pool_size=2,
        )
        app.extensions["census_db_reader"] = reader
        event.listen(engine, "engine_disposed", lambda _engine: reader.dispose())
    app.teardown_appcontext(_close_session)


def engine() -> Engine:
    """The current application's engine."""
    factory: sessionmaker[Session] = current_app.extensions["census_db"]
    bound = factory.kw["bind"]
    assert isinstance(bound, Engine)
    return bound


def read(look: Callable[[Connection], T]) -> T:
    """``look(connection)`` for a read that needs no transaction (one ``SELECT``).

    A request's session opens a transaction on its first statement and rolls it back when the
    request ends, and the pool pings each connection it hands out: on PostgreSQL a ``BEGIN``,
    a ``ROLLBACK`` and a ping on the wire around a single ``SELECT`` (a status check's look-up
    took 840 µs that way, 290 µs here). There a read goes to a pool of its own in autocommit
    that does not ping; a connection found dead (the database restarted) is dropped, with every
    connection made before it, and the read is tried once more on a new one. On SQLite, whose
    ``sqlite3`` starts no transaction for a ``SELECT`` and has nothing to ping, it takes a
    connection of the engine's pool.
    """
    bind = current_app.extensions.get("census_db_reader") or engine()
    try:
        with bind.connect() as connection:
            return look(connection)
    except DBAPIError as exc:
        if not exc.connection_invalidated:
            raise
    with bind.connect() as connection:
        return look(connection)


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
