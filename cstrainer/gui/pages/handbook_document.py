"""Building the document the 产品手册 page shows, off the UI thread.

Opening a handbook entry used to do everything on the UI thread: render the Markdown, parse it
into the view's document (``QTextBrowser.setMarkdown``), and, while laying it out, read and
decode the full-size picture (640×640 PNG) and draw it scaled down to 260×260 at every paint. That
was a frame or two of work per opening.

Now a worker (the task runner's pool) does everything that does not need the live widget
(:func:`build_document`): it renders the Markdown, parses it into a new :class:`QTextDocument`
(no parent, created on the worker thread), gives every picture its shown size, reads and decodes
the pictures as :class:`QImage` (reentrant; QPixmap is not usable off the UI thread) already
scaled to the size they are drawn at, and finally moves the document to the UI thread. The UI
thread then only swaps the view's document (:meth:`BuiltDocument.install`), which lays out the
visible part. The text is laid out on the UI thread and not in the worker: ``QTextEdit.setDocument``
lays the document out again at the view's width whatever was done before.

The result is the same document: the same Markdown parsed with the view's font and margins, each
picture 260×260 (as the page always showed them). A picture the worker cannot read is left to the
view, which looks it up the way it always did (``QTextBrowser.loadResource`` with the project
root as search path), so a missing picture looks as before.

Decoded, scaled pictures are kept in a small cache shared by the workers, keyed by the file's
path, size and modification time and the drawn size: a picture replaced on disk is read again.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cstrainer.formats.handbook_markdown import render_markdown
from cstrainer.gui.qt import (
    QFont,
    QImage,
    QPixmap,
    Qt,
    QTextCursor,
    QTextDocument,
    QTextImageFormat,
    QThread,
    QUrl,
    is_valid_qobject,
)
from cstrainer.services.handbook import HandbookDoc

IMAGE_MAX_WIDTH = 260
IMAGE_RESOURCE = int(QTextDocument.ResourceType.ImageResource.value)
CACHE_SIZE = 48  # scaled pictures (260×260 ARGB: ~270 KB each at 1x)


@dataclass(frozen=True)
class DocumentLook:
    """What the worker needs to build a document as the view would show it (read on the UI thread)."""

    font: QFont
    margin: float
    search_paths: tuple[str, ...]
    pixel_ratio: float
    thread: QThread  # where the finished document goes (the UI thread)
    default_style_sheet: str = ""


@dataclass
class BuiltDocument:
    """A document built by :func:`build_document`, living on the UI thread, not shown yet."""

    doc: HandbookDoc
    markdown: str
    document: QTextDocument
    images: dict[str, QImage] = field(default_factory=dict)  # picture name -> scaled image

    def install(self, view: Any) -> None:
        """Show it in ``view`` (a QTextEdit/QTextBrowser; UI thread only).

        The pictures become pixmaps here (cheap at 260×260; a QImage resource would be converted
        at every paint). The document becomes the view's child: it lives as long as the view
        unless the next document replaces it (:func:`retire`)."""
        document = self.document
        for name, image in self.images.items():
            document.addResource(IMAGE_RESOURCE, image_url(name), QPixmap.fromImage(image))
        document.setParent(view)
        view.setDocument(document)


def retire(document: QTextDocument | None, view: Any) -> None:
    """Delete a document ``view`` showed before (one that :meth:`BuiltDocument.install` gave it)."""
    if document is not None and is_valid_qobject(document) and document is not view.document():
        document.deleteLater()


def image_url(name: str) -> QUrl:
    """The resource key Qt's text layout looks a picture up by (QTextImageHandler does the same)."""
    return QUrl.fromEncoded(name.encode("utf-8"))


def _pictures(document: QTextDocument) -> Iterator[tuple[int, int, QTextImageFormat]]:
    """(position, length, format) of every picture in ``document``, in order."""
    block = document.begin()
    while block.isValid():
        it = block.begin()
        while not it.atEnd():
            fragment = it.fragment()
            fmt = fragment.charFormat()
            if fmt.isImageFormat():
                yield fragment.position(), fragment.length(), fmt.toImageFormat()
            it += 1
        block = block.next()


