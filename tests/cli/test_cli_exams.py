"""The questions and exams commands."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cstrainer.cli import main
from cstrainer.services import SYSTEM, Services
from cstrainer.storage.database import open_database
from tests.services.exam_fixtures import exam_item, make_bank

GIFT = """\
// [tag:退换]
::七天::七天无理由退货从哪天开始算？{
  =顾客签收的次日 #对，从签收次日起算。
  ~顾客下单当天 #不对。
  ~商家发货当天
}

::运费险::运费险可以帮顾客承担退货运费。{T}
"""


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_dry_run_json_prints_the_parsed_questions_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], _isolated_home: Path
) -> None:
    path = tmp_path / "q.gift"
    path.write_text(GIFT, encoding="utf-8")
    code, out, err = run(capsys, "questions", "import", str(path), "--dry-run", "--json")
    assert code == 0, err
    items = json.loads(out)
    assert [i["type"] for i in items] == ["single", "truefalse"]
    first = items[0]
    for key in ("type", "title", "stem", "options", "answers", "feedback", "category", "tags"):
        assert key in first, key
    assert first["title"] == "七天" and first["stem"] == "七天无理由退货从哪天开始算？"
    assert first["options"][0] == {
        "text": "顾客签收的次日",
        "correct": True,
        "weight": None,
        "feedback": "对，从签收次日起算。",
    }
    assert [o["correct"] for o in first["options"]] == [True, False, False]
    assert first["tags"] == ["退换"]
    # no database was created
    assert not list(_isolated_home.rglob("*.sqlite"))


def test_import_errors_go_to_stderr_with_a_non_zero_exit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.gift"
    path.write_text("::坏::没有收尾的题 {=对 ~错\n", encoding="utf-8")
    code, out, err = run(capsys, "questions", "import", str(path), "--dry-run", "--json")
    assert code == 1 and out == ""
    assert "bad.gift" in err and "第 1 行" in err and "}" in err


def test_import_export_and_list(db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "q.gift"
    path.write_text(GIFT, encoding="utf-8")
    code, out, err = run(capsys, "--db", db_url, "questions", "import", str(path), "--category", "平台规则")
    assert code == 0, err
    assert "新增 2" in out
    code, out, _ = run(capsys, "--db", db_url, "questions", "list", "运费险 承担 退货", "--json")
    found = [q for q in json.loads(out) if q["stem"] == "运费险可以帮顾客承担退货运费。"]
    assert [(q["category"], q["type"]) for q in found] == [("平台规则", "truefalse")]
    xlsx = tmp_path / "out.xlsx"
    code, out, err = run(capsys, "--db", db_url, "questions", "export", str(xlsx))
    assert code == 0, err
    assert xlsx.exists()
    code, out, err = run(capsys, "--db", db_url, "questions", "template", str(tmp_path / "t.xlsx"))
    assert code == 0 and (tmp_path / "t.xlsx").exists()


def test_exams_results_and_certificate_verification(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    s = Services(open_database(db_url))
    actors: dict[str, Any] = make_bank(s)
    s.exams.save_exam(SYSTEM, exam_item(key="exam-cli", pass_mark=0))
    me = actors["xinren"]
    view = s.exams.start(me, "exam-cli")
    s.exams.submit(me, view.attempt_id)
    for r in s.exams.review_queue(SYSTEM):
        s.exams.review(SYSTEM, r.item_id, 0)
    code_ = s.exams.result(me, view.attempt_id).certificate_code
    s.close()
    assert code_
    code, out, err = run(capsys, "--db", db_url, "exams", "verify", code_)
    assert code == 0, err
    assert "刘新人" in out and "入职考试（测试）" in out
    code, out, err = run(capsys, "--db", db_url, "exams", "verify", "ZZZZZZZZZZ")
    assert code == 1 and "无效" in err
    code, out, _ = run(capsys, "--db", db_url, "exams", "results", "xinren", "--json")
    assert json.loads(out)[0]["passed"] is True
    pdf = tmp_path / "cert.pdf"
    code, out, err = run(capsys, "--db", db_url, "exams", "certificate", str(view.attempt_id), str(pdf))
    assert code == 0, err
    assert pdf.read_bytes().startswith(b"%PDF")
    code, out, _ = run(capsys, "--db", db_url, "exams", "list", "--json")
    assert "exam-cli" in {e["key"] for e in json.loads(out)}
