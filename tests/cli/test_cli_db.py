"""``cstrainer db``: init on PostgreSQL, automatic backups, the backup list, verified restore."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect

from cstrainer import paths, settings
from cstrainer.cli import main
from cstrainer.domain.accounts import Role
from cstrainer.services import SYSTEM, Services
from cstrainer.storage.database import head_revision, open_database, peek_revision
from cstrainer.storage.models import Brand


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return set(inspect(conn).get_table_names())
    finally:
        engine.dispose()


def test_db_init_creates_the_schema_on_postgresql_and_a_second_run_changes_nothing(
    pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN an empty PostgreSQL database
    assert peek_revision(pg_url) is None
    # WHEN db init runs THEN the schema is at head
    code, out, err = run(capsys, "--db", pg_url, "db", "init")
    assert code == 0, err
    assert "已创建数据库结构" in out and "PostgreSQL" in out
    assert peek_revision(pg_url) == head_revision()
    tables = _tables(pg_url)
    s = Services(open_database(pg_url))
    stats = s.content.stats()
    s.close()
    assert stats["questions"] > 0  # a new database gets the shipped content
    # WHEN it runs again THEN it says so and nothing changed
    code, out, err = run(capsys, "--db", pg_url, "db", "init")
    assert code == 0, err
    assert "已是最新结构，未作改动" in out
    assert peek_revision(pg_url) == head_revision() and _tables(pg_url) == tables
    s = Services(open_database(pg_url))
    assert s.content.stats() == stats
    s.close()
    # the password never appears in what was printed
    assert ":" not in out.split("PostgreSQL: ")[1].split("@")[0]


def test_db_init_upgrades_an_old_sqlite_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fixture = Path(__file__).resolve().parents[1] / "fixtures" / "schema-0001.sqlite"
    db = tmp_path / "old.sqlite"
    db.write_bytes(fixture.read_bytes())
    code, out, err = run(capsys, "--db", f"sqlite:///{db}", "db", "init")
    assert code == 0, err
    assert f"从结构版本 0001 升级到 {head_revision()}" in out and "升级前的数据库已另存为" in out


def test_db_init_on_an_unreachable_server_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "--db", "postgresql+psycopg://kefu:pw-x@127.0.0.1:9/cstrainer", "db", "init")
    assert code == 1 and "无法连接数据库" in err and "pw-x" not in err


@pytest.fixture
def live(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path}/shop.sqlite"
    s = Services(open_database(url))  # not Services.open: seeding the shipped content takes seconds
    s.users.create_first_manager("boss", "王主管", "Kefu-2026!")
    with s.db.session() as session:
        session.add(Brand(key="qinyu", name="沁屿"))
    s.close()
    return url


def test_auto_backup_is_made_once_a_day_and_listed(live: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "--db", live, "db", "backup", "--auto")
    assert code == 0, err
    assert "已自动备份到" in out
    code, out, err = run(capsys, "--db", live, "db", "backup", "--auto")
    assert code == 0 and "无需备份" in out
    code, out, err = run(capsys, "--db", live, "db", "backups")
    assert code == 0 and "自动" in out and "-auto.sqlite" in out and head_revision() in out
    code, out, _ = run(capsys, "--db", live, "db", "backups", "--json")
    listed = json.loads(out)
    assert [b["kind"] for b in listed] == ["auto"] and listed[0]["revision"] == head_revision()
    assert listed[0]["size"] == Path(listed[0]["path"]).stat().st_size


def test_auto_backup_keeps_the_number_from_the_settings_or_keep(
    live: str, capsys: pytest.CaptureFixture[str]
) -> None:
    settings.save(settings.Settings(backup_keep=1))
    folder = paths.backup_dir()
    stale = folder / "shop-20260101-010000-auto.sqlite"
    code, *_ = run(capsys, "--db", live, "db", "backup", str(stale.with_name("tmp.sqlite")))
    assert code == 0
    (folder / "tmp.sqlite").rename(stale)
    code, out, _ = run(capsys, "--db", live, "db", "backup", "--auto")
    assert code == 0 and "删除了 1 份较早的自动备份" in out and not stale.exists()
    code, _, err = run(capsys, "--db", live, "db", "backup", "--auto", "--keep", "0")
    assert code == 1 and "--keep 至少为 1" in err


def test_backup_needs_a_path_or_auto(live: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "--db", live, "db", "backup")
    assert code == 1 and "--auto" in err


def test_restore_by_name_reports_the_verification(live: str, capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, "--db", live, "db", "backup", "--auto")
    name = json.loads(run(capsys, "--db", live, "db", "backups", "--json")[1])[0]["path"]
    s = Services(open_database(live))  # a change after the backup
    with s.db.session() as session:
        session.add(Brand(key="yunduo", name="云朵"))
    assert s.content.stats()["brands"] == 2
    s.close()
    code, out, err = run(capsys, "--db", live, "db", "restore", Path(name).name)
    assert code == 0, err
    assert "已恢复并校验：人员 1 人、题目 0 道" in out and "与备份逐表一致" in out and "完整性检查通过" in out
    assert "恢复前的数据库已另存为" in out
    s = Services(open_database(live))
    assert s.content.stats()["brands"] == 1
    s.close()


def test_a_tampered_backup_is_refused_and_nothing_changes(
    live: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    backup = tmp_path / "b.sqlite"
    run(capsys, "--db", live, "db", "backup", str(backup))
    data = bytearray(backup.read_bytes())
    for start in range(8192, len(data) - 4096, 3 * 4096):
        data[start + 8 : start + 200] = b"\xa5" * 192
    backup.write_bytes(bytes(data))
    db_file = Path(live.removeprefix("sqlite:///"))
    before = db_file.read_bytes()
    code, _, err = run(capsys, "--db", live, "db", "restore", str(backup))
    assert code == 1 and str(backup) in err and ("已损坏" in err or "不是有效的" in err)
    assert db_file.read_bytes() == before
    assert not [b for b in paths.backup_dir().iterdir() if "pre-restore" in b.name]
    con = sqlite3.connect(db_file)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    con.close()


def test_the_backup_list_needs_the_permission(
    live: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    s = Services(open_database(live))
    s.users.add(SYSTEM, "xinren", "刘新人", "Kefu-2026!", Role.TRAINEE)
    s.close()
    monkeypatch.setenv("CSTRAINER_PASSWORD", "Kefu-2026!")
    code, _, err = run(capsys, "--db", live, "--user", "xinren", "db", "backups")
    assert code == 1 and err.startswith("错误：")
