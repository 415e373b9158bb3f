from __future__ import annotations

from collections.abc import Iterator

import pytest

from cstrainer.domain.questions import KeyPointSpec
from cstrainer.domain.reply_grader import (
    ReplyRules,
    ReplyWeights,
    customer_seems_upset,
    grade_reply,
    match_key_points,
    matcher_for,
)
from cstrainer.text import BannedWordScanner, default_scanner, ensure_ready


@pytest.fixture(scope="module", autouse=True)
def _jieba(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    # Load the dictionary once for the module, with its cache in a temporary home.
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CSTRAINER_HOME", str(tmp_path_factory.mktemp("home")))
        ensure_ready()
    yield


@pytest.fixture(scope="module")
def scanner() -> BannedWordScanner:
    return default_scanner()


RETURNS = KeyPointSpec(("七天无理由", "7天无理由", "无理由退换"), feedback="说明支持七天无理由退换。")
INSURANCE = KeyPointSpec(("运费险",))
SHIPPING = KeyPointSpec(("顺丰",))
SHOP_POINTS = (RETURNS, INSURANCE, SHIPPING)

# The leaking-detergent complaint of the shipped question bank.
APOLOGY = KeyPointSpec(("抱歉", "对不起", "不好意思", "给您添麻烦"), feedback="先道歉，再解决问题。")
PHOTO = KeyPointSpec(("拍照", "照片", "拍一下", "图片"), feedback="请顾客拍照。")
REMEDY = KeyPointSpec(("补发", "重新发", "退款"), weight=1.5, feedback="给出补发或退款的方案。")
NO_RETURN = KeyPointSpec(("不用寄回", "无需寄回", "不用退回", "不需要寄回"), feedback="漏液的商品不用寄回。")
LEAK_POINTS = (APOLOGY, PHOTO, REMEDY, NO_RETURN)
GOOD_LEAK_REPLY = (
    "亲，非常抱歉给您添麻烦了！麻烦您拍一下外箱和瓶身的照片发给我，我们马上为您补发，"
    "漏液的这瓶不用寄回哦，祝您生活愉快"
)


def test_a_good_reply_earns_full_marks(scanner: BannedWordScanner) -> None:
    rules = ReplyRules(expect_empathy=True, expect_closing=True)
    a = grade_reply(GOOD_LEAK_REPLY, LEAK_POINTS, scanner=scanner, rules=rules)

    assert a.score == 100
    assert all(r.hit for r in a.key_points)
    assert a.coverage == 1.0
    assert not a.keyword_stuffing and not a.filler_only and a.compliant
    assert a.honorific.found and a.empathy.found and a.closing.found
    assert a.explain()[0] == "总分 100/100。"
    # spans point into the original text
    for r in a.key_points:
        for span in r.spans:
            assert GOOD_LEAK_REPLY[span.start : span.end] == span.word


def test_missed_key_points_lose_their_weight_and_say_why(scanner: BannedWordScanner) -> None:
    text = "亲，非常抱歉，麻烦您拍一下照片发给我们看看哦"
    a = grade_reply(text, LEAK_POINTS, scanner=scanner)

    hits = [r.hit for r in a.key_points]
    assert hits == [True, True, False, False]
    assert a.coverage == pytest.approx(2 / 4.5)
    assert a.dimension("key_points").score == pytest.approx(2 / 4.5)
    assert [r.feedback for r in a.missed] == ["给出补发或退款的方案。", "漏液的商品不用寄回。"]
    explained = "\n".join(a.explain())
    assert "命中 2/4 个要点" in explained
    assert "缺少要点：给出补发或退款的方案。" in explained


def test_missed_key_point_without_feedback_names_its_words(scanner: BannedWordScanner) -> None:
    a = grade_reply("亲，支持七天无理由退换哦", SHOP_POINTS, scanner=scanner)
    assert a.key_points[1].feedback == "没有提到“运费险”。"


# -- keyword stuffing ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "points"),
    [
        ("七天无理由 运费险 顺丰", SHOP_POINTS),
        ("七天无理由、运费险、顺丰", SHOP_POINTS),
        ("亲 七天无理由 运费险 顺丰 哦", SHOP_POINTS),
        ("七天无理由运费险顺丰", SHOP_POINTS),
        ("七天无理由", SHOP_POINTS),
        ("非常抱歉 拍照 补发 不用寄回", LEAK_POINTS),
        ("抱歉，拍照，补发，不用寄回", LEAK_POINTS),
        ("七天无理由的运费险的顺丰的", SHOP_POINTS),  # one grammar word sprinkled over a list
    ],
)
def test_keyword_lists_are_stuffing_and_earn_half(
    text: str, points: tuple[KeyPointSpec, ...], scanner: BannedWordScanner
) -> None:
    a = grade_reply(text, points, scanner=scanner)

    assert a.keyword_stuffing, a.stuffing
    assert a.dimension("key_points").score == pytest.approx(a.coverage * 0.5)
    assert any("关键词堆砌" in line for line in a.explain())


