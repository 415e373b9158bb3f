"""AnalyticsService aggregates against hand-computed values (tests/services/analytics_fixtures.py)
and its permissions, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest

from cstrainer.services import Services
from cstrainer.services.analytics import period_bounds
from cstrainer.services.errors import InvalidInput, PermissionDenied
from tests.services.analytics_fixtures import END, START, World, build


@pytest.fixture
def world(services: Services) -> World:
    return build(services)


def test_team_overview_of_team_a(services: Services, world: World) -> None:
    o = services.analytics.team_overview(world.actors["mgr"], world.team_a, START, END)
    assert o.team_name == "甲组"
    assert o.people == 2  # ag1, ag2 (the trainer is not counted)
    assert o.active_people == 2
    assert o.exam_attempts == 3
    assert o.exam_pass_rate == pytest.approx(1 / 3)
    assert o.exam_avg_percent == pytest.approx(50.0)
    assert o.sessions == 3
    assert o.session_avg_score == pytest.approx(70.0)
    assert o.session_success_rate == pytest.approx(1 / 3, abs=1e-4)
    assert o.drill_attempts == 6
    assert o.dimension_avgs == pytest.approx(
        {"专业知识": 60.0, "服务规范": 70.0, "沟通技巧": 80.0, "响应时效": 70.0, "合规": 66.67}
    )
    assert o.response_time_histogram == [
        ("≤10 秒", 1),
        ("10–20 秒", 0),
        ("20–30 秒", 1),
        ("30–60 秒", 0),
        (">60 秒", 1),
    ]
    assert o.score_trend == [(date(2026, 3, 2), 70.0), (date(2026, 3, 3), 70.0)]
    assert o.exam_trend == [(date(2026, 3, 2), 50.0), (date(2026, 3, 3), 50.0)]


def test_team_overview_of_everybody(services: Services, world: World) -> None:
    o = services.analytics.team_overview(world.actors["mgr"], None, START, END)
    assert o.team_name == "全部"
    assert (o.people, o.active_people, o.exam_attempts, o.sessions, o.drill_attempts) == (3, 3, 4, 4, 7)
    assert o.session_avg_score == pytest.approx(77.5)
    assert o.exam_avg_percent == pytest.approx(57.5)


def test_agent_profile(services: Services, world: World) -> None:
    p = services.analytics.agent_profile(world.actors["tra"], world.ids["ag1"], START, END)
    assert (p.login, p.person, p.team, p.stage) == ("ag1", "陈一", "甲组", "新人")
    assert p.exam_attempts == 2 and p.exam_pass_rate == pytest.approx(0.5)
    assert p.exam_avg_percent == pytest.approx(75.0)
    assert p.exam_trend == [(date(2026, 3, 2), 50.0), (date(2026, 3, 3), 100.0)]
    assert p.roleplay_trend == [(date(2026, 3, 2), 70.0), (date(2026, 3, 3), 90.0)]
    assert p.dimension_avgs["专业知识"] == pytest.approx(70.0)
    assert p.dimension_avgs["合规"] == pytest.approx(100.0)
    assert p.weak_categories == [("产品知识", 2, 0.5), ("平台规则", 2, 0.0)]
    assert p.wrong_book_topics == [("产品知识", 1)]
    assert (p.typing_attempts, p.typing_best_net_cpm, p.typing_avg_net_cpm) == (2, 60.0, 50.0)
    assert p.recall_answers == 3 and p.recall_accuracy == pytest.approx(2 / 3)


def test_scenario_and_question_stats(services: Services, world: World) -> None:
    rows = services.analytics.scenario_stats(world.actors["mgr"], START, END)
    assert [(r.scenario_key, r.sessions) for r in rows] == [("sc1", 3), ("sc2", 1)]
    sc1 = rows[0]
    assert sc1.avg_score == pytest.approx(70.0)
    assert sc1.success_rate == pytest.approx(1 / 3, abs=1e-4)
    assert sc1.avg_reply_seconds == pytest.approx(36.0)
    qs = services.analytics.question_stats(world.actors["tra"], START, END)  # team A only
    assert [(q.key, q.answered, q.facility) for q in qs] == [("q1", 3, pytest.approx(1 / 3, abs=1e-4)),
                                                            ("q2", 3, pytest.approx(2 / 3, abs=1e-4))]  # fmt: skip
    everyone = services.analytics.question_stats(world.actors["mgr"], START, END)
    assert {q.key: q.answered for q in everyone} == {"q1": 4, "q2": 4}


def test_weak_points_of_team_a(services: Services, world: World) -> None:
    w = services.analytics.weak_points(world.actors["tra"], team_id=world.team_a, start=START, end=END)
    assert [(c.label, c.misses, c.total) for c in w.categories] == [("产品知识", 2, 3), ("平台规则", 1, 3)]
    assert [(k.key, k.misses, k.total) for k in w.key_points] == [("sc1:a", 2, 3), ("sc1:b", 1, 3)]
    assert sorted((q.key, q.misses, q.total) for q in w.qc_items) == [
        ("banned:绝对化:最", 1, 3),
        ("forbidden:保证", 1, 3),
    ]
    mine = services.analytics.weak_points(world.actors["ag2"], user_id=world.ids["ag2"], start=START, end=END)
    assert [(k.key, k.misses, k.total) for k in mine.key_points] == [("sc1:a", 1, 1), ("sc1:b", 1, 1)]
    assert mine.qc_items == []


def test_leaderboard_lists_opted_in_people_only(services: Services, world: World) -> None:
    board = services.analytics.leaderboard(world.actors["mgr"], world.team_a, START, END, "roleplay_avg")
    assert [(r.rank, r.login, r.value, r.count) for r in board] == [(1, "ag1", 80.0, 2)]
    everyone = services.analytics.leaderboard(world.actors["mgr"], None, START, END, "typing_best")
    assert [(r.login, r.value) for r in everyone] == [("ag3", 90.0), ("ag1", 60.0)]
    # an opted-in agent sees their own team's board, not another team's
    mine = services.analytics.leaderboard(world.actors["ag1"], world.team_a, START, END, "exam_avg")
    assert [(r.login, r.value) for r in mine] == [("ag1", 75.0)]
    with pytest.raises(PermissionDenied):
        services.analytics.leaderboard(world.actors["ag1"], world.team_b, START, END)
    with pytest.raises(PermissionDenied):  # not opted in
        services.analytics.leaderboard(world.actors["ag2"], world.team_a, START, END)
    with pytest.raises(InvalidInput):
        services.analytics.leaderboard(world.actors["mgr"], None, START, END, "nonsense")


def test_permissions(services: Services, world: World) -> None:
    a = services.analytics
    ag1, tra = world.actors["ag1"], world.actors["tra"]
    # agents: only their own figures
    assert a.agent_profile(ag1, world.ids["ag1"], START, END).sessions == 2
    with pytest.raises(PermissionDenied):
        a.agent_profile(ag1, world.ids["ag2"], START, END)
    with pytest.raises(PermissionDenied):
        a.team_overview(ag1, world.team_a, START, END)
    with pytest.raises(PermissionDenied):
        a.weak_points(ag1, team_id=world.team_a, start=START, end=END)
    assert [r.sessions for r in a.scenario_stats(ag1, START, END)] == [2]
    assert {q.answered for q in a.question_stats(ag1, START, END)} == {2}
    # trainers: their team
    assert a.team_overview(tra, None, START, END).team_name == "甲组"
    assert a.team_overview(tra, None, START, END).sessions == 3
    with pytest.raises(PermissionDenied):
        a.team_overview(tra, world.team_b, START, END)
    with pytest.raises(PermissionDenied):
        a.agent_profile(tra, world.ids["ag3"], START, END)
    assert [r.login for r in a.people_rows(tra, None, START, END)] == ["ag1", "ag2"]
    # managers: everybody
    assert a.agent_profile(world.actors["mgr"], world.ids["ag3"], START, END).sessions == 1
    assert a.team_overview(world.actors["mgr"], world.team_b, START, END).sessions == 1


def test_empty_period_and_bad_period(services: Services, world: World) -> None:
    o = services.analytics.team_overview(world.actors["mgr"], None, END, END.replace(day=20))
    assert o.exam_attempts == 0 and o.exam_pass_rate is None and o.session_avg_score is None
    assert o.dimension_avgs == {} and o.score_trend == []
    with pytest.raises(InvalidInput):
        services.analytics.team_overview(world.actors["mgr"], None, END, START)


def test_period_bounds_are_local_calendar_periods() -> None:
    start, end, label = period_bounds("week", date(2026, 3, 4))  # a Wednesday
    assert start.astimezone().date() == date(2026, 3, 2) and end.astimezone().date() == date(2026, 3, 9)
    assert "第 10 周" in label
    start, end, _ = period_bounds("month", date(2026, 12, 31))
    assert (start.astimezone().date(), end.astimezone().date()) == (date(2026, 12, 1), date(2027, 1, 1))
    start, end, _ = period_bounds("day", date(2026, 3, 4))
    assert start.astimezone().hour == 0 and (end - start).total_seconds() == 86400


def test_assignments_done_rate(services: Services, world: World) -> None:
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import insert

    from cstrainer.storage.models import Attempt, Exam

    now = datetime.now(UTC)
    around = (now - timedelta(days=1), now + timedelta(days=8))
    assert (
        services.analytics.team_overview(world.actors["mgr"], world.team_a, *around).assignments_done_rate
        is None
    )
    services.assignments.assign(
        world.actors["mgr"], "exam", "e1", scope_kind="team", scope_value=str(world.team_a),
        due_at=now + timedelta(days=7),
    )  # fmt: skip
    assert (
        services.analytics.team_overview(world.actors["mgr"], world.team_a, *around).assignments_done_rate
        == 0.0
    )
    with services.db.session() as s:  # ag1 passes the exam after it was assigned: 1 of 2 done
        exam_id = s.query(Exam.id).filter(Exam.key == "e1").scalar()
        s.execute(
            insert(Attempt),
            [{"exam_id": exam_id, "user_id": world.ids["ag1"], "seed": 1, "status": "graded",
              "started_at": now + timedelta(minutes=1), "submitted_at": now + timedelta(minutes=2),
              "percent": 90.0, "passed": True, "score": 90.0, "max_score": 100.0}],
        )  # fmt: skip
    rate = services.analytics.team_overview(world.actors["tra"], None, *around).assignments_done_rate
    assert rate == pytest.approx(0.5)
