"""Importing a Qianniu phrase table (CSV / xlsx) into the team library: the dry-run preview comes
first (what would be added, changed, left alone; every problem with file, row and column; every
linter hit), and the import itself is all or nothing (:class:`PhraseIoService`)."""

from __future__ import annotations

import html
from pathlib import Path

from cstrainer.domain.phrases import PhraseItem
from cstrainer.gui.context import PageContext
from cstrainer.gui.pages.phrase_import_dialog_view import PhraseImportView
from cstrainer.gui.qt import QDialog, QVBoxLayout, QWidget, Signal
from cstrainer.services.phrase_io import ImportPreview, ImportRejected, ImportResult

TABLE_FILTER = "千牛快捷短语表格 (*.csv *.xlsx *.txt)"
EXPORT_FILTER = "CSV 表格 (*.csv);;Excel 表格 (*.xlsx);;espanso 快捷短语 (*.yml)"
MAX_LISTED = 200  # a huge file lists the first ones; the counts are always complete


def _e(text: str) -> str:
    return html.escape(text)


def _line(item: PhraseItem) -> str:
    brand = item.brand or "通用"
    return (
        f"<li><span style='color:#555'>{_e(brand)} · {_e(item.scene)} · {_e(item.intent)} · "
        f"<code>{_e(item.shortcut)}</code></span><br>{_e(item.text)}</li>"
    )


def preview_html(preview: ImportPreview) -> str:
    """The preview's details for a QTextBrowser."""
    out: list[str] = []
    if preview.problems:
        out.append(f"<h3 style='color:#c62828'>问题（{len(preview.problems)}）</h3><ul>")
        out.extend(f"<li>{_e(str(p))}</li>" for p in preview.problems[:MAX_LISTED])
        out.append("</ul>")
    if preview.lint:
        out.append(f"<h3 style='color:#8a4b00'>含违规用语（{len(preview.lint)}）</h3><ul>")
        for finding in preview.lint[:MAX_LISTED]:
            hits = "；".join(f"“{_e(h.word)}”：{_e(h.reason)}" for h in finding.hits)
            out.append(
                f"<li><code>{_e(finding.item.shortcut)}</code> {_e(finding.item.text)}"
                f"<br><span style='color:#c62828'>{hits}</span></li>"
            )
        out.append("</ul>")
    if preview.added:
        out.append(f"<h3>新增（{len(preview.added)}）</h3><ul>")
        out.extend(_line(it) for it in preview.added[:MAX_LISTED])
        out.append("</ul>")
    if preview.updated:
        out.append(f"<h3>修改（{len(preview.updated)}）</h3><ul>")
        for old, new in preview.updated[:MAX_LISTED]:
            before = f"<br><span style='color:#888; text-decoration: line-through'>{_e(old.text)}</span>"
            out.append(_line(new).replace("</li>", before + "</li>"))
        out.append("</ul>")
    if preview.warnings:
        out.append(f"<h3 style='color:#555'>提示（{len(preview.warnings)}）</h3><ul>")
        out.extend(f"<li>{_e(str(w))}</li>" for w in preview.warnings[:MAX_LISTED])
        out.append("</ul>")
    if preview.unchanged:
        out.append(f"<p style='color:#555'>不变 {len(preview.unchanged)} 条（不会改动）。</p>")
    return "".join(out)


class PhraseImportDialog(QDialog):
    """Shows the preview of ``path``; 导入 runs the all-or-nothing import on the database thread."""

    imported = Signal(object)  # ImportResult

    def __init__(
        self, ctx: PageContext, path: Path, preview: ImportPreview, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.path = path
        self.preview = preview
        self.import_result: ImportResult | None = None
        self.busy = False
        self.setWindowTitle(self.tr("导入话术：{f}").format(f=preview.file))
        self.resize(860, 600)
        self.view = PhraseImportView(self)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.view)
        v = self.view
        if preview.ok:
            summary = self.tr("预览（尚未导入）：{s}").format(s=preview.summary())
            if not preview.changes:
                summary += self.tr("。文件与话术库相同，无需导入")
        else:
            summary = self.tr("文件有 {n} 处问题，不能导入；请改好后再导入（不会导入任何一条）").format(
                n=len(preview.problems)
            )
        v.summary_label.setText(summary)
        v.details.setHtml(preview_html(preview))
        v.justification_label.setVisible(preview.ok and preview.needs_justification)
        v.justification_edit.setVisible(preview.ok and preview.needs_justification)
        v.justification_edit.textChanged.connect(lambda _t: self._update())
        v.import_button.clicked.connect(self.run_import)
        v.cancel_button.clicked.connect(self.reject)
        self._update()

    def _update(self) -> None:
        p = self.preview
        allowed = p.ok and p.changes > 0 and not self.busy
        if p.needs_justification and not self.view.justification_edit.text().strip():
            allowed = False
        self.view.import_button.setEnabled(allowed)

    def run_import(self) -> None:
        if not self.view.import_button.isEnabled():
            return
        justification = self.view.justification_edit.text()
        self.busy = True
        self._update()
        self.view.status_label.clear()
        self.ctx.runner.db(
            self.ctx.services.phrase_io.import_table,
            self.ctx.actor,
            self.path,
            justification=justification,
            on_done=self._done,
            on_error=self._failed,
            owner=self,
            name="phrases.import_table",
        )

    def _done(self, result: ImportResult) -> None:
        self.busy = False
        self.import_result = result
        self.imported.emit(result)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.busy = False
        if isinstance(exc, ImportRejected):
            self.preview = exc.preview
            self.view.details.setHtml(preview_html(exc.preview))
        self.view.status_label.setText(str(exc))
        self._update()
