"""The phrase editor: add or change a team phrase (trainers) or one of your own phrases.

The compliance linter runs as the text is typed (a pure scan, no database): every hit is
highlighted in the text and listed with its reason. A flagged wording can be kept only by a
trainer or manager with a written justification; the service checks the same rule again on save.
"""

from __future__ import annotations

import html
import re
import uuid
from collections.abc import Sequence

from cstrainer.domain.accounts import Permission
from cstrainer.domain.phrases import PHRASE_SCENES, PLACEHOLDERS, PhraseItem
from cstrainer.gui.context import PageContext
from cstrainer.gui.pages.phrase_editor_view import PhraseEditorView
from cstrainer.gui.qt import (
    QColor,
    QCoreApplication,
    QDialog,
    QTextCharFormat,
    QTextCursor,
    QTextEdit,
    QTimer,
    QVBoxLayout,
    QWidget,
    Signal,
)
from cstrainer.gui.widgets.conflict_dialog import LOAD_THEIRS, OVERWRITE, ConflictDialog
from cstrainer.services.errors import EditConflict
from cstrainer.services.phrases import PhraseLintRejected, PhraseRecord, PhraseSaveResult, Scope
from cstrainer.text.banned import BannedHit

LINT_DELAY_MS = 150
HIT_BACKGROUND = "#ffd6d6"
_SHORTCUT_RE = re.compile(r"[a-z0-9]+\Z")


def _t(text: str) -> str:
    return QCoreApplication.translate("PhraseEditorDialog", text)


def split_tags(text: str) -> tuple[str, ...]:
    parts = re.split(r"[、,，;；\s]+", text)
    return tuple(dict.fromkeys(p.strip() for p in parts if p.strip()))


def _span(hit: BannedHit) -> str:
    return str(hit.end) if hit.end - hit.start <= 1 else f"{hit.start + 1}–{hit.end}"


def hits_html(hits: Sequence[BannedHit]) -> str:
    """The linter's hits as a list for a rich-text label: word, position and reason."""
    if not hits:
        return ""
    rows = "".join(
        f"<li><b style='color:#c62828'>「{html.escape(h.word)}」</b>"
        f"（第 {_span(h)} 字）：{html.escape(h.reason)}</li>"
        for h in hits
    )
    return _t("合规检查发现 {n} 处问题：").format(n=len(hits)) + f"<ul style='margin-left:-20px'>{rows}</ul>"


