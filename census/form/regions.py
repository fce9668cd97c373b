"""Step 1's address: the province -> regency/city -> district -> village cascade and RT/RW.

Without JavaScript each level has a "Choose" button that reloads the page with the next list; with
htmx a change of one list fetches the lists below it. The server checks every level belongs to the
one above, so a hand-made request cannot store a village outside its district.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from census.core.models import Household
from census.core.regions import ancestors, children
from census.form import choices as c
from census.form.forms import WhereForm

LEVELS = ("province", "regency", "district", "village")
MISSING = {
    "province": _l("Choose the province."),
    "regency": _l("Choose the regency or city."),
    "district": _l("Choose the district."),
    "village": _l("Choose the village."),
}
PLACEHOLDER = _l("Choose…")


def fill(session: Session, form: WhereForm) -> None:
    """Load each list from the level above; drop a choice not in its list, and its children."""
    parent: str | None = None
    for index, level in enumerate(LEVELS):
        field = form[level]
        if index > 0 and parent is None:
            field.choices = []
            field.data = ""
            continue
        options = [(r.code, r.name) for r in children(session, parent)]
        field.choices = c.options([("", PLACEHOLDER), *options])
        codes = {code for code, _name in options}
        if field.data not in codes:
            field.data = ""
        parent = field.data or None


def clear_errors(form: WhereForm) -> None:
    """A "Choose" button only loads the next list: nothing is wrong yet."""
    for field in form:
        field.errors = []


def validate(form: WhereForm) -> bool:
    """Every level chosen."""
    ok = True
    for level in LEVELS:
        if not form[level].data:
            form[level].errors = [str(MISSING[level])]
            ok = False
            break
    return ok


def change(form: WhereForm) -> Callable[[dict[str, Any]], None]:
    """The change to the answers that stores this address."""
    data = {
        "at_kk_address": "no",
        "village": form.village.data,
        "rt": form.rt.data.zfill(3),
        "rw": form.rw.data.zfill(3),
        "street": form.street.data,
    }
    return lambda answers: answers.__setitem__("address", data)


def form_from(
    session: Session, answers: dict[str, Any], household: Household, version: int
) -> WhereForm:
    """The address form as saved, or, before any answer, starting from the KK's regency."""
    saved = answers.get("address") or {}
    village = saved.get("village") or household.village_code
    parts = village.split(".")
    data: dict[str, Any] = {"version": str(version)}
    data.update({level: ".".join(parts[: i + 1]) for i, level in enumerate(LEVELS)})
    if not saved.get("village"):
        # Most moves stay within a regency: start there, and let the person pick further.
        data["district"], data["village"] = "", ""
    data.update({k: saved.get(k, "") for k in ("rt", "rw", "street")})
    form = WhereForm(formdata=None, data=data)
    fill(session, form)
    return form


def place_names(session: Session, village_code: str) -> list[str]:
    """Village, district, regency, province names of a code, for showing the KK address."""
    return [r.name for r in reversed(ancestors(session, village_code))]
