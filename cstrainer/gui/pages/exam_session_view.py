"""Layout of the exam in progress: top bar (title, clock, progress, save status, hand in), the
question navigator on the left, the current question in the middle, 上一题/下一题 and 标记 below."""

from __future__ import annotations

from cstrainer.gui.qt import (
    QCheckBox,
    QFont,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    Qt,
    QVBoxLayout,
    QWidget,
)
from cstrainer.gui.style import GREY, RED

NAV_COLUMNS = 5

# Navigator buttons: filled = answered, orange frame = flagged, thick dark frame = current.
_NAV_BASE = (
    "QPushButton { min-width: 34px; max-width: 34px; min-height: 30px; max-height: 30px; border-radius: 4px;"
)


def nav_style(answered: bool, flagged: bool, current: bool) -> str:
    background = "#1976d2" if answered else "#ffffff"
    colour = "#ffffff" if answered else "#202124"
    if flagged:
        border = f"{3 if current else 2}px solid #ef6c00"
    elif current:
        border = "3px solid #202124"
    else:
        border = "1px solid #9aa0a6" if not answered else "1px solid #1976d2"
    weight = "bold" if current else "normal"
    return (
        f"{_NAV_BASE} background: {background}; color: {colour}; border: {border}; font-weight: {weight}; }}"
    )


class OfflineBanner(QFrame):
    """ "The server cannot be reached" above an exam or a chat: what happens, and 立即重试."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("offlineBanner")
        self.setStyleSheet(
            "QFrame#offlineBanner { background: #fff3cd; border: 1px solid #f0c36d; border-radius: 4px; }"
            " QFrame#offlineBanner QLabel { color: #8a4b00; background: transparent; border: none; }"
        )
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 6, 6)
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        layout.addWidget(self.label, 1)
        self.retry_button = QPushButton(self.tr("立即重试"))
        layout.addWidget(self.retry_button)
        self.setVisible(False)

    def show_text(self, text: str) -> None:
        if self.label.text() != text:  # every second while offline: touch the label only on change
            self.label.setText(text)
        if not self.isVisible():
            self.setVisible(True)


class ExamSessionView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(8)

        # --- top bar ------------------------------------------------------------------------------
        bar = QFrame()
        bar.setObjectName("examBar")
        bar.setStyleSheet(
            "QFrame#examBar { background: #f8f9fa; border: 1px solid #dadce0; border-radius: 6px; }"
            " QFrame#examBar QLabel { background: transparent; border: none; }"
        )
        top = QHBoxLayout(bar)
        top.setContentsMargins(12, 8, 12, 8)
        top.setSpacing(18)
        self.title_label = QLabel()
        title_font = QFont(self.title_label.font())
        title_font.setBold(True)
        title_font.setPointSizeF(title_font.pointSizeF() * 1.1)
        self.title_label.setFont(title_font)
        self.title_label.setWordWrap(True)
        self.title_label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        top.addWidget(self.title_label, 1)

        self.time_label = QLabel()
        time_font = QFont(self.time_label.font())
        time_font.setBold(True)
        time_font.setPointSizeF(time_font.pointSizeF() * 1.5)
        time_font.setStyleHint(QFont.StyleHint.Monospace)
        self.time_label.setFont(time_font)
        self.time_label.setToolTip(self.tr("剩余时间"))
        top.addWidget(self.time_label)
        self.answered_label = QLabel()
        top.addWidget(self.answered_label)
        self.focus_label = QLabel()
        self.focus_label.setVisible(False)
        top.addWidget(self.focus_label)
        self.save_label = QLabel()
        self.save_label.setStyleSheet(f"color: {GREY};")
        self.save_label.setMinimumWidth(150)
        top.addWidget(self.save_label)
        self.submit_button = QPushButton(self.tr("交卷"))
        self.submit_button.setStyleSheet(
            "QPushButton { background: #1a73e8; color: white; border: none; border-radius: 4px;"
            " padding: 6px 22px; font-weight: bold; }"
            " QPushButton:disabled { background: #9aa0a6; }"
        )
        top.addWidget(self.submit_button)
        outer.addWidget(bar)

        # A warning line under the bar (focus left the window, saving failed, time nearly up).
        self.notice_label = QLabel()
        self.notice_label.setWordWrap(True)
        self.notice_label.setStyleSheet(
            f"color: {RED}; background: #fdecea; border: 1px solid #f5c2c0; border-radius: 4px; padding: 6px;"
        )
        self.notice_label.setVisible(False)
        outer.addWidget(self.notice_label)
        # The server cannot be reached: answers wait on this PC (see ExamSession).
        self.offline_banner = OfflineBanner()
        outer.addWidget(self.offline_banner)

        body = QHBoxLayout()
        body.setSpacing(12)

        # --- navigator ----------------------------------------------------------------------------
        nav_box = QVBoxLayout()
        nav_title = QLabel(self.tr("答题卡"))
        nav_title.setFont(title_font)
        nav_box.addWidget(nav_title)
        self.nav_area = QScrollArea()
        self.nav_area.setWidgetResizable(True)
        self.nav_area.setFrameShape(QFrame.Shape.NoFrame)
        self.nav_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        nav_inner = QWidget()
        self.nav_grid = QGridLayout(nav_inner)
        self.nav_grid.setContentsMargins(2, 2, 2, 2)
        self.nav_grid.setSpacing(6)
        self.nav_grid.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.nav_area.setWidget(nav_inner)
        self.nav_area.setFixedWidth(NAV_COLUMNS * 40 + 24)
        nav_box.addWidget(self.nav_area, 1)
        legend = QLabel(self.tr("蓝色：已答　白色：未答\n橙色框：已标记　黑色粗框：当前题"))
        legend.setStyleSheet(f"color: {GREY};")
        nav_box.addWidget(legend)
        body.addLayout(nav_box)
        self.nav_buttons: list[QPushButton] = []

        # --- the question -------------------------------------------------------------------------
        centre = QVBoxLayout()
        self.question_area = QScrollArea()
        self.question_area.setWidgetResizable(True)
        self.question_area.setFrameShape(QFrame.Shape.StyledPanel)
        self.question_holder = QWidget()
        self.question_layout = QVBoxLayout(self.question_holder)
        self.question_layout.setContentsMargins(16, 14, 16, 14)
        self.question_area.setWidget(self.question_holder)
        centre.addWidget(self.question_area, 1)

        buttons = QHBoxLayout()
        self.prev_button = QPushButton(self.tr("上一题"))
        self.next_button = QPushButton(self.tr("下一题"))
        self.flag_box = QCheckBox(self.tr("标记此题（稍后检查）"))
        buttons.addWidget(self.prev_button)
        buttons.addWidget(self.next_button)
        buttons.addSpacing(24)
        buttons.addWidget(self.flag_box)
        buttons.addStretch(1)
        self.position_label = QLabel()
        self.position_label.setStyleSheet(f"color: {GREY};")
        buttons.addWidget(self.position_label)
        centre.addLayout(buttons)
        body.addLayout(centre, 1)
        outer.addLayout(body, 1)

    def build_navigator(self, count: int) -> list[QPushButton]:
        for i in range(count):
            button = QPushButton(str(i + 1))
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            self.nav_grid.addWidget(button, i // NAV_COLUMNS, i % NAV_COLUMNS)
            self.nav_buttons.append(button)
        return self.nav_buttons
