"""Questions between content-pack dicts and the domain model, and the new question models.

``sample_questions()`` (one or more questions of every type, using every field) is shared with
the other format tests.
"""

from __future__ import annotations

import json
import math
import textwrap
from pathlib import Path

import pytest

from cstrainer.domain.questions import (
    AcceptedAnswer,
    KeyPointSpec,
    MatchPair,
    NumericAnswer,
    Option,
    Question,
    QuestionType,
)
from cstrainer.formats.content_pack import (
    QUESTION_MODELS,
    count_blanks,
    item_to_dict,
    load_packs,
    parse_pack,
    validate_item,
    validate_references,
)
from cstrainer.formats.question_pack import (
    any_number,
    generate_key,
    question_from_pack,
    question_to_pack,
    unique_keys,
    validation_problems,
)

REPO = Path(__file__).resolve().parents[2]


def sample_questions() -> list[Question]:
    """Every question type, with every field the type can use."""
    common = {"category": "产品知识", "brand": "qinyu", "difficulty": 2, "author": "培训部"}
    return [
        Question(
            key="s-single",
            type=QuestionType.SINGLE,
            title="滚筒用量",
            stem="顾客用滚筒洗衣机洗一桶约 4kg 的衣物，建议用多少？",
            options=(
                Option("约 10ml", feedback="10ml 是手洗一盆的用量。"),
                Option("约 30ml", correct=True),
                Option("约 45ml", weight=50.0, feedback="这是波轮的用量。"),
            ),
            explanation="滚筒 4kg 约 30ml。",
            tags=("用量", "滚筒"),
            handbook="qinyu-brand-intro",
            products=("qinyu-liquid",),
            **common,
        ),
        Question(
            key="s-multiple",
            type=QuestionType.MULTIPLE,
            stem="关于留香珠，下列哪些说法正确？",
            options=(
                Option("放内筒底部", correct=True),
                Option("放洗涤剂盒"),
                Option("要和洗衣液一起用", correct=True),
            ),
            partial_credit=True,
            category="产品知识",
        ),
        Question(
            key="s-multiple-weights",
            type=QuestionType.MULTIPLE,
            stem="哪些是大洲？",
            options=(
                Option("亚洲", correct=True, weight=50.0),
                Option("中国", weight=-100.0, feedback="中国是国家。"),
                Option("非洲", correct=True, weight=50.0),
            ),
            partial_credit=True,
            category="企业文化",
        ),
        Question(
            key="s-tf",
            type=QuestionType.TRUEFALSE,
            stem="沁屿香氛洗衣液可以洗真丝。",
            answer=False,
            true_feedback="含蛋白酶，会分解真丝。",
            false_feedback="对，真丝要用丝毛专用洗剂。",
            category="产品知识",
            difficulty=1,
        ),
        Question(
            key="s-tf-true",
            type=QuestionType.TRUEFALSE,
            stem="签收次日起算 7 天。",
            answer=True,
            false_feedback="从签收的次日开始算。",
            category="平台规则",
        ),
        Question(
            key="s-fill",
            type=QuestionType.FILL,
            stem="经血渍应先用____水冲洗，因为血渍里的______遇热会凝固。",
            blanks=(("冷", "冷水"), ("蛋白质", "蛋白")),
            explanation="热水会让蛋白质凝固。",
            **common,
        ),
        Question(
            key="s-fill-one",
            type=QuestionType.FILL,
            stem="沁屿的客服昵称是？",
            blanks=(("小屿",),),
            category="企业文化",
        ),
        Question(
            key="s-numeric",
            type=QuestionType.NUMERIC,
            stem="2kg 瓶装多少元？",
            numeric=(NumericAnswer(value=69.9, tolerance=0.5),),
            category="产品知识",
        ),
        Question(
            key="s-numeric-range",
            type=QuestionType.NUMERIC,
            stem="喷雾距离织物多少厘米？",
            numeric=(NumericAnswer(low=20.0, high=30.0),),
            category="产品知识",
        ),
        Question(
            key="s-numeric-many",
            type=QuestionType.NUMERIC,
            stem="2kg 大约能洗多少次？",
            numeric=(
                NumericAnswer(value=64.0, feedback="对。"),
                NumericAnswer(value=64.0, tolerance=6.0, weight=50.0, feedback="接近。"),
                any_number(0.0, "再算算：2000ml ÷ 30ml。"),
            ),
            category="产品知识",
        ),
        Question(
            key="s-short",
            type=QuestionType.SHORT,
            stem="推荐尺码前要先问清哪些信息？",
            key_points=(
                KeyPointSpec(("腰围",), weight=2.0, id="waist"),
                KeyPointSpec(("体重", "多少斤"), regexes=(r"\d+\s*斤",), feedback="体重作参考。"),
            ),
            category="服务技巧-售前",
        ),
        Question(
            key="s-short-accepted",
            type=QuestionType.SHORT,
            stem="七天无理由退货从哪天开始算？",
            accepted=(
                AcceptedAnswer("签收次日"),
                AcceptedAnswer("签收第二天", 100.0, "也对。"),
                AcceptedAnswer("签收当天", 0.0, "是次日。"),
            ),
            key_points=(KeyPointSpec(("次日",)),),
            category="平台规则",
        ),
        Question(
            key="s-reply",
            type=QuestionType.REPLY,
            stem="收到的洗衣液漏了大半瓶，你们怎么打包的？？",
            key_points=(KeyPointSpec(("抱歉", "不好意思")), KeyPointSpec(("补发", "退款"), weight=1.5)),
            explanation="先道歉，再给方案。",
            **common,
        ),
        Question(
            key="s-matching",
            type=QuestionType.MATCHING,
            stem="把千牛的功能和用途配对。",
            pairs=(
                MatchPair("快捷短语", "一键发送常用回复"),
                MatchPair("转接", "交给同事接待"),
                MatchPair("", "关闭店铺"),
            ),
            explanation="挂起只是不再分配新顾客。",
            category="平台规则",
        ),
        Question(
            key="s-essay",
            type=QuestionType.ESSAY,
            stem="说说你处理过的一次差评。",
            key_points=(KeyPointSpec(("道歉",)),),
            explanation="按道歉、方案、跟进来写。",
            category="服务技巧-售后",
            difficulty=3,
        ),
        Question(key="s-essay-bare", type=QuestionType.ESSAY, stem="自我介绍一下。", category="企业文化"),
        Question(
            key="s-description",
            type=QuestionType.DESCRIPTION,
            title="案例",
            stem_format="markdown",
            stem="## 案例\n\n- 顾客：在吗？\n- 客服：亲，在的～",
            category="服务技巧-售前",
        ),
        Question(
            key="s-html",
            type=QuestionType.SINGLE,
            stem_format="html",
            stem="<p>下列哪个是<b>正确</b>的称呼？</p>\n<p>（单选）</p>",
            options=(Option("亲", correct=True), Option("喂")),
            category="服务技巧-售前",
        ),
    ]


