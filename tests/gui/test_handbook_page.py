"""The 产品手册 page: browse by brand, read a product (rendered Markdown with its picture), search
with highlighted hits, "有更新" after a trainer's edit, the editor with versions and the field
diff, review flags, the comparison, export (PDF, Markdown) and import, and listening mode.

The database is the shipped content plus the demo accounts (peixun trainer of both brands, kefu
agent of 沁屿), built once per session and copied per test.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from cstrainer.domain.handbook_cards import listen_script
from cstrainer.gui.context import PageContext
from cstrainer.gui.pages.handbook_dialogs import CompareDialog, HistoryDialog, ImportDialog
from cstrainer.gui.pages.handbook_editor import HandbookEditorDialog
from cstrainer.gui.pages.handbook_page import HIT_BACKGROUND, HandbookPage
from cstrainer.gui.pages.registry import ORDER, REGISTRY
from cstrainer.gui.qt import Qt, QTableWidgetItem, QUrl
from cstrainer.speech import FakeSpeaker, SilentSpeaker

pytestmark = pytest.mark.gui

SHOTS_SIZE = (1240, 760)
DEMO_PASSWORD = "demo1234"
LIQUID = "qinyu-liquid"
LIQUID_NAME = "沁屿香氛洗衣液"


# --- a seeded database, built once ------------------------------------------------------------------


@pytest.fixture
def seeded(seeded_copy: Any) -> Any:
    return seeded_copy


def login(services: Any, who: str) -> Any:
    return services.auth.login(who, DEMO_PASSWORD, source="test")


@pytest.fixture
def statuses() -> list[str]:
    return []


@pytest.fixture
def make_page(qtbot: Any, seeded: Any, runner: Any, statuses: list[str]) -> Callable[..., HandbookPage]:
    def make(who: str = "peixun", **kwargs: Any) -> HandbookPage:
        ctx = PageContext(seeded, runner, login(seeded, who), show_status=statuses.append)
        page = HandbookPage(ctx, **kwargs)
        page.resize(*SHOTS_SIZE)
        qtbot.addWidget(page)
        page.show()
        page.page_shown()
        settle(qtbot, page)
        return page

    return make


def settle(qtbot: Any, page: Any) -> None:
    qtbot.wait(5)
    qtbot.waitUntil(lambda: page.ctx.runner.is_idle(), timeout=15000)
    qtbot.wait(5)
    qtbot.waitUntil(lambda: page.ctx.runner.is_idle(), timeout=15000)


def open_doc(qtbot: Any, page: HandbookPage, kind: str, key: str) -> None:
    item = page.tree_item(kind, key)
    assert item is not None, (kind, key)
    page.view.tree.setCurrentItem(item)
    settle(qtbot, page)
    assert page.current is not None and (page.current.kind, page.current.key) == (kind, key)


def click(qtbot: Any, button: Any) -> None:
    assert button.isVisible() and button.isEnabled(), button.text()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def tree_titles(page: HandbookPage) -> list[str]:
    tree = page.view.tree
    return [tree.topLevelItem(i).text(0) for i in range(tree.topLevelItemCount())]


def dialog_of(page: HandbookPage, cls: type) -> Any:
    assert isinstance(page.dialog, cls), page.dialog
    return page.dialog


# --- registration ------------------------------------------------------------------------------------


def test_the_page_is_registered_for_every_role(seeded: Any) -> None:
    from cstrainer.gui.pages import load_builtin_pages

    load_builtin_pages()
    spec = REGISTRY.get("handbook")
    assert spec.display_title() == "产品手册" and spec.order == ORDER["产品手册"] == 30
    for who in ("zhuguan", "peixun", "kefu", "xinren"):
        assert spec.allows(login(seeded, who))
    titles = [s.display_title() for s in REGISTRY.pages_for(login(seeded, "kefu"))]
    assert titles.index("对话记录") < titles.index("产品手册") < titles.index("话术库")


# --- reading -----------------------------------------------------------------------------------------


def test_an_agent_browses_and_reads_a_product(
    qtbot: Any, make_page: Any, seeded: Any, screenshot: Any
) -> None:
    page = make_page("kefu")
    v = page.view
    # an agent of 沁屿 sees 沁屿's documents and the shared ones, every one new to them
    assert tree_titles(page) == ["沁屿", "通用"]
    assert {d.brand for d in page.docs} == {"qinyu", None}
    unread = page.unread()
    assert unread == len(page.docs) and v.unread_label.text() == f"未读 {unread} 篇"
    assert page.marker("product", LIQUID) == "新"
    assert not v.edit_button.isVisible() and not v.import_button.isVisible()
    assert not v.export_pdf_button.isVisible()
    assert not v.tabs.isTabVisible(1)  # 待复核 is for trainers

    open_doc(qtbot, page, "product", LIQUID)
    text = page.shown_text()
    doc = seeded.handbook.get_doc(page.ctx.actor, "product", LIQUID)
    assert LIQUID_NAME in text and v.title_label.text() == LIQUID_NAME
    assert "¥" in text and "价格" in text and "品牌：沁屿" in text
    assert page.image_sources() == [f"assets/products/{LIQUID}.png"]
    assert page.image_loaded(page.image_sources()[0])
    # reading marks it read: the marker goes, the count drops, the service agrees
    assert page.marker("product", LIQUID) == ""
    assert v.unread_label.text() == f"未读 {unread - 1} 篇"
    assert doc.read_state == "read" and seeded.handbook.unread_count(page.ctx.actor) == unread - 1
    assert "第 1 版" in v.meta_label.text()
    screenshot(page, "handbook-product")

    # a competitor shows our answer and the product it is compared with, by name
    open_doc(qtbot, page, "competitor", "qifen-liquid-3kg")
    assert "我们怎么回答" in page.shown_text() and LIQUID_NAME in page.shown_text()
    assert page.image_sources() == []


def test_search_highlights_the_hits_and_opens_the_document(
    qtbot: Any, make_page: Any, screenshot: Any
) -> None:
    page = make_page("kefu")
    v = page.view
    v.search_edit.setText("柔顺剂")
    settle(qtbot, page)
    assert page.hits and v.left_stack.currentWidget() is v.results
    assert v.count_label.text() == f"找到 {len(page.hits)} 篇"
    first = page.hits[0]
    assert first.title == "沁屿香氛柔顺剂"
    assert [first.snippet[s:e] for s, e in first.spans] and all(
        first.snippet[s:e] == "柔顺剂" for s, e in first.spans
    )
    assert v.results.toHtml().count("柔顺剂") >= len(page.hits)
    assert HIT_BACKGROUND[1:] in v.results.toHtml()
    screenshot(page, "handbook-search")

    v.results.anchorClicked.emit(QUrl("hit:0"))
    settle(qtbot, page)
    assert page.current is not None and page.current.key == first.key
    marked = page.highlighted_words()
    assert marked and set(marked) == {"柔顺剂"}
    screenshot(page, "handbook-search-opened")

    v.search_edit.setText("没有这种东西的词")
    settle(qtbot, page)
    assert page.hits == [] and "没有找到" in v.results.toPlainText()
    v.search_edit.clear()
    settle(qtbot, page)
    assert v.left_stack.currentWidget() is v.tree


def test_an_agent_sees_updated_after_a_trainer_edit(qtbot: Any, make_page: Any, seeded: Any) -> None:
    page = make_page("kefu")
    open_doc(qtbot, page, "product", LIQUID)
    assert page.marker("product", LIQUID) == ""
    open_doc(qtbot, page, "product", "qinyu-softener")
    trainer = login(seeded, "peixun")
    doc = seeded.handbook.get_doc(trainer, "product", LIQUID)
    data = dict(doc.data, price_max=doc.data["price_max"] + 10)
    seeded.handbook.save_doc(trainer, "product", LIQUID, data, expected_version=doc.version, note="调价")

    page.page_shown()  # coming back to the page reloads the catalogue
    settle(qtbot, page)
    assert page.marker("product", LIQUID) == "有更新"
    unread = page.unread()
    open_doc(qtbot, page, "product", LIQUID)
    assert "有更新" in page.view.meta_label.text() and "第 2 版" in page.view.meta_label.text()
    assert page.marker("product", LIQUID) == "" and page.unread() == unread - 1


# --- editing -----------------------------------------------------------------------------------------


def test_a_trainer_edits_a_price_and_sees_history_diff_and_review_flags(
    qtbot: Any, make_page: Any, seeded: Any, screenshot: Any, statuses: list[str]
) -> None:
    page = make_page("peixun")
    v = page.view
    assert v.tabs.isTabVisible(1) and v.tabs.tabText(1) == "待复核"
    open_doc(qtbot, page, "product", LIQUID)
    old = page.current
    assert old is not None
    click(qtbot, v.edit_button)
    editor = dialog_of(page, HandbookEditorDialog)
    e = editor.view
    assert e.name_edit.text() == LIQUID_NAME and e.key_edit.isReadOnly()
    assert e.price_min_box.value() == pytest.approx(old.data["price_min"])
    assert e.variants.table.rowCount() == len(old.data["variants"])
    assert e.faq.table.rowCount() == len(old.data.get("faq", []))
    assert e.images_list.count() == 1
    assert not editor.is_dirty()
    editor.flush_previews()
    screenshot(editor, "handbook-editor-product")
    e.tabs.setCurrentIndex(1)
    screenshot(editor, "handbook-editor-sizes")
    e.tabs.setCurrentIndex(2)
    screenshot(editor, "handbook-editor-usage")
    e.tabs.setCurrentIndex(3)
    screenshot(editor, "handbook-editor-faq")
    e.tabs.setCurrentIndex(0)

    e.price_min_box.setValue(old.data["price_min"] + 1)
    e.note_edit.setText("日常价上调 1 元")
    assert editor.is_dirty()
    click(qtbot, e.save_button)
    settle(qtbot, page)
    assert editor.result() == editor.DialogCode.Accepted
    assert any("第 2 版" in s for s in statuses)
    assert page.current is not None and page.current.version == 2
    assert "第 2 版" in v.meta_label.text()

    click(qtbot, v.history_button)
    history = dialog_of(page, HistoryDialog)
    qtbot.waitUntil(lambda: not history.loading, timeout=10000)
    settle(qtbot, page)
    assert [r.version for r in history.revisions] == [2, 1]
    assert history.revisions[0].note == "日常价上调 1 元" and history.revisions[0].by == "peixun"
    assert history.table.item(0, 4).text() == "最低价"
    assert history.selected_versions() == [1, 2]
    assert [c.field for c in history.changes] == ["price_min"]
    assert history.diff_table.item(0, 0).text() == "最低价"
    assert history.diff_table.item(0, 2).text() != history.diff_table.item(0, 1).text()
    history.resize(*SHOTS_SIZE)
    screenshot(history, "handbook-history")
    history.close()

    # the questions and scenarios about the product wait for a review
    qtbot.waitUntil(lambda: bool(page.flags), timeout=10000)
    flags = seeded.handbook.review_flags(page.ctx.actor)
    assert len(page.flags) == len(flags) > 0
    assert v.tabs.tabText(1) == f"待复核（{len(flags)}）"
    assert all(f.doc_key == LIQUID for f in page.flags)
    v.tabs.setCurrentIndex(1)
    screenshot(page, "handbook-review-flags")
    v.flags_table.selectRow(0)
    click(qtbot, v.resolve_button)
    settle(qtbot, page)
    assert len(page.flags) == len(flags) - 1
    assert len(seeded.handbook.review_flags(page.ctx.actor)) == len(flags) - 1
    v.show_resolved_box.setChecked(True)
    settle(qtbot, page)
    assert any(f.resolved_by == "peixun" for f in page.flags)
    v.show_resolved_box.setChecked(False)
    settle(qtbot, page)
    v.flags_table.selectRow(0)
    click(qtbot, v.open_flag_doc_button)
    settle(qtbot, page)
    assert v.tabs.currentIndex() == 0 and page.current is not None and page.current.key == LIQUID


def test_editor_shows_field_problems_and_version_conflicts(
    qtbot: Any, make_page: Any, seeded: Any, fake_prompts: Any, screenshot: Any
) -> None:
    page = make_page("peixun")
    open_doc(qtbot, page, "product", LIQUID)
    click(qtbot, page.view.edit_button)
    editor = dialog_of(page, HandbookEditorDialog)
    e = editor.view
    # a price range upside down: said under the field, on its tab
    e.tabs.setCurrentIndex(3)
    e.price_min_box.setValue(999)
    e.price_max_box.setValue(1)
    click(qtbot, e.save_button)
    settle(qtbot, page)
    assert editor.isVisible() and editor.field_message("price_min")
    assert e.tabs.currentIndex() == e.field_tabs["price_min"] == 0
    screenshot(editor, "handbook-editor-problem")

    # somebody else saves meanwhile: the conflict is shown, the edits kept, reload offered
    e.price_min_box.setValue(10)
    e.price_max_box.setValue(200)
    trainer = login(seeded, "zhuguan")
    doc = seeded.handbook.get_doc(trainer, "product", LIQUID)
    seeded.handbook.save_doc(trainer, "product", LIQUID, dict(doc.data, category="洗衣液（新）"))
    click(qtbot, e.save_button)
    settle(qtbot, page)
    assert editor.conflict and e.conflict_frame.isVisible()
    assert "zhuguan" in e.conflict_label.text() and "第 2 版" in e.conflict_label.text()
    assert e.price_max_box.value() == 200
    screenshot(editor, "handbook-editor-conflict")
    click(qtbot, e.reload_button)
    settle(qtbot, page)
    assert fake_prompts.confirms  # the edits would be lost: asked first
    assert not e.conflict_frame.isVisible() and e.category_edit.text() == "洗衣液（新）"
    assert editor.doc is not None and editor.doc.version == 2 and not editor.is_dirty()

    # unsaved changes: closing asks; saying no keeps the dialog open
    e.name_edit.setText(LIQUID_NAME + "（改）")
    fake_prompts.confirm_answer = False
    editor.reject()
    assert editor.isVisible()
    fake_prompts.confirm_answer = True
    editor.reject()
    assert not editor.isVisible()


def test_a_trainer_creates_an_entry_and_a_competitor(
    qtbot: Any, make_page: Any, seeded: Any, screenshot: Any
) -> None:
    page = make_page("peixun")
    page.view.new_entry_action.trigger()
    editor = dialog_of(page, HandbookEditorDialog)
    e = editor.view
    e.title_edit.setText("大促期间的发货说明")
    e.entry_brand_combo.setCurrentIndex(e.entry_brand_combo.findData("qinyu"))
    e.entry_product_combo.setCurrentIndex(e.entry_product_combo.findData(LIQUID))
    e.tags_edit.setText("发货、大促")
    e.body_edit.edit.setPlainText("## 发货\n\n- 48 小时内发出\n- **预售**按页面时间\n")
    click(qtbot, e.save_button)
    settle(qtbot, page)
    assert editor.field_message("key") == "请填写编号"
    e.key_edit.setText(LIQUID)  # taken by a product? keys are per kind: fine; use an entry's key
    e.key_edit.setText("qinyu-brand-intro")
    click(qtbot, e.save_button)
    settle(qtbot, page)
    assert "已经有人用了" in editor.field_message("key")
    e.key_edit.setText("promo-shipping")
    editor.flush_previews()
    assert "48 小时内发出" in e.body_edit.preview.toPlainText()
    screenshot(editor, "handbook-editor-entry")
    click(qtbot, e.save_button)
    settle(qtbot, page)
    saved = seeded.handbook.get_doc(page.ctx.actor, "entry", "promo-shipping")
    assert saved.data["tags"] == ["发货", "大促"] and saved.product == LIQUID and saved.brand == "qinyu"
    assert page.current is not None and page.current.key == "promo-shipping"
    assert "48 小时内发出" in page.shown_text()

    page.view.new_competitor_action.trigger()
    editor = dialog_of(page, HandbookEditorDialog)
    e = editor.view
    e.key_edit.setText("rival-softener")
    e.rival_brand_edit.setText("某品牌")
    e.product_edit.setText("某品牌柔顺剂 2L")
    e.price_box.setValue(39.9)
    e.claims_edit.setPlainText("香味持久 30 天\n\n天然成分")
    e.our_product_combo.setCurrentIndex(e.our_product_combo.findData("qinyu-softener"))
    e.our_answer_edit.edit.setPlainText("我们的香味来自调香师配方，**留香 7 天**是实测数据。")
    screenshot(editor, "handbook-editor-competitor")
    click(qtbot, e.save_button)
    settle(qtbot, page)
    rival = seeded.handbook.get_doc(page.ctx.actor, "competitor", "rival-softener")
    assert rival.data["claims"] == ["香味持久 30 天", "天然成分"] and rival.data["price"] == 39.9
    assert rival.product == "qinyu-softener"


# --- comparison ----------------------------------------------------------------------------------------


def test_compare_two_products(qtbot: Any, make_page: Any, screenshot: Any) -> None:
    page = make_page("peixun")
    open_doc(qtbot, page, "competitor", "qifen-liquid-3kg")
    click(qtbot, page.view.compare_button)
    dialog = dialog_of(page, CompareDialog)
    # a competitor starts compared with our product
    qtbot.waitUntil(lambda: dialog.comparison is not None, timeout=10000)
    assert dialog.checked_docs() == [("product", LIQUID), ("competitor", "qifen-liquid-3kg")]
    dialog.set_checked([("product", LIQUID), ("product", "qinyu-softener")])
    dialog.set_fields(["price", "materials", "selling_points"])
    click(qtbot, dialog.compare_button)
    settle(qtbot, page)
    qtbot.waitUntil(lambda: not dialog.loading, timeout=10000)
    comparison = dialog.comparison
    assert comparison is not None
    assert sorted(comparison.titles) == sorted((LIQUID_NAME, "沁屿香氛柔顺剂"))
    liquid = comparison.titles.index(LIQUID_NAME)
    assert [label for label, _ in comparison.rows] == ["价格", "成分/材质", "卖点/对方宣称"]
    assert dialog.table.columnCount() == 2 and dialog.table.rowCount() == 3
    assert "元" in dialog.cell("价格", liquid)
    assert dialog.table.item(0, liquid).text() == dialog.cell("价格", liquid)
    assert dialog.table.item(1, liquid).text() == dialog.cell("成分/材质", liquid).replace("；", "\n")
    dialog.resize(*SHOTS_SIZE)
    screenshot(dialog, "handbook-compare")

    dialog.set_checked([("product", LIQUID)])
    click(qtbot, dialog.compare_button)
    assert "2–4" in dialog.error_label.text()


# --- export and import ---------------------------------------------------------------------------------


def test_export_pdf_and_markdown_through_the_page(
    qtbot: Any, make_page: Any, fake_prompts: Any, tmp_path: Path, statuses: list[str]
) -> None:
    page = make_page("peixun")
    v = page.view
    v.brand_combo.setCurrentIndex(v.brand_combo.findData("qinyu"))
    assert tree_titles(page) == ["沁屿"]
    fake_prompts.save_file = tmp_path / "手册"
    click(qtbot, v.export_pdf_button)
    qtbot.waitUntil(lambda: page.exporting is None and page.ctx.runner.is_idle(), timeout=60000)
    pdf = tmp_path / "手册.pdf"
    assert pdf.is_file() and pdf.read_bytes().startswith(b"%PDF")
    assert "已导出 PDF" in v.status_label.text() and statuses

    fake_prompts.directory = tmp_path / "md"
    click(qtbot, v.export_md_button)
    qtbot.waitUntil(lambda: page.exporting is None and page.ctx.runner.is_idle(), timeout=60000)
    files = sorted(p.relative_to(tmp_path / "md").as_posix() for p in (tmp_path / "md").rglob("*.md"))
    assert f"qinyu/products/{LIQUID}.md" in files
    assert not any(f.startswith("qingkuo/") for f in files)  # one brand (and the shared docs)
    assert "已导出" in v.status_label.text()


def test_import_markdown_previews_then_imports(
    qtbot: Any, make_page: Any, seeded: Any, fake_prompts: Any, tmp_path: Path, screenshot: Any
) -> None:
    page = make_page("peixun")
    folder = tmp_path / "hb"
    seeded.handbook_io.export_markdown(page.ctx.actor, folder, brand="qinyu")
    path = folder / "qinyu" / "products" / f"{LIQUID}.md"
    path.write_text(
        path.read_text(encoding="utf-8").replace(LIQUID_NAME, "沁屿香氛洗衣液 Pro", 1), encoding="utf-8"
    )

    fake_prompts.directory = folder
    click(qtbot, page.view.import_button)
    dialog = dialog_of(page, ImportDialog)
    qtbot.waitUntil(lambda: not dialog.loading, timeout=10000)
    assert dialog.preview.ok and [d.key for d in dialog.preview.changed] == [LIQUID]
    assert "修改 1 篇" in dialog.summary_label.text()
    assert dialog.import_button.isEnabled()
    screenshot(dialog, "handbook-import-preview")
    dialog.note_edit.setText("改名")
    click(qtbot, dialog.import_button)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=20000)
    settle(qtbot, page)
    assert "已导入 1 篇手册" in page.view.status_label.text()
    doc = seeded.handbook.get_doc(page.ctx.actor, "product", LIQUID)
    assert (
        doc.title == "沁屿香氛洗衣液 Pro"
        and seeded.handbook.history(page.ctx.actor, "product", LIQUID)[0].note == "改名"
    )

    # a broken file: the problem is named with its file and line, nothing can be imported
    path.write_text(
        path.read_text(encoding="utf-8").replace("price_min:", "price_min: 不是数字 #", 1), encoding="utf-8"
    )
    click(qtbot, page.view.import_button)
    dialog = dialog_of(page, ImportDialog)
    qtbot.waitUntil(lambda: not dialog.loading, timeout=10000)
    assert not dialog.preview.ok and not dialog.import_button.isEnabled()
    problems = dialog.problems()
    assert problems and any(f"{LIQUID}.md" in p and "第" in p for p in problems)
    assert "修正后才能导入" in dialog.details.toPlainText()
    screenshot(dialog, "handbook-import-problems")
    dialog.reject()


# --- listening ---------------------------------------------------------------------------------------------


class SlowSpeaker(FakeSpeaker):
    """Blocks in ``speak`` until released (or stopped), so a test can stop mid-way."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()

    def speak(self, text: str) -> None:
        super().speak(text)
        self.release.wait(5)

    def stop(self) -> None:
        super().stop()
        self.release.set()


