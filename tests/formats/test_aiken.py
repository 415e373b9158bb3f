"""Aiken: single-choice questions as plain text."""

from __future__ import annotations

import textwrap

import pytest

from cstrainer.domain.questions import Option, Question, QuestionType
from cstrainer.formats.aiken import dump_aiken, looks_like_aiken, parse_aiken
from cstrainer.formats.errors import ParseResult


def aiken(text: str) -> ParseResult:
    return parse_aiken(textwrap.dedent(text).lstrip("\n"), "题库.txt")


def test_reads_questions_with_and_without_blank_lines() -> None:
    result = aiken(
        """
        顾客用滚筒洗衣机洗 4kg 衣物，
        沁屿香氛洗衣液建议用多少？
        A. 约 10ml
        B) 约 30ml
        C. 约 45ml
        ANSWER: B
        哪个是沁屿的客服昵称？
        A. 小屿
        B. 小沁
        ANSWER: A
        """
    )
    assert result.errors == []
    first, second = result.questions
    assert first.type is QuestionType.SINGLE
    assert first.stem == "顾客用滚筒洗衣机洗 4kg 衣物，\n沁屿香氛洗衣液建议用多少？"
    assert [(o.text, o.correct) for o in first.options] == [
        ("约 10ml", False),
        ("约 30ml", True),
        ("约 45ml", False),
    ]
    assert second.options[0].correct
    assert first.key.startswith("q-") and first.key != second.key


def test_reads_what_chinese_input_methods_type() -> None:
    result = aiken(
        """
        七天无理由退货从哪天开始算？
        Ａ、签收当天
        Ｂ．签收次日
        C） 下单当天
        答案：ｂ
        """
    )
    assert result.errors == []
    assert [o.correct for o in result.questions[0].options] == [False, True, False]
    assert [o.text for o in result.questions[0].options] == ["签收当天", "签收次日", "下单当天"]


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        (
            "问题一\nA. 甲\nB. 乙\n\n问题二\nA. 丙\nB. 丁\nANSWER: A\n",
            5,
            "第 5 行：缺少 ANSWER: 行（第 1 行开始的题目）",
        ),
        ("问题一\nA. 甲\nB. 乙\n", 4, "第 4 行：缺少 ANSWER: 行（第 1 行开始的题目）"),
        ("问题一\nA. 甲\nB. 乙\nANSWER: D\n", 4, "第 4 行：答案 D 没有对应的选项（只有 A–B）"),
        ("问题一\nA. 甲\nB. 乙\nANSWER: AB\n", 4, "答案应为一个选项字母"),
        ("问题一\nA. 甲\nC. 乙\nANSWER: A\n", 3, "第 3 行：选项字母应为 B，现在是 C"),
        ("ANSWER: A\n", 1, "ANSWER: 行前面没有题干和选项"),
        ("问题一\nA. 甲\nANSWER: A\n", 3, "单选题至少要有 2 个选项"),
        ("问题一\nA. 甲\nB. 甲\nANSWER: A\n", 1, "重复的选项"),
    ],
)
def test_errors_name_the_line(text: str, line: int, message: str) -> None:
    result = parse_aiken(text, "题库.txt")
    assert [e.line for e in result.errors] == [line]
    assert message in str(result.errors[0])
    assert str(result.errors[0]).startswith(f"题库.txt 第 {line} 行：")


def test_all_errors_are_reported() -> None:
    result = parse_aiken(
        "一\nA. a\nB. b\nANSWER: X\n\n二\nA. a\nB. b\n\n三\nA. a\nB. b\nANSWER: A\n", "t.txt"
    )
    assert [e.line for e in result.errors] == [4, 10]
    assert [q.stem for q in result.questions] == ["三"]


def test_round_trip() -> None:
    questions = [
        Question(
            key="k",
            type=QuestionType.SINGLE,
            stem="第一行：顾客问\n第二行：怎么回复？",
            options=(Option("亲，在的～"), Option("在", correct=True), Option("A. 也是文字")),
        )
    ]
    text = dump_aiken(questions)
    assert text.endswith("A. 亲，在的～\nB. 在\nC. A. 也是文字\nANSWER: B\n")
    [q] = parse_aiken(text).questions
    assert q.with_changes(key="k") == questions[0]
    assert looks_like_aiken(text)


@pytest.mark.parametrize(
    ("question", "message"),
    [
        (Question(key="t", type=QuestionType.TRUEFALSE, stem="对吗", answer=True), "只能保存单选题"),
        (
            Question(
                key="n", type=QuestionType.SINGLE, stem="a", options=(Option("x\ny", True), Option("z"))
            ),
            "有换行",
        ),
        (
            Question(
                key="b", type=QuestionType.SINGLE, stem="a\n\nb", options=(Option("x", True), Option("z"))
            ),
            "空行",
        ),
    ],
)
def test_dump_refuses_what_aiken_cannot_hold(question: Question, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        dump_aiken([question])
