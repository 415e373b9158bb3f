"""The 话术练习 page: shortcut recall (right / wrong with the team's answer, next review, progress),
the typing drill on committed text only (an input method's pre-edit is not counted; the clock
starts at the first committed character; 字/分, accuracy and 错一罚五) and the history table."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from cstrainer.domain.phrases import PhraseItem, score_typing
from cstrainer.gui.context import PageContext
from cstrainer.gui.pages.phrase_drills_page import PhraseDrillsPage
from cstrainer.gui.pages.registry import ORDER, REGISTRY
from cstrainer.gui.qt import QApplication, QInputMethodEvent, Qt
from cstrainer.services import SYSTEM

pytestmark = pytest.mark.gui

SHOTS_SIZE = (1240, 760)
PHRASES = (
    PhraseItem("qy-hello", "qinyu", "迎宾", "问候", "hy1", "亲，欢迎光临小屿家～请问有什么可以帮您？"),
    PhraseItem("qy-ship", "qinyu", "物流查询", "已发货", "wl1", "亲，订单已经发出，正在运输途中～"),
    PhraseItem("qy-bye", "qinyu", "送别", "道别", "sb1", "感谢亲的光临，期待您再来小屿家～"),
)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def make_page(
    qtbot: Any, services: Any, runner: Any, login_as: Any, accounts: Any
) -> Callable[..., PhraseDrillsPage]:
    for item in PHRASES:
        services.phrases.save_team(SYSTEM, item)

    def make(who: tuple[str, str, str] = accounts.trainee) -> PhraseDrillsPage:
        page = PhraseDrillsPage(PageContext(services, runner, login_as(who)))
        page.clock = FakeClock()
        page.resize(*SHOTS_SIZE)
        qtbot.addWidget(page)
        page.show()
        page.page_shown()
        qtbot.waitUntil(lambda: runner.is_idle(), timeout=10000)
        return page

    return make


def idle(qtbot: Any, page: PhraseDrillsPage) -> None:
    qtbot.waitUntil(lambda: page.ctx.runner.is_idle(), timeout=10000)


def test_the_page_is_registered_after_the_library() -> None:
    import cstrainer.gui.pages.phrase_drills_page  # noqa: F401

    spec = REGISTRY.get("phrase_drills")
    assert spec.display_title() == "话术练习" and spec.order == ORDER["话术练习"] == 45


def test_recall_right_then_wrong_with_the_answer_and_next_review(
    qtbot: Any, make_page: Any, screenshot: Any
) -> None:
    page = make_page()
    v = page.view
    assert len(page.prompts) == 3
    by_key = {p.key: p for p in PHRASES}
    clock = page.clock
    assert isinstance(clock, FakeClock)

    # WHEN the first prompt is answered right (the shortcut, or the wording when the code is shown)
    first = page.current_prompt()
    assert first is not None and first.prompt in v.recall_prompt_label.text()
    assert "第 1 / 3 题" in v.recall_progress_label.text()
    item = by_key[first.phrase_key]
    clock.now += 4.0
    v.recall_answer_edit.setText(item.shortcut if first.mode == "intent" else item.text)
    qtbot.mouseClick(v.recall_submit_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.last_result is not None, timeout=10000)
    # THEN right, with the team's answer, the time and the next review
    assert page.last_result is not None and page.last_result.correct
    text = v.recall_result_label.text()
    assert "正确" in text and item.shortcut in text and "下次复习" in text and "4.0 秒" in text
    assert "答对 1" in v.recall_progress_label.text() and v.recall_progress.value() == 1

    # WHEN the next one is answered wrong THEN the right answer is shown
    qtbot.mouseClick(v.recall_next_button, Qt.MouseButton.LeftButton)
    second = page.current_prompt()
    assert second is not None and "第 2 / 3 题" in v.recall_progress_label.text()
    v.recall_answer_edit.setText("zzz9")
    qtbot.keyClick(v.recall_answer_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.last_result is not None, timeout=10000)
    assert page.last_result is not None and not page.last_result.correct
    wrong_text = v.recall_result_label.text()
    assert "不对" in wrong_text and by_key[second.phrase_key].shortcut in wrong_text
    screenshot(page, "phrase_drills_recall")

    # WHEN the batch is finished THEN a summary
    qtbot.keyClick(v.recall_answer_edit, Qt.Key.Key_Return)  # Enter moves on
    third = page.current_prompt()
    assert third is not None
    v.recall_answer_edit.setText(by_key[third.phrase_key].shortcut if third.mode == "intent" else "不记得")
    qtbot.mouseClick(v.recall_submit_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.last_result is not None, timeout=10000)
    qtbot.mouseClick(v.recall_next_button, Qt.MouseButton.LeftButton)
    assert page.current_prompt() is None and "本组完成" in v.recall_prompt_label.text()
    idle(qtbot, page)


def _ime(widget: Any, preedit: str = "", commit: str = "") -> None:
    event = QInputMethodEvent(preedit, [])
    if commit:
        event.setCommitString(commit)
    QApplication.sendEvent(widget, event)


def test_typing_counts_committed_text_only_and_scores_with_the_penalty(
    qtbot: Any, make_page: Any, screenshot: Any
) -> None:
    page = make_page()
    v = page.view
    v.tabs.setCurrentIndex(1)
    assert page.target is not None and v.typing_target.toPlainText() == page.target.text
    target = page.target.text
    clock = page.clock
    assert isinstance(clock, FakeClock)
    v.typing_edit.setFocus()

    # GIVEN an input method composing pinyin: nothing is committed, the clock has not started
    _ime(v.typing_edit, preedit="qin")
    assert page.typed_text() == "" and page.started_at is None
    # WHEN the composition is committed THEN the clock starts at that first committed character
    _ime(v.typing_edit, commit=target[:2])
    assert page.typed_text() == target[:2] and page.started_at == 1000.0
    assert f"已输入 2 / {len(target)} 字" in v.typing_live_label.text()

    # WHEN the rest is committed 60 s later with one wrong character THEN it is scored on submit
    clock.now += 60.0
    typed = target[:2] + "错" + target[3:]
    _ime(v.typing_edit, preedit="cuo")
    _ime(v.typing_edit, commit=typed[2:])  # reaching the target's length finishes the drill
    qtbot.waitUntil(lambda: page.typing_result is not None, timeout=10000)
    expected = score_typing(target, typed, 60.0)
    result = page.typing_result
    assert result is not None and result == expected
    assert result.wrong == 1 and result.net_correct == len(target) - 1 - 5
    text = v.typing_result_label.text()
    assert f"{expected.cpm:.0f}</b> 字/分" in text and f"{expected.net_cpm:.0f}</b> 字/分" in text
    assert "错一罚五" in text and "错 1 字" in text
    assert v.typing_edit.isReadOnly() and "已完成" in v.typing_live_label.text()
    idle(qtbot, page)
    screenshot(page, "phrase_drills_typing")

    # THEN the history lists it
    v.tabs.setCurrentIndex(2)
    idle(qtbot, page)
    assert page.history and page.history[0].kind == "typing"
    assert v.history_table.rowCount() == len(page.history)
    assert v.history_table.item(0, 1).text() == "打字"
    assert "打字 1 次" in v.history_summary.text()
    screenshot(page, "phrase_drills_history")


def test_a_new_text_resets_the_clock(qtbot: Any, make_page: Any) -> None:
    page = make_page()
    v = page.view
    v.typing_edit.insertPlainText("亲")
    assert page.started_at is not None
    qtbot.mouseClick(v.typing_new_button, Qt.MouseButton.LeftButton)
    idle(qtbot, page)
    assert page.started_at is None and page.typed_text() == "" and not v.typing_done_button.isEnabled()


def test_trainers_see_the_team_and_agents_do_not(
    qtbot: Any, make_page: Any, services: Any, login_as: Any, accounts: Any, screenshot: Any
) -> None:
    # GIVEN the trainee has done a typing drill
    trainee = login_as(accounts.trainee)
    target = services.phrase_drills.typing_text(trainee, seed=1)
    services.phrase_drills.submit_typing(trainee, target, target.text, 30.0)
    # WHEN the trainee opens the page THEN there is no team tab
    own = make_page(accounts.trainee)
    assert not own.view.tabs.isTabVisible(own.view.team_tab_index)
    # WHEN the trainer opens the team tab THEN the trainee's figures are listed
    page = make_page(accounts.trainer)
    v = page.view
    assert v.tabs.isTabVisible(v.team_tab_index)
    v.tabs.setCurrentIndex(v.team_tab_index)
    idle(qtbot, page)
    names = [v.team_table.item(r, 0).text() for r in range(v.team_table.rowCount())]
    assert accounts.trainee[1] in names
    row = names.index(accounts.trainee[1])
    assert v.team_table.item(row, 5).text() == "1"  # one typing attempt
    assert "1 人" in v.team_summary.text()
    screenshot(page, "phrase_drills_team")
