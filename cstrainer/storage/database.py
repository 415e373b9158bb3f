"""Opening, migrating, backing up and restoring a database.

``open_database`` is the only way the app gets a database: it creates an empty one, upgrades an
older one to the head revision (after copying a file database to a timestamped backup), and
refuses one written by a newer cstrainer with a message that says what to do.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, inspect, text
from sqlalchemy.engine import URL
from sqlalchemy.orm import Session, sessionmaker

from cstrainer import paths, settings
from cstrainer.storage.engine import describe_url, make_engine, normalise_url, sqlite_path

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# Any fixed number works; it only has to be the same in every cstrainer process.
_PG_MIGRATION_LOCK = 74_210_001


class DatabaseError(Exception):
    """A database that cannot be opened, with a message fit to show a person."""


class DatabaseTooNewError(DatabaseError):
    pass


# The newest schema revision this program knows (a test checks it is Alembic's head). Opening a
# database that is already there compares against it without importing Alembic, which costs a
# noticeable part of a second at start-up; Alembic is loaded only to create or upgrade.
SCHEMA_HEAD = "0012"


def alembic_config(connection: Connection | None = None) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def script_directory() -> ScriptDirectory:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config())


def head_revision() -> str:
    head = script_directory().get_current_head()
    assert head is not None
    return head


def known_revisions() -> set[str]:
    return {rev.revision for rev in script_directory().walk_revisions()}


def current_revision(connection: Connection) -> str | None:
    """The revision in ``alembic_version`` (None: no schema yet); what Alembic would read."""
    if not inspect(connection).has_table("alembic_version"):
        return None
    rows = connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    if len(rows) > 1:
        raise DatabaseError(f"数据库的结构版本记录有误（{', '.join(sorted(rows))}）：请联系管理员。")
    return rows[0] if rows else None


@dataclass
class Database:
    """An open, up-to-date database: its engine and a session factory."""

    url: URL
    engine: Engine
    sessions: sessionmaker[Session]
    revision: str
    backup_path: Path | None = None  # the pre-migration backup made while opening, if any

    @property
    def is_sqlite(self) -> bool:
        return self.url.get_backend_name() == "sqlite"

    @property
    def file_path(self) -> Path | None:
        p = sqlite_path(self.url)
        return Path(p) if p else None

    def describe(self) -> str:
        return describe_url(self.url)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session in one transaction: committed on success, rolled back on any error."""
        with self.sessions.begin() as s:
            yield s

    def dispose(self) -> None:
        self.engine.dispose()


URL_SOURCES = {
    "option": "--db 参数",
    "environment": "环境变量 CSTRAINER_DB_URL",
    "settings": "设置文件",
    "default": "默认的本机数据库",
}


def resolve_url_source(url: str | None = None) -> tuple[str, str]:
    """The database URL to use and where it came from (a key of :data:`URL_SOURCES`).

    ``--db`` beats ``CSTRAINER_DB_URL`` beats ``db_url`` in the settings file beats the default
    SQLite file in the user data folder. An unreadable settings file is an error, not a silent
    fall-back to the local file (team data must not quietly land in a file on one PC).
    """
    if url:
        return url, "option"
    env = os.environ.get("CSTRAINER_DB_URL", "").strip()
    if env:
        return env, "environment"
    try:
        saved = settings.load().db_url
    except settings.SettingsError as exc:
        raise DatabaseError(str(exc)) from exc
    if saved:
        return saved, "settings"
    return paths.default_db_url(), "default"


def resolve_url(url: str | None = None) -> str:
    """``--db``, then ``CSTRAINER_DB_URL``, then the settings file, then the default SQLite file."""
    return resolve_url_source(url)[0]


def open_database(url: str | URL | None = None, *, backup: bool = True, echo: bool = False) -> Database:
    """Open (creating or upgrading as needed) the database at ``url``."""
    u = normalise_url(resolve_url(url) if url is None or isinstance(url, str) else url)
    file = sqlite_path(u)
    if file:
        Path(file).parent.mkdir(parents=True, exist_ok=True)
    engine = make_engine(u, echo=echo)
    try:
        backup_path = _migrate(engine, u, backup=backup)
        with engine.connect() as conn:
            rev = current_revision(conn) or ""
    except Exception:
        engine.dispose()
        raise
    sessions = sessionmaker(engine, expire_on_commit=False)
    return Database(url=u, engine=engine, sessions=sessions, revision=rev, backup_path=backup_path)


