from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cstrainer import paths
from cstrainer.text.banned import (
    BannedHit,
    BannedRule,
    BannedRulesError,
    BannedWordScanner,
    collapse_nested,
    default_rules,
    default_rules_path,
    default_scanner,
    load_rules,
)

KNOWN_CATEGORIES = {
    "absolute_terms",
    "false_endorsement",
    "off_platform",
    "paid_review",
    "review_request",
    "false_promise",
    "efficacy_claims",
}


def spans(hits: list[BannedHit]) -> list[tuple[str, int, int, str]]:
    return [(h.word, h.start, h.end, h.rule) for h in hits]


# -- the shipped data file ------------------------------------------------------------------------


def test_shipped_file_loads_and_is_sensible() -> None:
    rules = default_rules()

    assert default_rules_path() == paths.project_root() / "scripts_library/compliance/banned_words.yaml"
    assert len(rules) >= 60
    assert {r.rule for r in rules} == KNOWN_CATEGORIES
    assert all(re.search(r"[\u4e00-\u9fff]", r.reason) for r in rules)
    assert any(r.pattern for r in rules) and any(r.word for r in rules)
    BannedWordScanner(rules)  # compiles


def test_lowest_price_claim_reports_every_overlapping_hit() -> None:
    text = "亲，这是全网最低价哦"
    hits = default_scanner().scan(text)

    assert spans(hits) == [
        ("全网最低", 4, 8, "absolute_terms"),
        ("最低价", 6, 9, "absolute_terms"),
        ("最", 6, 7, "absolute_terms"),
    ]
    assert all(text[h.start : h.end] == h.word for h in hits)
    assert all(h.reason for h in hits)


def test_add_me_on_wechat_is_off_platform() -> None:
    hits = default_scanner().scan("有问题加我微信聊")
    assert ("加我微信", 3, 7, "off_platform") in spans(hits)
    assert ("微信", 5, 7, "off_platform") in spans(hits)


@pytest.mark.parametrize(
    "text",
    [
        "最近下单的亲比较多，发货会晚一天",
        "第一次购买可以领券哦",
        "我们会第一时间安排发货",
        "最晚后天发出，可以在订单里看最新物流",
        "尺码表在详情页最下面，最多可以叠加两张券",
        "这款面料是100%棉的",
        "感谢您的五星好评，期待您再次光临",
        "您的订单号是1234567890123456789",
        "QQ糖口感QQ弹弹的",
        "收腹裤穿上显瘦，建议您先量一下腰围",
        "有湿疹的话建议先咨询医生哦",
        "预计明天送达，具体以物流为准",
        "支持七天无理由退换，有任何问题随时找我们",
        # a promise said in the negative is an honest hedge
        "不能保证明天到，我帮您盯着物流",
        "无法保证完全不起球，按洗标洗护能减少很多",
        "这个不敢保证有效，要看污渍放了多久",
        # garment fastenings, not QQ
        "穿之前把裆部的暗扣扣好，就不会往上缩",
    ],
)
def test_ordinary_service_replies_are_not_flagged(text: str) -> None:
    assert default_scanner().scan(text) == []
    assert not default_scanner().has_hits(text)