@pytest.mark.parametrize(
    ("text", "points"),
    [
        ("亲，支持七天无理由退换哦", SHOP_POINTS),
        ("亲，七天无理由退换哦", SHOP_POINTS),
        ("亲，我们支持七天无理由退换，下单送运费险，顺丰发货哦", SHOP_POINTS),
        ("七天无理由和运费险都有的，发顺丰", SHOP_POINTS),
        (GOOD_LEAK_REPLY, LEAK_POINTS),
        ("不好意思亲，您拍个照片给我，我这边给您补发", LEAK_POINTS),
        ("好的", SHOP_POINTS),  # no key point at all: filler, not stuffing
        ("亲，您好，请问有什么可以帮您？", SHOP_POINTS),
    ],
)
def test_real_sentences_are_not_stuffing(
    text: str, points: tuple[KeyPointSpec, ...], scanner: BannedWordScanner
) -> None:
    a = grade_reply(text, points, scanner=scanner)

    assert not a.keyword_stuffing, a.stuffing
    assert a.dimension("key_points").score == pytest.approx(a.coverage)


def test_short_real_sentence_keeps_its_key_point(scanner: BannedWordScanner) -> None:
    a = grade_reply("亲，支持七天无理由退换哦", (RETURNS,), scanner=scanner)
    assert not a.keyword_stuffing
    assert a.dimension("key_points").score == 1.0
    assert a.score == 100


def test_stuffing_factor_is_a_rule(scanner: BannedWordScanner) -> None:
    a = grade_reply(
        "七天无理由 运费险 顺丰", SHOP_POINTS, scanner=scanner, rules=ReplyRules(stuffing_factor=0.25)
    )
    assert a.dimension("key_points").score == pytest.approx(0.25)


# -- filler ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["嗯", "嗯嗯", "好的", "好的呢亲，稍等哦~", "在的", "哦", "稍等一下😊", "收到！"]
)
def test_filler_only_scores_nothing(text: str, scanner: BannedWordScanner) -> None:
    a = grade_reply(text, SHOP_POINTS, scanner=scanner)

    assert a.filler_only
    assert a.score == 0
    assert a.cap_reason == "filler"
    assert any("应答词" in line for line in a.explain())


@pytest.mark.parametrize(
    "text", ["好的亲，已经为您补发了", "在的亲，支持七天无理由哦", "稍等，我帮您查一下物流"]
)
def test_filler_words_in_a_real_reply_are_fine(text: str, scanner: BannedWordScanner) -> None:
    assert not grade_reply(text, SHOP_POINTS, scanner=scanner).filler_only


def test_filler_cap_is_a_rule(scanner: BannedWordScanner) -> None:
    a = grade_reply("在的亲", (), scanner=scanner, rules=ReplyRules(filler_cap=30))
    assert a.filler_only
    assert a.score == 30


# -- compliance ------------------------------------------------------------------------------------


def test_banned_wording_zeroes_compliance_and_caps_the_score(scanner: BannedWordScanner) -> None:
    text = "亲，这款是我们家最好的，支持七天无理由退换，送运费险，发顺丰哦"
    a = grade_reply(text, SHOP_POINTS, scanner=scanner)

    assert not a.compliant
    assert a.dimension("compliance").score == 0
    assert {h.word for h in a.banned} >= {"最好"}
    assert all(text[h.start : h.end] == h.word for h in a.banned)
    assert a.uncapped_score == pytest.approx(75 / 90 * 100, abs=1e-3)  # all but compliance (15 of 90)
    assert a.score == 60
    assert a.cap_reason == "banned"
    explained = "\n".join(a.explain())
    assert "“最好”：" in explained and "总分最高 60 分" in explained


def test_banned_cap_can_be_switched_off(scanner: BannedWordScanner) -> None:
    text = "亲，这款是我们家最好的，支持七天无理由退换，送运费险，发顺丰哦"
    a = grade_reply(text, SHOP_POINTS, scanner=scanner, rules=ReplyRules(banned_cap=None))
    assert a.score == pytest.approx(75 / 90 * 100, abs=1e-3)