def test_listening_reads_the_paragraphs_and_stops(qtbot: Any, make_page: Any, screenshot: Any) -> None:
    fake = FakeSpeaker()
    page = make_page("kefu", speaker_factory=lambda: fake)
    v = page.view
    assert not v.listen_button.isEnabled()
    open_doc(qtbot, page, "product", LIQUID)
    doc = page.current
    assert doc is not None
    expected = listen_script(doc.kind, doc.data, title=doc.title, product_names=page.product_names())
    click(qtbot, v.listen_button)
    qtbot.waitUntil(lambda: not page.listening, timeout=10000)
    settle(qtbot, page)
    assert fake.spoken == expected and len(expected) > 3
    assert v.listen_bar.isVisible() and "朗读完毕" in v.listen_bar.text()

    slow = SlowSpeaker()
    page.narrator.close()  # type: ignore[union-attr]
    page.narrator = None
    page.speaker_factory = lambda: slow
    click(qtbot, v.listen_button)
    qtbot.waitUntil(lambda: len(slow.spoken) == 1, timeout=10000)
    assert page.listening and v.stop_button.isEnabled() and not v.listen_button.isEnabled()
    assert "正在朗读 1/" in v.listen_bar.text() and expected[0] in v.listen_bar.text()
    screenshot(page, "handbook-listening")
    click(qtbot, v.stop_button)
    settle(qtbot, page)
    assert not page.listening and slow.stop_calls >= 1 and "已停止" in v.listen_bar.text()
    qtbot.wait(50)
    assert len(slow.spoken) == 1  # nothing more after 停止


