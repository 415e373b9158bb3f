"""The main window: navigation by role, pages, status bar, logout; the page registry."""

from __future__ import annotations

from typing import Any

import pytest

from cstrainer.domain.accounts import Role
from cstrainer.gui.main_window import MainWindow
from cstrainer.gui.pages.account_page import AccountPage
from cstrainer.gui.pages.admin_page import AdminPage
from cstrainer.gui.pages.registry import Page, PageRegistry, register_page
from cstrainer.gui.qt import QLabel, Qt, QWidget

pytestmark = pytest.mark.gui


@pytest.fixture
def open_window(qtbot: Any, services: Any, runner: Any, login_as: Any) -> Any:
    def make(who: tuple[str, str, str], **kwargs: Any) -> MainWindow:
        window = MainWindow(services, runner, login_as(who), **kwargs)
        qtbot.addWidget(window)
        window.show()
        runner.wait_until_idle(5)
        return window

    return make


def test_a_manager_sees_admin_and_account(
    open_window: Any, accounts: Any, services: Any, screenshot: Any
) -> None:
    window = open_window(accounts.manager)
    assert window.page_titles() == [
        "我的任务",
        "考试",
        "题库",
        "试卷管理",
        "对话模拟",
        "场景编辑",
        "对话记录",
        "产品手册",
        "手册学习",
        "话术库",
        "违禁词库",
        "话术练习",
        "练习",
        "成长路径",
        "任务分配",
        "报表",
        "管理",
        "审计日志",
        "我的账号",
    ]
    assert window.current_key() == "tasks"  # the first page in the navigation (我的任务) opens first
    assert isinstance(window.show_page("admin"), AdminPage)
    assert window.current_key() == "admin"
    assert window.view.title_label.text() == "管理"
    # status bar: who and which database
    assert window.view.user_label.text() == "张伟（主管）"
    assert services.describe() in window.view.database_label.text()
    screenshot(window, "main_window_admin_users")


def test_a_trainee_does_not_see_admin(open_window: Any, accounts: Any) -> None:
    window = open_window(accounts.trainee)
    assert window.page_titles() == [
        "我的任务",
        "考试",
        "对话模拟",
        "对话记录",
        "产品手册",
        "手册学习",
        "话术库",
        "违禁词库",
        "话术练习",
        "练习",
        "成长路径",
        "报表",
        "我的账号",
    ]
    assert "admin" not in window.page_keys()
    assert "question_bank" not in window.page_keys() and "exam_admin" not in window.page_keys()
    assert window.view.user_label.text() == "李小丽（新人）"


def test_switching_pages_and_the_account_page(
    qtbot: Any, open_window: Any, accounts: Any, screenshot: Any
) -> None:
    window = open_window(accounts.manager)
    page = window.show_page("account")
    assert isinstance(page, AccountPage)
    assert window.view.stack.currentWidget() is page
    assert window.view.title_label.text() == "我的账号"
    qtbot.waitUntil(lambda: page.me is not None, timeout=5000)
    assert page.view.name_value.text() == "张伟"
    assert page.view.role_value.text() == "主管"
    assert page.history_model.rowCount() >= 1  # the login of this test
    screenshot(window, "main_window_account")
    # to 管理 and back: the same widget, not a new one
    admin = window.show_page("admin")
    window.show_page("account")
    assert window.show_page("admin") is admin


def test_a_trainee_sees_profile_team_and_brands(
    qtbot: Any, open_window: Any, accounts: Any, screenshot: Any
) -> None:
    window = open_window(accounts.trainee)
    page = window.show_page("account")
    assert isinstance(page, AccountPage)
    qtbot.waitUntil(lambda: page.me is not None, timeout=5000)
    assert page.view.team_value.text() == "沁屿售前组"
    assert page.view.brands_value.text() == "沁屿"
    screenshot(window, "main_window_trainee")


def test_change_own_password(
    qtbot: Any, open_window: Any, accounts: Any, services: Any, screenshot: Any
) -> None:
    window = open_window(accounts.trainee)
    page = window.show_page("account")
    assert isinstance(page, AccountPage)
    qtbot.mouseClick(page.view.change_password_button, Qt.MouseButton.LeftButton)
    dialog = page.password_dialog
    assert dialog is not None and dialog.isVisible()
    screenshot(dialog, "password_dialog_own")
    # a wrong old password is refused by the service, inline under the field
    dialog.old_edit.setText("wrong-old-pass")
    dialog.new_edit.setText("Brand-new-pw-1")
    dialog.confirm_edit.setText("Brand-new-pw-1")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.field_message("old_password") != "", timeout=5000)
    assert dialog.field_message("old_password") == "原密码不正确"
    # the right one works
    dialog.old_edit.setText(accounts.trainee[2])
    with qtbot.waitSignal(dialog.succeeded, timeout=5000):
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    services.auth.login(accounts.trainee[0], "Brand-new-pw-1")
    qtbot.waitUntil(lambda: "密码已修改" in window.statusBar().currentMessage(), timeout=2000)


def test_switch_user_asks_for_the_login_dialog(qtbot: Any, open_window: Any, accounts: Any) -> None:
    window = open_window(accounts.manager)
    with qtbot.waitSignal(window.logout_requested, timeout=2000) as blocker:
        window.view.switch_user_action.trigger()
    assert blocker.args == [""]


