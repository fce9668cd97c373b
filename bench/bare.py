"""The ceiling: a bare Flask app serving a static page about the size of ours.

Served by the same gunicorn settings as the site, so "req/s of a page / req/s of this" says how
much of the budget our own code, templates and database take.
"""

from __future__ import annotations

import gzip
import os

from flask import Flask, Response, request

SIZE = int(os.environ.get("BENCH_BARE_BYTES", "8000"))
PARAGRAPH = "<p>Sensus penduduk menghitung semua orang yang tinggal di Indonesia.</p>\n"
BODY = PARAGRAPH * max(1, (SIZE - 120) // len(PARAGRAPH))
HTML = f"<!doctype html><html lang=id><head><title>bare</title></head><body>{BODY}</body></html>"
GZIPPED = gzip.compress(HTML.encode(), mtime=0)

app = Flask(__name__)


@app.get("/")
def page() -> Response:
    """The same bytes every time, precompressed: no template, no database, no session."""
    if "gzip" in request.accept_encodings:
        response = Response(GZIPPED, mimetype="text/html")
        response.headers["Content-Encoding"] = "gzip"
        response.vary.add("Accept-Encoding")
        return response
    return Response(HTML, mimetype="text/html")
