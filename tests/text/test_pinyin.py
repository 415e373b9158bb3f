from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cstrainer.text.pinyin import full_pinyin, initials, initials_variants

ALNUM = re.compile(r"[a-z0-9]*\Z")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("你好", "nh"),
        ("亲，在的", "qzd"),
        ("S码", "sm"),
        ("hy1", "hy1"),
        ("ＸＬ码", "xlm"),  # full-width latin folded
        ("  亲~ 😀 在吗？", "qzm"),
        ("七天无理由退换", "qtwlyth"),
        ("", ""),
    ],
)
def test_initials(text: str, expected: str) -> None:
    assert initials(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("你好", "nihao"), ("亲，在的", "qinzaide"), ("绿色", "lvse"), ("S码", "sma"), ("", "")],
)
def test_full_pinyin(text: str, expected: str) -> None:
    assert full_pinyin(text) == expected


def test_polyphone_context_reading_and_variants() -> None:
    assert initials("长大") == "zd"  # pypinyin resolves the phrase
    assert initials_variants("长") == {"c", "z"}
    variants = initials_variants("长大")
    assert "zd" in variants and "cd" in variants


def test_variants_always_include_the_default_and_respect_the_limit() -> None:
    text = "长长长长长长长长长长"
    variants = initials_variants(text, limit=5)
    assert initials(text) in variants
    assert len(variants) == 5
    assert initials_variants("你好", limit=1) == {"nh"}
    with pytest.raises(ValueError):
        initials_variants("你好", limit=0)


def test_results_are_cached() -> None:
    initials.cache_clear()
    initials("欢迎光临")
    initials("欢迎光临")
    assert initials.cache_info().hits >= 1


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=30))
def test_initials_only_yield_ascii_letters_and_digits(text: str) -> None:
    assert ALNUM.match(initials(text))
    assert ALNUM.match(full_pinyin(text))


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("长行重还乐和的了都亲a1，")), max_size=12))
def test_variants_only_yield_ascii_letters_and_digits(text: str) -> None:
    variants = initials_variants(text)
    assert 1 <= len(variants) <= 8
    assert all(ALNUM.match(v) for v in variants)
