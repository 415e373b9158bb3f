"""Layout of the 场景编辑 page: filters and search, the scenario table, new / duplicate / edit."""

from __future__ import annotations

from cstrainer.gui.pages.question_bank_page_view import GREY, filter_combo
from cstrainer.gui.qt import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)


class ScenarioEditorPageView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        outer = QVBoxLayout(self)

        filters = QHBoxLayout()
        self.search_edit = QLineEdit()
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.setPlaceholderText(self.tr("搜索标题、编号或目标…"))
        self.search_edit.setMinimumWidth(220)
        filters.addWidget(self.search_edit, 1)
        self.brand_combo = filter_combo()
        self.stage_combo = filter_combo(70)
        self.persona_combo = filter_combo()
        self.difficulty_combo = filter_combo(70)
        for label, combo in (
            (self.tr("品牌"), self.brand_combo),
            (self.tr("阶段"), self.stage_combo),
            (self.tr("顾客类型"), self.persona_combo),
            (self.tr("难度"), self.difficulty_combo),
        ):
            filters.addWidget(QLabel(label))
            filters.addWidget(combo)
        outer.addLayout(filters)

        actions = QHBoxLayout()
        self.new_button = QPushButton(self.tr("新建场景"))
        self.duplicate_button = QPushButton(self.tr("复制为新场景"))
        self.edit_button = QPushButton(self.tr("编辑"))
        self.refresh_button = QPushButton(self.tr("刷新"))
        for button in (self.new_button, self.duplicate_button, self.edit_button):
            actions.addWidget(button)
        actions.addStretch(1)
        actions.addWidget(self.refresh_button)
        outer.addLayout(actions)

        self.table = QTableView()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setSortingEnabled(True)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setHighlightSections(False)
        outer.addWidget(self.table, 1)

        bottom = QHBoxLayout()
        self.count_label = QLabel()
        self.busy_label = QLabel()
        self.busy_label.setStyleSheet(GREY)
        bottom.addWidget(self.count_label)
        bottom.addStretch(1)
        bottom.addWidget(self.busy_label)
        outer.addLayout(bottom)

    def fit_columns(self, stretch_column: int) -> None:
        header = self.table.horizontalHeader()
        for column in range(header.count()):
            mode = (
                QHeaderView.ResizeMode.Stretch
                if column == stretch_column
                else QHeaderView.ResizeMode.ResizeToContents
            )
            header.setSectionResizeMode(column, mode)
