"""A drive's public pages: the page with the confirmation form, short link, poster, presenter
view and open data. Every figure comes from :func:`census.drives.figures.drive_figures`."""

from __future__ import annotations

import csv
import io
from typing import Any

from flask import Blueprint, Response, abort, current_app, jsonify, redirect, request, url_for
from werkzeug.exceptions import TooManyRequests
from werkzeug.wrappers import Response as WResponse

from census.core import db
from census.core.config import census_today
from census.core.errors import page_for
from census.core.limits import retry_after_of
from census.core.local_models import Drive
from census.core.lookup import lookup_limit
from census.core.qr import qr_markup, site_url
from census.core.regions import get_region
from census.core.render import render
from census.drives import confirm as confirming
from census.drives import service
from census.drives.figures import drive_chart, drive_figures
from census.drives.forms import ConfirmForm
from census.drives.messages import attach_outcome

bp = Blueprint("drives", __name__)

CSV_FIELDS = (
    "agency",
    "headcount",
    "confirmed",
    "percent_confirmed",
    "target_percent",
    "updated_at",
)


def _drive(slug: str) -> Drive:
    drive = service.find(db.session(), slug)
    if drive is None:
        abort(404)
    return drive


def _context(drive: Drive) -> dict[str, Any]:
    figures = drive_figures(db.session(), drive)
    region = get_region(db.session(), drive.region_code)
    short = url_for("drives.short", slug=drive.slug, lang=None)
    return {
        "drive": drive,
        "region": region,
        "figures": figures,
        "chart": drive_chart(figures),
        "short_path": short,
        "short_url": site_url(short),
        "open": service.is_open(drive, census_today()),
        "not_started": drive.starts_on > census_today(),
    }


@bp.errorhandler(TooManyRequests)
def throttled(error: TooManyRequests) -> Response:
    """Too many tries (from this address, or for the proof code typed): the drive's page again,
    what was typed still in the fields (the NIK is never shown back), with the wait."""
    slug = (request.view_args or {}).get("slug")
    drive = service.find(db.session(), slug) if request.endpoint == "drives.page" else None
    if drive is None:
        return page_for(error)
    wait = retry_after_of(error)
    form = ConfirmForm()
    form.set_agencies([(a.id, a.name) for a in drive.agencies])
    form.nik.data = ""
    response = render(
        "drives/page.html",
        status=429,
        headers={"Retry-After": str(wait)},
        form=form,
        confirmed=False,
        throttled_minutes=max(1, -(-wait // 60)),
        **_context(drive),
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/kampanye/<slug>", methods=["GET", "POST"])
@lookup_limit
def page(slug: str) -> Response | WResponse:
    """The drive's figures and, while it runs, the form an employee confirms with."""
    drive = _drive(slug)
    form = ConfirmForm()
    form.set_agencies([(a.id, a.name) for a in drive.agencies])
    context = _context(drive)
    if request.method == "POST" and context["open"] and form.validate_on_submit():
        outcome = confirming.confirm(
            db.session(), drive, form.proof.data, form.nik_number, int(form.agency.data)
        )
        if outcome is confirming.Outcome.COUNTED:
            return redirect(url_for(".page", slug=slug, terkonfirmasi=1) + "#hasil", 303)
        attach_outcome(form, outcome)  # nothing was written: the figures are as they were
    response = render(
        "drives/page.html", form=form, confirmed=bool(request.args.get("terkonfirmasi")), **context
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/k/<slug>")
def short(slug: str) -> WResponse:
    """The short link printed on posters and shared on WhatsApp."""
    drive = _drive(slug)
    return redirect(url_for(".page", slug=drive.slug), 302)


@bp.get("/kampanye/<slug>/poster")
def poster(slug: str) -> Response:
    """A printable A4 poster: the drive, its QR code and short link, and the two steps."""
    context = _context(_drive(slug))
    return render(
        "drives/poster.html",
        qr=qr_markup(context["short_path"], context["short_url"]),
        **context,
    )


@bp.get("/presentasi/kampanye/<slug>")
def presenter(slug: str) -> Response:
    """Large live figures for a projector; the fragment re-renders itself (htmx), and without
    JavaScript the page refreshes itself."""
    context = _context(_drive(slug))
    return render(
        "drives/presenter.html",
        "drives/_presenter_live.html",
        qr=qr_markup(context["short_path"], context["short_url"]),
        refresh=int(current_app.config.get("CENSUS_PRESENTER_REFRESH_SECONDS", 30)),
        uses_htmx=True,
        **context,
    )


def _open_data(response: Response) -> Response:
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cache-Control"] = "public, max-age=60"
    return response


@bp.get("/kampanye/<slug>.json")
def as_json(slug: str) -> Response:
    """The drive's figures as JSON (fields in docs/drives.md)."""
    drive = _drive(slug)
    figures = drive_figures(db.session(), drive)
    total = figures["total"]
    body = {
        "slug": drive.slug,
        "name": drive.name,
        "region_code": drive.region_code,
        "starts_on": drive.starts_on.isoformat(),
        "ends_on": drive.ends_on.isoformat(),
        "target_percent": drive.target_percent,
        "updated_at": figures["computed_at"],
        "headcount": total["headcount"],
        "confirmed": total["confirmed"],
        "percent_confirmed": total["percent"],
        "agencies": [
            {
                "agency": row["name"],
                "headcount": row["headcount"],
                "confirmed": row["confirmed"],
                "percent_confirmed": row["percent"],
            }
            for row in figures["rows"]
        ],
        "notes": {"<10": "between 1 and 9 employees", "x": "withheld to protect a small count"},
    }
    return _open_data(jsonify(body))


@bp.get("/kampanye/<slug>.csv")
def as_csv(slug: str) -> Response:
    """One row per agency, ranked, then the drive's total (agency ``total``)."""
    drive = _drive(slug)
    figures = drive_figures(db.session(), drive)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_FIELDS)
    for row in [*figures["rows"], {**figures["total"], "name": "total"}]:
        name = row["name"]
        if name[:1] in ("=", "+", "-", "@"):
            name = "'" + name  # a spreadsheet must not run an agency's name as a formula
        percent = "" if row["percent"] is None else row["percent"]
        writer.writerow(
            [
                name,
                row["headcount"],
                row["confirmed"],
                percent,
                drive.target_percent,
                figures["computed_at"],
            ]
        )
    response = Response(out.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'inline; filename="kampanye-{drive.slug}.csv"'
    return _open_data(response)
