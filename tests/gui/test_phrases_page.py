"""The 话术库 page: search as you type, the editor with the linter, personal phrases, releases
(publish, diff, rollback), the agent's "本次更新" with its quiz, and the role-play chat's quick
phrases fed from the library.

The database is the shipped starter content plus the demo accounts (trainer ``peixun``, agent
``kefu``, password demo1234), built once per session and copied per test.
"""

from __future__ import annotations

import dataclasses
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from cstrainer.domain.phrases import PhraseItem
from cstrainer.gui.context import PageContext
from cstrainer.gui.pages.phrase_editor import PhraseEditorDialog
from cstrainer.gui.pages.phrase_release_dialog import ReleaseDialog, WhatChangedDialog
from cstrainer.gui.pages.phrases_page import PhrasesPage
from cstrainer.gui.pages.registry import REGISTRY
from cstrainer.gui.qt import QApplication, Qt

pytestmark = pytest.mark.gui

DEMO_PASSWORD = "demo1234"
SHOTS_SIZE = (1240, 760)  # what is left of a 1280x800 screen inside the main window


@pytest.fixture
def seeded(seeded_template: Path, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Any]:
    """The shipped content; without the shipped release history (a library never released yet,
    so the tests decide which releases exist), unless the test is marked ``shipped_releases``."""
    from cstrainer.services import Services
    from cstrainer.storage.database import open_database

    path = tmp_path / "phrases.sqlite"
    shutil.copyfile(seeded_template, path)
    if request.node.get_closest_marker("shipped_releases") is None:
        con = sqlite3.connect(path)
        con.execute("DELETE FROM phrase_releases")
        con.commit()
        con.close()
    services = Services(open_database(f"sqlite:///{path}"))
    yield services
    services.close()


def login(services: Any, who: str) -> Any:
    return services.auth.login(who, DEMO_PASSWORD, source="test")


@pytest.fixture
def make_page(qtbot: Any, seeded: Any, runner: Any) -> Callable[..., PhrasesPage]:
    def make(who: str = "peixun") -> PhrasesPage:
        ctx = PageContext(seeded, runner, login(seeded, who))
        page = PhrasesPage(ctx)
        page.resize(*SHOTS_SIZE)
        qtbot.addWidget(page)
        page.show()
        page.page_shown()
        settle(qtbot, page)
        return page

    return make


def settle(qtbot: Any, page: PhrasesPage) -> None:
    qtbot.waitUntil(lambda: not page.searching and page.ctx.runner.is_idle(), timeout=20000)


def type_query(qtbot: Any, page: PhrasesPage, text: str) -> None:
    page.view.search_edit.clear()
    if text.isascii():
        qtbot.keyClicks(page.view.search_edit, text)  # one search per keystroke
    else:
        page.view.search_edit.setText(text)  # QTest cannot type Chinese: committed text
    settle(qtbot, page)


def matches(page: PhrasesPage) -> list[tuple[str, str | None]]:
    return [(f.record.shortcut, f.match) for f in page.rows]


def _edit(item: PhraseItem, **changes: Any) -> PhraseItem:
    return dataclasses.replace(item, **changes)


def test_the_page_is_registered_for_everyone() -> None:
    import cstrainer.gui.pages.phrases_page  # noqa: F401

    spec = REGISTRY.get("phrases")
    assert spec.display_title() == "话术库"
    assert spec.roles is None


