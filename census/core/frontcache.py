"""Kept public pages answered before Flask builds a request: the same bytes, a fraction of the work.

A public page kept by :mod:`census.core.pagecache` (information pages, region pages, badges,
open data) still costs a whole Flask request each time: a request context, the session, the
hooks, the headers built again. At the deadline peak those pages are most of the traffic (QR
codes scanned in meetings, badges and embeds on every local government's site), so this WSGI
layer keeps the final answer (status, every header Flask's hooks added, the gzipped body) for
``FRONT_CACHE_SECONDS`` (0.5) and hands it to the next identical request without entering Flask
at all.

The entry pages of the check and the form (``/cek``, ``/isi``) are answered here too for a
visitor with no session, each with a new CSRF token and session of their own
(:mod:`census.core.frontforms`).

Only a plain ``GET`` is answered here: no session cookie (a visitor with a form open, a demo or
a staff sign-in always reaches Flask), no ``If-None-Match`` (Flask answers the 304), a query of
nothing, ``lang=id``/``lang=en``, a region's ``wilayah=`` code or both (the embeds that local
government sites frame, the check for a region), and short headers. Everything a kept page
depends on is in the key, as Flask would read it: the address, the host (unless ``SITE_URL`` is
set) and scheme, the language as ``census.core.i18n`` picks it, the language cookie, whether
gzip is accepted, the htmx headers, the census day, the schedule and the settings generation the
worker last read. An answer is kept only when Flask marked it as a kept public page, it sets no
cookie (but a new visitor's session on a page with a form), and the settings did not move on
while it was made. A change by staff in this worker
forgets everything at once (:func:`forget`); one in another worker or on another server shows
within the settings generation's second plus ``FRONT_CACHE_SECONDS``.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask
from werkzeug.http import parse_accept_header, parse_cookie

from census.core.frontforms import FormAnswer, NewVisitors

#: Set in the WSGI environ by ``pagecache`` on a kept public page: (until when it may be kept,
#: the settings generation it was made under).
MARK = "census.front_until"
#: Set instead on a kept page with a form: (until when, settings generation, the kept page,
#: the token Flask-WTF made for this answer).
FORM_MARK = "census.front_form"
DEFAULT_SECONDS = 0.5
#: Most answers one worker keeps, and most bytes they may hold together.
MAX_ENTRIES = 512
MAX_BYTES = 32 * 1024 * 1024
PLAIN_QUERIES = {"": None, "lang=id": "id", "lang=en": "en"}
#: A region's code, as the embeds and region links put it in ``?wilayah=``.
REGION_QUERY = re.compile(r"wilayah=([0-9]{2}(?:\.[0-9]{2}){0,2}(?:\.[0-9]{4})?)")
LANGUAGES = ("id", "en")
MAX_HEADER = 200
#: The clock entries expire by (one place for tests to move it).
clock = time.monotonic


Entry = tuple[float, str, list[tuple[str, str]], "bytes | FormAnswer"]
#: Where the key holds whether gzip is accepted, and the settings generation.
GZIP, GENERATION = 8, -3


def plain_query(query: str) -> tuple[bool, str | None]:
    """Whether a kept page may be answered here for ``query`` (nothing, a language, a region's
    code, or a region's code and a language, in that order), and the language it asks for."""
    if query in PLAIN_QUERIES:
        return True, PLAIN_QUERIES[query]
    region, _, language = query.partition("&")
    if not REGION_QUERY.fullmatch(region) or language not in PLAIN_QUERIES:
        return False, None
    return True, PLAIN_QUERIES[language]


class FrontCache:
    """WSGI middleware in front of the Flask application (inside ``ProxyFix``)."""

    def __init__(self, app: Flask, wsgi_app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app
        self.wsgi_app = wsgi_app
        self.entries: dict[tuple[Any, ...], Entry] = {}
        self.size = 0
        #: Moves on with every :meth:`clear`: an answer rendered across a clear is not kept.
        self.epoch = 0
        self.lock = threading.Lock()
        self.visitors = NewVisitors(app)

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()
            self.size = 0
            self.epoch += 1

    def _key(self, environ: dict[str, Any]) -> tuple[Any, ...] | None:
        if environ.get("REQUEST_METHOD") != "GET" or "HTTP_IF_NONE_MATCH" in environ:
            return None
        config = self.app.config
        seconds = float(config.get("FRONT_CACHE_SECONDS", DEFAULT_SECONDS))
        if seconds <= 0 or float(config.get("PAGE_CACHE_SECONDS", 0)) <= 0:
            return None
        query = environ.get("QUERY_STRING", "")
        plain, asked = plain_query(query)
        if not plain:
            return None
        encoding = environ.get("HTTP_ACCEPT_ENCODING", "")
        host = environ.get("HTTP_HOST", "")
        if len(encoding) > MAX_HEADER or len(host) > MAX_HEADER:
            return None
        remembered = None
        cookie = environ.get("HTTP_COOKIE")
        if cookie:
            cookies = parse_cookie(cookie)
            if config["SESSION_COOKIE_NAME"] in cookies:
                return None  # this visitor's session: Flask decides
            remembered = cookies.get("lang")
            remembered = remembered if remembered in LANGUAGES else None
        accept_language = environ.get("HTTP_ACCEPT_LANGUAGE", "")
        if len(accept_language) > MAX_HEADER:
            return None
        from census.core import i18n, pagecache  # the language and clock kept pages are keyed on

        memo = self.app.extensions.get("census_generation")
        return (
            environ.get("SCRIPT_NAME", ""),
            environ.get("PATH_INFO", ""),
            query,
            None if config.get("SITE_URL") else host,  # pages are built on SITE_URL if set
            environ.get("wsgi.url_scheme"),
            # What census.core.i18n picks the language from: ?lang=, the cookie (not read by
            # the embedded parts), Accept-Language as it reads it.
            asked,
            remembered,
            i18n.best_language(accept_language),
            "gzip" in parse_accept_header(encoding),
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
        now = clock()
        if entry is not None and entry[0] > now:
            answer = entry[3]
            if isinstance(answer, FormAnswer):
                return self.visitors.answer(entry[1], entry[2], answer, start_response)
            start_response(entry[1], list(entry[2]))
            return [answer]
        epoch = self.epoch
        seen: list[Any] = []

        def remember(status: str, headers: list[tuple[str, str]], *exc: Any) -> Any:
            seen[:] = [status, headers]
            return start_response(status, headers, *exc)

        body = self.wsgi_app(environ, remember)
        form = environ.get(FORM_MARK)
        mark = environ.get(MARK) if form is None else form[:2]
        if mark is None or not seen or not seen[0].startswith("200 "):
            return body
        headers = seen[1]
        cookies = [value for name, value in headers if name.lower() == "set-cookie"]
        cookie = self.visitors.session_cookie(cookies, form[3]) if form is not None else None
        if cookie is None and (cookies or form is not None):
            return body
        try:
            data = b"".join(body)
        finally:
            close = getattr(body, "close", None)
            if close is not None:
                close()
        until, generation = mark
        gzipped = any(n.lower() == "content-encoding" and v == "gzip" for n, v in headers)
        key = self._key(environ)  # again: this request may have been the first to read it
        if key is None or key[GENERATION] != generation or gzipped != key[GZIP]:
            # The settings moved on while it was rendered, or the answer is not what the key
            # says (gzip or not): given to this visitor, kept for nobody.
            return [data]
        seconds = float(self.app.config.get("FRONT_CACHE_SECONDS", DEFAULT_SECONDS))
        kept: bytes | FormAnswer = data
        if form is not None and cookie is not None:
            kept = FormAnswer(form[2], gzipped, cookie)
            headers = [
                (n, v) for n, v in headers if n.lower() not in ("set-cookie", "content-length")
            ]
        # Kept from when it was made, not from when it was asked for (a first page is slower).
        made = clock()
        self._put(key, (min(until, made + seconds), seen[0], list(headers), kept), epoch)
        return [data]

    def _put(self, key: tuple[Any, ...], entry: Entry, epoch: int) -> None:
        with self.lock:
            if epoch != self.epoch:
                return  # cleared (a change by staff) while this answer was made
            if len(self.entries) >= MAX_ENTRIES or self.size + len(entry[3]) > MAX_BYTES:
                now = clock()
                self.entries = {k: e for k, e in self.entries.items() if e[0] > now}
                self.size = sum(len(e[3]) for e in self.entries.values())
                if len(self.entries) >= MAX_ENTRIES or self.size + len(entry[3]) > MAX_BYTES:
                    self.entries.clear()
                    self.size = 0
            old = self.entries.get(key)
            if old is not None:
                self.size -= len(old[3])
            self.entries[key] = entry
            self.size += len(entry[3])


def init_app(app: Flask) -> None:
    """Put the front cache in front of the application (before ``ProxyFix`` wraps it)."""
    front = FrontCache(app, app.wsgi_app)
    app.extensions["census_front"] = front
    app.wsgi_app = front  # type: ignore[method-assign]


def forget(app: Flask) -> None:
    """Forget every answer kept in front of ``app`` (staff changed something in this worker)."""
    front = app.extensions.get("census_front")
    if front is not None:
        front.clear()
