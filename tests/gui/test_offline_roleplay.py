"""The team database unreachable during a role-play: the reply is kept on this PC, the banner says
the customer cannot answer yet, retries, no reply stored twice (also when only the confirmation was
lost), and a reply typed before quitting is sent at the next login or when the session is reopened."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
import sqlalchemy.exc as sa_exc
from sqlalchemy import select

from cstrainer.gui.context import PageContext
from cstrainer.gui.main_window import MainWindow
from cstrainer.gui.pages.registry import PageRegistry, register_page
from cstrainer.gui.pages.roleplay_chat import ChatOptions, ChatSessionWidget
from cstrainer.gui.pages.roleplay_page import RolePlayPage
from cstrainer.gui.qt import Qt
from cstrainer.gui.tasks import TaskRunner
from cstrainer.services import offline_journal as oj
from cstrainer.speech import SilentSpeaker
from cstrainer.storage.models import RolePlayMessage

pytestmark = pytest.mark.gui

PASSWORD = "demo1234"
LEAK = "qinyu-leaking-bottle"
GOOD_REPLY = "亲，真的非常抱歉给您添麻烦了，换谁都会生气，麻烦您拍照发我看看瓶身和瓶盖"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(autouse=True)
def _collect_on_the_ui_thread(qapp: Any) -> Iterator[None]:
    gc.collect()
    oj.close_all()
    yield
    oj.close_all()
    gc.collect()


@pytest.fixture
def options() -> ChatOptions:
    return ChatOptions(typing_scale=0.0, clock=FakeClock(), speaker_factory=SilentSpeaker, seed=1)


def refused() -> sa_exc.OperationalError:
    orig = psycopg.OperationalError(
        'connection to server at "10.8.0.12", port 5432 failed: Connection refused'
    )
    return sa_exc.OperationalError("INSERT INTO roleplay_messages", {}, orig)


class Server:
    """The role-play service's reply and view: working, refused, or storing then losing the answer."""

    def __init__(self, svc: Any, monkeypatch: pytest.MonkeyPatch) -> None:
        self.down = False
        self.lose_answer = False  # store the reply, then fail as if the connection dropped
        self.replies = 0
        real_reply, real_view = svc.roleplay.reply, svc.roleplay.view

        def reply(*args: Any, **kwargs: Any) -> Any:
            if self.down:
                raise refused()
            self.replies += 1
            result = real_reply(*args, **kwargs)
            if self.lose_answer:
                self.lose_answer = False
                self.down = True
                raise refused()
            return result

        def view(*args: Any, **kwargs: Any) -> Any:
            if self.down:
                raise refused()
            return real_view(*args, **kwargs)

        monkeypatch.setattr(svc.roleplay, "reply", reply)
        monkeypatch.setattr(svc.roleplay, "view", view)
        for name in ("give_up", "finish"):
            monkeypatch.setattr(svc.roleplay, name, self._refusing(getattr(svc.roleplay, name)))

    def _refusing(self, real: Any) -> Any:
        def call(*args: Any, **kwargs: Any) -> Any:
            if self.down:
                raise refused()
            return real(*args, **kwargs)

        return call


def make_page(
    qtbot: Any, svc: Any, runner: TaskRunner, options: ChatOptions, *, owned: bool = True
) -> RolePlayPage:
    actor = svc.auth.login("kefu", PASSWORD, source="test")
    page = RolePlayPage(PageContext(svc, runner, actor), options=options)
    page.resize(1180, 760)
    if owned:
        qtbot.addWidget(page)
    page.show()
    page.page_shown()
    qtbot.waitUntil(lambda: page.loaded, timeout=20000)
    return page


def start(qtbot: Any, page: RolePlayPage) -> ChatSessionWidget:
    page.select_keys({LEAK})
    qtbot.mouseClick(page.picker.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.flow.chat is not None, timeout=20000)
    chat = page.flow.chat
    assert chat is not None
    qtbot.waitUntil(lambda: chat.state == "waiting", timeout=10000)
    page.ctx.runner.wait_until_idle(20)
    return chat


def type_reply(qtbot: Any, chat: ChatSessionWidget, text: str) -> None:
    chat.view.input.setPlainText(text)
    qtbot.keyClick(chat.view.input, Qt.Key.Key_Return)
    chat.ctx.runner.wait_until_idle(20)


def agent_lines(svc: Any, session_id: int) -> list[str]:
    with svc.db.session() as s:
        return list(
            s.scalars(
                select(RolePlayMessage.text)
                .where(RolePlayMessage.session_id == session_id, RolePlayMessage.role == "agent")
                .order_by(RolePlayMessage.seq)
            )
        )


def pending_on_disk(svc: Any, actor: Any) -> list[oj.Entry]:
    journal = oj.journal_for(svc, actor)
    assert journal is not None
    return oj.OfflineJournal(journal.path).pending()


# --- tests ------------------------------------------------------------------------------------------


