"""Configuration: phases from the environment, generated secrets, database URLs."""

from __future__ import annotations

from datetime import date

import pytest

from census.core.config import Schedule, default_schedule, instance_secret, load_config


def test_default_schedule_has_online_phase_open_today() -> None:
    today = date(2026, 11, 23)
    schedule = default_schedule(today)
    assert schedule.phase(today) == "online"
    assert schedule.online_start < today < schedule.online_end < schedule.field_start


def test_phases_in_order() -> None:
    schedule = Schedule(date(2020, 2, 15), date(2020, 5, 29), date(2020, 9, 1), date(2020, 9, 30))
    assert schedule.phase(date(2020, 2, 14)) == "before"
    assert schedule.phase(date(2020, 2, 15)) == "online"
    assert schedule.phase(date(2020, 5, 29)) == "online"
    assert schedule.phase(date(2020, 7, 1)) == "between"
    assert schedule.phase(date(2020, 9, 30)) == "field"
    assert schedule.phase(date(2020, 10, 1)) == "after"


def test_schedule_from_environment(tmp_path) -> None:
    env = {
        "SECRET_KEY": "s",
        "IDENTITY_HASH_KEY": "k",
        "CENSUS_ONLINE_START": "2020-02-15",
        "CENSUS_ONLINE_END": "2020-05-29",
        "CENSUS_FIELD_START": "2020-09-01",
        "CENSUS_FIELD_END": "2020-09-30",
    }
    config = load_config(str(tmp_path), env)
    assert config["CENSUS_SCHEDULE"].online_end == date(2020, 5, 29)


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("CENSUS_ONLINE_END", "29-05-2020", "YYYY-MM-DD"),
        ("CENSUS_FIELD_START", "2019-01-01", "in order"),
    ],
)
def test_bad_phase_dates_are_explained(tmp_path, name: str, value: str, message: str) -> None:
    env = {"SECRET_KEY": "s", "IDENTITY_HASH_KEY": "k", name: value}
    with pytest.raises(RuntimeError, match=message):
        load_config(str(tmp_path), env)


def test_secrets_are_generated_once_into_instance(tmp_path) -> None:
    first = load_config(str(tmp_path), {})
    second = load_config(str(tmp_path), {})
    assert first["SECRET_KEY"] == second["SECRET_KEY"]
    assert first["IDENTITY_HASH_KEY"] == second["IDENTITY_HASH_KEY"]
    assert first["SECRET_KEY"].encode() != first["IDENTITY_HASH_KEY"]
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600
    assert len(instance_secret(str(tmp_path), "secret_key")) == 64


def test_database_url_defaults_to_sqlite_in_instance(tmp_path) -> None:
    config = load_config(str(tmp_path), {"SECRET_KEY": "s", "IDENTITY_HASH_KEY": "k"})
    assert config["DATABASE_URL"] == f"sqlite:///{tmp_path}/census.db"
    assert config["REDIS_URL"] is None


def test_postgres_urls_use_psycopg3(tmp_path) -> None:
    config = load_config(
        str(tmp_path),
        {"SECRET_KEY": "s", "IDENTITY_HASH_KEY": "k", "DATABASE_URL": "postgres://u@h/db"},
    )
    assert config["DATABASE_URL"] == "postgresql+psycopg://u@h/db"


def test_the_data_key_is_generated_once_into_instance(tmp_path) -> None:
    first = load_config(str(tmp_path), {})
    assert first["DATA_KEYS"] == load_config(str(tmp_path), {})["DATA_KEYS"]
    assert first["DATA_KEYS"].startswith("1:")
    assert first["DATA_KEYS"][2:].encode() != first["IDENTITY_HASH_KEY"]
    assert (tmp_path / "data_key").stat().st_mode & 0o777 == 0o600
    listed = "2:" + "ab" * 32 + ",1:" + "cd" * 32
    assert load_config(str(tmp_path), {"DATA_KEYS": listed})["DATA_KEYS"] == listed


@pytest.mark.parametrize("value", ["1:short", "secret", "1:" + "ab" * 32 + ",1:" + "cd" * 32])
def test_a_wrong_data_key_stops_the_start(tmp_path, value: str) -> None:
    with pytest.raises(RuntimeError, match="DATA_KEYS"):
        load_config(
            str(tmp_path), {"SECRET_KEY": "s", "IDENTITY_HASH_KEY": "k", "DATA_KEYS": value}
        )
