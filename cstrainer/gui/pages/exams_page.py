"""考试: my exams (start, continue, results), the exam in progress, and results.

The page is a stack of three screens: the list, the running :class:`ExamSession`, and an
:class:`ExamResultWidget`. A running session keeps its clock and heartbeat going when the person
moves to another page (after confirming); when they come back it is still there. Logging out or
quitting closes it with every answer saved; ``继续作答`` resumes it later.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from cstrainer.gui import errors, prompts
from cstrainer.gui.context import PageContext
from cstrainer.gui.pages.exam_result import ExamResultWidget, format_duration, verdict
from cstrainer.gui.pages.exam_session import ExamSession
from cstrainer.gui.pages.exams_page_view import ExamsListView, stretch_first_column
from cstrainer.gui.pages.registry import Page
from cstrainer.gui.qt import (
    QT_TRANSLATE_NOOP,
    QColor,
    QCoreApplication,
    QItemSelectionModel,
    QModelIndex,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)
from cstrainer.gui.table_model import Column, RecordTableModel, local_time
from cstrainer.services import Services
from cstrainer.services.actor import Actor
from cstrainer.services.exams import REVIEWING, SUBMIT_REASONS, AttemptResult, AttemptView, ExamSummary

log = logging.getLogger(__name__)

NOT_STARTED = QT_TRANSLATE_NOOP("ExamsPage", "未开始")
IN_PROGRESS = QT_TRANSLATE_NOOP("ExamsPage", "作答中")
PASSED = QT_TRANSLATE_NOOP("ExamsPage", "已通过")
FAILED = QT_TRANSLATE_NOOP("ExamsPage", "未通过")
REVIEW = QT_TRANSLATE_NOOP("ExamsPage", "待复核")
STATUS_COLOURS = {IN_PROGRESS: "#1565c0", PASSED: "#2e7d32", FAILED: "#c62828", REVIEW: "#e65100"}
LEAVE_QUESTION = QT_TRANSLATE_NOOP("ExamsPage", "考试计时仍在继续，确定离开吗？答案已自动保存")
CLOSING_WAIT_SECONDS = 5.0


def _t(text: str) -> str:
    return QCoreApplication.translate("ExamsPage", text)


@dataclass(frozen=True)
class ExamRow:
    """One line of the exam list: the service's summary plus what the attempts tell."""

    summary: ExamSummary
    status: str  # one of the status source texts above
    latest: AttemptResult | None  # the newest handed-in attempt


@dataclass(frozen=True)
class ExamsData:
    exams: list[ExamSummary]
    attempts: list[AttemptResult]


def load_exams(services: Services, actor: Actor) -> ExamsData:
    """On the database thread: my exams and my handed-in attempts."""
    exams = services.exams.list_exams(actor)
    attempts = services.exams.attempts(actor) if actor.user_id is not None else []
    return ExamsData(exams, attempts)


def exam_rows(data: ExamsData) -> list[ExamRow]:
    rows = []
    for e in data.exams:
        mine = [a for a in data.attempts if a.exam_key == e.key]  # newest first
        if e.in_progress_attempt_id is not None:
            status = IN_PROGRESS
        elif any(a.passed for a in mine):
            status = PASSED
        # ExamSummary.passed is False while the only attempt waits for review: ask the attempts.
        elif any(a.status == REVIEWING for a in mine):
            status = REVIEW
        elif mine or e.passed is False:
            status = FAILED
        else:
            status = NOT_STARTED
        rows.append(ExamRow(e, status, mine[0] if mine else None))
    return rows


def _minutes(m: int | None) -> str:
    return _t("{m} 分钟").format(m=m) if m else _t("不限时")


def exam_columns() -> list[Column[ExamRow]]:
    return [
        Column(_t("试卷"), lambda r: r.summary.title, tooltip=lambda r: r.summary.title),
        Column(_t("类型"), lambda r: r.summary.purpose or "—"),
        Column(
            _t("题数"),
            lambda r: str(r.summary.question_count),
            sort_key=lambda r: r.summary.question_count,
            align_right=True,
        ),
        Column(_t("时长"), lambda r: _minutes(r.summary.time_limit_minutes)),
        Column(_t("及格分"), lambda r: f"{r.summary.pass_mark:g}", align_right=True),
        Column(
            _t("已考/可考"),
            lambda r: f"{r.summary.attempts_used} / {r.summary.attempts_allowed}",
            align_right=True,
        ),
        Column(
            _t("最好成绩"),
            lambda r: "—" if r.summary.best_percent is None else f"{r.summary.best_percent:g}",
            sort_key=lambda r: -1 if r.summary.best_percent is None else r.summary.best_percent,
            align_right=True,
        ),
        Column(
            _t("状态"),
            lambda r: _t(r.status),
            foreground=lambda r: QColor(STATUS_COLOURS[r.status]) if r.status in STATUS_COLOURS else None,
            tooltip=lambda r: r.summary.reason or "",
        ),
    ]


