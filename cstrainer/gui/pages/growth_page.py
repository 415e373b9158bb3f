"""The 成长路径 page: where a person stands on 新人 → 上岗 → 售后 → 精英客服 → 主管.

Everybody sees their own stage, the next one and each entry criterion of the next one (what they
have, what is needed, a bar), their promotion history, and the leaderboard opt-in. Trainers and
managers also get the people they may see in a table (stage, criteria met x/y, ready for
promotion) and pick a person to see the same detail; managers promote (晋升…) with a note, and a
promotion that skips a stage or criteria must be forced, with a note saying why.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from cstrainer.domain.accounts import Permission, Role, may_view_person
from cstrainer.domain.growth import STAGES, CriterionResult
from cstrainer.gui import errors
from cstrainer.gui.context import PageContext
from cstrainer.gui.forms import FormDialog, Problem
from cstrainer.gui.pages.growth_page_view import (
    CRITERIA_PROGRESS_COLUMN,
    STAGE_CURRENT_STYLE,
    STAGE_DONE_STYLE,
    STAGE_NEXT_STYLE,
    STAGE_STYLE,
    GrowthPageView,
    PersonPanel,
)
from cstrainer.gui.pages.registry import Page
from cstrainer.gui.qt import (
    QCheckBox,
    QColor,
    QComboBox,
    QCoreApplication,
    QItemSelectionModel,
    QLabel,
    QPlainTextEdit,
    QProgressBar,
    Qt,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)
from cstrainer.gui.style import GREEN, GREY, ORANGE, RED
from cstrainer.gui.table_model import RECORD_ROLE, Column, RecordTableModel, filter_proxy, local_time
from cstrainer.gui.tasks import TaskRunner
from cstrainer.services import Services
from cstrainer.services.actor import Actor
from cstrainer.services.growth import PromotionRecord, StageProgress


def _t(text: str) -> str:
    return QCoreApplication.translate("GrowthPage", text)


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:.1f}"


def criterion_fraction(c: CriterionResult) -> float:
    """How far along a criterion is, 0..1, for the bar (1 when met)."""
    if c.met:
        return 1.0
    if c.kind == "wrong_book":  # at most: fewer is better
        return max(0.0, min(1.0, c.need / c.have)) if c.have > 0 else 1.0
    if c.need <= 0:
        return 0.0
    return max(0.0, min(1.0, c.have / c.need))


def value_text(value: float, c: CriterionResult) -> str:
    if c.kind == "exam_passed":
        return _t("已通过") if value >= 1 else _t("未通过")
    return f"{_num(value)} {c.unit}".rstrip()


def need_text(c: CriterionResult) -> str:
    if c.kind == "exam_passed":
        return _t("通过")
    if c.kind == "wrong_book":
        return _t("≤ {n} {unit}").format(n=_num(c.need), unit=c.unit).rstrip()
    return _t("≥ {n} {unit}").format(n=_num(c.need), unit=c.unit).rstrip()


# --- loading (database thread) -------------------------------------------------------------------------


@dataclass(frozen=True)
class TeamMemberProgress:
    """One row of the team table."""

    user_id: int
    login: str
    display_name: str
    team_name: str | None
    stage: str
    next_stage: str | None
    met: int
    total: int
    ready: bool


@dataclass(frozen=True)
class PersonGrowth:
    """Everything the person panel shows for one person."""

    user_id: int
    name: str
    progress: StageProgress
    promotions: list[PromotionRecord]


TEAM_CHUNK = 20  # people per database job: a big department fills in while other pages still get answers


@dataclass(frozen=True)
class GrowthData:
    stages: tuple[str, ...]
    me: PersonGrowth | None  # None for an account without a person (the CLI's system actor)
    opt_in: bool
    team: list[TeamPerson] | None  # None: not a trainer / manager


def load_person(services: Services, actor: Actor, user_id: int, name: str) -> PersonGrowth:
    growth = services.growth
    return PersonGrowth(
        user_id=user_id,
        name=name,
        progress=growth.progress(actor, user_id),
        promotions=list(growth.promotions(actor, user_id)),
    )


@dataclass(frozen=True)
class TeamPerson:
    """Someone in the team table, before their progress is known."""

    user_id: int
    login: str
    display_name: str
    team_name: str | None


def team_people(services: Services, actor: Actor) -> list[TeamPerson]:
    """The active trainees and agents the actor may see (trainers: their team; managers: all)."""
    return [
        TeamPerson(u.id, u.login, u.display_name, u.team_name)
        for u in services.users.list(actor, include_inactive=False)
        if u.role in (Role.TRAINEE, Role.AGENT)
        and may_view_person(actor.role, actor.user_id, actor.team_id, u.id, u.team_id)
    ]


def team_progress(services: Services, actor: Actor, people: Sequence[TeamPerson]) -> list[TeamMemberProgress]:
    """On the database thread: progress to the next stage of each of ``people``."""
    rows = []
    progress = services.growth.progress_many(actor, [person.user_id for person in people])
    for person, p in zip(people, progress, strict=True):
        rows.append(
            TeamMemberProgress(
                user_id=person.user_id,
                login=person.login,
                display_name=person.display_name,
                team_name=person.team_name,
                stage=p.stage,
                next_stage=p.next_stage,
                met=sum(1 for c in p.criteria if c.met),
                total=len(p.criteria),
                ready=p.ready,
            )
        )
    return rows


def load_growth(services: Services, actor: Actor, *, with_team: bool) -> GrowthData:
    growth = services.growth
    stages = growth.stages() or STAGES
    me = (
        load_person(services, actor, actor.user_id, actor.display_name) if actor.user_id is not None else None
    )
    opt_in = bool(growth.leaderboard_opt_in(actor)) if actor.user_id is not None else False
    team = team_people(services, actor) if with_team else None
    return GrowthData(stages, me, opt_in, team)


# --- the team table ---------------------------------------------------------------------------------


def team_columns() -> list[Column[TeamMemberProgress]]:
    def ready_colour(r: TeamMemberProgress) -> QColor | None:
        return QColor(GREEN) if r.ready else None

    return [
        Column(_t("姓名"), lambda r: r.display_name, tooltip=lambda r: r.login),
        Column(_t("小组"), lambda r: r.team_name or _t("（不分组）")),
        Column(
            _t("阶段"),
            lambda r: r.stage,
            sort_key=lambda r: STAGES.index(r.stage) if r.stage in STAGES else -1,
        ),
        Column(
            _t("达标"),
            lambda r: f"{r.met}/{r.total}" if r.total else "—",
            sort_key=lambda r: r.met / r.total if r.total else -1.0,
            align_right=True,
        ),
        Column(
            _t("可晋升"),
            lambda r: (
                (_t("可晋升 → {next}").format(next=r.next_stage) if r.ready else "")
                if r.next_stage
                else _t("已是最高阶段")
            ),
            sort_key=lambda r: 1 if r.ready else 0,
            foreground=ready_colour,
        ),
    ]


# --- the promotion dialog ---------------------------------------------------------------------------


class PromoteDialog(FormDialog):
    """A manager moves a person to another stage. The next stage is the normal move (a note is
    required when criteria are unmet); skipping a stage or moving back must be forced, with a note."""

    def __init__(
        self,
        services: Services,
        runner: TaskRunner,
        actor: Actor,
        person: PersonGrowth,
        stages: Sequence[str],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(runner, parent, title=_t("晋升"))
        self.services = services
        self.actor = actor
        self.person = person
        self.stages = list(stages)
        p = person.progress
        self.setMinimumWidth(520)
        met = sum(1 for c in p.criteria if c.met)
        self.set_intro(
            _t("{name} 当前阶段：{stage}。下一阶段“{next}”的条件已满足 {met}/{total} 项。").format(
                name=person.name,
                stage=p.stage,
                next=p.next_stage or "—",
                met=met,
                total=len(p.criteria),
            )
            if p.next_stage
            else _t("{name} 当前阶段：{stage}（已是最高阶段）。").format(name=person.name, stage=p.stage)
        )
        self.stage_combo = QComboBox()
        for stage in self.stages:
            if stage != p.stage:
                self.stage_combo.addItem(stage, stage)
        if p.next_stage:
            self.stage_combo.setCurrentIndex(max(0, self.stage_combo.findData(p.next_stage)))
        self.add_field("to_stage", _t("调整到"), self.stage_combo)
        self.force_check = QCheckBox(_t("强制调整（跨阶段或降级）"))
        self.form.addRow("", self.force_check)
        # what is unusual about the chosen move, above the form's general message line
        self.warning = QLabel()
        self.warning.setWordWrap(True)
        self.warning.setStyleSheet(f"color: {ORANGE};")
        self.main_layout.insertWidget(self.main_layout.indexOf(self.message), self.warning)
        self.note_edit = QPlainTextEdit()
        self.note_edit.setPlaceholderText(_t("例如：三月考核优秀，提前转售后组"))
        self.note_edit.setFixedHeight(80)
        self.add_field("note", _t("备注"), self.note_edit, hint=_t("跨阶段、降级或条件未满足时必须写明原因"))
        self.ok_button.setText(_t("晋升"))
        self.stage_combo.currentIndexChanged.connect(lambda _i: self._update())
        self._update()

    def target(self) -> str:
        return str(self.stage_combo.currentData() or "")

    def skips(self) -> bool:
        """Not the normal move to the next stage (skipping a stage, or moving back): must be forced."""
        return self.target() != self.person.progress.next_stage

    def unmet(self) -> list[str]:
        """Criteria of the next stage not met yet (moving on anyway needs a reason)."""
        return [c.label for c in self.person.progress.criteria if not c.met]

    def _update(self) -> None:
        self.clear_problems()
        p = self.person.progress
        target = self.target()
        skips = self.skips()
        if skips:
            here = self.stages.index(p.stage) if p.stage in self.stages else 0
            there = self.stages.index(target) if target in self.stages else 0
            text = (
                _t("这是降级，需要勾选“强制调整”并写明原因。")
                if there < here
                else _t("这会跳过中间阶段，需要勾选“强制调整”并写明原因。")
            )
        elif self.unmet():
            text = _t("尚未满足：{items}。仍可晋升，但必须写明原因（会记入审计日志）。").format(
                items="；".join(self.unmet())
            )
        else:
            text = ""
        self.warning.setText(text)
        self.warning.setVisible(bool(text))
        self.force_check.setVisible(skips)
        if not skips:
            self.force_check.setChecked(False)

    def check(self) -> list[Problem]:
        problems: list[Problem] = []
        if not self.target():
            problems.append(("to_stage", _t("请选择阶段")))
            return problems
        note = self.note_edit.toPlainText().strip()
        if self.skips():
            if not self.force_check.isChecked():
                problems.append((None, _t("跨阶段或降级：请勾选“强制调整”")))
            if not note:
                problems.append(("note", _t("跨阶段或降级必须写明原因")))
        elif self.unmet() and not note:
            problems.append(("note", _t("条件未全部满足，请写明提前晋升的原因")))
        return problems

    def make_job(self) -> Callable[[], Any]:
        growth = self.services.growth
        actor, user_id = self.actor, self.person.user_id
        to_stage, note = self.target(), self.note_edit.toPlainText().strip()
        force = self.skips() and self.force_check.isChecked()
        return lambda: growth.promote(actor, user_id, to_stage, note, force=force)


# --- the page ------------------------------------------------------------------------------------------


class GrowthPage(Page):
    def __init__(self, ctx: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        actor = ctx.actor
        self.staff = actor.role in (Role.TRAINER, Role.MANAGER) and (
            actor.can(Permission.VIEW_TEAM_RESULTS) or actor.can(Permission.VIEW_ALL_RESULTS)
        )
        self.manager = actor.role == Role.MANAGER
        self.view = GrowthPageView(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)
        self.data: GrowthData | None = None
        self.shown: PersonGrowth | None = None  # whose detail the panel shows
        self.loading = False
        self.dialog: PromoteDialog | None = None
        self.team_rows: list[TeamMemberProgress] = []
        self.team_loading = False
        self._team_todo: list[TeamPerson] = []
        self._team_gen = 0
        self._person_seq = 0
        self._quiet_selection = False

        v = self.view
        self.team_model: RecordTableModel[TeamMemberProgress] = RecordTableModel(team_columns(), self)
        self.team_proxy = filter_proxy(self.team_model, self)
        v.team_table.setModel(self.team_proxy)
        v.team_table.sortByColumn(2, Qt.SortOrder.AscendingOrder)
        v.team_box.setVisible(self.staff)
        v.person.promote_button.setVisible(self.manager)
        v.search_edit.textChanged.connect(self.team_proxy.setFilterFixedString)
        v.ready_only_check.toggled.connect(lambda _on: self._fill_team())
        v.team_table.selectionModel().selectionChanged.connect(lambda *_: self._team_selection_changed())
        v.person.promote_button.clicked.connect(self.promote_shown)
        v.opt_in_check.toggled.connect(self._opt_in_toggled)
        v.refresh_button.clicked.connect(self.reload)
        self._update_buttons()

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
        self.view.busy_label.setText(self.tr("正在计算…"))
        self.ctx.runner.db(
            load_growth,
            self.ctx.services,
            self.ctx.actor,
            with_team=self.staff,
            on_done=self._loaded,
            on_error=self._failed,
            owner=self,
            name="growth.load",
        )

    def _failed(self, exc: BaseException) -> None:
        self.loading = False
        self.view.busy_label.setText("")
        errors.show_error(self, exc)

    def _loaded(self, data: GrowthData) -> None:
        self.loading = False
        self.view.busy_label.setText("")
        previous = self.shown
        self.data = data
        v = self.view
        v.opt_in_check.blockSignals(True)
        v.opt_in_check.setChecked(data.opt_in)
        v.opt_in_check.blockSignals(False)
        v.opt_in_check.setVisible(data.me is not None and not self.staff)  # leaderboards rank agents
        if self.staff and data.team is not None:
            # trainers and managers look at their people: the one shown stays (refreshed), else
            # the first row once it is there; the table fills in chunks
            self.team_rows = []
            self._team_gen += 1
            self._team_todo = list(data.team)
            self._load_team_chunk(self._team_gen)
            if previous is not None:
                self._load_person(previous.user_id, previous.name)
                return
            if data.team:
                return
        if data.me is not None:
            self.show_person(data.me)

    def _load_team_chunk(self, gen: int) -> None:
        if gen != self._team_gen:
            return
        chunk, self._team_todo = self._team_todo[:TEAM_CHUNK], self._team_todo[TEAM_CHUNK:]
        self.team_loading = bool(chunk)
        self._update_team_count()
        if not chunk:
            return
        self.ctx.runner.db(
            team_progress,
            self.ctx.services,
            self.ctx.actor,
            chunk,
            on_done=lambda rows: self._team_chunk_loaded(gen, rows),
            on_error=self._failed,
            owner=self,
            name="growth.team",
        )

    def _team_chunk_loaded(self, gen: int, rows: list[TeamMemberProgress]) -> None:
        if gen != self._team_gen:
            return
        self.team_rows.extend(rows)
        self._fill_team()
        if self.shown is None and self.team_proxy.rowCount():
            self.view.team_table.selectRow(0)
        self._load_team_chunk(gen)

    def _fill_team(self) -> None:
        rows = self.team_rows
        if self.view.ready_only_check.isChecked():
            rows = [r for r in rows if r.ready]
        self.team_model.set_rows(rows)
        if self.shown is not None:  # the reset dropped the selection: put it back, quietly
            self._quiet_selection = True
            try:
                self.select_person(self.shown.user_id)
            finally:
                self._quiet_selection = False
        self._update_team_count()

    def _update_team_count(self) -> None:
        total = len(self.data.team) if self.data is not None and self.data.team is not None else 0
        ready = sum(1 for r in self.team_rows if r.ready)
        if self.team_loading:
            text = self.tr("正在计算 {done}/{n} 人…").format(done=len(self.team_rows), n=total)
        else:
            text = self.tr("共 {n} 人，{m} 人可晋升").format(n=total, m=ready)
        self.view.team_count_label.setText(text)

    # --- the team table ------------------------------------------------------------------------------

    def selected_member(self) -> TeamMemberProgress | None:
        rows = self.view.team_table.selectionModel().selectedRows()
        return rows[0].data(RECORD_ROLE) if rows else None

    def select_person(self, user_id: int) -> bool:
        for row in range(self.team_proxy.rowCount()):
            record = self.team_proxy.index(row, 0).data(RECORD_ROLE)
            if record is not None and record.user_id == user_id:
                self.view.team_table.selectionModel().select(
                    self.team_proxy.index(row, 0),
                    QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
                )
                return True
        return False

    def _team_selection_changed(self) -> None:
        member = self.selected_member()
        if member is None or self._quiet_selection:
            return
        self._load_person(member.user_id, member.display_name)

    def _load_person(self, user_id: int, name: str) -> None:
        self._person_seq += 1
        seq = self._person_seq
        self.view.busy_label.setText(self.tr("正在计算…"))
        self.ctx.runner.db(
            load_person,
            self.ctx.services,
            self.ctx.actor,
            user_id,
            name,
            on_done=lambda person: self._person_loaded(seq, person),
            owner=self,
            name="growth.person",
        )

    def _person_loaded(self, seq: int, person: PersonGrowth) -> None:
        if seq != self._person_seq:
            return
        self.view.busy_label.setText("")
        self.show_person(person)

    # --- the person panel ----------------------------------------------------------------------------

    def show_person(self, person: PersonGrowth) -> None:
        self.shown = person
        panel = self.view.person
        p = person.progress
        mine = self.data is not None and self.data.me is not None and self.data.me.user_id == person.user_id
        panel.name_label.setText(
            self.tr("我的成长路径") if mine else self.tr("{name} 的成长路径").format(name=person.name)
        )
        self._fill_path(panel, p)
        met = sum(1 for c in p.criteria if c.met)
        if p.next_stage is None:
            panel.status_label.setText(self.tr("当前阶段：{stage}（已是最高阶段）").format(stage=p.stage))
            panel.status_label.setStyleSheet(f"color: {GREEN};")
        elif p.criteria and met == len(p.criteria):
            panel.status_label.setText(
                self.tr("当前阶段：{stage}。晋升“{next}”的条件已全部满足，等待主管确认晋升。").format(
                    stage=p.stage, next=p.next_stage
                )
            )
            panel.status_label.setStyleSheet(f"color: {GREEN}; font-weight: bold;")
        else:
            panel.status_label.setText(
                self.tr(
                    "当前阶段：{stage}。晋升“{next}”还需满足 {left} 项条件（已满足 {met}/{total}）。"
                ).format(
                    stage=p.stage,
                    next=p.next_stage,
                    left=len(p.criteria) - met,
                    met=met,
                    total=len(p.criteria),
                )
            )
            panel.status_label.setStyleSheet("")
        panel.criteria_box.setTitle(
            self.tr("晋升“{next}”的条件").format(next=p.next_stage) if p.next_stage else self.tr("晋升条件")
        )
        self._fill_criteria(panel, p.criteria)
        self._fill_history(panel, person.promotions)
        self._update_buttons()

    def _fill_path(self, panel: PersonPanel, p: StageProgress) -> None:
        row = panel.path_row
        while row.count():
            item = row.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        stages = self.data.stages if self.data else STAGES
        here = stages.index(p.stage) if p.stage in stages else 0
        for i, stage in enumerate(stages):
            if i:
                arrow = QLabel("→")
                arrow.setStyleSheet(f"color: {GREY};")
                row.addWidget(arrow)
            chip = QLabel(stage)
            chip.setObjectName(f"stage_{i}")
            if i < here:
                chip.setStyleSheet(STAGE_DONE_STYLE)
            elif i == here:
                chip.setStyleSheet(STAGE_CURRENT_STYLE)
            elif stage == p.next_stage:
                chip.setStyleSheet(STAGE_NEXT_STYLE)
            else:
                chip.setStyleSheet(STAGE_STYLE)
            row.addWidget(chip)
        row.addStretch(1)

    def _fill_criteria(self, panel: PersonPanel, criteria: Sequence[CriterionResult]) -> None:
        table = panel.criteria_table
        table.setRowCount(len(criteria))
        for r, c in enumerate(criteria):
            cells = [
                c.label,
                value_text(c.have, c),
                need_text(c),
                "",
                _t("已达成") if c.met else _t("未达成"),
            ]
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(c.detail)
                if col == 4:
                    item.setForeground(QColor(GREEN if c.met else RED))
                table.setItem(r, col, item)
            bar = QProgressBar()
            bar.setRange(0, 100)
            bar.setValue(round(criterion_fraction(c) * 100))
            bar.setFormat(c.detail if len(c.detail) <= 14 else "%p%")
            bar.setToolTip(c.detail)
            bar.setMaximumHeight(18)
            colour = GREEN if c.met else "#1565c0"
            bar.setStyleSheet(
                "QProgressBar { border: 1px solid #bbbbbb; border-radius: 3px; text-align: center;"
                " background: #f4f4f4; }"
                f" QProgressBar::chunk {{ background: {colour}; border-radius: 2px; }}"
            )
            table.setCellWidget(r, CRITERIA_PROGRESS_COLUMN, bar)
        table.resizeRowsToContents()
        if not criteria:
            table.setRowCount(0)

    def _fill_history(self, panel: PersonPanel, promotions: Sequence[PromotionRecord]) -> None:
        table = panel.history_table
        table.setRowCount(len(promotions))
        for r, pr in enumerate(promotions):
            for col, text in enumerate((local_time(pr.at), pr.from_stage, pr.to_stage, pr.by, pr.note)):
                item = QTableWidgetItem(text)
                if col == 4:
                    item.setToolTip(pr.note)
                table.setItem(r, col, item)
        table.setVisible(bool(promotions))
        panel.no_history_label.setVisible(not promotions)

    def criterion_bar(self, row: int) -> QProgressBar | None:
        widget = self.view.person.criteria_table.cellWidget(row, CRITERIA_PROGRESS_COLUMN)
        return widget if isinstance(widget, QProgressBar) else None

    def _update_buttons(self) -> None:
        panel = self.view.person
        panel.promote_button.setEnabled(self.manager and self.shown is not None)

    # --- promoting -----------------------------------------------------------------------------------

    def promote_shown(self) -> PromoteDialog | None:
        if not self.manager or self.shown is None:
            return None
        stages = self.data.stages if self.data else STAGES
        dialog = PromoteDialog(self.ctx.services, self.ctx.runner, self.ctx.actor, self.shown, stages, self)
        self.dialog = dialog
        dialog.succeeded.connect(self._promoted)
        dialog.finished.connect(lambda _r: setattr(self, "dialog", None))
        dialog.open()
        return dialog

    def _promoted(self, _result: object) -> None:
        if self.shown is not None:
            self.ctx.show_status(self.tr("已记录 {name} 的晋升").format(name=self.shown.name))
        self.reload()

    # --- leaderboard opt-in ---------------------------------------------------------------------------

    def _opt_in_toggled(self, on: bool) -> None:
        def done(_result: object) -> None:
            self.ctx.show_status(
                self.tr("你的成绩会显示在小组排行榜中") if on else self.tr("你的成绩不再显示在小组排行榜中")
            )

        def failed(exc: BaseException) -> None:
            check = self.view.opt_in_check
            check.blockSignals(True)
            check.setChecked(not on)
            check.blockSignals(False)
            errors.show_error(self, exc)

        self.ctx.runner.db(
            self.ctx.services.growth.set_leaderboard_opt_in,
            self.ctx.actor,
            on,
            on_done=done,
            on_error=failed,
            owner=self,
            name="growth.opt_in",
        )
