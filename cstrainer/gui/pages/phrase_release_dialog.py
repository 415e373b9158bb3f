"""Releases of the phrase library: publish, list, diff any two, roll back, export / import the
release zip (trainers), and the "本次更新" window an agent sees after a new release, with a short
quiz on the changes (:func:`cstrainer.domain.phrase_release.make_quiz`)."""

from __future__ import annotations

import html
import zlib
from datetime import date
from pathlib import Path
from typing import Any

from cstrainer.domain.phrase_release import PhraseChange, QuizQuestion, ReleaseDiff, make_quiz
from cstrainer.domain.phrases import PhraseItem
from cstrainer.gui import prompts
from cstrainer.gui.context import PageContext
from cstrainer.gui.pages.phrase_release_dialog_view import (
    ReleaseDialogView,
    WhatChangedView,
    option_row,
    question_box,
)
from cstrainer.gui.qt import (
    QButtonGroup,
    QCoreApplication,
    QDialog,
    QLabel,
    QRadioButton,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
    Signal,
)
from cstrainer.services.phrases import DRAFT, ReleaseInfo, SeenChanges

INSERTED = "background:#c8f7c5;"
DELETED = "background:#ffd6d6; text-decoration: line-through;"
FIELD_NAMES = {
    "brand": "品牌",
    "scene": "场景",
    "intent": "意图",
    "shortcut": "快捷码",
    "text": "内容",
    "tags": "标签",
}
SOURCE_NAMES = {"published": "发布", "rollback": "回退", "imported": "导入"}
ZIP_FILTER = "话术发布包 (*.cstrainer-phrases.zip *.zip)"


def _t(text: str) -> str:
    return QCoreApplication.translate("PhraseRelease", text)


def _e(text: str) -> str:
    return html.escape(text)


def suggest_version(releases: list[ReleaseInfo], today: date) -> str:
    """The next version name: ``YYYY.MM.N`` with N one more than this month's releases."""
    prefix = f"{today.year}.{today.month}."
    taken = {r.version for r in releases}
    n = 1 + sum(1 for r in releases if r.version.startswith(prefix))
    while f"{prefix}{n}" in taken:
        n += 1
    return f"{prefix}{n}"


def _item_line(item: PhraseItem, style: str = "") -> str:
    who = f"{_e(item.scene)} · {_e(item.intent)} · <code>{_e(item.shortcut)}</code>"
    return f"<li><span style='color:#555'>{who}</span><br><span style='{style}'>{_e(item.text)}</span></li>"


def text_ops_html(change: PhraseChange) -> str:
    """The new text with inserted words on green and deleted words struck through on red."""
    parts = []
    for op in change.text_ops:
        if op.op == "equal":
            parts.append(_e(op.new))
            continue
        if op.old:
            parts.append(f"<span style='{DELETED}'>{_e(op.old)}</span>")
        if op.new:
            parts.append(f"<span style='{INSERTED}'>{_e(op.new)}</span>")
    return "".join(parts)


def _change_line(change: PhraseChange) -> str:
    new, old = change.new, change.old
    who = f"{_e(new.scene)} · {_e(new.intent)} · <code>{_e(new.shortcut)}</code>"
    details = []
    for name in change.fields:
        if name == "text":
            continue
        before, after = getattr(old, name), getattr(new, name)
        if isinstance(before, tuple):
            before, after = "、".join(before), "、".join(after)
        details.append(
            f"{_e(_t(FIELD_NAMES.get(name, name)))}：{_e(str(before or '—'))} → {_e(str(after or '—'))}"
        )
    body = text_ops_html(change) if change.text_ops else _e(new.text)
    extra = f"<br><span style='color:#555'>{'；'.join(details)}</span>" if details else ""
    return f"<li><span style='color:#555'>{who}</span><br>{body}{extra}</li>"


