"""The settings file and the order in which the database URL is chosen."""

from __future__ import annotations

import json
import logging
import os
import stat
import sys
from pathlib import Path

import pytest

from cstrainer import paths, settings
from cstrainer.settings import Settings, SettingsError
from cstrainer.storage.database import DatabaseError, resolve_url, resolve_url_source

TEAM = "postgresql+psycopg://kefu:Secret-pw-9@10.0.0.5:5432/cstrainer"


def test_defaults_without_a_file() -> None:
    assert not settings.settings_path().exists()
    assert settings.load() == Settings(db_url=None, auto_backup=True, backup_keep=7)


def test_save_and_load_round_trip_in_the_config_folder() -> None:
    path = settings.save(Settings(db_url=TEAM, auto_backup=False, backup_keep=14))
    assert path == paths.config_dir() / "settings.json"
    assert settings.load() == Settings(db_url=TEAM, auto_backup=False, backup_keep=14)
    assert json.loads(path.read_text(encoding="utf-8"))["backup_keep"] == 14
    assert not [p for p in path.parent.iterdir() if p.name != "settings.json"]  # no temp file left


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")
def test_the_file_is_readable_by_its_owner_only() -> None:
    path = settings.save(Settings(db_url=TEAM))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_the_password_never_shows_in_repr_or_the_log(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG):
        settings.save(Settings(db_url=TEAM))
    assert "Secret-pw-9" not in repr(settings.load())
    assert "Secret-pw-9" not in caplog.text and "10.0.0.5" in caplog.text


def test_a_failed_write_keeps_the_old_file(monkeypatch: pytest.MonkeyPatch) -> None:
    settings.save(Settings(backup_keep=5))

    def broken_replace(src: object, dst: object) -> None:
        raise OSError("disk full")

    with monkeypatch.context() as mp:
        mp.setattr(os, "replace", broken_replace)
        with pytest.raises(OSError):
            settings.save(Settings(backup_keep=9))
    assert settings.load().backup_keep == 5
    assert [p.name for p in settings.settings_path().parent.iterdir()] == ["settings.json"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"db_url": "sqlite:///x.sqlite",\n "backup_keep": 7,,}', "第 2 行"),
        ("[1, 2]", "JSON 对象"),
        ('{"backup_keep": 0}', "backup_keep 应是 1 到 365"),
        ('{"backup_keep": "7"}', "backup_keep"),
        ('{"auto_backup": "yes"}', "auto_backup 应是 true 或 false"),
        ('{"db_url": 5}', "db_url 应是文本"),
    ],
)
def test_a_broken_file_is_an_error_naming_the_file_and_the_problem(content: str, message: str) -> None:
    path = settings.settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content, encoding="utf-8")
    with pytest.raises(SettingsError) as err:
        settings.load()
    assert str(path) in str(err.value) and message in str(err.value)


def test_unknown_keys_are_ignored_and_a_bom_is_accepted() -> None:
    path = settings.settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('\ufeff{"db_url": "  ", "theme": "dark"}', encoding="utf-8")
    assert settings.load() == Settings()


# --- resolution order ---------------------------------------------------------------------------------


def test_resolution_order(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # nothing set: the default file
    assert resolve_url_source(None) == (paths.default_db_url(), "default")
    # the settings file beats the default
    settings.save(Settings(db_url=f"sqlite:///{tmp_path}/saved.sqlite"))
    assert resolve_url_source(None) == (f"sqlite:///{tmp_path}/saved.sqlite", "settings")
    # the environment beats the settings file
    monkeypatch.setenv("CSTRAINER_DB_URL", f"sqlite:///{tmp_path}/env.sqlite")
    assert resolve_url_source(None) == (f"sqlite:///{tmp_path}/env.sqlite", "environment")
    # --db beats everything
    assert resolve_url_source("sqlite:///cli.sqlite") == ("sqlite:///cli.sqlite", "option")
    assert resolve_url("sqlite:///cli.sqlite") == "sqlite:///cli.sqlite"


def test_a_blank_environment_variable_does_not_count(monkeypatch: pytest.MonkeyPatch) -> None:
    settings.save(Settings(db_url=TEAM))
    monkeypatch.setenv("CSTRAINER_DB_URL", "  ")
    assert resolve_url(None) == TEAM


def test_a_broken_settings_file_stops_opening_instead_of_using_the_local_file() -> None:
    path = settings.settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(DatabaseError, match="设置文件"):
        resolve_url(None)
    # an explicit --db still works
    assert resolve_url("sqlite:///x.sqlite") == "sqlite:///x.sqlite"


# --- trying a URL (the settings dialog's 测试连接) ----------------------------------------------------


@pytest.mark.parametrize(
    ("driver_message", "expected"),
    [
        ('connection failed: FATAL:  password authentication failed for user "kefu"', "用户名或密码不正确"),
        ('connection failed: FATAL:  database "train" does not exist', "没有名为 train 的数据库"),
        ('connection failed: FATAL:  role "kefu" does not exist', "没有用户 kefu"),
        ("connection failed: Connection refused", "连接被拒绝"),
        ("connection failed: timeout expired", "超时"),
        ('failed to resolve host "nohost": Name or service not known', "主机名无法解析"),
        ('no pg_hba.conf entry for host "10.0.0.9"', "pg_hba.conf"),
        ("something odd with Secret-pw-9 in it", "无法连接数据库 PostgreSQL: kefu@db.example.com:5432/train"),
    ],
)
def test_connection_problems_are_explained_without_the_password(driver_message: str, expected: str) -> None:
    from sqlalchemy.engine import make_url

    from cstrainer.storage.database import connection_problem

    url = make_url("postgresql+psycopg://kefu:Secret-pw-9@db.example.com:5432/train")
    text = connection_problem(Exception(driver_message), url)
    assert expected in text and "Secret-pw-9" not in text


def test_probing_local_files_and_bad_urls(tmp_path: Path) -> None:
    from cstrainer.services.database_admin import postgres_url, probe_database
    from cstrainer.storage.database import head_revision, open_database

    assert probe_database(f"sqlite:///{tmp_path}/new.sqlite").message.endswith("首次启动时会自动创建。")
    open_database(f"sqlite:///{tmp_path}/made.sqlite").dispose()
    result = probe_database(f"sqlite:///{tmp_path}/made.sqlite")
    assert result.ok and f"最新版本 {head_revision()}" in result.message
    (tmp_path / "junk.sqlite").write_bytes(b"junk" * 1000)
    result = probe_database(f"sqlite:///{tmp_path}/junk.sqlite")
    assert not result.ok and "不是有效的 SQLite 数据库文件" in result.message
    assert not probe_database("mysql://x@h/db").ok
    assert "格式不正确" in probe_database("not a url").message
    url = postgres_url("db.example.com", 5432, "train", "ke@fu", "p:w/d")
    from sqlalchemy.engine import make_url

    u = make_url(url)  # odd characters in the user name and password survive
    assert (u.username, u.password, u.host, u.database) == ("ke@fu", "p:w/d", "db.example.com", "train")


def test_probing_postgresql(pg_url: str) -> None:
    from cstrainer.services.database_admin import probe_database
    from cstrainer.storage.database import open_database

    result = probe_database(pg_url)
    assert result.ok and result.message.startswith("连接成功") and "数据库是空的" in result.message
    open_database(pg_url).dispose()
    assert "最新版本" in probe_database(pg_url).message
