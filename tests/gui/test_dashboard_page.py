"""The 报表 page: dashboards over services.analytics for every role, the 薄弱点通关 button and
the report export dialog.

The ``services`` database (boss / peixun / xiaoli in 沁屿售前组) gets a week of practice history
below: two more agents in 沁屿售前组, one in a second team, exam attempts with graded items,
role-play sessions with dimension scores, reply times and scorecards, phrase drills and
wrong-answer book entries, every event at local noon of one of the last seven days.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from cstrainer.gui.context import PageContext
from cstrainer.gui.pages.dashboard_page import (
    DashboardPage,
    ExportDialog,
    drill_plan,
    period_days,
    period_range,
    sorted_rows,
)
from cstrainer.gui.pages.registry import ORDER, REGISTRY
from cstrainer.gui.qt import QItemSelectionModel, Qt
from cstrainer.gui.widgets.charts import category_labels, series_points
from cstrainer.services import stats_rollup
from cstrainer.services.actor import Actor
from cstrainer.services.analytics import WeakItem
from cstrainer.services.users import actor_for
from cstrainer.storage.models import (
    Attempt,
    AttemptItem,
    Exam,
    PhraseDrillAttempt,
    Question,
    RolePlaySession,
    Scenario,
    Team,
    User,
    WrongBookEntry,
)

pytestmark = pytest.mark.gui

SHOTS_SIZE = (1240, 760)
CATEGORIES = ("产品知识", "平台规则", "售后政策", "话术规范")
SCENARIO_FILES = ("qingkuo-bargain-bodysuit", "qingkuo-exchange-size")
SCENARIO_DIR = Path(__file__).resolve().parents[2] / "scripts_library" / "scenarios"


def shipped_scenario(name: str) -> Scenario:
    """A shipped scenario as a database row (the page shows its title and key point feedback)."""
    [item] = yaml.safe_load((SCENARIO_DIR / f"{name}.yaml").read_text(encoding="utf-8"))["items"]
    data = {k: v for k, v in item.items() if k != "key"}
    return Scenario(
        key=item["key"], title=item["title"], stage=item["stage"], persona=item.get("persona", ""), data=data
    )


def key_point_ids(data: Any) -> list[str]:
    """Every key point id in a scenario's data, in order."""
    if isinstance(data, dict):
        own = [kp["id"] for kp in data.get("key_points", []) if isinstance(kp, dict) and "id" in kp]
        return own + [i for k, v in data.items() if k != "key_points" for i in key_point_ids(v)]
    if isinstance(data, list):
        return [i for v in data for i in key_point_ids(v)]
    return []


def noon(days_ago: int) -> datetime:
    d = date.today() - timedelta(days=days_ago)
    return datetime(d.year, d.month, d.day, 12).astimezone().astimezone(UTC)


@dataclass
class History:
    ids: dict[str, int]
    team_id: int  # 沁屿售前组
    other_team_id: int
    actors: dict[str, Actor]


