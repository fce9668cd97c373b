"""Languages: Bahasa Indonesia by default, English complete.

The language comes from ``?lang=`` (remembered in a cookie for a year), then that cookie, then the
browser's Accept-Language, then Indonesian. What other sites show (the badge, the embedded check)
neither reads nor sets the cookie. Messages are written in English in the code and
templates (gettext's usual source language) and translated in ``translations/id``; English needs no
catalogue of its own. ``flask translate extract|update|compile`` wraps pybabel.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import click
from babel import Locale
from babel.messages.frontend import CommandLineInterface
from babel.support import NullTranslations
from flask import Flask, Response, g, request
from flask.globals import _cv_app
from flask_babel import Babel, Domain, format_date, format_time, get_locale, get_translations
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

LANGUAGES = ("id", "en")
DEFAULT_LANGUAGE = "id"
COOKIE = "lang"
ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "translations"
POT = TRANSLATIONS / "messages.pot"
KEYWORDS = ["_l", "lazy_gettext", "lazy_ngettext:1,2", "ngettext:1,2", "_n:1,2"]


class RequestDomain(Domain):
    """Flask-Babel's message domain, with the request's catalogue looked up once per request.

    Flask-Babel finds the catalogue again for every string (several context-local look-ups and a
    locale identifier built each time): a form step shows a few hundred strings, so that alone
    cost milliseconds. The catalogue is remembered next to the request's locale; a changed locale
    (``force_locale``, ``refresh``) is a different object, so it is looked up again.
    """

    def get_translations(self) -> NullTranslations:
        cached = _remembered_translations()
        if cached is not None:
            return cached
        translations = super().get_translations()
        app_ctx = _cv_app.get(None)
        babel_ctx = app_ctx.g.__dict__.get("_flask_babel") if app_ctx is not None else None
        locale = getattr(babel_ctx, "babel_locale", None)
        if locale is not None:
            babel_ctx.census_translations = (locale, translations)  # type: ignore[union-attr]
        return translations


def _remembered_translations() -> NullTranslations | None:
    app_ctx = _cv_app.get(None)
    if app_ctx is None:
        return None
    babel_ctx = app_ctx.g.__dict__.get("_flask_babel")
    if babel_ctx is None:
        return None
    cached = babel_ctx.__dict__.get("census_translations")
    if cached is None or cached[0] is not babel_ctx.__dict__.get("babel_locale"):
        return None
    return cached[1]


def translations() -> NullTranslations:
    """The current request's catalogue (what templates translate with)."""
    cached = _remembered_translations()
    return cached if cached is not None else get_translations()


babel = Babel()
babel.domain_instance = RequestDomain()  # type: ignore[misc]


#: Responses shown inside other sites (the badge image, the embedded check): they take their
#: language from the URL alone and never set a cookie, which would be a third-party cookie there.
EMBEDDED = frozenset({"outreach.badge"})
EMBEDDED_BLUEPRINTS = frozenset({"embed"})


def _embedded() -> bool:
    return request.endpoint in EMBEDDED or request.blueprint in EMBEDDED_BLUEPRINTS


def asked_language() -> str | None:
    """The language asked for in the URL (``?lang=``) when it is one of ours, else None.

    Whatever else that parameter holds goes nowhere: not into a cache key, a remembered link or
    a URL, so ``?lang=<anything>`` cannot make a new cache entry per value.
    """
    args = request.args
    # MultiDict.get raises and catches a KeyError for a missing name: looked for first.
    asked = args["lang"] if "lang" in args else None  # noqa: SIM401
    return asked if asked in LANGUAGES else None


def select_locale() -> str:
    """Pick the language for this request (see the module docstring for the order)."""
    asked = asked_language()
    if asked is not None:
        return asked
    remembered = None if _embedded() else request.cookies.get(COOKIE)
    if remembered in LANGUAGES:
        return remembered
    return best_language(request.headers.get("Accept-Language", ""))


#: Accept-Language headers whose best language is kept (phones send a handful of them).
MAX_ACCEPT_LANGUAGES = 256
_best: dict[str, str] = {}


def best_language(header: str) -> str:
    """The best of our languages for an Accept-Language header (Indonesian when none fits),
    parsed once per header; a made-up long header is answered, not kept."""
    best = _best.get(header)
    if best is None:
        accepted = parse_accept_header(header, LanguageAccept)
        best = accepted.best_match(LANGUAGES, default=DEFAULT_LANGUAGE)
        if len(header) <= 200:
            if len(_best) >= MAX_ACCEPT_LANGUAGES:
                _best.clear()
            _best[header] = best
    return best


#: Our languages as Babel locales, made once: Flask-Babel parses the selector's code otherwise.
LOCALES = {code: Locale.parse(code) for code in LANGUAGES}


