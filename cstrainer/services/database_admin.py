"""Backing up and restoring the database from the app or the command line, and testing a URL.

- :meth:`DatabaseService.backup` / :meth:`DatabaseService.restore`: a manager's manual backup and a
  verified restore (integrity, schema revision and rows per table equal to the backup's).
- :meth:`DatabaseService.backups` lists the backups to pick from; :meth:`DatabaseService.auto_backup`
  is the daily automatic backup (see :mod:`cstrainer.services.backup_schedule`).
- :func:`probe_database` tries a database URL (the settings dialog's 测试连接) and says in Chinese
  what it found or why it cannot connect, without ever showing the password.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.pool import NullPool

from cstrainer import settings
from cstrainer.domain.accounts import Permission
from cstrainer.services import audit, backup_schedule
from cstrainer.services.actor import Actor
from cstrainer.services.backup_schedule import AutoBackupOutcome, BackupInfo, Clock, utc_now
from cstrainer.services.errors import InvalidInput
from cstrainer.storage.database import (
    Database,
    connection_problem,
    current_revision,
    head_revision,
    integrity_check,
    known_revisions,
    open_database,
    restore_sqlite,
    revision_of_file,
    sqlite_backup,
    timestamp,
)
from cstrainer.storage.engine import describe_url, normalise_url, sqlite_path

log = logging.getLogger(__name__)

# The tables a person recognises, in the order the restore message lists them: (table, label, unit).
MAIN_TABLES = (
    ("users", "人员", "人"),
    ("questions", "题目", "道"),
    ("exams", "试卷", "套"),
    ("attempts", "考试记录", "次"),
    ("roleplay_sessions", "对话练习", "次"),
    ("scenarios", "对话场景", "个"),
    ("phrases", "话术", "条"),
    ("handbook_entries", "手册条目", "条"),
)


@dataclass(frozen=True)
class RestoreReport:
    """A restore that was verified against the backup (see :func:`restore_sqlite`)."""

    backup: Path
    safety: Path | None  # what was there before, kept aside
    revision: str  # the backup's schema revision
    opened_revision: str  # the revision after opening (an older backup is upgraded)
    counts: dict[str, int]  # rows per table, equal in the backup and the restored database

    def verification(self) -> str:
        """'已恢复并校验：人员 12 人、题目 412 道、考试记录 1,203 次……' in one sentence."""
        shown = [f"{label} {self.counts.get(t, 0):,} {unit}" for t, label, unit in MAIN_TABLES]
        rows = sum(self.counts.values())
        text_ = (
            "已恢复并校验："
            + "、".join(shown)
            + f"；共 {len(self.counts)} 张表 {rows:,} 行，与备份逐表一致，"
            f"完整性检查通过，结构版本 {self.revision}"
        )
        if self.opened_revision != self.revision:
            text_ += f"（已升级到 {self.opened_revision}）"
        return text_ + "。"


class DatabaseService:
    """Owns the open database so that a restore can swap the file underneath everyone."""

    def __init__(self, services: object, db: Database) -> None:
        self._services = services
        self._db = db

    @property
    def db(self) -> Database:
        return self._db

    def describe(self) -> str:
        return self._db.describe()

    def _file(self) -> Path:
        file = self._db.file_path
        if file is None:
            if self._db.is_sqlite:
                raise InvalidInput("内存数据库不能备份")
            raise InvalidInput(
                "PostgreSQL 团队数据库请由管理员用 pg_dump / pg_restore 备份与恢复；本功能只用于本机 SQLite 文件"
            )
        return file

    def backup(self, actor: Actor, dest: Path) -> Path:
        """Copy the live database to ``dest`` (a file, or a folder to put a dated file in)."""
        actor.require(Permission.MANAGE_DATABASE)
        src = self._file()
        dest = Path(dest)
        if dest.is_dir():
            dest = dest / f"{src.stem}-{timestamp()}.sqlite"
        if dest.resolve() == src.resolve():
            raise InvalidInput("备份文件不能是正在使用的数据库本身")
        with backup_schedule.BACKUP_LOCK:
            sqlite_backup(src, dest)
        with self._db.session() as s:
            audit.record(s, actor, "db.backup", "database", str(dest))
        log.info("database backed up to %s", dest)
        return dest

    def backups(self, actor: Actor, folder: Path | None = None) -> list[BackupInfo]:
        """The backups in the backups folder (automatic, manual, pre-upgrade, pre-restore), newest first."""
        actor.require(Permission.MANAGE_DATABASE)
        return backup_schedule.list_backups(folder)

    def auto_backup(
        self,
        *,
        keep: int | None = None,
        folder: Path | None = None,
        clock: Clock = utc_now,
        force: bool = False,
        due_after: timedelta = backup_schedule.DUE_AFTER,
    ) -> AutoBackupOutcome:
        """The daily automatic backup, made by the app itself (no person; not audited, logged).

        ``keep`` defaults to ``backup_keep`` in the settings file.
        """
        file = self._file()
        if keep is None:
            keep = settings.load().backup_keep
        return backup_schedule.run_if_due(
            file, keep=keep, folder=folder, clock=clock, force=force, due_after=due_after
        )

    def restore(self, actor: Actor, backup_file: Path) -> RestoreReport:
        """Replace the live database with a backup and verify it; see :class:`RestoreReport`."""
        actor.require(Permission.MANAGE_DATABASE)
        target = self._file()
        backup_file = Path(backup_file)
        url = self._db.url
        with backup_schedule.BACKUP_LOCK:
            self._db.dispose()
            try:
                result = restore_sqlite(backup_file, target)
            finally:
                # Re-open whatever is there now (restored, or the untouched original) and bring it
                # to head. Every service holds this same Database object, so they all follow.
                new_db = open_database(url)
                self._db.engine = new_db.engine
                self._db.sessions = new_db.sessions
                self._db.revision = new_db.revision
                self._db.backup_path = new_db.backup_path
        report = RestoreReport(
            backup=backup_file,
            safety=result.safety,
            revision=result.revision,
            opened_revision=self._db.revision,
            counts=result.counts,
        )
        with self._db.session() as s:
            audit.record(
                s,
                actor,
                "db.restore",
                "database",
                str(backup_file),
                integrity="ok",  # restore_sqlite verified it: integrity, revision, rows per table
                revision=result.revision,
                rows=sum(result.counts.values()),
            )
        log.info("database restored from %s and verified (%s tables)", backup_file, len(result.counts))
        return report


# --- trying a URL --------------------------------------------------------------------------------


def postgres_url(host: str, port: int, database: str, user: str, password: str = "") -> str:
    """The URL for a team database, as stored in the settings file (password included if given)."""
    url = URL.create(
        "postgresql+psycopg",
        username=user or None,
        password=password or None,
        host=host,
        port=port,
        database=database,
    )
    return url.render_as_string(hide_password=False)


@dataclass(frozen=True)
class ProbeResult:
    ok: bool
    message: str  # a complete Chinese sentence for the person


def probe_database(url: str, *, timeout: int = 5) -> ProbeResult:
    """Try to connect to ``url`` and look at the schema; never raises, never shows the password."""
    try:
        u = normalise_url(url)
    except (ArgumentError, ValueError) as exc:
        return ProbeResult(False, f"数据库地址格式不正确：{_first_line(exc)}")
    where = describe_url(u)
    file = sqlite_path(u)
    if u.get_backend_name() == "sqlite":
        return _probe_sqlite(Path(file) if file else None, where)
    if u.get_backend_name() != "postgresql":
        return ProbeResult(False, f"不支持的数据库类型 {u.get_backend_name()}：请使用 SQLite 或 PostgreSQL。")
    engine = create_engine(u, poolclass=NullPool, connect_args={"connect_timeout": timeout})
    try:
        with engine.connect() as conn:
            version = str(conn.execute(text("SHOW server_version")).scalar() or "")
            revision = current_revision(conn)
            tables = set(inspect(conn).get_table_names())
    except Exception as exc:  # every driver error becomes a sentence
        return ProbeResult(False, connection_problem(exc, u))
    finally:
        engine.dispose()
    major = version.split(".")[0]
    server = f"PostgreSQL {version}"
    if major.isdigit() and int(major) < 13:
        return ProbeResult(
            False, f"已连接到 {where}，但服务器是 {server}：本程序需要 PostgreSQL 13 或更新版本。"
        )
    return _schema_verdict(f"连接成功：{where}（{server}）", revision, tables)


def _probe_sqlite(file: Path | None, where: str) -> ProbeResult:
    if file is None:
        return ProbeResult(True, "内存数据库：程序关闭后数据不会保留，只适合试用。")
    if not file.exists():
        parent = file.parent
        if parent.exists() and not parent.is_dir():
            return ProbeResult(False, f"{parent} 不是文件夹，无法在其中创建数据库文件。")
        return ProbeResult(True, f"{where}：文件尚不存在，首次启动时会自动创建。")
    try:
        revision = revision_of_file(file)
        check = integrity_check(file, quick=True)
    except Exception as exc:
        return ProbeResult(False, f"{file} 不是有效的 SQLite 数据库文件：{_first_line(exc)}")
    if check != "ok":
        return ProbeResult(False, f"{file} 已损坏：{check.splitlines()[0]}")
    return _schema_verdict(f"{where} 可以打开", revision, {"alembic_version"} if revision else set())


def _schema_verdict(prefix: str, revision: str | None, tables: set[str]) -> ProbeResult:
    head = head_revision()
    if revision == head:
        return ProbeResult(True, f"{prefix}；数据库结构为最新版本 {head}。")
    if revision is None:
        if tables:
            names = "、".join(sorted(tables)[:5])
            return ProbeResult(
                False,
                f"{prefix}，但其中已有其他数据表（{names}），不是客服训练营的数据库，请换一个空数据库。",
            )
        return ProbeResult(
            True, f"{prefix}；数据库是空的，首次启动（或运行 cstrainer db init）时会创建数据表。"
        )
    if revision not in known_revisions():
        return ProbeResult(
            False, f"{prefix}，但数据库结构版本 {revision} 比本程序支持的 {head} 更新：请先升级本程序。"
        )
    return ProbeResult(True, f"{prefix}；数据库结构版本 {revision}，首次启动时会自动升级到 {head}。")


def _first_line(exc: BaseException) -> str:
    lines = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def url_for_display(url: str) -> str:
    """A URL with the password masked, for showing in a field or a log line."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        return "（无法解析的地址）"
