"""Outreach: region pages with live participation, open data, embeds, badges, QR, flyer, presenter.

Every figure comes from :func:`census.outreach.service.region_figures`, already protected against
small counts, so the page, chart, CSV, JSON, badge and presenter view can never disagree or show
more than the others. Only views under ``/embed/`` may be framed by other sites.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from markupsafe import Markup

from census.core import cache, db, settings
from census.core.helppoints import help_point_row, help_points
from census.core.i18n import asked_language, current_language
from census.core.models import RegionLevel
from census.core.pagecache import cached_page
from census.core.qr import own_path, qr_markup, qr_svg, site_url
from census.core.regions import ancestors, children, get_region, level_of
from census.core.render import render
from census.outreach.figures import cell, charts, pct, updated_text
from census.outreach.service import (
    cache_seconds,
    page_region,
    page_region_info,
    region_figures,
)

bp = Blueprint("outreach", __name__)

CSV_FIELDS = (
    "code",
    "name",
    "level",
    "parent_code",
    "register",
    "online",
    "officer",
    "counted",
    "percent_counted",
    "percent_online",
    "target_percent",
    "updated_at",
)

HELP_FIELDS = ("village_code", "name", "address", "hours", "phone")


@bp.app_context_processor
def _outreach_helpers() -> dict[str, Any]:
    return {"cell": cell, "pct": pct, "updated_text": updated_text}


def _region_or_404(code: str) -> dict[str, Any]:
    region = page_region_info(db.session, code)
    if region is None:
        abort(404)
    return region


@bp.get("/wilayah")
@cached_page(cache_seconds)
def index() -> Response:
    """Participation per province."""
    figures = region_figures(db.session(), None)
    return render("outreach/index.html", figures=figures, body=_body(figures))


@bp.get("/wilayah/<code>")
@cached_page(cache_seconds)
def region(code: str) -> Response:
    """A province, regency/city or district; a village redirects to its district."""
    if level_of(code) == RegionLevel.VILLAGE and get_region(db.session(), code):
        return redirect(url_for(".region", code=code[:8]), 302)  # type: ignore[return-value]
    _region_or_404(code)
    figures = region_figures(db.session(), code)
    return render(
        "outreach/region.html",
        figures=figures,
        body=_body(figures),
        notices=settings.announcements(code),
        help_points=help_points(code),
    )


def _body(figures: dict[str, Any]) -> Markup:
    """The figures, charts and tables of a region page, rendered once per computed table.

    Formatting a few hundred numbers and two charts costs several times a whole plain page, so
    the rendered part is cached next to the figures it shows (its key names their computation
    time, so it is never older than they are).
    """
    key = ":".join(
        (
            "outreach:body",
            figures["code"] or "id",
            figures["computed_at"],
            str(figures["target_percent"]),  # a target set by staff shows at once
            current_language(),
            asked_language() or "",
        )
    )

    def build() -> str:
        return render_template("outreach/_region_body.html", figures=figures, **charts(figures))

    return Markup(cache.get_or_set(key, cache_seconds(), build))


def _updated(figures: dict[str, Any]) -> str:
    return figures["computed_at"]


@bp.get("/wilayah/<code>.json")
@cached_page(cache_seconds)
def region_json(code: str) -> Response:
    """The region's figures as JSON (fields documented in docs/open-data.md)."""
    _region_or_404(code)
    figures = region_figures(db.session(), code)
    keys = ("code", "name", "level", "parent_code", "register", "online", "officer", "counted")
    body = {
        **{k: figures[k] for k in keys},
        "percent_counted": figures["percent_counted"],
        "percent_online": figures["percent_online"],
        "target_percent": figures["target_percent"],
        "updated_at": _updated(figures),
        "children": [
            {k: row[k] for k in (*keys, "percent_counted", "percent_online")}
            for row in figures["children"]
        ],
        "daily": figures["daily"],
        "help_points": [help_point_row(p) for p in help_points(code, limit=None)],
        "notes": {"<10": "between 1 and 9 households", "x": "withheld to protect a small count"},
    }
    return _open_data(jsonify(body))


