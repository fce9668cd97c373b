"""Alembic environment: the URL and connection come from the application.

``flask census migrate`` passes its open connection in ``config.attributes``; running
``alembic upgrade head`` directly builds the application from the environment instead. SQLite
needs batch mode to alter tables.
"""

from __future__ import annotations

from logging.config import fileConfig

from alembic import context
from sqlalchemy import Connection

from census.core import key_models, local_models, models, visit_models  # noqa: F401 - registers the tables on the metadata
from census.core.db import Base, make_engine

config = context.config
if config.config_file_name and not config.attributes.get("connection"):
    fileConfig(config.config_file_name, disable_existing_loggers=False)


def run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def main() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        run(connection)
        return
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        from census import create_app

        url = create_app().config["DATABASE_URL"]
    with make_engine(url).connect() as connection:
        run(connection)
        connection.commit()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; run them against a database")
main()
