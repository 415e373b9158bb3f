"""审计日志: the audit log page (managers only): filters, paging, details and CSV export."""

from __future__ import annotations

import csv
import threading
from pathlib import Path
from typing import Any

import pytest

from cstrainer.domain.accounts import Role
from cstrainer.gui.context import PageContext
from cstrainer.gui.pages.audit_page import AuditPage
from cstrainer.gui.pages.registry import REGISTRY
from cstrainer.gui.qt import QDate, Qt

pytestmark = pytest.mark.gui


@pytest.fixture
def history(services: Any, login_as: Any, accounts: Any) -> Any:
    """Some audited work on top of the ``services`` database (boss, peixun, xiaoli)."""
    boss = login_as(accounts.manager)
    services.users.add(boss, "chenjy", "陈佳怡", "Start-pass-1", Role.AGENT, "qinyu-presale", ["qinyu"])
    services.users.disable(boss, "xiaoli")
    services.users.enable(boss, "xiaoli")
    services.users.update(boss, "chenjy", display_name="陈佳怡（售前）")
    services.users.set_password(boss, "chenjy", "Reset-pass-2")
    return services


@pytest.fixture
def make_page(qtbot: Any, history: Any, runner: Any, login_as: Any) -> Any:
    def make(who: tuple[str, str, str]) -> AuditPage:
        status: list[str] = []
        ctx = PageContext(history, runner, login_as(who), show_status=status.append)
        page = AuditPage(ctx)
        page.status_messages = status  # type: ignore[attr-defined]
        page.resize(1100, 620)
        qtbot.addWidget(page)
        page.show()
        page.page_shown()
        runner.wait_until_idle(5)
        return page

    return make


def column(page: AuditPage, c: int) -> list[str]:
    return [str(page.model.index(r, c).data()) for r in range(page.model.rowCount())]


def test_only_managers_get_the_page(login_as: Any, accounts: Any) -> None:
    import cstrainer.gui.pages.audit_page  # noqa: F401 - registers the page

    spec = REGISTRY.get("audit")
    assert spec.display_title() == "审计日志" and spec.order == 75
    assert spec.allows(login_as(accounts.manager))
    assert not spec.allows(login_as(accounts.trainer))
    assert not spec.allows(login_as(accounts.trainee))


def test_the_table_lists_entries_newest_first(make_page: Any, accounts: Any, screenshot: Any) -> None:
    page = make_page(accounts.manager)
    headers = [page.model.headerData(c, Qt.Orientation.Horizontal) for c in range(page.model.columnCount())]
    assert headers == ["时间", "操作人", "操作", "对象", "详情"]
    assert column(page, 2)[:4] == ["重设密码", "修改账号", "启用账号", "停用账号"]
    assert column(page, 3)[0] == "账号 chenjy"
    assert page.view.count_label.text() == "第 1-8 条，共 8 条"
    assert not page.view.prev_button.isEnabled() and not page.view.next_button.isEnabled()

    # the details pane shows the whole entry of the selected row
    page.view.table.selectRow(1)
    text = page.view.details.toPlainText()
    assert "操作：修改账号（user.update）" in text and "陈佳怡（售前）" in text
    page.view.table.selectRow(0)
    screenshot(page, "audit_page")
    assert "Reset-pass-2" not in page.view.details.toPlainText()


