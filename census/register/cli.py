"""``flask census import-register PATH``: the household register from a CSV file.

The work is in ``census.register.service``; this command opens the file, shows progress on the
bytes read, prints each rejected row as ``line N: reason`` and a summary in counts. It never
prints a NIK, a KK number or a name, and exits non-zero when nothing could be imported.
"""

from __future__ import annotations

import os
from collections.abc import Callable

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import Connection
from sqlalchemy.exc import SQLAlchemyError

from census.core import db
from census.core.config import census_today
from census.core.keycheck import verify_configured
from census.core.sealing import SealingError
from census.register.rows import RegisterFileError
from census.register.service import ImportResult, RegisterDatabaseError, import_register


def run_import(
    path: str, *, after_upsert: Callable[[Connection], None] | None = None
) -> ImportResult:
    """Import ``path`` into the current app's database, reporting on the terminal.

    ``after_upsert`` runs inside the import's transaction (see ``import_register``).
    """
    try:
        size = os.path.getsize(path)
    except OSError as exc:
        raise click.ClickException(f"cannot read {path}: {exc.strerror or exc}") from None
    if os.path.isdir(path):
        raise click.ClickException(f"cannot read {path}: it is a directory")

    try:
        verify_configured()
    except SealingError as exc:
        raise click.ClickException(f"{exc}; nothing was imported") from None
    label = "importing " + os.path.basename(path)
    try:
        with click.progressbar(length=size, label=label) as bar:
            reported = []

            def reject(line: int, reason: str) -> None:
                if not reported:  # every row is read by now: end the bar before the report
                    reported.append(True)
                    bar.render_finish()
                    click.echo("rejected rows:")
                click.echo(f"line {line}: {reason}")

            result = import_register(
                path,
                db.engine(),
                current_app.config["IDENTITY_HASH_KEY"],
                census_today(),
                progress=bar.update,
                on_reject=reject,
                after_upsert=after_upsert,
            )
    except OSError as exc:
        raise click.ClickException(f"cannot read {path}: {exc.strerror or exc}") from None
    except (RegisterFileError, RegisterDatabaseError) as exc:
        raise click.ClickException(f"{exc}; nothing was imported") from None
    except SQLAlchemyError as exc:
        raise click.ClickException(
            f"the import failed ({type(exc).__name__}); nothing was imported"
        ) from None
    return result


def summary(result: ImportResult) -> str:
    """The closing line of an import, in counts only."""
    return (
        f"{result.rows} rows read: {result.accepted} in the register, {result.rejected} rejected; "
        f"households {result.households_added} added, {result.households_updated} updated; "
        f"persons {result.members_added} added, {result.members_updated} updated"
    )


@click.command("import-register")
@click.argument("path", type=click.Path(dir_okay=False))
@with_appcontext
def import_register_command(path: str) -> None:
    """Import households and members from a register CSV (see docs/register-import.md)."""
    result = run_import(path)
    click.echo(summary(result))
    if result.rows and result.rejected == result.rows:
        raise click.ClickException("every row was rejected")
