"""Layout of the 成长路径 page: one person's stage, the criteria for the next stage and their
promotion history; for trainers and managers, a team table on the left to pick the person; the
leaderboard opt-in at the bottom."""

from __future__ import annotations

from cstrainer.gui.qt import (
    QAbstractItemView,
    QCheckBox,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    Qt,
    QTableView,
    QTableWidget,
    QVBoxLayout,
    QWidget,
)
from cstrainer.gui.style import MUTED_STYLE, bold

CRITERIA_COLUMNS = ("条件", "当前", "要求", "进度", "状态")
CRITERIA_PROGRESS_COLUMN = 3
HISTORY_COLUMNS = ("时间", "原阶段", "新阶段", "操作人", "备注")
STAGE_STYLE = "padding: 4px 10px; border-radius: 10px; border: 1px solid #c9c9c9; color: #5f6368;"
STAGE_DONE_STYLE = "padding: 4px 10px; border-radius: 10px; border: 1px solid #a5d6a7; color: #2e7d32;"
STAGE_CURRENT_STYLE = (
    "padding: 4px 10px; border-radius: 10px; background: #1565c0; color: white; font-weight: bold;"
)
STAGE_NEXT_STYLE = "padding: 4px 10px; border-radius: 10px; border: 2px dashed #1565c0; color: #1565c0;"


def _table(columns: tuple[str, ...], parent: QWidget) -> QTableWidget:
    table = QTableWidget(0, len(columns))
    table.setHorizontalHeaderLabels([parent.tr(c) for c in columns])
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
    table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    table.verticalHeader().setVisible(False)
    table.setAlternatingRowColors(True)
    table.setWordWrap(True)
    return table


class PersonPanel(QWidget):
    """One person's growth: stage strip, criteria for the next stage, promotion history."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)

        top = QHBoxLayout()
        self.name_label = bold(QLabel(), 1.25)
        top.addWidget(self.name_label)
        top.addStretch(1)
        self.promote_button = QPushButton(self.tr("晋升…"))
        self.promote_button.setToolTip(self.tr("把此人调整到另一个成长阶段（会记录在晋升记录中）"))
        top.addWidget(self.promote_button)
        outer.addLayout(top)

        # 新人 → 上岗 → 售后 → 精英客服 → 主管, filled by the page from the growth path
        self.path_row = QHBoxLayout()
        self.path_row.setSpacing(6)
        path_box = QWidget()
        path_box.setLayout(self.path_row)
        outer.addWidget(path_box)

        self.status_label = QLabel()
        self.status_label.setWordWrap(True)
        outer.addWidget(self.status_label)

        self.criteria_box = QGroupBox(self.tr("晋升条件"))
        cb = QVBoxLayout(self.criteria_box)
        self.criteria_table = _table(CRITERIA_COLUMNS, self)
        header = self.criteria_table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in (1, 2, 4):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(CRITERIA_PROGRESS_COLUMN, QHeaderView.ResizeMode.Fixed)
        header.resizeSection(CRITERIA_PROGRESS_COLUMN, 150)
        cb.addWidget(self.criteria_table)
        outer.addWidget(self.criteria_box, 5)

        self.history_box = QGroupBox(self.tr("晋升记录"))
        hb = QVBoxLayout(self.history_box)
        self.history_table = _table(HISTORY_COLUMNS, self)
        header = self.history_table.horizontalHeader()
        for column in range(4):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        hb.addWidget(self.history_table)
        self.no_history_label = QLabel(self.tr("还没有晋升记录。"))
        self.no_history_label.setStyleSheet(MUTED_STYLE)
        hb.addWidget(self.no_history_label)
        outer.addWidget(self.history_box, 2)


class GrowthPageView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        outer = QVBoxLayout(self)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setChildrenCollapsible(False)

        # trainers and managers: the people they may see
        self.team_box = QGroupBox(self.tr("团队成长情况"))
        tb = QVBoxLayout(self.team_box)
        filters = QHBoxLayout()
        self.search_edit = QLineEdit()
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.setPlaceholderText(self.tr("按姓名、小组或阶段筛选…"))
        filters.addWidget(self.search_edit, 1)
        self.ready_only_check = QCheckBox(self.tr("只看可晋升"))
        filters.addWidget(self.ready_only_check)
        tb.addLayout(filters)
        self.team_table = QTableView()
        self.team_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.team_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.team_table.setSortingEnabled(True)
        self.team_table.setAlternatingRowColors(True)
        self.team_table.verticalHeader().setVisible(False)
        self.team_table.horizontalHeader().setStretchLastSection(True)
        tb.addWidget(self.team_table, 1)
        self.team_count_label = QLabel()
        self.team_count_label.setStyleSheet(MUTED_STYLE)
        tb.addWidget(self.team_count_label)
        self.team_box.setMinimumWidth(430)
        self.splitter.addWidget(self.team_box)

        self.person = PersonPanel()
        self.splitter.addWidget(self.person)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([540, 680])
        outer.addWidget(self.splitter, 1)

        line = QFrame()
        line.setFrameShape(QFrame.Shape.HLine)
        line.setFrameShadow(QFrame.Shadow.Sunken)
        outer.addWidget(line)
        bottom = QHBoxLayout()
        self.opt_in_check = QCheckBox(self.tr("在小组排行榜中显示我的成绩"))
        self.opt_in_check.setToolTip(
            self.tr("勾选后，你的成绩会出现在本组排行榜中；不勾选时只有你本人和培训师、主管能看到。")
        )
        bottom.addWidget(self.opt_in_check)
        bottom.addStretch(1)
        self.busy_label = QLabel()
        self.busy_label.setStyleSheet(MUTED_STYLE)
        bottom.addWidget(self.busy_label)
        self.refresh_button = QPushButton(self.tr("刷新"))
        bottom.addWidget(self.refresh_button)
        outer.addLayout(bottom)