class PhraseEditorDialog(QDialog):
    """Edit one phrase; ``saved`` carries the service's result once the save went through."""

    saved = Signal(object)

    def __init__(
        self,
        ctx: PageContext,
        scope: Scope,
        record: PhraseRecord | None = None,
        *,
        brands: Sequence[tuple[str, str]] = (),  # (key, name)
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.scope: Scope = scope
        self.record = record
        self.hits: list[BannedHit] = []
        self.saving = False
        self.trainer = ctx.actor.can(Permission.EDIT_CONTENT)
        self.setWindowTitle(self.tr("编辑话术") if record else self.tr("新建话术"))
        self.resize(680, 700)
        self.view = PhraseEditorView(PLACEHOLDERS, self)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.view)
        v = self.view
        v.scope_label.setText(
            self.tr("团队话术") if scope == "team" else self.tr("我的话术（只有自己看得到）")
        )
        for scene in PHRASE_SCENES:
            v.scene_combo.addItem(scene, scene)
        v.brand_combo.addItem(self.tr("通用（所有品牌）"), None)
        for key, name in brands:
            v.brand_combo.addItem(name, key)
        self.conflict_dialog: ConflictDialog | None = None  # the last save conflict shown
        if record is not None:
            self.fill(record)

        self._lint_timer = QTimer(self)
        self._lint_timer.setSingleShot(True)
        self._lint_timer.setInterval(LINT_DELAY_MS)
        self._lint_timer.timeout.connect(self.run_lint)
        v.text_edit.textChanged.connect(self._lint_timer.start)
        for button in v.placeholder_buttons:
            button.clicked.connect(
                lambda _c=False, b=button: self.insert_placeholder(str(b.property("placeholder")))
            )
        v.button_box.accepted.connect(self.save)
        v.button_box.rejected.connect(self.reject)
        self.run_lint()

    def fill(self, record: PhraseRecord) -> None:
        """Put ``record`` into the form."""
        v = self.view
        v.scene_combo.setCurrentIndex(max(0, v.scene_combo.findData(record.scene)))
        v.intent_edit.setText(record.intent)
        v.shortcut_edit.setText(record.shortcut)
        v.brand_combo.setCurrentIndex(max(0, v.brand_combo.findData(record.brand)))
        v.tags_edit.setText("、".join(record.tags))
        v.text_edit.setPlainText(record.text)
        v.justification_edit.setPlainText(record.lint_justification)

    # --- linter ------------------------------------------------------------------------------------

    def insert_placeholder(self, name: str) -> None:
        self.view.text_edit.insertPlainText("{" + name + "}")
        self.view.text_edit.setFocus()

    def run_lint(self) -> None:
        self._show_hits(self.ctx.services.phrases.lint(self.view.text_edit.toPlainText()))

    def _show_hits(self, hits: Sequence[BannedHit]) -> None:
        self.hits = list(hits)
        v = self.view
        v.hits_view.setHtml(hits_html(self.hits))
        v.hits_view.setVisible(bool(self.hits))
        selections = []
        for hit in self.hits:
            sel = QTextEdit.ExtraSelection()
            fmt = QTextCharFormat()
            fmt.setBackground(QColor(HIT_BACKGROUND))
            fmt.setUnderlineStyle(QTextCharFormat.UnderlineStyle.WaveUnderline)
            fmt.setUnderlineColor(QColor("#c62828"))
            fmt.setToolTip(hit.reason)
            cursor = QTextCursor(v.text_edit.document())
            cursor.setPosition(hit.start)
            cursor.setPosition(hit.end, QTextCursor.MoveMode.KeepAnchor)
            sel.cursor = cursor  # type: ignore[misc]
            sel.format = fmt  # type: ignore[misc]
            selections.append(sel)
        v.text_edit.setExtraSelections(selections)
        needs_reason = bool(self.hits) and self.trainer
        v.justification_label.setVisible(needs_reason)
        v.justification_edit.setVisible(needs_reason)
        if not self.hits:
            v.error_label.clear()
        elif not self.trainer:
            v.error_label.setText(self.tr("含违规用语的话术不能保存，请按提示修改。"))

    def highlighted_words(self) -> list[str]:
        """The text under each highlight (what the person sees marked)."""
        return [sel.cursor.selectedText() for sel in self.view.text_edit.extraSelections()]

    # --- saving ------------------------------------------------------------------------------------

    def problems(self) -> list[str]:
        v = self.view
        out = []
        if not v.intent_edit.text().strip():
            out.append(self.tr("请填写意图"))
        if not _SHORTCUT_RE.match(v.shortcut_edit.text().strip()):
            out.append(self.tr("快捷码只能用小写字母和数字"))
        if not v.text_edit.toPlainText().strip():
            out.append(self.tr("请填写话术内容"))
        if self.hits and not self.trainer:
            out.append(self.tr("含违规用语的话术不能保存，请按提示修改"))
        elif self.hits and not v.justification_edit.toPlainText().strip():
            out.append(self.tr("含违规用语：如确需保留，请写明理由"))
        return out

    def item(self) -> PhraseItem:
        v = self.view
        key = self.record.key if self.record is not None else self._new_key()
        return PhraseItem(
            key=key,
            brand=v.brand_combo.currentData(),
            scene=str(v.scene_combo.currentData()),
            intent=v.intent_edit.text().strip(),
            shortcut=v.shortcut_edit.text().strip(),
            text=v.text_edit.toPlainText().strip(),
            tags=split_tags(v.tags_edit.text()),
        )

    def _new_key(self) -> str:
        prefix = "my" if self.scope == "personal" else "p"
        return f"{prefix}-{self.view.shortcut_edit.text().strip() or 'x'}-{uuid.uuid4().hex[:6]}"

    def save(self) -> None:
        if self.saving:
            return
        self._lint_timer.stop()
        self.run_lint()
        problems = self.problems()
        if problems:
            self.view.error_label.setText("；".join(problems))
            return
        self.view.error_label.clear()
        item = self.item()
        justification = self.view.justification_edit.toPlainText().strip() if self.hits else ""
        phrases = self.ctx.services.phrases
        self_actor = self.ctx.actor
        if self.scope == "team":
            version = self.record.version if self.record is not None else None
            call = lambda: phrases.save_team(  # noqa: E731
                self_actor, item, justification=justification, expected_version=version
            )
        else:
            call = lambda: phrases.save_personal(self_actor, item, justification=justification)  # noqa: E731
        self.saving = True
        self.view.save_button.setEnabled(False)
        self.ctx.runner.db(call, on_done=self._saved, on_error=self._failed, owner=self, name="phrases.save")

    def _saved(self, result: PhraseSaveResult) -> None:
        self.saving = False
        self.view.save_button.setEnabled(True)
        self.saved.emit(result)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.saving = False
        self.view.save_button.setEnabled(True)
        if isinstance(exc, PhraseLintRejected):
            self._show_hits(exc.hits)
        self.view.error_label.setText(str(exc))
        if isinstance(exc, EditConflict):
            self.show_conflict(exc)

    # --- a colleague saved first ------------------------------------------------------------------

    def show_conflict(self, conflict: EditConflict) -> ConflictDialog:
        """Mine and theirs side by side; the person decides what happens to the edit."""
        if self.conflict_dialog is not None:
            self.conflict_dialog.deleteLater()
        dialog = ConflictDialog(conflict, self)
        dialog.decided.connect(lambda action: self._conflict_decided(conflict, action))
        self.conflict_dialog = dialog
        dialog.open()
        return dialog

    def _conflict_decided(self, conflict: EditConflict, action: str) -> None:
        latest = conflict.latest
        if not isinstance(latest, PhraseRecord):
            return  # deleted meanwhile: only "keep editing" was offered
        if action == OVERWRITE:
            self.record = latest  # save the form again, now against the stored version
            self.save()
        elif action == LOAD_THEIRS:
            self.record = latest
            self.fill(latest)
            self.run_lint()
            self.view.error_label.setText(
                self.tr("已载入 {by} 保存的最新内容（第 {n} 版），你的修改已放弃。").format(
                    by=conflict.theirs.by if conflict.theirs is not None else "", n=latest.version
                )
            )
        # KEEP_EDITING: nothing saved; the form and the message stay as they are.
