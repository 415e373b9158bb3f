"""compliance rules in the database; full-text word search over phrases (FTS5 / tsvector)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 06:10:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_FTS_TABLES = ("phrases", "personal_phrases")


def upgrade() -> None:
    op.create_table(
        "compliance_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("word", sa.Text(), nullable=True),
        sa.Column("pattern", sa.Text(), nullable=True),
        sa.Column("rule", sa.String(length=40), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("exceptions", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_compliance_rules")),
    )
    with op.batch_alter_table("compliance_rules", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_compliance_rules_position"), ["position"], unique=False)
        batch_op.create_index(batch_op.f("ix_compliance_rules_rule"), ["rule"], unique=False)
        batch_op.create_index(batch_op.f("ix_compliance_rules_updated_at"), ["updated_at"], unique=False)

    dialect = op.get_bind().dialect.name
    for table in _FTS_TABLES:
        if dialect == "sqlite":
            _sqlite_fts(table)
        elif dialect == "postgresql":
            for col in ("search", "initials"):
                source = "search_text" if col == "search" else col
                op.execute(
                    f"CREATE INDEX ix_{table}_{col}_tsv ON {table} "
                    f"USING gin (to_tsvector('simple'::regconfig, {source}))"
                )


def _sqlite_fts(table: str) -> None:
    fts = f"{table}_fts"
    op.execute(
        f"CREATE VIRTUAL TABLE {fts} USING fts5(search_text, initials, content='{table}', content_rowid='id')"
    )
    op.execute(
        f"CREATE TRIGGER {fts}_ai AFTER INSERT ON {table} BEGIN "
        f"INSERT INTO {fts}(rowid, search_text, initials) VALUES (new.id, new.search_text, new.initials); END"
    )
    op.execute(
        f"CREATE TRIGGER {fts}_ad AFTER DELETE ON {table} BEGIN "
        f"INSERT INTO {fts}({fts}, rowid, search_text, initials) "
        f"VALUES ('delete', old.id, old.search_text, old.initials); END"
    )
    op.execute(
        f"CREATE TRIGGER {fts}_au AFTER UPDATE OF search_text, initials ON {table} BEGIN "
        f"INSERT INTO {fts}({fts}, rowid, search_text, initials) "
        f"VALUES ('delete', old.id, old.search_text, old.initials); "
        f"INSERT INTO {fts}(rowid, search_text, initials) VALUES (new.id, new.search_text, new.initials); END"
    )
    op.execute(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')")


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for table in _FTS_TABLES:
        if dialect == "sqlite":
            for suffix in ("ai", "ad", "au"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_fts_{suffix}")
            op.execute(f"DROP TABLE IF EXISTS {table}_fts")
        elif dialect == "postgresql":
            op.execute(f"DROP INDEX IF EXISTS ix_{table}_search_tsv")
            op.execute(f"DROP INDEX IF EXISTS ix_{table}_initials_tsv")
    with op.batch_alter_table("compliance_rules", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_compliance_rules_updated_at"))
        batch_op.drop_index(batch_op.f("ix_compliance_rules_rule"))
        batch_op.drop_index(batch_op.f("ix_compliance_rules_position"))
    op.drop_table("compliance_rules")
