"""Pages with a form answered in front of Flask, each with a new visitor's own token and session.

``/cek`` and ``/isi`` are where every newcomer lands, and each needs a CSRF token of their own,
held by a new session. :mod:`census.core.frontcache` answers a visitor with no session from the
kept page (``census.core.pagecache.Page``, cut where the token goes) with what is made here: a
new token and the session cookie that holds its secret, made as Flask-WTF and Flask's session
interface make them (the same serializers, keys and salt), with the cookie attributes of the
answer Flask gave. Such a page is kept only when that answer set the session cookie alone,
holding nothing but the token's secret, and Flask-WTF's token for it is that secret signed as
this module signs it.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask
from itsdangerous import BadSignature, URLSafeTimedSerializer

#: The memory a kept zlib compressor's state takes (measured: 268,304 bytes).
COMPRESSOR_BYTES = 270_000


@dataclass(frozen=True)
class FormAnswer:
    """A kept page with a form (``census.core.pagecache.Page``), answered in front of Flask."""

    page: Any
    gzipped: bool
    #: The session's ``Set-Cookie`` header before and after its value.
    cookie: tuple[str, str]

    def __len__(self) -> int:
        """What the entry holds in memory: the page's bytes and its compressor's state (this
        entry may be all that keeps the page alive once ``pagecache`` has let it go)."""
        page = self.page
        parts = sum(len(part) for part in page.parts or ())
        return len(page.body) + len(page.gzipped) + len(page.gzip_head) + parts + COMPRESSOR_BYTES


class NewVisitors:
    """Tokens and sessions for new visitors, as Flask-WTF and Flask would make them."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.signer: tuple[Any, URLSafeTimedSerializer] | None = None

    def session_cookie(self, cookies: list[str], token: str) -> tuple[str, str] | None:
        """The ``Set-Cookie`` header of a new visitor's session around its value, when the
        answer sets that cookie alone, the session holds only the CSRF token's secret, and
        ``token`` (Flask-WTF's, in this answer) is that secret signed as this layer signs it:
        any difference in how the two make tokens, and nothing is answered here."""
        name = self.app.config["SESSION_COOKIE_NAME"]
        if len(cookies) != 1 or not cookies[0].startswith(name + "="):
            return None
        end = cookies[0].find(";")
        end = len(cookies[0]) if end < 0 else end
        serializer = self.app.session_interface.get_signing_serializer(self.app)
        field = self._csrf_field()
        try:
            held = serializer.loads(cookies[0][len(name) + 1 : end]) if serializer else None
            if not isinstance(held, dict) or set(held) != {field}:
                return None
            if self._csrf_signer().loads(token) != held[field]:
                return None
        except BadSignature:
            return None
        return name + "=", cookies[0][end:]

    def _csrf_signer(self) -> URLSafeTimedSerializer:
        """Flask-WTF's token serializer, with its secret looked up as Flask-WTF looks it up."""
        secret = self.app.config.get("WTF_CSRF_SECRET_KEY", self.app.secret_key)
        kept = self.signer
        if kept is None or kept[0] != secret:
            kept = self.signer = (
                secret,
                URLSafeTimedSerializer(secret, salt="wtf-csrf-token"),
            )
        return kept[1]

    def _csrf_field(self) -> str:
        return str(self.app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"))

    def answer(
        self,
        status: str,
        headers: list[tuple[str, str]],
        answer: FormAnswer,
        start_response: Callable[..., Any],
    ) -> list[bytes]:
        """The kept page with a new visitor's own CSRF token, and their session to match."""
        token, session = self._new_visitor()
        body = answer.page.with_token(token.encode(), answer.gzipped)
        cookie = answer.cookie[0] + session + answer.cookie[1]
        start_response(
            status, [*headers, ("Content-Length", str(len(body))), ("Set-Cookie", cookie)]
        )
        return [body]

    def _new_visitor(self) -> tuple[str, str]:
        """A CSRF token and the session that holds its secret, made exactly as
        ``flask_wtf.csrf.generate_csrf`` and Flask's session interface make them."""
        app = self.app
        raw = hashlib.sha1(os.urandom(64)).hexdigest()
        session = app.session_interface.get_signing_serializer(app)
        assert session is not None  # a kept form page had a session cookie
        return self._csrf_signer().dumps(raw), session.dumps({self._csrf_field(): raw})
