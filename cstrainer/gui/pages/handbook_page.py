"""The 产品手册 page: browse the product, competitor and handbook documents by brand, search them
(jieba words, hits highlighted), read one rendered from Markdown with its pictures, listen to it,
look at its history, compare products side by side, export and import; trainers edit and work
through the 待复核 list (questions and scenarios to check after a handbook change).

Reading marks: a document shown here is marked read (on the database thread); the tree shows
新 (never read) and 有更新 (changed since it was read) and the number of unread documents.

Listening: :class:`Narrator` reads :func:`cstrainer.domain.handbook_cards.listen_script`
paragraph by paragraph. The speaker is created, and every call made, on one dedicated thread
(as the role-play chat's voice does); each paragraph's end comes back to the UI thread, which
shows the next paragraph and asks for it. 停止 cancels the running paragraph.
"""

from __future__ import annotations

import contextlib
import html
import logging
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from cstrainer.domain.accounts import Permission
from cstrainer.domain.handbook import KIND_LABELS, query_words
from cstrainer.domain.handbook_cards import listen_script
from cstrainer.formats.handbook_markdown import render_markdown
from cstrainer.gui import prompts
from cstrainer.gui.context import PageContext
from cstrainer.gui.pages.handbook_dialogs import CompareDialog, HistoryDialog, ImportDialog
from cstrainer.gui.pages.handbook_document import (
    BuiltDocument,
    DocumentLook,
    build_document,
    image_fragments,
    retire,
)
from cstrainer.gui.pages.handbook_editor import HandbookEditorDialog
from cstrainer.gui.pages.handbook_page_view import HandbookPageView
from cstrainer.gui.pages.registry import Page
from cstrainer.gui.qt import (
    QT_TRANSLATE_NOOP,
    QColor,
    QCoreApplication,
    QDialog,
    QFont,
    QObject,
    Qt,
    QTableWidgetItem,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
    QTextEdit,
    QTreeWidgetItem,
    QUrl,
    QVBoxLayout,
    QWidget,
    Signal,
)
from cstrainer.gui.style import GREEN, GREY, ORANGE
from cstrainer.gui.table_model import local_time
from cstrainer.gui.tasks import Task, run_with_progress
from cstrainer.paths import project_root
from cstrainer.services import Services
from cstrainer.services.actor import Actor
from cstrainer.services.handbook import HandbookDoc, HandbookHit, ReviewFlag
from cstrainer.speech import Speaker, create_speaker

log = logging.getLogger(__name__)

DOC_ROLE = Qt.ItemDataRole.UserRole
ALL = "\x00all"
SHARED = "\x00shared"
SEARCH_LIMIT = 50
HIT_BACKGROUND = "#ffe082"
GROUP_LABELS = {"product": "产品", "competitor": "竞品", "entry": "手册"}
STATE_LABELS = {"new": "新", "updated": "有更新"}
STATE_COLOURS = {"new": GREEN, "updated": ORANGE}
PDF_FILTER = QT_TRANSLATE_NOOP("HandbookPage", "PDF 文件 (*.pdf)")


def _t(text: str) -> str:
    return QCoreApplication.translate("HandbookPage", text)


# --- work for the database thread -------------------------------------------------------------------


@dataclass(frozen=True)
class Catalogue:
    """What the page lists: the documents (with read states), brand names, unread and flag counts."""

    docs: list[HandbookDoc]
    brands: list[tuple[str, str]]  # (key, name)
    unread: int
    open_flags: int | None  # None: the person does not review content


def load_catalogue(services: Services, actor: Actor) -> Catalogue:
    docs = services.handbook.list_docs(actor)
    brands = [(b.key, b.name) for b in services.users.brands()]
    flags = len(services.handbook.review_flags(actor)) if actor.can(Permission.EDIT_CONTENT) else None
    return Catalogue(docs, brands, sum(1 for d in docs if d.read_state != "read"), flags)


def open_and_mark(services: Services, actor: Actor, kind: str, key: str) -> HandbookDoc:
    """The document as it is now (its read state from before this reading), then marked read."""
    doc = services.handbook.get_doc(actor, kind, key)
    services.handbook.mark_read(actor, kind, key)
    return doc


def names_for(doc: HandbookDoc, brands: dict[str, str], products: dict[str, str]) -> dict[str, str | None]:
    """The display names render_markdown wants for a document's brand and linked product."""
    brand = doc.data.get("brand")
    product = doc.data.get("our_product") if doc.kind == "competitor" else doc.data.get("product")
    return {
        "brand_name": brands.get(str(brand)) if brand else None,
        "product_name": products.get(str(product)) if product and doc.kind != "product" else None,
    }


