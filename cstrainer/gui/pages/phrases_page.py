"""The 话术库 page: find a phrase as you type, copy it, keep your own phrases, and (trainers)
edit the team library and publish releases.

Every keystroke asks the service (its in-memory index answers in well under a millisecond) on the
database thread; a sequence number drops answers overtaken by a newer query. Results are grouped
by scene and intent, the wordings of one intent under it. After a new release, an agent opening
the page sees "本次更新" with a short quiz; a trainer sees a reminder once 14 days have passed
since the last release.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cstrainer.domain.accounts import Permission
from cstrainer.domain.phrases import PHRASE_SCENES, PhraseItem
from cstrainer.gui import prompts
from cstrainer.gui.context import PageContext
from cstrainer.gui.pages.phrase_editor import PhraseEditorDialog
from cstrainer.gui.pages.phrase_release_dialog import ReleaseDialog, WhatChangedDialog
from cstrainer.gui.pages.phrase_review_panel import PhraseReviewPanel
from cstrainer.gui.pages.phrases_page_view import PhrasesPageView
from cstrainer.gui.pages.registry import Page
from cstrainer.gui.qt import (
    QT_TRANSLATE_NOOP,
    QApplication,
    QColor,
    QCoreApplication,
    QFont,
    Qt,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)
from cstrainer.services import Services
from cstrainer.services.actor import Actor
from cstrainer.services.phrases import PhraseRecord, Scope, SeenChanges

if TYPE_CHECKING:  # the import/export code (openpyxl) loads when a table is imported or exported
    from cstrainer.services.phrase_io import ImportPreview, ImportResult

SEARCH_LIMIT = 200
REINDEX_WAIT_SECONDS = 30.0
RECORD_ROLE = Qt.ItemDataRole.UserRole
ALL = "\x00all"
MATCH_NAMES = {
    "shortcut": QT_TRANSLATE_NOOP("PhrasesPage", "快捷码"),
    "shortcut_prefix": QT_TRANSLATE_NOOP("PhrasesPage", "快捷码前缀"),
    "pinyin": QT_TRANSLATE_NOOP("PhrasesPage", "拼音首字母"),
    "words": QT_TRANSLATE_NOOP("PhrasesPage", "词语"),
}


def _t(text: str) -> str:
    return QCoreApplication.translate("PhrasesPage", text)


@dataclass(frozen=True)
class Found:
    """One row of the page: a phrase and how the query matched it (None: no query)."""

    record: PhraseRecord
    match: str | None = None


def find_phrases(
    services: Services, actor: Actor, scope: Scope, query: str, brand: str | None, scene: str | None
) -> list[Found]:
    """On the database thread: the rows to show for the query and filters."""
    phrases = services.phrases
    if query.strip():
        hits = phrases.search(actor, query, limit=SEARCH_LIMIT, brand=brand, scene=scene)
        return [Found(h.phrase, h.match) for h in hits if h.phrase.scope == scope]
    if scope == "team":
        return [Found(r) for r in phrases.list_team(actor, brand=brand, scene=scene)]
    return [
        Found(r)
        for r in phrases.list_personal(actor)
        if (scene is None or r.scene == scene) and (brand is None or r.brand in (None, brand))
    ]


def latest_changes(
    services: Services, actor: Actor, *, only_new: bool
) -> tuple[SeenChanges, list[PhraseItem]] | None:
    """On the database thread: what changed since the person last looked (or, when asked from the
    button, the newest release's changes anyway) and the newest release's items for the quiz."""
    phrases = services.phrases
    changes = phrases.what_changed_since_seen(actor)
    if changes is None:
        if only_new:
            return None
        releases = phrases.list_releases(actor)
        if not releases:
            return None
        latest = releases[0]
        since = releases[1].version if len(releases) > 1 else None
        if since is None:
            from cstrainer.domain.phrase_release import diff_releases

            diff = diff_releases([], phrases.get_release(actor, latest.version).items)
        else:
            diff = phrases.diff(actor, since, latest.version)
        changes = SeenChanges(latest=latest, since=since, diff=diff)
    items = list(phrases.get_release(actor, changes.latest.version).items)
    return changes, items


class PhrasesPage(Page):
    def __init__(self, ctx: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.trainer = ctx.actor.can(Permission.EDIT_CONTENT)
        self.view = PhrasesPageView(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)
        self.rows: list[Found] = []
        self.brands: list[tuple[str, str]] = []
        self.dialog: Any = None  # the dialog open now (tests reach it here)
        self.searching = False
        self._seq = 0
        self._first_show = True
        self._pending_select: str | None = None

        v = self.view
        v.scene_combo.addItem(self.tr("全部"), ALL)
        for scene in PHRASE_SCENES:
            v.scene_combo.addItem(scene, scene)
        v.brand_combo.addItem(self.tr("全部"), ALL)
        v.releases_button.setVisible(self.trainer)
        v.import_button.setVisible(self.trainer and ctx.actor.can(Permission.IMPORT_CONTENT))
        v.export_button.setVisible(ctx.actor.can(Permission.EXPORT_CONTENT))
        v.search_edit.textChanged.connect(lambda _text: self.search())
        v.scene_combo.currentIndexChanged.connect(lambda _i: self.search())
        v.brand_combo.currentIndexChanged.connect(lambda _i: self.search())
        v.scope_tabs.currentChanged.connect(self._scope_changed)
        v.tree.itemSelectionChanged.connect(self._update_buttons)
        v.tree.itemDoubleClicked.connect(self._double_clicked)
        v.new_button.clicked.connect(self.new_phrase)
        v.edit_button.clicked.connect(self.edit_selected)
        v.delete_button.clicked.connect(self.delete_selected)
        v.copy_button.clicked.connect(self.copy_selected)
        v.refresh_button.clicked.connect(self.search)
        v.releases_button.clicked.connect(self.open_releases)
        v.whats_new_button.clicked.connect(lambda: self.show_whats_new(only_new=False))
        v.import_button.clicked.connect(self.import_table)
        self.review = PhraseReviewPanel(ctx)
        v.review_layout.addWidget(self.review)
        self.review.phrase_changed.connect(self._review_changed_phrase)
        v.export_button.clicked.connect(self.export_table)
        self._update_buttons()

    # --- Page hooks ------------------------------------------------------------------------------------

    def page_shown(self) -> None:
        if self._first_show:
            self._first_show = False
            self.ctx.runner.db(
                self.ctx.services.users.brands, on_done=self._brands_loaded, owner=self, name="phrases.brands"
            )
            self.ctx.runner.db(self.ctx.services.phrases.warm_up, owner=self, name="phrases.warm_up")
            if not self.trainer:  # trainers publish the releases; agents learn them
                self.show_whats_new(only_new=True)
        self.check_reminder()
        self.search()

    def page_closing(self) -> None:
        if self.dialog is not None:
            self.dialog.close()
            self.dialog = None

    # --- state -----------------------------------------------------------------------------------------

    @property
    def scope(self) -> Scope:
        return "personal" if self.view.scope_tabs.currentIndex() == 1 else "team"

    def _filter(self, combo: Any) -> str | None:
        data = combo.currentData()
        return None if data in (None, ALL) else str(data)

    def _brands_loaded(self, brands: list[Any]) -> None:
        visible = [b for b in brands if self.trainer or b.key in self.ctx.actor.brand_keys]
        self.brands = [(b.key, b.name) for b in visible]
        combo = self.view.brand_combo
        combo.blockSignals(True)
        for key, name in self.brands:
            combo.addItem(name, key)
        combo.blockSignals(False)

    def brand_name(self, key: str | None) -> str:
        if key is None:
            return self.tr("通用")
        return dict(self.brands).get(key, key)

    def _scope_changed(self, _index: int) -> None:
        self._update_buttons()
        self.search()

    def _update_buttons(self) -> None:
        v = self.view
        v.review_holder.setVisible(self.scope == "team")
        self.review.set_phrase(self.selected() if self.scope == "team" else None)
        editable = self.scope == "personal" or self.trainer
        selected = self.selected() is not None
        v.new_button.setEnabled(editable)
        v.edit_button.setEnabled(editable and selected)
        v.delete_button.setEnabled(editable and selected)
        v.copy_button.setEnabled(selected)

    # --- searching ---------------------------------------------------------------------------------------

    def search(self) -> None:
        v = self.view
        self._seq += 1
        seq = self._seq
        self.searching = True
        self.ctx.runner.db(
            find_phrases,
            self.ctx.services,
            self.ctx.actor,
            self.scope,
            v.search_edit.text(),
            self._filter(v.brand_combo),
            self._filter(v.scene_combo),
            on_done=lambda rows: self._found(seq, rows),
            on_error=lambda exc: self._failed(seq, exc),
            owner=self,
            name="phrases.search",
        )

    def _found(self, seq: int, rows: list[Found]) -> None:
        if seq != self._seq:
            return
        self.searching = False
        self.rows = rows
        self._fill_tree()

    def _failed(self, seq: int, exc: BaseException) -> None:
        if seq == self._seq:
            self.searching = False
            self.view.busy_label.setText(str(exc))

    def _fill_tree(self) -> None:
        tree = self.view.tree
        selected = self.selected()
        tree.clear()
        bold = QFont(tree.font())
        bold.setBold(True)
        scenes: dict[str, QTreeWidgetItem] = {}
        intents: dict[tuple[str, str], QTreeWidgetItem] = {}
        reselect: QTreeWidgetItem | None = None
        for found in self.rows:
            r = found.record
            scene_item = scenes.get(r.scene)
            if scene_item is None:
                scene_item = QTreeWidgetItem([r.scene])
                scene_item.setFont(0, bold)
                scene_item.setFlags(Qt.ItemFlag.ItemIsEnabled)
                scenes[r.scene] = scene_item
                tree.addTopLevelItem(scene_item)
            intent_item = intents.get((r.scene, r.intent))
            if intent_item is None:
                intent_item = QTreeWidgetItem([r.intent])
                intent_item.setForeground(0, QColor("#1565c0"))
                intent_item.setFlags(Qt.ItemFlag.ItemIsEnabled)
                intents[(r.scene, r.intent)] = intent_item
                scene_item.addChild(intent_item)
            match = _t(MATCH_NAMES[found.match]) if found.match in MATCH_NAMES else ""
            item = QTreeWidgetItem([r.text, r.shortcut, self.brand_name(r.brand), match, str(r.usage_count)])
            item.setToolTip(0, r.text + (f"\n{self.tr('标签')}：{'、'.join(r.tags)}" if r.tags else ""))
            item.setData(0, RECORD_ROLE, r)
            intent_item.addChild(item)
            if selected is not None and r.key == selected.key:
                reselect = item
        for scene_item in scenes.values():
            scene_item.setText(
                0, f"{scene_item.text(0)}（{sum(i.childCount() for i in _children(scene_item))}）"
            )
        tree.expandAll()
        if self._pending_select is not None:
            self.select_key(self._pending_select)
            self._pending_select = None
        elif reselect is not None:
            tree.setCurrentItem(reselect)
        query = self.view.search_edit.text().strip()
        self.view.count_label.setText(
            self.tr("找到 {n} 条").format(n=len(self.rows))
            if query
            else self.tr("共 {n} 条").format(n=len(self.rows))
        )
        self.view.busy_label.clear()
        self._update_buttons()

    def selected(self) -> PhraseRecord | None:
        item = self.view.tree.currentItem()
        if item is None or not item.isSelected():
            return None
        record = item.data(0, RECORD_ROLE)
        return record if isinstance(record, PhraseRecord) else None

    def select_key(self, key: str) -> bool:
        tree = self.view.tree
        for scene_item in _children(tree.invisibleRootItem()):
            for intent_item in _children(scene_item):
                for item in _children(intent_item):
                    record = item.data(0, RECORD_ROLE)
                    if record is not None and record.key == key:
                        tree.setCurrentItem(item)
                        item.setSelected(True)
                        return True
        return False

    def shown_records(self) -> list[PhraseRecord]:
        return [f.record for f in self.rows]

    # --- actions ---------------------------------------------------------------------------------------

    def _double_clicked(self, item: QTreeWidgetItem, _column: int) -> None:
        if item.data(0, RECORD_ROLE) is None:
            return
        if self.scope == "personal" or self.trainer:
            self.edit_selected()
        else:
            self.copy_selected()

    def copy_selected(self) -> None:
        record = self.selected()
        if record is None:
            return
        QApplication.clipboard().setText(record.text)
        self.ctx.show_status(self.tr("已复制：{s}").format(s=record.shortcut))

    def new_phrase(self) -> None:
        self._open_editor(None)

    def edit_selected(self) -> None:
        record = self.selected()
        if record is not None:
            self._open_editor(record)

    def _open_editor(self, record: PhraseRecord | None) -> None:
        dialog = PhraseEditorDialog(self.ctx, self.scope, record, brands=self.brands, parent=self)
        dialog.saved.connect(lambda result: self._saved(result.phrase.key))
        self.dialog = dialog
        dialog.open()

    def _saved(self, key: str) -> None:
        self.ctx.show_status(self.tr("话术已保存"))
        self._pending_select = key
        self.search_when_indexed()

    def search_when_indexed(self) -> None:
        """Search now, and again once the service's search index has caught up with a change
        made here (it is rebuilt in the background; the stale one answers meanwhile)."""
        self.search()
        phrases, actor = self.ctx.services.phrases, self.ctx.actor

        def rebuild() -> None:
            phrases.search(actor, "a", limit=1)  # notices the change and starts the rebuild
            phrases.wait_until_fresh(REINDEX_WAIT_SECONDS)

        self.ctx.runner.pool(rebuild, on_done=lambda _r: self.search(), owner=self, name="phrases.reindex")

    def delete_selected(self) -> None:
        record = self.selected()
        if record is None:
            return
        if not prompts.confirm(
            self,
            self.tr("删除话术"),
            self.tr("删除话术“{t}”？").format(t=record.text[:30]),
            ok_text=self.tr("删除"),
        ):
            return
        phrases = self.ctx.services.phrases
        fn = phrases.delete_team if record.scope == "team" else phrases.delete_personal
        self.ctx.runner.db(
            fn,
            self.ctx.actor,
            record.key,
            on_done=lambda _r: self.search_when_indexed(),
            owner=self,
            name="phrases.delete",
        )

    def _review_changed_phrase(self, key: str) -> None:
        self._pending_select = key
        self.search_when_indexed()

    # --- table import / export -------------------------------------------------------------------------

    def import_table(self) -> None:
        """Pick a Qianniu CSV / xlsx, preview it on the database thread, then show the preview."""
        from cstrainer.gui.pages.phrase_import_dialog import TABLE_FILTER

        path = prompts.choose_open_file(self, self.tr("导入话术表格"), filters=self.tr(TABLE_FILTER))
        if path is None:
            return
        self.ctx.runner.db(
            self.ctx.services.phrase_io.preview,
            self.ctx.actor,
            Path(path),
            on_done=lambda preview: self._previewed(Path(path), preview),
            owner=self,
            name="phrases.import_preview",
        )

    def _previewed(self, path: Path, preview: ImportPreview) -> None:
        from cstrainer.gui.pages.phrase_import_dialog import PhraseImportDialog

        dialog = PhraseImportDialog(self.ctx, path, preview, self)
        dialog.imported.connect(self._table_imported)
        self.dialog = dialog
        dialog.open()

    def _table_imported(self, result: ImportResult) -> None:
        self.ctx.show_status(
            self.tr("已导入 {f}：新增 {a} 条、修改 {u} 条").format(
                f=result.preview.file, a=result.added, u=result.updated
            )
        )
        self.search_when_indexed()

    def export_table(self) -> None:
        """Export the team library (the brand chosen in the filter, if any) by the file's suffix."""
        from cstrainer.gui.pages.phrase_import_dialog import EXPORT_FILTER

        brand = self._filter(self.view.brand_combo)
        suggested = f"话术库-{brand or '全部'}.csv"
        path = prompts.choose_save_file(
            self, self.tr("导出团队话术"), Path.home() / suggested, filters=self.tr(EXPORT_FILTER)
        )
        if path is None:
            return
        path = Path(path)
        if path.suffix.lower() not in (".csv", ".xlsx", ".yml", ".yaml"):
            path = path.with_suffix(".csv")
        self.ctx.runner.db(
            self.ctx.services.phrase_io.export,
            self.ctx.actor,
            path,
            brand=brand,
            on_done=lambda n: self.ctx.show_status(
                self.tr("已导出 {n} 条话术到 {p}").format(n=n, p=str(path))
            ),
            owner=self,
            name="phrases.export_table",
        )

    # --- releases ----------------------------------------------------------------------------------------

    def check_reminder(self) -> None:
        if not self.trainer:
            return
        self.ctx.runner.db(
            self.ctx.services.phrases.release_reminder,
            self.ctx.actor,
            on_done=self._reminder,
            owner=self,
            name="phrases.reminder",
        )

    def _reminder(self, text: str | None) -> None:
        self.view.banner.setText("⏰ " + text if text else "")
        self.view.banner.setVisible(bool(text))

    def open_releases(self) -> None:
        dialog = ReleaseDialog(self.ctx, self)
        dialog.changed.connect(self._releases_changed)
        self.dialog = dialog
        dialog.open()

    def _releases_changed(self) -> None:
        self.check_reminder()
        self.search_when_indexed()

    def show_whats_new(self, *, only_new: bool) -> None:
        self.ctx.runner.db(
            latest_changes,
            self.ctx.services,
            self.ctx.actor,
            only_new=only_new,
            on_done=lambda result: self._whats_new(result, only_new),
            owner=self,
            name="phrases.whats_new",
        )

    def _whats_new(self, result: tuple[SeenChanges, list[PhraseItem]] | None, only_new: bool) -> None:
        if result is None:
            if not only_new:
                prompts.inform(self, self.tr("本次更新"), self.tr("话术库还没有发布过版本。"))
            return
        changes, items = result
        dialog = WhatChangedDialog(self.ctx, changes, items, self)
        self.dialog = dialog
        dialog.open()


def _children(item: QTreeWidgetItem) -> list[QTreeWidgetItem]:
    children = (item.child(i) for i in range(item.childCount()))
    return [child for child in children if child is not None]
