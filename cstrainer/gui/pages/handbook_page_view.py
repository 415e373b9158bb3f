"""Layout of the 产品手册 page: the toolbar, the tabs 手册 (catalogue tree or search results on
the left, the rendered document in the middle, the listening bar under it) and 待复核 (trainers:
questions and scenarios to check after a handbook change)."""

from __future__ import annotations

from cstrainer.gui.qt import (
    QAbstractItemView,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QSplitter,
    QStackedWidget,
    Qt,
    QTableWidget,
    QTabWidget,
    QTextBrowser,
    QTreeWidget,
    QVBoxLayout,
    QWidget,
)
from cstrainer.gui.style import BLUE, MUTED_STYLE, bold

LISTEN_STYLE = "background: #e8f0fe; border: 1px solid #9ab4e8; padding: 6px; color: #1a3d7c;"
BANNER_STYLE = "background: #fff4ce; border: 1px solid #e0c060; padding: 6px; color: #5c4400;"
FLAG_COLUMNS = ("待复核内容", "类型", "相关手册", "原因", "提醒时间", "状态")


class HandbookPageView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        outer = QVBoxLayout(self)

        # --- toolbar ---------------------------------------------------------------------------
        bar = QHBoxLayout()
        self.listen_button = QPushButton(self.tr("朗读"))
        self.listen_button.setToolTip(self.tr("把当前手册读出来（听课模式）"))
        self.stop_button = QPushButton(self.tr("停止"))
        self.history_button = QPushButton(self.tr("历史版本"))
        self.compare_button = QPushButton(self.tr("对比…"))
        self.compare_button.setToolTip(self.tr("选 2–4 个商品或竞品，按所选字段并排对比"))
        for button in (self.listen_button, self.stop_button, self.history_button, self.compare_button):
            bar.addWidget(button)
        bar.addStretch(1)
        self.export_pdf_button = QPushButton(self.tr("导出 PDF…"))
        self.export_md_button = QPushButton(self.tr("导出 Markdown…"))
        self.import_button = QPushButton(self.tr("导入 Markdown…"))
        self.import_button.setToolTip(self.tr("从导出的文件夹导入（先预览，再导入）"))
        for button in (self.export_pdf_button, self.export_md_button, self.import_button):
            bar.addWidget(button)
        self.new_button = QPushButton(self.tr("新建"))
        self.new_menu = QMenu(self.new_button)
        self.new_product_action = self.new_menu.addAction(self.tr("新建商品"))
        self.new_competitor_action = self.new_menu.addAction(self.tr("新建竞品"))
        self.new_entry_action = self.new_menu.addAction(self.tr("新建手册条目"))
        self.new_button.setMenu(self.new_menu)
        self.edit_button = QPushButton(self.tr("编辑"))
        bar.addWidget(self.new_button)
        bar.addWidget(self.edit_button)
        outer.addLayout(bar)

        self.tabs = QTabWidget()
        outer.addWidget(self.tabs, 1)

        # --- tab 1: the handbook -----------------------------------------------------------------
        reader = QWidget()
        reader_layout = QVBoxLayout(reader)
        reader_layout.setContentsMargins(4, 4, 4, 4)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setChildrenCollapsible(False)
        reader_layout.addWidget(self.splitter)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        self.search_edit = QLineEdit()
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.setPlaceholderText(self.tr("搜索手册：价格、成分、尺码、售后…"))
        left_layout.addWidget(self.search_edit)
        filters = QHBoxLayout()
        filters.addWidget(QLabel(self.tr("品牌")))
        self.brand_combo = QComboBox()
        self.brand_combo.setMinimumWidth(100)
        filters.addWidget(self.brand_combo, 1)
        self.unread_label = QLabel()
        self.unread_label.setStyleSheet(f"color: {BLUE};")
        filters.addWidget(self.unread_label)
        left_layout.addLayout(filters)
        self.left_stack = QStackedWidget()
        self.tree = QTreeWidget()
        self.tree.setColumnCount(2)
        self.tree.setHeaderHidden(True)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.left_stack.addWidget(self.tree)
        self.results = QTextBrowser()
        self.results.setOpenLinks(False)
        self.results.setOpenExternalLinks(False)
        self.left_stack.addWidget(self.results)
        left_layout.addWidget(self.left_stack, 1)
        self.count_label = QLabel()
        self.count_label.setStyleSheet(MUTED_STYLE)
        left_layout.addWidget(self.count_label)
        left.setMinimumWidth(260)
        self.splitter.addWidget(left)

        centre = QWidget()
        centre_layout = QVBoxLayout(centre)
        centre_layout.setContentsMargins(0, 0, 0, 0)
        self.title_label = bold(QLabel(self.tr("产品手册")), 1.2)
        self.title_label.setWordWrap(True)
        centre_layout.addWidget(self.title_label)
        self.meta_label = QLabel()
        self.meta_label.setStyleSheet(MUTED_STYLE)
        self.meta_label.setWordWrap(True)
        centre_layout.addWidget(self.meta_label)
        self.listen_bar = QLabel()
        self.listen_bar.setWordWrap(True)
        self.listen_bar.setStyleSheet(LISTEN_STYLE)
        self.listen_bar.setTextFormat(Qt.TextFormat.RichText)
        self.listen_bar.setVisible(False)
        centre_layout.addWidget(self.listen_bar)
        self.doc_view = QTextBrowser()
        self.doc_view.setOpenExternalLinks(False)
        self.doc_view.setOpenLinks(False)
        self.doc_view.setFrameShape(QFrame.Shape.StyledPanel)
        centre_layout.addWidget(self.doc_view, 1)
        self.splitter.addWidget(centre)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setSizes([320, 900])
        self.tabs.addTab(reader, self.tr("手册"))

        # --- tab 2: review flags (trainers) ------------------------------------------------------
        review = QWidget()
        review_layout = QVBoxLayout(review)
        self.review_hint = QLabel(
            self.tr("商品、竞品或手册条目改动后，引用它的题目和对话场景会列在这里。核对无误后点“已复核”。")
        )
        self.review_hint.setWordWrap(True)
        self.review_hint.setStyleSheet(MUTED_STYLE)
        review_layout.addWidget(self.review_hint)
        self.flags_table = QTableWidget(0, len(FLAG_COLUMNS))
        self.flags_table.setHorizontalHeaderLabels([self.tr(c) for c in FLAG_COLUMNS])
        self.flags_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.flags_table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.flags_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.flags_table.setWordWrap(False)
        self.flags_table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.flags_table.verticalHeader().setVisible(False)
        self.flags_table.setAlternatingRowColors(True)
        fh = self.flags_table.horizontalHeader()
        fh.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        fh.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        fh.setSectionResizeMode(2, QHeaderView.ResizeMode.Interactive)
        fh.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        fh.setSectionResizeMode(4, QHeaderView.ResizeMode.ResizeToContents)
        fh.setSectionResizeMode(5, QHeaderView.ResizeMode.ResizeToContents)
        self.flags_table.setColumnWidth(0, 260)
        self.flags_table.setColumnWidth(2, 200)
        review_layout.addWidget(self.flags_table, 1)
        flag_buttons = QHBoxLayout()
        self.resolve_button = QPushButton(self.tr("已复核"))
        self.open_flag_doc_button = QPushButton(self.tr("查看相关手册"))
        self.show_resolved_box = QPushButton(self.tr("显示已复核的"))
        self.show_resolved_box.setCheckable(True)
        self.refresh_flags_button = QPushButton(self.tr("刷新"))
        for button in (self.resolve_button, self.open_flag_doc_button):
            flag_buttons.addWidget(button)
        flag_buttons.addStretch(1)
        flag_buttons.addWidget(self.show_resolved_box)
        flag_buttons.addWidget(self.refresh_flags_button)
        review_layout.addLayout(flag_buttons)
        self.review_tab = review
        self.tabs.addTab(review, self.tr("待复核"))

        self.status_label = QLabel()
        self.status_label.setStyleSheet(MUTED_STYLE)
        outer.addWidget(self.status_label)
