"""One question, any type: shows it, collects the answer, and shows how it was graded.

``QuestionWidget(view, response, read_only=...)`` renders a :class:`~cstrainer.domain.questions.
QuestionView` (which has no answer key) and keeps the person's answer in the shape the services
store (see :mod:`cstrainer.domain.questions`): choices and matching in ORIGINAL indexes, whatever
order they are shown in (``view.option_order`` / ``view.right_order`` map display -> original).

``responseChanged(response)`` fires on every change - at once for clicks and choices, and ~400 ms
after typing stops for text (an exam autosaves on it; one save per keystroke would be wasteful).
Text is also flushed when its box loses focus, and :meth:`QuestionWidget.flush` sends whatever is
pending before the person moves to another question or hands in. Text is read from
``textChanged``/``toPlainText``, never from key events: with a Chinese input method the keys typed
are pinyin, and only the committed characters are the answer. An unchanged answer (an input
method's preedit update) is not emitted twice.

:meth:`QuestionWidget.set_result` takes an exam :class:`~cstrainer.services.exams.ItemResult` or a
practice :class:`~cstrainer.services.exams.PracticeFeedback` and shows the verdict, the score, the
correct answer and explanation when the service gave them, feedback lines and key points.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cstrainer.domain.questions import QuestionType, QuestionView
from cstrainer.gui.qt import (
    QCheckBox,
    QComboBox,
    QCoreApplication,
    QEvent,
    QLabel,
    QLineEdit,
    QObject,
    QPlainTextEdit,
    QRadioButton,
    Qt,
    QTimer,
    QVBoxLayout,
    QWidget,
    Signal,
)
from cstrainer.gui.style import GREEN, RED
from cstrainer.gui.widgets.question_widget_view import (
    BLUE,
    ORANGE,
    ChoiceButton,
    QuestionWidgetView,
    letter,
)
from cstrainer.services.exams import ItemResult, PracticeFeedback

log = logging.getLogger(__name__)

DEBOUNCE_MS = 400
TEXT_TYPES = (QuestionType.SHORT, QuestionType.REPLY, QuestionType.ESSAY)
_INPUT_EVENTS = (
    QEvent.Type.MouseButtonPress,
    QEvent.Type.MouseButtonRelease,
    QEvent.Type.MouseButtonDblClick,
    QEvent.Type.KeyPress,
    QEvent.Type.KeyRelease,
    QEvent.Type.Wheel,
)


def _t(text: str) -> str:
    return QCoreApplication.translate("QuestionWidget", text)


def is_answered(qtype: QuestionType, response: Any) -> bool:
    """Whether ``response`` counts as an answer (the navigator fills answered numbers)."""
    if response is None:
        return False
    if isinstance(response, str):
        return bool(response.strip())
    if isinstance(response, list | tuple):
        if qtype in (QuestionType.FILL, QuestionType.MATCHING):
            return any(r not in (None, "") for r in response)
        return bool(response)
    return True


@dataclass(frozen=True)
class ResultMarks:
    """What :meth:`QuestionWidget.set_result` shows, from an exam item or a practice answer."""

    correct: bool | None
    fraction: float | None  # share of the points earned, when known
    score: float | None = None
    points: float | None = None
    needs_review: bool = False
    reviewed: bool = False
    review_comment: str = ""
    feedback: tuple[str, ...] = ()
    correct_answer: str | None = None  # None: the exam does not show answers
    explanation: str | None = None
    matched: Any = None  # the grader's key-point matches (JSON data), if any

    @classmethod
    def of(cls, result: ItemResult | PracticeFeedback | ResultMarks) -> ResultMarks:
        if isinstance(result, ResultMarks):
            return result
        if isinstance(result, PracticeFeedback):
            return cls(
                correct=result.correct,
                fraction=result.fraction,
                feedback=tuple(result.feedback),
                correct_answer=result.correct_answer,
                explanation=result.explanation,
                matched=result.detail,
            )
        fraction = None
        if result.score is not None and result.points:
            fraction = result.score / result.points
        return cls(
            correct=result.correct,
            fraction=fraction,
            score=result.score,
            points=result.points,
            needs_review=result.needs_review,
            reviewed=result.reviewed,
            review_comment=result.review_comment,
            feedback=tuple(result.feedback),
            correct_answer=result.correct_answer,
            explanation=result.explanation,
            matched=(result.detail or {}).get("matched"),
        )


def correct_choices(view: QuestionView, answer: str | None) -> list[int] | None:
    """Display indexes of the correct options, read from the service's answer text.

    The service writes the answer with letters of the ORIGINAL option order ("B. 59.9 元"); the
    person saw the options shuffled, so the letters are mapped back through ``option_order``.
    None when the answer is not shown or cannot be read.
    """
    if not answer:
        return None
    parts = {p.strip() for p in answer.split("；")}
    found = [j for j, text in enumerate(view.options) if f"{letter(view.option_order[j])}. {text}" in parts]
    if not found:  # an option containing "；" splits badly: fall back to a plain search
        found = [
            j for j, text in enumerate(view.options) if f"{letter(view.option_order[j])}. {text}" in answer
        ]
    return found or None


def _details(matched: Any) -> list[Mapping[str, Any]]:
    """The grader's per-part details (:class:`cstrainer.domain.grading.Detail` as JSON data)."""
    if isinstance(matched, Mapping):
        matched = matched.get("matched", [])
    if not isinstance(matched, Sequence) or isinstance(matched, str):
        return []
    return [d for d in matched if isinstance(d, Mapping)]


