from __future__ import annotations

from collections.abc import Iterator

import pytest

from cstrainer.domain.grading import grade, grade_paper, reply_rules_for
from cstrainer.domain.papers import ExamSpec, assemble_paper
from cstrainer.domain.questions import (
    AcceptedAnswer,
    KeyPointSpec,
    MatchPair,
    NumericAnswer,
    Option,
    Question,
    QuestionType,
)
from cstrainer.domain.reply_grader import ReplyRules
from cstrainer.text import BannedWordScanner, default_scanner, ensure_ready

T = QuestionType


@pytest.fixture(scope="module", autouse=True)
def _jieba(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CSTRAINER_HOME", str(tmp_path_factory.mktemp("home")))
        ensure_ready()
    yield


@pytest.fixture(scope="module")
def scanner() -> BannedWordScanner:
    return default_scanner()


SINGLE = Question(
    "single",
    T.SINGLE,
    "七天无理由退货从哪天开始算？",
    options=(
        Option("付款当天", feedback="不是付款日。"),
        Option("签收次日", True, feedback="对，从签收的第二天开始算。"),
        Option("发货当天"),
    ),
    category="平台规则",
)
GIFT_SINGLE = Question(
    "gift-single",
    T.SINGLE,
    "?",
    options=(Option("best", True, 100), Option("half", False, 50), Option("bad", False, -50)),
)
MULTI = Question(
    "multi",
    T.MULTIPLE,
    "哪些说法违反广告法？",
    options=(
        Option("最好", True),
        Option("第一品牌", True),
        Option("很适合", False),
        Option("回购很多", False),
    ),
    category="平台规则",
)
TF = Question(
    "tf", T.TRUEFALSE, "可以让顾客加微信。", answer=False, true_feedback="不可以。", false_feedback="对。"
)
FILL = Question(
    "fill",
    T.FILL,
    "支持____天无理由退货，运费险由____承担。",
    blanks=(("7", "七"), ("平台", "保险公司")),
    category="平台规则",
)
NUMERIC = Question(
    "numeric",
    T.NUMERIC,
    "这款洗衣液一瓶多少毫升？",
    numeric=(
        NumericAnswer(2000, tolerance=0, feedback="2 升装。"),
        NumericAnswer(low=1900, high=2100, weight=50),
    ),
)
SHORT_ACCEPTED = Question(
    "short-acc",
    T.SHORT,
    "千牛是什么？",
    accepted=(AcceptedAnswer("卖家工作台", feedback="对。"), AcceptedAnswer("工作台", 50)),
)
SHORT_KP = Question(
    "short-kp",
    T.SHORT,
    "推荐尺码前要问清哪些信息？",
    key_points=(
        KeyPointSpec(("腰围",), 2),
        KeyPointSpec(("臀围",), 2),
        KeyPointSpec(("体重", "多少斤"), 1),
        KeyPointSpec(("身高",), 1, feedback="打底裤是九分长度。"),
    ),
    category="服务技巧-售前",
)
REPLY = Question(
    "reply",
    T.REPLY,
    "收到的洗衣液漏了大半瓶，你们到底怎么打包的？？",
    key_points=(
        KeyPointSpec(("抱歉", "对不起", "不好意思")),
        KeyPointSpec(("拍照", "照片", "拍一下")),
        KeyPointSpec(("补发", "退款"), 1.5),
    ),
    category="服务技巧-售后",
)
ESSAY = Question("essay", T.ESSAY, "谈谈你对催付的理解。", key_points=(KeyPointSpec(("聊天",)),))
MATCHING = Question(
    "matching",
    T.MATCHING,
    "把问题和处理方式配对",
    pairs=(MatchPair("漏液", "补发"), MatchPair("改地址", "后台修改"), MatchPair("催付", "聊天带出")),
)
DESCRIPTION = Question("desc", T.DESCRIPTION, "以下为售后部分。")


def g(question: Question, response: object, scanner: BannedWordScanner, points: float = 1.0):  # type: ignore[no-untyped-def]
    return grade(question, response, scanner=scanner, points=points)


# -- single ------------------------------------------------------------------------------------


def test_single(scanner: BannedWordScanner) -> None:
    right = g(SINGLE, 1, scanner, points=2)
    wrong = g(SINGLE, 0, scanner, points=2)

    assert (right.score, right.fraction, right.correct) == (2.0, 1.0, True)
    assert right.feedback == ("对，从签收的第二天开始算。",)
    assert right.matched[0].kind == "option" and right.matched[0].correct and right.matched[0].chosen
    assert (wrong.score, wrong.correct) == (0.0, False)
    assert wrong.matched[0].expected == "签收次日"
    assert wrong.feedback == ("不是付款日。",)
    assert not right.needs_review and right.answered


def test_single_with_gift_weights(scanner: BannedWordScanner) -> None:
    assert g(GIFT_SINGLE, 0, scanner, 4).score == 4
    assert g(GIFT_SINGLE, 1, scanner, 4).score == 2
    negative = g(GIFT_SINGLE, 2, scanner, 4)
    assert negative.score == 0 and negative.fraction == 0  # never below zero


@pytest.mark.parametrize(
    ("response", "note"),
    [(5, "超出范围"), (-1, "超出范围"), ("1", "收到 str"), (True, "收到 bool"), ([1], "收到 list")],
)
def test_single_malformed(response: object, note: str, scanner: BannedWordScanner) -> None:
    result = g(SINGLE, response, scanner)
    assert result.score == 0
    assert any(note in n for n in result.notes)


# -- multiple ----------------------------------------------------------------------------------


def test_multiple_all_or_nothing(scanner: BannedWordScanner) -> None:
    assert g(MULTI, [0, 1], scanner, 3).score == 3
    assert g(MULTI, (1, 0, 1), scanner, 3).score == 3  # order and repeats do not matter
    assert g(MULTI, [0], scanner, 3).score == 0
    assert g(MULTI, [0, 1, 2], scanner, 3).score == 0


def test_multiple_partial_credit(scanner: BannedWordScanner) -> None:
    partial = MULTI.with_changes(partial_credit=True)
    assert g(partial, [0, 1], scanner).fraction == 1.0
    assert g(partial, [0], scanner).fraction == pytest.approx(0.5)
    assert g(partial, [0, 2], scanner).fraction == pytest.approx(0.5 - 0.5)
    assert g(partial, [0, 1, 2], scanner).fraction == pytest.approx(1 - 0.5)
    assert g(partial, [2, 3], scanner).fraction == 0.0  # floored at zero
    details = g(partial, [0, 2], scanner).matched
    assert [(d.index, d.correct, d.chosen) for d in details] == [
        (0, True, True),
        (1, False, False),
        (2, False, True),
    ]


def test_multiple_gift_weights(scanner: BannedWordScanner) -> None:
    weighted = Question(
        "w",
        T.MULTIPLE,
        "?",
        options=(
            Option("a", True, 50),
            Option("b", True, 50),
            Option("c", False, -100),
            Option("d", False, -50),
        ),
    )
    assert g(weighted, [0, 1], scanner).fraction == 1.0
    assert g(weighted, [0], scanner).fraction == 0.5
    assert g(weighted, [0, 3], scanner).fraction == 0.0
    assert g(weighted, [0, 1, 2], scanner).fraction == 0.0


@pytest.mark.parametrize(
    ("response", "note"), [([0, 9], "超出范围"), (0, "列表"), (["a"], "只能包含选项序号")]
)
def test_multiple_malformed(response: object, note: str, scanner: BannedWordScanner) -> None:
    result = g(MULTI, response, scanner)
    assert result.score == 0 and any(note in n for n in result.notes)


# -- true/false --------------------------------------------------------------------------------


def test_truefalse(scanner: BannedWordScanner) -> None:
    right = g(TF, False, scanner)
    wrong = g(TF, True, scanner)
    assert right.correct and right.feedback == ("对。",)
    assert not wrong.correct and wrong.feedback == ("不可以。",)
    assert g(TF, "false", scanner).notes


# -- fill --------------------------------------------------------------------------------------


def test_fill(scanner: BannedWordScanner) -> None:
    assert g(FILL, ["7", "平台"], scanner).correct
    assert g(FILL, ["７", " 保险公司。"], scanner).correct  # width, spaces, punctuation
    assert g(FILL, ["七天", "平台"], scanner).correct  # a plain-number alternative accepts 七天
    half = g(FILL, ["7", "卖家"], scanner, points=2)
    assert half.score == 1.0 and half.fraction == 0.5
    assert [(d.index, d.correct) for d in half.matched] == [(0, True), (1, False)]
    assert half.matched[1].expected == "平台 / 保险公司"
    assert g(FILL, ["8", "平台"], scanner).fraction == 0.5


def test_fill_short_long_and_odd_responses(scanner: BannedWordScanner) -> None:
    assert g(FILL, ["7"], scanner).fraction == 0.5
    extra = g(FILL, ["7", "平台", "多余"], scanner)
    assert extra.correct and extra.notes
    odd = g(FILL, ["7", 5], scanner)
    assert odd.fraction == 0.5 and any("第 2 空" in n for n in odd.notes)
    one_blank = Question("f1", T.FILL, "____", blanks=(("顺丰",),))
    assert g(one_blank, "顺丰", scanner).correct  # a bare string for a one-blank question
    assert g(FILL, "7", scanner).notes  # but not for two blanks


# -- numeric -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("response", "fraction"),
    [("2000", 1.0), ("２０００ml", 1.0), ("2,000毫升", 1.0), (2000, 1.0), (2000.0, 1.0), ("两千", 1.0),
     ("1950", 0.5), ("2100ml", 0.5), ("1500", 0.0)],
)  # fmt: skip
def test_numeric(response: object, fraction: float, scanner: BannedWordScanner) -> None:
    assert g(NUMERIC, response, scanner).fraction == fraction


