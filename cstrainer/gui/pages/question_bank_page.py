"""The 题库 page: find questions (filters + jieba full-text search), edit, bulk-change, import, export.

Searching runs on the database thread a moment (300 ms) after the trainer stops typing; a
sequence number drops the answers to searches overtaken by a newer one, so the table always
shows the last query's result. Bulk actions work on the selected rows and ask first when they
retire or restore questions.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cstrainer.domain.accounts import Permission
from cstrainer.domain.questions import CATEGORIES, TYPE_LABELS, QuestionType
from cstrainer.gui import prompts
from cstrainer.gui.context import PageContext
from cstrainer.gui.pages.question_bank_page_view import QuestionBankPageView
from cstrainer.gui.pages.question_editor import DIFFICULTY_LABELS, QuestionEditorDialog, open_editor
from cstrainer.gui.pages.question_import_dialog import QuestionExportDialog, QuestionImportDialog
from cstrainer.gui.pages.registry import Page
from cstrainer.gui.qt import (
    QT_TRANSLATE_NOOP,
    QColor,
    QComboBox,
    QCoreApplication,
    QDialog,
    QDialogButtonBox,
    QLabel,
    Qt,
    QTimer,
    QVBoxLayout,
    QWidget,
)
from cstrainer.gui.table_model import RECORD_ROLE, Column, RecordTableModel, filter_proxy
from cstrainer.gui.tasks import Task
from cstrainer.services import Services
from cstrainer.services.questions import QuestionSummary
from cstrainer.services.users import BrandInfo

SEARCH_DELAY_MS = 300
ROW_LIMIT = 3000  # rows fetched per search; more than a person scrolls through
RETIRED_COLOUR = "#9e9e9e"
STEM_COLUMN = 2
XLSX_FILTER = QT_TRANSLATE_NOOP("QuestionBankPage", "Excel 表格 (*.xlsx)")


def _t(text: str) -> str:
    return QCoreApplication.translate("QuestionBankPage", text)


def one_line(text: str) -> str:
    return " ".join(text.split())


def question_columns(brand_names: Callable[[str | None], str]) -> list[Column[QuestionSummary]]:
    grey: Callable[[QuestionSummary], QColor | None] = lambda q: QColor(RETIRED_COLOUR) if q.retired else None  # noqa: E731
    return [
        Column(_t("编号"), lambda q: q.key, foreground=grey),
        Column(
            _t("题型"),
            lambda q: q.type.label,
            sort_key=lambda q: list(QuestionType).index(q.type),
            foreground=grey,
        ),
        Column(_t("题干"), lambda q: one_line(q.stem), tooltip=lambda q: q.stem, foreground=grey),
        Column(_t("分类"), lambda q: q.category, foreground=grey),
        Column(_t("品牌"), lambda q: brand_names(q.brand), foreground=grey),
        Column(
            _t("难度"),
            lambda q: _t(DIFFICULTY_LABELS.get(q.difficulty, str(q.difficulty))),
            sort_key=lambda q: q.difficulty,
            foreground=grey,
        ),
        Column(_t("标签"), lambda q: "、".join(q.tags), foreground=grey),
        Column(
            _t("版本"),
            lambda q: str(q.version),
            sort_key=lambda q: q.version,
            align_right=True,
            foreground=grey,
        ),
        Column(_t("状态"), lambda q: _t("已停用") if q.retired else _t("在用"), foreground=grey),
    ]


@dataclass(frozen=True)
class BankChoices:
    """What the filter combos and the editor offer."""

    categories: list[str] = field(default_factory=lambda: list(CATEGORIES))
    tags: list[str] = field(default_factory=list)
    brands: list[BrandInfo] = field(default_factory=list)


def load_choices(services: Services) -> BankChoices:
    return BankChoices(services.questions.categories(), services.questions.tags(), services.users.brands())


@dataclass(frozen=True)
class SearchParams:
    query: str = ""
    category: str | None = None
    brand: str | None = None  # None: every brand; "": only questions for all brands
    type: str | None = None
    difficulty: int | None = None
    tag: str | None = None
    include_retired: bool = False


ALL = "\x00all"  # combo data for "全部" (None is a real value for the brand filter)


class ValueDialog(QDialog):
    """Ask for one value from a list (editable for tags); used by the bulk actions."""

    def __init__(
        self,
        title: str,
        label: str,
        choices: Sequence[tuple[str, Any]],
        *,
        editable: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(360)
        lay = QVBoxLayout(self)
        text = QLabel(label)
        text.setWordWrap(True)
        lay.addWidget(text)
        self.combo = QComboBox()
        self.combo.setEditable(editable)
        for shown, data in choices:
            self.combo.addItem(shown, data)
        if editable:
            self.combo.setCurrentIndex(-1)
            self.combo.setEditText("")
        lay.addWidget(self.combo)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(self.tr("确定"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("取消"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)

    def value(self) -> Any:
        if self.combo.isEditable():
            text = self.combo.currentText().strip()
            index = self.combo.findText(text)
            return self.combo.itemData(index) if index >= 0 else text
        return self.combo.currentData()

    def accept(self) -> None:
        if self.combo.isEditable() and not self.combo.currentText().strip():
            return
        super().accept()


class QuestionBankPage(Page):
    def __init__(self, ctx: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.view = QuestionBankPageView(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)
        self.choices = BankChoices()
        self._brand_names: dict[str, str] = {}
        self.model: RecordTableModel[QuestionSummary] = RecordTableModel(
            question_columns(self.brand_name), self
        )
        self.proxy = filter_proxy(self.model, self)
        self.view.table.setModel(self.proxy)
        self.view.fit_columns(STEM_COLUMN)
        self.view.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.dialog: QWidget | None = None  # the dialog open now (tests reach it here)
        self.editors: list[QuestionEditorDialog] = []  # editor windows still open
        self.last_task: Task | None = None
        self._search_seq = 0
        self._searching = False
        self._reselect: list[str] = []
        self._choices_loaded = False

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self.search)

        v = self.view
        self._fill_static_filters()
        v.search_edit.textChanged.connect(lambda _t: self._search_timer.start())
        v.search_edit.returnPressed.connect(self.search)
        for combo in (v.category_combo, v.brand_combo, v.type_combo, v.difficulty_combo, v.tag_combo):
            combo.currentIndexChanged.connect(lambda _i: self._filters_changed())
        v.retired_check.toggled.connect(lambda _on: self._filters_changed())
        v.table.selectionModel().selectionChanged.connect(lambda *_: self._selection_changed())
        v.table.doubleClicked.connect(lambda _i: self.edit_selected())
        v.new_button.clicked.connect(self.new_question)
        v.edit_button.clicked.connect(self.edit_selected)
        v.import_button.clicked.connect(self.import_questions)
        v.export_button.clicked.connect(self.export_questions)
        v.template_button.clicked.connect(self.save_template)
        v.refresh_button.clicked.connect(self.reload)
        v.add_tag_action.triggered.connect(self.add_tag)
        v.remove_tag_action.triggered.connect(self.remove_tag)
        v.category_action.triggered.connect(self.move_to_category)
        v.brand_action.triggered.connect(self.change_brand)
        v.retire_action.triggered.connect(lambda: self.set_retired(True))
        v.restore_action.triggered.connect(lambda: self.set_retired(False))
        v.import_button.setVisible(ctx.actor.can(Permission.IMPORT_CONTENT))
        v.template_button.setVisible(ctx.actor.can(Permission.IMPORT_CONTENT))
        v.export_button.setVisible(ctx.actor.can(Permission.EXPORT_CONTENT))
        self._selection_changed()

    # --- filters ---------------------------------------------------------------------------------

    def _fill_static_filters(self) -> None:
        v = self.view
        v.type_combo.addItem(self.tr("全部"), ALL)
        for qtype, label in TYPE_LABELS.items():
            v.type_combo.addItem(label, qtype.value)
        v.difficulty_combo.addItem(self.tr("全部"), ALL)
        for level, label in DIFFICULTY_LABELS.items():
            v.difficulty_combo.addItem(QCoreApplication.translate("QuestionEditor", label), level)
        self._fill_choice_filters()

    def _fill_choice_filters(self) -> None:
        """Categories, brands and tags come from the database; keep what was chosen."""
        v = self.view
        combos = (v.category_combo, v.brand_combo, v.tag_combo)
        kept = [c.currentData() for c in combos]
        for combo in combos:
            combo.blockSignals(True)
            combo.clear()
            combo.addItem(self.tr("全部"), ALL)
        for category in self.choices.categories:
            v.category_combo.addItem(category, category)
        v.brand_combo.addItem(self.tr("通用"), "")
        for brand in self.choices.brands:
            v.brand_combo.addItem(brand.name, brand.key)
        for tag in self.choices.tags:
            v.tag_combo.addItem(tag, tag)
        for combo, data in zip(combos, kept, strict=True):
            index = combo.findData(data) if data is not None else 0
            combo.setCurrentIndex(max(index, 0))
            combo.blockSignals(False)

    def params(self) -> SearchParams:
        v = self.view

        def data(combo: QComboBox) -> Any:
            value = combo.currentData()
            return None if value == ALL else value

        return SearchParams(
            query=v.search_edit.text().strip(),
            category=data(v.category_combo),
            brand=data(v.brand_combo),
            type=data(v.type_combo),
            difficulty=data(v.difficulty_combo),
            tag=data(v.tag_combo),
            include_retired=v.retired_check.isChecked(),
        )

    def _filters_changed(self) -> None:
        self._search_timer.stop()
        self.search()

    # --- loading ---------------------------------------------------------------------------------

    def page_shown(self) -> None:
        self.reload()

    def reload(self, select: Sequence[str] | None = None) -> None:
        """Reload the filter choices and the rows; then select ``select`` (default: the selection)."""
        self._reselect = list(select) if select is not None else self.selected_keys()
        self.ctx.runner.db(load_choices, self.ctx.services, on_done=self._choices_arrived, owner=self)
        self.search()

    def _choices_arrived(self, choices: BankChoices) -> None:
        self.choices = choices
        self._brand_names = {b.key: b.name for b in choices.brands}
        self._choices_loaded = True
        self._fill_choice_filters()
        self.model.refresh_all()  # brand names may have arrived after the rows

    def brand_name(self, key: str | None) -> str:
        if not key:
            return _t("通用")
        return self._brand_names.get(key, key)

    def search(self) -> None:
        """Ask for the rows matching the filters now (the last request wins)."""
        self._search_timer.stop()
        if self.ctx.runner.closed:  # the session ended while the timer ran
            return
        self._search_seq += 1
        seq = self._search_seq
        p = self.params()
        self._searching = True
        self.view.busy_label.setText(self.tr("正在搜索…"))
        if not self._reselect:
            self._reselect = self.selected_keys()
        self.last_task = self.ctx.runner.db(
            self.ctx.services.questions.search,
            self.ctx.actor,
            p.query,
            category=p.category,
            brand=p.brand,
            type=p.type,
            difficulty=p.difficulty,
            tag=p.tag,
            include_retired=p.include_retired,
            limit=ROW_LIMIT,
            on_done=lambda rows: self._searched(seq, rows),
            on_error=lambda exc: self._search_failed(seq, exc),
            owner=self,
        )

    @property
    def searching(self) -> bool:
        return self._searching or self._search_timer.isActive()

    def _searched(self, seq: int, rows: list[QuestionSummary]) -> None:
        if seq != self._search_seq:
            return
        self._searching = False
        self.view.busy_label.setText(
            self.tr("只列出前 {n} 题，请用筛选或搜索缩小范围").format(n=ROW_LIMIT)
            if len(rows) >= ROW_LIMIT
            else ""
        )
        self.model.set_rows(rows)
        reselect, self._reselect = self._reselect, []
        if reselect:
            self.select_keys(reselect)
        self._selection_changed()

    def _search_failed(self, seq: int, exc: BaseException) -> None:
        if seq != self._search_seq:
            return
        self._searching = False
        self.view.busy_label.setText("")
        from cstrainer.gui import errors

        errors.show_error(self.window(), exc)

    # --- selection -------------------------------------------------------------------------------

    def selected(self) -> list[QuestionSummary]:
        rows = self.view.table.selectionModel().selectedRows()
        out = []
        for index in sorted(rows, key=lambda i: i.row()):
            record = self.proxy.data(index, RECORD_ROLE)
            if isinstance(record, QuestionSummary):
                out.append(record)
        return out

    def selected_keys(self) -> list[str]:
        return [q.key for q in self.selected()]

    def listed_keys(self) -> list[str]:
        return [q.key for q in self.model.rows()]

    def select_keys(self, keys: Sequence[str]) -> None:
        table = self.view.table
        selection = table.selectionModel()
        selection.clearSelection()
        wanted = set(keys)
        first = None
        for row in range(self.proxy.rowCount()):
            index = self.proxy.index(row, 0)
            record = self.proxy.data(index, RECORD_ROLE)
            if isinstance(record, QuestionSummary) and record.key in wanted:
                from cstrainer.gui.qt import QItemSelectionModel

                selection.select(
                    index,
                    QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows,
                )
                first = first or index
        if first is not None:
            table.scrollTo(first)

    def _selection_changed(self) -> None:
        selected = self.selected()
        v = self.view
        n = len(selected)
        v.count_label.setText(self.tr("共 {n} 题（已选 {m}）").format(n=self.model.rowCount(), m=n))
        v.edit_button.setEnabled(n == 1)
        v.bulk_button.setEnabled(n > 0)
        for action in (v.add_tag_action, v.remove_tag_action, v.category_action, v.brand_action):
            action.setEnabled(n > 0)
        v.remove_tag_action.setEnabled(any(q.tags for q in selected))
        v.retire_action.setEnabled(any(not q.retired for q in selected))
        v.restore_action.setEnabled(any(q.retired for q in selected))

    # --- editing ---------------------------------------------------------------------------------

    def new_question(self) -> QuestionEditorDialog:
        p = self.params()
        editor = open_editor(
            self.ctx,
            None,
            self,
            categories=self.choices.categories,
            brands=self.choices.brands,
            new_category=p.category or "",
            new_brand=p.brand or None,
        )
        return self._track(editor)

    def edit_selected(self) -> QuestionEditorDialog | None:
        selected = self.selected()
        if len(selected) != 1:
            return None
        return self.edit(selected[0].key)

    def edit(self, key: str) -> QuestionEditorDialog:
        for editor in self.editors:  # already open: bring it to the front instead of a second copy
            if editor.key == key:
                editor.raise_()
                editor.activateWindow()
                self.dialog = editor
                return editor
        editor = open_editor(
            self.ctx, key, self, categories=self.choices.categories, brands=self.choices.brands
        )
        return self._track(editor)

    def _track(self, editor: QuestionEditorDialog) -> QuestionEditorDialog:
        editor.saved.connect(self._question_saved)
        editor.finished.connect(lambda _r, e=editor: self.editors.remove(e) if e in self.editors else None)
        self.editors.append(editor)
        self.dialog = editor
        return editor

    def page_closing(self) -> None:
        self._search_timer.stop()
        for editor in list(self.editors):
            editor.discard()

    def _question_saved(self, key: str) -> None:
        self.reload(select=[key])

    # --- bulk actions ----------------------------------------------------------------------------

    def _ask(
        self,
        title: str,
        label: str,
        choices: Sequence[tuple[str, Any]],
        then: Callable[[Any], None],
        *,
        editable: bool = False,
    ) -> ValueDialog:
        dialog = ValueDialog(title, label, choices, editable=editable, parent=self)
        dialog.accepted.connect(lambda: then(dialog.value()))
        self.dialog = dialog
        dialog.open()
        return dialog

    def add_tag(self) -> None:
        keys = self.selected_keys()
        if not keys:
            return
        self._ask(
            self.tr("加标签"),
            self.tr("给选中的 {n} 道题加上标签：").format(n=len(keys)),
            [(t, t) for t in self.choices.tags],
            lambda tag: self._bulk(
                keys, lambda n: self.tr("已给 {n} 道题加上标签“{tag}”").format(n=n, tag=tag), add_tags=[tag]
            ),
            editable=True,
        )

    def remove_tag(self) -> None:
        selected = self.selected()
        tags = sorted({t for q in selected for t in q.tags})
        if not tags:
            return
        keys = [q.key for q in selected]
        self._ask(
            self.tr("移除标签"),
            self.tr("从选中的 {n} 道题中移除标签：").format(n=len(keys)),
            [(t, t) for t in tags],
            lambda tag: self._bulk(
                keys,
                lambda n: self.tr("已从 {n} 道题移除标签“{tag}”").format(n=n, tag=tag),
                remove_tags=[tag],
            ),
        )

    def move_to_category(self) -> None:
        keys = self.selected_keys()
        if not keys:
            return
        self._ask(
            self.tr("移动到分类"),
            self.tr("把选中的 {n} 道题移动到分类：").format(n=len(keys)),
            [(c, c) for c in self.choices.categories],
            lambda category: self._bulk(
                keys, lambda n: self.tr("已把 {n} 道题移动到“{c}”").format(n=n, c=category), category=category
            ),
        )

    def change_brand(self) -> None:
        keys = self.selected_keys()
        if not keys:
            return
        choices: list[tuple[str, Any]] = [(self.tr("通用（所有品牌）"), "")]
        choices += [(b.name, b.key) for b in self.choices.brands]

        def apply(brand: str) -> None:
            label = self.brand_name(brand or None)

            def done(n: int) -> str:
                return self.tr("已把 {n} 道题的品牌改为“{b}”").format(n=n, b=label)

            if brand:
                self._bulk(keys, done, brand=brand)
            else:
                self._bulk(keys, done, clear_brand=True)

        self._ask(
            self.tr("改品牌"),
            self.tr("把选中的 {n} 道题改为品牌：").format(n=len(keys)),
            choices,
            apply,
        )

    def set_retired(self, retired: bool) -> None:
        selected = self.selected()
        targets = [q.key for q in selected if q.retired != retired]
        if not targets:
            return
        unchanged = len(selected) - len(targets)
        if retired:
            text = self.tr(
                "停用选中的 {n} 道题？\n\n停用后这些题不会再被抽进新试卷，已有的考试记录和成绩不受影响，随时可以恢复。"
            ).format(n=len(targets))
            title, ok, done = self.tr("停用题目"), self.tr("停用"), self.tr("已停用 {n} 道题").format
        else:
            text = self.tr("恢复选中的 {n} 道已停用的题？恢复后它们可以再被抽进试卷。").format(n=len(targets))
            title, ok, done = self.tr("恢复题目"), self.tr("恢复"), self.tr("已恢复 {n} 道题").format
        if unchanged:
            text += self.tr("\n\n（另有 {m} 道选中的题本来就是这个状态，不变。）").format(m=unchanged)
        if not prompts.confirm(self, title, text, ok_text=ok):
            return
        self._bulk(targets, lambda n: done(n=n), retired=retired)

    def _bulk(self, keys: list[str], done: Callable[[int], str], **changes: Any) -> None:
        """One ``bulk_update`` over ``keys``; ``done(n)`` words the status message."""
        self.last_task = self.ctx.runner.db(
            self.ctx.services.questions.bulk_update,
            self.ctx.actor,
            keys,
            on_done=lambda n: self._bulk_done(done(n), keys),
            owner=self,
            **changes,
        )

    def _bulk_done(self, text: str, keys: list[str]) -> None:
        self.dialog = None
        self.ctx.show_status(text)
        self.reload(select=keys)

    # --- import, export, template ----------------------------------------------------------------

    def import_questions(self) -> QuestionImportDialog:
        dialog = QuestionImportDialog(self.ctx, self.choices.categories, self.choices.brands, self)
        dialog.imported.connect(lambda _n: self.reload())
        self.dialog = dialog
        dialog.open()
        return dialog

    def export_questions(self) -> QuestionExportDialog:
        dialog = QuestionExportDialog(self.ctx, self.selected_keys(), self.listed_keys(), self)
        self.dialog = dialog
        dialog.open()
        return dialog

    def save_template(self) -> None:
        start = Path.home() / self.tr("题库导入模板.xlsx")
        path = prompts.choose_save_file(self, self.tr("保存导入模板"), start, _t(XLSX_FILTER))
        if path is None:
            return
        if not path.suffix:
            path = path.with_suffix(".xlsx")
        self.last_task = self.ctx.runner.pool(
            self.ctx.services.questions.write_template, path, on_done=self._template_written, owner=self
        )

    def _template_written(self, path: Path) -> None:
        text = self.tr("导入模板已保存到 {path}。按表头说明填写后，用“导入…”导入。").format(path=path)
        self.ctx.show_status(text)
        prompts.inform(self, self.tr("下载导入模板"), text)
