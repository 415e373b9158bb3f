"""The 题库 page, the question editor and the import/export dialogs (trainer side).

The database is the shipped starter content plus the demo accounts (trainer ``peixun``, trainee
``xinren``, password demo1234), built once per session and copied per test.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from cstrainer.domain.questions import QuestionType
from cstrainer.gui.context import PageContext
from cstrainer.gui.pages.question_bank_page import QuestionBankPage, ValueDialog
from cstrainer.gui.pages.question_editor import (
    QuestionEditorDialog,
    count_fill_blanks,
    question_problems,
    split_alternatives,
    split_tags,
)
from cstrainer.gui.pages.question_import_dialog import (
    ErrorRow,
    QuestionExportDialog,
    QuestionImportDialog,
    error_row,
)
from cstrainer.gui.pages.registry import REGISTRY
from cstrainer.gui.qt import QItemSelectionModel, Qt

pytestmark = pytest.mark.gui

DEMO_PASSWORD = "demo1234"
SHOTS_SIZE = (1240, 760)  # what is left of a 1280x800 screen inside the main window


# --- a seeded database, built once ---------------------------------------------------------------------


@pytest.fixture
def seeded(seeded_copy: Any) -> Any:
    return seeded_copy


def login(services: Any, who: str) -> Any:
    return services.auth.login(who, DEMO_PASSWORD, source="test")


@pytest.fixture
def make_page(qtbot: Any, seeded: Any, runner: Any) -> Callable[..., QuestionBankPage]:
    def make(who: str = "peixun") -> QuestionBankPage:
        status: list[str] = []
        ctx = PageContext(seeded, runner, login(seeded, who), show_status=status.append)
        page = QuestionBankPage(ctx)
        page.status_messages = status  # type: ignore[attr-defined]
        page.resize(*SHOTS_SIZE)
        qtbot.addWidget(page)
        page.show()
        page.page_shown()
        settle(qtbot, page)
        return page

    return make


def settle(qtbot: Any, page: QuestionBankPage) -> None:
    qtbot.waitUntil(lambda: not page.searching and page.ctx.runner.is_idle(), timeout=20000)


def keys(page: QuestionBankPage) -> list[str]:
    return [q.key for q in page.model.rows()]


def select(page: QuestionBankPage, wanted: list[str]) -> None:
    page.select_keys(wanted)
    assert sorted(page.selected_keys()) == sorted(wanted)


def choose(combo: Any, data: Any) -> None:
    index = combo.findData(data)
    assert index >= 0, data
    combo.setCurrentIndex(index)


def shot(qtbot: Any, screenshot: Any, widget: Any, name: str) -> None:
    qtbot.wait(60)  # nested layouts settle over a few event-loop turns
    screenshot(widget, name)


def wait_editor(qtbot: Any, editor: QuestionEditorDialog) -> None:
    qtbot.waitUntil(lambda: editor.loaded and editor.ctx.runner.is_idle(), timeout=20000)


def wait_saved(qtbot: Any, editor: QuestionEditorDialog) -> None:
    qtbot.waitUntil(lambda: not editor.busy and editor.ctx.runner.is_idle(), timeout=20000)


# --- pure helpers ---------------------------------------------------------------------------------------


def test_form_helpers() -> None:
    assert split_alternatives("20/二十 ／ 廿 /") == ("20", "二十", "廿")
    assert split_tags("催付, 尺码，售前 催付") == ("催付", "尺码", "售前")
    assert count_fill_blanks("首响 ____ 秒，平均 ____ 秒，___ 不算") == 2


def test_error_rows_name_file_and_place() -> None:
    from cstrainer.formats.errors import FormatError

    table = error_row(
        FormatError("/tmp/题库.xlsx", 12, "E", "单选题的答案应为 A–H 中的一个字母", "题目", "答案")
    )
    assert table == ErrorRow(
        "题库.xlsx", "工作表“题目” 第 12 行 E 列（答案）", "单选题的答案应为 A–H 中的一个字母"
    )
    text = error_row(FormatError("q.gift", 7, 3, "缺少 }"))
    assert (text.where, text.reason) == ("第 7 行 第 3 列", "缺少 }")
    assert error_row("整行都是空的", "q.csv") == ErrorRow("q.csv", "", "整行都是空的")


# --- the bank table ------------------------------------------------------------------------------------


def test_the_bank_lists_questions(make_page: Any, seeded: Any, screenshot: Any) -> None:
    page = make_page()
    headers = [page.model.headerData(c, Qt.Orientation.Horizontal) for c in range(page.model.columnCount())]
    assert headers == ["编号", "题型", "题干", "分类", "品牌", "难度", "标签", "版本", "状态"]
    total = len(seeded.questions.search(page.ctx.actor, limit=10_000))
    assert page.model.rowCount() == total > 100
    assert page.view.count_label.text() == f"共 {total} 题（已选 0）"
    row = page.model.find(lambda q: q.key == "skill-aftersale-leak-reply")
    assert page.model.index(row, 1).data() == "回复顾客题"
    assert page.model.index(row, 4).data() == "沁屿"  # the brand's name, not its key
    # the filter combos came from the database
    assert page.view.brand_combo.findText("轻廓") >= 0 and page.view.tag_combo.findText("漏液") >= 0
    select(page, ["skill-aftersale-leak-reply", "skill-midsale-address"])
    assert page.view.count_label.text() == f"共 {total} 题（已选 2）"
    screenshot(page, "question_bank_page")


def test_filters_and_a_jieba_search(qtbot: Any, make_page: Any) -> None:
    page = make_page()
    v = page.view
    # GIVEN the filters: replies about after-sale for the brand 沁屿
    choose(v.type_combo, "reply")
    settle(qtbot, page)
    assert page.model.rowCount() > 0
    assert {q.type for q in page.model.rows()} == {QuestionType.REPLY}
    choose(v.category_combo, "服务技巧-售后")
    choose(v.brand_combo, "qinyu")
    settle(qtbot, page)
    assert "skill-aftersale-leak-reply" in keys(page)
    assert all(q.category == "服务技巧-售后" and q.brand == "qinyu" for q in page.model.rows())
    # WHEN the trainer types words that appear apart ("漏" in the stem, 补发 in a key point)
    choose(v.category_combo, "\x00all")
    choose(v.brand_combo, "\x00all")
    choose(v.type_combo, "\x00all")
    v.search_edit.setText("补发 漏液")  # (qtbot.keyClicks cannot type CJK: QtTest asserts)
    assert page.searching  # debounced, not at once
    settle(qtbot, page)
    # THEN jieba's words find it, and everything listed has both words somewhere
    assert "skill-aftersale-leak-reply" in keys(page)
    assert len(keys(page)) < 30
    # 通用 = questions for every brand
    v.search_edit.clear()
    choose(v.brand_combo, "")
    settle(qtbot, page)
    assert page.model.rowCount() > 0 and all(q.brand is None for q in page.model.rows())


def test_a_trainee_gets_neither_page(seeded: Any) -> None:
    from cstrainer.gui.pages import load_builtin_pages

    load_builtin_pages()
    trainee, trainer = login(seeded, "xinren"), login(seeded, "peixun")
    for key in ("question_bank", "exam_admin"):
        spec = REGISTRY.get(key)
        assert not spec.allows(trainee)
        assert spec.allows(trainer)
    titles = [s.display_title() for s in REGISTRY.pages_for(trainer)]
    assert titles.index("题库") < titles.index("试卷管理")


# --- the editor ----------------------------------------------------------------------------------------


def test_edit_a_question_with_live_preview(qtbot: Any, make_page: Any, seeded: Any, screenshot: Any) -> None:
    page = make_page()
    editor = page.edit("skill-midsale-address")
    wait_editor(qtbot, editor)
    v = editor.view
    assert v.type_combo.currentData() == "single"
    assert v.options_box.isVisible() and not v.key_points_box.isVisible()
    assert editor.preview_view is not None and editor.preview_view.options[1].startswith("让顾客申请退款")
    if editor.preview is not None:
        assert editor.preview.isVisible()
    # WHEN option B is reworded
    v.options_table.set_text(1, 0, "让顾客先申请退款，再重新下单")
    # THEN the preview follows a moment later
    qtbot.waitUntil(lambda: editor.preview_view.options[1] == "让顾客先申请退款，再重新下单", timeout=3000)
    shot(qtbot, screenshot, editor, "question_editor_single")
    editor.save()
    wait_saved(qtbot, editor)
    assert editor.last_result is not None and not editor.last_result.created
    assert "已保存" in v.message_label.text()
    assert (
        seeded.questions.get(page.ctx.actor, "skill-midsale-address").options[1].text.startswith("让顾客先")
    )
    qtbot.waitUntil(lambda: page.selected_keys() == ["skill-midsale-address"], timeout=10000)


def test_inline_checks_keep_a_broken_question_from_saving(qtbot: Any, make_page: Any, seeded: Any) -> None:
    page = make_page()
    editor = page.edit("skill-midsale-address")
    wait_editor(qtbot, editor)
    v = editor.view
    v.options_table.set_checked(2, 1, True)  # a second right answer for a single choice
    editor.refresh()
    assert "恰好勾选 1 个正确选项（现在有 2 个）" in editor.inline_messages()["options"]
    assert v.options_message.isVisible()
    editor.save()
    assert "暂不能保存" in v.message_label.text()
    assert page.ctx.runner.is_idle()
    assert sum(o.correct for o in seeded.questions.get(page.ctx.actor, "skill-midsale-address").options) == 1
    # fixing it clears the message
    v.options_table.set_checked(2, 1, False)
    editor.refresh()
    assert "options" not in editor.inline_messages()
    editor._dirty = False  # closing without the "discard?" question


def test_question_problems_per_type() -> None:
    from cstrainer.domain.questions import KeyPointSpec, MatchPair, Question

    fill = Question("k-1", QuestionType.FILL, "首响 ___ 秒", blanks=(("20",),), category="平台规则")
    assert any("4 个下划线" in m for _s, m in question_problems(fill))
    reply = Question("k-2", QuestionType.REPLY, "漏液了！", category="服务技巧-售后")
    assert ("key_points", "回复顾客题需要至少一个评分要点") in question_problems(reply)
    ok = reply.with_changes(key_points=(KeyPointSpec(("抱歉",)),))
    assert question_problems(ok) == []
    matching = Question(
        "k-3", QuestionType.MATCHING, "连线", pairs=(MatchPair("a", "x"),), category="平台规则"
    )
    assert ("pairs", "至少需要 2 对") in question_problems(matching)
    assert any(s == "key" for s, _m in question_problems(ok.with_changes(key="Bad Key")))


def _new_editor(qtbot: Any, page: QuestionBankPage) -> QuestionEditorDialog:
    editor = page.new_question()
    wait_editor(qtbot, editor)
    return editor


def test_create_questions_of_several_types(qtbot: Any, make_page: Any, seeded: Any, screenshot: Any) -> None:
    page = make_page()
    actor = page.ctx.actor

    # a true/false question
    editor = _new_editor(qtbot, page)
    v = editor.view
    assert v.author_edit.text() == "林晓雯"  # the current user
    v.key_edit.setText("t-gui-tf")
    choose(v.type_combo, "truefalse")
    assert v.truefalse_box.isVisible() and not v.options_box.isVisible()
    v.stem_edit.setPlainText("顾客签收后 7 天内都可以申请七天无理由退货。")
    v.true_radio.setChecked(True)
    choose(v.category_combo, "平台规则")
    v.tags_edit.setText("七天无理由，售后")
    editor.refresh()
    shot(qtbot, screenshot, editor, "question_editor_truefalse")
    editor.save()
    wait_saved(qtbot, editor)
    assert editor.last_result is not None and editor.last_result.created
    assert "已新建题目 t-gui-tf" in v.message_label.text()
    q = seeded.questions.get(actor, "t-gui-tf")
    assert q.type is QuestionType.TRUEFALSE and q.answer is True and q.tags == ("七天无理由", "售后")
    assert q.author == "林晓雯"
    editor.close()

    # a fill-in question: blanks follow the ____ in the stem
    editor = _new_editor(qtbot, page)
    v = editor.view
    v.key_edit.setText("t-gui-fill")
    choose(v.type_combo, "fill")
    editor.insert_blank()  # the button puts ____ where the cursor is
    assert v.stem_edit.toPlainText() == "____"
    v.stem_edit.setPlainText("首次响应时间一般要求在 ____ 秒以内，平均响应 ____ 秒以内。")
    assert v.blanks_table.row_count() == 2
    v.blanks_table.set_text(0, 0, "20/二十")
    v.blanks_table.set_text(1, 0, "30 / 三十")
    choose(v.category_combo, "服务技巧-售前")
    qtbot.waitUntil(
        lambda: editor.preview_view is not None and editor.preview_view.blank_count == 2, timeout=3000
    )
    shot(qtbot, screenshot, editor, "question_editor_fill")
    editor.save()
    wait_saved(qtbot, editor)
    q = seeded.questions.get(actor, "t-gui-fill")
    assert q.blanks == (("20", "二十"), ("30", "三十"))
    editor.close()

    # a reply question with key points (the stem is the customer's message)
    editor = _new_editor(qtbot, page)
    v = editor.view
    v.key_edit.setText("t-gui-reply")
    choose(v.type_combo, "reply")
    assert v.stem_box.title() == "顾客消息（题干）"
    assert v.key_points_box.isVisible() and not v.accepted_box.isVisible()
    v.stem_edit.setPlainText("快递显示签收了，可我根本没收到！")
    v.key_points_table.set_rows(
        [("抱歉 / 不好意思", "1", "先道歉"), ("核实 / 查一下", "1", ""), ("补发 / 退款", "2", "给出方案")]
    )
    choose(v.category_combo, "服务技巧-售后")
    choose(v.brand_combo, "qinyu")
    editor.refresh()
    shot(qtbot, screenshot, editor, "question_editor_reply")
    editor.save()
    wait_saved(qtbot, editor)
    q = seeded.questions.get(actor, "t-gui-reply")
    assert q.type is QuestionType.REPLY and q.brand == "qinyu"
    assert [k.synonyms for k in q.key_points] == [("抱歉", "不好意思"), ("核实", "查一下"), ("补发", "退款")]
    assert q.key_points[2].weight == 2
    editor.close()

    # a numeric question with a range, and a matching question
    editor = _new_editor(qtbot, page)
    v = editor.view
    v.key_edit.setText("t-gui-num")
    choose(v.type_combo, "numeric")
    v.stem_edit.setPlainText("2kg 洗衣液每次用 25g，大约能洗多少次？")
    v.range_radio.setChecked(True)
    v.low_spin.setValue(78)
    v.high_spin.setValue(82)
    choose(v.category_combo, "产品知识")
    editor.refresh()
    shot(qtbot, screenshot, editor, "question_editor_numeric")
    editor.save()
    wait_saved(qtbot, editor)
    n = seeded.questions.get(actor, "t-gui-num").numeric[0]
    assert (n.low, n.high, n.value) == (78, 82, None)
    editor.close()

    editor = _new_editor(qtbot, page)
    v = editor.view
    v.key_edit.setText("t-gui-match")
    choose(v.type_combo, "matching")
    v.stem_edit.setPlainText("把顾客的情况和处理方式连起来。")
    v.pairs_table.set_rows(
        [
            ("未发货改地址", "后台直接修改"),
            ("已发货改地址", "联系快递拦截或改派"),
            ("要改尺码", "备注并告知仓库"),
        ]
    )
    choose(v.category_combo, "服务技巧-售中")
    qtbot.waitUntil(
        lambda: editor.preview_view is not None and len(editor.preview_view.lefts) == 3, timeout=3000
    )
    shot(qtbot, screenshot, editor, "question_editor_matching")
    editor.save()
    wait_saved(qtbot, editor)
    assert len(seeded.questions.get(actor, "t-gui-match").pairs) == 3
    editor.close()

    qtbot.waitUntil(lambda: page.ctx.runner.is_idle(), timeout=10000)
    settle(qtbot, page)
    assert {"t-gui-tf", "t-gui-fill", "t-gui-reply", "t-gui-num", "t-gui-match"} <= set(keys(page))


def test_a_taken_key_is_refused(qtbot: Any, make_page: Any, seeded: Any) -> None:
    page = make_page()
    editor = _new_editor(qtbot, page)
    v = editor.view
    v.key_edit.setText("skill-midsale-address")  # exists already
    choose(v.type_combo, "truefalse")
    v.stem_edit.setPlainText("一道新题")
    v.false_radio.setChecked(True)
    editor.save()
    wait_saved(qtbot, editor)
    assert "已被另一道题使用" in editor.inline_messages()["key"]
    assert seeded.questions.get(page.ctx.actor, "skill-midsale-address").type is QuestionType.SINGLE
    editor._dirty = False


def test_duplicate_stem_warning(qtbot: Any, make_page: Any, seeded: Any, screenshot: Any) -> None:
    page = make_page()
    editor = _new_editor(qtbot, page)
    v = editor.view
    assert not v.duplicate_label.isVisible()
    stem = seeded.questions.get(page.ctx.actor, "skill-midsale-address").stem
    # the same words with other spacing and punctuation still count as the same stem
    v.stem_edit.setPlainText(stem.replace("，", ", ") + "  ")
    qtbot.waitUntil(lambda: v.duplicate_label.isVisible(), timeout=5000)
    assert v.duplicate_label.text().startswith("⚠ 与 skill-midsale-address 题干相同")
    shot(qtbot, screenshot, editor, "question_editor_duplicate")
    v.stem_edit.setPlainText("一道全新的题目，题库里没有")
    qtbot.waitUntil(lambda: not v.duplicate_label.isVisible(), timeout=5000)
    editor._dirty = False


# --- bulk actions ----------------------------------------------------------------------------------------


def test_bulk_tag_then_retire(qtbot: Any, make_page: Any, seeded: Any, fake_prompts: Any) -> None:
    page = make_page()
    actor = page.ctx.actor
    chosen = ["skill-midsale-address", "skill-presale-nudge"]
    select(page, chosen)
    # 加标签…
    page.view.add_tag_action.trigger()
    dialog = page.dialog
    assert isinstance(dialog, ValueDialog)
    dialog.combo.setEditText("第二周复习")
    dialog.accept()
    qtbot.waitUntil(lambda: "第二周复习" in seeded.questions.get(actor, chosen[1]).tags, timeout=10000)
    settle(qtbot, page)
    assert all("第二周复习" in seeded.questions.get(actor, k).tags for k in chosen)
    assert any("已给 2 道题加上标签“第二周复习”" in s for s in page.status_messages)  # type: ignore[attr-defined]
    assert sorted(page.selected_keys()) == sorted(chosen)  # still selected after the reload
    # the new tag is offered as a filter now
    assert page.view.tag_combo.findData("第二周复习") >= 0

    # 停用 asks first, with the count
    page.view.retire_action.trigger()
    assert "停用选中的 2 道题" in fake_prompts.confirms[-1]
    qtbot.waitUntil(
        lambda: all(q.retired for q in seeded.questions.versions(actor, chosen[0])[-1:]), timeout=10000
    )
    settle(qtbot, page)
    assert not set(chosen) & set(keys(page))  # retired ones are hidden ...
    page.view.retired_check.setChecked(True)  # ... unless asked for
    settle(qtbot, page)
    assert set(chosen) <= set(keys(page))
    row = page.model.find(lambda q: q.key == chosen[0])
    assert page.model.index(row, 8).data() == "已停用"
    # and 恢复 brings them back
    select(page, chosen)
    assert page.view.restore_action.isEnabled()
    page.view.restore_action.trigger()
    qtbot.waitUntil(lambda: not seeded.questions.get(actor, chosen[0]).retired, timeout=10000)


def test_declining_to_retire_changes_nothing(make_page: Any, seeded: Any, fake_prompts: Any) -> None:
    page = make_page()
    fake_prompts.confirm_answer = False
    select(page, ["skill-midsale-address"])
    page.view.retire_action.trigger()
    assert fake_prompts.confirms and page.ctx.runner.is_idle()
    assert not seeded.questions.get(page.ctx.actor, "skill-midsale-address").retired


def test_move_to_category_and_change_brand(qtbot: Any, make_page: Any, seeded: Any) -> None:
    page = make_page()
    actor = page.ctx.actor
    select(page, ["skill-midsale-address"])
    page.move_to_category()
    dialog = page.dialog
    assert isinstance(dialog, ValueDialog)
    choose(dialog.combo, "服务技巧-售后")
    dialog.accept()
    qtbot.waitUntil(
        lambda: seeded.questions.get(actor, "skill-midsale-address").category == "服务技巧-售后",
        timeout=10000,
    )
    settle(qtbot, page)
    select(page, ["skill-midsale-address"])
    page.change_brand()
    dialog = page.dialog
    assert isinstance(dialog, ValueDialog)
    choose(dialog.combo, "qingkuo")
    dialog.accept()
    qtbot.waitUntil(
        lambda: seeded.questions.get(actor, "skill-midsale-address").brand == "qingkuo", timeout=10000
    )


# --- import, export, template ----------------------------------------------------------------------------


def test_template_is_written(qtbot: Any, make_page: Any, fake_prompts: Any, tmp_path: Path) -> None:
    page = make_page()
    fake_prompts.save_file = tmp_path / "模板"
    page.save_template()
    qtbot.waitUntil(lambda: bool(fake_prompts.infos), timeout=10000)
    assert (tmp_path / "模板.xlsx").is_file()
    assert "导入模板已保存到" in fake_prompts.infos[0]


def test_export_selected_questions(qtbot: Any, make_page: Any, fake_prompts: Any, tmp_path: Path) -> None:
    page = make_page()
    select(page, ["skill-midsale-address", "skill-presale-nudge"])
    dialog = page.export_questions()
    assert isinstance(dialog, QuestionExportDialog)
    assert dialog.selected_radio.isChecked() and "2 题" in dialog.selected_radio.text()
    choose(dialog.format_combo, "yaml")
    fake_prompts.save_file = tmp_path / "out"
    dialog.accept()
    qtbot.waitUntil(lambda: bool(fake_prompts.infos), timeout=10000)
    assert dialog.exported_count == 2
    text = (tmp_path / "out.yaml").read_text(encoding="utf-8")
    assert "skill-midsale-address" in text and "skill-presale-nudge" in text
    assert "已导出 2 道题" in fake_prompts.infos[0]


def _csv_from_export(page: QuestionBankPage, tmp_path: Path, qtbot: Any, fake_prompts: Any) -> Path:
    """A CSV in the app's own format: export two questions, then change them."""
    select(page, ["skill-midsale-address"])
    dialog = page.export_questions()
    choose(dialog.format_combo, "csv")
    fake_prompts.save_file = tmp_path / "bank.csv"
    dialog.accept()
    qtbot.waitUntil(lambda: bool(fake_prompts.infos), timeout=10000)
    fake_prompts.infos.clear()
    return tmp_path / "bank.csv"


