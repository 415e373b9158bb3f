"""covering indexes for the dashboards (period scans of attempts, their items and role-play sessions)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 07:20:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: name -> (table, columns); kept in step with the ``__table_args__`` of the models
INDEXES: dict[str, tuple[str, tuple[str, ...]]] = {
    "ix_attempts_dashboard": ("attempts", ("status", "submitted_at", "user_id", "percent", "passed")),
    "ix_attempt_items_dashboard": (
        "attempt_items",
        ("attempt_id", "question_id", "correct", "score", "points"),
    ),
    "ix_roleplay_sessions_dashboard": (
        "roleplay_sessions",
        ("status", "started_at", "user_id", "draft", "score", "success", "avg_reply_seconds"),
    ),
}


def upgrade() -> None:
    for name, (table, columns) in INDEXES.items():
        op.create_index(name, table, list(columns))


def downgrade() -> None:
    for name, (table, _) in INDEXES.items():
        op.drop_index(name, table_name=table)
