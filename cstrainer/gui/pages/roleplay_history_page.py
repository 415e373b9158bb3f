"""对话记录: role-play sessions and progress.

Agents and trainees see their own sessions and their progress per scenario and per dimension.
Trainers and managers see the sessions of everyone they may see (a person filter narrows it),
open one, replay it message by message with its real timings (sped up), comment on single replies
and re-grade it with the scenario as it is now.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Sequence
from typing import Any

from cstrainer.domain.accounts import Role
from cstrainer.gui.context import PageContext
from cstrainer.gui.pages.registry import Page
from cstrainer.gui.pages.roleplay_history_page_view import (
    HistoryListView,
    SessionReplayView,
    stretch_first_column,
)
from cstrainer.gui.pages.roleplay_scorecard import DIMENSIONS, ScorecardWidget, key_point_labels, reply_marks
from cstrainer.gui.qt import (
    QT_TRANSLATE_NOOP,
    QColor,
    QCoreApplication,
    QListWidgetItem,
    QStackedWidget,
    Qt,
    QTimer,
    QVBoxLayout,
    QWidget,
)
from cstrainer.gui.table_model import RECORD_ROLE, Column, RecordTableModel, filter_proxy, local_time
from cstrainer.gui.widgets.chat_bubbles import AGENT_COLOUR, ChatBubble, highlight_html, persona_colour

log = logging.getLogger(__name__)

ALL = -1
MODE_LABELS = {
    "normal": QT_TRANSLATE_NOOP("RolePlayHistory", "文字"),
    "voice": QT_TRANSLATE_NOOP("RolePlayHistory", "语音"),
    "rush": QT_TRANSLATE_NOOP("RolePlayHistory", "大促"),
}
STATUS_LABELS = {
    "active": QT_TRANSLATE_NOOP("RolePlayHistory", "进行中"),
    "finished": QT_TRANSLATE_NOOP("RolePlayHistory", "已结束"),
    "abandoned": QT_TRANSLATE_NOOP("RolePlayHistory", "提前结束"),
}
#: The longest pause the replay keeps (seconds, before the speed factor).
MAX_REPLAY_GAP = 8.0


def _t(text: str) -> str:
    return QCoreApplication.translate("RolePlayHistory", text)


def is_coach(actor: Any) -> bool:
    return actor.role in (Role.TRAINER, Role.MANAGER)


def _score_colour(score: int | None) -> QColor | None:
    if score is None:
        return None
    return QColor("#2e7d32" if score >= 80 else ("#ef6c00" if score >= 60 else "#c62828"))


def session_columns(coach: bool) -> list[Column[Any]]:
    cols: list[Column[Any]] = [
        Column(_t("场景"), lambda s: s.scenario_title + (_t("（草稿）") if s.draft else "")),
        Column(
            _t("开始时间"), lambda s: local_time(s.started_at), sort_key=lambda s: s.started_at.timestamp()
        ),
        Column(_t("模式"), lambda s: _t(MODE_LABELS.get(s.mode, s.mode))),
        Column(_t("回复数"), lambda s: str(s.replies), sort_key=lambda s: s.replies, align_right=True),
        Column(_t("结果"), lambda s: s.outcome or _t(STATUS_LABELS.get(s.status, s.status))),
        Column(
            _t("得分"),
            lambda s: "—" if s.score is None else str(s.score),
            sort_key=lambda s: -1 if s.score is None else s.score,
            foreground=lambda s: _score_colour(s.score),
            align_right=True,
        ),
    ]
    if coach:
        cols.insert(1, Column(_t("学员"), lambda s: s.display_name or s.login))
    return cols


def progress_columns() -> list[Column[Any]]:
    cols: list[Column[Any]] = [
        Column(_t("场景"), lambda r: r.scenario_title),
        Column(_t("阶段"), lambda r: r.stage),
        Column(_t("次数"), lambda r: str(r.sessions), sort_key=lambda r: r.sessions, align_right=True),
        Column(_t("达成"), lambda r: str(r.successes), sort_key=lambda r: r.successes, align_right=True),
        Column(
            _t("最好"),
            lambda r: "—" if r.best_score is None else str(r.best_score),
            sort_key=lambda r: -1 if r.best_score is None else r.best_score,
            foreground=lambda r: _score_colour(r.best_score),
            align_right=True,
        ),
        Column(
            _t("最近"),
            lambda r: "—" if r.last_score is None else str(r.last_score),
            sort_key=lambda r: -1 if r.last_score is None else r.last_score,
            align_right=True,
        ),
    ]
    for name in DIMENSIONS:
        cols.append(_dimension_column(name))
    return cols


def _dimension_column(name: str) -> Column[Any]:
    def text(r: Any) -> str:
        value = r.dimensions.get(name)
        return "—" if value is None else f"{value:.0f}"

    def sort_key(r: Any) -> float:
        return float(r.dimensions.get(name, -1))

    return Column(name, text, sort_key=sort_key, align_right=True)


class SessionReplay(QWidget):
    """One stored session: replay with timings, the scorecard, comments (trainers add them)."""

    def __init__(self, ctx: PageContext, detail: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.detail = detail
        self.view = SessionReplayView(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)
        self.messages = [m for m in detail.messages]
        self.position = 0  # messages shown so far
        self.bubbles: dict[int, ChatBubble] = {}  # seq -> bubble
        self.comments: list[Any] = list(detail.comments)
        self.scorecard_widget: ScorecardWidget | None = None
        self.current_scorecard: Any = detail.scorecard
        self.labels = key_point_labels(detail.scenario)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._auto_step)
        v = self.view
        v.back_button.clicked.connect(self.stop)
        v.play_button.clicked.connect(self.toggle_play)
        v.step_button.clicked.connect(self.step)
        v.all_button.clicked.connect(self.show_all)
        v.comment_button.clicked.connect(self.add_comment)
        v.regrade_button.clicked.connect(self.regrade)
        v.regrade_button.setVisible(bool(detail.can_regrade))
        v.comment_box.setVisible(bool(detail.can_comment))
        self._fill_header()
        self._fill_replies()
        self._fill_comments()
        self._set_scorecard(detail.scorecard)
        self.show_all()

    # --- header and side panel ------------------------------------------------------------------------

    def _fill_header(self) -> None:
        s, v = self.detail.summary, self.view
        v.title_label.setText(
            _t("{who} · {title}").format(who=s.display_name or s.login, title=s.scenario_title)
            + (_t("（草稿试玩）") if s.draft else "")
        )
        info = _t("{time} · {mode} · 场景版本 {version} · 随机种子 {seed}").format(
            time=local_time(s.started_at),
            mode=_t(MODE_LABELS.get(s.mode, s.mode)),
            version=self.detail.scenario_version,
            seed=self.detail.seed,
        )
        if (
            self.detail.graded_version is not None
            and self.detail.graded_version != self.detail.scenario_version
        ):
            info += _t(" · 按版本 {v} 重新评分").format(v=self.detail.graded_version)
        v.info_label.setText(info)

    def _fill_replies(self) -> None:
        combo = self.view.reply_combo
        combo.clear()
        n = 0
        for m in self.messages:
            if m.role == "agent":
                n += 1
                preview = m.text if len(m.text) <= 24 else m.text[:24] + "…"
                combo.addItem(_t("第 {n} 条回复：{text}").format(n=n, text=preview), m.seq)

    def _fill_comments(self) -> None:
        lst = self.view.comments_list
        lst.clear()
        numbers = self._reply_numbers()
        for c in self.comments:
            n = numbers.get(c.message_seq)
            where = _t("第 {n} 条回复").format(n=n) if n else _t("第 {seq} 句").format(seq=c.message_seq + 1)
            item = QListWidgetItem(
                _t("{who}（{time}）点评{where}：\n{text}").format(
                    who=c.author_name or c.author_login,
                    time=local_time(c.created_at),
                    where=where,
                    text=c.text,
                )
            )
            lst.addItem(item)
        if not self.comments:
            item = QListWidgetItem(_t("还没有点评。"))
            lst.addItem(item)
        for seq, bubble in self.bubbles.items():
            self._show_bubble_comments(seq, bubble)

    def _reply_numbers(self) -> dict[int, int]:
        numbers, n = {}, 0
        for m in self.messages:
            if m.role == "agent":
                n += 1
                numbers[m.seq] = n
        return numbers

    def _show_bubble_comments(self, seq: int, bubble: ChatBubble) -> None:
        mine = [c for c in self.comments if c.message_seq == seq]
        if mine:
            text = "<br>".join(
                f"【{_t('点评')}】<b>{html.escape(c.author_name or c.author_login)}</b>：{html.escape(c.text)}"
                for c in mine
            )
            bubble.set_feedback(text, True)

    def _set_scorecard(self, scorecard: Any) -> None:
        layout = self.view.scorecard_layout
        if self.scorecard_widget is not None:
            layout.removeWidget(self.scorecard_widget)
            self.scorecard_widget.deleteLater()
            self.scorecard_widget = None
        if scorecard is None:
            return
        widget = ScorecardWidget(scorecard, scenario=self.detail.scenario, buttons=False)
        layout.addWidget(widget)
        self.scorecard_widget = widget

    # --- replay ---------------------------------------------------------------------------------------

    def _bubble_for(self, index: int) -> None:
        m = self.messages[index]
        prev_at = self.messages[index - 1].at_ms if index else 0
        offset = _t("+{s} 秒").format(s=f"{(m.at_ms - prev_at) / 1000:.1f}")
        clock = _t("{m}:{s:02d}").format(m=m.at_ms // 60000, s=(m.at_ms // 1000) % 60)
        s = self.detail.summary
        if m.role == "customer":
            scenario = self.detail.scenario
            name = getattr(scenario, "customer_name", "") or getattr(scenario, "persona", "")
            bubble = ChatBubble(
                "customer",
                m.text,
                f"{clock} · {offset}",
                avatar_text=name,
                avatar_colour=persona_colour(getattr(scenario, "persona", "")),
            )
        elif m.role == "agent":
            bubble = ChatBubble(
                "agent",
                m.text,
                _t("{clock} · 用时 {s} 秒").format(clock=clock, s=f"{m.seconds:.1f}"),
                avatar_text=s.display_name or s.login,
                avatar_colour=AGENT_COLOUR,
            )
            grade = self._grade_for(m.seq)
            if grade is not None and grade.text == m.text:
                bubble.set_bubble_html(highlight_html(m.text, reply_marks(grade, self.labels)))
        else:
            self.view.transcript.add_note(m.text)
            return
        self.bubbles[m.seq] = bubble
        self.view.transcript.add_bubble(bubble)
        self._show_bubble_comments(m.seq, bubble)

    def _grade_for(self, seq: int) -> Any:
        """The scorecard's grading of the agent message ``seq`` (replies are graded in order)."""
        number = self._reply_numbers().get(seq)
        replies = list(getattr(self.current_scorecard, "replies", ()) or ())
        return replies[number - 1] if number is not None and number <= len(replies) else None

    def _update_position(self) -> None:
        self.view.position_label.setText(_t("{n} / {m} 句").format(n=self.position, m=len(self.messages)))
        self.view.step_button.setEnabled(self.position < len(self.messages))
        self.view.play_button.setText(_t("⏸ 暂停") if self._timer.isActive() else _t("▶ 回放"))

    def restart(self) -> None:
        self._timer.stop()
        self.view.transcript.clear()
        self.bubbles.clear()
        self.position = 0
        self._update_position()

    def step(self) -> bool:
        """Show the next message; False when everything is shown."""
        if self.position >= len(self.messages):
            return False
        self._bubble_for(self.position)
        self.position += 1
        self._update_position()
        return True

    def show_all(self) -> None:
        self._timer.stop()
        while self.step():
            pass
        self._update_position()

    def toggle_play(self) -> None:
        if self._timer.isActive():
            self._timer.stop()
            self._update_position()
            return
        if self.position >= len(self.messages):
            self.restart()
        self._schedule()

    @property
    def playing(self) -> bool:
        return self._timer.isActive()

    def speed(self) -> float:
        return float(self.view.speed_combo.currentData() or 1.0)

    def _schedule(self) -> None:
        if self.position >= len(self.messages):
            self._update_position()
            return
        m = self.messages[self.position]
        prev_at = self.messages[self.position - 1].at_ms if self.position else m.at_ms
        gap = min(MAX_REPLAY_GAP, max(0.0, (m.at_ms - prev_at) / 1000))
        self._timer.start(int(gap / self.speed() * 1000))
        self._update_position()

    def _auto_step(self) -> None:
        self.step()
        self._schedule()

    def stop(self) -> None:
        self._timer.stop()

    # --- trainer actions ------------------------------------------------------------------------------

    def add_comment(self) -> None:
        text = self.view.comment_edit.toPlainText().strip()
        seq = self.view.reply_combo.currentData()
        if not text or seq is None:
            return
        self.view.comment_button.setEnabled(False)
        self.ctx.runner.db(
            self.ctx.services.roleplay.comment,
            self.ctx.actor,
            self.detail.summary.session_id,
            int(seq),
            text,
            on_done=self._commented,
            on_error=self._comment_failed,
            owner=self,
            name="roleplay.comment",
        )

    def _commented(self, comment: Any) -> None:
        self.view.comment_button.setEnabled(True)
        self.view.comment_edit.clear()
        self.comments.append(comment)
        self._fill_comments()
        self.ctx.show_status(_t("点评已保存"))

    def _comment_failed(self, exc: BaseException) -> None:
        from cstrainer.gui import errors

        self.view.comment_button.setEnabled(True)
        errors.show_error(self.window(), exc)

    def regrade(self) -> None:
        self.view.regrade_button.setEnabled(False)
        self.ctx.runner.db(
            self.ctx.services.roleplay.regrade,
            self.ctx.actor,
            self.detail.summary.session_id,
            on_done=self._regraded,
            on_error=self._regrade_failed,
            owner=self,
            name="roleplay.regrade",
        )

    def _regraded(self, scorecard: Any) -> None:
        self.view.regrade_button.setEnabled(True)
        self.current_scorecard = scorecard
        self._set_scorecard(scorecard)
        self.view.side_tabs.setCurrentIndex(0)
        self.ctx.show_status(
            _t("已按当前场景重新评分：{score} 分").format(score=getattr(scorecard, "score", "—"))
        )

    def _regrade_failed(self, exc: BaseException) -> None:
        from cstrainer.gui import errors

        self.view.regrade_button.setEnabled(True)
        errors.show_error(self.window(), exc)


