"""`cstrainer phrases import` (dry run, JSON, all or nothing) and `phrases export` (csv/xlsx/espanso)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from cstrainer.cli import main
from cstrainer.domain.accounts import Role
from cstrainer.domain.phrases import PhraseItem
from cstrainer.formats.phrase_table import parse_phrase_xlsx
from cstrainer.services import SYSTEM, Services
from cstrainer.storage.database import open_database
from cstrainer.storage.models import Brand

HEAD = "分组,快捷编码,内容,品牌,标签,意图,编号\n"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def db(db_url: str) -> str:
    s = Services(open_database(db_url))
    with s.db.session() as d:
        d.add_all([Brand(key="qinyu", name="沁屿"), Brand(key="qingkuo", name="轻廓")])
    s.users.add(SYSTEM, "lily", "李丽", "lily-pass-1", Role.AGENT, brand_keys=["qinyu"])
    for item in (
        PhraseItem("qy-hello", "qinyu", "迎宾", "问候", "hy1", "{顾客昵称}你好呀～小屿在的", ("问候",)),
        PhraseItem("qk-size", "qingkuo", "咨询", "尺码", "cm1", "麻烦亲报一下腰围，帮您选准尺码～"),
        PhraseItem("shared-ship", None, "物流查询", "已发货", "wl1", "亲，订单 {订单号} 已经发出～"),
    ):
        s.phrases.save_team(SYSTEM, item)
    s.close()
    return db_url


def csv_file(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "千牛.csv"
    path.write_text(HEAD + body, encoding="utf-8-sig")
    return path


def test_dry_run_json_then_import(db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = csv_file(
        tmp_path,
        "送别,sb1,感谢亲的光临～,qinyu,,送别,qy-bye\n物流查询,wl1,亲，订单 {订单号} 已发出，请留意～,,,已发货,shared-ship\n",
    )
    code, out, _ = run(capsys, "--db", db, "phrases", "import", str(path), "--dry-run", "--json")
    data = json.loads(out)
    assert code == 0 and data["ok"]
    assert [a["key"] for a in data["added"]] == ["qy-bye"]
    assert [u["new"]["key"] for u in data["updated"]] == ["shared-ship"]
    code, out, _ = run(capsys, "--db", db, "phrases", "search", "sb1", "--json")
    assert json.loads(out) == []  # the dry run wrote nothing
    code, out, _ = run(capsys, "--db", db, "phrases", "import", str(path))
    assert code == 0 and "新增 1 条、修改 1 条" in out
    code, out, _ = run(capsys, "--db", db, "phrases", "search", "sb1", "--json")
    assert [r["key"] for r in json.loads(out)] == ["qy-bye"]


def test_bad_file_names_row_and_column_and_fails(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = csv_file(tmp_path, "送别,sb1,感谢光临～,qinyu,,,qy-bye\n乱写的,xx1,你好,qinyu,,,qy-x\n")
    code, out, err = run(capsys, "--db", db, "phrases", "import", str(path), "--dry-run")
    assert code == 1 and "千牛.csv 第 3 行 A 列（分组）" in err
    code, out, _ = run(capsys, "--db", db, "phrases", "import", str(path), "--json")
    data = json.loads(out)
    assert code == 1 and data["imported"] is False
    assert {(p["row"], p["column"]) for p in data["problems"]} >= {(3, "A")}
    code, out, _ = run(capsys, "--db", db, "phrases", "search", "sb1", "--json")
    assert json.loads(out) == []


def test_lint_hits_need_a_justification(db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = csv_file(tmp_path, "推荐,tj1,这款是我们家最好卖的洗衣液哦,qinyu,,,qy-best\n")
    code, out, err = run(capsys, "--db", db, "phrases", "import", str(path))
    assert code == 1 and "违规用语" in err and "qy-best" in out
    code, out, _ = run(capsys, "--db", db, "phrases", "import", str(path), "--justification", "有榜单为证")
    assert code == 0 and "新增 1 条" in out


def test_agents_cannot_import(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CSTRAINER_PASSWORD", "lily-pass-1")
    path = csv_file(tmp_path, "送别,sb1,感谢光临～,qinyu,,,qy-bye\n")
    code, _, err = run(capsys, "--db", db, "--user", "lily", "phrases", "import", str(path), "--dry-run")
    assert code == 1 and "权限不足" in err


def test_export_formats(db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--db", db, "phrases", "export", str(tmp_path / "all.xlsx"))
    assert code == 0 and "3 条" in out
    assert len(parse_phrase_xlsx(tmp_path / "all.xlsx").phrases) == 3
    target = tmp_path / "qinyu-espanso.txt"
    code, out, _ = run(
        capsys, "--db", db, "phrases", "export", str(target), "--format", "espanso", "--brand", "qinyu"
    )
    matches = yaml.safe_load(target.read_text(encoding="utf-8"))["matches"]
    assert code == 0 and sorted(m["trigger"] for m in matches) == [":hy1", ":wl1"]
    code, _, err = run(capsys, "--db", db, "phrases", "export", str(tmp_path / "x.csv"), "--brand", "nope")
    assert code == 1 and "nope" in err
