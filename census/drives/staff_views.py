"""The staff side of drives, in the staff area (``/staf``): a region's drives, a new drive, and a
drive's agencies. A region account acts only on drives of its region and below it (403 else);
every change is written to the audit log."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, redirect, request, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response as WResponse

from census.core import db
from census.core.bodies import accepts_file
from census.core.local_models import Drive
from census.core.models import RegionLevel
from census.core.regions import get_region
from census.core.render import render
from census.drives import service
from census.drives.agencies import AgencyFileError, decode
from census.drives.figures import drive_chart, drive_figures
from census.drives.forms import AgenciesForm, DriveForm, headcounts_form_class
from census.staff import auth

bp = Blueprint("staff_drives", __name__, url_prefix="/staf")


@bp.context_processor
def _signed_in() -> dict[str, Any]:
    return {"account": auth.current_account()}


@bp.after_request
def _never_stored(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    response.headers.setdefault("Pragma", "no-cache")
    return response


def _region(code: str) -> Any:
    auth.require(code)
    region = get_region(db.session(), code)
    if region is None or RegionLevel(region.level) not in service.DRIVE_LEVELS:
        abort(404)
    return region


def _drive(slug: str) -> Drive:
    drive = service.find(db.session(), slug)
    if drive is None:
        auth.require(None)  # a region account learns nothing of other regions' drives
        abort(404)
    auth.require(drive.region_code)
    return drive


def _agency_text(form: FlaskForm) -> str:
    """The typed list, or the uploaded file's text when one was chosen."""
    upload = request.files.get(form.file.name)
    if upload is not None and upload.filename:
        return decode(upload.read())
    return form.agencies.data or ""


def _attach(form: FlaskForm, name: str, message: Any) -> None:
    field = form[name]
    field.errors = [*list(field.errors or []), message]


@bp.route("/wilayah/<code>/kampanye", methods=["GET", "POST"])
@accepts_file
@auth.staff_view()
def region_drives(code: str) -> Response | WResponse:
    """The drives of a province or regency/city, and the form that makes a new one."""
    region = _region(code)
    account = auth.require(code)
    form = DriveForm() if request.method == "POST" else DriveForm(formdata=None)
    rejected: list[tuple[int, Any]] = []
    if request.method == "POST" and form.validate_on_submit():
        session = db.session()
        try:
            drive = service.create(
                session,
                account.email,
                slug=form.slug.data or "",
                name=form.name.data,
                region_code=region.code,
                starts_on=form.day("starts_on"),
                ends_on=form.day("ends_on"),
                target=form.percent,
                agencies=_agency_text(form),
            )
            return redirect(url_for(".drive", slug=drive.slug, saved=1), 303)
        except service.DriveRefused as error:
            session.rollback()
            _attach(form, error.field if error.field in form else "agencies", error.message)
            rejected = error.rejected
        except AgencyFileError as error:
            _attach(form, "file", _("The file cannot be read: %(reason)s", reason=str(error)))
    return render(
        "drives/staff_region.html",
        region=region,
        drives=service.of_region(db.session(), region.code),
        form=form,
        rejected=rejected,
    )


def _change_form(drive: Drive, formdata: bool = False) -> FlaskForm:
    """The change form, filled with the drive as it is (or with what was sent)."""
    data = {
        "name": drive.name,
        "starts_on": drive.starts_on.isoformat(),
        "ends_on": drive.ends_on.isoformat(),
        "target": str(drive.target_percent),
        **{f"headcount_{a.id}": str(a.headcount) for a in drive.agencies},
    }
    form_class = headcounts_form_class(list(drive.agencies))
    return form_class() if formdata else form_class(formdata=None, data=data)


def _drive_page(
    drive: Drive, form: AgenciesForm, change: FlaskForm | None = None, **extra: Any
) -> Response:
    figures = drive_figures(db.session(), drive)
    return render(
        "drives/staff_drive.html",
        drive=drive,
        region=get_region(db.session(), drive.region_code),
        figures=figures,
        chart=drive_chart(figures),
        form=form,
        change=change or _change_form(drive),
        **extra,
    )


@bp.get("/kampanye/<slug>")
@auth.staff_view()
def drive(slug: str) -> Response:
    """A drive's figures, its links and poster, and the form that adds agencies."""
    return _drive_page(
        _drive(slug),
        AgenciesForm(formdata=None),
        saved=request.args.get("saved"),
        changed=request.args.get("changed"),
    )


@bp.post("/kampanye/<slug>/ubah")
@auth.staff_view()
def change(slug: str) -> Response | WResponse:
    """Correct the drive's name, days, target and headcounts; its link and poster stay."""
    found = _drive(slug)
    account = auth.require(found.region_code)
    form = _change_form(found, formdata=True)
    if not form.validate_on_submit():
        return _drive_page(found, AgenciesForm(formdata=None), form)
    counts = {
        a.id: int(form[f"headcount_{a.id}"].data.replace(".", "").replace(",", ""))
        for a in found.agencies
    }
    try:
        service.change(
            db.session(),
            account.email,
            found,
            name=form.name.data,
            starts_on=form.day("starts_on"),
            ends_on=form.day("ends_on"),
            target=form.percent,
            headcounts=counts,
        )
    except service.DriveRefused as refused:
        db.session().rollback()
        _attach(form, refused.field, refused.message)
        return _drive_page(found, AgenciesForm(formdata=None), form)
    return redirect(url_for(".drive", slug=found.slug, changed=1), 303)


@bp.post("/kampanye/<slug>/instansi")
@accepts_file
@auth.staff_view()
def add_agencies(slug: str) -> Response:
    """Add agencies, typed or from a CSV file; the lines that fail come back numbered."""
    found = _drive(slug)
    account = auth.require(found.region_code)
    form = AgenciesForm()
    if not form.validate_on_submit():
        return _drive_page(found, form)
    try:
        text = _agency_text(form)
    except AgencyFileError as error:
        _attach(form, "file", _("The file cannot be read: %(reason)s", reason=str(error)))
        return _drive_page(found, form)
    if not text.strip():
        _attach(form, "agencies", _("List at least one agency with its headcount."))
        return _drive_page(found, form)
    try:
        result = service.add_agencies(db.session(), account.email, found, text)
    except AgencyFileError as error:
        db.session().rollback()
        _attach(form, "agencies", _("The list cannot be read: %(reason)s", reason=str(error)))
        return _drive_page(found, form)
    return _drive_page(found, AgenciesForm(formdata=None), imported=result)