def test_numeric_feedback_and_garbage(scanner: BannedWordScanner) -> None:
    assert g(NUMERIC, "2000", scanner).feedback == ("2 升装。",)
    assert g(NUMERIC, "2000", scanner).matched[0].expected == "2000"
    garbage = g(NUMERIC, "很多", scanner)
    assert garbage.score == 0 and "不是一个数" in garbage.notes[0]
    assert g(NUMERIC, True, scanner).notes


# -- short -------------------------------------------------------------------------------------


def test_short_accepted(scanner: BannedWordScanner) -> None:
    assert g(SHORT_ACCEPTED, "卖家工作台", scanner).correct
    assert g(SHORT_ACCEPTED, " 卖家 工作台。", scanner).correct
    assert g(SHORT_ACCEPTED, "工作台", scanner).fraction == 0.5
    # containing the accepted answer is not enough
    assert g(SHORT_ACCEPTED, "不是卖家工作台", scanner).fraction == 0
    assert not g(SHORT_ACCEPTED, "工作台", scanner).needs_review


def test_short_key_points_need_review(scanner: BannedWordScanner) -> None:
    result = g(SHORT_KP, "先问腰围和臀围，再问体重", scanner, points=5)
    assert result.needs_review
    assert result.fraction == pytest.approx(5 / 6)
    assert result.score == pytest.approx(5 * 5 / 6)
    assert [d.correct for d in result.matched] == [True, True, True, False]
    assert result.matched[0].spans[0].word == "腰围"
    assert "打底裤是九分长度。" in result.feedback