def fill_history(services: Any) -> History:
    """A week of practice by four agents in two teams (boss, peixun, xiaoli exist already)."""
    with services.db.session() as s:
        presale = s.query(Team).filter_by(key="qinyu-presale").one()
        after = Team(key="qingkuo-after", name="轻廓售后组", stage="售后")
        s.add(after)
        s.flush()
        xiaoli = s.query(User).filter_by(login="xiaoli").one()
        xiaoli.leaderboard_opt_in = True
        people = {
            "xiaoli": xiaoli,
            "kefu1": User(login="kefu1", display_name="王小客", role="agent", team_id=presale.id, leaderboard_opt_in=True),
            "kefu2": User(login="kefu2", display_name="赵敏", role="agent", team_id=presale.id, stage="上岗"),
            "kefu3": User(login="kefu3", display_name="孙悦", role="agent", team_id=after.id, leaderboard_opt_in=True),
        }  # fmt: skip
        s.add_all(people.values())
        questions = [
            Question(key=f"q{i}", type="single", stem=f"第 {i} 题：关于{CATEGORIES[i % 4]}的问题", category=CATEGORIES[i % 4], data={})
            for i in range(8)
        ]  # fmt: skip
        exam = Exam(key="entry-exam", title="上岗考试", data={})
        s.add_all([*questions, exam])
        scenarios = [shipped_scenario(name) for name in SCENARIO_FILES]
        s.add_all(scenarios)
        s.flush()
        points = {sc.key: key_point_ids(sc.data) for sc in scenarios}
        skill = {"xiaoli": 0.55, "kefu1": 0.8, "kefu2": 0.4, "kefu3": 0.7}
        for who, level in skill.items():
            uid = people[who].id
            for day in range(7):
                when = noon(day)
                right = [(i + day) % 10 < level * 10 for i in range(len(questions))]
                percent = 100.0 * sum(right) / len(right)
                attempt = Attempt(
                    exam_id=exam.id, user_id=uid, seed=day, status="graded", started_at=when,
                    submitted_at=when, percent=percent, passed=percent >= 60, score=percent, max_score=100,
                )  # fmt: skip
                s.add(attempt)
                s.flush()
                for pos, (q, ok) in enumerate(zip(questions, right, strict=True)):
                    s.add(
                        AttemptItem(
                            attempt_id=attempt.id, position=pos, question_id=q.id, question_version=1,
                            points=1.0, score=1.0 if ok else 0.0, correct=ok,
                        )
                    )  # fmt: skip
                if day % 2 == 0 or who == "kefu1":
                    score = int(50 + level * 40 + day)
                    sc = scenarios[0] if day % 3 else scenarios[1]
                    key, title, stage = sc.key, sc.title, sc.stage
                    missed = [{"key_point_id": points[key][1]}] if level < 0.7 else []
                    if day % 4 == 0:
                        missed.append({"key_point_id": points[key][2]})
                    banned = [{"rule": "absolute_terms", "word": "最好"}] if day % 3 == 0 else []
                    forbidden = [{"id": "promise", "word": "保证"}] if who == "kefu2" else []
                    rp = RolePlaySession(
                            user_id=uid, scenario_key=key, scenario_title=title, stage=stage, status="finished",
                            draft=False, started_at=when, ended_at=when, score=score, success=score >= 75,
                            dim_knowledge=score - 5, dim_standard=score, dim_communication=score + 3,
                            dim_speed=min(100, score + 8), dim_compliance=min(100, score + 10),
                            avg_reply_seconds=8.0 + 9 * day * (1 - level) + 20 * (who == "kefu2"),
                            scorecard={"missed": missed, "replies": [{"banned": banned, "forbidden": forbidden}]},
                        )  # fmt: skip
                    s.add(rp)
                    s.flush()
                    stats_rollup.record_misses(s, rp)  # as grading does
                s.add(
                    PhraseDrillAttempt(
                        user_id=uid, kind="typing", created_at=when, net_cpm=40 + 40 * level + day
                    )
                )
                s.add(PhraseDrillAttempt(user_id=uid, kind="recall", created_at=when, correct=day % 3 != 0))
            for q, ok in zip(questions, right, strict=True):
                if not ok:
                    s.add(WrongBookEntry(user_id=uid, question_id=q.id))
        s.flush()
        ids = {k: u.id for k, u in people.items()}
        actors = {k: actor_for(u) for k, u in people.items()}
        return History(ids, presale.id, after.id, actors)


# --- fixtures -----------------------------------------------------------------------------------------


@pytest.fixture
def history(services: Any) -> History:
    return fill_history(services)


@pytest.fixture
def statuses() -> list[str]:
    return []


@pytest.fixture
def make_page(
    qtbot: Any, services: Any, runner: Any, login_as: Any, statuses: list[str], history: History
) -> Callable[..., DashboardPage]:
    def make(who: tuple[str, str, str] | Actor) -> DashboardPage:
        actor = who if isinstance(who, Actor) else login_as(who)
        ctx = PageContext(services, runner, actor, show_status=statuses.append)
        page = DashboardPage(ctx)
        page.resize(*SHOTS_SIZE)
        qtbot.addWidget(page)
        page.show()
        page.page_shown()
        settle(qtbot, page)
        return page

    return make


def settle(qtbot: Any, page: DashboardPage) -> None:
    qtbot.wait(5)
    qtbot.waitUntil(lambda: page.ctx.runner.is_idle() and not page.loading, timeout=15000)


