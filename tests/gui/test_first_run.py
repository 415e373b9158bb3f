"""First start on an empty database: the first manager account."""

from __future__ import annotations

from typing import Any

import pytest

from cstrainer.gui.first_run_dialog import FirstRunDialog, FirstRunResult
from cstrainer.gui.qt import QDialog, Qt

pytestmark = pytest.mark.gui


@pytest.fixture
def dialog(qtbot: Any, empty_services: Any, runner: Any) -> FirstRunDialog:
    d = FirstRunDialog(empty_services, runner)
    qtbot.addWidget(d)
    d.show()
    return d


def fill(
    qtbot: Any, d: FirstRunDialog, login: str, name: str, password: str, confirm: str | None = None
) -> None:
    for edit, text in (
        (d.login_edit, login),
        (d.name_edit, name),
        (d.password_edit, password),
        (d.confirm_edit, password if confirm is None else confirm),
    ):
        edit.clear()
        if text.isascii():
            qtbot.keyClicks(edit, text)  # real key presses where QTest can type them
        else:
            edit.setText(text)  # QTest.keyClicks aborts on characters outside Latin-1


def test_creates_the_first_manager(
    qtbot: Any, dialog: FirstRunDialog, empty_services: Any, screenshot: Any
) -> None:
    # GIVEN an empty database
    assert empty_services.users.needs_first_manager()
    assert "新的数据库" in dialog.intro.text()
    assert not dialog.demo_check.isChecked()
    screenshot(dialog, "first_run_dialog")

    # WHEN the person fills in the form and clicks the create button
    fill(qtbot, dialog, "Zhangwei", "张伟", "Manager-2024")
    with qtbot.waitSignal(dialog.succeeded, timeout=5000):
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)

    # THEN the account exists, as a manager, and the dialog closed accepted
    assert dialog.result() == QDialog.DialogCode.Accepted
    result = dialog.result_info
    assert isinstance(result, FirstRunResult) and result.demo_summary is None
    assert not empty_services.users.needs_first_manager()
    actor = empty_services.auth.login("zhangwei", "Manager-2024")
    assert actor.display_name == "张伟" and actor.role.value == "manager"


def test_a_too_short_password_is_refused_inline(
    qtbot: Any, dialog: FirstRunDialog, empty_services: Any, screenshot: Any
) -> None:
    fill(qtbot, dialog, "zhangwei", "张伟", "short")
    # The message appears as soon as something is typed ...
    assert "至少需要 8 位" in dialog.field_message("password")
    # ... and clicking OK does not create anything.
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible()
    assert "至少需要 8 位" in dialog.field_message("password")
    screenshot(dialog, "first_run_dialog_invalid")
    assert empty_services.users.needs_first_manager()


def test_inline_messages_for_login_and_confirmation(qtbot: Any, dialog: FirstRunDialog) -> None:
    dialog.login_edit.setText("张")
    assert "登录名" in dialog.field_message("login")
    dialog.login_edit.clear()
    qtbot.keyClicks(dialog.login_edit, "zhang")
    assert dialog.field_message("login") == ""
    fill(qtbot, dialog, "zhang", "张", "Manager-2024", "Manager-2025")
    assert "不一致" in dialog.field_message("confirm")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible()


def test_demo_accounts_are_imported_as_the_new_manager(
    qtbot: Any, dialog: FirstRunDialog, empty_services: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[Any] = []

    class Report:
        def summary(self) -> str:
            return "已导入：人员 新增 4"

    def fake_import(actor: Any) -> Report:
        calls.append(actor)
        return Report()

    monkeypatch.setattr(empty_services.content, "import_demo_users", fake_import)
    fill(qtbot, dialog, "zhangwei", "张伟", "Manager-2024")
    dialog.demo_check.setChecked(True)
    with qtbot.waitSignal(dialog.succeeded, timeout=5000):
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert [a.login for a in calls] == ["zhangwei"]
    assert dialog.result_info is not None and dialog.result_info.demo_summary == "已导入：人员 新增 4"
