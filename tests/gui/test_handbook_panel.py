"""The handbook side panel of the role-play chat, on a shipped scenario: 手册 opens it on the
scenario's product, a search highlights its hits, a hit opens its document with the words marked,
and the chat carries on (the reply timer runs, the reply box gets the focus back, a reply is sent)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from typing import Any

import pytest

from cstrainer.gui.context import PageContext
from cstrainer.gui.pages.roleplay_chat import ChatOptions, ChatSessionWidget
from cstrainer.gui.pages.roleplay_page import RolePlayPage
from cstrainer.gui.qt import QApplication, Qt
from cstrainer.gui.widgets.handbook_panel import HIT_COLOUR, HandbookPanel, hit_html
from cstrainer.speech import FakeSpeaker

pytestmark = pytest.mark.gui

PASSWORD = "demo1234"
LEAK = "qinyu-leaking-bottle"  # products: [qinyu-liquid]
SHOTS_SIZE = (1240, 760)
GOOD_REPLY = "亲，真的非常抱歉给您添麻烦了，换谁都会生气，麻烦您拍照发我看看瓶身和瓶盖"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(autouse=True)
def _qt_garbage_on_the_ui_thread(qapp: Any) -> Iterator[None]:
    gc.collect()
    yield
    gc.collect()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def chat(qtbot: Any, seeded: Any, runner: Any, clock: FakeClock) -> ChatSessionWidget:
    options = ChatOptions(typing_scale=0.0, clock=clock, speaker_factory=FakeSpeaker, seed=1)
    actor = seeded.auth.login("kefu", PASSWORD, source="test")
    page = RolePlayPage(PageContext(seeded, runner, actor), options=options)
    page.resize(*SHOTS_SIZE)
    qtbot.addWidget(page)
    page.show()
    page.activateWindow()
    page.page_shown()
    qtbot.waitUntil(lambda: page.loaded, timeout=20000)
    page.select_keys({LEAK})
    qtbot.mouseClick(page.picker.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.flow.chat is not None, timeout=20000)
    chat = page.flow.chat
    assert chat is not None
    qtbot.waitUntil(lambda: chat.state == "waiting", timeout=10000)
    runner.wait_until_idle(20)
    return chat


def idle(chat: ChatSessionWidget) -> None:
    chat.ctx.runner.wait_until_idle(20)


def open_panel(qtbot: Any, chat: ChatSessionWidget) -> HandbookPanel:
    qtbot.mouseClick(chat.view.handbook_button, Qt.MouseButton.LeftButton)
    panel = chat.handbook_panel
    assert panel is not None
    qtbot.waitUntil(lambda: panel.doc is not None, timeout=10000)
    idle(chat)
    return panel


def test_hit_html_marks_the_spans() -> None:
    text = hit_html("沁屿香氛洗衣液", "商品 · 成分/材质", "生物酶（蛋白酶、脂肪酶）<b>", ((4, 7),))
    assert f'<span style="background-color:{HIT_COLOUR};">蛋白酶</span>' in text
    assert "&lt;b&gt;" in text  # the snippet is escaped


def test_the_panel_shows_the_scenario_product_searches_and_the_chat_goes_on(
    qtbot: Any, chat: ChatSessionWidget, clock: FakeClock, screenshot: Any
) -> None:
    v = chat.view
    assert chat.handbook_panel is None and v.handbook_button.isCheckable()
    clock.now += 4
    chat.tick()

    # WHEN the agent presses 手册
    panel = open_panel(qtbot, chat)

    # THEN the panel opens on the scenario's product, beside the chat
    assert panel.isVisible() and v.handbook_button.isChecked()
    assert panel.doc.key == "qinyu-liquid" and panel.doc.kind == "product"
    text = panel.browser.toPlainText()
    assert "沁屿香氛洗衣液" in text and "成分/材质" in text and "售后处理" in text
    assert "沁屿" in text and "品牌：qinyu" not in text  # the brand's name, not its key
    assert panel.results.count() == 1 and "沁屿香氛洗衣液" in panel.row_texts()[0]
    assert "本场景商品" in panel.status_label.text()
    assert panel.search_edit.hasFocus() or QApplication.focusWidget() is panel.search_edit
    # the chat's clock kept running
    assert chat._tick_timer.isActive() and chat.state == "waiting"
    clock.now += 3
    chat.tick()
    assert "7" in v.countdown.label.text() or chat.elapsed() == pytest.approx(7)
    screenshot(chat.window(), "handbook_panel_product")

    # WHEN the agent searches 蛋白酶
    qtbot.keyClicks(panel.search_edit, "")  # focus in the box
    panel.search_edit.setText("蛋白酶")  # QTest cannot type Chinese: setText is committed text
    qtbot.waitUntil(lambda: bool(panel.hits), timeout=10000)
    idle(chat)

    # THEN every hit has the word highlighted in its snippet
    assert panel.results.count() == len(panel.hits) >= 2
    rows = panel.row_texts()
    assert all(f'background-color:{HIT_COLOUR};">蛋白酶</span>' in r for r in rows)
    assert all("蛋白酶" in h.snippet and h.spans for h in panel.hits)
    assert "找到" in panel.status_label.text()
    screenshot(chat.window(), "handbook_panel_search")

    # WHEN Enter opens the first hit
    qtbot.keyClick(panel.search_edit, Qt.Key.Key_Return)
    idle(chat)
    first = panel.hits[0]
    assert (panel.doc.kind, panel.doc.key) == (first.kind, first.key)
    assert panel.highlight(["蛋白酶"]) >= 1 and panel.browser.extraSelections()
    # the focus is back in the reply box
    assert QApplication.focusWidget() is v.input

    # AND a click opens another one
    other = next(h for h in panel.hits if h.key != first.key)
    row = panel.hits.index(other)
    item = panel.results.item(row)
    qtbot.mouseClick(
        panel.results.viewport(), Qt.MouseButton.LeftButton, pos=panel.results.visualItemRect(item).center()
    )
    idle(chat)
    assert panel.doc.key == other.key
    assert other.title in panel.browser.toPlainText()
    screenshot(chat.window(), "handbook_panel_doc")

    # AND the chat still works: a reply goes out and the customer answers
    assert chat._tick_timer.isActive() and chat.state == "waiting"
    before = len(v.transcript.bubbles)
    v.input.setPlainText(GOOD_REPLY)
    qtbot.keyClick(v.input, Qt.Key.Key_Return)
    assert len(v.transcript.bubbles) == before + 1
    qtbot.waitUntil(lambda: chat.state in ("waiting", "ended"), timeout=20000)
    idle(chat)
    assert [b.role for b in v.transcript.bubbles][-2:] == ["agent", "customer"]
    assert chat.stats.seconds == [7.0]

    # Esc in the empty search box hands the focus back; 手册 again hides the panel
    panel.search_edit.clear()
    panel.search_edit.setFocus()
    qtbot.keyClick(panel.search_edit, Qt.Key.Key_Escape)
    assert QApplication.focusWidget() is v.input
    qtbot.mouseClick(v.handbook_button, Qt.MouseButton.LeftButton)
    assert not panel.isVisible() and not v.handbook_button.isChecked()
    # and opens it again as it was
    qtbot.mouseClick(v.handbook_button, Qt.MouseButton.LeftButton)
    assert panel.isVisible() and panel.doc.key == other.key
    qtbot.mouseClick(panel.close_button, Qt.MouseButton.LeftButton)
    assert not panel.isVisible() and not v.handbook_button.isChecked()


def test_a_search_with_no_hits_says_so_and_an_empty_box_lists_the_scenario_again(
    qtbot: Any, chat: ChatSessionWidget
) -> None:
    panel = open_panel(qtbot, chat)
    panel.search("火星车")
    idle(chat)
    assert panel.results.count() == 0 and "没有找到" in panel.status_label.text()
    panel.search("")
    assert panel.results.count() == 1 and "本场景商品" in panel.status_label.text()
