"""The shipped role-play scenarios: enough of them, of every kind the issue asks for, consistent
with the product data, and playable to a good end with their own model wordings."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from cstrainer.domain.roleplay import RolePlay
from cstrainer.domain.roleplay_scoring import score_session
from cstrainer.domain.scenario import ScenarioDef, has_errors, validate_scenario
from cstrainer.formats.content_pack import ContentPack, item_to_dict, load_packs
from cstrainer.text.banned import default_scanner

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "scripts_library" / "scenarios"


@pytest.fixture(scope="module")
def packs() -> list[ContentPack]:
    return load_packs([ROOT / "scripts_library"])


@pytest.fixture(scope="module")
def scenarios(packs: list[ContentPack]) -> list[ScenarioDef]:
    return [ScenarioDef.from_dict(item_to_dict(i)) for p in packs if p.kind == "scenarios" for i in p.items]


def keys_of(packs: list[ContentPack], kind: str) -> set[str]:
    return {str(i.key) for p in packs if p.kind == kind for i in p.items}


def test_enough_scenarios_of_every_kind(scenarios: list[ScenarioDef]) -> None:
    assert len(scenarios) >= 30
    assert {s.brand for s in scenarios} == {"qinyu", "qingkuo"}
    assert {s.stage for s in scenarios} == {"售前", "售中", "售后"}
    assert len({s.persona for s in scenarios}) >= 6
    tags = Counter(t for s in scenarios for t in s.tags)
    after_sale = [s for s in scenarios if s.stage == "售后"]
    assert len(after_sale) >= 5
    after_sale_tags = {t for s in after_sale for t in s.tags}
    # returns, damaged goods, a late parcel, an angry customer threatening a bad review
    assert {"退货", "破损", "物流", "差评威胁"} <= after_sale_tags
    assert any(s.persona == "愤怒型" and "差评威胁" in s.tags for s in after_sale)
    assert tags["催付"] >= 4
    comparisons = [s for s in scenarios if "竞品对比" in s.tags]
    assert len(comparisons) >= 3
    assert all(s.competitors for s in comparisons), [s.key for s in comparisons if not s.competitors]
    assert tags["议价"] >= 1 and tags["改地址"] >= 1


def test_file_names_match_keys_and_nothing_is_templated(scenarios: list[ScenarioDef]) -> None:
    assert sorted(p.stem for p in SCENARIOS.glob("*.yaml")) == sorted(s.key for s in scenarios)
    wordings = [w for s in scenarios for t in s.turns for w in t.wordings]
    assert len(wordings) == len(set(wordings)), "the same customer line is used twice"
    titles = [s.title for s in scenarios]
    assert len(titles) == len(set(titles))


def test_references_exist(packs: list[ContentPack], scenarios: list[ScenarioDef]) -> None:
    products, competitors = keys_of(packs, "products"), keys_of(packs, "competitors")
    for s in scenarios:
        assert s.products, s.key
        assert set(s.products) <= products, (s.key, set(s.products) - products)
        assert set(s.competitors) <= competitors, (s.key, set(s.competitors) - competitors)


def test_every_scenario_validates_without_errors(scenarios: list[ScenarioDef]) -> None:
    for s in scenarios:
        issues = validate_scenario(s)
        assert not has_errors(issues), (s.key, [i.message for i in issues])
        assert all(t.key_points for t in s.turns), s.key


def test_model_wordings_are_clean(scenarios: list[ScenarioDef]) -> None:
    scanner = default_scanner()
    for s in scenarios:
        texts = [kp.better for t in s.turns for kp in t.key_points if kp.better]
        texts += [p.text for p in s.phrases]
        assert texts, s.key
        assert s.phrases, f"{s.key}: the chat's quick-phrase panel needs suggested phrases"
        for text in texts:
            assert scanner.scan(text) == [], (s.key, text, scanner.scan(text))


def _model_reply(s: ScenarioDef, turn_id: str, first: bool) -> str:
    turn = s.turn(turn_id)
    parts = [kp.better or "、".join(kp.synonyms[:1]) for kp in turn.key_points]
    reply = "".join(dict.fromkeys(parts))  # the same model wording once
    return ("亲，您好，欢迎光临！" + reply) if first else reply


@pytest.mark.parametrize("key", sorted(p.stem for p in SCENARIOS.glob("*.yaml")))
def test_the_model_wordings_win_the_scenario(scenarios: list[ScenarioDef], key: str) -> None:
    # GIVEN a scenario, WHEN an agent answers every customer turn with the scenario's own model
    # wordings within the time target, THEN the conversation ends in a success outcome
    s = next(x for x in scenarios if x.key == key)
    rp = RolePlay(s, seed=3)
    line = rp.opening()
    first = True
    while not rp.ended:
        assert line is not None
        outcome = rp.reply(_model_reply(s, line.turn_id, first), 8.0)
        first = False
        line = outcome.next_line
    assert rp.outcome in s.success_outcomes, (key, rp.outcome, [e.text for e in rp.transcript])
    card = score_session(s, rp.transcript, outcome=rp.outcome)
    assert card.dimensions["专业知识"] >= 80 and card.dimensions["合规"] == 100, card.dimensions
