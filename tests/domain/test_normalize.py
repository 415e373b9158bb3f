from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cstrainer.domain.normalize import normalize_answer, parse_number

# -- normalize_answer ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("七天无理由", "七天 无理由"),
        ("七天无理由", "  七天无理由。"),
        ("七天无理由", "“七天无理由”！"),
        ("ＶＩＰ会员", "vip会员"),
        ("iPhone 15", "iphone15"),
        ("S码", "ｓ 码"),
        ("１２．５", "12.5"),
        ("1,299", "1299"),
        ("1，299元", "1299元"),
        ("《消费者权益保护法》", "消费者权益保护法"),
        ("顺丰~", "顺丰～"),
        ("好评😊", "好评"),
        ("千牛·工作台", "千牛工作台"),
        ("a\u200db", "ab"),  # zero-width joiner
    ],
)
def test_variants_are_equal(a: str, b: str) -> None:
    assert normalize_answer(a) == normalize_answer(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("12.5", "125"),  # the decimal point between digits stays
        ("七天", "十天"),
        ("s码", "m码"),
    ],
)
def test_different_answers_stay_different(a: str, b: str) -> None:
    assert normalize_answer(a) != normalize_answer(b)


def test_examples() -> None:
    assert normalize_answer("  亲，支持 7 天无理由退换哦！ ") == "亲支持7天无理由退换哦"
    assert normalize_answer("12..5") == "12.5"
    assert normalize_answer("12.") == "12"
    assert normalize_answer(".5") == "5"
    assert normalize_answer("") == ""
    assert normalize_answer(None) == ""  # type: ignore[arg-type]


def test_options() -> None:
    assert normalize_answer("VIP", case=True) == "VIP"
    assert normalize_answer("ＶＩＰ", width=False) == "ｖｉｐ"
    assert normalize_answer("a b", spaces=False) == "a b"
    assert normalize_answer("a,b", punctuation=False) == "a,b"


# -- properties --------------------------------------------------------------------------------

# Text as typed in this domain: CJK, latin, digits, punctuation, spaces, a few odd characters.
_ALPHABET = st.sampled_from(
    list("七天无理由退换货运费险顺丰亲您好的吗哦") + list("abcXYZ0123456789") + list("，。！？、；：“”（）【】《》…—·～,.!?;:()[]- \t\u3000")
    + ["\u200d", "\ufe0f", "😊", "ﬁ", "①", "㎏", "é", "e\u0301", "İ", "ß", "Σ"]
)  # fmt: skip
TEXT = st.lists(_ALPHABET, max_size=30).map("".join) | st.text(max_size=30)


def _no_digit_or_dot(ch: str) -> bool:
    normal = unicodedata.normalize("NFKC", ch)
    return "." not in normal and not any(c.isalnum() for c in normal)


# Insertable noise: whitespace, and punctuation that does not turn into a dot or a letter under NFKC.
NOISE = st.sampled_from(
    [
        c
        for c in " \t\n\u3000，。！？、；：“”‘’（）【】《》…—·～,!?;:()[]{}\"'-_/\\*#@&%^$¥￥😊\u200d"
        if _no_digit_or_dot(c)
    ]
)


@settings(max_examples=300)
@given(TEXT)
def test_idempotent(text: str) -> None:
    once = normalize_answer(text)
    assert normalize_answer(once) == once


def _to_full_width(text: str) -> str:
    return "".join(
        chr(ord(ch) + 0xFEE0) if 0x21 <= ord(ch) <= 0x7E else "\u3000" if ch == " " else ch for ch in text
    )


@settings(max_examples=200)
@given(st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=30))
def test_full_width_equals_half_width(text: str) -> None:
    assert normalize_answer(_to_full_width(text)) == normalize_answer(text)


@settings(max_examples=300)
@given(TEXT, st.lists(st.tuples(st.integers(min_value=0), NOISE), max_size=5))
def test_inserting_spaces_or_punctuation_changes_nothing(text: str, inserts: list[tuple[int, str]]) -> None:
    noisy = text
    for position, ch in inserts:
        at = position % (len(noisy) + 1)
        noisy = noisy[:at] + ch + noisy[at:]
    assert normalize_answer(noisy) == normalize_answer(text)


@settings(max_examples=200)
@given(st.text(alphabet=st.sampled_from(list("abcdefxyzABCXYZ七天无理由 12")), max_size=30))
def test_case_variants_are_equal(text: str) -> None:
    assert normalize_answer(text.upper()) == normalize_answer(text.lower()) == normalize_answer(text)


# -- parse_number ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("12", 12.0),
        ("12.5", 12.5),
        ("１２．５", 12.5),
        (" 12.5 ", 12.5),
        ("1,299", 1299.0),
        ("1，299元", 1299.0),
        ("¥99", 99.0),
        ("￥ 99.9 元", 99.9),
        ("12.5元", 12.5),
        ("500ml", 500.0),
        ("500 ML", 500.0),
        ("30克", 30.0),
        ("5千克", 5.0),
        ("12.5%", 12.5),
        ("48小时", 48.0),
        ("3个工作日", 3.0),
        ("-5", -5.0),
        ("负三", -3.0),
        ("1.5万", 15000.0),
        ("2w", 20000.0),
        ("5k", 5000.0),
        ("5kg", 5.0),
        ("1/2", 0.5),
        ("约20元", 20.0),
        ("十", 10.0),
        ("十二", 12.0),
        ("二十", 20.0),
        ("二十五", 25.0),
        ("一百零五", 105.0),
        ("两千三百", 2300.0),
        ("三万五千", 35000.0),
        ("3万5千", 35000.0),
        ("一亿三千万", 130_000_000.0),
        ("三点五", 3.5),
        ("零点五", 0.5),
        ("十二点零五", 12.05),
        ("二〇二四", 2024.0),
        ("七天", 7.0),
        ("百分之五十", 50.0),
        (".5", 0.5),
    ],
)
def test_parse_number(text: str, value: float) -> None:
    assert parse_number(text) == pytest.approx(value)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "  ",
        "abc",
        "第一",
        "3到5",
        "3-5天",
        "12 15",
        "1,29",
        "nan",
        "inf",
        "1/0",
        "十二三四五六七八",
        "元",
        "-",
        "三点",
    ],
)
def test_not_a_number(text: str) -> None:
    assert parse_number(text) is None


def test_non_string_is_not_a_number() -> None:
    assert parse_number(12) is None  # type: ignore[arg-type]
