"""Automatic daily backups of a SQLite database, and the list of backups to restore from.

All backups live in one folder, :func:`cstrainer.paths.backup_dir` (``<data dir>/backups``), named
``<db name>-<YYYYmmdd-HHMMSS>-<reason>.sqlite``. The reason tells the kind:

- ``auto``: made by :func:`run_if_due` (the desktop app's timer, or ``cstrainer db backup --auto``
  from a scheduled task). Only these are pruned, to the newest ``keep`` per database.
- ``pre-upgrade-<rev>``: made by ``open_database`` before a schema upgrade.
- ``pre-restore``: the state a restore replaced.
- anything else (``backup``, or a name chosen in the save dialog): a manual backup.

:func:`run_if_due` makes an automatic backup when the newest good one is 24 hours old or older:
the copy goes through SQLite's online backup API into a ``.part`` file, is checked, renamed, then
verified again (integrity_check, the source's schema revision, and that it opens and every table
can be counted). A backup that fails verification is deleted and reported; older backups are
pruned only after a new one was verified. The clock is injectable for tests. Nothing here imports Qt.
"""

from __future__ import annotations

import logging
import re
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cstrainer import paths
from cstrainer.storage.database import (
    DatabaseError,
    check_backup_file,
    revision_of_file,
    sqlite_backup,
)

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]

AUTO, MANUAL, PRE_UPGRADE, PRE_RESTORE = "auto", "manual", "pre-upgrade", "pre-restore"
KIND_LABELS = {AUTO: "自动", MANUAL: "手动", PRE_UPGRADE: "升级前", PRE_RESTORE: "恢复前"}
DUE_AFTER = timedelta(hours=24)
STAMP_FORMAT = "%Y%m%d-%H%M%S"

# One backup or restore at a time within a process: the app's timer runs on a pool thread while a
# manager may be restoring on the database thread.
BACKUP_LOCK = threading.Lock()

_NAME = re.compile(
    r"^(?P<stem>.+?)-(?P<stamp>\d{8}-\d{6}|\d{8}-\d{4})(?:-(?P<reason>[A-Za-z][\w.-]*?))?(?:-(?P<n>\d+))?\.(?:sqlite|db)$"
)


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    kind: str  # AUTO, MANUAL, PRE_UPGRADE or PRE_RESTORE
    created: datetime  # aware; from the name when it carries a time stamp, else the file's mtime
    size: int  # bytes
    database: str  # the database's file name without extension, as in the backup's name
    revision: str | None  # schema revision, None when unreadable (see ``problem``)
    problem: str | None = None  # why the file does not look like a usable backup

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)

    @property
    def name(self) -> str:
        return self.path.name


def _kind(reason: str | None) -> str:
    if reason == AUTO:
        return AUTO
    if reason and reason.startswith("pre-upgrade"):
        return PRE_UPGRADE
    if reason and reason.startswith("pre-restore"):
        return PRE_RESTORE
    return MANUAL


def _parse_stamp(stamp: str) -> datetime | None:
    for fmt in (STAMP_FORMAT, "%Y%m%d-%H%M"):
        try:
            return datetime.strptime(stamp, fmt).astimezone()  # names carry local time
        except ValueError:
            continue
    return None


def describe_file(path: Path, *, read_revision: bool = True) -> BackupInfo:
    stat = path.stat()
    m = _NAME.match(path.name)
    created = _parse_stamp(m["stamp"]) if m else None
    if created is None:
        created = datetime.fromtimestamp(stat.st_mtime, UTC).astimezone()
    revision, problem = None, None
    if read_revision:
        try:
            revision = revision_of_file(path)
            if revision is None:
                problem = "不是客服训练营的数据库（没有版本信息）"
        except (DatabaseError, sqlite3.Error) as exc:
            problem = str(exc)
    return BackupInfo(
        path=path,
        kind=_kind(m["reason"]) if m else MANUAL,
        created=created,
        size=stat.st_size,
        database=m["stem"] if m else path.stem,
        revision=revision,
        problem=problem,
    )


def list_backups(
    folder: Path | None = None, *, database: str | None = None, read_revision: bool = True
) -> list[BackupInfo]:
    """Backups in ``folder`` (default: the backups folder), newest first; ``database`` filters by name."""
    folder = folder or paths.backup_dir()
    if not folder.is_dir():
        return []
    found = []
    for path in folder.iterdir():
        if not path.is_file() or path.suffix not in (".sqlite", ".db"):
            continue
        try:
            info = describe_file(path, read_revision=read_revision)
        except OSError:  # deleted while listing
            continue
        if database is None or info.database == database:
            found.append(info)
    found.sort(key=lambda b: (b.created, b.path.name), reverse=True)
    return found


