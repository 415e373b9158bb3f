"""exams, attempts, wrong-answer book

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 18:58:39.749011
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("exam_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("exam_version", sa.Integer(), nullable=False),
        sa.Column("seed", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(), nullable=True),
        sa.Column("time_limit_seconds", sa.Integer(), nullable=True),
        sa.Column("closes_at", sa.DateTime(), nullable=True),
        sa.Column("used_seconds", sa.Double(), nullable=False),
        sa.Column("last_heartbeat_at", sa.DateTime(), nullable=True),
        sa.Column("focus_losses", sa.Integer(), nullable=False),
        sa.Column("auto_submitted", sa.Boolean(), nullable=False),
        sa.Column("submit_reason", sa.String(length=32), nullable=False),
        sa.Column("score", sa.Double(), nullable=True),
        sa.Column("max_score", sa.Double(), nullable=True),
        sa.Column("percent", sa.Double(), nullable=True),
        sa.Column("passed", sa.Boolean(), nullable=True),
        sa.Column("certificate_code", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["exam_id"], ["exams.id"], name=op.f("fk_attempts_exam_id_exams"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_attempts_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attempts")),
        sa.UniqueConstraint("certificate_code", name=op.f("uq_attempts_certificate_code")),
    )
    with op.batch_alter_table("attempts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_attempts_exam_id"), ["exam_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_attempts_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_attempts_submitted_at"), ["submitted_at"], unique=False)
        batch_op.create_index("ix_attempts_user_exam", ["user_id", "exam_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_attempts_user_id"), ["user_id"], unique=False)

    op.create_table(
        "practice_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("question_version", sa.Integer(), nullable=False),
        sa.Column("response", sa.JSON(), nullable=True),
        sa.Column("fraction", sa.Double(), nullable=False),
        sa.Column("correct", sa.Boolean(), nullable=False),
        sa.Column("answered_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["questions.id"],
            name=op.f("fk_practice_answers_question_id_questions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_practice_answers_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_practice_answers")),
    )
    with op.batch_alter_table("practice_answers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_practice_answers_answered_at"), ["answered_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_practice_answers_question_id"), ["question_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_practice_answers_user_id"), ["user_id"], unique=False)

    op.create_table(
        "question_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["questions.id"],
            name=op.f("fk_question_versions_question_id_questions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_question_versions")),
        sa.UniqueConstraint("question_id", "version", name=op.f("uq_question_versions_question_id")),
    )
    with op.batch_alter_table("question_versions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_question_versions_question_id"), ["question_id"], unique=False)

    op.create_table(
        "wrong_book",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("wrong_count", sa.Integer(), nullable=False),
        sa.Column("first_wrong_at", sa.DateTime(), nullable=False),
        sa.Column("last_wrong_at", sa.DateTime(), nullable=False),
        sa.Column("right_days", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["questions.id"],
            name=op.f("fk_wrong_book_question_id_questions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_wrong_book_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wrong_book")),
        sa.UniqueConstraint("user_id", "question_id", name=op.f("uq_wrong_book_user_id")),
    )
    with op.batch_alter_table("wrong_book", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_wrong_book_question_id"), ["question_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_wrong_book_user_id"), ["user_id"], unique=False)

    op.create_table(
        "attempt_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("attempt_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("question_version", sa.Integer(), nullable=False),
        sa.Column("points", sa.Double(), nullable=False),
        sa.Column("option_order", sa.JSON(), nullable=False),
        sa.Column("right_order", sa.JSON(), nullable=False),
        sa.Column("response", sa.JSON(), nullable=True),
        sa.Column("answered_at", sa.DateTime(), nullable=True),
        sa.Column("flagged", sa.Boolean(), nullable=False),
        sa.Column("score", sa.Double(), nullable=True),
        sa.Column("auto_score", sa.Double(), nullable=True),
        sa.Column("correct", sa.Boolean(), nullable=True),
        sa.Column("needs_review", sa.Boolean(), nullable=False),
        sa.Column("reviewed_by", sa.String(length=64), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(), nullable=True),
        sa.Column("review_comment", sa.Text(), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["attempt_id"],
            ["attempts.id"],
            name=op.f("fk_attempt_items_attempt_id_attempts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["questions.id"],
            name=op.f("fk_attempt_items_question_id_questions"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attempt_items")),
        sa.UniqueConstraint("attempt_id", "position", name=op.f("uq_attempt_items_attempt_id")),
    )
    with op.batch_alter_table("attempt_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_attempt_items_attempt_id"), ["attempt_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_attempt_items_needs_review"), ["needs_review"], unique=False)
        batch_op.create_index(batch_op.f("ix_attempt_items_question_id"), ["question_id"], unique=False)
        batch_op.create_index(
            "ix_attempt_items_question_version", ["question_id", "question_version"], unique=False
        )

    with op.batch_alter_table("questions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("search_text", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("stem_fp", sa.String(length=512), nullable=False, server_default=""))
        batch_op.create_index(batch_op.f("ix_questions_stem_fp"), ["stem_fp"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("questions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_questions_stem_fp"))
        batch_op.drop_column("stem_fp")
        batch_op.drop_column("search_text")

    with op.batch_alter_table("attempt_items", schema=None) as batch_op:
        batch_op.drop_index("ix_attempt_items_question_version")
        batch_op.drop_index(batch_op.f("ix_attempt_items_question_id"))
        batch_op.drop_index(batch_op.f("ix_attempt_items_needs_review"))
        batch_op.drop_index(batch_op.f("ix_attempt_items_attempt_id"))

    op.drop_table("attempt_items")
    with op.batch_alter_table("wrong_book", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_wrong_book_user_id"))
        batch_op.drop_index(batch_op.f("ix_wrong_book_question_id"))

    op.drop_table("wrong_book")
    with op.batch_alter_table("question_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_question_versions_question_id"))

    op.drop_table("question_versions")
    with op.batch_alter_table("practice_answers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_practice_answers_user_id"))
        batch_op.drop_index(batch_op.f("ix_practice_answers_question_id"))
        batch_op.drop_index(batch_op.f("ix_practice_answers_answered_at"))

    op.drop_table("practice_answers")
    with op.batch_alter_table("attempts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_attempts_user_id"))
        batch_op.drop_index("ix_attempts_user_exam")
        batch_op.drop_index(batch_op.f("ix_attempts_submitted_at"))
        batch_op.drop_index(batch_op.f("ix_attempts_status"))
        batch_op.drop_index(batch_op.f("ix_attempts_exam_id"))

    op.drop_table("attempts")