@bp.get("/wilayah/<code>.csv")
@cached_page(cache_seconds)
def region_csv(code: str) -> Response:
    """The region's row then one row per sub-region, as CSV."""
    _region_or_404(code)
    figures = region_figures(db.session(), code)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_FIELDS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    extra = {"target_percent": figures["target_percent"], "updated_at": _updated(figures)}
    for row in (figures, *figures["children"]):
        writer.writerow({**row, **extra})
    response = Response(out.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'inline; filename="wilayah-{code}.csv"'
    return _open_data(response)


@bp.get("/wilayah/<code>/bantuan.csv")
def help_points_csv(code: str) -> Response:
    """The region's help points ("tempat bantuan") as CSV, in the import's columns."""
    _region_or_404(code)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=HELP_FIELDS, lineterminator="\n")
    writer.writeheader()
    for point in help_points(code, limit=None):
        writer.writerow(help_point_row(point))
    response = Response(out.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'inline; filename="bantuan-{code}.csv"'
    return _open_data(response)


def _open_data(response: Response) -> Response:
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cache-Control"] = "public, max-age=60"
    return response


@bp.get("/badge/<code>.svg")
@cached_page(cache_seconds)
def badge(code: str) -> Response:
    """A small SVG badge with the region's participation, for other sites' pages."""
    _region_or_404(code)
    figures = region_figures(db.session(), code)
    value = (
        pct(figures["percent_counted"])
        if figures["percent_counted"] is not None
        else _("%(count)s households", count=cell(figures["counted"]))
    )
    svg = render_template(
        "outreach/badge.svg", figures=figures, value=value, label=_("Census counted")
    )
    response = Response(svg, mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "public, max-age=60"
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    response.vary.add("Accept-Language")
    return response


@bp.get("/qr.svg")
def qr() -> Response:
    """A QR code for a page of this site (``?to=/wilayah/33.16``, default the home page).

    Anything that is not a page of this site is refused.
    """
    path = own_path(request.args.get("to", "/"))
    if path is None:
        abort(404)
    response = Response(qr_svg(path, site_url(path)), mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "public, max-age=86400"
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response


@bp.get("/wilayah/<code>/flyer")
def flyer(code: str) -> Response:
    """A printable A4 flyer: the region, the QR code to its page and the three steps."""
    region = _region_or_404(code)
    target = _start_path()
    return render(
        "outreach/flyer.html",
        region=region,
        qr=qr_markup(target, site_url(target)),
        target_url=site_url(target),
    )


def _start_path() -> str:
    """Where a scanned QR code should land: the census form when it exists, else the home page."""
    for endpoint in ("form.start", "pages.home"):
        if endpoint in current_app.view_functions:
            return url_for(endpoint, lang=None)
    return "/"


@bp.get("/presentasi/<code>")
@cached_page(cache_seconds)
def presenter(code: str) -> Response:
    """Large live figures for a projector; the fragment re-renders itself every 30 seconds."""
    region = _region_or_404(code)
    figures = region_figures(db.session(), code)
    target = _start_path()
    return render(
        "outreach/presenter.html",
        "outreach/_presenter_figures.html",
        region=region,
        figures=figures,
        qr=qr_markup(target, site_url(target)),
        target_url=site_url(target),
        refresh=int(current_app.config.get("CENSUS_PRESENTER_REFRESH_SECONDS", 30)),
        uses_htmx=True,
    )


@bp.get("/untuk-pemda")
@cached_page(cache_seconds)
def for_local_government() -> Response:
    """Copy-paste snippets for a chosen region, with a region picker that needs no script."""
    session = db.session()
    code = request.args.get("wilayah", "").strip()
    chosen = page_region(session, code) if code else None
    if code and chosen is None and level_of(code) == RegionLevel.VILLAGE:
        chosen = page_region(session, code[:8])
    trail = ancestors(session, chosen.code) if chosen is not None else []
    deeper = (
        children(session, chosen.code if chosen else None)
        if chosen is None or chosen.level < RegionLevel.DISTRICT
        else []
    )
    return render(
        "outreach/pemda.html",
        chosen=chosen,
        trail=trail,
        deeper=deeper,
        not_found=bool(code) and chosen is None,
        base=site_url(""),
    )
