"""Throttles with Flask-Limiter: in Redis when ``REDIS_URL`` is set, in memory otherwise.

With Redis every gunicorn worker and every app server shares one count, so the app servers stay
stateless. The client address is ``request.remote_addr``, which :class:`werkzeug.ProxyFix` has
already corrected for exactly ``TRUSTED_PROXY_HOPS`` proxies of ours (see ``create_app``): a
header a client sets itself is never believed.
"""

from __future__ import annotations

import ipaddress
import time
from typing import NoReturn

from flask import Flask, current_app, request
from flask_limiter import Limiter
from limits import RateLimitItem
from werkzeug.exceptions import TooManyRequests


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


limiter = Limiter(key_func=client_address, default_limits=[], headers_enabled=True)


def init_app(app: Flask) -> None:
    """Point the limiter at Redis or memory and register it."""
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config["REDIS_URL"] or "memory://")
    app.config.setdefault("RATELIMIT_KEY_PREFIX", app.config["KEY_PREFIX"])
    app.config.setdefault("RATELIMIT_ENABLED", app.config["LIMITS_ENABLED"])
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    # The limiter keeps the first application's key prefix otherwise; each application (a test
    # builds many) must count under its own.
    limiter._key_prefix = ""
    limiter.init_app(app)


def key_prefix() -> str:
    """The prefix of every throttle key of the current application."""
    return current_app.config["RATELIMIT_KEY_PREFIX"]


def refuse(item: RateLimitItem, *keys: str) -> NoReturn:
    """Raise the 429 for a throttle of ours that is used up, with ``Retry-After`` set to when
    its window lets the next try through."""
    reset_at, _remaining = limiter.limiter.get_window_stats(item, *keys)
    raise TooManyRequests(retry_after=max(1, int(reset_at - time.time())))
