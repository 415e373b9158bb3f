"""User administration: the people table and its dialogs."""

from __future__ import annotations

from typing import Any

import pytest

from cstrainer.domain.accounts import Role
from cstrainer.gui.context import PageContext
from cstrainer.gui.pages.user_dialogs import UserFormDialog
from cstrainer.gui.pages.users_page import UsersPage
from cstrainer.gui.password_dialog import ChangePasswordDialog, PasswordMode
from cstrainer.gui.qt import Qt

pytestmark = pytest.mark.gui


@pytest.fixture
def make_page(qtbot: Any, services: Any, runner: Any, login_as: Any) -> Any:
    def make(who: tuple[str, str, str]) -> UsersPage:
        status: list[str] = []
        ctx = PageContext(services, runner, login_as(who), show_status=status.append)
        page = UsersPage(ctx)
        page.status_messages = status  # type: ignore[attr-defined]
        page.resize(900, 500)
        qtbot.addWidget(page)
        page.show()
        page.page_shown()
        runner.wait_until_idle(5)
        return page

    return make


def logins(page: UsersPage) -> list[str]:
    return [page.proxy.index(r, 0).data() for r in range(page.proxy.rowCount())]


def cell(page: UsersPage, login: str, column: int) -> str:
    row = page.model.find(lambda u: u.login == login)
    return str(page.model.index(row, column).data())


def test_the_table_lists_everyone(make_page: Any, accounts: Any, screenshot: Any) -> None:
    page = make_page(accounts.manager)
    headers = [page.model.headerData(c, Qt.Orientation.Horizontal) for c in range(page.model.columnCount())]
    assert headers == ["登录名", "姓名", "角色", "小组", "品牌", "状态", "最近登录"]
    assert logins(page) == ["boss", "peixun", "xiaoli"]
    assert cell(page, "xiaoli", 2) == "新人"
    assert cell(page, "xiaoli", 3) == "沁屿售前组"
    assert cell(page, "peixun", 4) == "轻廓、沁屿"
    assert cell(page, "xiaoli", 5) == "正常"
    assert page.view.count_label.text() == "共 3 人"
    screenshot(page, "users_page")


def test_filter(make_page: Any, accounts: Any) -> None:
    page = make_page(accounts.manager)
    page.view.filter_edit.setText("培训")
    assert logins(page) == ["peixun"]
    page.view.filter_edit.setText("XIAO")
    assert logins(page) == ["xiaoli"]
    assert page.view.count_label.text() == "显示 1 / 3 人"


def test_create_a_user_through_the_dialog(
    qtbot: Any, make_page: Any, accounts: Any, services: Any, screenshot: Any
) -> None:
    page = make_page(accounts.manager)
    qtbot.mouseClick(page.view.new_button, Qt.MouseButton.LeftButton)
    dialog = page.dialog
    assert isinstance(dialog, UserFormDialog) and dialog.isVisible()
    qtbot.keyClicks(dialog.login_edit, "chenjy")
    dialog.name_edit.setText("陈佳怡")
    dialog.role_combo.setCurrentIndex(dialog.role_combo.findData(Role.AGENT))
    dialog.team_combo.setCurrentIndex(dialog.team_combo.findData("qinyu-presale"))
    assert dialog.checked_brands() == ["qinyu"]  # suggested from the team
    dialog.password_edit.setText("Start-pass-1")
    dialog.confirm_edit.setText("Start-pass-1")
    screenshot(dialog, "user_dialog_new")
    with qtbot.waitSignal(dialog.succeeded, timeout=5000):
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "chenjy" in logins(page), timeout=5000)
    assert cell(page, "chenjy", 2) == "客服"
    assert page.selected_user() is not None and page.selected_user().login == "chenjy"  # type: ignore[union-attr]
    boss = services.auth.login(*accounts.manager[::2])
    assert services.users.get(boss, "chenjy").must_change_password


def test_a_taken_login_is_refused_inline(qtbot: Any, make_page: Any, accounts: Any, screenshot: Any) -> None:
    page = make_page(accounts.manager)
    page.new_user()
    dialog = page.dialog
    assert isinstance(dialog, UserFormDialog)
    dialog.login_edit.setText("xiaoli")
    dialog.name_edit.setText("又一个小丽")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.field_message("login") != "", timeout=5000)
    assert dialog.field_message("login") == "登录名 xiaoli 已被占用"
    assert dialog.isVisible()
    screenshot(dialog, "user_dialog_taken_login")


