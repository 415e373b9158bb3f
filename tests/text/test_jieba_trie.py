"""The trie dictionary segments exactly as jieba's own dict does (cstrainer/text/jieba_trie.py)."""

from __future__ import annotations

import marshal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cstrainer.text.segment import _import_jieba

ROOT = Path(__file__).resolve().parents[2]
# product, brand and scene terms of the kind the app adds (some split the dictionary's words)
USER_TERMS = ("七天无理由退换", "柔顺剂", "云朵牌", "保价", "小米手环", "顺丰包邮", "运费险", "退款")


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Any]:
    """jieba's own tokenizer and ours, on the same dictionary, with the same user terms."""
    jieba = _import_jieba()
    from cstrainer.text.jieba_trie import TrieFreq, TrieTokenizer

    stock = jieba.Tokenizer()
    stock.tmp_dir = str(tmp_path_factory.mktemp("jieba"))
    stock.cache_file = "stock.cache"
    stock.initialize()
    ours = TrieTokenizer()
    path = tmp_path_factory.mktemp("trie") / "d.trie"
    TrieFreq.from_dict(stock.FREQ).save(path, "v", stock.total)
    loaded = TrieFreq.load(path, "v")
    assert loaded is not None
    ours.FREQ, ours.total = loaded
    ours.initialized = True
    for term in USER_TERMS:
        stock.add_word(term)
        ours.add_word(term)
    stock.add_word("理由退", 50)  # a term added with a frequency, and a word deleted
    ours.add_word("理由退", 50)
    stock.del_word("下单")
    ours.del_word("下单")
    return stock, ours


def _shipped_lines() -> list[str]:
    lines: list[str] = []
    for folder in ("question_bank", "scripts_library"):
        for path in sorted((ROOT / folder).rglob("*")):
            if path.suffix in {".yaml", ".md", ".csv", ".json"}:
                text = path.read_text("utf-8", errors="ignore")
                lines += [line for line in text.splitlines() if line.strip()]
    return lines


def test_the_shipped_content_segments_exactly_as_with_jiebas_dict(pair: tuple[Any, Any]) -> None:
    stock, ours = pair
    lines = _shipped_lines()[::4]  # every fourth line: about 5,000 lines of every kind of text
    assert len(lines) > 3000
    for hmm in (True, False):
        assert [ours.lcut(t, HMM=hmm) for t in lines] == [stock.lcut(t, HMM=hmm) for t in lines]
    sample = lines[::5]
    assert [ours.lcut_for_search(t) for t in sample] == [stock.lcut_for_search(t) for t in sample]
    assert [list(ours.tokenize(t)) for t in sample] == [list(stock.tokenize(t)) for t in sample]
    assert [ours.lcut(t, cut_all=True) for t in sample] == [stock.lcut(t, cut_all=True) for t in sample]
    # one long run of Chinese without a break (the trie is asked for at most its longest key)
    import re

    long_run = "".join(re.findall(r"[\u4e00-\u9fff]+", "".join(lines)))[:4000]
    long_run += "七天无理由退换柔顺剂七天无理由退换"
    assert ours.lcut(long_run) == stock.lcut(long_run)
    assert ours.lcut(long_run, HMM=False) == stock.lcut(long_run, HMM=False)


@settings(max_examples=200, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from(
            list("亲您好的最近七天无理由退换柔顺剂云朵牌保价小米手环下单包邮运费险款码ＳxL0，。 ")
        ),
        max_size=30,
    )
)
def test_any_text_segments_exactly_as_with_jiebas_dict(pair: tuple[Any, Any], text: str) -> None:
    stock, ours = pair
    assert ours.lcut(text) == stock.lcut(text)
    assert ours.lcut(text, HMM=False) == stock.lcut(text, HMM=False)


def test_the_dictionary_answers_as_jiebas_dict(pair: tuple[Any, Any]) -> None:
    stock, ours = pair
    for key in ("中国", "中", "七天无理由退换", "七天无理", "理由退", "下单", "柔顺", "𠀀不在", ""):
        assert (key in ours.FREQ) == (key in stock.FREQ), key
        assert ours.FREQ.get(key) == stock.FREQ.get(key), key
        assert ours.FREQ.get(key, -1) == stock.FREQ.get(key, -1), key
    assert ours.FREQ["中国"] == stock.FREQ["中国"]
    with pytest.raises(KeyError):
        ours.FREQ["𠀀不在"]
    assert ours.total == stock.total
    assert ours.suggest_freq("手环", False) == stock.suggest_freq("手环", False)


def test_a_cache_of_another_jieba_or_damaged_is_not_used(tmp_path: Path) -> None:
    from cstrainer.text.jieba_trie import TrieFreq

    path = tmp_path / "d.trie"
    TrieFreq.from_dict({"中": 0, "中国": 5, "国": 3}).save(path, "0.42.1", 8)
    loaded = TrieFreq.load(path, "0.42.1")
    assert loaded is not None and loaded[1] == 8 and loaded[0]["中国"] == 5 and loaded[0]["中"] == 0
    assert TrieFreq.load(path, "0.43.0") is None  # another jieba: rebuilt
    with path.open("wb") as f:  # an older format of ours: rebuilt
        marshal.dump((1, "0.42.1", 8, 3), f)
    assert TrieFreq.load(path, "0.42.1") is None
    TrieFreq.from_dict({"中": 0, "中国": 5, "国": 3}).save(path, "0.42.1", 8)
    assert TrieFreq.load(tmp_path / "missing.trie", "0.42.1") is None
    path.write_bytes(path.read_bytes()[:-3])
    with pytest.raises(ValueError, match="damaged"):
        TrieFreq.load(path, "0.42.1")
    assert not list(tmp_path.glob("*.tmp"))  # written through a temporary file, renamed
