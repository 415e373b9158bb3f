"""The handbook editor (trainers): change or create a product, a competitor or a handbook entry.

The form is filled from the document's data and read back into a pack item dict (fields the form
does not show are kept as they were). Saving sends ``expected_version``: when someone else saved
a newer version meanwhile the service refuses, and the editor says who, keeps the edits and
offers to reload the newest version. The service's validation problems (the content-pack model)
are shown under the field they name, on its tab. Closing with unsaved changes asks first.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from cstrainer.domain.handbook import FIELD_LABELS
from cstrainer.gui import prompts
from cstrainer.gui.context import PageContext
from cstrainer.gui.forms import set_message
from cstrainer.gui.pages.handbook_editor_view import EditableTable, HandbookEditorView, MarkdownEdit
from cstrainer.gui.qt import (
    QCloseEvent,
    QColor,
    QComboBox,
    QCoreApplication,
    QDialog,
    QFont,
    QPixmap,
    Qt,
    QTableWidgetItem,
    QTimer,
    QVBoxLayout,
    QWidget,
    Signal,
)
from cstrainer.paths import project_root
from cstrainer.services.errors import InvalidInput, NotFound
from cstrainer.services.handbook import HandbookDoc

PREVIEW_DELAY_MS = 250
HEADER_BACKGROUND = "#eef3fb"
IMAGE_FILTER = "图片 (*.png *.jpg *.jpeg *.webp)"
KIND_TITLES = {"product": "商品", "competitor": "竞品", "entry": "手册条目"}


def _t(text: str) -> str:
    return QCoreApplication.translate("HandbookEditorDialog", text)


def split_lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def split_values(text: str) -> list[str]:
    return [part.strip() for part in re.split(r"\s*/\s*", text) if part.strip()]


def split_tags(text: str) -> list[str]:
    return list(dict.fromkeys(p.strip() for p in re.split(r"[、,，;；\s]+", text) if p.strip()))


def top_field(path: str) -> str:
    """``faq[2].a`` -> ``faq``; ``size_chart.rows`` -> ``size_chart``."""
    return re.split(r"[.\[]", path, maxsplit=1)[0]


def _price(value: float) -> float | int:
    return int(value) if float(value).is_integer() else round(float(value), 2)


# --- tables ---------------------------------------------------------------------------------------


def table_rows(table: Any) -> list[list[str]]:
    """Every row's cells as stripped text; rows with nothing in them are left out."""
    out = []
    for r in range(table.rowCount()):
        cells = []
        for c in range(table.columnCount()):
            item = table.item(r, c)
            cells.append(item.text().strip() if item is not None else "")
        if any(cells):
            out.append(cells)
    return out


def set_table_rows(table: Any, rows: Sequence[Sequence[str]]) -> None:
    table.setRowCount(len(rows))
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            if c < table.columnCount():
                table.setItem(r, c, QTableWidgetItem(str(text)))


