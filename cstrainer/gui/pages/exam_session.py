"""An exam in progress: one question at a time, autosave, the clock, focus counting, handing in.

Answers are never only in the window. Every change of an answer goes to
``services.exams.save_answer`` on the database thread at once; until the service has confirmed it,
the answer stays in :attr:`ExamSession.unsent` and is sent again (after a failure, every few
seconds; before handing in, first). The database lane runs jobs in order, so a later save of the
same question always lands after an earlier one, and the final saves land before the submit.

The clock runs locally (a one-second timer against ``time.monotonic``) and is corrected by the
remaining time in every :class:`~cstrainer.services.exams.SaveAck` (saves, the heartbeat every
10 s, focus reports): the service is the authority on time. When the local clock has run out, the
session hands in by itself; when the service says the attempt was submitted (time out, focus cap,
the exam closed), the session shows why and moves to the result.

The server unreachable. Before an answer is sent it is written to the offline journal on this PC
(:mod:`cstrainer.services.offline_journal`, fsync'd); the service's confirmation removes it. When
a call fails because the database cannot be reached, a banner says so (which retry, how long until
it, how many answers wait on this PC) with 立即重试; the retries back off (:data:`RETRY_MS`).
Closing the app or a crash while offline loses nothing: the journal is replayed at the next login
and when the exam is reopened. Handing in needs the server: 交卷 while offline is refused with a
message and works again once connected.

Time while offline. The window's clock keeps running (the paper is on screen). If it runs out
while offline, the paper becomes read-only and the session hands in by itself once connected,
after the answers typed in time are stored. The service would count an outage like a closed app
(mostly forgiven, see :mod:`cstrainer.domain.attempt_clock`); to keep the clock honest the session
reports the forgiven part of the outage with its next heartbeat (``offline_seconds``), *after*
the answers typed meanwhile were stored. The exam's closing time stays a hard deadline: answers
that reach the service after it are refused (and kept in ``rejected.jsonl``).

Focus: when the application stops being the active one (``applicationStateChanged``), or the exam
window is deactivated and no window of ours took over, the session reports ``focus_lost`` once
per absence. The person's own dialogs (交卷 confirmation) do not count.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from cstrainer.domain import attempt_clock
from cstrainer.domain.attempt_clock import HEARTBEAT_SECONDS
from cstrainer.gui import errors, prompts
from cstrainer.gui.context import PageContext
from cstrainer.gui.pages.exam_session_view import RED, ExamSessionView, nav_style
from cstrainer.gui.qt import (
    QApplication,
    QCoreApplication,
    QEvent,
    QObject,
    Qt,
    QTimer,
    QVBoxLayout,
    QWidget,
    Signal,
)
from cstrainer.gui.widgets import QuestionWidget, is_answered
from cstrainer.services.errors import ServiceError
from cstrainer.services.exams import IN_PROGRESS, SUBMIT_REASONS, AttemptResult, AttemptView, SaveAck
from cstrainer.services.offline_journal import (
    EXAM_ANSWER,
    ClaimHold,
    exam_key,
    is_connection_error,
    journal_for,
)

log = logging.getLogger(__name__)

TICK_MS = 1000
HEARTBEAT_MS = int(HEARTBEAT_SECONDS * 1000)  # the clock policy charges time between heartbeats
RETRY_MS = (2_000, 5_000, 10_000, 30_000)  # back-off between resends after a failed save
WARN_SECONDS = 5 * 60  # the clock turns red
# Hand in a moment after the local clock shows 00:00, so that the service, which charges time
# itself, agrees the time is up (and records "时间到自动交卷", not "手动交卷").
TIMEOUT_MARGIN_SECONDS = 1.0
SUBMIT_RETRY_SECONDS = 5.0

ACTIVE, SUBMITTING, FINISHED, SUSPENDED = "active", "submitting", "finished", "suspended"


def _t(text: str) -> str:
    return QCoreApplication.translate("ExamSession", text)


def format_clock(seconds: float) -> str:
    """``29:41``; ``1:05:00`` from an hour up."""
    total = max(0, int(seconds + 0.999))  # 0.2 s left still shows 00:01
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


class ExamSession(QWidget):
    """See the module docstring. ``finished(AttemptResult)`` once the attempt is handed in."""

    finished = Signal(object)  # AttemptResult; same thread only

    def __init__(
        self,
        ctx: PageContext,
        attempt: AttemptView,
        parent: QWidget | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.attempt = attempt
        self.attempt_id = attempt.attempt_id
        self.clock = clock
        self.items = list(attempt.items)
        self.responses: dict[int, Any] = {i.position: i.response for i in self.items}
        self.flags: dict[int, bool] = {i.position: i.flagged for i in self.items}
        # position -> (save number, response, offline journal entry id)
        self.unsent: dict[int, tuple[int, Any, str | None]] = {}
        self._seq = 0
        self._retries = 0
        self.journal = journal_for(ctx.services, ctx.actor)
        # This window sends this attempt's journal entries itself (the main window's replay skips them).
        self._claim = ClaimHold(self.journal, f"exam:{self.attempt_id}")
        self.destroyed.connect(self._claim.release_from_destroyed)
        self.offline = False  # the last call failed for want of a connection
        self._last_ok = clock()  # when the service last answered
        self._offline_since: float | None = None
        self._uncharged_offline = 0.0  # forgiven outage time still to report (see the docstring)
        self._time_up_offline = False  # the clock ran out while offline: hand in once connected
        self._submit_reason = "manual"
        self._unreported_focus_losses = 0
        self.state = ACTIVE
        self.focus_losses = attempt.focus_losses
        self.max_focus_losses = attempt.max_focus_losses
        self._away = False
        self._deadline: float | None = None
        self._clock_text: str | None = None  # what the clock label shows now
        self._clock_style: str | None = None
        self._next_submit_try = 0.0
        self.last_saved_at: datetime | None = None
        self.index = 0
        self.question: QuestionWidget | None = None

        self.view = ExamSessionView(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)
        v = self.view
        v.title_label.setText(attempt.exam_title)
        for i, button in enumerate(v.build_navigator(len(self.items))):
            button.clicked.connect(lambda _c=False, i=i: self.go_to(i))
            self._style_nav(i)
        v.prev_button.clicked.connect(lambda: self.go_to(self.index - 1))
        v.next_button.clicked.connect(lambda: self.go_to(self.index + 1))
        v.flag_box.toggled.connect(self._flag_toggled)
        v.submit_button.clicked.connect(self.submit_clicked)

        self._tick_timer = QTimer(self)
        self._tick_timer.setInterval(TICK_MS)
        self._tick_timer.timeout.connect(self._tick)
        self._heartbeat_timer = QTimer(self)
        self._heartbeat_timer.setInterval(HEARTBEAT_MS)
        self._heartbeat_timer.timeout.connect(self.heartbeat)
        self._retry_timer = QTimer(self)
        self._retry_timer.setSingleShot(True)
        self._retry_timer.timeout.connect(self.retry_now)
        self.view.offline_banner.retry_button.clicked.connect(self.retry_now)

        self._set_remaining(attempt.remaining_seconds)
        recovered = self._recover_from_journal()
        self._update_focus_label()
        self._update_answered()
        self.go_to(0)
        self._tick_timer.start()
        self._heartbeat_timer.start()
        app = QApplication.instance()
        self._watching_app = isinstance(app, QApplication)
        if isinstance(app, QApplication):
            app.applicationStateChanged.connect(self.application_state_changed)
        self._watched_window: QWidget | None = None
        if recovered:
            self.resend_unsent()

    def _db(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        """A service call on the database thread, owned by this session; dropped after shutdown."""
        if self.ctx.runner.closed:
            log.debug("runner closed; not calling %s", getattr(fn, "__name__", fn))
            return
        self.ctx.runner.db(fn, *args, owner=self, **kwargs)

    # --- navigation -------------------------------------------------------------------------------

    def go_to(self, index: int) -> None:
        if not 0 <= index < len(self.items):
            return
        previous = self.index
        if self.question is not None:
            self.question.flush()  # a pending typed answer is saved before it leaves the screen
            self.question.hide()
            self.question.deleteLater()
        self.index = index
        item = self.items[index]
        widget = QuestionWidget(
            item.view,
            self.responses.get(item.position),
            number=index + 1,
            read_only=self.state != ACTIVE,
            parent=self.view.question_holder,
        )
        widget.responseChanged.connect(lambda r, pos=item.position: self.answer_changed(pos, r))
        self.view.question_layout.addWidget(widget)
        widget.show()  # at once, not when the layout gets round to it: it is clickable now
        self.view.question_layout.activate()
        self.question = widget
        v = self.view
        v.question_area.verticalScrollBar().setValue(0)
        v.prev_button.setEnabled(index > 0)
        v.next_button.setEnabled(index < len(self.items) - 1)
        v.flag_box.blockSignals(True)
        v.flag_box.setChecked(self.flags.get(item.position, False))
        v.flag_box.blockSignals(False)
        v.position_label.setText(_t("第 {n} / {total} 题").format(n=index + 1, total=len(self.items)))
        self._style_nav(previous)
        self._style_nav(index)
        widget.focus_answer()

    def _style_nav(self, index: int) -> None:
        if not 0 <= index < len(self.view.nav_buttons):
            return
        item = self.items[index]
        answered = is_answered(item.view.type, self.responses.get(item.position))
        flagged = self.flags.get(item.position, False)
        button = self.view.nav_buttons[index]
        button.setStyleSheet(nav_style(answered, flagged, index == self.index))
        tips = [item.view.type.label, _t("已答") if answered else _t("未答")]
        if flagged:
            tips.append(_t("已标记"))
        button.setToolTip(" · ".join(tips))

    def answered_count(self) -> int:
        return sum(1 for i in self.items if is_answered(i.view.type, self.responses.get(i.position)))

    def flagged_count(self) -> int:
        return sum(1 for flagged in self.flags.values() if flagged)

    def _update_answered(self) -> None:
        self.view.answered_label.setText(
            _t("已答 {n}/{total}").format(n=self.answered_count(), total=len(self.items))
        )

    # --- answers and autosave ---------------------------------------------------------------------

    def answer_changed(self, position: int, response: Any) -> None:
        if self.state not in (ACTIVE, SUBMITTING):
            return
        self.responses[position] = response
        index = next(i for i, item in enumerate(self.items) if item.position == position)
        self._style_nav(index)
        self._update_answered()
        self._send(position, response)

    def _recover_from_journal(self) -> int:
        """Answers typed on this PC that the service never confirmed (a crash or a quit while
        offline): they are newer than the stored ones, so they are shown and sent again."""
        if self.journal is None:
            return 0
        entries = self.journal.pending(
            EXAM_ANSWER, prefix=exam_key(self.attempt_id, 0).rsplit(":", 1)[0] + ":"
        )
        for entry in entries:
            position = int(entry.data["position"])
            if position in self.responses:
                self.responses[position] = entry.data["response"]
                self._seq += 1
                self.unsent[position] = (self._seq, entry.data["response"], entry.id)
        if entries:
            log.info("attempt %s: %d answer(s) from the offline journal", self.attempt_id, len(entries))
        return len(entries)

    def _journal_answer(self, position: int, response: Any) -> str | None:
        """Write the answer to the offline journal before it is sent (None: no journal)."""
        if self.journal is None:
            return None
        try:
            data = {"attempt_id": self.attempt_id, "position": position, "response": response}
            return self.journal.record(EXAM_ANSWER, exam_key(self.attempt_id, position), data).id
        except (OSError, TypeError, ValueError) as exc:
            log.error("cannot write answer %s to the offline journal: %s", position, exc)
            return None

    def _send(self, position: int, response: Any, entry_id: str | None = None) -> None:
        self._seq += 1
        seq = self._seq
        if entry_id is None:
            entry_id = self._journal_answer(position, response)
        self.unsent[position] = (seq, response, entry_id)
        self.view.save_label.setText(_t("正在保存…"))
        self._db(
            self.ctx.services.exams.save_answer,
            self.ctx.actor,
            self.attempt_id,
            position,
            response,
            on_done=lambda ack: self._saved(position, seq, ack),
            on_error=lambda exc: self._save_failed(position, seq, exc),
            name="exams.save_answer",
        )

    def _saved(self, position: int, seq: int, ack: SaveAck) -> None:
        sent = self.unsent.get(position)
        if sent is not None and sent[0] == seq:
            del self.unsent[position]
            if sent[2] is not None and self.journal is not None:
                self.journal.acknowledge(sent[2])
        self._reached_server()
        self._retries = 0
        if not self.unsent:
            self.last_saved_at = datetime.now()
            self.view.save_label.setText(
                _t("已保存 {time}").format(time=self.last_saved_at.strftime("%H:%M:%S"))
            )
            self.view.save_label.setStyleSheet("color: #5f6368;")
            self._hide_notice_if(_t("保存失败"))
        self.apply_ack(ack)

    def _save_failed(self, position: int, seq: int, exc: BaseException) -> None:
        if self.state == FINISHED:
            return
        log.warning("saving answer %s of attempt %s failed: %s", position, self.attempt_id, exc)
        self.view.save_label.setStyleSheet(f"color: {RED}; font-weight: bold;")
        if is_connection_error(exc):
            self.view.save_label.setText(_t("未连接，已存本机"))
            self._went_offline()
            return
        self.view.save_label.setText(_t("保存失败，正在重试"))
        self._show_notice(
            _t("保存失败：{error}。答案仍保留在本机，正在自动重试，请不要关闭程序。").format(error=exc)
        )
        if isinstance(exc, ServiceError):
            # Refused (for instance: the attempt was handed in meanwhile): ask where it stands.
            self.heartbeat()
        self._schedule_retry()

    def _schedule_retry(self) -> None:
        if self._retry_timer.isActive() or self.state in (FINISHED, SUSPENDED):
            return
        delay = RETRY_MS[min(self._retries, len(RETRY_MS) - 1)]
        self._retries += 1
        self._retry_timer.start(delay)

    def resend_unsent(self) -> None:
        """Send every answer the service has not confirmed yet (again)."""
        if self.state == FINISHED:
            return
        for position, (_seq, response, entry_id) in sorted(self.unsent.items()):
            self._send(position, response, entry_id)

    def retry_now(self) -> None:
        """The retry timer, or 立即重试: resend what waits, or just ask the service (a heartbeat)."""
        self._retry_timer.stop()
        if self.state == FINISHED:
            return
        if self.unsent:
            self.resend_unsent()
        else:
            self.heartbeat()
        if self.offline:
            self._update_offline_banner()

    # --- the server unreachable -------------------------------------------------------------------

    def _went_offline(self) -> None:
        """A call failed for want of a connection: say so, keep the answers, retry with back-off."""
        if self.state == FINISHED:
            return
        if not self.offline:
            self.offline = True
            self._offline_since = self._last_ok
            log.warning("attempt %s: the server cannot be reached; answers wait on this PC", self.attempt_id)
        self._schedule_retry()
        self._update_offline_banner()

    def _reached_server(self) -> None:
        """Any answer from the service: back online - store what waits, report the outage's time."""
        now = self.clock()
        self._last_ok = now
        if not self.offline:
            return
        self.offline = False
        outage = now - (self._offline_since if self._offline_since is not None else now)
        self._offline_since = None
        # What the service's gap policy forgave of this outage (it charged max_gap + the excess).
        forgiven = min(
            attempt_clock.DEFAULT_GRACE_SECONDS, max(0.0, outage - attempt_clock.DEFAULT_MAX_GAP_SECONDS)
        )
        self._uncharged_offline += forgiven
        self._retries = 0
        self._retry_timer.stop()
        self.view.offline_banner.setVisible(False)
        log.info("attempt %s: the server answers again after %.0f s", self.attempt_id, outage)
        if self.state != ACTIVE:
            return
        if self._time_up_offline:
            self.submit(reason="timeout")  # sends the answers, then the outage's time, then hands in
            return
        self.resend_unsent()
        self._report_offline_time()
        unreported, self._unreported_focus_losses = self._unreported_focus_losses, 0
        for _ in range(unreported):
            self._report_focus_lost()
        if self.unsent:
            self.view.save_label.setText(_t("已重新连接，正在上传…"))
        else:
            self.view.save_label.setText(_t("已重新连接"))
            self.view.save_label.setStyleSheet("color: #5f6368;")

    def _report_offline_time(self) -> None:
        """Charge the outage's forgiven time (queued after the answers typed meanwhile)."""
        seconds = round(self._uncharged_offline, 1)
        if seconds <= 0:
            return
        self._db(
            self.ctx.services.exams.heartbeat,
            self.ctx.actor,
            self.attempt_id,
            offline_seconds=seconds,
            on_done=lambda ack: self._offline_time_reported(seconds, ack),
            on_error=self._heartbeat_failed,
            name="exams.heartbeat",
        )

    def _offline_time_reported(self, seconds: float, ack: SaveAck) -> None:
        self._uncharged_offline = max(0.0, self._uncharged_offline - seconds)
        self._heartbeat_done(ack)

    def offline_banner_text(self) -> str:
        waiting = len(self.unsent)
        if self._retry_timer.isActive():
            left = max(1, round(self._retry_timer.remainingTime() / 1000))
            text = _t("无法连接服务器，正在重试（第 {n} 次，{s} 秒后）…").format(n=self._retries, s=left)
        else:
            text = _t("无法连接服务器，正在重试（第 {n} 次）…").format(n=max(1, self._retries))
        if waiting:
            text += _t(" 已在本机保存 {k} 条未上传的作答，恢复连接后自动上传。").format(k=waiting)
        else:
            text += _t(" 你的作答都已保存，可以继续答题。")
        if self._time_up_offline:
            text += _t(" 考试时间已到，恢复连接后将先上传作答，再自动交卷。")
        else:
            text += _t(" 暂时不能交卷。")
        return text

    def _update_offline_banner(self) -> None:
        if not self.offline or self.state == FINISHED:
            self.view.offline_banner.setVisible(False)
            return
        self.view.offline_banner.show_text(self.offline_banner_text())

    def _flag_toggled(self, flagged: bool) -> None:
        item = self.items[self.index]
        self.flags[item.position] = flagged
        self._style_nav(self.index)
        self._db(
            self.ctx.services.exams.set_flag,
            self.ctx.actor,
            self.attempt_id,
            item.position,
            flagged,
            on_error=lambda exc: log.warning("could not save the flag: %s", exc),
            name="exams.set_flag",
        )

    # --- the clock ----------------------------------------------------------------------------------

    def remaining_seconds(self) -> float | None:
        return None if self._deadline is None else self._deadline - self.clock()

    def _set_remaining(self, remaining: float | None) -> None:
        self._deadline = None if remaining is None else self.clock() + remaining
        self._show_clock()

    def _show_clock(self) -> None:
        # Runs every second for the whole exam: touch the label only when something changed.
        # Fewer repaints, and fewer calls into the binding: PySide6 6.12 on Python 3.11 drops a
        # reference to None on every call of a void method (until None is freed and the
        # process aborts), so a busy timer should not make needless calls.
        remaining = self.remaining_seconds()
        label = self.view.time_label
        if remaining is None:
            text, style = _t("不限时"), ""
        else:
            text = format_clock(remaining)
            style = f"color: {RED};" if remaining < WARN_SECONDS else "color: #202124;"
        if text != self._clock_text:
            self._clock_text = text
            label.setText(text)
        if style != self._clock_style:
            self._clock_style = style
            label.setStyleSheet(style)

    def _tick(self) -> None:
        self._show_clock()
        if self.offline:
            self._update_offline_banner()
        remaining = self.remaining_seconds()
        if remaining is None or self.state != ACTIVE:
            return
        if remaining <= -TIMEOUT_MARGIN_SECONDS and self.clock() >= self._next_submit_try:
            if self.offline:
                self._time_up_while_offline()
                return
            self._show_notice(_t("考试时间到，正在自动交卷…"))
            self.submit(reason="timeout")

    def _time_up_while_offline(self) -> None:
        """The clock ran out with the server unreachable: no more answers; hand in once connected."""
        if self._time_up_offline:
            return
        self._time_up_offline = True
        if self.question is not None:
            self.question.flush()
        self._set_enabled(False)
        self._update_offline_banner()  # it says what happens next

    def heartbeat(self) -> None:
        if self.state == FINISHED:
            return
        self._db(
            self.ctx.services.exams.heartbeat,
            self.ctx.actor,
            self.attempt_id,
            on_done=self._heartbeat_done,
            on_error=self._heartbeat_failed,
            name="exams.heartbeat",
        )

    def _heartbeat_done(self, ack: SaveAck) -> None:
        self._reached_server()
        self.apply_ack(ack)

    def _heartbeat_failed(self, exc: BaseException) -> None:
        log.warning("heartbeat failed: %s", exc)
        if is_connection_error(exc):
            self._went_offline()

    def apply_ack(self, ack: SaveAck) -> None:
        """Correct the clock and the focus count from the service; follow a submission it made."""
        if self.state in (FINISHED, SUSPENDED):
            return
        if self._uncharged_offline > 0 and ack.status == IN_PROGRESS and not ack.submitted:
            pass  # the outage's time is not charged yet: the service's clock is too generous
        elif ack.remaining_seconds is not None and ack.status == IN_PROGRESS:
            self._set_remaining(ack.remaining_seconds)
        if ack.focus_losses != self.focus_losses:
            self.focus_losses = ack.focus_losses
            self._update_focus_label()
        if (ack.submitted or ack.status != IN_PROGRESS) and self.state != SUBMITTING:
            self._ended_elsewhere()

    # --- focus ------------------------------------------------------------------------------------

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        window = self.window()
        if window is not self._watched_window:
            if self._watched_window is not None:
                self._watched_window.removeEventFilter(self)
            window.installEventFilter(self)
            self._watched_window = window

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._watched_window:
            if event.type() == QEvent.Type.WindowDeactivate:
                # Decide once the new active window is known: one of ours (a dialog) is fine.
                QTimer.singleShot(150, self._check_window_focus)
            elif event.type() == QEvent.Type.WindowActivate:
                self._away = False
        return super().eventFilter(watched, event)

    def _check_window_focus(self) -> None:
        if QApplication.activeWindow() is None and QApplication.activeModalWidget() is None:
            self.focus_left()

    def application_state_changed(self, state: Qt.ApplicationState) -> None:
        if state == Qt.ApplicationState.ApplicationActive:
            self._away = False
        else:
            self.focus_left()

    def focus_left(self) -> None:
        """The person left the exam window (another program came to the front): report it once."""
        if self.state != ACTIVE or self._away or not self.window().isVisible():
            return  # a closed window (logout, quitting) is not "leaving the exam"
        self._away = True
        self._report_focus_lost()

    def _report_focus_lost(self) -> None:
        self._db(
            self.ctx.services.exams.focus_lost,
            self.ctx.actor,
            self.attempt_id,
            on_done=self._focus_reported,
            on_error=self._focus_report_failed,
            name="exams.focus_lost",
        )

    def _focus_report_failed(self, exc: BaseException) -> None:
        log.warning("could not report leaving the window: %s", exc)
        if is_connection_error(exc):
            self._unreported_focus_losses += 1  # reported once connected: offline is no loophole
            self._went_offline()

    def _focus_reported(self, ack: SaveAck) -> None:
        self._reached_server()
        self.focus_losses = ack.focus_losses
        self._update_focus_label()
        if self.state == ACTIVE and not ack.submitted:
            if self.max_focus_losses is not None:
                text = _t(
                    "检测到你离开了考试窗口（第 {n} 次）。离开超过 {max} 次将自动交卷，请专心作答。"
                ).format(n=ack.focus_losses, max=self.max_focus_losses)
            else:
                text = _t("检测到你离开了考试窗口（第 {n} 次），培训师可以看到这一记录。").format(
                    n=ack.focus_losses
                )
            self._show_notice(text)
        self.apply_ack(ack)

    def _update_focus_label(self) -> None:
        label = self.view.focus_label
        if self.max_focus_losses is None:
            label.setVisible(False)
            return
        label.setText(_t("离开考试窗口 {n}/{max} 次").format(n=self.focus_losses, max=self.max_focus_losses))
        label.setStyleSheet(f"color: {RED};" if self.focus_losses else "color: #5f6368;")
        label.setVisible(True)

    # --- handing in -------------------------------------------------------------------------------

    def submit_clicked(self) -> None:
        if self.state != ACTIVE:
            return
        if self.question is not None:
            self.question.flush()
        if self.offline:
            self._refuse_offline_submit()
            return
        unanswered = len(self.items) - self.answered_count()
        flagged = self.flagged_count()
        lines = []
        if unanswered:
            lines.append(_t("还有 {n} 道题没有作答。").format(n=unanswered))
        if flagged:
            lines.append(_t("有 {n} 道题标记了稍后检查。").format(n=flagged))
        lines.append(_t("交卷后不能再修改答案。确定交卷吗？"))
        if not prompts.confirm(self, _t("交卷"), "\n".join(lines), ok_text=_t("交卷")):
            return
        self.submit(reason="manual")

    def submit(self, *, reason: str = "manual") -> None:
        """Hand in now: unconfirmed answers go first (the database lane keeps the order)."""
        if self.state not in (ACTIVE,):
            return
        if self.question is not None:
            self.question.flush()
        self.resend_unsent()
        self._report_offline_time()  # after the answers, before the hand-in (the lane keeps order)
        self.state = SUBMITTING
        self._submit_reason = reason
        self._set_enabled(False)
        self.view.save_label.setText(_t("正在交卷…"))
        self._db(
            self.ctx.services.exams.submit,
            self.ctx.actor,
            self.attempt_id,
            on_done=self._submitted,
            on_error=self._submit_failed,
            name="exams.submit",
        )

    def _submitted(self, result: AttemptResult) -> None:
        self._finish()
        self._forget_journal()
        self.unsent.clear()
        if result.submit_reason not in ("manual", ""):
            prompts.inform(self, _t("已交卷"), self._reason_text(result))
        self.finished.emit(result)

    def _submit_failed(self, exc: BaseException) -> None:
        self.state = ACTIVE
        self._next_submit_try = self.clock() + SUBMIT_RETRY_SECONDS
        if is_connection_error(exc):
            self._went_offline()
            if self._submit_reason == "timeout":
                self._time_up_offline = False
                self._time_up_while_offline()
                return
            self._set_enabled(True)
            self.view.save_label.setText(_t("未交卷"))
            self._refuse_offline_submit()
            return
        self._set_enabled(True)
        self.view.save_label.setText(_t("交卷失败"))
        errors.show_error(self.window(), exc)

    def _refuse_offline_submit(self) -> None:
        prompts.inform(
            self,
            _t("暂时不能交卷"),
            _t(
                "现在连不上服务器，暂时不能交卷。你的作答已保存在本机，不会丢失；"
                "恢复连接后（上方的黄色提示消失）再点“交卷”即可。"
            ),
        )

    def _forget_journal(self) -> None:
        """Handed in: nothing of this attempt waits any more (refused late answers are kept aside)."""
        if self.journal is None:
            return
        prefix = exam_key(self.attempt_id, 0).rsplit(":", 1)[0] + ":"
        for entry in self.journal.pending(EXAM_ANSWER, prefix=prefix):
            self.journal.reject(entry, "试卷已交卷，这条作答没有上传")

    def _ended_elsewhere(self) -> None:
        """The service submitted the attempt (time out, focus cap, exam closed): show the result."""
        self._finish()
        self.view.save_label.setText(_t("已交卷"))
        self._db(
            self.ctx.services.exams.result,
            self.ctx.actor,
            self.attempt_id,
            on_done=self._submitted,
            name="exams.result",
        )

    def _reason_text(self, result: AttemptResult) -> str:
        reason = SUBMIT_REASONS.get(result.submit_reason, result.submit_reason)
        return _t("{reason}。你的答案已经保存并提交，下面是这次考试的成绩。").format(reason=reason)

    def _finish(self) -> None:
        self.state = FINISHED
        self._stop_timers()
        self._set_enabled(False)
        self.offline = False
        self.view.offline_banner.setVisible(False)

    def _set_enabled(self, enabled: bool) -> None:
        v = self.view
        for w in (v.submit_button, v.prev_button, v.next_button, v.flag_box):
            w.setEnabled(enabled)
        for b in v.nav_buttons:
            b.setEnabled(enabled)
        if self.question is not None:
            self.question.set_read_only(not enabled)
        if enabled:
            v.prev_button.setEnabled(self.index > 0)
            v.next_button.setEnabled(self.index < len(self.items) - 1)

    def _stop_timers(self) -> None:
        for timer in (self._tick_timer, self._heartbeat_timer, self._retry_timer):
            timer.stop()
        self._claim.release()
        app = QApplication.instance()
        if self._watching_app and isinstance(app, QApplication):
            self._watching_app = False
            with contextlib.suppress(RuntimeError, TypeError):
                app.applicationStateChanged.disconnect(self.application_state_changed)
        if self._watched_window is not None:
            self._watched_window.removeEventFilter(self)
            self._watched_window = None

    # --- leaving ------------------------------------------------------------------------------------

    @property
    def active(self) -> bool:
        """The attempt is open in this session (leaving it needs the person's confirmation)."""
        return self.state in (ACTIVE, SUBMITTING)

    def suspend(self) -> None:
        """Close the exam for now (logout, quitting): send what is pending, stop the timers.

        Moving to another page does NOT suspend: the session keeps its clock and heartbeat running
        in the background (otherwise the clock policy would forgive the time spent reading the
        handbook). The attempt stays open; :meth:`ExamService.start` resumes it later.
        """
        if self.state == FINISHED:
            return
        if self.question is not None:
            self.question.flush()
        self.resend_unsent()
        self.state = SUSPENDED
        self._stop_timers()

    # --- notices ----------------------------------------------------------------------------------

    def _show_notice(self, text: str) -> None:
        self.view.notice_label.setText(text)
        self.view.notice_label.setVisible(True)

    def _hide_notice_if(self, prefix: str) -> None:
        if self.view.notice_label.text().startswith(prefix):
            self.view.notice_label.setVisible(False)
