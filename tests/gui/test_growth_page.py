"""成长路径: an agent sees their stage, the next one and each criterion (have / need / bar), their
promotion history and the leaderboard opt-in, but no team table; trainers see the team table;
a manager promotes through 晋升… and the promotion is recorded.

The ``seeded`` database has the shipped content, the growth path file and the demo accounts
(password demo1234): manager zhuguan, trainer peixun (no team), agent kefu, trainee xinren.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from cstrainer.gui.context import PageContext
from cstrainer.gui.pages import growth_page
from cstrainer.gui.pages.growth_page import GrowthPage, PromoteDialog
from cstrainer.gui.pages.registry import ORDER, REGISTRY
from cstrainer.gui.qt import QColor, Qt
from cstrainer.gui.style import GREEN

pytestmark = pytest.mark.gui

PASSWORD = "demo1234"
SHOTS_SIZE = (1240, 760)
TYPING_TEXT = "亲，欢迎光临小屿家～请问有什么可以帮您？"


@pytest.fixture(autouse=True)
def _qt_garbage_on_the_ui_thread(qapp: Any) -> Iterator[None]:
    gc.collect()
    yield
    gc.collect()


def login(svc: Any, who: str) -> Any:
    return svc.auth.login(who, PASSWORD, source="test")


@pytest.fixture
def statuses() -> list[str]:
    return []


@pytest.fixture
def make_page(qtbot: Any, seeded: Any, runner: Any, statuses: list[str]) -> Callable[..., GrowthPage]:
    def make(who: str) -> GrowthPage:
        page = GrowthPage(PageContext(seeded, runner, login(seeded, who), show_status=statuses.append))
        page.resize(*SHOTS_SIZE)
        qtbot.addWidget(page)
        page.show()
        page.page_shown()
        idle(page)
        return page

    return make


def idle(page: GrowthPage) -> None:
    page.ctx.runner.wait_until_idle(20)
    page.ctx.runner.wait_until_idle(20)


def criteria_cells(page: GrowthPage) -> list[list[str]]:
    table = page.view.person.criteria_table
    return [
        [table.item(r, c).text() if table.item(r, c) else "" for c in range(table.columnCount())]
        for r in range(table.rowCount())
    ]


def team_logins(page: GrowthPage) -> list[str]:
    return [r.login for r in page.team_model.rows()]


def test_the_page_is_there_for_everyone(seeded: Any) -> None:
    from cstrainer.gui.pages import load_builtin_pages

    load_builtin_pages()
    spec = REGISTRY.get("growth")
    assert spec.display_title() == "成长路径" and spec.order == ORDER["成长路径"] == 55
    for who in ("zhuguan", "peixun", "kefu", "xinren"):
        assert spec.allows(login(seeded, who))


def test_an_agent_sees_their_criteria_history_and_opt_in(
    qtbot: Any, make_page: Any, seeded: Any, screenshot: Any, statuses: list[str]
) -> None:
    svc = seeded
    kefu = login(svc, "kefu")
    # three typing rounds well above 40 字/分 meet one criterion of 上岗
    for _ in range(3):
        svc.phrase_drills.submit_typing(kefu, TYPING_TEXT, TYPING_TEXT, 10.0)
    expected = svc.growth.progress(kefu, kefu.user_id)
    assert expected.stage == "新人" and expected.next_stage == "上岗"

    page = make_page("kefu")
    v = page.view
    # no team table for an agent, no 晋升 button
    assert not v.team_box.isVisibleTo(page)
    assert not v.person.promote_button.isVisibleTo(page)
    assert v.person.name_label.text() == "我的成长路径"
    assert "当前阶段：新人" in v.person.status_label.text() and "上岗" in v.person.status_label.text()
    assert v.person.criteria_box.title() == "晋升“上岗”的条件"
    # one row per criterion: label, have, need, bar, verdict
    rows = criteria_cells(page)
    assert [r[0] for r in rows] == [c.label for c in expected.criteria]
    typing_row = next(i for i, c in enumerate(expected.criteria) if c.kind == "typing")
    assert rows[typing_row][1:3] == ["3 次", "≥ 3 次"] and rows[typing_row][4] == "已达成"
    bar = page.criterion_bar(typing_row)
    assert bar is not None and bar.value() == 100
    assert v.person.criteria_table.item(typing_row, 4).foreground().color() == QColor(GREEN)
    exam_row = next(i for i, c in enumerate(expected.criteria) if c.kind == "exam_passed")
    assert rows[exam_row][1:3] == ["未通过", "通过"] and rows[exam_row][4] == "未达成"
    assert page.criterion_bar(exam_row).value() == 0  # type: ignore[union-attr]
    met = sum(1 for c in expected.criteria if c.met)
    assert f"已满足 {met}/{len(expected.criteria)}" in v.person.status_label.text()
    # the stage strip: 新人 is the current one
    chips = [v.person.path_row.itemAt(i).widget() for i in range(v.person.path_row.count())]
    assert [c.text() for c in chips if c is not None and c.objectName().startswith("stage_")] == [
        "新人",
        "上岗",
        "售后",
        "精英客服",
        "主管",
    ]
    # no promotions yet
    assert v.person.no_history_label.isVisibleTo(page) and not v.person.history_table.isVisibleTo(page)
    screenshot(page, "growth_page_agent")

    # the leaderboard opt-in is the agent's own switch
    assert not v.opt_in_check.isChecked()
    v.opt_in_check.click()
    idle(page)
    assert svc.growth.leaderboard_opt_in(kefu) is True
    assert statuses[-1] == "你的成绩会显示在小组排行榜中"


def test_a_trainer_sees_the_team_but_cannot_promote(
    make_page: Any, seeded: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(growth_page, "TEAM_CHUNK", 1)  # the table fills in one person per job
    page = make_page("peixun")
    v = page.view
    assert v.team_box.isVisibleTo(page)
    assert sorted(team_logins(page)) == ["kefu", "xinren"]
    assert not page.team_loading and v.team_count_label.text() == "共 2 人，0 人可晋升"
    assert not v.opt_in_check.isVisibleTo(page)  # leaderboards rank agents, not their trainers
    assert not v.person.promote_button.isVisibleTo(page)
    # the first person is shown
    assert page.shown is not None and page.shown.progress.login in ("kefu", "xinren")
    headers = [page.team_proxy.headerData(c, Qt.Orientation.Horizontal) for c in range(5)]
    assert headers == ["姓名", "小组", "阶段", "达标", "可晋升"]
    row = page.team_model.find(lambda r: r.login == "kefu")
    cells = [page.team_model.index(row, c).data() for c in range(5)]
    progress = seeded.growth.progress(login(seeded, "peixun"), page.team_model.record(row).user_id)
    met = sum(1 for c in progress.criteria if c.met)
    assert cells == ["陈佳怡", "沁屿售前组", "新人", f"{met}/{len(progress.criteria)}", ""]


def test_a_manager_promotes_with_a_note_and_it_is_recorded(
    qtbot: Any, make_page: Any, seeded: Any, screenshot: Any, statuses: list[str]
) -> None:
    svc = seeded
    page = make_page("zhuguan")
    v = page.view
    kefu_id = next(r.user_id for r in page.team_model.rows() if r.login == "kefu")
    assert page.select_person(kefu_id)
    idle(page)
    assert page.shown is not None and page.shown.user_id == kefu_id
    assert v.person.name_label.text() == "陈佳怡 的成长路径"
    assert v.person.promote_button.isVisibleTo(page) and v.person.promote_button.isEnabled()
    screenshot(page, "growth_page_manager")

    # 晋升… proposes the next stage; criteria are unmet, so a reason is required
    qtbot.mouseClick(v.person.promote_button, Qt.MouseButton.LeftButton)
    dialog = page.dialog
    assert isinstance(dialog, PromoteDialog) and dialog.isVisible()
    assert dialog.target() == "上岗" and not dialog.skips()
    assert "尚未满足" in dialog.warning.text()
    assert not dialog.force_check.isVisibleTo(dialog)
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and dialog.field_message("note") == "条件未全部满足，请写明提前晋升的原因"

    # skipping to 精英客服 must be forced
    dialog.stage_combo.setCurrentIndex(dialog.stage_combo.findData("精英客服"))
    assert dialog.skips() and dialog.force_check.isVisibleTo(dialog)
    assert "跳过中间阶段" in dialog.warning.text()
    dialog.note_edit.setPlainText("老员工转岗，经验丰富")
    screenshot(dialog, "growth_promote_dialog")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and "强制调整" in dialog.general_message()
    dialog.force_check.setChecked(True)
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    idle(page)
    assert not dialog.isVisible()

    # recorded: the stage, the promotion with its note, the status line, the page refreshed
    boss = login(svc, "zhuguan")
    (promotion,) = svc.growth.promotions(boss, kefu_id)
    assert (promotion.from_stage, promotion.to_stage, promotion.by) == ("新人", "精英客服", "zhuguan")
    assert promotion.note == "老员工转岗，经验丰富"
    assert svc.growth.progress(boss, kefu_id).stage == "精英客服"
    assert statuses[-1] == "已记录 陈佳怡 的晋升"
    assert page.shown is not None and page.shown.user_id == kefu_id
    assert page.shown.progress.stage == "精英客服"
    table = v.person.history_table
    assert table.isVisibleTo(page) and table.rowCount() == 1
    assert [table.item(0, c).text() for c in range(1, 5)] == [
        "新人",
        "精英客服",
        "zhuguan",
        "老员工转岗，经验丰富",
    ]
    row = page.team_model.find(lambda r: r.login == "kefu")
    assert page.team_model.index(row, 2).data() == "精英客服"
    screenshot(page, "growth_page_promoted")


def test_the_team_table_marks_who_is_ready() -> None:
    from cstrainer.gui.pages.growth_page import TeamMemberProgress, team_columns

    columns = team_columns()
    ready = TeamMemberProgress(1, "a", "甲", None, "新人", "上岗", 6, 6, True)
    top = TeamMemberProgress(2, "b", "乙", "售后组", "主管", None, 0, 0, False)
    assert [c.text(ready) for c in columns] == ["甲", "（不分组）", "新人", "6/6", "可晋升 → 上岗"]
    assert columns[4].foreground is not None and columns[4].foreground(ready) == QColor(GREEN)
    assert [c.text(top) for c in columns][2:] == ["主管", "—", "已是最高阶段"]
