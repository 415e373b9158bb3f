"""The 任务分配 page (trainers, managers): give people work and follow it up.

A trainer assigns an exam, a role-play scenario, a phrase drill or a handbook document to one
person, a team, everyone of a role or everyone, with an optional due date and the bar to reach
(scenarios: minimum score and how many times; drills: how many rounds and, for typing, the net
字/分). The table lists the assignments with their due date and how many of the people concerned
have finished; selecting one shows each person's progress. 取消任务 withdraws one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from cstrainer.domain.accounts import Role
from cstrainer.gui import errors, prompts
from cstrainer.gui.context import PageContext
from cstrainer.gui.forms import FormDialog, Problem
from cstrainer.gui.pages.assignments_page_view import AssignmentsPageView
from cstrainer.gui.pages.registry import Page
from cstrainer.gui.pages.tasks_page import kind_icon, kind_label
from cstrainer.gui.qt import (
    QT_TRANSLATE_NOOP,
    QCheckBox,
    QColor,
    QComboBox,
    QCoreApplication,
    QDate,
    QDateTime,
    QDateTimeEdit,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QItemSelectionModel,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSizePolicy,
    QSpinBox,
    QStackedWidget,
    Qt,
    QTime,
    QVBoxLayout,
    QWidget,
)
from cstrainer.gui.style import GREEN, GREY, RED
from cstrainer.gui.table_model import RECORD_ROLE, Column, RecordTableModel, filter_proxy, local_time
from cstrainer.gui.tasks import TaskRunner
from cstrainer.services import Services
from cstrainer.services.actor import Actor
from cstrainer.services.assignments import DRILL_DEFAULT_COUNT, AssignmentInfo, PersonStatus

KINDS = ("exam", "scenario", "drill", "handbook")
SCOPE_LABELS = {
    "person": QT_TRANSLATE_NOOP("AssignmentsPage", "个人"),
    "team": QT_TRANSLATE_NOOP("AssignmentsPage", "小组"),
    "role": QT_TRANSLATE_NOOP("AssignmentsPage", "岗位"),
    "everyone": QT_TRANSLATE_NOOP("AssignmentsPage", "全员"),
}
DRILL_KINDS = {
    "recall": QT_TRANSLATE_NOOP("AssignmentsPage", "快捷码回忆"),
    "typing": QT_TRANSLATE_NOOP("AssignmentsPage", "打字练习"),
    "practice": QT_TRANSLATE_NOOP("AssignmentsPage", "题库练习"),
}
HANDBOOK_KIND_LABELS = {
    "product": QT_TRANSLATE_NOOP("AssignmentsPage", "产品"),
    "competitor": QT_TRANSLATE_NOOP("AssignmentsPage", "竞品"),
    "entry": QT_TRANSLATE_NOOP("AssignmentsPage", "手册条目"),
}
ASSIGNABLE_ROLES = (Role.TRAINEE, Role.AGENT)
DEFAULT_DUE_DAYS = 7


def _t(text: str) -> str:
    return QCoreApplication.translate("AssignmentsPage", text)


def _qdatetime(when: datetime) -> QDateTime:
    """The local wall-clock time of ``when`` for a date-time editor."""
    return QDateTime(QDate(when.year, when.month, when.day), QTime(when.hour, when.minute, when.second))


# --- what the dialog offers (database thread) ---------------------------------------------------------


@dataclass(frozen=True)
class Choice:
    value: str
    label: str


@dataclass(frozen=True)
class AssignmentChoices:
    targets: dict[str, list[Choice]]  # kind -> what can be assigned
    people: list[Choice]  # value: user id
    teams: list[Choice]  # value: team id
    roles: list[Choice]  # value: role id


def load_choices(services: Services, actor: Actor) -> AssignmentChoices:
    exams = [Choice(e.key, e.title) for e in services.exams.list_exams(actor)]
    scenarios = [
        Choice(s.key, f"{s.title}（{s.stage}）" if s.stage else s.title)
        for s in services.roleplay.list_scenarios(actor)
    ]
    docs = [
        Choice(f"{d.kind}:{d.key}", f"{_t(HANDBOOK_KIND_LABELS.get(d.kind, d.kind))}｜{d.title}")
        for d in services.handbook.list_docs(actor)
    ]
    drills = [Choice(k, _t(label)) for k, label in DRILL_KINDS.items()]
    people = [
        Choice(str(u.id), f"{u.display_name}（{u.login}{'，' + u.team_name if u.team_name else ''}）")
        for u in services.users.list(actor, include_inactive=False)
        if u.role in ASSIGNABLE_ROLES
    ]
    teams = [Choice(str(t.id), t.name) for t in services.users.teams()]
    roles = [Choice(r.value, r.label) for r in ASSIGNABLE_ROLES]
    return AssignmentChoices(
        {"exam": exams, "scenario": scenarios, "drill": drills, "handbook": docs}, people, teams, roles
    )


@dataclass(frozen=True)
class AssignmentRow:
    """An assignment with how many of the people it covers (that the actor may see) are done."""

    info: AssignmentInfo
    done: int
    total: int
    overdue: int  # people past the due date without having finished

    @property
    def id(self) -> int:
        return self.info.id

    @property
    def active(self) -> bool:
        return self.info.active


@dataclass(frozen=True)
class AssignmentsData:
    assignments: list[AssignmentRow]
    choices: AssignmentChoices


def load_assignments(services: Services, actor: Actor) -> AssignmentsData:
    """On the database thread: every assignment (cancelled ones too) with its completion."""
    service = services.assignments
    rows = []
    for info in service.list_assignments(actor, include_cancelled=True):
        status = service.assignment_status(actor, info.id) if info.active else []
        rows.append(
            AssignmentRow(
                info,
                done=sum(1 for p in status if p.done),
                total=len(status) if info.active else info.people,
                overdue=sum(1 for p in status if p.overdue),
            )
        )
    return AssignmentsData(rows, load_choices(services, actor))


# --- the tables ------------------------------------------------------------------------------------


def assignment_columns() -> list[Column[AssignmentRow]]:
    now = datetime.now(UTC)

    def overdue(r: AssignmentRow) -> bool:
        return r.active and r.overdue > 0 and r.info.due_at is not None and r.info.due_at < now

    def colour(r: AssignmentRow) -> QColor | None:
        if not r.active:
            return QColor(GREY)
        if overdue(r):
            return QColor(RED)
        if r.total and r.done >= r.total:
            return QColor(GREEN)
        return None

    def state(r: AssignmentRow) -> str:
        if not r.active:
            return _t("已取消")
        if r.total and r.done >= r.total:
            return _t("全部完成")
        if overdue(r):
            return _t("{n} 人逾期").format(n=r.overdue)
        return _t("进行中")

    return [
        Column(
            _t("标题"),
            lambda r: r.info.title or r.info.target,
            foreground=colour,
            tooltip=lambda r: r.info.note,
        ),
        Column(_t("类型"), lambda r: kind_label(r.info.kind), foreground=colour),
        Column(_t("对象"), lambda r: r.info.scope_label, foreground=colour),
        Column(
            _t("截止时间"),
            lambda r: local_time(r.info.due_at) if r.info.due_at else _t("不限"),
            sort_key=lambda r: r.info.due_at.timestamp() if r.info.due_at else float("inf"),
            foreground=colour,
        ),
        Column(
            _t("完成"),
            lambda r: f"{r.done}/{r.total}" if r.active else "—",
            sort_key=lambda r: r.done / r.total if r.total else 0.0,
            foreground=colour,
            align_right=True,
        ),
        Column(_t("布置人"), lambda r: r.info.created_by, foreground=colour),
        Column(_t("状态"), state, foreground=colour),
    ]


def status_columns() -> list[Column[PersonStatus]]:
    def state(r: PersonStatus) -> str:
        return _t("已完成") if r.done else _t("已逾期") if r.overdue else _t("进行中")

    def colour(r: PersonStatus) -> QColor | None:
        return QColor(GREEN) if r.done else QColor(RED) if r.overdue else None

    return [
        Column(_t("姓名"), lambda r: r.display_name, tooltip=lambda r: r.login),
        Column(_t("小组"), lambda r: r.team_name or ""),
        Column(
            _t("进度"),
            lambda r: f"{round(r.progress * 100)}%",
            sort_key=lambda r: r.progress,
            align_right=True,
            foreground=colour,
        ),
        Column(
            _t("状态"), state, sort_key=lambda r: 2 if r.done else 0 if r.overdue else 1, foreground=colour
        ),
        Column(_t("说明"), lambda r: r.detail),
    ]


# --- the 新建任务 dialog -------------------------------------------------------------------------------


class NewAssignmentDialog(FormDialog):
    """What, for whom, by when, and how well. Accepted with the new assignment."""

    def __init__(
        self,
        services: Services,
        runner: TaskRunner,
        actor: Actor,
        choices: AssignmentChoices,
        parent: QWidget | None = None,
        *,
        now: datetime | None = None,
    ) -> None:
        super().__init__(runner, parent, title=_t("新建任务"))
        self.services = services
        self.actor = actor
        self.choices = choices
        self.setMinimumWidth(620)

        self.kind_combo = QComboBox()
        for kind in KINDS:
            self.kind_combo.addItem(kind_icon(kind), kind_label(kind), kind)
        self.add_field("kind", _t("类型"), self.kind_combo)

        self.target_combo = QComboBox()
        self.target_combo.setMinimumContentsLength(36)
        self.target_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.target_combo.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.add_field("target", _t("内容"), self.target_combo)

        self.title_edit = QLineEdit()
        self.title_edit.setPlaceholderText(_t("留空则自动生成，例如“考试：售前入职考试”"))
        self.add_field("title", _t("任务标题"), self.title_edit)

        scope_row = QWidget()
        sr = QHBoxLayout(scope_row)
        sr.setContentsMargins(0, 0, 0, 0)
        self.scope_combo = QComboBox()
        for scope, label in SCOPE_LABELS.items():
            self.scope_combo.addItem(_t(label), scope)
        self.scope_value_combo = QComboBox()
        self.scope_value_combo.setMinimumContentsLength(20)
        sr.addWidget(self.scope_combo)
        sr.addWidget(self.scope_value_combo, 1)
        self.add_field("scope", _t("布置给"), scope_row)

        due_row = QWidget()
        dr = QHBoxLayout(due_row)
        dr.setContentsMargins(0, 0, 0, 0)
        self.due_check = QCheckBox(_t("截止时间"))
        self.due_check.setChecked(True)
        self.due_edit = QDateTimeEdit()
        self.due_edit.setCalendarPopup(True)
        self.due_edit.setDisplayFormat("yyyy-MM-dd HH:mm")
        start = (now or datetime.now(UTC)).astimezone() + timedelta(days=DEFAULT_DUE_DAYS)
        start = start.replace(hour=18, minute=0, second=0, microsecond=0)
        self.due_edit.setDateTime(_qdatetime(start))
        dr.addWidget(self.due_check)
        dr.addWidget(self.due_edit, 1)
        self.add_field("due_at", _t("期限"), due_row)

        # the bar to reach, per kind
        self.params_stack = QStackedWidget()
        self.params_pages: dict[str, int] = {}
        self.params_pages["exam"] = self.params_stack.addWidget(
            self._hint(_t("通过考试即完成（按试卷的及格线）。"))
        )
        scenario = QWidget()
        sf = QFormLayout(scenario)
        sf.setContentsMargins(0, 0, 0, 0)
        self.min_score_spin = QSpinBox()
        self.min_score_spin.setRange(0, 100)
        self.min_score_spin.setValue(80)
        self.min_score_spin.setSuffix(_t(" 分"))
        self.times_spin = QSpinBox()
        self.times_spin.setRange(1, 20)
        self.times_spin.setValue(1)
        self.times_spin.setSuffix(_t(" 次"))
        sf.addRow(_t("最低得分"), self.min_score_spin)
        sf.addRow(_t("达标次数"), self.times_spin)
        self.params_pages["scenario"] = self.params_stack.addWidget(scenario)
        drill = QWidget()
        df = QFormLayout(drill)
        df.setContentsMargins(0, 0, 0, 0)
        self.count_spin = QSpinBox()
        self.count_spin.setRange(1, 100)
        self.count_spin.setValue(3)
        self.count_spin.setSuffix(_t(" 次"))
        self.cpm_spin = QSpinBox()
        self.cpm_spin.setRange(0, 300)
        self.cpm_spin.setValue(40)
        self.cpm_spin.setSuffix(_t(" 字/分"))
        self.cpm_spin.setSpecialValueText(_t("不限"))
        self.cpm_label = QLabel(_t("最低净速"))
        self.count_label = QLabel(_t("练习次数"))
        df.addRow(self.count_label, self.count_spin)
        df.addRow(self.cpm_label, self.cpm_spin)
        self.params_pages["drill"] = self.params_stack.addWidget(drill)
        self.params_pages["handbook"] = self.params_stack.addWidget(
            self._hint(_t("打开并读完所选文档即完成。"))
        )
        self.add_field("params", _t("完成标准"), self.params_stack)

        self.note_edit = QPlainTextEdit()
        self.note_edit.setPlaceholderText(_t("给大家的说明，例如：周五前完成，下周一抽查"))
        self.note_edit.setFixedHeight(70)
        self.add_field("note", _t("备注"), self.note_edit)

        self.ok_button.setText(_t("布置"))
        self.kind_combo.currentIndexChanged.connect(lambda _i: self._kind_changed())
        self.target_combo.currentIndexChanged.connect(lambda _i: self._target_changed())
        self.scope_combo.currentIndexChanged.connect(lambda _i: self._scope_changed())
        self.due_check.toggled.connect(self.due_edit.setEnabled)
        self._kind_changed()
        self._scope_changed()

    @staticmethod
    def _hint(text: str) -> QLabel:
        label = QLabel(text)
        label.setWordWrap(True)
        label.setStyleSheet(f"color: {GREY};")
        return label

    # --- helpers (also for tests) ---------------------------------------------------------------------

    def kind(self) -> str:
        return str(self.kind_combo.currentData())

    def set_kind(self, kind: str) -> None:
        self.kind_combo.setCurrentIndex(self.kind_combo.findData(kind))

    def set_target(self, value: str) -> None:
        self.target_combo.setCurrentIndex(self.target_combo.findData(value))

    def set_scope(self, scope: str, value: str | None = None) -> None:
        self.scope_combo.setCurrentIndex(self.scope_combo.findData(scope))
        if value is not None:
            self.scope_value_combo.setCurrentIndex(self.scope_value_combo.findData(value))

    def set_due(self, when: datetime | None) -> None:
        self.due_check.setChecked(when is not None)
        if when is not None:
            local = when.astimezone()
            self.due_edit.setDateTime(_qdatetime(local))

    def due_at(self) -> datetime | None:
        if not self.due_check.isChecked():
            return None
        value = self.due_edit.dateTime().toPython()
        assert isinstance(value, datetime)
        return value.astimezone().astimezone(UTC)  # the local time the person picked, in UTC

    def params(self) -> dict[str, Any]:
        kind = self.kind()
        if kind == "scenario":
            return {"min_score": self.min_score_spin.value(), "times": self.times_spin.value()}
        if kind == "drill":
            params: dict[str, Any] = {
                "kind": str(self.target_combo.currentData()),
                "count": self.count_spin.value(),
            }
            if params["kind"] == "typing" and self.cpm_spin.value() > 0:
                params["min_net_cpm"] = self.cpm_spin.value()
            return params
        return {}

    def _kind_changed(self) -> None:
        kind = self.kind()
        combo = self.target_combo
        combo.blockSignals(True)
        combo.clear()
        for choice in self.choices.targets.get(kind, []):
            combo.addItem(choice.label, choice.value)
        combo.blockSignals(False)
        self.params_stack.setCurrentIndex(self.params_pages[kind])
        if not combo.count():
            combo.addItem(_t("（没有可布置的内容）"), None)
        self._target_changed()

    def _target_changed(self) -> None:
        drill = str(self.target_combo.currentData()) if self.kind() == "drill" else ""
        typing = drill == "typing"
        self.cpm_spin.setVisible(typing)
        self.cpm_label.setVisible(typing)
        if drill in DRILL_DEFAULT_COUNT:
            self.count_spin.setValue(DRILL_DEFAULT_COUNT[drill])
            self.count_spin.setSuffix(_t(" 次") if typing else _t(" 题"))
            self.count_label.setText(_t("练习次数") if typing else _t("答题数"))

    def _scope_changed(self) -> None:
        scope = str(self.scope_combo.currentData())
        pool = {"person": self.choices.people, "team": self.choices.teams, "role": self.choices.roles}.get(
            scope
        )
        combo = self.scope_value_combo
        combo.clear()
        for choice in pool or []:
            combo.addItem(choice.label, choice.value)
        combo.setVisible(pool is not None)

    # --- FormDialog -------------------------------------------------------------------------------------

    def check(self) -> list[Problem]:
        problems: list[Problem] = []
        if self.target_combo.currentData() is None:
            problems.append(("target", _t("请选择要布置的内容")))
        scope = str(self.scope_combo.currentData())
        if scope != "everyone" and self.scope_value_combo.currentData() is None:
            problems.append(("scope", _t("请选择布置对象")))
        return problems

    def make_job(self) -> Callable[[], Any]:
        service = self.services.assignments
        actor = self.actor
        kind = self.kind()
        target = str(self.target_combo.currentData())
        scope_kind = str(self.scope_combo.currentData())
        scope_value = "" if scope_kind == "everyone" else str(self.scope_value_combo.currentData())
        due_at = self.due_at()
        params = self.params()
        note = self.note_edit.toPlainText().strip()
        title = self.title_edit.text().strip()  # empty: the service makes one from the target
        return lambda: service.assign(
            actor,
            kind,
            target,
            scope_kind=scope_kind,
            scope_value=scope_value,
            due_at=due_at,
            params=params,
            note=note,
            title=title,
        )


# --- the page ------------------------------------------------------------------------------------------


class AssignmentsPage(Page):
    def __init__(self, ctx: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.view = AssignmentsPageView(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)
        self.assignments: list[AssignmentRow] = []
        self.choices: AssignmentChoices | None = None
        self.loading = False
        self.dialog: NewAssignmentDialog | None = None
        self._status_seq = 0
        self._select_after_load: int | None = None

        v = self.view
        self.model: RecordTableModel[AssignmentRow] = RecordTableModel(assignment_columns(), self)
        self.proxy = filter_proxy(self.model, self)
        v.table.setModel(self.proxy)
        v.table.sortByColumn(3, Qt.SortOrder.AscendingOrder)
        header = v.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setStretchLastSection(False)
        for column in range(1, 7):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.status_model: RecordTableModel[PersonStatus] = RecordTableModel(status_columns(), self)
        self.status_proxy = filter_proxy(self.status_model, self)
        v.status_table.setModel(self.status_proxy)
        v.status_table.sortByColumn(3, Qt.SortOrder.AscendingOrder)
        v.status_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        v.status_table.horizontalHeader().setStretchLastSection(True)

        v.new_button.clicked.connect(self.new_assignment)
        v.cancel_button.clicked.connect(self.cancel_selected)
        v.refresh_button.clicked.connect(self.reload)
        v.search_edit.textChanged.connect(self.proxy.setFilterFixedString)
        v.show_cancelled_check.toggled.connect(lambda _on: self._fill())
        v.table.selectionModel().selectionChanged.connect(lambda *_: self._selection_changed())
        self._selection_changed()

    # --- Page hooks ----------------------------------------------------------------------------------

    def page_shown(self) -> None:
        self.reload()

    def page_closing(self) -> None:
        if self.dialog is not None:
            self.dialog.done(0)
            self.dialog = None

    # --- loading -------------------------------------------------------------------------------------

    def reload(self) -> None:
        if self.loading:
            return
        self.loading = True
        self.view.busy_label.setText(self.tr("正在加载…"))
        self.ctx.runner.db(
            load_assignments,
            self.ctx.services,
            self.ctx.actor,
            on_done=self._loaded,
            on_error=self._failed,
            owner=self,
            name="assignments.load",
        )

    def _failed(self, exc: BaseException) -> None:
        self.loading = False
        self.view.busy_label.setText("")
        errors.show_error(self, exc)

    def _loaded(self, data: AssignmentsData) -> None:
        self.loading = False
        self.view.busy_label.setText("")
        selected = self.selected()
        keep = self._select_after_load or (selected.id if selected else None)
        self._select_after_load = None
        self.assignments = data.assignments
        self.choices = data.choices
        self._fill(keep)

    def _fill(self, select_id: int | None = None) -> None:
        if select_id is None:
            current = self.selected()
            select_id = current.id if current else None
        show_all = self.view.show_cancelled_check.isChecked()
        rows = [a for a in self.assignments if show_all or a.active]
        self.model.set_rows(rows)
        active = sum(1 for a in self.assignments if a.active)
        self.view.count_label.setText(self.tr("{n} 项进行中的任务").format(n=active))
        self.view.empty_label.setVisible(not rows)
        if select_id is not None and self.select(select_id):
            return
        if self.proxy.rowCount():
            self.view.table.selectRow(0)
        else:
            self._selection_changed()

    # --- selection -----------------------------------------------------------------------------------

    def selected(self) -> AssignmentRow | None:
        rows = self.view.table.selectionModel().selectedRows()
        return rows[0].data(RECORD_ROLE) if rows else None

    def select(self, assignment_id: int) -> bool:
        for row in range(self.proxy.rowCount()):
            record = self.proxy.index(row, 0).data(RECORD_ROLE)
            if record is not None and record.id == assignment_id:
                self.view.table.selectionModel().select(
                    self.proxy.index(row, 0),
                    QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
                )
                self.view.table.scrollTo(self.proxy.index(row, 0))
                return True
        return False

    def _selection_changed(self) -> None:
        row = self.selected()
        v = self.view
        v.cancel_button.setEnabled(row is not None and row.active)
        self._status_seq += 1
        if row is None:
            self.status_model.set_rows([])
            v.status_box.setTitle(self.tr("完成情况"))
            v.status_summary.setText(self.tr("选择一项任务查看每个人的完成情况。"))
            return
        a = row.info
        v.status_box.setTitle(self.tr("完成情况：{title}").format(title=a.title or a.target))
        if not a.active:
            self.status_model.set_rows([])
            v.status_summary.setText(self.tr("此任务已取消。"))
            v.status_summary.setStyleSheet(f"color: {GREY};")
            return
        v.status_summary.setText(self.tr("正在计算…"))
        seq = self._status_seq
        self.ctx.runner.db(
            self.ctx.services.assignments.assignment_status,
            self.ctx.actor,
            a.id,
            on_done=lambda rows: self._status_loaded(seq, a, rows),
            owner=self,
            name="assignments.status",
        )

    def _status_loaded(self, seq: int, a: AssignmentInfo, rows: Sequence[PersonStatus]) -> None:
        if seq != self._status_seq:
            return
        self.status_model.set_rows(list(rows))
        done = sum(1 for r in rows if r.done)
        late = sum(1 for r in rows if r.overdue and not r.done)
        parts = [self.tr("{done}/{n} 人已完成").format(done=done, n=len(rows))]
        if late:
            parts.append(self.tr("{m} 人逾期未完成").format(m=late))
        if a.note:
            parts.append(self.tr("备注：{note}").format(note=a.note))
        summary = self.view.status_summary
        summary.setText("；".join(parts))
        summary.setStyleSheet(
            f"color: {RED};" if late else f"color: {GREEN};" if rows and done == len(rows) else ""
        )

    # --- actions -------------------------------------------------------------------------------------

    def new_assignment(self) -> NewAssignmentDialog | None:
        if self.choices is None:
            return None
        dialog = NewAssignmentDialog(self.ctx.services, self.ctx.runner, self.ctx.actor, self.choices, self)
        self.dialog = dialog
        dialog.succeeded.connect(self._created)
        dialog.finished.connect(lambda _r: setattr(self, "dialog", None))
        dialog.open()
        return dialog

    def _created(self, created: Any) -> None:
        self._select_after_load = getattr(created, "id", None)
        self.ctx.show_status(self.tr("已布置任务“{title}”").format(title=getattr(created, "title", "")))
        self.reload()

    def cancel_selected(self) -> None:
        row = self.selected()
        if row is None or not row.active:
            return
        a = row.info
        if not prompts.confirm(
            self,
            self.tr("取消任务"),
            self.tr("取消任务“{title}”？取消后它不再出现在大家的“我的任务”中，已完成的记录保留。").format(
                title=a.title or a.target
            ),
            ok_text=self.tr("取消任务"),
        ):
            return

        def done(_result: object) -> None:
            self.ctx.show_status(self.tr("已取消任务“{title}”").format(title=a.title or a.target))
            self.reload()

        self.ctx.runner.db(
            self.ctx.services.assignments.cancel,
            self.ctx.actor,
            a.id,
            on_done=done,
            owner=self,
            name="assignments.cancel",
        )
