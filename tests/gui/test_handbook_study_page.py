"""The 手册学习 page on the shipped handbooks: a flashcard session (space shows the answer, keys 1-4
rate, the due / new counts move, the end of a batch says when the next card is due), the progress
tab, trainers' cards (add, edit, a colleague's edit in between, retire) and who sees which tabs."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from cstrainer.gui.context import PageContext
from cstrainer.gui.pages.handbook_study_page import HandbookStudyPage, index_of
from cstrainer.gui.pages.registry import ORDER, REGISTRY
from cstrainer.gui.qt import QProgressBar, Qt

pytestmark = pytest.mark.gui

PASSWORD = "demo1234"
SHOTS_SIZE = (1240, 760)
LIQUID = ("product", "qinyu-liquid")


@pytest.fixture(autouse=True)
def _qt_garbage_on_the_ui_thread(qapp: Any) -> Iterator[None]:
    gc.collect()
    yield
    gc.collect()


@pytest.fixture
def make_page(qtbot: Any, seeded: Any, runner: Any) -> Callable[..., HandbookStudyPage]:
    def make(who: str = "kefu") -> HandbookStudyPage:
        actor = seeded.auth.login(who, PASSWORD, source="test")
        page = HandbookStudyPage(PageContext(seeded, runner, actor))
        page.resize(*SHOTS_SIZE)
        qtbot.addWidget(page)
        page.show()
        page.activateWindow()
        qtbot.waitExposed(page)
        page.page_shown()
        idle(qtbot, page)
        return page

    return make


def idle(qtbot: Any, page: HandbookStudyPage) -> None:
    qtbot.waitUntil(lambda: page.ctx.runner.is_idle(), timeout=20000)


def key(qtbot: Any, page: HandbookStudyPage, k: Any) -> None:
    qtbot.keyClick(page.view.study_tab, k)
    idle(qtbot, page)


def test_the_page_is_registered_after_the_handbook() -> None:
    import cstrainer.gui.pages.handbook_study_page  # noqa: F401

    spec = REGISTRY.get("handbook_study")
    assert spec.display_title() == "手册学习" and spec.order == ORDER["手册学习"] == 32
    assert ORDER["产品手册"] < spec.order < ORDER["话术库"]


def test_a_session_show_the_answer_rate_with_keys_and_watch_the_counts(
    qtbot: Any, make_page: Any, seeded: Any, screenshot: Any
) -> None:
    # GIVEN an agent of 沁屿 who has never studied: 20 new cards, nothing due
    page = make_page("kefu")
    v = page.view
    assert len(page.queue) == 20 and page.counts() == (0, 20)
    assert "待复习 <b>0</b> · 新卡 <b>20</b>" in v.counts_label.text()
    assert not v.tabs.isTabVisible(v.team_index) and not v.tabs.isTabVisible(v.cards_index)
    first = page.current_card()
    assert v.front_label.text() == first.front and v.card_badge.text() == "新卡"
    assert first.title in v.card_meta_label.text()
    assert v.show_button.isVisible() and not v.back_label.isVisible()
    assert not any(b.isVisible() for b in v.rating_buttons)
    # the scopes are the documents with cards (沁屿's and the shared ones only)
    scopes = [v.scope_combo.itemText(i) for i in range(v.scope_combo.count())]
    assert scopes[0] == "全部手册" and any("沁屿香氛洗衣液" in s for s in scopes)
    assert not any("轻廓" in s for s in scopes)
    screenshot(page, "handbook_study_front")

    # WHEN space shows the answer
    key(qtbot, page, Qt.Key.Key_Space)
    assert page.revealed and v.back_label.isVisible() and v.back_label.text() == first.back
    assert all(b.isVisible() and b.isEnabled() for b in v.rating_buttons) and not v.show_button.isVisible()
    screenshot(page, "handbook_study_back")
    # a rating key before the answer is shown does nothing; "3" rates 记得
    key(qtbot, page, Qt.Key.Key_3)
    assert page.reviewed == 1 and page.index == 1 and page.counts() == (0, 19)
    assert "新卡 <b>19</b>" in v.counts_label.text() and "本次已复习 1" in v.counts_label.text()
    second = page.current_card()
    assert second.id != first.id and not page.revealed
    key(qtbot, page, Qt.Key.Key_1)  # not revealed yet: ignored
    assert page.reviewed == 1
    key(qtbot, page, Qt.Key.Key_Space)
    key(qtbot, page, Qt.Key.Key_1)  # 忘了
    assert page.reviewed == 2 and page.ratings[1] == 1 and page.ratings[3] == 1
    # the buttons rate too
    key(qtbot, page, Qt.Key.Key_Space)
    qtbot.mouseClick(v.rating_buttons[3], Qt.MouseButton.LeftButton)
    idle(qtbot, page)
    assert page.reviewed == 3 and page.ratings[4] == 1
    # a card whose answer is a list (the selling points) is shown left-aligned
    while page.current_card() is not None and "\n" not in page.current_card().back:
        key(qtbot, page, Qt.Key.Key_Space)
        key(qtbot, page, Qt.Key.Key_4)
    assert page.current_card() is not None
    key(qtbot, page, Qt.Key.Key_Space)
    assert v.back_label.alignment() & Qt.AlignmentFlag.AlignLeft
    screenshot(page, "handbook_study_list_answer")
    key(qtbot, page, Qt.Key.Key_4)
    reviewed = page.reviewed

    # THEN the service has the reviews, and the progress tab shows them
    actor = page.ctx.actor
    progress = seeded.handbook_study.progress(actor)
    assert sum(p.seen for p in progress) == reviewed
    v.tabs.setCurrentIndex(v.progress_index)
    idle(qtbot, page)
    assert f"已学 {reviewed}" in v.progress_summary.text()
    rows = {v.progress_table.item(r, 1).text(): r for r in range(v.progress_table.rowCount())}
    assert set(rows) == {p.title for p in progress if p.total}
    row = rows[first.title]
    assert v.progress_table.item(row, 3).text() != "0"
    bar = v.progress_table.cellWidget(row, 6)
    assert isinstance(bar, QProgressBar) and bar.maximum() == int(v.progress_table.item(row, 2).text())
    screenshot(page, "handbook_study_progress")

    # double-clicking a row studies that document only
    page.study_doc(row)
    idle(qtbot, page)
    doc = next((p.kind, p.key) for p in progress if p.title == first.title)
    assert v.tabs.currentIndex() == v.study_index and page.scope == doc
    assert page.queue and all((c.doc_kind, c.doc_key) == doc for c in page.queue)


def test_finishing_a_document_shows_when_the_next_card_is_due(
    qtbot: Any, make_page: Any, screenshot: Any
) -> None:
    page = make_page("kefu")
    v = page.view
    v.scope_combo.setCurrentIndex(index_of(v.scope_combo, LIQUID))
    idle(qtbot, page)
    n = len(page.queue)
    assert n >= 4 and all(c.doc_key == LIQUID[1] for c in page.queue)
    assert page.counts() == (0, n)
    for _ in range(n):
        key(qtbot, page, Qt.Key.Key_Space)
        key(qtbot, page, Qt.Key.Key_3)
    # the batch is over, the queue was asked again and is empty: the finished state
    assert page.current_card() is None and page.reviewed == n
    assert v.card_stack.currentWidget() is v.done_frame
    assert "复习完了" in v.done_title.text()
    assert f"本次复习 {n} 张：记得 {n}" in v.done_label.text() and "下次复习" in v.done_label.text()
    assert not v.show_button.isVisible() and not any(b.isVisible() for b in v.rating_buttons)
    assert page.counts() == (0, 0)
    screenshot(page, "handbook_study_done")
    # keys do nothing now; 再来一组 asks again (still nothing due)
    key(qtbot, page, Qt.Key.Key_Space)
    qtbot.mouseClick(v.again_button, Qt.MouseButton.LeftButton)
    idle(qtbot, page)
    assert page.current_card() is None


def test_trainer_adds_edits_and_retires_cards(
    qtbot: Any, make_page: Any, seeded: Any, fake_prompts: Any, screenshot: Any
) -> None:
    page = make_page("peixun")
    v = page.view
    assert v.tabs.isTabVisible(v.team_index) and v.tabs.isTabVisible(v.cards_index)
    v.tabs.setCurrentIndex(v.cards_index)
    idle(qtbot, page)
    v.cards_doc_combo.setCurrentIndex(index_of(v.cards_doc_combo, LIQUID))
    idle(qtbot, page)
    generated = page.card_model.rows()
    assert generated and all(c.id.startswith("gen:") for c in generated)
    assert "自动 · 价格" in [page.card_model.index(r, 0).data() for r in range(page.card_model.rowCount())]
    # a generated card cannot be edited here
    v.cards_table.selectRow(0)
    assert not v.edit_card_button.isEnabled() and not v.retire_card_button.isEnabled()

    # WHEN the trainer adds a card
    editor = page.add_card()
    assert editor is not None and editor.isVisible()
    editor.front_edit.setPlainText("洗衣液能洗真丝吗？")
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    assert editor.error_label.text() == "问题和答案都要填写" and editor.isVisible()
    editor.back_edit.setPlainText("不建议，真丝请用沁屿内衣洗衣液手洗。")
    screenshot(editor, "handbook_study_card_editor")
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    idle(qtbot, page)
    assert page.editor is None  # closed (and deleted)
    mine = [c for c in page.card_model.rows() if c.id.startswith("t:")]
    assert len(mine) == 1 and mine[0].front == "洗衣液能洗真丝吗？" and mine[0].version == 1
    assert page.selected_card().id == mine[0].id  # the new card is selected
    assert v.edit_card_button.isEnabled() and v.retire_card_button.isEnabled()
    screenshot(page, "handbook_study_cards")

    # AND edits it
    editor = page.edit_card()
    assert editor is not None and editor.front_edit.toPlainText() == "洗衣液能洗真丝吗？"
    editor.front_edit.setPlainText("沁屿香氛洗衣液能洗真丝吗？")
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    idle(qtbot, page)
    card = page.selected_card()
    assert card.front == "沁屿香氛洗衣液能洗真丝吗？" and card.version == 2

    # WHEN a colleague saves the card while the trainer edits it, the trainer chooses
    boss = seeded.auth.login("zhuguan", PASSWORD, source="test")
    editor = page.edit_card()
    assert editor is not None
    seeded.handbook_study.update_card(boss, card.id, "真丝能用香氛洗衣液吗？", card.back, expected_version=2)
    editor.back_edit.setPlainText("不能，真丝和羊毛请用内衣洗衣液手洗。")
    fake_prompts.confirm_answer = False  # take theirs
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    idle(qtbot, page)
    assert "周敏" in fake_prompts.confirms[-1] or "zhuguan" in fake_prompts.confirms[-1]
    assert editor.isVisible() and editor.front_edit.toPlainText() == "真丝能用香氛洗衣液吗？"
    assert "第 3 版" in editor.error_label.text()
    # ... and saves over it after all
    editor.back_edit.setPlainText("不能，真丝和羊毛请用内衣洗衣液手洗。")
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    idle(qtbot, page)
    assert page.editor is None  # closed (and deleted)
    card = page.selected_card()
    assert card.version == 4 and card.back == "不能，真丝和羊毛请用内衣洗衣液手洗。"
    # overwrite after a conflict
    editor = page.edit_card()
    assert editor is not None
    seeded.handbook_study.update_card(boss, card.id, "真丝？", card.back, expected_version=4)
    editor.front_edit.setPlainText("真丝衣物能用沁屿香氛洗衣液吗？")
    fake_prompts.confirm_answer = True
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    idle(qtbot, page)
    assert page.editor is None  # closed (and deleted)
    card = page.selected_card()
    assert card.front == "真丝衣物能用沁屿香氛洗衣液吗？" and card.version == 6

    # WHEN the trainer retires it, it is gone from the list and from study
    fake_prompts.confirm_answer = True
    v.retire_card_button.click()
    idle(qtbot, page)
    assert "停用这张卡片" in fake_prompts.confirms[-1]
    assert not [c for c in page.card_model.rows() if c.id.startswith("t:")]
    assert card.id not in {c.id for c in seeded.handbook_study.cards(page.ctx.actor, *LIQUID)}


def test_the_team_tab_lists_the_people_the_trainer_may_see(
    qtbot: Any, make_page: Any, seeded: Any, screenshot: Any
) -> None:
    kefu = seeded.auth.login("kefu", PASSWORD, source="test")
    for card in seeded.handbook_study.queue(kefu, limit=5):
        seeded.handbook_study.review(kefu, card.id, 3)
    page = make_page("peixun")
    v = page.view
    v.tabs.setCurrentIndex(v.team_index)
    idle(qtbot, page)
    rows = {p.login: p for p in page.team_model.rows()}
    assert "kefu" in rows and rows["kefu"].seen == 5
    assert "1 人已开始学习" in v.team_summary.text()
    screenshot(page, "handbook_study_team")


def test_a_trainee_of_the_other_brand_studies_its_cards(qtbot: Any, make_page: Any) -> None:
    page = make_page("xinren")
    assert page.queue and all("沁屿" not in c.title for c in page.queue)
    v = page.view
    assert not v.tabs.isTabVisible(v.team_index) and not v.tabs.isTabVisible(v.cards_index)
