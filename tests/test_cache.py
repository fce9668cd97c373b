"""The shared cache: JSON values, expiry, key prefix; in memory and in a real Redis."""

from __future__ import annotations

import time

import redis

from census.core import cache


def _counter():
    calls = []

    def compute():
        calls.append(1)
        return {"n": len(calls), "items": [1, "<10"]}

    return compute, calls


def test_memory_cache_computes_once_per_ttl(app) -> None:
    compute, calls = _counter()
    with app.app_context():
        assert cache.get_or_set("k", 0.3, compute) == {"n": 1, "items": [1, "<10"]}
        assert cache.get_or_set("k", 0.3, compute) == {"n": 1, "items": [1, "<10"]}
        assert len(calls) == 1
        time.sleep(0.35)
        assert cache.get_or_set("k", 0.3, compute)["n"] == 2


def test_ttl_zero_turns_caching_off(app) -> None:
    compute, calls = _counter()
    with app.app_context():
        cache.get_or_set("off", 0, compute)
        cache.get_or_set("off", 0, compute)
    assert len(calls) == 2


def test_values_are_json_round_trips(app) -> None:
    with app.app_context():
        assert cache.get_or_set("t", 5, lambda: {"a": (1, 2)}) == {"a": [1, 2]}


def test_redis_cache_is_shared_and_prefixed(redis_app, redis_url) -> None:
    compute, calls = _counter()
    with redis_app.app_context():
        assert cache.get_or_set("shared", 5, compute)["n"] == 1
        key = cache.full_key("shared")
    assert key.startswith(redis_app.config["KEY_PREFIX"] + ":cache:")
    client = redis.Redis.from_url(redis_url)
    assert client.exists(key)
    assert 0 < client.pttl(key) <= 5000
    # A second application (another worker) on the same Redis gets the stored value.
    from census import create_app

    other = create_app(dict(redis_app.config))
    with other.app_context():
        assert cache.get_or_set("shared", 5, compute)["n"] == 1
        cache.delete("shared")
        assert cache.get_or_set("shared", 5, compute)["n"] == 2
    assert len(calls) == 2


def test_redis_outage_still_serves(app) -> None:
    app.extensions["census_cache"] = cache.RedisStore("redis://127.0.0.1:1/0")
    compute, _calls = _counter()
    with app.app_context():
        assert cache.get_or_set("x", 5, compute)["n"] == 1
        assert cache.get_or_set("x", 5, compute)["n"] == 2
