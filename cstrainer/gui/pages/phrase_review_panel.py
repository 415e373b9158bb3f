"""The 评论 / 建议 panel of the 话术库 page: colleagues comment on a team phrase of the draft or
propose another wording; trainers accept (a proposal then becomes the phrase's text through the
service, linter included) or reject (:class:`cstrainer.services.phrase_review.PhraseReviewService`).
All database work runs on the runner's database thread."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cstrainer.domain.accounts import Permission
from cstrainer.gui.context import PageContext
from cstrainer.gui.pages.phrase_review_panel_view import PhraseReviewPanelView
from cstrainer.gui.qt import QColor, QListWidgetItem, Qt, QVBoxLayout, QWidget, Signal
from cstrainer.services.phrase_review import (
    KIND_LABELS,
    STATUS_LABELS,
    PhraseComment,
    ReviewDecision,
)
from cstrainer.services.phrases import PhraseRecord

COMMENT_ROLE = Qt.ItemDataRole.UserRole
STATUS_COLOURS = {"open": "#8a4b00", "accepted": "#2e7d32", "rejected": "#777777"}


class PhraseReviewPanel(QWidget):
    phrase_changed = Signal(str)  # a proposal was accepted: the phrase's text changed

    def __init__(self, ctx: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.trainer = ctx.actor.can(Permission.EDIT_CONTENT)
        self.view = PhraseReviewPanelView(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)
        self.record: PhraseRecord | None = None
        self.comments: list[PhraseComment] = []
        self.loading = False
        self.busy = False
        self._seq = 0
        v = self.view
        v.accept_button.setVisible(self.trainer)
        v.reject_button.setVisible(self.trainer)
        v.comment_button.clicked.connect(lambda: self.add("comment"))
        v.propose_button.clicked.connect(lambda: self.add("proposal"))
        v.accept_button.clicked.connect(self.accept_selected)
        v.reject_button.clicked.connect(self.reject_selected)
        v.thread_list.itemSelectionChanged.connect(self._update_buttons)
        v.text_edit.textChanged.connect(self._update_buttons)
        self.set_phrase(None)

    # --- the phrase shown ------------------------------------------------------------------------------

    def set_phrase(self, record: PhraseRecord | None) -> None:
        """Show the thread of ``record`` (a team phrase; None or a personal phrase: nothing)."""
        if record is not None and record.scope != "team":
            record = None
        same = record is not None and self.record is not None and record.key == self.record.key
        self.record = record
        v = self.view
        if record is None:
            v.phrase_label.setText(self.tr("选择一条团队话术，查看和发表评论、建议新说法"))
            self.comments = []
            v.thread_list.clear()
            v.status_label.clear()
        else:
            v.phrase_label.setText(f"{record.shortcut} · {record.text}")
            if not same:
                v.status_label.clear()
                self.refresh()
        self._update_buttons()

    def refresh(self) -> None:
        if self.record is None:
            return
        self._seq += 1
        seq = self._seq
        self.loading = True
        self.ctx.runner.db(
            self.ctx.services.phrase_review.list_for_phrase,
            self.ctx.actor,
            self.record.key,
            on_done=lambda comments: self._loaded(seq, comments),
            on_error=lambda exc: self._failed_load(seq, exc),
            owner=self,
            name="phrases.review.list",
        )

    def _loaded(self, seq: int, comments: list[PhraseComment]) -> None:
        if seq != self._seq:
            return
        self.loading = False
        self.comments = comments
        thread_list = self.view.thread_list
        selected = self.selected()
        thread_list.clear()
        for c in comments:
            who = c.author_name or c.author_login or self.tr("已删除的账号")
            when = c.created_at.astimezone().strftime("%m-%d %H:%M")
            head = f"[{self.tr(KIND_LABELS[c.kind])}] {self.tr(STATUS_LABELS[c.status])} · {who} · {when}"
            lines = [head, c.text]
            if not c.is_open and c.decided_by:
                note = f"：{c.decision_note}" if c.decision_note else ""
                lines.append(self.tr("{by} 处理{note}").format(by=c.decided_by, note=note))
            item = QListWidgetItem("\n".join(lines))
            item.setData(COMMENT_ROLE, c.id)
            if not c.is_open:
                item.setForeground(QColor(STATUS_COLOURS.get(c.status, "#000000")))
            if c.kind == "proposal" and c.is_open:
                item.setBackground(QColor("#fff8e1"))
            thread_list.addItem(item)
            if selected is not None and selected.id == c.id:
                thread_list.setCurrentItem(item)
        self._update_buttons()

    def _failed_load(self, seq: int, exc: BaseException) -> None:
        if seq == self._seq:
            self.loading = False
            self.view.status_label.setText(str(exc))

    def selected(self) -> PhraseComment | None:
        item = self.view.thread_list.currentItem()
        if item is None or not item.isSelected():
            return None
        wanted = item.data(COMMENT_ROLE)
        return next((c for c in self.comments if c.id == wanted), None)

    def select_comment(self, comment_id: int) -> bool:
        thread_list = self.view.thread_list
        for row in range(thread_list.count()):
            item = thread_list.item(row)
            if item is not None and item.data(COMMENT_ROLE) == comment_id:
                thread_list.setCurrentItem(item)
                item.setSelected(True)
                return True
        return False

    def _update_buttons(self) -> None:
        v = self.view
        has_phrase = self.record is not None and not self.busy
        has_text = bool(v.text_edit.toPlainText().strip())
        v.text_edit.setEnabled(self.record is not None)
        v.comment_button.setEnabled(has_phrase and has_text)
        v.propose_button.setEnabled(has_phrase and has_text)
        chosen = self.selected()
        decidable = has_phrase and chosen is not None and chosen.is_open
        v.accept_button.setEnabled(decidable)
        v.reject_button.setEnabled(decidable)

    # --- writing ---------------------------------------------------------------------------------------

    def add(self, kind: str) -> None:
        if self.record is None or self.busy:
            return
        text = self.view.text_edit.toPlainText().strip()
        if not text:
            return
        review = self.ctx.services.phrase_review
        fn = review.propose if kind == "proposal" else review.comment
        self._run(
            fn, self.ctx.actor, self.record.key, text, on_done=self._added, name=f"phrases.review.{kind}"
        )

    def _added(self, comment: PhraseComment) -> None:
        self.view.text_edit.clear()
        label = self.tr("建议已提交，等待培训师处理") if comment.kind == "proposal" else self.tr("评论已发表")
        self.ctx.show_status(label)
        self.refresh()

    def accept_selected(self) -> None:
        chosen = self.selected()
        if chosen is None or not chosen.is_open or self.record is None:
            return
        self._run(
            self.ctx.services.phrase_review.accept,
            self.ctx.actor,
            chosen.id,
            on_done=self._decided,
            name="phrases.review.accept",
        )

    def reject_selected(self) -> None:
        chosen = self.selected()
        if chosen is None or not chosen.is_open:
            return
        self._run(
            self.ctx.services.phrase_review.reject,
            self.ctx.actor,
            chosen.id,
            on_done=self._decided,
            name="phrases.review.reject",
        )

    def _decided(self, decision: ReviewDecision) -> None:
        c = decision.comment
        self.ctx.show_status(
            self.tr("{status}：{kind}").format(
                status=self.tr(STATUS_LABELS[c.status]), kind=self.tr(KIND_LABELS[c.kind])
            )
        )
        if decision.saved is not None:
            self.record = decision.saved.phrase
            self.view.phrase_label.setText(f"{self.record.shortcut} · {self.record.text}")
            self.phrase_changed.emit(c.phrase_key)
        self.refresh()

    def _run(self, fn: Callable[..., Any], *args: Any, on_done: Callable[[Any], None], name: str) -> None:
        self.busy = True
        self.view.status_label.clear()
        self._update_buttons()

        def done(result: Any) -> None:
            self.busy = False
            self._update_buttons()
            on_done(result)

        def failed(exc: BaseException) -> None:
            self.busy = False
            self.view.status_label.setText(str(exc))
            self._update_buttons()

        self.ctx.runner.db(fn, *args, on_done=done, on_error=failed, owner=self, name=name)