def test_samples_cover_every_type_and_are_valid_packs() -> None:
    samples = sample_questions()
    assert {q.type.value for q in samples} == set(QUESTION_MODELS)
    for q in samples:
        assert validation_problems(q) == [], q.key


@pytest.mark.parametrize("q", sample_questions(), ids=lambda q: q.key)
def test_round_trip_every_type(q: Question) -> None:
    data = question_to_pack(q)
    # what the database stores must be plain JSON (no Infinity for "any other number")
    assert json.loads(json.dumps(data, allow_nan=False)) == data
    assert question_from_pack(data) == q
    model, problems = validate_item("questions", data)
    assert problems == [] and model is not None
    assert question_from_pack(model) == q


def test_pack_dict_is_terse_and_in_reading_order() -> None:
    q = Question(
        key="q1",
        type=QuestionType.SINGLE,
        stem="选哪个？",
        options=(Option("甲", correct=True), Option("乙")),
        category="产品知识",
        tags=("a",),
        explanation="因为。",
    )
    assert list(question_to_pack(q).items()) == [
        ("key", "q1"),
        ("type", "single"),
        ("category", "产品知识"),
        ("difficulty", 1),
        ("stem", "选哪个？"),
        ("options", [{"text": "甲", "correct": True}, {"text": "乙"}]),
        ("explanation", "因为。"),
        ("tags", ["a"]),
    ]


def test_numeric_any_other_number_is_plain_data() -> None:
    q = next(q for q in sample_questions() if q.key == "s-numeric-many")
    assert question_to_pack(q)["answers"] == [
        {"value": 64, "tolerance": 0, "feedback": "对。"},
        {"value": 64, "tolerance": 6, "weight": 50, "feedback": "接近。"},
        {"other": True, "weight": 0, "feedback": "再算算：2000ml ÷ 30ml。"},
    ]
    catch_all = question_from_pack(question_to_pack(q)).numeric[2]
    assert catch_all.accepts(-1e9) and catch_all.accepts(1e9) and catch_all.low == -math.inf


def test_shipped_question_bank_round_trips_exactly() -> None:
    # GIVEN every question the app ships WHEN it goes to the domain and back THEN nothing changes
    packs = [p for p in load_packs([REPO / "question_bank"]) if p.kind == "questions"]
    items = [item for pack in packs for item in pack.items]
    assert items
    for item in items:
        data = item_to_dict(item)
        assert question_to_pack(question_from_pack(data)) == data


def _questions(text: str) -> list[str]:
    try:
        parse_pack(textwrap.dedent(text), "q.yaml")
    except Exception as exc:  # PackValidationError
        return [f"{e.field}: {e.message}" for e in getattr(exc, "errors", [])]
    return []