class RolePlayHistoryPage(Page):
    def __init__(self, ctx: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.coach = is_coach(ctx.actor)
        self.stack = QStackedWidget(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stack)
        self.list_view = HistoryListView()
        self.stack.addWidget(self.list_view)
        self.replay: SessionReplay | None = None
        self.sessions: list[Any] = []
        self.loaded = False
        self.progress: Any = None

        v = self.list_view
        self.session_model: RecordTableModel[Any] = RecordTableModel(session_columns(self.coach), self)
        self.session_proxy = filter_proxy(self.session_model, self)
        v.sessions_table.setModel(self.session_proxy)
        stretch_first_column(v.sessions_table)
        v.sessions_table.sortByColumn(2 if self.coach else 1, Qt.SortOrder.DescendingOrder)  # newest first
        self.progress_model: RecordTableModel[Any] = RecordTableModel(progress_columns(), self)
        self.progress_proxy = filter_proxy(self.progress_model, self)
        v.progress_table.setModel(self.progress_proxy)
        stretch_first_column(v.progress_table)
        v.sessions_table.doubleClicked.connect(lambda _i: self.open_selected())
        v.sessions_table.selectionModel().selectionChanged.connect(lambda *_a: self._update_buttons())
        v.open_button.clicked.connect(self.open_selected)
        v.refresh_button.clicked.connect(self.reload)
        v.person_combo.setVisible(self.coach)
        v.person_label.setVisible(self.coach)
        v.person_combo.currentIndexChanged.connect(lambda _i: self._person_changed())
        self._update_buttons()

    # --- Page hooks -------------------------------------------------------------------------------

    def page_shown(self) -> None:
        if self.stack.currentWidget() is self.list_view:
            self.reload()

    def page_closing(self) -> None:
        if self.replay is not None:
            self.replay.stop()

    # --- loading ----------------------------------------------------------------------------------

    def person_id(self) -> int | None:
        data = self.list_view.person_combo.currentData()
        return None if data in (None, ALL) else int(data)

    def reload(self) -> None:
        rp = self.ctx.services.roleplay
        self.ctx.runner.db(
            rp.history,
            self.ctx.actor,
            everyone=self.coach,
            on_done=self._show_sessions,
            owner=self,
            name="roleplay.history",
        )
        self._load_progress()

    def _load_progress(self) -> None:
        user_id = self.person_id()
        if self.coach and user_id is None:
            self._show_progress(None)
            return
        self.ctx.runner.db(
            self.ctx.services.roleplay.progress,
            self.ctx.actor,
            user_id,
            on_done=self._show_progress,
            owner=self,
            name="roleplay.progress",
        )

    def _show_sessions(self, sessions: Sequence[Any]) -> None:
        self.sessions = list(sessions)
        if self.coach:
            self._fill_people()
        self._apply_person()
        self.loaded = True

    def _fill_people(self) -> None:
        combo = self.list_view.person_combo
        current = combo.currentData()
        people: dict[int, str] = {}
        for s in self.sessions:
            people.setdefault(s.user_id, s.display_name or s.login)
        combo.blockSignals(True)
        combo.clear()
        combo.addItem(_t("全部学员"), ALL)
        for uid, name in sorted(people.items(), key=lambda p: p[1]):
            combo.addItem(name, uid)
        combo.setCurrentIndex(max(0, combo.findData(current)) if current is not None else 0)
        combo.blockSignals(False)

    def _person_changed(self) -> None:
        self._apply_person()
        self._load_progress()

    def _apply_person(self) -> None:
        uid = self.person_id()
        rows = [s for s in self.sessions if uid is None or s.user_id == uid]
        self.session_model.set_rows(rows)
        self.list_view.empty_label.setVisible(not rows)
        if rows:
            self.list_view.sessions_table.selectRow(0)
        self._update_buttons()

    def _show_progress(self, progress: Any) -> None:
        self.progress = progress
        v = self.list_view
        if progress is None:
            v.progress_summary.setText(_t("选择一位学员查看 TA 的进度。"))
            self.progress_model.set_rows([])
            for i, name in enumerate(DIMENSIONS):
                v.set_dimension(i, name, None)
            return
        avg = "—" if progress.average_score is None else f"{progress.average_score:.0f}"
        v.progress_summary.setText(
            _t("共完成 {n} 次对话，平均得分 {avg} 分。").format(n=progress.sessions, avg=avg)
        )
        for i, name in enumerate(DIMENSIONS):
            v.set_dimension(i, name, progress.dimensions.get(name))
        self.progress_model.set_rows(list(progress.scenarios))

    def _update_buttons(self) -> None:
        self.list_view.open_button.setEnabled(
            bool(self.list_view.sessions_table.selectionModel().selectedRows())
        )

    def selected_session(self) -> Any:
        rows = self.list_view.sessions_table.selectionModel().selectedRows()
        return rows[0].data(RECORD_ROLE) if rows else None

    def select_session(self, session_id: int) -> None:
        for row in range(self.session_proxy.rowCount()):
            if self.session_proxy.index(row, 0).data(RECORD_ROLE).session_id == session_id:
                self.list_view.sessions_table.selectRow(row)
                return

    # --- one session --------------------------------------------------------------------------------

    def open_selected(self) -> None:
        s = self.selected_session()
        if s is not None:
            self.open_session(s.session_id)

    def open_session(self, session_id: int) -> None:
        self.ctx.runner.db(
            self.ctx.services.roleplay.session,
            self.ctx.actor,
            session_id,
            on_done=self._loaded_detail,
            owner=self,
            name="roleplay.session",
        )

    def _loaded_detail(self, detail: Any) -> None:
        self.show_detail(detail)

    def show_detail(self, detail: Any) -> SessionReplay:
        self._drop_replay()
        replay = SessionReplay(self.ctx, detail)
        replay.view.back_button.clicked.connect(self.show_list)
        self.replay = replay
        self.stack.addWidget(replay)
        self.stack.setCurrentWidget(replay)
        return replay

    def show_list(self) -> None:
        self.stack.setCurrentWidget(self.list_view)
        self._drop_replay()
        self.reload()

    def _drop_replay(self) -> None:
        if self.replay is not None:
            self.replay.stop()
            self.stack.removeWidget(self.replay)
            self.replay.deleteLater()
            self.replay = None
