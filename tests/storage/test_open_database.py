"""Opening a database: create, upgrade with a backup first, refuse a newer or foreign one."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text

from cstrainer import paths
from cstrainer.storage.database import (
    DatabaseError,
    DatabaseTooNewError,
    alembic_config,
    head_revision,
    integrity_check,
    open_database,
    resolve_url,
)
from cstrainer.storage.engine import describe_url, make_engine


def test_new_file_database_is_created_at_head_with_wal_and_foreign_keys(tmp_path: Path) -> None:
    # GIVEN no database file
    file = tmp_path / "sub" / "new.sqlite"
    # WHEN it is opened
    db = open_database(f"sqlite:///{file}")
    # THEN it exists at the head revision, in WAL mode, with foreign keys enforced
    assert file.exists()
    assert db.revision == head_revision()
    with db.engine.connect() as c:
        assert c.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert c.execute(text("PRAGMA foreign_keys")).scalar() == 1
    assert db.backup_path is None  # nothing to back up for a brand-new file
    db.dispose()
    assert integrity_check(file) == "ok"


def test_default_database_lives_in_the_user_data_dir() -> None:
    assert resolve_url(None) == f"sqlite:///{paths.default_db_path()}"
    db = open_database()
    assert db.file_path == paths.default_db_path()
    db.dispose()


def test_environment_variable_selects_the_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CSTRAINER_DB_URL", f"sqlite:///{tmp_path}/env.sqlite")
    assert resolve_url(None).endswith("env.sqlite")
    assert resolve_url("sqlite:///x.sqlite") == "sqlite:///x.sqlite"  # --db wins


def test_foreign_keys_are_enforced(services) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy.exc import IntegrityError

    from cstrainer.storage.models import Product

    with pytest.raises(IntegrityError), services.db.session() as s:
        s.add(Product(key="orphan", brand_id=9999, name="x", data={}))


def test_database_newer_than_the_code_is_refused_and_left_untouched(tmp_path: Path) -> None:
    file = tmp_path / "future.sqlite"
    open_database(f"sqlite:///{file}").dispose()
    con = sqlite3.connect(file)
    con.execute("UPDATE alembic_version SET version_num = '9999_from_the_future'")
    con.commit()
    con.close()
    before = file.read_bytes()
    with pytest.raises(DatabaseTooNewError) as err:
        open_database(f"sqlite:///{file}")
    assert "9999_from_the_future" in str(err.value)
    assert "升级" in str(err.value)
    assert file.read_bytes() == before
    assert not list(paths.backup_dir().glob("*.sqlite"))


def test_a_foreign_database_is_refused(tmp_path: Path) -> None:
    file = tmp_path / "other.sqlite"
    con = sqlite3.connect(file)
    con.execute("CREATE TABLE invoices (id INTEGER)")
    con.commit()
    con.close()
    with pytest.raises(DatabaseError, match="invoices"):
        open_database(f"sqlite:///{file}")


def test_upgrade_backs_up_the_file_first(tmp_path: Path) -> None:
    from alembic import command

    # GIVEN a database at the first revision holding a brand
    file = tmp_path / "old.sqlite"
    eng = make_engine(f"sqlite:///{file}")
    with eng.begin() as conn:
        command.upgrade(alembic_config(conn), "0001")
        conn.execute(
            text(
                "INSERT INTO brands (key, name, description, voice, platforms, created_at) "
                "VALUES ('b', '品牌', '', '', '[]', '2026-01-01 00:00:00')"
            )
        )
    eng.dispose()
    # WHEN the app opens it
    db = open_database(f"sqlite:///{file}")
    # THEN a timestamped copy of the old file was made before migrating, and it still says 0001
    assert db.backup_path is not None and db.backup_path.exists()
    assert db.backup_path.parent == paths.backup_dir()
    assert "pre-upgrade-0001" in db.backup_path.name
    con = sqlite3.connect(db.backup_path)
    assert con.execute("SELECT version_num FROM alembic_version").fetchone()[0] == "0001"
    assert con.execute("SELECT name FROM brands").fetchone()[0] == "品牌"
    con.close()
    assert db.revision == head_revision()
    db.dispose()


def test_unreachable_server_gives_a_clear_message() -> None:
    with pytest.raises(DatabaseError, match="无法连接数据库"):
        open_database("postgresql+psycopg://nobody:secret@127.0.0.1:1/none?connect_timeout=2")


def test_describe_never_shows_the_password() -> None:
    text_ = describe_url("postgresql://ann:hunter2@db.example:5432/team")
    assert "hunter2" not in text_
    assert text_ == "PostgreSQL: ann@db.example:5432/team"


def test_postgresql_database_is_created_and_reopened(pg_url: str) -> None:
    db = open_database(pg_url)
    assert db.revision == head_revision()
    db.dispose()
    db = open_database(pg_url)  # second open: nothing to do
    assert db.backup_path is None
    db.dispose()


def test_schema_head_constant_is_alembic_head() -> None:
    # The quick "already current" check at opening compares against SCHEMA_HEAD: a new migration
    # must move it, or every database would be upgraded at each start (or never).
    from cstrainer.storage.database import SCHEMA_HEAD

    assert head_revision() == SCHEMA_HEAD


def test_opening_a_current_database_does_not_load_alembic(tmp_path: Path) -> None:
    # GIVEN a database at the head revision
    import subprocess
    import sys

    file = tmp_path / "current.sqlite"
    open_database(f"sqlite:///{file}").dispose()
    # WHEN another process opens it
    code = (
        "import sys\n"
        "from cstrainer.storage.database import open_database\n"
        f"db = open_database({f'sqlite:///{file}'!r})\n"
        "print(db.revision, 'alembic' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    # THEN it finds the revision without importing Alembic (start-up cost), and a new database
    # still gets Alembic's migrations (the test above opened one)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == [head_revision(), "False"]
