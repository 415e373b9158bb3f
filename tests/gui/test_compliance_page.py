"""The 违禁词库 page: trainers edit the banned-wording rules (checked live by the service), try
them on any text, delete with a confirmation, export / import the whole list; agents read it.

The ``services`` database (boss / peixun / xiaoli) starts with the shipped rules on first read.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from cstrainer.domain.accounts import Role
from cstrainer.gui import errors
from cstrainer.gui.context import PageContext
from cstrainer.gui.pages.compliance_page import HIT_BACKGROUND, CompliancePage
from cstrainer.gui.pages.registry import ORDER, REGISTRY
from cstrainer.gui.qt import QMessageBox, Qt
from cstrainer.services.compliance import RuleDraft
from cstrainer.services.errors import ValidationFailed
from cstrainer.text.banned import default_rules

pytestmark = pytest.mark.gui

SHOTS_SIZE = (1240, 760)  # what is left of a 1280x800 screen inside the main window
AGENT = ("kefu", "王小客", "Agent-pass-1")
TOP_REASON = "“顶配”是绝对化说法，请说具体配置。"


@pytest.fixture
def statuses() -> list[str]:
    return []


@pytest.fixture
def make_page(
    qtbot: Any, services: Any, runner: Any, login_as: Any, statuses: list[str]
) -> Callable[..., CompliancePage]:
    services.compliance.refresh_seconds = 0.0

    def make(who: tuple[str, str, str]) -> CompliancePage:
        ctx = PageContext(services, runner, login_as(who), show_status=statuses.append)
        page = CompliancePage(ctx)
        page.resize(*SHOTS_SIZE)
        qtbot.addWidget(page)
        page.show()
        page.page_shown()
        settle(qtbot, page)
        return page

    return make


def settle(qtbot: Any, page: CompliancePage) -> None:
    """Let pending checks / scans start, then wait until the database thread is idle."""
    qtbot.wait(10)
    for timer in (page._check_timer, page._scan_timer):
        if timer.isActive():
            timer.stop()
            timer.timeout.emit()
    qtbot.waitUntil(lambda: page.ctx.runner.is_idle() and not page.loading and not page.saving, timeout=10000)


def click(qtbot: Any, button: Any) -> None:
    assert button.isVisible() and button.isEnabled(), button.text()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def fill(page: CompliancePage, word: str, reason: str, exceptions: str = "", category: str = "") -> None:
    v = page.view
    v.word_radio.setChecked(True)
    v.text_edit.setText(word)
    if category:
        v.category_combo.setCurrentIndex(v.category_combo.findData(category))
    v.reason_edit.setPlainText(reason)
    v.exceptions_edit.setPlainText(exceptions)


def labels(page: CompliancePage) -> list[str]:
    return [r.label for r in page.model.rows()]


def shot(qtbot: Any, screenshot: Any, page: CompliancePage, name: str) -> None:
    settle(qtbot, page)
    screenshot(page, name)


# --- registration ------------------------------------------------------------------------------------


def test_the_page_is_registered_for_every_role(login_as: Any, accounts: Any) -> None:
    from cstrainer.gui.pages import load_builtin_pages

    load_builtin_pages()
    spec = REGISTRY.get("compliance")
    assert spec.display_title() == "违禁词库" and spec.order == ORDER["违禁词库"] == 42
    for who in (accounts.manager, accounts.trainer, accounts.trainee):
        assert spec.allows(login_as(who))
    titles = [s.display_title() for s in REGISTRY.pages_for(login_as(accounts.trainee))]
    assert titles.index("话术库") < titles.index("违禁词库") < titles.index("话术练习")


# --- a trainer edits ---------------------------------------------------------------------------------


def test_a_trainer_adds_a_word_rule_and_tries_it(
    qtbot: Any, make_page: Any, accounts: Any, services: Any, screenshot: Any, statuses: list[str]
) -> None:
    page = make_page(accounts.trainer)
    v = page.view
    # GIVEN the shipped list, the first rule open in the editor
    assert labels(page) == [r.word if r.word is not None else f"/{r.pattern}/" for r in default_rules()]
    assert page.current is not None and page.selected_record() == page.current
    assert v.reason_edit.toPlainText() == page.current.reason
    assert v.category_filter.itemText(0) == "全部类别" and v.category_filter.findText("绝对化用语") > 0
    assert v.category_combo.findText("绝对化用语（absolute_terms）") >= 0
    assert [v.table.model().headerData(c, Qt.Orientation.Horizontal) for c in range(6)] == [
        "类别",
        "词语/正则",
        "原因",
        "例外",
        "更新人",
        "更新时间",
    ]
    assert not v.save_button.isEnabled()  # nothing changed yet
    shot(qtbot, screenshot, page, "compliance_page_trainer")

    # WHEN the trainer adds 顶配 with a reason and an exception
    click(qtbot, v.new_button)
    assert page.current is None and v.editor_title.text() == "新增规则"
    fill(page, "顶配", TOP_REASON, "顶配版本号", category="absolute_terms")
    assert v.editor_title.text() == "新增规则（未保存）"
    settle(qtbot, page)
    assert page.problems == []
    assert all(page.problem_text(f) == "" for f in ("text", "rule", "reason", "exceptions"))
    click(qtbot, v.save_button)
    settle(qtbot, page)

    # THEN it is saved, listed and selected, and the form is clean
    (saved,) = [r for r in services.compliance.list_rules(page.ctx.actor) if r.word == "顶配"]
    assert saved.exceptions == ("顶配版本号",) and saved.updated_by == "peixun"
    assert page.current is not None and page.current.id == saved.id
    assert page.selected_record() is not None and page.selected_record().id == saved.id
    assert "顶配" in labels(page) and not page.is_dirty() and not v.save_button.isEnabled()
    assert statuses[-1] == "已保存规则“顶配”"
    row = page.model.find(lambda r: r.id == saved.id)
    cells = [page.model.index(row, c).data() for c in range(5)]
    assert cells == ["绝对化用语", "顶配", TOP_REASON, "顶配版本号", "peixun"]

    # AND the search box finds it by its exception
    v.search_edit.setText("版本号")
    assert [r.label for r in page.shown_records()] == ["顶配"]
    assert v.count_label.text() == f"显示 1 / {page.model.rowCount()} 条"

    # AND 试一试 highlights it (and not inside the exception), with the reason listed
    v.try_edit.setPlainText("这款是顶配款，顶配版本号在吊牌上")
    settle(qtbot, page)
    assert [(h.word, h.start, h.end) for h in page.hits] == [("顶配", 3, 5)]
    assert page.highlighted_words() == ["顶配"]
    assert page.highlight_colour() == HIT_BACKGROUND
    assert TOP_REASON in v.try_hits.toPlainText() and "绝对化用语" in v.try_hits.toPlainText()
    shot(qtbot, screenshot, page, "compliance_page_added")

    # AND a text without banned wording says so
    v.try_edit.setPlainText("您好，请问有什么可以帮您？")
    settle(qtbot, page)
    assert page.hits == [] and page.highlighted_words() == []
    assert "没有发现违禁用语" in v.try_hits.toPlainText()


def test_a_bad_rule_shows_the_services_message_and_is_not_saved(
    qtbot: Any, make_page: Any, accounts: Any, services: Any, screenshot: Any
) -> None:
    page = make_page(accounts.trainer)
    v = page.view
    before = labels(page)
    click(qtbot, v.new_button)
    settle(qtbot, page)
    # GIVEN an empty new rule: no complaints before anything is typed
    assert page._check_timer.isActive() is False and page.touched == set()
    assert all(page.problem_text(f) == "" for f in ("text", "rule", "reason", "exceptions"))
    # WHEN only the word is typed: no complaint about the reason not written yet
    v.text_edit.setText("顶配")
    settle(qtbot, page)
    assert page.problem_text("reason") == ""
    # AND an exception that does not contain the word
    v.exceptions_edit.setPlainText("旗舰版")
    settle(qtbot, page)
    # THEN the service's Chinese message shows under the exceptions, in red
    assert page.problem_text("exceptions") == "例外“旗舰版”不包含违禁词“顶配”，不会起作用"
    assert "c62828" in v.exceptions_message.styleSheet()
    # WHEN Save is clicked anyway
    click(qtbot, v.save_button)
    settle(qtbot, page)
    # THEN nothing is saved, and every problem shows (the reason too now)
    assert labels(page) == before
    assert [r.label for r in services.compliance.list_rules(page.ctx.actor)] == before
    assert page.current is None and page.is_dirty()
    assert page.problem_text("exceptions").startswith("例外“旗舰版”")
    assert page.problem_text("reason") == "请写明原因：客服会在命中处看到这句话"
    shot(qtbot, screenshot, page, "compliance_page_bad_rule")
    # WHEN the word is cleared: the form asks for it in its own words
    v.text_edit.clear()
    settle(qtbot, page)
    assert page.problem_text("text") == "请填写词语"
    # WHEN a regular expression that does not compile is typed
    v.pattern_radio.setChecked(True)
    v.text_edit.setText("加(微信")
    v.exceptions_edit.clear()
    settle(qtbot, page)
    assert page.problem_text("text").startswith("正则表达式写法有误")
    # AND a word that is already listed (checked once the rest is right)
    v.reason_edit.setPlainText("原因")
    v.word_radio.setChecked(True)
    v.text_edit.setText(before[0])
    settle(qtbot, page)
    assert "已有相同的词语" in page.problem_text("text")


def test_delete_asks_first(
    qtbot: Any, make_page: Any, accounts: Any, services: Any, fake_prompts: Any
) -> None:
    page = make_page(accounts.trainer)
    v = page.view
    victim = page.model.rows()[2]
    follower = page.model.rows()[3]
    assert page.select_rule(victim.id)
    assert page.current == victim
    # WHEN the confirmation is cancelled: nothing happens
    fake_prompts.confirm_answer = False
    click(qtbot, v.delete_button)
    settle(qtbot, page)
    assert victim.id in [r.id for r in page.model.rows()]
    assert fake_prompts.confirms[-1].startswith(f"删除规则“{victim.label}”")
    # WHEN it is confirmed
    fake_prompts.confirm_answer = True
    click(qtbot, v.delete_button)
    settle(qtbot, page)
    # THEN the rule is gone everywhere and the next one is open
    assert victim.id not in [r.id for r in page.model.rows()]
    assert victim.id not in [r.id for r in services.compliance.list_rules(page.ctx.actor)]
    assert page.current is not None and page.current.id == follower.id
    assert page.selected_record() is not None and page.selected_record().id == follower.id


def test_unsaved_changes_are_not_lost_silently(
    qtbot: Any, make_page: Any, accounts: Any, fake_prompts: Any
) -> None:
    page = make_page(accounts.trainer)
    v = page.view
    first, second = page.model.rows()[:2]
    v.reason_edit.setPlainText("改过的原因")
    assert page.is_dirty() and v.save_button.isEnabled() and v.revert_button.isEnabled()
    # WHEN another row is clicked and the person keeps the edit
    fake_prompts.confirm_answer = False
    page.select_rule(second.id)
    # THEN the editor and the selection stay on the edited rule
    assert fake_prompts.confirms == ["当前规则有未保存的修改，放弃这些修改吗？"]
    assert page.current == first and v.reason_edit.toPlainText() == "改过的原因"
    assert page.selected_record() == first
    # AND leaving the page is refused too
    assert not page.can_leave()
    # AND filtering the edited rule away keeps the edit
    v.search_edit.setText("没有这样的规则")
    assert page.shown_records() == [] and v.reason_edit.toPlainText() == "改过的原因"
    v.search_edit.clear()
    assert page.selected_record() == first
    # WHEN they give it up
    fake_prompts.confirm_answer = True
    page.select_rule(second.id)
    assert page.current == second and v.reason_edit.toPlainText() == second.reason
    assert not page.is_dirty() and page.can_leave()


def test_a_colleagues_newer_version_is_not_overwritten(
    qtbot: Any, make_page: Any, accounts: Any, services: Any, login_as: Any
) -> None:
    page = make_page(accounts.trainer)
    v = page.view
    rule = page.current
    assert rule is not None
    # GIVEN the manager changes the same rule on another PC
    boss = login_as(accounts.manager)
    theirs = RuleDraft(rule.word, rule.pattern, rule.rule, "主管改过的原因", rule.exceptions, rule.note)
    services.compliance.save_rule(boss, theirs, rule_id=rule.id, expected_version=rule.version)
    # WHEN the trainer saves an edit of the old version
    v.reason_edit.setPlainText("培训师改的原因")
    click(qtbot, v.save_button)
    settle(qtbot, page)
    # THEN the conflict is shown, with a way to reload; nothing was overwritten
    assert not v.conflict_frame.isHidden()
    assert "已被 boss 修改" in v.conflict_label.text() and "重新载入" in v.conflict_label.text()
    assert services.compliance.get_rule(boss, rule.id).reason == "主管改过的原因"
    assert v.reason_edit.toPlainText() == "培训师改的原因"
    # WHEN they reload
    click(qtbot, v.reload_button)
    settle(qtbot, page)
    assert v.conflict_frame.isHidden()
    assert v.reason_edit.toPlainText() == "主管改过的原因"
    assert page.current is not None and page.current.version == rule.version + 1 and not page.is_dirty()


# --- agents read ---------------------------------------------------------------------------------------


def test_an_agent_sees_the_list_read_only(
    qtbot: Any, make_page: Any, accounts: Any, services: Any, login_as: Any, screenshot: Any
) -> None:
    boss = login_as(accounts.manager)
    services.users.add(boss, AGENT[0], AGENT[1], AGENT[2], Role.AGENT, "qinyu-presale", ["qinyu"])
    for who in (AGENT, accounts.trainee):
        page = make_page(who)
        v = page.view
        assert page.model.rowCount() == len(default_rules())
        assert not v.read_only_label.isHidden()
        for button in (*v.edit_buttons, v.import_button, v.export_button):
            assert button.isHidden(), button.text()
        assert v.text_edit.isReadOnly() and v.reason_edit.isReadOnly() and v.exceptions_edit.isReadOnly()
        assert not v.category_combo.isEnabled() and not v.word_radio.isEnabled()
        assert not v.form.isRowVisible(v.note_edit)  # the note is for trainers
        # clicking a rule shows why it is banned
        rule = page.model.rows()[5]
        page.select_rule(rule.id)
        assert v.reason_edit.toPlainText() == rule.reason
        # typing cannot make the form "unsaved"
        v.reason_edit.setPlainText("x")
        assert not page.is_dirty() and page.can_leave()
        page.fill_form(rule)
        # 试一试 works for them too
        v.try_edit.setPlainText("亲，这是全网最低价哦")
        settle(qtbot, page)
        assert page.hits and "全网最低" in "".join(page.highlighted_words())
        if who == AGENT:
            shot(qtbot, screenshot, page, "compliance_page_agent")


# --- the file ------------------------------------------------------------------------------------------


def test_export_then_import_round_trip(
    qtbot: Any, make_page: Any, accounts: Any, services: Any, fake_prompts: Any, tmp_path: Path
) -> None:
    page = make_page(accounts.trainer)
    v = page.view
    original = labels(page)
    # WHEN the list is exported (the suffix is added)
    fake_prompts.save_file = tmp_path / "rules"
    click(qtbot, v.export_button)
    settle(qtbot, page)
    exported = tmp_path / "rules.yaml"
    assert exported.is_file() and "kind: banned_words" in exported.read_text(encoding="utf-8")
    assert v.status_label.text() == f"已导出 {len(original)} 条规则到 {exported}"
    # AND a rule is added and another deleted afterwards
    click(qtbot, v.new_button)
    fill(page, "顶配", TOP_REASON)
    click(qtbot, v.save_button)
    settle(qtbot, page)
    page.select_rule(page.model.rows()[0].id)
    click(qtbot, v.delete_button)
    settle(qtbot, page)
    assert labels(page) != original
    # WHEN the exported file is imported, after the warning that it replaces the whole list
    fake_prompts.confirms.clear()
    fake_prompts.open_file = exported
    click(qtbot, v.import_button)
    settle(qtbot, page)
    # THEN the list is exactly the exported one again
    assert "替换整个违禁词库" in fake_prompts.confirms[-1] and "rules.yaml" in fake_prompts.confirms[-1]
    assert labels(page) == original
    assert [r.label for r in services.compliance.list_rules(page.ctx.actor)] == original
    assert v.status_label.text() == f"已导入 {len(original)} 条规则，替换了原来的违禁词库"
    assert page.current is not None and page.current.id == page.model.rows()[0].id
    # AND the import is not run when its confirmation is cancelled
    fake_prompts.confirm_answer = False
    click(qtbot, v.import_button)
    settle(qtbot, page)
    assert labels(page) == original


BAD_FILE = """schema_version: 1
kind: banned_words
items:
  - word: 顶配
    rule: absolute_terms
    reason: 绝对化说法
    exceptions: [旗舰版]
  - word: 最低
    rule: absolute_terms
