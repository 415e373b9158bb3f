"""The login dialog: success, wrong password, lockout, forced password change."""

from __future__ import annotations

from typing import Any

import pytest

from cstrainer.gui.login_dialog import LoginDialog
from cstrainer.gui.password_dialog import PasswordMode
from cstrainer.gui.qt import QDialog, Qt

pytestmark = pytest.mark.gui

MANAGER = ("boss", "张伟", "Boss-pass-1")
TRAINEE = ("xiaoli", "李小丽", "Trainee-pass-1")


@pytest.fixture(autouse=True)
def _same_accounts(accounts: Any) -> None:
    assert (accounts.manager, accounts.trainee) == (MANAGER, TRAINEE)


@pytest.fixture
def dialog(qtbot: Any, services: Any, runner: Any) -> LoginDialog:
    d = LoginDialog(services, runner)
    qtbot.addWidget(d)
    d.show()
    return d


def attempt(qtbot: Any, d: LoginDialog, login: str, password: str) -> None:
    d.login_edit.setText(login)
    d.password_edit.setText(password)
    qtbot.mouseClick(d.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not d.busy, timeout=5000)
    d.runner.wait_until_idle(5)


def test_shows_the_database(dialog: LoginDialog, services: Any, screenshot: Any) -> None:
    assert services.describe() in dialog.database_label.text()
    assert services.describe().startswith("SQLite: ")
    screenshot(dialog, "login_dialog")


def test_login_success(qtbot: Any, dialog: LoginDialog) -> None:
    with qtbot.waitSignal(dialog.succeeded, timeout=5000):
        dialog.login_edit.setText(MANAGER[0])
        dialog.password_edit.setText(MANAGER[2])
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.actor is not None and dialog.actor.login == "boss"
    assert dialog.password_edit.text() == ""


def test_wrong_password_shows_the_remaining_attempts(
    qtbot: Any, dialog: LoginDialog, screenshot: Any
) -> None:
    attempt(qtbot, dialog, TRAINEE[0], "not-the-password")
    assert dialog.isVisible() and dialog.actor is None
    assert "用户名或密码错误" in dialog.general_message()
    assert "再错 4 次" in dialog.general_message()
    assert dialog.password_edit.text() == ""
    screenshot(dialog, "login_dialog_wrong_password")


def test_five_wrong_passwords_lock_the_account(qtbot: Any, dialog: LoginDialog, screenshot: Any) -> None:
    for _ in range(5):
        attempt(qtbot, dialog, TRAINEE[0], "not-the-password")
    assert "锁定" in dialog.general_message()
    screenshot(dialog, "login_dialog_locked")
    # Even the right password is refused now, with the time it opens again.
    attempt(qtbot, dialog, TRAINEE[0], TRAINEE[2])
    assert "已锁定" in dialog.general_message()
    assert dialog.actor is None


def test_disabled_account(qtbot: Any, dialog: LoginDialog, services: Any, login_as: Any) -> None:
    services.users.disable(login_as(MANAGER), TRAINEE[0])
    attempt(qtbot, dialog, TRAINEE[0], TRAINEE[2])
    assert "已停用" in dialog.general_message()


def test_empty_fields_are_asked_for(qtbot: Any, dialog: LoginDialog) -> None:
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.field_message("login") == "请输入登录名"


def test_must_change_password_asks_for_a_new_one(
    qtbot: Any, dialog: LoginDialog, services: Any, login_as: Any, screenshot: Any
) -> None:
    # GIVEN a manager reset the trainee's password (so the trainee must choose a new one)
    services.users.set_password(login_as(MANAGER), TRAINEE[0], "Reset-by-boss-1")
    # WHEN the trainee logs in with it
    attempt(qtbot, dialog, TRAINEE[0], "Reset-by-boss-1")
    # THEN the change-password dialog opens in forced mode
    qtbot.waitUntil(
        lambda: dialog.password_dialog is not None and dialog.password_dialog.isVisible(), timeout=5000
    )
    pw = dialog.password_dialog
    assert pw is not None and pw.mode is PasswordMode.FORCED
    screenshot(pw, "password_dialog_forced")
    pw.new_edit.setText("My-own-pass-9")
    pw.confirm_edit.setText("My-own-pass-9")
    with qtbot.waitSignal(dialog.succeeded, timeout=5000):
        qtbot.mouseClick(pw.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.actor is not None and dialog.actor.login == TRAINEE[0]
    assert not services.users.get(dialog.actor, TRAINEE[0]).must_change_password
    services.auth.login(TRAINEE[0], "My-own-pass-9")


def test_declining_the_forced_change_stays_at_login(
    qtbot: Any, dialog: LoginDialog, services: Any, login_as: Any
) -> None:
    services.users.set_password(login_as(MANAGER), TRAINEE[0], "Reset-by-boss-1")
    attempt(qtbot, dialog, TRAINEE[0], "Reset-by-boss-1")
    qtbot.waitUntil(
        lambda: dialog.password_dialog is not None and dialog.password_dialog.isVisible(), timeout=5000
    )
    assert dialog.password_dialog is not None
    dialog.password_dialog.reject()
    assert dialog.isVisible() and dialog.actor is None
    assert "新密码" in dialog.general_message()
