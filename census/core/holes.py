"""Pages rendered once with a marker in each place that differs, kept cut there, filled per request.

Some pages are the same for many people but for a few values: the numbers a household typed, the
version of its answers, each visitor's CSRF token. Such a page is rendered once with a marker
where each value goes (:func:`marker`), cut at the markers and at this request's token
(:func:`cut`), and kept under a key that holds everything else the page depends on; the next
request with the same key gets the kept parts joined with its own values (:meth:`Holed.respond`),
escaped by the caller as the template escapes them. The markers are random for each worker, so
nothing typed or stored can be taken for one, and the kept parts hold none of the values.

A client that takes gzip gets the filled page gzipped here, from its first hole on: the state of
the compressor after the part before it is kept (``census.core.assets.gzipped_after``), so a page
costs only the compression of what follows, and the bytes are those of compressing it whole.

Used by the status check's answers (``census.status.kept``) and the question pages whose markup
depends only on their own answers (``census.form.saving``); each has tests that a kept page is
the rendered page, byte for byte.
"""

from __future__ import annotations

import re
import secrets
import threading
from dataclasses import dataclass
from typing import Any

from flask import Response, current_app, g
from flask_wtf.csrf import generate_csrf

from census.core.assets import gzipped_after, wants_gzip
from census.core.i18n import add_vary

_MARK = "hole" + secrets.token_hex(12)
#: The hole where this request's CSRF token goes.
TOKEN = "token"


def marker(name: str) -> str:
    """What marks the hole ``name`` while a page is rendered."""
    return _MARK + name


def is_marked(text: str) -> bool:
    """Whether ``text`` still holds a marker (a filled page never does)."""
    return _MARK in text


@dataclass(frozen=True)
class Holed:
    """A page cut at its holes: ``parts[i]`` comes before ``holes[i]``."""

    parts: tuple[str, ...]
    holes: tuple[str, ...]
    status: int
    headers: tuple[tuple[str, str], ...]
    #: ``parts[0]`` as the response's bytes, when the page is HTML that is gzipped as it leaves
    #: (``census.core.assets``): then it is gzipped here, the compressor's state after this
    #: start kept, so each answer compresses only what follows its first hole.
    start: bytes | None = None

    def fill(self, values: dict[str, str]) -> str:
        """The page with each hole's value put in (the token's too, when it has one)."""
        return self.parts[0] + self._rest(values)

    def _rest(self, values: dict[str, str]) -> str:
        if TOKEN in self.holes:
            values = {**values, TOKEN: generate_csrf()}  # as the template's csrf_token() does
        pieces = []
        for hole, part in zip(self.holes, self.parts[1:], strict=True):
            pieces += (values[hole], part)
        return "".join(pieces)

    def respond(self, values: dict[str, str]) -> Response:
        """The response the view would have made, with ``values`` in the holes: gzipped as it
        would leave (the same bytes), when the client takes gzip."""
        if self.start is None or not wants_gzip():
            return Response(self.fill(values), status=self.status, headers=list(self.headers))
        body = gzipped_after(self.start, self._rest(values).encode())
        response = Response(body, status=self.status, headers=list(self.headers))
        response.headers["Content-Encoding"] = "gzip"
        add_vary(response, "Accept-Encoding")
        return response


def cut(response: Response, markers: dict[str, int]) -> Holed | None:
    """``response`` cut at each marker (``{marker: how many times it must appear}``) and at
    this request's CSRF token; None when it is not a page to keep (not a 200, a cookie set,
    a marker not where it was expected)."""
    if response.status_code != 200 or response.is_streamed or "Set-Cookie" in response.headers:
        return None
    text = response.get_data(as_text=True)
    token = g.get(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"))
    cuts = [*markers, *([token] if token else [])]
    pieces = re.split("(" + "|".join(re.escape(piece) for piece in cuts) + ")", text)
    holes = tuple(TOKEN if piece == token else piece for piece in pieces[1::2])
    if any(holes.count(name) != count for name, count in markers.items() if count):
        return None
    parts = tuple(pieces[0::2])
    gzipped = (
        response.mimetype == "text/html"
        and "Content-Encoding" not in response.headers
        and "ETag" not in response.headers
        and len(response.get_data()) >= current_app.config["COMPRESS_MIN_SIZE"]
    )
    return Holed(
        parts=parts,
        holes=holes,
        status=response.status_code,
        headers=tuple(item for item in response.headers.items() if item[0] != "Content-Length"),
        start=parts[0].encode() if gzipped else None,
    )


class Store:
    """One worker's kept pages of one kind, at most ``size``, safe for threaded workers."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.pages: dict[Any, Holed] = {}
        self._lock = threading.Lock()

    def get(self, key: Any) -> Holed | None:
        return self.pages.get(key)

    def put(self, key: Any, page: Holed) -> None:
        with self._lock:
            if len(self.pages) >= self.size:
                self.pages.clear()
            self.pages[key] = page


def store(name: str, size: int) -> Store:
    """This application's store of kept pages called ``name``."""
    kept = current_app.extensions.get(f"census_holes_{name}")
    if kept is None:
        kept = current_app.extensions.setdefault(f"census_holes_{name}", Store(size))
    return kept
