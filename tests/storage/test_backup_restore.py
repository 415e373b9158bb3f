"""Online backup and verified restore of a SQLite database."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import select

from cstrainer.storage.database import (
    DatabaseError,
    DatabaseTooNewError,
    integrity_check,
    open_database,
    restore_sqlite,
    sqlite_backup,
)
from cstrainer.storage.models import Brand


def _db_with_brand(path: Path, name: str) -> None:
    db = open_database(f"sqlite:///{path}")
    with db.session() as s:
        s.add(Brand(key="b1", name=name))
    db.dispose()


def test_backup_while_open_is_complete_and_verified(tmp_path: Path) -> None:
    live = tmp_path / "live.sqlite"
    db = open_database(f"sqlite:///{live}")
    with db.session() as s:  # committed but possibly still only in the WAL
        s.add(Brand(key="b1", name="栖香"))
    copy = sqlite_backup(live, tmp_path / "bk" / "copy.sqlite")
    db.dispose()
    assert integrity_check(copy) == "ok"
    assert not Path(str(copy) + "-wal").exists()
    con = sqlite3.connect(copy)
    assert con.execute("SELECT name FROM brands").fetchall() == [("栖香",)]
    con.close()


def test_restore_replaces_content_and_keeps_a_safety_copy(tmp_path: Path) -> None:
    # GIVEN a backup holding 旧品牌 and a live database that has since changed to 新品牌
    live = tmp_path / "live.sqlite"
    _db_with_brand(live, "旧品牌")
    backup = sqlite_backup(live, tmp_path / "backup.sqlite")
    db = open_database(f"sqlite:///{live}")
    with db.session() as s:
        s.scalars(select(Brand)).one().name = "新品牌"
    db.dispose()
    # WHEN the backup is restored
    safety = restore_sqlite(backup, live)
    # THEN the live file has the old content, passes integrity_check, and the replaced state was kept
    assert integrity_check(live) == "ok"
    db = open_database(f"sqlite:///{live}")
    with db.session() as s:
        assert s.scalars(select(Brand.name)).one() == "旧品牌"
    db.dispose()
    assert safety is not None
    con = sqlite3.connect(safety)
    assert con.execute("SELECT name FROM brands").fetchone()[0] == "新品牌"
    con.close()


def test_restore_refuses_a_file_that_is_not_a_database(tmp_path: Path) -> None:
    live = tmp_path / "live.sqlite"
    _db_with_brand(live, "栖香")
    before = live.read_bytes()
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(DatabaseError, match=r"junk\.sqlite"):
        restore_sqlite(junk, live)
    assert live.read_bytes() == before


def test_restore_refuses_a_sqlite_file_from_another_program(tmp_path: Path) -> None:
    other = tmp_path / "other.sqlite"
    con = sqlite3.connect(other)
    con.execute("CREATE TABLE t (x)")
    con.commit()
    con.close()
    with pytest.raises(DatabaseError, match="不是客服训练营的数据库"):
        restore_sqlite(other, tmp_path / "live.sqlite")


def test_restore_refuses_a_backup_from_a_newer_version(tmp_path: Path) -> None:
    newer = tmp_path / "newer.sqlite"
    _db_with_brand(newer, "x")
    con = sqlite3.connect(newer)
    con.execute("UPDATE alembic_version SET version_num='9999'")
    con.commit()
    con.close()
    with pytest.raises(DatabaseTooNewError):
        restore_sqlite(newer, tmp_path / "live.sqlite")


def test_restore_of_a_missing_file_names_it(tmp_path: Path) -> None:
    with pytest.raises(DatabaseError, match="备份文件不存在"):
        restore_sqlite(tmp_path / "nope.sqlite", tmp_path / "live.sqlite")