"""


def test_a_bad_import_file_shows_every_problem_and_changes_nothing(
    qtbot: Any,
    make_page: Any,
    accounts: Any,
    services: Any,
    fake_prompts: Any,
    shown_errors: Any,
    tmp_path: Path,
    screenshot: Any,
) -> None:
    page = make_page(accounts.trainer)
    v = page.view
    before = labels(page)
    bad = tmp_path / "bad.yaml"
    bad.write_text(BAD_FILE, encoding="utf-8")
    fake_prompts.open_file = bad
    shown_errors.expected = True
    click(qtbot, v.import_button)
    settle(qtbot, page)
    # THEN the error dialog lists each problem with its line; nothing changed
    (exc,) = shown_errors
    assert isinstance(exc, ValidationFailed)
    assert "没有导入任何内容" in str(exc)
    assert [str(e).replace(str(bad), "") for e in exc.errors] == [
        " 第 7 行，字段 exceptions：例外“旗舰版”不包含违禁词“顶配”，不会起作用",
        " 第 8 行，字段 reason：缺少此项",
    ]
    assert labels(page) == before
    assert [r.label for r in services.compliance.list_rules(page.ctx.actor)] == before
    # AND the dialog the person sees shows the problems (screenshot of the real box)
    box = errors.build_error_box(page, exc)
    qtbot.addWidget(box)
    assert box.detailedText().count("\n") >= 1 and "旗舰版" in box.detailedText()
    box.show()
    details = next(b for b in box.buttons() if box.buttonRole(b) == QMessageBox.ButtonRole.ActionRole)
    details.click()  # "显示详情…": the problems with their lines
    qtbot.wait(50)
    screenshot(box, "compliance_page_import_error")
    box.close()


# --- in the main window -----------------------------------------------------------------------------------


def test_in_the_main_window_leaving_with_unsaved_changes_asks(
    qtbot: Any, services: Any, runner: Any, login_as: Any, accounts: Any, fake_prompts: Any, screenshot: Any
) -> None:
    from cstrainer.gui.main_window import MainWindow

    window = MainWindow(services, runner, login_as(accounts.trainer))
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    page = window.show_page("compliance")
    assert isinstance(page, CompliancePage) and window.view.title_label.text() == "违禁词库"
    settle(qtbot, page)
    assert page.model.rowCount() == len(default_rules())
    shot(qtbot, screenshot, page, "compliance_page_in_window")
    screenshot(window, "compliance_page_window_1280x800")
    page.view.reason_edit.setPlainText("改过的原因")
    # WHEN another page is chosen and the person keeps the edit: they stay
    fake_prompts.confirm_answer = False
    window.view.nav.setCurrentRow(window.page_keys().index("phrases"))
    assert window.current_key() == "compliance" and page.view.reason_edit.toPlainText() == "改过的原因"
    # WHEN they give it up: the form is back to the saved rule and they leave
    fake_prompts.confirm_answer = True
    window.show_page("phrases")
    assert window.current_key() == "phrases" and not page.is_dirty()
    runner.wait_until_idle(10)