def test_import_csv_previews_then_imports(
    qtbot: Any, make_page: Any, seeded: Any, fake_prompts: Any, tmp_path: Path, screenshot: Any
) -> None:
    page = make_page()
    actor = page.ctx.actor
    exported = _csv_from_export(page, tmp_path, qtbot, fake_prompts)
    text = exported.read_text(encoding="utf-8-sig")
    # one question changed, one new one (a copy under another key)
    lines = text.splitlines()
    header, row = lines[0], lines[1]
    changed = row.replace("在后台修改订单地址", "在千牛后台修改订单地址")
    assert changed != row
    added = row.replace("skill-midsale-address", "gui-import-new", 1).replace(
        "顾客付款后想改收货地址", "顾客下单后想换收货地址"
    )
    source = tmp_path / "import.csv"
    source.write_text("\n".join([header, changed, added]) + "\n", encoding="utf-8")

    dialog = page.import_questions()
    assert isinstance(dialog, QuestionImportDialog)
    qtbot.addWidget(dialog)
    fake_prompts.open_file = source
    dialog.choose_file()
    qtbot.waitUntil(lambda: dialog.report is not None, timeout=15000)
    rows = {r.key: r.status for r in dialog.preview_model.rows()}
    assert rows == {"skill-midsale-address": "updated", "gui-import-new": "added"}
    assert dialog.preview_model.index(0, 3).data() in ("更新", "新增")
    assert "新增 1" in dialog.summary_label.text() and "更新 1" in dialog.summary_label.text()
    assert dialog.import_button.isEnabled()
    # nothing is written by the preview
    with pytest.raises(Exception, match="gui-import-new"):
        seeded.questions.get(actor, "gui-import-new")
    screenshot(dialog, "question_import_preview")

    dialog.confirm_import()
    qtbot.waitUntil(lambda: bool(fake_prompts.infos), timeout=15000)
    assert fake_prompts.infos[0].startswith("已导入")
    assert seeded.questions.get(actor, "gui-import-new").stem.startswith("顾客下单后想换收货地址")
    assert "千牛后台" in seeded.questions.get(actor, "skill-midsale-address").options[0].text
    settle(qtbot, page)
    assert "gui-import-new" in keys(page)


