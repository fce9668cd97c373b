"""Staff accounts: set-up from the command line, sign-in with a TOTP code, bad input, audit."""

from __future__ import annotations

import time
from datetime import timedelta

import pyotp
from sqlalchemy import select, update

from census.core import db
from census.core.local_models import AuditEntry, StaffAccount, StaffSession
from census.core.models import utcnow
from census.staff.auth import token_hash
from tests.staff_helpers import (
    LINK,
    PASSWORD,
    SECRET,
    add_account,
    previous_code,
    set_up,
    sign_in,
    staff_client,
)


def audit_actions(app) -> list[tuple[str, str, str]]:
    with app.app_context():
        rows = db.session().scalars(select(AuditEntry).order_by(AuditEntry.id))
        return [(e.actor, e.action, e.source) for e in rows]


def test_national_and_regency_accounts_set_up_from_the_command_line_and_sign_in(app) -> None:
    national = app.test_client()
    regency = app.test_client()
    n_secret = set_up(app, national, "pusat@bps.go.id", "national")
    r_secret = set_up(app, regency, "blora@blora.go.id", "region", "33.16")
    assert sign_in(national, "pusat@bps.go.id", n_secret).status_code == 303
    assert sign_in(regency, "blora@blora.go.id", r_secret).status_code == 303
    home = regency.get("/staf?lang=en")
    assert "Kabupaten Blora (33.16)" in home.text
    assert "pusat@bps.go.id" not in home.text
    assert "Audit log" in national.get("/staf?lang=en").text
    picked = national.get("/staf?code=33.16")
    assert picked.status_code == 303 and picked.headers["Location"].endswith("/staf/wilayah/33.16")
    assert "There is no region with this code." in national.get("/staf?code=99&lang=en").text
    with app.app_context():
        account = db.session().scalar(
            select(StaffAccount).where(StaffAccount.email == "blora@blora.go.id")
        )
        assert account.password_hash.startswith("$argon2id$")
        assert account.setup_hash is None
        # The session cookie holds a random id; the table holds only its hash.
        cookie = regency.get_cookie("staf", path="/staf").value
        ids = list(db.session().scalars(select(StaffSession.id_hash)))
        assert token_hash(cookie) in ids and cookie.encode() not in ids
    actions = audit_actions(app)
    assert ("command line", "staff.add", "command line") in actions
    assert ("blora@blora.go.id", "staff.sign_in", "127.0.0.1") in actions


def test_a_wrong_password_and_a_wrong_code_are_refused_next_to_their_field(app) -> None:
    client = app.test_client()
    secret = set_up(app, client, "a@bps.go.id", "national")
    wrong = client.post(
        "/staf/masuk?lang=en",
        data={"email": "a@bps.go.id", "password": "not it", "code": pyotp.TOTP(secret).now()},
    )
    assert wrong.status_code == 200
    assert "There is a problem" in wrong.text
    assert 'href="#password"' in wrong.text
    assert "The email address or the password is not right." in wrong.text
    bad_code = client.post(
        "/staf/masuk?lang=id", data={"email": "a@bps.go.id", "password": PASSWORD, "code": "000000"}
    )
    assert 'href="#code"' in bad_code.text
    assert "Kode ini tidak benar" in bad_code.text
    unknown = client.post(
        "/staf/masuk?lang=en", data={"email": "b@bps.go.id", "password": PASSWORD, "code": "1"}
    )
    assert "The email address or the password is not right." in unknown.text
    assert client.get("/staf").status_code == 303  # still signed out


def test_a_totp_code_cannot_be_used_twice(app) -> None:
    client = app.test_client()
    secret = set_up(app, client, "a@bps.go.id", "national")
    code = pyotp.TOTP(secret).now()
    assert sign_in(client, "a@bps.go.id", secret, code).status_code == 303
    client.post("/staf/keluar")
    again = app.test_client().post(
        "/staf/masuk?lang=en", data={"email": "a@bps.go.id", "password": PASSWORD, "code": code}
    )
    assert again.status_code == 200
    assert "This code was already used" in again.text
    # The set-up code was used too: it cannot sign in either.
    older = app.test_client().post(
        "/staf/masuk?lang=en",
        data={"email": "a@bps.go.id", "password": PASSWORD, "code": previous_code(secret)},
    )
    assert "already used" in older.text or "not right" in older.text


