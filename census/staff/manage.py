"""What staff change: a region's target, notices and help points; the schedule; the audit log.

Every route names the region it acts on (or the record, whose region is checked) and answers 403
when the signed-in account does not cover it. A form with a mistake comes back with the message
next to its field; nothing is saved until every check has passed.
"""

from __future__ import annotations

from typing import Any

from flask import Response, abort, redirect, request, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response as WResponse

from census.core import db, helppoints, settings
from census.core.bodies import accepts_file
from census.core.local_models import Announcement, HelpPoint, StaffAccount
from census.core.models import RegionLevel
from census.core.regions import ancestors, children, get_region
from census.core.render import render
from census.staff import audit, auth, bp, service
from census.staff.forms import (
    AnnouncementForm,
    HelpPointForm,
    ImportForm,
    PhaseForm,
    TargetForm,
    parse_date,
)
from census.staff.helppoints import HelpPointFileError, import_help_points

#: The code the national pages use for "the whole country".
COUNTRY = "ID"


def _see_other(endpoint: str, **values: Any) -> WResponse:
    return redirect(url_for(endpoint, **values), 303)


def _attach(form: FlaskForm, error: service.ChangeRefused, default: str) -> None:
    field = getattr(form, error.field, None) or getattr(form, default)
    field.errors = [*list(field.errors or []), error.message]


def _forms(**bound: FlaskForm) -> dict[str, FlaskForm]:
    forms: dict[str, FlaskForm] = {
        "target_form": TargetForm(prefix="target", formdata=None),
        "notice_form": AnnouncementForm(prefix="notice", formdata=None),
        "help_form": HelpPointForm(prefix="help", formdata=None),
        "import_form": ImportForm(prefix="import", formdata=None),
    }
    forms.update(bound)
    return forms


def _region_page(code: str, status: int = 200, **context: Any) -> Response:
    session = db.session()
    region = get_region(session, code) if code != COUNTRY else None
    forms = _forms(**{k: v for k, v in context.items() if k.endswith("_form")})
    extra = {k: v for k, v in context.items() if not k.endswith("_form")}
    region_code = region.code if region else None
    query = session.query(Announcement)
    query = (
        query.filter(Announcement.region_code.is_(None))
        if region_code is None
        else query.filter(Announcement.region_code == region_code)
    )
    return render(
        "staff/region.html",
        status=status,
        region=region,
        code=code,
        trail=[r for r in ancestors(session, region.code)[:-1] if _covered(r.code)]
        if region
        else [],
        kids=children(session, region.code) if region and region.level < 3 else [],
        own_target=settings.own_target(region.code) if region else None,
        target=settings.target_percent(region_code),
        has_target=region is not None,
        notices=query.order_by(Announcement.starts_on.desc()).all(),
        points=helppoints.help_points(region_code, limit=None) if region else [],
        **forms,
        **extra,
    )


def _covered(code: str) -> bool:
    account = auth.current_account()
    return account is not None and auth.covers(account, code)


def _region_for(code: str) -> tuple[StaffAccount, str | None]:
    """The account and the region code (None: the country) after the access checks."""
    if code == COUNTRY:
        return auth.require(None), None
    account = auth.require(code)
    found = get_region(db.session(), code)
    if found is None or found.level > RegionLevel.DISTRICT:  # a village has no page of its own
        abort(404)
    return account, code


@bp.get("/wilayah/<code>")
@auth.staff_view()
def region(code: str) -> Response:
    """A region's target, notices and help points, with their forms."""
    _region_for(code)
    return _region_page(code, saved=request.args.get("saved"))


@bp.post("/wilayah/<code>/target")
@auth.staff_view()
def set_target(code: str) -> Response | WResponse:
    account, region_code = _region_for(code)
    form = TargetForm(prefix="target")
    if form.validate_on_submit():
        try:
            service.set_target(db.session(), account.email, region_code or "", form.value)
            return _see_other("staff.region", code=code, saved="target")
        except service.ChangeRefused as error:
            db.session().rollback()
            _attach(form, error, "percent")
    return _region_page(code, target_form=form)


