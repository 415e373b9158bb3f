"""The command line, in-process (fast) and as a real subprocess (the console script)."""

from __future__ import annotations

import io
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from cstrainer.cli import main
from cstrainer.domain.accounts import Role
from cstrainer.services import SYSTEM, Services
from cstrainer.storage.database import integrity_check, open_database

PW = "Kefu-2026!"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def people(db_url: str) -> str:
    s = Services(open_database(db_url))
    s.users.add(SYSTEM, "boss", "王主管", PW, Role.MANAGER)
    s.users.add(SYSTEM, "peixun", "赵培训", PW, Role.TRAINER)
    s.users.add(SYSTEM, "xinren", "刘新人", PW, Role.TRAINEE)
    s.users.add(SYSTEM, "kefu", "陈客服", PW, Role.AGENT)
    s.close()
    return db_url


def test_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    for command in ("gui", "db", "user", "content"):
        assert command in out
    for group, actions in {
        "db": ("init", "info", "backup", "restore"),
        "user": ("add", "list", "passwd", "disable", "enable", "unlock", "history"),
        "content": ("import", "export", "stats"),
    }.items():
        with pytest.raises(SystemExit):
            main([group, "--help"])
        text = capsys.readouterr().out
        for action in actions:
            assert action in text, (group, action)


def test_user_add_list_passwd_disable(
    db_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(PW + "\n"))
    code, out, err = run(
        capsys, "--db", db_url, "user", "add", "lily", "--name", "李丽", "--role", "客服", "--password-stdin"
    )
    assert code == 0, err
    assert "已创建账号 lily" in out
    code, out, _ = run(capsys, "--db", db_url, "user", "list", "--json")
    users = json.loads(out)
    assert [(u["login"], u["role"], u["active"]) for u in users] == [("lily", "agent", True)]

    monkeypatch.setattr(sys, "stdin", io.StringIO("Brand-new-pw1\n"))
    assert run(capsys, "--db", db_url, "user", "passwd", "lily", "--password-stdin")[0] == 0
    s = Services(open_database(db_url))
    assert s.auth.login("lily", "Brand-new-pw1").login == "lily"
    s.close()
    # lily changes her own password: the one she logs in with is the old one
    monkeypatch.setenv("CSTRAINER_PASSWORD", "Brand-new-pw1")
    monkeypatch.setattr(sys, "stdin", io.StringIO("Lily-own-pw2\n"))
    code, out, err = run(
        capsys, "--db", db_url, "--user", "lily", "user", "passwd", "lily", "--password-stdin"
    )
    assert code == 0, err
    monkeypatch.delenv("CSTRAINER_PASSWORD")
    s = Services(open_database(db_url))
    assert s.auth.login("lily", "Lily-own-pw2").login == "lily"
    s.close()

    code, out, _ = run(capsys, "--db", db_url, "user", "disable", "lily")
    assert code == 0 and "已停用" in out
    code, out, _ = run(capsys, "--db", db_url, "user", "list", "--json")
    assert json.loads(out) == []  # disabled people are hidden unless --all
    code, out, _ = run(capsys, "--db", db_url, "user", "list", "--all", "--json")
    assert json.loads(out)[0]["active"] is False


def test_bad_input_is_a_clear_error_with_non_zero_exit(
    db_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("short\n"))
    code, _out, err = run(
        capsys, "--db", db_url, "user", "add", "lily", "--name", "李丽", "--role", "agent", "--password-stdin"
    )
    assert code == 1
    assert "密码至少需要 8 位" in err
    code, _, err = run(
        capsys, "--db", db_url, "user", "add", "lily", "--name", "李丽", "--role", "boss", "--no-password"
    )
    assert code == 1 and "未知角色" in err
    code, _, err = run(capsys, "--db", db_url, "user", "disable", "ghost")
    assert code == 1 and "ghost" in err


