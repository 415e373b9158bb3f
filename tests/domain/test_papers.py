from __future__ import annotations

from datetime import datetime

import pytest

from cstrainer.domain.papers import (
    DEFAULT_POINTS,
    BankIndex,
    DrawRule,
    ExamSpec,
    PaperError,
    assemble_paper,
    is_pinned_option,
    validate_spec,
)
from cstrainer.domain.questions import MatchPair, Option, Question, QuestionType

T = QuestionType


def q(
    key: str,
    category: str = "产品知识",
    difficulty: int = 1,
    qtype: QuestionType = T.SINGLE,
    **extra: object,
) -> Question:
    options: tuple[Option, ...] = ()
    if qtype in (T.SINGLE, T.MULTIPLE):
        options = (Option("A", True), Option("B"), Option("C"), Option("D"))
    fields: dict[str, object] = {"options": options}
    if qtype is T.TRUEFALSE:
        fields = {"answer": True}
    fields.update(extra)
    return Question(key, qtype, f"题目 {key}", category=category, difficulty=difficulty, **fields)  # type: ignore[arg-type]


def bank_of(spec: dict[tuple[str, int], int], qtype: QuestionType = T.SINGLE) -> list[Question]:
    out = []
    for (category, difficulty), count in spec.items():
        for i in range(count):
            out.append(q(f"{category}-{difficulty}-{i:03d}", category, difficulty, qtype))
    return out


BANK = bank_of({("产品知识", 1): 10, ("产品知识", 2): 3, ("平台规则", 1): 8, ("平台规则", 3): 4})


# -- fixed lists -------------------------------------------------------------------------------


def test_fixed_list_keeps_its_order_without_shuffle() -> None:
    keys = ("平台规则-1-003", "产品知识-1-000", "产品知识-2-001")
    spec = ExamSpec("e", "入职考试", question_keys=keys, shuffle_questions=False, shuffle_options=False)
    paper = assemble_paper(spec, BANK, seed=1)

    assert paper.question_keys == keys
    assert [item.position for item in paper.items] == [0, 1, 2]
    assert all(item.option_order == (0, 1, 2, 3) for item in paper.items)
    assert paper.max_score == 3 * DEFAULT_POINTS[T.SINGLE]


def test_same_seed_same_paper_and_bank_order_does_not_matter() -> None:
    spec = ExamSpec("e", "x", draw=(DrawRule("产品知识", None, 5), DrawRule(None, 1, 6)))
    a = assemble_paper(spec, BANK, seed=42)
    b = assemble_paper(spec, list(reversed(BANK)), seed=42)
    c = assemble_paper(spec, BankIndex(BANK), seed=42)
    assert a == b == c
    others = {assemble_paper(spec, BANK, seed=s).question_keys for s in range(20)}
    assert len(others) > 1


def test_shuffle_questions_permutes_the_fixed_list() -> None:
    keys = tuple(f"产品知识-1-{i:03d}" for i in range(10))
    spec = ExamSpec("e", "x", question_keys=keys, shuffle_questions=True)
    orders = {assemble_paper(spec, BANK, seed=s).question_keys for s in range(10)}
    assert all(sorted(order) == sorted(keys) for order in orders)
    assert len(orders) > 1


def test_descriptions_stay_in_place_when_shuffling() -> None:
    intro = q("intro", qtype=T.DESCRIPTION)
    bank = [*BANK, intro]
    keys = ("intro", "产品知识-1-000", "产品知识-1-001", "产品知识-1-002")
    spec = ExamSpec("e", "x", question_keys=keys)
    for seed in range(10):
        paper = assemble_paper(spec, bank, seed)
        assert paper.items[0].question_key == "intro"
        assert paper.items[0].points == 0


def test_missing_or_retired_fixed_question() -> None:
    bank = [*BANK, q("old", retired=True)]
    with pytest.raises(PaperError, match="题库中没有可用的题目 nope"):
        assemble_paper(ExamSpec("e", "x", question_keys=("nope",)), bank, 0)
    with pytest.raises(PaperError, match="old"):
        assemble_paper(ExamSpec("e", "x", question_keys=("old",)), bank, 0)


# -- draw rules --------------------------------------------------------------------------------