def test_edit_role_team_and_brands(qtbot: Any, make_page: Any, accounts: Any, screenshot: Any) -> None:
    page = make_page(accounts.manager)
    assert page.select_login("xiaoli")
    qtbot.mouseClick(page.view.edit_button, Qt.MouseButton.LeftButton)
    dialog = page.dialog
    assert isinstance(dialog, UserFormDialog)
    assert dialog.name_edit.text() == "李小丽"
    screenshot(dialog, "user_dialog_edit")
    dialog.name_edit.setText("李小丽丽")
    dialog.role_combo.setCurrentIndex(dialog.role_combo.findData(Role.AGENT))
    dialog.team_combo.setCurrentIndex(0)  # no team
    dialog.set_brands_checked(["qinyu", "qingkuo"])
    with qtbot.waitSignal(dialog.succeeded, timeout=5000):
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: cell(page, "xiaoli", 1) == "李小丽丽", timeout=5000)
    assert cell(page, "xiaoli", 2) == "客服"
    assert cell(page, "xiaoli", 3) == ""
    assert cell(page, "xiaoli", 4) == "轻廓、沁屿"


def test_disable_and_enable(
    qtbot: Any, make_page: Any, accounts: Any, services: Any, fake_prompts: Any
) -> None:
    page = make_page(accounts.manager)
    page.select_login("xiaoli")
    assert page.view.toggle_active_button.text() == "停用"
    qtbot.mouseClick(page.view.toggle_active_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: cell(page, "xiaoli", 5) == "已停用", timeout=5000)
    assert "停用" in fake_prompts.confirms[0]
    assert page.view.toggle_active_button.text() == "启用"
    qtbot.mouseClick(page.view.toggle_active_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: cell(page, "xiaoli", 5) == "正常", timeout=5000)


def test_declined_confirmation_changes_nothing(
    qtbot: Any, make_page: Any, accounts: Any, fake_prompts: Any
) -> None:
    fake_prompts.confirm_answer = False
    page = make_page(accounts.manager)
    page.select_login("xiaoli")
    page.toggle_active()
    page.ctx.runner.wait_until_idle(5)
    assert cell(page, "xiaoli", 5) == "正常"


def test_a_manager_cannot_disable_themself(make_page: Any, accounts: Any) -> None:
    page = make_page(accounts.manager)
    page.select_login("boss")
    assert not page.view.toggle_active_button.isEnabled()


def test_reset_password(qtbot: Any, make_page: Any, accounts: Any, services: Any, screenshot: Any) -> None:
    page = make_page(accounts.manager)
    page.select_login("xiaoli")
    qtbot.mouseClick(page.view.password_button, Qt.MouseButton.LeftButton)
    dialog = page.dialog
    assert isinstance(dialog, ChangePasswordDialog) and dialog.mode is PasswordMode.RESET
    screenshot(dialog, "password_dialog_reset")
    dialog.new_edit.setText("Fresh-start-22")
    dialog.confirm_edit.setText("Fresh-start-22")
    with qtbot.waitSignal(dialog.succeeded, timeout=5000):
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    actor = services.auth.login("xiaoli", "Fresh-start-22")
    assert services.users.get(actor, "xiaoli").must_change_password
    qtbot.waitUntil(lambda: any("重设密码" in m for m in page.status_messages), timeout=2000)  # type: ignore[attr-defined]


def test_unlock(qtbot: Any, make_page: Any, accounts: Any, services: Any) -> None:
    # GIVEN xiaoli locked herself out
    from cstrainer.services.errors import AuthenticationFailed

    for _ in range(5):
        with pytest.raises(AuthenticationFailed):
            services.auth.login("xiaoli", "wrong-wrong")
    page = make_page(accounts.manager)
    page.select_login("xiaoli")
    assert cell(page, "xiaoli", 5) == "已锁定"
    assert page.view.unlock_button.isEnabled()
    # WHEN the manager unlocks her
    qtbot.mouseClick(page.view.unlock_button, Qt.MouseButton.LeftButton)
    # THEN she is back to normal and can log in
    qtbot.waitUntil(lambda: cell(page, "xiaoli", 5) == "正常", timeout=5000)
    assert not page.view.unlock_button.isEnabled()
    services.auth.login("xiaoli", accounts.trainee[2])


def test_a_trainer_sees_the_list_read_only(make_page: Any, accounts: Any, screenshot: Any) -> None:
    page = make_page(accounts.trainer)
    assert logins(page) == ["boss", "peixun", "xiaoli"]
    assert not page.view.new_button.isVisible()
    assert not page.view.password_button.isVisible()
    assert page.view.read_only_label.isVisible()
    screenshot(page, "users_page_trainer")