def hit_html(index: int, hit: HandbookHit) -> str:
    """One search result: the title as a link, where it matched, the snippet with the hits marked."""
    parts: list[str] = []
    last = 0
    for start, end in hit.spans:
        parts.append(html.escape(hit.snippet[last:start]))
        parts.append(
            f"<span style='background:{HIT_BACKGROUND}; font-weight:bold'>"
            f"{html.escape(hit.snippet[start:end])}</span>"
        )
        last = end
    parts.append(html.escape(hit.snippet[last:]))
    kind = KIND_LABELS.get(hit.kind, hit.kind)
    return (
        f"<p style='margin-bottom:8px'><a href='hit:{index}' style='text-decoration:none'>"
        f"<b>{html.escape(hit.title)}</b></a>"
        f" <span style='color:{GREY}'>{html.escape(kind)} · {html.escape(hit.label)}</span><br>"
        f"{''.join(parts)}</p>"
    )


def hit_words(hit: HandbookHit, query: str) -> list[str]:
    """What to mark in the opened document: the snippet's hits as they appear, then the query words."""
    found = [hit.snippet[s:e] for s, e in hit.spans]
    return list(dict.fromkeys(w for w in [*found, *query_words(query)] if w.strip()))


# --- listening ----------------------------------------------------------------------------------------


