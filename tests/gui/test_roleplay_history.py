"""对话记录: an agent's own sessions and progress; a trainer replays a session message by message,
comments on a reply and re-grades it; the agent then reads the comment."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from typing import Any

import pytest

from cstrainer.gui.context import PageContext
from cstrainer.gui.pages.roleplay_history_page import RolePlayHistoryPage
from cstrainer.gui.qt import Qt

pytestmark = pytest.mark.gui

PASSWORD = "demo1234"
LEAK = "qinyu-leaking-bottle"
REPLIES = [
    ("亲，真的非常抱歉给您添麻烦了，换谁都会生气，麻烦您拍照发我看看瓶身和瓶盖", 9.0),
    ("亲，照片收到了，漏了这么多，我们给您补发一瓶或者全额退款都可以，漏液的不用寄回，您看选哪种？", 24.0),
]


@pytest.fixture(autouse=True)
def _qt_garbage_on_the_ui_thread(qapp: Any) -> Iterator[None]:
    gc.collect()
    yield
    gc.collect()


@pytest.fixture
def played(seeded: Any) -> int:
    """kefu played the leaking-bottle scenario (two replies) and ended it."""
    agent = seeded.auth.login("kefu", PASSWORD, source="test")
    view = seeded.roleplay.start(agent, LEAK, seed=1)
    for text, seconds in REPLIES:
        seeded.roleplay.reply(agent, view.session_id, text, seconds)
    seeded.roleplay.finish(agent, view.session_id)
    return int(view.session_id)


@pytest.fixture
def make_page(qtbot: Any, seeded: Any, runner: Any) -> Any:
    def make(who: str) -> RolePlayHistoryPage:
        actor = seeded.auth.login(who, PASSWORD, source="test")
        page = RolePlayHistoryPage(PageContext(seeded, runner, actor))
        page.resize(1180, 760)
        qtbot.addWidget(page)
        page.show()
        page.page_shown()
        qtbot.waitUntil(lambda: page.loaded, timeout=20000)
        runner.wait_until_idle(20)
        return page

    return make


def open_first(qtbot: Any, page: RolePlayHistoryPage, session_id: int) -> Any:
    page.select_session(session_id)
    qtbot.mouseClick(page.list_view.open_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.replay is not None, timeout=20000)
    return page.replay


def test_agent_sees_own_sessions_and_progress(
    qtbot: Any, make_page: Any, played: int, screenshot: Any
) -> None:
    page = make_page("kefu")
    v = page.list_view
    assert not v.person_combo.isVisibleTo(page)  # agents see only themselves
    assert page.session_model.rowCount() == 1
    record = page.session_model.record(0)
    assert record.session_id == played and record.score is not None
    screenshot(page, "roleplay_history_agent")
    assert page.progress is not None and page.progress.sessions == 1
    assert set(v.dimension_bars) == {"专业知识", "服务规范", "沟通技巧", "响应时效", "合规"}
    assert page.progress_model.rowCount() == 1
    v.tabs.setCurrentIndex(1)
    screenshot(page, "roleplay_history_progress")

    replay = open_first(qtbot, page, played)
    assert replay.view.comment_box.isHidden()
    assert not replay.view.regrade_button.isVisibleTo(page)


def test_trainer_replays_comments_and_regrades(
    qtbot: Any, make_page: Any, played: int, seeded: Any, screenshot: Any
) -> None:
    # GIVEN the trainer's history with the agent's session
    page = make_page("peixun")
    v = page.list_view
    assert v.person_combo.isVisibleTo(page)
    assert v.person_combo.findText("陈佳怡") > 0
    v.person_combo.setCurrentIndex(v.person_combo.findText("陈佳怡"))
    page.ctx.runner.wait_until_idle(20)
    assert page.progress is not None and page.progress.sessions == 1
    replay = open_first(qtbot, page, played)
    total = len(replay.messages)
    assert total >= 4 and replay.position == total  # everything shown at first

    # WHEN it is replayed from the start, message by message
    replay.restart()
    assert replay.view.transcript.bubbles == []
    assert replay.step() and len(replay.view.transcript.bubbles) == 1
    assert "+0.0 秒" in replay.view.transcript.bubbles[0].time_label.text()
    replay.view.speed_combo.setCurrentIndex(3)  # 10x: the 9 s pause takes 0.9 s
    qtbot.mouseClick(replay.view.play_button, Qt.MouseButton.LeftButton)
    assert replay.playing
    qtbot.waitUntil(lambda: replay.position == total, timeout=15000)
    agent = next(b for b in replay.view.transcript.bubbles if b.role == "agent")
    assert "用时 9.0 秒" in agent.time_label.text()

    # AND the trainer comments on the second reply
    assert not replay.view.comment_box.isHidden()
    replay.view.reply_combo.setCurrentIndex(1)
    replay.view.comment_edit.setPlainText("方案给得很清楚，但超时了，下次先发一句安抚再处理。")
    qtbot.mouseClick(replay.view.comment_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(replay.comments) == 1, timeout=10000)
    assert "超时了" in replay.view.comments_list.item(0).text()
    second_reply = [b for b in replay.view.transcript.bubbles if b.role == "agent"][1]
    assert "超时了" in second_reply.feedback_label.text()
    replay.view.side_tabs.setCurrentIndex(1)
    screenshot(page, "roleplay_history_replay_comment")

    # AND re-grades it with the scenario as it is now
    assert replay.view.regrade_button.isVisibleTo(page)
    old = replay.scorecard_widget
    qtbot.mouseClick(replay.view.regrade_button, Qt.MouseButton.LeftButton)
    page.ctx.runner.wait_until_idle(20)
    assert replay.scorecard_widget is not None and replay.scorecard_widget is not old
    screenshot(page, "roleplay_history_regraded")

    # THEN the agent reads the comment on her own session
    comments = seeded.roleplay.comments(seeded.auth.login("kefu", PASSWORD, source="test"), played)
    assert [c.text for c in comments] == ["方案给得很清楚，但超时了，下次先发一句安抚再处理。"]
