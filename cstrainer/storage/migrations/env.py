"""Alembic environment. Run programmatically by cstrainer.storage.database (no alembic.ini).

``render_as_batch=True`` lets ALTER TABLE work on SQLite by copying the table.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from cstrainer.storage.models import Base

config = context.config
target_metadata = Base.metadata


def _run(connection: Connection) -> None:
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


connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - only when someone runs alembic by hand
    from cstrainer.storage.engine import make_engine

    engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as conn:
        _run(conn)
else:
    _run(connection)
