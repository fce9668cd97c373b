"""Setting staff accounts up and signing them in, as a person would (command line, then pages)."""

from __future__ import annotations

import re
import time

import pyotp
from flask import Flask
from flask.testing import FlaskClient

PASSWORD = "a long staff password"
LINK = re.compile(r"/staf/mulai/([A-Za-z0-9_-]+)")
SECRET = re.compile(r'<code id="totp-secret">([A-Z2-7]+)</code>')


def add_account(app: Flask, email: str, role: str, region: str | None = None) -> str:
    """``flask census staff add``; returns the set-up path it printed."""
    args = ["census", "staff", "add", email, "--role", role]
    if region:
        args += ["--region", region]
    result = app.test_cli_runner().invoke(args=args)
    assert result.exit_code == 0, result.output
    match = LINK.search(result.output)
    assert match, result.output
    return match.group(0)


def previous_code(secret: str) -> str:
    """The code of the previous 30-second step (still accepted), so ``now()`` stays unused.

    Taken with at least 8 seconds of the step left: a code of the previous step is refused once
    the next step begins, which a browser filling in the form could otherwise reach first."""
    left = 30 - time.time() % 30
    if left < 8:
        time.sleep(left + 0.1)
    return pyotp.TOTP(secret).at(time.time() - 30)


def set_up(app: Flask, client: FlaskClient, email: str, role: str, region: str | None = None):
    """Create the account, open its link, choose the password and confirm a code: the secret."""
    path = add_account(app, email, role, region)
    page = client.get(path)
    assert page.status_code == 200
    assert "<svg" in page.text  # the QR code, inline
    secret = SECRET.search(page.text).group(1)
    done = client.post(
        path, data={"password": PASSWORD, "confirm": PASSWORD, "code": previous_code(secret)}
    )
    assert done.status_code == 303, done.text
    return secret


def sign_in(client: FlaskClient, email: str, secret: str, code: str | None = None):
    """Sign in with the password and the current code."""
    return client.post(
        "/staf/masuk",
        data={"email": email, "password": PASSWORD, "code": code or pyotp.TOTP(secret).now()},
    )


def staff_client(app: Flask, email: str, role: str, region: str | None = None) -> FlaskClient:
    """A test client signed in to a new account."""
    client = app.test_client()
    secret = set_up(app, client, email, role, region)
    response = sign_in(client, email, secret)
    assert response.status_code == 303, response.text
    return client
