"""The save-conflict dialog in the question, scenario and phrase editors: a colleague saved first,
the dialog shows both versions field by field, and each of its three actions does what it says."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest

from cstrainer.domain.phrases import PhraseItem
from cstrainer.domain.scenario import ScenarioDef
from cstrainer.gui.context import PageContext
from cstrainer.gui.pages.phrase_editor import PhraseEditorDialog
from cstrainer.gui.pages.question_editor import QuestionEditorDialog
from cstrainer.gui.pages.scenario_editor import ScenarioEditorDialog
from cstrainer.gui.widgets.conflict_dialog import KEEP_EDITING, LOAD_THEIRS, OVERWRITE, ConflictDialog
from cstrainer.services import SYSTEM
from cstrainer.services.errors import EditConflict, EditSide
from tests.gui.conftest import MANAGER, TRAINER
from tests.services.exam_fixtures import QUESTIONS
from tests.services.roleplay_fixtures import scenario_item

WELCOME = PhraseItem(
    "qy-welcome",
    "qinyu",
    "迎宾",
    "问候",
    "hy1",
    "亲，欢迎光临沁屿官方旗舰店～请问有什么可以帮您？",
    ("问候",),
)


@pytest.fixture
def world(services: Any, runner: Any, login_as: Any) -> Iterator[dict[str, Any]]:
    services.questions.save(SYSTEM, QUESTIONS[0])  # t-single
    services.phrases.save_team(SYSTEM, WELCOME)
    services.roleplay.save_scenario(SYSTEM, ScenarioDef.from_dict(scenario_item()), None)
    me, boss = login_as(TRAINER), login_as(MANAGER)
    yield {"s": services, "ctx": PageContext(services, runner, me), "me": me, "boss": boss}


def idle(qtbot: Any, editor: Any) -> None:
    qtbot.waitUntil(lambda: editor.ctx.runner.is_idle() and not getattr(editor, "busy", False), timeout=20000)


def conflict_shown(qtbot: Any, editor: Any) -> ConflictDialog:
    qtbot.waitUntil(
        lambda: editor.conflict_dialog is not None and editor.conflict_dialog.isVisible(), timeout=20000
    )
    idle(qtbot, editor)
    dialog = editor.conflict_dialog
    assert dialog is not None
    return dialog


def shot(qtbot: Any, screenshot: Any, widget: Any, name: str) -> None:
    qtbot.wait(80)
    screenshot(widget, name)


# --- the dialog on its own ---------------------------------------------------------------------------


def test_the_dialog_shows_both_sides_and_highlights_differences(qtbot: Any, screenshot: Any) -> None:
    conflict = EditConflict(
        "phrase",
        "qy-welcome",
        title="问候",
        mine=EditSide(3, {"场景": "迎宾", "内容": "您好，我是小屿～", "标签": "问候"}),
        theirs=EditSide(
            4, {"场景": "迎宾", "内容": "亲，满 99 元包邮哦", "标签": "问候、包邮"}, "王芳（wangfang）"
        ),
        latest=object(),
    )
    dialog = ConflictDialog(conflict)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.highlighted_fields() == ["内容", "标签"]
    assert dialog.visible_fields() == ["内容", "标签"]  # only the differences by default
    dialog.only_changes_check.setChecked(False)
    assert dialog.visible_fields() == ["场景", "内容", "标签"]
    header = [dialog.table.horizontalHeaderItem(i).text() for i in range(3)]
    assert header[1] == "我的版本（在第 3 版上修改，未保存）"
    assert header[2].startswith("最新版本（第 4 版 · 王芳（wangfang）")
    assert dialog.message_label.text() == str(conflict)
    chosen: list[str] = []
    dialog.decided.connect(chosen.append)
    dialog.reject()  # Esc: keep editing, nothing saved
    assert chosen == [KEEP_EDITING]


def test_a_deleted_item_can_only_be_kept_in_the_editor(qtbot: Any) -> None:
    conflict = EditConflict("phrase", "qy-gone", mine=EditSide(2, {"内容": "改过的话术"}), theirs=None)
    dialog = ConflictDialog(conflict)
    qtbot.addWidget(dialog)
    assert not dialog.overwrite_button.isEnabled() and not dialog.load_button.isEnabled()
    assert dialog.keep_button.isEnabled() and "已被删除" in dialog.message_label.text()


# --- in the question editor ------------------------------------------------------------------------


def test_question_editor_conflict_actions(
    qtbot: Any, world: dict[str, Any], fake_prompts: Any, screenshot: Any
) -> None:
    s, boss = world["s"], world["boss"]
    editor = QuestionEditorDialog(world["ctx"], "t-single")
    qtbot.addWidget(editor)
    editor.show()
    qtbot.waitUntil(lambda: editor.loaded, timeout=20000)
    idle(qtbot, editor)

    def colleague_saves(text: str) -> None:
        q = s.questions.get(boss, "t-single")
        s.questions.save(boss, q.with_changes(explanation=text), base=q)

    # GIVEN a colleague saved first WHEN I save my edit THEN the dialog shows both versions
    colleague_saves("2L 装日常价 59.9 元，大促到手 49.9 元。")
    editor.view.explanation_edit.setPlainText("2L 装标价 59.9 元，会员再减 5 元。")
    editor.save()
    dialog = conflict_shown(qtbot, editor)
    assert dialog.highlighted_fields() == ["解析"]
    assert "张伟（boss）" in dialog.message_label.text() and "保存冲突" in editor.view.conflict_label.text()
    shot(qtbot, screenshot, dialog, "conflict_dialog_question")
    # 继续编辑: nothing saved, my text stays
    dialog.keep_button.click()
    assert dialog.action == KEEP_EDITING and not dialog.isVisible()
    assert editor.view.explanation_edit.toPlainText() == "2L 装标价 59.9 元，会员再减 5 元。"
    assert s.questions.get(boss, "t-single").explanation == "2L 装日常价 59.9 元，大促到手 49.9 元。"
    # 用我的版本覆盖, but the person says no to the confirmation: still nothing saved
    editor.save()
    dialog = conflict_shown(qtbot, editor)
    fake_prompts.confirm_answer = False
    dialog.overwrite_button.click()
    assert dialog.isVisible() and dialog.action is None and "覆盖" in fake_prompts.confirms[-1]
    assert s.questions.get(boss, "t-single").explanation == "2L 装日常价 59.9 元，大促到手 49.9 元。"
    # ... and says yes: saved over the colleague's version, knowingly
    fake_prompts.confirm_answer = True
    dialog.overwrite_button.click()
    assert dialog.action == OVERWRITE
    idle(qtbot, editor)
    assert s.questions.get(boss, "t-single").explanation == "2L 装标价 59.9 元，会员再减 5 元。"
    assert not editor.dirty and not editor.view.conflict_label.isVisible()
    # 放弃我的修改并载入最新
    colleague_saves("以商品详情页标价为准：59.9 元。")
    editor.view.explanation_edit.setPlainText("我的第三次修改")
    editor.save()
    dialog = conflict_shown(qtbot, editor)
    dialog.load_button.click()
    assert dialog.action == LOAD_THEIRS
    assert editor.view.explanation_edit.toPlainText() == "以商品详情页标价为准：59.9 元。"
    assert not editor.dirty and "已载入" in editor.view.message_label.text()
    # a save now goes through against the loaded version
    editor.view.explanation_edit.setPlainText("以商品详情页标价为准：59.9 元（2L 装）。")
    editor.save()
    idle(qtbot, editor)
    assert s.questions.get(boss, "t-single").explanation == "以商品详情页标价为准：59.9 元（2L 装）。"


# --- in the scenario editor ------------------------------------------------------------------------


def test_scenario_editor_conflict_actions(
    qtbot: Any, world: dict[str, Any], fake_prompts: Any, screenshot: Any
) -> None:
    s, boss = world["s"], world["boss"]
    editor = ScenarioEditorDialog(world["ctx"], "rp-test")
    qtbot.addWidget(editor)
    editor.resize(1280, 800)
    editor.show()
    qtbot.waitUntil(lambda: editor.loaded and not editor.validating, timeout=20000)
    idle(qtbot, editor)

    def colleague_saves(goal: str) -> None:
        rec = s.roleplay.scenario_record(boss, "rp-test")
        data = rec.definition.to_dict()
        data["goal"] = goal
        s.roleplay.save_scenario(boss, ScenarioDef.from_dict(data), rec.version)

    colleague_saves("先道歉，再给补发方案，顾客满意收尾")
    editor.view.goal_edit.setPlainText("道歉并给出全额退款方案")
    editor.save()
    dialog = conflict_shown(qtbot, editor)
    assert dialog.highlighted_fields() == ["目标"]
    dialog.only_changes_check.setChecked(False)
    assert "轮次 t1" in dialog.visible_fields()
    shot(qtbot, screenshot, dialog, "conflict_dialog_scenario")
    dialog.keep_button.click()
    assert editor.view.goal_edit.toPlainText() == "道歉并给出全额退款方案" and editor.dirty
    # overwrite, confirmed
    editor.save()
    dialog = conflict_shown(qtbot, editor)
    dialog.overwrite_button.click()
    idle(qtbot, editor)
    stored = s.roleplay.scenario_record(boss, "rp-test")
    assert stored.definition.goal == "道歉并给出全额退款方案" and stored.version == 3
    assert editor.expected_version == 3 and not editor.dirty
    # load theirs
    colleague_saves("道歉、拍照留证，再给退款")
    editor.view.goal_edit.setPlainText("我的草稿")
    editor.save()
    dialog = conflict_shown(qtbot, editor)
    dialog.load_button.click()
    qtbot.waitUntil(lambda: not editor.validating, timeout=20000)
    idle(qtbot, editor)
    assert editor.view.goal_edit.toPlainText() == "道歉、拍照留证，再给退款"
    assert editor.expected_version == 4 and not editor.dirty


# --- in the phrase editor --------------------------------------------------------------------------


def test_phrase_editor_conflict_actions(qtbot: Any, world: dict[str, Any], screenshot: Any) -> None:
    s, boss, ctx = world["s"], world["boss"], world["ctx"]
    brands = [("qinyu", "沁屿"), ("qingkuo", "轻廓")]

    def open_editor() -> PhraseEditorDialog:
        editor = PhraseEditorDialog(ctx, "team", s.phrases.get_team(ctx.actor, "qy-welcome"), brands=brands)
        qtbot.addWidget(editor)
        editor.show()
        return editor

    def colleague_saves(text: str) -> None:
        rec = s.phrases.get_team(boss, "qy-welcome")
        s.phrases.save_team(boss, replace(rec.item, text=text), expected_version=rec.version)

    # keep editing, then overwrite
    editor = open_editor()
    saved: list[Any] = []
    editor.saved.connect(saved.append)
    colleague_saves("亲，欢迎光临沁屿～今天下单满 99 元包邮哦")
    editor.view.text_edit.setPlainText("您好，我是小屿～很高兴为您服务")
    editor.save()
    qtbot.waitUntil(
        lambda: editor.conflict_dialog is not None and editor.conflict_dialog.isVisible(), timeout=20000
    )
    dialog = editor.conflict_dialog
    assert dialog is not None and dialog.highlighted_fields() == ["内容"]
    shot(qtbot, screenshot, dialog, "conflict_dialog_phrase")
    dialog.keep_button.click()
    assert editor.isVisible() and not saved and "已被" in editor.view.error_label.text()
    editor.save()
    qtbot.waitUntil(
        lambda: editor.conflict_dialog is not None and editor.conflict_dialog.isVisible(), timeout=20000
    )
    dialog = editor.conflict_dialog
    assert dialog is not None
    dialog.overwrite_button.click()
    qtbot.waitUntil(lambda: bool(saved), timeout=20000)
    stored = s.phrases.get_team(boss, "qy-welcome")
    assert stored.text == "您好，我是小屿～很高兴为您服务" and stored.version == 3
    # load theirs
    editor = open_editor()
    colleague_saves("亲，在的～有什么可以帮您？")
    editor.view.text_edit.setPlainText("我的草稿")
    editor.save()
    qtbot.waitUntil(
        lambda: editor.conflict_dialog is not None and editor.conflict_dialog.isVisible(), timeout=20000
    )
    dialog = editor.conflict_dialog
    assert dialog is not None
    dialog.load_button.click()
    assert editor.view.text_edit.toPlainText() == "亲，在的～有什么可以帮您？"
    assert editor.record is not None and editor.record.version == 4 and editor.isVisible()
