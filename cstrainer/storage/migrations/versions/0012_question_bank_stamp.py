"""covering index for the exam service's question-bank stamp

The exam service keeps the parsed question bank in memory and checks, at every paper it draws,
that the bank has not changed: one aggregate over the questions table (count, max id, sum of
versions, retired count, latest and summed ``updated_at``). This index holds every column that
aggregate reads, so it scans a small index instead of the table with its JSON and search text.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 11:40:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: kept in step with ``Question.__table_args__`` in cstrainer/storage/models.py
NAME = "ix_questions_bank_stamp"
COLUMNS = ("updated_at", "version", "retired", "id")


def upgrade() -> None:
    op.create_index(NAME, "questions", list(COLUMNS))


def downgrade() -> None:
    op.drop_index(NAME, table_name="questions")
