"""The "数据" tab: counts, content-pack import/export, backup and restore."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from cstrainer.gui.context import PageContext
from cstrainer.gui.pages.data_page import DataPage
from cstrainer.gui.qt import Qt

pytestmark = pytest.mark.gui

PACK = """\
schema_version: 1
kind: brands
items:
  - key: yunduo
    name: 云朵
    description: 测试用的品牌
    voice: 亲切
    platforms: [tmall]
"""


@pytest.fixture
def make_page(qtbot: Any, services: Any, runner: Any, login_as: Any) -> Any:
    def make(who: tuple[str, str, str]) -> DataPage:
        relogins: list[str] = []
        ctx = PageContext(services, runner, login_as(who), request_relogin=relogins.append)
        page = DataPage(ctx)
        page.relogins = relogins  # type: ignore[attr-defined]
        page.resize(800, 560)
        qtbot.addWidget(page)
        page.show()
        page.page_shown()
        runner.wait_until_idle(5)
        return page

    return make


def test_counts(make_page: Any, accounts: Any, screenshot: Any) -> None:
    page = make_page(accounts.manager)
    assert page.stats["users"] == 3 and page.stats["brands"] == 2
    assert page.view.stat_values["users"].text() == "3"
    assert page.view.stat_values["teams"].text() == "1"
    assert page.view.backup_button.isVisible() and page.view.import_button.isVisible()
    screenshot(page, "data_page")


def test_import_previews_then_imports(
    qtbot: Any, make_page: Any, accounts: Any, fake_prompts: Any, tmp_path: Path, services: Any
) -> None:
    folder = tmp_path / "pack"
    folder.mkdir()
    (folder / "brands.yaml").write_text(PACK, encoding="utf-8")
    fake_prompts.directory = folder
    page = make_page(accounts.manager)

    qtbot.mouseClick(page.view.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(fake_prompts.infos), timeout=10000)
    page.ctx.runner.wait_until_idle(5)

    # the preview was asked about first, with the dry-run summary ...
    assert "预览" in fake_prompts.confirms[0] and "品牌 新增 1" in fake_prompts.confirms[0]
    # ... then the import ran and reported
    assert fake_prompts.infos[0].startswith("已导入") and "品牌 新增 1" in fake_prompts.infos[0]
    assert {b.key for b in services.users.brands()} == {"qinyu", "qingkuo", "yunduo"}
    assert page.view.stat_values["brands"].text() == "3"


def test_declining_the_preview_imports_nothing(
    qtbot: Any, make_page: Any, accounts: Any, fake_prompts: Any, tmp_path: Path, services: Any
) -> None:
    (tmp_path / "brands.yaml").write_text(PACK, encoding="utf-8")
    fake_prompts.directory = tmp_path
    fake_prompts.confirm_answer = False
    page = make_page(accounts.manager)
    page.import_pack()
    qtbot.waitUntil(lambda: bool(fake_prompts.confirms), timeout=10000)
    page.ctx.runner.wait_until_idle(5)
    assert len(services.users.brands()) == 2
    assert fake_prompts.infos == []


def test_an_invalid_pack_shows_the_errors(
    qtbot: Any, make_page: Any, accounts: Any, fake_prompts: Any, tmp_path: Path, shown_errors: Any
) -> None:
    shown_errors.expected = True
    (tmp_path / "brands.yaml").write_text(PACK.replace("name: 云朵", "nmae: 云朵"), encoding="utf-8")
    fake_prompts.directory = tmp_path
    page = make_page(accounts.manager)
    page.import_pack()
    qtbot.waitUntil(lambda: bool(shown_errors), timeout=10000)
    assert "未导入任何内容" in str(shown_errors[0])
    assert fake_prompts.confirms == []


def test_export(qtbot: Any, make_page: Any, accounts: Any, fake_prompts: Any, tmp_path: Path) -> None:
    fake_prompts.directory = tmp_path / "out"
    page = make_page(accounts.manager)
    qtbot.mouseClick(page.view.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(fake_prompts.infos), timeout=10000)
    assert (tmp_path / "out" / "brands.yaml").is_file()
    assert "已导出" in fake_prompts.infos[0]


def test_backup_then_restore_requires_login_again(
    qtbot: Any, make_page: Any, accounts: Any, fake_prompts: Any, tmp_path: Path, services: Any, login_as: Any
) -> None:
    page = make_page(accounts.manager)
    backup = tmp_path / "backups" / "before.sqlite"
    fake_prompts.save_file = backup
    qtbot.mouseClick(page.view.backup_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(fake_prompts.infos), timeout=10000)
    assert backup.is_file() and str(backup) in fake_prompts.infos[0]

    # a change after the backup ...
    services.users.disable(login_as(accounts.manager), "xiaoli")
    # ... is undone by restoring it
    fake_prompts.open_file = backup
    qtbot.mouseClick(page.view.restore_button, Qt.MouseButton.LeftButton)
    assert page.restore_picker is not None  # the list of backups, with 从其他文件… for this one
    qtbot.mouseClick(page.restore_picker.other_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(page.relogins), timeout=10000)
    assert "恢复" in fake_prompts.confirms[-1]
    assert "已恢复并校验" in fake_prompts.infos[-1]
    assert "重新登录" in page.relogins[0]
    assert services.users.get(login_as(accounts.manager), "xiaoli").active


def test_a_trainer_may_import_and_export_but_not_back_up(make_page: Any, accounts: Any) -> None:
    page = make_page(accounts.trainer)
    assert page.view.import_button.isVisible() and page.view.export_button.isVisible()
    assert not page.view.database_box.isVisible()
