"""Step 3: the member list (who lives here, moved or died, people added, the head).

Members from the register keep the key ``r<member id>``; people added get ``n<token>``, where the
token comes from the page that added them, so a double-tapped "Add" adds one person, not two.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from census.core.models import HEAD, Household
from census.core.regions import ancestors
from census.form import choices as c
from census.form import rules
from census.form.forms import StepForm, members_form_class

MAX_MEMBERS = 40
TOKEN = re.compile(r"^[0-9a-f]{8,32}$")
Answers = dict[str, Any]


def find(answers: Answers, key: str) -> dict[str, Any] | None:
    return next((m for m in answers.get("members", []) if m["key"] == key), None)


def action_of(data: Mapping[str, str]) -> tuple[str, str | None]:
    """Which button was pressed: ("add", None), ("remove", key) or ("save", None)."""
    if data.get("remove"):
        return "remove", str(data["remove"])[:40]
    if data.get("action") == "add":
        return "add", None
    return "save", None


def _statuses(form: StepForm, answers: Answers) -> dict[str, str]:
    valid = {code for code, _label in c.MEMBER_STATUS}
    out = {}
    for member in answers["members"]:
        value = form[f"status_{member['key']}"].data
        if value in valid:
            out[member["key"]] = value
    return out


def change_for(
    form: StepForm, answers: Answers, action: str, target: str | None, valid: bool
) -> tuple[Callable[[Answers], None], bool]:
    """The change a press of ``action`` makes, and whether it may be saved.

    Statuses and the head typed so far are kept with every button, so nothing typed is lost.
    """
    statuses = _statuses(form, answers)
    head = form.head.data if form.head.data in {m["key"] for m in answers["members"]} else None
    if action != "save":
        for field_ in form:
            if action != "add" or field_.name not in ("new_name", "new_reason"):
                field_.errors = []
    ok = True
    token = form.add_token.data or ""
    if action == "add":
        if not valid and form.new_name.errors:
            ok = False
        if not form.new_name.data and not form.new_name.errors:
            form.new_name.errors = [str(_l("Enter the name of the person to add."))]
            ok = False
        if form.new_reason.data not in {code for code, _label in c.NEW_REASON}:
            form.new_reason.errors = [str(_l("Choose why this person is part of the household."))]
            ok = False
        if not TOKEN.match(token):
            ok = False
        if len(answers["members"]) >= MAX_MEMBERS:
            form.new_name.errors = [str(_l("A household can list at most 40 people here."))]
            ok = False
    elif action == "save":
        ok = _check_list(form, answers, statuses, head) and valid
        if form.new_name.data and not form.new_name.errors:
            form.new_name.errors = [
                str(_l("Press “Add this person” to add them, or clear the name."))
            ]
            ok = False

    name, reason = form.new_name.data, form.new_reason.data

    def apply(new: Answers) -> None:
        for member in new["members"]:
            if member["key"] in statuses:
                member["status"] = statuses[member["key"]]
        if head is not None:
            new["head"] = head
        if action == "add" and find(new, "n" + token) is None:
            new["members"].append(
                {
                    "key": "n" + token,
                    "member_id": None,
                    "name": name,
                    "status": "present",
                    "new_reason": reason,
                    "registered": None,
                    "details": None,
                }
            )
        if action == "remove" and target and target.startswith("n"):
            new["members"] = [m for m in new["members"] if m["key"] != target]
            if new.get("head") == target:
                new["head"] = None
        if action == "save":
            new["members_done"] = True
            for member in new["members"]:
                details = member.get("details")
                if details and member["key"] == new["head"]:
                    details["relationship"] = HEAD
                elif details and details.get("relationship") == HEAD:
                    details["relationship"] = None

    return apply, ok


def _check_list(
    form: StepForm, answers: Answers, statuses: dict[str, str], head: str | None
) -> bool:
    ok = True
    for member in answers["members"]:
        if member["key"] not in statuses:
            form[f"status_{member['key']}"].errors = [
                str(_l("Choose where %(name)s is now.", name=member["name"]))
            ]
            ok = False
    if ok and not any(s == "present" for s in statuses.values()):
        form.head.errors = [str(_l("At least one person must live here to fill in this form."))]
        return False
    if head is None:
        form.head.errors = [str(_l("Choose the head of the household."))]
        ok = False
    elif statuses.get(head) not in (None, "present"):
        form.head.errors = [str(_l("The head of the household must be someone who lives here."))]
        ok = False
    return ok


def form_from(answers: Answers, version: int) -> StepForm:
    keys = [m["key"] for m in answers["members"]]
    data: dict[str, Any] = {"version": str(version), "head": answers.get("head")}
    for member in answers["members"]:
        data[f"status_{member['key']}"] = member.get("status")
    form = members_form_class(keys)(formdata=None, data=data)
    form.add_token.data = new_token()
    return form


def new_token() -> str:
    """A fresh key for the next person added from this page (makes a double tap harmless)."""
    return secrets.token_hex(8)


def rows(form: StepForm, answers: Answers) -> list[dict[str, Any]]:
    """Each member with its status field, and the head choices, for the template."""
    form.head.choices = c.options([(m["key"], m["name"]) for m in answers["members"]])
    if not form.add_token.data or not TOKEN.match(form.add_token.data):
        form.add_token.data = new_token()
    return [
        {"member": m, "field": form[f"status_{m['key']}"], "new": m.get("member_id") is None}
        for m in answers["members"]
    ]


def following(answers: Answers, key: str) -> str | None:
    """The next person who lives here after ``key``, or None after the last."""
    present = [m["key"] for m in answers.get("members", []) if m.get("status") == "present"]
    if key in present and present.index(key) + 1 < len(present):
        return present[present.index(key) + 1]
    return None


def preceding(answers: Answers, key: str) -> str | None:
    present = [m["key"] for m in answers.get("members", []) if m.get("status") == "present"]
    if key in present and present.index(key) > 0:
        return present[present.index(key) - 1]
    return None


def summary(session: Session, household: Household, answers: Answers) -> dict[str, Any]:
    """Labels for the check page: the address in words and each person's answers."""
    address = answers.get("address") or {}
    place = []
    if address.get("at_kk_address") == "no" and address.get("village"):
        place = [r.name for r in reversed(ancestors(session, address["village"]))]
    people = []
    for member in answers.get("members", []):
        details = member.get("details") or {}
        born = details.get("birth_date")
        people.append(
            {
                "member": member,
                "details": details,
                "born": format_date(date.fromisoformat(born), "long") if born else "",
                "confirmed_fields": {
                    rules.BY_ID[rule_id].field
                    for rule_id in details.get("confirmed") or {}
                    if rule_id in rules.BY_ID
                },
            }
        )
    return {"place": place, "people": people, "choices": c}
