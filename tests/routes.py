"""Every GET page of the application, for checks that must also cover pages added later.

The weight, accessibility and width tests iterate ``app.url_map`` through :func:`page_routes`, so a
capability's new page is checked the moment its blueprint is registered. A route with arguments is
checked when every argument has a sample value below; otherwise it is reported as skipped, with the
missing argument named, so nobody mistakes it for checked.
"""

from __future__ import annotations

from dataclasses import dataclass

from census import create_app

#: Sample values for URL arguments, by argument name (add one when a new route needs it).
SAMPLE_VALUES: dict[str, str] = {"code": "33.16"}
#: Not pages: static files, the load balancers' health check and the metrics for monitoring.
NOT_PAGES = ("/static/", "/healthz", "/metrics/")
#: Pages that exist only for a household's own data; tests/test_form_views.py weighs them with
#: real data (test_each_step_is_at_most_14_kb_gzipped) and the form journeys check them in Chromium.
NEEDS_HOUSEHOLD = ("/isi/anggota/<key>", "/bukti/<code>")
#: A meeting room's screen and its phones' page; tests/test_meeting_rooms.py weighs them with a
#: real room (test_the_room_pages_are_small_on_first_load).
NEEDS_ROOM = ("/ruang/<int:room_id>", "/ruang/masuk/<token>")
#: A staff member's one-time set-up page; tests/test_staff.py weighs it with a real link.
NEEDS_SETUP_LINK = ("/staf/mulai/<token>",)
#: A drive's pages, public and staff; tests/test_drives_views.py weighs them with a real drive
#: (test_drive_pages_fit_in_14_kb), tests/browser/test_drives_browser.py checks them in Chromium.
NEEDS_DRIVE = (
    "/kampanye/<slug>",
    "/kampanye/<slug>/poster",
    "/k/<slug>",
    "/presentasi/kampanye/<slug>",
    "/staf/kampanye/<slug>",
)
ELSEWHERE = NEEDS_HOUSEHOLD + NEEDS_ROOM + NEEDS_SETUP_LINK + NEEDS_DRIVE
#: Not pages either: open data and images (CSV, JSON, SVG badges and QR codes).
NOT_PAGE_SUFFIXES = (".csv", ".json", ".svg")


@dataclass(frozen=True)
class PageRoute:
    """One GET route: the path to request, or why it cannot be requested."""

    endpoint: str
    rule: str
    path: str | None
    reason: str = ""

    def __str__(self) -> str:
        return self.rule


def page_routes() -> list[PageRoute]:
    """Every GET route of a freshly built app, with a sample path where one can be built."""
    app = create_app({"TESTING": True, "DATABASE_URL": "sqlite://"})
    routes = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" not in (rule.methods or ()) or rule.rule.startswith(NOT_PAGES):
            continue
        if rule.rule.endswith(NOT_PAGE_SUFFIXES) or rule.rule in ELSEWHERE:
            continue
        defaults = rule.defaults or {}
        missing = sorted(a for a in rule.arguments if a not in SAMPLE_VALUES and a not in defaults)
        if missing:
            reason = f"no sample value for {', '.join(missing)} (add it to tests/routes.py)"
            routes.append(PageRoute(rule.endpoint, rule.rule, None, reason))
            continue
        values = {a: SAMPLE_VALUES[a] for a in rule.arguments if a in SAMPLE_VALUES}
        built = rule.build(values)
        if built is None:
            routes.append(PageRoute(rule.endpoint, rule.rule, None, "sample values do not fit"))
            continue
        routes.append(PageRoute(rule.endpoint, rule.rule, built[1]))
    return routes


PAGE_ROUTES = page_routes()
#: The information pages of this capability, which every later change must keep working.
INFORMATION_PAGES = {
    "pages.home": "/",
    "pages.schedule": "/jadwal",
    "pages.prepare": "/persiapan",
    "pages.how": "/cara",
    "pages.faq": "/tanya-jawab",
    "pages.privacy": "/privasi",
    "pages.about_data": "/tentang-data",
}