def test_an_expired_set_up_link_is_refused(app) -> None:
    path = add_account(app, "late@bps.go.id", "national")
    with app.app_context():
        db.session().execute(
            update(StaffAccount).values(setup_expires_at=utcnow() - timedelta(minutes=1))
        )
        db.session().commit()
    page = app.test_client().get(path + "?lang=en")
    assert page.status_code == 410
    assert "This set-up link has expired" in page.text
    assert app.test_client().get("/staf/mulai/not-a-token").status_code == 404


def test_set_up_checks_the_password_and_the_code(app) -> None:
    path = add_account(app, "new@bps.go.id", "national")
    client = app.test_client()
    short = client.post(path + "?lang=en", data={"password": "short", "confirm": "x", "code": "1"})
    assert "Choose a password of at least 12 characters." in short.text
    assert "The two passwords are not the same." in short.text
    wrong = client.post(
        path + "?lang=en", data={"password": PASSWORD, "confirm": PASSWORD, "code": "123456"}
    )
    assert "This code is not right." in wrong.text
    with app.app_context():
        account = db.session().scalar(select(StaffAccount))
        assert account.password_hash is None  # nothing half-saved


def test_the_command_refuses_a_region_that_does_not_exist_and_a_second_account(app) -> None:
    runner = app.test_cli_runner()
    missing = runner.invoke(
        args=["census", "staff", "add", "x@y.go.id", "--role", "region", "--region", "33.99"]
    )
    assert missing.exit_code != 0 and "There is no region with this code." in missing.output
    add_account(app, "x@y.go.id", "national")
    twice = runner.invoke(args=["census", "staff", "add", "X@y.go.id", "--role", "national"])
    assert twice.exit_code != 0 and "already an account" in twice.output


def test_sessions_end_when_idle_and_on_sign_out_everywhere(app) -> None:
    first = staff_client(app, "a@bps.go.id", "national")
    assert first.get("/staf").status_code == 200
    with app.app_context():
        db.session().execute(
            update(StaffSession).values(last_seen_at=utcnow() - timedelta(minutes=31))
        )
        db.session().commit()
    assert first.get("/staf").status_code == 303
    with app.app_context():
        assert db.session().scalar(select(StaffSession)) is None


def test_sign_out_everywhere_ends_every_browser(app) -> None:
    one = app.test_client()
    secret = set_up(app, one, "a@bps.go.id", "national")
    now = time.time()  # each code works once: two browsers need two steps' codes
    assert sign_in(one, "a@bps.go.id", secret, pyotp.TOTP(secret).at(now)).status_code == 303
    two = app.test_client()
    assert sign_in(two, "a@bps.go.id", secret, pyotp.TOTP(secret).at(now + 30)).status_code == 303
    assert one.get("/staf").status_code == 200 and two.get("/staf").status_code == 200
    assert two.post("/staf/keluar-semua").status_code == 303
    assert one.get("/staf").status_code == 303
    assert two.get("/staf").status_code == 303
    assert ("a@bps.go.id", "staff.sign_out_everywhere", "127.0.0.1") in audit_actions(app)