def test_about(open_window: Any, accounts: Any, fake_prompts: Any) -> None:
    window = open_window(accounts.trainee)
    window.view.about_action.trigger()
    assert "客服训练营" in fake_prompts.abouts[0] and "SQLite" in fake_prompts.abouts[0]


class _StubPage(Page):
    def __init__(self, ctx: Any, text: str = "", may_leave: bool = True) -> None:
        super().__init__()
        self.ctx = ctx
        self.shown = 0
        self.may_leave = may_leave
        QLabel(text or ctx.actor.display_name, self)

    def page_shown(self) -> None:
        self.shown += 1

    def can_leave(self) -> bool:
        return self.may_leave


def test_the_registry_filters_by_role_and_orders_pages(open_window: Any, accounts: Any) -> None:
    registry = PageRegistry()
    register_page("b", "话术库", lambda ctx: _StubPage(ctx), order=40, registry=registry)
    register_page("a", "考试", lambda ctx: _StubPage(ctx), order=10, roles={Role.TRAINEE}, registry=registry)
    register_page("c", "报表", lambda ctx: _StubPage(ctx), order=60, roles={Role.MANAGER}, registry=registry)

    trainee = open_window(accounts.trainee, registry=registry)
    assert trainee.page_keys() == ["a", "b"]
    manager = open_window(accounts.manager, registry=registry)
    assert manager.page_keys() == ["b", "c"]
    # pages are built lazily and told when shown
    assert list(manager.pages) == ["b"]
    page = manager.show_page("c")
    assert isinstance(page, _StubPage) and page.shown == 1
    manager.show_page("b")
    assert manager.show_page("c") is page and page.shown == 2


def test_only_the_page_on_show_is_laid_out(open_window: Any, accounts: Any) -> None:
    """Pages left stay alive and hidden in the stack, but out of its layout: a stacked layout
    measures every page it holds on each layout pass (the most of a page switch's time)."""
    registry = PageRegistry()
    for i, key in enumerate(("a", "b", "c")):
        register_page(key, f"页{i}", lambda ctx: _StubPage(ctx), order=i, registry=registry)
    window = open_window(accounts.trainee, registry=registry)
    stack = window.view.stack
    pages = [window.show_page(k) for k in ("a", "b", "c")]
    assert stack.layout().count() == 1 and stack.currentWidget() is pages[2] and pages[2].isVisible()
    for page in pages[:2]:
        assert page.parent() is stack and not page.isVisible()  # kept, hidden, not deleted
    assert window.show_page("a") is pages[0]
    assert stack.layout().count() == 1 and stack.currentWidget() is pages[0] and pages[0].isVisible()
    assert not pages[2].isVisible()
    # the page on show gets the whole page area
    assert pages[0].geometry() == stack.contentsRect()


def test_a_new_page_is_kept_out_of_gc_passes(open_window: Any, accounts: Any) -> None:
    import gc

    registry = PageRegistry()
    register_page("a", "页", lambda ctx: _StubPage(ctx), order=1, registry=registry)
    register_page("b", "页二", lambda ctx: _StubPage(ctx), order=2, registry=registry)
    window = open_window(accounts.trainee, registry=registry)
    assert window.page("b") is None
    gc.unfreeze()
    window.show_page("b")  # built now
    assert gc.get_freeze_count() > 0


def test_a_page_can_refuse_to_be_left(open_window: Any, accounts: Any) -> None:
    registry = PageRegistry()
    register_page("exam", "考试", lambda ctx: _StubPage(ctx, may_leave=False), order=10, registry=registry)
    register_page("other", "练习", lambda ctx: _StubPage(ctx), order=20, registry=registry)
    window = open_window(accounts.trainee, registry=registry)
    window.view.nav.setCurrentRow(1)
    assert window.current_key() == "exam"
    window.request_relogin("")  # refused as well
    assert window.isVisible()
    stuck = window.current_page()
    assert isinstance(stuck, _StubPage)
    stuck.may_leave = True
    window.view.nav.setCurrentRow(1)
    assert window.current_key() == "other"


def test_pages_get_the_context(open_window: Any, accounts: Any) -> None:
    registry = PageRegistry()
    seen: list[Any] = []

    def factory(ctx: Any) -> QWidget:
        seen.append(ctx)
        return QWidget()

    register_page("x", "练习", factory, registry=registry)
    window = open_window(accounts.trainer, registry=registry)
    assert seen[0].actor.login == accounts.trainer[0]
    assert seen[0].runner is window.ctx.runner and seen[0].services is window.ctx.services


def test_pages_can_open_another_page(open_window: Any, accounts: Any) -> None:
    """``ctx.open_page(key)``: how 我的任务 sends a person to the page where a task is done."""
    registry = PageRegistry()
    register_page("home", "我的任务", lambda ctx: _StubPage(ctx), order=5, registry=registry)
    register_page("exam", "考试", lambda ctx: _StubPage(ctx), order=10, registry=registry)
    register_page(
        "admin", "管理", lambda ctx: _StubPage(ctx), order=70, roles={Role.MANAGER}, registry=registry
    )
    window = open_window(accounts.trainee, registry=registry)
    home = window.current_page()
    assert isinstance(home, _StubPage) and window.current_key() == "home"
    exam = home.ctx.open_page("exam")
    assert isinstance(exam, _StubPage) and window.current_key() == "exam" and exam.shown == 1
    assert home.ctx.open_page("admin") is None and window.current_key() == "exam"  # not for a trainee
    exam.may_leave = False
    assert home.ctx.open_page("home") is None and window.current_key() == "exam"  # refused to be left