def show_tab(qtbot: Any, page: DashboardPage, index: int) -> None:
    page.view.tabs.setCurrentIndex(index)
    settle(qtbot, page)


def last_30_days() -> tuple[datetime, datetime]:
    return period_range("30d", date.today())


def values(points: list[list[tuple[float, float]]]) -> list[list[float]]:
    return [[round(y, 2) for _x, y in series] for series in points]


# --- pure parts ---------------------------------------------------------------------------------------


def test_periods_cover_whole_local_days() -> None:
    wed = date(2026, 12, 2)
    assert period_days("today", wed) == (wed, wed)
    assert period_days("week", wed) == (date(2026, 11, 30), wed)
    assert period_days("month", wed) == (date(2026, 12, 1), wed)
    assert period_days("30d", wed) == (date(2026, 11, 3), wed)
    assert period_days("custom", wed, date(2026, 12, 5), date(2026, 12, 1)) == (
        date(2026, 12, 1),
        date(2026, 12, 5),
    )
    start, end = period_range("today", wed)
    assert end - start == timedelta(days=1) and start.tzinfo is not None
    assert start.astimezone().replace(tzinfo=None) == datetime(2026, 12, 2)


def test_a_weak_point_becomes_the_matching_assignment() -> None:
    now = datetime(2026, 12, 2, tzinfo=UTC)
    args = {"scope_kind": "team", "scope_value": "3", "scope_label": "沁屿售前组", "now": now}
    cat = drill_plan("categories", WeakItem("售后政策", 6, 10, 0.6, key="售后政策"), **args)
    assert (cat.kind, cat.target) == ("drill", "practice")
    assert cat.params == {"kind": "practice", "count": 20, "categories": ["售后政策"]}
    assert cat.due_at == now + timedelta(days=7) and "60%" in cat.note
    kp = drill_plan("key_points", WeakItem("sc-a · ask-need", 3, 4, 0.75, key="sc-a:ask-need"), **args)
    assert (kp.kind, kp.target, kp.params) == ("scenario", "sc-a", {"min_score": 80, "times": 1})
    qc = drill_plan("qc_items", WeakItem("违禁用语“最好”", 2, 9, 0.22, key="banned:x:最好"), **args)
    assert (qc.kind, qc.target, qc.params) == ("drill", "recall", {"kind": "recall", "count": 20})


# --- registration ---------------------------------------------------------------------------------------


def test_the_page_is_registered_for_every_role(login_as: Any, accounts: Any) -> None:
    from cstrainer.gui.pages import load_builtin_pages

    load_builtin_pages()
    spec = REGISTRY.get("dashboard")
    assert spec.display_title() == "报表" and spec.order == ORDER["报表"] == 60
    for who in (accounts.manager, accounts.trainer, accounts.trainee):
        assert spec.allows(login_as(who))


# --- a manager: every tab with data, and screenshots ----------------------------------------------------