@dataclass
class AutoBackupOutcome:
    """What :func:`run_if_due` did. ``made`` is the new verified backup, if one was made."""

    due: bool
    made: Path | None = None
    newest: BackupInfo | None = None  # the newest good automatic backup after the run
    pruned: list[Path] = field(default_factory=list)
    removed_corrupt: list[str] = field(default_factory=list)  # "name（why）" of damaged backups deleted
    error: str | None = None  # why no backup could be made when one was due

    @property
    def ok(self) -> bool:
        return self.error is None

    def summary(self) -> str:
        parts = []
        if self.made is not None:
            parts.append(f"已自动备份到 {self.made}（已校验）")
        elif not self.due and self.newest is not None:
            when = self.newest.created.astimezone().strftime("%Y-%m-%d %H:%M")
            parts.append(f"最近一次自动备份在 {when}，不到 24 小时，无需备份")
        if self.pruned:
            parts.append(f"按保留份数删除了 {len(self.pruned)} 份较早的自动备份")
        if self.removed_corrupt:
            parts.append("删除了未通过校验的自动备份：" + "、".join(self.removed_corrupt))
        if self.error:
            parts.append(self.error)
        return "；".join(parts) + "。"


def verify_backup(backup: Path, expected_revision: str | None) -> None:
    """Integrity check, revision and that every table can be read; raises DatabaseError."""
    checked = check_backup_file(backup)  # integrity_check, revision known, row counts readable
    if expected_revision is not None and checked.revision != expected_revision:
        raise DatabaseError(
            f"备份 {backup} 的结构版本为 {checked.revision}，与数据库的 {expected_revision} 不一致"
        )


def _auto_name(db_file: Path, folder: Path, now: datetime) -> Path:
    stamp = now.astimezone().strftime(STAMP_FORMAT)
    dest = folder / f"{db_file.stem}-{stamp}-{AUTO}.sqlite"
    n = 1
    while dest.exists():
        n += 1
        dest = folder / f"{db_file.stem}-{stamp}-{AUTO}-{n}.sqlite"
    return dest


def run_if_due(
    db_file: Path,
    *,
    keep: int,
    folder: Path | None = None,
    clock: Clock = utc_now,
    due_after: timedelta = DUE_AFTER,
    force: bool = False,
) -> AutoBackupOutcome:
    """Make a verified automatic backup of ``db_file`` if the newest one is ``due_after`` old.

    The newest automatic backup younger than ``due_after`` is quick-checked first; if it turns out
    damaged it is deleted (and reported) and a new backup is made. After a new backup is verified,
    automatic backups of this database beyond the newest ``keep`` are deleted. Manual, pre-upgrade
    and pre-restore backups are never touched.
    """
    if keep < 1:
        raise ValueError("keep must be at least 1")
    db_file = Path(db_file)
    folder = folder or paths.backup_dir()
    with BACKUP_LOCK:
        now = clock()
        outcome = AutoBackupOutcome(due=True)
        autos = [
            b for b in list_backups(folder, database=db_file.stem, read_revision=False) if b.kind == AUTO
        ]
        for recent in autos:
            if now - recent.created >= due_after:
                break
            try:
                check_backup_file(recent.path, quick=True)
            except DatabaseError as exc:
                log.warning("automatic backup %s is damaged, removing it: %s", recent.path, exc)
                recent.path.unlink(missing_ok=True)
                outcome.removed_corrupt.append(f"{recent.path.name}（{exc}）")
                continue
            if not force:
                outcome.due = False
                outcome.newest = recent
                return outcome
            break
        if not db_file.is_file():
            outcome.error = f"数据库文件不存在：{db_file}，未备份"
            return outcome
        folder.mkdir(parents=True, exist_ok=True)
        dest = _auto_name(db_file, folder, now)
        try:
            expected = revision_of_file(db_file)
            sqlite_backup(db_file, dest)
            verify_backup(dest, expected)
        except DatabaseError as exc:
            log.error("automatic backup of %s failed verification: %s", db_file, exc)
            dest.unlink(missing_ok=True)
            outcome.error = f"自动备份失败：{exc}"
            return outcome
        log.info("automatic backup of %s written to %s (verified)", db_file, dest)
        outcome.made = dest
        outcome.newest = describe_file(dest)
        outcome.pruned = prune(db_file.stem, keep=keep, folder=folder)
        return outcome


def prune(database: str, *, keep: int, folder: Path | None = None) -> list[Path]:
    """Delete automatic backups of ``database`` beyond the newest ``keep``; returns what was deleted."""
    autos = [b for b in list_backups(folder, database=database, read_revision=False) if b.kind == AUTO]
    removed = []
    for old in autos[keep:]:
        try:
            old.path.unlink()
        except OSError as exc:
            log.warning("could not delete old automatic backup %s: %s", old.path, exc)
            continue
        removed.append(old.path)
        log.info("pruned automatic backup %s", old.path)
    return removed
