from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cstrainer.text.keywords import KeyPoint, KeywordMatcher, Span, coverage, match_key_points
from cstrainer.text.normalize import fold
from cstrainer.text.segment import Segmenter

GREETING = KeyPoint("greeting", ("亲", "您好", "你好"))
RETURNS = KeyPoint("returns", ("七天无理由", "7天无理由", "无理由退换"), weight=2.0, feedback="说明退换政策")
SIZE = KeyPoint("size", (), regexes=(r"[smlx]{1,3}码",))
MOST = KeyPoint("most", ("最",))
REFUND = KeyPoint("refund", ("退",))


def spans_of(text: str, kp: KeyPoint, segmenter: Segmenter) -> tuple[Span, ...]:
    (result,) = KeywordMatcher([kp], segmenter).match(text)
    return result.spans


def test_hits_report_spans_in_the_original_text(segmenter: Segmenter) -> None:
    text = "亲，您好！支持七天无理由退换哦"
    greet, returns = KeywordMatcher([GREETING, RETURNS], segmenter).match(text)

    assert greet.hit
    assert greet.spans == (Span("亲", 0, 1), Span("您好", 2, 4))
    assert returns.hit
    assert Span("七天无理由", 7, 12) in returns.spans
    assert all(text[s.start : s.end] == s.word for s in greet.spans + returns.spans)


def test_misses(segmenter: Segmenter) -> None:
    (result,) = KeywordMatcher([RETURNS], segmenter).match("不支持退货")
    assert not result.hit
    assert result.spans == ()
    assert result.key_point is RETURNS


def test_single_character_synonym_does_not_hit_inside_longer_words(segmenter: Segmenter) -> None:
    assert spans_of("最近比较忙", MOST, segmenter) == ()
    assert spans_of("点击退出登录", REFUND, segmenter) == ()
    # ...but does hit where it is a word of its own
    assert spans_of("不满意可以退", REFUND, segmenter) == (Span("退", 5, 6),)


def test_hmm_guesses_do_not_hide_synonyms(segmenter: Segmenter) -> None:
    # jieba's HMM would segment these as 险是 and 码有 / 最软
    assert spans_of("运费险是下单自动送的", KeyPoint("insurance", ("运费险",)), segmenter) == (
        Span("运费险", 0, 3),
    )
    assert spans_of("亲，s码有货", KeyPoint("size", ("S码",)), segmenter) == (Span("s码", 2, 4),)
    assert spans_of("这款最软", MOST, segmenter) == (Span("最", 2, 3),)


def test_synonym_still_matches_inside_a_longer_user_term(segmenter: Segmenter) -> None:
    # GIVEN the trainer added the whole scene phrase as a user term
    segmenter.add_terms(["七天无理由退换"])
    text = "本店支持七天无理由退换"
    assert "七天无理由退换" in segmenter.words(text)

    # THEN the shorter synonyms still match at the term's inner word boundaries
    spans = spans_of(text, RETURNS, segmenter)
    assert Span("七天无理由", 4, 9) in spans
    assert Span("无理由退换", 6, 11) in spans
    # AND a single character inside a word of the term still does not
    assert spans_of(text, REFUND, segmenter) == ()


def test_full_width_and_case_are_folded_but_offsets_stay(segmenter: Segmenter) -> None:
    kp = KeyPoint("size", ("S码",))
    text = "亲，ｓ码有货"
    assert spans_of(text, kp, segmenter) == (Span("ｓ码", 2, 4),)


def test_regex_key_points_report_every_match(segmenter: Segmenter) -> None:
    text = "S码和XL码都有，M码没了"
    spans = spans_of(text, SIZE, segmenter)
    assert [s.word for s in spans] == ["S码", "XL码", "M码"]
    assert [s.start for s in spans] == sorted(s.start for s in spans)


def test_every_occurrence_is_reported_sorted(segmenter: Segmenter) -> None:
    spans = spans_of("亲，好的亲，谢谢亲", GREETING, segmenter)
    assert [s.start for s in spans] == [0, 4, 8]


def test_weighted_coverage(segmenter: Segmenter) -> None:
    a = KeyPoint("a", ("您好",), weight=1)
    b = KeyPoint("b", ("退货",), weight=2)
    c = KeyPoint("c", ("运费险",), weight=3)
    matcher = KeywordMatcher([a, b, c], segmenter)

    assert matcher.coverage("您好，有运费险的") == pytest.approx(4 / 6)
    assert matcher.coverage("") == 0.0
    assert KeywordMatcher([], segmenter).coverage("随便") == 1.0
    assert KeywordMatcher([KeyPoint("z", ("您好",), weight=0)], segmenter).coverage("不相关") == 1.0


def test_module_functions(segmenter: Segmenter) -> None:
    kps = [GREETING, RETURNS, MOST]
    text = "亲，七天无理由退换"
    assert match_key_points(text, kps) == KeywordMatcher(kps, segmenter).match(text)
    assert coverage(text, kps) == pytest.approx(3 / 4)
    assert coverage("随便", []) == 1.0


def test_key_point_validation() -> None:
    kp = KeyPoint("x", ["甲", "乙"], regexes=["丙"])  # type: ignore[arg-type]
    assert kp.synonyms == ("甲", "乙") and kp.regexes == ("丙",)
    hash(kp)
    with pytest.raises(ValueError, match="neither"):
        KeyPoint("empty", ("  ",))
    with pytest.raises(ValueError, match="weight"):
        KeyPoint("neg", ("甲",), weight=-1)
    with pytest.raises(ValueError):
        KeyPoint("", ("甲",))


def test_matcher_rejects_duplicate_ids_and_bad_regexes(segmenter: Segmenter) -> None:
    with pytest.raises(ValueError, match="duplicate"):
        KeywordMatcher([GREETING, GREETING], segmenter)
    with pytest.raises(ValueError, match="bad"):
        KeywordMatcher([KeyPoint("bad", (), regexes=("([",))], segmenter)


WORDS = [
    "亲",
    "您好",
    "最",
    "最近",
    "退",
    "退出",
    "退货",
    "七天",
    "无理由",
    "S码",
    "ｘｌ码",
    "，",
    "。",
    " ",
    "哦",
]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(WORDS), max_size=15).map("".join))
def test_spans_always_point_at_a_synonym_in_the_original_text(text: str) -> None:
    kps = [GREETING, RETURNS, MOST, REFUND, KeyPoint("s", ("s码", "XL码"))]
    for result in match_key_points(text, kps):
        synonyms = {fold(s) for s in result.key_point.synonyms}
        assert result.hit == bool(result.spans)
        for span in result.spans:
            assert text[span.start : span.end] == span.word
            assert fold(span.word) in synonyms
