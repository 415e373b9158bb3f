"""The roleplay commands: list, show, validate, run (JSON shape of the contract, errors)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import select

from cstrainer.cli import main
from cstrainer.domain.accounts import Role
from cstrainer.domain.scenario import ScenarioDef
from cstrainer.services import SYSTEM, Services
from cstrainer.storage.database import open_database
from cstrainer.storage.models import RolePlaySession
from tests.services.roleplay_fixtures import REFUND, SORRY, scenario_item

DIMENSIONS = {"专业知识", "服务规范", "沟通技巧", "响应时效", "合规"}


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def db(db_url: str) -> str:
    """A database holding only the test scenario (so shipped content is not imported)."""
    s = Services(open_database(db_url))
    s.roleplay.save_scenario(SYSTEM, ScenarioDef.from_dict(scenario_item()), None)
    s.users.add(SYSTEM, "lily", "李丽", "lily-pass-1", Role.AGENT)
    s.close()
    return db_url


def sessions(url: str) -> list[Any]:
    s = Services(open_database(url))
    try:
        with s.db.session() as db:
            return list(db.scalars(select(RolePlaySession.id)))
    finally:
        s.close()


def write_replies(tmp_path: Path, replies: Any, name: str = "replies.json") -> Path:
    path = tmp_path / name
    if name.endswith(".json"):
        path.write_text(json.dumps(replies, ensure_ascii=False), encoding="utf-8")
    else:
        path.write_text(yaml.safe_dump(replies, allow_unicode=True), encoding="utf-8")
    return path


GOOD = [{"text": SORRY, "seconds": 8}, {"text": REFUND, "seconds": 12.5}]


# --- list / show -----------------------------------------------------------------------------------


def test_list(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "--db", db, "roleplay", "list", "--json")
    assert code == 0, err
    rows = json.loads(out)
    assert [r["key"] for r in rows] == ["rp-test"]
    assert rows[0]["stage"] == "售后" and rows[0]["persona"] == "愤怒型" and rows[0]["turn_count"] == 2
    code, out, _ = run(capsys, "--db", db, "roleplay", "list")
    assert code == 0 and "rp-test" in out and "测试：漏液投诉" in out


def test_show_prints_the_whole_scenario(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "--db", db, "roleplay", "show", "rp-test", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["key"] == "rp-test" and data["version"] == 1
    assert [t["id"] for t in data["turns"]] == ["t1", "t2"]
    assert data["turns"][0]["key_points"][0]["synonyms"] == ["抱歉", "对不起"]
    assert data["turns"][1]["on_covered"] == "end:退款完成"
    code, out, _ = run(capsys, "--db", db, "roleplay", "show", "rp-test")
    assert code == 0
    for text in (
        "【t1】",
        "洗衣液漏了一箱子！",
        "要点 apologize",
        "先道歉",
        "结局：退款完成",
        "不能甩锅给快递",
    ):
        assert text in out, text
    code, _, err = run(capsys, "--db", db, "roleplay", "show", "nope")
    assert code == 1 and "nope" in err and "Traceback" not in err


# --- validate ----------------------------------------------------------------------------------------


def scenario_file(tmp_path: Path, item: dict[str, Any], name: str = "s.yaml") -> Path:
    path = tmp_path / name
    pack = {"schema_version": 1, "kind": "scenarios", "items": [item]}
    path.write_text(yaml.safe_dump(pack, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def test_validate_a_good_file_and_the_shipped_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = scenario_file(tmp_path, scenario_item())
    code, out, err = run(capsys, "roleplay", "validate", str(path))
    assert code == 0, out + err
    assert "校验通过" in out


def test_validate_lists_every_problem_with_file_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    item = scenario_item()
    item["turns"][0]["on_covered"] = "no-such-turn"  # unknown target; t2 becomes unreachable
    path = scenario_file(tmp_path, item, "bad.yaml")
    scenario_file(tmp_path, scenario_item("fine"), "good.yaml")
    for target in (path, tmp_path):
        code, out, _err = run(capsys, "roleplay", "validate", str(target))
        assert code == 1
        lines = [ln for ln in out.splitlines() if ln.strip()]
        assert len(lines) >= 2
        assert all(re.match(rf"^{re.escape(str(path))}:\d+: ", ln) for ln in lines), lines
        assert any("no-such-turn" in ln for ln in lines)
    code, _, err = run(capsys, "roleplay", "validate", str(tmp_path / "missing.yaml"))
    assert code == 1 and "missing.yaml" in err


# --- run ----------------------------------------------------------------------------------------------


def test_run_json_has_the_contract_shape_and_stores_nothing(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_replies(tmp_path, GOOD)
    code, out, err = run(capsys, "--db", db, "roleplay", "run", "rp-test", "--replies", str(path), "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["scenario"] == "rp-test" and data["seed"] == 0
    assert {e["role"] for e in data["transcript"]} <= {"customer", "agent"}
    assert [e["role"] for e in data["transcript"]] == ["customer", "agent", "customer", "agent"]
    for e in data["transcript"]:
        assert isinstance(e["text"], str) and isinstance(e["seconds"], float)
    assert [e["seconds"] for e in data["transcript"] if e["role"] == "agent"] == [8.0, 12.5]
    assert len(data["replies"]) == 2
    first = data["replies"][0]
    assert first["key_points_hit"] == ["apologize"] and first["key_points_missed"] == []
    assert first["banned"] == [] and first["seconds"] == 8.0 and first["text"] == SORRY
    assert data["replies"][1]["key_points_hit"] == ["refund"]
    assert data["outcome"] == "退款完成"
    assert isinstance(data["score"], int) and 0 <= data["score"] <= 100
    assert set(data["dimensions"]) == DIMENSIONS
    assert all(isinstance(v, int) and 0 <= v <= 100 for v in data["dimensions"].values())
    assert sessions(db) == []


def test_run_reports_banned_words_with_their_reason(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_replies(
        tmp_path, [{"text": "亲，非常抱歉！我们是全网最好的洗衣液，加我微信给您补偿。", "seconds": 5}]
    )
    code, out, err = run(capsys, "--db", db, "roleplay", "run", "rp-test", "--replies", str(path), "--json")
    assert code == 0, err
    banned = json.loads(out)["replies"][0]["banned"]
    assert banned and all(set(b) >= {"word", "reason"} and b["reason"] for b in banned)


def test_run_is_seeded_and_prints_a_chinese_scorecard(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_replies(tmp_path, GOOD, "replies.yaml")
    outs = []
    for _ in range(2):
        code, out, err = run(
            capsys, "--db", db, "roleplay", "run", "rp-test", "--replies", str(path), "--seed", "4", "--json"
        )
        assert code == 0, err
        outs.append(json.loads(out)["transcript"])
    assert outs[0] == outs[1]
    code, out, err = run(capsys, "--db", db, "roleplay", "run", "rp-test", "--replies", str(path))
    assert code == 0, err
    for text in (SORRY, "结局：退款完成", "总分：", "专业知识", "答问比", "逐条点评"):
        assert text in out, text


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("broken.json", '[{"text": "亲", "seconds": 3},\n {"text": "x" "seconds": 2}]', "broken.json:2"),
        ("broken.yaml", "- text: 亲\n  seconds: [1\n", "broken.yaml:"),
        ("shape.yaml", "text: 亲\nseconds: 3\n", "shape.yaml:1"),
        ("notext.yaml", "- text: 亲\n  seconds: 3\n- seconds: 2\n", "notext.yaml:3"),
        ("noseconds.json", '[{"text": "亲"}]', "noseconds.json:1"),
        ("negative.yaml", "- text: 亲\n  seconds: -1\n", "negative.yaml:2"),
        ("empty.json", "[]", "empty.json"),
    ],
)
def test_run_rejects_bad_reply_files_clearly(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, content: str, expected: str
) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    code, out, err = run(capsys, "--db", db, "roleplay", "run", "rp-test", "--replies", str(path))
    assert code == 1
    assert expected in err and "Traceback" not in err and err.startswith("错误：")
    assert out == ""


def test_run_missing_file_and_unknown_scenario(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(
        capsys, "--db", db, "roleplay", "run", "rp-test", "--replies", str(tmp_path / "nope.json")
    )
    assert code == 1 and "nope.json" in err
    path = write_replies(tmp_path, GOOD)
    code, _, err = run(capsys, "--db", db, "roleplay", "run", "no-such", "--replies", str(path))
    assert code == 1 and "no-such" in err and "Traceback" not in err


def test_run_save_stores_a_session_for_a_logged_in_person(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_replies(tmp_path, GOOD)
    code, _, err = run(capsys, "--db", db, "roleplay", "run", "rp-test", "--replies", str(path), "--save")
    assert code == 1 and "--user" in err
    monkeypatch.setenv("CSTRAINER_PASSWORD", "lily-pass-1")
    code, out, err = run(
        capsys,
        "--db",
        db,
        "--user",
        "lily",
        "roleplay",
        "run",
        "rp-test",
        "--replies",
        str(path),
        "--save",
        "--json",
    )
    assert code == 0, err
    data = json.loads(out)
    assert sessions(db) == [data["session_id"]]


def test_a_reader_that_stops_early_is_no_error(db: str, tmp_path: Path) -> None:
    # GIVEN `cstrainer roleplay show X | head -1` WHEN head closes the pipe THEN no error is printed
    import os
    import subprocess
    import sys

    env = {**os.environ, "CSTRAINER_DB_URL": db, "CSTRAINER_HOME": str(tmp_path / "home")}
    cmd = f'"{sys.executable}" -m cstrainer roleplay show {scenario_item()["key"]} | head -n 1'
    for _ in range(3):
        done = subprocess.run(cmd, shell=True, env=env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0
        assert done.stderr == "" and done.stdout
