"""A check's answer page, rendered once per kind of answer and kept with holes.

At the deadline peak most checks end in one of a few answers: counted (on a given day), started,
not started, not found. Each answer page is the same for every household with that answer,
but for what the household typed (its two numbers, in the form below the answer), its CSRF
token and the last characters of its proof code. So the page is rendered once, with a marker in
each of those places, cut at the markers, and kept; a check with the same answer gets the kept
parts joined with its own values, escaped as the template escapes them. Everything else the page
depends on is in the key: the page's (``census.core.pagecache.page_key``: settings generation,
day, schedule, address, language, htmx headers), the region named, and the answer itself but
for the proof code (its kind, phase, schedule, day counted, help points). A page with errors in
the form, or for a visitor whose session holds more than a CSRF token, is rendered as before.

The pages are cut and filled by :mod:`census.core.holes`. ``tests/test_status_kept.py`` checks
that a kept page is the page rendered, byte for byte, for every answer in both languages, whole
and as an htmx fragment, on ``/cek`` and the embed.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from flask import Response, current_app, request
from flask_babel import format_date
from markupsafe import escape

from census.core import holes
from census.core.lookup import NumbersForm
from census.core.pagecache import page_key
from census.status.service import Answer, Wilayah

#: Most answer pages one worker keeps (each a page's text, some 20 KB).
MAX_KEPT = 256
KK, NIK, TAIL = (holes.marker(name) for name in ("kk", "nik", "tail"))
#: The fields of an answer that :func:`_key` holds, each in its way: a field added to ``Answer``
#: must be added there too (``tests/test_status_kept.py`` compares the two).
KEYED_FIELDS = frozenset(
    {"kind", "schedule", "phase", "counted_at", "proof_tail", "retry_after", "help_points"}
)


def _store() -> holes.Store:
    return holes.store("answers", MAX_KEPT)


def _key(answer: Answer, wilayah: Wilayah | None) -> tuple[Any, ...] | None:
    page = page_key(form=True, kept_args=("wilayah",))
    if page is None:
        return None
    counted = format_date(answer.counted_at, "long") if answer.counted_at else None
    return (
        *page,
        request.query_string,
        wilayah.code if wilayah else None,
        answer.kind,
        answer.schedule,
        answer.phase,
        answer.retry_after,
        counted,
        answer.proof_tail is not None,
        tuple(tuple(point.items()) for point in answer.help_points),
    )


def answer_page(
    form: NumbersForm,
    answer: Answer,
    wilayah: Wilayah | None,
    render: Callable[[NumbersForm, Answer], Response],
) -> Response:
    """The page ``render(form, answer)`` gives, from the kept parts when this answer's are kept."""
    if form.errors or not current_app.config.get("STATUS_KEEP_ANSWERS", True):
        return render(form, answer)
    key = _key(answer, wilayah)
    if key is None:
        return render(form, answer)
    page = _store().get(key)
    if page is None:
        page = _make(form, answer, render)
        if page is None:
            return render(form, answer)
        _store().put(key, page)
    values = {
        KK: escape(form.kk._value()),
        NIK: escape(form.nik._value()),
        TAIL: answer.proof_tail or "",  # written as the template writes it: a code of ours
    }
    return page.respond(values)


def _make(
    form: NumbersForm, answer: Answer, render: Callable[[NumbersForm, Answer], Response]
) -> holes.Holed | None:
    """Render the page with a marker in each hole and cut it there (None: not to be kept)."""
    typed = form.kk.data, form.nik.data
    form.kk.data, form.nik.data = KK, NIK
    marked = dataclasses.replace(answer, proof_tail=TAIL if answer.proof_tail else None)
    try:
        response = render(form, marked)
    finally:
        form.kk.data, form.nik.data = typed
    # The numbers once each, where a kept page puts them; the proof code's tail when it has one.
    return holes.cut(response, {KK: 1, NIK: 1, TAIL: 0})
