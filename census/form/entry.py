"""Opening a household's form: the two numbers (throttled like /cek), then the shared PIN."""

from __future__ import annotations

import logging

from flask import Response, request
from flask_babel import gettext as _
from werkzeug.wrappers import Response as WResponse

from census.core import db
from census.core.helppoints import help_points_for_kk
from census.core.lookup import NumbersForm, find_household, lookup_limit, lookup_limit_unless
from census.core.models import Household
from census.core.pagecache import cached_page
from census.core.render import render
from census.form import access, bp, pins, service, waiting
from census.form.common import online_open, opened, see_other, step_view
from census.form.held import take_held
from census.form.pin_forms import ChangePinForm, EnterPinForm, SetPinForm

log = logging.getLogger(__name__)


@bp.route("/isi", methods=["GET", "POST"])
@lookup_limit
@cached_page(form=True)
def start() -> Response | WResponse:
    """The entry page: the KK number and a member's NIK."""
    visit = access.current_visit()
    if request.method == "GET" and visit.unlocked:
        return see_other("form.resume")
    form = NumbersForm()
    not_found = False
    help_points: list[dict[str, str]] = []
    if form.validate_on_submit():
        found = find_household(*form.numbers)
        log.info("household lookup: %s", "found" if found.household else "not_found")
        if found.household is not None:
            turn = waiting.must_wait(found.household)
            if turn is not None:  # the waiting room: this newcomer's turn comes later
                return waiting.queue(found.household, turn)
            access.begin_entry(found.household.id)
            return see_other("form.pin")
        not_found = True
        help_points = list(help_points_for_kk(form.numbers[0]))
    return render(
        "form/start.html",
        "form/_start.html",
        form=form,
        not_found=not_found,
        help_points=help_points,
        online=online_open(),
    )


def _pending_household() -> Household | None:
    visit = access.current_visit()
    if visit.household_id is None:
        return None
    return db.session().get(Household, visit.household_id)


def _opened_demo_household() -> bool:
    """Whether this session opened a demo household (by its numbers, through the look-up):
    told from the household's own row, never from a field sent with the PIN."""
    household = _pending_household()
    return household is not None and household.is_demo


@bp.route("/isi/pin", methods=["GET", "POST"])
@lookup_limit_unless(_opened_demo_household)
def pin() -> Response | WResponse:
    """Set the household's PIN on first entry; ask for it on every later one."""
    household = _pending_household()
    if household is None:
        return see_other("form.start")
    session = db.session()
    response = service.get_response(session, household.id)
    if response is None:
        if not online_open():
            return see_other("form.closed")
        form = SetPinForm()
        form.weak = pins.weak_pins([m.birth_date for m in household.members])
        if form.validate_on_submit():
            created = service.create_response(session, household, pins.hash_pin(form.pin.data))
            if created is not None and access.unlock(household.id, created.pin_hash):
                return see_other("form.address")
            # Another phone of the household set a PIN a moment ago: ask for that one.
            form = EnterPinForm(formdata=None)
            return render("form/pin.html", "form/_pin.html", form=form, new=False, raced=True)
        return render("form/pin.html", "form/_pin.html", form=form, new=True)
    pins.check_pin_throttle(household.id)
    form = EnterPinForm()
    if form.validate_on_submit():
        pins.take_pin_try(household.id)
        right = pins.pin_matches(response.pin_hash, form.pin.data)
        pins.record_pin_result(household.id, right)
        if right and access.unlock(household.id, response.pin_hash):
            if not online_open() and response.submitted_at is None:
                return see_other("form.closed")
            if response.held and response.submitted_at is None:
                return see_other("form.held")
            endpoint, values = service.next_step(
                response.answers, response.submitted_at is not None
            )
            return see_other(endpoint, **values)
        if right:  # the PIN was changed on another phone while this one was checked
            form.pin.errors = [_("The PIN was just changed on another phone. Enter the new PIN.")]
        else:
            form.pin.errors = [_("This is not your household's PIN. Check it and try again.")]
    return render(
        "form/pin.html",
        "form/_pin.html",
        form=form,
        new=False,
        expired=request.args.get("expired") == "1",
        closed=request.args.get("closed", type=lambda v: v if v in ("stop", "pin") else None),
        kept=request.args.get("kept") == "1",
    )


@bp.get("/isi/tersimpan")
@step_view
def held() -> Response | WResponse:
    """What was typed on a step sent while the form was locked, shown back to be saved."""
    kept = take_held(db.session(), opened().response)
    if kept is None:
        return see_other("form.resume")
    return render("form/held.html", path=kept["path"], fields=kept["fields"])


@bp.route("/isi/ganti-pin", methods=["GET", "POST"])
@step_view
def change_pin() -> Response | WResponse:
    """Change the household's PIN (it was told to someone who should not have it): the PIN now,
    then the new one twice. Every other phone must then enter the new PIN."""
    household, response = opened().household, opened().response
    if request.args.get("done") == "1" and request.method == "GET":
        return render("form/change_pin.html", form=None, done=True)
    form = ChangePinForm()
    form.weak = pins.weak_pins([m.birth_date for m in household.members])
    if request.method == "POST":
        pins.check_pin_throttle(household.id)
    if form.validate_on_submit():
        pins.take_pin_try(household.id)
        right = pins.pin_matches(response.pin_hash, form.current.data)
        pins.record_pin_result(household.id, right)
        if right:
            access.change_pin(response, form.pin.data)
            return see_other("form.change_pin", done=1)
        form.current.errors = [_("This is not your household's PIN. Check it and try again.")]
    return render("form/change_pin.html", form=form, done=False)


@bp.get("/isi/lupa-pin")
def forgot() -> Response:
    """What to do when nobody in the household remembers the PIN."""
    return render("form/forgot.html")


@bp.get("/isi/lanjut")
def resume() -> WResponse:
    """Go to the first unfinished step (or the proof, or the closed page)."""
    visit = access.current_visit()
    if visit.household_id is None:
        return see_other("form.start")
    if not visit.unlocked:
        return see_other("form.pin", **access.reopen_args(visit))
    response = service.get_response(db.session(), visit.household_id)
    if response is None:
        return see_other("form.pin")
    if response.submitted_at is None and not online_open():
        return see_other("form.closed")
    endpoint, values = service.next_step(response.answers, response.submitted_at is not None)
    return see_other(endpoint, **values)


@bp.get("/isi/tutup")
def closed() -> Response | WResponse:
    """Outside the online phase: the household's status, and its proof if it sent the form."""
    household = _pending_household()
    if household is None:
        return see_other("form.start")
    visit = access.current_visit()
    proof = service.household_proof(db.session(), household.id) if visit.unlocked else None
    return render("form/closed.html", household=household, proof=proof, online=online_open())


@bp.post("/isi/keluar")
def leave() -> WResponse:
    """Close the form on every phone of the household ("Stop for now"); the answers stay saved.
    Whoever holds a copy of a session cookie must give the PIN again."""
    visit = access.current_visit()
    if visit.household_id is not None and visit.unlocked:
        access.close_everywhere(visit.household_id, "stop")
    else:
        access.forget()
    return see_other("form.start", left=1)
