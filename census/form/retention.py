"""Keeping no more than needed: the household PINs are forgotten once the census is over.

A PIN protects answers while they can still be read or changed online. After the field phase it
has no use, and a table of password hashes is a liability: ``flask form forget-pins`` blanks them
(an empty hash matches no PIN). The answers themselves stay until census processing ends; deleting
a household's ``form_response`` row removes them.
"""

from __future__ import annotations

import click
from sqlalchemy import update

from census.core import db, settings
from census.core.config import census_today
from census.core.models import FormResponse
from census.form import bp


def forget_pins() -> int:
    """Blank every stored PIN hash; returns how many were blanked."""
    session = db.session()
    result = session.execute(
        update(FormResponse).where(FormResponse.pin_hash != "").values(pin_hash="")
    )
    session.commit()
    return result.rowcount


@bp.cli.command("forget-pins")
@click.option("--force", is_flag=True, help="Run even though the field phase is not over.")
def forget_pins_command(force: bool) -> None:
    """Delete every household's PIN hash once the field phase is over."""
    phase = settings.effective_schedule().phase(census_today())
    if phase != "after" and not force:
        raise click.ClickException(
            f"the census is in its '{phase}' phase; PINs are still needed (use --force to override)"
        )
    click.echo(f"{forget_pins()} PIN hashes deleted")
