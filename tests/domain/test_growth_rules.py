"""The growth path: the shipped file (stages, realistic criteria that refer to shipped content), the
pure judgement of a criterion, and the file's validation errors (file, line, field, Chinese)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from cstrainer import paths
from cstrainer.domain.growth import STAGES, Criterion, evaluate
from cstrainer.formats.growth_file import GrowthFileError, load_growth_path, parse_growth_path

ROOT = paths.project_root()


def shipped_exam_keys() -> set[str]:
    data = yaml.safe_load((ROOT / "question_bank" / "exams.yaml").read_text(encoding="utf-8"))
    return {item["key"] for item in data["items"]}


def shipped_scenarios_by_stage() -> dict[str, int]:
    counts: dict[str, int] = {}
    for f in (ROOT / "scripts_library" / "scenarios").glob("*.yaml"):
        for item in yaml.safe_load(f.read_text(encoding="utf-8"))["items"]:
            counts[item["stage"]] = counts.get(item["stage"], 0) + 1
    return counts


# --- the shipped file -----------------------------------------------------------------------------


def test_the_shipped_path_has_the_five_stages_in_order() -> None:
    path = load_growth_path()
    assert path.names == STAGES == ("新人", "上岗", "售后", "精英客服", "主管")
    assert path.stages[0].criteria == ()
    assert all(s.criteria and s.description for s in path.stages[1:])
    assert path.next_stage("新人") is path.stages[1] and path.next_stage("主管") is None
    assert path.index("unknown stage") == 0


def test_the_shipped_criteria_refer_to_shipped_content_and_can_be_met() -> None:
    path = load_growth_path()
    exams = shipped_exam_keys()
    referenced = {c.exam for s in path.stages for c in s.criteria if c.kind == "exam_passed"}
    assert referenced == {"onboarding-entry", "probation-check", "aftersale-special"} <= exams
    # the entry exam and the on-the-job check come before 上岗, the after-sale paper before 售后
    assert {c.exam for c in path.stage("上岗").criteria if c.exam} == {"onboarding-entry", "probation-check"}
    assert {c.exam for c in path.stage("售后").criteria if c.exam} == {"aftersale-special"}
    scenarios = shipped_scenarios_by_stage()
    for stage in path.stages:
        for c in stage.criteria:
            if c.kind == "scenarios":
                available = (
                    scenarios.get(c.scenario_stage, 0) if c.scenario_stage else sum(scenarios.values())
                )
                assert c.count is not None and c.count <= available, (stage.name, c.text)
            assert c.text, c
    # thresholds rise along the path
    typing = [c.min_net_cpm for s in path.stages for c in s.criteria if c.kind == "typing"]
    assert typing == sorted(typing) and typing[0] == 40
    wrong = [c.max_open for s in path.stages for c in s.criteria if c.kind == "wrong_book"]
    assert wrong == sorted(wrong, reverse=True) and wrong[-1] == 0
    kinds = {c.kind for s in path.stages for c in s.criteria}
    assert kinds >= {"exam_passed", "scenarios", "typing", "wrong_book", "flashcards", "above_team_average"}


# --- judging one criterion ------------------------------------------------------------------------


def test_at_least_criteria_compare_have_with_need() -> None:
    c = Criterion("scenarios", count=3, min_score=80, scenario_stage="售后")
    r = evaluate(c, 2)
    assert (r.met, r.have, r.need, r.unit, r.detail) == (False, 2.0, 3.0, "个", "2/3 个")
    assert r.label == "3 个不同的售后情景模拟达到 80 分"
    assert evaluate(c, 3).met and evaluate(c, 5).met
    exam = Criterion("exam_passed", exam="onboarding-entry", exam_title="新人入职考试")
    assert (evaluate(exam, 0).met, evaluate(exam, 0).detail) == (False, "尚未通过")
    assert evaluate(exam, 1).met and evaluate(exam, 1).label == "通过新人入职考试"
    speed = Criterion("typing", min_net_cpm=40)
    assert evaluate(speed, 38.5).detail == "38.5/40 字/分" and not evaluate(speed, 38.5).met
    times = Criterion("typing", min_net_cpm=40, times=3, label="打字 3 次 40 字/分")
    r = evaluate(times, 2, best=52)
    assert (r.met, r.need, r.detail, r.label) == (False, 3.0, "2/3 次，最好 52 字/分", "打字 3 次 40 字/分")


def test_the_wrong_answer_book_is_an_upper_limit() -> None:
    c = Criterion("wrong_book", max_open=3)
    assert evaluate(c, 3).met and evaluate(c, 0).met
    r = evaluate(c, 4)
    assert not r.met and r.detail == "还有 4 道未消化（上限 3 道）"
    assert Criterion("wrong_book", max_open=0).text == "错题本清空"


def test_too_few_answers_or_sessions_are_not_judged() -> None:
    recall = Criterion("recall", min_accuracy=80, min_answers=30)
    r = evaluate(recall, 100.0, sample=5)
    assert not r.met and r.detail == "已答 5 题，至少要答 30 题才评定"
    assert evaluate(recall, 85.0, sample=30).met
    dim = Criterion("dimension", dimension="合规", min_avg=90, days=30, min_sessions=5)
    assert dim.text == "近 30 天情景模拟合规平均 ≥ 90 分"
    assert not evaluate(dim, 95, sample=4).met and evaluate(dim, 95, sample=5).met
    assert not evaluate(dim, 89.9, sample=9).met


def test_above_team_average_uses_the_measured_team_mean() -> None:
    c = Criterion("above_team_average", days=30, min_sessions=2)
    r = evaluate(c, 82.5, need=80.0, sample=3)
    assert r.met and r.need == 80.0 and r.detail == "本人 82.5 分，本组平均 80 分"
    assert not evaluate(c, 79, need=80.0, sample=3).met
    assert not evaluate(c, 90, need=80.0, sample=1).met


# --- validation of the file -----------------------------------------------------------------------

GOOD = """\
schema_version: 1
kind: growth_path
stages:
  - stage: 新人
  - stage: 上岗
    criteria:
      - {type: exam_passed, exam: onboarding-entry}
  - stage: 售后
    criteria:
      - {type: scenarios, count: 2, min_score: 80, stage: 售后}
  - stage: 精英客服
    criteria:
      - {type: typing, min_net_cpm: 70}
  - stage: 主管
    criteria:
      - {type: stage_days, days: 180}