def test_short_list_answer_is_not_penalised_as_stuffing(scanner: BannedWordScanner) -> None:
    assert g(SHORT_KP, "腰围、臀围、体重、身高", scanner).correct


def test_short_without_any_key(scanner: BannedWordScanner) -> None:
    result = g(Question("s", T.SHORT, "?"), "随便", scanner)
    assert result.needs_review and result.score == 0 and result.notes


# -- reply -------------------------------------------------------------------------------------


def test_reply_uses_the_reply_grader(scanner: BannedWordScanner) -> None:
    text = "亲，非常抱歉给您添麻烦了，麻烦您拍一下漏液的照片，我们马上为您补发"
    result = g(REPLY, text, scanner, points=10)

    assert result.needs_review
    assert result.reply is not None
    assert result.reply.rules.expect_empathy  # the customer is upset (??, 到底)
    assert result.score == pytest.approx(result.reply.score / 10)
    assert result.correct
    assert result.feedback[0] == "总分 100/100。"
    assert [d.kind for d in result.matched] == ["key_point"] * 3


def test_reply_with_banned_words(scanner: BannedWordScanner) -> None:
    result = g(REPLY, "亲，抱歉，拍照给我，我们补发，我们家的包装是最好的", scanner)
    assert result.reply is not None and not result.reply.compliant
    assert result.fraction <= 0.6
    detail = result.detail_dict()
    assert detail["reply"]["dimensions"]["compliance"] == 0.0
    assert detail["reply"]["banned"][0]["word"] == "最好"


def test_detail_dict_is_json_ready(scanner: BannedWordScanner) -> None:
    import json

    for question, response in [
        (SINGLE, 1),
        (FILL, ["7", "x"]),
        (SHORT_KP, "腰围"),
        (ESSAY, "聊天"),
        (MATCHING, [0]),
    ]:
        detail = g(question, response, scanner).detail_dict()
        assert json.loads(json.dumps(detail, ensure_ascii=False)) == detail
    kp = g(SHORT_KP, "先问腰围", scanner).detail_dict()
    assert kp["matched"][0]["spans"] == [[2, 4]]


def test_reply_rules_from_the_question() -> None:
    q = REPLY.with_changes(extra={"reply_rules": {"expect_empathy": False, "min_chars": 20, "nonsense": 1}})
    rules = reply_rules_for(q)
    assert rules.expect_empathy is False and rules.min_chars == 20
    calm = REPLY.with_changes(stem="请问这款有S码吗？")
    assert reply_rules_for(calm) == ReplyRules()
    assert reply_rules_for(calm, ReplyRules(expect_closing=True)).expect_closing


# -- essay, matching, description ----------------------------------------------------------------