def test_a_reply_sent_offline_waits_on_this_pc_and_is_stored_once_connected(
    qtbot: Any,
    seeded: Any,
    runner: TaskRunner,
    options: ChatOptions,
    monkeypatch: pytest.MonkeyPatch,
    screenshot: Any,
) -> None:
    server = Server(seeded, monkeypatch)
    page = make_page(qtbot, seeded, runner, options)
    chat = start(qtbot, page)
    customer_lines = len([b for b in chat.view.transcript.bubbles if b.role == "customer"])
    # GIVEN the server is unreachable WHEN the agent replies
    server.down = True
    type_reply(qtbot, chat, GOOD_REPLY)
    # THEN the reply stays on screen, marked, and the banner says the customer must wait
    assert chat.offline and chat.state == "sending" and chat.unsent is not None
    assert not chat.view.send_button.isEnabled()
    text = chat.view.offline_banner.label.text()
    assert chat.view.offline_banner.isVisible()
    assert text.startswith("无法连接服务器，正在重试（第 1 次，2 秒后）…"), text
    assert "你的回复已保存在本机，恢复连接后自动发送；回复保存到服务器之前，顾客无法回答。" in text
    assert chat.view.transcript.bubbles[-1].time_label.text().startswith("未发送")
    assert [e.data["text"] for e in pending_on_disk(seeded, page.ctx.actor)] == [GOOD_REPLY]
    screenshot(page, "offline_roleplay_banner")
    # 立即重试 while still down: the next try, a longer wait; the customer still waits
    chat.view.offline_banner.retry_button.click()
    runner.wait_until_idle(20)
    assert "（第 2 次，5 秒后）" in chat.view.offline_banner.label.text()
    assert len([b for b in chat.view.transcript.bubbles if b.role == "customer"]) == customer_lines
    # WHEN the server is back
    server.down = False
    chat.retry_now()
    qtbot.waitUntil(lambda: chat.state == "waiting", timeout=20000)
    runner.wait_until_idle(20)
    # THEN the reply was stored once, the customer answered, and nothing waits
    assert agent_lines(seeded, chat.session_id) == [GOOD_REPLY]
    assert not chat.offline and not chat.view.offline_banner.isVisible()
    assert len([b for b in chat.view.transcript.bubbles if b.role == "customer"]) == customer_lines + 1
    assert pending_on_disk(seeded, page.ctx.actor) == []
    page.page_closing()


