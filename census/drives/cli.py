"""``flask census drive create``: a drive from the command line, audited as "command line"."""

from __future__ import annotations

from datetime import date, timedelta

import click
from flask import current_app
from flask.cli import with_appcontext

from census.core import db
from census.core.config import census_today
from census.drives import service
from census.drives.agencies import AgencyFileError, decode
from census.staff.audit import COMMAND_LINE


def _day(value: str | None, default: date) -> date:
    if value is None:
        return default
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("write the date as YYYY-MM-DD") from None


@click.group("drive")
def drive_group() -> None:
    """Participation drives of government employees."""


@drive_group.command("create")
@click.argument("slug")
@click.option("--name", required=True, help="The drive's name.")
@click.option(
    "--region", "region_code", required=True, help="Province or regency code, e.g. 33.16."
)
@click.option("--target", type=int, required=True, help="Target, percent of employees (1-100).")
@click.option(
    "--agencies",
    "path",
    required=True,
    type=click.Path(dir_okay=False),
    help="CSV file: agency,headcount.",
)
@click.option("--start", help="First day, YYYY-MM-DD (default today).")
@click.option("--end", help="Last day, YYYY-MM-DD (default 30 days after the first).")
@with_appcontext
def create_command(
    slug: str,
    name: str,
    region_code: str,
    target: int,
    path: str,
    start: str | None,
    end: str | None,
) -> None:
    """Create a drive with its agencies; every agency line must pass."""
    first = _day(start, census_today())
    last = _day(end, first + timedelta(days=30))
    session = db.session()
    try:
        with open(path, "rb") as handle:
            text = decode(handle.read())
        drive = service.create(
            session,
            COMMAND_LINE,
            slug=slug,
            name=name,
            region_code=region_code,
            starts_on=first,
            ends_on=last,
            target=target,
            agencies=text,
        )
    except OSError as exc:
        raise click.ClickException(f"cannot read {path}: {exc.strerror or exc}") from None
    except (service.DriveRefused, AgencyFileError) as error:
        session.rollback()
        with current_app.test_request_context("/?lang=en"):  # the reasons, in English
            if isinstance(error, AgencyFileError):
                raise click.ClickException(f"{error}; nothing was created") from None
            for line, reason in error.rejected:
                click.echo(f"line {line}: {reason}", err=True)
            raise click.ClickException(f"{error.field}: {error.message}") from None
    click.echo(
        f"drive {drive.slug} created with {len(drive.agencies)} agencies: /kampanye/{drive.slug}"
    )


COMMANDS = (drive_group,)