def test_import_of_a_bad_file_lists_every_error(
    qtbot: Any, make_page: Any, seeded: Any, fake_prompts: Any, tmp_path: Path, screenshot: Any
) -> None:
    page = make_page()
    actor = page.ctx.actor
    exported = _csv_from_export(page, tmp_path, qtbot, fake_prompts)
    lines = exported.read_text(encoding="utf-8-sig").splitlines()
    header, row = lines[0], lines[1]
    broken_type = row.replace("skill-midsale-address", "gui-bad-1", 1).replace(",单选,", ",单旋,")
    broken_answer = row.replace("skill-midsale-address", "gui-bad-2", 1).replace(",A,", ",Z,")
    good = row.replace("skill-midsale-address", "gui-good-1", 1)
    assert broken_type != row and broken_answer != row
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join([header, good, broken_type, broken_answer]) + "\n", encoding="utf-8")
    before = len(seeded.questions.search(actor, limit=10_000))

    dialog = page.import_questions()
    qtbot.addWidget(dialog)
    dialog.set_file(bad)
    qtbot.waitUntil(lambda: bool(dialog.error_rows), timeout=15000)
    assert dialog.stack.currentWidget() is dialog.error_table
    assert not dialog.import_button.isEnabled()
    assert all(e.file == "bad.csv" for e in dialog.error_rows)
    # every broken row is named, with its column
    assert [e.where.split(" ")[:2] for e in dialog.error_rows] == [["第", "3"], ["第", "4"]]
    assert "题型" in dialog.error_rows[0].where and "单旋" in dialog.error_rows[0].reason
    assert "答案" in dialog.error_rows[1].where
    assert "未导入任何题目" in dialog.summary_label.text()
    screenshot(dialog, "question_import_errors")
    assert len(seeded.questions.search(actor, limit=10_000)) == before
    with pytest.raises(Exception, match="gui-good-1"):
        seeded.questions.get(actor, "gui-good-1")