def test_a_manager_sees_every_tab_with_the_services_figures(
    qtbot: Any, make_page: Any, accounts: Any, services: Any, history: History, screenshot: Any, login_as: Any
) -> None:
    page = make_page(accounts.manager)
    v = page.view
    boss = login_as(accounts.manager)
    start, end = last_30_days()
    assert v.period_combo.currentText() == "近 30 天" and not v.from_edit.isVisible()
    assert [v.tabs.tabText(i) for i in range(v.tabs.count())] == [
        "团队概览", "个人画像", "场景统计", "题目统计", "排行榜", "薄弱点",
    ]  # fmt: skip
    # the pickers: every team, every trainee and agent
    assert [v.team_combo.itemText(i) for i in range(v.team_combo.count())] == [
        "全部团队",
        "轻廓售后组",
        "沁屿售前组",
    ]
    assert v.person_combo.count() == 1 + 4

    # 团队概览 = services.analytics.team_overview
    o = services.analytics.team_overview(boss, None, start, end)
    assert v.tabs.currentIndex() == v.overview_tab and page.overview == o
    assert v.people_card.value_label.text() == f"{o.active_people} / {o.people}" == "4 / 4"
    assert v.exams_card.value_label.text() == str(o.exam_attempts) == "28"
    assert v.pass_card.value_label.text() == f"{o.exam_pass_rate * 100:.0f}%"
    assert (
        category_labels(v.dimension_chart)
        == list(o.dimension_avgs)
        == ["专业知识", "服务规范", "沟通技巧", "响应时效", "合规"]
    )
    assert values(series_points(v.dimension_chart)) == [[round(x, 2) for x in o.dimension_avgs.values()]]
    assert values(series_points(v.response_chart)) == [[float(n) for _l, n in o.response_time_histogram]]
    assert category_labels(v.response_chart)[0] == "≤10 秒"
    trend = series_points(v.score_trend_chart)
    assert [len(s) for s in trend] == [len(o.score_trend), len(o.exam_trend)] == [7, 7]
    assert values(trend) == [[v for _d, v in o.score_trend], [v for _d, v in o.exam_trend]]
    screenshot(page, "dashboard_overview")

    # one team
    page.select_team(history.team_id)
    settle(qtbot, page)
    assert v.person_combo.count() == 1 + 3
    assert page.overview is not None and page.overview.team_name == "沁屿售前组" and page.overview.people == 3

    # 个人画像: pick a person
    show_tab(qtbot, page, v.profile_tab)
    assert "选择一位同事" in v.profile_header.text() and v.radar_chart.showing_message()
    page.select_person(history.ids["kefu2"])
    settle(qtbot, page)
    p = services.analytics.agent_profile(boss, history.ids["kefu2"], start, end)
    assert page.profile == p and "赵敏" in v.profile_header.text() and "上岗" in v.profile_header.text()
    assert [len(s) for s in series_points(v.exam_trend_chart)] == [len(p.exam_trend)] == [7]
    assert [len(s) for s in series_points(v.roleplay_trend_chart)] == [len(p.roleplay_trend)] == [4]
    radar = series_points(v.radar_chart)
    assert category_labels(v.radar_chart) == ["专业知识", "服务规范", "沟通技巧", "响应时效", "合规"]
    assert [round(y, 2) for _x, y in radar[0][:5]] == [round(x, 2) for x in p.dimension_avgs.values()]
    assert page.category_model.rowCount() == len(p.weak_categories) == 4
    assert page.topic_model.rowCount() == len(p.wrong_book_topics) > 0
    shown = sorted_rows(v.weak_categories_table)
    assert [r.wrong_rate for r in shown] == sorted((r.wrong_rate for r in shown), reverse=True)
    screenshot(page, "dashboard_profile")

    # 场景统计 and 题目统计 (sortable tables)
    show_tab(qtbot, page, v.scenarios_tab)
    rows = services.analytics.scenario_stats(
        boss, start, end, team_id=history.team_id, user_id=history.ids["kefu2"]
    )
    assert page.scenario_model.rows() == rows and len(rows) == 2
    page.select_person(None)
    settle(qtbot, page)
    rows = services.analytics.scenario_stats(boss, start, end, team_id=history.team_id)
    assert page.scenario_model.rows() == rows and sum(r.sessions for r in rows) == 4 + 7 + 4
    v.scenario_table.sortByColumn(3, Qt.SortOrder.DescendingOrder)
    shown_scores = [r.avg_score for r in sorted_rows(v.scenario_table)]
    assert shown_scores == sorted(shown_scores, reverse=True)
    screenshot(page, "dashboard_scenarios")
    show_tab(qtbot, page, v.questions_tab)
    questions = services.analytics.question_stats(boss, start, end, team_id=history.team_id)
    assert page.question_model.rows() == questions and len(questions) == 8
    v.question_search.setText("售后政策")
    assert v.question_table.model().rowCount() == 2
    v.question_search.clear()
    screenshot(page, "dashboard_questions")

    # 排行榜: opted-in people only (kefu2 did not opt in)
    show_tab(qtbot, page, v.leaderboard_tab)
    board = services.analytics.leaderboard(boss, history.team_id, start, end, "roleplay_avg")
    assert page.leaderboard_model.rows() == board
    assert {r.login for r in board} == {"xiaoli", "kefu1"}
    assert values(series_points(v.leaderboard_chart)) == [[r.value for r in board]]
    v.metric_combo.setCurrentIndex(v.metric_combo.findData("typing_best"))
    settle(qtbot, page)
    assert page.leaderboard_model.rows() == services.analytics.leaderboard(
        boss, history.team_id, start, end, "typing_best"
    )
    assert not v.opt_in_check.isVisible()  # managers are not on the boards
    screenshot(page, "dashboard_leaderboard")

    # 薄弱点
    show_tab(qtbot, page, v.weak_tab)
    weak = services.analytics.weak_points(boss, team_id=history.team_id, start=start, end=end)
    assert page.weak is not None and page.weak.points == weak
    assert page.weak_models["categories"].rows() == weak.categories and len(weak.categories) == 4
    assert page.weak_models["key_points"].rows() == weak.key_points and weak.key_points
    assert page.weak_models["qc_items"].rows() == weak.qc_items and weak.qc_items
    assert v.weak_scope_label.text() == "范围：沁屿售前组"
    assert v.drill_button.isVisible() and v.drill_button.isEnabled()
    screenshot(page, "dashboard_weak_points")


