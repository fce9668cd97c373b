"""The one place that knows about htmx: render a whole page or only its fragment.

A page template includes its fragment (``_answer.html``); a plain htmx request gets the fragment
alone, while a boosted navigation or a history restore still needs the whole page. The response
varies on ``HX-Request`` so no cache hands a fragment to a full-page visit.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Flask,
    Response,
    current_app,
    make_response,
    render_template,
    request,
    url_for,
)
from flask_babel import lazy_gettext as _l
from flask_htmx import HTMX
from markupsafe import Markup

from census.core import settings
from census.core.i18n import add_vary, asked_language, current_language

htmx = HTMX()


#: The main navigation, in order; an entry shows once its blueprint is registered.
MAIN_NAV = (
    ("pages.home", _l("Home")),
    ("status.check", _l("Check status")),
    ("form.start", _l("Fill in the census")),
    ("pages.schedule", _l("Schedule")),
    ("pages.faq", _l("Questions")),
)


def init_app(app: Flask) -> None:
    """Register flask-htmx (it adds ``htmx`` to every template) and the navigation."""
    htmx.init_app(app)

    @app.context_processor
    def _navigation() -> dict[str, Any]:
        def main_nav() -> list[tuple[str, Any]]:
            # "Fill in the census" only while the online form takes answers.
            hidden = set() if settings.online_open() else {"form.start"}
            return [
                (ep, label)
                for ep, label in MAIN_NAV
                if ep in app.view_functions and ep not in hidden
            ]

        return {"main_nav": main_nav}

    for helper in (link, chrome, page_part):  # globals: macros and includes see them too
        app.add_template_global(helper)


def _remembered(name: str) -> dict[Any, Any]:
    """A dict of this application's for values built once (links, chrome)."""
    return current_app.extensions.setdefault(f"census_{name}", {})


def link(endpoint: str, **values: str) -> str:
    """``url_for(endpoint, **values)`` for a page or file of the site's own (its navigation, a
    form's action, a static file), remembered.

    Such a URL depends only on the endpoint, its values, an explicit ``?lang=`` and where the
    site is mounted, so it is built once per combination instead of on every page. Values are
    the templates' own (a file name, never a visitor's input).
    """
    key = (endpoint, tuple(sorted(values.items())), asked_language(), request.script_root)
    links = _remembered("links")
    url = links.get(key)
    if url is None:
        url = links[key] = url_for(endpoint, **values)
    return url


def chrome(part: str) -> Markup:
    """``chrome/<part>.html`` (the header's navigation, the footer's links), rendered once.

    Such a part depends only on the language, the page (which link is current), an explicit
    ``?lang=``, the mount point and whether the online form is open; it is rendered once per
    combination (a few hundred at most) instead of on every page.
    """
    key = (
        part,
        current_language(),
        request.endpoint,
        asked_language(),
        request.script_root,
        settings.online_open(),
    )
    parts = _remembered("chrome")
    html = parts.get(key)
    if html is None:
        html = parts[key] = Markup(render_template(f"chrome/{part}.html"))
    return html


#: Most page parts one worker keeps (they are keyed by the page's URL).
PAGE_PARTS = 4096


def page_part(part: str, title: str = "", description: str = "") -> Markup:
    """``chrome/<part>.html`` for this page (its Open Graph tags, share link, language links),
    rendered once per page address, language and title instead of on every request."""
    usual = all(name == "lang" for name in request.args) and len(request.full_path) <= 200
    key = (
        part,
        current_language(),
        request.scheme,
        current_app.config.get("SITE_URL") or request.host,
        request.script_root,
        request.full_path,
        title,
        description,
    )
    parts = _remembered("page_parts")
    html = parts.get(key) if usual else None
    if html is None and not usual:  # an unusual address: rendered, not kept
        return Markup(
            render_template(f"chrome/{part}.html", page_title=title, page_description=description)
        )
    if html is None:
        if len(parts) >= PAGE_PARTS:
            parts.clear()
        html = parts[key] = Markup(
            render_template(f"chrome/{part}.html", page_title=title, page_description=description)
        )
    return html


def wants_fragment() -> bool:
    """True for an htmx request that swaps part of a page (not boosted, not a history restore)."""
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def render(
    template: str,
    fragment: str | None = None,
    *,
    status: int = 200,
    headers: dict[str, str] | None = None,
    **context: Any,
) -> Response:
    """Render ``template``, or only ``fragment`` when an htmx request asks for a part."""
    name = fragment if fragment and wants_fragment() else template
    response = make_response(render_template(name, **context), status)
    add_vary(response, "HX-Request")
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response