def diff_html(diff: ReleaseDiff) -> str:
    """A release diff for a QTextBrowser: added, removed and changed phrases."""
    if diff.is_empty:
        return "<p>" + _e(_t("两个版本的话术完全相同。")) + "</p>"
    out = []
    if diff.changed:
        out.append(f"<h3>{_e(_t('修改'))}（{len(diff.changed)}）</h3><ul>")
        out.extend(_change_line(c) for c in diff.changed)
        out.append("</ul>")
    if diff.added:
        out.append(f"<h3>{_e(_t('新增'))}（{len(diff.added)}）</h3><ul>")
        out.extend(_item_line(i, INSERTED) for i in diff.added)
        out.append("</ul>")
    if diff.removed:
        out.append(f"<h3>{_e(_t('删除'))}（{len(diff.removed)}）</h3><ul>")
        out.extend(_item_line(i, DELETED) for i in diff.removed)
        out.append("</ul>")
    return "".join(out)


def diff_summary(diff: ReleaseDiff) -> str:
    return _t("新增 {a} 条，删除 {r} 条，修改 {c} 条").format(
        a=len(diff.added), r=len(diff.removed), c=len(diff.changed)
    )


class ReleaseDialog(QDialog):
    """The trainer's release window. ``changed`` fires after a publish, rollback or import."""

    changed = Signal()

    def __init__(self, ctx: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.releases: list[ReleaseInfo] = []
        self.diff: ReleaseDiff | None = None
        self.busy = False
        self.setWindowTitle(self.tr("话术版本"))
        self.resize(980, 640)
        self.view = ReleaseDialogView(self)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.view)
        v = self.view
        v.button_box.rejected.connect(self.reject)
        v.publish_button.clicked.connect(self.publish)
        v.diff_button.clicked.connect(self.show_diff)
        v.rollback_button.clicked.connect(self.rollback)
        v.export_button.clicked.connect(self.export_selected)
        v.import_button.clicked.connect(self.import_zip)
        self.refresh()

    # --- loading -------------------------------------------------------------------------------------

    def _run(self, fn: Any, *args: Any, on_done: Any, name: str) -> None:
        self.busy = True
        self.view.status_label.setText(self.tr("处理中…"))

        def done(result: Any) -> None:
            self.busy = False
            self.view.status_label.clear()
            on_done(result)

        def failed(exc: BaseException) -> None:
            self.busy = False
            self.view.status_label.setText(f"<span style='color:#c62828'>{_e(str(exc))}</span>")

        self.ctx.runner.db(fn, *args, on_done=done, on_error=failed, owner=self, name=name)

    def refresh(self) -> None:
        phrases, actor = self.ctx.services.phrases, self.ctx.actor

        def load() -> tuple[list[ReleaseInfo], ReleaseDiff]:
            releases = phrases.list_releases(actor)
            base = phrases.diff(actor, releases[0].version, DRAFT) if releases else None
            if base is None:
                from cstrainer.domain.phrase_release import diff_releases

                base = diff_releases([], phrases.draft(actor))
            return releases, base

        self._run(load, on_done=self._loaded, name="phrases.releases")

    def _loaded(self, result: tuple[list[ReleaseInfo], ReleaseDiff]) -> None:
        self.releases, pending = result
        v = self.view
        v.release_table.setRowCount(len(self.releases))
        for row, r in enumerate(self.releases):
            source = _t(SOURCE_NAMES.get(r.source, r.source))
            if r.rollback_of:
                source += f"（{r.rollback_of}）"
            notes = " ".join(r.notes.split())
            for col, text in enumerate(
                (r.version, r.date.isoformat(), r.author, str(r.items), source, notes)
            ):
                item = QTableWidgetItem(text)
                if col == 5:
                    item.setToolTip(r.notes)
                v.release_table.setItem(row, col, item)
        if self.releases:
            v.release_table.selectRow(0)
        suggestion = suggest_version(self.releases, date.today())
        v.version_edit.setText(suggestion)
        v.rollback_version_edit.setText(suggestion)
        since = self.releases[0].version if self.releases else None
        v.draft_label.setText(
            (self.tr("与上一版 {v} 相比：").format(v=since) if since else self.tr("第一次发布，全部话术："))
            + diff_summary(pending)
        )
        v.draft_view.setHtml(diff_html(pending))
        for combo in (v.old_combo, v.new_combo):
            current = combo.currentData()
            combo.clear()
            combo.addItem(self.tr("草稿（当前话术库）"), DRAFT)
            for r in self.releases:
                combo.addItem(f"{r.version}（{r.date.isoformat()}）", r.version)
            index = combo.findData(current)
            if index >= 0:
                combo.setCurrentIndex(index)
        if v.old_combo.currentData() in (None, DRAFT) and len(self.releases) >= 2:
            v.old_combo.setCurrentIndex(2)
            v.new_combo.setCurrentIndex(1)
        elif self.releases and v.old_combo.currentData() == v.new_combo.currentData():
            v.old_combo.setCurrentIndex(1)
            v.new_combo.setCurrentIndex(0)

    def selected_version(self) -> str | None:
        rows = self.view.release_table.selectionModel().selectedRows()
        return self.releases[rows[0].row()].version if rows else None

    # --- actions -------------------------------------------------------------------------------------

    def publish(self) -> None:
        version = self.view.version_edit.text().strip()
        notes = self.view.notes_edit.toPlainText().strip()
        if not version or not notes:
            self.view.status_label.setText(self.tr("请填写版本号和发布说明"))
            return
        self._run(
            self.ctx.services.phrases.publish,
            self.ctx.actor,
            version,
            notes,
            on_done=self._published,
            name="phrases.publish",
        )

    def _published(self, info: ReleaseInfo) -> None:
        self.view.notes_edit.clear()
        self.ctx.show_status(self.tr("已发布话术版本 {v}").format(v=info.version))
        self.changed.emit()
        self.refresh()

    def show_diff(self) -> None:
        old, new = self.view.old_combo.currentData(), self.view.new_combo.currentData()
        if old is None or new is None:
            return
        self._run(
            self.ctx.services.phrases.diff,
            self.ctx.actor,
            old,
            new,
            on_done=self._diffed,
            name="phrases.diff",
        )

    def _diffed(self, diff: ReleaseDiff) -> None:
        self.diff = diff
        self.view.diff_summary.setText(diff_summary(diff))
        self.view.diff_view.setHtml(diff_html(diff))

    def rollback(self) -> None:
        old = self.selected_version()
        new = self.view.rollback_version_edit.text().strip()
        if old is None or not new:
            self.view.status_label.setText(self.tr("请选择要回退到的版本并填写新版本号"))
            return
        text = self.tr("把话术库恢复为 {old} 的内容，并发布为新版本 {new}？个人话术不受影响。").format(
            old=old, new=new
        )
        if not prompts.confirm(self, self.tr("回退话术"), text, ok_text=self.tr("回退")):
            return
        self._run(
            self.ctx.services.phrases.rollback,
            self.ctx.actor,
            old,
            new,
            on_done=self._published,
            name="phrases.rollback",
        )

    def export_selected(self) -> None:
        version = self.selected_version()
        if version is None:
            return
        folder = prompts.choose_directory(self, self.tr("导出到文件夹"))
        if folder is None:
            return
        self._run(
            self.ctx.services.phrases.export_release,
            self.ctx.actor,
            version,
            folder,
            on_done=lambda path: self.view.status_label.setText(self.tr("已导出：{p}").format(p=str(path))),
            name="phrases.export",
        )

    def import_zip(self) -> None:
        path = prompts.choose_open_file(self, self.tr("导入话术发布包"), filters=self.tr(ZIP_FILTER))
        if path is None:
            return
        self._run(
            self.ctx.services.phrases.import_release,
            self.ctx.actor,
            Path(path),
            on_done=self._imported,
            name="phrases.import",
        )

    def _imported(self, result: Any) -> None:
        if result.already_present:
            self.view.status_label.setText(
                self.tr("本机已有版本 {v}，无需导入").format(v=result.release.version)
            )
            return
        self.ctx.show_status(self.tr("已导入话术版本 {v}").format(v=result.release.version))
        self.changed.emit()
        self.refresh()


