"""The role-play state machine: branching, mood and patience, turn limit, determinism."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest

from cstrainer.domain.roleplay import (
    MOOD_COVERED,
    MOOD_FORBIDDEN,
    MOOD_MISSED,
    PATIENCE_FORBIDDEN,
    PATIENCE_MISSED,
    PATIENCE_WASTED,
    RolePlay,
    TranscriptEntry,
    pick_wording,
    play,
    transcript_json,
)
from cstrainer.domain.scenario import ScenarioDef
from cstrainer.text import BannedRule, ensure_ready


@pytest.fixture(scope="module", autouse=True)
def _jieba(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CSTRAINER_HOME", str(tmp_path_factory.mktemp("home")))
        ensure_ready()
    yield


def shop(**changes: Any) -> dict[str, Any]:
    """A small pre-sale scenario: size question (repeats when missed), then a soft payment nudge."""
    d: dict[str, Any] = {
        "key": "t-shop",
        "title": "测试：尺码和催付",
        "brand": "acme",
        "stage": "售前",
        "persona": "犹豫型",
        "mood": 50,
        "patience": 60,
        "difficulty": 1,
        "goal": "下单",
        "reply_time_target_seconds": 20,
        "qc": {"extra_banned": [{"word": "包瘦", "reason": "不能承诺塑身效果"}]},
        "forbidden": [{"id": "blunt", "synonyms": ["赶紧付款", "快点付款"], "reason": "催付不能生硬"}],
        "start": "ask",
        "turns": [
            {
                "id": "ask",
                "wordings": ["这个尺码准吗？", "我平时穿 M，拍 M 行吗？", "尺码偏大还是偏小？"],
                "impatient_wordings": ["你还没说尺码呢？", "到底准不准啊？"],
                "key_points": [
                    {"id": "size", "synonyms": ["尺码", "腰围"], "feedback": "帮顾客确认尺码"},
                    {"id": "returns", "synonyms": ["七天无理由"], "feedback": "讲退换"},
                ],
                "pass_ratio": 0.5,
                "forbidden": [{"id": "slim", "synonyms": ["保证瘦"], "reason": "不能承诺效果"}],
                "on_covered": "pay",
                "on_missed": "ask",
                "on_forbidden": "end:投诉",
            },
            {
                "id": "pay",
                "wordings": ["那我再想想", "晚点再说吧"],
                "key_points": [{"id": "deadline", "synonyms": ["今晚", "截止"], "feedback": "提醒截止时间"}],
                "on_covered": "end:成交",
                "on_missed": "end:未成交",
            },
        ],
    }
    d.update(changes)
    return d


def scenario(**changes: Any) -> ScenarioDef:
    return ScenarioDef.from_dict(shop(**changes))


GOOD_ASK = "亲，您好～您把腰围告诉我，我帮您确认尺码，收到不合适也支持七天无理由退换哦。"
MISS_ASK = "亲，这款卖得很好的，很多人回购。"
GOOD_PAY = "亲，不着急～活动今晚就截止了，您考虑好了随时找我，祝您购物愉快～"


def test_covered_reply_moves_on_and_lifts_the_mood() -> None:
    # GIVEN a new session
    s = scenario()
    rp = RolePlay(s, seed=1)
    first = rp.opening()
    assert first.turn_id == "ask" and first.text in s.turn("ask").wordings
    # WHEN the agent covers the key points
    result = rp.reply(GOOD_ASK, 8)
    # THEN the customer moves to the next turn, happier, and nothing is forbidden
    assert result.covered and result.forbidden == []
    assert result.next_line is not None and result.next_line.turn_id == "pay"
    assert (result.mood_delta, result.patience_delta) == (MOOD_COVERED, 0)
    assert rp.state.mood == 50 + MOOD_COVERED and rp.state.turn_id == "pay"
    assert result.assessment.key_points_hit == ["size", "returns"]
    # WHEN the next reply covers the last turn THEN the conversation ends in 成交
    result = rp.reply(GOOD_PAY, 10)
    assert result.outcome == "成交" and rp.ended and result.next_line is None
    assert rp.state.ended_reason == "outcome"
    assert [e.role for e in rp.transcript] == ["customer", "agent", "customer", "agent", "system"]


def test_missed_reply_repeats_the_turn_impatiently() -> None:
    # GIVEN a session WHEN the agent misses the point
    rp = RolePlay(scenario(), seed=2)
    rp.opening()
    result = rp.reply(MISS_ASK, 5)
    # THEN the customer repeats the turn with an impatient wording, less happy and less patient
    assert not result.covered
    assert result.next_line is not None and result.next_line.impatient
    assert result.next_line.text in ("你还没说尺码呢？", "到底准不准啊？")
    assert (result.mood_delta, result.patience_delta) == (MOOD_MISSED, PATIENCE_MISSED)
    assert rp.transcript[-1].impatient and rp.transcript[-1].turn_id == "ask"


def test_pass_ratio_decides_covered() -> None:
    # GIVEN a turn with two equal key points and pass_ratio 0.5 WHEN one is hit THEN it is covered
    rp = RolePlay(scenario(), seed=0)
    rp.opening()
    assert rp.reply("亲，您的腰围是多少呀？我帮您看看。", 5).covered
    # GIVEN pass_ratio 1.0 WHEN only one is hit THEN it is not
    d = shop()
    d["turns"][0]["pass_ratio"] = 1.0
    rp = RolePlay(ScenarioDef.from_dict(d), seed=0)
    rp.opening()
    assert not rp.reply("亲，您的腰围是多少呀？我帮您看看。", 5).covered


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("亲，您好，这款尺码很准，穿上保证瘦一圈。", "保证瘦"),  # the turn's forbidden move
        ("亲，您好，尺码很准的，赶紧付款吧。", "赶紧付款"),  # the scenario's forbidden move
        ("亲，您好，尺码很准，这是全网最好的收腹裤。", "最好"),  # a shared banned word
        ("亲，您好，尺码很准，穿了包瘦。", "包瘦"),  # qc.extra_banned
    ],
)
def test_forbidden_moves_escalate_even_when_covered(text: str, word: str) -> None:
    # GIVEN a session WHEN the reply covers the point but uses forbidden wording
    rp = RolePlay(scenario(), seed=0)
    rp.opening()
    result = rp.reply(text, 5)
    # THEN the customer escalates (on_forbidden) and mood and patience drop hard
    assert word in result.forbidden
    assert result.outcome == "投诉" and rp.state.ended_reason == "outcome"
    assert (result.mood_delta, result.patience_delta) == (MOOD_FORBIDDEN, PATIENCE_FORBIDDEN)
    assert result.assessment.closing is None  # no closing expected after an escalation


def test_on_forbidden_defaults_to_on_missed() -> None:
    # GIVEN a turn without on_forbidden WHEN the reply is forbidden THEN it follows on_missed
    d = shop()
    del d["turns"][0]["on_forbidden"]
    rp = RolePlay(ScenarioDef.from_dict(d), seed=0)
    rp.opening()
    result = rp.reply("亲，您好，尺码很准的，赶紧付款吧。", 5)
    assert result.outcome is None and result.next_line is not None and result.next_line.turn_id == "ask"


def test_shared_banned_words_can_be_switched_off_but_extra_words_stay() -> None:
    # GIVEN qc.banned false WHEN the reply says 最好 THEN it is not forbidden, but 包瘦 still is
    d = shop()
    d["qc"]["banned"] = False
    s = ScenarioDef.from_dict(d)
    rp = RolePlay(s, seed=0)
    rp.opening()
    assert rp.reply("亲，您好，尺码很准，这是最好的收腹裤。", 5).forbidden == []
    rp = RolePlay(s, seed=0)
    rp.opening()
    assert rp.reply("亲，您好，尺码很准，穿了包瘦。", 5).forbidden == ["包瘦"]


def test_custom_banned_rules() -> None:
    # GIVEN a caller-supplied rule list WHEN a reply uses one of its words THEN it is forbidden
    rules = [BannedRule("秒杀", "测试用的违禁词", "test")]
    rp = RolePlay(scenario(), seed=0, rules=rules)
    rp.opening()
    assert rp.reply("亲，您好，尺码很准，现在秒杀价。", 5).forbidden == ["秒杀"]


def test_slow_replies_drain_patience_until_the_customer_leaves() -> None:
    # GIVEN patience 60 and a 20 s target
    rp = RolePlay(scenario(), seed=0)
    rp.opening()
    # WHEN a missed reply comes 10.7 s late THEN patience drops 15 for the miss and 2 per whole second
    result = rp.reply(MISS_ASK, 30.7)
    assert result.patience_delta == PATIENCE_MISSED - 2 * 10
    assert rp.state.patience == 60 - 15 - 20
    assert "超时" in result.assessment.flags and not result.assessment.within_target
    # WHEN the next missed reply is slow too THEN patience runs out and the customer leaves
    result = rp.reply("亲，我们家的东西质量都很好。", 35)
    assert result.outcome == "流失" and rp.state.ended_reason == "patience"
    assert rp.state.patience == 0
    assert rp.transcript[-1].role == "system" and "耐心" in rp.transcript[-1].text


def test_covered_outcome_wins_over_running_out_of_patience() -> None:
    # GIVEN a customer with little patience at the last turn WHEN a slow reply closes the sale
    # THEN the sale counts: the branch outcome comes before patience
    s = scenario(patience=5)
    rp = RolePlay(s, seed=0)
    rp.opening()
    rp.reply(GOOD_ASK, 10)
    result = rp.reply(GOOD_PAY, 40)
    assert rp.state.patience == 0 and result.outcome == "成交"


def test_filler_and_duplicate_replies_cost_patience() -> None:
    # GIVEN a session WHEN the agent sends filler THEN it is a miss and costs extra patience
    rp = RolePlay(scenario(patience=100), seed=0)
    rp.opening()
    result = rp.reply("好的", 3)
    assert not result.covered
    assert result.patience_delta == PATIENCE_MISSED + PATIENCE_WASTED
    assert "无效回复" in result.assessment.flags
    # WHEN the agent sends the same (missing) reply twice THEN the second one is a near-duplicate
    rp.reply(MISS_ASK, 3)
    result = rp.reply(MISS_ASK.replace("。", "！"), 3)
    assert "重复回复" in result.assessment.flags
    assert result.patience_delta == PATIENCE_MISSED + PATIENCE_WASTED


def test_filler_never_covers_even_a_turn_without_key_points() -> None:
    # GIVEN a turn without key points WHEN the agent answers with filler THEN it is not covered,
    # while a real sentence is
    d = shop()
    d["turns"][0]["key_points"] = []
    s = ScenarioDef.from_dict(d)
    rp = RolePlay(s, seed=0)
    rp.opening()
    assert not rp.reply("嗯嗯", 2).covered
    assert rp.reply("亲，这款是常规尺码哦。", 2).covered


@pytest.mark.parametrize(("stage", "outcome"), [("售前", "未成交"), ("售后", "流失")])
def test_turn_limit(stage: str, outcome: str) -> None:
    # GIVEN a turn limit of 3 and a patient customer
    s = scenario(max_replies=3, patience=100, stage=stage)
    rp = RolePlay(s, seed=0)
    rp.opening()
    # WHEN the agent keeps missing THEN the conversation ends after the third reply
    assert rp.reply("亲，您稍等下，我看看哈。", 2).outcome is None
    assert rp.reply("亲，这款很多人买哦。", 2).outcome is None
    result = rp.reply("亲，质量很好的，放心拍。", 2)
    assert result.outcome == outcome and rp.state.ended_reason == "turn_limit"
    with pytest.raises(RuntimeError):
        rp.reply("亲？", 1)


def test_default_turn_limit_is_twice_the_turns_plus_two() -> None:
    # GIVEN no max_replies (2 turns -> limit 6) WHEN the agent misses forever THEN it stops at 6
    texts = ["亲，您稍等下，我看看哈。", "亲，这款很多人买哦。", "亲，质量很好的，放心拍。", "亲，我们是品牌直营店。",
             "亲，今天下单明天发货。", "亲，这款有三个颜色可选。", "亲，面料是锦纶的。", "亲，还有什么想了解的吗？"]  # fmt: skip
    transcript, outcome = play(scenario(patience=100), [(text, 1) for text in texts])
    assert outcome == "未成交"
    assert sum(1 for e in transcript if e.role == "agent") == 6


def test_same_seed_same_transcript_and_seeds_vary_wordings() -> None:
    # GIVEN a fixed list of replies
    s = scenario(patience=100)
    replies = [(MISS_ASK, 5.0), ("亲，这款很多人买哦。", 5.0), (GOOD_ASK, 5.0), (GOOD_PAY, 5.0)]
    # WHEN played twice with the same seed THEN the transcripts are identical
    first = play(s, replies, seed=42)
    assert play(s, replies, seed=42) == first
    assert first[1] == "成交"
    # WHEN played with other seeds THEN some wordings differ
    openings = {play(s, replies, seed=seed)[0][0].text for seed in range(30)}
    assert len(openings) == len(s.turn("ask").wordings)
    # and a wording depends only on (seed, turn, visit), not on the path before it
    turn = s.turn("pay")
    assert pick_wording(7, turn, 0) == pick_wording(7, turn, 0)
    assert pick_wording(7, s.turn("ask"), 1).impatient


def test_give_up_and_misuse() -> None:
    # GIVEN a session
    rp = RolePlay(scenario(), seed=0)
    with pytest.raises(RuntimeError):
        rp.reply("亲", 1)  # before the opening
    rp.opening()
    with pytest.raises(RuntimeError):
        rp.opening()
    # WHEN the agent stays silent THEN the customer leaves
    assert rp.give_up(75) == "流失"
    assert rp.ended and rp.state.ended_reason == "gave_up"
    assert rp.transcript[-1].role == "system" and rp.transcript[-1].seconds == 75
    with pytest.raises(RuntimeError):
        rp.give_up(1)


def test_transcript_timing_and_json() -> None:
    # GIVEN two replies WHEN played THEN `at` accumulates the response times
    transcript, _ = play(scenario(), [{"text": GOOD_ASK, "seconds": 8}, {"text": GOOD_PAY, "seconds": 12.5}])
    agents = [e for e in transcript if e.role == "agent"]
    assert [(e.seconds, e.at, e.turn_id) for e in agents] == [(8.0, 8.0, "ask"), (12.5, 20.5, "pay")]
    rows = transcript_json(transcript)
    assert [r["role"] for r in rows] == ["customer", "agent", "customer", "agent"]
    assert set(rows[0]) >= {"role", "text", "seconds"}
    assert all(TranscriptEntry.from_dict(e.to_dict()) == e for e in transcript)


def test_play_ignores_replies_after_the_end() -> None:
    transcript, outcome = play(scenario(), [(GOOD_ASK, 5), (GOOD_PAY, 5), ("多余的回复", 5)])
    assert outcome == "成交"
    assert "多余的回复" not in [e.text for e in transcript]


def test_mood_and_patience_stay_in_range() -> None:
    # GIVEN a very happy customer WHEN covered again and again THEN mood stays at 100
    d = copy.deepcopy(shop(mood=95))
    rp = RolePlay(ScenarioDef.from_dict(d), seed=0)
    rp.opening()
    rp.reply(GOOD_ASK, 1)
    assert rp.state.mood == 100
