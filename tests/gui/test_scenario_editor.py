"""The 场景编辑 page, the scenario editor and its flow graph (trainer side).

The database is the shipped content (scenarios included) plus the demo accounts (trainer
``peixun``, trainee ``xinren``, password demo1234), built once per session and copied per test.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from cstrainer.gui.context import PageContext
from cstrainer.gui.pages.registry import REGISTRY
from cstrainer.gui.pages.scenario_editor import (
    TURN_FIELDS,
    Issue,
    ScenarioEditorDialog,
    blank_scenario,
    duplicate_of,
    field_name,
    split_list,
)
from cstrainer.gui.pages.scenario_editor_page import ScenarioEditorPage
from cstrainer.gui.qt import QPointF, Qt
from cstrainer.gui.widgets.scenario_graph import FlowTurn, analyse_flow

pytestmark = pytest.mark.gui

DEMO_PASSWORD = "demo1234"
SHOTS_SIZE = (1240, 760)  # what is left of a 1280x800 screen inside the main window
LEAK = "qinyu-leaking-bottle"


# --- a seeded database, built once ---------------------------------------------------------------------


@pytest.fixture
def seeded(seeded_copy: Any) -> Any:
    return seeded_copy


def login(services: Any, who: str) -> Any:
    return services.auth.login(who, DEMO_PASSWORD, source="test")


@pytest.fixture
def make_page(qtbot: Any, seeded: Any, runner: Any) -> Callable[..., ScenarioEditorPage]:
    def make(who: str = "peixun") -> ScenarioEditorPage:
        status: list[str] = []
        ctx = PageContext(seeded, runner, login(seeded, who), show_status=status.append)
        page = ScenarioEditorPage(ctx)
        page.status_messages = status  # type: ignore[attr-defined]
        page.resize(*SHOTS_SIZE)
        qtbot.addWidget(page)
        page.show()
        page.page_shown()
        qtbot.waitUntil(lambda: not page.loading and runner.is_idle(), timeout=20000)
        return page

    return make


def wait_editor(qtbot: Any, editor: ScenarioEditorDialog) -> None:
    qtbot.waitUntil(
        lambda: editor.loaded and not editor.validating and editor.ctx.runner.is_idle(), timeout=20000
    )


def refreshed(qtbot: Any, editor: ScenarioEditorDialog) -> None:
    editor.refresh()
    wait_editor(qtbot, editor)


def wait_saved(qtbot: Any, editor: ScenarioEditorDialog) -> None:
    qtbot.waitUntil(lambda: not editor.busy and editor.ctx.runner.is_idle(), timeout=20000)


def shot(qtbot: Any, screenshot: Any, widget: Any, name: str) -> None:
    qtbot.wait(80)  # nested layouts settle over a few event-loop turns
    screenshot(widget, name)


def choose(combo: Any, data: Any) -> None:
    index = combo.findData(data)
    assert index >= 0, data
    combo.setCurrentIndex(index)


def open_leak(qtbot: Any, page: ScenarioEditorPage) -> ScenarioEditorDialog:
    page.select_key(LEAK)
    assert page.selected_key() == LEAK
    editor = page.edit_selected()
    assert editor is not None
    wait_editor(qtbot, editor)
    return editor


# --- pure helpers ---------------------------------------------------------------------------------------


def test_form_helpers() -> None:
    assert split_list("抱歉、对不起, 不好意思，抱歉") == ["抱歉", "对不起", "不好意思"]
    assert field_name("turns[2].key_points[0].synonyms", TURN_FIELDS) == "key_points"
    assert field_name("turns[1].on_missed", TURN_FIELDS) == "on_missed"
    assert field_name("turns[1].impatient_wordings[0]", TURN_FIELDS) == "impatient_wordings"
    copied = duplicate_of({"key": "a", "title": "甲", "turns": []}, ["a", "a-copy"])
    assert (copied["key"], copied["title"]) == ("a-copy-2", "甲（副本）")
    assert blank_scenario("x")["turns"][0]["on_covered"] == "end:成交"


def test_flow_analysis_marks_unreachable_turns_and_dead_ends() -> None:
    turns = [
        FlowTurn("a", on_covered="b", on_missed="a"),
        FlowTurn("b", on_covered="end:成交", on_missed="c", on_forbidden="end:投诉"),
        FlowTurn("c", on_covered="c", on_missed="c"),  # loops for ever: no outcome from here
        FlowTurn("lost", on_covered="end:成交", on_missed="nowhere"),
    ]
    flow = analyse_flow(turns, "a")
    assert flow.depth == {"a": 0, "b": 1, "c": 2}
    assert flow.unreachable == {"lost"}
    assert flow.dead_ends == {"c"}
    assert flow.unknown_targets == {"nowhere"}
    assert flow.outcomes == ["成交", "投诉"]


# --- the list page --------------------------------------------------------------------------------------


def test_the_page_lists_and_filters_scenarios(make_page: Any, seeded: Any, screenshot: Any) -> None:
    page = make_page()
    total = len(seeded.roleplay.list_scenarios(page.ctx.actor))
    assert page.model.rowCount() == total >= 2
    assert LEAK in page.listed_keys()
    row = page.model.find(lambda s: s.key == LEAK)
    assert page.model.index(row, 2).data() == "沁屿"  # the brand's name, not its key
    v = page.view
    choose(v.stage_combo, "售后")
    assert page.model.rowCount() >= 1 and all(s.stage == "售后" for s in page.model.rows())
    v.search_edit.setText("漏液")
    assert page.listed_keys() == [LEAK] or LEAK in page.listed_keys()
    choose(v.stage_combo, "售前")
    assert LEAK not in page.listed_keys()
    choose(v.stage_combo, "\x00all")
    v.search_edit.clear()
    assert page.model.rowCount() == total
    assert f"共 {total} 个场景" in v.count_label.text()
    page.select_key(LEAK)
    assert v.edit_button.isEnabled() and v.duplicate_button.isEnabled()
    screenshot(page, "scenario_editor_page")


def test_only_trainers_and_managers_get_the_page(seeded: Any) -> None:
    from cstrainer.gui.pages import load_builtin_pages

    load_builtin_pages()
    spec = REGISTRY.get("scenario_editor")
    assert spec.display_title() == "场景编辑"
    assert spec.allows(login(seeded, "peixun"))
    assert not spec.allows(login(seeded, "xinren"))


# --- the editor -----------------------------------------------------------------------------------------


def test_open_edit_validate_and_save_a_shipped_scenario(
    qtbot: Any, make_page: Any, seeded: Any, screenshot: Any
) -> None:
    page = make_page()
    editor = open_leak(qtbot, page)
    v = editor.view
    assert v.title_edit.text() == "洗衣液漏液投诉（愤怒型顾客）"
    assert v.key_edit.isReadOnly()
    assert editor.turn_ids() == ["outburst", "angrier", "photos", "send-back", "refund"]
    assert v.turn_list.item(0).text().startswith("▶ outburst")
    assert editor.error_count() == 0, editor.issue_texts()
    # the graph: one box per turn, the outcomes used, arrows of three colours
    graph = v.graph
    assert set(graph.turn_items) == set(editor.turn_ids())
    assert set(graph.outcome_items) == {"投诉", "退款完成", "差评"}
    assert {kind for _s, kind, _t, _i in graph.edge_items} == {"on_covered", "on_missed", "on_forbidden"}
    assert "start" in graph.marks["outburst"]
    assert not any({"unreachable", "dead_end"} & m for m in graph.marks.values())
    v.tabs.setCurrentIndex(0)
    shot(qtbot, screenshot, editor, "scenario_editor_meta")

    # WHEN the trainer rewords the opening and sharpens a key point
    editor.select_turn("outburst")
    assert v.tabs.currentIndex() == 1
    assert v.wordings_edit.toPlainText().splitlines()[0].startswith("你们怎么发货的")
    v.wordings_edit.setPlainText("洗衣液漏了一箱子！你们怎么打包的？\n收到就漏了，气死了")
    table = v.key_points_table
    assert table.text(0, 0) == "apologize"
    table.set_text(0, 1, "抱歉、对不起、非常抱歉")
    table.set_text(0, 5, "亲，真的非常抱歉，让您收到这样的包裹。")
    refreshed(qtbot, editor)
    assert editor.dirty and editor.error_count() == 0
    shot(qtbot, screenshot, editor, "scenario_editor_turn")
    editor.save()
    wait_saved(qtbot, editor)
    assert "已保存为第 2 版" in v.message_label.text(), v.message_label.text()
    assert not editor.dirty and editor.expected_version == 2

    # THEN the stored scenario has the changes, and reopening shows them
    stored = seeded.roleplay.get_scenario(page.ctx.actor, LEAK)
    opening = stored.turn("outburst")
    assert opening.wordings == ("洗衣液漏了一箱子！你们怎么打包的？", "收到就漏了，气死了")
    apologize = opening.key_points[0]
    assert apologize.synonyms == ("抱歉", "对不起", "非常抱歉")
    assert apologize.better == "亲，真的非常抱歉，让您收到这样的包裹。"
    assert stored.turn("photos").key_points[2].id == "no-return"  # untouched turns unchanged
    editor.close()
    qtbot.waitUntil(lambda: page.selected_key() == LEAK and page.ctx.runner.is_idle(), timeout=10000)
    again = ScenarioEditorDialog(page.ctx, LEAK, parent=page)
    qtbot.addWidget(again)
    wait_editor(qtbot, again)
    again.select_turn("outburst")
    assert again.view.key_points_table.text(0, 1) == "抱歉、对不起、非常抱歉"
    assert again.view.version_label.text().startswith("第 2 版")


def test_validation_follows_the_edits_and_jumps_to_the_turn(
    qtbot: Any, make_page: Any, screenshot: Any
) -> None:
    page = make_page()
    editor = open_leak(qtbot, page)
    v = editor.view
    # GIVEN nothing leads to send-back any more (photos' "missed" branch now goes straight to a bad review)
    editor.select_turn("photos")
    choose(v.missed_combo, "end:差评")
    qtbot.waitUntil(lambda: not editor.validating and editor.ctx.runner.is_idle(), timeout=10000)
    # THEN the validation says so, the turn list and the graph mark it
    assert editor.error_count() >= 1
    messages = [i for i in editor.issues if i.turn_id == "send-back"]
    assert messages, editor.issue_texts()
    assert any("send-back" in text for text in editor.issue_texts())
    assert "unreachable" in v.graph.marks["send-back"]
    row = editor.turn_ids().index("send-back")
    assert v.turn_list.item(row).foreground().color().name() == "#c62828"
    assert "错误" in v.summary_label.text()
    v.tabs.setCurrentIndex(1)
    shot(qtbot, screenshot, editor, "scenario_editor_validation")
    shot(qtbot, screenshot, v.graph, "scenario_graph_unreachable")

    # saving is refused while there are errors
    editor.save()
    wait_saved(qtbot, editor)
    assert "错误" in v.message_label.text() and editor.expected_version == 1

    # clicking the message selects the turn
    editor.select_turn("outburst")
    item = next(
        v.issues_list.item(r)
        for r in range(v.issues_list.count())
        if "send-back" in v.issues_list.item(r).text()
    )
    v.issues_list.itemClicked.emit(item)
    assert v.turn_id_edit.text() == "send-back" and v.tabs.currentIndex() == 1

    # WHEN it is linked again, the message goes away
    editor.select_turn("photos")
    choose(v.missed_combo, "send-back")
    qtbot.waitUntil(lambda: not editor.validating and editor.ctx.runner.is_idle(), timeout=10000)
    assert editor.error_count() == 0, editor.issue_texts()
    assert "unreachable" not in v.graph.marks["send-back"]


def test_clicking_a_graph_node_selects_the_turn(qtbot: Any, make_page: Any, screenshot: Any) -> None:
    page = make_page()
    editor = open_leak(qtbot, page)
    graph = editor.view.graph
    qtbot.waitUntil(lambda: graph.isVisible(), timeout=5000)
    assert len(graph.turn_items) == 5
    point = graph.viewport_point_of("refund")
    graph.ensureVisible(graph.turn_items["refund"])
    point = graph.viewport_point_of("refund")
    qtbot.mouseClick(graph.viewport(), Qt.MouseButton.LeftButton, pos=point.toPoint())
    assert editor.view.turn_id_edit.text() == "refund"
    assert graph.selected_turn == "refund"
    assert graph.turn_at(QPointF(-500, -500)) is None
    shot(qtbot, screenshot, graph, "scenario_graph")


def test_a_dead_end_is_marked(qtbot: Any, make_page: Any) -> None:
    page = make_page()
    editor = open_leak(qtbot, page)
    v = editor.view
    # refund only repeats itself: from there no outcome can be reached
    editor.select_turn("refund")
    choose(v.covered_combo, "refund")
    choose(v.missed_combo, "refund")
    choose(v.forbidden_combo, "refund")
    refreshed(qtbot, editor)
    assert "dead_end" in v.graph.marks["refund"]
    assert any(i.turn_id == "refund" for i in editor.issues), editor.issue_texts()
    editor._dirty = False


def test_a_version_conflict_is_refused_clearly(qtbot: Any, make_page: Any, seeded: Any) -> None:
    page = make_page()
    editor = open_leak(qtbot, page)
    # a colleague saves first
    boss = page.ctx.actor
    record = seeded.roleplay.scenario_record(boss, LEAK)
    changed = record.definition.to_dict()
    changed["goal"] = "同事改过的目标"
    from cstrainer.domain.scenario import ScenarioDef

    seeded.roleplay.save_scenario(boss, ScenarioDef.from_dict(changed), record.version)
    editor.view.goal_edit.setPlainText("我的目标")
    editor.save()
    wait_saved(qtbot, editor)
    v = editor.view
    assert v.conflict_label.isVisible()
    assert "保存冲突" in v.conflict_label.text() and "已被" in v.conflict_label.text()
    assert editor.conflict_dialog is not None and editor.conflict_dialog.isVisible()
    assert "目标" in editor.conflict_dialog.highlighted_fields()
    assert seeded.roleplay.get_scenario(boss, LEAK).goal == "同事改过的目标"
    editor._dirty = False


def test_a_new_scenario_from_scratch(qtbot: Any, make_page: Any, seeded: Any, screenshot: Any) -> None:
    page = make_page()
    editor = page.new_scenario()
    qtbot.addWidget(editor)
    wait_editor(qtbot, editor)
    v = editor.view
    assert editor.expected_version is None and not v.key_edit.isReadOnly()
    # an empty draft has errors (no title, no wording ...) and cannot be saved
    assert editor.error_count() > 0
    v.key_edit.setText("qinyu-new-size-question")
    v.title_edit.setText("新手问香味（犹豫型）")
    choose(v.brand_combo, "qinyu")
    choose(v.persona_combo, "犹豫型")
    v.goal_edit.setPlainText("介绍香型并推荐小样，顾客下单。")
    editor.select_turn("opening")
    v.wordings_edit.setPlainText("这个洗衣液什么味道呀？会不会太香？")
    v.key_points_table.add_row(["scent", "香型、味道、淡香", "", "1", "说清楚是什么香型。", ""])
    # a second turn: the customer hesitates
    second = editor.add_turn()
    v.turn_id_edit.setText("hesitate")
    v.turn_id_edit.editingFinished.emit()
    v.wordings_edit.setPlainText("我再考虑考虑吧……")
    v.key_points_table.add_row(["sample", "小样、试用装", "", "1", "推荐小样降低顾虑。", ""])
    choose(v.covered_combo, "end:成交")
    choose(v.missed_combo, "end:未成交")
    assert second != "hesitate" and "hesitate" in editor.turn_ids()
    refreshed(qtbot, editor)
    assert any(i.turn_id == "hesitate" for i in editor.issues)  # not reachable yet
    editor.select_turn("opening")
    choose(v.covered_combo, "hesitate")
    refreshed(qtbot, editor)
    assert editor.error_count() == 0, editor.issue_texts()
    assert len(v.graph.turn_items) == 2
    shot(qtbot, screenshot, editor, "scenario_editor_new")
    editor.save()
    wait_saved(qtbot, editor)
    assert "已新建场景" in v.message_label.text(), v.message_label.text()
    stored = seeded.roleplay.get_scenario(page.ctx.actor, "qinyu-new-size-question")
    assert [t.id for t in stored.turns] == ["opening", "hesitate"]
    assert stored.turn("opening").on_covered == "hesitate"
    qtbot.waitUntil(lambda: "qinyu-new-size-question" in page.listed_keys(), timeout=10000)


def test_duplicate_makes_an_unsaved_copy(qtbot: Any, make_page: Any) -> None:
    page = make_page()
    page.select_key(LEAK)
    page.duplicate_selected()
    qtbot.waitUntil(lambda: page.dialog is not None, timeout=10000)
    editor = page.dialog
    assert editor is not None
    qtbot.addWidget(editor)
    wait_editor(qtbot, editor)
    assert editor.view.key_edit.text() == f"{LEAK}-copy"
    assert editor.view.title_edit.text().endswith("（副本）")
    assert editor.expected_version is None and editor.dirty
    assert len(editor.turns) == 5
    editor._dirty = False


def test_try_it_opens_the_chat_with_the_draft(qtbot: Any, make_page: Any, seeded: Any) -> None:
    page = make_page()
    editor = open_leak(qtbot, page)
    v = editor.view
    editor.select_turn("outburst")
    v.wordings_edit.setPlainText("草稿里的新开场白：洗衣液全漏了！")
    refreshed(qtbot, editor)
    editor.try_it()
    qtbot.waitUntil(lambda: editor.chat is not None, timeout=10000)  # deletes itself when closed
    flow = editor.chat.flow  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: flow.chat is not None and editor.ctx.runner.is_idle(), timeout=20000)
    session = flow.chat.session
    assert session.draft and session.scenario_key == LEAK
    assert any("草稿里的新开场白" in m.text for m in session.messages if m.role == "customer")
    # the draft was not saved
    assert seeded.roleplay.scenario_record(page.ctx.actor, LEAK).version == 1
    editor.chat.close()
    editor._dirty = False


def test_an_issue_without_a_turn_jumps_to_the_form(qtbot: Any, make_page: Any) -> None:
    page = make_page()
    editor = open_leak(qtbot, page)
    target = editor.jump_to(Issue("error", "标题不能为空", None, "title"))
    assert target is editor.view.title_edit and editor.view.tabs.currentIndex() == 0
    target = editor.jump_to(Issue("error", "x", "photos", "turns[2].on_missed"))
    assert target is editor.view.missed_combo and editor.view.turn_id_edit.text() == "photos"
    target = editor.jump_to(Issue("error", "x", None, "turns[3].wordings"))
    assert target is editor.view.wordings_edit and editor.view.turn_id_edit.text() == "send-back"


def test_renaming_a_turn_moves_the_branches_and_refuses_a_taken_id(qtbot: Any, make_page: Any) -> None:
    page = make_page()
    editor = open_leak(qtbot, page)
    v = editor.view
    editor.select_turn("photos")
    v.turn_id_edit.setText("ask-photos")
    v.turn_id_edit.editingFinished.emit()
    refreshed(qtbot, editor)
    assert "ask-photos" in editor.turn_ids() and "photos" not in editor.turn_ids()
    opening = editor.build_dict()["turns"][0]
    assert opening["on_covered"] == "ask-photos"  # the branch followed the new name
    assert editor.error_count() == 0, editor.issue_texts()
    # a taken id is not applied: it would merge two turns' branches
    v.turn_id_edit.setText("refund")
    refreshed(qtbot, editor)
    assert editor.turn_ids().count("refund") == 1
    assert any("已被另一轮使用" in t for t in editor.issue_texts())
    v.turn_id_edit.setText("ask-photos")
    refreshed(qtbot, editor)
    assert editor.error_count() == 0
    editor._dirty = False


def test_a_draft_with_errors_is_not_played(qtbot: Any, make_page: Any) -> None:
    page = make_page()
    editor = open_leak(qtbot, page)
    editor.select_turn("angrier")
    editor.view.wordings_edit.setPlainText("")  # no wording: the customer has nothing to say
    editor.try_it()  # at once, before the debounced validation ran
    wait_saved(qtbot, editor)
    assert editor.chat is None
    assert "改好后才能试玩" in editor.view.message_label.text()
    assert any(i.turn_id == "angrier" and i.is_error for i in editor.issues)
    editor._dirty = False


def test_removing_reordering_and_the_start_turn(qtbot: Any, make_page: Any, fake_prompts: Any) -> None:
    page = make_page()
    editor = open_leak(qtbot, page)
    v = editor.view
    # GIVEN send-back is removed although photos still branches to it
    editor.select_turn("send-back")
    v.remove_turn_button.click()
    assert "photos" in fake_prompts.confirms[-1]  # the prompt says who points to it
    refreshed(qtbot, editor)
    assert "send-back" not in editor.turn_ids()
    # THEN the dangling branch is an error, drawn as a red "?" box, and shown in photos' combo
    assert "send-back" in v.graph.unknown_items
    assert any(i.turn_id == "photos" and i.is_error for i in editor.issues), editor.issue_texts()
    editor.select_turn("photos")
    assert v.missed_combo.currentText() == "⚠ 不存在：send-back"
    choose(v.missed_combo, "end:差评")
    refreshed(qtbot, editor)
    assert editor.error_count() == 0, editor.issue_texts()
    # reorder: photos one up; then make it the start turn
    v.up_button.click()
    assert editor.turn_ids()[:3] == ["outburst", "photos", "angrier"]
    v.start_button.click()
    refreshed(qtbot, editor)
    assert editor.build_dict()["start"] == "photos"
    assert v.turn_list.item(1).text().startswith("▶ photos")
    assert "start" in v.graph.marks["photos"]
    # outburst and angrier cannot be reached from photos any more
    assert {"outburst", "angrier"} <= {i.turn_id for i in editor.issues}
    editor._dirty = False


def test_the_page_in_a_1280x800_main_window(qtbot: Any, seeded: Any, runner: Any, screenshot: Any) -> None:
    from cstrainer.gui.main_window import MainWindow

    window = MainWindow(seeded, runner, login(seeded, "peixun"))
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    assert "场景编辑" in window.page_titles()
    page = window.show_page("scenario_editor")
    assert isinstance(page, ScenarioEditorPage)
    qtbot.waitUntil(lambda: not page.loading and runner.is_idle(), timeout=20000)
    assert page.model.rowCount() > 0
    shot(qtbot, screenshot, window, "scenario_editor_main_window")
