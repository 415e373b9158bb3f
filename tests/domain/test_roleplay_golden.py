"""Golden role-play transcripts (tests/domain/golden_roleplay/transcripts.yaml).

Each case plays a scenario with fixed replies and a fixed seed, then grades the transcript; the
outcome, the score range and - per reply - the exact key points hit and missed, banned and
forbidden words and flags must match. The cases cover good, bad, keyword-stuffed, rude, slow,
filler and repeated replies for three scenarios (two shipped, one next to the data file), and
texts that must not raise false alarms (最近, 第一次, 第一时间, 最快).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from cstrainer.domain.roleplay import play
from cstrainer.domain.roleplay_scoring import outcome_cap, score_session
from cstrainer.domain.scenario import ScenarioDef
from cstrainer.formats.content_pack import item_to_dict, load_pack
from cstrainer.text import ensure_ready

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).resolve().parent / "golden_roleplay" / "transcripts.yaml"


@pytest.fixture(scope="module", autouse=True)
def _jieba(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CSTRAINER_HOME", str(tmp_path_factory.mktemp("home")))
        ensure_ready()
    yield


def _cases() -> list[Any]:
    blocks = yaml.safe_load(GOLDEN.read_text(encoding="utf-8"))
    params = []
    for block in blocks:
        for case in block["cases"]:
            params.append(
                pytest.param(
                    block["scenario"],
                    block["seed"],
                    case,
                    id=f"{Path(block['scenario']).stem}-{case['name']}",
                )
            )
    return params


_SCENARIOS: dict[str, ScenarioDef] = {}


def _scenario(path: str) -> ScenarioDef:
    if path not in _SCENARIOS:
        pack = load_pack(ROOT / path)
        _SCENARIOS[path] = ScenarioDef.from_dict(item_to_dict(pack.items[0]))
    return _SCENARIOS[path]


def test_golden_file_covers_the_required_kinds() -> None:
    # GIVEN the golden data WHEN counting its cases THEN at least three scenarios each have a good
    # and a bad case, and stuffed, rude, slow and filler cases exist
    blocks = yaml.safe_load(GOLDEN.read_text(encoding="utf-8"))
    assert len(blocks) >= 3
    for block in blocks:
        names = {case["name"] for case in block["cases"]}
        assert {"good", "filler"} <= names
    names = {case["name"] for block in blocks for case in block["cases"]}
    assert {"good", "bad", "stuffed", "rude", "slow", "filler", "repeated", "no-false-positives"} <= names


@pytest.mark.parametrize(("scenario_path", "seed", "case"), _cases())
def test_golden_transcript(scenario_path: str, seed: int, case: dict[str, Any]) -> None:
    # GIVEN a scenario and the agent's replies
    scenario = _scenario(scenario_path)
    replies = [(r["text"], float(r["seconds"])) for r in case["replies"]]
    # WHEN the scenario is played and the transcript graded
    transcript, outcome = play(scenario, replies, seed=seed)
    card = score_session(scenario, transcript, outcome=outcome)
    expect = case["expect"]
    # THEN outcome, score range and every reply's hits, misses, banned words and flags match
    assert outcome == expect["outcome"]
    # the range is for the replies' own points; an outcome that misses the goal then caps it
    low, high = expect["score"]
    assert low <= round(card.exact_score) <= high, card.to_json()
    cap, _ = outcome_cap(scenario, card.outcome)
    assert card.score == (min(round(card.exact_score), cap) if cap is not None else round(card.exact_score))
    assert (card.cap is not None) == (cap is not None and round(card.exact_score) > cap)
    got = [
        {
            "turn": g.turn_id,
            "hit": g.key_points_hit,
            "missed": g.key_points_missed,
            "banned": sorted({b["word"] for b in g.banned}),
            "forbidden": sorted({f["word"] for f in g.forbidden}),
            "flags": g.flags,
        }
        for g in card.replies
    ]
    assert got == expect["replies"]
    # and re-grading the same transcript gives the same scorecard (a pure function)
    assert score_session(scenario, transcript, outcome=outcome).to_json() == card.to_json()
