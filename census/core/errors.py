"""Friendly, translated error pages.

Each error page says in plain words what happened and what to do next, in the visitor's language,
with the site's chrome so the way home is one tap away. A 429 keeps the ``Retry-After`` header the
limiter computed; nothing from the request is echoed.
"""

from __future__ import annotations

import logging
import traceback
from types import TracebackType

from flask import Flask, Response
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError

from census.core import db
from census.core.limits import current_wait
from census.core.render import render

log = logging.getLogger(__name__)

MESSAGES = {
    400: (
        _l("Something in the request was not right"),
        _l("The page could not understand what was sent. Go back and try again."),
    ),
    403: (
        _l("This page is not open to you"),
        _l("You do not have access to this page."),
    ),
    404: (
        _l("Page not found"),
        _l("Check the address, or start again from the home page."),
    ),
    405: (
        _l("That action is not possible here"),
        _l("This page cannot be used that way. Start again from the home page."),
    ),
    413: (
        _l("That was too much to send"),
        _l("The page received more than a census form ever sends. Go back and try again."),
    ),
    415: (
        _l("This page takes only its own forms"),
        _l("What was sent is not one of this site's forms. Open the page and use its form."),
    ),
    429: (
        _l("Too many tries"),
        _l("For everyone's safety, tries are limited. Please wait a while and try again."),
    ),
    500: (
        _l("Something went wrong on our side"),
        _l("Nothing you typed was lost on our side. Please try again in a few minutes."),
    ),
    503: (
        _l("The site is very busy"),
        _l("Many people are filling in the census right now. Please try again in a few minutes."),
    ),
}
#: Seconds the busy page (503) asks a visitor to wait before trying again.
DATABASE_RETRY_AFTER = 30
CSRF_MESSAGE = (
    _l("This form has expired"),
    _l("For your safety a form can only be sent for a limited time. Open it again and resend."),
)


def error_page(
    code: int, title: object, text: object, headers: dict[str, str] | None = None
) -> Response:
    """Render the error template with ``code``."""
    return render(
        "errors/error.html", status=code, headers=headers, code=code, title=title, text=text
    )


def _handle_http(error: HTTPException) -> Response:
    code = error.code or 500
    title, text = MESSAGES.get(code, MESSAGES[500 if code >= 500 else 400])
    original = error.get_response()
    headers = {k: original.headers[k] for k in ("Retry-After", "Allow") if k in original.headers}
    if code == 429 and "Retry-After" not in headers:
        headers["Retry-After"] = str(current_wait())
    return error_page(code, title, text, headers)


def page_for(error: HTTPException) -> Response:
    """The site's translated page for an HTTP error (for a blueprint's handler to fall back on)."""
    return _handle_http(error)


def _handle_csrf(_error: CSRFError) -> Response:
    return error_page(400, *CSRF_MESSAGE)


def _handle_database_error(error: DBAPIError) -> Response:
    # The database is down, overloaded, locked (a lock timeout) or the connection was lost:
    # nothing the visitor did, and worth another try. Any other database error is a fault.
    if not (isinstance(error, OperationalError | InterfaceError) or error.connection_invalidated):
        return _handle_unexpected(error)
    log.warning("database unavailable: %s", type(error.orig or error).__name__)
    db.discard_session()
    title, text = MESSAGES[503]
    return error_page(503, title, text, {"Retry-After": str(DATABASE_RETRY_AFTER)})


def log_unexpected(error: BaseException) -> None:
    """Log an exception's type and where it was raised, never its text: a database error's
    message carries the statement's parameters (a name, an answer), a decoding error quotes what
    was sent. The chained exceptions are named by type too, without their text."""
    frames = "".join(traceback.format_tb(error.__traceback__))
    chain = []
    cause = error.__cause__ or error.__context__
    while cause is not None and len(chain) < 5:
        chain.append(type(cause).__name__)
        cause = cause.__cause__ or cause.__context__
    after = f" (after {', '.join(chain)})" if chain else ""
    log.error("unhandled %s%s\n%s", type(error).__name__, after, frames)


def _log_exception(
    exc_info: tuple[type[BaseException], BaseException, TracebackType] | tuple[None, None, None],
) -> None:
    """Flask's own log of an exception that escaped every handler, without its text."""
    if exc_info[1] is not None:
        log_unexpected(exc_info[1])


def _handle_unexpected(error: Exception) -> Response:
    if isinstance(error, HTTPException) and not isinstance(error, InternalServerError):
        return _handle_http(error)
    if not (isinstance(error, InternalServerError) and error.original_exception is not None):
        log_unexpected(error)  # otherwise Flask has logged it already, through _log_exception
    title, text = MESSAGES[500]
    try:
        return error_page(500, title, text)
    except Exception as failed:  # the page itself failed: still no traceback with data
        log_unexpected(failed)
        return Response("500\n", 500, mimetype="text/plain")


def init_app(app: Flask) -> None:
    """Register the handlers, and keep Flask's own exception log free of exception text."""
    app.log_exception = _log_exception  # type: ignore[method-assign,assignment]
    app.register_error_handler(CSRFError, _handle_csrf)
    app.register_error_handler(DBAPIError, _handle_database_error)
    app.register_error_handler(HTTPException, _handle_http)
    app.register_error_handler(InternalServerError, _handle_unexpected)
    app.register_error_handler(Exception, _handle_unexpected)
