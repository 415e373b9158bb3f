"""Layout of the handbook editor: one form per document kind (product, competitor, handbook
entry) on tabs, each field with a red message line under it, Markdown fields with a live
preview, editable tables (variants, size chart, FAQ, after-sale), the change note and the
version-conflict banner."""

from __future__ import annotations

from cstrainer.gui.forms import message_label
from cstrainer.gui.qt import (
    QAbstractItemView,
    QComboBox,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    Qt,
    QTableWidget,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)
from cstrainer.gui.style import MUTED_STYLE, RED

CONFLICT_STYLE = f"QFrame#conflict {{ background: #fdecea; border: 1px solid {RED}; }}"
PRICE_MAX = 1_000_000.0


def hint(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setStyleSheet(MUTED_STYLE)
    return label


class MarkdownEdit(QSplitter):
    """A Markdown source editor with its rendered preview beside it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(Qt.Orientation.Horizontal, parent)
        self.setChildrenCollapsible(False)
        self.edit = QPlainTextEdit()
        self.edit.setPlaceholderText(self.tr("支持 Markdown：## 小标题、- 列表、**加粗**、| 表格 |"))
        self.preview = QTextBrowser()
        self.preview.setOpenLinks(False)
        self.addWidget(self.edit)
        self.addWidget(self.preview)
        self.setSizes([500, 500])


class EditableTable(QWidget):
    """A QTableWidget with add / remove row buttons (and, optionally, add / remove column)."""

    def __init__(
        self, headers: list[str] | None, *, columns: bool = False, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.table = QTableWidget(0, len(headers) if headers else 1)
        if headers:
            self.table.setHorizontalHeaderLabels(headers)
        self.table.setWordWrap(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        lay.addWidget(self.table, 1)
        row = QHBoxLayout()
        self.add_row_button = QPushButton(self.tr("加一行"))
        self.remove_row_button = QPushButton(self.tr("删除所选行"))
        row.addWidget(self.add_row_button)
        row.addWidget(self.remove_row_button)
        self.add_column_button = QPushButton(self.tr("加一列"))
        self.remove_column_button = QPushButton(self.tr("删除所选列"))
        if columns:
            row.addWidget(self.add_column_button)
            row.addWidget(self.remove_column_button)
        else:
            self.add_column_button.setVisible(False)
            self.remove_column_button.setVisible(False)
        row.addStretch(1)
        lay.addLayout(row)


def _field(widget: QWidget, note: str | None = None) -> tuple[QWidget, QLabel]:
    box = QWidget()
    lay = QVBoxLayout(box)
    lay.setContentsMargins(0, 0, 0, 0)
    lay.setSpacing(2)
    lay.addWidget(widget)
    if note:
        lay.addWidget(hint(note))
    message = message_label()
    lay.addWidget(message)
    return box, message


def price_box() -> QDoubleSpinBox:
    box = QDoubleSpinBox()
    box.setRange(0.0, PRICE_MAX)
    box.setDecimals(2)
    box.setSingleStep(1.0)
    box.setSuffix(" 元")
    box.setMinimumWidth(140)
    return box


class HandbookEditorView(QWidget):
    """Every field widget is in ``fields`` and its message line in ``messages`` (by data field);
    ``field_tabs`` tells on which tab a field sits."""

    def __init__(self, kind: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.kind = kind
        self.fields: dict[str, QWidget] = {}
        self.messages: dict[str, QLabel] = {}
        self.field_tabs: dict[str, int] = {}
        outer = QVBoxLayout(self)

        self.conflict_frame = QFrame()
        self.conflict_frame.setObjectName("conflict")
        self.conflict_frame.setStyleSheet(CONFLICT_STYLE)
        conflict = QHBoxLayout(self.conflict_frame)
        self.conflict_label = QLabel()
        self.conflict_label.setWordWrap(True)
        self.conflict_label.setStyleSheet(f"color: {RED};")
        self.reload_button = QPushButton(self.tr("重新载入最新版本"))
        conflict.addWidget(self.conflict_label, 1)
        conflict.addWidget(self.reload_button)
        self.conflict_frame.setVisible(False)
        outer.addWidget(self.conflict_frame)

        self.tabs = QTabWidget()
        outer.addWidget(self.tabs, 1)
        self.key_edit = QLineEdit()
        self.key_edit.setPlaceholderText(self.tr("小写字母、数字和短横线，例如 qinyu-liquid"))
        if kind == "product":
            self._product()
        elif kind == "competitor":
            self._competitor()
        else:
            self._entry()

        self.tabs.tabBar().setVisible(self.tabs.count() > 1)
        bottom = QFormLayout()
        self.note_edit = QLineEdit()
        self.note_edit.setPlaceholderText(self.tr("这次改了什么、为什么（会记入历史版本）"))
        bottom.addRow(self.tr("修改说明"), self.note_edit)
        outer.addLayout(bottom)
        self.error_label = message_label()
        outer.addWidget(self.error_label)
        self.button_box = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.save_button = self.button_box.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setText(self.tr("保存"))
        self.cancel_button = self.button_box.button(QDialogButtonBox.StandardButton.Cancel)
        self.cancel_button.setText(self.tr("取消"))
        outer.addWidget(self.button_box)

    # --- helpers ----------------------------------------------------------------------------------

    def _add(
        self, form: QFormLayout, tab: int, name: str, label: str, widget: QWidget, note: str | None = None
    ) -> None:
        box, message = _field(widget, note)
        form.addRow(label, box)
        self.fields[name] = widget
        self.messages[name] = message
        self.field_tabs[name] = tab

    def _add_block(
        self, lay: QVBoxLayout, tab: int, name: str, widget: QWidget, note: str | None = None
    ) -> None:
        box, message = _field(widget, note)
        lay.addWidget(box, 1)
        self.fields[name] = widget
        self.messages[name] = message
        self.field_tabs[name] = tab

    def _page(self, title: str) -> tuple[QWidget, int]:
        page = QWidget()
        index = self.tabs.addTab(page, title)
        return page, index

    def _lines(self, placeholder: str, height: int = 90) -> QPlainTextEdit:
        edit = QPlainTextEdit()
        edit.setPlaceholderText(placeholder)
        edit.setMinimumHeight(height)
        return edit

    # --- product ----------------------------------------------------------------------------------

    def _product(self) -> None:
        page, tab = self._page(self.tr("基本信息"))
        columns = QHBoxLayout(page)
        left, right = QFormLayout(), QFormLayout()
        columns.addLayout(left, 1)
        columns.addLayout(right, 1)
        self._add(left, tab, "key", self.tr("编号"), self.key_edit)
        self.name_edit = QLineEdit()
        self._add(left, tab, "name", self.tr("商品名称"), self.name_edit)
        self.category_edit = QLineEdit()
        self.category_edit.setPlaceholderText(self.tr("例如：洗衣液、塑身衣"))
        self._add(left, tab, "category", self.tr("品类"), self.category_edit)
        self.brand_combo = QComboBox()
        self._add(left, tab, "brand", self.tr("品牌"), self.brand_combo)
        self.price_min_box = price_box()
        self._add(left, tab, "price_min", self.tr("最低价"), self.price_min_box)
        self.price_max_box = price_box()
        self._add(left, tab, "price_max", self.tr("最高价"), self.price_max_box)
        self.selling_points_edit = self._lines(self.tr("每行一条卖点"), 130)
        self._add(
            right, tab, "selling_points", self.tr("卖点"), self.selling_points_edit, self.tr("每行一条")
        )
        self.materials_edit = self._lines(self.tr("每行一种成分或面料"), 110)
        self._add(right, tab, "materials", self.tr("成分/材质"), self.materials_edit, self.tr("每行一条"))

        page, tab = self._page(self.tr("规格与尺码"))
        lay = QVBoxLayout(page)
        lay.addWidget(QLabel(self.tr("规格")))
        self.variants = EditableTable([self.tr("名称"), self.tr("可选值（用 / 分隔）")])
        self.variants.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        self.variants.table.setColumnWidth(0, 140)
        self._add_block(lay, tab, "variants", self.variants)
        lay.addWidget(QLabel(self.tr("尺码表")))
        self.size_chart = EditableTable(None, columns=True)
        self.size_chart.table.horizontalHeader().setVisible(False)
        self._add_block(
            lay,
            tab,
            "size_chart",
            self.size_chart,
            self.tr("第一行是表头（列名）；没有尺码的商品把表格清空即可。"),
        )

        page, tab = self._page(self.tr("使用与保养"))
        lay = QVBoxLayout(page)
        self.usage_edit = MarkdownEdit()
        self._add_block(lay, tab, "usage", self.usage_edit)

        page, tab = self._page(self.tr("常见问题与售后"))
        lay = QVBoxLayout(page)
        lay.addWidget(QLabel(self.tr("常见问题")))
        self.faq = EditableTable([self.tr("问题"), self.tr("回答")])
        self._add_block(lay, tab, "faq", self.faq)
        lay.addWidget(QLabel(self.tr("售后问题")))
        self.after_sale = EditableTable([self.tr("问题"), self.tr("处理方法")])
        self._add_block(lay, tab, "after_sale", self.after_sale)

        page, tab = self._page(self.tr("图片"))
        image_row = QHBoxLayout(page)
        left_box = QVBoxLayout()
        self.images_list = QListWidget()
        self._add_block(
            left_box, tab, "images", self.images_list, self.tr("图片放在项目的 assets/products 文件夹里。")
        )
        buttons = QHBoxLayout()
        self.add_image_button = QPushButton(self.tr("添加图片…"))
        self.remove_image_button = QPushButton(self.tr("移除所选"))
        buttons.addWidget(self.add_image_button)
        buttons.addWidget(self.remove_image_button)
        buttons.addStretch(1)
        left_box.addLayout(buttons)
        image_row.addLayout(left_box, 1)
        self.image_preview = QLabel()
        self.image_preview.setFixedSize(280, 280)
        self.image_preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.image_preview.setFrameShape(QFrame.Shape.StyledPanel)
        image_row.addWidget(self.image_preview)

    # --- competitor -------------------------------------------------------------------------------

    def _competitor(self) -> None:
        page, tab = self._page(self.tr("基本信息"))
        form = QFormLayout(page)
        self._add(form, tab, "key", self.tr("编号"), self.key_edit)
        self.rival_brand_edit = QLineEdit()
        self._add(form, tab, "rival_brand", self.tr("竞品品牌"), self.rival_brand_edit)
        self.product_edit = QLineEdit()
        self._add(form, tab, "product", self.tr("竞品商品"), self.product_edit)
        self.price_box = price_box()
        self._add(form, tab, "price", self.tr("价格"), self.price_box)
        self.claims_edit = self._lines(self.tr("每行一条对方的宣传说法"), 150)
        self._add(form, tab, "claims", self.tr("对方宣称"), self.claims_edit, self.tr("每行一条"))
        self.our_product_combo = QComboBox()
        self._add(form, tab, "our_product", self.tr("对标商品"), self.our_product_combo)

        page, tab = self._page(self.tr("我们的应对"))
        lay = QVBoxLayout(page)
        lay.addWidget(
            hint(self.tr("顾客问“为什么买你们的不买他们的”时怎么回答：讲事实、讲我们的优势，不贬低对方。"))
        )
        self.our_answer_edit = MarkdownEdit()
        self._add_block(lay, tab, "our_answer", self.our_answer_edit)

    # --- entry ------------------------------------------------------------------------------------

    def _entry(self) -> None:
        page, tab = self._page(self.tr("正文"))
        lay = QVBoxLayout(page)
        form = QFormLayout()
        lay.addLayout(form)
        self._add(form, tab, "key", self.tr("编号"), self.key_edit)
        self.title_edit = QLineEdit()
        self._add(form, tab, "title", self.tr("标题"), self.title_edit)
        row = QHBoxLayout()
        self.entry_brand_combo = QComboBox()
        self.entry_product_combo = QComboBox()
        self.tags_edit = QLineEdit()
        self.tags_edit.setPlaceholderText(self.tr("用顿号或逗号分隔"))
        for name, label, widget in (
            ("brand", self.tr("品牌"), self.entry_brand_combo),
            ("product", self.tr("相关商品"), self.entry_product_combo),
            ("tags", self.tr("标签"), self.tags_edit),
        ):
            inner = QFormLayout()
            self._add(inner, tab, name, label, widget)
            row.addLayout(inner, 1)
        lay.addLayout(row)
        self.body_edit = MarkdownEdit()
        self._add_block(lay, tab, "body", self.body_edit)
