from __future__ import annotations

import itertools
import tempfile
import threading
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cstrainer.text import segment
from cstrainer.text.segment import Segmenter, Token

REPLY = "亲，这款柔顺剂支持七天无理由退换哦！S码 适合100斤左右"


def test_tokens_carry_offsets_into_the_original_text(segmenter: Segmenter) -> None:
    toks = segmenter.tokens(REPLY)

    assert all(REPLY[t.start : t.end] == t.word for t in toks)
    # contiguous and complete: nothing dropped, nothing overlapping
    assert toks[0].start == 0
    assert toks[-1].end == len(REPLY)
    assert all(a.end == b.start for a, b in itertools.pairwise(toks))
    assert Token("柔顺剂", 4, 7) in toks


def test_tokens_without_hmm_keep_unknown_characters_apart(segmenter: Segmenter) -> None:
    assert [t.word for t in segmenter.tokens("运费险是下单送的")][:2] == ["运费", "险是"]
    assert [t.word for t in segmenter.tokens("运费险是下单送的", hmm=False)][:3] == ["运费", "险", "是"]


def test_words_match_tokens(segmenter: Segmenter) -> None:
    assert segmenter.words(REPLY) == [t.word for t in segmenter.tokens(REPLY)]


def test_empty_text() -> None:
    assert segment.tokens("") == []
    assert segment.words("") == []
    assert segment.search_terms("") == []


def test_module_functions_use_the_default_segmenter(segmenter: Segmenter) -> None:
    assert segment.default_segmenter() is segmenter
    assert segment.is_ready()
    assert segment.tokens(REPLY) == segmenter.tokens(REPLY)
    assert segment.words(REPLY) == segmenter.words(REPLY)


def test_search_terms_drop_punctuation_and_fold_latin(segmenter: Segmenter) -> None:
    terms = segmenter.search_terms("亲，柔顺剂！ＶＸ Hello  世界。。")

    assert "柔顺剂" in terms
    assert "柔顺" in terms  # search mode also yields the shorter dictionary word
    assert "vx" in terms  # full-width folded, lower-cased
    assert "hello" in terms
    assert all(t.strip() and any(ch.isalnum() for ch in t) for t in terms)
    assert "，" not in terms and " " not in terms


def test_user_terms_added_after_init_stay_whole(segmenter: Segmenter) -> None:
    # GIVEN a product name jieba does not know
    term = "蜜桃臀收腹裤"
    text = f"这条{term}很显瘦"
    assert term not in segmenter.words(text)

    # WHEN the content adds it as a user term
    segmenter.add_terms([term, "  ", ""])

    # THEN it is one token, with the right offsets
    assert Token(term, 2, 8) in segmenter.tokens(text)
    # and the split it had before is remembered for the keyword matcher
    assert segmenter.term_splits(term)
    assert segmenter.term_splits("不是用户词") == ()


def test_user_terms_with_latin_letters_match_folded_text(segmenter: Segmenter) -> None:
    segmenter.add_terms(["ＸＬ加大码"])

    assert "xl加大码" in segmenter.words("这款xl加大码有货")


def test_warm_up_future_is_reused(segmenter: Segmenter) -> None:
    first = segmenter.warm_up_in_background()
    assert first.result(timeout=60) is None
    assert segmenter.warm_up_in_background() is first


def test_fresh_segmenter_cache_terms_threads_and_silence(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    # GIVEN an empty CSTRAINER_HOME and a segmenter that has not loaded anything
    monkeypatch.setenv("CSTRAINER_HOME", str(tmp_path))
    seg = Segmenter()
    seg.add_terms(["七天无理由退换", "柔顺剂"])  # queued: the dictionary is not loaded yet
    assert not seg.is_ready()
    assert seg.cache_file is None

    # WHEN it warms up in the background while four threads already ask for tokens
    future = seg.warm_up_in_background()
    results: list[list[Token]] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            results.append(seg.tokens("支持七天无理由退换"))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    future.result(timeout=120)

    # THEN every thread got the same answer, with the queued user term kept whole
    assert not errors
    assert len(results) == 4
    assert all(r == results[0] for r in results)
    assert Token("七天无理由退换", 2, 9) in results[0]
    assert seg.is_ready()

    # AND the cache file lives in the app's cache folder, not in the shared temp folder
    assert seg.cache_file is not None
    assert seg.cache_file.parent == tmp_path / "cache"
    assert seg.cache_file.is_file() and seg.cache_file.stat().st_size > 1_000_000
    assert seg.cache_file.parent != Path(tempfile.gettempdir())

    # AND jieba printed nothing
    out, err = capfd.readouterr()
    assert out == ""
    assert err == ""


cjk_and_more = st.text(
    alphabet=st.sampled_from(
        list("亲您好的最近第一次退出七天无理由退换柔顺剂收腹裤码ＳＶｘ Sxl019，。！?\n\t~😀")
    ),
    max_size=40,
)


@settings(max_examples=150, deadline=None)
@given(cjk_and_more)
def test_tokens_always_tile_the_text(text: str) -> None:
    toks = segment.tokens(text)
    assert "".join(t.word for t in toks) == text
    position = 0
    for tok in toks:
        assert tok.start == position
        assert text[tok.start : tok.end] == tok.word
        position = tok.end


def test_dictionary_loads_from_the_trie_cache_and_survives_a_damaged_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a home whose cache folder holds only our trie cache (jieba's own one removed)
    monkeypatch.setenv("CSTRAINER_HOME", str(tmp_path))
    first = Segmenter()
    first.ensure_ready()
    trie = first.cache_file
    assert trie is not None and trie.suffix == ".trie" and trie.is_file()
    jieba_cache = trie.with_suffix(".cache")
    assert jieba_cache.is_file()
    jieba_cache.unlink()
    # WHEN a new segmenter starts
    second = Segmenter()
    second.ensure_ready()
    # THEN it segments exactly as the first, without rebuilding jieba's cache
    assert second.tokens(REPLY) == first.tokens(REPLY)
    assert second._tokenizer.total == first._tokenizer.total
    assert second._tokenizer.FREQ.counts == first._tokenizer.FREQ.counts
    assert not jieba_cache.exists()
    # AND a damaged cache is rebuilt from jieba instead of failing
    trie.write_bytes(trie.read_bytes()[: trie.stat().st_size // 2])
    third = Segmenter()
    third.ensure_ready()
    assert third.tokens(REPLY) == first.tokens(REPLY)
    assert trie.stat().st_size > 1_000_000 and jieba_cache.exists()
