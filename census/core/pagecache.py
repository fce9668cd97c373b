"""Pages that are the same for every visitor: rendered once per few seconds, kept gzipped, ETag.

The information pages, region pages, badges and open data change only with the language, the
day, what staff change and the figures (themselves cached). At the deadline peak rendering them on
every request is most of their cost, so :func:`cached_page` keeps each page's bytes, plain and
gzipped once, for ``PAGE_CACHE_SECONDS`` (5) in each worker, and answers ``If-None-Match`` with a
304 (a phone on 2G that comes back gets no body at all). The key is everything the page may
depend on: the settings generation (a number that grows with every change by staff, on any
server), the census day and the configured schedule, the endpoint and URL (only ``?lang=`` may
be in the query; any other query string is rendered as before and not kept), the host, the
language, the names (never the values) of what the session holds and the htmx headers. So a
change made by staff shows at once in the worker that made it and within a second everywhere
else (``census.core.settings.GENERATION_SECONDS``); a page with figures is kept no longer than
its figures. The security headers, cookies and ``Vary`` are still added to every answer by the
``after_request`` functions: only the view's work is skipped.

The entry pages of the status check and the form (``/cek``, ``/isi``) have a form, hence a CSRF
token per visitor: they are kept cut where the token goes (``form=True``), served so only to a
visitor whose session holds nothing but a CSRF token, with their own token put in and gzipped
per request, and no ETag.
"""

from __future__ import annotations

import gzip
import hashlib
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar

from flask import Response, current_app, g, request, session
from flask_wtf.csrf import generate_csrf

from census.core import frontcache, settings
from census.core.assets import GZIP_WBITS, wants_gzip
from census.core.config import census_today
from census.core.i18n import add_vary, current_language

F = TypeVar("F", bound=Callable[..., Any])
DEFAULT_SECONDS = 5.0
#: Most pages one worker keeps (each a few kilobytes): languages x pages x regions looked at.
MAX_PAGES = 1024
#: Most pages with a form one worker keeps (each holds a compressor's state, about 256 KiB).
MAX_FORM_PAGES = 32
#: Without ``SITE_URL``, pages are kept for this many request hosts at most (a laptop's names).
MAX_HOSTS = 8
#: The longest value of a query argument a page is kept for.
MAX_ARG = 20
#: Headers of the view's response that are part of the page.
KEPT_HEADERS = (
    "Content-Type",
    "Cache-Control",
    "Content-Disposition",
    "Access-Control-Allow-Origin",
    "Cross-Origin-Resource-Policy",
)


@dataclass(frozen=True)
class Page:
    body: bytes
    gzipped: bytes
    etag: str
    headers: tuple[tuple[str, str], ...]
    vary: tuple[str, ...]
    expires: float
    #: A page with a form: its body cut where the CSRF token goes (each visitor gets their own).
    parts: tuple[bytes, ...] | None = None
    #: Its gzip stream up to the first token, and the compressor's state there: each answer
    #: compresses only what follows (the same bytes as compressing the whole page at once).
    gzip_head: bytes = b""
    compressor: Any = None

    def with_token(self, token: bytes, gzipped: bool) -> bytes:
        """The body of a page with a form, ``token`` put where each CSRF token goes."""
        assert self.parts is not None
        rest = token + token.join(self.parts[1:])
        if not gzipped:
            return self.parts[0] + rest
        compressor = self.compressor.copy()
        return self.gzip_head + compressor.compress(rest) + compressor.flush()


class PageStore:
    """One worker's pages, safe for threaded workers."""

    def __init__(self) -> None:
        self._pages: dict[tuple[Any, ...], Page] = {}
        self._lock = threading.Lock()

    def get(self, key: tuple[Any, ...]) -> Page | None:
        page = self._pages.get(key)
        if page is None or page.expires <= time.monotonic():
            return None
        return page

    def put(self, key: tuple[Any, ...], page: Page) -> None:
        with self._lock:
            if page.parts is not None:
                forms = [k for k, p in self._pages.items() if p.parts is not None]
                if len(forms) >= MAX_FORM_PAGES:
                    for old in forms:
                        del self._pages[old]
            if len(self._pages) >= MAX_PAGES:
                now = time.monotonic()
                self._pages = {k: p for k, p in self._pages.items() if p.expires > now}
                if len(self._pages) >= MAX_PAGES:
                    self._pages.clear()
            self._pages[key] = page

    def clear(self) -> None:
        with self._lock:
            self._pages.clear()


def _store() -> PageStore:
    return current_app.extensions.setdefault("census_pages", PageStore())


def clear() -> None:
    """Forget every kept page of this worker (staff changed a setting)."""
    _store().clear()
    frontcache.forget(current_app)