def test_filters_and_paging(make_page: Any, accounts: Any, runner: Any) -> None:
    page = make_page(accounts.manager)
    v = page.view
    # the action filter offers groups and every action in the log, by their Chinese names
    items = [v.action_combo.itemText(i) for i in range(v.action_combo.count())]
    assert items[:3] == ["全部操作", "账号", "题目"] and "停用账号" in items
    v.action_combo.setCurrentIndex(v.action_combo.findData("user.disable"))
    v.search_button.click()
    runner.wait_until_idle(5)
    assert column(page, 2) == ["停用账号"] and column(page, 3) == ["账号 xiaoli"]

    v.action_combo.setCurrentIndex(0)
    v.who_edit.setText("nobody")
    v.search_button.click()
    runner.wait_until_idle(5)
    assert page.model.rowCount() == 0 and v.count_label.text() == "没有符合条件的记录"

    v.who_edit.setText("BOSS")
    v.text_edit.setText("chen")
    v.search_button.click()
    runner.wait_until_idle(5)
    assert set(column(page, 3)) == {"账号 chenjy"} and page.total == 3

    # a period before anything happened
    v.text_edit.clear()
    v.since_edit.setDate(QDate(2020, 1, 1))
    v.until_edit.setDate(QDate(2020, 1, 31))
    v.search_button.click()
    runner.wait_until_idle(5)
    assert page.total == 0

    # pages of three
    v.since_edit.setDate(QDate.currentDate())
    v.until_edit.setDate(QDate.currentDate())
    page.page_size = 3
    v.search_button.click()
    runner.wait_until_idle(5)
    assert v.count_label.text() == "第 1-3 条，共 8 条" and v.next_button.isEnabled()
    first = column(page, 0), column(page, 2)
    v.next_button.click()
    runner.wait_until_idle(5)
    assert v.count_label.text() == "第 4-6 条，共 8 条" and v.prev_button.isEnabled()
    v.next_button.click()
    runner.wait_until_idle(5)
    assert v.count_label.text() == "第 7-8 条，共 8 条" and not v.next_button.isEnabled()
    v.prev_button.click()
    v.prev_button.click()
    runner.wait_until_idle(5)
    assert (column(page, 0), column(page, 2)) == first


def test_export_writes_every_matching_entry_off_the_ui_thread(
    make_page: Any,
    accounts: Any,
    runner: Any,
    fake_prompts: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    page = make_page(accounts.manager)
    page.page_size = 2  # the export is not limited to the page on screen
    page.view.action_combo.setCurrentIndex(page.view.action_combo.findData("user."))
    page.search()
    runner.wait_until_idle(5)

    threads: list[str] = []
    real = page.ctx.services.audit.export_csv

    def spy(*args: Any, **kwargs: Any) -> int:
        threads.append(threading.current_thread().name)
        return real(*args, **kwargs)

    monkeypatch.setattr(page.ctx.services.audit, "export_csv", spy)
    fake_prompts.save_file = tmp_path / "日志"
    page.view.export_button.click()
    runner.wait_until_idle(5)
    out = tmp_path / "日志.csv"
    assert page.last_export == out and threads and threads[0] != threading.main_thread().name
    rows = list(csv.reader(out.open(encoding="utf-8-sig")))
    assert rows[0][:5] == ["编号", "时间", "操作人", "操作", "操作代码"]
    assert len(rows) - 1 == page.total == 8
    assert page.status_messages[-1] == f"已导出 8 条操作记录到 {out}"  # type: ignore[attr-defined]
    assert "Reset-pass-2" not in out.read_text(encoding="utf-8-sig")


def test_content_work_reads_well(
    qtbot: Any, seeded_template: Path, tmp_path: Path, runner: Any, screenshot: Any
) -> None:
    """On the shipped content: a question edit, a release, a promotion read in Chinese."""
    import dataclasses
    import shutil

    from cstrainer.services import Services
    from cstrainer.storage.database import open_database

    path = tmp_path / "seeded.sqlite"
    shutil.copyfile(seeded_template, path)
    s = Services(open_database(f"sqlite:///{path}"))
    try:
        trainer, boss = s.auth.login("peixun", "demo1234"), s.auth.login("zhuguan", "demo1234")
        q = s.questions.get(trainer, s.questions.search(trainer, limit=1)[0].key)
        s.questions.save(
            trainer, dataclasses.replace(q, explanation="发货前可改地址，发货后请联系快递改派。")
        )
        s.phrases.publish(trainer, "2099.1.1", "双十二前更新催付话术")
        s.growth.promote(boss, s.users.get(boss, "xinren").id, "上岗", "试岗期表现稳定", force=True)
        page = AuditPage(PageContext(s, runner, boss))
        page.resize(1100, 620)
        qtbot.addWidget(page)
        page.show()
        page.page_shown()
        runner.wait_until_idle(5)
        labels = [str(page.model.index(r, 2).data()) for r in range(page.model.rowCount())]
        assert labels[:3] == ["晋级", "发布话术版本", "修改题目"]
        objects = [str(page.model.index(r, 3).data()) for r in range(3)]
        assert objects == ["账号 xinren", "话术版本 2099.1.1", f"题目 {q.key}"]
        page.view.table.selectRow(2)
        assert "改动的字段（changed）: [" in page.view.details.toPlainText()
        screenshot(page, "audit_page_content")
    finally:
        s.close()
