"""Security headers, cookies over HTTPS, and CSRF.

The Content-Security-Policy allows no inline script at all. The one inline stylesheet (the site CSS,
inlined so the first paint needs one response) is allowed by its hash. Framing is denied everywhere
except on views marked with :func:`allow_framing` (the embeds for local government sites).

Over HTTPS (the request came over it, as ``ProxyFix`` tells behind ``TRUSTED_PROXY_HOPS`` proxies,
or ``SITE_URL`` is an ``https://`` address) every cookie is ``Secure``, the response carries
``Strict-Transport-Security`` and the CSP upgrades insecure requests. Over plain HTTP (a meeting
laptop serving a LAN) none of them: a ``Secure`` cookie would never come back there.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Flask, Response, current_app, g, request
from flask.sessions import SecureCookieSessionInterface, SessionMixin
from flask_wtf.csrf import CSRFProtect
from itsdangerous import URLSafeTimedSerializer

csrf = CSRFProtect()

F = TypeVar("F", bound=Callable[..., Any])
HSTS = "max-age=31536000; includeSubDomains"


def init_app(app: Flask) -> None:
    """Enable CSRF on every POST and add the headers to every response."""
    csrf.init_app(app)
    app.session_interface = SessionInterface()
    app.after_request(_add_headers)


def over_https() -> bool:
    """Whether this request came over HTTPS, or the site is published at an ``https://`` URL."""
    site = str(current_app.config.get("SITE_URL") or "")
    return request.is_secure or site.startswith("https://")


def _secure_cookies(response: Response) -> None:
    cookies = response.headers.getlist("Set-Cookie")
    if all("; secure" in cookie.lower() for cookie in cookies):
        return
    del response.headers["Set-Cookie"]
    for cookie in cookies:
        secure = "; secure" in cookie.lower()
        response.headers.add("Set-Cookie", cookie if secure else cookie + "; Secure")


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, ``Secure`` over HTTPS. The session is saved after every
    ``after_request`` function, so this is also where every other cookie of the response (the
    language) is made ``Secure``: none is missed, whichever part of the site set it."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(super().get_cookie_secure(app)) or over_https()

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        """Flask's serializer, made once per set of keys instead of on every request."""
        keys = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        kept = app.extensions.get("census_session_serializer")
        if kept is None or kept[0] != keys:
            kept = app.extensions["census_session_serializer"] = (
                keys,
                super().get_signing_serializer(app),
            )
        return kept[1]

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        super().save_session(app, session, response)
        if over_https() or super().get_cookie_secure(app):
            _secure_cookies(response)
        if request.endpoint == "static":
            # A static file is the same for every visitor and language: a Vary on the cookie or
            # the language would make browsers and proxies ask again for what is immutable.
            kept = [v for v in response.vary if v.lower() not in {"cookie", "accept-language"}]
            response.headers["Vary"] = ", ".join(kept)


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


def _policy_headers(framing: bool, https: bool) -> list[tuple[str, str]]:
    """The security headers for one kind of answer, built once per kind (four in all)."""
    kinds = current_app.extensions.setdefault("census_security_headers", {})
    headers = kinds.get((framing, https))
    if headers is None:
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
        headers = []
        if https:
            policy.append("upgrade-insecure-requests")
            headers.append(("Strict-Transport-Security", HSTS))
        headers += [
            ("Content-Security-Policy", "; ".join(policy)),
            ("X-Content-Type-Options", "nosniff"),
            ("Referrer-Policy", "same-origin"),
            (
                "Permissions-Policy",
                "camera=(), microphone=(), geolocation=(), interest-cohort=()",
            ),
        ]
        if not framing:
            headers.append(("X-Frame-Options", "DENY"))
        kinds[(framing, https)] = headers
    return headers


def _add_headers(response: Response) -> Response:
    """Each security header the view did not set itself."""
    present = {name.lower() for name, _value in response.headers.items()}
    for name, value in _policy_headers(bool(g.get("allow_framing", False)), over_https()):
        if name.lower() not in present:
            response.headers.add(name, value)
    return response
