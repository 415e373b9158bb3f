"""Demo role-play sessions (services.demo_data) carry a short transcript and a scorecard that
the history / replay recomputes to the stored score."""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import pairwise
from typing import Any

from sqlalchemy import func, select

from cstrainer.services import SYSTEM
from cstrainer.services.demo_data import generate
from cstrainer.storage.models import RolePlayMessage, RolePlaySession


def test_demo_sessions_replay_with_their_stored_score(seeded: Any) -> None:
    # GIVEN a small demo history
    now = datetime(2026, 6, 1, tzinfo=UTC)
    summary = generate(seeded.db, SYSTEM, agents=4, days=6, seed=5, now=now)
    assert summary.sessions > 0
    manager = seeded.auth.login("zhuguan", "demo1234", source="test")
    # WHEN a manager opens demo sessions in the history
    rows = [r for r in seeded.roleplay.history(manager, everyone=True) if r.login.startswith("demo")]
    assert len(rows) == summary.sessions
    assert len({r.score for r in rows}) > 1  # weaker and better sessions
    picked = {r.session_id: r for r in rows[:4] + sorted(rows, key=lambda r: r.score or 0)[:2]}
    for sid, row in picked.items():
        detail = seeded.roleplay.session(manager, sid)
        # THEN the transcript alternates customer / agent, opening with the customer
        roles = [m.role for m in detail.messages]
        assert roles and roles[0] == "customer", roles
        assert all(a != b for a, b in pairwise(roles)), roles
        assert set(roles) == {"customer", "agent"}
        assert [m.seq for m in detail.messages] == list(range(len(roles)))
        assert all(m.text for m in detail.messages)
        assert detail.messages[0].text in {w for t in detail.scenario.turns for w in t.wordings}
        # AND the recomputed scorecard is the stored one
        card = detail.scorecard
        assert card is not None
        assert card.score == row.score == detail.scorecard_json["score"], (sid, card.score, row.score)
        assert card.outcome == row.outcome and card.success == row.success
        assert {k: int(v) for k, v in card.dimensions.items()} == row.dimensions
        assert row.replies == roles.count("agent")


def test_benchmark_sessions_have_no_messages(seeded: Any) -> None:
    summary = generate(seeded.db, SYSTEM, agents=2, days=4, seed=5, snapshots=False)
    assert summary.sessions > 0
    with seeded.db.session() as s:
        assert s.scalar(select(func.count()).select_from(RolePlaySession)) >= summary.sessions
        assert s.scalar(select(func.count()).select_from(RolePlayMessage)) == 0
