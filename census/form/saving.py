"""One path for every question page: show the saved answers, save a valid POST, or explain.

A question page is a form class, a template and a :class:`Step`: how to build the form from the
saved answers, and what a valid POST changes and where it goes next. :func:`answer_page` does the
rest, the same way on every page:

- GET: the form filled from the saved answers (``return_to`` and ``focus`` from the query
  string);
- POST, invalid: the page again, status 200, everything typed kept, errors beside the fields;
- POST, valid: saved against the version the page was built from, then 303 to the next page,
  or back to the check page when the person came from there;
- POST from a stale page (another phone saved first): nothing saved; the page again with the
  newer answers and the conflict notice, status 409 (200 for htmx, which swaps only 2xx).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from flask import current_app, request
from markupsafe import escape
from werkzeug.wrappers import Response as WResponse

from census.core import db, holes
from census.core.models import FormResponse
from census.core.pagecache import page_key
from census.core.render import htmx, render
from census.form import service
from census.form.common import opened, see_other, step_label
from census.form.forms import StepForm

F = TypeVar("F", bound=StepForm)
Answers = dict[str, Any]
Next = tuple[str, dict[str, Any]]


@dataclass(frozen=True)
class Save:
    """What a valid POST changes in the answers, and where the person goes once it is saved."""

    change: Callable[[Answers], None]
    #: The next page, from the answers as saved: ``(endpoint, url values)``.
    then: Callable[[Answers], Next]
    #: Go to ``then`` even when the person came from the check page (a follow-up question).
    always: bool = False
    #: An in-page action (add or remove a person): an htmx request gets the page back, re-built
    #: from the saved answers, instead of a redirect.
    stay: bool = False


@dataclass(frozen=True)
class Step(Generic[F]):
    """A question page: its number in "Step n of 6", its templates and its answers."""

    number: int
    template: str
    fragment: str
    #: The form filled from the saved answers (GET, and after a stale POST).
    saved_form: Callable[[FormResponse], F]
    #: The form as posted.
    posted_form: Callable[[], F]
    #: What a posted form saves, or None to show the page again (errors, or a button that only
    #: redraws the page).
    save: Callable[[F], Save | None]
    #: Extra template values, from the form and the answers shown.
    context: Callable[[F, FormResponse], dict[str, Any]] = field(default=lambda form, response: {})
    #: For a page whose markup depends on nothing of the household's but these answers (its
    #: form, its context and its template read nothing else): what they are, as a hashable
    #: value. Its GET page is then rendered once per value and kept, the version of the answers
    #: and the visitor's token filled in per request (:func:`_kept_page`).
    kept_by: Callable[[FormResponse], Any] | None = None


def answer_page(step: Step[F]) -> WResponse:
    """GET shows the page; POST saves and redirects, or shows the page again (see the module)."""
    response = opened().response
    conflict = False
    if request.method == "POST":
        form = step.posted_form()
        plan = step.save(form)
        if plan is not None:
            result = service.save(db.session(), response, form.base_version, plan.change)
            response = result.response
            if result.ok and plan.stay and htmx and not htmx.boosted:
                form = step.saved_form(response)
            elif result.ok:
                if form.back_to_check and not plan.always:
                    return see_other("form.check")
                endpoint, values = plan.then(response.answers)
                return see_other(endpoint, **values)
            else:
                conflict = True
                form = step.saved_form(response)
            opened().response = response
    else:
        kept = _kept_page(step, response)
        if kept is not None:
            return kept
        form = _get_form(step, response)
    return _render(step, form, response, conflict)


def _render(step: Step[F], form: F, response: FormResponse, conflict: bool = False) -> WResponse:
    return render(
        step.template,
        step.fragment,
        status=(200 if htmx else 409) if conflict else 200,
        form=form,
        conflict=conflict,
        step=step_label(step.number),
        uses_htmx=True,
        **step.context(form, response),
    )


def _get_form(step: Step[F], response: FormResponse) -> F:
    """The form a GET shows: the saved answers, where to go back to and the question to focus."""
    form = step.saved_form(response)
    form.return_to.data = request.args.get("return_to", "")
    focus(form, request.args.get("focus", ""))
    return form


def answers_of(section: str) -> Callable[[FormResponse], str]:
    """``Step.kept_by`` for a page that shows only the answers of one section."""
    return lambda response: json.dumps(response.answers.get(section), sort_keys=True)


#: Most question pages one worker keeps (each a page's text, some 20 KB).
MAX_KEPT_PAGES = 256
VERSION = holes.marker("version")


def _kept_page(step: Step[F], response: FormResponse) -> WResponse | None:
    """A GET of a page kept by its answers (``Step.kept_by``), or None to render it as usual.

    The key holds what the page may depend on besides (``census.core.pagecache.page_key``:
    settings generation, day, schedule, address and query, language, the names of what the
    session holds, htmx headers) and the step; what is kept holds no version and no token.
    """
    if step.kept_by is None or not current_app.config.get("FORM_KEEP_PAGES", True):
        return None
    base = page_key(form=False, kept_args=("return_to", "focus"))
    if base is None:
        return None
    key = (*base, request.query_string, step.number, step.template, step.kept_by(response))
    kept = holes.store("steps", MAX_KEPT_PAGES)
    page = kept.get(key)
    if page is None:
        form = _get_form(step, response)
        form.version.data = VERSION
        page = holes.cut(_render(step, form, response), {VERSION: 1})
        if page is None:
            return None
        kept.put(key, page)
    return page.respond({VERSION: escape(str(response.version))})


def focus(form: StepForm, name: str) -> None:
    """Give the field ``name`` the ``autofocus`` attribute: a check page's Change link
    (``page?focus=sex#sex-0``) then lands on the question, with or without JavaScript."""
    if not name or name not in form or name in ("csrf_token", "version", "return_to"):
        return
    field = form[name]
    field.render_kw = {**(field.render_kw or {}), "autofocus": True}  # a new dict: never shared
