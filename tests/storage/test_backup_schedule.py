"""Automatic daily backups: when one is due, verification, pruning, and the list of backups."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from cstrainer import paths, settings
from cstrainer.services import backup_schedule
from cstrainer.services.backup_schedule import (
    AUTO,
    MANUAL,
    PRE_RESTORE,
    PRE_UPGRADE,
    list_backups,
    run_if_due,
)
from cstrainer.services.errors import InvalidInput
from cstrainer.storage.database import head_revision, integrity_check, make_backup_copy, open_database
from cstrainer.storage.models import Brand


class FakeClock:
    def __init__(self) -> None:
        self.now = datetime(2026, 12, 1, 1, 30, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kw: float) -> None:
        self.now += timedelta(**kw)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def live(tmp_path: Path) -> Path:
    path = tmp_path / "shop.sqlite"
    db = open_database(f"sqlite:///{path}")
    with db.session() as s:
        s.add(Brand(key="qinyu", name="沁屿"))
    db.dispose()
    return path


def autos(folder: Path | None = None) -> list[Path]:
    return [b.path for b in list_backups(folder) if b.kind == AUTO]


def _corrupt(path: Path) -> None:
    data = bytearray(path.read_bytes())
    for start in range(8192, len(data) - 4096, 3 * 4096):
        data[start + 8 : start + 200] = b"\xa5" * 192
    path.write_bytes(bytes(data))


def test_the_first_backup_is_due_and_verified(live: Path, clock: FakeClock) -> None:
    outcome = run_if_due(live, keep=7, clock=clock)
    assert outcome.ok and outcome.due and outcome.made is not None
    made = outcome.made
    assert made.parent == paths.backup_dir()
    assert made.name.startswith("shop-") and made.name.endswith("-auto.sqlite")
    assert integrity_check(made) == "ok"
    info = list_backups()[0]
    assert (info.kind, info.revision, info.database) == (AUTO, head_revision(), "shop")
    assert "已自动备份" in outcome.summary()
    assert not list(paths.backup_dir().glob("*.part"))


def test_not_due_within_24_hours_then_due(live: Path, clock: FakeClock) -> None:
    run_if_due(live, keep=7, clock=clock)
    clock.advance(hours=23, minutes=59)
    outcome = run_if_due(live, keep=7, clock=clock)
    assert not outcome.due and outcome.made is None and outcome.ok
    assert "不到 24 小时" in outcome.summary()
    assert len(autos()) == 1
    clock.advance(minutes=1)
    outcome = run_if_due(live, keep=7, clock=clock)
    assert outcome.due and outcome.made is not None
    assert len(autos()) == 2


def test_pruning_keeps_the_newest_n_and_never_touches_other_backups(live: Path, clock: FakeClock) -> None:
    # GIVEN a manual backup, a pre-upgrade and a pre-restore copy, and another database's auto backup
    manual = make_backup_copy(live, reason="backup")
    pre_upgrade = make_backup_copy(live, reason="pre-upgrade-0010")
    pre_restore = make_backup_copy(live, reason="pre-restore")
    other = paths.backup_dir() / "other-20261101-010000-auto.sqlite"
    other.write_bytes(manual.read_bytes())
    kinds = {b.path: b.kind for b in list_backups()}
    assert (kinds[manual], kinds[pre_upgrade], kinds[pre_restore]) == (MANUAL, PRE_UPGRADE, PRE_RESTORE)
    # WHEN ten days of automatic backups are made with keep=3
    made = []
    for _ in range(10):
        outcome = run_if_due(live, keep=3, clock=clock)
        assert outcome.made is not None
        made.append(outcome.made)
        clock.advance(days=1)
    # THEN the three newest remain, and every other backup is still there
    assert sorted(p for p in autos() if p.name.startswith("shop-")) == sorted(made[-3:])
    assert manual.exists() and pre_upgrade.exists() and pre_restore.exists() and other.exists()
    assert len(outcome.pruned) == 1


def test_a_damaged_recent_backup_is_deleted_reported_and_replaced(live: Path, clock: FakeClock) -> None:
    first = run_if_due(live, keep=7, clock=clock).made
    assert first is not None
    _corrupt(first)
    clock.advance(hours=2)
    outcome = run_if_due(live, keep=7, clock=clock)
    assert not first.exists()
    assert outcome.removed_corrupt and first.name in outcome.removed_corrupt[0]
    assert outcome.made is not None and integrity_check(outcome.made) == "ok"
    assert "未通过校验" in outcome.summary()


def test_a_backup_that_fails_verification_is_deleted_and_nothing_is_pruned(
    live: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN two good automatic backups from earlier days
    for _ in range(2):
        run_if_due(live, keep=2, clock=clock)
        clock.advance(days=1)
    good = autos()
    # WHEN today's copy turns out damaged after writing (simulated bad disk)
    real = backup_schedule.sqlite_backup

    def damaged(src: Path, dest: Path) -> Path:
        real(src, dest)
        _corrupt(dest)
        return dest

    monkeypatch.setattr(backup_schedule, "sqlite_backup", damaged)
    outcome = run_if_due(live, keep=2, clock=clock)
    # THEN it is reported and removed, and the older good backups were not pruned
    assert not outcome.ok and outcome.made is None
    assert "自动备份失败" in (outcome.error or "")
    assert autos() == good


def test_a_missing_database_file_is_reported(tmp_path: Path, clock: FakeClock) -> None:
    outcome = run_if_due(tmp_path / "gone.sqlite", keep=7, clock=clock)
    assert not outcome.ok and "数据库文件不存在" in (outcome.error or "")


def test_listing_shows_time_size_kind_revision_and_unreadable_files(live: Path, clock: FakeClock) -> None:
    run_if_due(live, keep=7, clock=clock)
    junk = paths.backup_dir() / "notes-20261130-080000.sqlite"
    junk.write_bytes(b"not a database" * 200)
    listed = list_backups()
    assert listed[0].path.name.endswith("-auto.sqlite")  # newest first
    auto, bad = listed
    assert auto.size == auto.path.stat().st_size and auto.created == clock.now
    assert bad.kind == MANUAL and bad.revision is None and bad.problem
    assert bad.created == datetime(2026, 11, 30, 8, 0).astimezone()


def test_the_service_uses_the_settings_and_refuses_postgresql(services: Any, clock: FakeClock) -> None:
    if services.db.file_path is None:
        with pytest.raises(InvalidInput, match="pg_dump"):
            services.database.auto_backup(clock=clock)
        return
    settings.save(settings.Settings(backup_keep=2))
    for _ in range(4):
        services.database.auto_backup(clock=clock)
        clock.advance(days=1)
    assert len(autos()) == 2


def test_names_are_unique_within_one_second(live: Path, clock: FakeClock) -> None:
    a = run_if_due(live, keep=7, clock=clock, force=True).made
    b = run_if_due(live, keep=7, clock=clock, force=True).made
    assert a is not None and b is not None and a != b and b.name.endswith("-auto-2.sqlite")
    con = sqlite3.connect(b)
    assert con.execute("SELECT name FROM brands").fetchall() == [("沁屿",)]
    con.close()