HEAD = """
schema_version: 1
kind: questions
items:
  - key: q1
    category: 产品知识
    difficulty: 1
"""


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ('type: fill\n    stem: 锦纶___%\n    blanks: [["78"]]', None),  # three underscores are a blank
        ('type: fill\n    stem: 没有空\n    blanks: [["a"]]', None),  # no blank: one answer box
        ('type: fill\n    stem: 没有空\n    blanks: [["a"], ["b"]]', "items[0].blanks: 题干有 0 个空"),
        ("type: matching\n    stem: 配对\n    pairs: [{left: a, right: b}, {right: c}]", "至少要有 2 组"),
        (
            "type: matching\n    stem: 配对\n    pairs: [{left: a, right: b}, {left: a, right: c}]",
            "重复的左侧",
        ),
        ("type: numeric\n    stem: 多少\n    answer: {value: 1}\n    answers: [{value: 1}]", "二者选一"),
        (
            "type: numeric\n    stem: 多少\n    answers: [{value: 1, weight: 0}, {other: true, weight: 0}]",
            "至少要有一个得分",
        ),
        ("type: numeric\n    stem: 多少\n    answers: [{other: true, value: 3}]", "other: true"),
        ("type: short\n    stem: 说说\n    accepted: [{text: 对, weight: 50}]", None),
        ("type: short\n    stem: 说说", "key_points（按要点给分）或 accepted"),
        ("type: short\n    stem: 说说\n    key_points: [{regexes: ['(']}]", "正则表达式有误"),
        ("type: short\n    stem: 说说\n    key_points: [{regexes: ['\\\\d+斤']}]", None),
        ("type: essay\n    stem: 说说", None),
        (
            "type: essay\n    stem: 说说\n    key_points: [{id: a, synonyms: [x]}, {id: a, synonyms: [y]}]",
            "重复的要点 id",
        ),
        ("type: description\n    stem: 请看下面的案例", None),
        ("type: description\n    stem: 请看\n    options: [{text: a}]", "未知字段"),
        (
            "type: single\n    stem: 选\n    options: [{text: a, correct: true, weight: 120}, {text: b}]",
            "100",
        ),
        (
            "type: truefalse\n    stem: 对吗\n    answer: true\n    true_feedback: 对\n    false_feedback: 错",
            None,
        ),
        (
            "type: single\n    stem_format: rtf\n    stem: 选\n    options: [{text: a, correct: true}, {text: b}]",
            "取值",
        ),
    ],
)
def test_question_models(body: str, problem: str | None) -> None:
    errors = _questions(HEAD + "    " + body + "\n")
    if problem is None:
        assert errors == []
    else:
        assert any(problem in e for e in errors), errors


def test_count_blanks_is_the_domains() -> None:
    assert count_blanks("a____b____c") == 2
    assert count_blanks("a___b_____c__d") == 2


def test_question_products_must_exist_and_belong_to_its_brand() -> None:
    brands = parse_pack(
        textwrap.dedent(
            """
            schema_version: 1
            kind: brands
            items:
              - {key: qinyu, name: 沁屿, description: 洗护, voice: 温柔, platforms: [tmall]}
              - {key: qingkuo, name: 轻廓, description: 塑身, voice: 干练, platforms: [tmall]}
            """
        ),
        "brands.yaml",
    )
    products = parse_pack(
        textwrap.dedent(
            """
            schema_version: 1
            kind: products
            items:
              - {key: liquid, brand: qinyu, name: 洗衣液, category: 洗护, price_min: 39.9, price_max: 69.9}
            """
        ),
        "products.yaml",
    )
    questions = parse_pack(
        textwrap.dedent(
            """
            schema_version: 1
            kind: questions
            items:
              - key: q1
                type: essay
                brand: qingkuo
                category: 产品知识
                difficulty: 1
                stem: 说说
                products: [liquid, ghost]
              - key: q2
                type: essay
                category: 产品知识
                difficulty: 1
                stem: 没有品牌的题可以关联任何商品
                products: [liquid]
            """
        ),
        "questions.yaml",
    )
    errors = validate_references([brands, products, questions])
    assert [(e.line, e.field) for e in errors] == [(11, "items[0].products[1]"), (11, "items[0].products[0]")]
    assert "不存在" in errors[0].message and "属于品牌 'qinyu'" in errors[1].message


def test_generated_keys_are_stable_and_tell_generic_stems_apart() -> None:
    a = generate_key("single", "下列说法正确的是？", ["甲", "乙"])
    assert a == generate_key(QuestionType.SINGLE, " 下列说法正确的是？ ", ["甲", "乙"])
    assert a != generate_key("single", "下列说法正确的是？", ["丙", "丁"])
    assert a.startswith("q-") and len(a) == 12
    assert unique_keys(["a", "b", "a", "a"]) == ["a", "b", "a-2", "a-3"]
