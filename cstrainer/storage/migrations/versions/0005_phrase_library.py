"""phrase library: search columns and usage on phrases, personal phrases, releases

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 04:06:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Existing rows get empty search columns; the phrase service indexes them on first search.
    with op.batch_alter_table("phrases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("search_text", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("initials", sa.String(length=255), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("usage_count", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("lint_justification", sa.Text(), nullable=False, server_default=""))
        batch_op.create_index("ix_phrases_updated_at", ["updated_at"], unique=False)

    op.create_table(
        "personal_phrases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("brand_id", sa.Integer(), nullable=True),
        sa.Column("scene", sa.String(length=32), nullable=False),
        sa.Column("intent", sa.String(length=100), nullable=False),
        sa.Column("shortcut", sa.String(length=32), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("initials", sa.String(length=255), nullable=False),
        sa.Column("usage_count", sa.Integer(), nullable=False),
        sa.Column("lint_justification", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["brand_id"], ["brands.id"], name=op.f("fk_personal_phrases_brand_id_brands"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_personal_phrases_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_personal_phrases")),
        sa.UniqueConstraint("user_id", "key", name=op.f("uq_personal_phrases_user_id")),
    )
    with op.batch_alter_table("personal_phrases", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_personal_phrases_brand_id"), ["brand_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_personal_phrases_updated_at"), ["updated_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_personal_phrases_user_id"), ["user_id"], unique=False)

    op.create_table(
        "phrase_releases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.String(length=64), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("author", sa.String(length=64), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("rollback_of", sa.String(length=64), nullable=True),
        sa.Column("published_at", sa.DateTime(), nullable=False),
        sa.Column("published_by", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_phrase_releases")),
        sa.UniqueConstraint("version", name=op.f("uq_phrase_releases_version")),
    )
    with op.batch_alter_table("phrase_releases", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_phrase_releases_date"), ["date"], unique=False)

    op.create_table(
        "phrase_release_seen",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.String(length=64), nullable=False),
        sa.Column("seen_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_phrase_release_seen_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_phrase_release_seen")),
    )


def downgrade() -> None:
    op.drop_table("phrase_release_seen")
    with op.batch_alter_table("phrase_releases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_phrase_releases_date"))

    op.drop_table("phrase_releases")
    with op.batch_alter_table("personal_phrases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_personal_phrases_user_id"))
        batch_op.drop_index(batch_op.f("ix_personal_phrases_updated_at"))
        batch_op.drop_index(batch_op.f("ix_personal_phrases_brand_id"))

    op.drop_table("personal_phrases")
    with op.batch_alter_table("phrases", schema=None) as batch_op:
        batch_op.drop_index("ix_phrases_updated_at")
        batch_op.drop_column("lint_justification")
        batch_op.drop_column("usage_count")
        batch_op.drop_column("initials")
        batch_op.drop_column("search_text")