def peek_revision(url: str | URL) -> str | None:
    """The schema revision of the database at ``url`` without changing anything (None: no schema)."""
    u = normalise_url(url)
    file = sqlite_path(u)
    if file and not Path(file).exists():
        return None
    engine = make_engine(u)
    try:
        with engine.connect() as conn:
            return current_revision(conn)
    except Exception as exc:
        raise DatabaseError(_cannot_open(exc, u)) from exc
    finally:
        engine.dispose()


def connection_problem(exc: BaseException, u: URL) -> str:
    """Why a database could not be opened, as one Chinese sentence (the common PostgreSQL
    failures named; otherwise the driver's first line, password masked)."""
    detail = str(getattr(exc, "orig", None) or exc)
    low = detail.lower()
    server = f"{u.host or 'localhost'}:{u.port or 5432}"
    if "password authentication failed" in low or "no password supplied" in low:
        return f"用户名或密码不正确：服务器 {server} 拒绝了用户 {u.username or '（未填）'} 的登录。"
    if "does not exist" in low and "database" in low:
        return (
            f"服务器 {server} 上没有名为 {u.database} 的数据库：请管理员先创建它"
            "（CREATE DATABASE），再运行 cstrainer db init 建表。"
        )
    if "role" in low and "does not exist" in low:
        return f"服务器 {server} 上没有用户 {u.username}：请检查用户名，或请管理员创建该用户。"
    if "could not translate host name" in low or "name or service not known" in low or "nodename" in low:
        return f"找不到服务器 {u.host}：主机名无法解析，请检查服务器地址和网络。"
    if "timeout" in low or "timed out" in low:
        return f"连接服务器 {server} 超时：请检查服务器地址、端口和网络（防火墙），以及服务器是否已启动。"
    if "refused" in low or "no route to host" in low or "unreachable" in low:
        return f"无法连接到服务器 {server}：连接被拒绝，请检查端口是否正确、数据库服务是否已启动。"
    if "pg_hba.conf" in low:
        return f"服务器 {server} 不允许从本机登录（pg_hba.conf）：请管理员为本机开放访问。"
    first = detail.strip().splitlines()[0] if detail.strip() else type(exc).__name__
    if u.password:
        first = first.replace(u.password, "***")
    return f"无法连接数据库 {describe_url(u)}：{first}"


def _cannot_open(exc: BaseException, u: URL) -> str:
    """Which database could not be opened, and why (one sentence)."""
    why = connection_problem(exc, u)
    return why if why.startswith("无法连接数据库") else f"无法连接数据库 {describe_url(u)}：{why}"


def _migrate(engine: Engine, url: URL, *, backup: bool) -> Path | None:
    head = SCHEMA_HEAD
    try:
        conn_cm = engine.connect()
        conn = conn_cm.__enter__()
    except Exception as exc:  # network down, wrong password, unreadable file ...
        raise DatabaseError(_cannot_open(exc, url)) from exc
    try:
        is_pg = url.get_backend_name() == "postgresql"
        if is_pg:
            # Several agents' apps may start at once against one server: migrate one at a time.
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _PG_MIGRATION_LOCK})
            conn.commit()
        try:
            current = current_revision(conn)
            if current == head:
                return None
            if current is not None and current not in known_revisions():
                raise DatabaseTooNewError(
                    f"数据库 {describe_url(url)} 的结构版本为 {current}，比本程序支持的 {head} 更新。"
                    "它是由更新版本的客服训练营创建的：请升级本程序后再打开，数据库未作任何改动。"
                )
            if current is None:
                tables = set(inspect(conn).get_table_names())
                if tables:
                    raise DatabaseError(
                        f"数据库 {describe_url(url)} 中已有其他数据表（{', '.join(sorted(tables)[:5])}），"
                        "但不是客服训练营的数据库。请换一个空数据库或文件。"
                    )
            backup_path = None
            file = sqlite_path(url)
            if current is not None and file and backup:
                backup_path = make_backup_copy(Path(file), reason=f"pre-upgrade-{current}")
                log.info("backed up %s to %s before migrating", file, backup_path)
            log.info("migrating %s from %s to %s", describe_url(url), current, head)
            from alembic import command

            command.upgrade(alembic_config(conn), "head")
            conn.commit()
            return backup_path
        finally:
            if is_pg:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _PG_MIGRATION_LOCK})
                conn.commit()
    finally:
        conn_cm.__exit__(None, None, None)