def test_the_custom_period_and_a_reload_when_it_changes(
    qtbot: Any, make_page: Any, accounts: Any, services: Any, login_as: Any
) -> None:
    page = make_page(accounts.manager)
    v = page.view
    v.period_combo.setCurrentIndex(v.period_combo.findData("custom"))
    assert v.from_edit.isVisible() and v.to_edit.isVisible()
    yesterday = date.today() - timedelta(days=1)
    v.from_edit.setDate(yesterday)
    v.to_edit.setDate(yesterday)
    settle(qtbot, page)
    start, end = period_range("custom", date.today(), yesterday, yesterday)
    o = services.analytics.team_overview(login_as(accounts.manager), None, start, end)
    assert page.overview == o and o.exam_attempts == 4
    assert [len(s) for s in series_points(v.score_trend_chart)] == [len(o.score_trend), len(o.exam_trend)]
    v.period_combo.setCurrentIndex(v.period_combo.findData("today"))
    settle(qtbot, page)
    assert (
        page.overview is not None
        and page.overview.exam_attempts == 4
        and page.overview.start == period_range("today", date.today())[0]
    )


# --- an agent sees only their own figures ---------------------------------------------------------------


def test_an_agent_sees_only_their_own_figures(
    qtbot: Any, make_page: Any, accounts: Any, services: Any, history: History, screenshot: Any, login_as: Any
) -> None:
    me = login_as(accounts.trainee)
    page = make_page(accounts.trainee)
    v = page.view
    start, end = last_30_days()
    assert not v.tabs.isTabVisible(v.overview_tab) and v.tabs.currentIndex() == v.profile_tab
    assert not v.team_combo.isVisible() and not v.person_combo.isVisible() and not v.drill_button.isVisible()
    assert page.profile == services.analytics.agent_profile(me, me.user_id, start, end)
    assert "李小丽" in v.profile_header.text()
    assert [len(s) for s in series_points(v.exam_trend_chart)] == [7]
    screenshot(page, "dashboard_agent_profile")
    show_tab(qtbot, page, v.scenarios_tab)
    mine = services.analytics.scenario_stats(me, start, end, user_id=me.user_id)
    assert page.scenario_model.rows() == mine and sum(r.sessions for r in mine) == 4
    show_tab(qtbot, page, v.weak_tab)
    assert page.weak is not None and page.weak.scope == "本人"
    assert page.weak.points == services.analytics.weak_points(me, user_id=me.user_id, start=start, end=end)
    # the leaderboard of the own team only (xiaoli opted in)
    show_tab(qtbot, page, v.leaderboard_tab)
    assert v.opt_in_check.isVisible() and v.opt_in_check.isChecked()
    assert {r.login for r in page.leaderboard_model.rows()} == {"xiaoli", "kefu1"}
    screenshot(page, "dashboard_agent_leaderboard")