# --- versions ------------------------------------------------------------------------------------------


def _answered_exam(seeded: Any, question_keys: list[str]) -> None:
    """A trainee sat an exam with these questions: the current versions are now in use."""
    from cstrainer.services import SYSTEM

    seeded.exams.save_exam(
        SYSTEM,
        {
            "key": "gui-bank-check",
            "title": "题库测试卷",
            "purpose": "专项",
            "time_limit_minutes": 10,
            "pass_mark": 60,
            "questions": question_keys,
        },
    )
    trainee = login(seeded, "xinren")
    view = seeded.exams.start(trainee, "gui-bank-check", seed=1)
    for item in view.items:
        seeded.exams.save_answer(trainee, view.attempt_id, item.position, 0)
    seeded.exams.submit(trainee, view.attempt_id)


def test_editing_an_answered_question_makes_a_new_version(
    qtbot: Any, make_page: Any, seeded: Any, screenshot: Any
) -> None:
    # GIVEN a question a trainee has answered in an exam
    _answered_exam(seeded, ["skill-midsale-address"])
    page = make_page()
    editor = page.edit("skill-midsale-address")
    wait_editor(qtbot, editor)
    assert editor.view.version_label.text() == "第 1 版"
    # WHEN the trainer rewords an option and saves
    editor.view.options_table.set_text(3, 0, "只在订单备注里写上新的收货地址")
    editor.save()
    wait_saved(qtbot, editor)
    # THEN it becomes version 2; version 1 stays for the exam that used it
    assert editor.last_result is not None and editor.last_result.new_version
    assert editor.view.message_label.text() == "已保存为第 2 版（该题已被作答过，旧版本保留给历史考试）"
    assert editor.view.version_label.text() == "第 2 版"
    versions = seeded.questions.versions(page.ctx.actor, "skill-midsale-address")
    assert [q.version for q in versions] == [1, 2]
    assert versions[0].options[3].text == "只在订单备注里写上新地址"
    shot(qtbot, screenshot, editor, "question_editor_new_version")


