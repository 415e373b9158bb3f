"""The role-play scorecard: exact point differences, context rules, anti-gaming, re-grading."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import pytest

from cstrainer.domain.roleplay import RolePlay, TranscriptEntry, play
from cstrainer.domain.roleplay_scoring import (
    AFTER_SALE_WEIGHTS,
    DIMENSIONS,
    SALE_WEIGHTS,
    Scorecard,
    score_session,
)
from cstrainer.domain.scenario import ScenarioDef
from cstrainer.text import ensure_ready


@pytest.fixture(scope="module", autouse=True)
def _jieba(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CSTRAINER_HOME", str(tmp_path_factory.mktemp("home")))
        ensure_ready()
    yield


def complaint(**changes: Any) -> dict[str, Any]:
    """An after-sale complaint: an upset customer (mood 30), three turns."""
    d: dict[str, Any] = {
        "key": "t-complaint",
        "title": "测试：破损投诉",
        "brand": "acme",
        "stage": "售后",
        "persona": "愤怒型",
        "mood": 30,
        "patience": 80,
        "difficulty": 2,
        "goal": "安抚并退款",
        "reply_time_target_seconds": 20,
        "start": "broken",
        "turns": [
            {
                "id": "broken",
                "wordings": ["收到的瓶子碎了！！怎么回事？"],
                "key_points": [
                    {"id": "sorry", "synonyms": ["抱歉", "对不起"], "weight": 1, "feedback": "先道歉"},
                    {
                        "id": "photo",
                        "synonyms": ["拍照", "照片"],
                        "weight": 2,
                        "feedback": "请顾客拍照",
                        "better": "麻烦您拍一下外箱和瓶身的照片，我马上登记。",
                    },
                ],
                "on_covered": "photo",
                "on_missed": "broken",
                "on_forbidden": "end:投诉",
            },
            {
                "id": "photo",
                "wordings": ["[图片] 你看，全碎了。"],
                "key_points": [{"id": "refund", "synonyms": ["退款", "补发"], "feedback": "给出方案"}],
                "on_covered": "thanks",
                "on_missed": "end:差评",
            },
            {
                "id": "thanks",
                "wordings": ["行吧，那就这样。"],
                "key_points": [{"id": "followup", "synonyms": ["到账", "原路"], "feedback": "说明退款去向"}],
                "on_covered": "end:退款完成",
                "on_missed": "end:差评",
            },
        ],
    }
    d.update(changes)
    return d


def scenario(**changes: Any) -> ScenarioDef:
    return ScenarioDef.from_dict(complaint(**changes))


FIRST = "亲，您好，真的非常抱歉，麻烦您拍照发给我看一下外箱和瓶身，我马上帮您处理。"
SECOND = "亲，看到照片了，给您添麻烦了，我这边马上给您办理全额退款。"
THIRD = "亲，退款会原路退回，一般 1-3 天到账，有问题随时联系我，祝您生活愉快。"
GOOD = [(FIRST, 10.0), (SECOND, 12.0), (THIRD, 9.0)]


def first_reply_card(s: ScenarioDef, text: str, seconds: float = 10.0) -> Scorecard:
    """The scorecard of a session cut after its first reply."""
    transcript, outcome = play(s, [(text, seconds)], seed=0)
    return score_session(s, transcript, outcome=outcome)


def credit_diff(a: Scorecard, b: Scorecard) -> dict[str, tuple[float, float]]:
    ca, cb = a.replies[0].credit, b.replies[0].credit
    return {d: (cb[d][0] - ca[d][0], cb[d][1] - ca[d][1]) for d in DIMENSIONS if ca[d] != cb[d]}


def test_good_session_earns_full_marks() -> None:
    # GIVEN an upset customer and three good replies
    s = scenario()
    transcript, outcome = play(s, GOOD, seed=0)
    # WHEN graded
    card = score_session(s, transcript, outcome=outcome)
    # THEN every dimension is full, the refund counts as success, and nothing is flagged
    assert outcome == "退款完成" and card.success
    assert card.score == 100 and set(card.dimensions.values()) == {100}
    assert card.weights == AFTER_SALE_WEIGHTS
    assert all(r.flags == [] and r.key_points_missed == [] for r in card.replies)
    assert card.missed == []
    # and every point of the score belongs to one reply
    assert math.isclose(sum(r.points for r in card.replies), card.exact_score)
    assert all(r.explanation for r in card.replies)


def test_a_banned_word_loses_exactly_the_compliance_points() -> None:
    # GIVEN the same first reply with and without a banned word (最好 is an absolute term)
    s = scenario()
    clean = first_reply_card(s, FIRST)
    faulty = first_reply_card(s, FIRST.replace("我马上帮您处理", "我们一定给您最好的处理"))
    # THEN only compliance differs, by its whole share
    assert credit_diff(clean, faulty) == {"合规": (-1.0, 0.0)}
    assert faulty.replies[0].banned[0]["word"] == "最好" and faulty.replies[0].banned[0]["reason"]
    assert "违禁用语" in faulty.replies[0].flags
    assert clean.dimensions["合规"] == 100 and faulty.dimensions["合规"] == 0
    assert math.isclose(clean.exact_score - faulty.exact_score, AFTER_SALE_WEIGHTS["合规"])


def test_a_missed_key_point_loses_exactly_its_weight() -> None:
    # GIVEN the first reply with and without the photo request (weight 2 of 3)
    s = scenario(mood=80)  # a calm customer: no empathy check, so only the key point differs
    clean = first_reply_card(s, "亲，您好，非常抱歉，麻烦您拍照给我看一下，我这边马上处理。")
    faulty = first_reply_card(s, "亲，您好，非常抱歉，我这边马上帮您查一下是怎么回事。")
    # THEN only 专业知识 differs, by the point's weight, and the point is listed as missed
    assert credit_diff(clean, faulty) == {"专业知识": (-2.0, 0.0)}
    assert faulty.replies[0].key_points_missed == ["photo"]
    assert faulty.missed[0].key_point_id == "photo"
    assert faulty.missed[0].better == "麻烦您拍一下外箱和瓶身的照片，我马上登记。"
    assert any("缺少要点 photo" in line for line in faulty.replies[0].explanation)


def test_a_missing_greeting_loses_exactly_the_greeting_point() -> None:
    # GIVEN the first reply with and without 您好
    s = scenario()
    clean = first_reply_card(s, FIRST)
    faulty = first_reply_card(s, FIRST.replace("亲，您好，", ""))  # 亲 alone greets too
    # THEN only 服务规范 differs, by one check, and the grade says the greeting was missing
    assert credit_diff(clean, faulty) == {"服务规范": (-1.0, 0.0)}
    assert clean.replies[0].greeting is True and faulty.replies[0].greeting is False
    assert any("欢迎语✗" in line for line in faulty.replies[0].explanation)


def test_greeting_only_first_closing_only_last_empathy_only_while_upset() -> None:
    # GIVEN a good session that starts with the customer upset (mood 30 < 40)
    s = scenario()
    transcript, outcome = play(s, GOOD, seed=0)
    card = score_session(s, transcript, outcome=outcome)
    greeting = [r.greeting for r in card.replies]
    closing = [r.closing for r in card.replies]
    empathy = [r.empathy for r in card.replies]
    moods = [r.mood_before for r in card.replies]
    # THEN the greeting is checked in the first reply only, the closing in the last one only,
    # and empathy while the mood (recomputed along the transcript) is below 40
    assert greeting == [True, None, None]
    assert closing == [None, None, True]
    assert moods == [30, 40, 50]
    assert empathy == [True, None, None]
    # GIVEN the same session with qc rules switched off THEN none of them is checked
    s2 = scenario(qc={"greeting": False, "closing": False, "honorific": False, "empathy_below_mood": 0})
    card2 = score_session(s2, play(s2, GOOD, seed=0)[0])
    assert {(r.greeting, r.closing, r.honorific, r.empathy) for r in card2.replies} == {
        (None, None, None, None)
    }


def test_missing_closing_in_the_last_reply() -> None:
    # GIVEN a last reply without a closing phrase THEN only that check is lost
    s = scenario()
    no_closing = [(FIRST, 10.0), (SECOND, 12.0), ("亲，退款会原路退回，一般 1-3 天到账。", 9.0)]
    card = score_session(s, play(s, no_closing, seed=0)[0])
    assert card.outcome == "退款完成"
    assert card.replies[-1].closing is False
    assert card.dimensions["服务规范"] < 100


def test_anti_gaming_flags() -> None:
    s = scenario(mood=80, patience=100)
    # GIVEN a keyword list THEN it earns half the key-point credit and is flagged
    card = first_reply_card(s, "抱歉 拍照")
    assert card.replies[0].flags == ["关键词堆砌"]
    assert card.replies[0].credit["专业知识"] == (1.5, 3.0)
    # GIVEN filler only THEN no key-point, answer or response-time credit
    card = first_reply_card(s, "好的亲")
    r = card.replies[0]
    assert "无效回复" in r.flags and r.credit["专业知识"][0] == 0 and r.credit["响应时效"][0] == 0
    # GIVEN a reply that ignores the question THEN it is flagged 答非所问
    card = first_reply_card(s, "亲，我们店新品上架了，欢迎看看哦。")
    assert "答非所问" in card.replies[0].flags
    # GIVEN a reply that talks about the customer's problem without the key points THEN not flagged
    card = first_reply_card(s, "亲，瓶子碎了是吗？我马上帮您看看怎么回事。")
    assert "答非所问" not in card.replies[0].flags and card.replies[0].key_points_hit == []
    # GIVEN the same reply sent twice THEN the repeat is flagged and earns no key-point credit
    transcript, _ = play(s, [("亲，您好，真的很抱歉。", 5), ("亲，您好，真的很抱歉！", 5)], seed=0)
    card = score_session(s, transcript)
    assert "重复回复" in card.replies[1].flags
    assert card.replies[1].credit["专业知识"][0] == 0 and card.replies[0].credit["专业知识"][0] == 1


def test_no_false_positives_for_common_words() -> None:
    # GIVEN a reply with 最近, 第一次, 第一时间 and 最快 WHEN graded THEN nothing is banned
    s = scenario()
    text = "亲，您好，真的非常抱歉，最近快递量大，这是我第一次遇到碎成这样的，麻烦您拍照给我，我第一时间处理，最快今天就给您答复。"
    card = first_reply_card(s, text)
    assert card.replies[0].banned == [] and card.replies[0].forbidden == []
    assert card.dimensions["合规"] == 100


def test_response_time_scoring_and_statistics() -> None:
    # GIVEN replies at 10, 30 and 45 s against a 20 s target
    s = scenario(patience=100)
    transcript, outcome = play(s, [(FIRST, 10.0), (SECOND, 30.0), (THIRD, 45.0)], seed=0)
    card = score_session(s, transcript, outcome=outcome)
    # THEN the time credit is 1, 0.5 (10 s over) and 0 (25 s over: beyond twice the target)
    assert [r.credit["响应时效"][0] for r in card.replies] == [1.0, 0.5, 0.0]
    assert card.dimensions["响应时效"] == 50
    assert card.within_target == 1
    assert card.avg_seconds == pytest.approx((10 + 30 + 45) / 3) and card.slowest_seconds == 45
    assert card.answer_ratio == 1.0
    assert [("超时" in r.flags) for r in card.replies] == [False, True, True]


def test_answer_ratio_and_outcome_after_giving_up() -> None:
    # GIVEN a session where the agent answers once and then stays silent
    s = scenario()
    rp = RolePlay(s, seed=0)
    rp.opening()
    rp.reply(FIRST, 10)
    rp.give_up(90)
    # WHEN graded without the recorded outcome THEN the outcome is 流失 and 答问比 is 1/2
    card = score_session(s, rp.transcript)
    assert card.outcome == "流失" and not card.success
    assert card.answer_ratio == 0.5 and card.customer_messages == 2


def test_outcome_is_recomputed_when_not_given() -> None:
    s = scenario()
    transcript, outcome = play(s, GOOD, seed=0)
    assert score_session(s, transcript).outcome == outcome == "退款完成"
    assert score_session(s, transcript, outcome="差评").outcome == "差评"
    assert score_session(s, []).score == 0 and score_session(s, []).outcome is None


def test_regrading_after_an_edit() -> None:
    # GIVEN a session played on version 1, where the second reply (补偿) missed the refund point
    s1 = scenario(patience=100)
    replies = [(FIRST, 10.0), ("亲，看到照片了，真的很抱歉，我们给您补偿一下。", 12.0)]
    transcript, outcome = play(s1, replies, seed=0)
    before = score_session(s1, transcript, outcome=outcome)
    assert outcome == "差评" and before.replies[1].key_points_missed == ["refund"]
    # WHEN the trainer adds 补偿 as a synonym and re-grades THEN the point counts, the score rises
    d = complaint(patience=100)
    d["turns"][1]["key_points"][0]["synonyms"].append("补偿")
    s2 = ScenarioDef.from_dict(d)
    after = score_session(s2, transcript, outcome=outcome)
    assert after.replies[1].key_points_hit == ["refund"] and after.exact_score > before.exact_score
    assert after.outcome == "差评"  # the recorded outcome is history, and still caps the score
    assert after.score == before.score == 40 and after.cap == 40 and "差评" in (after.cap_reason or "")
    # WHEN the trainer deletes the turn THEN the reply is graded without key points and flagged
    d3 = complaint(patience=100)
    d3["turns"][0]["on_covered"] = "thanks"
    del d3["turns"][1]
    s3 = ScenarioDef.from_dict(d3)
    gone = score_session(s3, transcript, outcome=outcome)
    assert gone.replies[1].turn_id == "photo"
    assert "轮次已删除" in gone.replies[1].flags and gone.replies[1].key_points_missed == []
    assert gone.replies[1].credit["专业知识"] == (0.0, 0.0)
    assert any("已不在情景里" in line for line in gone.replies[1].explanation)


def test_entries_without_turn_ids_use_the_latest_customer_turn() -> None:
    # GIVEN a transcript stored without turn ids on the agent's lines WHEN graded THEN the reply is
    # matched to the turn of the customer line it answers
    s = scenario()
    transcript = [
        TranscriptEntry("customer", "收到的瓶子碎了！！怎么回事？", 0.0, "broken", 0),
        TranscriptEntry("agent", FIRST, 10.0, None),
    ]
    card = score_session(s, transcript)
    assert card.replies[0].turn_id == "broken" and card.replies[0].key_points_hit == ["sorry", "photo"]


def test_json_has_the_cli_shape() -> None:
    # GIVEN a scorecard WHEN serialised THEN it holds the CLI fields
    s = scenario(stage="售前")
    transcript, outcome = play(s, [(FIRST.replace("我马上", "最好的方案我马上"), 10.0)], seed=0)
    data = score_session(s, transcript, outcome=outcome).to_json()
    assert {"outcome", "score", "dimensions", "replies"} <= set(data)
    assert list(data["dimensions"]) == list(DIMENSIONS)
    assert data["weights"] == SALE_WEIGHTS
    reply = data["replies"][0]
    assert {"text", "key_points_hit", "key_points_missed", "banned", "seconds"} <= set(reply)
    assert {"word", "reason"} <= set(reply["banned"][0])
    assert isinstance(data["score"], int) and 0 <= data["score"] <= 100


def test_live_grade_is_out_of_100() -> None:
    # GIVEN a session WHEN a reply is sent THEN its live grade stands alone: points out of 100
    rp = RolePlay(scenario(), seed=0)
    rp.opening()
    grade = rp.reply(FIRST, 10).assessment
    assert grade.max_points == pytest.approx(100) and grade.points == pytest.approx(100)
    grade = rp.reply("好的", 10).assessment
    assert grade.points < 50 and "无效回复" in grade.flags


def test_a_complete_sentence_with_many_key_points_is_not_stuffing() -> None:
    # A real, complete reply that happens to make four key points of the shipped refund turn is
    # a sentence, not a list of key words.
    from pathlib import Path

    from cstrainer.formats.content_pack import item_to_dict, load_pack

    root = Path(__file__).resolve().parents[2]
    s = ScenarioDef.from_dict(
        item_to_dict(load_pack(root / "scripts_library/scenarios/qinyu-leaking-bottle.yaml").items[0])
    )
    text = "好的亲，全额退款已经提交，原路退回到您的支付方式，最快当天到账，商品不用寄回，再次抱歉，有问题随时联系小屿。"
    transcript = [
        TranscriptEntry("customer", "算了，还是退钱吧。", 0, "refund"),
        TranscriptEntry("agent", text, 5, "refund"),
    ]
    assert "关键词堆砌" not in score_session(s, transcript).replies[0].flags


def test_the_outcome_caps_the_score() -> None:
    # GIVEN two perfect replies WHEN the agent stops before any outcome THEN the score is capped at
    # 50 and says why (the golden transcripts check that a success is never capped)
    s = scenario(patience=100)
    good = [(FIRST, 10.0)]
    transcript, outcome = play(s, good, seed=0)
    assert outcome is None
    early = score_session(s, transcript)
    assert early.exact_score > 50 and early.score == 50 and early.cap == 50
    assert early.to_json()["cap_reason"] and early.to_json()["score_before_cap"] > 50
