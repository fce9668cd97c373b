"""The ``flask census`` command group: schema, regions, register and demo data.

Commands exit non-zero with a one-line reason on a missing file, a wrong header or an unreachable
database; they never print a NIK, a KK number or a name.
"""

from __future__ import annotations

from pathlib import Path

import click
from alembic import command
from alembic.config import Config
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from census.core import db
from census.core.keycheck import verify_configured
from census.core.regions import load_regions, region_count
from census.core.rekey import rotate
from census.core.sealing import SealingError, keyring

ROOT = Path(__file__).resolve().parent.parent
census_cli = AppGroup("census", help="Manage the census database.")


def alembic_config() -> Config:
    """Alembic's configuration for the current application's database."""
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.set_main_option("sqlalchemy.url", current_app.config["DATABASE_URL"])
    return config


def upgrade_database() -> None:
    """Bring the schema to the newest migration."""
    with db.engine().begin() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def fail(message: str) -> None:
    """Stop the command with ``message`` and exit status 1."""
    raise click.ClickException(message)


@census_cli.command("migrate")
def migrate_command() -> None:
    """Create or upgrade the database schema."""
    try:
        upgrade_database()
    except OperationalError as exc:
        fail(f"cannot reach the database: {type(exc.orig).__name__}")
    click.echo("database schema is up to date")


@census_cli.command("load-regions")
def load_regions_command() -> None:
    """Load the Kemendagri province, regency, district and village codes."""
    try:
        count = load_regions(db.session())
    except OperationalError as exc:
        fail(f"cannot reach the database: {type(exc.orig).__name__}")
    except SQLAlchemyError as exc:
        fail(f"loading regions failed ({type(exc).__name__}); run 'flask census migrate' first?")
    click.echo(f"{count} regions loaded")


@census_cli.command("setup")
@click.option("--demo-households", default=300, show_default=True, help="Demo households to add.")
@click.option("--demo-region", default="33.16", show_default=True, help="Region for demo data.")
@click.pass_context
def setup_command(ctx: click.Context, demo_households: int, demo_region: str) -> None:
    """Migrate, load regions when absent, and add demo data to an empty register."""
    ctx.invoke(migrate_command)
    if region_count(db.session()) == 0:
        ctx.invoke(load_regions_command)
    from census.register.demo import register_is_empty

    empty = register_is_empty(db.session())
    db.session().rollback()  # end this read: a first load takes the register for itself
    if empty:
        from census.register.demo import demo_data_command

        ctx.invoke(demo_data_command, households=demo_households, region=demo_region)


@census_cli.command("rotate-data-key")
def rotate_data_key_command() -> None:
    """Seal every name, birth date and answer again with the first key in DATA_KEYS."""
    keys = keyring()
    try:
        verify_configured()
        done = rotate(db.engine(), keys)
    except OperationalError as exc:
        fail(f"cannot reach the database: {type(exc.orig).__name__}")
    except SealingError as exc:
        fail(f"{exc}; list every key still in use in DATA_KEYS")
    click.echo(
        f"sealed again with key {keys.current_id}: {done.members} members, "
        f"{done.answers} answers, {done.held} held inputs"
    )
    if done.left:
        fail(
            f"{done.left} values are still under an older key (saved meanwhile): make sure every"
            " app server has the new key first, then run the command again"
        )
    click.echo("no value is left under an older key: the old key may be dropped")


def init_app(app: Flask) -> None:
    """Register the command group and the commands other modules contribute."""
    from census.drives import cli as drives
    from census.register import cli as register
    from census.register import demo as demo_data
    from census.staff import cli as staff

    census_cli.add_command(register.import_register_command)
    census_cli.add_command(demo_data.demo_data_command)
    for staff_command in staff.COMMANDS:
        census_cli.add_command(staff_command)
    for drive_command in drives.COMMANDS:
        census_cli.add_command(drive_command)
    app.cli.add_command(census_cli)