def test_listening_without_a_voice_says_so(qtbot: Any, make_page: Any) -> None:
    page = make_page("kefu", speaker_factory=lambda: SilentSpeaker("语音不可用：未安装 espeak-ng 语音引擎"))
    open_doc(qtbot, page, "product", LIQUID)
    click(qtbot, page.view.listen_button)
    settle(qtbot, page)
    qtbot.waitUntil(lambda: not page.listening, timeout=10000)
    assert "未安装 espeak-ng" in page.view.listen_bar.text()
    assert page.view.listen_button.isEnabled()


def test_a_trainer_edits_the_size_chart_variants_and_pictures(
    qtbot: Any, make_page: Any, seeded: Any, fake_prompts: Any, tmp_path: Path, screenshot: Any
) -> None:
    from cstrainer.paths import project_root

    key = "qingkuo-highwaist"
    page = make_page("peixun")
    open_doc(qtbot, page, "product", key)
    old = page.current
    assert old is not None and "尺码表" in page.shown_text()
    click(qtbot, page.view.edit_button)
    editor = dialog_of(page, HandbookEditorDialog)
    e = editor.view
    e.tabs.setCurrentIndex(1)
    chart = e.size_chart.table
    rows = old.data["size_chart"]["rows"]
    assert chart.rowCount() == 1 + len(rows) and chart.item(0, 0).text() == "尺码"
    assert chart.verticalHeaderItem(0).text() == "表头"
    screenshot(editor, "handbook-editor-size-chart")

    # a new row, and a column added then removed again
    click(qtbot, e.size_chart.add_row_button)
    new_row = chart.rowCount() - 1
    for column, text in enumerate(["4XL", "88-94", "108-114", "80-88"]):
        chart.setItem(new_row, column, QTableWidgetItem(text))
    click(qtbot, e.size_chart.add_column_button)
    assert chart.columnCount() == 5
    chart.setCurrentCell(0, 4)
    chart.item(0, 4).setSelected(True)
    click(qtbot, e.size_chart.remove_column_button)
    assert chart.columnCount() == 4
    # one more size in the 尺码 variant
    table = e.variants.table
    size_row = next(r for r in range(table.rowCount()) if table.item(r, 0).text() == "尺码")
    table.item(size_row, 1).setText(table.item(size_row, 1).text() + " / 4XL")

    # a picture from assets/products is kept as its project path; one from elsewhere is refused
    e.tabs.setCurrentIndex(4)
    outside = tmp_path / "x.png"
    outside.write_bytes(b"")
    fake_prompts.open_file = outside
    click(qtbot, e.add_image_button)
    assert "assets" in editor.field_message("images") and e.images_list.count() == 1
    fake_prompts.open_file = project_root() / "assets" / "products" / "qingkuo-leggings.png"
    click(qtbot, e.add_image_button)
    assert (
        e.images_list.count() == 2 and e.images_list.item(1).text() == "assets/products/qingkuo-leggings.png"
    )
    assert e.image_preview.pixmap() is not None and not e.image_preview.pixmap().isNull()
    screenshot(editor, "handbook-editor-images")
    click(qtbot, e.remove_image_button)
    assert e.images_list.count() == 1

    click(qtbot, e.save_button)
    settle(qtbot, page)
    saved = seeded.handbook.get_doc(page.ctx.actor, "product", key)
    assert saved.version == old.version + 1
    assert saved.data["size_chart"]["rows"] == [*rows, ["4XL", "88-94", "108-114", "80-88"]]
    assert "4XL" in next(v for v in saved.data["variants"] if v["name"] == "尺码")["values"]
    assert saved.data["images"] == old.data["images"]
    assert "4XL" in page.shown_text()
    history = seeded.handbook.history(page.ctx.actor, "product", key)
    assert set(history[0].changed) == {"variants", "size_chart"}


