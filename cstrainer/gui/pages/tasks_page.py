"""The 我的任务 page, everyone's home page: the work trainers assigned to me, with progress.

Open tasks come first, overdue ones on top and in red; finished ones are folded under "已完成"
at the bottom. Double-clicking a task (or 去完成) opens the page where it is done: an exam on 考试,
a scenario on 对话模拟, a drill on 话术练习, a handbook document on 产品手册. Progress is computed
by the service from what the person did, so the page simply asks again each time it is shown.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cstrainer.domain.accounts import Role
from cstrainer.gui.context import PageContext
from cstrainer.gui.pages.registry import REGISTRY, Page, icon_for
from cstrainer.gui.pages.tasks_page_view import (
    COLUMNS,
    DUE_COLUMN,
    OVERDUE_SUMMARY_STYLE,
    PROGRESS_COLUMN,
    SUMMARY_STYLE,
    TasksPageView,
)
from cstrainer.gui.qt import (
    QT_TRANSLATE_NOOP,
    QBrush,
    QColor,
    QCoreApplication,
    QFont,
    QIcon,
    QProgressBar,
    Qt,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)
from cstrainer.gui.style import GREEN, GREY, RED
from cstrainer.gui.table_model import local_time
from cstrainer.services import Services
from cstrainer.services.actor import Actor
from cstrainer.services.assignments import Task

TASK_ROLE = Qt.ItemDataRole.UserRole
OVERDUE_BACKGROUND = "#fdecea"

KIND_LABELS = {
    "exam": QT_TRANSLATE_NOOP("TasksPage", "考试"),
    "scenario": QT_TRANSLATE_NOOP("TasksPage", "对话场景"),
    "drill": QT_TRANSLATE_NOOP("TasksPage", "话术练习"),
    "handbook": QT_TRANSLATE_NOOP("TasksPage", "手册"),
}
# where each kind of work is done (page registry keys) and the icon of that page as a fallback
KIND_PAGES = {"exam": "exams", "scenario": "roleplay", "drill": "phrase_drills", "handbook": "handbook"}
KIND_FALLBACK_ICONS = {
    "exam": "SP_FileDialogContentsView",
    "scenario": "SP_MessageBoxQuestion",
    "drill": "SP_MediaPlay",
    "handbook": "SP_FileDialogDetailedView",
}
DRILL_TABS = {"recall": 0, "typing": 1}  # tabs of the 话术练习 page
PRACTICE_PAGE = "practice"  # 题库练习 drills (薄弱点通关) are done on 练习


def drill_kind(task: Task) -> str:
    return str((task.params or {}).get("kind") or task.target)


def page_key(task: Task) -> str | None:
    """The registry key of the page where the task is done."""
    if task.kind == "drill" and drill_kind(task) == "practice":
        return PRACTICE_PAGE
    return KIND_PAGES.get(task.kind)


def _t(text: str) -> str:
    return QCoreApplication.translate("TasksPage", text)


def kind_label(kind: str) -> str:
    return _t(KIND_LABELS[kind]) if kind in KIND_LABELS else kind


def kind_icon(kind: str) -> QIcon:
    """The navigation icon of the page where this kind of work is done."""
    key = KIND_PAGES.get(kind)
    try:
        name = REGISTRY.get(key).icon if key else None
    except KeyError:
        name = None
    return icon_for(name or KIND_FALLBACK_ICONS.get(kind))


@dataclass(frozen=True)
class TaskGroups:
    open: list[Task]  # overdue first, then by due date (no due date last)
    done: list[Task]

    @property
    def overdue(self) -> int:
        return sum(1 for t in self.open if t.overdue)


def _due_key(task: Task) -> tuple[int, int, datetime, str]:
    far = datetime.max.replace(tzinfo=task.due_at.tzinfo) if task.due_at else datetime.max
    return (0 if task.overdue else 1, 0 if task.due_at else 1, task.due_at or far, task.title)


def group_tasks(tasks: Sequence[Task]) -> TaskGroups:
    """Open work (overdue first, soonest due next) and finished work (most recently due first)."""
    open_ = sorted((t for t in tasks if not t.done), key=_due_key)
    done = [t for t in tasks if t.done]
    done.sort(key=lambda t: t.title)
    done.sort(key=lambda t: (t.due_at is not None, t.due_at.timestamp() if t.due_at else 0), reverse=True)
    return TaskGroups(open_, done)


def load_tasks(services: Services, actor: Actor) -> list[Task]:
    """On the database thread: my tasks with their progress, computed now."""
    return list(services.assignments.my_tasks(actor))


def due_text(task: Task) -> str:
    if task.due_at is None:
        return _t("不限")
    text = local_time(task.due_at)
    if task.overdue and not task.done:
        return _t("{when}（已逾期）").format(when=text)
    return text


def task_title(task: Task) -> str:
    return task.title or task.target


class TasksPage(Page):
    def __init__(self, ctx: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.view = TasksPageView(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)
        self.groups = TaskGroups([], [])
        self.loading = False
        self.loaded = False
        self.open_group: QTreeWidgetItem | None = None
        self.done_group: QTreeWidgetItem | None = None

        v = self.view
        v.tree.itemDoubleClicked.connect(lambda item, _column: self.open_task(self._task_of(item)))
        v.tree.itemSelectionChanged.connect(self._selection_changed)
        v.open_button.clicked.connect(lambda: self.open_task(self.selected_task()))
        v.refresh_button.clicked.connect(self.reload)
        if ctx.actor.role in (Role.TRAINER, Role.MANAGER):
            v.empty_label.setText(
                self.tr("目前没有分配给你的任务。给大家布置任务、查看完成情况请到“任务分配”页。")
            )
        self._selection_changed()

    # --- Page hooks ----------------------------------------------------------------------------------

    def page_shown(self) -> None:
        self.reload()

    # --- loading -------------------------------------------------------------------------------------

    def reload(self) -> None:
        if self.loading:
            return
        self.loading = True
        self.view.busy_label.setText(self.tr("正在计算进度…"))
        self.ctx.runner.db(
            load_tasks,
            self.ctx.services,
            self.ctx.actor,
            on_done=self._loaded,
            on_error=self._failed,
            owner=self,
            name="tasks.load",
        )

    def _failed(self, exc: BaseException) -> None:
        from cstrainer.gui import errors

        self.loading = False
        self.view.busy_label.setText("")
        errors.show_error(self, exc)

    def _loaded(self, tasks: list[Task]) -> None:
        self.loading = False
        self.loaded = True
        self.view.busy_label.setText("")
        selected = self.selected_task()
        self.groups = group_tasks(tasks)
        self._fill(selected.assignment_id if selected else None)

    def _fill(self, select_id: int | None) -> None:
        v = self.view
        tree = v.tree
        tree.clear()
        self.open_group = self.done_group = None
        g = self.groups
        v.empty_label.setVisible(not g.open and not g.done)
        tree.setVisible(bool(g.open or g.done))
        if g.overdue:
            v.summary_label.setText(
                self.tr("你有 {n} 项任务待完成，其中 {m} 项已逾期，请尽快完成。").format(
                    n=len(g.open), m=g.overdue
                )
            )
            v.summary_label.setStyleSheet(OVERDUE_SUMMARY_STYLE + f" color: {RED};")
        elif g.open:
            v.summary_label.setText(self.tr("你有 {n} 项任务待完成。").format(n=len(g.open)))
            v.summary_label.setStyleSheet(SUMMARY_STYLE)
        elif g.done:
            v.summary_label.setText(self.tr("分配给你的任务都已完成，做得好！"))
            v.summary_label.setStyleSheet(SUMMARY_STYLE + f" color: {GREEN};")
        else:
            v.summary_label.setText(self.tr("暂无任务"))
            v.summary_label.setStyleSheet(SUMMARY_STYLE)

        if g.open:
            title = self.tr("待完成（{n}）").format(n=len(g.open))
            if g.overdue:
                title = self.tr("待完成（{n}，{m} 项已逾期）").format(n=len(g.open), m=g.overdue)
            self.open_group = self._group_item(title)
            for task in g.open:
                self._task_item(self.open_group, task)
            self.open_group.setExpanded(True)
        if g.done:
            self.done_group = self._group_item(self.tr("已完成（{n}）").format(n=len(g.done)))
            for task in g.done:
                self._task_item(self.done_group, task)
            self.done_group.setExpanded(False)  # finished work stays folded at the bottom

        # keep the selection across a reload, unless that task was finished meanwhile (the done
        # group stays folded); nothing is selected at first, so an overdue row shows its red
        target = self._find_item(select_id) if select_id is not None else None
        if target is not None and target.parent() is not self.done_group:
            tree.setCurrentItem(target)
        self._selection_changed()

    def _group_item(self, title: str) -> QTreeWidgetItem:
        item = QTreeWidgetItem([title])
        font = QFont(item.font(0))
        font.setBold(True)
        item.setFont(0, font)
        item.setFirstColumnSpanned(True)
        item.setFlags(Qt.ItemFlag.ItemIsEnabled)
        self.view.tree.addTopLevelItem(item)
        item.setFirstColumnSpanned(True)
        return item

    def _task_item(self, parent: QTreeWidgetItem, task: Task) -> QTreeWidgetItem:
        item = QTreeWidgetItem([task_title(task), kind_label(task.kind), due_text(task), "", task.detail])
        item.setIcon(0, kind_icon(task.kind))
        item.setData(0, TASK_ROLE, task)
        item.setToolTip(0, self.tr("双击打开“{page}”去完成").format(page=self._page_title(task)))
        item.setToolTip(len(COLUMNS) - 1, task.detail)
        if task.done:
            for column in range(len(COLUMNS)):
                item.setForeground(column, QBrush(QColor(GREY)))
        elif task.overdue:
            for column in range(len(COLUMNS)):
                item.setForeground(column, QBrush(QColor(RED)))
                item.setBackground(column, QBrush(QColor(OVERDUE_BACKGROUND)))
            font = QFont(item.font(0))
            font.setBold(True)
            item.setFont(0, font)
            item.setFont(DUE_COLUMN, font)
        parent.addChild(item)
        self.view.tree.setItemWidget(item, PROGRESS_COLUMN, self._progress_bar(task))
        return item

    def _progress_bar(self, task: Task) -> QProgressBar:
        bar = QProgressBar()
        bar.setRange(0, 100)
        bar.setValue(round(max(0.0, min(1.0, task.progress)) * 100))
        bar.setFormat("%p%")
        bar.setMaximumHeight(18)
        colour = GREEN if task.done else RED if task.overdue else "#1565c0"
        bar.setStyleSheet(
            "QProgressBar { border: 1px solid #bbbbbb; border-radius: 3px; text-align: center;"
            " background: #f4f4f4; }"
            f" QProgressBar::chunk {{ background: {colour}; border-radius: 2px; }}"
        )
        return bar

    @staticmethod
    def _page_title(task: Task) -> str:
        key = page_key(task)
        try:
            return REGISTRY.get(key).display_title() if key else kind_label(task.kind)
        except KeyError:
            return kind_label(task.kind)

    # --- reading the tree -------------------------------------------------------------------------

    @staticmethod
    def _task_of(item: QTreeWidgetItem | None) -> Task | None:
        if item is None:
            return None
        data = item.data(0, TASK_ROLE)
        return data if isinstance(data, Task) else None

    def selected_task(self) -> Task | None:
        return self._task_of(self.view.tree.currentItem())

    def task_items(self) -> list[QTreeWidgetItem]:
        """Every task row, open ones first (tests)."""
        items: list[QTreeWidgetItem] = []
        for group in (self.open_group, self.done_group):
            if group is not None:
                children = (group.child(i) for i in range(group.childCount()))
                items.extend(c for c in children if c is not None)
        return items

    def _find_item(self, assignment_id: int) -> QTreeWidgetItem | None:
        for item in self.task_items():
            task = self._task_of(item)
            if task is not None and task.assignment_id == assignment_id:
                return item
        return None

    def progress_bar(self, item: QTreeWidgetItem) -> QProgressBar | None:
        widget = self.view.tree.itemWidget(item, PROGRESS_COLUMN)
        return widget if isinstance(widget, QProgressBar) else None

    def _selection_changed(self) -> None:
        task = self.selected_task()
        v = self.view
        v.open_button.setEnabled(task is not None and page_key(task) is not None)
        if task is None:
            v.detail_label.setText(self.tr("双击任务即可打开对应页面去完成。"))
            return
        parts = [f"{kind_label(task.kind)}：{task_title(task)}", task.detail]
        if task.note:
            parts.append(self.tr("备注：{note}").format(note=task.note))
        if task.created_by:
            parts.append(self.tr("布置人：{who}").format(who=task.created_by))
        v.detail_label.setText("　".join(p for p in parts if p))

    # --- going to the work ---------------------------------------------------------------------

    def open_task(self, task: Task | None) -> Any:
        """Switch the main window to the page where ``task`` is done; returns that page (or None)."""
        key = page_key(task) if task is not None else None
        if task is None or key is None:
            return None
        page = self.ctx.open_page(key)
        if page is None:
            self.ctx.show_status(self.tr("无法打开“{page}”页面").format(page=self._page_title(task)))
            return None
        self._focus_target(page, task)
        return page

    def _focus_target(self, page: Any, task: Task) -> None:
        """Best effort: point the opened page at the task's exam, scenario, drill or document."""
        if task.kind == "handbook" and hasattr(page, "open_doc"):
            kind, _, key = task.target.partition(":")
            if key:
                page.open_doc(kind, key)
        elif task.kind == "drill":
            tabs = getattr(getattr(page, "view", None), "tabs", None)
            if tabs is not None and drill_kind(task) in DRILL_TABS:
                tabs.setCurrentIndex(DRILL_TABS[drill_kind(task)])
        elif task.kind in ("exam", "scenario"):
            # The page reloads its list on the database thread when shown; a no-op queued behind
            # that reload ends after it, when the rows to select are there.
            def select(_result: object) -> None:
                try:
                    if task.kind == "exam" and hasattr(page, "select_exam"):
                        page.select_exam(task.target)
                    elif task.kind == "scenario" and hasattr(page, "select_keys"):
                        page.select_keys({task.target})
                except (StopIteration, LookupError):
                    pass  # not in the list (removed, or not visible to this person)

            self.ctx.runner.db(_nothing, on_done=select, owner=page, name="tasks.focus")


def _nothing() -> None:
    return None
