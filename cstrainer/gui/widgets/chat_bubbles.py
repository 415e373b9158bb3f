"""Chat widgets in the style of the Qianniu (千牛) workbench: avatars, message bubbles, the
customer's "typing..." indicator and the scrolling message list.

The widgets know nothing about role-play services: they show text, times and optional feedback
HTML. :func:`highlight_html` turns a text plus character spans into HTML with coloured marks (key
points hit, banned words), used under agent bubbles and on the scorecard.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass

from cstrainer.gui.qt import (
    QBrush,
    QColor,
    QFont,
    QFontMetrics,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPainter,
    QPaintEvent,
    QPen,
    QRectF,
    QScrollArea,
    QSize,
    QSizePolicy,
    QStyle,
    Qt,
    QTimer,
    QToolButton,
    QVBoxLayout,
    QWidget,
    Signal,
)

GREY = "#8a8f99"
CUSTOMER_BUBBLE = "#ffffff"
AGENT_BUBBLE = "#d6ecff"
CHAT_BACKGROUND = "#f2f3f5"
HIT_COLOUR = "#c8f2c8"
BANNED_COLOUR = "#ffc9c9"

#: Avatar colours by persona (the first character is drawn on it).
PERSONA_COLOURS: dict[str, str] = {
    "爽快型": "#43a047",
    "犹豫型": "#8e24aa",
    "逗比型": "#fb8c00",
    "深沉型": "#546e7a",
    "可爱型": "#ec407a",
    "急躁型": "#f4511e",
    "愤怒型": "#e53935",
    "砍价型": "#1e88e5",
}
AGENT_COLOUR = "#1677ff"


def persona_colour(persona: str) -> str:
    """The avatar colour of a persona (a stable fallback for unknown ones)."""
    if persona in PERSONA_COLOURS:
        return PERSONA_COLOURS[persona]
    palette = list(PERSONA_COLOURS.values())
    return palette[sum(map(ord, persona)) % len(palette)] if persona else "#78909c"


@dataclass(frozen=True)
class Mark:
    """A span of a text to highlight: ``[start, end)`` with a background colour and a tooltip."""

    start: int
    end: int
    colour: str
    title: str = ""
    strike: bool = False


def highlight_html(text: str, marks: Sequence[Mark]) -> str:
    """``text`` as HTML with ``marks`` as coloured spans (overlapping marks: the first one wins)."""
    out: list[str] = []
    pos = 0
    for m in sorted(marks, key=lambda m: (m.start, -(m.end - m.start))):
        start, end = max(m.start, pos), min(m.end, len(text))
        if start >= end:
            continue
        out.append(html.escape(text[pos:start]))
        style = f"background-color:{m.colour};"
        if m.strike:
            style += "text-decoration:underline;color:#b71c1c;"
        title = f' title="{html.escape(m.title)}"' if m.title else ""
        out.append(f'<span style="{style}"{title}>{html.escape(text[start:end])}</span>')
        pos = end
    out.append(html.escape(text[pos:]))
    return "".join(out).replace("\n", "<br>")


class Avatar(QWidget):
    """A coloured circle with one character (the persona's or the nickname's first one)."""

    def __init__(
        self, text: str = "", colour: str = "#78909c", size: int = 36, parent: QWidget | None = None
    ):
        super().__init__(parent)
        self._text = text[:1]
        self._colour = QColor(colour)
        self.setFixedSize(size, size)

    def set_avatar(self, text: str, colour: str) -> None:
        self._text = text[:1]
        self._colour = QColor(colour)
        self.update()

    @property
    def text(self) -> str:
        return self._text

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QBrush(self._colour))
        rect = QRectF(0.5, 0.5, self.width() - 1.0, self.height() - 1.0)
        painter.drawEllipse(rect)
        font = QFont(self.font())
        font.setBold(True)
        font.setPixelSize(max(10, int(self.height() * 0.46)))
        painter.setFont(font)
        painter.setPen(QPen(QColor("white")))
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, self._text)
        painter.end()


class ChatBubble(QWidget):
    """One message: avatar, time line and the bubble; agent messages on the right.

    Customer bubbles can carry a replay button (voice mode); agent bubbles a feedback label under
    the bubble (key points hit, banned words) that the chat shows or hides.
    """

    replay_requested = Signal(str)

    MAX_TEXT_WIDTH = 430

    def __init__(
        self,
        role: str,
        text: str,
        time_text: str = "",
        *,
        avatar_text: str = "",
        avatar_colour: str = AGENT_COLOUR,
        replay: bool = False,
        rich_text: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.role = role
        self.text = text
        outer = QHBoxLayout(self)
        outer.setContentsMargins(8, 4, 8, 4)
        outer.setSpacing(8)
        is_agent = role == "agent"

        self.avatar = Avatar(avatar_text, avatar_colour, 34)
        column = QVBoxLayout()
        column.setSpacing(2)
        self.time_label = QLabel(time_text)
        self.time_label.setStyleSheet(f"color: {GREY}; font-size: 11px;")
        align = Qt.AlignmentFlag.AlignRight if is_agent else Qt.AlignmentFlag.AlignLeft
        column.addWidget(self.time_label, 0, align)

        self.bubble = QLabel()
        self.bubble.setObjectName("chatBubble")
        self.bubble.setTextFormat(Qt.TextFormat.RichText)
        self.bubble.setText(rich_text if rich_text is not None else html.escape(text).replace("\n", "<br>"))
        self.bubble.setWordWrap(True)
        self.bubble.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        font = QFont(self.bubble.font())
        font.setPixelSize(14)
        self.bubble.setFont(font)
        # A word-wrapped QLabel guesses a narrow width; size the bubble to its longest line instead.
        metrics = QFontMetrics(font)
        natural = max((metrics.horizontalAdvance(line) for line in (text or " ").splitlines()), default=0)
        self.bubble.setFixedWidth(min(self.MAX_TEXT_WIDTH, natural + 2 * 10 + 2 + 4))
        self.bubble.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Minimum)
        background = AGENT_BUBBLE if is_agent else CUSTOMER_BUBBLE
        self.bubble.setStyleSheet(
            f"QLabel#chatBubble {{ background: {background}; border: 1px solid #e3e5e8;"
            " border-radius: 8px; padding: 8px 10px; }"
        )
        row = QHBoxLayout()
        row.setSpacing(4)
        self.replay_button: QToolButton | None = None
        if is_agent:
            row.addStretch(1)
            row.addWidget(self.bubble)
        else:
            row.addWidget(self.bubble)
            if replay:
                self.replay_button = QToolButton()
                self.replay_button.setText(self.tr("播放"))
                self.replay_button.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_MediaVolume))
                self.replay_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
                self.replay_button.setToolTip(self.tr("重新播放这句话"))
                self.replay_button.setAutoRaise(True)
                self.replay_button.clicked.connect(lambda: self.replay_requested.emit(self.text))
                row.addWidget(self.replay_button, 0, Qt.AlignmentFlag.AlignVCenter)
            row.addStretch(1)
        column.addLayout(row)

        self.feedback_label = QLabel()
        self.feedback_label.setObjectName("replyFeedback")
        self.feedback_label.setTextFormat(Qt.TextFormat.RichText)
        self.feedback_label.setWordWrap(True)
        small = QFont(self.feedback_label.font())
        small.setPixelSize(12)
        self.feedback_label.setFont(small)
        self.feedback_label.setStyleSheet(
            "QLabel#replyFeedback { background: #fffbe6; border: 1px solid #ffe58f; border-radius: 6px;"
            " padding: 4px 8px; color: #3c4043; }"
        )
        self.feedback_label.setVisible(False)
        column.addWidget(self.feedback_label, 0, align)
        self._has_feedback = False

        if is_agent:
            outer.addStretch(1)
            outer.addLayout(column, 0)
            outer.addWidget(self.avatar, 0, Qt.AlignmentFlag.AlignTop)
        else:
            outer.addWidget(self.avatar, 0, Qt.AlignmentFlag.AlignTop)
            outer.addLayout(column, 0)
            outer.addStretch(1)

    def set_bubble_html(self, rich_text: str) -> None:
        self.bubble.setText(rich_text)

    def set_feedback(self, rich_text: str, visible: bool) -> None:
        self.feedback_label.setText(rich_text)
        plain = html.unescape(re.sub(r"<[^>]+>", "", re.sub(r"<br\s*/?>", "\n", rich_text)))
        metrics = QFontMetrics(self.feedback_label.font())
        natural = max((metrics.horizontalAdvance(line) for line in plain.splitlines() or [""]), default=0)
        self.feedback_label.setFixedWidth(min(self.MAX_TEXT_WIDTH + 40, natural + 2 * 8 + 2 + 6))
        self._has_feedback = bool(rich_text)
        self.feedback_label.setVisible(visible and self._has_feedback)

    def show_feedback(self, visible: bool) -> None:
        self.feedback_label.setVisible(visible and self._has_feedback)

    @property
    def has_feedback(self) -> bool:
        return self._has_feedback


class TypingIndicator(QWidget):
    """ "对方正在输入…" with dots that move while it is visible."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(52, 2, 8, 2)
        self.label = QLabel()
        self.label.setStyleSheet(f"color: {GREY}; font-size: 12px;")
        lay.addWidget(self.label)
        lay.addStretch(1)
        self._dots = 0
        self._name = ""
        self._timer = QTimer(self)
        self._timer.setInterval(350)
        self._timer.timeout.connect(self._tick)
        self.setVisible(False)

    def start(self, name: str) -> None:
        self._name = name
        self._dots = 0
        self._render()
        self.setVisible(True)
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()
        self.setVisible(False)

    @property
    def active(self) -> bool:
        return self._timer.isActive()

    def _tick(self) -> None:
        self._dots = (self._dots + 1) % 4
        self._render()

    def _render(self) -> None:
        self.label.setText(self.tr("{name} 正在输入").format(name=self._name) + "." * self._dots)


