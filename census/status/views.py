"""'Has my household been counted?': a private, throttled status check at ``/cek``.

One URL answers GET (the form) and POST (the answer). The answer is rendered straight into the
POST's response, not redirected: a check changes nothing, and an answer about a household must not
sit in a URL, a session cookie or a browser's history. An htmx request gets only the fragment
(``status/_check.html``: region heading, answer, form), which the embeddable version reuses.

Throttles (see :mod:`census.core.lookup`): every POST counts against the client address; failed
pairs count against the KK typed. Either way the answer is the same translated "too many tries"
inside the page, with status 429 and ``Retry-After``. htmx 1.9 does not swap 4xx responses, so the
fragment carries ``HX-Reswap`` and ``census/static/enhance-1.3.js`` lets htmx swap error responses
the server marked that way.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, request, url_for
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import TooManyRequests

from census.core.limits import retry_after_of
from census.core.lookup import NumbersForm, lookup_limit
from census.core.pagecache import cached_page
from census.core.render import link, render, wants_fragment
from census.status import kept
from census.status import service as status_service
from census.status.service import Answer, Wilayah

bp = Blueprint("status", __name__)

#: Where the answers link when those pages' blueprints are not registered (yet).
FALLBACK_URLS = {"form.start": "/isi", "pages.faq": "/tanya-jawab"}


@bp.app_template_global()
def optional_url(endpoint: str, **values: Any) -> str:
    """``url_for(endpoint)`` when that page exists in this deployment, its public path otherwise."""
    if endpoint in current_app.view_functions:
        return url_for(endpoint, **values) if values else link(endpoint)
    return FALLBACK_URLS.get(endpoint, "/")


#: The page around the fragment for each endpoint that serves the check, with extra context.
#: An embeddable version adds its own: ``PAGES["embed.check"] = ("...", {"link_target":
#: "_top"})``, serves it with :func:`serve_check` and registers :func:`on_throttled` and
#: :func:`on_expired` as its blueprint's handlers for ``TooManyRequests`` and ``CSRFError``.
PAGES: dict[str, tuple[str, dict[str, Any]]] = {"status.check": ("status/page.html", {})}


@bp.route("/cek", methods=["GET", "POST"])
@lookup_limit
@cached_page(form=True, query=("wilayah",))
def check() -> Response:
    """The form; on POST, the answer for the household whose numbers were typed."""
    return serve_check()


def serve_check(csrf: bool = True) -> Response:
    """GET: the form. POST: validate, look up (throttled per KK), answer in the same response.

    ``csrf=False`` is for the embed, framed on other sites where the browser withholds our
    session cookie: a look-up changes nothing, and the framing site cannot read its answer.
    """
    wilayah = status_service.find_wilayah(request.values.get("wilayah"))
    form = NumbersForm() if csrf else NumbersForm(meta={"csrf": False})
    if form.validate_on_submit():
        answer = status_service.check(*form.numbers)
        return kept.answer_page(form, answer, wilayah, lambda f, a: _render(f, a, wilayah))
    if request.method == "POST":
        status_service.record("invalid")
    return _render(form, None, wilayah)


@bp.errorhandler(TooManyRequests)
def on_throttled(error: TooManyRequests) -> Response:
    """Either throttle: the page (or fragment) with the wait, keeping what was typed."""
    retry_after = _retry_after(error)
    status_service.record("throttled")
    answer = status_service.throttled(retry_after)
    wilayah = status_service.find_wilayah(request.values.get("wilayah"))
    return _render(NumbersForm(), answer, wilayah, 429, {"Retry-After": str(retry_after)})


@bp.errorhandler(CSRFError)
def on_expired(_error: CSRFError) -> Response:
    """An expired form: ask to send again, with the numbers still in the fields."""
    status_service.record("invalid")
    schedule, phase = status_service.today_phase()
    wilayah = status_service.find_wilayah(request.values.get("wilayah"))
    return _render(NumbersForm(), Answer("expired", schedule, phase), wilayah, 400)


@bp.get("/metrics/status")
def metrics() -> Response:
    """Outcome counts in Prometheus' text format: no number, name or address, ever."""
    try:
        text = status_service.prometheus_text()
    except status_service.CounterUnavailable:
        return Response("counters unavailable\n", 503, mimetype="text/plain")
    response = Response(text, mimetype="text/plain")
    response.headers["Content-Type"] = "text/plain; version=0.0.4; charset=utf-8"
    response.cache_control.public = True
    response.cache_control.max_age = 15
    return response


def _render(
    form: NumbersForm,
    answer: Answer | None,
    wilayah: Wilayah | None,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    # A check's page may hold the numbers typed and an answer: never cache it anywhere.
    headers = {**(headers or {}), "Cache-Control": "no-store"}
    if status >= 400 and wants_fragment():
        # Opt-in for enhance-1.3.js: this error answer is a fragment meant to be swapped.
        headers["HX-Reswap"] = "outerHTML"
    page, extra = PAGES.get(request.endpoint or "", PAGES["status.check"])
    return render(
        page,
        "status/_check.html",
        status=status,
        headers=headers,
        form=form,
        answer=answer,
        wilayah=wilayah,
        check_action=url_for(request.endpoint or "status.check", **(request.view_args or {})),
        uses_htmx=True,
        **extra,
    )


def _retry_after(error: TooManyRequests) -> int:
    """Seconds until the throttle that stopped this request lets it through again."""
    return retry_after_of(error)
