"""Dialogs of the 产品手册 page: a document's history (versions, and the field diff of any two),
the side-by-side comparison of products and competitors, and the Markdown folder import
(preview first, then import; problems listed with file and line).

They are small: layout and behaviour share a class here (as cstrainer/gui/forms.py does).
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from cstrainer.domain.handbook import KIND_LABELS
from cstrainer.gui.context import PageContext
from cstrainer.gui.forms import message_label, set_message
from cstrainer.gui.qt import (
    QAbstractItemView,
    QCheckBox,
    QColor,
    QCoreApplication,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    Qt,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
    Signal,
)
from cstrainer.gui.style import GREEN, GREY, MUTED_STYLE, RED, heading
from cstrainer.gui.table_model import local_time
from cstrainer.gui.tasks import run_with_progress
from cstrainer.services.handbook import COMPARE_FIELDS, Comparison, FieldChange, HandbookDoc, Revision

MAX_COMPARE = 4
OLD_BACKGROUND = "#fdecea"
NEW_BACKGROUND = "#e6f4ea"
DEFAULT_COMPARE_FIELDS = ("price", "variants", "materials", "selling_points", "our_answer")


def _t(text: str) -> str:
    return QCoreApplication.translate("HandbookDialogs", text)


def _item(text: str, *, background: str | None = None) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setToolTip(text)
    item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
    if background:
        item.setBackground(QColor(background))
    return item


# --- history -----------------------------------------------------------------------------------------


class HistoryDialog(QDialog):
    """The versions of one document, newest first; two selected versions are compared field by field
    (the two newest at first)."""

    def __init__(self, ctx: PageContext, doc: HandbookDoc, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.doc = doc
        self.revisions: list[Revision] = []
        self.changes: list[FieldChange] = []
        self.loading = True
        self._seq = 0
        self.setWindowTitle(self.tr("历史版本 · {t}").format(t=doc.title))
        self.resize(980, 640)
        outer = QVBoxLayout(self)
        outer.addWidget(heading(self.tr("“{t}”的历史版本").format(t=doc.title)))
        hint = QLabel(self.tr("点选两个版本（再点一下取消选择），下方显示它们之间改了哪些字段。"))
        hint.setStyleSheet(MUTED_STYLE)
        outer.addWidget(hint)
        split = QSplitter(Qt.Orientation.Vertical)
        self.table = QTableWidget(0, 5)
        self.table.setHorizontalHeaderLabels(
            [self.tr("版本"), self.tr("时间"), self.tr("修改人"), self.tr("说明"), self.tr("改动的字段")]
        )
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.MultiSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        for column in (0, 1, 2):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        split.addWidget(self.table)
        lower = QWidget()
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 0, 0, 0)
        self.diff_label = QLabel()
        self.diff_label.setWordWrap(True)
        lower_layout.addWidget(self.diff_label)
        self.diff_table = QTableWidget(0, 3)
        self.diff_table.setWordWrap(True)
        self.diff_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.diff_table.verticalHeader().setVisible(False)
        dh = self.diff_table.horizontalHeader()
        dh.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        dh.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        dh.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        lower_layout.addWidget(self.diff_table, 1)
        split.addWidget(lower)
        split.setSizes([220, 380])
        outer.addWidget(split, 1)
        self.error_label = message_label()
        outer.addWidget(self.error_label)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText(self.tr("关闭"))
        buttons.rejected.connect(self.reject)
        outer.addWidget(buttons)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        ctx.runner.db(
            ctx.services.handbook.history,
            ctx.actor,
            doc.kind,
            doc.key,
            on_done=self._loaded,
            on_error=self._failed,
            owner=self,
            name="handbook.history",
        )

    def _failed(self, exc: BaseException) -> None:
        self.loading = False
        set_message(self.error_label, str(exc))

    def _loaded(self, revisions: list[Revision]) -> None:
        self.loading = False
        self.revisions = revisions
        labels = dict(_field_labels(self.doc.kind))
        self.table.setRowCount(len(revisions))
        for row, rev in enumerate(revisions):
            changed = "、".join(labels.get(f, f) for f in rev.changed)
            cells = [
                self.tr("第 {v} 版").format(v=rev.version),
                local_time(rev.at),
                rev.by,
                rev.note,
                changed,
            ]
            for column, text in enumerate(cells):
                self.table.setItem(row, column, _item(text))
        if len(revisions) >= 2:
            self.select_versions(revisions[1].version, revisions[0].version)
        else:
            self.diff_label.setText(self.tr("只有一个版本，还没有修改记录。"))

    def select_versions(self, old: int, new: int) -> None:
        self.table.clearSelection()
        for row, rev in enumerate(self.revisions):
            if rev.version in (old, new):
                self.table.selectRow(row)

    def selected_versions(self) -> list[int]:
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        return sorted(self.revisions[r].version for r in rows if r < len(self.revisions))

    def _selection_changed(self) -> None:
        versions = self.selected_versions()
        if len(versions) != 2:
            self.diff_table.setRowCount(0)
            self.diff_label.setText(self.tr("选两个版本来比较。"))
            return
        old, new = versions
        self._seq += 1
        seq = self._seq
        self.loading = True
        self.ctx.runner.db(
            self.ctx.services.handbook.diff,
            self.ctx.actor,
            self.doc.kind,
            self.doc.key,
            old,
            new,
            on_done=lambda changes: self._diffed(seq, old, new, changes),
            on_error=self._failed,
            owner=self,
            name="handbook.diff",
        )

    def _diffed(self, seq: int, old: int, new: int, changes: list[FieldChange]) -> None:
        if seq != self._seq:
            return
        self.loading = False
        self.changes = changes
        self.diff_label.setText(
            self.tr("第 {a} 版 → 第 {b} 版：改了 {n} 个字段").format(a=old, b=new, n=len(changes))
            if changes
            else self.tr("第 {a} 版和第 {b} 版内容相同").format(a=old, b=new)
        )
        self.diff_table.setHorizontalHeaderLabels(
            [self.tr("字段"), self.tr("第 {v} 版").format(v=old), self.tr("第 {v} 版").format(v=new)]
        )
        self.diff_table.setRowCount(len(changes))
        for row, change in enumerate(changes):
            self.diff_table.setItem(row, 0, _item(change.label))
            self.diff_table.setItem(row, 1, _item(change.old or "—", background=OLD_BACKGROUND))
            self.diff_table.setItem(row, 2, _item(change.new or "—", background=NEW_BACKGROUND))
        self.diff_table.resizeRowsToContents()


def _field_labels(kind: str) -> list[tuple[str, str]]:
    from cstrainer.domain.handbook import FIELD_LABELS

    return list(FIELD_LABELS.get(kind, {}).items())


# --- comparison --------------------------------------------------------------------------------------


class CompareDialog(QDialog):
    """Pick 2–4 products / competitors and the fields; the comparison is a table, one column each."""

    def __init__(
        self,
        ctx: PageContext,
        docs: Sequence[HandbookDoc],
        chosen: Sequence[tuple[str, str]] = (),
        *,
        brand_names: dict[str, str] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.docs = list(docs)
        self.comparison: Comparison | None = None
        self.loading = False
        self.setWindowTitle(self.tr("对比商品与竞品"))
        self.resize(1180, 700)
        names = brand_names or {}
        outer = QHBoxLayout(self)

        left = QVBoxLayout()
        left.addWidget(heading(self.tr("选 2–4 个")))
        self.doc_list = QListWidget()
        for doc in self.docs:
            brand = names.get(doc.brand or "", "") if doc.brand else _t("通用")
            label = f"{doc.title}（{KIND_LABELS.get(doc.kind, doc.kind)} · {brand}）"
            item = QListWidgetItem(label)
            item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(
                Qt.CheckState.Checked if (doc.kind, doc.key) in set(chosen) else Qt.CheckState.Unchecked
            )
            item.setData(Qt.ItemDataRole.UserRole, (doc.kind, doc.key))
            item.setToolTip(label)
            self.doc_list.addItem(item)
        left.addWidget(self.doc_list, 1)
        fields_box = QGroupBox(self.tr("对比哪些字段"))
        grid = QGridLayout(fields_box)
        self.field_boxes: dict[str, QCheckBox] = {}
        for i, (field, label) in enumerate(COMPARE_FIELDS.items()):
            box = QCheckBox(label)
            box.setChecked(field in DEFAULT_COMPARE_FIELDS)
            self.field_boxes[field] = box
            grid.addWidget(box, i // 2, i % 2)
        left.addWidget(fields_box)
        self.compare_button = QPushButton(self.tr("对比"))
        left.addWidget(self.compare_button)
        self.error_label = message_label()
        left.addWidget(self.error_label)
        holder = QWidget()
        holder.setLayout(left)
        holder.setFixedWidth(340)
        outer.addWidget(holder)

        right = QVBoxLayout()
        self.result_label = QLabel(self.tr("勾选商品和字段后点“对比”。"))
        self.result_label.setStyleSheet(MUTED_STYLE)
        right.addWidget(self.result_label)
        self.table = QTableWidget(0, 0)
        self.table.setWordWrap(True)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        right.addWidget(self.table, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText(self.tr("关闭"))
        buttons.rejected.connect(self.reject)
        right.addWidget(buttons)
        outer.addLayout(right, 1)

        self.compare_button.clicked.connect(self.compare)
        if len(chosen) >= 2:
            self.compare()

    def checked_docs(self) -> list[tuple[str, str]]:
        out = []
        for i in range(self.doc_list.count()):
            item = self.doc_list.item(i)
            if item is not None and item.checkState() == Qt.CheckState.Checked:
                out.append(tuple(item.data(Qt.ItemDataRole.UserRole)))
        return out  # type: ignore[return-value]

    def set_checked(self, refs: Sequence[tuple[str, str]]) -> None:
        wanted = set(refs)
        for i in range(self.doc_list.count()):
            item = self.doc_list.item(i)
            if item is not None:
                ref = tuple(item.data(Qt.ItemDataRole.UserRole))
                item.setCheckState(Qt.CheckState.Checked if ref in wanted else Qt.CheckState.Unchecked)

    def set_fields(self, fields: Sequence[str]) -> None:
        for field, box in self.field_boxes.items():
            box.setChecked(field in fields)

    def checked_fields(self) -> list[str]:
        return [field for field, box in self.field_boxes.items() if box.isChecked()]

    def compare(self) -> None:
        docs, fields = self.checked_docs(), self.checked_fields()
        if not 2 <= len(docs) <= MAX_COMPARE:
            set_message(self.error_label, self.tr("请勾选 2–4 个商品或竞品。"))
            return
        if not fields:
            set_message(self.error_label, self.tr("请至少勾选一个字段。"))
            return
        set_message(self.error_label, None)
        self.loading = True
        self.ctx.runner.db(
            self.ctx.services.handbook.compare,
            self.ctx.actor,
            docs,
            fields,
            on_done=self._compared,
            on_error=self._failed,
            owner=self,
            name="handbook.compare",
        )

    def _failed(self, exc: BaseException) -> None:
        self.loading = False
        set_message(self.error_label, str(exc))

    def _compared(self, comparison: Comparison) -> None:
        self.loading = False
        self.comparison = comparison
        table = self.table
        table.clear()
        table.setColumnCount(len(comparison.titles))
        table.setRowCount(len(comparison.rows))
        table.setHorizontalHeaderLabels(list(comparison.titles))
        table.setVerticalHeaderLabels([label for label, _ in comparison.rows])
        for row, (_label, values) in enumerate(comparison.rows):
            differs = len(set(values)) > 1
            for column, value in enumerate(values):
                item = _item(value.replace("；", "\n"))  # one list item a line
                if not differs:
                    item.setForeground(QColor(GREY))
                table.setItem(row, column, item)
        table.resizeRowsToContents()
        self.result_label.setText(
            self.tr("{n} 项对比；灰色的字段各方相同。").format(n=len(comparison.titles))
        )

    def cell(self, label: str, column: int) -> str:
        if self.comparison is None:
            return ""
        for row_label, values in self.comparison.rows:
            if row_label == label:
                return values[column]
        raise KeyError(label)


# --- import ------------------------------------------------------------------------------------------


class ImportDialog(QDialog):
    """Preview a Markdown folder (what would be added / changed; problems with file and line), then
    import it with a change note. ``imported(count)`` once the import went through."""

    imported = Signal(int)

    def __init__(self, ctx: PageContext, folder: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.folder = folder
        self.preview: Any = None
        self.loading = True
        self.setWindowTitle(self.tr("导入 Markdown 手册"))
        self.resize(860, 600)
        outer = QVBoxLayout(self)
        outer.addWidget(heading(self.tr("从文件夹导入：{f}").format(f=str(folder))))
        self.summary_label = QLabel(self.tr("正在读取文件夹…"))
        self.summary_label.setWordWrap(True)
        outer.addWidget(self.summary_label)
        self.details = QTextBrowser()
        outer.addWidget(self.details, 1)
        note_row = QHBoxLayout()
        note_row.addWidget(QLabel(self.tr("修改说明")))
        self.note_edit = QLineEdit()
        self.note_edit.setPlaceholderText(self.tr("例如：按 3 月新品资料更新价格"))
        note_row.addWidget(self.note_edit, 1)
        outer.addLayout(note_row)
        self.error_label = message_label()
        outer.addWidget(self.error_label)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.import_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.import_button.setText(self.tr("导入"))
        self.import_button.setEnabled(False)
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("取消"))
        self.buttons.accepted.connect(self.run_import)
        self.buttons.rejected.connect(self.reject)
        outer.addWidget(self.buttons)
        ctx.runner.db(
            ctx.services.handbook_io.preview_markdown,
            ctx.actor,
            folder,
            on_done=self._previewed,
            on_error=self._failed,
            owner=self,
            name="handbook.import_preview",
        )

    def _failed(self, exc: BaseException) -> None:
        from cstrainer.services.errors import ValidationFailed

        self.loading = False
        if isinstance(exc, ValidationFailed):
            self.details.setHtml(_problems_html([str(e) for e in exc.errors]))
        set_message(self.error_label, str(exc))

    def _previewed(self, preview: Any) -> None:
        self.loading = False
        self.preview = preview
        self.summary_label.setText(preview.summary())
        parts: list[str] = []
        if preview.problems:
            parts.append(_problems_html([str(p) for p in preview.problems]))
        for title, docs, colour in (
            (self.tr("新增"), preview.added, GREEN),
            (self.tr("修改"), preview.changed, "#1565c0"),
            (self.tr("不变"), preview.unchanged, GREY),
        ):
            if not docs:
                continue
            rows = "".join(
                f"<li>{html.escape(d.describe())}"
                + (
                    f" <span style='color:{GREY}'>（{html.escape('、'.join(d.changed_labels))}）</span>"
                    if d.changed
                    else ""
                )
                + f" <span style='color:{GREY}'>{html.escape(d.file)}</span></li>"
                for d in docs
            )
            parts.append(
                f"<h4 style='color:{colour}'>{html.escape(title)}（{len(docs)}）</h4><ul>{rows}</ul>"
            )
        self.details.setHtml("".join(parts))
        self.import_button.setEnabled(preview.ok and bool(preview.to_save))
        if preview.ok and not preview.to_save:
            set_message(self.error_label, self.tr("文件夹里的内容和现有手册完全相同，不需要导入。"))

    def problems(self) -> list[str]:
        return [str(p) for p in self.preview.problems] if self.preview is not None else []

    def run_import(self) -> None:
        if self.preview is None or not self.preview.ok:
            return
        io, actor, folder, note = (
            self.ctx.services.handbook_io,
            self.ctx.actor,
            self.folder,
            self.note_edit.text(),
        )
        self.import_button.setEnabled(False)
        self.loading = True

        def job(task: Any) -> Any:
            task.progress(_t("正在导入…"))
            return io.import_markdown(actor, folder, note=note)

        run_with_progress(
            self.ctx.runner,
            self,
            self.tr("正在导入手册…"),
            job,
            cancellable=False,
            on_done=self._imported,
            on_error=self._import_failed,
        )

    def _import_failed(self, exc: BaseException) -> None:
        self.loading = False
        self.import_button.setEnabled(True)
        self._failed(exc)

    def _imported(self, result: Any) -> None:
        self.loading = False
        self.imported.emit(int(result.saved))
        self.accept()


def _problems_html(problems: Sequence[str]) -> str:
    rows = "".join(f"<li>{html.escape(p)}</li>" for p in problems)
    return (
        f"<h4 style='color:{RED}'>"
        + html.escape(_t("有 {n} 处问题，修正后才能导入：").format(n=len(problems)))
        + f"</h4><ul>{rows}</ul>"
    )
