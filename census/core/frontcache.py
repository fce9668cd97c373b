"""Kept public pages answered before Flask builds a request: the same bytes, a fraction of the work.

A public page kept by :mod:`census.core.pagecache` (information pages, region pages, badges,
open data; never a page with a form) still costs a whole Flask request each time: a request
context, the session, the hooks, the headers built again. At the deadline peak those pages are
most of the traffic (QR codes scanned in meetings, badges and embeds on every local government's
site), so this WSGI layer keeps the final answer (status, every header Flask's hooks added, the
gzipped body) for ``FRONT_CACHE_SECONDS`` (0.5) and hands it to the next identical request
without entering Flask at all.

Only a plain ``GET`` is answered here: no session cookie (a visitor with a form open, a demo or
a staff sign-in always reaches Flask), no ``If-None-Match`` (Flask answers the 304), a query of
nothing or ``lang=id``/``lang=en``, and short headers. Everything a kept page depends on is in
the key: the address, host and scheme, the language cookie, ``Accept-Language``,
``Accept-Encoding``, the htmx headers, the census day, the schedule and the settings generation
the worker last read. An answer is kept only when Flask marked it as a kept public page and it
sets no cookie. A change by staff in this worker forgets everything at once
(:func:`forget`); one on another server shows within the settings generation's second plus
``FRONT_CACHE_SECONDS``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask
from werkzeug.http import parse_cookie

#: Set in the WSGI environ by ``pagecache`` on a kept public page: until when it may be kept.
MARK = "census.front_until"
DEFAULT_SECONDS = 0.5
#: Most answers one worker keeps (each a page's gzipped bytes and headers).
MAX_ENTRIES = 512
PLAIN_QUERIES = frozenset({b"", b"lang=id", b"lang=en"})
MAX_HEADER = 200

Entry = tuple[float, str, list[tuple[str, str]], bytes]


class FrontCache:
    """WSGI middleware in front of the Flask application (inside ``ProxyFix``)."""

    def __init__(self, app: Flask, wsgi_app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app
        self.wsgi_app = wsgi_app
        self.entries: dict[tuple[Any, ...], Entry] = {}
        self.lock = threading.Lock()

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()

    def _key(self, environ: dict[str, Any]) -> tuple[Any, ...] | None:
        if environ.get("REQUEST_METHOD") != "GET" or "HTTP_IF_NONE_MATCH" in environ:
            return None
        config = self.app.config
        seconds = float(config.get("FRONT_CACHE_SECONDS", DEFAULT_SECONDS))
        if seconds <= 0 or float(config.get("PAGE_CACHE_SECONDS", 0)) <= 0:
            return None
        query = environ.get("QUERY_STRING", "").encode("latin-1")
        if query not in PLAIN_QUERIES:
            return None
        accept_language = environ.get("HTTP_ACCEPT_LANGUAGE", "")
        encoding = environ.get("HTTP_ACCEPT_ENCODING", "")
        host = environ.get("HTTP_HOST", "")
        if max(len(accept_language), len(encoding), len(host)) > MAX_HEADER:
            return None
        language = None
        cookie = environ.get("HTTP_COOKIE")
        if cookie:
            cookies = parse_cookie(cookie)
            if config["SESSION_COOKIE_NAME"] in cookies:
                return None  # this visitor's session: Flask decides
            language = cookies.get("lang")
        from census.core import pagecache  # the same clock the kept pages are keyed on

        memo = self.app.extensions.get("census_generation")
        return (
            environ.get("SCRIPT_NAME", ""),
            environ.get("PATH_INFO", ""),
            query,
            host,
            environ.get("wsgi.url_scheme"),
            language,
            accept_language,
            encoding,
            environ.get("HTTP_HX_REQUEST") == "true",
            environ.get("HTTP_HX_BOOSTED") == "true",
            environ.get("HTTP_HX_HISTORY_RESTORE_REQUEST") == "true",
            pagecache.census_today(),
            config["CENSUS_SCHEDULE"],
            memo[1] if memo is not None else None,
            # How long views keep what they show (a change of either is seen at once).
            config["PAGE_CACHE_SECONDS"],
            config.get("CENSUS_CACHE_SECONDS"),
        )

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        key = self._key(environ)
        if key is None:
            return self.wsgi_app(environ, start_response)
        entry = self.entries.get(key)
        now = time.monotonic()
        if entry is not None and entry[0] > now:
            start_response(entry[1], list(entry[2]))
            return [entry[3]]
        seen: list[Any] = []

        def remember(status: str, headers: list[tuple[str, str]], *exc: Any) -> Any:
            seen[:] = [status, headers]
            return start_response(status, headers, *exc)

        body = self.wsgi_app(environ, remember)
        until = environ.get(MARK)
        if until is None or not seen or not seen[0].startswith("200 "):
            return body
        if any(name.lower() == "set-cookie" for name, _ in seen[1]):
            return body
        try:
            data = b"".join(body)
        finally:
            close = getattr(body, "close", None)
            if close is not None:
                close()
        seconds = float(self.app.config.get("FRONT_CACHE_SECONDS", DEFAULT_SECONDS))
        key = self._key(environ)  # again: the request may have read the generation first
        if key is None:
            return [data]
        with self.lock:
            if len(self.entries) >= MAX_ENTRIES:
                self.entries.clear()
            self.entries[key] = (min(until, now + seconds), seen[0], list(seen[1]), data)
        return [data]


def init_app(app: Flask) -> None:
    """Put the front cache in front of the application (before ``ProxyFix`` wraps it)."""
    front = FrontCache(app, app.wsgi_app)
    app.extensions["census_front"] = front
    app.wsgi_app = front  # type: ignore[method-assign]


def forget(app: Flask) -> None:
    """Forget every answer kept in front of ``app`` (staff changed something here)."""
    front = app.extensions.get("census_front")
    if front is not None:
        front.clear()
