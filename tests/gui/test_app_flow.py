"""From start to the main window: opening the database, first start, login, logout; run()."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest

from cstrainer.gui import app as gui_app
from cstrainer.gui import errors
from cstrainer.gui.app_flow import EXIT_DB_UNAVAILABLE, AppFlow
from cstrainer.gui.pages.admin_page import AdminPage
from cstrainer.gui.qt import QApplication, QMessageBox, Qt, QTimer

pytestmark = pytest.mark.gui


@pytest.fixture
def flow(qtbot: Any, runner: Any) -> Any:
    flows: list[AppFlow] = []

    def make(db_url: str) -> AppFlow:
        f = AppFlow(runner, db_url)
        flows.append(f)
        return f

    yield make
    for f in flows:
        f.close_all()
    runner.shutdown()
    for f in flows:
        f.close_services()


def _copy(template: Path, tmp_path: Path) -> str:
    import shutil

    path = tmp_path / "app.sqlite"
    shutil.copyfile(template, path)
    return f"sqlite:///{path}"


def test_first_start_to_main_window(
    qtbot: Any, flow: Any, _gui_templates: dict[str, Path], tmp_path: Path, screenshot: Any
) -> None:
    # GIVEN an empty database
    f = flow(_copy(_gui_templates["empty"], tmp_path))
    f.start()
    assert f.splash is not None and f.splash.isVisible()
    screenshot(f.splash, "splash")

    # WHEN it has opened, the first-start dialog asks for a manager
    qtbot.waitUntil(lambda: f.first_run_dialog is not None and f.first_run_dialog.isVisible(), timeout=30000)
    assert f.splash is None
    d = f.first_run_dialog
    d.login_edit.setText("zhangwei")
    d.name_edit.setText("张伟")
    d.password_edit.setText("Manager-2024")
    d.confirm_edit.setText("Manager-2024")
    qtbot.mouseClick(d.ok_button, Qt.MouseButton.LeftButton)

    # THEN the login dialog follows, with the new login filled in and a notice
    qtbot.waitUntil(lambda: f.login_dialog is not None and f.login_dialog.isVisible(), timeout=30000)
    login = f.login_dialog
    assert login.login_edit.text() == "zhangwei"
    assert "已创建" in login.intro.text()
    screenshot(login, "login_dialog_after_first_run")
    login.password_edit.setText("Manager-2024")
    qtbot.mouseClick(login.ok_button, Qt.MouseButton.LeftButton)

    # ... and then the main window, with the manager's pages
    qtbot.waitUntil(lambda: f.window is not None and f.window.isVisible(), timeout=30000)
    assert "管理" in f.window.page_titles()
    assert isinstance(f.window.show_page("admin"), AdminPage)

    # Logging out goes back to the login dialog; quitting from there ends the app with 0
    f.window.view.switch_user_action.trigger()
    qtbot.waitUntil(lambda: f.login_dialog is not None and f.login_dialog.isVisible(), timeout=5000)
    assert f.window is None
    with qtbot.waitSignal(f.finished, timeout=2000) as blocker:
        f.login_dialog.reject()
    assert blocker.args == [0]


def test_existing_database_goes_straight_to_login(
    qtbot: Any, flow: Any, _gui_templates: dict[str, Path], tmp_path: Path, accounts: Any
) -> None:
    f = flow(_copy(_gui_templates["people"], tmp_path))
    f.start()
    qtbot.waitUntil(lambda: f.login_dialog is not None and f.login_dialog.isVisible(), timeout=30000)
    assert f.first_run_dialog is None
    f.login_dialog.login_edit.setText(accounts.trainee[0])
    f.login_dialog.password_edit.setText(accounts.trainee[2])
    qtbot.mouseClick(f.login_dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: f.window is not None and f.window.isVisible(), timeout=30000)
    assert f.window.page_titles() == [
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
    # closing the main window quits
    with qtbot.waitSignal(f.finished, timeout=2000) as blocker:
        f.window.close()
    assert blocker.args == [0]


def test_a_database_that_cannot_be_opened(
    qtbot: Any, flow: Any, tmp_path: Path, real_error_dialogs: None, screenshot: Any
) -> None:
    bad = tmp_path / "not-a-database.sqlite"
    bad.write_bytes(b"this is not sqlite at all" * 100)
    f = flow(f"sqlite:///{bad}")
    f.start()
    qtbot.waitUntil(lambda: f.error_box is not None and f.error_box.isVisible(), timeout=30000)
    box = f.error_box
    assert box.windowTitle() == "无法打开数据库"
    assert "无法连接数据库" in box.text() or "数据库" in box.text()
    assert box.icon() == QMessageBox.Icon.Warning  # a DatabaseError: a sentence, not a crash
    screenshot(box, "database_error")
    with qtbot.waitSignal(f.finished, timeout=2000) as blocker:
        box.button(QMessageBox.StandardButton.Ok).click()
    assert blocker.args == [EXIT_DB_UNAVAILABLE]


def test_run_starts_the_app_and_exits_with_the_flow_code(
    qtbot: Any, qapp: Any, tmp_path: Path, restore_logging: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The real entry point, on the offscreen platform: reaches the first-start dialog, then quits."""
    from cstrainer.gui.first_run_dialog import FirstRunDialog

    seen: dict[str, Any] = {}
    monkeypatch.setattr(errors, "_hook", None)

    def poll() -> None:
        dialogs = [
            w for w in QApplication.topLevelWidgets() if isinstance(w, FirstRunDialog) and w.isVisible()
        ]
        if dialogs:
            seen["font"] = QApplication.font().family()
            dialogs[0].reject()  # the "退出" button: the flow finishes with 0
        else:
            QTimer.singleShot(20, poll)

    QTimer.singleShot(0, poll)
    # a safety net, never reached when all is well; stopped afterwards so that it cannot end a
    # later test's event loop
    safety = QTimer()
    safety.setSingleShot(True)
    safety.timeout.connect(lambda: QApplication.exit(99))
    safety.start(20000)
    try:
        code = gui_app.run(f"sqlite:///{tmp_path / 'run.sqlite'}", debug=False)
    finally:
        safety.stop()
    assert code == 0
    assert seen["font"] == (gui_app.cjk_font_family() or seen["font"])
    assert (tmp_path / "home" / "logs" / "cstrainer.log").is_file()
    assert logging.getLogger().level == logging.INFO
