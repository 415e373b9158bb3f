"""Layout of the 我的任务 page: a summary line, the task tree (open work first, overdue work on
top in red, finished work folded at the bottom) and the actions."""

from __future__ import annotations

from cstrainer.gui.qt import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSize,
    QTreeWidget,
    QVBoxLayout,
    QWidget,
)
from cstrainer.gui.style import MUTED_STYLE, bold

COLUMNS = ("任务", "类型", "截止时间", "进度", "说明")
PROGRESS_COLUMN = 3
DUE_COLUMN = 2
SUMMARY_STYLE = "padding: 8px; border-radius: 4px; background: #eef3fb; border: 1px solid #c5d5ee;"
OVERDUE_SUMMARY_STYLE = "padding: 8px; border-radius: 4px; background: #fdecea; border: 1px solid #f1b0ab;"


class TasksPageView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        outer = QVBoxLayout(self)

        self.summary_label = bold(QLabel(), 1.1)
        self.summary_label.setWordWrap(True)
        self.summary_label.setStyleSheet(SUMMARY_STYLE)
        outer.addWidget(self.summary_label)

        self.tree = QTreeWidget()
        self.tree.setColumnCount(len(COLUMNS))
        self.tree.setHeaderLabels([self.tr(c) for c in COLUMNS])
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setRootIsDecorated(True)
        self.tree.setUniformRowHeights(False)
        self.tree.setWordWrap(True)
        self.tree.setIconSize(QSize(20, 20))
        self.tree.setAlternatingRowColors(False)
        self.tree.setStyleSheet("QTreeWidget::item { padding: 4px 0px; }")
        header = self.tree.header()
        header.setStretchLastSection(True)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(DUE_COLUMN, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(PROGRESS_COLUMN, QHeaderView.ResizeMode.Fixed)
        header.resizeSection(0, 420)
        header.resizeSection(PROGRESS_COLUMN, 170)
        outer.addWidget(self.tree, 1)

        self.empty_label = QLabel(self.tr("目前没有分配给你的任务。培训师布置任务后会显示在这里。"))
        self.empty_label.setStyleSheet(MUTED_STYLE)
        self.empty_label.setWordWrap(True)
        self.empty_label.setVisible(False)
        outer.addWidget(self.empty_label)

        self.detail_label = QLabel()
        self.detail_label.setWordWrap(True)
        self.detail_label.setStyleSheet(MUTED_STYLE)
        outer.addWidget(self.detail_label)

        actions = QHBoxLayout()
        self.open_button = QPushButton(self.tr("去完成"))
        self.open_button.setToolTip(self.tr("打开任务对应的页面（也可双击任务）"))
        self.refresh_button = QPushButton(self.tr("刷新"))
        actions.addWidget(self.open_button)
        actions.addStretch(1)
        self.busy_label = QLabel()
        self.busy_label.setStyleSheet(MUTED_STYLE)
        actions.addWidget(self.busy_label)
        actions.addWidget(self.refresh_button)
        outer.addLayout(actions)