def test_draw_counts_without_duplicates_in_rule_order() -> None:
    spec = ExamSpec(
        "e",
        "x",
        draw=(DrawRule("平台规则", None, 6), DrawRule("产品知识", 2, 3), DrawRule(None, None, 10)),
        shuffle_questions=False,
    )
    paper = assemble_paper(spec, BANK, seed=7)

    assert len(paper) == 19
    assert len(set(paper.question_keys)) == 19
    categories = [item.category for item in paper.items]
    # written order: six 平台规则, then the three 产品知识 × 2, then the rest
    assert categories[:6] == ["平台规则"] * 6
    assert [item.question.difficulty for item in paper.items[6:9]] == [2, 2, 2]


def test_specific_rules_are_applied_first() -> None:
    # GIVEN a broad rule written before a narrow one that needs every question of its pool
    spec = ExamSpec("e", "x", draw=(DrawRule("产品知识", None, 10), DrawRule("产品知识", 2, 3)))
    # THEN every seed works: the narrow rule draws first
    for seed in range(50):
        paper = assemble_paper(spec, BANK, seed)
        assert len(set(paper.question_keys)) == 13


def test_unsatisfiable_rule_names_itself() -> None:
    spec = ExamSpec("e", "x", draw=(DrawRule("产品知识", 2, 5),))
    with pytest.raises(PaperError) as caught:
        assemble_paper(spec, BANK, 0)
    assert str(caught.value) == "产品知识 × 难度2 需要 5 题，题库中只有 3 题"
    assert caught.value.needed == 5
    assert caught.value.available == 3
    assert caught.value.rule == spec.draw[0]


def test_shortage_caused_by_other_rules_says_so() -> None:
    spec = ExamSpec("e", "x", draw=(DrawRule("平台规则", 3, 4), DrawRule(None, 3, 1)))
    with pytest.raises(PaperError, match="已被其他抽题规则或固定题目占用"):
        assemble_paper(spec, BANK, 0)


def test_filters_by_type_brand_and_tags() -> None:
    bank = [
        q("s1", qtype=T.SINGLE, brand="qinyu", tags=("尺码",)),
        q("s2", qtype=T.SINGLE, brand="qingkuo", tags=("尺码",)),
        q("s3", qtype=T.SINGLE, brand=None, tags=("尺码", "退换")),
        q("t1", qtype=T.TRUEFALSE, brand="qinyu"),
        q("d1", qtype=T.DESCRIPTION),
        q("gone", qtype=T.SINGLE, brand="qinyu", retired=True),
    ]
    index = BankIndex(bank)
    keys = lambda rule: sorted(x.key for x in index.candidates(rule))  # noqa: E731

    assert keys(DrawRule(None, None, 1, brand="qinyu")) == ["s1", "s3", "t1"]  # brandless included
    assert keys(DrawRule(None, None, 1, types=(T.TRUEFALSE,))) == ["t1"]
    assert keys(DrawRule(None, None, 1, tags=("尺码", "退换"))) == ["s3"]
    assert keys(DrawRule(None, None, 1)) == ["s1", "s2", "s3", "t1"]  # no description, no retired
    assert keys(DrawRule(None, None, 1, types=(T.DESCRIPTION,))) == ["d1"]
    assert len(index) == 5


def test_higher_version_wins_in_the_index() -> None:
    index = BankIndex([q("a", version=1), q("a", version=3, difficulty=2), q("a", version=2)])
    found = index.get("a")
    assert found is not None and found.version == 3
    assert index.count(DrawRule(None, 2, 1)) == 1


def test_rule_label() -> None:
    rule = DrawRule("服务技巧-售后", 3, 2, types=(T.REPLY, T.SHORT), brand="qinyu", tags=("漏液",))
    assert rule.label == "服务技巧-售后 × 难度3 × 回复顾客题/简答题 × 品牌 qinyu × 标签 漏液"
    assert DrawRule(None, None, 1).label == "全部分类"


# -- options and points ------------------------------------------------------------------------


def test_options_are_shuffled_but_all_of_the_above_stays_last() -> None:
    question = q(
        "mc",
        qtype=T.MULTIPLE,
        options=(
            Option("包邮"),
            Option("以上都对", True),
            Option("运费险"),
            Option("七天无理由"),
            Option("赠品"),
        ),
    )
    spec = ExamSpec("e", "x", question_keys=("mc",))
    orders = set()
    for seed in range(30):
        item = assemble_paper(spec, [question], seed).items[0]
        assert sorted(item.option_order) == [0, 1, 2, 3, 4]
        assert item.option_order[-1] == 1
        view = item.view()
        assert view.options == tuple(question.options[i].text for i in item.option_order)
        orders.add(item.option_order)
    assert len(orders) > 1


