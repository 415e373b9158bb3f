"""Release ordering, the diff between releases (jieba-token highlighting) and the quiz."""

from __future__ import annotations

import json
from datetime import date

import pytest

from cstrainer.domain.phrase_release import (
    ReleaseStamp,
    diff_releases,
    make_quiz,
    token_ops,
)
from cstrainer.domain.phrases import PhraseItem


def item(key: str, text: str, shortcut: str | None = None, scene: str = "迎宾", **kw: object) -> PhraseItem:
    data: dict[str, object] = {
        "key": key,
        "brand": "qinyu",
        "scene": scene,
        "intent": "问候",
        "shortcut": shortcut or key.split(".")[-1],
        "text": text,
    }
    data.update(kw)
    return PhraseItem.from_dict(data)


OLD = [
    item("qinyu.yb1", "亲，您好，欢迎光临沁语旗舰店！"),
    item("qinyu.yb2", "在的亲，请问有什么可以帮您？"),
    item("qinyu.cf1", "亲，您的订单还没有付款哦", scene="催付"),
    item("qinyu.sb1", "感谢光临，祝您生活愉快", scene="送别"),
]
NEW = [
    item("qinyu.yb1", "亲，您好，欢迎来到沁语旗舰店！"),  # text changed
    item("qinyu.yb2", "在的亲，请问有什么可以帮您？", shortcut="zd1"),  # shortcut changed
    item("qinyu.cf1", "亲，您的订单还没有付款哦", scene="催付", tags=["催付"]),  # tags changed
    item("qinyu.cf2", "亲，库存紧张，尽快付款可以优先发货哦", scene="催付"),  # added
]


def test_stamp_order_is_date_then_version_numbers() -> None:
    a = ReleaseStamp("2026.11.9", date(2026, 11, 23))
    b = ReleaseStamp("2026.11.10", date(2026, 11, 23))
    c = ReleaseStamp("2026.11.1", date(2026, 12, 7))
    assert a.is_older_than(b) and b.is_older_than(c)
    assert not b.is_older_than(a) and not a.is_older_than(a)


def test_diff_added_removed_changed() -> None:
    diff = diff_releases(OLD, NEW)
    assert [i.key for i in diff.added] == ["qinyu.cf2"]
    assert [i.key for i in diff.removed] == ["qinyu.sb1"]
    changed = {c.key: c for c in diff.changed}
    assert changed["qinyu.yb1"].fields == ("text",)
    assert changed["qinyu.yb2"].fields == ("shortcut",)
    assert changed["qinyu.yb2"].text_ops == ()
    assert changed["qinyu.cf1"].fields == ("tags",)
    assert not diff.is_empty
    assert diff_releases(NEW, NEW).is_empty


def test_text_change_is_highlighted_by_jieba_tokens() -> None:
    change = next(c for c in diff_releases(OLD, NEW).changed if c.key == "qinyu.yb1")
    ops = change.text_ops
    assert "".join(op.old for op in ops) == change.old.text
    assert "".join(op.new for op in ops) == change.new.text
    edits = [(op.op, op.old, op.new) for op in ops if op.op != "equal"]
    # whole jieba words change, not single characters (欢迎光临 is one word in jieba's dictionary)
    assert edits == [("replace", "欢迎光临", "欢迎来到")]


def test_token_ops_insert_delete_with_custom_tokenizer() -> None:
    ops = token_ops("abc", "acd", tokenize=list)
    assert [(o.op, o.old, o.new) for o in ops] == [
        ("equal", "a", "a"),
        ("delete", "b", ""),
        ("equal", "c", "c"),
        ("insert", "", "d"),
    ]
    # a tokenizer that loses characters falls back to characters, so the ops still rebuild the text
    lossy = token_ops("a b", "a c", tokenize=lambda s: s.split())
    assert "".join(o.new for o in lossy) == "a c"


def test_tag_order_is_not_a_change_and_duplicate_keys_are_refused() -> None:
    a = [item("k.a", "x", tags=["1", "2"])]
    b = [item("k.a", "x", tags=["2", "1"])]
    assert diff_releases(a, b).is_empty
    with pytest.raises(ValueError):
        diff_releases(a + a, b)


def test_diff_to_json_is_serialisable() -> None:
    data = diff_releases(OLD, NEW).to_json()
    text = json.dumps(data, ensure_ascii=False)
    assert "来到" in text
    assert set(data) == {"added", "removed", "changed"}
    assert data["changed"][0]["text_ops"][0]["op"] in {"equal", "insert", "delete", "replace"}


def test_quiz_is_seeded_and_well_formed() -> None:
    diff = diff_releases(OLD, NEW)
    quiz = make_quiz(diff, NEW, seed=7, n=5)
    assert quiz == make_quiz(diff, NEW, seed=7, n=5)
    assert 1 <= len(quiz) <= 5
    for q in quiz:
        assert len(set(q.options)) == len(q.options) >= 2
        assert 0 <= q.answer < len(q.options)
        assert q.explanation and q.prompt
    # the wording question for yb1 offers the new and the old wording, the new one is right
    wording = [q for q in make_quiz(diff, NEW, seed=1, n=20) if q.kind == "wording" and q.key == "qinyu.yb1"]
    assert wording
    q = wording[0]
    assert q.correct_option == "亲，您好，欢迎来到沁语旗舰店！"
    assert "亲，您好，欢迎光临沁语旗舰店！" in q.options
    assert len(q.options) == 3
    # the shortcut question for yb2 offers zd1 (right) and yb2 (the old one)
    shortcut = [
        q for q in make_quiz(diff, NEW, seed=1, n=20) if q.kind == "shortcut" and q.key == "qinyu.yb2"
    ]
    assert shortcut and shortcut[0].correct_option == "zd1" and "yb2" in shortcut[0].options
    assert shortcut[0].is_correct(shortcut[0].answer)


def test_quiz_covers_distinct_phrases_first_and_handles_empty_diff() -> None:
    diff = diff_releases(OLD, NEW)
    quiz = make_quiz(diff, NEW, seed=3, n=3)
    assert len({q.key for q in quiz}) == 3
    assert make_quiz(diff_releases(NEW, NEW), NEW, seed=3) == []
    assert make_quiz(diff, NEW, seed=3, n=0) == []
