"""Backing up and restoring the database from the app or the command line."""

from __future__ import annotations

import logging
from pathlib import Path

from cstrainer.domain.accounts import Permission
from cstrainer.services import audit
from cstrainer.services.actor import Actor
from cstrainer.services.errors import InvalidInput
from cstrainer.storage.database import (
    Database,
    integrity_check,
    open_database,
    restore_sqlite,
    sqlite_backup,
    timestamp,
)

log = logging.getLogger(__name__)


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
        sqlite_backup(src, dest)
        with self._db.session() as s:
            audit.record(s, actor, "db.backup", "database", str(dest))
        log.info("database backed up to %s", dest)
        return dest

    def restore(self, actor: Actor, backup_file: Path) -> Path | None:
        """Replace the live database with a backup; returns the safety copy of what was there."""
        actor.require(Permission.MANAGE_DATABASE)
        target = self._file()
        url = self._db.url
        self._db.dispose()
        try:
            safety = restore_sqlite(Path(backup_file), target)
        finally:
            # Re-open whatever is there now (restored, or the untouched original) and bring it to head.
            new_db = open_database(url)
            self._db.engine = new_db.engine
            self._db.sessions = new_db.sessions
            self._db.revision = new_db.revision
        check = integrity_check(target)
        with self._db.session() as s:
            audit.record(s, actor, "db.restore", "database", str(backup_file), integrity=check)
        log.info("database restored from %s (integrity: %s)", backup_file, check)
        return safety