class ChatTranscript(QScrollArea):
    """The scrolling list of bubbles, with the typing indicator at the bottom."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        inner = QWidget()
        inner.setObjectName("chatInner")
        inner.setStyleSheet(f"QWidget#chatInner {{ background: {CHAT_BACKGROUND}; }}")
        self._layout = QVBoxLayout(inner)
        self._layout.setContentsMargins(4, 8, 4, 8)
        self._layout.setSpacing(2)
        self._layout.addStretch(1)
        self.typing = TypingIndicator()
        self._layout.addWidget(self.typing)
        self.setWidget(inner)
        self.bubbles: list[ChatBubble] = []
        self.verticalScrollBar().rangeChanged.connect(self._follow)
        self._stick = True

    def sizeHint(self) -> QSize:
        return QSize(520, 420)

    def _follow(self, _min: int, maximum: int) -> None:
        if self._stick:
            self.verticalScrollBar().setValue(maximum)

    def add_bubble(self, bubble: ChatBubble) -> ChatBubble:
        self._layout.insertWidget(self._layout.count() - 1, bubble)
        self.bubbles.append(bubble)
        self._stick = True
        return bubble

    def add_note(self, text: str, colour: str = GREY) -> QLabel:
        """A centred system line (the customer left, the session ended ...)."""
        label = QLabel(text)
        label.setObjectName("chatNote")
        label.setWordWrap(True)
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        label.setStyleSheet(f"QLabel#chatNote {{ color: {colour}; font-size: 12px; padding: 6px; }}")
        self._layout.insertWidget(self._layout.count() - 1, label)
        return label

    def clear(self) -> None:
        while self._layout.count() > 2:
            item = self._layout.takeAt(1)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.bubbles.clear()
