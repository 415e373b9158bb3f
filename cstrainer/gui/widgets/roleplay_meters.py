"""Small meters for the role-play chat: mood and patience bars, and the per-reply countdown.

Colours follow traffic lights: green while things go well, orange when they get tight, red when
the customer is about to blow up (mood), leave (patience) or the reply is overdue (countdown).
"""

from __future__ import annotations

from cstrainer.gui.qt import QHBoxLayout, QLabel, QProgressBar, QSizePolicy, QWidget
from cstrainer.gui.style import GREEN, ORANGE, RED


def level_colour(value: float, *, low: float = 30, high: float = 60) -> str:
    """Red below ``low``, orange below ``high``, green above."""
    if value < low:
        return RED
    return ORANGE if value < high else GREEN


def countdown_colour(elapsed: float, target: float) -> str:
    """Green for the first 60 % of the target, orange until it, red after."""
    if target <= 0 or elapsed > target:
        return RED
    return GREEN if elapsed <= 0.6 * target else ORANGE


def _bar_style(colour: str) -> str:
    return (
        "QProgressBar { border: 1px solid #dadce0; border-radius: 4px; background: #ffffff;"
        " text-align: center; font-size: 11px; }"
        f" QProgressBar::chunk {{ background: {colour}; border-radius: 3px; }}"
    )


class LevelMeter(QWidget):
    """A caption and a 0-100 bar whose colour follows the value."""

    def __init__(self, caption: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(6)
        self.caption = QLabel(caption)
        self.caption.setStyleSheet("color: #5f6368;")
        lay.addWidget(self.caption)
        self.bar = QProgressBar()
        self.bar.setRange(0, 100)
        self.bar.setFixedHeight(16)
        self.bar.setMinimumWidth(110)
        self.bar.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        lay.addWidget(self.bar, 1)
        self.colour = ""
        self.set_value(100)

    def set_value(self, value: float) -> None:
        v = max(0, min(100, round(value)))
        self.bar.setValue(v)
        self.bar.setFormat(f"{v}")
        colour = level_colour(v)
        if colour != self.colour:
            self.colour = colour
            self.bar.setStyleSheet(_bar_style(colour))

    def value(self) -> int:
        return self.bar.value()


class ReplyCountdown(QWidget):
    """Seconds left against the reply-time target; counts into overtime in red."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(6)
        self.caption = QLabel(self.tr("回复计时"))
        self.caption.setStyleSheet("color: #5f6368;")
        lay.addWidget(self.caption)
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.bar.setFixedHeight(16)
        self.bar.setMinimumWidth(120)
        self.bar.setTextVisible(False)
        lay.addWidget(self.bar, 1)
        self.label = QLabel()
        self.label.setMinimumWidth(72)
        lay.addWidget(self.label)
        self.target = 20.0
        self.colour = ""
        self.idle()

    def idle(self, text: str | None = None) -> None:
        """No reply is due (the customer is typing, or the session ended)."""
        self.bar.setValue(0)
        self.label.setText(text if text is not None else self.tr("等待顾客"))
        self.label.setStyleSheet("color: #5f6368;")
        self._set_colour("#dadce0")

    def show_elapsed(self, elapsed: float, target: float) -> None:
        self.target = target
        left = target - elapsed
        fraction = max(0.0, min(1.0, left / target)) if target > 0 else 0.0
        self.bar.setValue(round(fraction * 1000) if left > 0 else 1000)
        colour = countdown_colour(elapsed, target)
        self._set_colour(colour)
        if left >= 0:
            self.label.setText(self.tr("剩 {s} 秒").format(s=int(left + 0.999)))
        else:
            self.label.setText(self.tr("超时 {s} 秒").format(s=int(-left)))
        self.label.setStyleSheet(f"color: {colour}; font-weight: bold;")

    def _set_colour(self, colour: str) -> None:
        if colour != self.colour:
            self.colour = colour
            self.bar.setStyleSheet(_bar_style(colour))