@pytest.mark.parametrize(
    ("text", "pinned"),
    [
        ("以上都对", True),
        ("以上都不对", True),
        ("以上说法均正确", True),
        ("上述三项都可以", True),
        ("以上皆非", True),
        ("All of the above", True),
        ("None of the above.", True),
        ("以上门服务", False),
        ("都对", False),
        ("七天无理由退换", False),
    ],
)
def test_pinned_option_detection(text: str, pinned: bool) -> None:
    assert is_pinned_option(text) is pinned


def test_truefalse_and_unshuffled_options_keep_their_order() -> None:
    spec = ExamSpec("e", "x", question_keys=("tf", "sc"), shuffle_options=False, shuffle_questions=False)
    bank = [q("tf", qtype=T.TRUEFALSE), q("sc")]
    paper = assemble_paper(spec, bank, 3)
    assert paper.items[0].option_order == ()
    assert paper.items[1].option_order == (0, 1, 2, 3)


def test_matching_rights_are_always_shuffled() -> None:
    pairs = tuple(MatchPair(f"L{i}", f"R{i}") for i in range(5))
    spec = ExamSpec("e", "x", question_keys=("m",), shuffle_options=False)
    orders = {
        assemble_paper(spec, [q("m", qtype=T.MATCHING, pairs=pairs)], s).items[0].right_order
        for s in range(10)
    }
    assert all(sorted(o) == [0, 1, 2, 3, 4] for o in orders)
    assert len(orders) > 1


def test_points_per_type_with_defaults() -> None:
    bank = [q("s"), q("t", qtype=T.TRUEFALSE), q("r", qtype=T.REPLY)]
    spec = ExamSpec(
        "e", "x", question_keys=("s", "t", "r"), points_per_type={T.SINGLE: 5}, shuffle_questions=False
    )
    paper = assemble_paper(spec, bank, 0)
    assert [item.points for item in paper.items] == [
        5.0,
        DEFAULT_POINTS[T.TRUEFALSE],
        DEFAULT_POINTS[T.REPLY],
    ]
    assert paper.items[2].view().points == DEFAULT_POINTS[T.REPLY]
    assert paper.max_score == 5 + DEFAULT_POINTS[T.TRUEFALSE] + DEFAULT_POINTS[T.REPLY]


# -- validation --------------------------------------------------------------------------------


def test_validate_a_good_spec() -> None:
    spec = ExamSpec(
        "e", "入职考试", draw=(DrawRule("产品知识", None, 5),), time_limit_minutes=30, pass_mark=80
    )
    assert validate_spec(spec, BANK) == []


def test_validate_lists_every_problem() -> None:
    spec = ExamSpec(
        "",
        "",
        question_keys=("产品知识-1-000", "产品知识-1-000", "nope"),
        draw=(DrawRule("不存在的分类", 9, 1), DrawRule("产品知识", 2, 5), DrawRule("平台规则", None, 0)),
        time_limit_minutes=0,
        pass_mark=120,
        attempts_allowed=0,
        max_focus_losses=-1,
        opens_at=datetime(2024, 5, 2),
        closes_at=datetime(2024, 5, 1),
        points_per_type={T.SINGLE: -1},
    )
    problems = validate_spec(spec, BANK)
    expected_parts = [
        "缺少编号",
        "缺少标题",
        "考试时长必须大于 0",
        "及格线 120",
        "允许作答次数至少为 1",
        "离开考试窗口的次数不能为负数",
        "结束时间必须晚于开始时间",
        "单选题的分值不能为负数",
        "固定题目 产品知识-1-000 重复出现",
        "固定题目 nope 在题库中不存在或已停用",
        "分类“不存在的分类”不存在",
        "难度 9 不在 1~5 之间",
        "产品知识 × 难度2 需要 5 题，题库中只有 3 题",
        "第 3 条抽题规则（平台规则）的题数必须大于 0",
    ]
    for part in expected_parts:
        assert any(part in p for p in problems), (part, problems)


def test_validate_finds_rules_that_fail_together() -> None:
    spec = ExamSpec("e", "x", draw=(DrawRule("平台规则", 3, 4), DrawRule(None, 3, 1)))
    (problem,) = validate_spec(spec, BANK)
    assert problem.startswith("抽题规则合在一起无法满足")


def test_validate_empty_exam() -> None:
    assert "考试没有题目" in validate_spec(ExamSpec("e", "x"), BANK)[0]
