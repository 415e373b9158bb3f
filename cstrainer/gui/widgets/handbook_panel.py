"""The handbook side panel of the role-play chat: look a product up without leaving the customer.

::

    +- 产品手册 ------------------------ [×] +
    | [搜索手册：成分、尺码、售后…        ]   |
    | 本场景商品 / 找到 3 条                   |
    | +-------------------------------------+ |
    | | 沁屿香氛洗衣液   商品 · 成分/材质     | |
    | | …生物酶（[蛋白酶]、脂肪酶）…         | |
    | +-------------------------------------+ |
    | +-------------------------------------+ |
    | | # 沁屿香氛洗衣液  (Markdown)          | |
    | |   ...                                | |
    +-----------------------------------------+

When the panel is first shown it lists the scenario's products and opens the first one. Typing
searches (:meth:`HandbookService.search`) after a short pause, on the database thread like every
service call (the search itself is in memory over a few dozen documents, but the documents come
from the database and jieba loads its dictionary the first time); answers to older queries are
dropped. A hit opens the document (rendered with :func:`render_markdown`) with the query words
highlighted. Enter in the search box opens the first hit; Enter or a click on a hit, Esc, and
closing the panel give the focus back to whoever had it (``focus_back``: the chat's reply box).
Nothing here touches the chat's timers.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from cstrainer.domain.handbook import KIND_LABELS
from cstrainer.formats.handbook_markdown import render_markdown
from cstrainer.gui.qt import (
    QColor,
    QEvent,
    QFrame,
    QHBoxLayout,
    QKeyEvent,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QObject,
    QPixmap,
    QSize,
    QSplitter,
    Qt,
    QTextBrowser,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
    QTextEdit,
    QTimer,
    QToolButton,
    QUrl,
    QVBoxLayout,
    QWidget,
    Signal,
)
from cstrainer.gui.style import GREY, bold
from cstrainer.gui.widgets.chat_bubbles import Mark, highlight_html
from cstrainer.paths import project_root

log = logging.getLogger(__name__)

SEARCH_DELAY_MS = 200
SEARCH_LIMIT = 30
HIT_COLOUR = "#ffe58f"
IMAGE_WIDTH = 180  # a glance at the product, not a catalogue page
DOC_ROLE = Qt.ItemDataRole.UserRole + 1  # (kind, key) of a result row
SPANS_ROLE = Qt.ItemDataRole.UserRole + 2  # the words to highlight in the document


class HandbookBrowser(QTextBrowser):
    """A Markdown document; images (``assets/...``, relative to the project) scaled to the width."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.root = project_root()
        self.setOpenExternalLinks(False)
        self.setOpenLinks(False)
        self.document().setDocumentMargin(10)

    def loadResource(self, kind: int, url: QUrl | str) -> Any:
        if kind == QTextDocument.ResourceType.ImageResource.value:
            name = url.toString() if isinstance(url, QUrl) else str(url)
            path = Path(name) if Path(name).is_absolute() else self.root / name
            pixmap = QPixmap(str(path)) if path.is_file() else QPixmap()
            if not pixmap.isNull():
                width = max(80, min(pixmap.width(), self.viewport().width() - 40, IMAGE_WIDTH))
                return pixmap.scaledToWidth(width, Qt.TransformationMode.SmoothTransformation)
        return super().loadResource(kind, url)


def hit_html(title: str, where: str, snippet: str, spans: Sequence[tuple[int, int]]) -> str:
    marks = [Mark(int(s), int(e), HIT_COLOUR) for s, e in spans]
    return (
        f"<b>{html.escape(title)}</b>&nbsp;&nbsp;<span style='color:{GREY}; font-size:11px;'>"
        f"{html.escape(where)}</span><br><span style='color:#303133;'>{highlight_html(snippet, marks)}</span>"
    )