def _form_session() -> frozenset[str]:
    """What the session of a visitor may hold for a page with a form to be served from what is
    kept: the CSRF token's secret alone."""
    return frozenset({current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")})


def page_key(form: bool, kept_args: tuple[str, ...] = ()) -> tuple[Any, ...] | None:
    """What a page of this request may depend on, as a key (None: not to be kept)."""
    req = request._get_current_object()  # type: ignore[attr-defined]  # one proxy look-up
    config = current_app.config
    args = req.args
    if any(name != "lang" and name not in kept_args for name in args):
        return None  # an unusual query: rendered as before, not kept
    if any(len(values) > 1 or len(values[0]) > MAX_ARG for _, values in args.lists()):
        return None
    held = session.keys()
    if form and not _form_session().issuperset(held):
        return None  # this visitor has a form open, a demo...: the view decides, as before
    version = settings.generation()
    if version < 0:
        return None  # the database cannot say whether staff changed something
    g.census_page_generation = version
    site = config.get("SITE_URL")
    host = site or req.host
    if not site and not _known_host(host):
        return None  # pages are built on the request's host: a few hosts at most are kept
    environ = req.environ
    return (
        version,
        census_today(),
        config["CENSUS_SCHEDULE"],
        req.endpoint,
        req.path,
        host,
        req.script_root,
        req.scheme,
        current_language(),
        "lang" in args,
        # MultiDict.get raises and catches a KeyError for a missing name: looked for first.
        tuple(args[name] if name in args else None for name in kept_args),  # noqa: SIM401
        "form" if form else tuple(sorted(held)),
        # Read from the environ (a missing header costs no exception there), as yes or no:
        # whatever else a header holds makes no new entry.
        environ.get("HTTP_HX_REQUEST") == "true",
        environ.get("HTTP_HX_BOOSTED") == "true",
        environ.get("HTTP_HX_HISTORY_RESTORE_REQUEST") == "true",
    )


def _known_host(host: str) -> bool:
    hosts: set[str] = current_app.extensions.setdefault("census_page_hosts", set())
    if host in hosts:
        return True
    if len(hosts) >= MAX_HOSTS or len(host) > 100:
        return False
    hosts.add(host)
    return True


def _keep(response: Response, seconds: float, form: bool) -> Page | None:
    if response.status_code != 200 or response.is_streamed or response.direct_passthrough:
        return None
    if "Set-Cookie" in response.headers:
        return None
    if not form and current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token") in g:
        return None  # the page carries this visitor's CSRF token (htmx headers): theirs alone
    if session.modified and not (form and _form_session().issuperset(session.keys())):
        return None  # the page changed the session: it is this visitor's
    body = response.get_data()
    level = current_app.config["COMPRESS_LEVEL"]  # as every other page is gzipped
    parts, head, compressor = None, b"", None
    if form:
        parts = tuple(body.split(generate_csrf().encode()))
        if len(parts) < 2:
            return None  # no token where one was expected: not kept
        compressor = zlib.compressobj(level, zlib.DEFLATED, GZIP_WBITS)
        head = compressor.compress(parts[0])
    return Page(
        body=body,
        gzipped=gzip.compress(body, compresslevel=level, mtime=0),
        etag=hashlib.sha256(body).hexdigest()[:20],
        headers=tuple((k, v) for k, v in response.headers.items() if k in KEPT_HEADERS),
        vary=tuple(response.vary),
        expires=time.monotonic() + seconds,
        parts=parts,
        gzip_head=head,
        compressor=compressor,
    )


def _answer_form(page: Page) -> Response:
    """A kept page with this visitor's CSRF token put in (never a 304: the token changes)."""
    gzipped = wants_gzip()
    token = generate_csrf()
    response = Response(page.with_token(token.encode(), gzipped), status=200)
    if gzipped:
        response.headers["Content-Encoding"] = "gzip"
    for name, value in page.headers:
        response.headers[name] = value
    add_vary(response, *page.vary, "Accept-Encoding")
    # A new visitor's answer can be made in front of Flask, with their own token and session.
    generation = g.get("census_page_generation")
    request.environ[frontcache.FORM_MARK] = (page.expires, generation, page, token)
    return response


def _answer(page: Page) -> Response:
    if page.parts is not None:
        return _answer_form(page)
    # The gzipped bytes are another representation: an ETag of their own (RFC 9110, 8.8.3).
    gzipped = wants_gzip()
    etag = page.etag + "-gz" if gzipped else page.etag
    if request.if_none_match.contains_weak(etag):
        response = Response(status=304)
    else:
        response = Response(status=200)
        if gzipped:
            response.set_data(page.gzipped)
            response.headers["Content-Encoding"] = "gzip"
        else:
            response.set_data(page.body)
    for name, value in page.headers:
        response.headers[name] = value
    response.set_etag(etag)
    response.headers.setdefault("Cache-Control", "no-cache")
    if response.status_code == 200:  # may be answered before Flask too (frontcache)
        request.environ[frontcache.MARK] = (page.expires, g.get("census_page_generation"))
    add_vary(response, *page.vary, "Accept-Encoding")
    return response


def cached_page(
    seconds: Callable[[], float] | None = None, form: bool = False, query: tuple[str, ...] = ()
) -> Callable[[F], F]:
    """Keep the view's page for ``PAGE_CACHE_SECONDS`` (or ``seconds()``, when shorter).

    ``query``: query arguments the page is kept for, one page per value (``wilayah``: a region's
    code, at most ``MAX_ARG`` characters); a request with any other argument but ``lang`` is
    rendered as before.

    ``form``: the page has a form, so a CSRF token. It is kept cut where the token goes, and
    served only to visitors whose session holds nothing else (the view decides for the others,
    someone with a household open for instance); each gets their own token, gzipped per request.
    """

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            ttl = float(current_app.config.get("PAGE_CACHE_SECONDS", DEFAULT_SECONDS))
            if seconds is not None:
                ttl = min(ttl, seconds())
            key = page_key(form, query) if ttl > 0 and request.method == "GET" else None
            if key is None:
                return view(*args, **kwargs)
            page = _store().get(key)
            if page is None:
                response = current_app.make_response(view(*args, **kwargs))
                page = _keep(response, ttl, form)
                if page is None:
                    return response
                _store().put(key, page)
            return _answer(page)

        return wrapper  # type: ignore[return-value]

    return decorate
