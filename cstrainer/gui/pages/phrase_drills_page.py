"""The 话术练习 page: shortcut recall scheduled by fsrs and the typing drill on real team phrases,
with the person's history (:class:`cstrainer.services.phrase_drills.PhraseDrillService`).

The typing drill counts committed text only: after every ``textChanged`` it reads the edit's
text, which never holds an input method's pre-edit (the pinyin being composed), so an agent
typing with 搜狗 / 微软拼音 is measured on what reached the screen, not on key presses. The clock
starts at the first committed character.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from cstrainer.domain.accounts import Permission
from cstrainer.domain.phrases import TypingResult
from cstrainer.gui.context import PageContext
from cstrainer.gui.pages.phrase_drills_page_view import PhraseDrillsPageView
from cstrainer.gui.pages.registry import Page
from cstrainer.gui.qt import QTableWidgetItem, QVBoxLayout, QWidget
from cstrainer.services.phrase_drills import (
    DrillAttemptRecord,
    DrillStats,
    RecallPrompt,
    RecallResult,
    TypingText,
)

RECALL_BATCH = 10
HISTORY_LIMIT = 100
ALL = "\x00all"
RIGHT = "#2e7d32"
WRONG = "#c62828"


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.0f}%"


def _num(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f}"


class PhraseDrillsPage(Page):
    def __init__(self, ctx: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.view = PhraseDrillsPageView(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)
        self.clock: Callable[[], float] = time.monotonic  # tests replace it
        self._first_show = True
        # recall
        self.prompts: list[RecallPrompt] = []
        self.index = 0
        self.shown_at = 0.0
        self.last_result: RecallResult | None = None
        self.right = 0
        self.answering = False
        # typing
        self.target: TypingText | None = None
        self.started_at: float | None = None
        self.typing_result: TypingResult | None = None
        self.submitting = False
        # history
        self.history: list[DrillAttemptRecord] = []
        self.stats: DrillStats | None = None

        v = self.view
        v.brand_combo.addItem(self.tr("全部"), ALL)
        v.brand_combo.currentIndexChanged.connect(lambda _i: self._brand_changed())
        v.recall_start_button.clicked.connect(self.start_recall)
        v.recall_submit_button.clicked.connect(self.submit_recall)
        v.recall_next_button.clicked.connect(self.next_prompt)
        v.recall_answer_edit.returnPressed.connect(self._return_pressed)
        v.typing_edit.textChanged.connect(self._typed)
        v.typing_new_button.clicked.connect(self.new_typing_text)
        v.typing_done_button.clicked.connect(self.submit_typing)
        v.tabs.currentChanged.connect(self._tab_changed)
        # trainers and managers also see how the people they may see are drilling
        self.team: list[DrillStats] = []
        self.shows_team = ctx.actor.can(Permission.VIEW_TEAM_RESULTS) or ctx.actor.can(
            Permission.VIEW_ALL_RESULTS
        )
        v.tabs.setTabVisible(v.team_tab_index, self.shows_team)
        self._show_prompt()

    # --- Page hooks --------------------------------------------------------------------------------------

    def page_shown(self) -> None:
        if self._first_show:
            self._first_show = False
            self.ctx.runner.db(
                self.ctx.services.users.brands, on_done=self._brands_loaded, owner=self, name="drills.brands"
            )
            self.start_recall()
            self.new_typing_text()
        self.load_history()

    @property
    def brand(self) -> str | None:
        data = self.view.brand_combo.currentData()
        return None if data in (None, ALL) else str(data)

    def _brands_loaded(self, brands: list[Any]) -> None:
        trainer = self.ctx.actor.can(Permission.EDIT_CONTENT)
        keys = self.ctx.actor.brand_keys
        combo = self.view.brand_combo
        combo.blockSignals(True)
        for b in brands:
            if trainer or not keys or b.key in keys:
                combo.addItem(b.name, b.key)
        combo.blockSignals(False)

    def _brand_changed(self) -> None:
        self.start_recall()
        self.new_typing_text()

    def _tab_changed(self, index: int) -> None:
        if index == 2:
            self.load_history()
        elif index == self.view.team_tab_index and self.shows_team:
            self.load_team()

    # --- shortcut recall -----------------------------------------------------------------------------------

    def start_recall(self) -> None:
        self.view.recall_prompt_label.setText(self.tr("正在出题…"))
        self.ctx.runner.db(
            self.ctx.services.phrase_drills.next_recall,
            self.ctx.actor,
            RECALL_BATCH,
            self.brand,
            on_done=self._recall_loaded,
            owner=self,
            name="drills.next_recall",
        )

    def _recall_loaded(self, prompts: list[RecallPrompt]) -> None:
        self.prompts = prompts
        self.index = 0
        self.right = 0
        self._show_prompt()

    def current_prompt(self) -> RecallPrompt | None:
        return self.prompts[self.index] if 0 <= self.index < len(self.prompts) else None

    def _show_prompt(self) -> None:
        v = self.view
        prompt = self.current_prompt()
        self.last_result = None
        v.recall_result_label.clear()
        v.recall_answer_edit.clear()
        total = len(self.prompts)
        v.recall_progress.setMaximum(max(total, 1))
        v.recall_progress.setValue(min(self.index, total))
        if prompt is None:
            if total:
                text = self.tr("本组完成：答对 {r} / {n} 题。点“再来一组”继续练习到期和新的话术。").format(
                    r=self.right, n=total
                )
            else:
                text = self.tr("现在没有要练习的话术。")
            v.recall_prompt_label.setText(text)
            v.recall_progress_label.setText(self.tr("已完成 {n} / {n}").format(n=total))
        else:
            badge = self.tr("新话术") if prompt.is_new else self.tr("复习")
            v.recall_prompt_label.setText(f"[{badge}] {prompt.prompt}")
            v.recall_progress_label.setText(
                self.tr("第 {i} / {n} 题 · 答对 {r}").format(i=self.index + 1, n=total, r=self.right)
            )
            self.shown_at = self.clock()
            v.recall_answer_edit.setFocus()
        self._update_recall_buttons()

    def _update_recall_buttons(self) -> None:
        v = self.view
        open_question = self.current_prompt() is not None and self.last_result is None
        v.recall_answer_edit.setEnabled(open_question and not self.answering)
        v.recall_submit_button.setEnabled(open_question and not self.answering)
        v.recall_next_button.setEnabled(self.last_result is not None)

    def _return_pressed(self) -> None:
        if self.last_result is None:
            self.submit_recall()
        else:
            self.next_prompt()

    def submit_recall(self) -> None:
        prompt = self.current_prompt()
        answer = self.view.recall_answer_edit.text()
        if prompt is None or self.last_result is not None or self.answering:
            return
        if not answer.strip():
            self.view.recall_result_label.setText(self.tr("请先输入快捷编码或话术"))
            return
        seconds = max(0.0, self.clock() - self.shown_at)
        self.answering = True
        self._update_recall_buttons()
        self.ctx.runner.db(
            self.ctx.services.phrase_drills.answer_recall,
            self.ctx.actor,
            prompt.phrase_key,
            answer,
            seconds,
            mode=prompt.mode,
            on_done=self._answered,
            on_error=self._answer_failed,
            owner=self,
            name="drills.answer_recall",
        )

    def _answer_failed(self, exc: BaseException) -> None:
        self.answering = False
        self.view.recall_result_label.setText(str(exc))
        self._update_recall_buttons()

    def _answered(self, result: RecallResult) -> None:
        self.answering = False
        self.last_result = result
        if result.correct:
            self.right += 1
            head = f"<span style='color:{RIGHT}'>✅ {self.tr('正确')}</span>"
        else:
            head = f"<span style='color:{WRONG}'>❌ {self.tr('不对')}</span>"
        answer = self.tr("团队话术：<code>{s}</code> {t}").format(
            s=_html(result.expected_shortcut), t=_html(result.expected_text)
        )
        due = result.next_due.astimezone().strftime("%m-%d %H:%M")
        tail = self.tr("用时 {s:.1f} 秒 · 下次复习：{d}").format(s=result.seconds, d=due)
        self.view.recall_result_label.setText(f"{head}　{answer}<br><span style='color:#555'>{tail}</span>")
        total = len(self.prompts)
        self.view.recall_progress.setValue(min(self.index + 1, total))
        self.view.recall_progress_label.setText(
            self.tr("第 {i} / {n} 题 · 答对 {r}").format(i=self.index + 1, n=total, r=self.right)
        )
        self._update_recall_buttons()
        self.view.recall_answer_edit.setEnabled(True)  # Enter moves on
        self.view.recall_answer_edit.setFocus()

    def next_prompt(self) -> None:
        if self.last_result is None:
            return
        self.index += 1
        self._show_prompt()
        if self.current_prompt() is None:
            self.load_history()

    # --- typing drill ----------------------------------------------------------------------------------------

    def new_typing_text(self) -> None:
        self.ctx.runner.db(
            self.ctx.services.phrase_drills.typing_text,
            self.ctx.actor,
            self.brand,
            on_done=self._text_loaded,
            on_error=self._text_failed,
            owner=self,
            name="drills.typing_text",
        )

    def _text_failed(self, exc: BaseException) -> None:
        self.target = None
        self.view.typing_target.setPlainText(str(exc))
        self._reset_typing()

    def _text_loaded(self, target: TypingText) -> None:
        self.target = target
        self.view.typing_target.setPlainText(target.text)
        self._reset_typing()

    def _reset_typing(self) -> None:
        v = self.view
        self.started_at = None
        self.typing_result = None
        v.typing_edit.blockSignals(True)
        v.typing_edit.clear()
        v.typing_edit.blockSignals(False)
        v.typing_edit.setReadOnly(self.target is None)
        v.typing_result_label.clear()
        self._update_live()

    def typed_text(self) -> str:
        """The committed text (an input method's pre-edit is never part of it)."""
        return self.view.typing_edit.toPlainText()

    def _typed(self) -> None:
        if self.target is None or self.typing_result is not None:
            return
        typed = self.typed_text()
        if typed and self.started_at is None:
            self.started_at = self.clock()
        self._update_live()
        if len(typed) >= len(self.target.text):
            self.submit_typing()

    def elapsed(self) -> float:
        return 0.0 if self.started_at is None else max(0.0, self.clock() - self.started_at)

    def _update_live(self) -> None:
        total = len(self.target.text) if self.target is not None else 0
        typed = len(self.typed_text())
        self.view.typing_live_label.setText(
            self.tr("已输入 {t} / {n} 字").format(t=typed, n=total)
            + (
                ""
                if self.started_at is None
                else self.tr(" · 已完成")
                if self.typing_result is not None
                else self.tr(" · 计时中")
            )
        )
        self.view.typing_done_button.setEnabled(
            self.target is not None and self.started_at is not None and self.typing_result is None
        )

    def submit_typing(self) -> None:
        if (
            self.target is None
            or self.started_at is None
            or self.typing_result is not None
            or self.submitting
        ):
            return
        seconds = self.elapsed()
        typed = self.typed_text()
        self.submitting = True
        self.view.typing_edit.setReadOnly(True)
        self.view.typing_done_button.setEnabled(False)
        self.ctx.runner.db(
            self.ctx.services.phrase_drills.submit_typing,
            self.ctx.actor,
            self.target,
            typed,
            seconds,
            on_done=self._typing_scored,
            on_error=self._typing_failed,
            owner=self,
            name="drills.submit_typing",
        )

    def _typing_failed(self, exc: BaseException) -> None:
        self.submitting = False
        self.view.typing_edit.setReadOnly(False)
        self.view.typing_result_label.setText(str(exc))
        self._update_live()

    def _typing_scored(self, result: TypingResult) -> None:
        self.submitting = False
        self.typing_result = result
        self.view.typing_result_label.setText(
            self.tr(
                "速度 <b>{cpm:.0f}</b> 字/分 · 正确率 <b>{acc}</b> · 净速度（错一罚五）<b>{net:.0f}</b> 字/分"
                "<br><span style='color:#555'>用时 {s:.1f} 秒，正确 {c} 字，错 {w} 字、漏 {m} 字、多 {x} 字</span>"
            ).format(
                cpm=result.cpm,
                acc=_pct(result.accuracy),
                net=result.net_cpm,
                s=result.seconds,
                c=result.correct,
                w=result.wrong,
                m=result.missing,
                x=result.extra,
            )
        )
        self._update_live()
        self.load_history()

    # --- history -------------------------------------------------------------------------------------------

    def load_history(self) -> None:
        drills, actor = self.ctx.services.phrase_drills, self.ctx.actor

        def load() -> tuple[list[DrillAttemptRecord], DrillStats]:
            return drills.history(actor, limit=HISTORY_LIMIT), drills.stats(actor)

        self.ctx.runner.db(load, on_done=self._history_loaded, owner=self, name="drills.history")

    def _history_loaded(self, result: tuple[list[DrillAttemptRecord], DrillStats]) -> None:
        self.history, self.stats = result
        st = self.stats
        summary = self.tr(
            "快捷码回忆 {ra} 次，正确率 {racc}；打字 {ta} 次，最好 {best} 字/分，最好净速度 {bnet} 字/分"
        ).format(
            ra=st.recall_attempts,
            racc=_pct(st.recall_accuracy),
            ta=st.typing_attempts,
            best=_num(st.typing_best_cpm),
            bnet=_num(st.typing_best_net_cpm),
        )
        self.view.history_summary.setText(summary)
        self.view.stats_label.setText(self.tr("待复习 {d} 条 · 已练 {c} 条").format(d=st.due_now, c=st.cards))
        table = self.view.history_table
        table.setRowCount(len(self.history))
        for row, h in enumerate(self.history):
            if h.kind == "recall":
                kind, content = self.tr("快捷码回忆"), h.prompt.replace("\n", " ")
                outcome = (self.tr("对") if h.correct else self.tr("错")) + (
                    f"：{h.answer}" if h.answer else ""
                )
            else:
                kind, content = self.tr("打字"), h.prompt[:40] + ("…" if len(h.prompt) > 40 else "")
                outcome = ""
            cells = [
                h.created_at.astimezone().strftime("%m-%d %H:%M"),
                kind,
                content,
                outcome,
                f"{h.seconds:.1f} 秒",
                _num(h.cpm),
                _pct(h.accuracy),
                _num(h.net_cpm),
            ]
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                table.setItem(row, column, item)

    # --- the team ----------------------------------------------------------------------------------------

    def load_team(self) -> None:
        self.ctx.runner.db(
            self.ctx.services.phrase_drills.team_stats,
            self.ctx.actor,
            on_done=self._team_loaded,
            owner=self,
            name="drills.team",
        )

    def _team_loaded(self, rows: list[DrillStats]) -> None:
        self.team = list(rows)
        v = self.view
        if not self.team:
            v.team_summary.setText(self.tr("还没有人做过话术练习。"))
        else:
            v.team_summary.setText(
                self.tr(
                    "{n} 人做过话术练习，按最好净字/分排列；正确率低、待复习多的同事可以安排一对一辅导。"
                ).format(n=len(self.team))
            )
        table = v.team_table
        table.setRowCount(len(self.team))
        for row, st in enumerate(self.team):
            cells = [
                st.display_name,
                st.login,
                str(st.recall_attempts),
                _pct(st.recall_accuracy),
                str(st.due_now),
                str(st.typing_attempts),
                _num(st.typing_avg_cpm),
                _num(st.typing_best_net_cpm),
            ]
            for column, text in enumerate(cells):
                table.setItem(row, column, QTableWidgetItem(text))


def _html(text: str) -> str:
    import html

    return html.escape(text)
