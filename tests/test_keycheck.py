"""A server or command with another key under a known key id is stopped before it seals."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from census import create_app
from census.core import db
from census.core.key_models import DataKeyCheck
from census.core.sealing import parse_keys
from tests.factories import KEY_A, KEY_B
from tests.register_helpers import family, run, write

ROGUE = "1:" + "c3" * 32  # what a server started without DATA_KEYS would make of its own


def checks(app: Flask) -> dict[int, bytes]:
    with app.app_context():
        return {r.key_id: r.check_value for r in db.session().scalars(select(DataKeyCheck))}


def test_a_server_with_another_key_under_a_known_id_answers_503(
    app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    assert app.test_client().get("/").status_code == 200
    assert set(checks(app)) == {1}, "the first request records the key"
    other = create_app({**app.config, "DATA_KEYS": ROGUE})
    with caplog.at_level(logging.CRITICAL):
        refused = other.test_client().get("/isi")
    assert refused.status_code == 503
    assert "key id 1" in caplog.text and "c3c3" not in caplog.text, "the id, never the key"
    assert other.test_client().get("/").status_code == 503, "it stays stopped"
    assert app.test_client().get("/").status_code == 200, "the right server goes on"


def test_an_import_with_another_key_imports_nothing(app: Flask, tmp_path: Path) -> None:
    path = write(tmp_path / "r.csv", family().people)
    assert "persons 3 added" in run(app, path).output
    app.config["DATA_KEYS"] = ROGUE
    refused = run(app, path)
    assert refused.exit_code == 1 and "nothing was imported" in refused.output
    assert "not the key this database knows" in refused.output


def test_a_new_key_put_first_is_recorded_and_rotation_goes_on(app: Flask) -> None:
    assert app.test_client().get("/").status_code == 200
    app.config["DATA_KEYS"] = f"{KEY_B},{KEY_A}"
    result = app.test_cli_runner().invoke(args=["census", "rotate-data-key"])
    assert result.exit_code == 0, result.output
    assert set(checks(app)) == {1, 2}


def test_a_check_value_reveals_nothing_of_its_key() -> None:
    key = parse_keys(KEY_A).keys[0]
    assert len(key.check) == 16 and key.check not in bytes.fromhex("5a" * 32)
    assert key.check != parse_keys(ROGUE).keys[0].check
    assert "5a5a" not in repr(key) and "check" not in repr(key)
