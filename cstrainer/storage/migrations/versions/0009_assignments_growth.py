"""assignments, growth-path stages and promotions, leaderboard opt-in; role-play dimension
columns for dashboards

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 07:05:00.000000
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_DIMENSIONS = {
    "专业知识": "dim_knowledge",
    "服务规范": "dim_standard",
    "沟通技巧": "dim_communication",
    "响应时效": "dim_speed",
    "合规": "dim_compliance",
}


def upgrade() -> None:
    op.create_table(
        "assignments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("target", sa.String(length=200), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("scope_kind", sa.String(length=16), nullable=False),
        sa.Column("scope_value", sa.String(length=64), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=True),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assignments")),
    )
    with op.batch_alter_table("assignments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_assignments_active"), ["active"], unique=False)
        batch_op.create_index(batch_op.f("ix_assignments_due_at"), ["due_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_assignments_kind"), ["kind"], unique=False)

    op.create_table(
        "promotions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("from_stage", sa.String(length=16), nullable=False),
        sa.Column("to_stage", sa.String(length=16), nullable=False),
        sa.Column("by", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_promotions_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_promotions")),
    )
    with op.batch_alter_table("promotions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_promotions_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_promotions_user_id"), ["user_id"], unique=False)

    # Plain ALTER TABLE ADD COLUMN, never a batch copy: on SQLite a batch rebuild drops and
    # recreates the table, and the ON DELETE CASCADE of user_brands / roleplay_messages would
    # empty those tables on the way.
    op.add_column("roleplay_sessions", sa.Column("dim_knowledge", sa.Integer(), nullable=True))
    op.add_column("roleplay_sessions", sa.Column("dim_standard", sa.Integer(), nullable=True))
    op.add_column("roleplay_sessions", sa.Column("dim_communication", sa.Integer(), nullable=True))
    op.add_column("roleplay_sessions", sa.Column("dim_speed", sa.Integer(), nullable=True))
    op.add_column("roleplay_sessions", sa.Column("dim_compliance", sa.Integer(), nullable=True))
    op.add_column("roleplay_sessions", sa.Column("avg_reply_seconds", sa.Double(), nullable=True))
    op.add_column("users", sa.Column("stage", sa.String(length=16), server_default="新人", nullable=False))
    op.add_column(
        "users", sa.Column("leaderboard_opt_in", sa.Boolean(), server_default=sa.false(), nullable=False)
    )
    op.create_index(op.f("ix_users_stage"), "users", ["stage"], unique=False)

    _backfill_dimensions()


def _backfill_dimensions() -> None:
    """Copy graded sessions' dimension scores from the JSON into the new columns, and their mean
    reply time from the messages."""
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT id, dimensions FROM roleplay_sessions WHERE score IS NOT NULL")).all()
    for session_id, raw in rows:
        dims = raw if isinstance(raw, dict) else json.loads(raw or "{}")
        values = {col: int(dims[name]) for name, col in _DIMENSIONS.items() if dims.get(name) is not None}
        if values:
            assignments = ", ".join(f"{col} = :{col}" for col in values)
            bind.execute(
                sa.text(f"UPDATE roleplay_sessions SET {assignments} WHERE id = :id"),
                {**values, "id": session_id},
            )
    bind.execute(
        sa.text(
            "UPDATE roleplay_sessions SET avg_reply_seconds = (SELECT avg(m.seconds) FROM roleplay_messages m "
            "WHERE m.session_id = roleplay_sessions.id AND m.role = 'agent')"
        )
    )


def downgrade() -> None:

    op.drop_index(op.f("ix_users_stage"), table_name="users")
    for column in ("leaderboard_opt_in", "stage"):
        op.drop_column("users", column)
    for column in (
        "avg_reply_seconds",
        "dim_compliance",
        "dim_speed",
        "dim_communication",
        "dim_standard",
        "dim_knowledge",
    ):
        op.drop_column("roleplay_sessions", column)
    with op.batch_alter_table("promotions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_promotions_user_id"))
        batch_op.drop_index(batch_op.f("ix_promotions_at"))

    op.drop_table("promotions")
    with op.batch_alter_table("assignments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assignments_kind"))
        batch_op.drop_index(batch_op.f("ix_assignments_due_at"))
        batch_op.drop_index(batch_op.f("ix_assignments_active"))

    op.drop_table("assignments")