def attempt_columns() -> list[Column[AttemptResult]]:
    return [
        Column(_t("试卷"), lambda a: a.exam_title),
        Column(_t("交卷时间"), lambda a: local_time(a.submitted_at), sort_key=lambda a: a.attempt_id),
        Column(_t("用时"), lambda a: format_duration(a.used_seconds), sort_key=lambda a: a.used_seconds),
        Column(_t("成绩"), lambda a: f"{a.percent:g}", sort_key=lambda a: a.percent, align_right=True),
        Column(_t("结果"), lambda a: verdict(a)[0], foreground=lambda a: QColor(verdict(a)[1])),
        Column(_t("交卷方式"), lambda a: SUBMIT_REASONS.get(a.submit_reason, a.submit_reason)),
    ]


class ExamsPage(Page):
    def __init__(self, ctx: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.stack = QStackedWidget(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stack)
        self.list_view = ExamsListView()
        self.stack.addWidget(self.list_view)
        self.session: ExamSession | None = None
        self.result_widget: ExamResultWidget | None = None
        self.rows: list[ExamRow] = []
        self.loaded = False  # tests wait for the first load
        self.bank_warmed = False  # the question bank was parsed ahead of the first start

        v = self.list_view
        self.exam_model: RecordTableModel[ExamRow] = RecordTableModel(exam_columns(), self)
        v.exams_table.setModel(self.exam_model)
        self.attempt_model: RecordTableModel[AttemptResult] = RecordTableModel(attempt_columns(), self)
        v.attempts_table.setModel(self.attempt_model)
        stretch_first_column(v.exams_table)
        stretch_first_column(v.attempts_table)
        v.exams_table.selectionModel().selectionChanged.connect(lambda *_a: self._update_buttons())
        v.exams_table.doubleClicked.connect(lambda _i: self.start_selected())
        v.attempts_table.doubleClicked.connect(lambda _i: self.open_selected_attempt())
        v.attempts_table.selectionModel().selectionChanged.connect(lambda *_a: self._update_buttons())
        v.start_button.clicked.connect(self.start_selected)
        v.result_button.clicked.connect(self.open_latest_result)
        v.open_attempt_button.clicked.connect(self.open_selected_attempt)
        v.refresh_button.clicked.connect(self.reload)
        self._update_buttons()

    # --- Page hooks -------------------------------------------------------------------------------

    def page_shown(self) -> None:
        if self.stack.currentWidget() is self.list_view:
            self.reload()

    def can_leave(self) -> bool:
        if self.session is None or not self.session.active:
            return True
        if self.session.question is not None:
            self.session.question.flush()
        return prompts.confirm(self, _t("离开考试"), _t(LEAVE_QUESTION), ok_text=_t("离开"))

    def page_closing(self) -> None:
        """Logout or quit: save what is pending and close the session (it can be resumed)."""
        if self.session is not None and self.session.active:
            self.session.suspend()
            try:
                self.ctx.runner.wait_until_idle(CLOSING_WAIT_SECONDS)
            except TimeoutError:
                log.warning("answers of attempt %s may not all be saved", self.session.attempt_id)

    # --- the list ---------------------------------------------------------------------------------

    def reload(self) -> None:
        self.ctx.runner.db(load_exams, self.ctx.services, self.ctx.actor, on_done=self._show_data, owner=self)

    def _show_data(self, data: ExamsData) -> None:
        selected = self.selected_row()
        key = selected.summary.key if selected else None
        self.rows = exam_rows(data)
        self.exam_model.set_rows(self.rows)
        self.attempt_model.set_rows(data.attempts)
        v = self.list_view
        v.empty_label.setVisible(not self.rows)
        v.no_attempts_label.setVisible(not data.attempts)
        v.attempts_table.setVisible(bool(data.attempts))
        v.open_attempt_button.setVisible(bool(data.attempts))
        if self.rows:
            row = next((i for i, r in enumerate(self.rows) if r.summary.key == key), 0)
            v.exams_table.selectionModel().select(
                self.exam_model.index(row, 0),
                QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
            )
        self.loaded = True
        self._update_buttons()
        if not self.bank_warmed and any(r.summary.can_start for r in self.rows):
            # an exam can be started: parse the bank now, while the person reads the list
            self.bank_warmed = True
            self.ctx.runner.pool(
                self.ctx.services.exams.warm_up,
                owner=self,
                name="exams.warm_bank",
                on_error=lambda exc: log.warning("warming the question bank failed: %s", exc),
            )

    def selected_row(self) -> ExamRow | None:
        rows = self.list_view.exams_table.selectionModel().selectedRows()
        return self.exam_model.record(rows[0].row()) if rows else None

    def select_exam(self, key: str) -> None:
        row = next(i for i, r in enumerate(self.rows) if r.summary.key == key)
        self.list_view.exams_table.selectRow(row)

    def _update_buttons(self) -> None:
        v = self.list_view
        row = self.selected_row()
        if row is None:
            v.start_button.setText(_t("开始考试"))
            v.start_button.setEnabled(False)
            v.start_button.setToolTip("")
            v.result_button.setEnabled(False)
            v.reason_label.setText("")
        else:
            s = row.summary
            resume = s.in_progress_attempt_id is not None
            v.start_button.setText(_t("继续作答") if resume else _t("开始考试"))
            v.start_button.setEnabled(s.can_start)
            v.start_button.setToolTip(s.reason)
            v.reason_label.setText(_t("不能开始：{reason}").format(reason=s.reason) if s.reason else "")
            v.result_button.setEnabled(row.latest is not None)
        v.open_attempt_button.setEnabled(bool(v.attempts_table.selectionModel().selectedRows()))

    # --- starting and resuming ----------------------------------------------------------------------

    def start_selected(self) -> None:
        row = self.selected_row()
        if row is None or not row.summary.can_start:
            return
        s = row.summary
        if s.in_progress_attempt_id is None:
            text = _t("《{title}》共 {n} 题，{limit}，及格分 {mark}。").format(
                title=s.title,
                n=s.question_count,
                limit=_minutes(s.time_limit_minutes),
                mark=f"{s.pass_mark:g}",
            )
            text += "\n\n" + _t(
                "开始后开始计时，答案会自动保存。考试期间请不要切换到其他程序，离开考试窗口会被记录。确定开始吗？"
            )
            if not prompts.confirm(self, _t("开始考试"), text, ok_text=_t("开始考试")):
                return
        self.list_view.start_button.setEnabled(False)
        self.ctx.runner.db(
            self.ctx.services.exams.start,
            self.ctx.actor,
            s.key,
            on_done=self._started,
            on_error=self._start_failed,
            owner=self,
            name="exams.start",
        )

    def _start_failed(self, exc: BaseException) -> None:
        self._update_buttons()
        errors.show_error(self.window(), exc)
        self.reload()

    def _started(self, attempt: AttemptView) -> None:
        self.open_session(attempt)

    def open_session(self, attempt: AttemptView) -> ExamSession:
        self._drop_session()
        session = ExamSession(self.ctx, attempt)
        session.finished.connect(self.show_result)
        self.session = session
        self.stack.addWidget(session)
        self.stack.setCurrentWidget(session)
        return session

    def _drop_session(self) -> None:
        if self.session is not None:
            self.stack.removeWidget(self.session)
            self.session.deleteLater()
            self.session = None

    # --- results ----------------------------------------------------------------------------------

    def show_result(self, result: AttemptResult) -> ExamResultWidget:
        self._drop_session()
        if self.result_widget is not None:
            self.stack.removeWidget(self.result_widget)
            self.result_widget.deleteLater()
        widget = ExamResultWidget(self.ctx, result)
        widget.back_requested.connect(self.show_list)
        self.result_widget = widget
        self.stack.addWidget(widget)
        self.stack.setCurrentWidget(widget)
        self.reload()  # the list behind it (attempts, best score) changed
        return widget

    def show_list(self) -> None:
        self.stack.setCurrentWidget(self.list_view)
        if self.result_widget is not None:
            self.stack.removeWidget(self.result_widget)
            self.result_widget.deleteLater()
            self.result_widget = None
        self.reload()

    def open_latest_result(self) -> None:
        row = self.selected_row()
        if row is not None and row.latest is not None:
            self.show_result(row.latest)

    def open_selected_attempt(self, index: QModelIndex | None = None) -> None:
        rows = self.list_view.attempts_table.selectionModel().selectedRows()
        if rows:
            self.show_result(self.attempt_model.record(rows[0].row()))
