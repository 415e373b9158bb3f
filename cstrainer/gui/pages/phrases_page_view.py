"""Layout of the 话术库 page: search and filters, team / personal tabs, the grouped phrase tree,
the actions and the release reminder."""

from __future__ import annotations

from cstrainer.gui.qt import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTabBar,
    QTreeWidget,
    QVBoxLayout,
    QWidget,
)

BANNER_STYLE = "background: #fff4ce; border: 1px solid #e0c060; padding: 6px; color: #5c4400;"
GREY = "color: #555555;"
COLUMNS = ("话术", "快捷码", "品牌", "匹配方式", "使用次数")


class PhrasesPageView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        outer = QVBoxLayout(self)

        self.banner = QLabel()
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet(BANNER_STYLE)
        self.banner.setVisible(False)
        outer.addWidget(self.banner)

        self.scope_tabs = QTabBar()
        self.scope_tabs.addTab(self.tr("团队话术"))
        self.scope_tabs.addTab(self.tr("我的话术"))
        self.scope_tabs.setExpanding(False)
        outer.addWidget(self.scope_tabs)

        filters = QHBoxLayout()
        self.search_edit = QLineEdit()
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.setPlaceholderText(self.tr("输入快捷码（hy1）、拼音首字母（nh）或文字搜索…"))
        filters.addWidget(self.search_edit, 1)
        self.scene_combo = QComboBox()
        self.scene_combo.setMinimumWidth(110)
        self.brand_combo = QComboBox()
        self.brand_combo.setMinimumWidth(110)
        filters.addWidget(QLabel(self.tr("场景")))
        filters.addWidget(self.scene_combo)
        filters.addWidget(QLabel(self.tr("品牌")))
        filters.addWidget(self.brand_combo)
        outer.addLayout(filters)

        actions = QHBoxLayout()
        self.new_button = QPushButton(self.tr("新建话术"))
        self.edit_button = QPushButton(self.tr("编辑"))
        self.delete_button = QPushButton(self.tr("删除"))
        self.copy_button = QPushButton(self.tr("复制到剪贴板"))
        for button in (self.new_button, self.edit_button, self.delete_button, self.copy_button):
            actions.addWidget(button)
        actions.addStretch(1)
        self.whats_new_button = QPushButton(self.tr("本次更新"))
        self.releases_button = QPushButton(self.tr("版本发布与对比…"))
        self.refresh_button = QPushButton(self.tr("刷新"))
        for button in (self.whats_new_button, self.releases_button, self.refresh_button):
            actions.addWidget(button)
        outer.addLayout(actions)

        self.tree = QTreeWidget()
        self.tree.setColumnCount(len(COLUMNS))
        self.tree.setHeaderLabels([self.tr(c) for c in COLUMNS])
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setAlternatingRowColors(True)
        self.tree.setWordWrap(True)
        self.tree.setUniformRowHeights(False)
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in range(1, len(COLUMNS)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        outer.addWidget(self.tree, 1)

        bottom = QHBoxLayout()
        self.count_label = QLabel()
        self.busy_label = QLabel()
        self.busy_label.setStyleSheet(GREY)
        bottom.addWidget(self.count_label)
        bottom.addStretch(1)
        bottom.addWidget(self.busy_label)
        outer.addLayout(bottom)