# --- backup and restore ------------------------------------------------------------------------


def timestamp() -> str:
    return datetime.now(UTC).astimezone().strftime("%Y%m%d-%H%M%S")


def make_backup_copy(db_file: Path, *, reason: str = "backup", dest_dir: Path | None = None) -> Path:
    """Copy a SQLite file (consistently, even while in use) next to the other backups."""
    dest_dir = dest_dir or paths.backup_dir()
    dest_dir.mkdir(parents=True, exist_ok=True)
    dest = dest_dir / f"{db_file.stem}-{timestamp()}-{reason}.sqlite"
    n = 1
    while dest.exists():
        n += 1
        dest = dest_dir / f"{db_file.stem}-{timestamp()}-{reason}-{n}.sqlite"
    sqlite_backup(db_file, dest)
    return dest


def integrity_check(db_file: Path, *, quick: bool = False) -> str:
    """``PRAGMA integrity_check`` (or the faster ``quick_check``) of a SQLite file: 'ok' or the problems."""
    con = sqlite3.connect(f"file:{db_file}?mode=ro", uri=True)
    try:
        rows = con.execute("PRAGMA quick_check" if quick else "PRAGMA integrity_check").fetchall()
    finally:
        con.close()
    return "\n".join(str(r[0]) for r in rows)


def sqlite_backup(src: Path, dest: Path) -> Path:
    """Copy ``src`` to ``dest`` with SQLite's online backup API, then verify the copy."""
    if not src.exists():
        raise DatabaseError(f"数据库文件不存在：{src}")
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(dest.name + ".part")
    tmp.unlink(missing_ok=True)
    try:
        _copy_database(src, tmp)
        target = sqlite3.connect(str(tmp))
        try:
            # A backup is one self-contained file: no WAL beside it.
            target.execute("PRAGMA journal_mode=DELETE")
        finally:
            target.close()
        result = integrity_check(tmp)
    except sqlite3.DatabaseError as exc:
        tmp.unlink(missing_ok=True)
        raise DatabaseError(f"无法备份 {src}：{exc}") from exc
    if result != "ok":
        tmp.unlink(missing_ok=True)
        raise DatabaseError(f"备份文件校验失败（{result}），未写入 {dest}")
    tmp.replace(dest)
    return dest


def _copy_database(src: Path, dest: Path) -> None:
    """Copy one SQLite database over another with the online backup API (handles WAL files)."""
    source = sqlite3.connect(str(src))
    try:
        target = sqlite3.connect(str(dest))
        try:
            source.backup(target)
        finally:
            target.close()
    finally:
        source.close()


def revision_of_file(db_file: Path) -> str | None:
    con = sqlite3.connect(f"file:{db_file}?mode=ro", uri=True)
    try:
        has = con.execute(
            "SELECT 1 FROM sqlite_master WHERE type='table' AND name='alembic_version'"
        ).fetchone()
        if not has:
            return None
        row = con.execute("SELECT version_num FROM alembic_version").fetchone()
        return str(row[0]) if row else None
    except sqlite3.DatabaseError as exc:
        raise DatabaseError(f"{db_file} 不是有效的 SQLite 数据库文件：{exc}") from exc
    finally:
        con.close()


def table_counts(db_file: Path) -> dict[str, int]:
    """Rows per table of a SQLite file (read-only), every table but SQLite's own."""
    con = sqlite3.connect(f"file:{db_file}?mode=ro", uri=True)
    try:
        names = [
            str(r[0])
            for r in con.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' "
                "ORDER BY name"
            )
        ]
        # Identifiers cannot be bound parameters; these come from the file's own catalogue and
        # are quoted as SQL identifiers.
        return {
            name: int(
                con.execute(f'SELECT count(*) FROM "{name.replace(chr(34), chr(34) * 2)}"').fetchone()[0]
            )
            for name in names
        }
    except sqlite3.DatabaseError as exc:
        raise DatabaseError(f"{db_file} 不是有效的 SQLite 数据库文件：{exc}") from exc
    finally:
        con.close()


