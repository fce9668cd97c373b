"""Step 4: one person's answers: the form as saved or prefilled, the NIK checks, what is stored.

A member from the register already has a NIK (the register holds its keyed hash), so the field may
stay empty; a NIK typed must be theirs. A person added needs a NIK or a reason for having none.
The NIK is cross-checked with sex and date of birth; a mismatch is explained and may be confirmed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l

from census.core.households import number_hash
from census.core.identity import IdentifierError, Mismatch, NikResult, cross_check, parse_nik
from census.core.models import HEAD, Household
from census.form import choices as c
from census.form import rules
from census.form.forms import MemberForm

Answers = dict[str, Any]


def member_form(person: dict[str, Any], is_head: bool, version: int) -> MemberForm:
    """The person's form as saved, or prefilled from the register."""
    details = person.get("details") or {}
    registered = person.get("registered") or {}
    born = details.get("birth_date") or registered.get("birth_date")
    data = {
        "version": str(version),
        "name": person.get("name", ""),
        "sex": details.get("sex") or registered.get("sex"),
        "relationship": details.get("relationship") or registered.get("relationship"),
        "no_nik_reason": details.get("no_nik_reason"),
        "confirm_mismatch": bool(details.get("nik_confirmed")),
    }
    data.update(
        {k: details.get(k) for k in ("marital", "religion", "citizenship", "education", "activity")}
    )
    if born:
        y, m, d = born.split("-")
        data.update(birth_day=str(int(d)), birth_month=str(int(m)), birth_year=y)
    if is_head or data["relationship"] == HEAD:
        data["relationship"] = None if not is_head else HEAD
    form = MemberForm(formdata=None, data=data)
    return form


@dataclass
class Identity:
    ok: bool
    nik: NikResult | None = None
    mismatches: list[Mismatch] = field(default_factory=list)


def check_identity(
    form: MemberForm, person: dict[str, Any], is_head: bool, household: Household
) -> Identity:
    """Check the NIK (if typed) and cross-check it with sex and date of birth.

    A member from the register already has a NIK: a typed one must be theirs. A person added
    needs a NIK or a reason for having none. A mismatch is explained and may be confirmed.
    """
    if is_head:
        form.relationship.data = HEAD
        form.relationship.errors = []
    raw = (form.nik.data or "").strip()
    from_register = person.get("member_id") is not None
    details = person.get("details") or {}
    nik: NikResult | None = None
    if raw:
        try:
            nik = parse_nik(raw)
        except IdentifierError as exc:
            form.nik.errors = [str(exc)]
            return Identity(False)
        if from_register:
            registered = _member_hash(household, person["member_id"])
            if registered is not None and registered != number_hash("nik", nik.number):
                form.nik.errors = [
                    str(
                        _l(
                            "This is not the NIK the register holds for this person. Check the "
                            "KTP or the family card, or leave the field empty."
                        )
                    )
                ]
                return Identity(False)
    elif (
        not from_register
        and not details.get("nik_hash")
        and form.no_nik_reason.data not in {code for code, _label in c.NO_NIK_REASON}
    ):
        form.nik.errors = [str(_l("Enter the NIK, or choose why this person has none."))]
        return Identity(False)
    born, sex = form.birth_date(), form.sex.data if form.sex.data in ("L", "P") else None
    mismatches: list[Mismatch] = []
    if born is not None:
        if nik is not None:
            mismatches = cross_check(nik, sex, born)
        elif details.get("nik_date"):
            mismatches = _stored_mismatches(details, sex, born)
    if mismatches and not form.confirm_mismatch.data:
        form.nik.errors = [
            " ".join(str(m.message) for m in mismatches)
            + " "
            + str(_l("Correct the answer, or tick the box below if the data is right."))
        ]
        return Identity(False, nik, mismatches)
    return Identity(True, nik, mismatches)


def _stored_mismatches(details: dict[str, Any], sex: str | None, born: date) -> list[Mismatch]:
    """Cross-check against the NIK saved earlier (only its coded sex and date are kept)."""
    day, month, yy = details["nik_date"]
    stored = NikResult("0" * 16, details["nik_sex"], day, month, yy)
    return cross_check(stored, sex, born)


