"""`cstrainer audit list` and `cstrainer audit export`: the audit log on the command line."""

from __future__ import annotations

import csv
import json
from datetime import date, timedelta
from pathlib import Path

import pytest

from cstrainer.cli import main
from cstrainer.domain.accounts import Role
from cstrainer.services import SYSTEM, Services
from cstrainer.storage.database import open_database

PW = "Kefu-2026!"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def logged(seeded_url: str) -> str:
    """A database with a manager, a trainer and an agent, and a few audited changes."""
    db_url = seeded_url  # the shipped content and demo accounts: one content.import entry
    s = Services(open_database(db_url))
    s.users.add(SYSTEM, "boss", "王主管", PW, Role.MANAGER)
    boss = s.auth.login("boss", PW)
    s.users.add(boss, "laoli", "赵培训", PW, Role.TRAINER)
    s.users.add(boss, "xiaochen", "陈客服", PW, Role.AGENT)
    s.users.disable(boss, "xiaochen")
    s.users.enable(boss, "xiaochen")
    s.close()
    return db_url


def test_list_filters_and_json(logged: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "--db", logged, "audit", "list")
    assert code == 0, err
    assert "添加账号（user.add）" in out and "停用账号（user.disable）" in out
    assert "导入内容包（content.import）" in out
    assert "共 6 条，显示第 1-6 条" in out

    code, out, _ = run(
        capsys, "--db", logged, "audit", "list", "--who", "boss", "--action", "user.add", "--json"
    )
    data = json.loads(out)
    assert code == 0 and data["total"] == 2
    assert [(e["actor"], e["key"]) for e in data["entries"]] == [("boss", "xiaochen"), ("boss", "laoli")]
    assert data["entries"][0]["detail"] == {"role": "agent", "team": None}

    code, out, _ = run(capsys, "--db", logged, "audit", "list", "--text", "aol", "--json")
    assert {e["key"] for e in json.loads(out)["entries"]} == {"laoli"}

    # paging: the hint says how to see the rest
    code, out, _ = run(capsys, "--db", logged, "audit", "list", "--limit", "2")
    assert "共 6 条，显示第 1-2 条；用 --offset 2 查看后面的记录" in out
    code, out, _ = run(capsys, "--db", logged, "audit", "list", "--limit", "2", "--offset", "5", "--json")
    assert len(json.loads(out)["entries"]) == 1

    # the period is in local calendar days, both ends included
    today = date.today()
    code, out, _ = run(
        capsys, "--db", logged, "audit", "list", "--since", str(today), "--until", str(today), "--json"
    )
    assert json.loads(out)["total"] == 6
    tomorrow = today + timedelta(days=1)
    code, out, _ = run(capsys, "--db", logged, "audit", "list", "--since", str(tomorrow))
    assert code == 0 and "没有符合条件的操作记录" in out


def test_bad_input_exits_1_with_a_sentence(logged: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "--db", logged, "audit", "list", "--since", "2026/12/01")
    assert code == 1 and "--since 需为 YYYY-MM-DD 格式的日期" in err
    code, _, err = run(
        capsys, "--db", logged, "audit", "list", "--since", "2026-12-05", "--until", "2026-12-01"
    )
    assert code == 1 and "早于" in err
    code, _, err = run(capsys, "--db", logged, "audit", "list", "--limit", "0")
    assert code == 1 and "每页条数" in err
    code, _, err = run(capsys, "--db", logged, "audit", "export", "--out", "audit.xlsx")
    assert code == 1 and ".csv" in err


def test_only_managers_read_the_log(
    logged: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("CSTRAINER_PASSWORD", PW)
    for login in ("laoli", "xiaochen"):
        code, out, err = run(capsys, "--db", logged, "--user", login, "audit", "list")
        assert code == 1 and "权限不足" in err and "查看操作日志" in err and out == ""
        code, _, err = run(
            capsys, "--db", logged, "--user", login, "audit", "export", "--out", str(tmp_path / "a.csv")
        )
        assert code == 1 and "权限不足" in err
    assert not (tmp_path / "a.csv").exists()
    code, out, err = run(capsys, "--db", logged, "--user", "boss", "audit", "list", "--json")
    assert code == 0, err
    # logging in through the CLI is not an audit entry (login history has its own table)
    assert json.loads(out)["total"] == 6


def test_export_csv(logged: str, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out_file = tmp_path / "操作日志.csv"
    code, out, err = run(
        capsys, "--db", logged, "audit", "export", "--out", str(out_file), "--action", "user."
    )
    assert code == 0, err
    assert f"已导出 5 条操作记录到 {out_file}" in out
    rows = list(csv.reader(out_file.open(encoding="utf-8-sig")))
    assert rows[0][:4] == ["编号", "时间", "操作人", "操作"]
    assert [r[4] for r in rows[1:]] == ["user.enable", "user.disable", "user.add", "user.add", "user.add"]


def test_help_lists_audit(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["audit", "--help"])
    text = capsys.readouterr().out
    assert "list" in text and "export" in text and "操作日志" in text
