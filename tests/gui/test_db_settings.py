"""数据库设置 dialog, the restore picker on the data page, and the automatic backup timer."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import make_url

from cstrainer import paths, settings
from cstrainer.gui.app_flow import EXIT_DB_UNAVAILABLE, AppFlow
from cstrainer.gui.auto_backup import AutoBackupTimer
from cstrainer.gui.context import PageContext
from cstrainer.gui.db_settings_dialog import DbSettingsDialog
from cstrainer.gui.login_dialog import LoginDialog
from cstrainer.gui.pages.data_page import DataPage
from cstrainer.gui.qt import QDialog, Qt
from cstrainer.services.backup_schedule import AUTO, list_backups
from cstrainer.storage.database import make_backup_copy

pytestmark = pytest.mark.gui

PG_URL = os.environ.get("CSTRAINER_TEST_PG_URL")


@pytest.fixture
def dialog(qtbot: Any, runner: Any) -> DbSettingsDialog:
    d = DbSettingsDialog(runner)
    qtbot.addWidget(d)
    d.show()
    return d


def _test(qtbot: Any, d: DbSettingsDialog) -> str:
    qtbot.mouseClick(d.test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: d.test_button.isEnabled(), timeout=15000)
    return d.test_text()


def _fill_team(d: DbSettingsDialog, host: str, port: int, name: str, user: str, password: str) -> None:
    d.team_radio.setChecked(True)
    d.host_edit.setText(host)
    d.port_spin.setValue(port)
    d.name_edit.setText(name)
    d.user_edit.setText(user)
    d.password_edit.setText(password)


def test_defaults_to_the_local_database(dialog: DbSettingsDialog, screenshot: Any) -> None:
    assert dialog.local_radio.isChecked() and not dialog.team_box.isEnabled()
    assert dialog.file_edit.text() == str(paths.default_db_path())
    assert dialog.auto_check.isChecked() and dialog.keep_spin.value() == 7
    assert not dialog.override_label.isVisible()
    screenshot(dialog, "db_settings_local")


def test_team_database_is_saved_to_the_settings_file_and_takes_effect_after_restart(
    qtbot: Any, dialog: DbSettingsDialog, fake_prompts: Any, screenshot: Any
) -> None:
    _fill_team(dialog, "10.0.0.5", 5433, "cstrainer", "kefu", "Secret-pw-9")
    dialog.keep_spin.setValue(14)
    assert dialog.team_box.isEnabled() and not dialog.local_box.isEnabled()
    assert (
        "设置文件" in dialog.password_note.text()
        and str(settings.settings_path()) in dialog.password_note.text()
    )
    screenshot(dialog, "db_settings_team")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == QDialog.DialogCode.Accepted
    saved = settings.load()
    url = make_url(saved.db_url or "")
    assert (url.host, url.port, url.database, url.username, url.password) == (
        "10.0.0.5",
        5433,
        "cstrainer",
        "kefu",
        "Secret-pw-9",
    )
    assert saved.backup_keep == 14 and saved.auto_backup
    assert "重新启动程序后生效" in fake_prompts.infos[-1]


def test_missing_fields_are_named_before_saving(qtbot: Any, dialog: DbSettingsDialog) -> None:
    dialog.team_radio.setChecked(True)
    dialog.name_edit.setText("cstrainer")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and "服务器地址" in dialog.message.text()
    assert not settings.settings_path().exists()


def test_saved_settings_are_shown_again(qtbot: Any, runner: Any) -> None:
    settings.save(
        settings.Settings(
            db_url="postgresql+psycopg://kefu@db.example.com/train", auto_backup=False, backup_keep=3
        )
    )
    d = DbSettingsDialog(runner)
    qtbot.addWidget(d)
    assert d.team_radio.isChecked() and d.host_edit.text() == "db.example.com" and d.port_spin.value() == 5432
    assert d.name_edit.text() == "train" and d.user_edit.text() == "kefu"
    assert not d.auto_check.isChecked() and not d.keep_spin.isEnabled() and d.keep_spin.value() == 3


def test_choosing_the_default_file_again_clears_the_saved_url(
    qtbot: Any, runner: Any, fake_prompts: Any, tmp_path: Path
) -> None:
    settings.save(settings.Settings(db_url=f"sqlite:///{tmp_path}/other.sqlite"))
    d = DbSettingsDialog(runner)
    qtbot.addWidget(d)
    assert d.local_radio.isChecked() and d.file_edit.text() == f"{tmp_path}/other.sqlite"
    qtbot.mouseClick(d.default_button, Qt.MouseButton.LeftButton)
    d.accept()
    assert settings.load().db_url is None


def test_the_environment_variable_is_pointed_out(
    qtbot: Any, runner: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("CSTRAINER_DB_URL", f"sqlite:///{tmp_path}/env.sqlite")
    d = DbSettingsDialog(runner)
    qtbot.addWidget(d)
    d.show()
    assert d.override_label.isVisible() and "CSTRAINER_DB_URL" in d.override_label.text()


def test_a_broken_settings_file_is_reported_and_can_be_replaced(qtbot: Any, runner: Any) -> None:
    path = settings.settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("{oops", encoding="utf-8")
    d = DbSettingsDialog(runner)
    qtbot.addWidget(d)
    d.show()
    assert d.load_problem_label.isVisible() and "第 1 行" in d.load_problem_label.text()
    d.accept()
    assert settings.load() == settings.Settings()


def test_connection_test_says_clearly_when_the_server_is_unreachable(
    qtbot: Any, dialog: DbSettingsDialog, screenshot: Any
) -> None:
    _fill_team(dialog, "127.0.0.1", 9, "cstrainer", "kefu", "Secret-pw-9")
    text = _test(qtbot, dialog)
    assert "无法连接到服务器 127.0.0.1:9" in text and "Secret-pw-9" not in text
    screenshot(dialog, "db_settings_unreachable")


def test_connection_test_of_the_local_file(qtbot: Any, dialog: DbSettingsDialog) -> None:
    assert "首次启动时会自动创建" in _test(qtbot, dialog)


@pytest.mark.skipif(not PG_URL, reason="CSTRAINER_TEST_PG_URL is not set")
def test_connection_test_against_postgresql(qtbot: Any, dialog: DbSettingsDialog, pg_url: str) -> None:
    u = make_url(pg_url)
    _fill_team(dialog, u.host or "", u.port or 5432, u.database or "", u.username or "", u.password or "")
    text = _test(qtbot, dialog)
    assert text.startswith("连接成功") and "数据库是空的" in text
    dialog.name_edit.setText("cstrainer_no_such_db")
    assert "没有名为 cstrainer_no_such_db 的数据库" in _test(qtbot, dialog)


def test_the_login_dialog_opens_the_settings(qtbot: Any, services: Any, runner: Any, screenshot: Any) -> None:
    d = LoginDialog(services, runner)
    qtbot.addWidget(d)
    d.show()
    screenshot(d, "login_dialog_with_settings")
    qtbot.mouseClick(d.settings_button, Qt.MouseButton.LeftButton)
    assert d.db_settings_dialog is not None and d.db_settings_dialog.isVisible()
    assert "本次启动使用的数据库：SQLite" in "".join(
        label.text() for label in d.db_settings_dialog.findChildren(type(d.database_label))
    )
    assert d.isVisible()  # the login dialog stays open


# --- the restore picker -------------------------------------------------------------------------------


@pytest.fixture
def page(qtbot: Any, services: Any, runner: Any, login_as: Any, accounts: Any) -> Any:
    relogins: list[str] = []
    ctx = PageContext(services, runner, login_as(accounts.manager), request_relogin=relogins.append)
    p = DataPage(ctx)
    p.relogins = relogins  # type: ignore[attr-defined]
    p.resize(860, 600)
    qtbot.addWidget(p)
    p.show()
    p.page_shown()
    runner.wait_until_idle(5)
    return p


def _open_picker(qtbot: Any, page: Any) -> Any:
    qtbot.mouseClick(page.view.restore_button, Qt.MouseButton.LeftButton)
    picker = page.restore_picker
    assert picker is not None
    page.ctx.runner.wait_until_idle(5)
    return picker


def test_the_picker_lists_backups_and_restores_the_chosen_one_verified(
    qtbot: Any,
    page: Any,
    services: Any,
    fake_prompts: Any,
    login_as: Any,
    accounts: Any,
    screenshot: Any,
) -> None:
    # GIVEN an automatic backup, a manual one and a pre-upgrade copy
    db_file = services.db.file_path
    auto = services.database.auto_backup(clock=lambda: datetime(2026, 12, 5, 22, 0, tzinfo=UTC)).made
    make_backup_copy(db_file, reason="backup")
    make_backup_copy(db_file, reason="pre-upgrade-0010")
    # ... and a change made after them
    services.users.disable(login_as(accounts.manager), "xiaoli")
    # WHEN the manager opens the picker
    picker = _open_picker(qtbot, page)
    kinds = [picker.table.item(r, 1).text() for r in range(picker.table.rowCount())]
    assert sorted(kinds) == ["升级前", "手动", "自动"]
    assert picker.restore_button.isEnabled()
    screenshot(picker, "restore_picker")
    # ... and restores the automatic backup
    assert picker.select_path(auto)
    qtbot.mouseClick(picker.restore_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(page.relogins), timeout=10000)
    # THEN the verification is reported, everyone logs in again, and the data is the backup's
    assert auto.name in fake_prompts.confirms[-1]
    report = fake_prompts.infos[-1]
    assert (
        "已恢复并校验：人员 3 人" in report
        and "与备份逐表一致" in report
        and "恢复前的数据已另存为" in report
    )
    assert "重新登录" in page.relogins[0]
    assert services.users.get(login_as(accounts.manager), "xiaoli").active


def test_a_tampered_backup_is_greyed_out_and_refused_from_a_file(
    qtbot: Any,
    page: Any,
    services: Any,
    shown_errors: Any,
    login_as: Any,
    accounts: Any,
    fake_prompts: Any,
    screenshot: Any,
) -> None:
    shown_errors.expected = True
    made = services.database.auto_backup().made
    data = bytearray(made.read_bytes())
    for start in range(8192, len(data) - 4096, 3 * 4096):
        data[start + 8 : start + 200] = b"\xa5" * 192
    made.write_bytes(bytes(data))
    services.users.disable(login_as(accounts.manager), "xiaoli")
    # the list shows it greyed out, with the reason, and it cannot be chosen
    picker = _open_picker(qtbot, page)
    item = picker.table.item(0, 4)
    assert item.text() == made.name and not (item.flags() & Qt.ItemFlag.ItemIsEnabled)
    assert "不能用于恢复" in item.toolTip() and "灰色" in picker.empty_label.text()
    assert picker.select_path(made) and picker.selected() is None and not picker.restore_button.isEnabled()
    screenshot(picker, "restore_picker_damaged")
    # chosen as a file anyway, it is refused with the reason, and nothing changes
    fake_prompts.open_file = made
    qtbot.mouseClick(picker.other_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(shown_errors), timeout=10000)
    assert made.name in str(shown_errors[0]) and page.relogins == []
    assert not services.users.get(login_as(accounts.manager), "xiaoli").active  # unchanged
    assert not [b for b in list_backups() if b.kind == "pre-restore"]


def test_restore_from_a_file_elsewhere(
    qtbot: Any, page: Any, services: Any, fake_prompts: Any, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "u-disk" / "shop-copy.sqlite"
    services.database.backup(page.ctx.actor, elsewhere)
    picker = _open_picker(qtbot, page)
    assert picker.table.rowCount() == 0 and "还没有备份" in picker.empty_label.text()
    assert not picker.restore_button.isEnabled()
    fake_prompts.open_file = elsewhere
    qtbot.mouseClick(picker.other_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(page.relogins), timeout=10000)
    assert "已恢复并校验" in fake_prompts.infos[-1]


def test_the_data_page_shows_the_automatic_backups_and_opens_the_settings(
    qtbot: Any, page: Any, services: Any, screenshot: Any
) -> None:
    assert "还没有自动备份" in page.view.auto_backup_label.text()
    services.database.auto_backup()
    page.page_shown()
    page.ctx.runner.wait_until_idle(5)
    assert "每天一次，保留最近 7 份" in page.view.auto_backup_label.text()
    assert "现有 1 份" in page.view.auto_backup_label.text()
    screenshot(page, "data_page_backups")
    qtbot.mouseClick(page.view.settings_button, Qt.MouseButton.LeftButton)
    assert page.settings_dialog is not None and page.settings_dialog.isVisible()


# --- the timer ---------------------------------------------------------------------------------------


def test_the_timer_backs_up_when_due_and_not_again_the_same_day(
    qtbot: Any, services: Any, runner: Any
) -> None:
    now = [datetime(2026, 12, 6, 1, 0, tzinfo=UTC)]
    shown: list[str] = []
    timer = AutoBackupTimer(
        runner, lambda: services, status=shown.append, clock=lambda: now[0], first_check_ms=0
    )
    timer.start()
    qtbot.waitUntil(lambda: timer.last_outcome is not None, timeout=10000)
    assert timer.last_outcome is not None and timer.last_outcome.made is not None
    assert "已自动备份" in shown[-1]
    now[0] += timedelta(hours=5)
    task = timer.check()
    assert task is not None
    runner.wait_until_idle(5)
    assert timer.last_outcome.made is None and not timer.last_outcome.due and len(shown) == 1
    now[0] += timedelta(hours=20)
    timer.check()
    runner.wait_until_idle(5)
    assert timer.last_outcome.made is not None
    assert len([b for b in list_backups() if b.kind == AUTO]) == 2
    timer.stop()


def test_the_timer_does_nothing_when_turned_off_or_not_open(services: Any, runner: Any) -> None:
    settings.save(settings.Settings(auto_backup=False))
    assert AutoBackupTimer(runner, lambda: services).check() is None
    settings.save(settings.Settings(auto_backup=True))
    assert AutoBackupTimer(runner, lambda: None).check() is None
    assert list_backups() == []


def test_an_unreachable_database_at_start_offers_the_settings(
    qtbot: Any, runner: Any, real_error_dialogs: None, fake_prompts: Any, screenshot: Any
) -> None:
    # GIVEN settings that point at a team server nobody listens on
    settings.save(settings.Settings(db_url="postgresql+psycopg://kefu:pw@127.0.0.1:9/cstrainer"))
    flow = AppFlow(runner, None)
    try:
        flow.start()
        qtbot.waitUntil(lambda: flow.error_box is not None and flow.error_box.isVisible(), timeout=15000)
        box = flow.error_box
        assert box is not None and "数据库设置" in box.informativeText()
        screenshot(box, "database_error_with_settings")
        settings_button = next(b for b in box.buttons() if b.text() == "数据库设置…")
        # WHEN the person opens the settings from the error box and switches back to the local file
        settings_button.click()
        qtbot.waitUntil(lambda: flow.settings_dialog is not None and flow.settings_dialog.isVisible())
        dialog = flow.settings_dialog
        assert dialog is not None and dialog.team_radio.isChecked() and dialog.host_edit.text() == "127.0.0.1"
        dialog.local_radio.setChecked(True)
        # THEN it is saved and the app ends, to be started again
        with qtbot.waitSignal(flow.finished, timeout=5000) as blocker:
            dialog.accept()
        assert blocker.args == [EXIT_DB_UNAVAILABLE]
        assert settings.load().db_url is None and "重新启动程序后生效" in fake_prompts.infos[-1]
    finally:
        flow.close_all()
