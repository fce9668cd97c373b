"""The status check at /cek: answers, the identical not-found page, throttles, privacy, metrics."""

from __future__ import annotations

import logging
import re
import uuid
from datetime import UTC, datetime
from http.cookiejar import CookieJar
from urllib.error import HTTPError
from urllib.parse import urlencode
from urllib.request import HTTPCookieProcessor, build_opener

import pytest

from census import create_app
from census.core import db
from census.core.models import CountStatus
from census.status.service import OUTCOMES
from tests.factories import (
    DEFAULT_MEMBERS,
    add_household,
    make_kk,
    make_nik,
    schedule_for,
    with_status,
)
from tests.status_helpers import post

NAMES = [name for name, *_ in DEFAULT_MEMBERS]


def household(app):
    return with_status(app, CountStatus.NOT_STARTED)


def test_form_page(client) -> None:
    response = client.get("/cek?lang=en")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    html = response.text
    start = '<form method="post" action="/cek?lang=en" novalidate data-hx-post="/cek?lang=en"'
    assert start in html
    assert 'data-hx-target="#status-check" data-hx-swap="outerHTML"' in html
    for field in ("kk", "nik"):
        tag = re.search(rf'<input[^>]*id="{field}"[^>]*>', html).group(0)
        assert 'inputmode="numeric"' in tag and 'autocomplete="off"' in tag
    assert "printed at the top of the family card" in html
    assert "htmx-1.9.12.min.js" in html and "enhance-1.3.js" in html


def test_counted_online_shows_the_date_in_wib_and_the_proof_tail(app, client) -> None:
    # 20:30 UTC on 1 March is already 2 March in Jakarta.
    at = datetime(2026, 3, 1, 20, 30, tzinfo=UTC)
    made = with_status(app, CountStatus.COUNTED_ONLINE, at, proof="SP20-K7QX-9F3M")
    response = post(client, made.kk, made.niks[2])
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    html = response.text
    assert "Your household has been counted" in html
    assert "counted online on March 2, 2026" in html
    assert '<strong class="code">9F3M</strong>' in html
    assert "SP20-K7QX" not in html
    assert not any(name in html for name in NAMES)
    indonesian = post(client, made.kk, made.niks[0], lang="id").text
    assert "2 Maret 2026" in indonesian


def test_counted_by_an_officer(app, client) -> None:
    made = with_status(app, CountStatus.COUNTED_OFFICER, datetime(2026, 9, 14, 3, tzinfo=UTC))
    html = post(client, made.kk, made.niks[1]).text
    assert "Your household has been counted" in html
    assert "counted by a census officer on September 14, 2026" in html
    assert "proof of filling" not in html


def test_started_but_not_sent_links_to_the_form(app, client) -> None:
    app.config["CENSUS_SCHEDULE"] = schedule_for("online")
    made = with_status(app, CountStatus.IN_PROGRESS)
    html = post(client, made.kk, made.niks[0]).text
    assert "started online but has not sent its answers" in html
    assert re.search(r'href="/isi(\?lang=en)?"', html) and "Continue the census form" in html


def test_started_but_online_phase_closed_points_to_the_officer(app, client) -> None:
    app.config["CENSUS_SCHEDULE"] = schedule_for("field")
    made = with_status(app, CountStatus.IN_PROGRESS)
    html = post(client, made.kk, made.niks[0]).text
    assert "The answers were not sent" in html
    assert "A census officer will visit your household between" in html
    assert not re.search(r'href="/isi[?"]', html)


@pytest.mark.parametrize(
    ("phase", "text"),
    [
        ("before", "Filling in online opens on"),
        ("online", "You can fill in the census online now"),
        ("between", "A census officer will visit your household between"),
        ("field", "A census officer will visit your household between"),
        ("after", "tell the head of your RT or the BPS office"),
    ],
)
def test_not_counted_gives_the_next_step_for_todays_phase(app, client, phase, text) -> None:
    schedule = schedule_for(phase)
    app.config["CENSUS_SCHEDULE"] = schedule
    made = with_status(app, CountStatus.NOT_STARTED)
    html = post(client, made.kk, made.niks[0]).text
    assert "Your household has not been counted yet" in html
    assert text in html
    assert bool(re.search(r'href="/isi[?"]', html)) == (phase == "online")
    if phase in ("between", "field"):
        assert f"{schedule.field_start:%B} {schedule.field_start.day}, " in html


def _blank(html: str, *values: str) -> str:
    """The page without what was typed (and without the per-session CSRF token)."""
    for value in values:
        html = html.replace(value, "ECHOED")
    return re.sub(r'"X-CSRFToken": "[^"]+"', "TOKEN", html)