def test_an_agent_who_did_not_opt_in_is_told_how_and_can_join(
    qtbot: Any, make_page: Any, history: History, services: Any, statuses: list[str]
) -> None:
    page = make_page(history.actors["kefu2"])
    v = page.view
    show_tab(qtbot, page, v.leaderboard_tab)
    assert not v.opt_in_check.isChecked() and page.leaderboard_model.rowCount() == 0
    assert "加入本组排行榜" in page.leaderboard_error and v.leaderboard_chart.showing_message()
    v.opt_in_check.setChecked(True)
    settle(qtbot, page)
    assert "已加入本组排行榜" in statuses
    assert services.growth.leaderboard_opt_in(history.actors["kefu2"])
    assert {r.login for r in page.leaderboard_model.rows()} == {"xiaoli", "kefu1", "kefu2"}


# --- 薄弱点通关 ------------------------------------------------------------------------------------------


def test_a_trainer_assigns_a_weak_point_drill_to_a_team_and_a_person(
    qtbot: Any, make_page: Any, accounts: Any, services: Any, history: History, fake_prompts: Any,
    statuses: list[str], login_as: Any,
) -> None:  # fmt: skip
    trainer = login_as(accounts.trainer)
    page = make_page(accounts.trainer)
    v = page.view
    show_tab(qtbot, page, v.weak_tab)
    # everybody: a scope must be chosen first
    qtbot.mouseClick(v.drill_button, Qt.MouseButton.LeftButton)
    assert fake_prompts.infos and "选择一个团队" in fake_prompts.infos[-1]
    assert services.assignments.list_assignments(trainer) == []

    page.select_team(history.team_id)
    settle(qtbot, page)
    assert page.weak is not None
    worst = sorted_rows(v.weak_category_table)[0]
    assert worst.misses == max(c.misses for c in page.weak.points.categories)
    qtbot.mouseClick(v.drill_button, Qt.MouseButton.LeftButton)  # nothing selected: the most missed category
    settle(qtbot, page)
    assert "沁屿售前组" in fake_prompts.confirms[-1] and worst.label in fake_prompts.confirms[-1]
    [a] = services.assignments.list_assignments(trainer)
    assert (a.kind, a.target, a.scope_kind, a.scope_value) == (
        "drill",
        "practice",
        "team",
        str(history.team_id),
    )
    assert a.params["categories"] == [worst.label] and a.due_at is not None
    assert any(s.startswith("已布置") for s in statuses)

    # a person, and a scenario key point picked in its table
    page.select_person(history.ids["kefu2"])
    settle(qtbot, page)
    table = v.weak_key_point_table
    table.selectionModel().select(
        table.model().index(0, 0),
        QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
    )
    chosen = table.model().index(0, 0).data(Qt.ItemDataRole.UserRole + 2)
    qtbot.mouseClick(v.drill_button, Qt.MouseButton.LeftButton)
    settle(qtbot, page)
    newest = max(services.assignments.list_assignments(trainer), key=lambda x: x.id)
    assert (newest.kind, newest.scope_kind, newest.scope_value) == (
        "scenario",
        "person",
        str(history.ids["kefu2"]),
    )
    assert newest.target == chosen.key.split(":")[0]
    tasks = services.assignments.my_tasks(history.actors["kefu2"])
    assert {t.assignment_id for t in tasks} >= {a.id, newest.id}


# --- 导出报表 ----------------------------------------------------------------------------------------------


def test_the_export_dialog_writes_a_team_xlsx_report(
    qtbot: Any, make_page: Any, accounts: Any, history: History, fake_prompts: Any, tmp_path: Path,
    statuses: list[str], screenshot: Any,
) -> None:  # fmt: skip
    import openpyxl

    page = make_page(accounts.manager)
    page.select_team(history.team_id)
    settle(qtbot, page)
    dialog = page.open_export_dialog()
    qtbot.waitExposed(dialog)
    assert isinstance(dialog, ExportDialog)
    assert dialog.team_radio.isChecked() and dialog.week_radio.isChecked() and dialog.xlsx_radio.isChecked()
    assert dialog.target_combo.currentText() == "沁屿售前组"
    assert "至" in dialog.period_hint.text()
    screenshot(dialog, "dashboard_export_dialog")
    fake_prompts.save_file = tmp_path / "周报"  # the suffix is added
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.export_task is None and page.ctx.runner.is_idle(), timeout=20000)
    out = tmp_path / "周报.xlsx"
    assert out.is_file() and any(str(out) in s for s in statuses)
    book = openpyxl.load_workbook(out)
    cells = [
        str(c.value) for ws in book.worksheets for row in ws.iter_rows() for c in row if c.value is not None
    ]
    assert any("沁屿售前组" in c for c in cells) and any("王小客" in c for c in cells)