def test_a_reply_whose_confirmation_was_lost_is_not_stored_twice(
    qtbot: Any, seeded: Any, runner: TaskRunner, options: ChatOptions, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = Server(seeded, monkeypatch)
    page = make_page(qtbot, seeded, runner, options)
    chat = start(qtbot, page)
    session_id = chat.session_id
    # GIVEN the reply is stored but the connection drops before the answer comes back
    server.lose_answer = True
    type_reply(qtbot, chat, GOOD_REPLY)
    assert chat.offline and agent_lines(seeded, session_id) == [GOOD_REPLY]
    # WHEN the server is back and the reply is resent
    server.down = False
    chat.retry_now()
    qtbot.waitUntil(lambda: page.flow.chat is not chat, timeout=20000)
    new_chat = page.flow.chat
    assert new_chat is not None
    qtbot.waitUntil(lambda: new_chat.state == "waiting", timeout=20000)
    runner.wait_until_idle(20)
    # THEN it was not sent a second time; the chat shows the conversation as stored
    assert server.replies == 1
    assert agent_lines(seeded, session_id) == [GOOD_REPLY]
    assert [b.role for b in new_chat.view.transcript.bubbles][-2:] == ["agent", "customer"]
    assert pending_on_disk(seeded, page.ctx.actor) == []
    page.page_closing()


def test_a_reply_typed_before_quitting_is_shown_and_sent_when_the_session_is_reopened(
    qtbot: Any, seeded: Any, runner: TaskRunner, options: ChatOptions, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = Server(seeded, monkeypatch)
    page = make_page(qtbot, seeded, runner, options, owned=False)
    chat = start(qtbot, page)
    session_id = chat.session_id
    server.down = True
    type_reply(qtbot, chat, GOOD_REPLY)
    assert chat.offline
    # WHEN the page goes away (quit, crash) and the app starts again with the server back
    page.page_closing()
    page.close()
    page.deleteLater()
    qtbot.wait(10)
    oj.close_all()
    server.down = False
    page2 = make_page(qtbot, seeded, runner, options)
    page2.flow.resume(session_id)
    qtbot.waitUntil(lambda: page2.flow.chat is not None, timeout=20000)
    chat2 = page2.flow.chat
    assert chat2 is not None
    qtbot.waitUntil(lambda: chat2.state == "waiting", timeout=20000)
    runner.wait_until_idle(20)
    # THEN the reply typed offline is in the conversation, stored once, and the customer answered
    assert agent_lines(seeded, session_id) == [GOOD_REPLY]
    roles = [b.role for b in chat2.view.transcript.bubbles]
    assert roles[-2:] == ["agent", "customer"]
    assert pending_on_disk(seeded, page2.ctx.actor) == []
    page2.page_closing()


def test_a_reply_typed_before_quitting_is_sent_at_the_next_login(
    qtbot: Any, seeded: Any, runner: TaskRunner, options: ChatOptions, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = Server(seeded, monkeypatch)
    page = make_page(qtbot, seeded, runner, options, owned=False)
    chat = start(qtbot, page)
    session_id, actor = chat.session_id, page.ctx.actor
    server.down = True
    type_reply(qtbot, chat, GOOD_REPLY)
    page.page_closing()
    page.close()
    page.deleteLater()
    qtbot.wait(10)
    oj.close_all()
    assert len(pending_on_disk(seeded, actor)) == 1
    # WHEN the person logs in again and the server answers
    server.down = False
    from cstrainer.gui.pages import roleplay_page
    from cstrainer.gui.pages.registry import REGISTRY

    assert roleplay_page.RolePlayPage
    registry = PageRegistry()
    spec = REGISTRY.get("roleplay")
    register_page(spec.key, spec.title, spec.factory, icon=spec.icon, order=spec.order, registry=registry)
    window = MainWindow(seeded, runner, seeded.auth.login("kefu", PASSWORD, source="test"), registry=registry)
    qtbot.addWidget(window)
    window.show()
    runner.wait_until_idle(20)
    # THEN the reply was stored (once) before anything else
    assert agent_lines(seeded, session_id) == [GOOD_REPLY]
    assert pending_on_disk(seeded, actor) == []
    assert "1 条作答或回复" in window.statusBar().currentMessage()


def test_ending_is_refused_offline_and_a_customer_who_left_is_recorded_once_connected(
    qtbot: Any,
    seeded: Any,
    runner: TaskRunner,
    options: ChatOptions,
    monkeypatch: pytest.MonkeyPatch,
    fake_prompts: Any,
) -> None:
    server = Server(seeded, monkeypatch)
    page = make_page(qtbot, seeded, runner, options)
    chat = start(qtbot, page)
    # GIVEN the server is unreachable and the agent's reply waits on this PC
    server.down = True
    type_reply(qtbot, chat, GOOD_REPLY)
    # 结束对话 is refused with a clear message
    chat.end_now()
    assert "暂时不能结束对话" in fake_prompts.infos[-1] and chat.state == "sending"
    # WHEN the server is back the reply goes; THEN the agent stays silent until the customer leaves
    server.down = False
    chat.retry_now()
    qtbot.waitUntil(lambda: chat.state == "waiting", timeout=20000)
    server.down = True
    clock = chat.options.clock
    assert isinstance(clock, FakeClock)
    clock.now += chat.silence_limit() + 1
    chat.tick()
    runner.wait_until_idle(20)
    assert chat.offline and chat.state == "ending"
    assert "顾客已经离开，恢复连接后记录这次对话的结果。" in chat.view.offline_banner.label.text()
    # AND once connected the outcome is stored
    server.down = False
    chat.retry_now()
    qtbot.waitUntil(lambda: chat.state == "ended", timeout=20000)
    runner.wait_until_idle(20)
    assert chat.outcome == "流失" and not chat.view.offline_banner.isVisible()
    assert agent_lines(seeded, chat.session_id) == [GOOD_REPLY]


def test_in_rush_mode_a_lost_confirmation_reloads_only_that_customer(
    qtbot: Any, seeded: Any, runner: TaskRunner, options: ChatOptions, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = Server(seeded, monkeypatch)
    page = make_page(qtbot, seeded, runner, options)
    page.select_keys({s.key for s in page.scenarios[:3]})
    qtbot.mouseClick(page.picker.rush_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.flow.rush is not None, timeout=20000)
    rush = page.flow.rush
    assert rush is not None
    qtbot.waitUntil(lambda: all(c.state == "waiting" for c in rush.chats), timeout=10000)
    runner.wait_until_idle(20)
    first, second = rush.chats[0], rush.chats[1]
    # GIVEN the second customer's reply is stored but its confirmation lost
    server.lose_answer = True
    type_reply(qtbot, second, "亲，您好，在的呢，请问有什么可以帮您？")
    assert second.offline
    server.down = False
    second.retry_now()
    qtbot.waitUntil(lambda: rush.chats[1] is not second, timeout=20000)
    runner.wait_until_idle(20)
    # THEN that tab shows the stored conversation; the others are untouched; nothing doubled
    assert rush.chats[0] is first and rush.tabs.count() == 3 and rush.tabs.widget(1) is rush.chats[1]
    assert agent_lines(seeded, rush.chats[1].session_id) == ["亲，您好，在的呢，请问有什么可以帮您？"]
    assert server.replies == 1
    page.page_closing()