def test_search_as_you_type_by_shortcut_pinyin_and_words(qtbot: Any, make_page: Any, screenshot: Any) -> None:
    # GIVEN the trainer on the page: the team library grouped by scene and intent
    page = make_page()
    assert len(page.rows) > 300
    tree = page.view.tree
    assert tree.topLevelItemCount() >= 10  # one group per scene
    first_scene = tree.topLevelItem(0)
    assert first_scene.child(0).childCount() >= 1  # wordings under an intent
    # a trainer sees the reminder: nothing released yet
    assert page.view.banner.isVisible() and "发布" in page.view.banner.text()
    screenshot(page, "phrases_page_team")

    # WHEN typing a shortcut code, key by key
    type_query(qtbot, page, "yb2")
    assert matches(page)[0] == ("yb2", "shortcut")
    assert "找到" in page.view.count_label.text()
    # ... pinyin first letters
    type_query(qtbot, page, "nh")
    assert matches(page) and {m for _s, m in matches(page)} <= {"shortcut_prefix", "pinyin", "words"}
    assert any(
        m == "pinyin" and "你好" in f.record.text for (_s, m), f in zip(matches(page), page.rows, strict=True)
    )
    # ... words (jieba tokens)
    type_query(qtbot, page, "抱歉")
    assert page.rows and all(f.match == "words" and "抱歉" in f.record.text for f in page.rows[:3])
    assert page.view.tree.topLevelItem(0).child(0).child(0).text(3) == "词语"  # the match kind is shown
    screenshot(page, "phrases_page_search_words")

    # the scene filter narrows the results
    page.view.scene_combo.setCurrentIndex(page.view.scene_combo.findData("投诉安抚"))
    settle(qtbot, page)
    assert page.rows and {f.record.scene for f in page.rows} == {"投诉安抚"}

    # copy to the clipboard
    assert page.select_key(page.rows[0].record.key)
    qtbot.mouseClick(page.view.copy_button, Qt.MouseButton.LeftButton)
    assert QApplication.clipboard().text() == page.rows[0].record.text


