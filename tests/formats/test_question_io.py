"""Format detection and dispatch: read_questions / write_questions for every format."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_csv_xlsx import table_view
from test_question_pack import sample_questions

from cstrainer.domain.questions import Option, Question, QuestionType
from cstrainer.formats.content_pack import PackValidationError
from cstrainer.formats.question_io import FORMATS, detect_format, read_questions, write_questions

GIFT = "// [id:a1]\n用多少？{=30ml ~10ml}\n"
AIKEN = "用多少？\nA. 30ml\nB. 10ml\nANSWER: A\n"


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("题库.xlsx", b"", "xlsx"),
        ("题库.XLSX", b"", "xlsx"),
        ("题库.csv", b"", "csv"),
        ("moodle.gift", b"", "gift"),
        ("pack.yml", b"", "yaml"),
        ("题库.txt", GIFT.encode(), "gift"),
        ("题库.txt", AIKEN.encode(), "aiken"),
        ("题库.txt", AIKEN.encode("gbk"), "aiken"),
        ("导出", b"PK\x03\x04rest", "xlsx"),
        ("导出", b"schema_version: 1\nkind: questions\nitems: []\n", "yaml"),
        ("导出", "题型,题干,答案\n判断,对吗？,对\n".encode("gbk"), "csv"),
        ("导出.dat", GIFT.encode(), "gift"),
    ],
)
def test_detect_format(tmp_path: Path, name: str, content: bytes, expected: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    assert detect_format(path) == expected


def test_plain_text_is_neither_gift_nor_aiken(tmp_path: Path) -> None:
    path = tmp_path / "笔记.txt"
    path.write_text("只有一段说明文字\n\n又一段\n", encoding="utf-8")
    with pytest.raises(ValueError, match="看不出 笔记"):
        detect_format(path)
    # asked for explicitly, GIFT reads paragraphs as descriptions
    assert [q.type.value for q in read_questions(path, "gift").questions] == ["description", "description"]


def test_detect_format_gives_up_with_a_reason(tmp_path: Path) -> None:
    path = tmp_path / "图片.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n")
    with pytest.raises(ValueError, match=r"无法识别 图片\.png 的格式"):
        detect_format(path)
    result = read_questions(path)
    assert str(result.errors[0]).startswith("图片.png：无法识别")


@pytest.mark.parametrize("fmt", ["xlsx", "csv", "gift", "yaml"])
def test_write_then_read_every_format(tmp_path: Path, fmt: str) -> None:
    # tables hold less than GIFT and packs (no option feedback ...): compare what they hold
    questions = [q if fmt in ("gift", "yaml") else table_view(q) for q in sample_questions()]
    path = tmp_path / f"题库.{fmt}"
    write_questions(questions, path, fmt)
    result = read_questions(path)
    assert result.errors == []
    assert result.questions == questions


def test_aiken_round_trip_and_refusal(tmp_path: Path) -> None:
    single = Question(
        key="k", type=QuestionType.SINGLE, stem="选？", options=(Option("甲", True), Option("乙"))
    )
    write_questions([single], tmp_path / "a.txt", "aiken")
    [q] = read_questions(tmp_path / "a.txt").questions
    assert q.with_changes(key="k") == single
    with pytest.raises(ValueError, match="Aiken 格式只能保存单选题"):
        write_questions(sample_questions(), tmp_path / "b.txt", "aiken")


def test_write_needs_a_format_it_can_tell(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="请指明导出格式"):
        write_questions([], tmp_path / "题库.txt")
    with pytest.raises(ValueError, match="unknown question format"):
        write_questions([], tmp_path / "题库.txt", "docx")


def test_yaml_needs_complete_questions(tmp_path: Path) -> None:
    no_category = Question(key="k", type=QuestionType.ESSAY, stem="说说")
    with pytest.raises(PackValidationError, match="category"):
        write_questions([no_category], tmp_path / "q.yaml")
    assert not (tmp_path / "q.yaml").exists()


def test_read_errors(tmp_path: Path) -> None:
    assert [str(e) for e in read_questions(tmp_path / "没有.csv").errors] == ["没有.csv：文件不存在"]
    brands = tmp_path / "brands.yaml"
    brands.write_text("schema_version: 1\nkind: brands\nitems: []\n", encoding="utf-8")
    assert "不是题目（questions）" in str(read_questions(brands).errors[0])
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "schema_version: 1\nkind: questions\nitems:\n  - key: q1\n    type: essay\n", encoding="utf-8"
    )
    errors = [str(e) for e in read_questions(bad).errors]
    assert errors and all(e.startswith("bad.yaml:") or e.startswith("bad.yaml 第") for e in errors)
    assert any("第 4 行" in e and "category" in e for e in errors)


def test_read_returns_every_error_of_a_gbk_gift_file(tmp_path: Path) -> None:
    path = tmp_path / "题库.gift"
    path.write_bytes("坏题一？{=甲\n\n好题？{T}\n\n坏题二？{#abc}\n".encode("gbk"))
    result = read_questions(path)
    assert [e.line for e in result.errors] == [1, 5]
    assert [q.stem for q in result.questions] == ["好题？"]


def test_formats_constant() -> None:
    assert FORMATS == ("xlsx", "csv", "gift", "aiken", "yaml")
