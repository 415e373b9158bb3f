"""Importing questions from a file (with a dry-run preview first) and exporting them.

Import is all or nothing: the dialog first asks the service for a dry run (parsing and
classifying every question, writing nothing) and shows either the questions with what would
happen to each (新增 / 更新 / 不变) or every error with its file, row/line and column. Only then can
the trainer confirm; the real import runs in one transaction with a progress dialog, so a
failure - or a cancel - leaves the bank as it was.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cstrainer.domain.questions import CATEGORIES, QuestionType
from cstrainer.gui import errors, prompts
from cstrainer.gui.context import PageContext
from cstrainer.gui.forms import ERROR_STYLE, INFO_STYLE
from cstrainer.gui.qt import (
    QT_TRANSLATE_NOOP,
    QAbstractItemView,
    QButtonGroup,
    QComboBox,
    QCoreApplication,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QStackedWidget,
    Qt,
    QTableView,
    QVBoxLayout,
    QWidget,
    Signal,
)
from cstrainer.gui.table_model import Column, RecordTableModel
from cstrainer.gui.tasks import Task, run_with_progress
from cstrainer.services.errors import ServiceError, ValidationFailed
from cstrainer.services.questions import QuestionImportReport
from cstrainer.services.users import BrandInfo

FORMATS: list[tuple[str, str, str]] = [  # (service name, label, file suffix)
    ("auto", QT_TRANSLATE_NOOP("QuestionImport", "自动（按文件扩展名）"), ""),
    ("xlsx", QT_TRANSLATE_NOOP("QuestionImport", "Excel 表格（.xlsx）"), ".xlsx"),
    ("csv", QT_TRANSLATE_NOOP("QuestionImport", "CSV 表格（.csv）"), ".csv"),
    ("gift", QT_TRANSLATE_NOOP("QuestionImport", "GIFT（Moodle 题库，.txt/.gift）"), ".txt"),
    ("aiken", QT_TRANSLATE_NOOP("QuestionImport", "Aiken（单选题纯文本，.txt）"), ".txt"),
    ("yaml", QT_TRANSLATE_NOOP("QuestionImport", "YAML 内容包（.yaml）"), ".yaml"),
]
OPEN_FILTER = QT_TRANSLATE_NOOP(
    "QuestionImport", "题目文件 (*.xlsx *.csv *.txt *.gift *.yaml *.yml);;所有文件 (*)"
)
STATUS_LABELS = {
    "added": QT_TRANSLATE_NOOP("QuestionImport", "新增"),
    "updated": QT_TRANSLATE_NOOP("QuestionImport", "更新"),
    "unchanged": QT_TRANSLATE_NOOP("QuestionImport", "不变"),
}
STATUS_COLOURS = {"added": "#2e7d32", "updated": "#1565c0", "unchanged": "#757575"}


def _t(text: str) -> str:
    return QCoreApplication.translate("QuestionImport", text)


@dataclass(frozen=True)
class PreviewRow:
    key: str
    type: QuestionType
    stem: str
    status: str  # added | updated | unchanged


@dataclass(frozen=True)
class ErrorRow:
    file: str
    where: str
    reason: str


def preview_rows(report: QuestionImportReport) -> list[PreviewRow]:
    added, updated = set(report.added), set(report.updated)
    out = []
    for q in report.questions:
        status = "added" if q.key in added else "updated" if q.key in updated else "unchanged"
        out.append(PreviewRow(q.key, q.type, q.stem, status))
    return out


def _first_attr(obj: Any, *names: str) -> Any:
    for name in names:
        value = obj.get(name) if isinstance(obj, dict) else getattr(obj, name, None)
        if value not in (None, ""):
            return value
    return None


def error_row(error: Any, default_file: str = "") -> ErrorRow:
    """One import error as (file, where, reason), whatever the format module reported it as.

    The formats report :class:`cstrainer.formats.errors.FormatError` (file, line/row, column as
    a number for text formats or a letter for tables, message, sheet, header); anything else is
    read by the same attribute names, and a plain string is the reason itself.
    """
    if isinstance(error, str):
        return ErrorRow(default_file, "", error)
    file = _first_attr(error, "file", "path", "filename")
    sheet = _first_attr(error, "sheet")
    line = _first_attr(error, "line", "row", "lineno")
    column = _first_attr(error, "column", "col")
    header = _first_attr(error, "header")
    reason = _first_attr(error, "message", "reason", "msg") or str(error)
    parts = []
    if sheet:
        parts.append(_t("工作表“{s}”").format(s=sheet))
    if line is not None:
        parts.append(_t("第 {n} 行").format(n=line))
    if isinstance(column, str):
        parts.append(_t("{c} 列").format(c=column) + (f"（{header}）" if header else ""))
    elif column is not None:
        parts.append(_t("第 {n} 列").format(n=column))
    return ErrorRow(Path(str(file)).name if file else default_file, " ".join(parts), str(reason))


def preview_columns() -> list[Column[PreviewRow]]:
    from cstrainer.gui.qt import QColor

    return [
        Column(_t("编号"), lambda r: r.key),
        Column(_t("题型"), lambda r: r.type.label),
        Column(_t("题干"), lambda r: " ".join(r.stem.split()), tooltip=lambda r: r.stem),
        Column(
            _t("导入后"),
            lambda r: _t(STATUS_LABELS[r.status]),
            foreground=lambda r: QColor(STATUS_COLOURS[r.status]),
        ),
    ]


def error_columns() -> list[Column[ErrorRow]]:
    return [
        Column(_t("文件"), lambda e: e.file),
        Column(_t("行/列"), lambda e: e.where),
        Column(_t("原因"), lambda e: e.reason, tooltip=lambda e: e.reason),
    ]


def _table(model: RecordTableModel[Any], stretch: int) -> QTableView:
    table = QTableView()
    table.setModel(model)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setWordWrap(False)
    table.verticalHeader().setVisible(False)
    header = table.horizontalHeader()
    for c in range(model.columnCount()):
        header.setSectionResizeMode(
            c, QHeaderView.ResizeMode.Stretch if c == stretch else QHeaderView.ResizeMode.ResizeToContents
        )
    return table


class QuestionImportDialog(QDialog):
    """Choose a file, preview it (dry run), then import it in one go."""

    imported = Signal(int)  # questions added or changed; emitted on the UI thread

    def __init__(
        self,
        ctx: PageContext,
        categories: Sequence[str] = CATEGORIES,
        brands: Sequence[BrandInfo] = (),
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle(self.tr("导入题目"))
        self.resize(940, 620)
        self.path: Path | None = None
        self.report: QuestionImportReport | None = None
        self.error_rows: list[ErrorRow] = []
        self.last_task: Task | None = None  # tests wait on it
        self._seq = 0

        lay = QVBoxLayout(self)
        intro = QLabel(
            self.tr(
                "支持 Excel（按导入模板填写）、CSV、GIFT、Aiken 和 YAML 内容包。先预览，确认无误后再导入；"
                "文件里有任何错误时一道题也不会导入。编号已存在的题目会被更新（已被作答过的题会生成新版本）。"
            )
        )
        intro.setWordWrap(True)
        intro.setStyleSheet(INFO_STYLE)
        lay.addWidget(intro)

        form = QFormLayout()
        file_row = QHBoxLayout()
        self.file_edit = QLineEdit()
        self.file_edit.setReadOnly(True)
        self.file_edit.setPlaceholderText(self.tr("还没有选择文件"))
        self.choose_button = QPushButton(self.tr("选择文件…"))
        file_row.addWidget(self.file_edit, 1)
        file_row.addWidget(self.choose_button)
        form.addRow(self.tr("文件"), file_row)
        self.format_combo = QComboBox()
        for name, label, _suffix in FORMATS:
            self.format_combo.addItem(_t(label), name)
        form.addRow(self.tr("格式"), self.format_combo)
        defaults_row = QHBoxLayout()
        self.category_combo = QComboBox()
        self.category_combo.addItem(self.tr("（不指定）"), None)
        for category in categories:
            self.category_combo.addItem(category, category)
        self.brand_combo = QComboBox()
        self.brand_combo.addItem(self.tr("（不指定：通用）"), None)
        for brand in brands:
            self.brand_combo.addItem(brand.name, brand.key)
        for combo in (self.category_combo, self.brand_combo):
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        defaults_row.addWidget(QLabel(self.tr("分类")))
        defaults_row.addWidget(self.category_combo)
        defaults_row.addSpacing(12)
        defaults_row.addWidget(QLabel(self.tr("品牌")))
        defaults_row.addWidget(self.brand_combo)
        defaults_row.addStretch(1)
        form.addRow(self.tr("未写明时默认"), defaults_row)
        lay.addLayout(form)

        self.summary_label = QLabel()
        self.summary_label.setWordWrap(True)
        lay.addWidget(self.summary_label)

        self.preview_model: RecordTableModel[PreviewRow] = RecordTableModel(preview_columns(), self)
        self.error_model: RecordTableModel[ErrorRow] = RecordTableModel(error_columns(), self)
        self.preview_table = _table(self.preview_model, 2)
        self.error_table = _table(self.error_model, 2)
        self.error_table.setWordWrap(True)
        self.stack = QStackedWidget()
        placeholder = QLabel(self.tr("选择文件后，这里会列出文件中的题目。"))
        placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        placeholder.setStyleSheet(INFO_STYLE)
        self.stack.addWidget(placeholder)
        self.stack.addWidget(self.preview_table)
        self.stack.addWidget(self.error_table)
        lay.addWidget(self.stack, 1)

        self.warnings_label = QLabel()
        self.warnings_label.setWordWrap(True)
        self.warnings_label.setStyleSheet("color: #b26a00;")
        self.warnings_label.setVisible(False)
        lay.addWidget(self.warnings_label)

        self.buttons = QDialogButtonBox()
        self.import_button = self.buttons.addButton(
            self.tr("确认导入"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.close_button = self.buttons.addButton(self.tr("关闭"), QDialogButtonBox.ButtonRole.RejectRole)
        self.import_button.setEnabled(False)
        self.import_button.clicked.connect(self.confirm_import)
        self.close_button.clicked.connect(self.reject)
        lay.addWidget(self.buttons)

        self.choose_button.clicked.connect(self.choose_file)
        self.format_combo.currentIndexChanged.connect(lambda _i: self.preview())
        self.category_combo.currentIndexChanged.connect(lambda _i: self.preview())
        self.brand_combo.currentIndexChanged.connect(lambda _i: self.preview())

    # --- choosing and previewing -----------------------------------------------------------------

    def choose_file(self) -> None:
        start = self.path.parent if self.path else Path.home()
        path = prompts.choose_open_file(self, self.tr("选择要导入的题目文件"), start, _t(OPEN_FILTER))
        if path is not None:
            self.set_file(path)

    def set_file(self, path: Path) -> None:
        self.path = Path(path)
        self.file_edit.setText(str(self.path))
        self.preview()

    def _defaults(self) -> dict[str, Any]:
        return {
            k: v
            for k, v in (
                ("category", self.category_combo.currentData()),
                ("brand", self.brand_combo.currentData()),
            )
            if v
        }

    def preview(self) -> None:
        if self.path is None:
            return
        self._seq += 1
        seq = self._seq
        self.report = None
        self.import_button.setEnabled(False)
        self._summary(self.tr("正在检查文件…"), INFO_STYLE)
        questions, actor = self.ctx.services.questions, self.ctx.actor
        self.last_task = self.ctx.runner.db(
            questions.import_file,
            actor,
            self.path,
            format=self.format_combo.currentData(),
            dry_run=True,
            defaults=self._defaults(),
            on_done=lambda report: self._previewed(seq, report),
            on_error=lambda exc: self._preview_failed(seq, exc),
            owner=self,
        )

    def _previewed(self, seq: int, report: QuestionImportReport) -> None:
        if seq != self._seq:
            return
        self.report = report
        self.preview_model.set_rows(preview_rows(report))
        self.stack.setCurrentWidget(self.preview_table)
        changes = len(report.added) + len(report.updated)
        text = report.summary()
        if not changes:
            text += self.tr("。文件中的题目与题库一致，无需导入。")
        self._summary(text, "")
        self._warnings(report.warnings)
        self.import_button.setEnabled(changes > 0)

    def _preview_failed(self, seq: int, exc: BaseException) -> None:
        if seq != self._seq:
            return
        self._show_failure(exc, preview=True)

    def _show_failure(self, exc: BaseException, *, preview: bool) -> None:
        self.report = None
        self.import_button.setEnabled(False)
        self._warnings([])
        name = self.path.name if self.path else ""
        if isinstance(exc, ValidationFailed):
            self.error_rows = [error_row(e, name) for e in exc.errors]
            self.error_model.set_rows(self.error_rows)
            self.stack.setCurrentWidget(self.error_table)
            head = ServiceError.__str__(exc)
            self._summary(head if preview else head + self.tr("（题库没有任何改动）"), ERROR_STYLE)
        elif errors.is_expected(exc):
            self.error_rows = [ErrorRow(name, "", str(exc))]
            self.error_model.set_rows(self.error_rows)
            self.stack.setCurrentWidget(self.error_table)
            self._summary(str(exc), ERROR_STYLE)
        else:
            self._summary(self.tr("读取文件时出错，没有导入任何题目。"), ERROR_STYLE)
            errors.show_error(self, exc)

    def _summary(self, text: str, style: str) -> None:
        self.summary_label.setText(text)
        self.summary_label.setStyleSheet(style)

    def _warnings(self, warnings: Sequence[str]) -> None:
        shown = list(warnings)[:20]
        more = len(warnings) - len(shown)
        text = "\n".join(f"⚠ {w}" for w in shown) + (
            self.tr("\n…另有 {n} 条提醒").format(n=more) if more > 0 else ""
        )
        self.warnings_label.setText(text)
        self.warnings_label.setVisible(bool(shown))

    # --- importing -------------------------------------------------------------------------------

    def confirm_import(self) -> None:
        if self.report is None or self.path is None:
            return
        path, fmt, defaults = self.path, self.format_combo.currentData(), self._defaults()
        questions, actor = self.ctx.services.questions, self.ctx.actor

        def run(task: Task) -> QuestionImportReport:
            return questions.import_file(
                actor, path, format=fmt, defaults=defaults, progress=lambda text: task.progress(text)
            )

        self.import_button.setEnabled(False)
        self.last_task, _ = run_with_progress(
            self.ctx.runner,
            self,
            self.tr("正在导入题目…"),
            run,
            title=self.tr("导入题目"),
            on_done=self._imported,
            on_error=lambda exc: self._show_failure(exc, preview=False),
            on_cancelled=lambda: self._summary(self.tr("已取消导入，题库没有任何改动。"), ERROR_STYLE),
        )

    def reject(self) -> None:
        # closed without importing: what the preview kept for the import is not needed any more
        self.ctx.services.questions.forget_preview()
        super().reject()

    def _imported(self, report: QuestionImportReport) -> None:
        self.report = report
        self.ctx.show_status(report.summary())
        self.imported.emit(len(report.added) + len(report.updated))
        prompts.inform(self, self.tr("导入题目"), report.summary())
        self.accept()


class QuestionExportDialog(QDialog):
    """Choose a format and which questions, then a file; the export runs with a progress dialog."""

    def __init__(
        self,
        ctx: PageContext,
        selected_keys: Sequence[str],
        listed_keys: Sequence[str],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.selected_keys = list(selected_keys)
        self.listed_keys = list(listed_keys)
        self.last_task: Task | None = None
        self.exported_count: int | None = None
        self.setWindowTitle(self.tr("导出题目"))
        self.setMinimumWidth(440)
        lay = QVBoxLayout(self)
        form = QFormLayout()
        self.format_combo = QComboBox()
        for name, label, _suffix in FORMATS[1:]:
            self.format_combo.addItem(_t(label), name)
        form.addRow(self.tr("格式"), self.format_combo)
        which = QVBoxLayout()
        self.selected_radio = QRadioButton(self.tr("选中的题目（{n} 题）").format(n=len(self.selected_keys)))
        self.listed_radio = QRadioButton(
            self.tr("当前列表中的题目（{n} 题）").format(n=len(self.listed_keys))
        )
        self.all_radio = QRadioButton(self.tr("整个题库（不含已停用的题）"))
        self.group = QButtonGroup(self)
        for radio in (self.selected_radio, self.listed_radio, self.all_radio):
            self.group.addButton(radio)
            which.addWidget(radio)
        self.selected_radio.setEnabled(bool(self.selected_keys))
        (self.selected_radio if self.selected_keys else self.listed_radio).setChecked(True)
        form.addRow(self.tr("范围"), which)
        lay.addLayout(form)
        note = QLabel(self.tr("GIFT 和 Aiken 只能表达部分题型；回复顾客题等请导出为 Excel 或 YAML。"))
        note.setWordWrap(True)
        note.setStyleSheet(INFO_STYLE)
        lay.addWidget(note)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("导出…"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("取消"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)

    def keys(self) -> list[str] | None:
        if self.selected_radio.isChecked():
            return self.selected_keys
        if self.listed_radio.isChecked():
            return self.listed_keys
        return None

    def accept(self) -> None:
        fmt = self.format_combo.currentData()
        suffix = next(s for n, _l, s in FORMATS if n == fmt)
        start = Path.home() / f"题库导出{suffix}"
        path = prompts.choose_save_file(self, self.tr("导出到"), start, self.tr("所有文件 (*)"))
        if path is None:
            return
        if not path.suffix and suffix:
            path = path.with_suffix(suffix)
        keys = self.keys()
        questions, actor = self.ctx.services.questions, self.ctx.actor
        self.last_task, _ = run_with_progress(
            self.ctx.runner,
            self,
            self.tr("正在导出…"),
            lambda _task: questions.export_file(actor, path, format=fmt, keys=keys),
            title=self.tr("导出题目"),
            cancellable=False,
            on_done=lambda n: self._exported(path, n),
        )

    def _exported(self, path: Path, count: int) -> None:
        self.exported_count = count
        text = self.tr("已导出 {n} 道题到 {path}").format(n=count, path=path)
        self.ctx.show_status(text)
        prompts.inform(self, self.tr("导出题目"), text)
        QDialog.accept(self)