@bp.post("/wilayah/<code>/pengumuman")
@auth.staff_view()
def add_notice(code: str) -> Response | WResponse:
    account, region_code = _region_for(code)
    form = AnnouncementForm(prefix="notice")
    if form.validate_on_submit():
        try:
            service.add_announcement(
                db.session(),
                account.email,
                form.text_id.data,
                text_en=form.text_en.data,
                region_code=region_code,
                starts_on=parse_date(form.starts_on.data),
                ends_on=parse_date(form.ends_on.data),
            )
            return _see_other("staff.region", code=code, saved="notice")
        except service.ChangeRefused as error:
            db.session().rollback()
            _attach(form, error, "text_id")
    return _region_page(code, notice_form=form)


@bp.post("/pengumuman/<int:notice_id>/hapus")
@auth.staff_view()
def remove_notice(notice_id: int) -> WResponse:
    session = db.session()
    notice = session.get(Announcement, notice_id)
    if notice is None:
        abort(404)
    account = auth.require(notice.region_code)
    code = notice.region_code or COUNTRY
    service.remove_announcement(session, account.email, notice)
    return _see_other("staff.region", code=code, saved="notice")


@bp.post("/wilayah/<code>/bantuan")
@auth.staff_view()
def add_help_point(code: str) -> Response | WResponse:
    account, region_code = _region_for(code)
    form = HelpPointForm(prefix="help")
    if form.validate_on_submit():
        session = db.session()
        try:
            values = service.help_point_values(
                session,
                form.village_code.data,
                form.name.data,
                form.address.data,
                form.hours.data or "",
                form.phone.data or "",
            )
            if not auth.covers(account, values["village_code"]) or (
                region_code and not values["village_code"].startswith(region_code + ".")
            ):
                raise service.ChangeRefused(
                    "village_code", _("This village is not in this region.")
                )
            service.add_help_point(session, account.email, values)
            return _see_other("staff.region", code=code, saved="help")
        except service.ChangeRefused as error:
            session.rollback()
            _attach(form, error, "village_code")
    return _region_page(code, help_form=form)


@bp.post("/wilayah/<code>/bantuan/impor")
@accepts_file
@auth.staff_view()
def import_help(code: str) -> Response | WResponse:
    account, region_code = _region_for(code)
    form = ImportForm(prefix="import")
    upload = request.files.get("import-file")
    if not form.validate_on_submit() or upload is None or not upload.filename:
        form.file.errors = [_("Choose a CSV file to import.")]
        return _region_page(code, import_form=form)
    session = db.session()

    def allowed(village: str) -> bool:
        inside = region_code is None or village.startswith(region_code + ".")
        return inside and auth.covers(account, village)

    try:
        result = import_help_points(session, upload.read(), account.email, allowed)
    except HelpPointFileError as exc:
        session.rollback()
        form.file.errors = [_("The file cannot be read: %(reason)s", reason=str(exc))]
        return _region_page(code, import_form=form)
    return _region_page(code, imported=result)


@bp.post("/bantuan/<int:point_id>/hapus")
@auth.staff_view()
def remove_help_point(point_id: int) -> WResponse:
    session = db.session()
    point = session.get(HelpPoint, point_id)
    if point is None:
        abort(404)
    account = auth.require(point.village_code)
    code = request.form.get("back", "")
    if not (code and auth.covers(account, code) and point.village_code.startswith(code + ".")):
        code = point.district_code
    service.remove_help_point(session, account.email, point)
    return _see_other("staff.region", code=code, saved="help")


@bp.route("/jadwal", methods=["GET", "POST"])
@auth.staff_view(national=True)
def schedule() -> Response | WResponse:
    """Move a phase date; /jadwal and every phase-dependent answer follow at once."""
    account = auth.current_account()
    assert account is not None
    form = PhaseForm()
    if form.validate_on_submit():
        new_date = parse_date(form.new_date.data)
        assert new_date is not None
        try:
            service.set_phase(db.session(), account.email, form.phase.data, new_date)
            return _see_other("staff.schedule", saved=1)
        except service.ChangeRefused as error:
            db.session().rollback()
            _attach(form, error, "new_date")
    return render(
        "staff/schedule.html",
        form=form,
        schedule=settings.effective_schedule(),
        configured=settings.configured_schedule(),
        history=settings.schedule_history(),
        saved=request.args.get("saved"),
    )


@bp.get("/audit")
@auth.staff_view(national=True)
def audit_log() -> Response:
    """The newest entries of the audit log."""
    return render("staff/audit.html", entries=audit.entries(db.session()))


@bp.get("/audit.csv")
@auth.staff_view(national=True)
def audit_csv() -> Response:
    """The whole audit log as CSV."""
    response = Response(audit.as_csv(db.session()), mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="audit.csv"'
    return response
