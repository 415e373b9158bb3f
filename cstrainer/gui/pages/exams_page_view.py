"""Layout of the exam list: my exams with start/continue/result buttons, and my past attempts."""

from __future__ import annotations

from cstrainer.gui.qt import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from cstrainer.gui.style import GREY
from cstrainer.gui.style import heading as _heading


def _table() -> QTableView:
    table = QTableView()
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setAlternatingRowColors(True)
    table.setWordWrap(False)
    table.verticalHeader().setVisible(False)
    table.verticalHeader().setDefaultSectionSize(30)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setStretchLastSection(False)
    return table


def stretch_first_column(table: QTableView) -> None:
    """After the model is set (before, the header has no sections to configure)."""
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)


class ExamsListView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(8)

        outer.addWidget(_heading(self.tr("我的考试")))
        self.exams_table = _table()
        outer.addWidget(self.exams_table, 3)

        actions = QHBoxLayout()
        self.start_button = QPushButton(self.tr("开始考试"))
        self.start_button.setStyleSheet(
            "QPushButton { background: #1a73e8; color: white; border: none; border-radius: 4px;"
            " padding: 6px 18px; font-weight: bold; }"
            " QPushButton:disabled { background: #dadce0; color: #80868b; }"
        )
        self.result_button = QPushButton(self.tr("查看成绩"))
        actions.addWidget(self.start_button)
        actions.addWidget(self.result_button)
        self.reason_label = QLabel()
        self.reason_label.setStyleSheet(f"color: {GREY};")
        self.reason_label.setWordWrap(True)
        actions.addWidget(self.reason_label, 1)
        self.refresh_button = QPushButton(self.tr("刷新"))
        actions.addWidget(self.refresh_button)
        outer.addLayout(actions)

        self.empty_label = QLabel(self.tr("目前没有分配给你的考试。培训师安排考试后，会出现在这里。"))
        self.empty_label.setStyleSheet(f"color: {GREY};")
        self.empty_label.setVisible(False)
        outer.addWidget(self.empty_label)

        outer.addSpacing(8)
        history = QHBoxLayout()
        history.addWidget(_heading(self.tr("我的成绩")))
        history.addStretch(1)
        self.open_attempt_button = QPushButton(self.tr("查看这次成绩"))
        history.addWidget(self.open_attempt_button)
        outer.addLayout(history)
        self.attempts_table = _table()
        outer.addWidget(self.attempts_table, 2)
        self.no_attempts_label = QLabel(self.tr("还没有交过卷。"))
        self.no_attempts_label.setStyleSheet(f"color: {GREY};")
        self.no_attempts_label.setVisible(False)
        outer.addWidget(self.no_attempts_label)