def _headers(response) -> list[tuple[str, str]]:
    """Headers apart from timing (seconds to the window's end) and cookie values (random)."""
    timing = {"X-RateLimit-Reset", "Retry-After"}

    def blank(key: str, value: str) -> str:
        if key != "Set-Cookie":
            return value
        if value.startswith("session="):
            return value.split("=")[0]
        # A cookie's expiry is "now + a year": it differs when the responses straddle a second.
        return re.sub(r"Expires=[^;]+; ", "", value)

    return sorted(
        (key, blank(key, value)) for key, value in response.headers.items() if key not in timing
    )


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_unknown_kk_and_nik_not_in_kk_look_the_same(app, client, htmx) -> None:
    made = household(app)
    other = household(app)
    unknown_kk = make_kk("33.16.01")
    unknown_nik = make_nik("33.16.01", "L", datetime(1990, 5, 6).date())
    tries = [
        (unknown_kk, made.niks[0]),  # the KK is not registered (the NIK is)
        (made.kk, unknown_nik),  # the NIK is not registered
        (made.kk, other.niks[0]),  # the NIK is registered, in another household
    ]
    responses = [
        # A fresh client (no language cookie yet) and address (same throttle counts) for each.
        post(app.test_client(), kk, nik, htmx=htmx, addr=f"10.1.0.{i}")
        for i, (kk, nik) in enumerate(tries)
    ]
    pages = [_blank(r.text, kk, nik) for r, (kk, nik) in zip(responses, tries, strict=True)]
    assert "We could not find these two numbers together" in pages[0]
    assert "another person on the same family card" in pages[0]
    assert "/tanya-jawab" in pages[0]
    assert pages[0] == pages[1] == pages[2]
    assert {r.status_code for r in responses} == {200}
    headers = [_headers(r) for r in responses]
    assert headers[0] == headers[1] == headers[2]
    assert not any("Retry-After" in r.headers for r in responses)  # only on 429 and 503


def test_structural_mistakes_are_explained_and_kept(app, client) -> None:
    made = household(app)
    response = post(client, "3316 0109", made.niks[0])
    assert response.status_code == 200
    html = response.text
    assert 'class="error-summary"' in html and 'href="#kk"' in html
    assert html.count("A KK number has 16 digits; you typed 8 digits.") == 2
    assert 'value="3316 0109"' in html and f'value="{made.niks[0]}"' in html
    assert "<title>Error:" in html
    # Typed spaces and dots are fine.
    spaced = f"{made.kk[:4]} {made.kk[4:8]}.{made.kk[8:12]} {made.kk[12:]}"
    assert "has not been counted yet" in post(client, spaced, made.niks[0]).text


def test_swapped_numbers_get_the_identity_message(app, client) -> None:
    made = household(app)
    html = post(client, made.niks[1], made.kk).text  # a woman's NIK in the KK field
    assert "This looks like a NIK, not a KK number" in html


def test_htmx_gets_the_fragment_only(app, client) -> None:
    made = household(app)
    response = post(client, made.kk, made.niks[0], htmx=True)
    assert response.text.startswith('<div id="status-check"')
    assert "<html" not in response.text
    assert "HX-Request" in response.headers["Vary"]
    assert response.headers["Cache-Control"] == "no-store"


def test_a_flood_of_wrong_pairs_meets_a_429(app, client) -> None:
    app.config["LOOKUP_LIMITS"] = "5/minute"
    made = household(app)
    for _ in range(5):
        assert post(client, make_kk("33.16.01"), made.niks[0]).status_code == 200
    response = post(client, make_kk("33.16.01"), made.niks[0], lang="id")
    assert response.status_code == 429
    assert 0 < int(response.headers["Retry-After"]) <= 60
    assert response.headers["Cache-Control"] == "no-store"
    assert "Terlalu banyak" in response.text
    assert f'value="{made.niks[0]}"' in response.text, "what was typed is kept"
    # The right pair is refused too: the throttle says nothing about the numbers.
    assert post(client, made.kk, made.niks[0]).status_code == 429
    # Another address is not affected.
    assert post(client, made.kk, made.niks[0], addr="10.9.9.9").status_code == 200


def test_the_throttle_answers_htmx_with_a_swappable_fragment(app, client) -> None:
    app.config["LOOKUP_LIMITS"] = "1/minute"
    made = household(app)
    post(client, made.kk, made.niks[0], htmx=True)
    response = post(client, made.kk, made.niks[0], htmx=True)
    assert response.status_code == 429
    assert response.headers["HX-Reswap"] == "outerHTML"
    assert response.text.startswith('<div id="status-check"')
    assert "Too many tries" in response.text and "Please try again in 1 minute." in response.text
    assert "Retry-After" in response.headers


