"""The JSON shape ``cstrainer questions import --dry-run --json`` prints. Other tools read it:
these tests pin every key; a change here must only ever add keys."""

from __future__ import annotations

import json

import pytest
from test_question_pack import sample_questions

from cstrainer.domain.questions import Question
from cstrainer.formats.gift import parse_gift
from cstrainer.formats.question_json import JSON_KEYS, question_to_json

KEYS = (
    "key", "id", "type", "type_label", "title", "stem", "stem_format", "options", "answers", "answer",
    "true_feedback", "false_feedback", "partial_credit", "pairs", "key_points", "feedback", "category", "brand",
    "difficulty", "tags", "handbook", "products", "author", "version", "retired", "scored", "needs_review",
)  # fmt: skip


def by_key() -> dict[str, Question]:
    return {q.key: q for q in sample_questions()}


@pytest.mark.parametrize("q", sample_questions(), ids=lambda q: q.key)
def test_every_question_has_every_key_and_is_plain_json(q: Question) -> None:
    data = question_to_json(q)
    assert tuple(data) == KEYS == JSON_KEYS
    assert json.loads(json.dumps(data, ensure_ascii=False, allow_nan=False)) == data


def test_single_choice() -> None:
    data = question_to_json(by_key()["s-single"])
    assert data == {
        "key": "s-single",
        "id": None,
        "type": "single",
        "type_label": "单选题",
        "title": "滚筒用量",
        "stem": "顾客用滚筒洗衣机洗一桶约 4kg 的衣物，建议用多少？",
        "stem_format": "plain",
        "options": [
            {"text": "约 10ml", "correct": False, "weight": None, "feedback": "10ml 是手洗一盆的用量。"},
            {"text": "约 30ml", "correct": True, "weight": None, "feedback": None},
            {"text": "约 45ml", "correct": False, "weight": 50, "feedback": "这是波轮的用量。"},
        ],
        "answers": ["约 30ml"],
        "answer": None,
        "true_feedback": None,
        "false_feedback": None,
        "partial_credit": False,
        "pairs": [],
        "key_points": [],
        "feedback": "滚筒 4kg 约 30ml。",
        "category": "产品知识",
        "brand": "qinyu",
        "difficulty": 2,
        "tags": ["用量", "滚筒"],
        "handbook": "qinyu-brand-intro",
        "products": ["qinyu-liquid"],
        "author": "培训部",
        "version": 1,
        "retired": False,
        "scored": True,
        "needs_review": False,
    }


def pick(data: dict[str, object], *keys: str) -> dict[str, object]:
    return {k: data[k] for k in keys}


def test_multiple_choice_with_weights() -> None:
    data = question_to_json(by_key()["s-multiple-weights"])
    assert pick(data, "type", "options", "answers", "partial_credit") == {
        "type": "multiple",
        "options": [
            {"text": "亚洲", "correct": True, "weight": 50, "feedback": None},
            {"text": "中国", "correct": False, "weight": -100, "feedback": "中国是国家。"},
            {"text": "非洲", "correct": True, "weight": 50, "feedback": None},
        ],
        "answers": ["亚洲", "非洲"],
        "partial_credit": True,
    }


def test_true_false_has_answer_and_two_feedbacks_but_no_options() -> None:
    data = question_to_json(by_key()["s-tf"])
    assert pick(data, "type", "options", "answers", "answer", "true_feedback", "false_feedback") == {
        "type": "truefalse",
        "options": [],
        "answers": [False],
        "answer": False,
        "true_feedback": "含蛋白酶，会分解真丝。",
        "false_feedback": "对，真丝要用丝毛专用洗剂。",
    }


def test_fill() -> None:
    data = question_to_json(by_key()["s-fill"])
    assert pick(data, "type", "options", "answers") == {
        "type": "fill",
        "options": [],
        "answers": [["冷", "冷水"], ["蛋白质", "蛋白"]],
    }


def test_numeric() -> None:
    assert question_to_json(by_key()["s-numeric"])["answers"] == [
        {"value": 69.9, "tolerance": 0.5, "weight": 100, "feedback": None}
    ]
    assert question_to_json(by_key()["s-numeric-range"])["answers"] == [
        {"min": 20, "max": 30, "weight": 100, "feedback": None}
    ]
    assert question_to_json(by_key()["s-numeric-many"])["answers"] == [
        {"value": 64, "tolerance": 0, "weight": 100, "feedback": "对。"},
        {"value": 64, "tolerance": 6, "weight": 50, "feedback": "接近。"},
        {"other": True, "weight": 0, "feedback": "再算算：2000ml ÷ 30ml。"},
    ]


def test_short_lists_accepted_answers_as_correct_options_and_key_points() -> None:
    data = question_to_json(by_key()["s-short-accepted"])
    assert pick(data, "type", "options", "answers", "key_points", "needs_review") == {
        "type": "short",
        "options": [
            {"text": "签收次日", "correct": True, "weight": 100, "feedback": None},
            {"text": "签收第二天", "correct": True, "weight": 100, "feedback": "也对。"},
            {"text": "签收当天", "correct": True, "weight": 0, "feedback": "是次日。"},
        ],
        "answers": ["签收次日", "签收第二天", "签收当天", {"synonyms": ["次日"], "weight": 1}],
        "key_points": [{"id": None, "synonyms": ["次日"], "weight": 1, "regexes": [], "feedback": None}],
        "needs_review": True,
    }
    points = question_to_json(by_key()["s-short"])["key_points"]
    assert points[0] == {"id": "waist", "synonyms": ["腰围"], "weight": 2, "regexes": [], "feedback": None}
    assert points[1]["regexes"] == [r"\d+\s*斤"]


def test_reply_essay_matching_description() -> None:
    reply = question_to_json(by_key()["s-reply"])
    assert reply["answers"] == [
        {"synonyms": ["抱歉", "不好意思"], "weight": 1},
        {"synonyms": ["补发", "退款"], "weight": 1.5},
    ]
    assert reply["needs_review"] is True
    matching = question_to_json(by_key()["s-matching"])
    pairs = [{"left": "快捷短语", "right": "一键发送常用回复"}, {"left": "转接", "right": "交给同事接待"},
             {"left": "", "right": "关闭店铺"}]  # fmt: skip
    assert matching["pairs"] == matching["answers"] == pairs
    assert question_to_json(by_key()["s-essay-bare"])["answers"] == []
    description = question_to_json(by_key()["s-description"])
    assert pick(description, "type", "stem_format", "scored", "answers", "title") == {
        "type": "description",
        "stem_format": "markdown",
        "scored": False,
        "answers": [],
        "title": "案例",
    }


def test_gift_ids_tags_and_formats_show_up() -> None:
    [q] = parse_gift("// [id:393] [tag:fred]\n::T::[html]<p>Essay?</p>{####看这里}\n").questions
    data = question_to_json(q)
    assert pick(data, "key", "id", "tags", "title", "stem_format", "feedback", "category") == {
        "key": "393",
        "id": "393",
        "tags": ["fred"],
        "title": "T",
        "stem_format": "html",
        "feedback": "看这里",
        "category": None,
    }