def key_point_lines(matched: Any, *, show_missed: bool) -> list[tuple[bool, str]]:
    """(hit, text) per key point of a short answer, reply or essay.

    Missed key points name what was expected, so they are listed only when answers are shown.
    """
    lines: list[tuple[bool, str]] = []
    for d in _details(matched):
        if d.get("kind") != "key_point":
            continue
        expected, given = str(d.get("expected") or ""), str(d.get("given") or "")
        if d.get("correct"):
            # Without answers shown the service leaves out ``expected``: name the words used.
            text = expected + (f"（{given}）" if given and given != expected else "") if expected else given
            if text:
                lines.append((True, _t("提到了：{point}").format(point=text)))
        elif show_missed and expected:
            lines.append((False, _t("没有提到：{point}").format(point=expected)))
    return lines


def blank_marks(matched: Any) -> dict[int, bool]:
    """Right or wrong per blank of a fill-in question (blank index -> correct)."""
    return {
        int(d["index"]): bool(d.get("correct"))
        for d in _details(matched)
        if d.get("kind") == "blank" and isinstance(d.get("index"), int)
    }


class QuestionWidget(QWidget):
    """A question with its answer editors; see the module docstring."""

    responseChanged = Signal(object)

    def __init__(
        self,
        view: QuestionView,
        response: Any = None,
        *,
        read_only: bool = False,
        number: int | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.question = view
        self.ui = QuestionWidgetView(view, number, self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.ui)
        self._read_only = False
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(DEBOUNCE_MS)
        self._debounce.timeout.connect(self._emit_if_changed)
        self._wire()
        self.set_response(response)
        self.set_read_only(read_only)

    # --- the answer -------------------------------------------------------------------------------

    def response(self) -> Any:
        """The answer as the services store it (original indexes; see the module docstring)."""
        v, ui = self.question, self.ui
        t = v.type
        if t is QuestionType.SINGLE:
            return next((v.option_order[j] for j, b in enumerate(ui.option_buttons) if b.isChecked()), None)
        if t is QuestionType.MULTIPLE:
            return sorted(v.option_order[j] for j, b in enumerate(ui.option_buttons) if b.isChecked())
        if t is QuestionType.TRUEFALSE:
            assert ui.true_button is not None and ui.false_button is not None
            if ui.true_button.isChecked():
                return True
            return False if ui.false_button.isChecked() else None
        if t is QuestionType.FILL:
            return [e.text().strip() for e in ui.blank_edits]
        if t is QuestionType.NUMERIC:
            assert ui.number_edit is not None
            return ui.number_edit.text().strip()
        if t in TEXT_TYPES:
            assert ui.text_edit is not None
            return ui.text_edit.toPlainText().strip()
        if t is QuestionType.MATCHING:
            return [
                v.right_order[c.currentIndex() - 1] if c.currentIndex() > 0 else None for c in ui.match_combos
            ]
        return None

    def set_response(self, response: Any) -> None:
        """Show ``response`` (as stored) without emitting ``responseChanged``."""
        self._debounce.stop()
        for w in self._editors():
            w.blockSignals(True)
        try:
            self._fill(response)
        finally:
            for w in self._editors():
                w.blockSignals(False)
        self._last_emitted = self.response()

    def is_answered(self) -> bool:
        return is_answered(self.question.type, self.response())

    @property
    def pending(self) -> bool:
        """Typed text not emitted yet (the debounce is running)."""
        return self._debounce.isActive()

    def flush(self) -> None:
        """Emit a pending text change now (before moving on, handing in, or closing)."""
        if self._debounce.isActive():
            self._debounce.stop()
        self._emit_if_changed()

    def set_read_only(self, read_only: bool) -> None:
        self._read_only = read_only
        ui = self.ui
        buttons: list[ChoiceButton] = list(ui.option_buttons)
        buttons += [b for b in (ui.true_button, ui.false_button) if b is not None]
        for b in buttons:
            # Not disabled: a greyed-out answer is hard to read on a result page.
            b.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, read_only)
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus if read_only else Qt.FocusPolicy.StrongFocus)
        for e in [*ui.blank_edits, ui.number_edit]:
            if e is not None:
                e.setReadOnly(read_only)
        if ui.text_edit is not None:
            ui.text_edit.setReadOnly(read_only)
        for c in ui.match_combos:
            # Not disabled either (grey text); the event filter swallows clicks, keys and the wheel.
            c.setFocusPolicy(Qt.FocusPolicy.NoFocus if read_only else Qt.FocusPolicy.StrongFocus)

    @property
    def read_only(self) -> bool:
        return self._read_only

    def focus_answer(self) -> None:
        """Put the keyboard focus on the first answer editor."""
        ui = self.ui
        candidates: list[QWidget | None] = [*ui.option_buttons, ui.true_button, *ui.blank_edits]
        candidates += [ui.number_edit, ui.text_edit, *ui.match_combos]
        first = next((w for w in candidates if w is not None), None)
        if first is not None and not self._read_only:
            first.setFocus(Qt.FocusReason.OtherFocusReason)

    # --- results ----------------------------------------------------------------------------------

    def set_result(self, result: ItemResult | PracticeFeedback | ResultMarks) -> None:
        """Show how this answer was graded (see the module docstring); makes the widget read-only."""
        self.flush()
        self.set_read_only(True)
        marks = ResultMarks.of(result)
        view, panel = self.question, self.ui.result_panel
        if view.type is QuestionType.DESCRIPTION:
            return
        response = self.response()
        answered = is_answered(view.type, response)

        if marks.needs_review and not marks.reviewed:
            verdict, colour = _t("待培训师复核"), BLUE
        elif not answered and not marks.correct:
            verdict, colour = _t("✗ 未作答"), RED
        elif marks.correct:
            verdict, colour = _t("✓ 回答正确"), GREEN
        elif marks.fraction:
            verdict, colour = _t("◐ 部分正确"), ORANGE
        else:
            verdict, colour = _t("✗ 回答错误"), RED
        panel.verdict_label.setText(verdict)
        panel.verdict_label.setStyleSheet(f"color: {colour};")
        if marks.points is not None:
            score = "—" if marks.score is None else f"{marks.score:g}"
            text = _t("得分 {score} / {points} 分").format(score=score, points=f"{marks.points:g}")
            if marks.needs_review and not marks.reviewed:
                text = _t("系统初评 {score} / {points} 分，以培训师复核为准").format(
                    score=score, points=f"{marks.points:g}"
                )
            panel.score_label.setText(text)
        else:
            panel.score_label.setText("")

        answer_text = marks.correct_answer
        if view.type in (QuestionType.SINGLE, QuestionType.MULTIPLE):
            answer_text = self._mark_choices(response, marks)
        elif view.type is QuestionType.TRUEFALSE:
            self._mark_truefalse(response, marks)
        elif view.type is QuestionType.MATCHING:
            self._mark_matching(response, marks)
        elif view.type is QuestionType.FILL:
            for i, ok in blank_marks(marks.matched).items():
                if i < len(self.ui.option_marks):
                    self.ui.option_marks[i].set_mark("✓" if ok else "✗", GREEN if ok else RED)
        _show(panel.answer_label, _answer_line(view.type, answer_text))

        points = key_point_lines(marks.matched, show_missed=marks.correct_answer is not None)
        html = "<br>".join(
            f'<span style="color:{GREEN if hit else ORANGE}">{"✓" if hit else "✗"} {_escape(text)}</span>'
            for hit, text in points
        )
        _show(panel.points_label, html)
        feedback = [f for f in dict.fromkeys(marks.feedback) if f and f.strip()]
        _show(panel.feedback_label, "\n".join(f"• {f}" for f in feedback))
        _show(
            panel.review_label,
            _t("培训师点评：{comment}").format(comment=marks.review_comment) if marks.review_comment else "",
        )
        _show(
            panel.explanation_label,
            _t("解析：{text}").format(text=marks.explanation) if marks.explanation else "",
        )
        panel.setVisible(True)

    def _mark_choices(self, response: Any, marks: ResultMarks) -> str | None:
        view = self.question
        right = correct_choices(view, marks.correct_answer)
        chosen = {j for j, b in enumerate(self.ui.option_buttons) if b.isChecked()}
        single_known = view.type is QuestionType.SINGLE and marks.correct is not None
        for j, mark in enumerate(self.ui.option_marks):
            if right is not None:
                is_right = j in right
            elif single_known and j in chosen:
                is_right = bool(marks.correct)
            else:
                mark.clear_mark()
                continue
            if j in chosen:
                mark.set_mark("✓" if is_right else _t("✗ 错选"), GREEN if is_right else RED)
            elif is_right:
                mark.set_mark(_t("✓ 正确答案") if view.type is QuestionType.SINGLE else _t("✓ 漏选"), GREEN)
            else:
                mark.clear_mark()
        if right is None:
            return marks.correct_answer
        # Letters as the person saw them, not the bank's original order.
        return "；".join(f"{letter(j)}. {view.options[j]}" for j in right)

    def _mark_truefalse(self, response: Any, marks: ResultMarks) -> None:
        answer = marks.correct_answer
        truth: bool | None = None
        if answer in ("对", "错"):
            truth = answer == "对"
        elif isinstance(response, bool) and marks.correct is not None:
            truth = response if marks.correct else not response
        for value, mark in zip((True, False), self.ui.option_marks, strict=True):
            if truth is None:
                mark.clear_mark()
            elif response is value:
                mark.set_mark("✓" if value == truth else "✗", GREEN if value == truth else RED)
            elif value == truth and marks.correct_answer is not None:
                mark.set_mark(_t("✓ 正确答案"), GREEN)
            else:
                mark.clear_mark()

    def _mark_matching(self, response: Any, marks: ResultMarks) -> None:
        if marks.correct_answer is None or not isinstance(response, list):
            return
        view = self.question
        for i, mark in enumerate(self.ui.option_marks):
            chosen = response[i] if i < len(response) else None
            if chosen == i:
                mark.set_mark("✓", GREEN)
            elif i in view.right_order:
                expected = view.rights[view.right_order.index(i)]
                mark.set_mark(_t("✗ 应为：{right}").format(right=expected), RED)

    # --- internals --------------------------------------------------------------------------------

    def _editors(self) -> list[QObject]:
        ui = self.ui
        out: list[QObject] = [*ui.option_buttons, *ui.blank_edits, *ui.match_combos]
        out += [w for w in (ui.true_button, ui.false_button, ui.number_edit, ui.text_edit) if w is not None]
        return out

    def _wire(self) -> None:
        ui = self.ui
        buttons: list[ChoiceButton] = [*ui.option_buttons]
        buttons += [b for b in (ui.true_button, ui.false_button) if b is not None]
        for button in buttons:
            button.toggled.connect(self._choice_toggled)
            button.installEventFilter(self)  # read-only: swallow clicks and keys
        for c in ui.match_combos:
            c.currentIndexChanged.connect(lambda _i: self._emit_if_changed())
            c.installEventFilter(self)
        texts: list[QLineEdit | QPlainTextEdit] = [*ui.blank_edits]
        texts += [w for w in (ui.number_edit, ui.text_edit) if w is not None]
        for w in texts:
            w.textChanged.connect(self._text_changed)
            w.installEventFilter(self)

    def _choice_toggled(self, checked: bool) -> None:
        # A radio switching emits toggled(False) for the old one, then toggled(True): act once.
        if checked or self.question.type is QuestionType.MULTIPLE:
            self._emit_if_changed()

    def _text_changed(self, *_args: Any) -> None:
        if not self._read_only:
            self._debounce.start()

    def _emit_if_changed(self) -> None:
        if self._read_only:
            return
        current = self.response()
        if current != self._last_emitted:
            self._last_emitted = current
            self.responseChanged.emit(current)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind == QEvent.Type.FocusOut and self._debounce.isActive():
            self.flush()
        elif isinstance(watched, QCheckBox | QRadioButton | QComboBox):
            if self._read_only and kind in _INPUT_EVENTS:
                return True
            # A wheel turning over an unfocused list box while scrolling the page must not
            # change the answer.
            if kind == QEvent.Type.Wheel and isinstance(watched, QComboBox) and not watched.hasFocus():
                event.ignore()
                return True
        return super().eventFilter(watched, event)

    def _fill(self, response: Any) -> None:
        v, ui = self.question, self.ui
        t = v.type
        if t in (QuestionType.SINGLE, QuestionType.MULTIPLE):
            wanted = _ints([response] if t is QuestionType.SINGLE else response)
            _clear_buttons(ui.option_buttons)
            for j, b in enumerate(ui.option_buttons):
                if v.option_order[j] in wanted:
                    b.setChecked(True)
        elif t is QuestionType.TRUEFALSE:
            assert ui.true_button is not None and ui.false_button is not None
            _clear_buttons([ui.true_button, ui.false_button])
            if isinstance(response, bool):
                (ui.true_button if response else ui.false_button).setChecked(True)
        elif t is QuestionType.FILL:
            values = response if isinstance(response, list | tuple) else []
            for i, e in enumerate(ui.blank_edits):
                e.setText(str(values[i]) if i < len(values) and values[i] is not None else "")
        elif t is QuestionType.NUMERIC:
            assert ui.number_edit is not None
            text = (
                f"{response:g}"
                if isinstance(response, float)
                else ("" if response is None else str(response))
            )
            ui.number_edit.setText(text)
        elif t in TEXT_TYPES:
            assert ui.text_edit is not None
            ui.text_edit.setPlainText("" if response is None else str(response))
        elif t is QuestionType.MATCHING:
            values = response if isinstance(response, list | tuple) else []
            for i, c in enumerate(ui.match_combos):
                chosen = values[i] if i < len(values) else None
                ok = isinstance(chosen, int) and not isinstance(chosen, bool) and chosen in v.right_order
                c.setCurrentIndex(v.right_order.index(chosen) + 1 if ok else 0)


def _ints(values: Any) -> set[int]:
    if not isinstance(values, Iterable) or isinstance(values, str):
        return set()
    return {x for x in values if isinstance(x, int) and not isinstance(x, bool)}


def _clear_buttons(buttons: Sequence[ChoiceButton]) -> None:
    # An exclusive radio cannot be unchecked directly; lift exclusivity for the moment.
    for b in buttons:
        exclusive = b.autoExclusive()
        b.setAutoExclusive(False)
        b.setChecked(False)
        b.setAutoExclusive(exclusive)


def _answer_line(qtype: QuestionType, answer: str | None) -> str:
    if not answer:
        return ""
    if qtype in TEXT_TYPES:
        if answer.startswith("要点："):
            return _t("参考要点：{points}").format(points=answer.removeprefix("要点："))
        return _t("参考答案：{answer}").format(answer=answer)
    return _t("正确答案：{answer}").format(answer=answer)


def _show(label: QLabel, text: str) -> None:
    label.setText(text)
    label.setVisible(bool(text))


def _escape(text: str) -> str:
    return html.escape(text)


__all__ = [
    "DEBOUNCE_MS",
    "QuestionWidget",
    "ResultMarks",
    "correct_choices",
    "is_answered",
    "key_point_lines",
]
