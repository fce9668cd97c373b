"""Throttles with Flask-Limiter: in Redis when ``REDIS_URL`` is set, in memory otherwise.

With Redis every gunicorn worker and every app server shares one count, so the app servers stay
stateless. The client address is ``request.remote_addr``, which :class:`werkzeug.ProxyFix` has
already corrected for exactly ``TRUSTED_PROXY_HOPS`` proxies of ours (see ``create_app``): a
header a client sets itself is never believed.

A throttle store that fails (Redis down on the busiest day) must cost precision, never a page:
the limiter's own limits fall back to each process's memory (``in_memory_fallback_enabled``), and
the throttles we count ourselves (failed pairs per KK, wrong PINs per household) go through
:func:`hit`, :func:`test` and :func:`clear`, which do the same with a memory store of their own.
While the store is down each worker counts alone, so a limit allows up to one count per worker.
"""

from __future__ import annotations

import ipaddress
import logging
import threading
import time
from typing import Any, NoReturn

from flask import Flask, Response, current_app, request
from flask_limiter import Limiter
from limits import RateLimitItem
from limits.storage import MemoryStorage, Storage
from limits.strategies import STRATEGIES, RateLimiter
from werkzeug.exceptions import TooManyRequests

log = logging.getLogger(__name__)

#: After the store failed, our own throttles count in memory this long before trying it again.
RETRY_STORE_SECONDS = 5.0
#: A Redis that does not answer within this many seconds counts as down.
STORE_TIMEOUT_SECONDS = 1.0


def client_address() -> str:
    """The address throttles count against: an IPv4 address, or the /64 network of an IPv6 one
    (a single home or phone connection is given a whole /64, so counting each of its addresses
    apart would let one person try 2**64 times as often)."""
    address = request.remote_addr or "unknown"
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)


# No rate-limit headers: they cost a store round trip on every response, and the limiter would
# put ``Retry-After`` on answers that are not refusals (and override the 503 page's own value).
# A refusal (429) carries ``Retry-After`` from our handlers; see ``_retry_after_only_on_refusals``.
limiter = Limiter(
    key_func=client_address,
    default_limits=[],
    headers_enabled=False,
    in_memory_fallback_enabled=True,
)


class Throttles:
    """The throttles we count ourselves: the limiter's store, or this process's memory while
    that store fails."""

    def __init__(self, strategy: str, storage: Storage) -> None:
        self._primary = STRATEGIES[strategy](storage)
        self._memory = STRATEGIES[strategy](MemoryStorage())
        self._shared = not isinstance(storage, MemoryStorage)
        self._down_until = 0.0
        self._lock = threading.Lock()

    def _strategy(self) -> tuple[RateLimiter, bool]:
        if self._shared and time.monotonic() >= self._down_until:
            return self._primary, True
        return self._memory, False

    def call(self, method: str, item: RateLimitItem, *keys: str) -> Any:
        """``strategy.<method>(item, *keys)`` on the store, or in memory while it fails."""
        strategy, shared = self._strategy()
        if shared:
            try:
                return getattr(strategy, method)(item, *keys)
            except Exception as exc:  # the store is down or too slow: count in memory
                with self._lock:
                    self._down_until = time.monotonic() + RETRY_STORE_SECONDS
                log.warning("throttle store unavailable, in memory: %s", type(exc).__name__)
        return getattr(self._memory, method)(item, *keys)


def init_app(app: Flask) -> None:
    """Point the limiter at Redis or memory and register it."""
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config["REDIS_URL"] or "memory://")
    app.config.setdefault("RATELIMIT_KEY_PREFIX", app.config["KEY_PREFIX"])
    app.config.setdefault("RATELIMIT_ENABLED", app.config["LIMITS_ENABLED"])
    app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    app.config.setdefault("RATELIMIT_STRATEGY", "fixed-window")
    if str(app.config["RATELIMIT_STORAGE_URI"]).startswith(("redis://", "rediss://")):
        app.config.setdefault(
            "RATELIMIT_STORAGE_OPTIONS",
            {
                "socket_timeout": STORE_TIMEOUT_SECONDS,
                "socket_connect_timeout": STORE_TIMEOUT_SECONDS,
            },
        )
    # The limiter keeps the first application's key prefix otherwise; each application (a test
    # builds many) must count under its own, and starts with its store believed up.
    limiter._key_prefix = ""
    limiter._storage_dead = False
    app.after_request(_retry_after_only_on_refusals)
    limiter.init_app(app)
    if limiter.enabled:
        app.extensions["census_throttles"] = Throttles(
            app.config["RATELIMIT_STRATEGY"], limiter.storage
        )


def _retry_after_only_on_refusals(response: Response) -> Response:
    # ``Retry-After`` means "not now": only a refusal (429) or the busy page (503) may say it.
    if response.status_code not in (429, 503):
        response.headers.pop("Retry-After", None)
    return response


def key_prefix() -> str:
    """The prefix of every throttle key of the current application."""
    return current_app.config["RATELIMIT_KEY_PREFIX"]


def _throttles() -> Throttles | None:
    # With throttles switched off (LIMITS_ENABLED=0) the limiter has no storage at all.
    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return None
    return current_app.extensions.get("census_throttles")


def hit(item: RateLimitItem, *keys: str) -> bool:
    """Count one try; False when the throttle was already used up (True when throttles are off)."""
    throttles = _throttles()
    return True if throttles is None else bool(throttles.call("hit", item, *keys))


def test(item: RateLimitItem, *keys: str) -> bool:
    """Whether one more try would pass, without counting it."""
    throttles = _throttles()
    return True if throttles is None else bool(throttles.call("test", item, *keys))


def clear(item: RateLimitItem, *keys: str) -> None:
    """Forget the tries counted under ``keys``."""
    throttles = _throttles()
    if throttles is not None:
        throttles.call("clear", item, *keys)


def retry_after_of(error: TooManyRequests) -> int:
    """Seconds until the throttle that raised ``error`` lets the next try through."""
    if error.retry_after is not None:
        value = error.retry_after
        return max(1, int(value if isinstance(value, int) else value.timestamp() - time.time()))
    return current_wait()


def current_wait(default: int = 60) -> int:
    """Seconds until the limiter's limit that refused this request lets it through again."""
    try:
        current = limiter.current_limit
        if current is not None:
            return max(1, int(current.reset_at - time.time()))
    except Exception as exc:  # the store failed just now: a plain wait will do
        log.warning("throttle window unavailable: %s", type(exc).__name__)
    return default


def refuse(item: RateLimitItem, *keys: str) -> NoReturn:
    """Raise the 429 for a throttle of ours that is used up, with ``Retry-After`` set to when
    its window lets the next try through."""
    throttles = _throttles()
    reset_at = time.time() + 60
    if throttles is not None:
        reset_at, _remaining = throttles.call("get_window_stats", item, *keys)
    raise TooManyRequests(retry_after=max(1, int(reset_at - time.time())))