def image_fragments(document: QTextDocument) -> list[tuple[int, int, str]]:
    """(position, length, name) of every picture in ``document``."""
    return [(position, length, image.name()) for position, length, image in _pictures(document)]


def fit_images(document: QTextDocument, size: int = IMAGE_MAX_WIDTH) -> list[str]:
    """Every picture drawn at ``size``×``size`` (at their own size otherwise); returns their names."""
    names = []
    for position, length, image in list(_pictures(document)):  # listed first: the loop edits formats
        names.append(image.name())
        image.setWidth(size)
        image.setHeight(size)
        cursor = QTextCursor(document)
        cursor.setPosition(position)
        cursor.setPosition(position + length, QTextCursor.MoveMode.KeepAnchor)
        cursor.setCharFormat(image)
    return names


def find_image_file(name: str, search_paths: Sequence[str]) -> str | None:
    """The file ``QTextBrowser.loadResource`` would read for picture ``name`` (None: not local).

    As QTextBrowser does: a path without a scheme is taken as is when absolute, else looked for
    under each search path; a ``file:`` URL is its local path. Anything else (http, data, a file
    in none of the search paths) is left to the view."""
    url = image_url(name)
    scheme = url.scheme()
    if scheme == "":
        path = url.path()
    elif url.isLocalFile():
        path = url.toLocalFile()
    else:
        return None
    if not path:
        return None
    if Path(path).is_absolute():
        return path if Path(path).is_file() else None
    for folder in search_paths:
        candidate = Path(folder) / path
        if candidate.is_file():
            return str(candidate)
    return None


class ScaledImages:
    """Decoded pictures scaled to the size they are drawn at; safe to use from several threads."""

    def __init__(self, size: int = CACHE_SIZE) -> None:
        self._size = size
        self._lock = threading.Lock()
        self._images: OrderedDict[tuple[str, int, int, int], QImage] = OrderedDict()
        self.decoded = 0  # pictures read from disk (tests look)

    def get(self, path: str, pixels: int) -> QImage | None:
        """``path`` scaled to ``pixels``×``pixels`` (None if it cannot be read as an image)."""
        try:
            stat = Path(path).stat()
        except OSError:
            return None
        key = (path, stat.st_mtime_ns, stat.st_size, pixels)
        with self._lock:
            image = self._images.get(key)
            if image is not None:
                self._images.move_to_end(key)
                return image
        image = QImage(path)
        if image.isNull():
            return None
        self.decoded += 1
        if (image.width(), image.height()) != (pixels, pixels):
            image = image.scaled(
                pixels,
                pixels,
                Qt.AspectRatioMode.IgnoreAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
        with self._lock:
            for old in [k for k in self._images if k[0] == path]:
                del self._images[old]  # an older version of the file, or another scale
            self._images[key] = image
            while len(self._images) > self._size:
                self._images.popitem(last=False)
        return image

    def clear(self) -> None:
        with self._lock:
            self._images.clear()


IMAGES = ScaledImages()


def build_document(
    doc: HandbookDoc,
    names: Mapping[str, str | None],
    look: DocumentLook,
    images: ScaledImages = IMAGES,
) -> BuiltDocument:
    """The document for ``doc`` as the page shows it (any thread; the result lives on ``look.thread``).

    ``names`` are render_markdown's display names (brand_name, product_name)."""
    markdown = render_markdown(doc.kind, doc.key, doc.data, **names)
    # No parent: created on this thread, it can be moved to the UI thread when done (on a
    # failure before that it is deleted here, where it lives, with its Python wrapper).
    document = QTextDocument()
    document.setUndoRedoEnabled(False)  # read only, as the view's own document
    document.setDefaultFont(look.font)
    document.setDocumentMargin(look.margin)
    if look.default_style_sheet:
        document.setDefaultStyleSheet(look.default_style_sheet)
    document.setMarkdown(markdown)
    pixels = max(1, round(IMAGE_MAX_WIDTH * look.pixel_ratio))
    scaled: dict[str, QImage] = {}
    for name in fit_images(document):
        path = find_image_file(name, look.search_paths)
        image = images.get(path, pixels) if path is not None else None
        if image is not None:
            scaled[name] = image
    document.moveToThread(look.thread)  # only the owning thread may push an object away
    return BuiltDocument(doc, markdown, document, scaled)
