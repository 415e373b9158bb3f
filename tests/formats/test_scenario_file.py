"""Scenario files: every problem listed with file and line (``cstrainer roleplay validate``)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from cstrainer.formats.content_pack import PackValidationError, load_pack, load_packs
from cstrainer.formats.scenario_file import (
    has_errors,
    scenarios_from_pack,
    validate_scenario_file,
    validate_scenario_path,
)

ROOT = Path(__file__).resolve().parents[2]

BROKEN = """
schema_version: 1
kind: scenarios
items:
  - key: broken
    title: 有好几处问题的情景
    brand: acme
    stage: 售后
    persona: 愤怒型
    mood: 20
    patience: 30
    difficulty: 2
    goal: 测试
    start: a
    turns:
      - id: a
        wordings: [怎么回事？]
        key_points:
          - {id: sorry, synonyms: [抱歉], feedback: 先道歉}
        on_covered: b
        on_missed: a
      - id: b
        wordings: [那怎么办]
        on_covered: end:退款完成
        on_missed: nowhere
      - id: orphan
        wordings: [没人会走到这里]
        key_points:
          - {id: x, synonyms: [x], feedback: x}
        on_covered: end:已解决
        on_missed: end:流失
      - id: spin
        wordings: [绕圈]
        key_points:
          - {id: y, synonyms: [y], feedback: y}
        on_covered: spin
        on_missed: spin
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def test_every_problem_is_listed_with_file_and_line(tmp_path: Path) -> None:
    # GIVEN a scenario file with an unknown branch, a turn without key points, an unreachable turn,
    # an unreachable dead end and two turns that repeat themselves with a single wording
    path = write(tmp_path, "broken.yaml", BROKEN)
    # WHEN validating the file
    issues = validate_scenario_file(path)
    # THEN every problem is listed, in line order, as file:line: message
    got = [(i.line, i.severity, i.message) for i in issues]
    repeat = "没答到时顾客会重复这一轮，却只有一种说法：建议加 impatient_wordings（不耐烦的说法）"
    assert got == [
        (20, "warning", repeat),
        (21, "warning", "这一轮没有要点（key_points）：任何像样的回复都算答到"),
        (24, "error", "没有 id 为 nowhere 的轮次"),
        (25, "error", "从 start（a）走不到这一轮"),
        (31, "error", "从 start（a）走不到这一轮"),
        (31, "error", "死路：从这一轮出发走不到任何结局（end:…），对话会一直绕圈"),
        (36, "warning", repeat),
    ]
    assert str(issues[2]) == f"{path}:24: 没有 id 为 nowhere 的轮次（轮次 b）"
    assert str(issues[1]).startswith(f"{path}:21: 提示：")
    assert issues[2].field == "items[0].turns[1].on_missed"
    assert {i.scenario for i in issues} == {"broken"}
    assert has_errors(issues)


def test_loading_the_pack_rejects_it_with_every_error(tmp_path: Path) -> None:
    # GIVEN the same file WHEN the content importer loads it THEN all errors (not the warning) are
    # reported together, with lines
    path = write(tmp_path, "broken.yaml", BROKEN)
    with pytest.raises(PackValidationError) as caught:
        load_packs([path])
    got = [(e.line, e.field, e.message) for e in caught.value.errors]
    assert got == [
        (24, "items[0].turns[1].on_missed", "没有 id 为 nowhere 的轮次"),
        (25, "items[0].turns[2].id", "从 start（a）走不到这一轮"),
        (31, "items[0].turns[3].id", "从 start（a）走不到这一轮"),
        (31, "items[0].turns[3].id", "死路：从这一轮出发走不到任何结局（end:…），对话会一直绕圈"),
    ]


def test_field_errors_come_first_and_stop_the_graph_checks(tmp_path: Path) -> None:
    # GIVEN a file whose scenario has a typo in a field name and a bad outcome
    path = write(
        tmp_path,
        "typo.yaml",
        BROKEN.replace("    goal: 测试\n", "    gaol: 测试\n").replace("end:退款完成", "end:退货"),
    )
    # WHEN validating THEN the field errors are listed with lines
    messages = [(i.line, i.message) for i in validate_scenario_file(path)]
    assert (12, "未知字段（拼写错误？）") in messages
    assert (4, "缺少必填字段") in messages  # goal
    assert any(line == 23 and "未知的结局 end:退货" in m for line, m in messages)


def test_yaml_syntax_error_and_other_kinds(tmp_path: Path) -> None:
    # GIVEN a file with broken YAML THEN one error with its line
    bad = write(tmp_path, "bad.yaml", "schema_version: 1\nkind: scenarios\nitems: [\n")
    issues = validate_scenario_file(bad)
    assert len(issues) == 1 and issues[0].is_error and issues[0].line
    # GIVEN a pack of another kind THEN it is not a scenario file
    other = write(tmp_path, "brands.yaml", "schema_version: 1\nkind: brands\nitems: []\n")
    assert "不是情景文件" in validate_scenario_file(other)[0].message
    # GIVEN a missing path THEN one error
    assert validate_scenario_path(tmp_path / "missing.yaml")[0].message == "文件或文件夹不存在"


def test_folder_validation_skips_other_files(tmp_path: Path) -> None:
    # GIVEN a folder with a broken scenario file, a brands pack and a word list
    write(tmp_path, "broken.yaml", BROKEN)
    write(tmp_path, "brands.yaml", "schema_version: 1\nkind: brands\nitems: []\n")
    write(tmp_path, "words.yaml", "schema_version: 1\nkind: banned_words\nitems: []\n")
    # WHEN validating the folder THEN only the scenario file's issues are listed
    issues = validate_scenario_path(tmp_path)
    assert {Path(i.file).name for i in issues} == {"broken.yaml"}
    assert len(issues) == 7


def test_shipped_scenarios_have_no_errors() -> None:
    # GIVEN the shipped scenario folder WHEN validating it THEN there are no errors
    issues = validate_scenario_path(ROOT / "scripts_library" / "scenarios")
    assert not has_errors(issues), "\n".join(map(str, issues))


def test_scenarios_from_pack_keep_their_lines() -> None:
    # GIVEN a shipped scenario file WHEN converting its items THEN turns know their lines
    pack = load_pack(ROOT / "scripts_library" / "scenarios" / "qinyu-leaking-bottle.yaml")
    (scenario,) = scenarios_from_pack(pack)
    assert scenario.key == "qinyu-leaking-bottle"
    assert scenario.turn("outburst").line is not None
    assert scenario.line_of(("turns", 0, "id")) == pack.line_of(0, "turns[0].id")
