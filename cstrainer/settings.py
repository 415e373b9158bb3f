"""The user's settings file: which database to use and how to back it up.

One small JSON file, ``settings.json`` in :func:`cstrainer.paths.config_dir`, written atomically
(a temporary file in the same folder, flushed, then renamed over the old one), so a crash while
saving leaves either the old or the new settings, never half of them.

Keys (all optional; a missing key means the default):

- ``db_url``: the database to open when neither ``--db`` nor ``CSTRAINER_DB_URL`` is given, e.g.
  ``postgresql+psycopg://kefu:secret@10.0.0.5:5432/cstrainer`` for a team database. The password
  is part of the URL, so on POSIX the file is made readable by its owner only (mode 0600);
  :meth:`Settings.__repr__` and :func:`describe_url` never show it.
- ``auto_backup``: true/false, whether the desktop app makes a daily backup of a SQLite database.
- ``backup_keep``: how many automatic backups to keep (manual and pre-upgrade ones are never pruned).

Resolution order of the database URL (see :func:`cstrainer.storage.database.resolve_url`):
``--db``, then ``CSTRAINER_DB_URL``, then ``db_url`` here, then the default SQLite file.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import tempfile
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from cstrainer import paths

log = logging.getLogger(__name__)

SETTINGS_FILENAME = "settings.json"
DEFAULT_BACKUP_KEEP = 7
MAX_BACKUP_KEEP = 365
MAX_SETTINGS_BYTES = 64 * 1024


class SettingsError(Exception):
    """The settings file exists but cannot be used; the message names the file and the problem."""


@dataclass(frozen=True)
class Settings:
    db_url: str | None = None
    auto_backup: bool = True
    backup_keep: int = DEFAULT_BACKUP_KEEP

    def __repr__(self) -> str:  # never the password, even in a debugger or a log line
        return (
            f"Settings(db_url={_masked(self.db_url)!r}, auto_backup={self.auto_backup!r}, "
            f"backup_keep={self.backup_keep!r})"
        )

    def with_changes(self, **changes: Any) -> Settings:
        return replace(self, **changes)


def _masked(url: str | None) -> str | None:
    if not url:
        return url
    try:
        from sqlalchemy.engine import make_url

        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "<unparsable URL>"


def settings_path() -> Path:
    return paths.config_dir() / SETTINGS_FILENAME


def load(path: Path | None = None) -> Settings:
    """The saved settings, or the defaults when there is no file yet.

    A file that is there but unreadable raises :class:`SettingsError` instead of quietly falling
    back to the defaults: a team member whose settings point at the team database must not end up
    writing exam results into a local file without noticing.
    """
    path = path or settings_path()
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return Settings()
    except OSError as exc:
        raise SettingsError(f"无法读取设置文件 {path}：{exc.strerror or exc}") from exc
    if len(raw) > MAX_SETTINGS_BYTES:
        raise SettingsError(
            f"设置文件 {path} 过大（{len(raw)} 字节），不像是本程序写的设置，请删除后重新设置。"
        )
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise SettingsError(f"设置文件 {path} 不是 UTF-8 文本，请删除后重新设置。") from exc
    except json.JSONDecodeError as exc:
        raise SettingsError(
            f"设置文件 {path} 第 {exc.lineno} 行第 {exc.colno} 列格式错误（{exc.msg}），请修正或删除该文件。"
        ) from exc
    if not isinstance(data, dict):
        raise SettingsError(f"设置文件 {path} 的内容应是一个 JSON 对象（{{...}}），请修正或删除该文件。")
    return _from_dict(data, path)


def _from_dict(data: dict[str, Any], path: Path) -> Settings:
    defaults = Settings()
    db_url = data.get("db_url", defaults.db_url)
    if db_url is not None and not isinstance(db_url, str):
        raise SettingsError(f"设置文件 {path} 中的 db_url 应是文本（数据库地址），请修正或删除该文件。")
    auto_backup = data.get("auto_backup", defaults.auto_backup)
    if not isinstance(auto_backup, bool):
        raise SettingsError(f"设置文件 {path} 中的 auto_backup 应是 true 或 false，请修正或删除该文件。")
    keep = data.get("backup_keep", defaults.backup_keep)
    if isinstance(keep, bool) or not isinstance(keep, int) or not 1 <= keep <= MAX_BACKUP_KEEP:
        raise SettingsError(
            f"设置文件 {path} 中的 backup_keep 应是 1 到 {MAX_BACKUP_KEEP} 之间的整数，请修正或删除该文件。"
        )
    unknown = sorted(set(data) - set(asdict(defaults)))
    if unknown:
        log.warning("settings file %s: ignoring unknown keys %s", path, unknown)
    return Settings(db_url=(db_url or "").strip() or None, auto_backup=auto_backup, backup_keep=keep)


def save(settings: Settings, path: Path | None = None) -> Path:
    """Write the settings atomically; returns the file written."""
    if not 1 <= settings.backup_keep <= MAX_BACKUP_KEEP:
        raise SettingsError(f"自动备份保留份数应在 1 到 {MAX_BACKUP_KEEP} 之间")
    path = path or settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(asdict(settings), ensure_ascii=False, indent=2) + "\n"
    fd, tmp_name = tempfile.mkstemp(prefix=".settings-", suffix=".tmp", dir=path.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        # The URL may hold a password: owner-only on POSIX (mkstemp already creates 0600 files).
        with contextlib.suppress(OSError):
            tmp.chmod(0o600)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    log.info("settings saved to %s: %r", path, settings)
    return path
