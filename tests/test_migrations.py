"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from census.core import db
from census.core.db import Base


def test_models_and_migrations_agree(app) -> None:
    with app.app_context(), db.engine().connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={"compare_type": True, "render_as_batch": connection.dialect.name == "sqlite"},
        )
        differences = compare_metadata(context, Base.metadata)
    assert differences == []
