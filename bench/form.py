"""The census form: a 4-person household from entry to proof, and a mix of form requests.

- ``form-journey``: a first-time user in headless Chromium with JavaScript off and the 2G emulation
  of the browser tests, from ``/isi`` to the proof: requests, bytes (as sent, and gzipped as a
  compressing proxy would send them) and wall-clock time.
- ``form-mix``: requests per second of a realistic mix of form requests on PostgreSQL (4 step GETs
  to 1 step POST, the POST an idempotent re-save), under the same gunicorn settings as the site,
  against the bare page.
"""

from __future__ import annotations

import gzip
import http.cookiejar
import re
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

from bench.core import HTTP_TABLE, OUT, Context, Row, parse_wrk, scenario
from tests.form_helpers import HOUSING

JOURNEY_TABLE = "Census form: 4-person household, entry to proof (no JavaScript, 2G)"
PERSON = {
    "marital": "single",
    "religion": "islam",
    "citizenship": "wni",
    "education": "none",  # true at every age, the baby's too (census/form/rules.py)
    "activity": "other",
}
PEOPLE = (
    ("L", ("12", "4", "1978"), None),
    ("P", ("3", "9", "1981"), "istri"),
    ("P", ("25", "1", "2010"), "anak"),
    ("L", ("2", "1", "2024"), "anak"),
)


def _household(database_url: str) -> tuple[str, str]:
    """Add a household of 3 to the register (the 4th person is a baby added in the form)."""
    from census import create_app
    from census.core import db
    from tests.factories import add_household

    app = create_app({"DATABASE_URL": database_url})
    with app.app_context():
        made = add_household(db.session())
        db.session().close()
        db.engine().dispose()
    return made.kk, made.niks[0]


def _journey(page, base: str, kk: str, nik: str) -> None:
    def submit(selector: str = "form button[type=submit]:not([name])") -> None:
        page.click(selector)
        page.wait_for_load_state()

    page.goto(base + "/isi")
    page.fill("#kk", kk)
    page.fill("#nik", nik)
    submit()
    page.fill("#pin", "135790")
    page.fill("#confirm", "135790")
    submit()
    page.check("input[name=at_kk_address][value=yes]")
    submit()
    for name in ("tenure", "lighting", "toilet"):
        page.check(f"input[name={name}][value={HOUSING[name]}]")
    page.select_option("#water", HOUSING["water"])
    page.select_option("#floor", HOUSING["floor"])
    submit()
    for radio in page.locator("input[type=radio][value=present]").all():
        radio.check()
    page.locator("input[name=head]").first.check()
    page.fill("#new_name", "Bayu")
    page.check("input[name=new_reason][value=born]")
    submit("button[value=add]")
    submit("button[value=save]")
    for sex, (day, month, year), relationship in PEOPLE:
        if page.locator("input[name=no_nik_reason]").count():
            page.check("input[name=no_nik_reason][value=newborn]")
        page.check(f"input[name=sex][value={sex}]")
        page.fill("#birth_day", day)
        page.fill("#birth_month", month)
        page.fill("#birth_year", year)
        if relationship and page.locator("select#relationship").count():
            page.select_option("#relationship", relationship)
        for name, value in PERSON.items():
            if name == "education":
                page.select_option("#education", value)
            else:
                page.check(f"input[name={name}][value={value}]")
        submit()
    submit("form[action$='/isi/periksa'] button")
    if not page.locator("#proof-code").count():
        raise RuntimeError("the journey did not end with a proof")


@scenario("form-journey")
def form_journey(ctx: Context) -> list[Row]:
    """Requests, bytes and time of a whole household's journey under 2G emulation."""
    from playwright.sync_api import sync_playwright

    from tests.browser_fixtures import CHROMIUM, CHROMIUM_ARGS, emulate_2g, new_context

    kk, nik = _household(ctx.sqlite_url)
    sizes: list[tuple[int, int]] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        context = new_context(browser, javascript=False)
        page = context.new_page()
        emulate_2g(page)

        def counted(response) -> None:
            body = b"" if response.status in (301, 302, 303) else response.body()
            sizes.append((len(body), len(gzip.compress(body, 6)) if body else 0))

        page.on("response", counted)
        start = time.perf_counter()
        _journey(page, ctx.app_url, kk, nik)
        elapsed = time.perf_counter() - start
        context.close()
        browser.close()
    raw, zipped = sum(s[0] for s in sizes), sum(s[1] for s in sizes)
    return [
        Row(
            JOURNEY_TABLE,
            "no JavaScript, 250 kbit/s, 800 ms",
            {
                "requests": str(len(sizes)),
                "KB sent": f"{raw / 1024:.1f}",
                "KB gzipped": f"{zipped / 1024:.1f}",
                "seconds": f"{elapsed:.1f}",
                "aim": "<= 25 requests, <= 100 KB",
            },
        )
    ]