def test_a_conflicting_edit_is_refused_clearly(qtbot: Any, make_page: Any, seeded: Any) -> None:
    _answered_exam(seeded, ["skill-midsale-address"])
    page = make_page()
    editor = page.edit("skill-midsale-address")
    wait_editor(qtbot, editor)
    # a colleague saves first (the question was used, so that makes version 2)
    boss = page.ctx.actor
    q = seeded.questions.get(boss, "skill-midsale-address")
    seeded.questions.save(boss, q.with_changes(explanation="同事改过的解析"), expected_version=1)
    editor.view.explanation_edit.setPlainText("我的解析")
    editor.save()
    wait_saved(qtbot, editor)
    assert editor.view.conflict_label.isVisible()
    assert "保存冲突" in editor.view.conflict_label.text() and "第 2 版" in editor.view.conflict_label.text()
    # ... and the conflict dialog shows both versions (tests/gui/test_conflict_dialog.py drives it)
    assert editor.conflict_dialog is not None and editor.conflict_dialog.isVisible()
    assert editor.conflict_dialog.highlighted_fields() == ["解析"]
    assert seeded.questions.get(boss, "skill-midsale-address").explanation == "同事改过的解析"
    editor._dirty = False


def test_selection_helpers_use_the_real_selection(make_page: Any) -> None:
    page = make_page()
    index = page.proxy.index(0, 0)
    page.view.table.selectionModel().select(
        index, QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
    )
    assert len(page.selected_keys()) == 1
    assert page.view.edit_button.isEnabled()


def test_the_pages_in_a_1280x800_main_window(qtbot: Any, seeded: Any, runner: Any, screenshot: Any) -> None:
    from cstrainer.gui.main_window import MainWindow
    from cstrainer.gui.pages.exam_admin_page import ExamAdminPage

    window = MainWindow(seeded, runner, login(seeded, "peixun"))
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    titles = window.page_titles()
    assert "题库" in titles and "试卷管理" in titles
    page = window.show_page("question_bank")
    assert isinstance(page, QuestionBankPage)
    settle(qtbot, page)
    shot(qtbot, screenshot, window, "main_window_question_bank")
    admin = window.show_page("exam_admin")
    assert isinstance(admin, ExamAdminPage)
    qtbot.waitUntil(lambda: runner.is_idle() and admin.exams.current is not None, timeout=20000)
    shot(qtbot, screenshot, window, "main_window_exam_admin")
