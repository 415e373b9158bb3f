"""The dashboards' roll-ups (cstrainer/services/stats_rollup.py): every dashboard gives the same
figures from the roll-ups as from the raw rows, sealed days are read from the roll-up tables, and a
change to a graded result of a sealed day unseals it. On SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from cstrainer.services import SYSTEM, Services, stats_rollup
from cstrainer.services.analytics import AnalyticsService
from cstrainer.services.demo_data import generate
from cstrainer.services.users import actor_for
from cstrainer.storage.models import (
    Attempt,
    AttemptItem,
    RolePlayMiss,
    RolePlaySession,
    StatsDay,
    StatsQuestionDay,
    StatsSessionHour,
    Team,
    User,
)

NOW = datetime(2026, 9, 30, 15, 20, tzinfo=UTC)  # the history ends here (long sealable)


@pytest.fixture
def history(seeded: Services) -> Services:
    generate(seeded.db, SYSTEM, agents=8, days=12, seed=3, now=NOW, snapshots=False)
    return seeded


def flat(value: Any) -> list[Any]:
    """A result as a flat list of plain values."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return flat([getattr(value, f.name) for f in dataclasses.fields(value)])
    if isinstance(value, dict):
        return flat(list(value.items()))
    if isinstance(value, list | tuple):
        return [x for v in value for x in flat(v)]
    return [value]


def same(a: list[Any], b: list[Any]) -> bool:
    """Equal, floats within 0.5 %: the two ways add the same numbers in another order, and a mean
    rounded to 0.1 s may then land on the next tenth."""
    if len(a) != len(b):
        return False
    return all(
        x == pytest.approx(y, rel=5e-3) if isinstance(x, float) and isinstance(y, float) else x == y
        for x, y in zip(a, b, strict=True)
    )


def figures(
    a: AnalyticsService, actor: Any, start: datetime, end: datetime, team_id: int | None = None
) -> Any:
    return flat(
        (
            a.team_overview(actor, team_id, start, end),
            a.scenario_stats(actor, start, end, team_id=team_id),
            a.question_stats(actor, start, end, team_id=team_id),
            a.weak_points(actor, team_id=team_id, start=start, end=end, limit=100),
        )
    )


PERIODS = [
    (NOW - timedelta(days=30), NOW),  # everything
    (NOW - timedelta(days=7, hours=5, minutes=13), NOW - timedelta(days=1, minutes=7)),  # ragged edges
    (datetime(2026, 9, 24, 16, tzinfo=UTC), datetime(2026, 9, 27, 16, tzinfo=UTC)),  # local (UTC+8) days
    (NOW - timedelta(hours=20), NOW),  # no whole day
]


def test_every_dashboard_gives_the_same_figures_from_rollups_and_from_rows(history: Services) -> None:
    raw = AnalyticsService(history.db, rollups=False)
    rolled = history.analytics
    # the generator sealed every whole day of its history
    assert stats_rollup.sealed_count(history.db) >= 12
    with history.db.session() as s:
        assert s.scalar(select(func.count()).select_from(StatsQuestionDay)) > 0
        team_id = s.scalars(select(Team.id).order_by(Team.id)).first()
        trainer = s.scalars(select(User).where(User.role == "trainer", User.team_id == team_id)).first()
        assert trainer is not None
        t = actor_for(trainer)
    for start, end in PERIODS:
        assert same(figures(rolled, SYSTEM, start, end), figures(raw, SYSTEM, start, end)), (start, end)
        # a team's too (its members' rows are summed per team in the roll-ups)
        assert same(figures(rolled, SYSTEM, start, end, team_id), figures(raw, SYSTEM, start, end, team_id))
    start, end = PERIODS[1]
    assert same(
        flat(rolled.weak_points(t, start=start, end=end)), flat(raw.weak_points(t, start=start, end=end))
    )


def test_sealed_days_are_read_from_the_rollup_tables(history: Services) -> None:
    start, end = NOW - timedelta(days=30), NOW
    before = history.analytics.team_overview(SYSTEM, None, start, end)
    # a (deliberately wrong) extra session in a sealed hour shows up: the figures come from the roll-up
    with history.db.session() as s:
        row = s.scalars(
            select(StatsSessionHour)
            .where(StatsSessionHour.team_id == stats_rollup.ALL_TEAMS)
            .order_by(StatsSessionHour.hour)
        ).first()
        assert row is not None
        row.sessions += 1
        row.score_sum += 1000
    after = history.analytics.team_overview(SYSTEM, None, start, end)
    assert after.sessions == before.sessions + 1
    assert after.session_avg_score != before.session_avg_score