def _hidden(html: str, name: str) -> str:
    found = re.search(rf'name="{name}" type="hidden" value="([^"]*)"', html) or re.search(
        rf'name="{name}" value="([^"]*)"', html
    )
    return found.group(1) if found else ""


def _half_way(base: str, kk: str, nik: str) -> tuple[str, str, list[str]]:
    """Enter, set the PIN and answer steps 1-3 over HTTP; returns (cookie, POST body, keys)."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))

    def post(path: str, html: str, data: dict[str, str]) -> str:
        data = {
            "csrf_token": _hidden(html, "csrf_token"),
            "version": _hidden(html, "version"),
            **data,
        }
        body = urllib.parse.urlencode(data).encode()
        return opener.open(base + path, body).read().decode()

    html = opener.open(base + "/isi").read().decode()
    html = post("/isi", html, {"kk": kk, "nik": nik})
    html = post("/isi/pin", html, {"pin": "135790", "confirm": "135790"})
    html = post("/isi/alamat", html, {"at_kk_address": "yes"})
    html = post("/isi/rumah", html, HOUSING)
    keys = list(dict.fromkeys(re.findall(r'name="status_(\w+)"', html)))
    statuses = {f"status_{k}": "present" for k in keys}
    html = post("/isi/anggota", html, {**statuses, "head": keys[0], "action": "save"})
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    resave = urllib.parse.urlencode(
        {**HOUSING, "csrf_token": _hidden(html, "csrf_token"), "version": "2"}
    )
    return cookie, resave, keys


@scenario("form-mix")
def form_mix(ctx: Context) -> list[Row]:
    """Step GETs and idempotent step POSTs (4:1) on PostgreSQL, against the bare page."""
    from bench.__main__ import drop_postgres, gunicorn, postgres_url, prepare_site_database

    url = postgres_url()
    if url is None:
        ctx.notes.append("form-mix: PostgreSQL not available, row skipped")
        return []
    try:
        prepare_site_database(url)
        kk, nik = _household(url)
        server, base = gunicorn(
            "app:app", {"DATABASE_URL": url, "LIMITS_ENABLED": "0"}, OUT / "form-pg.log"
        )
        try:
            cookie, resave, keys = _half_way(base, kk, nik)
            paths = [
                "/isi/rumah",
                "/isi/anggota",
                f"/isi/anggota/{keys[0]}",
                f"/isi/anggota/{keys[1]}",
            ]
            lua = "\n".join(
                [
                    "local paths = {" + ", ".join(f'"{p}"' for p in paths) + "}",
                    "local i = 0",
                    "request = function()",
                    "  i = i + 1",
                    f'  local headers = {{["Cookie"] = "{cookie}"}}',
                    "  if i % 5 == 0 then",
                    '    headers["Content-Type"] = "application/x-www-form-urlencoded"',
                    f'    return wrk.format("POST", "/isi/rumah", headers, "{resave}")',
                    "  end",
                    '  return wrk.format("GET", paths[(i % 4) + 1], headers)',
                    "end",
                ]
            )
            with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
                script.write(lua + "\n")
            command = [
                "wrk",
                "-t1",
                f"-c{ctx.connections}",
                f"-d{max(1, round(ctx.seconds))}s",
                "--latency",
                "-s",
                script.name,
                base,
            ]
            subprocess.run([*command[:3], "-d1s", *command[4:]], capture_output=True, timeout=30)
            done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=True)
            Path(script.name).unlink(missing_ok=True)
            ours = parse_wrk(done.stdout)
        finally:
            server.terminate()
            server.wait(timeout=10)
    finally:
        drop_postgres(url)
    bare = ctx.bare()
    return [
        Row(
            HTTP_TABLE,
            "form mix on PostgreSQL (4 GET : 1 POST)",
            {
                "req/s": f"{ours.requests_per_second:.0f}",
                "p50 ms": f"{ours.p50_ms:.1f}",
                "p99 ms": f"{ours.p99_ms:.1f}",
                "bare req/s": f"{bare.requests_per_second:.0f}",
                "bare p99 ms": f"{bare.p99_ms:.1f}",
                "ratio": f"{ours.requests_per_second / bare.requests_per_second:.2f}",
                "errors": str(ours.errors),
            },
        )
    ]