def test_a_banned_word_is_shown_inline_and_needs_a_justification(
    qtbot: Any, make_page: Any, seeded: Any, screenshot: Any
) -> None:
    page = make_page()
    type_query(qtbot, page, "yb2")
    record = page.rows[0].record
    assert page.select_key(record.key)
    qtbot.mouseClick(page.view.edit_button, Qt.MouseButton.LeftButton)
    dialog = page.dialog
    assert isinstance(dialog, PhraseEditorDialog)
    v = dialog.view
    assert not v.justification_edit.isVisible()

    # WHEN the trainer writes an absolute term and an off-platform hint
    v.text_edit.setPlainText("{顾客昵称}您好，这是全网最好的香氛，加微信还有小礼物")
    dialog.run_lint()
    # THEN every hit is highlighted in the text and listed with its reason
    assert "最好" in dialog.highlighted_words() and "加微信" in dialog.highlighted_words()
    assert v.hits_view.isVisible() and "绝对化" in v.hits_view.toPlainText()
    assert v.justification_edit.isVisible()
    screenshot(dialog, "phrase_editor_lint_hits")

    # saving without a justification is refused inline
    qtbot.mouseClick(v.save_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and "理由" in v.error_label.text()
    assert not dialog.saving

    # with one it is kept, and the justification is stored
    v.justification_edit.setPlainText("品牌方提供的活动原文，法务已审核")
    with qtbot.waitSignal(dialog.saved, timeout=10000):
        qtbot.mouseClick(v.save_button, Qt.MouseButton.LeftButton)
    settle(qtbot, page)
    stored = seeded.phrases.get_team(page.ctx.actor, record.key)
    assert "最好" in stored.text and stored.lint_justification == "品牌方提供的活动原文，法务已审核"

    # placeholders buttons insert at the cursor
    dialog2 = PhraseEditorDialog(page.ctx, "team", None, brands=page.brands)
    qtbot.addWidget(dialog2)
    dialog2.view.placeholder_buttons[1].click()
    assert dialog2.view.text_edit.toPlainText() == "{商品名}"


def test_an_agent_cannot_keep_a_banned_word(qtbot: Any, make_page: Any) -> None:
    page = make_page("kefu")
    assert not page.view.releases_button.isVisible() and not page.view.banner.isVisible()
    assert not page.view.new_button.isEnabled()  # the team library is the trainers'
    page.view.scope_tabs.setCurrentIndex(1)
    settle(qtbot, page)
    qtbot.mouseClick(page.view.new_button, Qt.MouseButton.LeftButton)
    dialog = page.dialog
    dialog.view.intent_edit.setText("催单")
    dialog.view.shortcut_edit.setText("wo1")
    dialog.view.text_edit.setPlainText("这是第一名的爆款")
    dialog.run_lint()
    assert not dialog.view.justification_edit.isVisible()
    qtbot.mouseClick(dialog.view.save_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and "不能保存" in dialog.view.error_label.text()


def test_an_agent_adds_a_personal_phrase(qtbot: Any, make_page: Any, seeded: Any, screenshot: Any) -> None:
    page = make_page("kefu")
    page.view.scope_tabs.setCurrentIndex(1)
    settle(qtbot, page)
    assert page.rows == []
    qtbot.mouseClick(page.view.new_button, Qt.MouseButton.LeftButton)
    dialog = page.dialog
    v = dialog.view
    v.scene_combo.setCurrentIndex(v.scene_combo.findData("催付"))
    v.intent_edit.setText("提醒付款")
    v.shortcut_edit.setText("wcf1")
    v.placeholder_buttons[0].click()
    v.text_edit.insertPlainText("，您拍下的{商品名}还没付款哦，今天下单明天发货～")
    v.tags_edit.setText("自用、催付")
    with qtbot.waitSignal(dialog.saved, timeout=10000):
        qtbot.mouseClick(v.save_button, Qt.MouseButton.LeftButton)
    settle(qtbot, page)
    assert [f.record.shortcut for f in page.rows] == ["wcf1"]
    assert page.selected() is not None and page.selected().scope == "personal"
    assert [r.tags for r in seeded.phrases.list_personal(page.ctx.actor)] == [("自用", "催付")]
    # search within my phrases
    type_query(qtbot, page, "wcf")
    assert matches(page) == [("wcf1", "shortcut_prefix")]
    screenshot(page, "phrases_page_personal")


def test_publish_diff_and_rollback(qtbot: Any, make_page: Any, seeded: Any, screenshot: Any) -> None:
    page = make_page()
    trainer = page.ctx.actor
    qtbot.mouseClick(page.view.releases_button, Qt.MouseButton.LeftButton)
    dialog = page.dialog
    assert isinstance(dialog, ReleaseDialog)
    qtbot.waitUntil(lambda: not dialog.busy, timeout=10000)
    v = dialog.view

    # publish the first release
    v.tabs.setCurrentIndex(1)
    v.version_edit.setText("2026.12.1")
    v.notes_edit.setPlainText("第一版：整理全部迎宾和售后话术")
    screenshot(dialog, "phrase_release_publish")
    qtbot.mouseClick(v.publish_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(dialog.releases) == 1 and not dialog.busy, timeout=10000)
    settle(qtbot, page)
    assert not page.view.banner.isVisible()  # released today: no reminder

    # the team revises a wording and publishes again
    original = next(r for r in seeded.phrases.list_team(trainer) if r.shortcut == "cf51")
    assert "核对" in original.text
    revised = original.text.replace("核对", "确认") + "有什么可以帮您的吗？"
    seeded.phrases.save_team(trainer, _edit(original.item, text=revised))
    v.version_edit.setText("2026.12.2")
    v.notes_edit.setPlainText("第二版：问候语更完整")
    qtbot.mouseClick(v.publish_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(dialog.releases) == 2 and not dialog.busy, timeout=10000)

    # the diff between the two highlights the changed words
    v.tabs.setCurrentIndex(2)
    v.old_combo.setCurrentIndex(v.old_combo.findData("2026.12.1"))
    v.new_combo.setCurrentIndex(v.new_combo.findData("2026.12.2"))
    qtbot.mouseClick(v.diff_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.diff is not None, timeout=10000)
    assert [c.key for c in dialog.diff.changed] == [original.key]
    html = v.diff_view.toHtml()
    assert "帮您" in html and "#c8f7c5" in html  # the inserted words on green
    assert "#ffd6d6" in html and "line-through" in html  # the deleted ones struck through on red
    ops = dialog.diff.changed[0].text_ops
    assert any(op.old == "核对" for op in ops) and any("确认" in op.new for op in ops)
    assert "修改 1 条" in v.diff_summary.text()
    screenshot(dialog, "phrase_release_diff")

    # roll back to the first release: published as a new release, the library is back
    v.tabs.setCurrentIndex(0)
    v.release_table.selectRow(1)
    assert dialog.selected_version() == "2026.12.1"
    v.rollback_version_edit.setText("2026.12.3")
    qtbot.mouseClick(v.rollback_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(dialog.releases) == 3 and not dialog.busy, timeout=10000)
    newest = dialog.releases[0]
    assert (newest.version, newest.source, newest.rollback_of) == ("2026.12.3", "rollback", "2026.12.1")
    assert seeded.phrases.get_team(trainer, original.key).text == original.text
    screenshot(dialog, "phrase_release_list")


def test_export_and_import_a_release_zip(
    qtbot: Any, make_page: Any, seeded: Any, fake_prompts: Any, tmp_path: Path
) -> None:
    page = make_page()
    seeded.phrases.publish(page.ctx.actor, "2026.12.1", "第一版")
    qtbot.mouseClick(page.view.releases_button, Qt.MouseButton.LeftButton)
    dialog = page.dialog
    qtbot.waitUntil(lambda: len(dialog.releases) == 1 and not dialog.busy, timeout=10000)
    out = tmp_path / "out"
    out.mkdir()
    fake_prompts.directory = out
    qtbot.mouseClick(dialog.view.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.busy, timeout=10000)
    zips = list(out.glob("*.cstrainer-phrases.zip"))
    assert [z.name for z in zips] == ["2026.12.1.cstrainer-phrases.zip"]
    assert "已导出" in dialog.view.status_label.text()
    # importing the same release again changes nothing and says so
    fake_prompts.open_file = zips[0]
    qtbot.mouseClick(dialog.view.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.busy, timeout=10000)
    assert "已有版本 2026.12.1" in dialog.view.status_label.text()
    # a tampered file is refused with the reason
    bad = tmp_path / "bad.cstrainer-phrases.zip"
    bad.write_bytes(b"not a zip")
    fake_prompts.open_file = bad
    qtbot.mouseClick(dialog.view.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.busy, timeout=10000)
    assert "拒绝" in dialog.view.status_label.text()
    assert len(seeded.phrases.list_releases(page.ctx.actor)) == 1


def test_an_agent_sees_what_changed_and_takes_the_quiz(
    qtbot: Any, make_page: Any, seeded: Any, screenshot: Any
) -> None:
    # GIVEN two releases, the second changing two wordings and a shortcut
    trainer = login(seeded, "peixun")
    phrases = seeded.phrases
    phrases.publish(trainer, "2026.12.1", "第一版")
    team = [r for r in phrases.list_team(trainer) if r.brand in (None, "qinyu")]
    a, b = team[0], team[5]
    phrases.save_team(trainer, _edit(a.item, text="亲，欢迎光临小屿的店～有什么想了解的尽管问我哦"))
    phrases.save_team(trainer, _edit(b.item, shortcut=b.shortcut + "x"))
    phrases.publish(trainer, "2026.12.2", "评审会：问候语更亲切")

    # WHEN the agent opens the page
    page = make_page("kefu")
    qtbot.waitUntil(lambda: isinstance(page.dialog, WhatChangedDialog), timeout=10000)
    dialog = page.dialog
    v = dialog.view
    assert "2026.12.2" in v.title_label.text()
    assert "修改 2 条" in v.notes_label.text()
    assert "#c8f7c5" in v.diff_view.toHtml()
    screenshot(dialog, "phrase_whats_new_changes")

    # THEN a quiz on the changes; answering right scores full marks
    assert dialog.quiz
    for number, question in enumerate(dialog.quiz):
        dialog.choose(number, question.answer)
    v.tabs.setCurrentIndex(1)
    qtbot.mouseClick(v.submit_button, Qt.MouseButton.LeftButton)
    assert dialog.score == len(dialog.quiz)
    assert v.score_label.text() == f"得分：{len(dialog.quiz)} / {len(dialog.quiz)}"
    screenshot(dialog, "phrase_whats_new_quiz")
    page.ctx.runner.wait_until_idle(10)
    assert phrases.what_changed_since_seen(page.ctx.actor) is None  # seen: not shown again
    dialog.close()


@pytest.mark.shipped_releases
def test_a_new_agent_sees_the_shipped_release_changes(qtbot: Any, make_page: Any) -> None:
    # GIVEN the sample library with its two shipped releases WHEN an agent opens the page
    page = make_page("kefu")
    # THEN 本次更新 shows what 2026.11.2 changed against 2026.11.1
    qtbot.waitUntil(lambda: isinstance(page.dialog, WhatChangedDialog), timeout=10000)
    dialog = page.dialog
    assert "2026.11.2" in dialog.view.title_label.text()
    assert dialog.quiz
    dialog.close()


# --- the role-play chat's quick phrases ---------------------------------------------------------------


def test_the_chat_inserts_a_library_phrase_with_placeholders_filled(
    qtbot: Any, seeded: Any, runner: Any, screenshot: Any
) -> None:
    from cstrainer.gui.pages.roleplay_chat import LIBRARY_ROLE, ChatOptions
    from cstrainer.gui.pages.roleplay_page import RolePlayPage
    from cstrainer.speech import FakeSpeaker

    speaker = FakeSpeaker()
    options = ChatOptions(typing_scale=0.0, speaker_factory=lambda: speaker, seed=1)
    agent = login(seeded, "kefu")
    page = RolePlayPage(PageContext(seeded, runner, agent), options=options)
    page.resize(1240, 760)
    qtbot.addWidget(page)
    page.show()
    page.page_shown()
    qtbot.waitUntil(lambda: page.loaded, timeout=20000)
    page.select_keys({"qinyu-leaking-bottle"})
    qtbot.mouseClick(page.picker.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.flow.chat is not None, timeout=20000)
    chat = page.flow.chat
    qtbot.waitUntil(lambda: chat.state == "waiting", timeout=10000)
    runner.wait_until_idle(20)
    suggested = chat.view.phrase_list.count()

    # WHEN the agent types a shortcut of the library
    chat.view.phrase_search.setText("yb2")
    qtbot.waitUntil(lambda: bool(chat.library_hits), timeout=10000)
    lst = chat.view.phrase_list
    library = [lst.item(i) for i in range(lst.count()) if lst.item(i).data(LIBRARY_ROLE) is not None]
    assert library and lst.count() == suggested + len(library)  # suggestions stay on top
    item = library[0]
    assert "{顾客昵称}" in item.data(Qt.ItemDataRole.UserRole)
    key, scope = item.data(LIBRARY_ROLE)
    screenshot(page, "roleplay_chat_library_phrases")

    # THEN inserting fills the customer's nickname and counts the use
    lst.itemDoubleClicked.emit(item)
    text = chat.view.input.toPlainText()
    assert "{顾客昵称}" not in text and chat.session.customer_name in text
    runner.wait_until_idle(10)
    team = {r.key: r for r in seeded.phrases.list_team(agent)}
    assert scope == "team" and team[key].usage_count == 1


# --- the app-open hook: "本次更新" and the release reminder in the main window -----------------------


@pytest.mark.shipped_releases
def test_after_login_an_agent_sees_what_changed_in_the_main_window(
    qtbot: Any, seeded: Any, runner: Any, screenshot: Any
) -> None:
    from cstrainer.gui.main_window import MainWindow

    # GIVEN the shipped releases WHEN the agent logs in (the app turns the notices on)
    window = MainWindow(seeded, runner, login(seeded, "kefu"), startup_notices=True)
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    # THEN "本次更新" opens over the main window, without blocking it
    qtbot.waitUntil(lambda: isinstance(window.news_dialog, WhatChangedDialog), timeout=10000)
    dialog = window.news_dialog
    assert isinstance(dialog, WhatChangedDialog) and "2026.11.2" in dialog.view.title_label.text()
    assert window.current_key() is not None
    screenshot(dialog, "main_window_whats_new")
    dialog.close()
    runner.wait_until_idle(10)
    assert seeded.phrases.what_changed_since_seen(window.ctx.actor) is None  # not shown again
    window.close()


def test_after_login_a_trainer_sees_the_release_reminder(
    qtbot: Any, seeded: Any, runner: Any, screenshot: Any
) -> None:
    from cstrainer.gui.main_window import MainWindow

    window = MainWindow(seeded, runner, login(seeded, "peixun"), startup_notices=True)
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    label = window.view.reminder_label
    qtbot.waitUntil(lambda: label.isVisible(), timeout=10000)
    assert "还没有发布过版本" in label.text()
    assert window.news_dialog is None  # trainers publish; they get no quiz
    screenshot(window, "main_window_release_reminder")
    window.close()


def test_without_startup_notices_the_main_window_asks_nothing(qtbot: Any, seeded: Any, runner: Any) -> None:
    from cstrainer.gui.main_window import MainWindow

    seeded.phrases.publish(login(seeded, "peixun"), "2026.12.1", "第一版")
    window = MainWindow(seeded, runner, login(seeded, "kefu"))
    qtbot.addWidget(window)
    window.show()
    runner.wait_until_idle(10)
    qtbot.wait(50)
    assert window.news_dialog is None and not window.view.reminder_label.isVisible()
    window.close()


# --- table import (preview first) and export -----------------------------------------------------------


def _csv(tmp_path: Path, rows: list[str]) -> Path:
    path = tmp_path / "千牛快捷短语.csv"
    path.write_text("分组,快捷编码,内容,品牌,标签,意图,编号\n" + "\n".join(rows) + "\n", encoding="utf-8-sig")
    return path


def test_import_a_table_shows_the_preview_then_imports(
    qtbot: Any, make_page: Any, seeded: Any, tmp_path: Path, fake_prompts: Any, screenshot: Any
) -> None:
    from cstrainer.gui.pages.phrase_import_dialog import PhraseImportDialog

    # GIVEN a Qianniu table with a new phrase, a changed one and a flagged one
    trainer = login(seeded, "peixun")
    old = next(r for r in seeded.phrases.list_team(trainer) if r.brand == "qinyu")
    changed = f"{old.scene},{old.shortcut},{old.text}（已更新）,qinyu,,{old.intent},{old.key}"
    fake_prompts.open_file = _csv(
        tmp_path,
        [
            "送别,zzb1,亲，感谢您的光临，欢迎下次再来小屿家～,qinyu,送别,送别,qy-import-bye",
            changed,
            "推荐,zzt1,这款是全网最好用的洗衣液哦,qinyu,,主推,qy-import-best",
        ],
    )
    page = make_page("peixun")
    assert page.view.import_button.isVisible() and page.view.export_button.isVisible()
    # WHEN the trainer chooses the file
    qtbot.mouseClick(page.view.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: isinstance(page.dialog, PhraseImportDialog), timeout=10000)
    dialog = page.dialog
    v = dialog.view
    # THEN the dry run is shown first: counts, the flagged wording and its reason
    assert "新增 2 条、修改 1 条" in v.summary_label.text()
    assert "含违规用语" in v.details.toPlainText() and "最" in v.details.toPlainText()
    assert v.justification_edit.isVisible() and not v.import_button.isEnabled()
    assert "qy-import-bye" not in {r.key for r in seeded.phrases.list_team(trainer)}
    screenshot(dialog, "phrase_import_preview")
    # WHEN a justification is written and 导入 clicked THEN everything is imported
    v.justification_edit.setText("第三方检测报告可证")
    assert v.import_button.isEnabled()
    qtbot.mouseClick(v.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.import_result is not None, timeout=10000)
    library = {r.key: r for r in seeded.phrases.list_team(trainer)}
    assert {"qy-import-bye", "qy-import-best"} <= set(library)
    assert library[old.key].text.endswith("（已更新）")
    assert library["qy-import-best"].lint_justification == "第三方检测报告可证"
    type_query(qtbot, page, "zzb1")
    qtbot.waitUntil(lambda: [f.record.key for f in page.rows][:1] == ["qy-import-bye"], timeout=20000)


def test_a_bad_table_lists_every_problem_and_cannot_be_imported(
    qtbot: Any, make_page: Any, seeded: Any, tmp_path: Path, fake_prompts: Any, screenshot: Any
) -> None:
    from cstrainer.gui.pages.phrase_import_dialog import PhraseImportDialog

    fake_prompts.open_file = _csv(
        tmp_path,
        [
            "送别,zzb1,感谢光临～,qinyu,,,qy-a",
            "没有这个场景,zzb2,你好,qinyu,,,qy-b",
            "送别,zzb1,重复,qinyu,,,qy-c",
        ],
    )
    page = make_page("peixun")
    qtbot.mouseClick(page.view.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: isinstance(page.dialog, PhraseImportDialog), timeout=10000)
    v = page.dialog.view
    text = v.details.toPlainText()
    assert "千牛快捷短语.csv 第 3 行 A 列（分组）" in text and "第 4 行 B 列（快捷编码）" in text
    assert "不能导入" in v.summary_label.text() and not v.import_button.isEnabled()
    assert not v.justification_edit.isVisible()
    screenshot(page.dialog, "phrase_import_problems")
    page.dialog.close()


def test_export_the_team_library_of_one_brand(
    qtbot: Any, make_page: Any, seeded: Any, tmp_path: Path, fake_prompts: Any
) -> None:
    from cstrainer.formats.phrase_table import parse_phrase_xlsx

    page = make_page("peixun")
    combo = page.view.brand_combo
    combo.setCurrentIndex(combo.findData("qinyu"))
    settle(qtbot, page)
    fake_prompts.save_file = tmp_path / "沁屿话术.xlsx"
    qtbot.mouseClick(page.view.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: fake_prompts.save_file.exists(), timeout=10000)
    page.ctx.runner.wait_until_idle(10)
    items = parse_phrase_xlsx(fake_prompts.save_file).phrases
    trainer = login(seeded, "peixun")
    assert len(items) == len(seeded.phrases.list_team(trainer, brand="qinyu"))
    assert {it.brand for it in items} <= {None, "qinyu"}


def test_agents_do_not_get_the_import_button(make_page: Any) -> None:
    page = make_page("kefu")
    assert not page.view.import_button.isVisible()
    page.close()


# --- 评论 / 建议 on a team phrase ------------------------------------------------------------------------


def _select_first_team_phrase(qtbot: Any, page: PhrasesPage, key: str) -> None:
    assert page.select_key(key)
    qtbot.waitUntil(lambda: page.review.record is not None and not page.review.loading, timeout=10000)


def test_an_agent_comments_and_proposes_and_the_trainer_accepts(
    qtbot: Any, make_page: Any, seeded: Any, screenshot: Any
) -> None:
    trainer = login(seeded, "peixun")
    target = next(r for r in seeded.phrases.list_team(trainer) if r.brand == "qinyu")
    better = "亲，在的呢～小屿马上帮您看看，请稍等一下下哦"

    # GIVEN an agent on the team tab WHEN they comment and propose a wording for a phrase
    page = make_page("kefu")
    panel = page.review
    v = panel.view
    assert page.view.review_holder.isVisible()
    _select_first_team_phrase(qtbot, page, target.key)
    assert target.text in v.phrase_label.text()
    assert not v.accept_button.isVisible()  # agents do not decide
    v.text_edit.setPlainText("这句有点生硬，顾客反馈像机器人")
    qtbot.mouseClick(v.comment_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(panel.comments) == 1, timeout=10000)
    v.text_edit.setPlainText(better)
    qtbot.mouseClick(v.propose_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(panel.comments) == 2, timeout=10000)
    assert [c.kind for c in panel.comments] == ["comment", "proposal"]
    assert "[建议话术] 待处理" in v.thread_list.item(1).text() and v.text_edit.toPlainText() == ""
    # a flagged wording is refused with the reason, nothing is stored
    v.text_edit.setPlainText("这款是全网最好用的哦")
    qtbot.mouseClick(v.propose_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "违规用语" in v.status_label.text(), timeout=10000)
    assert len(seeded.phrase_review.list_for_phrase(trainer, target.key)) == 2
    screenshot(page, "phrase_review_agent")
    page.close()

    # WHEN the trainer opens the thread and accepts the proposal
    page = make_page("peixun")
    panel = page.review
    v = panel.view
    _select_first_team_phrase(qtbot, page, target.key)
    proposal = next(c for c in panel.comments if c.kind == "proposal")
    assert panel.select_comment(proposal.id)
    assert v.accept_button.isVisible() and v.accept_button.isEnabled()
    qtbot.mouseClick(v.accept_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: not panel.busy and any(c.status == "accepted" for c in panel.comments), timeout=10000
    )
    # THEN the phrase has the proposed wording and the proposal is marked accepted
    assert seeded.phrases.get_team(trainer, target.key).text == better
    assert better in v.phrase_label.text()
    # and the comment can be rejected (dismissed) without touching the phrase
    comment = next(c for c in panel.comments if c.kind == "comment")
    assert panel.select_comment(comment.id)
    qtbot.mouseClick(v.reject_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: any(c.status == "rejected" for c in panel.comments), timeout=10000)
    assert seeded.phrases.get_team(trainer, target.key).text == better
    settle(qtbot, page)
    screenshot(page, "phrase_review_trainer")


def test_the_review_panel_is_hidden_for_personal_phrases(qtbot: Any, make_page: Any) -> None:
    page = make_page("kefu")
    page.view.scope_tabs.setCurrentIndex(1)
    settle(qtbot, page)
    assert not page.view.review_holder.isVisible() and page.review.record is None
