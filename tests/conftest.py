"""Fixtures: the app on SQLite and on PostgreSQL, Redis, a live gunicorn server, Chromium.

PostgreSQL, Redis and Chromium tests skip with a reason when the service is missing on a
developer's machine, and fail instead when ``CENSUS_REQUIRE_POSTGRES``, ``CENSUS_REQUIRE_REDIS`` or
``CENSUS_REQUIRE_BROWSER`` is 1 (``.ci/run`` sets all three), so CI can never pass by skipping.
Each test session gets its own PostgreSQL database and Redis key prefix, so several runs can share
one machine.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import create_engine, text

# Fixed secrets, set before any app is built so the test process and the live servers it starts
# hash identifiers with the same key (and nothing is written to instance/).
os.environ["SECRET_KEY"] = "test-secret-key"
os.environ["IDENTITY_HASH_KEY"] = "test-identity-hash-key"
os.environ["DATA_KEYS"] = "1:" + "5a" * 32
os.environ.pop("REDIS_URL", None)
os.environ.pop("DATABASE_URL", None)

from census import create_app
from census.cli import upgrade_database
from census.core import db
from census.core.db import Base
from census.core.regions import load_regions

POSTGRES_URL = os.environ.get(
    "CENSUS_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("CENSUS_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
SESSION_ID = uuid.uuid4().hex[:10]
KEEP = {"region", "alembic_version"}


def required(service: str) -> bool:
    """Whether this run must fail rather than skip when ``service`` is missing."""
    return os.environ.get(f"CENSUS_REQUIRE_{service.upper()}") == "1"


def unavailable(service: str, reason: str) -> None:
    """Skip the test, or fail it when the service is required."""
    message = f"{service} unavailable: {reason}"
    if required(service):
        pytest.fail(message + f" (CENSUS_REQUIRE_{service.upper()}=1)", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, dropped at the end."""
    name = f"census_test_{SESSION_ID}"
    try:
        admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        unavailable("postgres", f"{type(exc).__name__}: {exc}".splitlines()[0])
    url = POSTGRES_URL.rsplit("/", 1)[0] + "/" + name
    yield url
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated database with every region loaded: once per backend and session."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'census.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    app = create_app({"DATABASE_URL": url, "TESTING": True})
    with app.app_context():
        upgrade_database()
        load_regions(db.session())
        db.engine().dispose()
    return url


def clear_data(app: Flask) -> None:
    """Delete every row except the regions and the schema version."""
    with app.app_context(), db.engine().begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            if table.name not in KEEP:
                connection.execute(table.delete())


@pytest.fixture
def app(database_url: str) -> Iterator[Flask]:
    """The application on the session's database (SQLite, then PostgreSQL), emptied after use."""
    application = create_app(
        {
            "DATABASE_URL": database_url,
            "TESTING": True,
            "WTF_CSRF_ENABLED": False,
            "KEY_PREFIX": f"census-test-{SESSION_ID}-{uuid.uuid4().hex[:6]}",
        }
    )
    yield application
    clear_data(application)
    with application.app_context():
        db.engine().dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client for ``app``."""
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    """A CLI runner for ``app``."""
    return app.test_cli_runner()


@pytest.fixture
def session(app: Flask) -> Iterator[Any]:
    """A database session inside an application context."""
    with app.app_context():
        yield db.session()


@pytest.fixture(scope="session")
def redis_url() -> str:
    """A reachable Redis server's URL."""
    try:
        import redis

        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except Exception as exc:
        unavailable("redis", f"{type(exc).__name__}: {exc}")
    return REDIS_URL


@pytest.fixture
def redis_app(database_url: str, redis_url: str) -> Iterator[Flask]:
    """The application with its throttles and caches in Redis, under a key prefix of its own."""
    import redis

    prefix = f"census-test-{SESSION_ID}-{uuid.uuid4().hex[:6]}"
    application = create_app(
        {
            "DATABASE_URL": database_url,
            "TESTING": True,
            "WTF_CSRF_ENABLED": False,
            "REDIS_URL": redis_url,
            "KEY_PREFIX": prefix,
            "RATELIMIT_STORAGE_URI": redis_url,
            "RATELIMIT_KEY_PREFIX": prefix,
        }
    )
    yield application
    clear_data(application)
    with application.app_context():
        db.engine().dispose()
    client = redis.Redis.from_url(redis_url)
    for key in client.scan_iter(f"*{prefix}*"):
        client.delete(key)


ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
pytest_plugins = ["tests.live", "tests.browser_fixtures", "tests.kept_helpers"]