@pytest.mark.parametrize(
    "text",
    [
        "亲，最近订单比较多，第一次购买的话支持七天无理由退换哦",
        "亲，您的快递最晚明天到，第一时间给您发顺丰",
        "亲，最多可以用两张券哦",
    ],
)
def test_time_and_ordinal_words_are_not_banned(text: str, scanner: BannedWordScanner) -> None:
    a = grade_reply(text, SHOP_POINTS, scanner=scanner)
    assert a.banned == ()
    assert a.dimension("compliance").score == 1.0


def test_off_platform_contact_is_caught(scanner: BannedWordScanner) -> None:
    a = grade_reply("亲，加我ＶＸ聊，七天无理由的", SHOP_POINTS, scanner=scanner)
    assert not a.compliant
    assert any(h.rule == "off_platform" for h in a.banned)


# -- courtesy --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("亲，支持七天无理由", True),
        ("感谢您的耐心等待", True),  # 您 inside the token 感谢您
        ("亲亲，在的", True),
        ("我会亲自帮你处理", False),  # 亲 inside 亲自
        ("你父亲的订单已经发货了", False),  # 亲 inside 父亲
        ("支持七天无理由", False),
    ],
)
def test_honorific(text: str, found: bool, scanner: BannedWordScanner) -> None:
    a = grade_reply(text, (), scanner=scanner)
    assert a.honorific.found is found
    assert a.dimension("politeness").score == (1.0 if found else 0.0)


def test_honorific_span() -> None:
    a = grade_reply("好的亲，马上发", (), scanner=default_scanner())
    assert [(s.word, s.start, s.end) for s in a.honorific.spans] == [("亲", 2, 3)]


def test_greeting_must_open_the_reply(scanner: BannedWordScanner) -> None:
    rules = ReplyRules(expect_greeting=True)
    opening = grade_reply("您好，欢迎光临，请问有什么可以帮您？", (), scanner=scanner, rules=rules)
    late = grade_reply("这款衣服是纯棉的，适合夏天穿，透气性也不错哦，您好", (), scanner=scanner, rules=rules)

    assert opening.greeting.found
    assert opening.greeting.spans[0].word == "您好"
    assert not late.greeting.found
    assert opening.dimension("politeness").score == 1.0
    assert late.dimension("politeness").score == 0.5  # honorific yes, greeting no


def test_closing(scanner: BannedWordScanner) -> None:
    rules = ReplyRules(expect_closing=True)
    assert grade_reply("已经为您补发了，祝您购物愉快", (), scanner=scanner, rules=rules).closing.found
    assert grade_reply("有问题随时联系我们哦亲", (), scanner=scanner, rules=rules).closing.found
    # 不愉快 is not a closing wish
    assert not grade_reply("给您带来不愉快的体验了亲", (), scanner=scanner, rules=rules).closing.found


def test_empathy_counts_only_when_expected(scanner: BannedWordScanner) -> None:
    text = "亲，已经为您补发了"
    calm = grade_reply(text, (), scanner=scanner)
    upset = grade_reply(text, (), scanner=scanner, rules=ReplyRules(expect_empathy=True))
    soothed = grade_reply("亲，非常理解您着急的心情，已经为您补发了", (), scanner=scanner,
                          rules=ReplyRules(expect_empathy=True))  # fmt: skip

    assert not calm.dimension("empathy").applies
    assert upset.dimension("empathy").score == 0.0
    assert upset.score < calm.score
    assert soothed.empathy.found
    assert soothed.dimension("empathy").score == 1.0
    assert any("先道歉" in line for line in upset.explain())


def test_customer_seems_upset() -> None:
    assert customer_seems_upset("收到的洗衣液漏了大半瓶，箱子都泡软了，你们到底怎么打包的？？")
    assert customer_seems_upset("再不处理我就投诉了")
    assert not customer_seems_upset("请问这款有S码吗？")
    assert not customer_seems_upset("")


# -- score arithmetic ------------------------------------------------------------------------------


def test_dimensions_that_do_not_apply_pass_their_weight_on(scanner: BannedWordScanner) -> None:
    # No key points, no courtesy expected: compliance and length share the score.
    rules = ReplyRules(require_honorific=False, weights=ReplyWeights(compliance=15, length=5))
    a = grade_reply("已经为您补发了", (), scanner=scanner, rules=rules)
    assert a.scores == {"compliance": 1.0, "length": 1.0}
    assert a.score == 100


