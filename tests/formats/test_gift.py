"""GIFT: reading (beyond the conformance files), writing, round trips and errors."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from test_question_pack import sample_questions

from cstrainer.domain.questions import (
    AcceptedAnswer,
    KeyPointSpec,
    MatchPair,
    NumericAnswer,
    Option,
    Question,
    QuestionType,
)
from cstrainer.formats.content_pack import item_to_dict, load_packs
from cstrainer.formats.gift import dump_gift, parse_gift
from cstrainer.formats.question_pack import question_from_pack

REPO = Path(__file__).resolve().parents[2]


def gift(text: str) -> list[Question]:
    result = parse_gift(textwrap.dedent(text).strip() + "\n", "t.gift")
    assert result.errors == [], [str(e) for e in result.errors]
    return result.questions


def one(text: str) -> Question:
    [q] = gift(text)
    return q


# ---------------------------------------------------------------------------------------------
# Round trips
# ---------------------------------------------------------------------------------------------


def test_round_trip_every_type() -> None:
    # GIVEN questions of every type using every field
    questions = sample_questions()
    # WHEN written as GIFT and read back THEN they are the same, without a warning
    result = parse_gift(dump_gift(questions), "x.gift")
    assert result.errors == [] and result.warnings == []
    assert result.questions == questions


def test_round_trip_shipped_bank() -> None:
    questions = [
        question_from_pack(item_to_dict(item))
        for pack in load_packs([REPO / "question_bank"])
        if pack.kind == "questions"
        for item in pack.items
    ]
    result = parse_gift(dump_gift(questions), "bank.gift")
    assert result.errors == []
    assert result.questions == questions


# Text that GIFT keeps exactly: no white space at either end and no runs of white space (GIFT
# folds those in plain text), no carriage returns (line breaks are written as \n).
_ALPHABET = st.one_of(
    st.sampled_from(list("沁屿洗衣液：｛｝（）【】“”、。，！？=~#{}\\:[]%/->|*_ \n\tabcXYZ123")),
    st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp")),
)
gift_text = (
    st.text(_ALPHABET, min_size=1, max_size=40)
    .map(lambda s: re.sub(r"\s+", lambda m: "\n" if "\n" in m.group() else " ", s))
    .filter(lambda s: s.strip() == s and s != "" and not re.search(r"\s\s", s.replace("\n", "x")))
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(stem=gift_text, title=gift_text, a=gift_text, b=gift_text, feedback=gift_text, explanation=gift_text)
def test_escaping_round_trip(stem: str, title: str, a: str, b: str, feedback: str, explanation: str) -> None:
    assume(a != b)
    questions = [
        Question(
            key="q1",
            type=QuestionType.SINGLE,
            title=title,
            stem=stem,
            options=(Option(a, correct=True, feedback=feedback), Option(b, weight=25.0)),
            explanation=explanation,
            tags=(a,),
        ),
        Question(
            key="q2",
            type=QuestionType.SHORT,
            stem=stem,
            accepted=(AcceptedAnswer(a), AcceptedAnswer(b, 50.0, feedback)),
        ),
        Question(
            key="q3",
            type=QuestionType.TRUEFALSE,
            stem=stem,
            answer=True,
            true_feedback=feedback,
            false_feedback=a,
        ),
        Question(
            key="q4",
            type=QuestionType.MATCHING,
            stem=stem,
            pairs=(MatchPair("左" + a.replace("->", "→"), b), MatchPair("右" + b.replace("->", "→"), a)),
        ),
    ]
    result = parse_gift(dump_gift(questions), "h.gift")
    assert result.errors == []
    assert result.questions == questions


# ---------------------------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------------------------


def test_multiple_choice_kinds() -> None:
    single, several, moodle = gift(
        """
        顾客问：能用来洗真丝吗？{=不能 ~能 ~%25%看情况}

        哪些是沁屿的卖点？{=双酶配方 =护色剂 ~留香 30 天}

        哪些是大洲？{~%50%亚洲 ~%-100%中国 ~%50%非洲}
        """
    )
    assert single.type is QuestionType.SINGLE and not single.partial_credit
    assert [(o.correct, o.weight) for o in single.options] == [(True, None), (False, None), (False, 25.0)]
    # several "=": every one is right (multiple choice, no partial credit)
    assert several.type is QuestionType.MULTIPLE and not several.partial_credit
    assert [o.correct for o in several.options] == [True, True, False]
    # no "=": Moodle's multiple answer; right = positive weight, partial credit
    assert moodle.type is QuestionType.MULTIPLE and moodle.partial_credit
    assert [o.correct for o in moodle.options] == [True, False, True]


def test_embedded_answers_and_formats() -> None:
    q = one("::用量::[html]<p>滚筒洗 4kg 用</p>{=30ml =30 毫升} 洗衣液。")
    assert (q.type, q.title, q.stem_format) == (QuestionType.SHORT, "用量", "html")
    assert q.stem == "<p>滚筒洗 4kg 用</p> _____ 洗衣液。"
    assert [a.text for a in q.accepted] == ["30ml", "30 毫升"]


def test_plain_text_whitespace_and_escapes() -> None:
    q = one(
        r"""
        时间\: 签收   次日
        起算 \{7 天\} \\ 不含当天\n第二行 {TRUE}
        """
    )
    assert q.stem == "时间: 签收 次日 起算 {7 天} \\ 不含当天\n第二行"
    assert q.stem_format == "moodle"


def test_true_false_feedbacks() -> None:
    q1, q2 = gift(
        """
        洗衣液能洗真丝。{F#答“对”的人看到这句#答“错”的人看到这句####含蛋白酶。}

        签收次日起算。{TRUE##从签收次日起算。}
        """
    )
    assert (q1.answer, q1.true_feedback, q1.false_feedback) == (
        False,
        "答“对”的人看到这句",
        "答“错”的人看到这句",
    )
    assert q1.explanation == "含蛋白酶。"
    assert (q2.answer, q2.true_feedback, q2.false_feedback) == (True, "", "从签收次日起算。")


def test_numeric_forms() -> None:
    exact, tolerance, span, many = gift(
        """
        2kg 多少元？{#69.9}

        用量？{#30:5}

        距离？{#20..30}

        洗几次？{#
            =64#对
            =%50%64:6#接近
            ~#再算算
        }
        """
    )
    assert exact.numeric == (NumericAnswer(value=69.9),)
    assert tolerance.numeric == (NumericAnswer(value=30.0, tolerance=5.0),)
    assert span.numeric == (NumericAnswer(low=20.0, high=30.0),)
    assert [(n.value, n.tolerance, n.weight, n.feedback) for n in many.numeric[:2]] == [
        (64.0, 0.0, 100.0, "对"),
        (64.0, 6.0, 50.0, "接近"),
    ]
    other = many.numeric[2]
    assert other.accepts(1e12) and other.weight == 0 and other.feedback == "再算算"


def test_matching_essay_description() -> None:
    matching, essay, description = gift(
        """
        配对。{
            =快捷短语 -> 一键发送
            =转接 -> 交给同事
            = -> 关店
        }

        说说你的经验。{####按道歉、方案、跟进来写。}

        ::提示::下面几题请结合商品手册作答。
        """
    )
    assert matching.pairs == (
        MatchPair("快捷短语", "一键发送"),
        MatchPair("转接", "交给同事"),
        MatchPair("", "关店"),
    )
    assert essay.type is QuestionType.ESSAY and essay.explanation == "按道歉、方案、跟进来写。"
    assert (description.type, description.title) == (QuestionType.DESCRIPTION, "提示")
    assert not description.is_scored


def test_categories_ids_tags_and_keys() -> None:
    result = parse_gift(
        textwrap.dedent(
            """
            $CATEGORY: $course$/top/客服/产品知识

            // [id:Qinyu-Dose] [tag:用量]
            // [tag:滚筒]
            用多少？{=30ml ~10ml}

            // [id:不是编号]
            下列说法正确的是？{=甲 ~乙}

            下列说法正确的是？{=丙 ~丁}

            $CATEGORY: 售后专项

            下列说法正确的是？{=丙 ~丁}
            """
        ),
        "c.gift",
    )
    assert result.errors == []
    assert result.categories == ["$course$/top/客服/产品知识", "售后专项"]
    dose, odd, generic, same = result.questions
    assert (dose.key, dose.tags, dose.category) == ("qinyu-dose", ("用量", "滚筒"), "产品知识")
    assert (
        dose.extra["gift_id"] == "Qinyu-Dose" and dose.extra["gift_category"] == "$course$/top/客服/产品知识"
    )
    assert odd.key.startswith("q-") and odd.extra["gift_id"] == "不是编号"
    # generic stems with other options get other keys; the very same question gets a suffix
    assert len({odd.key, generic.key}) == 2 and same.key == generic.key + "-2"
    assert same.category == ""
    assert [(w.line, "售后专项" in w.message) for w in result.warnings] == [(13, True)]


def test_comment_only_blocks_carry_their_id_to_the_next_question() -> None:
    q = one(
        """
        // [id:a1]

        // something else
        Essay?{}
        // [tag:after] is ignored
        """
    )
    assert (q.key, q.tags) == ("a1", ())


# ---------------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "line", "column", "message"),
    [
        ("好的\n用多少？{=30ml ~10ml\n", 2, 5, "缺少右花括号 }"),
        ("用多少？{=30ml ~10ml {=a}}\n", 1, 5, "缺少右花括号 }"),
        ("用多少} ？{=30ml ~10ml}\n", 1, 4, "多余的右花括号 }"),
        ("用多少？{=30ml ~10ml} 和 {=a}\n", 1, 21, "一道题只能有一个答案块"),
        ("::标题 没有结尾 用多少？{=30ml}\n", 1, 1, "标题缺少结尾的 ::"),
        ("多少元？{#六十九}\n", 1, 7, "数值题的答案应为数字"),
        ("距离？{#30..20}\n", 1, 6, "下限大于上限"),
        ("哪个？{~%150%甲 =乙}\n", 1, 6, "权重 150% 超出范围"),
        ("哪个？{~甲 ~乙}\n", 1, 5, "没有正确答案"),
        ("哪个？{=甲#好#很好 ~乙}\n", 1, 9, "一个答案只能有一个反馈"),
        ("{=甲}\n", 1, 1, "缺少题干"),
        ("配对。{=a -> b =c -> }\n", 1, 13, "右侧（-> 后面）是空的"),
        ("对吗？{T#一#二#三}\n", 1, 10, "判断题最多写两个反馈"),
        ("选哪个？{=甲 ~甲}\n", 1, None, "重复的选项"),
    ],
)
def test_errors_name_line_column_and_reason(text: str, line: int, column: int | None, message: str) -> None:
    result = parse_gift(text, "bad.gift")
    assert len(result.errors) == 1, [str(e) for e in result.errors]
    error = result.errors[0]
    assert (error.file, error.line, error.column) == ("bad.gift", line, column)
    assert message in error.message
    assert str(error).startswith(f"bad.gift 第 {line} 行")


def test_every_error_is_reported_and_good_questions_still_read() -> None:
    result = parse_gift(
        "好的题？{=是 ~否}\n\n坏的题？{=是\n\n又一道坏题？{#abc}\n\n还有好的？{T}\n", "m.gift"
    )
    assert [e.line for e in result.errors] == [3, 5]
    assert [q.stem for q in result.questions] == ["好的题？", "还有好的？"]


# ---------------------------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------------------------


def test_written_gift_reads_like_moodle_gift() -> None:
    text = dump_gift(
        [
            Question(
                key="q-multi",
                type=QuestionType.MULTIPLE,
                stem="哪些对？",
                options=(Option("甲", correct=True), Option("乙", correct=True), Option("丙")),
                category="产品知识",
                brand="qinyu",
                difficulty=2,
                tags=("标签",),
            ),
            Question(
                key="q-tf", type=QuestionType.TRUEFALSE, stem="对吗？", answer=True, stem_format="moodle"
            ),
        ]
    )
    assert text == textwrap.dedent(
        """\
        $CATEGORY: 产品知识

        // [id:q-multi] [tag:标签]
        // [brand:qinyu] [difficulty:2] [weights:auto]
        [plain]哪些对？ {
            ~%50%甲
            ~%50%乙
            ~%-100%丙
        }

        $CATEGORY: 未分类

        // [id:q-tf]
        对吗？ {TRUE}
        """
    )


def test_types_gift_has_no_syntax_for_are_kept_in_comments() -> None:
    reply = Question(
        key="r1",
        type=QuestionType.REPLY,
        stem="漏液了怎么办？",
        key_points=(KeyPointSpec(("抱歉",)), KeyPointSpec(("补发", "退款"), weight=2.0)),
    )
    text = dump_gift([reply])
    assert '[type:reply] [key_points:[{"synonyms":["抱歉"],"weight":1},' in text
    assert "漏液了怎么办？ {}" in text  # Moodle imports it as an essay
    assert parse_gift(text).questions == [reply]


def test_matching_left_side_cannot_hold_an_arrow() -> None:
    q = Question(
        key="m",
        type=QuestionType.MATCHING,
        stem="配对",
        pairs=(MatchPair("a -> b", "c"), MatchPair("d", "e")),
    )
    with pytest.raises(ValueError, match="->"):
        dump_gift([q])
