"""The form's steps: address, housing, members, each member, check and send.

Each step is one URL answering GET and POST. A valid POST is saved at once (see ``service``) and
redirected (303) to the next step, or back to the check page when the person came from there. An
invalid one is re-rendered with status 200 and everything typed kept; a save from a stale page is
refused with the newer answers shown.
"""

from __future__ import annotations

from typing import Any

from flask import Response, request
from werkzeug.wrappers import Response as WResponse

from census.core import db
from census.core.render import htmx, render
from census.form import bp, members, people, regions, service
from census.form.common import opened, see_other, step_label, step_view
from census.form.forms import AddressForm, HousingForm, MemberForm, WhereForm, members_form_class


def _conflict_status() -> int:
    # htmx swaps only 2xx answers; a plain browser shows the page whatever the status.
    return 200 if htmx else 409


def _after_save(result: service.SaveResult, form: Any, endpoint: str, **values: Any) -> WResponse:
    if form.back_to_check:
        return see_other("form.check")
    return see_other(endpoint, **values)


# Step 1 -------------------------------------------------------------------------------------


@bp.route("/isi/alamat", methods=["GET", "POST"])
@step_view
def address() -> Response | WResponse:
    """Step 1: does the household live at the address on its family card?"""
    household, response = opened().household, opened().response
    conflict = False
    saved = response.answers.get("address") or {}
    if request.method == "POST":
        form = AddressForm()
        if form.validate_on_submit():
            answer = form.at_kk_address.data
            keep = saved if saved.get("at_kk_address") == answer else {"at_kk_address": answer}
            result = service.save(
                db.session(), response, form.base_version, lambda a: a.__setitem__("address", keep)
            )
            if result.ok and answer == "no":
                return see_other("form.address_where", return_to=form.return_to.data or None)
            if result.ok:
                return _after_save(result, form, "form.housing")
            conflict, response = True, result.response
            saved = response.answers.get("address") or {}
            form = AddressForm(formdata=None, data={"version": str(response.version), **saved})
    else:
        form = AddressForm(formdata=None, data={"version": str(response.version), **saved})
        form.return_to.data = request.args.get("return_to", "")
    return render(
        "form/address.html",
        "form/_address.html",
        status=_conflict_status() if conflict else 200,
        form=form,
        household=household,
        place=regions.place_names(db.session(), household.village_code),
        conflict=conflict,
        step=step_label(1),
        uses_htmx=True,
    )