def test_staff_pages_are_never_stored_nor_framed(app) -> None:
    client = staff_client(app, "a@bps.go.id", "national")
    for path in ("/staf", "/staf/masuk", "/staf/audit", "/staf/jadwal", "/staf/wilayah/33.16"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["Cache-Control"] == "no-store", path
        assert response.headers["X-Frame-Options"] == "DENY", path
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"], path


def test_sign_in_is_throttled_per_account(app) -> None:
    app.config["STAFF_FAILS_PER_ACCOUNT"] = "3/hour"
    add_account(app, "a@bps.go.id", "national")
    codes = []
    for i in range(4):
        client = app.test_client()
        response = client.post(
            "/staf/masuk",
            data={"email": "a@bps.go.id", "password": "wrong", "code": "123456"},
            environ_base={"REMOTE_ADDR": f"10.9.0.{i}"},
        )
        codes.append(response.status_code)
    assert codes == [200, 200, 200, 429]


def test_a_disabled_account_is_signed_out_and_cannot_sign_in(app) -> None:
    client = app.test_client()
    secret = set_up(app, client, "gone@bps.go.id", "national")
    assert sign_in(client, "gone@bps.go.id", secret).status_code == 303
    result = app.test_cli_runner().invoke(args=["census", "staff", "disable", "gone@bps.go.id"])
    assert result.exit_code == 0 and "1 sessions ended" in result.output
    assert client.get("/staf").status_code == 303
    again = app.test_client().post(
        "/staf/masuk?lang=en",
        data={"email": "gone@bps.go.id", "password": PASSWORD, "code": previous_code(secret)},
    )
    assert "The email address or the password is not right." in again.text
    unknown = app.test_cli_runner().invoke(args=["census", "staff", "disable", "x@y.go.id"])
    assert unknown.exit_code != 0


def test_staff_pages_fit_in_14_kb_in_both_languages(app) -> None:
    from tests.browser_fixtures import gzipped_size

    path = add_account(app, "new@bps.go.id", "national")
    client = app.test_client()
    for lang in ("id", "en"):
        setup = client.get(f"{path}?lang={lang}")
        assert setup.status_code == 200
        assert gzipped_size(setup.data) <= 14 * 1024
    staff = staff_client(app, "blora@blora.go.id", "region", "33.16")
    for lang in ("id", "en"):
        for page in ("/staf", "/staf/wilayah/33.16", "/staf/wilayah/33.16.01"):
            response = staff.get(f"{page}?lang={lang}")
            assert response.status_code == 200
            assert gzipped_size(response.data) <= 14 * 1024, page


def test_sign_in_is_throttled_per_address(app) -> None:
    app.config["STAFF_SIGNIN_LIMITS"] = "3/minute"
    client = app.test_client()
    codes = [
        client.post(
            "/staf/masuk",
            data={"email": f"u{i}@bps.go.id", "password": "wrong", "code": "123456"},
        ).status_code
        for i in range(4)
    ]
    assert codes == [200, 200, 200, 429]
    assert client.get("/staf/masuk").status_code == 200  # reading the page is not a try


def test_a_reset_gives_a_new_set_up_link_and_ends_the_old_key(app) -> None:
    client = app.test_client()
    old_secret = set_up(app, client, "lost@bps.go.id", "national")
    assert sign_in(client, "lost@bps.go.id", old_secret).status_code == 303
    result = app.test_cli_runner().invoke(args=["census", "staff", "reset", "lost@bps.go.id"])
    assert result.exit_code == 0 and "/staf/mulai/" in result.output
    assert client.get("/staf").status_code == 303  # signed out
    path = LINK.search(result.output).group(0)
    fresh = app.test_client()
    page = fresh.get(path)
    assert page.status_code == 200 and old_secret not in page.text
    new_secret = SECRET.search(page.text).group(1)
    code = previous_code(new_secret)
    done = fresh.post(path, data={"password": PASSWORD, "confirm": PASSWORD, "code": code})
    assert done.status_code == 303
    assert sign_in(fresh, "lost@bps.go.id", new_secret).status_code == 303
    assert ("command line", "staff.reset", "command line") in audit_actions(app)


def test_the_set_up_link_points_at_make_runs_address_unless_site_url_says(app) -> None:
    runner = app.test_cli_runner()
    app.config["SITE_URL"] = ""
    printed = runner.invoke(args=["census", "staff", "add", "a@blora.go.id", "--role", "national"])
    assert "http://127.0.0.1:8000/staf/mulai/" in printed.output and "SITE_URL" in printed.output
    app.config["SITE_URL"] = "https://sensus.blorakab.go.id"
    printed = runner.invoke(args=["census", "staff", "add", "b@blora.go.id", "--role", "national"])
    assert "https://sensus.blorakab.go.id/staf/mulai/" in printed.output