def test_logging_out_closes_the_editor_without_asking(qtbot: Any, make_page: Any, fake_prompts: Any) -> None:
    page = make_page("peixun")
    open_doc(qtbot, page, "product", LIQUID)
    click(qtbot, page.view.edit_button)
    editor = dialog_of(page, HandbookEditorDialog)
    editor.view.name_edit.setText("改了一半")
    assert editor.is_dirty() and editor.isVisible()
    page.page_closing()
    assert not editor.isVisible() and page.dialog is None and fake_prompts.confirms == []


def test_a_new_product_lists_every_problem_under_its_field(
    qtbot: Any, make_page: Any, seeded: Any, screenshot: Any
) -> None:
    page = make_page("peixun")
    page.view.new_product_action.trigger()
    editor = dialog_of(page, HandbookEditorDialog)
    e = editor.view
    assert e.brand_combo.count() == 2 and not e.key_edit.isReadOnly()
    e.key_edit.setText("Not A Slug")
    click(qtbot, e.save_button)
    settle(qtbot, page)
    assert editor.isVisible()
    assert editor.field_message("key") and editor.field_message("name")
    assert "有" in e.error_label.text()
    screenshot(editor, "handbook-editor-new-product")
    e.key_edit.setText("qinyu-travel-pack")
    e.name_edit.setText("沁屿旅行装洗衣液")
    e.category_edit.setText("洗衣液")
    e.price_min_box.setValue(9.9)
    e.price_max_box.setValue(9.9)
    click(qtbot, e.save_button)
    settle(qtbot, page)
    assert not editor.isVisible()
    doc = seeded.handbook.get_doc(page.ctx.actor, "product", "qinyu-travel-pack")
    assert doc.data["price_min"] == 9.9 and doc.brand == e.brand_combo.itemData(0)
    assert page.tree_item("product", "qinyu-travel-pack") is not None
