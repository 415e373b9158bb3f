"""Alembic environment. Run programmatically by cstrainer.storage.database (no alembic.ini).

``render_as_batch=True`` lets ALTER TABLE work on SQLite by copying the table.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from cstrainer.storage.models import Base

target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    config = context.config
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
        # Only used when generating a revision from part of the schema.
        include_object=config.attributes.get("include_object"),
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations() -> None:
    config = context.config
    connection = config.attributes.get("connection")
    if connection is None:  # pragma: no cover - only when someone runs alembic by hand
        from cstrainer.storage.engine import make_engine

        engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
        with engine.connect() as conn:
            _run(conn)
    else:
        _run(connection)


# Alembic runs this file inside its migration context. Imported anywhere else (a check that walks
# the package, say) there is no context and nothing to do.
if getattr(context, "config", None) is not None:
    run_migrations()
