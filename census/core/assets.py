"""Static assets: the inlined site stylesheet and long-cached, precompressed static files.

On 2G a page that waits for a separate stylesheet paints about twice as late, so the site CSS is
read once at start-up and inlined into every page (its hash goes into the CSP). Other static files
carry their version in their name (``htmx-1.9.12.min.js``), so they are cached for a year; a
``.gz`` twin made at build time is sent to clients that accept gzip, instead of compressing on
every request. Dynamic text responses (pages, CSV, JSON, SVG charts) are gzipped by Flask-Compress
as they leave; ``/static/`` is left to its precompressed twins.
"""

from __future__ import annotations

import mimetypes
import re
import zlib
from functools import lru_cache
from pathlib import Path
from typing import Any

from flask import Flask, Response, abort, current_app, request, send_from_directory
from flask_compress import Compress
from markupsafe import Markup
from werkzeug.http import parse_accept_header

from census.core.i18n import add_vary
from census.core.security import style_hash

#: zlib's window bits for a gzip stream (header and trailer), as ``gzip.compress`` writes.
GZIP_WBITS = 31

STATIC_DIR = Path(__file__).resolve().parents[1] / "static"
HTMX_FILE = "vendor/htmx-1.9.12.min.js"
ENHANCE_FILE = "enhance-1.3.js"  # ours: a new version gets a new name (long-cached)
ONE_YEAR = 365 * 24 * 3600
#: Files whose names carry a version or content hash may be cached "forever".
VERSIONED = re.compile(r"-\d+(\.\d+)+(\.min)?\.\w+$|\.[0-9a-f]{8,}\.\w+$")


def minify_css(css: str) -> str:
    """Drop comments and needless whitespace; enough for a few kilobytes of hand-written CSS."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    css = re.sub(r"\s+", " ", css)
    css = re.sub(r"\s*([{};:,>])\s*", r"\1", css)
    return css.replace(";}", "}").strip()


compress = Compress()


def init_app(app: Flask) -> None:
    """Load the CSS, allow it in the CSP, serve ``/static/`` and gzip dynamic text responses."""
    compress.init_app(app)  # registers nothing itself: COMPRESS_REGISTER is False
    app.after_request(_compress)
    css = minify_css((STATIC_DIR / "site.css").read_text(encoding="utf-8"))
    app.extensions["census_css"] = Markup(css)
    app.extensions.setdefault("census_style_hashes", []).append(style_hash(css))
    app.add_url_rule("/static/<path:filename>", "static", _static)
    # Small per-page additions (``static/page-<name>.css``, e.g. print rules for a flyer): each
    # is inlined only by the page that asks for it, and allowed in the CSP by its hash too.
    page_styles: dict[str, Markup] = {}
    for path in sorted(STATIC_DIR.glob("page-*.css")):
        extra = minify_css(path.read_text(encoding="utf-8"))
        page_styles[path.stem.removeprefix("page-")] = Markup(extra)
        app.extensions["census_style_hashes"].append(style_hash(extra))

    def page_css(name: str) -> Markup:
        return page_styles[name]

    @app.context_processor
    def _assets() -> dict[str, object]:
        return {
            "site_css": app.extensions["census_css"],
            "htmx_file": HTMX_FILE,
            "enhance_file": ENHANCE_FILE,
            "page_css": page_css,
        }


def _compress(response: Response) -> Response:
    """Gzip a dynamic text response for a client that accepts it (adds ``Vary``, skips small
    bodies, streams and anything already encoded). Static files are never compressed per request:
    the long-lived ones have a ``.gz`` twin made once at build time."""
    if request.endpoint == "static" or not current_app.config["COMPRESS_ENABLED"]:
        return response
    if _gzip_page(response):
        return response
    return compress.after_request(response)


#: Where a page's head ends: everything before is the same on every page of a language.
HEAD_END = b"</style>"
#: Most starts of pages kept with their compressor: the heads (one per language and head) and
#: the kept pages' parts before their first hole (``census.core.holes``), a few dozen in all.
MAX_HEADS = 32


@lru_cache(maxsize=64)
def _accepts_gzip(header: str) -> bool:
    return "gzip" in parse_accept_header(header)


def wants_gzip() -> bool:
    """Whether this response may be gzipped: compression is on and the client accepts gzip
    (its ``Accept-Encoding`` read as Werkzeug reads it, once per distinct header)."""
    if not current_app.config["COMPRESS_ENABLED"]:
        return False
    return _accepts_gzip(request.headers.get("Accept-Encoding", ""))


def gzipped_after(start: bytes, rest: bytes) -> bytes:
    """``start + rest`` gzipped, ``start`` compressed only once: the compressor's state after
    it is kept (at most ``MAX_HEADS`` starts) and copied, so each call compresses only
    ``rest``. The same bytes as compressing the whole at once, as Flask-Compress would."""
    heads: dict[bytes, tuple[bytes, Any]] = current_app.extensions.setdefault("census_heads", {})
    kept = heads.get(start)
    if kept is None:
        compressor = zlib.compressobj(
            current_app.config["COMPRESS_LEVEL"], zlib.DEFLATED, GZIP_WBITS
        )
        if len(heads) >= MAX_HEADS:
            heads.clear()
        kept = heads[start] = (compressor.compress(start), compressor)
    compressor = kept[1].copy()
    return kept[0] + compressor.compress(rest) + compressor.flush()


def _gzip_page(response: Response) -> bool:
    """Gzip an HTML page as Flask-Compress would, but its head (the inlined stylesheet, half
    the page) only once (``gzipped_after``). False to leave the response to Flask-Compress (not
    HTML, an ETag, a stream, no gzip asked, a body too small)."""
    if (
        response.mimetype != "text/html"
        or not 200 <= response.status_code < 300
        or response.is_streamed
        or response.direct_passthrough
        or "Content-Encoding" in response.headers
        or "ETag" in response.headers
        or not _accepts_gzip(request.headers.get("Accept-Encoding", ""))
    ):
        return False
    data = response.get_data()
    cut = data.find(HEAD_END, 0, 16384)
    if cut < 0 or len(data) < current_app.config["COMPRESS_MIN_SIZE"]:
        return False
    cut += len(HEAD_END)
    response.set_data(gzipped_after(data[:cut], data[cut:]))
    response.headers["Content-Encoding"] = "gzip"
    add_vary(response, "Accept-Encoding")
    return True


def _static(filename: str) -> Response:
    if ".." in filename or filename.endswith(".gz"):
        abort(404)
    gz = STATIC_DIR / (filename + ".gz")
    if "gzip" in request.headers.get("Accept-Encoding", "") and gz.is_file():
        response = send_from_directory(STATIC_DIR, filename + ".gz", max_age=_max_age(filename))
        response.headers["Content-Encoding"] = "gzip"
        response.mimetype = mimetypes.guess_type(filename)[0] or "application/octet-stream"
    else:
        response = send_from_directory(STATIC_DIR, filename, max_age=_max_age(filename))
    response.vary.add("Accept-Encoding")
    if VERSIONED.search(filename):
        response.headers["Cache-Control"] = f"public, max-age={ONE_YEAR}, immutable"
    return response


def _max_age(filename: str) -> int:
    if VERSIONED.search(filename):
        return ONE_YEAR
    return current_app.get_send_file_max_age(filename) or 3600
