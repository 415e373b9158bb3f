"""role-play: sessions, messages, comments

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06 03:14:49.048863
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "roleplay_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("scenario_id", sa.Integer(), nullable=True),
        sa.Column("scenario_key", sa.String(length=128), nullable=False),
        sa.Column("scenario_title", sa.String(length=200), nullable=False),
        sa.Column("stage", sa.String(length=16), nullable=False),
        sa.Column("scenario_version", sa.Integer(), nullable=False),
        sa.Column("scenario_snapshot", sa.JSON(), nullable=False),
        sa.Column("seed", sa.Integer(), nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("rush_group", sa.String(length=64), nullable=True),
        sa.Column("draft", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.Column("mood", sa.Integer(), nullable=False),
        sa.Column("patience", sa.Integer(), nullable=False),
        sa.Column("replies", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("success", sa.Boolean(), nullable=True),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("dimensions", sa.JSON(), nullable=False),
        sa.Column("scorecard", sa.JSON(), nullable=True),
        sa.Column("graded_version", sa.Integer(), nullable=True),
        sa.Column("graded_snapshot", sa.JSON(), nullable=True),
        sa.Column("graded_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["scenario_id"],
            ["scenarios.id"],
            name=op.f("fk_roleplay_sessions_scenario_id_scenarios"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_roleplay_sessions_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_roleplay_sessions")),
    )
    with op.batch_alter_table("roleplay_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_roleplay_sessions_rush_group"), ["rush_group"], unique=False)
        batch_op.create_index(batch_op.f("ix_roleplay_sessions_scenario_id"), ["scenario_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_roleplay_sessions_scenario_key"), ["scenario_key"], unique=False)
        batch_op.create_index(batch_op.f("ix_roleplay_sessions_started_at"), ["started_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_roleplay_sessions_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_roleplay_sessions_user_id"), ["user_id"], unique=False)
        batch_op.create_index("ix_roleplay_sessions_user_scenario", ["user_id", "scenario_key"], unique=False)

    op.create_table(
        "roleplay_comments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("message_seq", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("author_login", sa.String(length=64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["users.id"],
            name=op.f("fk_roleplay_comments_author_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["roleplay_sessions.id"],
            name=op.f("fk_roleplay_comments_session_id_roleplay_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_roleplay_comments")),
    )
    with op.batch_alter_table("roleplay_comments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_roleplay_comments_author_id"), ["author_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_roleplay_comments_session_id"), ["session_id"], unique=False)

    op.create_table(
        "roleplay_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("turn_id", sa.String(length=128), nullable=True),
        sa.Column("wording_index", sa.Integer(), nullable=True),
        sa.Column("impatient", sa.Boolean(), nullable=False),
        sa.Column("seconds", sa.Double(), nullable=False),
        sa.Column("at_ms", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["roleplay_sessions.id"],
            name=op.f("fk_roleplay_messages_session_id_roleplay_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_roleplay_messages")),
        sa.UniqueConstraint("session_id", "seq", name=op.f("uq_roleplay_messages_session_id")),
    )
    with op.batch_alter_table("roleplay_messages", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_roleplay_messages_session_id"), ["session_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("roleplay_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_roleplay_messages_session_id"))

    op.drop_table("roleplay_messages")
    with op.batch_alter_table("roleplay_comments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_roleplay_comments_session_id"))
        batch_op.drop_index(batch_op.f("ix_roleplay_comments_author_id"))

    op.drop_table("roleplay_comments")
    with op.batch_alter_table("roleplay_sessions", schema=None) as batch_op:
        batch_op.drop_index("ix_roleplay_sessions_user_scenario")
        batch_op.drop_index(batch_op.f("ix_roleplay_sessions_user_id"))
        batch_op.drop_index(batch_op.f("ix_roleplay_sessions_status"))
        batch_op.drop_index(batch_op.f("ix_roleplay_sessions_started_at"))
        batch_op.drop_index(batch_op.f("ix_roleplay_sessions_scenario_key"))
        batch_op.drop_index(batch_op.f("ix_roleplay_sessions_scenario_id"))
        batch_op.drop_index(batch_op.f("ix_roleplay_sessions_rush_group"))

    op.drop_table("roleplay_sessions")
