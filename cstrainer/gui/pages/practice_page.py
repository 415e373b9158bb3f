"""练习: the wrong-answer book (错题本) and practice sets, one question at a time with instant feedback.

Every practice answer is graded at once by ``services.exams.answer_practice``, which also updates
the book: a wrong answer adds the question (or starts its clearing over), right answers on two
different days remove it (:data:`cstrainer.domain.wrong_book.RIGHT_DAYS_TO_CLEAR`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from cstrainer.domain.questions import QuestionType, QuestionView
from cstrainer.domain.wrong_book import RIGHT_DAYS_TO_CLEAR
from cstrainer.gui import errors, prompts
from cstrainer.gui.context import PageContext
from cstrainer.gui.pages.exams_page_view import stretch_first_column
from cstrainer.gui.pages.practice_page_view import PracticePageView
from cstrainer.gui.pages.registry import Page
from cstrainer.gui.qt import QCoreApplication, Qt, QVBoxLayout, QWidget
from cstrainer.gui.style import BLUE, GREEN, RED
from cstrainer.gui.table_model import Column, RecordTableModel, filter_proxy, local_time
from cstrainer.gui.widgets import QuestionWidget, is_answered
from cstrainer.services.exams import PracticeFeedback, WrongBookItem

PRACTICE_SIZE = 10
STEM_CHARS = 60
BOOK_SORT_COLUMN = 4  # 最近错


def _t(text: str) -> str:
    return QCoreApplication.translate("PracticePage", text)


def _day(value: object) -> str:
    """A right day as stored (a date, or its ISO text) -> ``YYYY-MM-DD``."""
    return value.isoformat() if isinstance(value, date) else str(value)[:10]


def clearing_progress(item: WrongBookItem, today: date | None = None) -> str:
    """How far the question is from leaving the book: "再答对 1 天即可移出"."""
    today_text = (today or date.today()).isoformat()
    days = {_day(d) for d in item.right_days}
    needed = max(0, RIGHT_DAYS_TO_CLEAR - len(days))
    if needed == 0:
        return _t("下次答对即可移出")
    if today_text in days:
        return _t("今天已答对；改天再答对 {n} 天即可移出").format(n=needed)
    return _t("再答对 {n} 天即可移出").format(n=needed)


def short_stem(view: QuestionView) -> str:
    text = " ".join(view.stem.split())
    return text if len(text) <= STEM_CHARS else text[: STEM_CHARS - 1] + "…"


def book_columns() -> list[Column[WrongBookItem]]:
    return [
        Column(_t("题目"), lambda i: short_stem(i.view), tooltip=lambda i: i.view.stem),
        Column(_t("题型"), lambda i: i.view.type.label),
        Column(_t("类别"), lambda i: i.category or "—"),
        Column(
            _t("答错"), lambda i: _t("错 {n} 次").format(n=i.wrong_count), sort_key=lambda i: i.wrong_count
        ),
        Column(
            _t("最近错"),
            lambda i: local_time(i.last_wrong_at),
            sort_key=lambda i: i.last_wrong_at.timestamp(),
        ),
        Column(_t("移出进度"), clearing_progress, sort_key=lambda i: -len(i.right_days)),
    ]


@dataclass
class PracticeRun:
    """One practice set in progress."""

    questions: list[QuestionView]
    book_keys: frozenset[str]  # in the book when the set was drawn
    index: int = 0
    feedback: dict[int, PracticeFeedback] = field(default_factory=dict)

    @property
    def scored(self) -> list[PracticeFeedback]:
        return list(self.feedback.values())


class PracticePage(Page):
    def __init__(self, ctx: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.view = PracticePageView(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)
        self.book: list[WrongBookItem] = []
        self.run: PracticeRun | None = None
        self.question: QuestionWidget | None = None
        self.loaded = False

        v = self.view
        self.book_model: RecordTableModel[WrongBookItem] = RecordTableModel(book_columns(), self)
        self.book_proxy = filter_proxy(self.book_model, self)
        v.book_table.setModel(self.book_proxy)
        stretch_first_column(v.book_table)
        v.book_table.sortByColumn(BOOK_SORT_COLUMN, Qt.SortOrder.DescendingOrder)  # latest miss first
        v.refresh_button.clicked.connect(self.reload)
        v.start_button.clicked.connect(self.start_practice)
        v.again_button.clicked.connect(self.start_practice)
        v.back_button.clicked.connect(self.show_book)
        v.stop_button.clicked.connect(self.finish_practice)
        v.submit_button.clicked.connect(self.submit_answer)
        v.next_button.clicked.connect(self.next_question)

    # --- Page hooks -------------------------------------------------------------------------------

    def page_shown(self) -> None:
        if self.view.stack.currentWidget() is self.view.book_screen:
            self.reload()

    # --- the book ---------------------------------------------------------------------------------

    def reload(self) -> None:
        self.ctx.runner.db(
            self.ctx.services.exams.wrong_book, self.ctx.actor, on_done=self._show_book, owner=self
        )

    def _show_book(self, items: list[WrongBookItem]) -> None:
        self.book = list(items)
        self.book_model.set_rows(self.book)
        v = self.view
        v.book_title.setText(_t("错题本（{n} 题）").format(n=len(self.book)))
        v.empty_label.setVisible(not self.book)
        v.book_table.setVisible(bool(self.book))
        self.loaded = True

    def show_book(self) -> None:
        self._drop_question()
        self.run = None
        self.view.stack.setCurrentWidget(self.view.book_screen)
        self.reload()

    # --- practising -------------------------------------------------------------------------------

    def start_practice(self) -> None:
        self.view.start_button.setEnabled(False)
        self.view.again_button.setEnabled(False)
        book_keys = frozenset(i.view.key for i in self.book)
        self.ctx.runner.db(
            self.ctx.services.exams.practice_set,
            self.ctx.actor,
            PRACTICE_SIZE,
            on_done=lambda questions: self._practice_ready(questions, book_keys),
            on_error=self._practice_failed,
            owner=self,
            name="exams.practice_set",
        )

    def _practice_failed(self, exc: BaseException) -> None:
        self.view.start_button.setEnabled(True)
        self.view.again_button.setEnabled(True)
        errors.show_error(self.window(), exc)

    def _practice_ready(self, questions: list[QuestionView], book_keys: frozenset[str]) -> None:
        self.view.start_button.setEnabled(True)
        self.view.again_button.setEnabled(True)
        if not questions:
            prompts.inform(self, _t("练习"), _t("暂时没有可以练习的题目。"))
            return
        self.run = PracticeRun(list(questions), book_keys)
        self.view.stack.setCurrentWidget(self.view.practice_screen)
        self.show_question()

    def _drop_question(self) -> None:
        if self.question is not None:
            self.question.hide()
            self.question.deleteLater()
            self.question = None

    def show_question(self, index: int | None = None) -> None:
        """Show question ``index`` of the set (default: the current one)."""
        run, v = self.run, self.view
        assert run is not None
        if index is not None:
            run.index = index
        self._drop_question()
        q = run.questions[run.index]
        total = len(run.questions)
        self.question = QuestionWidget(q, number=run.index + 1, parent=v.question_holder)
        v.question_layout.addWidget(self.question)
        self.question.show()
        v.question_layout.activate()
        v.question_area.verticalScrollBar().setValue(0)
        v.progress_label.setText(_t("第 {n} / {total} 题").format(n=run.index + 1, total=total))
        v.progress_bar.setRange(0, total)
        v.progress_bar.setValue(run.index)
        v.source_label.setText(
            _t("来自错题本")
            if q.key in run.book_keys
            else _t("巩固练习 · {category}").format(category=q.category or "—")
        )
        v.book_status_label.setVisible(False)
        scored = q.type is not QuestionType.DESCRIPTION
        v.submit_button.setVisible(scored)
        v.next_button.setVisible(not scored)
        v.next_button.setText(_t("下一题") if run.index < total - 1 else _t("查看练习总结"))
        self.question.focus_answer()

    def submit_answer(self) -> None:
        run, widget = self.run, self.question
        if run is None or widget is None or run.index in run.feedback:
            return
        widget.flush()
        response = widget.response()
        if not is_answered(widget.question.type, response) and not prompts.confirm(
            self,
            _t("提交"),
            _t("还没有作答。提交空白答案会记为答错，确定提交吗？"),
            ok_text=_t("提交"),
        ):
            return
        self.view.submit_button.setEnabled(False)
        index = run.index
        self.ctx.runner.db(
            self.ctx.services.exams.answer_practice,
            self.ctx.actor,
            widget.question.key,
            response,
            on_done=lambda fb: self._feedback(index, fb),
            on_error=self._answer_failed,
            owner=self,
            name="exams.answer_practice",
        )

    def _answer_failed(self, exc: BaseException) -> None:
        self.view.submit_button.setEnabled(True)
        errors.show_error(self.window(), exc)

    def _feedback(self, index: int, feedback: PracticeFeedback) -> None:
        run, v = self.run, self.view
        if run is None or index != run.index or self.question is None:
            return
        run.feedback[index] = feedback
        self.question.set_result(feedback)
        was_in_book = feedback.question_key in run.book_keys
        if feedback.correct and was_in_book and not feedback.in_book:
            text, colour = _t("✓ 已移出错题本"), GREEN
        elif feedback.correct and feedback.in_book:
            text, colour = _t("答对了！这道题还在错题本里，改天再答对一次即可移出。"), BLUE
        elif not feedback.correct and feedback.in_book:
            text, colour = (
                _t("已记入错题本，移出进度重新计算。") if was_in_book else _t("已记入错题本。"),
                RED,
            )
        else:
            text, colour = "", GREEN
        v.book_status_label.setText(text)
        v.book_status_label.setStyleSheet(f"color: {colour}; font-weight: bold;")
        v.book_status_label.setVisible(bool(text))
        v.submit_button.setVisible(False)
        v.submit_button.setEnabled(True)
        v.next_button.setVisible(True)
        v.next_button.setFocus()

    def next_question(self) -> None:
        run = self.run
        if run is None:
            return
        if run.index >= len(run.questions) - 1:
            self.finish_practice()
            return
        run.index += 1
        self.show_question()

    def finish_practice(self) -> None:
        run, v = self.run, self.view
        self._drop_question()
        if run is None or not run.feedback:
            self.show_book()
            return
        answers = run.scored
        right = sum(1 for f in answers if f.correct)
        cleared = sum(1 for f in answers if f.question_key in run.book_keys and not f.in_book)
        added = sum(1 for f in answers if f.question_key not in run.book_keys and f.in_book)
        v.summary_label.setText(
            _t(
                "本次练习 {n} 题，答对 {right} 题（{percent}%）。移出错题本 {cleared} 题，新记入 {added} 题。"
            ).format(
                n=len(answers),
                right=right,
                percent=round(100 * right / len(answers)),
                cleared=cleared,
                added=added,
            )
        )
        wrong = [run.questions[i] for i, f in sorted(run.feedback.items()) if not f.correct]
        v.summary_wrong_label.setText(
            _t("答错的题：\n") + "\n".join(f"• {short_stem(q)}" for q in wrong)
            if wrong
            else _t("全部答对，太棒了！")
        )
        self.run = None
        v.stack.setCurrentWidget(v.summary_screen)
