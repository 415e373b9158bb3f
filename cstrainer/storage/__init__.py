"""Storage: the schema, the engine factory, migrations, backup and restore."""

from __future__ import annotations

from cstrainer.storage.database import (
    Database,
    DatabaseError,
    DatabaseTooNewError,
    head_revision,
    integrity_check,
    open_database,
    resolve_url,
)

__all__ = [
    "Database",
    "DatabaseError",
    "DatabaseTooNewError",
    "head_revision",
    "integrity_check",
    "open_database",
    "resolve_url",
]
