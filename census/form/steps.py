"""The form's steps: address, housing, members, each member, check and send.

Each question page is one URL answering GET and POST through ``saving.answer_page``: a form
class, a template, and what a valid POST saves and where it goes next. The check page sends.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Response, request
from werkzeug.wrappers import Response as WResponse

from census.core import db
from census.core.models import FormResponse, utcnow
from census.core.render import render
from census.form import bp, members, outcomes, people, regions, rules, service
from census.form.common import opened, reference_date, see_other, step_view, today
from census.form.forms import (
    AddressForm,
    HousingForm,
    MemberForm,
    StepForm,
    WhereForm,
    members_form_class,
)
from census.form.saving import Save, Step, answer_page, answers_of

log = logging.getLogger(__name__)


def _return_to(form: StepForm) -> dict[str, Any]:
    return {"return_to": form.return_to.data or None}


# Step 1 -------------------------------------------------------------------------------------


def _address_form(response: FormResponse) -> AddressForm:
    saved = response.answers.get("address") or {}
    return AddressForm(formdata=None, data={"version": str(response.version), **saved})


def _address_save(form: AddressForm) -> Save | None:
    if not form.validate_on_submit():
        return None
    answer = form.at_kk_address.data
    saved = opened().response.answers.get("address") or {}
    keep = saved if saved.get("at_kk_address") == answer else {"at_kk_address": answer}

    def change(answers: dict[str, Any]) -> None:
        answers["address"] = keep

    if answer == "no":  # where, then: asked next even from the check page
        return Save(change, lambda a: ("form.address_where", _return_to(form)), always=True)
    return Save(change, lambda a: ("form.housing", {}))


@bp.route("/isi/alamat", methods=["GET", "POST"])
@step_view
def address() -> WResponse:
    """Step 1: does the household live at the address on its family card?"""
    household = opened().household
    return answer_page(
        Step(
            1,
            "form/address.html",
            "form/_address.html",
            saved_form=_address_form,
            posted_form=AddressForm,
            save=_address_save,
            context=lambda form, response: {
                "household": household,
                "place": regions.place_names(db.session(), household.village_code),
            },
        )
    )


def _where_posted() -> WhereForm:
    form = WhereForm()
    regions.fill(db.session(), form)
    return form


def _where_save(form: WhereForm) -> Save | None:
    if request.form.get("action", "").startswith("pick"):  # a level chosen: show the next list
        regions.clear_errors(form)
        return None
    if not form.validate_on_submit() & regions.validate(form):
        return None
    return Save(regions.change(form), lambda a: ("form.housing", {}))


@bp.route("/isi/alamat/tempat", methods=["GET", "POST"])
@step_view
def address_where() -> WResponse:
    """Step 1, when the household has moved: the region cascade, RT/RW and street."""
    household, response = opened().household, opened().response
    if (response.answers.get("address") or {}).get("at_kk_address") != "no":
        return see_other("form.address")
    return answer_page(
        Step(
            1,
            "form/where.html",
            "form/_where.html",
            saved_form=lambda r: regions.form_from(db.session(), r.answers, household, r.version),
            posted_form=_where_posted,
            save=_where_save,
        )
    )


@bp.post("/isi/alamat/wilayah")
@step_view
def region_choices() -> Response:
    """The region cascade alone, for htmx: the lists below the level just chosen. A POST, so
    that where a household lives (an answer) never sits in a URL or an access log."""
    form = WhereForm(formdata=request.form, meta={"csrf": False})
    regions.fill(db.session(), form)
    return render("form/_regions.html", form=form)


# Step 2 -------------------------------------------------------------------------------------


def _housing_form(response: FormResponse) -> HousingForm:
    saved = response.answers.get("housing") or {}
    return HousingForm(formdata=None, data={**saved, "version": str(response.version)})


def _housing_save(form: HousingForm) -> Save | None:
    if not form.validate_on_submit():
        return None
    data = {name: form[name].data for name in HousingForm.FIELDS}
    return Save(lambda a: a.__setitem__("housing", data), lambda a: ("form.members_step", {}))


@bp.route("/isi/rumah", methods=["GET", "POST"])
@step_view
def housing() -> WResponse:
    """Step 2: tenure, lighting, drinking water, toilet, floor."""
    return answer_page(
        Step(
            2,
            "form/housing.html",
            "form/_housing.html",
            saved_form=_housing_form,
            posted_form=HousingForm,
            save=_housing_save,
            kept_by=answers_of("housing"),  # its template and form read nothing else
        )
    )


# Step 3 -------------------------------------------------------------------------------------


def _members_save(form: StepForm) -> Save | None:
    answers = opened().response.answers
    action, target = members.action_of(request.form)
    valid = form.validate_on_submit()
    change, ok = members.change_for(form, answers, action, target, valid)
    if not ok:
        return None
    if action == "save":
        return Save(change, service.next_step)
    people_list = ("form.members_step", {"_anchor": "people"})
    return Save(change, lambda a: people_list, always=True, stay=True)


@bp.route("/isi/anggota", methods=["GET", "POST"])
@step_view
def members_step() -> WResponse:
    """Step 3: who still lives here, who moved or died, who is new, and who is the head."""
    keys = [m["key"] for m in opened().response.answers["members"]]
    return answer_page(
        Step(
            3,
            "form/members.html",
            "form/_members.html",
            saved_form=lambda r: members.form_from(r.answers, r.version),
            posted_form=members_form_class(keys),
            save=_members_save,
            context=lambda form, response: {"people": members.rows(form, response.answers)},
        )
    )


# Step 4 -------------------------------------------------------------------------------------


@bp.route("/isi/anggota/<key>", methods=["GET", "POST"])
@step_view
def member(key: str) -> WResponse:
    """Step 4: the questions about one person who lives here."""
    household, answers = opened().household, opened().response.answers
    person = members.find(answers, key)
    if person is None or person.get("status") != "present":
        return see_other("form.members_step")
    is_head = answers.get("head") == key
    mismatches: list[Any] = []
    asked: list[rules.Rule] | None = None
    unanswered: list[rules.Rule] = []

    def save(form: MemberForm) -> Save | None:
        nonlocal asked
        form.validate_on_submit()
        checked = people.check_identity(form, person, is_head, household)
        mismatches[:] = checked.mismatches
        found = people.check_rules(
            form, person, is_head, answers, reference_date(), today(), utcnow().isoformat()
        )
        asked, unanswered[:] = found.questions, found.unanswered
        outcomes.rules_checked(found.fired, found.unanswered)
        if not checked.ok or not found.ok or any(field.errors for field in form):
            return None
        before = (person.get("details") or {}).get("confirmed") or {}
        outcomes.rules_confirmed(before, found.confirmed)
        details = people.details_from(form, person, is_head, checked, found.confirmed)
        return Save(people.set_details(key, details), after)

    def after(saved: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        following = members.following(saved, key)
        return ("form.check", {}) if following is None else ("form.member", {"key": following})

    def saved_form(response: FormResponse) -> MemberForm:
        return people.member_form(_person(response), is_head, response.version)

    def _person(response: FormResponse) -> dict[str, Any]:
        return members.find(response.answers, key) or person

    def context(form: MemberForm, response: FormResponse) -> dict[str, Any]:
        shown = _person(response)
        questions = asked
        if questions is None:  # GET: what the saved answers still leave open
            questions = people.saved_questions(shown, response.answers, reference_date(), today())
        return {
            "questions": questions,
            "summary_questions": unanswered,
            "focus": request.args.get("focus", ""),
            "person": shown,
            "is_head": is_head,
            "from_register": shown.get("member_id") is not None,
            "mismatches": mismatches,
            "position": (service.member_index(response.answers, key) or 0) + 1,
            "count": len(service.present_members(response.answers)),
            "previous": members.preceding(response.answers, key),
        }

    return answer_page(
        Step(
            4,
            "form/member.html",
            "form/_member.html",
            saved_form=saved_form,
            posted_form=MemberForm,
            save=save,
            context=context,
        )
    )