def test_failed_pairs_per_kk_are_throttled_from_any_address(app, client) -> None:
    app.config["LOOKUP_FAILS_PER_KK"] = "3/hour"
    made = household(app)
    for i in range(3):
        wrong = make_nik("33.16.01", "P", datetime(1985, 2, 3).date())
        assert post(client, made.kk, wrong, addr=f"10.2.0.{i}").status_code == 200
    response = post(client, made.kk, made.niks[0], addr="10.2.0.99")
    assert response.status_code == 429
    assert "Too many tries" in response.text
    assert 3000 < int(response.headers["Retry-After"]) <= 3600
    minutes = re.search(r"Please try again in (\d+) minutes\.", response.text)
    assert minutes and 50 <= int(minutes.group(1)) <= 60


def test_flood_in_redis(redis_app) -> None:

    redis_app.config["LOOKUP_LIMITS"] = "3/minute"
    client = redis_app.test_client()
    with redis_app.app_context():
        made = add_household(db.session())
    codes = [post(client, make_kk("33.16.01"), made.niks[0]).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    metrics = client.get("/metrics/status").text
    assert 'census_status_check_total{outcome="not_found"} 3' in metrics
    assert 'census_status_check_total{outcome="throttled"} 1' in metrics


def test_region_heading_is_kept_through_the_post(app, client) -> None:
    made = household(app)
    html = client.get("/cek?wilayah=33.16.01.2001&lang=en").text
    assert re.search(
        r'<h2 class="wilayah">[^<]+ <small>Jati, Kabupaten Blora, Jawa Tengah</small>', html
    )
    assert '<input type="hidden" name="wilayah" value="33.16.01.2001">' in html
    answered = post(client, made.kk, made.niks[0], wilayah="33.16.01.2001").text
    assert 'class="wilayah"' in answered and "Kabupaten Blora" in answered


@pytest.mark.parametrize("code", ["99.99", "33.16.01.9999", "<b>x</b>", "3316", "33" * 40])
def test_unknown_regions_are_ignored(client, code) -> None:
    response = client.get("/cek", query_string={"wilayah": code, "lang": "en"})
    assert response.status_code == 200
    assert 'class="wilayah"' not in response.text
    assert 'name="wilayah"' not in response.text


def test_an_expired_form_keeps_the_numbers(app) -> None:
    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client()
    made = household(app)
    response = post(client, made.kk, made.niks[0], csrf_token="stale")
    assert response.status_code == 400
    assert "This form has expired" in response.text
    assert f'value="{made.kk}"' in response.text
    assert 'name="csrf_token"' in response.text, "a fresh token to send again with"
    fragment = post(client, made.kk, made.niks[0], htmx=True)
    assert fragment.status_code == 400 and fragment.headers["HX-Reswap"] == "outerHTML"


def test_logs_and_metrics_hold_outcomes_only(app, client, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    app.config["LOOKUP_FAILS_PER_KK"] = "1/hour"
    households = {status: with_status(app, status) for status in CountStatus}
    typed: list[str] = []

    def check(kk: str, nik: str, addr: str) -> int:
        typed.extend((kk, nik))
        return post(client, kk, nik, addr=addr).status_code

    for i, made in enumerate(households.values()):
        assert check(made.kk, made.niks[1], f"10.3.0.{i}") == 200
    stranger = make_kk("33.16.01")
    assert check(stranger, households[CountStatus.NOT_STARTED].niks[0], "10.3.1.1") == 200
    assert check(stranger, households[CountStatus.NOT_STARTED].niks[1], "10.3.1.2") == 429
    assert check("12345", "67890", "10.3.1.3") == 200

    text = "\n".join(record.getMessage() for record in caplog.records)
    assert text, "the checks were logged"
    for value in typed + NAMES + [re.sub(r"\D", "", v) for v in typed]:
        assert value not in text
    outcomes = re.findall(r"status_check outcome=(\w+)", text)
    assert sorted(outcomes) == sorted(OUTCOMES), "each outcome once"
    metrics = client.get("/metrics/status")
    assert metrics.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    assert "max-age=15" in metrics.headers["Cache-Control"]
    for outcome in set(outcomes):
        assert f'census_status_check_total{{outcome="{outcome}"}} 1' in metrics.text
    assert not any(value in metrics.text for value in typed)


def test_the_throttle_holds_across_two_workers_sharing_redis(
    app, server_factory, redis_url
) -> None:
    import redis

    prefix = f"census-test-workers-{uuid.uuid4().hex[:8]}"
    server = server_factory(
        workers=2, REDIS_URL=redis_url, CENSUS_KEY_PREFIX=prefix, LOOKUP_LIMITS="5/minute"
    )
    made = household(app)
    opener = build_opener(HTTPCookieProcessor(CookieJar()))  # keeps the session cookie (CSRF)
    with opener.open(server.url + "/cek?lang=en", timeout=10) as response:
        page = response.read().decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    codes: list[int] = []
    typed: list[str] = []
    for _ in range(8):
        kk = make_kk("33.16.01")  # a different card each time: only the address throttle bites
        typed.append(kk)
        body = urlencode({"csrf_token": token, "kk": kk, "nik": made.niks[0]}).encode()
        try:  # a new connection each time, so either worker may answer
            with opener.open(server.url + "/cek?lang=en", body, timeout=10) as response:
                codes.append(response.status)
        except HTTPError as error:
            codes.append(error.code)
            assert 0 < int(error.headers["Retry-After"]) <= 60
            assert "Too many tries" in error.read().decode()
    assert codes == [200] * 5 + [429] * 3
    client = redis.Redis.from_url(redis_url)
    try:
        assert list(client.scan_iter(f"*{prefix}*")), "the count lives in Redis"
    finally:
        for key in client.scan_iter(f"*{prefix}*"):
            client.delete(key)
    log = server.log.read_text()
    assert log.count("status_check outcome=not_found") == 5
    assert log.count("status_check outcome=throttled") == 3
    assert not any(value in log for value in [*typed, made.kk, *made.niks])


@pytest.mark.parametrize(
    ("code", "heading"),
    [
        ("33", '<h2 class="wilayah">Jawa Tengah</h2>'),
        ("33.16", '<h2 class="wilayah">Kabupaten Blora <small>Jawa Tengah</small></h2>'),
        ("33.16.01", '<h2 class="wilayah">Jati <small>Kabupaten Blora, Jawa Tengah</small></h2>'),
    ],
)
def test_region_heading_at_every_level(client, code, heading) -> None:
    assert heading in client.get(f"/cek?wilayah={code}").text


def test_the_fragment_serves_an_embed_too(database_url, monkeypatch) -> None:
    """The contract the embeddable version relies on: its own URL, page and link target."""
    from flask import Blueprint
    from flask_wtf.csrf import CSRFError
    from werkzeug.exceptions import TooManyRequests

    from census import create_app
    from census.core.lookup import lookup_limit
    from census.core.security import allow_framing
    from census.status import views as status
    from tests.conftest import clear_data

    embed = Blueprint("embed_test", __name__)

    @embed.route("/embed/cek", methods=["GET", "POST"])
    @allow_framing
    @lookup_limit
    def check():
        return status.serve_check()

    embed.register_error_handler(TooManyRequests, status.on_throttled)
    embed.register_error_handler(CSRFError, status.on_expired)
    monkeypatch.setitem(
        status.PAGES, "embed_test.check", ("status/page.html", {"link_target": "_top"})
    )
    app = create_app(
        {
            "DATABASE_URL": database_url,
            "TESTING": True,
            "WTF_CSRF_ENABLED": False,
            "LOOKUP_LIMITS": "1/minute",
            "KEY_PREFIX": f"census-test-embed-{uuid.uuid4().hex[:6]}",
            "CENSUS_SCHEDULE": schedule_for("online"),
        }
    )
    app.register_blueprint(embed)
    try:
        made = household(app)
        client = app.test_client()
        response = client.post("/embed/cek?lang=en", data={"kk": made.kk, "nik": made.niks[0]})
        assert response.status_code == 200
        assert "frame-ancestors *" in response.headers["Content-Security-Policy"]
        assert response.headers["Cache-Control"] == "no-store"
        assert 'hx-post="/embed/cek?lang=en"' in response.text
        assert re.search(r'href="/isi(\?[^"]*)?" target="_top"', response.text)
        throttled = client.post(
            "/embed/cek?lang=en",
            data={"kk": made.kk, "nik": made.niks[0]},
            headers={"HX-Request": "true"},
        )
        assert throttled.status_code == 429 and "Too many tries" in throttled.text
        assert throttled.headers["HX-Reswap"] == "outerHTML"
    finally:
        clear_data(app)


def test_checks_and_metrics_survive_redis_going_away(database_url) -> None:
    from tests.conftest import clear_data

    app = create_app(
        {
            "DATABASE_URL": database_url,
            "TESTING": True,
            "WTF_CSRF_ENABLED": False,
            "REDIS_URL": "redis://127.0.0.1:1/0",  # nothing listens there
            "RATELIMIT_STORAGE_URI": "memory://",
            "KEY_PREFIX": f"census-test-noredis-{uuid.uuid4().hex[:6]}",
        }
    )
    try:
        made = household(app)
        client = app.test_client()
        response = post(client, made.kk, made.niks[0])
        assert response.status_code == 200 and "has not been counted yet" in response.text
        metrics = client.get("/metrics/status")
        assert metrics.status_code == 503
    finally:
        clear_data(app)