def test_a_changed_result_of_a_sealed_day_unseals_that_day(history: Services) -> None:
    raw = AnalyticsService(history.db, rollups=False)
    start, end = NOW - timedelta(days=30), NOW
    with history.db.session() as s:
        item = s.scalars(
            select(AttemptItem)
            .join(Attempt, Attempt.id == AttemptItem.attempt_id)
            .where(Attempt.status == "graded", AttemptItem.correct.is_(False), AttemptItem.points > 0)
            .order_by(AttemptItem.id)
        ).first()
        assert item is not None
        day = stats_rollup.day_of(s.get(Attempt, item.attempt_id).submitted_at)  # type: ignore[union-attr]
        assert s.get(StatsDay, day) is not None
    # WHEN a trainer's review turns a wrong answer of that day into a right one (through the ORM)
    with history.db.session() as s:
        item = s.get(AttemptItem, item.id)
        assert item is not None
        item.score, item.correct = item.points, True
    # THEN the day is no longer sealed, and the dashboards count the new mark
    with history.db.session() as s:
        assert s.get(StatsDay, day) is None
        assert (
            s.scalar(select(func.count()).select_from(StatsQuestionDay).where(StatsQuestionDay.day == day))
            == 0
        )
    assert same(figures(history.analytics, SYSTEM, start, end), figures(raw, SYSTEM, start, end))
    # and the next dashboard sealed it again
    with history.db.session() as s:
        assert s.get(StatsDay, day) is not None

    # a regraded session of a sealed day (new score, new misses) likewise
    with history.db.session() as s:
        sess = s.scalars(
            select(RolePlaySession).where(RolePlaySession.status == "finished").order_by(RolePlaySession.id)
        ).first()
        assert sess is not None
        day = stats_rollup.day_of(sess.started_at)
        sess.score = 7
        sess.scorecard = {"missed": [{"key_point_id": "新增要点"}], "replies": []}
        stats_rollup.record_misses(s, sess)
    with history.db.session() as s:
        assert s.get(StatsDay, day) is None
        assert s.scalars(select(RolePlayMiss.ident).where(RolePlayMiss.session_id == sess.id)).all() == [
            "新增要点"
        ]
    assert same(figures(history.analytics, SYSTEM, start, end), figures(raw, SYSTEM, start, end))


def test_todays_results_never_touch_the_rollups(history: Services) -> None:
    with history.db.session() as s:
        sealed = s.scalar(select(func.count()).select_from(StatsDay))
        user_id = s.scalars(select(User.id).where(User.login.like("demo0%"))).first()
        s.add(
            RolePlaySession(
                user_id=user_id, scenario_key="x", status="finished", draft=False, score=80, dimensions={}
            )
        )  # started now: not a sealable day
    with history.db.session() as s:
        assert s.scalar(select(func.count()).select_from(StatsDay)) == sealed


def test_a_day_sealed_meanwhile_by_another_computer_is_left_to_it(
    history: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    with history.db.session() as s:
        stats_rollup.unseal_all(s)
    real = stats_rollup.seal_days

    def racing(s: Any, db: Any, d0: int, d1: int) -> None:
        with db.session() as other:  # the other computer commits first
            real(other, db, d0, d1)
        real(s, db, d0, d1)

    monkeypatch.setattr(stats_rollup, "seal_days", racing)
    assert stats_rollup.ensure_sealed(history.db, NOW - timedelta(days=30), NOW) == 0
    monkeypatch.undo()
    raw = AnalyticsService(history.db, rollups=False)
    start, end = NOW - timedelta(days=30), NOW
    assert stats_rollup.sealed_count(history.db) >= 12
    assert same(figures(history.analytics, SYSTEM, start, end), figures(raw, SYSTEM, start, end))


def test_days_still_within_the_delay_are_not_sealable() -> None:
    now = datetime(2026, 12, 6, 4, 0, tzinfo=UTC)
    days = stats_rollup.sealable_days(now - timedelta(days=3), now, now)
    # 12-03 04:00 .. 12-06 04:00: whole days 12-04 and 12-05; 12-05 ended 4 h ago (< 6 h)
    assert [stats_rollup.day_start(d).date().isoformat() for d in days] == ["2026-12-04"]
    assert stats_rollup.misses_of(
        {
            "missed": [{"key_point_id": "b"}, {"key_point_id": "a"}, {"key_point_id": "a"}],
            "replies": [
                {"banned": [{"rule": "r", "word": "最"}], "forbidden": [{"id": "f", "word": ""}]},
                "bad",
            ],
        }
    ) == [("banned", "r", "最"), ("forbidden", "f", ""), ("key_point", "a", ""), ("key_point", "b", "")]
    assert stats_rollup.misses_of(None) == [] and stats_rollup.misses_of({"missed": "x"}) == []


def test_moving_a_person_to_another_team_unseals_every_day(history: Services) -> None:
    raw = AnalyticsService(history.db, rollups=False)
    start, end = NOW - timedelta(days=30), NOW
    with history.db.session() as s:
        teams = list(s.scalars(select(Team.id).order_by(Team.id)))
        person = s.scalars(select(User).where(User.login.like("demo0%"), User.team_id == teams[0])).first()
        assert person is not None and len(teams) >= 2
        person.team_id = teams[1]
    assert stats_rollup.sealed_count(history.db) == 0
    for team in teams[:2]:
        assert same(
            figures(history.analytics, SYSTEM, start, end, team), figures(raw, SYSTEM, start, end, team)
        )
    assert stats_rollup.sealed_count(history.db) >= 12


def test_grading_today_issues_no_rollup_statement(history: Services) -> None:
    from sqlalchemy import event

    statements: list[str] = []

    def seen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(history.db.engine, "before_cursor_execute", seen)
    try:
        with history.db.session() as s:
            user_id = s.scalars(select(User.id).where(User.login.like("demo0%"))).first()
            s.add(
                RolePlaySession(
                    user_id=user_id, scenario_key="x", status="finished", draft=False, score=80, dimensions={}
                )
            )
    finally:
        event.remove(history.db.engine, "before_cursor_execute", seen)
    assert statements and not [st for st in statements if "stats_" in st]
