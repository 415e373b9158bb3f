"""role-play misses as rows; daily and hourly roll-ups for the dashboards

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 09:00:00.000000
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_DIMENSIONS = ("dim_knowledge", "dim_standard", "dim_communication", "dim_speed", "dim_compliance")


def _int(name: str) -> sa.Column[Any]:
    return sa.Column(name, sa.Integer(), nullable=False)


def _float(name: str) -> sa.Column[Any]:
    return sa.Column(name, sa.Float(), nullable=False)


def _misses(card: Any) -> Iterator[tuple[str, str, str]]:
    """The distinct (kind, ident, word) misses of a stored scorecard (its shape at this revision)."""
    if isinstance(card, str):
        try:
            card = json.loads(card)
        except ValueError:
            return
    if not isinstance(card, dict):
        return
    seen: set[tuple[str, str, str]] = set()
    for m in card.get("missed") or []:
        if isinstance(m, dict) and m.get("key_point_id"):
            seen.add(("key_point", str(m["key_point_id"])[:128], ""))
    for r in card.get("replies") or []:
        if not isinstance(r, dict):
            continue
        for b in r.get("banned") or []:
            if isinstance(b, dict) and b.get("word"):
                seen.add(("banned", str(b.get("rule") or "")[:128], str(b["word"])[:128]))
        for f in r.get("forbidden") or []:
            if isinstance(f, dict) and f.get("id"):
                seen.add(("forbidden", str(f["id"])[:128], str(f.get("word") or "")[:128]))
    yield from sorted(seen)


def upgrade() -> None:
    op.create_table(
        "roleplay_misses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("scenario_key", sa.String(length=128), nullable=False),
        sa.Column("ident", sa.String(length=128), nullable=False),
        sa.Column("word", sa.String(length=128), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["roleplay_sessions.id"],
            name=op.f("fk_roleplay_misses_session_id_roleplay_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_roleplay_misses")),
    )
    op.create_index(op.f("ix_roleplay_misses_session_id"), "roleplay_misses", ["session_id"])
    op.create_table(
        "stats_days",
        sa.Column("day", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("sealed_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_stats_days")),
    )
    op.create_table(
        "stats_question_days",
        sa.Column("day", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("team_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("question_id", sa.Integer(), autoincrement=False, nullable=False),
        _int("n_scored"),
        _float("facility_sum"),
        _int("facility_n"),
        _int("correct_scored"),
        _int("n_judged"),
        _int("n_wrong"),
        sa.PrimaryKeyConstraint("day", "team_id", "question_id", name=op.f("pk_stats_question_days")),
    )
    op.create_table(
        "stats_exam_hours",
        sa.Column("hour", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("team_id", sa.Integer(), autoincrement=False, nullable=False),
        _int("attempts"),
        _int("passed"),
        _float("percent_sum"),
        _int("percent_n"),
        sa.PrimaryKeyConstraint("hour", "team_id", name=op.f("pk_stats_exam_hours")),
    )
    op.create_table(
        "stats_session_hours",
        sa.Column("hour", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("team_id", sa.Integer(), autoincrement=False, nullable=False),
        _int("sessions"),
        _float("score_sum"),
        _int("success_n"),
        *[c for d in _DIMENSIONS for c in (_float(f"{d}_sum"), _int(f"{d}_n"))],
        *[_int(f"reply_b{i}") for i in range(5)],
        sa.PrimaryKeyConstraint("hour", "team_id", name=op.f("pk_stats_session_hours")),
    )
    op.create_table(
        "stats_scenario_days",
        sa.Column("day", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("team_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("scenario_key", sa.String(length=128), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("stage", sa.String(length=16), nullable=False),
        _int("sessions"),
        _float("score_sum"),
        _int("success_n"),
        _float("reply_sum"),
        _int("reply_n"),
        sa.PrimaryKeyConstraint("day", "team_id", "scenario_key", name=op.f("pk_stats_scenario_days")),
    )
    op.create_table(
        "stats_miss_days",
        sa.Column("day", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("team_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("scenario_key", sa.String(length=128), nullable=False),
        sa.Column("ident", sa.String(length=128), nullable=False),
        sa.Column("word", sa.String(length=128), nullable=False),
        _int("sessions"),
        sa.PrimaryKeyConstraint(
            "day", "team_id", "kind", "scenario_key", "ident", "word", name=op.f("pk_stats_miss_days")
        ),
    )
    # the misses of the sessions graded so far, from their scorecards
    bind = op.get_bind()
    misses = sa.table(
        "roleplay_misses",
        sa.column("session_id", sa.Integer()),
        sa.column("kind", sa.String()),
        sa.column("scenario_key", sa.String()),
        sa.column("ident", sa.String()),
        sa.column("word", sa.String()),
    )
    last = 0
    while True:
        rows = bind.execute(
            sa.text(
                "SELECT id, scenario_key, scorecard FROM roleplay_sessions "
                "WHERE id > :last AND scorecard IS NOT NULL ORDER BY id LIMIT 2000"
            ),
            {"last": last},
        ).all()
        if not rows:
            break
        batch = [
            {"session_id": sid, "kind": k, "scenario_key": key[:128], "ident": i, "word": w}
            for sid, key, card in rows
            for k, i, w in _misses(card)
        ]
        if batch:
            bind.execute(misses.insert(), batch)
        last = rows[-1][0]


def downgrade() -> None:
    for table in (
        "stats_miss_days",
        "stats_scenario_days",
        "stats_session_hours",
        "stats_exam_hours",
        "stats_question_days",
        "stats_days",
    ):
        op.drop_table(table)
    op.drop_index(op.f("ix_roleplay_misses_session_id"), table_name="roleplay_misses")
    op.drop_table("roleplay_misses")
