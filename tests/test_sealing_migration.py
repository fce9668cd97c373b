"""Migration 0014 seals the clear rows already there, and its downgrade opens them again."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from alembic import command
from flask import Flask
from sqlalchemy import create_engine, select, text

from census import create_app
from census.cli import alembic_config
from census.core import db
from census.core.models import Member
from census.form import service
from tests.conftest import POSTGRES_URL, SESSION_ID, unavailable

ANSWERS = {"housing": {"lighting": "pln_meter"}, "members": [{"name": "Dewi Lestari"}]}


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_app(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Flask]:
    """An application on a database of its own that no migration has touched yet."""
    if request.param == "sqlite":
        yield create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'old.db'}", "TESTING": True})
        return
    name = f"census_test_{SESSION_ID}_sealing"
    try:
        admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        unavailable("postgres", f"{type(exc).__name__}: {exc}".splitlines()[0])
    app = create_app({"DATABASE_URL": POSTGRES_URL.rsplit("/", 1)[0] + "/" + name, "TESTING": True})
    yield app
    with app.app_context():
        db.engine().dispose()
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _migrate(app: Flask, revision: str, down: bool = False) -> None:
    with app.app_context(), db.engine().begin() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        (command.downgrade if down else command.upgrade)(config, revision)


def test_the_migration_seals_existing_rows_and_the_downgrade_opens_them(empty_app: Flask) -> None:
    _migrate(empty_app, "0010")
    with empty_app.app_context(), db.engine().begin() as connection:
        connection.execute(
            text("INSERT INTO region (code, level, name) VALUES ('33.16.01.2001', 4, 'Desa')")
        )
        household = connection.execute(
            text(
                "INSERT INTO household (kk_hash, village_code, district_code, regency_code, "
                "province_code, rt, rw, address) VALUES (:kk, '33.16.01.2001', '33.16.01', "
                "'33.16', '33', '001', '002', 'Jl. Mawar') RETURNING id"
            ),
            {"kk": b"k" * 32},
        ).scalar_one()
        connection.execute(
            text(
                "INSERT INTO member (household_id, nik_hash, name, sex, birth_date, "
                "relationship_code, position) VALUES (:h, :nik, 'Dewi Lestari', 'P', :born, "
                "'kepala_keluarga', 0)"
            ),
            {"h": household, "nik": b"n" * 32, "born": date(1985, 2, 14)},
        )
        connection.execute(
            text(
                "INSERT INTO form_response (household_id, pin_hash, version, answers, held, "
                "created_at, updated_at) VALUES (:h, 'x', 3, :answers, NULL, "
                "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
            ),
            {"h": household, "answers": json.dumps(ANSWERS)},
        )

    _migrate(empty_app, "head")
    with empty_app.app_context():
        session = db.session()
        person = session.scalars(select(Member)).one()
        assert (person.name, person.birth_date) == ("Dewi Lestari", date(1985, 2, 14))
        response = service.get_response(session, household)
        assert response is not None and response.answers == ANSWERS and response.held is None
        raw = session.execute(text("SELECT answers FROM form_response")).scalar_one()
        assert b"pln_meter" not in bytes(raw)
        session.close()

    _migrate(empty_app, "0010", down=True)
    with empty_app.app_context(), db.engine().connect() as connection:
        row = connection.execute(text("SELECT name, birth_date FROM member")).one()
        assert row[0] == "Dewi Lestari" and str(row[1]) == "1985-02-14"
        answers = connection.execute(text("SELECT answers FROM form_response")).scalar_one()
        assert (json.loads(answers) if isinstance(answers, str) else answers) == ANSWERS
