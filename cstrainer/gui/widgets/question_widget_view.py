"""Layout of one question: header, stem, the answer editors for its type, and the result panel.

:class:`QuestionWidgetView` only builds widgets and exposes them by type (``option_buttons``,
``blank_edits``, ``text_edit``, ``match_combos`` ...); :class:`~cstrainer.gui.widgets.question_widget.
QuestionWidget` wires them, turns them into a response and back, and fills the result panel.

Choice options are a button plus a word-wrapped label (a QRadioButton's own text never wraps,
and long Chinese options would push the page sideways); clicking the label clicks the button.
All radio buttons of one question sit in the same parent widget, so Qt keeps them exclusive.
"""

from __future__ import annotations

import html
from typing import Any

from cstrainer.domain.questions import BLANK_RE, QuestionType, QuestionView
from cstrainer.gui.qt import (
    QCheckBox,
    QComboBox,
    QFont,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QRadioButton,
    QSizePolicy,
    Qt,
    QVBoxLayout,
    QWidget,
)
from cstrainer.gui.style import BLUE, GREY

LETTERS = "ABCDEFGH"
ORANGE = "#e65100"

ChoiceButton = QCheckBox | QRadioButton  # multiple choice | single choice and true/false

# Heights of the free-text boxes, in lines of text.
TEXT_LINES = {QuestionType.SHORT: 4, QuestionType.REPLY: 5, QuestionType.ESSAY: 10}


def letter(index: int) -> str:
    return LETTERS[index] if index < len(LETTERS) else str(index + 1)


def blank_marker(number: int) -> str:
    # Full-width low lines: not markdown syntax, and they read as a blank in Chinese text.
    return f"＿＿（{number}）＿＿"


def stem_text(view: QuestionView) -> str:
    """The stem with fill-in blanks numbered, so the edits below can say which is which."""
    if view.type is not QuestionType.FILL:
        return view.stem
    counter = iter(range(1, 1000))
    return BLANK_RE.sub(lambda _m: blank_marker(next(counter)), view.stem)


def text_format(stem_format: str) -> Qt.TextFormat:
    if stem_format == "markdown":
        return Qt.TextFormat.MarkdownText
    if stem_format in ("html", "moodle"):
        return Qt.TextFormat.RichText
    return Qt.TextFormat.PlainText  # shown as typed: "<" and "*" are not markup here


def wrapped_label(text: str = "", parent: QWidget | None = None, *, style: str = "") -> QLabel:
    label = QLabel(text, parent)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    if style:
        label.setStyleSheet(style)
    return label


class Markable(QLabel):
    """Something that can carry a right/wrong mark once graded (``mark_text`` "" until then)."""

    mark_text = ""

    def set_mark(self, text: str, colour: str) -> None:
        raise NotImplementedError

    def clear_mark(self) -> None:
        raise NotImplementedError


