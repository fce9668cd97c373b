"""QR codes (segno, SVG) for this site's own pages, and absolute URLs to them.

A QR code printed on a flyer or shown on a projector is trusted by whoever scans it, so the site
only ever encodes its own addresses: a path that one of its own routes answers, never a URL
someone passes in (an open QR generator on a government-looking domain would be a phishing tool).
"""

from __future__ import annotations

import io
import re
from urllib.parse import urlsplit

import segno
from flask import current_app, request
from markupsafe import Markup
from werkzeug.exceptions import HTTPException

#: A path with query: letters, digits and the few characters our own URLs use.
SAFE_PATH = re.compile(r"^/[A-Za-z0-9._~\-/]*(\?[A-Za-z0-9._~\-=&%]*)?$")


def own_path(path: str) -> str | None:
    """``path`` when it is a GET page of this site, else None."""
    if not path or len(path) > 200 or not SAFE_PATH.match(path) or path.startswith("//"):
        return None
    parts = urlsplit(path)
    if parts.scheme or parts.netloc or "/../" in parts.path + "/":
        return None
    adapter = current_app.url_map.bind("localhost")
    try:
        endpoint, _args = adapter.match(parts.path, method="GET")
    except HTTPException:
        return None
    if endpoint in {"static", "outreach.qr"}:
        return None
    return path


def site_url(path: str) -> str:
    """The absolute URL of ``path`` (config ``SITE_URL``, else the request's own host)."""
    base = current_app.config.get("SITE_URL") or request.host_url.rstrip("/")
    return base + path


def qr_svg(path: str, title: str, scale: int = 4, inline: bool = False) -> str:
    """An SVG QR code for this site's ``path`` (which must already be checked by ``own_path``)."""
    code = segno.make(site_url(path), error="m", micro=False)
    buffer = io.BytesIO()
    code.save(
        buffer,
        kind="svg",
        scale=scale,
        border=2,
        xmldecl=False,
        svgns=True,
        title=title,
        svgclass="qr",
        lineclass=None,
        light="#fff",
        omitsize=inline,
    )
    svg = buffer.getvalue().decode()
    if inline:
        svg = svg.replace("<svg ", '<svg role="img" ', 1)
    return svg


def qr_markup(path: str, title: str) -> Markup:
    """A QR code to embed in a page (scales with its box; labelled by its title)."""
    return Markup(qr_svg(path, title, scale=1, inline=True))
