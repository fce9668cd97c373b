"""The shared look-up: the numbers form and the per-KK throttle on failed pairs."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from werkzeug.exceptions import TooManyRequests

from census.core.lookup import NumbersForm, find_household
from census.core.models import CountStatus
from tests.factories import add_household, make_kk, with_status


def form_for(app, **data) -> NumbersForm:
    with app.test_request_context("/?lang=en", method="POST", data=data):
        form = NumbersForm()
        form.validate()
        return form


def test_numbers_are_normalised(app) -> None:
    with app.test_request_context(
        "/", method="POST", data={"kk": "3316 0109.0315-9001", "nik": "3316014202809001"}
    ):
        form = NumbersForm()
        assert form.validate()
        assert form.numbers == ("3316010903159001", "3316014202809001")


@pytest.mark.parametrize(
    ("data", "field", "text"),
    [
        ({"kk": "", "nik": "3316014202809001"}, "kk", "Enter the family card"),
        ({"kk": "3316010903159001", "nik": ""}, "nik", "Enter the NIK"),
        ({"kk": "123", "nik": "3316014202809001"}, "kk", "you typed 3 digits"),
        ({"kk": "3316010903159001", "nik": "3316010903159001"}, "kk", "same number twice"),
    ],
)
def test_form_errors_name_the_field(app, data, field, text) -> None:
    form = form_for(app, **data)
    assert text in form.errors[field][0]


def test_long_input_is_cut_not_crashing(app) -> None:
    form = form_for(app, kk="1" * 10_000, nik="x" * 10_000)
    assert form.errors["kk"]


def _lookup(app, kk: str, nik: str):
    with app.test_request_context("/", method="POST"):
        return find_household(kk, nik)


def test_found_and_not_found(app, session) -> None:
    made = add_household(session)
    assert _lookup(app, made.kk, made.niks[1]).found
    assert not _lookup(app, made.kk, "3316014202809999").found
    assert not _lookup(app, make_kk("33.16.01"), made.niks[0]).found


def test_the_look_up_reads_each_answer_as_sqlalchemy_would(app, session) -> None:
    """On PostgreSQL the look-up's one statement goes through psycopg itself: the same row,
    typed the same way (the status as its enum, the day counted with its time zone)."""
    from census.core import db, households

    counted = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)
    rows = {
        status: with_status(app, status, counted if status.name.startswith("COUNTED") else None)
        for status in CountStatus
    }
    with app.app_context(), db.engine().connect() as connection:
        for status, made in rows.items():
            hashes = {
                "kk_hash": households.number_hash("kk", made.kk),
                "nik_hash": households.number_hash("nik", made.niks[0]),
            }
            expected = households.Found(*connection.execute(households._BY_PAIR, hashes).one())
            found = households.find_by_pair(connection, made.kk, made.niks[0])
            # The reads' own connections (on PostgreSQL in autocommit: through libpq).
            read = db.read(lambda c, m=made: households.find_by_pair(c, m.kk, m.niks[0]))
            for each in (found, read):
                assert each == expected and each.status is status
                assert isinstance(each.status, CountStatus)
                if each.counted_at is not None:  # SQLite keeps no time zone (UTC, as written)
                    assert each.counted_at in (counted, counted.replace(tzinfo=None))
            assert db.read(lambda c, m=made: households.find_by_pair(c, m.kk, "3" * 16)) is None


def test_a_look_up_prepares_its_statement_again_when_the_server_dropped_it(app, session) -> None:
    """The reads' statement is prepared once per connection; ``DEALLOCATE ALL`` (which psycopg
    itself sends after a rollback that drops its own) leaves the next look-up to prepare it
    again, and a statement that fails for another reason is an error as SQLAlchemy raises it."""
    from sqlalchemy.exc import DBAPIError

    from census.core import db, households

    made = add_household(session)
    with app.app_context():
        assert db.read(lambda c: households.find_by_pair(c, made.kk, made.niks[0])) is not None
        reader = app.extensions.get("census_db_reader")
        if reader is None:
            assert app.config["DATABASE_URL"].startswith("sqlite")
            return
        with reader.connect() as connection:
            prepared = "SELECT count(*) FROM pg_prepared_statements WHERE name = 'census_by_pair'"
            assert connection.exec_driver_sql(prepared).scalar() == 1
            connection.exec_driver_sql("DEALLOCATE ALL")
            assert connection.exec_driver_sql(prepared).scalar() == 0
            found = households.find_by_pair(connection, made.kk, made.niks[0])
            assert found is not None and found.id == made.household.id
            assert connection.exec_driver_sql(prepared).scalar() == 1
            connection.exec_driver_sql("DEALLOCATE census_by_pair")
            connection.exec_driver_sql("PREPARE census_by_pair(bytea, bytea) AS SELECT 1/0, $1, $2")
            with pytest.raises(DBAPIError, match="division by zero"):
                households.find_by_pair(connection, made.kk, made.niks[0])
            connection.exec_driver_sql("DEALLOCATE census_by_pair")
        assert db.read(lambda c: households.find_by_pair(c, made.kk, made.niks[0])) is not None


def test_the_look_up_opens_no_transaction_and_gives_its_connection_back(
    app, session, monkeypatch
) -> None:
    """One SELECT in autocommit: no BEGIN and ROLLBACK on the wire around it (PostgreSQL), no
    transaction held (SQLite), and the connection back in the pool once it has answered."""
    from census.core import db, households, lookup

    made = add_household(session)
    seen: list[bool] = []
    real = households.find_by_pair

    def spy(bind, kk, nik):
        found = real(bind, kk, nik)
        raw = bind.connection.driver_connection
        info = getattr(raw, "info", None)  # psycopg: the server's transaction status
        seen.append(raw.in_transaction if info is None else info.transaction_status != 0)
        return found

    monkeypatch.setattr(lookup, "find_by_pair", spy)
    assert _lookup(app, made.kk, made.niks[1]).found
    assert not _lookup(app, made.kk, "3316014202809999").found
    assert seen == [False, False]
    with app.app_context():
        reader = app.extensions.get("census_db_reader")
        assert db.engine().pool.checkedout() == 0
        assert reader is None or reader.pool.checkedout() == 0


def test_a_look_up_survives_a_connection_the_database_dropped(app, session) -> None:
    """The reads' pool does not ping: a connection that died is found by the read itself,
    dropped, and the read tried again on a new one (the resident sees nothing)."""
    from census.core import db

    made = add_household(session)
    assert _lookup(app, made.kk, made.niks[0]).found  # a connection now waits in the pool
    reader = app.extensions.get("census_db_reader")
    if reader is None:  # SQLite: reads take the engine's own connections
        assert app.config["DATABASE_URL"].startswith("sqlite")
        return
    with reader.connect() as pooled:
        pid = pooled.exec_driver_sql("SELECT pg_backend_pid()").scalar()
    with app.app_context(), db.engine().connect() as other:
        assert other.exec_driver_sql(f"SELECT pg_terminate_backend({pid})").scalar()
    assert _lookup(app, made.kk, made.niks[0]).found
    with reader.connect() as fresh:
        assert fresh.exec_driver_sql("SELECT pg_backend_pid()").scalar() != pid


def _throttle_holds(app, made) -> None:
    app.config["LOOKUP_FAILS_PER_KK"] = "3/hour"
    for _ in range(3):
        assert not _lookup(app, made.kk, "3316014202809999").found
    with pytest.raises(TooManyRequests) as caught:
        _lookup(app, made.kk, made.niks[0])
    retry = caught.value.get_response().headers["Retry-After"]
    assert 0 < int(retry) <= 3600
    # Another card is not affected.
    other = make_kk("33.16.01")
    assert not _lookup(app, other, made.niks[0]).found


def test_failed_pairs_per_kk_are_throttled_in_memory(app, session) -> None:
    _throttle_holds(app, add_household(session))


def test_failed_pairs_per_kk_are_throttled_in_redis(redis_app) -> None:
    from census.core import db

    with redis_app.app_context():
        made = add_household(db.session())
    _throttle_holds(redis_app, made)


def test_unknown_kk_is_throttled_like_a_known_one(app) -> None:
    app.config["LOOKUP_FAILS_PER_KK"] = "2/hour"
    unknown = make_kk("33.16.01")
    _lookup(app, unknown, "3316014202809999")
    _lookup(app, unknown, "3316014202809998")
    with pytest.raises(TooManyRequests):
        _lookup(app, unknown, "3316014202809997")


def test_successes_do_not_count(app, session) -> None:
    app.config["LOOKUP_FAILS_PER_KK"] = "2/hour"
    made = add_household(session)
    for _ in range(5):
        assert _lookup(app, made.kk, made.niks[0]).found


def test_look_ups_work_with_throttles_switched_off(database_url) -> None:
    from census import create_app
    from census.core import db

    app = create_app({"DATABASE_URL": database_url, "TESTING": True, "LIMITS_ENABLED": False})
    with app.app_context():
        made = add_household(db.session())
    try:
        for _ in range(3):
            assert not _lookup(app, made.kk, "3316014202809999").found
        assert _lookup(app, made.kk, made.niks[0]).found
    finally:
        from tests.conftest import clear_data

        clear_data(app)


def test_a_burst_of_wrong_pairs_at_one_moment_gets_no_more_than_the_limit(redis_app) -> None:
    # Many addresses sending wrong pairs for one KK at the same moment: each try is counted
    # before its look-up, so no more than the limit get an answer.
    from concurrent.futures import ThreadPoolExecutor

    from census.core import db

    redis_app.config.update(LOOKUP_FAILS_PER_KK="5/hour", LOOKUP_LIMITS="1000/minute")
    with redis_app.app_context():
        made = add_household(db.session())
    wrong_nik = made.niks[0][:-4] + "9999"

    def attempt(index: int) -> int:
        return (
            redis_app.test_client()
            .post(
                "/cek",
                data={"kk": made.kk, "nik": wrong_nik},
                environ_base={"REMOTE_ADDR": f"198.51.100.{index + 1}"},
            )
            .status_code
        )

    with ThreadPoolExecutor(max_workers=12) as pool:
        codes = list(pool.map(attempt, range(24)))
    assert codes.count(200) == 5 and codes.count(429) == 19, codes


def test_a_right_pair_clears_the_count_of_wrong_ones(app) -> None:
    from census.core import db

    app.config.update(LOOKUP_FAILS_PER_KK="3/hour")
    with app.app_context():
        made = add_household(db.session())
    client = app.test_client()
    wrong = {"kk": made.kk, "nik": made.niks[0][:-4] + "9999"}
    assert [client.post("/cek", data=wrong).status_code for _ in range(2)] == [200, 200]
    assert client.post("/cek", data={"kk": made.kk, "nik": made.niks[0]}).status_code == 200
    assert [client.post("/cek", data=wrong).status_code for _ in range(4)] == [200] * 3 + [429]


def test_a_sqlite_look_up_error_is_raised_as_sqlalchemy_raises_it(app, monkeypatch) -> None:
    """On SQLite the look-up runs on ``sqlite3`` itself; its errors still come as SQLAlchemy's."""
    from sqlalchemy import create_engine
    from sqlalchemy.exc import DBAPIError

    from census.core import households

    monkeypatch.setattr(households, "_by_pair_sqlite", ("SELECT * FROM nowhere", (), {}, ()))
    engine = create_engine("sqlite://")
    with (
        app.app_context(),
        engine.connect() as connection,
        pytest.raises(DBAPIError, match="no such table"),
    ):
        households.find_by_pair(connection, "3316010903159001", "3316014202809001")
    engine.dispose()
