"""Information pages: what the census is, its phases, what to prepare, FAQ, privacy.

Plain pages with no script: each arrives with its inlined CSS in one response (well under 14 KB
gzipped) and reads the same with JavaScript off or in a proxy browser. Every page carries a
WhatsApp share link and Open Graph tags, because most visitors arrive from a forwarded link.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, url_for
from flask_babel import gettext as _

from census.core import settings
from census.core.config import census_today
from census.core.pagecache import cached_page
from census.core.render import render
from census.pages.service import (
    SP2020,
    SP2020_FIGURES,
    days_left,
    link_to,
    page_url,
    phases,
    site_root,
    whatsapp_url,
)

bp = Blueprint("pages", __name__)

#: The preview image shown when a link is shared (1200x630, versioned so it caches for a year).
SHARE_IMAGE = "share-card-1.0.png"


@bp.app_context_processor
def _sharing() -> dict[str, Any]:
    """Share link and Open Graph values for every page of the site, whichever blueprint."""

    def share_link(title: str) -> str:
        return whatsapp_url(_("%(title)s · Census Online: %(url)s", title=title, url=page_url()))

    def share_image() -> str:
        return site_root() + url_for("static", filename=SHARE_IMAGE)

    return {"share_link": share_link, "share_image": share_image, "page_url": page_url}


@bp.app_template_global()
def action_url(endpoint: str, fallback: str) -> str:
    """Link to another capability's page by endpoint, or by path while it is not installed."""
    return link_to(endpoint, fallback)


def _today_context() -> dict[str, Any]:
    schedule = settings.effective_schedule()
    today = census_today()
    return {
        "schedule": schedule,
        "phase": schedule.phase(today),
        "phases": phases(schedule, today),
        "days_left": days_left(schedule, today),
    }


@bp.get("/")
@cached_page()
def home() -> Response:
    """The home page: what the census is, today's phase and the two main actions."""
    return render("pages/home.html", notices=settings.announcements(None), **_today_context())


@bp.get("/jadwal")
@cached_page()
def schedule() -> Response:
    """The phases from configuration, today's highlighted, and what happens next in each."""
    return render(
        "pages/schedule.html",
        sp2020=SP2020,
        history=settings.schedule_history(),
        notices=settings.announcements(None),
        **_today_context(),
    )


@bp.get("/persiapan")
@cached_page()
def prepare() -> Response:
    """What to have at hand: NIK, KK number, documents; where the numbers are on a KK."""
    return render("pages/prepare.html")


@bp.get("/cara")
@cached_page()
def how() -> Response:
    """How counting yourself online works, step by step."""
    return render("pages/how.html", **_today_context())


@bp.get("/tanya-jawab")
@cached_page()
def faq() -> Response:
    """Questions people ask, answered plainly (rejected numbers, fake apps, no internet...)."""
    return render("pages/faq.html")


@bp.get("/privasi")
@cached_page()
def privacy() -> Response:
    """What is stored, why, for how long, under which laws, and how look-ups are protected."""
    return render("pages/privacy.html")


@bp.get("/tentang-data")
@cached_page()
def about_data() -> Response:
    """Where the site's data comes from, with the ODbL credit for the region codes."""
    return render("pages/about_data.html", figures=SP2020_FIGURES)
