"""Layout of the 任务分配 page: the assignments (due date, completion x/y) above, the status of
each person for the selected one below, and the actions."""

from __future__ import annotations

from cstrainer.gui.qt import (
    QAbstractItemView,
    QCheckBox,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    Qt,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from cstrainer.gui.style import MUTED_STYLE


def _table() -> QTableView:
    table = QTableView()
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setSortingEnabled(True)
    table.setAlternatingRowColors(True)
    table.setWordWrap(False)
    table.verticalHeader().setVisible(False)
    table.horizontalHeader().setStretchLastSection(True)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    return table


class AssignmentsPageView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        outer = QVBoxLayout(self)

        actions = QHBoxLayout()
        self.new_button = QPushButton(self.tr("新建任务…"))
        self.cancel_button = QPushButton(self.tr("取消任务"))
        self.cancel_button.setToolTip(self.tr("取消后此任务不再出现在大家的“我的任务”中"))
        for button in (self.new_button, self.cancel_button):
            actions.addWidget(button)
        actions.addSpacing(16)
        self.search_edit = QLineEdit()
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.setPlaceholderText(self.tr("按标题、类型或对象筛选…"))
        actions.addWidget(self.search_edit, 1)
        self.show_cancelled_check = QCheckBox(self.tr("显示已取消"))
        actions.addWidget(self.show_cancelled_check)
        self.refresh_button = QPushButton(self.tr("刷新"))
        actions.addWidget(self.refresh_button)
        outer.addLayout(actions)

        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.setChildrenCollapsible(False)
        top = QWidget()
        tl = QVBoxLayout(top)
        tl.setContentsMargins(0, 0, 0, 0)
        self.table = _table()
        tl.addWidget(self.table, 1)
        self.empty_label = QLabel(
            self.tr(
                "还没有布置任务。点“新建任务…”给个人、小组、岗位或全员布置考试、对话场景、话术练习或手册阅读。"
            )
        )
        self.empty_label.setWordWrap(True)
        self.empty_label.setStyleSheet(MUTED_STYLE)
        tl.addWidget(self.empty_label)
        self.splitter.addWidget(top)

        self.status_box = QGroupBox(self.tr("完成情况"))
        sl = QVBoxLayout(self.status_box)
        self.status_summary = QLabel()
        self.status_summary.setWordWrap(True)
        sl.addWidget(self.status_summary)
        self.status_table = _table()
        self.status_table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        sl.addWidget(self.status_table, 1)
        self.splitter.addWidget(self.status_box)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([340, 340])
        outer.addWidget(self.splitter, 1)

        bottom = QHBoxLayout()
        self.count_label = QLabel()
        self.busy_label = QLabel()
        self.busy_label.setStyleSheet(MUTED_STYLE)
        bottom.addWidget(self.count_label)
        bottom.addStretch(1)
        bottom.addWidget(self.busy_label)
        outer.addLayout(bottom)
