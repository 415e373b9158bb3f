"""Scenario definitions: dict round-trip, lookups and whole-scenario validation."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from cstrainer.domain import scenario as sc
from cstrainer.domain.scenario import (
    OUTCOMES,
    ScenarioDef,
    has_errors,
    is_terminal,
    outcome_of,
    validate_scenario,
)
from cstrainer.formats import content_pack
from cstrainer.formats.content_pack import item_to_dict, load_pack

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = sorted((ROOT / "scripts_library" / "scenarios").glob("*.yaml"))


def small() -> dict[str, Any]:
    """A valid three-turn scenario as a pack item dict."""
    return {
        "key": "t-small",
        "title": "测试情景",
        "brand": "acme",
        "stage": "售前",
        "persona": "犹豫型",
        "mood": 50,
        "patience": 50,
        "difficulty": 1,
        "goal": "促成下单",
        "start": "a",
        "turns": [
            {
                "id": "a",
                "wordings": ["在吗"],
                "key_points": [{"id": "k", "synonyms": ["尺码"], "feedback": "问尺码"}],
                "on_covered": "b",
                "on_missed": "a",
                "impatient_wordings": ["人呢？"],
            },
            {
                "id": "b",
                "wordings": ["好的"],
                "key_points": [{"id": "k2", "synonyms": ["七天无理由"], "feedback": "讲退换"}],
                "on_covered": "end:成交",
                "on_missed": "end:未成交",
            },
        ],
    }


def issues_of(d: dict[str, Any]) -> list[tuple[str, str | None, str]]:
    return [(i.severity, i.field, i.message) for i in validate_scenario(ScenarioDef.from_dict(d))]


def test_outcome_vocabulary_is_shared_with_the_pack_format() -> None:
    # GIVEN the domain and the pack format WHEN comparing their outcome vocabularies THEN they agree
    assert content_pack.OUTCOMES == sc.OUTCOMES
    assert content_pack.DEFAULT_SUCCESS_OUTCOMES == sc.DEFAULT_SUCCESS_OUTCOMES
    assert set(content_pack.get_args(content_pack.Outcome)) == set(OUTCOMES)
    assert is_terminal("end:成交") and not is_terminal("a") and not is_terminal(None)
    assert outcome_of("end:流失") == "流失"
    with pytest.raises(ValueError):
        outcome_of("a")


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_shipped_scenarios_round_trip_and_validate(path: Path) -> None:
    # GIVEN every shipped scenario
    for item in load_pack(path).items:
        d = item_to_dict(item)
        s = ScenarioDef.from_dict(d)
        # WHEN written back to a dict THEN it reads back equal and matches the pack item
        assert ScenarioDef.from_dict(s.to_dict()) == s
        model, problems = content_pack.validate_item("scenarios", s.to_dict())
        assert problems == [] and model is not None
        assert item_to_dict(model) == d
        # and it has no validation errors
        assert not has_errors(validate_scenario(s)), [str(i) for i in validate_scenario(s)]


def test_round_trip_keeps_every_optional_field() -> None:
    # GIVEN a scenario using every optional field
    d = small()
    d.update(
        products=["p1"],
        competitors=["c1"],
        customer_name="小鹿",
        tags=["催付"],
        success=["成交"],
        max_replies=5,
        qc={
            "greeting": False,
            "empathy_below_mood": 30,
            "extra_banned": [{"word": "包瘦", "reason": "不能承诺"}],
        },
        forbidden=[{"id": "nudge", "synonyms": ["赶紧付款"], "reason": "别催"}],
        phrases=[{"shortcut": "cf1", "text": "亲，在的～"}],
    )
    d["turns"][0]["pass_ratio"] = 0.5
    d["turns"][0]["forbidden"] = [{"id": "x", "regexes": ["包.*瘦"], "reason": "别承诺"}]
    d["turns"][0]["on_forbidden"] = "end:流失"
    d["turns"][0]["key_points"][0]["better"] = "亲，您平时穿什么尺码呀？"
    # WHEN read and written back THEN nothing is lost
    s = ScenarioDef.from_dict(d)
    assert ScenarioDef.from_dict(s.to_dict()) == s
    assert s.qc.extra_banned == (("包瘦", "不能承诺"),)
    assert s.display_name == "小鹿"
    assert s.reply_limit == 5
    assert s.success_outcomes == ("成交",)
    assert s.turn("a").forbidden_target == "end:流失"
    # and the pack model accepts the dict unchanged
    model, problems = content_pack.validate_item("scenarios", copy.deepcopy(s.to_dict()))
    assert problems == [] and model is not None


def test_defaults() -> None:
    # GIVEN a scenario without the optional fields WHEN reading it THEN the defaults apply
    s = ScenarioDef.from_dict(small())
    assert s.reply_limit == 2 * 2 + 2
    assert s.success_outcomes == sc.DEFAULT_SUCCESS_OUTCOMES
    assert s.display_name == sc.DEFAULT_CUSTOMER_NAMES["犹豫型"]
    assert s.limit_outcome == "未成交"
    assert s.turn("b").forbidden_target == "end:未成交"
    assert s.find_turn("zzz") is None
    with pytest.raises(KeyError):
        s.turn("zzz")
    assert issues_of(small()) == []


def test_validation_lists_every_problem_at_once() -> None:
    # GIVEN a scenario with an unknown branch, an unreachable turn, a dead-end loop, a turn without
    # key points and a duplicate turn id
    d = small()
    d["turns"][1]["on_missed"] = "nowhere"
    d["turns"] += [
        {
            "id": "island",
            "wordings": ["孤岛"],
            "key_points": [],
            "on_covered": "end:成交",
            "on_missed": "end:流失",
        },
        {"id": "loop1", "wordings": ["绕"], "on_covered": "loop2", "on_missed": "loop2"},
        {"id": "loop2", "wordings": ["圈"], "on_covered": "loop1", "on_missed": "loop1"},
        {"id": "b", "wordings": ["重复"], "on_covered": "end:成交", "on_missed": "end:成交"},
    ]
    d["turns"][0]["on_forbidden"] = "loop1"
    # WHEN validating
    found = issues_of(d)
    # THEN every problem is listed, with the turn field it concerns
    assert ("error", "turns[1].on_missed", "没有 id 为 nowhere 的轮次") in found
    assert ("error", "turns[2].id", "从 start（a）走不到这一轮") in found
    assert ("warning", "turns[2].id", "这一轮没有要点（key_points）：任何像样的回复都算答到") in found
    dead = "死路：从这一轮出发走不到任何结局（end:…），对话会一直绕圈"
    assert ("error", "turns[3].id", dead) in found and ("error", "turns[4].id", dead) in found
    assert ("error", "turns[5].id", "重复的轮次 id：b") in found
    assert all(
        i.turn_id for i in validate_scenario(ScenarioDef.from_dict(d)) if i.field and "turns" in i.field
    )


def test_validation_of_metadata_and_key_points() -> None:
    # GIVEN an editor draft with bad values everywhere
    d = small()
    d.update(stage="售后中", persona="暴躁型", mood=120, difficulty=5, start="zzz", success=["发财"])
    d["turns"][0]["key_points"].append({"id": "k", "synonyms": [], "feedback": "", "weight": 0})
    d["turns"][0]["key_points"].append({"id": "r", "regexes": ["(unclosed"], "feedback": "x"})
    d["turns"][0]["wordings"] = []
    # WHEN validating THEN each bad value is reported
    fields = {(sev, f) for sev, f, _ in issues_of(d)}
    for expected in (
        "stage",
        "persona",
        "mood",
        "difficulty",
        "start",
        "success[0]",
        "turns[0].wordings",
        "turns[0].key_points[1].id",
        "turns[0].key_points[1].weight",
        "turns[0].key_points[1].feedback",
        "turns[0].key_points[1].synonyms",
        "turns[0].key_points[2].regexes[0]",
    ):
        assert ("error", expected) in fields, expected


def test_warnings_for_unreachable_success_and_small_turn_limit() -> None:
    # GIVEN a scenario whose only outcomes are failures
    d = small()
    d["turns"][1]["on_covered"] = "end:未成交"
    # THEN a warning says success cannot be reached
    assert [sev for sev, _, msg in issues_of(d) if "成功结局" in msg] == ["warning"]
    # GIVEN a turn limit smaller than the shortest successful path
    d = small()
    d["max_replies"] = 1
    # THEN a warning says so
    assert any(sev == "warning" and f == "max_replies" for sev, f, _ in issues_of(d))
    # GIVEN a turn that repeats itself with a single wording and no impatient wordings
    d = small()
    del d["turns"][0]["impatient_wordings"]
    assert ("warning", "turns[0].on_missed") in {(s, f) for s, f, _ in issues_of(d)}


def test_issue_lines_come_from_the_source() -> None:
    # GIVEN a definition read with source lines WHEN validating THEN issues carry them (nearest parent)
    d = small()
    d["turns"][1]["on_missed"] = "nowhere"
    lines = {(): 3, ("turns", 1): 20, ("turns", 1, "on_missed"): 24}
    issue = next(i for i in validate_scenario(ScenarioDef.from_dict(d, lines)) if i.is_error)
    assert (issue.line, issue.turn_id, issue.path) == (24, "b", ("turns", 1, "on_missed"))
    assert ScenarioDef.from_dict(d, lines).turn("b").line == 20
    assert "第 24 行" in str(issue)
