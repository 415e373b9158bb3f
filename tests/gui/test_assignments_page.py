"""任务分配 (trainers, managers): the 新建任务 dialog with its target pickers, scopes, due date and
params; the list with completion x/y; each person's status on selection; 取消任务.

The ``seeded`` database has the shipped content and the demo accounts (password demo1234):
manager zhuguan, trainer peixun (no team), agent kefu (沁屿售前组), trainee xinren (轻廓售前组).
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest

from cstrainer.gui.context import PageContext
from cstrainer.gui.pages.assignments_page import AssignmentsPage, NewAssignmentDialog
from cstrainer.gui.pages.registry import ORDER, REGISTRY
from cstrainer.gui.qt import QColor, Qt
from cstrainer.gui.style import GREY
from cstrainer.storage.models import utcnow

pytestmark = pytest.mark.gui

PASSWORD = "demo1234"
SHOTS_SIZE = (1240, 760)


@pytest.fixture(autouse=True)
def _qt_garbage_on_the_ui_thread(qapp: Any) -> Iterator[None]:
    gc.collect()
    yield
    gc.collect()


def login(svc: Any, who: str) -> Any:
    return svc.auth.login(who, PASSWORD, source="test")


@pytest.fixture
def make_page(qtbot: Any, seeded: Any, runner: Any) -> Callable[..., AssignmentsPage]:
    def make(who: str = "peixun") -> AssignmentsPage:
        page = AssignmentsPage(PageContext(seeded, runner, login(seeded, who)))
        page.resize(*SHOTS_SIZE)
        qtbot.addWidget(page)
        page.show()
        page.page_shown()
        runner.wait_until_idle(20)
        return page

    return make


def idle(page: AssignmentsPage) -> None:
    page.ctx.runner.wait_until_idle(20)


def submit(qtbot: Any, page: AssignmentsPage, dialog: NewAssignmentDialog) -> None:
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    idle(page)
    idle(page)


def cells(page: AssignmentsPage, row: int) -> list[str]:
    return [page.proxy.index(row, c).data() for c in range(page.proxy.columnCount())]


def test_the_page_is_for_trainers_and_managers(seeded: Any) -> None:
    from cstrainer.gui.pages import load_builtin_pages

    load_builtin_pages()
    spec = REGISTRY.get("assignments")
    assert spec.display_title() == "任务分配" and spec.order == ORDER["任务分配"] == 58
    assert spec.allows(login(seeded, "peixun")) and spec.allows(login(seeded, "zhuguan"))
    assert not spec.allows(login(seeded, "kefu")) and not spec.allows(login(seeded, "xinren"))


def test_the_dialog_offers_every_kind_scope_and_param(
    qtbot: Any, make_page: Any, seeded: Any, screenshot: Any
) -> None:
    page = make_page()
    dialog = page.new_assignment()
    assert dialog is not None
    # the kinds and their targets come from the services
    assert [dialog.kind_combo.itemText(i) for i in range(dialog.kind_combo.count())] == [
        "考试",
        "对话场景",
        "话术练习",
        "手册",
    ]
    dialog.set_kind("exam")
    exams = [dialog.target_combo.itemData(i) for i in range(dialog.target_combo.count())]
    assert "onboarding-entry" in exams
    dialog.set_kind("scenario")
    scenarios = {s.key for s in seeded.roleplay.list_scenarios(login(seeded, "peixun"))}
    assert {dialog.target_combo.itemData(i) for i in range(dialog.target_combo.count())} == scenarios
    assert dialog.min_score_spin.isVisibleTo(dialog) and dialog.min_score_spin.value() == 80
    dialog.set_kind("drill")
    assert [dialog.target_combo.itemData(i) for i in range(dialog.target_combo.count())] == [
        "recall",
        "typing",
        "practice",
    ]
    dialog.set_target("typing")
    assert dialog.cpm_spin.isVisibleTo(dialog) and dialog.count_spin.value() == 3
    dialog.set_target("recall")
    assert not dialog.cpm_spin.isVisibleTo(dialog) and dialog.count_spin.value() == 20
    dialog.set_kind("handbook")
    assert all(":" in str(dialog.target_combo.itemData(i)) for i in range(dialog.target_combo.count()))
    # scopes: people, teams, roles, everyone
    dialog.set_scope("team")
    assert dialog.scope_value_combo.findText("沁屿售前组") >= 0
    dialog.set_scope("role")
    assert [dialog.scope_value_combo.itemData(i) for i in range(dialog.scope_value_combo.count())] == [
        "trainee",
        "agent",
    ]
    dialog.set_scope("everyone")
    assert not dialog.scope_value_combo.isVisibleTo(dialog)
    dialog.set_scope("person")
    assert dialog.scope_value_combo.findText("陈佳怡（kefu，沁屿售前组）") >= 0

    # a scenario for a team, twice at 85, due in a week
    dialog.set_kind("scenario")
    dialog.set_scope("team")
    dialog.scope_value_combo.setCurrentIndex(dialog.scope_value_combo.findText("沁屿售前组"))
    dialog.min_score_spin.setValue(85)
    dialog.times_spin.setValue(2)
    due = utcnow() + timedelta(days=7)
    dialog.set_due(due)
    dialog.note_edit.setPlainText("本周练熟")
    assert dialog.params() == {"min_score": 85, "times": 2}
    screenshot(dialog, "assignments_new_dialog")
    target = dialog.target_combo.currentData()
    submit(qtbot, page, dialog)
    assert not dialog.isVisible()
    (made,) = seeded.assignments.list_assignments(login(seeded, "peixun"))
    assert made.kind == "scenario" and made.target == target and made.scope_kind == "team"
    assert made.params == {"min_score": 85, "times": 2} and made.note == "本周练熟"
    assert made.due_at is not None and abs((made.due_at - due).total_seconds()) < 60
    # listed and selected, with the team's status below
    selected = page.selected()
    assert selected is not None and selected.id == made.id
    row = page.model.find(lambda r: r.id == made.id)
    assert cells(page, page.proxy.mapFromSource(page.model.index(row, 0)).row())[1:5] == [
        "对话场景",
        "小组：沁屿售前组",
        made.due_at.astimezone().strftime("%Y-%m-%d %H:%M"),
        "0/1",
    ]
    assert [r.login for r in page.status_model.rows()] == ["kefu"]
    assert page.view.status_summary.text().startswith("0/1 人已完成")
    screenshot(page, "assignments_page")


def test_refusals_show_in_the_dialog(qtbot: Any, make_page: Any) -> None:
    page = make_page()
    dialog = page.new_assignment()
    assert dialog is not None
    dialog.set_kind("exam")
    dialog.set_scope("everyone")
    dialog.set_due(utcnow() - timedelta(hours=1))  # the service refuses a due date in the past
    submit(qtbot, page, dialog)
    assert dialog.isVisible()
    assert "截止时间必须晚于现在" in dialog.field_message("due_at") + dialog.general_message()
    dialog.set_due(None)
    submit(qtbot, page, dialog)
    assert not dialog.isVisible()
    assert page.model.rowCount() == 1
    assert cells(page, 0)[2:4] == ["全员", "不限"]


def test_cancelling_an_assignment(qtbot: Any, make_page: Any, seeded: Any, fake_prompts: Any) -> None:
    trainer = login(seeded, "peixun")
    kefu = login(seeded, "kefu")
    a = seeded.assignments.assign(trainer, "drill", "recall", scope_kind="person", scope_value=kefu.user_id)
    page = make_page()
    assert page.selected() is not None and page.selected().id == a.id  # type: ignore[union-attr]
    assert page.view.cancel_button.isEnabled()
    qtbot.mouseClick(page.view.cancel_button, Qt.MouseButton.LeftButton)
    idle(page)
    idle(page)
    assert "取消任务" in fake_prompts.confirms[-1]
    assert seeded.assignments.my_tasks(kefu) == []
    assert page.model.rowCount() == 0 and page.view.empty_label.isVisibleTo(page)
    # still there for the record
    page.view.show_cancelled_check.setChecked(True)
    assert page.model.rowCount() == 1
    assert cells(page, 0)[-1] == "已取消"
    assert page.model.index(0, 0).data(Qt.ItemDataRole.ForegroundRole) == QColor(GREY)
    page.view.table.selectRow(0)
    idle(page)
    assert not page.view.cancel_button.isEnabled()