def test_weighted_overall_score(scanner: BannedWordScanner) -> None:
    # key points 1/3, honorific missing, compliant, length fine:
    # (55 * 1/3 + 15 * 0 + 15 * 1 + 5 * 1) / (55 + 15 + 15 + 5) * 100
    a = grade_reply("支持七天无理由退换，放心购买", SHOP_POINTS, scanner=scanner)
    expected = (55 / 3 + 15 + 5) / 90 * 100
    assert a.score == pytest.approx(expected, abs=1e-3)
    total_weight = 90
    assert sum(d.points(total_weight) for d in a.dimensions) == pytest.approx(expected)


def test_length(scanner: BannedWordScanner) -> None:
    rules = ReplyRules(min_chars=10, max_chars=20)
    short = grade_reply("亲，有货", (), scanner=scanner, rules=rules)
    long = grade_reply("亲，" + "这款衣服很好穿" * 6, (), scanner=scanner, rules=rules)
    assert short.dimension("length").score == pytest.approx(4 / 10)
    assert long.dimension("length").score == pytest.approx(20 / 44)
    assert any("少于建议的 10 字" in line for line in short.explain())
    assert any("超过建议的 20 字" in line for line in long.explain())


@pytest.mark.parametrize("text", ["", "   ", None, 42])
def test_empty_or_non_text_reply_scores_zero(text: object, scanner: BannedWordScanner) -> None:
    a = grade_reply(text, SHOP_POINTS, scanner=scanner)  # type: ignore[arg-type]
    assert a.score == 0
    assert a.cap_reason == "empty"
    assert a.explain() == ["未作答：0 分。"]
    assert all(not r.hit for r in a.key_points)


def test_regex_key_points_and_full_width_text(scanner: BannedWordScanner) -> None:
    size = KeyPointSpec((), regexes=(r"[smlx]{1,3}码",), id="size")
    a = grade_reply("亲，建议您拍Ｍ码哦", (size,), scanner=scanner)
    assert a.key_points[0].hit
    span = a.key_points[0].spans[0]
    assert (span.word, span.start, span.end) == ("Ｍ码", 6, 8)
    assert a.key_points[0].label == "size"


# -- matcher cache ---------------------------------------------------------------------------------


def test_matcher_is_built_once_per_key_point_list(scanner: BannedWordScanner) -> None:
    cache: dict[tuple[KeyPointSpec, ...], object] = {}
    grade_reply("亲，支持七天无理由退换哦", SHOP_POINTS, scanner=scanner, matcher_cache=cache)  # type: ignore[arg-type]
    matcher = cache[SHOP_POINTS]
    grade_reply("亲，顺丰发货哦", SHOP_POINTS, scanner=scanner, matcher_cache=cache)  # type: ignore[arg-type]
    assert cache == {SHOP_POINTS: matcher}
    # without a cache the module LRU cache returns the same compiled matcher
    assert matcher_for(list(SHOP_POINTS)) is matcher_for(SHOP_POINTS)


def test_duplicate_or_empty_ids_are_fine() -> None:
    points = (KeyPointSpec(("抱歉",), id="a"), KeyPointSpec(("补发",), id="a"), KeyPointSpec(("拍照",)))
    results, coverage = match_key_points("抱歉，给您补发", points)
    assert [r.hit for r in results] == [True, True, False]
    assert coverage == pytest.approx(2 / 3)


def test_broken_key_point_raises() -> None:
    with pytest.raises(ValueError, match="bad regex"):
        match_key_points("x", (KeyPointSpec((), regexes=("(",)),))


def test_rules_are_hashable_for_caching() -> None:
    assert hash(ReplyRules()) == hash(ReplyRules())


def test_breakdown_adds_up(scanner: BannedWordScanner) -> None:
    a = grade_reply("亲，支持七天无理由退换哦", SHOP_POINTS, scanner=scanner)
    parts = a.breakdown()
    assert [label for label, _, _ in parts] == ["要点", "礼貌用语", "合规", "字数"]
    assert sum(got for _, got, _ in parts) == pytest.approx(a.score, abs=1e-3)
    assert sum(top for _, _, top in parts) == pytest.approx(100)


def test_long_text_is_graded(scanner: BannedWordScanner) -> None:
    # an essay-length answer: the stuffing check stays linear in the text
    text = "亲，我们支持七天无理由退换，下单送运费险，默认顺丰发货哦。" * 150
    a = grade_reply(text, SHOP_POINTS, scanner=scanner, rules=ReplyRules(max_chars=None))
    assert a.coverage == 1.0 and not a.keyword_stuffing and a.score == 100
