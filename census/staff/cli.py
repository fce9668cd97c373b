"""``flask census`` commands for staff work: accounts, targets, notices, phases, help points.

Each change is written to the audit log as made from the "command line". A refused change exits
non-zero with its reason in English and writes nothing.
"""

from __future__ import annotations

from datetime import date

import click
from flask import current_app
from flask.cli import with_appcontext

from census.core import db
from census.core.local_models import PHASE_KEYS
from census.staff import service
from census.staff.audit import COMMAND_LINE
from census.staff.helppoints import HelpPointFileError, import_help_points


def _refused(error: service.ChangeRefused) -> click.ClickException:
    db.session().rollback()
    with current_app.test_request_context("/?lang=en"):  # the reason, in English
        return click.ClickException(f"{error.field}: {error.message}")


def _date(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("write the date as YYYY-MM-DD") from None


@click.group("staff")
def staff_group() -> None:
    """Staff accounts of local governments and BPS offices."""


@staff_group.command("add")
@click.argument("email")
@click.option("--role", type=click.Choice(["national", "region"]), required=True)
@click.option("--region", "region_code", help="Region code for a region account, e.g. 33.16.")
@with_appcontext
def add_command(email: str, role: str, region_code: str | None) -> None:
    """Create an account and print its one-time set-up link (valid 24 hours)."""
    try:
        token = service.add_account(db.session(), COMMAND_LINE, email, role, region_code)
    except service.ChangeRefused as error:
        raise _refused(error) from None
    click.echo(_link(token))


#: Where ``make run`` serves the site, for a link printed without ``SITE_URL``.
LOCAL_SITE = "http://127.0.0.1:8000"


def _link(token: str) -> str:
    base = current_app.config.get("SITE_URL")
    link = f"set-up link (valid 24 hours, works once): {base or LOCAL_SITE}/staf/mulai/{token}"
    if not base:
        link += "\n(the address of `make run`; set SITE_URL to print the site's own address)"
    return link


@staff_group.command("reset")
@click.argument("email")
@with_appcontext
def reset_command(email: str) -> None:
    """Print a new set-up link (new password and TOTP key); ends the account's sessions."""
    try:
        token = service.reset_account(db.session(), COMMAND_LINE, email)
    except service.ChangeRefused as error:
        raise _refused(error) from None
    click.echo(_link(token))


@staff_group.command("disable")
@click.argument("email")
@with_appcontext
def disable_command(email: str) -> None:
    """Stop an account from signing in and end all its sessions."""
    try:
        ended = service.disable_account(db.session(), COMMAND_LINE, email)
    except service.ChangeRefused as error:
        raise _refused(error) from None
    click.echo(f"account disabled, {ended} sessions ended")


@click.command("set-target")
@click.argument("code")
@click.argument("percent", type=int)
@with_appcontext
def set_target_command(code: str, percent: int) -> None:
    """Give a province, regency/city or district its own online target (1-100)."""
    try:
        service.set_target(db.session(), COMMAND_LINE, code, percent)
    except service.ChangeRefused as error:
        raise _refused(error) from None
    click.echo(f"target of {code} set to {percent}%")


@click.command("announce")
@click.argument("text_id")
@click.option("--en", "text_en", help="The notice in English.")
@click.option("--region", "region_code", help="Only for this region (default: the country).")
@click.option("--until", help="Last day shown, YYYY-MM-DD.")
@with_appcontext
def announce_command(
    text_id: str, text_en: str | None, region_code: str | None, until: str | None
) -> None:
    """Post a notice (Indonesian text, English optional), from today."""
    try:
        notice = service.add_announcement(
            db.session(),
            COMMAND_LINE,
            text_id,
            text_en=text_en,
            region_code=region_code,
            ends_on=_date(until),
        )
    except service.ChangeRefused as error:
        raise _refused(error) from None
    click.echo(f"notice {notice.id} posted")


@click.command("set-phase")
@click.argument("phase", type=click.Choice([k.replace("_", "-") for k in PHASE_KEYS]))
@click.argument("day")
@with_appcontext
def set_phase_command(phase: str, day: str) -> None:
    """Move a phase date: online-start, online-end, field-start or field-end."""
    new_date = _date(day)
    assert new_date is not None
    try:
        change = service.set_phase(db.session(), COMMAND_LINE, phase.replace("-", "_"), new_date)
    except service.ChangeRefused as error:
        raise _refused(error) from None
    click.echo(f"{phase} moved from {change.old_date.isoformat()} to {new_date.isoformat()}")


@click.command("import-help-points")
@click.argument("path", type=click.Path(dir_okay=False))
@with_appcontext
def import_help_points_command(path: str) -> None:
    """Add help points from a CSV file (village_code,name,address,hours,phone)."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        raise click.ClickException(f"cannot read {path}: {exc.strerror or exc}") from None
    session = db.session()
    try:
        result = import_help_points(session, data, COMMAND_LINE)
    except HelpPointFileError as exc:
        session.rollback()
        raise click.ClickException(f"{exc}; nothing was imported") from None
    if result.rejected:
        click.echo("rejected rows:")
        for line, reason in result.rejected:
            click.echo(f"line {line}: {reason}")
    click.echo(f"{result.rows} rows read: {result.added} added, {len(result.rejected)} rejected")
    if result.rows and not result.added:
        raise click.ClickException("every row was rejected")


COMMANDS = (
    staff_group,
    set_target_command,
    announce_command,
    set_phase_command,
    import_help_points_command,
)
