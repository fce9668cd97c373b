"""The client address behind proxies: exactly TRUSTED_PROXY_HOPS entries of X-Forwarded-For."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from census import create_app
from census.core import db
from census.core.limits import client_address
from tests.conftest import clear_data
from tests.factories import add_household, make_kk


@pytest.fixture
def make_app(database_url: str) -> Iterator:
    apps: list[Flask] = []

    def make(hops: int) -> Flask:
        app = create_app(
            {
                "DATABASE_URL": database_url,
                "TESTING": True,
                "WTF_CSRF_ENABLED": False,
                "TRUSTED_PROXY_HOPS": hops,
                "LOOKUP_LIMITS": "3/minute",
                "KEY_PREFIX": f"census-test-proxy-{len(apps)}-{id(apps)}",
            }
        )
        app.add_url_rule("/_address", "address", client_address)
        apps.append(app)
        return app

    yield make
    for app in apps:
        clear_data(app)
        with app.app_context():
            db.engine().dispose()


def address(app: Flask, forwarded: str | None, remote: str = "10.0.0.5") -> str:
    headers = {"X-Forwarded-For": forwarded} if forwarded is not None else {}
    response = app.test_client().get(
        "/_address", headers=headers, environ_base={"REMOTE_ADDR": remote}
    )
    return response.text


@pytest.mark.parametrize(
    ("hops", "forwarded", "expected"),
    [
        (0, "1.2.3.4", "10.0.0.5"),  # no proxy of ours: a client's header is ignored
        (0, "1.2.3.4, 5.6.7.8", "10.0.0.5"),
        (1, None, "10.0.0.5"),  # no header: the socket's address
        (1, "1.2.3.4", "1.2.3.4"),  # our proxy wrote the last entry
        (1, "6.6.6.6, 1.2.3.4", "1.2.3.4"),  # the client's own entry (6.6.6.6) is not believed
        (2, "6.6.6.6, 1.2.3.4, 10.0.0.2", "1.2.3.4"),  # two proxies of ours
        (2, "6.6.6.6, 7.7.7.7, 1.2.3.4, 10.0.0.2", "1.2.3.4"),
    ],
)
def test_client_address_honours_exactly_the_trusted_hops(
    make_app, hops, forwarded, expected
) -> None:
    assert address(make_app(hops), forwarded) == expected


def _try(app: Flask, forwarded: str, kk: str, nik: str) -> int:
    return (
        app.test_client()
        .post(
            "/cek",
            data={"kk": kk, "nik": nik},
            headers={"X-Forwarded-For": forwarded},
            environ_base={"REMOTE_ADDR": "10.0.0.5"},
        )
        .status_code
    )


def test_a_forged_header_does_not_escape_the_throttle_without_proxies(make_app) -> None:
    app = make_app(0)
    with app.app_context():
        nik = add_household(db.session()).niks[0]
    codes = [_try(app, f"203.0.113.{i}", make_kk("33.16.01"), nik) for i in range(4)]
    assert codes == [200, 200, 200, 429]


def test_behind_one_proxy_each_client_counts_alone(make_app) -> None:
    app = make_app(1)
    with app.app_context():
        nik = add_household(db.session()).niks[0]
    # One client rotating a forged left-hand entry: still one client.
    codes = [_try(app, f"198.51.100.{i}, 1.2.3.4", make_kk("33.16.01"), nik) for i in range(4)]
    assert codes == [200, 200, 200, 429]
    # Another client behind the same proxy has its own count.
    assert _try(app, "1.2.3.5", make_kk("33.16.01"), nik) == 200


@pytest.mark.parametrize(
    ("remote", "expected"),
    [
        ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64"),  # the same connection
        ("2001:db8:1:3::1", "2001:db8:1:3::/64"),  # another one
        ("::ffff:198.51.100.7", "198.51.100.7"),  # IPv4 seen through an IPv6 socket
        ("198.51.100.7", "198.51.100.7"),
    ],
)
def test_an_ipv6_client_counts_as_its_64_network(make_app, remote, expected) -> None:
    # A phone or home line is given a whole /64: rotating through it must not escape a throttle.
    assert address(make_app(0), None, remote=remote) == expected


def test_rotating_ipv6_addresses_of_one_network_meets_the_throttle(make_app) -> None:
    app = make_app(0)
    with app.app_context():
        nik = add_household(db.session()).niks[0]
    codes = [
        app.test_client()
        .post(
            "/cek",
            data={"kk": make_kk("33.16.01"), "nik": nik},
            environ_base={"REMOTE_ADDR": f"2001:db8:7:7::{i + 1:x}"},
        )
        .status_code
        for i in range(4)
    ]
    assert codes == [200, 200, 200, 429]


def test_a_forwarded_host_is_never_believed(make_app) -> None:
    # The host goes into QR codes and share links: a client must not choose it, even behind a
    # proxy of ours that passes X-Forwarded-Host on unchanged.
    app = make_app(1)
    response = app.test_client().get(
        "/qr.svg?to=/isi",
        headers={"Host": "census.example", "X-Forwarded-Host": "evil.example"},
    )
    assert response.status_code == 200
    assert "evil.example" not in response.text