"""


def errors_of(text: str) -> list[str]:
    with pytest.raises(GrowthFileError) as exc:
        parse_growth_path(text, "growth_path.yaml")
    assert str(exc.value).startswith("growth_path.yaml：成长路径文件有")
    return [str(e) for e in exc.value.errors]


def test_a_minimal_file_parses() -> None:
    path = parse_growth_path(GOOD)
    assert path.names == STAGES
    c = path.stage("售后").criteria[0]
    assert (c.kind, c.count, c.min_score, c.scenario_stage) == ("scenarios", 2, 80, "售后")


def test_errors_name_the_line_and_the_field() -> None:
    bad = GOOD.replace("min_score: 80", "min_score: 120").replace(
        "{type: typing, min_net_cpm: 70}", "{type: typing, speed: 70}"
    )
    errs = errors_of(bad)
    assert any(
        e.startswith("growth_path.yaml:10:") and "stages[2].criteria[0].min_score" in e for e in errs
    ), errs
    assert any(":13:" in e and "stages[3].criteria[0].speed" in e and "未知字段" in e for e in errs), errs
    assert any("stages[3].criteria[0].min_net_cpm" in e and "缺少必填字段" in e for e in errs), errs


def test_unknown_types_stages_and_kinds_are_refused() -> None:
    errs = errors_of(
        GOOD.replace("type: stage_days", "type: vibes").replace("kind: growth_path", "kind: phrases")
    )
    assert any(":2:" in e and "kind 应为 growth_path" in e for e in errs), errs
    assert any(":16:" in e and "type 必须是" in e for e in errs), errs
    errs = errors_of(GOOD.replace("stage: 精英客服", "stage: 金牌客服"))
    assert any(":11:" in e and "stage 必须是 新人、上岗、售后、精英客服、主管 之一" in e for e in errs), errs


def test_stage_order_and_entry_criteria_are_checked() -> None:
    swapped = (
        GOOD.replace("stage: 售后", "stage: TMP")
        .replace("stage: 上岗", "stage: 售后")
        .replace("stage: TMP", "stage: 上岗")
    )
    # the scenario criterion's own "stage: 售后" was swapped too; only the order matters here
    errs = errors_of(swapped.replace("stage: 上岗}", "stage: 售后}"))
    assert any("阶段必须依次是 新人 → 上岗 → 售后 → 精英客服 → 主管" in e for e in errs), errs
    errs = errors_of(
        GOOD.replace(
            "  - stage: 新人\n", "  - stage: 新人\n    criteria:\n      - {type: stage_days, days: 1}\n"
        )
    )
    assert any("“新人”是起点，不能有进入条件" in e for e in errs), errs
    errs = errors_of(GOOD.replace("    criteria:\n      - {type: stage_days, days: 180}\n", ""))
    assert any("“主管”至少要有一条进入条件" in e for e in errs), errs


def test_yaml_syntax_and_empty_files(tmp_path: Path) -> None:
    errs = errors_of(GOOD.replace("stages:\n", "stages: [\n", 1))
    assert errs and "YAML 语法错误" in errs[0]
    assert errors_of("") == ["growth_path.yaml:1:1: 文件是空的"]
    errs = errors_of("schema_version: 9\nkind: growth_path\nstages: []\n")
    assert any("比本程序支持的 1 新" in e for e in errs), errs
    f = tmp_path / "g.yaml"
    f.write_bytes("kind: 成长".encode("gbk"))
    with pytest.raises(GrowthFileError, match="UTF-8"):
        load_growth_path(f)