def _member_hash(household: Household, member_id: int) -> bytes | None:
    for member in household.members:
        if member.id == member_id:
            return member.nik_hash
    return None


@dataclass
class Checked:
    """What the consistency rules made of one person's page."""

    #: Soft rules that fired and were not confirmed before: asked on the page, with a box.
    questions: list[rules.Rule] = field(default_factory=list)
    #: Those of them whose box is not ticked: the page cannot be saved yet.
    unanswered: list[rules.Rule] = field(default_factory=list)
    #: Soft rules that fired and are confirmed: rule id -> when (ISO), as stored.
    confirmed: dict[str, str] = field(default_factory=dict)
    #: Rules that fired: hard ones refuse the page.
    fired: list[rules.Rule] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.unanswered and all(r.kind == rules.SOFT for r in self.fired)


def check_rules(
    form: MemberForm,
    person: dict[str, Any],
    is_head: bool,
    answers: Answers,
    reference: date,
    today: date,
    now: str,
) -> Checked:
    """Run the consistency rules on the answers typed: a hard rule that fires becomes the
    error of its field; a soft rule is asked, unless ticked now or confirmed before."""
    registered = person.get("registered") or {}
    relationship = rules.HEAD if is_head else form.relationship.data
    subject = rules.Person(
        born=form.birth_date(),
        reference=reference,
        today=today,
        relationship=relationship,
        marital=form.marital.data,
        education=form.education.data,
        activity=form.activity.data,
        is_head=is_head,
        registered_born=rules.day_of(registered.get("birth_date")),
        head_born=None if is_head else rules.head_birth(answers),
    )
    before = (person.get("details") or {}).get("confirmed") or {}
    ticked = set(form.confirm_rules.data or [])
    checked = Checked(fired=rules.fired(subject))
    for found in checked.fired:
        if found.kind == rules.HARD:
            target = form[found.field]
            if not target.errors:
                target.errors = [str(found.words)]
        elif found.id in before:
            checked.confirmed[found.id] = before[found.id]
        else:
            checked.questions.append(found)
            if found.id in ticked:
                checked.confirmed[found.id] = now
            else:
                checked.unanswered.append(found)
    return checked


def saved_questions(
    person: dict[str, Any], answers: Answers, reference: date, today: date
) -> list[rules.Rule]:
    """The soft rules that fire for the answers as saved and are not confirmed (shown on GET,
    when another person's answers, such as the head's date of birth, changed since)."""
    if not person.get("details"):
        return []
    return [
        q.rule
        for q in rules.open_questions(answers, reference, today)
        if q.key == person.get("key") and q.rule.kind == rules.SOFT
    ]


def details_from(
    form: MemberForm,
    person: dict[str, Any],
    is_head: bool,
    checked: Identity,
    confirmed: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The person's answers as stored: never the NIK itself, only its keyed hash and last digits."""
    old = person.get("details") or {}
    born = form.birth_date()
    assert born is not None
    details: dict[str, Any] = {
        "name": form.name.data,
        "sex": form.sex.data,
        "birth_date": born.isoformat(),
        "relationship": HEAD if is_head else form.relationship.data,
    }
    for name in ("marital", "religion", "citizenship", "education", "activity"):
        details[name] = form[name].data
    nik = checked.nik
    if nik is not None:
        details.update(
            nik_hash=number_hash("nik", nik.number).hex(),
            nik_last4=nik.number[-4:],
            nik_sex=nik.sex,
            nik_date=[nik.day, nik.month, nik.yy],
        )
    else:
        for key in ("nik_hash", "nik_last4", "nik_sex", "nik_date"):
            if key in old:
                details[key] = old[key]
    if not details.get("nik_hash") and person.get("member_id") is None:
        details["no_nik_reason"] = form.no_nik_reason.data
    details["nik_confirmed"] = bool(checked.mismatches) and bool(form.confirm_mismatch.data)
    if confirmed:
        details["confirmed"] = dict(confirmed)
    return details


def set_details(key: str, details: dict[str, Any]) -> Callable[[Answers], None]:
    def apply(answers: Answers) -> None:
        member = next((m for m in answers.get("members", []) if m["key"] == key), None)
        if member is not None:
            member["details"] = details
            member["name"] = details["name"]

    return apply
