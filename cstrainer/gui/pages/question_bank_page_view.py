"""Layout of the 题库 page: a filter bar, the question table, actions and bulk actions."""

from __future__ import annotations

from cstrainer.gui.qt import (
    QAbstractItemView,
    QAction,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from cstrainer.gui.style import MUTED_STYLE as GREY


def filter_combo(min_width: int = 90) -> QComboBox:
    combo = QComboBox()
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
    combo.setMinimumWidth(min_width)
    return combo


class QuestionBankPageView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        outer = QVBoxLayout(self)

        # --- filters: one row, the search box takes what is left -------------------------------
        filters = QHBoxLayout()
        self.search_edit = QLineEdit()
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.setPlaceholderText(self.tr("搜索题干、选项、要点、标签或编号…"))
        self.search_edit.setMinimumWidth(200)
        filters.addWidget(self.search_edit, 1)
        self.category_combo = filter_combo(120)
        self.brand_combo = filter_combo()
        self.type_combo = filter_combo()
        self.difficulty_combo = filter_combo(70)
        self.tag_combo = filter_combo()
        for label, combo in (
            (self.tr("分类"), self.category_combo),
            (self.tr("品牌"), self.brand_combo),
            (self.tr("题型"), self.type_combo),
            (self.tr("难度"), self.difficulty_combo),
            (self.tr("标签"), self.tag_combo),
        ):
            filters.addWidget(QLabel(label))
            filters.addWidget(combo)
        self.retired_check = QCheckBox(self.tr("显示已停用"))
        filters.addWidget(self.retired_check)
        outer.addLayout(filters)

        # --- actions ----------------------------------------------------------------------------
        actions = QHBoxLayout()
        self.new_button = QPushButton(self.tr("新建题目"))
        self.edit_button = QPushButton(self.tr("编辑"))
        self.import_button = QPushButton(self.tr("导入…"))
        self.export_button = QPushButton(self.tr("导出…"))
        self.template_button = QPushButton(self.tr("下载导入模板…"))
        for button in (self.new_button, self.edit_button):
            actions.addWidget(button)
        actions.addSpacing(16)
        for button in (self.import_button, self.export_button, self.template_button):
            actions.addWidget(button)
        actions.addStretch(1)

        self.bulk_button = QPushButton(self.tr("批量操作"))
        menu = QMenu(self.bulk_button)
        self.add_tag_action = QAction(self.tr("加标签…"), self)
        self.remove_tag_action = QAction(self.tr("移除标签…"), self)
        self.category_action = QAction(self.tr("移动到分类…"), self)
        self.brand_action = QAction(self.tr("改品牌…"), self)
        self.retire_action = QAction(self.tr("停用"), self)
        self.restore_action = QAction(self.tr("恢复"), self)
        for action in (self.add_tag_action, self.remove_tag_action, self.category_action, self.brand_action):
            menu.addAction(action)
        menu.addSeparator()
        menu.addAction(self.retire_action)
        menu.addAction(self.restore_action)
        self.bulk_menu = menu
        self.bulk_button.setMenu(menu)
        actions.addWidget(self.bulk_button)
        self.refresh_button = QPushButton(self.tr("刷新"))
        actions.addWidget(self.refresh_button)
        outer.addLayout(actions)

        # --- the table --------------------------------------------------------------------------
        self.table = QTableView()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setSortingEnabled(True)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setHighlightSections(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        outer.addWidget(self.table, 1)

        bottom = QHBoxLayout()
        self.count_label = QLabel()
        self.busy_label = QLabel()
        self.busy_label.setStyleSheet(GREY)
        bottom.addWidget(self.count_label)
        bottom.addStretch(1)
        bottom.addWidget(self.busy_label)
        outer.addLayout(bottom)

    def fit_columns(self, stem_column: int) -> None:
        """Narrow columns fit their contents; the stem takes the spare width."""
        header = self.table.horizontalHeader()
        for column in range(header.count()):
            if column == stem_column:
                header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
            else:
                header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
