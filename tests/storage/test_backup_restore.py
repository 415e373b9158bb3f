"""Online backup and verified restore of a SQLite database."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import select

from cstrainer import paths
from cstrainer.storage import database
from cstrainer.storage.database import (
    DatabaseError,
    DatabaseTooNewError,
    integrity_check,
    open_database,
    restore_sqlite,
    revision_of_file,
    sqlite_backup,
    table_counts,
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
    result = restore_sqlite(backup, live)
    # THEN the live file has the old content, passes integrity_check, and the replaced state was kept
    assert integrity_check(live) == "ok"
    db = open_database(f"sqlite:///{live}")
    with db.session() as s:
        assert s.scalars(select(Brand.name)).one() == "旧品牌"
    db.dispose()
    safety = result.safety
    assert safety is not None and result.counts["brands"] == 1
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


# --- verification after restore -------------------------------------------------------------------


def _corrupt(path: Path) -> None:
    """Overwrite pages in the middle of a SQLite file (what a bad disk or a careless copy does)."""
    data = bytearray(path.read_bytes())
    page = 4096
    assert len(data) > 4 * page
    for start in range(2 * page, len(data) - page, 3 * page):
        data[start + 8 : start + 200] = b"\xa5" * 192
    path.write_bytes(bytes(data))


def _live_and_backup(tmp_path: Path) -> tuple[Path, Path]:
    live = tmp_path / "live.sqlite"
    _db_with_brand(live, "旧品牌")
    backup = sqlite_backup(live, tmp_path / "backup.sqlite")
    db = open_database(f"sqlite:///{live}")
    with db.session() as s:
        s.add(Brand(key="b2", name="新品牌"))
    db.dispose()
    return live, backup


def test_a_tampered_backup_is_refused_and_nothing_changes(tmp_path: Path) -> None:
    # GIVEN a live database and a backup whose pages were damaged afterwards
    live, backup = _live_and_backup(tmp_path)
    _corrupt(backup)
    before = table_counts(live)
    mtime = live.stat().st_mtime_ns
    # WHEN it is restored THEN it is refused naming the file, and the live database is untouched
    with pytest.raises(DatabaseError, match=r"backup\.sqlite") as err:
        restore_sqlite(backup, live)
    assert "损坏" in str(err.value) or "不是有效的" in str(err.value)
    assert table_counts(live) == before and live.stat().st_mtime_ns == mtime
    assert not any("pre-restore" in p.name for p in paths.backup_dir().iterdir())


def test_a_restore_whose_rows_do_not_match_is_rolled_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a copy step that loses a row on the way (simulated)
    live, backup = _live_and_backup(tmp_path)
    real_copy = database._copy_database

    def lossy_copy(src: Path, dest: Path) -> None:
        real_copy(src, dest)
        if Path(src) == backup:
            con = sqlite3.connect(dest)
            con.execute("DELETE FROM brands")
            con.commit()
            con.close()

    monkeypatch.setattr(database, "_copy_database", lossy_copy)
    # WHEN restoring THEN the mismatch is named and the database is put back as it was
    with pytest.raises(DatabaseError, match=r"brands 表 0 行（备份中 1 行）") as err:
        restore_sqlite(backup, live)
    assert "已还原为恢复前的状态" in str(err.value)
    con = sqlite3.connect(live)
    assert sorted(r[0] for r in con.execute("SELECT name FROM brands")) == ["新品牌", "旧品牌"]
    con.close()
    assert integrity_check(live) == "ok"


def test_restore_reports_rows_per_table_of_the_backup(tmp_path: Path) -> None:
    live, backup = _live_and_backup(tmp_path)
    result = restore_sqlite(backup, live)
    assert result.counts == table_counts(backup) == table_counts(live)
    assert result.counts["brands"] == 1 and result.revision == revision_of_file(live)


def test_restore_onto_itself_is_refused(tmp_path: Path) -> None:
    live = tmp_path / "live.sqlite"
    _db_with_brand(live, "栖香")
    with pytest.raises(DatabaseError, match="不能用它恢复自己"):
        restore_sqlite(live, live)