@pytest.mark.parametrize(
    ("text", "word", "rule"),
    [
        ("这款是销量第一的", "销量第一", "absolute_terms"),
        ("这是我们家的NO.1单品", "NO.1", "absolute_terms"),
        ("我的VX是abc123", "VX", "off_platform"),
        ("加我ｖｘ", "ｖｘ", "off_platform"),  # full-width letters fold to vx
        ("加个Ｖ信吧", "Ｖ信", "off_platform"),
        ("电话13812345678", "13812345678", "off_platform"),
        ("电话138-1234-5678", "138-1234-5678", "off_platform"),
        ("加QQ聊", "QQ", "off_platform"),
        ("好评返现5元哦", "好评返现", "paid_review"),
        ("五星好评截图发我返红包", "五星好评截图发我返红包", "paid_review"),
        ("麻烦给个五星好评哦", "五星好评", "review_request"),
        ("能不能把差评删了", "差评删", "review_request"),
        ("绝对不会过敏的", "绝对不会过敏", "false_promise"),
        ("保证明天到", "保证明天到", "false_promise"),
        ("这款永不起球", "永不起球", "false_promise"),
        ("这款洗衣液除菌率99.9%", "除菌率99.9%", "efficacy_claims"),
        ("穿上能燃脂瘦腿", "燃脂", "efficacy_claims"),
        ("穿上能燃脂瘦腿", "瘦腿", "efficacy_claims"),
        ("宝宝有湿疹也能用", "湿疹也能用", "efficacy_claims"),
        ("这可是驰名商标", "驰名商标", "false_endorsement"),
    ],
)
def test_shipped_rules_flag(text: str, word: str, rule: str) -> None:
    hits = default_scanner().scan(text)
    matching = [h for h in hits if h.word == word and h.rule == rule]
    assert matching, spans(hits)
    hit = matching[0]
    assert text[hit.start : hit.end] == word


def test_same_span_and_category_is_reported_once() -> None:
    # the word 好评返现 and the 好评…返现 pattern find the same text
    hits = default_scanner().scan("好评返现")
    assert spans(hits) == [("好评返现", 0, 4, "paid_review")]


# -- the scanner ----------------------------------------------------------------------------------

RULES = [
    BannedRule("最", "绝对化", "absolute_terms", exceptions=("最近", "最后")),
    BannedRule("最好", "绝对化", "absolute_terms"),
    BannedRule("第一", "绝对化", "absolute_terms", exceptions=("第一次", "第一时间")),
    BannedRule("哈哈", "测试", "test"),
    BannedRule(None, "手机号", "off_platform", pattern=r"(?<!\d)1[3-9]\d{9}(?!\d)"),
    BannedRule(None, "微信", "off_platform", pattern=r"(?<![a-z])vx(?![a-z])", exceptions=("vx粉",)),
]


@pytest.fixture(scope="module")
def scanner() -> BannedWordScanner:
    return BannedWordScanner(RULES)


def test_every_hit_with_offsets(scanner: BannedWordScanner) -> None:
    text = "最近最好的是第一名，电话13900001111"
    assert spans(scanner.scan(text)) == [
        ("最好", 2, 4, "absolute_terms"),
        ("最", 2, 3, "absolute_terms"),
        ("第一", 6, 8, "absolute_terms"),
        ("13900001111", 12, 23, "off_platform"),
    ]


def test_exceptions_only_cover_their_own_occurrence(scanner: BannedWordScanner) -> None:
    assert scanner.scan("最近最后第一次第一时间") == []
    # 最 right after an excepted 最近 is still a hit
    assert spans(scanner.scan("最近最")) == [("最", 2, 3, "absolute_terms")]
    assert spans(scanner.scan("第一第一次")) == [("第一", 0, 2, "absolute_terms")]


def test_pattern_exceptions(scanner: BannedWordScanner) -> None:
    assert scanner.scan("我是vx粉") == []
    assert spans(scanner.scan("加VX")) == [("VX", 1, 3, "off_platform")]


def test_hits_of_one_rule_do_not_overlap(scanner: BannedWordScanner) -> None:
    assert spans(scanner.scan("哈哈哈哈哈")) == [("哈哈", 0, 2, "test"), ("哈哈", 2, 4, "test")]


def test_collapse_nested_keeps_outermost_hits() -> None:
    hits = default_scanner().scan("全网最低价，加我微信")
    # 最 and 微信 lie inside longer hits; 最低价 only overlaps 全网最低, so it stays
    assert [h.word for h in collapse_nested(hits)] == ["全网最低", "最低价", "加我微信"]