class HandbookPanel(QFrame):
    """The panel (see the module docstring). ``closed`` when the person closes it."""

    closed = Signal()

    def __init__(
        self,
        ctx: Any,
        products: Sequence[str] = (),
        *,
        focus_back: QWidget | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.products = list(products)
        self.focus_back = focus_back
        self.setObjectName("handbookPanel")
        self.setStyleSheet(
            "QFrame#handbookPanel { background: #ffffff; border: 1px solid #e3e5e8; border-radius: 8px; }"
        )
        self.setMinimumWidth(300)
        self.loaded = False  # the scenario's products are listed
        self.scenario_docs: list[Any] = []
        self.hits: list[Any] = []
        self.doc: Any = None  # the document shown
        self.names: dict[str, str] = {}  # brand and product keys -> names
        self._seq = 0
        self._doc_seq = 0
        self._searched = ""  # the query of the results shown (or being asked)
        self._open_first = False  # Enter came before the results: open the first one

        lay = QVBoxLayout(self)
        lay.setContentsMargins(8, 6, 8, 8)
        lay.setSpacing(6)
        head = QHBoxLayout()
        head.addWidget(bold(QLabel(self.tr("产品手册"))))
        head.addStretch(1)
        self.close_button = QToolButton()
        self.close_button.setText("×")
        self.close_button.setToolTip(self.tr("关闭手册（Esc）"))
        self.close_button.setAutoRaise(True)
        self.close_button.clicked.connect(self.close_panel)
        head.addWidget(self.close_button)
        lay.addLayout(head)
        self.search_edit = QLineEdit()
        self.search_edit.setPlaceholderText(self.tr("搜索手册：成分、尺码、售后…"))
        self.search_edit.setClearButtonEnabled(True)
        lay.addWidget(self.search_edit)
        self.status_label = QLabel()
        self.status_label.setStyleSheet(f"color: {GREY}; font-size: 11px;")
        lay.addWidget(self.status_label)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.results = QListWidget()
        self.results.setObjectName("handbookHits")
        self.results.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        # always on: the rows are sized to the text's width, which must not change when it appears
        self.results.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
        self.results.setVerticalScrollMode(QListWidget.ScrollMode.ScrollPerPixel)
        self.results.setStyleSheet(
            "QListWidget#handbookHits { border: 1px solid #e3e5e8; border-radius: 4px; }"
            " QListWidget#handbookHits::item { border-bottom: 1px solid #f0f0f0; }"
            " QListWidget#handbookHits::item:selected { background: #e6f4ff; }"
        )
        self.results.itemClicked.connect(self._item_chosen)
        self.results.itemActivated.connect(self._item_chosen)
        self.splitter.addWidget(self.results)
        self.browser = HandbookBrowser()
        self.browser.setObjectName("handbookDoc")
        self.browser.setStyleSheet(
            "QTextBrowser#handbookDoc { border: 1px solid #e3e5e8; border-radius: 4px; }"
        )
        self.splitter.addWidget(self.browser)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setSizes([170, 430])
        lay.addWidget(self.splitter, 1)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SEARCH_DELAY_MS)
        self._timer.timeout.connect(self.search_now)
        self.search_edit.textChanged.connect(lambda _t: self._timer.start())
        self.search_edit.returnPressed.connect(self._return_pressed)
        for watched in (self.search_edit, self.results, self.results.viewport(), self.browser):
            watched.installEventFilter(self)  # Esc, arrow down, row widths (see eventFilter)

    # --- showing ---------------------------------------------------------------------------------

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        if not self.loaded:
            self.loaded = True
            self.load_scenario_docs()

    def load_scenario_docs(self) -> None:
        """The scenario's products (first one opened) and the names of brands and products."""
        services, actor, keys = self.ctx.services, self.ctx.actor, list(self.products)

        def load() -> tuple[list[Any], dict[str, str]]:
            names = {b.key: b.name for b in services.users.brands()}
            names.update({d.key: d.title for d in services.handbook.list_docs(actor, kind="product")})
            docs = []
            for key in keys:
                try:
                    docs.append(services.handbook.get_doc(actor, "product", key))
                except Exception as exc:  # a product the agent may not read, or not written yet
                    log.info("no handbook for %s: %s", key, exc)
            return docs, names

        self.status_label.setText(self.tr("正在读取手册…"))
        self.ctx.runner.db(
            load,
            on_done=self._scenario_loaded,
            on_error=self._failed,
            owner=self,
            name="handbook_panel.scenario",
        )

    def _scenario_loaded(self, result: tuple[list[Any], dict[str, str]]) -> None:
        self.scenario_docs, self.names = result
        if self.search_edit.text().strip():
            return  # the person is already searching
        self._show_scenario_docs()
        if self.scenario_docs and self.doc is None:
            first = self.scenario_docs[0]
            self._show_doc(first)

    def _show_scenario_docs(self) -> None:
        self.hits = []
        self.results.clear()
        for d in self.scenario_docs:
            price = ""
            lo, hi = d.data.get("price_min"), d.data.get("price_max")
            if lo is not None:
                price = f"¥{lo:g}" + (f" – ¥{hi:g}" if hi is not None and hi != lo else "")
            self._add_row(
                (d.kind, d.key),
                f"<b>{html.escape(d.title)}</b>&nbsp;&nbsp;<span style='color:#e4393c;'>{price}</span><br>"
                f"<span style='color:{GREY}; font-size:11px;'>{html.escape(str(d.data.get('category') or ''))}</span>",
                d.title,
                (),
            )
        if self.scenario_docs:
            self.status_label.setText(self.tr("本场景商品 · 输入关键词搜索全部手册"))
        else:
            self.status_label.setText(self.tr("这个场景没有关联商品手册，输入关键词搜索全部手册"))

    def _failed(self, exc: BaseException) -> None:
        self.status_label.setText(str(exc))

    # --- searching -------------------------------------------------------------------------------

    def search(self, query: str) -> None:
        """Search now (what typing does after a short pause)."""
        self.search_edit.blockSignals(True)
        self.search_edit.setText(query)
        self.search_edit.blockSignals(False)
        self.search_now()

    def search_now(self) -> None:
        self._timer.stop()
        query = self.search_edit.text().strip()
        self._seq += 1
        self._searched = query
        if not query:
            self._open_first = False
            self._show_scenario_docs()
            return
        seq = self._seq
        self.status_label.setText(self.tr("正在搜索…"))
        self.ctx.runner.db(
            self.ctx.services.handbook.search,
            self.ctx.actor,
            query,
            limit=SEARCH_LIMIT,
            on_done=lambda hits: self._found(seq, query, hits),
            on_error=self._failed,
            owner=self,
            name="handbook_panel.search",
        )

    def _found(self, seq: int, query: str, hits: Sequence[Any]) -> None:
        if seq != self._seq:
            return  # an older query
        self.hits = list(hits)
        self.results.clear()
        for h in self.hits:
            where = f"{KIND_LABELS.get(h.kind, h.kind)} · {h.label}"
            words = tuple(h.snippet[s:e] for s, e in h.spans)
            self._add_row((h.kind, h.key), hit_html(h.title, where, h.snippet, h.spans), h.title, words)
        self.status_label.setText(
            self.tr("找到 {n} 条").format(n=len(self.hits))
            if self.hits
            else self.tr("没有找到“{q}”，换个说法试试").format(q=query)
        )
        if self._open_first:
            self._open_first = False
            if self.hits:
                self.open_row(0)

    def _add_row(self, doc: tuple[str, str], rich: str, text: str, words: Sequence[str]) -> None:
        item = QListWidgetItem()
        item.setData(DOC_ROLE, doc)
        item.setData(SPANS_ROLE, list(words))
        item.setData(Qt.ItemDataRole.AccessibleTextRole, text)
        item.setToolTip(text)
        label = QLabel(rich)
        label.setTextFormat(Qt.TextFormat.RichText)
        label.setWordWrap(True)
        label.setContentsMargins(6, 4, 6, 4)
        label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        label.setStyleSheet("background: transparent;")
        self.results.addItem(item)
        self.results.setItemWidget(item, label)
        self._size_row(item, label)

    def _size_row(self, item: QListWidgetItem, label: QLabel) -> None:
        width = max(120, self.results.viewport().width() - 4)
        item.setSizeHint(QSize(width, label.heightForWidth(width) + 2))

    def _size_rows(self) -> None:
        for i in range(self.results.count()):
            item = self.results.item(i)
            label = self.results.itemWidget(item)
            if isinstance(label, QLabel):
                self._size_row(item, label)

    def row_texts(self) -> list[str]:
        """The rich text of each result row (tests)."""
        out = []
        for i in range(self.results.count()):
            label = self.results.itemWidget(self.results.item(i))
            out.append(label.text() if isinstance(label, QLabel) else "")
        return out

    # --- opening a document ------------------------------------------------------------------------

    def _return_pressed(self) -> None:
        """Enter: the first hit of what is typed (searching first when that is still pending)."""
        if self._timer.isActive() or self._searched != self.search_edit.text().strip():
            self._open_first = True
            self.search_now()
        elif self.results.count():
            self.open_row(0)

    def _item_chosen(self, item: QListWidgetItem) -> None:
        self.open_row(self.results.row(item))

    def open_row(self, row: int) -> None:
        """Open the document of a result row, then give the focus back (to the reply box)."""
        item = self.results.item(row)
        if item is None:
            return
        self.results.setCurrentRow(row)
        kind, key = item.data(DOC_ROLE)
        self.open_doc(kind, key, tuple(item.data(SPANS_ROLE) or ()))
        self.give_focus_back()

    def open_doc(self, kind: str, key: str, words: Sequence[str] = ()) -> None:
        self._doc_seq += 1
        seq = self._doc_seq
        handbook, actor = self.ctx.services.handbook, self.ctx.actor

        def load() -> Any:
            doc = handbook.get_doc(actor, kind, key)
            try:
                handbook.mark_read(actor, kind, key)
            except Exception as exc:  # reading is what matters
                log.info("handbook read not recorded: %s", exc)
            return doc

        self.ctx.runner.db(
            load,
            on_done=lambda doc: self._show_doc(doc, words) if seq == self._doc_seq else None,
            on_error=self._failed,
            owner=self,
            name="handbook_panel.doc",
        )

    def _show_doc(self, doc: Any, words: Sequence[str] = ()) -> None:
        self.doc = doc
        brand_name = self.names.get(doc.brand or "") or None
        product_name = self.names.get(doc.product or "") or None
        text = render_markdown(doc.kind, doc.key, doc.data, brand_name=brand_name, product_name=product_name)
        self.browser.setMarkdown(text)
        self.highlight(words)

    def highlight(self, words: Sequence[str]) -> int:
        """Mark every occurrence of ``words`` in the document and scroll to the first; the count."""
        selections = []
        fmt = QTextCharFormat()
        fmt.setBackground(QColor(HIT_COLOUR))
        first = None
        document = self.browser.document()
        for word in dict.fromkeys(w for w in words if w.strip()):
            cursor = document.find(word)
            while not cursor.isNull():
                sel = QTextEdit.ExtraSelection()
                sel.cursor = cursor  # type: ignore[misc]
                sel.format = fmt  # type: ignore[misc]
                selections.append(sel)
                if first is None or cursor.position() < first.position():
                    first = cursor
                cursor = document.find(word, cursor)
        self.browser.setExtraSelections(selections)
        bar = self.browser.verticalScrollBar()
        bar.setValue(0)
        if first is not None:
            cursor = QTextCursor(document)
            cursor.setPosition(first.selectionStart())  # no selection: the yellow marks show
            self.browser.setTextCursor(cursor)
            bar.setValue(max(0, self.browser.cursorRect(cursor).top() - 70))
        return len(selections)

    # --- focus and closing ------------------------------------------------------------------------

    def give_focus_back(self) -> None:
        if self.focus_back is not None and self.focus_back.isVisible():
            self.focus_back.setFocus(Qt.FocusReason.OtherFocusReason)

    def close_panel(self) -> None:
        self.hide()
        self.give_focus_back()
        self.closed.emit()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.results.viewport() and event.type() == QEvent.Type.Resize:
            self._size_rows()
            return False
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            if event.key() == Qt.Key.Key_Escape:
                if watched is self.search_edit and self.search_edit.text():
                    self.search_edit.clear()
                else:
                    self.give_focus_back()
                return True
            if watched is self.search_edit and event.key() == Qt.Key.Key_Down and self.results.count():
                self.results.setFocus()
                self.results.setCurrentRow(0)
                return True
        return super().eventFilter(watched, event)
