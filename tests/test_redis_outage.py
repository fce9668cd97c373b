"""Redis going away on the deadline day: the site degrades, it never fails.

The test runs a Redis server of its own on a free port (never the machine's), points the app's
throttles and caches at it, and kills it half-way through a status check and a form entry.
"""

from __future__ import annotations

import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from census import create_app
from census.core import db
from tests.conftest import clear_data, unavailable
from tests.factories import DEFAULT_MEMBERS, MadeHousehold, add_household, make_kk, make_nik
from tests.form_helpers import HOUSING, PIN, post_step
from tests.live import free_port

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


class OwnRedis:
    """A redis-server started by this test, and only that one is ever stopped."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        options = ["--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no"]
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), *options],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        import redis

        client = redis.Redis.from_url(self.url, socket_connect_timeout=0.5)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                return
            except redis.ConnectionError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    self.stop()
                    raise RuntimeError("redis-server did not start") from None
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


@pytest.fixture
def own_redis() -> Iterator[OwnRedis]:
    try:
        server = OwnRedis()
    except (OSError, RuntimeError) as exc:
        unavailable("redis", f"cannot start {REDIS_SERVER}: {type(exc).__name__}")
    yield server
    server.stop()


@pytest.fixture
def outage_app(database_url: str, own_redis: OwnRedis) -> Iterator[Flask]:
    prefix = f"census-test-outage-{uuid.uuid4().hex[:6]}"
    application = create_app(
        {
            "DATABASE_URL": database_url,
            "TESTING": True,
            "WTF_CSRF_ENABLED": False,
            "REDIS_URL": own_redis.url,
            "KEY_PREFIX": prefix,
            "LOOKUP_LIMITS": "4/minute",
            "LOOKUP_FAILS_PER_KK": "2/hour",
            "FORM_PIN_FAILS": "2/hour",
        }
    )
    yield application
    clear_data(application)
    with application.app_context():
        db.engine().dispose()


def _household(app: Flask) -> MadeHousehold:
    with app.app_context():
        return add_household(db.session())


def _client(app: Flask, addr: str) -> FlaskClient:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = addr
    return client


def _check(client: FlaskClient, kk: str, nik: str):
    return client.post("/cek?lang=en", data={"kk": kk, "nik": nik})


def _enter(client: FlaskClient, made: MadeHousehold, pin: str = PIN):
    numbers = client.post("/isi?lang=en", data={"kk": made.kk, "nik": made.niks[0]})
    assert numbers.status_code == 303, numbers.status_code
    page = client.get("/isi/pin").get_data(as_text=True)
    if 'name="confirm"' in page:
        return client.post("/isi/pin", data={"pin": pin, "confirm": pin})
    return client.post("/isi/pin", data={"pin": pin})


def _secured(response) -> bool:
    return "Content-Security-Policy" in response.headers and "X-Frame-Options" in response.headers


def test_redis_dying_mid_way_degrades_and_throttles_in_memory(
    outage_app: Flask, own_redis: OwnRedis
) -> None:
    app = outage_app
    first, second = _household(app), _household(app)
    phone = _client(app, "10.9.0.1")

    # Before: everything in Redis.
    health = phone.get("/healthz")
    assert health.status_code == 200
    assert health.json == {"status": "ok", "database": "ok", "redis": "ok"}
    assert _check(phone, first.kk, first.niks[0]).status_code == 200
    entered = _enter(phone, first)
    assert entered.status_code == 303, entered.status_code
    assert post_step(phone, "/isi/alamat", {"at_kk_address": "yes"}).status_code == 303

    own_redis.stop()  # mid-way: the phone is inside the form, others are still checking

    health = phone.get("/healthz")
    assert health.status_code == 200
    assert health.json == {"status": "degraded", "database": "ok", "redis": "unreachable"}

    # The form goes on: a step is saved, and the pages around it answer.
    saved = post_step(phone, "/isi/rumah", HOUSING)
    assert saved.status_code == 303, saved.status_code
    for path in ("/", "/cek", "/isi/anggota"):
        assert phone.get(path).status_code == 200, path

    # A status check and a form entry from another phone: answered, never a 5xx.
    other = _client(app, "10.9.0.2")
    checked = _check(other, second.kk, second.niks[0])
    assert checked.status_code == 200 and "has not been counted yet" in checked.text
    # Setting a PIN commits it: the answer is the redirect, with the session cookie and the
    # security headers (not a 500 without them).
    set_pin = _enter(other, second)
    assert set_pin.status_code == 303, set_pin.status_code
    assert "session=" in set_pin.headers.get("Set-Cookie", "")
    assert _secured(set_pin)
    assert "Retry-After" not in set_pin.headers

    # Throttles still hold, counted in this process's memory.
    crowd = _client(app, "10.9.0.3")
    answers = [_check(crowd, second.kk, second.niks[0]).status_code for _ in range(5)]
    assert answers == [200, 200, 200, 200, 429], answers
    refused = _check(crowd, second.kk, second.niks[0])
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert _secured(refused)

    # Failed pairs per KK, from many addresses.
    wrong = make_nik("33.16.01", "L", DEFAULT_MEMBERS[0][2])
    fails = [_check(_client(app, f"10.9.1.{i}"), first.kk, wrong).status_code for i in range(3)]
    assert fails == [200, 200, 429], fails

    # Wrong PINs per household, from many addresses.
    pins = []
    for i in range(3):
        at_pin = _client(app, f"10.9.2.{i}")
        entry = at_pin.post("/isi?lang=en", data={"kk": second.kk, "nik": second.niks[1]})
        assert entry.status_code == 303, entry.status_code
        pins.append(at_pin.post("/isi/pin", data={"pin": "999998"}).status_code)
    assert pins == [200, 200, 429], pins

    # An unknown KK (never registered) is answered too.
    assert _check(_client(app, "10.9.3.1"), make_kk("33.16.01"), wrong).status_code == 200
