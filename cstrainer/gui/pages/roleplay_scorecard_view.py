"""Layout of a role-play scorecard: score and outcome, response-time facts, a bar per dimension,
every reply with its highlights and flags, and the missed points with a better wording."""

from __future__ import annotations

from cstrainer.gui.qt import (
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    Qt,
    QVBoxLayout,
    QWidget,
)
from cstrainer.gui.style import GREEN, GREY, ORANGE, RED, bold


def score_colour(score: float) -> str:
    return GREEN if score >= 80 else (ORANGE if score >= 60 else RED)


def rich_label(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.RichText)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class ScorecardView(QWidget):
    def __init__(self, parent: QWidget | None = None, *, buttons: bool = True) -> None:
        super().__init__(parent)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)

        top = QHBoxLayout()
        self.back_button = QPushButton(self.tr("← 返回场景列表"))
        top.addWidget(self.back_button)
        top.addStretch(1)
        self.again_button = QPushButton(self.tr("再练一次"))
        top.addWidget(self.again_button)
        if buttons:
            outer.addLayout(top)
        else:
            self.back_button.setVisible(False)
            self.again_button.setVisible(False)

        self.scroll_area = QScrollArea()
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        inner = QWidget()
        self.body = QVBoxLayout(inner)
        self.body.setContentsMargins(0, 0, 8, 0)
        self.body.setSpacing(12)
        self.scroll_area.setWidget(inner)
        outer.addWidget(self.scroll_area, 1)

        summary = QFrame()
        summary.setObjectName("cardSummary")
        summary.setStyleSheet(
            "QFrame#cardSummary { background: #f8f9fa; border: 1px solid #dadce0; border-radius: 8px; }"
            " QFrame#cardSummary QLabel { background: transparent; border: none; }"
        )
        row = QHBoxLayout(summary)
        row.setContentsMargins(18, 14, 18, 14)
        row.setSpacing(28)
        left = QVBoxLayout()
        self.title_label = bold(QLabel(), 1.15)
        self.title_label.setWordWrap(True)
        left.addWidget(self.title_label)
        score_row = QHBoxLayout()
        self.score_label = bold(QLabel(), 2.4)
        score_row.addWidget(self.score_label)
        self.outcome_label = bold(QLabel(), 1.4)
        score_row.addWidget(self.outcome_label)
        score_row.addStretch(1)
        left.addLayout(score_row)
        self.success_label = QLabel()
        self.success_label.setWordWrap(True)
        left.addWidget(self.success_label)
        left.addStretch(1)
        row.addLayout(left, 3)

        facts = QGridLayout()
        facts.setHorizontalSpacing(12)
        facts.setVerticalSpacing(6)
        self.facts: dict[str, QLabel] = {}
        for i, (key, name) in enumerate(
            [
                ("ratio", self.tr("答问比")),
                ("avg", self.tr("平均响应")),
                ("slowest", self.tr("最慢响应")),
                ("within", self.tr("按时回复")),
            ]
        ):
            name_label = QLabel(name + self.tr("："))
            name_label.setStyleSheet(f"color: {GREY};")
            value = QLabel()
            facts.addWidget(name_label, i, 0, Qt.AlignmentFlag.AlignRight)
            facts.addWidget(value, i, 1)
            self.facts[key] = value
        facts.setRowStretch(len(self.facts), 1)
        row.addLayout(facts, 2)
        self.body.addWidget(summary)

        self.dimensions_box = QGroupBox(self.tr("各维度得分"))
        self.dimensions_grid = QGridLayout(self.dimensions_box)
        self.dimensions_grid.setHorizontalSpacing(14)
        self.dimensions_grid.setColumnStretch(1, 1)
        self.dimension_bars: dict[str, QProgressBar] = {}
        self.body.addWidget(self.dimensions_box)

        self.replies_title = bold(QLabel(self.tr("逐条回复")), 1.1)
        self.body.addWidget(self.replies_title)
        self.replies_layout = QVBoxLayout()
        self.replies_layout.setSpacing(8)
        self.body.addLayout(self.replies_layout)

        self.missed_box = QGroupBox(self.tr("漏掉的要点和更好的说法"))
        self.missed_layout = QVBoxLayout(self.missed_box)
        self.body.addWidget(self.missed_box)
        self.body.addStretch(1)

    def add_dimension(self, row: int, name: str, value: float, weight: float | None) -> QProgressBar:
        label = QLabel(name)
        bar = QProgressBar()
        bar.setRange(0, 100)
        bar.setValue(round(value))
        bar.setFormat(f"{value:.0f}")
        bar.setMaximumHeight(18)
        bar.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        bar.setStyleSheet(
            "QProgressBar { border: 1px solid #dadce0; border-radius: 4px; background: #ffffff;"
            " text-align: center; }"
            f" QProgressBar::chunk {{ background: {score_colour(value)}; border-radius: 3px; }}"
        )
        weight_label = QLabel(self.tr("权重 {w}%").format(w=f"{weight:g}") if weight is not None else "")
        weight_label.setStyleSheet(f"color: {GREY};")
        self.dimensions_grid.addWidget(label, row, 0)
        self.dimensions_grid.addWidget(bar, row, 1)
        self.dimensions_grid.addWidget(weight_label, row, 2)
        self.dimension_bars[name] = bar
        return bar

    def add_reply_card(self, header: str, body_html: str, details_html: str) -> QFrame:
        card = QFrame()
        card.setObjectName("replyCard")
        card.setStyleSheet(
            "QFrame#replyCard { border: 1px solid #e0e0e0; border-radius: 6px; background: white; }"
            " QFrame#replyCard QLabel { border: none; }"
        )
        lay = QVBoxLayout(card)
        lay.setContentsMargins(12, 8, 12, 8)
        lay.setSpacing(4)
        head = rich_label(header)
        head.setStyleSheet(f"color: {GREY};")
        lay.addWidget(head)
        text = rich_label(body_html)
        text.setStyleSheet("font-size: 14px;")
        lay.addWidget(text)
        details = rich_label(details_html)
        lay.addWidget(details)
        self.replies_layout.addWidget(card)
        return card
