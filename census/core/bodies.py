"""Only forms come in: a request body that is not a form is refused before anything reads it.

Every page of the site posts a plain HTML form (``application/x-www-form-urlencoded``, or
``multipart/form-data`` from a browser that prefers it), and only a staff import (marked with
:func:`accepts_file`) has a file field.
Anything else (JSON, text, XML, a file) is refused here, before the CSRF check, the throttles, a
form class or a view touch it: Flask-WTF would otherwise read a JSON body as the form's data, and
its numbers, lists and objects are not the strings every field expects. The refusal is the site's
own error page (415, or 400 for a file), and the log gets one line without anything that was sent.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, abort, current_app, request

log = logging.getLogger(__name__)

#: The bodies HTML forms send; nothing else is read.
FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})
#: Methods whose body Flask-WTF would read as a form.
BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


F = TypeVar("F", bound=Callable[..., Any])


def accepts_file(view: F) -> F:
    """Mark a view whose form uploads a file (a staff spreadsheet import): its files come in."""
    view.accepts_file = True  # type: ignore[attr-defined]
    return view


def _file_allowed() -> bool:
    view = current_app.view_functions.get(request.endpoint or "")
    return bool(getattr(view, "accepts_file", False))


def _has_body() -> bool:
    if request.content_length:
        return True
    return "chunked" in request.headers.get("Transfer-Encoding", "").lower()


def refuse_what_is_not_a_form() -> None:
    """415 for a body that is not a form, 400 for a form that carries a file."""
    if request.method not in BODY_METHODS or not _has_body():
        return
    if request.mimetype not in FORM_TYPES:
        log.info("request refused: body is not a form")
        abort(415)
    if request.files and not _file_allowed():
        log.info("request refused: form carries a file")
        abort(400)


def init_app(app: Flask) -> None:
    """Check every request's body first (call before any extension that reads the form)."""
    app.before_request(refuse_what_is_not_a_form)
