"""Where cstrainer keeps its files.

Everything goes through platformdirs so the app behaves like a native citizen on each OS.
``CSTRAINER_HOME`` overrides all of it with one folder (tests, portable installs, demos):
data, cache, logs and config then live in subfolders of that folder.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "cstrainer"
APP_AUTHOR = "cstrainer"
DB_FILENAME = "cstrainer.sqlite"


def _home() -> Path | None:
    value = os.environ.get("CSTRAINER_HOME")
    return Path(value).expanduser() if value else None


def _ensure(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


def data_dir() -> Path:
    home = _home()
    if home:
        return _ensure(home / "data")
    return _ensure(Path(platformdirs.user_data_dir(APP_NAME, APP_AUTHOR)))


def cache_dir() -> Path:
    home = _home()
    if home:
        return _ensure(home / "cache")
    return _ensure(Path(platformdirs.user_cache_dir(APP_NAME, APP_AUTHOR)))


def log_dir() -> Path:
    home = _home()
    if home:
        return _ensure(home / "logs")
    return _ensure(Path(platformdirs.user_log_dir(APP_NAME, APP_AUTHOR)))


def config_dir() -> Path:
    home = _home()
    if home:
        return _ensure(home / "config")
    return _ensure(Path(platformdirs.user_config_dir(APP_NAME, APP_AUTHOR)))


def backup_dir() -> Path:
    return _ensure(data_dir() / "backups")


def default_db_path() -> Path:
    return data_dir() / DB_FILENAME


def default_db_url() -> str:
    return f"sqlite:///{default_db_path()}"


def project_root() -> Path:
    """The source checkout (or installed package parent) that holds the shipped content."""
    return Path(__file__).resolve().parent.parent


def shipped_content_dirs() -> list[Path]:
    root = project_root()
    return [p for p in (root / "scripts_library", root / "question_bank") if p.is_dir()]