class HandbookEditorDialog(QDialog):
    """Edit one document (``doc`` None: a new one of ``kind``); ``saved(HandbookDoc)`` after saving."""

    saved = Signal(object)

    def __init__(
        self,
        ctx: PageContext,
        kind: str,
        doc: HandbookDoc | None = None,
        *,
        brands: Sequence[tuple[str, str]] = (),
        products: Sequence[tuple[str, str, str | None]] = (),  # (key, name, brand key)
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.kind = kind
        self.doc = doc
        self.brands = list(brands)
        self.products = list(products)
        self.saving = False
        self.loading = False
        self.conflict = False
        label = _t(KIND_TITLES.get(kind, kind))
        self.setWindowTitle(
            self.tr("编辑{k}：{t}").format(k=label, t=doc.title)
            if doc
            else self.tr("新建{k}").format(k=label)
        )
        self.resize(1040, 720)
        self.view = HandbookEditorView(kind, self)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.view)
        v = self.view
        self._fill_combos()
        self._previews: list[tuple[MarkdownEdit, QTimer]] = []
        for widget in v.fields.values():
            if isinstance(widget, MarkdownEdit):
                self._connect_preview(widget)
            if isinstance(widget, EditableTable):
                self._connect_table(widget)
        if kind == "product":
            v.add_image_button.clicked.connect(self.add_image)
            v.remove_image_button.clicked.connect(self.remove_image)
            v.images_list.currentRowChanged.connect(self._show_image)
        if kind == "entry":
            v.entry_brand_combo.currentIndexChanged.connect(lambda _i: self._fill_entry_products())
        v.button_box.accepted.connect(self.save)
        v.button_box.rejected.connect(self.reject)
        v.reload_button.clicked.connect(self.reload_latest)
        v.key_edit.setReadOnly(doc is not None)
        self.load(doc.data if doc is not None else self._blank())
        if doc is not None:
            v.key_edit.setText(doc.key)

    # --- filling -----------------------------------------------------------------------------------

    def _blank(self) -> dict[str, Any]:
        if self.kind == "product":
            brand = self.brands[0][0] if self.brands else ""
            return {"brand": brand, "name": "", "category": "", "price_min": 0, "price_max": 0}
        if self.kind == "competitor":
            ours = self.products[0][0] if self.products else ""
            return {
                "rival_brand": "",
                "product": "",
                "price": 0,
                "claims": [],
                "our_answer": "",
                "our_product": ours,
            }
        return {"title": "", "body": ""}

    def _fill_combos(self) -> None:
        v = self.view
        if self.kind == "product":
            for key, name in self.brands:
                v.brand_combo.addItem(name, key)
        elif self.kind == "competitor":
            brand_names = dict(self.brands)
            for key, name, brand in self.products:
                v.our_product_combo.addItem(f"{name}（{brand_names.get(brand or '', brand or '')}）", key)
        else:
            v.entry_brand_combo.addItem(self.tr("通用（所有品牌）"), None)
            for key, name in self.brands:
                v.entry_brand_combo.addItem(name, key)
            self._fill_entry_products()

    def _fill_entry_products(self) -> None:
        combo = self.view.entry_product_combo
        current = combo.currentData()
        brand = self.view.entry_brand_combo.currentData()
        combo.blockSignals(True)
        combo.clear()
        combo.addItem(self.tr("（不关联商品）"), None)
        for key, name, product_brand in self.products:
            if brand is None or product_brand == brand:
                combo.addItem(name, key)
        combo.setCurrentIndex(max(0, combo.findData(current)))
        combo.blockSignals(False)

    @staticmethod
    def _select(combo: QComboBox, value: Any) -> None:
        index = combo.findData(value)
        if index < 0 and value:
            combo.addItem(str(value), value)  # a key the lists do not know: keep it
            index = combo.count() - 1
        combo.setCurrentIndex(max(0, index))

    def load(self, data: dict[str, Any]) -> None:
        """Fill the form from a pack item dict (without the key)."""
        self.original = copy.deepcopy(data)
        v = self.view
        if self.kind == "product":
            v.name_edit.setText(str(data.get("name", "")))
            v.category_edit.setText(str(data.get("category", "")))
            self._select(v.brand_combo, data.get("brand"))
            v.price_min_box.setValue(float(data.get("price_min") or 0))
            v.price_max_box.setValue(float(data.get("price_max") or 0))
            v.selling_points_edit.setPlainText("\n".join(data.get("selling_points") or []))
            v.materials_edit.setPlainText("\n".join(data.get("materials") or []))
            set_table_rows(
                v.variants.table,
                [
                    [str(x.get("name", "")), " / ".join(str(y) for y in x.get("values") or [])]
                    for x in data.get("variants") or []
                ],
            )
            chart = data.get("size_chart") or {}
            self.set_size_chart(list(chart.get("columns") or []), list(chart.get("rows") or []))
            v.usage_edit.edit.setPlainText(str(data.get("usage") or ""))
            set_table_rows(
                v.faq.table, [[str(e.get("q", "")), str(e.get("a", ""))] for e in data.get("faq") or []]
            )
            set_table_rows(
                v.after_sale.table,
                [
                    [str(e.get("problem", "")), str(e.get("handling", ""))]
                    for e in data.get("after_sale") or []
                ],
            )
            v.images_list.clear()
            for path in data.get("images") or []:
                v.images_list.addItem(str(path))
            if v.images_list.count():
                v.images_list.setCurrentRow(0)
        elif self.kind == "competitor":
            v.rival_brand_edit.setText(str(data.get("rival_brand", "")))
            v.product_edit.setText(str(data.get("product", "")))
            v.price_box.setValue(float(data.get("price") or 0))
            v.claims_edit.setPlainText("\n".join(data.get("claims") or []))
            self._select(v.our_product_combo, data.get("our_product"))
            v.our_answer_edit.edit.setPlainText(str(data.get("our_answer") or ""))
        else:
            v.title_edit.setText(str(data.get("title", "")))
            self._select(v.entry_brand_combo, data.get("brand"))
            self._fill_entry_products()
            self._select(v.entry_product_combo, data.get("product"))
            v.tags_edit.setText("、".join(data.get("tags") or []))
            v.body_edit.edit.setPlainText(str(data.get("body") or ""))
        for preview, timer in self._previews:
            timer.stop()
            self._render_preview(preview)
        self.clean = self.collect()

    def set_size_chart(self, columns: list[str], rows: list[list[str]]) -> None:
        table = self.view.size_chart.table
        table.setColumnCount(max(1, len(columns)))
        table.setRowCount(0)
        if not columns and not rows:
            return
        set_table_rows(table, [columns, *rows])
        self._style_header_row()

    def _style_header_row(self) -> None:
        table = self.view.size_chart.table
        if table.rowCount() == 0:
            return
        font = QFont(table.font())
        font.setBold(True)
        for c in range(table.columnCount()):
            item = table.item(0, c)
            if item is None:
                item = QTableWidgetItem("")
                table.setItem(0, c, item)
            item.setFont(font)
            item.setBackground(QColor(HEADER_BACKGROUND))
        table.setVerticalHeaderLabels([self.tr("表头"), *[str(i) for i in range(1, table.rowCount())]])

    # --- reading back ---------------------------------------------------------------------------------

    def collect(self) -> dict[str, Any]:
        """The form as a pack item dict; fields the form does not edit keep their old values."""
        data = copy.deepcopy(self.original)
        v = self.view

        def put(name: str, value: Any, *, drop_empty: bool = True) -> None:
            if drop_empty and value in (None, "", [], {}):
                data.pop(name, None)
            else:
                data[name] = value

        if self.kind == "product":
            data["name"] = v.name_edit.text().strip()
            data["category"] = v.category_edit.text().strip()
            data["brand"] = v.brand_combo.currentData() or ""
            data["price_min"] = _price(v.price_min_box.value())
            data["price_max"] = _price(v.price_max_box.value())
            put("selling_points", split_lines(v.selling_points_edit.toPlainText()))
            put("materials", split_lines(v.materials_edit.toPlainText()))
            put(
                "variants",
                [
                    {"name": name, "values": split_values(values)}
                    for name, values in table_rows(v.variants.table)
                ],
            )
            put("size_chart", self.size_chart())
            put("usage", self._markdown_text(v.usage_edit))
            put("faq", [{"q": q, "a": a} for q, a in table_rows(v.faq.table)])
            put("after_sale", [{"problem": p, "handling": h} for p, h in table_rows(v.after_sale.table)])
            put("images", [v.images_list.item(i).text() for i in range(v.images_list.count())])  # type: ignore[union-attr]
        elif self.kind == "competitor":
            data["rival_brand"] = v.rival_brand_edit.text().strip()
            data["product"] = v.product_edit.text().strip()
            data["price"] = _price(v.price_box.value())
            put("claims", split_lines(v.claims_edit.toPlainText()))
            data["our_answer"] = self._markdown_text(v.our_answer_edit)
            data["our_product"] = v.our_product_combo.currentData() or ""
        else:
            data["title"] = v.title_edit.text().strip()
            put("brand", v.entry_brand_combo.currentData())
            put("product", v.entry_product_combo.currentData())
            put("tags", split_tags(v.tags_edit.text()))
            data["body"] = self._markdown_text(v.body_edit)
        return data

    def _markdown_text(self, widget: MarkdownEdit) -> str:
        """The text as typed; a trailing line break added only when the stored one had it."""
        text = widget.edit.toPlainText()
        return text if text.strip() else ""

    def size_chart(self) -> dict[str, Any] | None:
        table = self.view.size_chart.table
        if table.rowCount() == 0:
            return None
        columns = []
        for c in range(table.columnCount()):
            item = table.item(0, c)
            columns.append(item.text().strip() if item is not None else "")
        rows = []
        for r in range(1, table.rowCount()):
            cells = []
            for c in range(table.columnCount()):
                item = table.item(r, c)
                cells.append(item.text().strip() if item is not None else "")
            if any(cells):
                rows.append(cells)
        if not any(columns) and not rows:
            return None
        return {"columns": columns, "rows": rows}

    def is_dirty(self) -> bool:
        return self.collect() != self.clean

    # --- tables and pictures ---------------------------------------------------------------------------

    def _connect_table(self, widget: EditableTable) -> None:
        table = widget.table
        size_chart = widget is getattr(self.view, "size_chart", None)

        def add_row() -> None:
            row = table.rowCount()
            table.insertRow(row)
            if size_chart:
                self._style_header_row()
            table.setCurrentCell(row, 0)
            table.editItem(table.item(row, 0) or _new_item(table, row, 0))

        def remove_rows() -> None:
            rows = sorted(
                {i.row() for i in table.selectedIndexes()} or ({table.currentRow()} - {-1}), reverse=True
            )
            for row in rows:
                table.removeRow(row)
            if size_chart:
                self._style_header_row()

        def add_column() -> None:
            table.insertColumn(table.columnCount())
            self._style_header_row()

        def remove_columns() -> None:
            columns = sorted({i.column() for i in table.selectedIndexes()}, reverse=True)
            for column in columns:
                if table.columnCount() > 1:
                    table.removeColumn(column)

        widget.add_row_button.clicked.connect(add_row)
        widget.remove_row_button.clicked.connect(remove_rows)
        widget.add_column_button.clicked.connect(add_column)
        widget.remove_column_button.clicked.connect(remove_columns)

    def add_image(self) -> None:
        root = project_root()
        path = prompts.choose_open_file(
            self, self.tr("选择商品图片"), root / "assets" / "products", filters=IMAGE_FILTER
        )
        if path is None:
            return
        try:
            relative = Path(path).resolve().relative_to(root).as_posix()
        except ValueError:
            set_message(
                self.view.messages["images"],
                self.tr("图片必须放在项目的 assets 文件夹里：{p}").format(p=str(path)),
            )
            return
        set_message(self.view.messages["images"], None)
        existing = [self.view.images_list.item(i).text() for i in range(self.view.images_list.count())]  # type: ignore[union-attr]
        if relative not in existing:
            self.view.images_list.addItem(relative)
        self.view.images_list.setCurrentRow(self.view.images_list.count() - 1)

    def remove_image(self) -> None:
        row = self.view.images_list.currentRow()
        if row >= 0:
            self.view.images_list.takeItem(row)

    def _show_image(self, row: int) -> None:
        label = self.view.image_preview
        item = self.view.images_list.item(row) if row >= 0 else None
        if item is None:
            label.clear()
            return
        pixmap = QPixmap(str(project_root() / item.text()))
        if pixmap.isNull():
            label.setText(self.tr("找不到图片"))
            return
        label.setPixmap(
            pixmap.scaled(
                label.size(), Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
            )
        )

    # --- Markdown previews ---------------------------------------------------------------------------------

    def _connect_preview(self, widget: MarkdownEdit) -> None:
        widget.preview.setSearchPaths([str(project_root())])
        timer = QTimer(self)
        timer.setSingleShot(True)
        timer.setInterval(PREVIEW_DELAY_MS)
        timer.timeout.connect(lambda: self._render_preview(widget))
        widget.edit.textChanged.connect(timer.start)
        self._previews.append((widget, timer))

    def _render_preview(self, widget: MarkdownEdit) -> None:
        widget.preview.setMarkdown(widget.edit.toPlainText())

    def flush_previews(self) -> None:
        """Render every pending preview now (tests; before a screenshot)."""
        for widget, timer in self._previews:
            if timer.isActive():
                timer.stop()
            self._render_preview(widget)

    # --- saving -------------------------------------------------------------------------------------------

    def clear_messages(self) -> None:
        for label in self.view.messages.values():
            set_message(label, None)
        set_message(self.view.error_label, None)

    def save(self) -> None:
        if self.saving:
            return
        self.clear_messages()
        key = self.doc.key if self.doc is not None else self.view.key_edit.text().strip()
        if not key:
            self.show_problems([("key", self.tr("请填写编号"))])
            return
        data = self.collect()
        note = self.view.note_edit.text().strip()
        handbook, actor, kind = self.ctx.services.handbook, self.ctx.actor, self.kind
        expected = self.doc.version if self.doc is not None else None
        creating = self.doc is None

        def job() -> HandbookDoc:
            if creating:
                try:
                    handbook.get_doc(actor, kind, key)
                except NotFound:
                    pass
                else:
                    raise InvalidInput(_t("编号 {k} 已经有人用了，请换一个").format(k=key), "key")
            return handbook.save_doc(actor, kind, key, data, expected_version=expected, note=note)

        self.saving = True
        self.view.save_button.setEnabled(False)
        self.ctx.runner.db(job, on_done=self._saved, on_error=self._failed, owner=self, name="handbook.save")

    def _saved(self, doc: HandbookDoc) -> None:
        self.saving = False
        self.view.save_button.setEnabled(True)
        self.doc = doc
        self.clean = self.collect()
        self.saved.emit(doc)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.saving = False
        self.view.save_button.setEnabled(True)
        if not isinstance(exc, InvalidInput):
            from cstrainer.gui import errors

            if errors.is_expected(exc):
                set_message(self.view.error_label, str(exc))
            else:
                errors.show_error(self, exc)
            return
        if exc.field == "version":
            self.show_conflict(str(exc))
            return
        problems = getattr(exc, "problems", None) or [(exc.field or "", str(exc))]
        self.show_problems([(str(f), str(m)) for f, m in problems])

    def show_problems(self, problems: Sequence[tuple[str, str]]) -> None:
        v = self.view
        by_field: dict[str, list[str]] = {}
        general: list[str] = []
        labels = FIELD_LABELS.get(self.kind, {})
        for path, raw in problems:
            name = top_field(path)
            message = _readable(raw, labels)
            detail = message if path == name or not path else f"{path}：{message}"
            if name in v.messages:
                by_field.setdefault(name, []).append(detail)
            else:
                general.append(f"{path}：{message}" if path else message)
        for name, messages in by_field.items():
            set_message(v.messages[name], "；".join(messages))
        if general:
            set_message(v.error_label, "；".join(general))
        elif by_field:
            set_message(
                v.error_label, self.tr("有 {n} 处需要修改，见各字段下的红字。").format(n=len(by_field))
            )
        first = next(iter(by_field), None)
        if first is not None:
            v.tabs.setCurrentIndex(v.field_tabs[first])
            v.fields[first].setFocus()

    def field_message(self, name: str) -> str:
        label = self.view.messages.get(name)
        return label.text() if label is not None and not label.isHidden() else ""

    def show_conflict(self, text: str) -> None:
        self.conflict = True
        self.view.conflict_label.setText(
            text + "\n" + self.tr("你的修改还在表单里；重新载入会用最新版本替换它们。")
        )
        self.view.conflict_frame.setVisible(True)

    def reload_latest(self) -> None:
        if self.doc is None:
            return
        if self.is_dirty() and not prompts.confirm(
            self,
            self.tr("重新载入"),
            self.tr("用最新版本替换表单里的内容？你的修改会丢失。"),
            ok_text=self.tr("重新载入"),
        ):
            return
        self.loading = True
        self.ctx.runner.db(
            self.ctx.services.handbook.get_doc,
            self.ctx.actor,
            self.kind,
            self.doc.key,
            on_done=self._reloaded,
            owner=self,
            name="handbook.reload",
        )

    def _reloaded(self, doc: HandbookDoc) -> None:
        self.loading = False
        self.doc = doc
        self.conflict = False
        self.view.conflict_frame.setVisible(False)
        self.clear_messages()
        self.load(doc.data)
        self.ctx.show_status(self.tr("已载入第 {v} 版").format(v=doc.version))

    # --- leaving ---------------------------------------------------------------------------------------

    def confirm_discard(self) -> bool:
        if not self.is_dirty():
            return True
        return prompts.confirm(
            self, self.tr("放弃修改"), self.tr("有未保存的修改，确定要关闭吗？"), ok_text=self.tr("放弃修改")
        )

    def reject(self) -> None:
        if self.saving:
            return
        if self.confirm_discard():
            super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.result() == QDialog.DialogCode.Accepted or self.confirm_discard():
            event.accept()
        else:
            event.ignore()


def _readable(message: str, labels: dict[str, str]) -> str:
    """The pack model's message with field names (``price_max``) said in Chinese (最高价)."""
    for name in sorted(labels, key=len, reverse=True):
        message = re.sub(rf"(?<![A-Za-z_]){re.escape(name)}(?![A-Za-z_])", labels[name], message)
    return message


def _new_item(table: Any, row: int, column: int) -> QTableWidgetItem:
    item = QTableWidgetItem("")
    table.setItem(row, column, item)
    return item
