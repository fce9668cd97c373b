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

``tests/test_status_kept.py`` checks that a kept page is the page rendered, byte for byte, for
every answer in both languages, whole and as an htmx fragment, on ``/cek`` and the embed.
"""

from __future__ import annotations

import dataclasses
import re
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Response, current_app, g, request
from flask_babel import format_date
from flask_wtf.csrf import generate_csrf
from markupsafe import escape

from census.core.lookup import NumbersForm
from census.core.pagecache import page_key
from census.status.service import Answer, Wilayah

#: Most answer pages one worker keeps (each a page's text, some 20 KB).
MAX_KEPT = 256
#: What marks a hole while the page is rendered: random for each worker, so nothing typed or
#: stored can be taken for one.
_MARK = "hole" + secrets.token_hex(12)
KK, NIK, TAIL = (_MARK + name for name in ("kk", "nik", "tail"))
TOKEN = "token"


@dataclass(frozen=True)
class KeptAnswer:
    """An answer page cut at its holes: ``parts[i]`` comes before ``holes[i]``."""

    parts: tuple[str, ...]
    holes: tuple[str, ...]
    status: int
    headers: tuple[tuple[str, str], ...]

    def fill(self, values: dict[str, str]) -> str:
        """The page with each hole's value put in."""
        pieces = [self.parts[0]]
        for hole, part in zip(self.holes, self.parts[1:], strict=True):
            pieces += (values[hole], part)
        return "".join(pieces)


class _Store:
    def __init__(self) -> None:
        self.pages: dict[tuple[Any, ...], KeptAnswer] = {}
        self.lock = threading.Lock()

    def put(self, key: tuple[Any, ...], page: KeptAnswer) -> None:
        with self.lock:
            if len(self.pages) >= MAX_KEPT:
                self.pages.clear()
            self.pages[key] = page


def _store() -> _Store:
    return current_app.extensions.setdefault("census_kept_answers", _Store())


def _key(answer: Answer, wilayah: Wilayah | None) -> tuple[Any, ...] | None:
    page = page_key(form=True, kept_args=("wilayah",))
    if page is None:
        return None
    counted = format_date(answer.counted_at, "long") if answer.counted_at else None
    points = tuple(tuple(point.items()) for point in answer.help_points)
    return (
        *page,
        request.query_string,
        wilayah.code if wilayah else None,
        dataclasses.replace(answer, counted_at=None, proof_tail=None, help_points=()),
        counted,
        answer.proof_tail is not None,
        points,
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
    store = _store()
    page = store.pages.get(key)
    if page is None:
        page = _make(form, answer, render)
        if page is None:
            return render(form, answer)
        store.put(key, page)
    values = {
        KK: escape(form.kk._value()),
        NIK: escape(form.nik._value()),
        TAIL: answer.proof_tail or "",  # written as the template writes it: a code of ours
        TOKEN: generate_csrf() if TOKEN in page.holes else "",
    }
    response = Response(page.fill(values), status=page.status)
    response.headers.clear()
    for name, value in page.headers:
        response.headers.add(name, value)
    return response


def _make(
    form: NumbersForm, answer: Answer, render: Callable[[NumbersForm, Answer], Response]
) -> KeptAnswer | None:
    """Render the page with a marker in each hole and cut it there (None: not to be kept)."""
    typed = form.kk.data, form.nik.data
    form.kk.data, form.nik.data = KK, NIK
    marked = dataclasses.replace(answer, proof_tail=TAIL if answer.proof_tail else None)
    try:
        response = render(form, marked)
    finally:
        form.kk.data, form.nik.data = typed
    if response.status_code != 200 or response.is_streamed or "Set-Cookie" in response.headers:
        return None
    text = response.get_data(as_text=True)
    token = g.get(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"))
    holes = [KK, NIK, TAIL] + ([token] if token else [])
    pieces = re.split("(" + "|".join(re.escape(hole) for hole in holes) + ")", text)
    found = tuple(TOKEN if piece == token else piece for piece in pieces[1::2])
    if found.count(KK) != 1 or found.count(NIK) != 1:
        return None  # the numbers are not where a kept page puts them: rendered each time
    return KeptAnswer(
        parts=tuple(pieces[0::2]),
        holes=found,
        status=response.status_code,
        headers=tuple(item for item in response.headers.items() if item[0] != "Content-Length"),
    )