def test_trainee_cannot_administer_through_the_cli(
    people: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CSTRAINER_PASSWORD", PW)
    code, _, err = run(capsys, "--db", people, "--user", "xinren", "user", "disable", "kefu")
    assert code == 1 and "权限不足" in err
    code, _, err = run(capsys, "--db", people, "--user", "xinren", "user", "list")
    assert code == 1 and "权限不足" in err
    # reading someone else's login history is refused; one's own is fine
    code, _, err = run(capsys, "--db", people, "--user", "xinren", "user", "history", "kefu")
    assert code == 1 and "权限不足" in err
    code, out, _ = run(capsys, "--db", people, "--user", "xinren", "user", "history", "--json")
    assert code == 0 and json.loads(out)[0]["login"] == "xinren"
    # a trainer may read the list but not change accounts
    assert run(capsys, "--db", people, "--user", "peixun", "user", "list")[0] == 0
    code, _, err = run(capsys, "--db", people, "--user", "peixun", "user", "disable", "kefu")
    assert code == 1 and "权限不足" in err
    # a manager may
    assert run(capsys, "--db", people, "--user", "boss", "user", "disable", "kefu")[0] == 0


def test_wrong_password_on_the_cli(
    people: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CSTRAINER_PASSWORD", "not-it-at-all")
    code, _, err = run(capsys, "--db", people, "--user", "boss", "user", "list")
    assert code == 1 and "用户名或密码错误" in err


@pytest.mark.parametrize("backend", ["sqlite"])
def test_db_backup_and_restore(people: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    backup = tmp_path / "b" / "backup.sqlite"
    code, out, err = run(capsys, "--db", people, "db", "backup", str(backup))
    assert code == 0, err
    assert integrity_check(backup) == "ok"
    # change something, then restore
    s = Services(open_database(people))
    s.users.disable(SYSTEM, "kefu")
    s.close()
    code, out, err = run(capsys, "--db", people, "db", "restore", str(backup))
    assert code == 0, err
    assert "完整性检查通过" in out
    db_file = Path(people.removeprefix("sqlite:///"))
    assert integrity_check(db_file) == "ok"
    con = sqlite3.connect(db_file)
    assert con.execute("SELECT active FROM users WHERE login='kefu'").fetchone()[0] == 1
    con.close()


def test_db_backup_refuses_postgresql_with_advice(
    pg_url: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, err = run(capsys, "--db", pg_url, "db", "backup", str(tmp_path / "x.sqlite"))
    assert code == 1 and "pg_dump" in err


def test_db_info_and_newer_database_message(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path}/x.sqlite"
    code, out, _ = run(capsys, "--db", url, "db", "info", "--json")
    assert code == 0 and json.loads(out)["revision"] == json.loads(out)["head"]
    con = sqlite3.connect(tmp_path / "x.sqlite")
    con.execute("UPDATE alembic_version SET version_num='9999'")
    con.commit()
    con.close()
    code, _, err = run(capsys, "--db", url, "db", "info")
    assert code == 1 and "更新" in err and "9999" in err


def test_console_script_runs_as_a_real_process(tmp_path: Path) -> None:
    env = {**os.environ, "CSTRAINER_DB_URL": f"sqlite:///{tmp_path}/p.sqlite"}
    exe = Path(sys.executable).with_name("cstrainer")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "cstrainer"]
    result = subprocess.run(
        [*cmd, "content", "stats", "--json"], capture_output=True, text=True, env=env, timeout=120
    )
    assert result.returncode == 0, result.stderr
    stats: dict[str, Any] = json.loads(result.stdout)
    assert set(stats) >= {
        "users",
        "brands",
        "products",
        "competitors",
        "questions",
        "exams",
        "scenarios",
        "phrases",
        "handbook_entries",
    }
    assert stats["brands"] >= 2  # the empty database was seeded from the shipped packs
    result = subprocess.run([*cmd, "--help"], capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode == 0 and "content" in result.stdout