def _selected_locale() -> Locale:
    return LOCALES[select_locale()]


def current_language() -> str:
    """The language of the current request as a short code (looked up once a request)."""
    language = g.get("_census_language")
    if language is None:
        locale = get_locale()  # None while Flask-Babel cannot tell yet: not remembered then
        if locale is None:
            return DEFAULT_LANGUAGE
        language = g._census_language = locale.language
    return language


def date_and_time(value: datetime) -> str:
    """A moment the one way the site writes dates: the language's long date and a 24-hour time
    (``1 Desember 2026, 20:36``; ``December 1, 2026, 20:36``), in WIB."""
    return f"{format_date(value, 'long')}, {format_time(value, 'HH:mm')}"


#: Days already written out, per language and format (the schedule's dates, on every answer).
MAX_DAYS = 1024
_days: dict[tuple[Any, date, str | None], str] = {}


def dateformat(value: Any, format: str | None = None, rebase: bool = True) -> str:
    """Flask-Babel's ``dateformat`` filter, with a day (not a moment) written once per language
    and format: Babel takes longer to format a date than the rest of a line takes to render."""
    if type(value) is not date:  # a moment is shown in WIB: formatted each time, as before
        return format_date(value, format, rebase)
    key = (get_locale(), value, format)
    text = _days.get(key)
    if text is None:
        if len(_days) >= MAX_DAYS:
            _days.clear()
        text = _days[key] = format_date(value, format, rebase)
    return text


def lang_url(code: str) -> str:
    """This page's URL in language ``code``, keeping the rest of the query string."""
    args = [(key, value) for key, value in request.args.items(multi=True) if key != "lang"]
    args.append(("lang", code))
    return request.path + "?" + urlencode(args)


def init_app(app: Flask) -> None:
    """Set up Flask-Babel, the language cookie and the ``translate`` commands."""
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(TRANSLATIONS)
    babel.init_app(app, locale_selector=_selected_locale)
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda s: translations().ugettext(s),
        ngettext=lambda s, p, n: translations().ungettext(s, p, n),
        pgettext=lambda c, s: translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: translations().unpgettext(c, s, p, n),
        newstyle=True,
    )
    app.jinja_env.filters["dateformat"] = dateformat
    app.after_request(_remember_language)
    app.url_defaults(_keep_explicit_language)
    app.cli.add_command(translate)

    @app.context_processor
    def _i18n_context() -> dict[str, Any]:
        return {"lang_url": lang_url, "current_language": current_language, "languages": LANGUAGES}


def _keep_explicit_language(endpoint: str, values: dict[str, Any]) -> None:
    """Links keep a language chosen in the URL, for browsers that drop cookies."""
    asked = asked_language() if request else None
    if asked is not None and endpoint != "static" and "lang" not in values:
        values["lang"] = asked


def _remember_language(response: Response) -> Response:
    asked = asked_language()
    if _embedded():
        response.headers.setdefault("Content-Language", current_language())
        add_vary(response, "Accept-Language")
        return response
    if asked is not None and request.cookies.get(COOKIE) != asked:
        response.set_cookie(COOKIE, asked, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    response.headers.setdefault("Content-Language", current_language())
    add_vary(response, "Cookie", "Accept-Language")
    return response


def add_vary(response: Response, *names: str) -> None:
    """Add ``names`` to the response's ``Vary`` header, each once (Werkzeug's ``vary`` set is
    parsed and written again on every change)."""
    current = response.headers.get("Vary")
    have = {v.strip().lower() for v in current.split(",")} if current else set()
    new = [name for name in names if name.lower() not in have]
    if new:
        response.headers["Vary"] = ", ".join(([current] if current else []) + new)


def pybabel(*args: str) -> None:
    """Run a pybabel sub-command, failing loudly."""
    CommandLineInterface().run(["pybabel", *args])


@click.group()
def translate() -> None:
    """Extract, update and compile the message catalogues."""


@translate.command()
def extract() -> None:
    """Write translations/messages.pot from the code and templates."""
    keywords = [arg for keyword in KEYWORDS for arg in ("-k", keyword)]
    pybabel(
        "extract",
        "-F",
        str(ROOT / "babel.cfg"),
        *keywords,
        "--no-location",
        "--sort-output",
        "--omit-header",
        "-o",
        str(POT),
        str(ROOT / "census"),
    )


@translate.command()
def update() -> None:
    """Merge the .pot into every catalogue (new entries appear untranslated)."""
    pybabel("update", "-i", str(POT), "-d", str(TRANSLATIONS), "--no-fuzzy-matching")


@translate.command()
def compile() -> None:
    """Compile the catalogues to .mo files."""
    pybabel("compile", "-d", str(TRANSLATIONS), "--statistics")
