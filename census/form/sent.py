"""A step sent after the household's answers were sent (phone B, after phone A pressed Send).

Nothing can change online after sending, so the change is not saved; but it must not vanish in
silence either. The answer says so in words, with the date the household was sent, shows back
what was typed on the page (read-only, labelled as the page labels it), and links to the proof.
What was typed is never logged.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Response, request
from flask_babel import gettext as _
from wtforms import BooleanField, Field, RadioField, SelectField

from census.core.i18n import date_and_time
from census.core.models import FormResponse
from census.core.render import htmx, render
from census.form.forms import AddressForm, HousingForm, MemberForm, WhereForm, members_form_class

log = logging.getLogger(__name__)

#: Step endpoints whose POST is not a change to the answers (sending again gives the same proof;
#: the region cascade only fetches lists): after sending, these still go to the proof.
NOT_CHANGES = frozenset({"form.check", "form.region_choices"})
#: Fields that are the page's machinery, not an answer.
MACHINERY = frozenset({"HiddenField", "CSRFTokenField", "SubmitField", "PasswordField"})

FORMS: dict[str, type[Any]] = {
    "form.address": AddressForm,
    "form.address_where": WhereForm,
    "form.housing": HousingForm,
    "form.member": MemberForm,
}


def is_change() -> bool:
    """Whether this request tries to change the answers (a POST to a step that saves)."""
    return request.method == "POST" and request.endpoint not in NOT_CHANGES


def _form(answers: dict[str, Any]) -> Any:
    endpoint = request.endpoint or ""
    if endpoint == "form.members_step":
        keys = [str(m.get("key")) for m in answers.get("members", [])]
        return members_form_class(keys)(formdata=request.form, meta={"csrf": False})
    form_class = FORMS.get(endpoint)
    if form_class is None:
        return None
    return form_class(formdata=request.form, meta={"csrf": False})


def _shown(field: Field, names: dict[str, str]) -> str:
    if isinstance(field, BooleanField):
        return _("Yes") if field.data else ""
    value = "" if field.data is None else str(field.data).strip()
    if isinstance(field, RadioField | SelectField) and value:
        for choice in field.choices or []:
            option, label = (choice.value, choice.label) if hasattr(choice, "value") else choice[:2]
            if str(option) == value and option != "":
                return str(label)
        return names.get(value, value)  # the head is chosen by member key
    return value


def typed_rows(answers: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, what was typed or chosen) for each answer on the page that was posted."""
    form = _form(answers)
    if form is None:
        return []
    names = {str(m.get("key")): str(m.get("name") or "") for m in answers.get("members", [])}
    rows = []
    for field in form:
        if field.type in MACHINERY:
            continue
        shown = _shown(field, names)
        if not shown:
            continue
        label = str(field.label.text)
        key = field.name.removeprefix("status_")
        if field.name.startswith("status_") and names.get(key):
            label = f"{names[key]}: {label}"
        rows.append((label, shown))
    return rows


def not_saved(response: FormResponse) -> Response:
    """The explanation page: 409 (200 for htmx, which swaps only 2xx answers)."""
    log.info("form save: refused, already sent")
    assert response.submitted_at is not None
    headers: dict[str, str] = {}
    if htmx and not htmx.boosted:
        # A fragment request (a member added in place) gets the whole explanation page.
        headers = {"HX-Retarget": "body", "HX-Reswap": "innerHTML"}
    return render(
        "form/sent.html",
        status=200 if htmx else 409,
        headers=headers,
        when=date_and_time(response.submitted_at),
        rows=typed_rows(response.answers),
    )
