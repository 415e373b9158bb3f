"""handbooks: revisions, reads, review flags for linked questions and scenarios, flashcards

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 07:45:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "content_review_flags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("target_kind", sa.String(length=16), nullable=False),
        sa.Column("target_key", sa.String(length=128), nullable=False),
        sa.Column("doc_kind", sa.String(length=16), nullable=False),
        sa.Column("doc_key", sa.String(length=128), nullable=False),
        sa.Column("doc_version", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
        sa.Column("resolved_by", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_content_review_flags")),
    )
    with op.batch_alter_table("content_review_flags", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_content_review_flags_resolved_at"), ["resolved_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_content_review_flags_target_key"), ["target_key"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_content_review_flags_target_kind"), ["target_kind"], unique=False
        )

    op.create_table(
        "handbook_cards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("doc_kind", sa.String(length=16), nullable=False),
        sa.Column("doc_key", sa.String(length=128), nullable=False),
        sa.Column("front", sa.Text(), nullable=False),
        sa.Column("back", sa.Text(), nullable=False),
        sa.Column("author", sa.String(length=64), nullable=False),
        sa.Column("retired", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handbook_cards")),
    )
    with op.batch_alter_table("handbook_cards", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_handbook_cards_doc_key"), ["doc_key"], unique=False)

    op.create_table(
        "handbook_revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("doc_kind", sa.String(length=16), nullable=False),
        sa.Column("doc_key", sa.String(length=128), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("by", sa.String(length=64), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("changed", sa.JSON(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handbook_revisions")),
        sa.UniqueConstraint("doc_kind", "doc_key", "version", name=op.f("uq_handbook_revisions_doc_kind")),
    )
    op.create_table(
        "handbook_card_states",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("card_id", sa.String(length=200), nullable=False),
        sa.Column("doc_kind", sa.String(length=16), nullable=False),
        sa.Column("doc_key", sa.String(length=128), nullable=False),
        sa.Column("card", sa.JSON(), nullable=False),
        sa.Column("due", sa.DateTime(), nullable=False),
        sa.Column("reviews", sa.Integer(), nullable=False),
        sa.Column("lapses", sa.Integer(), nullable=False),
        sa.Column("last_rating", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_handbook_card_states_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handbook_card_states")),
        sa.UniqueConstraint("user_id", "card_id", name=op.f("uq_handbook_card_states_user_id")),
    )
    with op.batch_alter_table("handbook_card_states", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_handbook_card_states_doc_key"), ["doc_key"], unique=False)
        batch_op.create_index(batch_op.f("ix_handbook_card_states_due"), ["due"], unique=False)
        batch_op.create_index(batch_op.f("ix_handbook_card_states_user_id"), ["user_id"], unique=False)

    op.create_table(
        "handbook_reads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("doc_kind", sa.String(length=16), nullable=False),
        sa.Column("doc_key", sa.String(length=128), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("read_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_handbook_reads_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handbook_reads")),
        sa.UniqueConstraint("user_id", "doc_kind", "doc_key", name=op.f("uq_handbook_reads_user_id")),
    )
    with op.batch_alter_table("handbook_reads", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_handbook_reads_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("handbook_reads", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_handbook_reads_user_id"))

    op.drop_table("handbook_reads")
    with op.batch_alter_table("handbook_card_states", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_handbook_card_states_user_id"))
        batch_op.drop_index(batch_op.f("ix_handbook_card_states_due"))
        batch_op.drop_index(batch_op.f("ix_handbook_card_states_doc_key"))

    op.drop_table("handbook_card_states")
    op.drop_table("handbook_revisions")
    with op.batch_alter_table("handbook_cards", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_handbook_cards_doc_key"))

    op.drop_table("handbook_cards")
    with op.batch_alter_table("content_review_flags", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_content_review_flags_target_kind"))
        batch_op.drop_index(batch_op.f("ix_content_review_flags_target_key"))
        batch_op.drop_index(batch_op.f("ix_content_review_flags_resolved_at"))

    op.drop_table("content_review_flags")
