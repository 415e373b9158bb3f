"""The 手册学习 page: flashcards made from the product and competitor handbooks, scheduled with
fsrs (:class:`cstrainer.services.handbook_study.HandbookStudyService`).

今日复习 is a session: the queue (due cards first, then new ones) of all handbooks or of one; the
front of a card, the back after 显示答案 (space), then a rating 忘了 / 模糊 / 记得 / 很熟 (keys 1-4,
fsrs Again / Hard / Good / Easy). At the end of a batch the queue is asked again (cards forgotten
a few minutes ago come back); when it is empty the session shows when the next card is due.
学习进度 shows the person's cards per document; 团队进度 (trainers, managers) the people they may
see; 卡片管理 (trainers) lists a document's cards and lets trainers add, edit and retire their own.

The keys are window shortcuts of the 今日复习 tab: they act while that tab is on screen, and a
text field that has the focus keeps its typed characters.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from cstrainer.domain.accounts import Permission
from cstrainer.domain.handbook import COMPARE_FIELDS, FIELD_LABELS, KIND_LABELS
from cstrainer.gui import prompts
from cstrainer.gui.context import PageContext
from cstrainer.gui.pages.handbook_study_page_view import RATINGS, CardEditorView, HandbookStudyPageView
from cstrainer.gui.pages.registry import Page
from cstrainer.gui.qt import (
    QAction,
    QCoreApplication,
    QKeySequence,
    QProgressBar,
    Qt,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)
from cstrainer.gui.style import ORANGE
from cstrainer.gui.table_model import RECORD_ROLE, Column, RecordTableModel, filter_proxy
from cstrainer.services.errors import InvalidInput

QUEUE_LIMIT = 20
ALL = "\x00all"


def _t(text: str) -> str:
    return QCoreApplication.translate("HandbookStudy", text)


def _pct(part: int, whole: int) -> str:
    return "—" if whole <= 0 else f"{part * 100 / whole:.0f}%"


def source_label(card: Any) -> str:
    """自动 · 价格 for a generated card, 培训师 for a trainer's."""
    if is_trainer_card(card):
        return _t("培训师")
    source = str(getattr(card, "source", "") or "").split(":")[0]
    label = FIELD_LABELS.get(card.doc_kind, {}).get(source) or COMPARE_FIELDS.get(source) or source
    return _t("自动 · {field}").format(field=label) if label else _t("自动")


def is_trainer_card(card: Any) -> bool:
    return not str(card.id).startswith("gen:")


def when_text(due: datetime, now: datetime) -> str:
    """``12-06 14:30（约 10 分钟后）``."""
    local = due.astimezone().strftime("%m-%d %H:%M")
    seconds = (due - now).total_seconds()
    if seconds <= 60:
        rel = _t("现在")
    elif seconds < 3600:
        rel = _t("约 {n} 分钟后").format(n=round(seconds / 60))
    elif seconds < 2 * 86400:
        rel = _t("约 {n} 小时后").format(n=round(seconds / 3600))
    else:
        rel = _t("约 {n} 天后").format(n=round(seconds / 86400))
    return f"{local}（{rel}）"


def team_columns() -> list[Column[Any]]:
    return [
        Column(_t("姓名"), lambda p: p.display_name),
        Column(_t("账号"), lambda p: p.login),
        Column(_t("卡片"), lambda p: str(p.total), sort_key=lambda p: p.total, align_right=True),
        Column(_t("已学"), lambda p: str(p.seen), sort_key=lambda p: p.seen, align_right=True),
        Column(_t("已掌握"), lambda p: str(p.mastered), sort_key=lambda p: p.mastered, align_right=True),
        Column(
            _t("掌握率"),
            lambda p: _pct(p.mastered, p.total),
            sort_key=lambda p: p.mastered / p.total if p.total else -1,
            align_right=True,
        ),
        Column(_t("待复习"), lambda p: str(p.due), sort_key=lambda p: p.due, align_right=True),
    ]


