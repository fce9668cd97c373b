"""A tiny shared cache for computed, public values: Redis when configured, memory otherwise.

Region figures are read far more often than they change, so each is computed at most once per
``ttl`` seconds. With ``REDIS_URL`` every worker and app server shares the value; without it each
worker keeps its own copy. Values are JSON, so what is cached is exactly what may be published
(never a model object, never anything personal). A cache that fails (Redis down) only costs speed:
the value is computed and served anyway, and for a few seconds each worker caches in its own
memory instead of asking Redis again (so an outage does not add a failed round trip to every
page, nor recompute every figure on every request).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from flask import Flask, current_app

log = logging.getLogger(__name__)
#: Values are short-lived; the memory store never holds more than this many keys.
MAX_MEMORY_KEYS = 2048


class MemoryStore:
    """A per-process store with expiry, safe for threaded workers."""

    def __init__(self) -> None:
        self._items: dict[str, tuple[float, str]] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> str | None:
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return None
            if item[0] <= time.monotonic():
                del self._items[key]
                return None
            return item[1]

    def set(self, key: str, value: str, ttl: float) -> None:
        with self._lock:
            if len(self._items) >= MAX_MEMORY_KEYS:
                now = time.monotonic()
                self._items = {k: v for k, v in self._items.items() if v[0] > now}
                if len(self._items) >= MAX_MEMORY_KEYS:
                    self._items.clear()
            self._items[key] = (time.monotonic() + ttl, value)

    def delete(self, key: str) -> None:
        with self._lock:
            self._items.pop(key, None)


class RedisStore:
    """The same three operations on Redis (``SET ... EX``)."""

    def __init__(self, url: str) -> None:
        import redis

        self._client = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)

    def get(self, key: str) -> str | None:
        value = self._client.get(key)
        return value.decode() if isinstance(value, bytes) else value

    def set(self, key: str, value: str, ttl: float) -> None:
        self._client.set(key, value, px=max(1, int(ttl * 1000)))

    def delete(self, key: str) -> None:
        self._client.delete(key)


#: After Redis failed, the cache stays in memory this long before trying Redis again.
RETRY_REDIS_SECONDS = 5.0


class FallbackStore:
    """Redis, or this worker's memory for ``RETRY_REDIS_SECONDS`` after Redis failed."""

    def __init__(self, redis_store: RedisStore) -> None:
        self._redis = redis_store
        self._memory = MemoryStore()
        self._down_until = 0.0

    def _call(self, method: str, *args: Any) -> Any:
        if time.monotonic() >= self._down_until:
            try:
                return getattr(self._redis, method)(*args)
            except Exception as exc:
                self._down_until = time.monotonic() + RETRY_REDIS_SECONDS
                log.warning("cache unavailable, in memory: %s", type(exc).__name__)
        return getattr(self._memory, method)(*args)

    def get(self, key: str) -> str | None:
        return self._call("get", key)

    def set(self, key: str, value: str, ttl: float) -> None:
        self._call("set", key, value, ttl)

    def delete(self, key: str) -> None:
        # Both: a value cached in memory during an outage must not outlive its deletion.
        self._memory.delete(key)
        self._call("delete", key)


def init_app(app: Flask) -> None:
    """Choose the store once per application."""
    url = app.config.get("REDIS_URL")
    app.extensions["census_cache"] = FallbackStore(RedisStore(url)) if url else MemoryStore()


def _store() -> MemoryStore | FallbackStore:
    store = current_app.extensions.get("census_cache")
    if store is None:
        init_app(current_app)  # type: ignore[arg-type]
        store = current_app.extensions["census_cache"]
    return store


def full_key(key: str) -> str:
    """``key`` under this deployment's prefix (several sites or test runs may share a Redis)."""
    return f"{current_app.config['KEY_PREFIX']}:cache:{key}"


def get_or_set(key: str, ttl: float, fn: Callable[[], Any]) -> Any:
    """The cached JSON value of ``key``, or ``fn()`` stored for ``ttl`` seconds and returned.

    ``ttl <= 0`` turns caching off (``fn`` runs every time). The value returned is always the
    JSON round trip of ``fn()``, so a caller sees the same types whether it was cached or not.
    """
    if ttl <= 0:
        return json.loads(json.dumps(fn()))
    store = _store()
    name = full_key(key)
    try:
        cached = store.get(name)
    except Exception as exc:  # a cache outage must not take the page down
        log.warning("cache read failed: %s", type(exc).__name__)
        cached = None
    if cached is not None:
        return json.loads(cached)
    encoded = json.dumps(fn(), separators=(",", ":"))
    try:
        store.set(name, encoded, ttl)
    except Exception as exc:
        log.warning("cache write failed: %s", type(exc).__name__)
    return json.loads(encoded)


def delete(key: str) -> None:
    """Forget ``key`` (for example after a change that must show at once)."""
    try:
        _store().delete(full_key(key))
    except Exception as exc:
        log.warning("cache delete failed: %s", type(exc).__name__)