def test_essay_waits_for_review_with_a_suggestion(scanner: BannedWordScanner) -> None:
    result = g(ESSAY, "催付要通过聊天自然带出", scanner, points=10)
    assert result.needs_review and result.score == 0
    assert result.suggestion == 1.0
    assert "参考要点覆盖 100%" in result.feedback[0]
    reviewed = result.with_review(0.8, comment="不错")
    assert (
        reviewed.score == pytest.approx(8) and not reviewed.needs_review and reviewed.feedback[-1] == "不错"
    )


def test_matching(scanner: BannedWordScanner) -> None:
    assert g(MATCHING, [0, 1, 2], scanner).correct
    partial = g(MATCHING, [0, 2, None], scanner, points=3)
    assert partial.score == pytest.approx(1.0)
    assert [d.correct for d in partial.matched] == [True, False, False]
    assert partial.matched[1].given == "聊天带出"
    assert g(MATCHING, [0, 7, 1], scanner).notes
    assert g(MATCHING, "0,1,2", scanner).notes


def test_description_is_not_scored(scanner: BannedWordScanner) -> None:
    result = g(DESCRIPTION, None, scanner)
    assert not result.scored and result.points == 0 and not result.needs_review


# -- empty and broken --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "question", [SINGLE, MULTI, TF, FILL, NUMERIC, SHORT_ACCEPTED, SHORT_KP, REPLY, MATCHING]
)
@pytest.mark.parametrize("response", [None, "", "   ", [], ["", " "], [None, None]])
def test_empty_response_scores_zero(question: Question, response: object, scanner: BannedWordScanner) -> None:
    result = g(question, response, scanner, points=5)
    assert result.score == 0 and not result.answered and not result.needs_review
    assert result.feedback == ("未作答。",)


@pytest.mark.parametrize(
    "question",
    [SINGLE, MULTI, TF, FILL, NUMERIC, SHORT_ACCEPTED, SHORT_KP, REPLY, ESSAY, MATCHING, DESCRIPTION],
)
@pytest.mark.parametrize("response", [object(), {"a": 1}, 3.5, -7, [[1]], "随便写", b"bytes", float("nan")])
def test_garbage_never_raises(question: Question, response: object, scanner: BannedWordScanner) -> None:
    result = g(question, response, scanner, points=2)
    assert 0 <= result.score <= 2


def test_broken_key_points_give_a_note(scanner: BannedWordScanner) -> None:
    broken = REPLY.with_changes(key_points=(KeyPointSpec((), regexes=("(",)),))
    result = g(broken, "亲，抱歉", scanner)
    assert result.score == 0 and "要点设置有误" in result.notes[0]


# -- papers ------------------------------------------------------------------------------------


def test_grade_paper(scanner: BannedWordScanner) -> None:
    bank = [SINGLE, MULTI, FILL, SHORT_KP, REPLY, DESCRIPTION]
    spec = ExamSpec(
        "entry",
        "入职考试",
        question_keys=("desc", "single", "multi", "fill", "short-kp", "reply"),
        shuffle_questions=False,
    )
    paper = assemble_paper(spec, bank, seed=3)
    responses = {
        "single": 1,  # 2 of 2
        "multi": [0],  # 0 of 3
        "fill": ["七", "卖家"],  # 1 of 2
        "short-kp": "腰围 臀围",  # 5 * 4/6
        "reply": "亲，非常抱歉，麻烦您拍一下照片，我们马上为您补发",
    }
    result = grade_paper(paper.items, responses, scanner)

    assert len(result.grades) == 6
    assert result.grades[0].scored is False
    reply_score = result.grades[5].score
    expected = 2 + 0 + 1 + 5 * 4 / 6 + reply_score
    assert result.total == pytest.approx(expected)
    assert result.max_score == 2 + 3 + 2 + 5 + 10
    assert result.percent == pytest.approx(100 * expected / 22)
    rules = result.by_category["平台规则"]
    assert (rules.score, rules.max_score, rules.count) == (3.0, 7.0, 3)
    assert rules.percent == pytest.approx(300 / 7)
    assert set(result.by_category) == {"平台规则", "服务技巧-售前", "服务技巧-售后"}
    assert result.needs_review == (4, 5)
    assert result.pending_review
    assert result.passed(10) and not result.passed(99)


def test_grade_paper_missing_responses_and_lookup_by_position(scanner: BannedWordScanner) -> None:
    paper = assemble_paper(ExamSpec("e", "x", question_keys=("single", "tf"), shuffle_questions=False),
                           [SINGLE, TF], seed=0)  # fmt: skip
    result = grade_paper(paper.items, {1: False}, scanner)
    assert [g.answered for g in result.grades] == [False, True]
    assert result.total == 1.0
    assert result.by_category["未分类"].score == 1.0
    empty = grade_paper([], {}, scanner)
    assert empty.total == 0 and empty.percent == 0