def test_rule_validation() -> None:
    with pytest.raises(ValueError):
        BannedRule("最", "x", "r", pattern="最")
    with pytest.raises(ValueError):
        BannedRule(None, "x", "r")
    with pytest.raises(ValueError):
        BannedWordScanner([BannedRule(None, "x", "r", pattern="([")])
    assert BannedRule("最", "x", "r", exceptions=["最近"]).exceptions == ("最近",)  # type: ignore[arg-type]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            ["最", "最近", "最好", "第一", "第一次", "哈", "vx", "VX", "13912345678", "亲", "，", "8"]
        ),
        max_size=12,
    ).map("".join)
)
def test_hits_always_point_into_the_text(text: str) -> None:
    hits = BannedWordScanner(RULES).scan(text)
    for hit in hits:
        assert text[hit.start : hit.end] == hit.word
    assert [(h.start, -h.end) for h in hits] == sorted((h.start, -h.end) for h in hits)


# -- loading rule files ---------------------------------------------------------------------------


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "rules.yaml"
    path.write_text(body, encoding="utf-8")
    return path


def test_load_rules_reads_words_patterns_and_exceptions(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
schema_version: 1
kind: banned_words
items:
  - word: 最
    rule: absolute_terms
    reason: 绝对化用语
    exceptions: [最近]
  - pattern: '\\d{11}'
    rule: off_platform
    reason: 手机号
    note: trainers only
""",
    )
    assert load_rules(path) == [
        BannedRule("最", "绝对化用语", "absolute_terms", ("最近",)),
        BannedRule(None, "手机号", "off_platform", pattern=r"\d{11}"),
    ]


def test_yaml_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, "schema_version: 1\nkind: banned_words\nitems:\n  - word: [最\n    rule: x\n")
    with pytest.raises(BannedRulesError) as info:
        load_rules(path)
    (issue,) = info.value.issues
    assert issue.path == path
    assert issue.line is not None and issue.line >= 4
    assert str(path) in str(info.value)
    assert f"rules.yaml 第 {issue.line} 行" in str(info.value)
    assert "YAML 格式错误" in str(info.value)


def test_every_bad_entry_is_reported_with_line_and_field(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
schema_version: 2
kind: banned_words
items:
  - word: 最
    rule: absolute_terms
  - word: 第一
    pattern: 第一
    rule: absolute_terms
    reason: x
  - pattern: '(['
    rule: off_platform
    reason: x
  - word: 绝对
    rule: Absolute Terms
    reason: x
    exceptions: [相对]
    colour: red
  - word: 最
    rule: absolute_terms
    reason: duplicate
""",
    )
    with pytest.raises(BannedRulesError) as info:
        load_rules(path)
    found = {(i.line, i.field) for i in info.value.issues}
    assert (1, "schema_version") in found
    assert (4, "reason") in found  # missing reason, reported at the item
    assert (6, "word") in found  # both word and pattern
    assert (10, "pattern") in found  # invalid regex
    assert (14, "rule") in found  # not an id
    assert (16, "exceptions") in found  # exception without the word
    assert (17, "colour") in found  # unknown key
    assert (18, "word") in found  # duplicate word
    message = str(info.value)
    assert all(f"rules.yaml 第 {line} 行" in message for line, _ in found)
    # The messages are Chinese: trainers edit this file.
    assert "违禁词文件有错误" in message
    assert "例外“相对”不包含违禁词“绝对”" in message
    assert "和第 4 行的条目重复" in message


def test_wrong_document_shape(tmp_path: Path) -> None:
    with pytest.raises(BannedRulesError, match="文件是空的"):
        load_rules(write(tmp_path, ""))
    with pytest.raises(BannedRulesError, match="映射"):
        load_rules(write(tmp_path, "- a\n- b\n"))
    with pytest.raises(BannedRulesError, match="items"):
        load_rules(write(tmp_path, "schema_version: 1\nkind: banned_words\n"))