@bp.route("/isi/alamat/tempat", methods=["GET", "POST"])
@step_view
def address_where() -> Response | WResponse:
    """Step 1, when the household has moved: the region cascade, RT/RW and street."""
    household, response = opened().household, opened().response
    if (response.answers.get("address") or {}).get("at_kk_address") != "no":
        return see_other("form.address")
    conflict = False
    if request.method == "POST":
        form = WhereForm()
        regions.fill(db.session(), form)
        if request.form.get("action", "").startswith("pick"):
            regions.clear_errors(form)
        elif form.validate_on_submit() & regions.validate(form):
            result = service.save(db.session(), response, form.base_version, regions.change(form))
            if result.ok:
                return _after_save(result, form, "form.housing")
            conflict, response = True, result.response
            form = regions.form_from(db.session(), response.answers, household, response.version)
    else:
        form = regions.form_from(db.session(), response.answers, household, response.version)
        form.return_to.data = request.args.get("return_to", "")
    return render(
        "form/where.html",
        "form/_where.html",
        status=_conflict_status() if conflict else 200,
        form=form,
        conflict=conflict,
        step=step_label(1),
        uses_htmx=True,
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


def _housing_form(answers: dict[str, Any], version: int) -> HousingForm:
    saved = answers.get("housing") or {}
    form = HousingForm(formdata=None, data={**saved, "version": str(version)})
    return form


@bp.route("/isi/rumah", methods=["GET", "POST"])
@step_view
def housing() -> Response | WResponse:
    """Step 2: tenure, lighting, drinking water, toilet, floor."""
    response = opened().response
    conflict = False
    if request.method == "POST":
        form = HousingForm()
        if form.validate_on_submit():
            data = {name: form[name].data for name in HousingForm.FIELDS}
            result = service.save(
                db.session(), response, form.base_version, lambda a: a.__setitem__("housing", data)
            )
            if result.ok:
                return _after_save(result, form, "form.members_step")
            conflict, response = True, result.response
            form = _housing_form(response.answers, response.version)
    else:
        form = _housing_form(response.answers, response.version)
        form.return_to.data = request.args.get("return_to", "")
    return render(
        "form/housing.html",
        "form/_housing.html",
        status=_conflict_status() if conflict else 200,
        form=form,
        conflict=conflict,
        step=step_label(2),
        uses_htmx=True,
    )


# Step 3 -------------------------------------------------------------------------------------


@bp.route("/isi/anggota", methods=["GET", "POST"])
@step_view
def members_step() -> Response | WResponse:
    """Step 3: who still lives here, who moved or died, who is new, and who is the head."""
    response = opened().response
    answers = response.answers
    conflict = False
    keys = [m["key"] for m in answers["members"]]
    form_class = members_form_class(keys)
    if request.method == "POST":
        form = form_class()
        action, target = members.action_of(request.form)
        valid = form.validate_on_submit()
        change, ok = members.change_for(form, answers, action, target, valid)
        if ok:
            result = service.save(db.session(), response, form.base_version, change)
            if result.ok and action == "save":
                endpoint, values = service.next_step(result.response.answers)
                return _after_save(result, form, endpoint, **values)
            if result.ok:
                if not htmx or htmx.boosted:
                    return see_other("form.members_step", _anchor="people")
                response = result.response
                form = members.form_from(response.answers, response.version)
            else:
                conflict, response = True, result.response
                form = members.form_from(response.answers, response.version)
    else:
        form = members.form_from(answers, response.version)
        form.return_to.data = request.args.get("return_to", "")
    return render(
        "form/members.html",
        "form/_members.html",
        status=_conflict_status() if conflict else 200,
        form=form,
        people=members.rows(form, response.answers),
        conflict=conflict,
        step=step_label(3),
        uses_htmx=True,
    )


# Step 4 -------------------------------------------------------------------------------------


@bp.route("/isi/anggota/<key>", methods=["GET", "POST"])
@step_view
def member(key: str) -> Response | WResponse:
    """Step 4: the questions about one person who lives here."""
    household, response = opened().household, opened().response
    person = members.find(response.answers, key)
    if person is None or person.get("status") != "present":
        return see_other("form.members_step")
    is_head = response.answers.get("head") == key
    conflict = False
    mismatches: list[Any] = []
    if request.method == "POST":
        form = MemberForm()
        form.validate_on_submit()
        checked = people.check_identity(form, person, is_head, household)
        mismatches = checked.mismatches
        if checked.ok and not any(field.errors for field in form):
            details = people.details_from(form, person, is_head, checked)
            result = service.save(
                db.session(), response, form.base_version, people.set_details(key, details)
            )
            if result.ok:
                following = members.following(result.response.answers, key)
                if following is None:
                    return _after_save(result, form, "form.check")
                return _after_save(result, form, "form.member", key=following)
            conflict, response = True, result.response
            person = members.find(response.answers, key) or person
            form = people.member_form(person, is_head, response.version)
    else:
        form = people.member_form(person, is_head, response.version)
        form.return_to.data = request.args.get("return_to", "")
    present = service.present_members(response.answers)
    index = service.member_index(response.answers, key)
    return render(
        "form/member.html",
        "form/_member.html",
        status=_conflict_status() if conflict else 200,
        form=form,
        person=person,
        is_head=is_head,
        from_register=person.get("member_id") is not None,
        mismatches=mismatches,
        conflict=conflict,
        position=(index or 0) + 1,
        count=len(present),
        previous=members.preceding(response.answers, key),
        step=step_label(4),
        uses_htmx=True,
    )


# Step 5 -------------------------------------------------------------------------------------


@bp.route("/isi/periksa", methods=["GET", "POST"])
@step_view
def check() -> Response | WResponse:
    """Step 5: every answer on one page, each with a change link; sending is the last button."""
    household, response = opened().household, opened().response
    if not service.is_complete(response.answers):
        return see_other("form.resume")
    conflict = False
    if request.method == "POST":
        value = request.form.get("version", "")
        sane = value.isascii() and value.isdigit() and len(value) <= 10
        base = int(value) if sane and int(value) < 2**31 else None
        result = service.submit(db.session(), response, base)
        if result.ok:
            return see_other("form.done")
        conflict, response = True, result.response
        if not service.is_complete(response.answers):
            return see_other("form.resume")
    return render(
        "form/check.html",
        status=_conflict_status() if conflict else 200,
        household=household,
        answers=response.answers,
        version=response.version,
        summary=members.summary(db.session(), household, response.answers),
        conflict=conflict,
        step=step_label(5),
        uses_htmx=True,
    )
