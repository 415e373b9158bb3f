"""Opening a handbook entry builds its document off the UI thread (handbook_document.py).

What is shown must be what the page showed when it parsed the Markdown into its own view on the
UI thread: the same text, headings, formats and pictures (260×260), hit highlighting, and a
document edited by a trainer shows its new text. The pictures' cache reads a picture again once
its file changed. The database is the shipped content plus the demo accounts, copied per test.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from cstrainer.gui.context import PageContext
from cstrainer.gui.pages.handbook_document import (
    IMAGE_MAX_WIDTH,
    IMAGE_RESOURCE,
    DocumentLook,
    ScaledImages,
    build_document,
    image_url,
)
from cstrainer.gui.pages.handbook_page import HIT_BACKGROUND, HandbookPage, names_for
from cstrainer.gui.qt import QApplication, QColor, QFont, QImage, QPixmap, Qt, QTextBrowser, QTextDocument
from cstrainer.paths import project_root
from cstrainer.services.handbook import HandbookDoc

pytestmark = pytest.mark.gui

LIQUID = "qinyu-liquid"
PICTURE = f"assets/products/{LIQUID}.png"


@pytest.fixture
def seeded(seeded_copy: Any) -> Any:
    return seeded_copy


@pytest.fixture
def make_page(qtbot: Any, seeded: Any, runner: Any) -> Callable[[str], HandbookPage]:
    def make(who: str = "kefu") -> HandbookPage:
        actor = seeded.auth.login(who, "demo1234", source="test")
        page = HandbookPage(PageContext(seeded, runner, actor))
        page.resize(1240, 760)
        qtbot.addWidget(page)
        page.show()
        page.page_shown()
        settle(qtbot, page)
        return page

    return make


def settle(qtbot: Any, page: HandbookPage) -> None:
    qtbot.waitUntil(lambda: page.ctx.runner.is_idle() and not page.loading, timeout=15000)
    qtbot.wait(5)
    qtbot.waitUntil(lambda: page.ctx.runner.is_idle() and not page.loading, timeout=15000)


def reference_view(page: HandbookPage, doc: HandbookDoc) -> QTextBrowser:
    """The document as the page built it before: parsed into a view on the UI thread."""
    view = QTextBrowser()
    view.setSearchPaths([str(project_root())])
    view.setFont(page.view.doc_view.font())
    view.setMarkdown(page.markdown_for(doc))
    document = view.document()
    from cstrainer.gui.pages.handbook_document import fit_images

    fit_images(document)
    return view


def headings(document: QTextDocument) -> list[tuple[int, str]]:
    out = []
    block = document.begin()
    while block.isValid():
        if block.blockFormat().headingLevel():
            out.append((block.blockFormat().headingLevel(), block.text()))
        block = block.next()
    return out


def test_every_document_is_shown_as_the_view_would_parse_it(
    qtbot: Any, make_page: Any, screenshot: Any
) -> None:
    page = make_page("peixun")  # a trainer of both brands sees every document
    assert len(page.docs) >= 15
    ui_thread = QApplication.instance().thread()
    shown: list[QTextDocument] = []
    for listed in page.docs:
        page.open_doc(listed.kind, listed.key)
        settle(qtbot, page)
        doc = page.current
        assert doc is not None and (doc.kind, doc.key) == (listed.kind, listed.key)
        document = page.view.doc_view.document()
        assert document.thread() == ui_thread and document.parent() is page.view.doc_view
        assert not document.isUndoRedoEnabled()
        assert all(document is not before for before in shown)  # a new one each time
        shown.append(document)
        view = reference_view(page, doc)
        reference = view.document()
        # the same text and formats (fonts, headings, tables, picture sizes)
        assert document.toHtml() == reference.toHtml(), doc.key
        assert document.toPlainText() == reference.toPlainText()
        assert headings(document)[0] == (1, doc.title)
        assert headings(document) == headings(reference)
        # every picture is there, at the size the page draws it
        assert page.image_sources() == [f for f in doc.data.get("images", [])]
        for source in page.image_sources():
            pixmap = document.resource(IMAGE_RESOURCE, image_url(source))
            assert isinstance(pixmap, QPixmap) and not pixmap.isNull(), source
            ratio = page.view.doc_view.devicePixelRatioF()
            assert pixmap.width() == pixmap.height() == round(IMAGE_MAX_WIDTH * ratio)
            assert page.image_loaded(source)
        # only the shown document is kept: the one shown before is deleted
        qtbot.wait(1)
        QApplication.sendPostedEvents(None, 0)
        assert len(page.view.doc_view.findChildren(QTextDocument)) == 1

    page.open_doc("product", LIQUID)
    settle(qtbot, page)
    assert "¥" in page.shown_text() and "品牌：沁屿" in page.shown_text()
    screenshot(page, "handbook-document-built")


def test_hits_are_marked_in_the_built_document(qtbot: Any, make_page: Any, screenshot: Any) -> None:
    page = make_page("kefu")
    page.open_doc("product", LIQUID, highlight=["洗衣液", "香型"])
    settle(qtbot, page)
    text = page.shown_text()
    marked = page.highlighted_words()
    assert marked.count("洗衣液") == text.count("洗衣液") > 0
    assert marked.count("香型") == text.count("香型") > 0
    selections = page.view.doc_view.extraSelections()
    assert all(s.format.background().color() == QColor(HIT_BACKGROUND) for s in selections)
    # the cursor sits at the first hit (the view scrolled there)
    first = min(selections, key=lambda s: s.cursor.selectionStart()).cursor
    assert page.view.doc_view.textCursor().position() == first.selectionEnd()
    screenshot(page, "handbook-document-hits")

    # a document opened without hits has none marked
    page.open_doc("product", "qinyu-softener")
    settle(qtbot, page)
    assert page.highlighted_words() == []


def test_an_edited_document_shows_its_new_text(qtbot: Any, make_page: Any, seeded: Any) -> None:
    page = make_page("kefu")
    page.open_doc("product", LIQUID)
    settle(qtbot, page)
    assert "第 1 版" in page.view.meta_label.text()
    trainer = seeded.auth.login("peixun", "demo1234", source="test")
    doc = seeded.handbook.get_doc(trainer, "product", LIQUID)
    faq = [*doc.data.get("faq", []), {"q": "可以手洗吗？", "a": "可以，一盆水加一瓶盖的量。"}]
    seeded.handbook.save_doc(
        trainer, "product", LIQUID, dict(doc.data, faq=faq), expected_version=doc.version, note="加问答"
    )
    # coming back to the page: the shown version is stale, the new one is built and shown
    page.page_shown()
    settle(qtbot, page)
    assert page.current is not None and page.current.version == 2
    assert "可以手洗吗？" in page.shown_text() and "一盆水加一瓶盖" in page.shown_text()
    assert "第 2 版" in page.view.meta_label.text()
    assert page.image_sources() == [PICTURE]


def test_a_later_opening_wins(qtbot: Any, make_page: Any) -> None:
    page = make_page("kefu")
    page.open_doc("product", LIQUID)
    page.open_doc("product", "qinyu-softener")
    settle(qtbot, page)
    assert page.current is not None and page.current.key == "qinyu-softener"
    assert "沁屿香氛柔顺剂" in page.shown_text() and "沁屿香氛洗衣液" not in page.shown_text().splitlines()[0]


# --- building off the UI thread, and the pictures' cache -------------------------------------------


def a_product(images: list[str]) -> HandbookDoc:
    data = {"name": "测试洗衣液", "brand": "qinyu", "category": "洗衣液", "images": images}
    return HandbookDoc(
        "product", "test-liquid", "测试洗衣液", "qinyu", "test-liquid", data, 1, datetime.now(UTC), "t"
    )


def look_at(folder: Path) -> DocumentLook:
    return DocumentLook(
        font=QFont(QApplication.font()),
        margin=4.0,
        search_paths=(str(folder),),
        pixel_ratio=1.0,
        thread=QApplication.instance().thread(),
    )


def write_picture(path: Path, colour: Qt.GlobalColor, size: int = 64) -> None:
    image = QImage(size, size, QImage.Format.Format_RGB32)
    image.fill(colour)
    assert image.save(str(path))


def build_on_a_thread(doc: HandbookDoc, look: DocumentLook, images: ScaledImages) -> Any:
    out: dict[str, Any] = {}

    def work() -> None:
        out["built"] = build_document(doc, names_for(doc, {"qinyu": "沁屿"}, {}), look, images)

    thread = threading.Thread(target=work)
    thread.start()
    thread.join(10)
    return out["built"]


def test_a_picture_changed_on_disk_is_read_again(qtbot: Any, tmp_path: Path) -> None:
    picture = tmp_path / "pics" / "a.png"
    picture.parent.mkdir()
    write_picture(picture, Qt.GlobalColor.red)
    images = ScaledImages()
    look = look_at(tmp_path)
    doc = a_product(["pics/a.png", "pics/missing.png"])

    built = build_on_a_thread(doc, look, images)
    assert built.document.thread() == QApplication.instance().thread()
    assert set(built.images) == {"pics/a.png"}  # a missing picture is left to the view, as before
    image = built.images["pics/a.png"]
    assert image.size().width() == image.size().height() == IMAGE_MAX_WIDTH
    assert QColor(image.pixel(10, 10)) == QColor(Qt.GlobalColor.red)
    assert images.decoded == 1
    again = build_on_a_thread(doc, look, images)
    assert images.decoded == 1 and again.images["pics/a.png"] == image  # from the cache

    # the file is replaced (another size, so the change shows even within the clock's resolution)
    write_picture(picture, Qt.GlobalColor.blue, size=80)
    changed = build_on_a_thread(doc, look, images)
    assert images.decoded == 2
    assert QColor(changed.images["pics/a.png"].pixel(10, 10)) == QColor(Qt.GlobalColor.blue)

    # shown in a view: the picture is a 260×260 resource of the document
    view = QTextBrowser()
    qtbot.addWidget(view)
    changed.install(view)
    resource = view.document().resource(IMAGE_RESOURCE, image_url("pics/a.png"))
    assert isinstance(resource, QPixmap) and resource.width() == IMAGE_MAX_WIDTH
    assert view.document() is changed.document and "测试洗衣液" in view.toPlainText()


def test_scaled_pictures_follow_the_screen_pixel_ratio(tmp_path: Path) -> None:
    write_picture(tmp_path / "a.png", Qt.GlobalColor.green, size=640)
    images = ScaledImages(size=2)
    assert images.get(str(tmp_path / "a.png"), 520).width() == 520
    assert images.get(str(tmp_path / "a.png"), 260).width() == 260
    assert images.get(str(tmp_path / "nothing.png"), 260) is None
    (tmp_path / "broken.png").write_bytes(b"not a picture")
    assert images.get(str(tmp_path / "broken.png"), 260) is None