@dataclass(frozen=True)
class BackupCheck:
    """What a backup file holds, established before it is used: revision and rows per table."""

    path: Path
    revision: str
    counts: dict[str, int]


def check_backup_file(backup_file: Path, *, quick: bool = False) -> BackupCheck:
    """Check that ``backup_file`` is a sound cstrainer database this program can open.

    Raises :class:`DatabaseError` (or :class:`DatabaseTooNewError`) with a sentence naming the file
    and what is wrong with it.
    """
    backup_file = Path(backup_file)
    if not backup_file.is_file():
        raise DatabaseError(f"备份文件不存在：{backup_file}")
    try:
        check = integrity_check(backup_file, quick=quick)
    except sqlite3.DatabaseError as exc:
        raise DatabaseError(f"{backup_file} 不是有效的 SQLite 数据库文件：{exc}") from exc
    if check != "ok":
        raise DatabaseError(f"备份文件 {backup_file} 已损坏：{check.splitlines()[0]}")
    rev = revision_of_file(backup_file)
    if rev is None:
        raise DatabaseError(f"{backup_file} 不是客服训练营的数据库备份（没有版本信息）")
    if rev not in known_revisions():
        raise DatabaseTooNewError(
            f"备份 {backup_file} 的结构版本 {rev} 比本程序支持的 {head_revision()} 更新，请先升级本程序。"
        )
    return BackupCheck(backup_file, rev, table_counts(backup_file))


@dataclass(frozen=True)
class RestoreResult:
    """A restore that was carried out and verified: the restored file matches the backup."""

    safety: Path | None  # the copy of what was there before, if there was anything
    revision: str  # the backup's schema revision (opening may then upgrade it)
    counts: dict[str, int]  # rows per table, equal in the backup and the restored file


def restore_sqlite(backup_file: Path, db_file: Path) -> RestoreResult:
    """Replace the database at ``db_file`` with the backup, and verify the result.

    Before anything is touched the backup is checked (readable, integrity ok, a cstrainer database
    not newer than this program) and its rows are counted per table. The current database is
    copied aside, the backup is copied over it with the online backup API (so WAL files are
    handled), and the restored file is verified: integrity_check, the same schema revision and the
    same number of rows in every table as the backup. If any of that fails, the safety copy is put
    back and :class:`DatabaseError` says what did not match. The caller must have closed its engine
    on ``db_file``.
    """
    backup_file, db_file = Path(backup_file), Path(db_file)
    if backup_file.resolve() == db_file.resolve():
        raise DatabaseError(f"{backup_file} 就是当前使用的数据库，不能用它恢复自己")
    expected = check_backup_file(backup_file)
    safety = make_backup_copy(db_file, reason="pre-restore") if db_file.exists() else None
    try:
        _copy_database(backup_file, db_file)
        problem = _verify_restored(db_file, expected)
    except sqlite3.DatabaseError as exc:
        problem = f"复制时出错（{exc}）"
    if problem is not None:
        if safety is not None:
            _copy_database(safety, db_file)
            undo = f"已还原为恢复前的状态（恢复前的数据另存在 {safety}）"
        else:
            for leftover in (db_file, Path(f"{db_file}-wal"), Path(f"{db_file}-shm")):
                leftover.unlink(missing_ok=True)
            undo = "已删除不完整的文件"
        raise DatabaseError(f"用 {backup_file} 恢复后的数据库未通过校验：{problem}；{undo}")
    return RestoreResult(safety=safety, revision=expected.revision, counts=expected.counts)


def _verify_restored(db_file: Path, expected: BackupCheck) -> str | None:
    result = integrity_check(db_file)
    if result != "ok":
        return f"完整性检查失败（{result.splitlines()[0]}）"
    rev = revision_of_file(db_file)
    if rev != expected.revision:
        return f"结构版本为 {rev}，而备份是 {expected.revision}"
    counts = table_counts(db_file)
    if counts != expected.counts:
        diffs = [
            f"{t} 表 {counts.get(t, 0)} 行（备份中 {expected.counts.get(t, 0)} 行）"
            for t in sorted(set(counts) | set(expected.counts))
            if counts.get(t, 0) != expected.counts.get(t, 0) or (t in counts) != (t in expected.counts)
        ]
        return "行数与备份不一致：" + "；".join(diffs[:5])
    return None