class MarkLabel(Markable):
    """A mark of its own beside a true/false button, a blank or a matching row; hidden until set."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setVisible(False)

    def set_mark(self, text: str, colour: str) -> None:
        self.mark_text = text
        self.setText(text)
        self.setStyleSheet(f"color: {colour}; font-weight: bold;")
        self.setVisible(True)

    def clear_mark(self) -> None:
        self.mark_text = ""
        self.setVisible(False)


class OptionLabel(Markable):
    """The wrapped text of a choice; a click on it clicks its button (as a radio's own text would).

    Its mark is written at the end of the text itself, so it sits right after the option however
    the text wraps (a separate column would put it at the far edge of a wide window).
    """

    def __init__(self, text: str, button: ChoiceButton, parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.plain = text
        self.button = button
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.PlainText)
        # Top-aligned, so the first line sits level with the button's letter however tall the
        # row becomes (a wrapped label may be given more height than it needs).
        self.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)

    def set_mark(self, text: str, colour: str) -> None:
        self.mark_text = text
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setText(
            f"{html.escape(self.plain)}&nbsp;&nbsp;"
            f'<span style="color:{colour}; font-weight:bold;">{html.escape(text)}</span>'
        )

    def clear_mark(self) -> None:
        self.mark_text = ""
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setText(self.plain)

    def mouseReleaseEvent(self, event: Any) -> None:  # QMouseEvent (not exported by gui.qt)
        if (
            event.button() == Qt.MouseButton.LeftButton
            and self.button.isEnabled()
            and not self.button.testAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
            and self.rect().contains(event.position().toPoint())
        ):
            self.button.click()
        super().mouseReleaseEvent(event)


class ChatBubble(QFrame):
    """The customer's message in a reply question, drawn like a chat message."""

    def __init__(self, message: QLabel, who: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("customerBubble")
        self.setStyleSheet(
            "QFrame#customerBubble { background: #f1f3f4; border: 1px solid #dadce0; border-radius: 10px; }"
        )
        row = QHBoxLayout(self)
        row.setContentsMargins(10, 8, 12, 8)
        row.setSpacing(10)
        avatar = QLabel(who)
        avatar.setFixedSize(40, 40)
        avatar.setAlignment(Qt.AlignmentFlag.AlignCenter)
        avatar.setStyleSheet("background: #ffb74d; color: white; border-radius: 20px; font-weight: bold;")
        row.addWidget(avatar, 0, Qt.AlignmentFlag.AlignTop)
        message.setStyleSheet("background: transparent; border: none;")
        row.addWidget(message, 1)


class ResultPanel(QFrame):
    """Below the answer once graded: verdict, score, correct answer, explanation, feedback."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("resultPanel")
        self.setStyleSheet(
            "QFrame#resultPanel { background: #fafafa; border: 1px solid #e0e0e0; border-radius: 6px; }"
            " QFrame#resultPanel QLabel { background: transparent; border: none; }"
        )
        lay = QVBoxLayout(self)
        lay.setContentsMargins(12, 8, 12, 8)
        lay.setSpacing(4)
        top = QHBoxLayout()
        self.verdict_label = QLabel()
        verdict_font = QFont(self.verdict_label.font())
        verdict_font.setBold(True)
        self.verdict_label.setFont(verdict_font)
        top.addWidget(self.verdict_label)
        self.score_label = QLabel()
        top.addWidget(self.score_label)
        top.addStretch(1)
        lay.addLayout(top)
        self.answer_label = wrapped_label()
        self.explanation_label = wrapped_label(style=f"color: {GREY};")
        self.feedback_label = wrapped_label()
        self.points_label = wrapped_label()
        self.points_label.setTextFormat(Qt.TextFormat.RichText)
        self.review_label = wrapped_label(style=f"color: {BLUE};")
        for label in (
            self.answer_label,
            self.points_label,
            self.feedback_label,
            self.review_label,
            self.explanation_label,
        ):
            label.setVisible(False)
            lay.addWidget(label)
        self.setVisible(False)


class QuestionWidgetView(QWidget):
    def __init__(self, view: QuestionView, number: int | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(10)

        self.option_buttons: list[ChoiceButton] = []
        self.option_labels: list[OptionLabel] = []
        # Right/wrong marks: per option (the option text), true/false button, blank or matching row.
        self.option_marks: list[Markable] = []
        self.true_button: QRadioButton | None = None
        self.false_button: QRadioButton | None = None
        self.blank_edits: list[QLineEdit] = []
        self.number_edit: QLineEdit | None = None
        self.text_edit: QPlainTextEdit | None = None
        self.match_combos: list[QComboBox] = []

        # --- header: "第 3 题  单选题 · 2 分" -----------------------------------------------------
        header = QHBoxLayout()
        if number is not None:
            self.number_label = QLabel(self.tr("第 {n} 题").format(n=number))
            number_font = QFont(self.number_label.font())
            number_font.setBold(True)
            number_font.setPointSizeF(number_font.pointSizeF() * 1.1)
            self.number_label.setFont(number_font)
            header.addWidget(self.number_label)
        kind = view.type.label
        if view.type is not QuestionType.DESCRIPTION:
            kind += self.tr(" · {points} 分").format(points=f"{view.points:g}")
        self.kind_label = QLabel(kind)
        self.kind_label.setStyleSheet(f"color: {GREY};")
        header.addWidget(self.kind_label)
        header.addStretch(1)
        outer.addLayout(header)

        # --- stem ---------------------------------------------------------------------------------
        self.stem_label = QLabel()
        self.stem_label.setWordWrap(True)
        self.stem_label.setTextFormat(text_format(view.stem_format))
        self.stem_label.setText(stem_text(view))
        self.stem_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.stem_label.setOpenExternalLinks(False)
        stem_font = QFont(self.stem_label.font())
        stem_font.setPointSizeF(stem_font.pointSizeF() * 1.12)
        self.stem_label.setFont(stem_font)
        if view.type is QuestionType.REPLY:
            intro = QLabel(self.tr("顾客发来消息："))
            intro.setStyleSheet(f"color: {GREY};")
            outer.addWidget(intro)
            self.bubble = ChatBubble(self.stem_label, self.tr("顾客"))
            bubble_row = QHBoxLayout()
            bubble_row.addWidget(self.bubble, 5)
            bubble_row.addStretch(1)  # a chat message does not span the whole width
            outer.addLayout(bubble_row)
        else:
            outer.addWidget(self.stem_label)

        # --- answer editors -----------------------------------------------------------------------
        self.answer_area = QWidget()
        area = QVBoxLayout(self.answer_area)
        area.setContentsMargins(0, 4, 0, 0)
        area.setSpacing(6)
        build = {
            QuestionType.SINGLE: self._build_choices,
            QuestionType.MULTIPLE: self._build_choices,
            QuestionType.TRUEFALSE: self._build_truefalse,
            QuestionType.FILL: self._build_fill,
            QuestionType.NUMERIC: self._build_numeric,
            QuestionType.SHORT: self._build_text,
            QuestionType.ESSAY: self._build_text,
            QuestionType.REPLY: self._build_text,
            QuestionType.MATCHING: self._build_matching,
        }.get(view.type)
        if build is not None:
            build(view, area)
            outer.addWidget(self.answer_area)

        self.result_panel = ResultPanel()
        outer.addWidget(self.result_panel)
        outer.addStretch(1)

    # --- per type ---------------------------------------------------------------------------------

    def _build_choices(self, view: QuestionView, area: QVBoxLayout) -> None:
        if view.type is QuestionType.MULTIPLE:
            hint = QLabel(self.tr("（多选）选出所有正确的选项"))
            hint.setStyleSheet(f"color: {BLUE};")
            area.addWidget(hint)
        box = QWidget()  # one parent for every radio button: Qt keeps them exclusive
        grid = QGridLayout(box)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(8)
        for row, text in enumerate(view.options):
            shown = f"{letter(row)}."
            button: ChoiceButton = (
                QCheckBox(shown, box) if view.type is QuestionType.MULTIPLE else QRadioButton(shown, box)
            )
            button.setAccessibleName(f"{shown} {text}")
            label = OptionLabel(text, button, box)
            # Line the label's first line up with the button's letter (centred in the button).
            pad = max(0, (button.sizeHint().height() - label.fontMetrics().height()) // 2)
            label.setContentsMargins(0, pad, 0, 0)
            grid.addWidget(button, row, 0, Qt.AlignmentFlag.AlignTop)
            grid.addWidget(label, row, 1, Qt.AlignmentFlag.AlignTop)
            self.option_buttons.append(button)
            self.option_labels.append(label)
            self.option_marks.append(label)
        grid.setColumnStretch(1, 1)
        area.addWidget(box)

    def _build_truefalse(self, view: QuestionView, area: QVBoxLayout) -> None:
        box = QWidget()
        row = QHBoxLayout(box)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(32)
        self.true_button = QRadioButton(self.tr("对"), box)
        self.false_button = QRadioButton(self.tr("错"), box)
        for button in (self.true_button, self.false_button):
            row.addWidget(button)
            mark = MarkLabel(box)
            row.addWidget(mark)
            self.option_marks.append(mark)
        row.addStretch(1)
        area.addWidget(box)

    def _build_fill(self, view: QuestionView, area: QVBoxLayout) -> None:
        grid = QGridLayout()
        grid.setHorizontalSpacing(8)
        for i in range(view.blank_count):
            label = QLabel(self.tr("第 {n} 空").format(n=i + 1) if view.blank_count > 1 else self.tr("答案"))
            edit = QLineEdit()
            edit.setPlaceholderText(self.tr("填写第 {n} 空").format(n=i + 1))
            edit.setMinimumWidth(240)
            edit.setMaximumWidth(420)
            mark = MarkLabel()
            grid.addWidget(label, i, 0)
            grid.addWidget(edit, i, 1)
            grid.addWidget(mark, i, 2)
            self.blank_edits.append(edit)
            self.option_marks.append(mark)
        grid.setColumnStretch(3, 1)
        area.addLayout(grid)

    def _build_numeric(self, view: QuestionView, area: QVBoxLayout) -> None:
        row = QHBoxLayout()
        row.addWidget(QLabel(self.tr("答案")))
        self.number_edit = QLineEdit()
        self.number_edit.setPlaceholderText(self.tr("填写数字"))
        self.number_edit.setMaximumWidth(240)
        row.addWidget(self.number_edit)
        row.addStretch(1)
        area.addLayout(row)

    def _build_text(self, view: QuestionView, area: QVBoxLayout) -> None:
        if view.type is QuestionType.REPLY:
            prompt = QLabel(self.tr("你的回复（以客服身份回复这位顾客）："))
            prompt.setStyleSheet(f"color: {GREY};")
            area.addWidget(prompt)
        self.text_edit = QPlainTextEdit()
        self.text_edit.setTabChangesFocus(True)
        placeholder = {
            QuestionType.REPLY: self.tr("输入你要发给顾客的回复…"),
            QuestionType.ESSAY: self.tr("在这里作答…"),
        }.get(view.type, self.tr("输入你的答案…"))
        self.text_edit.setPlaceholderText(placeholder)
        lines = TEXT_LINES.get(view.type, 4)
        height = self.text_edit.fontMetrics().lineSpacing() * lines + 16
        self.text_edit.setFixedHeight(height)
        area.addWidget(self.text_edit)

    def _build_matching(self, view: QuestionView, area: QVBoxLayout) -> None:
        grid = QGridLayout()
        grid.setHorizontalSpacing(10)
        grid.setVerticalSpacing(8)
        for i, left in enumerate(view.lefts):
            label = wrapped_label(left)
            label.setMinimumWidth(160)
            label.setMaximumWidth(360)
            arrow = QLabel("→")
            combo = QComboBox()
            combo.addItem(self.tr("请选择…"))
            for right in view.rights:
                combo.addItem(right)
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
            combo.setMinimumWidth(220)
            mark = MarkLabel()
            grid.addWidget(label, i, 0)
            grid.addWidget(arrow, i, 1)
            grid.addWidget(combo, i, 2)
            grid.addWidget(mark, i, 3)
            self.match_combos.append(combo)
            self.option_marks.append(mark)
        grid.setColumnStretch(4, 1)
        area.addLayout(grid)