def card_columns() -> list[Column[Any]]:
    return [
        Column(_t("来源"), source_label, sort_key=lambda c: (not is_trainer_card(c), source_label(c))),
        Column(_t("问题"), lambda c: c.front, tooltip=lambda c: c.front),
        Column(_t("答案"), lambda c: c.back.replace("\n", " "), tooltip=lambda c: c.back),
        Column(_t("版本"), lambda c: str(c.version) if is_trainer_card(c) else "—", align_right=True),
    ]


def index_of(combo: Any, data: Any) -> int:
    """The row of ``combo`` whose item data equals ``data`` (compared in Python: Qt's own lookup
    does not compare tuples), or -1."""
    return next((i for i in range(combo.count()) if combo.itemData(i) == data), -1)


def _doc_label(kind: str, title: str) -> str:
    return f"{KIND_LABELS.get(kind, kind)} · {title}"


class HandbookStudyPage(Page):
    def __init__(self, ctx: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.study = ctx.services.handbook_study
        self.view = HandbookStudyPageView(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)
        self.clock: Callable[[], float] = time.monotonic  # tests replace it
        self.now: Callable[[], datetime] = lambda: datetime.now(UTC)
        self._first_show = True

        # the session
        self.queue: list[Any] = []
        self.index = 0
        self.due_total = 0  # cards due in the scope when the batch was loaded
        self.due_in_batch = 0  # the first due_in_batch cards of the queue are due ones, the rest new
        self.revealed = False
        self.reviewing = False
        self.loading = True  # until the first queue arrives
        self.shown_at = 0.0
        self.reviewed = 0
        self.ratings: Counter[int] = Counter()
        self.next_dues: list[datetime] = []
        # progress, team, cards
        self.progress: list[Any] = []
        self.docs: list[Any] = []
        self.cards: list[Any] = []
        self.editor: CardEditorView | None = None

        actor = ctx.actor
        self.shows_team = actor.can(Permission.VIEW_TEAM_RESULTS) or actor.can(Permission.VIEW_ALL_RESULTS)
        self.edits_cards = actor.can(Permission.EDIT_CONTENT)
        v = self.view
        v.tabs.setTabVisible(v.team_index, self.shows_team)
        v.tabs.setTabVisible(v.cards_index, self.edits_cards)
        self.team_model: RecordTableModel[Any] = RecordTableModel(team_columns(), self)
        self.team_proxy = filter_proxy(self.team_model, self)
        v.team_table.setModel(self.team_proxy)
        self.card_model: RecordTableModel[Any] = RecordTableModel(card_columns(), self)
        self.card_proxy = filter_proxy(self.card_model, self)
        v.cards_table.setModel(self.card_proxy)
        v.cards_table.setSortingEnabled(False)  # the service's order: field by field, trainers' cards last
        header = v.cards_table.horizontalHeader()
        header.setStretchLastSection(False)
        header.resizeSection(0, 150)
        header.resizeSection(1, 380)
        header.setSectionResizeMode(2, header.ResizeMode.Stretch)
        header.resizeSection(3, 50)

        v.scope_combo.addItem(_t("全部手册"), ALL)
        v.scope_combo.currentIndexChanged.connect(lambda _i: self.start_session())
        v.reload_button.clicked.connect(self.start_session)
        v.again_button.clicked.connect(self.start_session)
        v.show_button.clicked.connect(self.reveal)
        for rating, button in enumerate(v.rating_buttons, start=1):
            button.clicked.connect(lambda _checked=False, r=rating: self.rate(r))
        self.actions_: list[QAction] = []
        self._key(Qt.Key.Key_Space, self.reveal)
        for rating, (_label, key, _colour) in enumerate(RATINGS, start=1):
            self._key(QKeySequence(key), lambda _checked=False, r=rating: self.rate(r))
        v.tabs.currentChanged.connect(self._tab_changed)
        v.progress_table.cellDoubleClicked.connect(lambda row, _col: self.study_doc(row))
        v.cards_doc_combo.currentIndexChanged.connect(lambda _i: self.load_cards())
        v.add_card_button.clicked.connect(self.add_card)
        v.edit_card_button.clicked.connect(self.edit_card)
        v.retire_card_button.clicked.connect(self.retire_card)
        v.cards_table.doubleClicked.connect(lambda _index: self.edit_card())
        v.cards_table.selectionModel().selectionChanged.connect(lambda *_: self._update_card_buttons())
        self._show_card()
        self._update_card_buttons()

    def _key(self, key: Any, slot: Callable[..., None]) -> None:
        action = QAction(self.view.study_tab)
        action.setShortcut(key if isinstance(key, QKeySequence) else QKeySequence(key))
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.triggered.connect(slot)
        self.view.study_tab.addAction(action)
        self.actions_.append(action)

    # --- Page hooks --------------------------------------------------------------------------------

    def page_shown(self) -> None:
        if self._first_show:
            self._first_show = False
            self.start_session()
            if self.edits_cards:
                self.load_docs()
        elif self.current_card() is None and not self.loading:
            self.start_session()  # the finished state: maybe something is due again
        self._tab_changed(self.view.tabs.currentIndex())

    def _tab_changed(self, index: int) -> None:
        v = self.view
        if index == v.study_index:
            v.study_tab.setFocus()
        elif index == v.progress_index:
            self.load_progress()
        elif index == v.team_index and self.shows_team:
            self.load_team()
        elif index == v.cards_index and self.edits_cards and not self.docs:
            self.load_docs()

    # --- the session -------------------------------------------------------------------------------

    @property
    def scope(self) -> tuple[str, str] | None:
        data = self.view.scope_combo.currentData()
        return None if data in (None, ALL) else (str(data[0]), str(data[1]))

    def start_session(self) -> None:
        """Ask for the queue of the chosen scope (and the progress, for the counts and the scopes)."""
        study, actor, scope = self.study, self.ctx.actor, self.scope

        def load() -> tuple[list[Any], list[Any]]:
            kind, key = scope if scope else (None, None)
            return study.queue(actor, kind=kind, key=key, limit=QUEUE_LIMIT), study.progress(actor)

        self.loading = True
        self.view.study_status.clear()
        self.ctx.runner.db(
            load,
            on_done=lambda r: self._queue_loaded(scope, *r),
            on_error=self._failed,
            owner=self,
            name="study.queue",
        )

    def _queue_loaded(
        self, scope: tuple[str, str] | None, queue: Sequence[Any], progress: Sequence[Any]
    ) -> None:
        self._set_progress(progress)
        if scope != self.scope:
            return  # the scope changed meanwhile: its own answer follows
        self.loading = False
        self.queue = list(queue)
        self.index = 0
        self.due_total = sum(p.due for p in progress if scope is None or (p.kind, p.key) == scope)
        self.due_in_batch = min(self.due_total, len(self.queue))
        self._show_card()

    def _failed(self, exc: BaseException) -> None:
        self.loading = False
        self.reviewing = False
        self.view.study_status.setText(str(exc))
        self._update_study_buttons()

    def current_card(self) -> Any:
        return self.queue[self.index] if 0 <= self.index < len(self.queue) else None

    def is_new(self, index: int | None = None) -> bool:
        return (self.index if index is None else index) >= self.due_in_batch

    def counts(self) -> tuple[int, int]:
        """(due, new) cards left: the due ones of the whole scope, the new ones of this batch."""
        due_done = min(self.index, self.due_in_batch)
        new_left = max(0, len(self.queue) - max(self.index, self.due_in_batch))
        return max(0, self.due_total - due_done), new_left

    def _show_card(self) -> None:
        v = self.view
        card = self.current_card()
        self.revealed = False
        due, new = self.counts()
        v.counts_label.setText(
            _t("剩余：待复习 <b>{due}</b> · 新卡 <b>{new}</b>").format(due=due, new=new)
            + (_t(" · 本次已复习 {n}").format(n=self.reviewed) if self.reviewed else "")
        )
        total = len(self.queue)
        v.session_progress.setMaximum(max(total, 1))
        v.session_progress.setValue(min(self.index, total))
        if card is None:
            v.card_stack.setCurrentWidget(v.done_frame)
            v.position_label.clear()
            if self.reviewed:
                v.session_progress.setValue(v.session_progress.maximum())
            if self.loading and not self.queue:
                v.done_title.setText(_t("正在取卡片…"))
                v.done_label.clear()
            elif self.reviewed:
                v.done_title.setText(_t("✓ 这一轮复习完了"))
                v.done_label.setText(self._summary())
            else:
                v.done_title.setText(_t("现在没有要复习的卡片"))
                v.done_label.setText(
                    _t("新卡今天已学完或这个范围还没有卡片。明天再来，或者换一个范围。")
                    if self.scope is None
                    else _t("这份手册现在没有到期的卡片，也没有新卡。")
                )
        else:
            v.card_stack.setCurrentWidget(v.card_frame)
            v.position_label.setText(_t("第 {i} / {n} 张").format(i=self.index + 1, n=total))
            field = source_label(card)
            v.card_meta_label.setText(f"{_doc_label(card.doc_kind, card.title)} · {field}")
            new_card = self.is_new()
            v.card_badge.setText(_t("新卡") if new_card else _t("复习"))
            colour = ORANGE if new_card else "#1565c0"
            v.card_badge.setStyleSheet(
                f"QLabel#cardBadge {{ color: white; background: {colour}; border-radius: 8px; padding: 1px 8px; }}"
            )
            v.front_label.setText(card.front)
            v.back_label.setText(card.back)
            # a list (numbered selling points, steps) reads from the left; a short fact sits centred
            left = "\n" in card.back.strip()
            v.back_label.setAlignment(
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
                if left
                else Qt.AlignmentFlag.AlignCenter
            )
            self.shown_at = self.clock()
            if v.tabs.currentIndex() == v.study_index and self.isVisible():
                v.study_tab.setFocus()
        self._update_study_buttons()

    def _summary(self) -> str:
        parts = [
            f"{_t(label)} {self.ratings[r]}"
            for r, (label, _k, _c) in enumerate(RATINGS, start=1)
            if self.ratings[r]
        ]
        text = _t("本次复习 {n} 张：{parts}。").format(n=self.reviewed, parts="、".join(parts))
        if self.next_dues:
            text += "<br>" + _t("下次复习：{when}").format(when=when_text(min(self.next_dues), self.now()))
        return text

    def _update_study_buttons(self) -> None:
        v = self.view
        card = self.current_card()
        v.show_button.setVisible(card is not None and not self.revealed)
        v.show_button.setEnabled(card is not None and not self.reviewing)
        for b in v.rating_buttons:
            b.setVisible(card is not None and self.revealed)
            b.setEnabled(card is not None and self.revealed and not self.reviewing)
        v.answer_line.setVisible(self.revealed)
        v.back_label.setVisible(self.revealed)

    def reveal(self) -> None:
        if self.current_card() is None or self.revealed or self.reviewing:
            return
        self.revealed = True
        self._update_study_buttons()

    def rate(self, rating: int) -> None:
        card = self.current_card()
        if card is None or not self.revealed or self.reviewing or not 1 <= rating <= 4:
            return
        self.reviewing = True
        self._update_study_buttons()
        seconds = max(0.0, self.clock() - self.shown_at)
        self.ctx.runner.db(
            self.study.review,
            self.ctx.actor,
            card.id,
            rating,
            seconds=round(seconds, 1),
            on_done=lambda due: self._reviewed(card, rating, due),
            on_error=self._failed,
            owner=self,
            name="study.review",
        )

    def _reviewed(self, card: Any, rating: int, due: datetime) -> None:
        self.reviewing = False
        self.reviewed += 1
        self.ratings[rating] += 1
        self.next_dues.append(due)
        if self.current_card() is card:
            self.index += 1
        if self.current_card() is None:
            self.loading = True
            self._show_card()
            self.start_session()  # the next batch (forgotten cards come back when due)
        else:
            self._show_card()

    def study_doc(self, row: int) -> None:
        """Study only the document of a row of the progress table."""
        if not 0 <= row < len(self.progress):
            return
        p = self.progress[row]
        combo = self.view.scope_combo
        i = index_of(combo, (p.kind, p.key))
        if i >= 0:
            combo.setCurrentIndex(i)
        self.view.tabs.setCurrentIndex(self.view.study_index)

    # --- progress -----------------------------------------------------------------------------------

    def load_progress(self) -> None:
        self.ctx.runner.db(
            self.study.progress, self.ctx.actor, on_done=self._set_progress, owner=self, name="study.progress"
        )

    def _set_progress(self, progress: Sequence[Any]) -> None:
        self.progress = [p for p in progress if p.total > 0]
        v = self.view
        # the scopes of the session: every document with cards
        combo = v.scope_combo
        current = combo.currentData()
        combo.blockSignals(True)
        combo.clear()
        combo.addItem(_t("全部手册"), ALL)
        for p in self.progress:
            combo.addItem(_doc_label(p.kind, p.title), (p.kind, p.key))
        i = index_of(combo, current)
        combo.setCurrentIndex(max(i, 0))
        combo.blockSignals(False)
        if i < 0 and current not in (None, ALL):
            self.start_session()  # the chosen document has no cards any more

        total = sum(p.total for p in self.progress)
        seen = sum(p.seen for p in self.progress)
        mastered = sum(p.mastered for p in self.progress)
        due = sum(p.due for p in self.progress)
        v.progress_summary.setText(
            _t(
                "{docs} 份手册共 {total} 张卡片：已学 {seen}，已掌握 {mastered}（{pct}），现在待复习 {due}"
            ).format(
                docs=len(self.progress),
                total=total,
                seen=seen,
                mastered=mastered,
                pct=_pct(mastered, total),
                due=due,
            )
            if self.progress
            else _t("还没有卡片：培训师写好产品手册后，这里会按价格、规格、卖点等生成卡片。")
        )
        table = v.progress_table
        table.setRowCount(len(self.progress))
        for row, p in enumerate(self.progress):
            cells = [
                KIND_LABELS.get(p.kind, p.kind),
                p.title,
                str(p.total),
                str(p.seen),
                str(p.mastered),
                str(p.due),
            ]
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column >= 2:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if column == 5 and p.due:
                    item.setForeground(Qt.GlobalColor.darkRed)
                table.setItem(row, column, item)
            bar = table.cellWidget(row, 6)
            if not isinstance(bar, QProgressBar):
                bar = QProgressBar()
                bar.setMaximumHeight(18)
                table.setCellWidget(row, 6, bar)
            bar.setMaximum(max(p.total, 1))
            bar.setValue(p.mastered)
            bar.setFormat(_t("掌握 {m}/{t} · 已学 {s}").format(m=p.mastered, t=p.total, s=p.seen))
            bar.setToolTip(bar.format())

    # --- the team -----------------------------------------------------------------------------------

    def load_team(self) -> None:
        self.ctx.runner.db(
            self.study.team_progress, self.ctx.actor, on_done=self._team_loaded, owner=self, name="study.team"
        )

    def _team_loaded(self, rows: Sequence[Any]) -> None:
        self.team_model.set_rows(rows)
        v = self.view
        header = v.team_table.horizontalHeader()
        header.setSectionResizeMode(header.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, header.ResizeMode.Stretch)
        started = [p for p in rows if p.seen]
        v.team_summary.setText(
            _t(
                "{n} 人，{s} 人已开始学习手册卡片。掌握率低、待复习多的同事可以提醒复习，或一起过一遍产品手册。"
            ).format(n=len(rows), s=len(started))
            if rows
            else _t("还没有可以查看的同事。")
        )

    # --- cards (trainers) ----------------------------------------------------------------------------

    def load_docs(self) -> None:
        self.ctx.runner.db(
            self.ctx.services.handbook.list_docs,
            self.ctx.actor,
            on_done=self._docs_loaded,
            owner=self,
            name="study.docs",
        )

    def _docs_loaded(self, docs: Sequence[Any]) -> None:
        self.docs = list(docs)
        combo = self.view.cards_doc_combo
        current = combo.currentData()
        combo.blockSignals(True)
        combo.clear()
        for d in self.docs:
            combo.addItem(_doc_label(d.kind, d.title), (d.kind, d.key))
        combo.setCurrentIndex(max(index_of(combo, current), 0))
        combo.blockSignals(False)
        self.load_cards()

    @property
    def card_doc(self) -> tuple[str, str] | None:
        data = self.view.cards_doc_combo.currentData()
        return None if data is None else (str(data[0]), str(data[1]))

    def load_cards(self, select: str | None = None) -> None:
        doc = self.card_doc
        if doc is None:
            self.card_model.set_rows([])
            self._update_card_buttons()
            return
        self.ctx.runner.db(
            self.study.cards,
            self.ctx.actor,
            doc[0],
            doc[1],
            on_done=lambda cards: self._cards_loaded(doc, cards, select),
            owner=self,
            name="study.cards",
        )

    def _cards_loaded(self, doc: tuple[str, str], cards: Sequence[Any], select: str | None) -> None:
        if doc != self.card_doc:
            return
        self.cards = list(cards)
        self.card_model.set_rows(self.cards)
        mine = sum(1 for c in self.cards if is_trainer_card(c))
        self.view.cards_status.setText(
            _t("共 {n} 张卡片：自动生成 {g} 张，培训师 {t} 张").format(
                n=len(self.cards), g=len(self.cards) - mine, t=mine
            )
        )
        self.view.cards_table.resizeRowsToContents()
        if select is not None:
            self.select_card(select)
        self._update_card_buttons()

    def select_card(self, card_id: str) -> None:
        row = self.card_model.find(lambda c: c.id == card_id)
        if row < 0:
            return
        index = self.card_proxy.mapFromSource(self.card_model.index(row, 0))
        self.view.cards_table.selectRow(index.row())
        self.view.cards_table.scrollTo(index)

    def selected_card(self) -> Any:
        rows = self.view.cards_table.selectionModel().selectedRows()
        return rows[0].data(RECORD_ROLE) if rows else None

    def _update_card_buttons(self) -> None:
        v = self.view
        card = self.selected_card()
        mine = card is not None and is_trainer_card(card)
        v.add_card_button.setEnabled(self.card_doc is not None)
        v.edit_card_button.setEnabled(mine)
        v.retire_card_button.setEnabled(mine)
        if card is not None and not mine:
            v.edit_card_button.setToolTip(_t("自动生成的卡片随手册更新，请修改产品手册"))
        else:
            v.edit_card_button.setToolTip("")

    def _doc_title(self, doc: tuple[str, str]) -> str:
        return next((d.title for d in self.docs if (d.kind, d.key) == doc), doc[1])

    def add_card(self) -> CardEditorView | None:
        doc = self.card_doc
        if doc is None:
            return None
        return self._open_editor(None, doc)

    def edit_card(self) -> CardEditorView | None:
        card = self.selected_card()
        if card is None or not is_trainer_card(card):
            return None
        return self._open_editor(card, (card.doc_kind, card.doc_key))

    def _open_editor(self, card: Any, doc: tuple[str, str]) -> CardEditorView:
        if self.editor is not None:
            self.editor.close()
        title = _t("新增卡片") if card is None else _t("编辑卡片")
        editor = CardEditorView(title, _doc_label(doc[0], self._doc_title(doc)), self)
        editor.card, editor.doc = card, doc
        if card is not None:
            editor.front_edit.setPlainText(card.front)
            editor.back_edit.setPlainText(card.back)
        editor.save_button.clicked.connect(lambda: self.save_card(editor))
        editor.finished.connect(lambda _r: self._editor_closed(editor))
        self.editor = editor
        editor.open()
        editor.front_edit.setFocus()
        return editor

    def _editor_closed(self, editor: CardEditorView) -> None:
        if self.editor is editor:
            self.editor = None
        editor.deleteLater()

    def save_card(self, editor: CardEditorView, *, expected_version: int | None = None) -> None:
        """Save what the editor holds: a new card, or a new version of ``editor.card``."""
        card, doc = editor.card, editor.doc
        front = editor.front_edit.toPlainText().strip()
        back = editor.back_edit.toPlainText().strip()
        if not front or not back:
            editor.error_label.setText(_t("问题和答案都要填写"))
            return
        editor.error_label.clear()
        editor.save_button.setEnabled(False)
        if card is None:
            self.ctx.runner.db(
                self.study.add_card,
                self.ctx.actor,
                doc[0],
                doc[1],
                front,
                back,
                on_done=lambda saved: self._card_saved(editor, saved),
                on_error=lambda exc: self._save_failed(editor, exc),
                owner=self,
                name="study.add_card",
            )
        else:
            self.ctx.runner.db(
                self.study.update_card,
                self.ctx.actor,
                card.id,
                front,
                back,
                expected_version=card.version if expected_version is None else expected_version,
                on_done=lambda saved: self._card_saved(editor, saved),
                on_error=lambda exc: self._save_failed(editor, exc),
                owner=self,
                name="study.update_card",
            )

    def _card_saved(self, editor: CardEditorView, saved: Any) -> None:
        editor.save_button.setEnabled(True)
        editor.accept()
        self.ctx.show_status(_t("卡片已保存"))
        self.load_cards(select=getattr(saved, "id", None))

    def _save_failed(self, editor: CardEditorView, exc: BaseException) -> None:
        editor.save_button.setEnabled(True)
        if editor.card is not None and isinstance(exc, InvalidInput) and exc.field == "version":
            self._conflict(editor, exc)
            return
        editor.error_label.setText(str(exc))

    def _conflict(self, editor: CardEditorView, exc: BaseException) -> None:
        """Someone saved the card after it was opened: overwrite with what is typed, or take theirs."""
        card, doc = editor.card, editor.doc
        study, actor = self.study, self.ctx.actor

        def loaded(cards: Sequence[Any]) -> None:
            theirs = next((c for c in cards if c.id == card.id), None)
            self._cards_loaded(doc, cards, card.id)
            if theirs is None:
                editor.error_label.setText(_t("这张卡片已被停用，无法保存。"))
                return
            overwrite = prompts.confirm(
                editor,
                _t("卡片已被修改"),
                _t(
                    "{msg}\n\n对方的版本：\n问题：{front}\n答案：{back}\n\n"
                    "用你刚写的内容覆盖吗？取消则载入对方的版本。"
                ).format(msg=exc, front=theirs.front, back=theirs.back),
                ok_text=_t("覆盖"),
            )
            editor.card = theirs
            if overwrite:
                self.save_card(editor)
            else:
                editor.front_edit.setPlainText(theirs.front)
                editor.back_edit.setPlainText(theirs.back)
                editor.error_label.setText(_t("已载入对方的最新版本（第 {v} 版）").format(v=theirs.version))

        self.ctx.runner.db(
            lambda: study.cards(actor, doc[0], doc[1]), on_done=loaded, owner=self, name="study.cards"
        )

    def retire_card(self) -> None:
        card = self.selected_card()
        if card is None or not is_trainer_card(card):
            return
        if not prompts.confirm(
            self,
            _t("停用卡片"),
            _t("停用这张卡片？\n\n{front}\n\n停用后大家不会再复习到它，学习记录保留。").format(
                front=card.front
            ),
            ok_text=_t("停用"),
        ):
            return
        doc = (card.doc_kind, card.doc_key)
        self.ctx.runner.db(
            self.study.retire_card,
            self.ctx.actor,
            card.id,
            on_done=lambda _r: self._card_retired(doc),
            owner=self,
            name="study.retire_card",
        )

    def _card_retired(self, doc: tuple[str, str]) -> None:
        self.ctx.show_status(_t("卡片已停用"))
        if doc == self.card_doc:
            self.load_cards()

    def page_closing(self) -> None:
        if self.editor is not None:
            self.editor.close()