class WhatChangedDialog(QDialog):
    """本次更新: the changes of the newest release and a short quiz; marks the release seen."""

    def __init__(
        self, ctx: PageContext, changes: SeenChanges, library: list[PhraseItem], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.changes = changes
        self.setWindowTitle(self.tr("本次更新"))
        self.resize(900, 640)
        self.view = WhatChangedView(self)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.view)
        latest = changes.latest
        v = self.view
        v.title_label.setText(
            self.tr("话术库已更新到 {v}（{d}，{a} 发布）").format(
                v=latest.version, d=latest.date.isoformat(), a=latest.author
            )
        )
        since = self.tr("与 {s} 相比：").format(s=changes.since) if changes.since else ""
        v.notes_label.setText(since + diff_summary(changes.diff) + "\n" + latest.notes.strip())
        v.diff_view.setHtml(diff_html(changes.diff))
        self.quiz: list[QuizQuestion] = make_quiz(
            changes.diff, library, seed=zlib.crc32(latest.version.encode()), n=5
        )
        self.groups: list[QButtonGroup] = []
        self.feedback: list[QLabel] = []
        for number, question in enumerate(self.quiz, 1):
            box, box_layout = question_box(f"{number}. {question.prompt}")
            group = QButtonGroup(box)
            for index, option in enumerate(question.options):
                radio = QRadioButton(f"{chr(ord('A') + index)}.")
                group.addButton(radio, index)
                box_layout.addLayout(option_row(radio, option))
            note = QLabel()
            note.setWordWrap(True)
            box_layout.addWidget(note)
            self.groups.append(group)
            self.feedback.append(note)
            v.quiz_layout.addWidget(box)
        v.quiz_layout.addStretch(1)
        if not self.quiz:
            v.quiz_layout.insertWidget(0, QLabel(self.tr("这次的改动不足以出题。")))
            v.submit_button.setEnabled(False)
        self.score: int | None = None
        self.seen_marked = False
        v.submit_button.clicked.connect(self.submit)
        v.button_box.rejected.connect(self.reject)
        self.finished.connect(self._mark_seen)

    def choose(self, question: int, option: int) -> None:
        button = self.groups[question].button(option)
        button.setChecked(True)

    def submit(self) -> None:
        score = 0
        for question, group, note in zip(self.quiz, self.groups, self.feedback, strict=True):
            chosen = group.checkedId()
            right = question.is_correct(chosen)
            score += int(right)
            mark = (
                "✅ " + self.tr("正确")
                if right
                else "❌ " + self.tr("正确答案：{a}").format(a=question.correct_option)
            )
            colour = "#2e7d32" if right else "#c62828"
            note.setText(
                f"<span style='color:{colour}'>{_e(mark)}</span> <span style='color:#555'>{_e(question.explanation)}</span>"
            )
            # a wrapping label given text after layout keeps its one-line height inside the
            # scroll area; make room for every line
            note.setMinimumHeight(note.heightForWidth(max(note.width(), 200)))
            for button in group.buttons():
                button.setEnabled(False)
        self.score = score
        self.view.score_label.setText(self.tr("得分：{s} / {n}").format(s=score, n=len(self.quiz)))
        self.view.submit_button.setEnabled(False)
        self._mark_seen()

    def _mark_seen(self, *_args: Any) -> None:
        if self.seen_marked:
            return
        self.seen_marked = True
        self.ctx.runner.db(
            self.ctx.services.phrases.mark_seen,
            self.ctx.actor,
            self.changes.latest.version,
            name="phrases.mark_seen",
        )
