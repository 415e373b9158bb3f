"""Layout of an exam result: the verdict and score, facts (time used, how it was handed in, focus),
the certificate, a bar per category, and every question read-only with its grading."""

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
from cstrainer.gui.style import BLUE, GREEN, GREY, RED
from cstrainer.gui.style import bold as _bold


class ExamResultView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)

        top = QHBoxLayout()
        self.back_button = QPushButton(self.tr("← 返回考试列表"))
        top.addWidget(self.back_button)
        top.addStretch(1)
        outer.addLayout(top)

        self.scroll_area = QScrollArea()
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        inner = QWidget()
        self.body = QVBoxLayout(inner)
        self.body.setContentsMargins(0, 0, 8, 0)
        self.body.setSpacing(12)
        self.scroll_area.setWidget(inner)
        outer.addWidget(self.scroll_area, 1)

        # --- summary ------------------------------------------------------------------------------
        summary = QFrame()
        summary.setObjectName("resultSummary")
        summary.setStyleSheet(
            "QFrame#resultSummary { background: #f8f9fa; border: 1px solid #dadce0; border-radius: 8px; }"
            " QFrame#resultSummary QLabel { background: transparent; border: none; }"
        )
        grid = QHBoxLayout(summary)
        grid.setContentsMargins(18, 14, 18, 14)
        grid.setSpacing(28)
        left = QVBoxLayout()
        self.title_label = _bold(QLabel(), 1.15)
        self.title_label.setWordWrap(True)
        left.addWidget(self.title_label)
        self.person_label = QLabel()
        self.person_label.setStyleSheet(f"color: {GREY};")
        left.addWidget(self.person_label)
        score_row = QHBoxLayout()
        self.score_label = _bold(QLabel(), 2.4)
        score_row.addWidget(self.score_label)
        self.verdict_label = _bold(QLabel(), 1.5)
        score_row.addWidget(self.verdict_label)
        score_row.addStretch(1)
        left.addLayout(score_row)
        self.raw_score_label = QLabel()
        left.addWidget(self.raw_score_label)
        self.pending_label = QLabel()
        self.pending_label.setStyleSheet(f"color: {BLUE};")
        self.pending_label.setWordWrap(True)
        left.addWidget(self.pending_label)
        left.addStretch(1)
        grid.addLayout(left, 3)

        facts = QGridLayout()
        facts.setHorizontalSpacing(12)
        facts.setVerticalSpacing(6)
        self.facts: dict[str, QLabel] = {}
        for row, (key, name) in enumerate(
            [
                ("pass_mark", self.tr("及格线")),
                ("duration", self.tr("用时")),
                ("submitted", self.tr("交卷时间")),
                ("reason", self.tr("交卷方式")),
                ("focus", self.tr("离开考试窗口")),
            ]
        ):
            name_label = QLabel(name + self.tr("："))
            name_label.setStyleSheet(f"color: {GREY};")
            value = QLabel()
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            facts.addWidget(name_label, row, 0, Qt.AlignmentFlag.AlignRight)
            facts.addWidget(value, row, 1)
            self.facts[key] = value
        facts.setRowStretch(len(self.facts), 1)
        grid.addLayout(facts, 2)
        self.body.addWidget(summary)

        # --- certificate --------------------------------------------------------------------------
        self.certificate_box = QGroupBox(self.tr("合格证书"))
        cert = QHBoxLayout(self.certificate_box)
        self.certificate_label = QLabel()
        self.certificate_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.certificate_label.setWordWrap(True)
        cert.addWidget(self.certificate_label, 1)
        self.certificate_button = QPushButton(self.tr("下载合格证书（PDF）…"))
        cert.addWidget(self.certificate_button)
        self.certificate_box.setVisible(False)
        self.body.addWidget(self.certificate_box)

        # --- categories ---------------------------------------------------------------------------
        self.categories_box = QGroupBox(self.tr("各类别得分"))
        self.categories_grid = QGridLayout(self.categories_box)
        self.categories_grid.setHorizontalSpacing(14)
        self.categories_grid.setColumnStretch(1, 1)
        for col, title in enumerate([self.tr("类别"), self.tr("得分率"), self.tr("得分 / 满分")]):
            self.categories_grid.addWidget(_bold(QLabel(title)), 0, col)
        self.category_bars: dict[str, QProgressBar] = {}
        self.category_scores: dict[str, QLabel] = {}
        self.body.addWidget(self.categories_box)

        # --- items --------------------------------------------------------------------------------
        self.items_title = _bold(QLabel(self.tr("逐题查看")), 1.1)
        self.body.addWidget(self.items_title)
        self.answers_note = QLabel()
        self.answers_note.setStyleSheet(f"color: {GREY};")
        self.answers_note.setWordWrap(True)
        self.body.addWidget(self.answers_note)
        self.items_layout = QVBoxLayout()
        self.items_layout.setSpacing(10)
        self.body.addLayout(self.items_layout)
        self.body.addStretch(1)

    def add_category(self, row: int, name: str, percent: float, score_text: str) -> None:
        label = QLabel(name)
        bar = QProgressBar()
        bar.setRange(0, 100)
        bar.setValue(round(percent))
        bar.setFormat(f"{percent:g}%")
        bar.setMaximumHeight(18)
        bar.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        colour = GREEN if percent >= 80 else ("#f9a825" if percent >= 60 else RED)
        bar.setStyleSheet(
            "QProgressBar { border: 1px solid #dadce0; border-radius: 4px; background: #ffffff;"
            " text-align: center; }"
            f" QProgressBar::chunk {{ background: {colour}; border-radius: 3px; }}"
        )
        score = QLabel(score_text)
        self.categories_grid.addWidget(label, row, 0)
        self.categories_grid.addWidget(bar, row, 1)
        self.categories_grid.addWidget(score, row, 2)
        self.category_bars[name] = bar
        self.category_scores[name] = score

    def add_item_card(self, widget: QWidget) -> QFrame:
        card = QFrame()
        card.setObjectName("itemCard")
        card.setStyleSheet(
            "QFrame#itemCard { border: 1px solid #e0e0e0; border-radius: 6px; background: white; }"
        )
        lay = QVBoxLayout(card)
        lay.setContentsMargins(14, 10, 14, 10)
        lay.addWidget(widget)
        self.items_layout.addWidget(card)
        return card
