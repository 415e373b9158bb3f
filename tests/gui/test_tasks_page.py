"""我的任务: a trainer assigns work through the 任务分配 dialog; the agent's home page shows it with
its progress, overdue work in red on top, finished work folded at the bottom; double-clicking a
task opens the page where it is done.

The ``seeded`` database has the shipped content and the demo accounts (password demo1234):
manager zhuguan, trainer peixun (no team: trains everybody), agent kefu, trainee xinren.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import update

from cstrainer.gui.context import PageContext
from cstrainer.gui.main_window import MainWindow
from cstrainer.gui.pages.assignments_page import AssignmentsPage, NewAssignmentDialog
from cstrainer.gui.pages.registry import ORDER, REGISTRY
from cstrainer.gui.pages.tasks_page import TASK_ROLE, TasksPage, group_tasks
from cstrainer.gui.qt import QColor, Qt
from cstrainer.gui.style import GREEN, RED
from cstrainer.services.assignments import Task
from cstrainer.storage.models import Assignment, utcnow

pytestmark = pytest.mark.gui

PASSWORD = "demo1234"
SHOTS_SIZE = (1240, 760)


@pytest.fixture(autouse=True)
def _qt_garbage_on_the_ui_thread(qapp: Any) -> Iterator[None]:
    """Pages are tied up in reference cycles: collect them here, on the UI thread."""
    gc.collect()
    yield
    gc.collect()


def login(svc: Any, who: str) -> Any:
    return svc.auth.login(who, PASSWORD, source="test")


@pytest.fixture
def make_page(qtbot: Any, seeded: Any, runner: Any) -> Callable[..., Any]:
    def make(cls: type, who: str) -> Any:
        page = cls(PageContext(seeded, runner, login(seeded, who)))
        page.resize(*SHOTS_SIZE)
        qtbot.addWidget(page)
        page.show()
        page.page_shown()
        runner.wait_until_idle(20)
        return page

    return make


def first_doc(svc: Any, who: str) -> Any:
    return svc.handbook.list_docs(login(svc, who), kind="product")[0]


def assign_through_dialog(
    qtbot: Any, page: AssignmentsPage, fill: Callable[[NewAssignmentDialog], None]
) -> Any:
    dialog = page.new_assignment()
    assert isinstance(dialog, NewAssignmentDialog) and dialog.isVisible()
    fill(dialog)
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    page.ctx.runner.wait_until_idle(20)
    qtbot.waitUntil(lambda: not dialog.isVisible() and not page.loading, timeout=20000)
    page.ctx.runner.wait_until_idle(20)
    return dialog.result_value


def set_due(svc: Any, assignment_id: int, when: Any) -> None:
    """Move a due date (the service refuses a past one; time passing does this in real life)."""
    with svc.db.session() as s:
        s.execute(update(Assignment).where(Assignment.id == assignment_id).values(due_at=when))


def task_rows(page: TasksPage) -> list[Task]:
    return [item.data(0, TASK_ROLE) for item in page.task_items()]


# --- registration ----------------------------------------------------------------------------------


def test_my_tasks_is_everyones_first_page(seeded: Any) -> None:
    from cstrainer.gui.pages import load_builtin_pages

    load_builtin_pages()
    spec = REGISTRY.get("tasks")
    assert spec.display_title() == "我的任务" and spec.order == ORDER["我的任务"] == 5
    for who in ("zhuguan", "peixun", "kefu", "xinren"):
        pages = REGISTRY.pages_for(login(seeded, who))
        assert pages[0].key == "tasks"


# --- the whole flow -------------------------------------------------------------------------------


def test_assigned_work_shows_on_the_agents_home_page_until_done(
    qtbot: Any, make_page: Any, seeded: Any, screenshot: Any
) -> None:
    svc = seeded
    kefu = login(svc, "kefu")
    doc = first_doc(svc, "kefu")
    trainer_page = make_page(AssignmentsPage, "peixun")

    # GIVEN a trainer who assigns a handbook document to kefu through the 新建任务 dialog
    def fill(d: NewAssignmentDialog) -> None:
        d.set_kind("handbook")
        d.set_target(f"product:{doc.key}")
        d.set_scope("person", str(kefu.user_id))
        d.note_edit.setPlainText("周五前读完，下周一抽查")

    created = assign_through_dialog(qtbot, trainer_page, fill)
    assert created.kind == "handbook" and created.target == f"product:{doc.key}"
    assert created.scope_kind == "person" and created.scope_value == str(kefu.user_id)
    assert created.due_at is not None and created.due_at > utcnow()
    # ... and an exam, through the service, due later
    exam = svc.assignments.assign(
        login(svc, "peixun"),
        "exam",
        "onboarding-entry",
        scope_kind="person",
        scope_value=str(kefu.user_id),
        due_at=utcnow() + timedelta(days=10),
    )

    # WHEN the handbook task is already past its due date and kefu opens 我的任务
    set_due(svc, created.id, utcnow() - timedelta(days=1))
    page = make_page(TasksPage, "kefu")

    # THEN both are open, the overdue one first, in red, with progress 0
    rows = task_rows(page)
    assert [t.assignment_id for t in rows] == [created.id, exam.id]
    late = rows[0]
    assert late.overdue and not late.done and late.progress == 0
    item = page.task_items()[0]
    assert item.foreground(0).color() == QColor(RED)
    assert "已逾期" in item.text(2) and item.text(1) == "手册"
    bar = page.progress_bar(item)
    assert bar is not None and bar.value() == 0
    assert page.done_group is None
    assert "1 项已逾期" in page.view.summary_label.text()
    assert page.open_group is not None and page.open_group.isExpanded()
    screenshot(page, "tasks_page_overdue")

    # ... and the trainer's list shows who is late
    trainer_page.reload()
    trainer_page.ctx.runner.wait_until_idle(20)
    late_row = trainer_page.model.find(lambda r: r.id == created.id)
    assert trainer_page.model.index(late_row, 6).data() == "1 人逾期"
    assert trainer_page.model.index(late_row, 0).data(Qt.ItemDataRole.ForegroundRole) == QColor(RED)

    # WHEN kefu reads the document (the work itself, done through the service)
    svc.handbook.mark_read(kefu, "product", doc.key)
    page.reload()
    page.ctx.runner.wait_until_idle(20)

    # THEN the task is done: folded at the bottom under 已完成, greyed, the bar full
    assert [t.assignment_id for t in page.groups.open] == [exam.id]
    assert [t.assignment_id for t in page.groups.done] == [created.id]
    assert page.done_group is not None and not page.done_group.isExpanded()
    assert page.done_group.text(0) == "已完成（1）"
    done_item = page.task_items()[-1]
    assert done_item.data(0, TASK_ROLE).done
    done_bar = page.progress_bar(done_item)
    assert done_bar is not None and done_bar.value() == 100
    assert "1 项任务待完成" in page.view.summary_label.text()
    page.done_group.setExpanded(True)
    screenshot(page, "tasks_page_done")

    # ... and the trainer's page counts it
    trainer_page.reload()
    trainer_page.ctx.runner.wait_until_idle(20)
    row = next(r for r in trainer_page.model.rows() if r.id == created.id)
    assert (row.done, row.total) == (1, 1)
    done_row = trainer_page.model.find(lambda r: r.id == created.id)
    assert trainer_page.model.index(done_row, 6).data() == "全部完成"


def test_grouping_puts_overdue_first_and_done_last() -> None:
    now = utcnow()

    def task(i: int, due: Any, done: bool = False, overdue: bool = False) -> Task:
        return Task(i, "exam", "k", f"t{i}", due, 1.0 if done else 0.0, done, overdue, "")

    groups = group_tasks(
        [
            task(1, now + timedelta(days=3)),
            task(2, None),
            task(3, now - timedelta(days=1), overdue=True),
            task(4, now + timedelta(days=1)),
            task(5, now - timedelta(days=2), done=True),
        ]
    )
    assert [t.assignment_id for t in groups.open] == [3, 4, 1, 2]
    assert [t.assignment_id for t in groups.done] == [5]
    assert groups.overdue == 1


def test_nothing_assigned(make_page: Any) -> None:
    page = make_page(TasksPage, "xinren")
    assert page.task_items() == []
    assert page.view.empty_label.isVisibleTo(page) and not page.view.tree.isVisibleTo(page)
    assert page.view.summary_label.text() == "暂无任务"


def test_double_click_opens_the_page_where_the_work_is_done(
    qtbot: Any, seeded: Any, runner: Any, screenshot: Any
) -> None:
    svc = seeded
    kefu = login(svc, "kefu")
    trainer = login(svc, "peixun")
    doc = first_doc(svc, "kefu")
    due = utcnow() + timedelta(days=3)
    for kind, target in (("exam", "onboarding-entry"), ("handbook", f"product:{doc.key}")):
        svc.assignments.assign(
            trainer, kind, target, scope_kind="person", scope_value=kefu.user_id, due_at=due
        )
    svc.assignments.assign(
        trainer, "drill", "typing", scope_kind="team", scope_value=str(kefu.team_id), params={"count": 2}
    )

    window = MainWindow(svc, runner, kefu)
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    runner.wait_until_idle(20)
    # the home page after login
    assert window.current_key() == "tasks" and window.page_titles()[0] == "我的任务"
    page = window.page("tasks")
    assert isinstance(page, TasksPage)
    qtbot.waitUntil(lambda: page.loaded, timeout=20000)

    def items() -> dict[str, Any]:  # the page rebuilds its rows each time it is shown
        return {t.kind: item for item, t in zip(page.task_items(), task_rows(page), strict=True)}

    kinds = items()
    assert set(kinds) == {"exam", "handbook", "drill"}
    screenshot(window, "main_window_tasks_home")

    # an exam opens 考试 with that exam selected
    tree = page.view.tree
    tree.itemDoubleClicked.emit(kinds["exam"], 0)
    runner.wait_until_idle(20)
    assert window.current_key() == "exams"
    exams = window.page("exams")
    selected = exams.selected_row()  # type: ignore[union-attr]
    assert selected is not None and selected.summary.key == "onboarding-entry"

    # a typing drill opens 话术练习 on its typing tab
    window.show_page("tasks")
    runner.wait_until_idle(20)
    tree.itemDoubleClicked.emit(items()["drill"], 0)
    runner.wait_until_idle(20)
    assert window.current_key() == "phrase_drills"
    assert window.page("phrase_drills").view.tabs.currentIndex() == 1  # type: ignore[union-attr]

    # a handbook document opens 产品手册 on that document
    window.show_page("tasks")
    runner.wait_until_idle(20)
    tree.setCurrentItem(items()["handbook"])
    qtbot.mouseClick(page.view.open_button, Qt.MouseButton.LeftButton)
    runner.wait_until_idle(20)
    assert window.current_key() == "handbook"
    handbook = window.page("handbook")
    qtbot.waitUntil(lambda: not handbook.loading, timeout=20000)  # type: ignore[union-attr]
    runner.wait_until_idle(20)
    assert handbook.current is not None and handbook.current.key == doc.key  # type: ignore[union-attr]


def test_the_summary_praises_when_everything_is_done(qtbot: Any, make_page: Any, seeded: Any) -> None:
    svc = seeded
    kefu = login(svc, "kefu")
    doc = first_doc(svc, "kefu")
    svc.assignments.assign(
        login(svc, "peixun"), "handbook", f"product:{doc.key}", scope_kind="person", scope_value=kefu.user_id
    )
    svc.handbook.mark_read(kefu, "product", doc.key)
    page = make_page(TasksPage, "kefu")
    assert page.groups.open == [] and len(page.groups.done) == 1
    assert "都已完成" in page.view.summary_label.text()
    assert GREEN in page.view.summary_label.styleSheet()
    assert page.task_items()[0].text(2) == "不限"
