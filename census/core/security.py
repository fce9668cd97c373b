"""Security headers and CSRF.

The Content-Security-Policy allows no inline script at all. The one inline stylesheet (the site CSS,
inlined so the first paint needs one response) is allowed by its hash. Framing is denied everywhere
except on views marked with :func:`allow_framing` (the embeds for local government sites).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Flask, Response, current_app, g
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()

F = TypeVar("F", bound=Callable[..., Any])


def init_app(app: Flask) -> None:
    """Enable CSRF on every POST and add the headers to every response."""
    csrf.init_app(app)
    app.after_request(_add_headers)


def style_hash(css: str) -> str:
    """The CSP source expression that allows exactly this inline stylesheet."""
    digest = hashlib.sha256(css.encode()).digest()
    return "'sha256-" + base64.b64encode(digest).decode() + "'"


def allow_framing(view: F) -> F:
    """Let any site frame this view (used only under ``/embed/``)."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        g.allow_framing = True
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def _add_headers(response: Response) -> Response:
    framing = g.get("allow_framing", False)
    styles = " ".join(["'self'", *current_app.extensions.get("census_style_hashes", [])])
    policy = [
        "default-src 'self'",
        "script-src 'self'",
        f"style-src {styles}",
        "img-src 'self' data:",
        "font-src 'none'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors *" if framing else "frame-ancestors 'none'",
    ]
    response.headers.setdefault("Content-Security-Policy", "; ".join(policy))
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault(
        "Permissions-Policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()"
    )
    if not framing:
        response.headers.setdefault("X-Frame-Options", "DENY")
    return response
