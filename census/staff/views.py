"""Signing in and out at ``/staf``, and setting up an account from its one-time link."""

from __future__ import annotations

import segno
from flask import Response, abort, redirect, request, url_for
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import select
from werkzeug.wrappers import Response as WResponse

from census.core import db
from census.core.local_models import StaffAccount
from census.core.models import RegionLevel, utcnow
from census.core.regions import get_region
from census.core.render import render
from census.staff import audit, auth, bp
from census.staff.forms import RegionPickForm, SetupForm, SignInForm


def _see_other(endpoint: str, **values: object) -> WResponse:
    return redirect(url_for(endpoint, **values), 303)


@bp.route("/masuk", methods=["GET", "POST"])
@auth.signin_limit
def sign_in() -> Response | WResponse:
    """Email, password and the authenticator app's code."""
    form = SignInForm()
    if form.validate_on_submit():
        auth.take_account_try(form.email.data)
        session = db.session()
        account = auth.find_account(session, form.email.data)
        password_ok = auth.password_matches(
            account.password_hash if account else None, form.password.data
        )
        if account is None or not password_ok or not account.totp_secret:
            form.password.errors = [_("The email address or the password is not right.")]
        else:
            outcome, step = auth.totp_check(
                account.totp_secret, form.code.data, account.totp_last_step
            )
            if outcome == "used":
                form.code.errors = [
                    _("This code was already used. Wait for the next code and type it.")
                ]
            elif outcome != "ok":
                form.code.errors = [
                    _("This code is not right. Type the 6 digits your app shows now.")
                ]
            else:
                account.totp_last_step = step
                auth.start_session(session, account)
                audit.record(session, account.email, "staff.sign_in")
                session.commit()
                auth.clear_account_tries(form.email.data)
                return _see_other("staff.home")
    return render("staff/sign_in.html", form=form, ready=request.args.get("siap") == "1")


@bp.post("/keluar")
@auth.staff_view()
def sign_out() -> WResponse:
    """End this browser's session."""
    account = auth.current_account()
    assert account is not None
    session = db.session()
    audit.record(session, account.email, "staff.sign_out")
    session.commit()
    auth.end_session()
    return _see_other("staff.sign_in")


@bp.post("/keluar-semua")
@auth.staff_view()
def sign_out_everywhere() -> WResponse:
    """End every session of this account, in every browser."""
    account = auth.current_account()
    assert account is not None
    session = db.session()
    ended = auth.end_all_sessions(session, account)
    audit.record(session, account.email, "staff.sign_out_everywhere", "", f"{ended} sessions")
    session.commit()
    return _see_other("staff.sign_in")


@bp.get("")
@auth.staff_view()
def home() -> Response | WResponse:
    """What this account may do; national staff pick any region by its code."""
    account = auth.current_account()
    assert account is not None
    pick = RegionPickForm(request.args)
    if request.args.get("code"):
        code = (pick.code.data or "").strip()
        found = get_region(db.session(), code)
        if found is not None and found.level <= RegionLevel.DISTRICT:
            return _see_other("staff.region", code=code)
        pick.code.errors = [_("There is no region with this code.")]
    region = get_region(db.session(), account.region_code) if account.region_code else None
    return render("staff/home.html", account=account, region=region, pick=pick)


# --- set-up --------------------------------------------------------------------------------------


def _setup_account(token: str) -> tuple[StaffAccount | None, bool]:
    """The account a set-up token opens, and whether the link has expired."""
    account = db.session().scalar(
        select(StaffAccount).where(StaffAccount.setup_hash == auth.token_hash(token[:100]))
    )
    if account is None:
        return None, False
    expires = account.setup_expires_at
    return account, expires is None or auth.as_utc(expires) < utcnow()


def _qr(uri: str) -> Markup:
    svg = segno.make(uri, error="m").svg_inline(scale=4, title=_("QR code for your app"))
    return Markup(svg)


@bp.route("/mulai/<token>", methods=["GET", "POST"])
@auth.signin_limit
def setup(token: str) -> Response | WResponse:
    """Choose a password and add the TOTP key to an authenticator app, once."""
    account, expired = _setup_account(token)
    if account is None:
        abort(404)
    if expired:
        return render("staff/setup_expired.html", status=410)
    form = SetupForm()
    if form.validate_on_submit():
        assert account.totp_secret is not None
        outcome, step = auth.totp_check(account.totp_secret, form.code.data, None)
        if outcome != "ok":
            form.code.errors = [_("This code is not right. Type the 6 digits your app shows now.")]
        else:
            session = db.session()
            account.password_hash = auth.hash_password(form.password.data)
            account.totp_last_step = step
            account.setup_hash = None
            account.setup_expires_at = None
            audit.record(session, account.email, "staff.setup")
            session.commit()
            return _see_other("staff.sign_in", siap=1)
    return render(
        "staff/setup.html",
        form=form,
        account=account,
        qr=_qr(auth.totp_uri(account)),
        secret=account.totp_secret,
        headers={"Referrer-Policy": "no-referrer"},
    )
