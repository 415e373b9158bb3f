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
    QSplitter,
    Qt,
    QTabBar,
    QTreeWidget,
    QVBoxLayout,
    QWidget,
)
from cstrainer.gui.style import MUTED_STYLE as GREY

BANNER_STYLE = "background: #fff4ce; border: 1px solid #e0c060; padding: 6px; color: #5c4400;"
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
        self.import_button = QPushButton(self.tr("导入表格…"))
        self.import_button.setToolTip(self.tr("从千牛快捷短语 CSV / xlsx 导入团队话术（先预览）"))
        self.export_button = QPushButton(self.tr("导出…"))
        self.export_button.setToolTip(self.tr("导出团队话术为 CSV、xlsx 或 espanso（按所选品牌）"))
        for button in (self.import_button, self.export_button):
            actions.addWidget(button)
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
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(self.tree)
        # the 评论 / 建议 panel goes here (the page builds it: it needs the services)
        self.review_holder = QWidget()
        self.review_layout = QVBoxLayout(self.review_holder)
        self.review_layout.setContentsMargins(0, 0, 0, 0)
        self.review_holder.setMinimumWidth(300)
        self.splitter.addWidget(self.review_holder)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([860, 340])
        outer.addWidget(self.splitter, 1)

        bottom = QHBoxLayout()
        self.count_label = QLabel()
        self.busy_label = QLabel()
        self.busy_label.setStyleSheet(GREY)
        bottom.addWidget(self.count_label)
        bottom.addStretch(1)
        bottom.addWidget(self.busy_label)
        outer.addLayout(bottom)