def test_an_agent_exports_their_own_pdf_report(
    qtbot: Any, make_page: Any, accounts: Any, fake_prompts: Any, tmp_path: Path
) -> None:
    page = make_page(accounts.trainee)
    dialog = page.open_export_dialog()
    assert dialog.agent_radio.isChecked() and not dialog.team_radio.isEnabled()
    assert [dialog.target_combo.itemData(i) for i in range(dialog.target_combo.count())] == ["xiaoli"]
    dialog.month_radio.setChecked(True)
    dialog.pdf_radio.setChecked(True)
    fake_prompts.save_file = tmp_path / "me.pdf"
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.export_task is None and page.ctx.runner.is_idle(), timeout=20000)
    assert (tmp_path / "me.pdf").read_bytes().startswith(b"%PDF")


def test_a_team_trainer_picks_only_from_the_own_team(
    qtbot: Any, make_page: Any, services: Any, history: History
) -> None:
    with services.db.session() as s:
        trainer = s.query(User).filter_by(login="peixun").one()
        trainer.team_id = history.team_id
        s.flush()
        actor = actor_for(trainer)
    page = make_page(actor)
    v = page.view
    assert [v.team_combo.itemText(i) for i in range(v.team_combo.count())] == ["沁屿售前组"]
    assert not v.team_combo.isEnabled()
    assert sorted(v.person_combo.itemData(i) for i in range(1, v.person_combo.count())) == sorted(
        history.ids[k] for k in ("xiaoli", "kefu1", "kefu2")
    )
    assert page.overview is not None and page.overview.team_name == "沁屿售前组" and page.overview.people == 3


# --- a living demo history (services.demo_data) ----------------------------------------------------------


@pytest.fixture
def demo(seeded_template: Path, tmp_path: Path) -> Any:
    import shutil

    from cstrainer.services import SYSTEM, Services
    from cstrainer.services.demo_data import generate
    from cstrainer.storage.database import open_database

    path = tmp_path / "demo.sqlite"
    shutil.copyfile(seeded_template, path)
    services = Services(open_database(f"sqlite:///{path}"))
    summary = generate(services.db, SYSTEM, agents=8, days=12, seed=11)
    assert summary.sessions > 0 and summary.exam_attempts > 0
    yield services
    services.close()


def test_the_demo_history_fills_every_dashboard(qtbot: Any, demo: Any, runner: Any, screenshot: Any) -> None:
    manager = demo.auth.login("zhuguan", "demo1234", source="test")
    page = DashboardPage(PageContext(demo, runner, manager))
    page.resize(*SHOTS_SIZE)
    qtbot.addWidget(page)
    page.show()
    page.page_shown()
    settle(qtbot, page)
    v = page.view
    start, end = last_30_days()
    o = demo.analytics.team_overview(manager, None, start, end)
    assert page.overview == o and o.sessions > 0 and o.people >= 8
    assert values(series_points(v.dimension_chart)) == [[round(x, 2) for x in o.dimension_avgs.values()]]
    assert sum(y for _x, y in series_points(v.response_chart)[0]) == sum(
        n for _l, n in o.response_time_histogram
    )
    screenshot(page, "dashboard_demo_overview")
    page.select_person(v.person_combo.itemData(1))
    show_tab(qtbot, page, v.profile_tab)
    assert page.profile is not None and not v.radar_chart.showing_message()
    screenshot(page, "dashboard_demo_profile")
    show_tab(qtbot, page, v.weak_tab)
    page.select_person(None)
    settle(qtbot, page)
    weak = demo.analytics.weak_points(manager, start=start, end=end)
    assert page.weak is not None and page.weak.points == weak and weak.categories and weak.key_points
    # key points show the scenario's title and the point's feedback, not the two ids
    first = page.weak_models["key_points"].index(0, 0).data()
    assert " · " in first and first != weak.key_points[0].label
    screenshot(page, "dashboard_demo_weak_points")