class Narrator(QObject):
    """Reads paragraphs aloud one after the other, off the UI thread.

    ``paragraph_started(index)`` when a paragraph is handed to the speaker, ``finished()`` after
    the last one (or after :meth:`stop`), ``unavailable(reason)`` when there is no voice.
    """

    paragraph_started = Signal(int)
    finished = Signal()
    unavailable = Signal(str)

    def __init__(self, runner: Any, factory: Callable[[], Speaker], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self._factory = factory
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cstrainer-listen")
        self._speaker: Speaker | None = None
        self.available: bool | None = None
        self.reason: str | None = None
        self.paragraphs: list[str] = []
        self.index = -1
        self.running = False
        self._generation = 0
        self._closed = False
        self._call(self._create, on_done=self._created)

    def _call(self, fn: Callable[..., Any], *args: Any, on_done: Callable[[Any], None] | None = None) -> None:
        future = self._executor.submit(fn, *args)
        self._runner.pool(
            future.result, on_done=on_done, on_error=self._failed, owner=self, name="handbook.speech"
        )

    def _create(self) -> tuple[bool, str | None]:
        self._speaker = self._factory()
        return bool(self._speaker.available), self._speaker.unavailable_reason

    def _created(self, result: tuple[bool, str | None]) -> None:
        self.available, self.reason = result
        if not self.available:
            self._give_up(self.reason or _t("语音不可用"))

    def _failed(self, exc: BaseException) -> None:
        if self._closed:  # the queued calls were cancelled by close()
            return
        log.warning("listening failed: %s", exc)
        self.available = False
        self.reason = str(exc) or type(exc).__name__
        self._give_up(self.reason)

    def _give_up(self, reason: str) -> None:
        was_running = self.running
        self._generation += 1
        self.running = False
        self.unavailable.emit(reason)
        if was_running:
            self.finished.emit()

    def start(self, paragraphs: Sequence[str]) -> None:
        if self._closed:
            return
        if self.available is False:
            self.unavailable.emit(self.reason or _t("语音不可用"))
            return
        self.stop(quiet=True)
        self.paragraphs = list(paragraphs)
        self.index = -1
        self.running = True
        self._next(self._generation)

    def _next(self, generation: int) -> None:
        if generation != self._generation or self._closed:
            return
        self.index += 1
        if self.index >= len(self.paragraphs):
            self.running = False
            self.finished.emit()
            return
        self.paragraph_started.emit(self.index)

        def spoken(_result: object) -> None:
            self._next(generation)

        self._call(self._speak, self.paragraphs[self.index], on_done=spoken)

    def _speak(self, text: str) -> None:
        if self._speaker is not None and self._speaker.available:
            self._speaker.speak(text)

    def stop(self, *, quiet: bool = False) -> None:
        """Stop reading (the paragraph being spoken is cut off)."""
        self._generation += 1
        was_running = self.running
        self.running = False
        if was_running and self._speaker is not None:
            with contextlib.suppress(Exception):
                self._speaker.stop()
        if was_running and not quiet:
            self.finished.emit()

    def close(self) -> None:
        if self._closed:
            return
        self.stop(quiet=True)
        self._closed = True
        self._executor.shutdown(wait=False, cancel_futures=True)


# --- the page -------------------------------------------------------------------------------------------


class HandbookPage(Page):
    def __init__(
        self,
        ctx: PageContext,
        parent: QWidget | None = None,
        *,
        speaker_factory: Callable[[], Speaker] | None = None,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.trainer = ctx.actor.can(Permission.EDIT_CONTENT)
        self.speaker_factory: Callable[[], Speaker] = speaker_factory or create_speaker
        self.view = HandbookPageView(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)
        self.docs: list[HandbookDoc] = []
        self.brands: list[tuple[str, str]] = []
        self.hits: list[HandbookHit] = []
        self.flags: list[ReviewFlag] = []
        self.current: HandbookDoc | None = None
        self.highlights: list[str] = []
        self.dialog: Any = None  # the dialog open now (tests reach it here)
        self.narrator: Narrator | None = None
        self.loading = False
        self.searching = False
        self.exporting: Task | None = None
        self._query = ""
        self._search_seq = 0
        self._open_seq = 0
        self._pending_open: tuple[str, str] | None = None
        self._shown_document: QTextDocument | None = None  # built off the UI thread, shown now

        v = self.view
        v.doc_view.setSearchPaths([str(project_root())])
        v.brand_combo.addItem(self.tr("全部品牌"), ALL)
        for widget in (v.new_button, v.edit_button, v.import_button):
            widget.setVisible(self.trainer)
        v.import_button.setVisible(self.trainer and ctx.actor.can(Permission.IMPORT_CONTENT))
        for button in (v.export_pdf_button, v.export_md_button):
            button.setVisible(ctx.actor.can(Permission.EXPORT_CONTENT))
        v.tabs.setTabVisible(1, self.trainer)
        v.tabs.tabBar().setVisible(self.trainer)  # one tab: no tab bar
        v.search_edit.textChanged.connect(lambda _text: self.search())
        v.brand_combo.currentIndexChanged.connect(lambda _i: self._fill_tree())
        v.tree.itemSelectionChanged.connect(self._tree_selection_changed)
        v.tree.itemClicked.connect(lambda _item, _column: self._tree_selection_changed())
        v.results.anchorClicked.connect(self._hit_clicked)
        v.listen_button.clicked.connect(self.listen)
        v.stop_button.clicked.connect(self.stop_listening)
        v.history_button.clicked.connect(self.open_history)
        v.compare_button.clicked.connect(self.open_compare)
        v.export_pdf_button.clicked.connect(self.export_pdf)
        v.export_md_button.clicked.connect(self.export_markdown)
        v.import_button.clicked.connect(self.import_markdown)
        v.edit_button.clicked.connect(self.edit_current)
        v.new_product_action.triggered.connect(lambda: self.new_doc("product"))
        v.new_competitor_action.triggered.connect(lambda: self.new_doc("competitor"))
        v.new_entry_action.triggered.connect(lambda: self.new_doc("entry"))
        v.resolve_button.clicked.connect(self.resolve_selected_flags)
        v.open_flag_doc_button.clicked.connect(self.open_selected_flag_doc)
        v.show_resolved_box.toggled.connect(lambda _on: self.load_flags())
        v.refresh_flags_button.clicked.connect(self.load_flags)
        v.flags_table.itemSelectionChanged.connect(self._update_buttons)
        v.flags_table.itemDoubleClicked.connect(lambda _item: self.open_selected_flag_doc())
        self._show_placeholder()
        self._update_buttons()

    # --- Page hooks -----------------------------------------------------------------------------------

    def page_shown(self) -> None:
        self.reload()
        if self.trainer:
            self.load_flags()

    def page_closing(self) -> None:
        if self.narrator is not None:
            self.narrator.close()
            self.narrator = None
        if self.dialog is not None:
            # done() hides without asking about unsaved edits: the session is ending
            self.dialog.done(int(QDialog.DialogCode.Rejected.value))
            self.dialog = None

    # --- the catalogue ------------------------------------------------------------------------------------

    def reload(self) -> None:
        self.loading = True
        self.ctx.runner.db(
            load_catalogue,
            self.ctx.services,
            self.ctx.actor,
            on_done=self._loaded,
            on_error=self._load_failed,
            owner=self,
            name="handbook.catalogue",
        )

    def _load_failed(self, exc: BaseException) -> None:
        self.loading = False
        self.view.status_label.setText(str(exc))

    def _loaded(self, catalogue: Catalogue) -> None:
        self.loading = False
        self.docs = catalogue.docs
        if self.brands != catalogue.brands:
            self.brands = catalogue.brands
            combo = self.view.brand_combo
            current = combo.currentData()
            combo.blockSignals(True)
            combo.clear()
            combo.addItem(self.tr("全部品牌"), ALL)
            for key, name in self.visible_brands():
                combo.addItem(name, key)
            if any(d.brand is None for d in self.docs):
                combo.addItem(self.tr("通用"), SHARED)
            combo.setCurrentIndex(max(0, combo.findData(current)))
            combo.blockSignals(False)
        self._fill_tree()
        if catalogue.open_flags is not None:
            self._set_flag_count(catalogue.open_flags)
        current = self.current
        fresh = next(
            (d for d in self.docs if current is not None and (d.kind, d.key) == (current.kind, current.key)),
            None,
        )
        if self._pending_open is not None:
            kind, key = self._pending_open
            self._pending_open = None
            self.open_doc(kind, key, highlight=self.highlights)
        elif current is not None and fresh is None:
            self.current = None  # gone (or no longer visible)
            self._show_placeholder()
        elif current is not None and fresh is not None and fresh.version != current.version:
            self.open_doc(current.kind, current.key)  # shown is stale: show the new version
        self._update_buttons()

    def visible_brands(self) -> list[tuple[str, str]]:
        with_docs = {d.brand for d in self.docs}
        return [(k, n) for k, n in self.brands if k in with_docs]

    def brand_filter(self) -> str | None:
        """The brand chosen in the filter ("" for the shared documents, None for all)."""
        data = self.view.brand_combo.currentData()
        if data in (None, ALL):
            return None
        return "" if data == SHARED else str(data)

    def brand_names(self) -> dict[str, str]:
        return dict(self.brands)

    def product_names(self) -> dict[str, str]:
        return {d.key: d.title for d in self.docs if d.kind == "product"}

    def unread(self) -> int:
        return sum(1 for d in self.docs if d.read_state != "read")

    def _fill_tree(self) -> None:
        tree = self.view.tree
        tree.blockSignals(True)
        tree.clear()
        bold = QFont(tree.font())
        bold.setBold(True)
        chosen = self.brand_filter()
        names = self.brand_names()
        order = [k for k, _ in self.brands]
        groups: dict[str | None, list[HandbookDoc]] = {}
        for doc in self.docs:
            if chosen is not None and (doc.brand or "") != chosen:
                continue
            groups.setdefault(doc.brand, []).append(doc)
        selected: QTreeWidgetItem | None = None
        for brand in sorted(groups, key=lambda b: (b is None, order.index(b) if b in order else 99, b or "")):
            docs = groups[brand]
            unread = sum(1 for d in docs if d.read_state != "read")
            brand_item = QTreeWidgetItem([names.get(brand, brand) if brand else self.tr("通用"), ""])
            brand_item.setFont(0, bold)
            brand_item.setFlags(Qt.ItemFlag.ItemIsEnabled)
            if unread:
                brand_item.setText(1, self.tr("{n} 未读").format(n=unread))
                brand_item.setForeground(1, QColor(ORANGE))
            tree.addTopLevelItem(brand_item)
            for kind in ("product", "competitor", "entry"):
                of_kind = [d for d in docs if d.kind == kind]
                if not of_kind:
                    continue
                group = QTreeWidgetItem([f"{_t(GROUP_LABELS[kind])}（{len(of_kind)}）", ""])
                group.setFlags(Qt.ItemFlag.ItemIsEnabled)
                group.setForeground(0, QColor("#1565c0"))
                brand_item.addChild(group)
                for doc in of_kind:
                    item = QTreeWidgetItem([doc.title, _t(STATE_LABELS.get(doc.read_state, ""))])
                    item.setData(0, DOC_ROLE, (doc.kind, doc.key))
                    item.setToolTip(0, doc.title)
                    if doc.read_state in STATE_COLOURS:
                        item.setForeground(1, QColor(STATE_COLOURS[doc.read_state]))
                        item.setFont(0, bold)
                    group.addChild(item)
                    if self.current is not None and (doc.kind, doc.key) == (
                        self.current.kind,
                        self.current.key,
                    ):
                        selected = item
        tree.expandAll()
        if selected is not None:
            tree.setCurrentItem(selected)
        tree.blockSignals(False)
        n = self.unread()
        self.view.unread_label.setText(self.tr("未读 {n} 篇").format(n=n) if n else self.tr("全部已读"))
        if not self.view.search_edit.text().strip():
            self.view.count_label.setText(self.tr("共 {n} 篇").format(n=len(self.docs)))

    def tree_item(self, kind: str, key: str) -> QTreeWidgetItem | None:
        tree = self.view.tree
        for i in range(tree.topLevelItemCount()):
            brand_item = tree.topLevelItem(i)
            if brand_item is None:
                continue
            for j in range(brand_item.childCount()):
                group = brand_item.child(j)
                if group is None:
                    continue
                for k in range(group.childCount()):
                    item = group.child(k)
                    if item is not None and item.data(0, DOC_ROLE) == (kind, key):
                        return item
        return None

    def marker(self, kind: str, key: str) -> str:
        """The read marker shown in the tree for a document ("新", "有更新" or "")."""
        item = self.tree_item(kind, key)
        return item.text(1) if item is not None else ""

    def _tree_selection_changed(self) -> None:
        item = self.view.tree.currentItem()
        if item is None or not item.isSelected():
            return
        ref = item.data(0, DOC_ROLE)
        if ref is not None:
            kind, key = ref
            if self.current is None or (self.current.kind, self.current.key) != (kind, key):
                self.open_doc(kind, key)

    # --- showing a document ---------------------------------------------------------------------------------

    def open_doc(self, kind: str, key: str, *, highlight: Sequence[str] = ()) -> None:
        """Load a document, show it (marking ``highlight`` words), and mark it read.

        Three steps, the slow ones off the UI thread: the database thread reads it and marks it
        read; a pool thread builds the document to show (:func:`build_document`: Markdown,
        pictures); the UI thread swaps it in (:meth:`_opened`). A later opening wins."""
        self._open_seq += 1
        seq = self._open_seq
        self.loading = True
        self.highlights = list(highlight)
        self.ctx.runner.db(
            open_and_mark,
            self.ctx.services,
            self.ctx.actor,
            kind,
            key,
            on_done=lambda doc: self._fetched(seq, doc),
            on_error=lambda exc: self._open_failed(seq, exc),
            owner=self,
            name="handbook.open",
        )

    def _fetched(self, seq: int, doc: HandbookDoc) -> None:
        if seq != self._open_seq:
            return
        self.ctx.runner.pool(
            build_document,
            doc,
            names_for(doc, self.brand_names(), self.product_names()),
            self.document_look(),
            on_done=lambda built: self._opened(seq, built),
            on_error=lambda exc: self._open_failed(seq, exc),
            owner=self,
            name="handbook.render",
        )

    def document_look(self) -> DocumentLook:
        """How the document view shows text, for building a document off the UI thread."""
        view = self.view.doc_view
        return DocumentLook(
            font=QFont(view.font()),
            margin=view.document().documentMargin(),
            search_paths=tuple(view.searchPaths()),
            pixel_ratio=view.devicePixelRatioF(),
            thread=self.thread(),
            default_style_sheet=view.document().defaultStyleSheet(),
        )

    def _open_failed(self, seq: int, exc: BaseException) -> None:
        if seq == self._open_seq:
            self.loading = False
            self.view.status_label.setText(str(exc))

    def _opened(self, seq: int, built: BuiltDocument) -> None:
        if seq != self._open_seq:
            return  # a later opening is on its way (the built document goes with its wrapper)
        self.loading = False
        if self.narrator is not None and self.narrator.running:
            self.stop_listening()
        doc = built.doc
        self.show_doc(built)
        # the reading is recorded: the tree and the count follow without asking the database
        self.docs = [
            replace(d, read_state="read") if (d.kind, d.key) == (doc.kind, doc.key) else d for d in self.docs
        ]
        item = self.tree_item(doc.kind, doc.key)
        if item is None:
            self._fill_tree()
        else:
            item.setText(1, "")
            item.setFont(0, self.view.tree.font())
            self.view.tree.blockSignals(True)
            self.view.tree.setCurrentItem(item)
            self.view.tree.blockSignals(False)
            self._refresh_unread_labels()
        self._update_buttons()

    def _refresh_unread_labels(self) -> None:
        n = self.unread()
        self.view.unread_label.setText(self.tr("未读 {n} 篇").format(n=n) if n else self.tr("全部已读"))
        tree = self.view.tree
        for i in range(tree.topLevelItemCount()):
            brand_item = tree.topLevelItem(i)
            if brand_item is None:
                continue
            count = 0
            for j in range(brand_item.childCount()):
                group = brand_item.child(j)
                if group is not None:
                    count += sum(
                        1
                        for k in range(group.childCount())
                        if (c := group.child(k)) is not None and c.text(1)
                    )
            brand_item.setText(1, self.tr("{n} 未读").format(n=count) if count else "")

    def markdown_for(self, doc: HandbookDoc) -> str:
        return render_markdown(
            doc.kind, doc.key, doc.data, **names_for(doc, self.brand_names(), self.product_names())
        )

    def show_doc(self, built: BuiltDocument) -> None:
        """Show a document built off the UI thread (:meth:`_fetched`)."""
        doc = built.doc
        self.current = doc
        v = self.view
        v.title_label.setText(doc.title)
        v.title_label.setVisible(False)  # the rendered page starts with the title
        kind = _t(KIND_LABELS.get(doc.kind, doc.kind))
        brand = self.brand_names().get(doc.brand or "", self.tr("通用")) if doc.brand else self.tr("通用")
        meta = self.tr("{kind} · {brand} · 第 {v} 版 · {who} 更新于 {at}").format(
            kind=kind, brand=brand, v=doc.version, who=doc.updated_by, at=local_time(doc.updated_at)
        )
        if doc.read_state == "updated":
            meta += self.tr("  ·  自你上次阅读后有更新（可在“历史版本”里看改了什么）")
        elif doc.read_state == "new":
            meta += self.tr("  ·  第一次阅读")
        v.meta_label.setText(meta)
        previous = self._shown_document
        built.install(v.doc_view)
        self._shown_document = built.document
        retire(previous, v.doc_view)
        self._apply_highlights()

    def _show_placeholder(self) -> None:
        self.view.title_label.setText(self.tr("产品手册"))
        self.view.title_label.setVisible(True)
        self.view.meta_label.setText(self.tr("在左边选一个商品、竞品或手册条目；也可以直接搜索。"))
        self.view.doc_view.clear()

    def image_sources(self) -> list[str]:
        """The picture paths in the shown document."""
        return [name for _pos, _length, name in image_fragments(self.view.doc_view.document())]

    def image_loaded(self, source: str) -> bool:
        resource = self.view.doc_view.loadResource(
            int(QTextDocument.ResourceType.ImageResource.value), QUrl(source)
        )
        return resource is not None and not getattr(resource, "isNull", lambda: False)()

    def _apply_highlights(self) -> None:
        edit = self.view.doc_view
        document = edit.document()
        selections = []
        first: QTextCursor | None = None
        for word in self.highlights:
            cursor = document.find(word, 0)
            while not cursor.isNull():
                sel = QTextEdit.ExtraSelection()
                fmt = QTextCharFormat()
                fmt.setBackground(QColor(HIT_BACKGROUND))
                sel.cursor = cursor  # type: ignore[misc]
                sel.format = fmt  # type: ignore[misc]
                selections.append(sel)
                if first is None or cursor.position() < first.position():
                    first = QTextCursor(cursor)
                cursor = document.find(word, cursor)
        edit.setExtraSelections(selections)
        if first is not None:
            first.clearSelection()
            edit.setTextCursor(first)
            edit.ensureCursorVisible()
        else:
            edit.moveCursor(QTextCursor.MoveOperation.Start)

    def highlighted_words(self) -> list[str]:
        """The text under each highlight in the document view (what the person sees marked)."""
        return [sel.cursor.selectedText() for sel in self.view.doc_view.extraSelections()]

    def shown_text(self) -> str:
        return self.view.doc_view.toPlainText()

    # --- search -------------------------------------------------------------------------------------------

    def search(self) -> None:
        query = self.view.search_edit.text().strip()
        self._search_seq += 1
        seq = self._search_seq
        if not query:
            self.searching = False
            self.hits = []
            self.view.left_stack.setCurrentIndex(0)
            self.view.count_label.setText(self.tr("共 {n} 篇").format(n=len(self.docs)))
            return
        self.searching = True
        self.ctx.runner.db(
            self.ctx.services.handbook.search,
            self.ctx.actor,
            query,
            limit=SEARCH_LIMIT,
            on_done=lambda hits: self._found(seq, query, hits),
            on_error=lambda exc: self._search_failed(seq, exc),
            owner=self,
            name="handbook.search",
        )

    def _search_failed(self, seq: int, exc: BaseException) -> None:
        if seq == self._search_seq:
            self.searching = False
            self.view.count_label.setText(str(exc))

    def _found(self, seq: int, query: str, hits: list[HandbookHit]) -> None:
        if seq != self._search_seq:
            return
        self.searching = False
        self.hits = hits
        self._query = query
        v = self.view
        if hits:
            v.results.setHtml("".join(hit_html(i, h) for i, h in enumerate(hits)))
        else:
            v.results.setHtml(
                f"<p style='color:{GREY}'>" + html.escape(self.tr("没有找到包含这些词的手册。")) + "</p>"
            )
        v.left_stack.setCurrentIndex(1)
        v.count_label.setText(self.tr("找到 {n} 篇").format(n=len(hits)))

    def _hit_clicked(self, url: QUrl) -> None:
        text = url.toString()
        if text.startswith("hit:"):
            self.open_hit(int(text[4:]))

    def open_hit(self, index: int) -> None:
        hit = self.hits[index]
        self.open_doc(hit.kind, hit.key, highlight=hit_words(hit, self._query))

    # --- listening ------------------------------------------------------------------------------------------

    def script(self) -> list[str]:
        doc = self.current
        if doc is None:
            return []
        return listen_script(doc.kind, doc.data, title=doc.title, product_names=self.product_names())

    def listen(self) -> None:
        paragraphs = self.script()
        if not paragraphs:
            return
        if self.narrator is None:
            self.narrator = Narrator(self.ctx.runner, self.speaker_factory, self)
            self.narrator.paragraph_started.connect(self._paragraph_started)
            self.narrator.finished.connect(self._listening_finished)
            self.narrator.unavailable.connect(self._voice_unavailable)
        bar = self.view.listen_bar
        bar.setText(html.escape(self.tr("准备朗读…")))
        bar.setVisible(True)
        self.narrator.start(paragraphs)
        self._update_buttons()

    def _paragraph_started(self, index: int) -> None:
        narrator = self.narrator
        if narrator is None:
            return
        text = narrator.paragraphs[index]
        self.view.listen_bar.setText(
            html.escape(self.tr("正在朗读 {i}/{n}：").format(i=index + 1, n=len(narrator.paragraphs)))
            + f"<b>{html.escape(text)}</b>"
        )
        self._update_buttons()

    def _listening_finished(self) -> None:
        narrator = self.narrator
        if narrator is not None and narrator.available is not False:
            done = narrator.index >= len(narrator.paragraphs)
            self.view.listen_bar.setText(
                html.escape(self.tr("朗读完毕。") if done else self.tr("已停止朗读。"))
            )
        self._update_buttons()

    def _voice_unavailable(self, reason: str) -> None:
        self.view.listen_bar.setText(
            html.escape(reason) + " " + html.escape(self.tr("（可以照着下面的文字自己读一遍）"))
        )
        self.view.listen_bar.setVisible(True)
        self._update_buttons()

    def stop_listening(self) -> None:
        if self.narrator is not None:
            self.narrator.stop()
        self._update_buttons()

    @property
    def listening(self) -> bool:
        return self.narrator is not None and self.narrator.running

    # --- history, compare ------------------------------------------------------------------------------------

    def open_history(self) -> None:
        if self.current is None:
            return
        dialog = HistoryDialog(self.ctx, self.current, parent=self)
        self.dialog = dialog
        dialog.open()

    def open_compare(self) -> None:
        docs = [d for d in self.docs if d.kind in ("product", "competitor")]
        chosen = []
        if self.current is not None and self.current.kind in ("product", "competitor"):
            chosen.append((self.current.kind, self.current.key))
            if self.current.kind == "competitor" and self.current.product:
                chosen.append(("product", self.current.product))
        dialog = CompareDialog(self.ctx, docs, chosen, brand_names=self.brand_names(), parent=self)
        self.dialog = dialog
        dialog.open()

    # --- export / import ---------------------------------------------------------------------------------------

    def _scope_name(self) -> tuple[str | None, str]:
        brand = self.brand_filter()
        if brand is None:
            return None, self.tr("全部")
        if brand == "":
            return None, self.tr("全部")
        return brand, self.brand_names().get(brand, brand)

    def export_pdf(self) -> None:
        brand, name = self._scope_name()
        path = prompts.choose_save_file(
            self, self.tr("导出产品手册 PDF"), Path.home() / f"产品手册-{name}.pdf", filters=_t(PDF_FILTER)
        )
        if path is None:
            return
        path = Path(path)
        if path.suffix.lower() != ".pdf":
            path = path.with_suffix(".pdf")
        io, actor = self.ctx.services.handbook_io, self.ctx.actor

        def job(task: Task) -> int:
            task.progress(_t("正在排版 PDF…"))
            return int(io.export_pdf(actor, path, brand=brand))

        self.exporting, _dialog = run_with_progress(
            self.ctx.runner,
            self,
            self.tr("正在导出 PDF…"),
            job,
            on_done=lambda pages: self._exported(
                self.tr("已导出 PDF（{n} 页）：{p}").format(n=pages, p=str(path))
            ),
            on_error=self._export_failed,
            on_cancelled=lambda: self._exported(self.tr("已取消导出")),
        )

    def export_markdown(self) -> None:
        brand, _name = self._scope_name()
        folder = prompts.choose_directory(self, self.tr("导出 Markdown 到文件夹"))
        if folder is None:
            return
        io, actor = self.ctx.services.handbook_io, self.ctx.actor

        def job(task: Task) -> int:
            task.progress(_t("正在写出 Markdown 文件…"))
            return int(io.export_markdown(actor, Path(folder), brand=brand))

        self.exporting, _dialog = run_with_progress(
            self.ctx.runner,
            self,
            self.tr("正在导出 Markdown…"),
            job,
            on_done=lambda n: self._exported(self.tr("已导出 {n} 篇手册到 {p}").format(n=n, p=str(folder))),
            on_error=self._export_failed,
            on_cancelled=lambda: self._exported(self.tr("已取消导出")),
        )

    def _exported(self, text: str) -> None:
        self.exporting = None
        self.view.status_label.setText(text)
        self.ctx.show_status(text)

    def _export_failed(self, exc: BaseException) -> None:
        from cstrainer.gui import errors

        self.exporting = None
        self.view.status_label.setText(str(exc))
        errors.show_error(self, exc)

    def import_markdown(self) -> None:
        folder = prompts.choose_directory(self, self.tr("从文件夹导入 Markdown 手册"))
        if folder is None:
            return
        dialog = ImportDialog(self.ctx, Path(folder), parent=self)
        dialog.imported.connect(self._imported)
        self.dialog = dialog
        dialog.open()

    def _imported(self, count: int) -> None:
        text = self.tr("已导入 {n} 篇手册").format(n=count)
        self.view.status_label.setText(text)
        self.ctx.show_status(text)
        self.reload()
        if self.trainer:
            self.load_flags()

    # --- editing -------------------------------------------------------------------------------------------

    def edit_current(self) -> None:
        if self.current is not None:
            self._open_editor(self.current.kind, self.current)

    def new_doc(self, kind: str) -> None:
        self._open_editor(kind, None)

    def _open_editor(self, kind: str, doc: HandbookDoc | None) -> None:
        products = [(d.key, d.title, d.brand) for d in self.docs if d.kind == "product"]
        dialog = HandbookEditorDialog(self.ctx, kind, doc, brands=self.brands, products=products, parent=self)
        dialog.saved.connect(self._saved)
        self.dialog = dialog
        dialog.open()

    def _saved(self, doc: HandbookDoc) -> None:
        self.ctx.show_status(self.tr("已保存：{t}（第 {v} 版）").format(t=doc.title, v=doc.version))
        self.current = None
        self._pending_open = (doc.kind, doc.key)
        self.reload()
        if self.trainer:
            self.load_flags()

    # --- review flags ------------------------------------------------------------------------------------------

    def load_flags(self) -> None:
        if not self.trainer:
            return
        self.ctx.runner.db(
            self.ctx.services.handbook.review_flags,
            self.ctx.actor,
            include_resolved=self.view.show_resolved_box.isChecked(),
            on_done=self._flags_loaded,
            owner=self,
            name="handbook.flags",
        )

    def _flags_loaded(self, flags: list[ReviewFlag]) -> None:
        self.flags = flags
        table = self.view.flags_table
        table.setRowCount(len(flags))
        kinds = {"question": self.tr("题目"), "scenario": self.tr("对话场景")}
        for row, flag in enumerate(flags):
            status = (
                self.tr("{who} 已复核").format(who=flag.resolved_by or "")
                if flag.resolved_at
                else self.tr("待复核")
            )
            cells = [
                flag.target_title,
                kinds.get(flag.target_kind, flag.target_kind),
                f"{flag.doc_title}（{_t(KIND_LABELS.get(flag.doc_kind, flag.doc_kind))}）",
                flag.reason,
                local_time(flag.created_at),
                status,
            ]
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                if column == 5:
                    item.setForeground(QColor(GREEN if flag.resolved_at else ORANGE))
                table.setItem(row, column, item)
        self._set_flag_count(sum(1 for f in flags if f.resolved_at is None))
        self._update_buttons()

    def _set_flag_count(self, n: int) -> None:
        self.view.tabs.setTabText(1, self.tr("待复核（{n}）").format(n=n) if n else self.tr("待复核"))

    def selected_flags(self) -> list[ReviewFlag]:
        rows = sorted({index.row() for index in self.view.flags_table.selectionModel().selectedRows()})
        return [self.flags[r] for r in rows if r < len(self.flags)]

    def resolve_selected_flags(self) -> None:
        flags = [f for f in self.selected_flags() if f.resolved_at is None]
        if not flags:
            return
        handbook, actor = self.ctx.services.handbook, self.ctx.actor

        def job() -> int:
            for flag in flags:
                handbook.resolve_flag(actor, flag.id)
            return len(flags)

        def done(n: int) -> None:
            self.ctx.show_status(self.tr("已复核 {n} 条").format(n=n))
            self.load_flags()

        self.ctx.runner.db(
            job,
            on_done=done,
            owner=self,
            name="handbook.resolve_flags",
        )

    def open_selected_flag_doc(self) -> None:
        flags = self.selected_flags()
        if not flags:
            return
        flag = flags[0]
        self.view.tabs.setCurrentIndex(0)
        self.open_doc(flag.doc_kind, flag.doc_key)

    # --- buttons ---------------------------------------------------------------------------------------------

    def _update_buttons(self) -> None:
        v = self.view
        has_doc = self.current is not None
        listening = self.listening
        v.listen_button.setEnabled(has_doc and not listening)
        v.stop_button.setEnabled(listening)
        v.history_button.setEnabled(has_doc)
        v.edit_button.setEnabled(has_doc and self.trainer)
        v.compare_button.setEnabled(any(d.kind in ("product", "competitor") for d in self.docs))
        selected = self.selected_flags() if self.trainer else []
        v.resolve_button.setEnabled(any(f.resolved_at is None for f in selected))
        v.open_flag_doc_button.setEnabled(bool(selected))
