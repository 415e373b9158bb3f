"""对话模拟 on the shipped scenarios: start a scenario, reply, watch the timer and the mood, finish
and read the scorecard; patience running out; rush mode with unread badges; voice mode with a
fake speaker and without speech; the editor's "try it" window with a draft."""

from __future__ import annotations

import dataclasses
import gc
from collections.abc import Iterator
from typing import Any

import pytest

from cstrainer.gui.context import PageContext
from cstrainer.gui.pages.roleplay_chat import ChatOptions, ChatSessionWidget, open_chat, typing_delay
from cstrainer.gui.pages.roleplay_page import RolePlayPage
from cstrainer.gui.pages.roleplay_scorecard import RushScorecardWidget, ScorecardWidget
from cstrainer.gui.qt import Qt
from cstrainer.gui.widgets.roleplay_meters import GREEN, ORANGE, RED
from cstrainer.speech import FakeSpeaker, SilentSpeaker

pytestmark = pytest.mark.gui

PASSWORD = "demo1234"
LEAK = "qinyu-leaking-bottle"
GOOD_REPLY = "亲，真的非常抱歉给您添麻烦了，换谁都会生气，麻烦您拍照发我看看瓶身和瓶盖"


class FakeClock:
    """The chat's monotonic clock, moved by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture(autouse=True)
def _qt_garbage_on_the_ui_thread(qapp: Any) -> Iterator[None]:
    gc.collect()
    yield
    gc.collect()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def speaker() -> FakeSpeaker:
    return FakeSpeaker()


@pytest.fixture
def options(clock: FakeClock, speaker: FakeSpeaker) -> ChatOptions:
    return ChatOptions(typing_scale=0.0, clock=clock, speaker_factory=lambda: speaker, seed=1)


@pytest.fixture
def make_page(qtbot: Any, seeded: Any, runner: Any, options: ChatOptions) -> Any:
    def make(who: str = "kefu") -> RolePlayPage:
        actor = seeded.auth.login(who, PASSWORD, source="test")
        page = RolePlayPage(PageContext(seeded, runner, actor), options=options)
        page.resize(1180, 760)
        qtbot.addWidget(page)
        page.show()
        page.page_shown()
        qtbot.waitUntil(lambda: page.loaded, timeout=20000)
        return page

    return make


def start(qtbot: Any, page: RolePlayPage, key: str = LEAK, mode: str = "normal") -> ChatSessionWidget:
    page.select_keys({key})
    button = page.picker.voice_button if mode == "voice" else page.picker.start_button
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.flow.chat is not None, timeout=20000)
    chat = page.flow.chat
    assert chat is not None
    qtbot.waitUntil(lambda: chat.state == "waiting", timeout=10000)
    page.ctx.runner.wait_until_idle(20)
    return chat


def send(qtbot: Any, chat: ChatSessionWidget, text: str) -> None:
    before = len(chat.view.transcript.bubbles)
    chat.view.input.setPlainText(text)  # QTest cannot type Chinese; setPlainText is committed text
    qtbot.keyClick(chat.view.input, Qt.Key.Key_Return)
    assert len(chat.view.transcript.bubbles) == before + 1  # the agent's bubble at once
    qtbot.waitUntil(lambda: chat.state in ("waiting", "ended"), timeout=20000)
    chat.ctx.runner.wait_until_idle(20)


def test_typing_delay_grows_with_the_line_and_is_capped() -> None:
    assert typing_delay("") == pytest.approx(0.6)
    assert typing_delay("一" * 10) == pytest.approx(1.2)
    assert typing_delay("一" * 200) == 3.0
    assert typing_delay("一" * 10, 0.0) == 0.0


def test_picker_lists_scenarios_with_filters(make_page: Any, screenshot: Any) -> None:
    page = make_page()
    assert len(page.scenarios) >= 10
    v = page.picker
    v.stage_combo.setCurrentIndex(v.stage_combo.findData("售后"))
    assert page.filtered() and all(s.stage == "售后" for s in page.filtered())
    assert page.model.rowCount() == len(page.filtered())
    page.select_keys({LEAK})
    assert "目标" in v.detail_goal.text()
    assert v.start_button.isEnabled() and v.voice_button.isEnabled()
    screenshot(page, "roleplay_picker")


def test_chat_reply_mood_timer_and_scorecard(
    qtbot: Any, make_page: Any, clock: FakeClock, screenshot: Any
) -> None:
    # GIVEN the angry customer of the leaking bottle
    page = make_page()
    chat = start(qtbot, page)
    v = chat.view
    assert v.name_label.text() == chat.session.customer_name
    assert v.persona_label.text() == "愤怒型"
    assert [b.role for b in v.transcript.bubbles] == ["customer"]
    assert v.mood_meter.value() == 20 and v.mood_meter.colour == RED
    qtbot.waitUntil(lambda: "沁屿香氛洗衣液" in v.product_card.body.text(), timeout=10000)

    # the reply timer runs against the 20 s target: green, orange, then red
    clock.advance(5)
    chat.tick()
    assert v.countdown.colour == GREEN and "剩 15 秒" in v.countdown.label.text()
    clock.advance(9)
    chat.tick()
    assert v.countdown.colour == ORANGE
    screenshot(page, "roleplay_chat_start")

    # WHEN the agent apologises, empathises and asks for photos
    send(qtbot, chat, GOOD_REPLY)

    # THEN the customer calms down a bit and answers; feedback shows under the reply
    assert chat.mood > 20
    assert v.mood_meter.value() == chat.mood
    roles = [b.role for b in v.transcript.bubbles]
    assert roles == ["customer", "agent", "customer"]
    agent = v.transcript.bubbles[1]
    assert agent.has_feedback and agent.feedback_label.isVisibleTo(chat)
    assert "命中要点" in agent.feedback_label.text()
    assert "background-color" in agent.bubble.text()  # the words that earned points are marked
    assert chat.stats.seconds == [14.0]

    # the feedback can be hidden (test mode)
    v.feedback_box.setChecked(False)
    assert not agent.feedback_label.isVisibleTo(chat)
    v.feedback_box.setChecked(True)

    # a slow reply: the countdown turns red and patience visibly drains
    clock.advance(25)
    chat.tick()
    assert v.countdown.colour == RED and "超时" in v.countdown.label.text()
    assert v.patience_meter.value() < chat.patience
    screenshot(page, "roleplay_chat_after_reply")

    send(
        qtbot,
        chat,
        "亲，照片收到了，漏了这么多，我们给您补发一瓶或者全额退款都可以，漏液的不用寄回，您看选哪种？",
    )
    assert len(v.transcript.bubbles) >= 4

    # WHEN the agent ends the conversation
    qtbot.mouseClick(v.end_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: chat.scorecard is not None, timeout=20000)
    assert chat.is_over and not v.send_button.isEnabled()
    assert v.end_button.text() == "查看评分"
    screenshot(page, "roleplay_chat_ended")
    qtbot.mouseClick(v.end_button, Qt.MouseButton.LeftButton)

    # THEN the scorecard shows the dimensions, the replies and the response times
    card = page.flow.scorecard_widget
    assert isinstance(card, ScorecardWidget)
    assert set(card.view.dimension_bars) == {"专业知识", "服务规范", "沟通技巧", "响应时效", "合规"}
    assert card.view.replies_layout.count() == 2
    assert "秒" in card.view.facts["slowest"].text()
    assert card.view.facts["within"].text().startswith("1 / 2")
    screenshot(page, "roleplay_scorecard")

    # back to the list: the best score is there
    qtbot.mouseClick(card.view.back_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.stack.currentWidget() is page.picker, timeout=5000)
    page.ctx.runner.wait_until_idle(20)
    leak = next(s for s in page.scenarios if s.key == LEAK)
    assert leak.my_sessions == 1 and leak.my_best_score is not None


def test_enter_sends_and_shift_enter_breaks_the_line(qtbot: Any, make_page: Any) -> None:
    page = make_page()
    chat = start(qtbot, page)
    edit = chat.view.input
    edit.setPlainText("亲")
    edit.moveCursor(edit.textCursor().MoveOperation.End)
    qtbot.keyClick(edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    assert edit.toPlainText() == "亲\n"
    assert len(chat.view.transcript.bubbles) == 1
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert len(chat.view.transcript.bubbles) == 2
    qtbot.waitUntil(lambda: chat.state in ("waiting", "ended"), timeout=20000)


def test_quick_phrases_search_and_insert(qtbot: Any, make_page: Any) -> None:
    page = make_page()
    chat = start(qtbot, page)
    chat.phrases = [("ts1", "亲，非常抱歉给您添麻烦了"), ("bf", "我们马上给您补发")]
    chat._fill_phrases()
    lst = chat.view.phrase_list
    chat.view.phrase_search.setText("/bf")
    visible = [lst.item(i) for i in range(lst.count()) if not lst.item(i).isHidden()]
    assert [i.data(Qt.ItemDataRole.UserRole) for i in visible] == ["我们马上给您补发"]
    chat.view.phrase_search.setText("抱歉")
    visible = [lst.item(i) for i in range(lst.count()) if not lst.item(i).isHidden()]
    assert len(visible) == 1
    lst.itemDoubleClicked.emit(visible[0])
    assert chat.view.input.toPlainText() == "亲，非常抱歉给您添麻烦了"


def test_silence_until_patience_runs_out_ends_the_session(
    qtbot: Any, make_page: Any, clock: FakeClock, screenshot: Any
) -> None:
    # GIVEN a customer with patience 30 and a 20 s target: she leaves after 20 + 30 / 2 = 35 s
    page = make_page()
    chat = start(qtbot, page)
    assert chat.silence_limit() == pytest.approx(35)
    clock.advance(30)
    chat.tick()
    assert chat.state == "waiting"
    # WHEN the agent stays silent past that
    clock.advance(6)
    qtbot.waitUntil(lambda: chat.scorecard is not None, timeout=20000)  # the tick timer gives up
    # THEN the customer left (流失) and the session is over
    assert chat.outcome == "流失"
    assert chat.is_over and not chat.view.send_button.isEnabled()
    notes = [
        w.text()
        for w in chat.view.transcript.findChildren(type(chat.view.name_label))
        if w.objectName() == "chatNote"
    ]
    assert any("离开" in n for n in notes) and any("流失" in n for n in notes)
    screenshot(page, "roleplay_chat_customer_left")
    sessions = page.ctx.services.roleplay.history(page.ctx.actor)
    assert sessions[0].outcome == "流失"


def test_rush_mode_tabs_with_unread_badges(qtbot: Any, make_page: Any, screenshot: Any) -> None:
    page = make_page()
    keys = [s.key for s in page.scenarios[:3]]
    page.select_keys(set(keys))
    assert len(page.selected()) == 3
    qtbot.mouseClick(page.picker.rush_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.flow.rush is not None, timeout=20000)
    rush = page.flow.rush
    assert rush is not None
    qtbot.waitUntil(lambda: all(c.state == "waiting" for c in rush.chats), timeout=10000)
    page.ctx.runner.wait_until_idle(20)
    assert rush.tabs.count() == 3
    # every customer wrote; the tabs not in front show an unread count in red
    assert rush.unread == [0, 1, 1]
    assert rush.tabs.tabText(1).endswith("(1)")
    assert rush.tabs.tabBar().tabTextColor(1).name() == RED
    screenshot(page, "roleplay_rush")
    rush.tabs.setCurrentIndex(1)
    assert rush.unread[1] == 0 and not rush.tabs.tabText(1).endswith(")")
    # each tab has its own timer: the answered customer stops waiting, the others keep waiting
    send(qtbot, rush.chats[1], "亲，您好，在的呢，请问有什么可以帮您？")
    assert rush.chats[0].state == "waiting"
    # end all three: the group scorecard counts the replies within target
    for chat in rush.chats:
        chat.end_now()
    qtbot.waitUntil(lambda: rush.all_over, timeout=20000)
    assert rush.results_button.isVisibleTo(rush)
    qtbot.mouseClick(rush.results_button, Qt.MouseButton.LeftButton)
    card = page.flow.scorecard_widget
    assert isinstance(card, RushScorecardWidget)
    page.ctx.runner.wait_until_idle(20)
    assert card.tabs.count() == 3
    assert card.replies == 1 and card.within_target == 1
    assert "1 条在时限内" in card.summary_label.text()
    screenshot(page, "roleplay_rush_scorecard")


def test_voice_mode_speaks_lines_and_replays(
    qtbot: Any, make_page: Any, speaker: FakeSpeaker, screenshot: Any
) -> None:
    page = make_page()
    chat = start(qtbot, page, mode="voice")
    opening = chat.view.transcript.bubbles[0]
    qtbot.waitUntil(lambda: speaker.spoken == [opening.text], timeout=10000)
    assert opening.replay_button is not None and opening.replay_button.isEnabled()
    assert not chat.view.speech_note.isVisibleTo(chat)
    qtbot.mouseClick(opening.replay_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(speaker.spoken) == 2, timeout=10000)
    send(qtbot, chat, GOOD_REPLY)
    qtbot.waitUntil(lambda: len(speaker.spoken) == 3, timeout=10000)
    assert speaker.spoken[2] == chat.view.transcript.bubbles[-1].text
    screenshot(page, "roleplay_voice")
    chat.close_session()


def test_voice_mode_without_speech_works_silently(
    qtbot: Any, make_page: Any, options: ChatOptions, screenshot: Any
) -> None:
    options.speaker_factory = lambda: SilentSpeaker("语音不可用：未安装 espeak-ng 语音引擎")
    page = make_page()
    chat = start(qtbot, page, mode="voice")
    qtbot.waitUntil(lambda: chat.view.speech_note.isVisibleTo(chat), timeout=10000)
    assert "espeak-ng" in chat.view.speech_note.text()
    opening = chat.view.transcript.bubbles[0]
    assert opening.replay_button is not None and not opening.replay_button.isEnabled()
    send(qtbot, chat, GOOD_REPLY)
    assert [b.role for b in chat.view.transcript.bubbles] == ["customer", "agent", "customer"]
    screenshot(page, "roleplay_voice_unavailable")


def test_open_chat_with_a_draft_for_the_scenario_editor(
    qtbot: Any, seeded: Any, runner: Any, options: ChatOptions, screenshot: Any
) -> None:
    trainer = seeded.auth.login("peixun", PASSWORD, source="test")
    scenario = seeded.roleplay.get_scenario(trainer, LEAK)
    draft = dataclasses.replace(scenario, title="漏液投诉（草稿）", customer_name="草稿顾客")
    window = open_chat(PageContext(seeded, runner, trainer), draft=draft, options=options)
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: window.flow.chat is not None, timeout=20000)
    chat = window.flow.chat
    assert chat is not None and chat.session.draft
    assert chat.view.name_label.text() == "草稿顾客"
    assert "草稿试玩" in chat.view.title_label.text()
    qtbot.waitUntil(lambda: chat.state == "waiting", timeout=10000)
    send(qtbot, chat, GOOD_REPLY)
    screenshot(window, "roleplay_draft_window")
    # drafts never count in the trainer's history
    assert seeded.roleplay.history(trainer) == []
    window.close()


def test_leaving_mid_conversation_asks_first(qtbot: Any, make_page: Any, fake_prompts: Any) -> None:
    page = make_page()
    assert page.can_leave()  # nothing going on yet
    start(qtbot, page)
    fake_prompts.confirm_answer = False
    assert not page.can_leave()
    assert "顾客还在等你回复" in fake_prompts.confirms[-1]


def test_banned_words_are_marked_with_their_reason(qtbot: Any, make_page: Any, screenshot: Any) -> None:
    page = make_page()
    chat = start(qtbot, page)
    send(qtbot, chat, "亲，抱歉抱歉，我们家洗衣液是全网最低价的，您放心")
    agent = chat.view.transcript.bubbles[1]
    assert "违规词" in agent.feedback_label.text()
    assert "#ffc9c9" in agent.bubble.text()  # the banned word is marked in the bubble
    screenshot(page, "roleplay_chat_banned_word")


def test_an_unfinished_conversation_can_be_resumed(qtbot: Any, make_page: Any, seeded: Any) -> None:
    # GIVEN a conversation left open (the app was closed after one reply)
    agent = seeded.auth.login("kefu", PASSWORD, source="test")
    view = seeded.roleplay.start(agent, LEAK, seed=3)
    seeded.roleplay.reply(agent, view.session_id, GOOD_REPLY, 6.0)
    page = make_page()
    assert page.picker.resume_button.isVisibleTo(page)
    assert "洗衣液漏液" in page.picker.resume_button.text()
    # WHEN it is resumed
    qtbot.mouseClick(page.picker.resume_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.flow.chat is not None and page.flow.chat.state == "waiting", timeout=20000)
    chat = page.flow.chat
    assert chat is not None and chat.session_id == view.session_id
    # THEN the stored lines are back and the customer's last line waits for an answer
    assert [b.role for b in chat.view.transcript.bubbles] == ["customer", "agent", "customer"]
    assert chat.view.send_button.isEnabled()


def test_the_chat_in_a_1280x800_main_window(
    qtbot: Any, seeded: Any, runner: Any, options: ChatOptions, screenshot: Any
) -> None:
    from cstrainer.gui.main_window import MainWindow

    window = MainWindow(seeded, runner, seeded.auth.login("kefu", PASSWORD, source="test"))
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    assert "对话模拟" in window.page_titles() and "对话记录" in window.page_titles()
    page = window.show_page("roleplay")
    assert isinstance(page, RolePlayPage)
    qtbot.waitUntil(lambda: page.loaded, timeout=20000)
    page.options.typing_scale = 0.0
    page.options.clock = options.clock
    chat = start(qtbot, page)
    send(qtbot, chat, GOOD_REPLY)
    qtbot.wait(60)
    screenshot(window, "main_window_roleplay_chat")
    chat.close_session()
