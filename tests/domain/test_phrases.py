"""Phrase items, placeholders, the typing drill (字/分, 错一罚五) and the shortcut-recall check."""

from __future__ import annotations

import pytest

from cstrainer.domain.phrases import (
    PhraseItem,
    check_recall,
    fill_placeholders,
    placeholders_in,
    score_typing,
)

HELLO = PhraseItem(
    key="qinyu.yb1",
    brand="qinyu",
    scene="迎宾",
    intent="问候",
    shortcut="yb1",
    text="亲爱的{顾客昵称}，您好呀~ 欢迎光临沁语旗舰店，有什么可以帮您？",
    tags=("问候",),
)


def test_phrase_item_dict_round_trip() -> None:
    assert PhraseItem.from_dict(HELLO.to_dict()) == HELLO
    shared = PhraseItem("s.x", None, "送别", "道别", "sb1", "再见")
    assert "brand" not in shared.to_dict() and "tags" not in shared.to_dict()
    assert PhraseItem.from_dict({**shared.to_dict(), "brand": ""}).brand is None


def test_fill_placeholders_fills_known_and_leaves_missing_visible() -> None:
    text = "{顾客昵称}您好，{商品名}已发货，订单{订单号}，{未知}"
    filled = fill_placeholders(text, {"顾客昵称": "小美", "商品名": "柔顺剂", "订单号": ""})
    assert filled == "小美您好，柔顺剂已发货，订单{订单号}，{未知}"
    assert placeholders_in(text) == ["顾客昵称", "商品名", "订单号", "未知"]
    assert fill_placeholders("没有占位符", {"顾客昵称": "x"}) == "没有占位符"


def test_typing_perfect() -> None:
    result = score_typing("您好欢迎光临", "您好欢迎光临", 30)
    assert (result.correct, result.errors) == (6, 0)
    assert result.accuracy == 1.0
    assert result.cpm == pytest.approx(12.0)  # 6 characters in half a minute
    assert result.net_cpm == pytest.approx(12.0)


def test_typing_one_wrong_character_costs_five() -> None:
    # GIVEN a 12-character target typed with one wrong character in 60 seconds
    target = "亲您好欢迎光临本店有什"
    typed = "亲您好欢迎光临本店有甚"
    result = score_typing(target, typed, 60)
    # THEN the wrong one counts once and cancels five correct ones (错一罚五)
    assert (result.correct, result.wrong, result.missing, result.extra) == (10, 1, 0, 0)
    assert result.net_correct == 5
    assert result.net_cpm == pytest.approx(5.0)
    assert result.accuracy == pytest.approx(10 / 11)


def test_typing_missing_character_does_not_shift_the_rest() -> None:
    result = score_typing("您好欢迎光临", "您好迎光临", 60)
    assert (result.correct, result.missing, result.wrong, result.extra) == (5, 1, 0, 0)
    assert [op.op for op in result.ops] == ["equal", "delete", "equal"]


def test_typing_extra_characters_are_errors() -> None:
    result = score_typing("您好", "您您好好", 60)
    assert (result.correct, result.extra) == (2, 2)
    assert result.net_correct == 0  # never negative


def test_typing_counts_committed_text_and_handles_zero_time() -> None:
    # Windows line breaks are one character; zero seconds gives zero speed, not a crash.
    result = score_typing("a\nb", "a\r\nb", 0)
    assert result.errors == 0 and result.cpm == 0.0
    assert score_typing("", "", 1).accuracy == 1.0
    with pytest.raises(ValueError):
        score_typing("a", "a", -1)
    with pytest.raises(ValueError):
        score_typing("a", "a", float("nan"))


def test_recall_accepts_shortcut_or_near_identical_text() -> None:
    assert check_recall(HELLO, "yb1")
    assert check_recall(HELLO, " ＹＢ1 ")  # full-width letters from a Chinese input method
    assert check_recall(HELLO, "亲爱的，您好呀 欢迎光临沁语旗舰店，有什么可以帮您")
    assert check_recall(HELLO, "亲爱的您好呀欢迎光临沁语旗舰店有什么可以帮你")  # one slip
    assert not check_recall(HELLO, "yb2")
    assert not check_recall(HELLO, "")
    assert not check_recall(HELLO, "亲，在的，请问有什么可以帮您")
