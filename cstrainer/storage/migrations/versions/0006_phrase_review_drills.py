"""phrase review (comments, proposals) and phrase drills (fsrs cards, attempts)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 04:40:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "phrase_comments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("phrase_key", sa.String(length=128), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_phrase_comments_author_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_phrase_comments")),
    )
    with op.batch_alter_table("phrase_comments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_phrase_comments_author_id"), ["author_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_phrase_comments_phrase_key"), ["phrase_key"], unique=False)
        batch_op.create_index(batch_op.f("ix_phrase_comments_status"), ["status"], unique=False)

    op.create_table(
        "phrase_drill_cards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("phrase_key", sa.String(length=128), nullable=False),
        sa.Column("card", sa.JSON(), nullable=False),
        sa.Column("due", sa.DateTime(), nullable=False),
        sa.Column("reviews", sa.Integer(), nullable=False),
        sa.Column("lapses", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_phrase_drill_cards_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_phrase_drill_cards")),
        sa.UniqueConstraint("user_id", "phrase_key", name=op.f("uq_phrase_drill_cards_user_id")),
    )
    with op.batch_alter_table("phrase_drill_cards", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_phrase_drill_cards_due"), ["due"], unique=False)
        batch_op.create_index(batch_op.f("ix_phrase_drill_cards_user_id"), ["user_id"], unique=False)

    op.create_table(
        "phrase_drill_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("phrase_key", sa.Text(), nullable=False),
        sa.Column("mode", sa.String(length=32), nullable=False),
        sa.Column("prompt", sa.Text(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("correct", sa.Boolean(), nullable=True),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.Column("cpm", sa.Float(), nullable=True),
        sa.Column("accuracy", sa.Float(), nullable=True),
        sa.Column("net_cpm", sa.Float(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_phrase_drill_attempts_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_phrase_drill_attempts")),
    )
    with op.batch_alter_table("phrase_drill_attempts", schema=None) as batch_op:
        batch_op.create_index(
            "ix_phrase_drill_attempts_user_kind_created", ["user_id", "kind", "created_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("phrase_drill_attempts", schema=None) as batch_op:
        batch_op.drop_index("ix_phrase_drill_attempts_user_kind_created")
    op.drop_table("phrase_drill_attempts")
    with op.batch_alter_table("phrase_drill_cards", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_phrase_drill_cards_user_id"))
        batch_op.drop_index(batch_op.f("ix_phrase_drill_cards_due"))
    op.drop_table("phrase_drill_cards")
    with op.batch_alter_table("phrase_comments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_phrase_comments_status"))
        batch_op.drop_index(batch_op.f("ix_phrase_comments_phrase_key"))
        batch_op.drop_index(batch_op.f("ix_phrase_comments_author_id"))
    op.drop_table("phrase_comments")
