"""The import's segmentation worker (cstrainer/text/search_cache.py BlockTermsWorker) cuts texts
exactly as this process does, user terms included; a stale, failed or missing worker gives no
answer (the caller then cuts in-process). Each test starts at most one worker process."""

from __future__ import annotations

from pathlib import Path

import pytest

from cstrainer.text import search_cache
from cstrainer.text.search_cache import (
    BlockTermsWorker,
    SearchTermCache,
    decode_terms,
    distinct_lower,
    encode_terms,
)
from cstrainer.text.segment import Segmenter

TEXTS = [
    "顾客问沁屿香氛柔顺喷雾运费险怎么赔？",
    "七天无理由退货，ＡＢＣ全角 123",
    "café 退货 ñ カタカナ 한국어 e\u0301",
    "沁屿香氛柔顺喷雾",
    "",
    "  ",
    "a.b-c_d%e+f#g&h",
]


@pytest.fixture
def own(segmenter: Segmenter) -> Segmenter:
    """A segmenter of its own (terms added here stay here), sharing the session's cache."""
    assert segmenter.cache_file is not None
    seg = Segmenter(cache_dir=segmenter.cache_file.parent)
    seg.add_terms(["沁屿香氛柔顺喷雾"])
    seg.add_terms(["运费险怎么赔"], freq=5)
    return seg


def test_encode_and_decode_terms() -> None:
    for terms in ([], ["运费险"], ["a", "b c", "退货"]):
        encoded = encode_terms(terms)
        assert encoded is not None and decode_terms(encoded) == terms
    assert encode_terms(["a\x1fb"]) is None


def test_the_worker_cuts_as_this_process_does(own: Segmenter) -> None:
    worker = BlockTermsWorker.start(own)
    assert worker is not None
    try:
        assert worker.result() is None  # nothing finished yet
        worker.submit(TEXTS[:3])
        worker.submit(TEXTS[2:])  # a text twice: sent once
        worker.finish()
        worker.submit(["after finish: ignored"])
        answer = worker.result(timeout=60)
    finally:
        worker.close()
    assert answer is not None
    assert set(answer.texts) == {t for t in TEXTS if t}
    for text, encoded in answer.texts.items():
        assert decode_terms(encoded) == list(distinct_lower(own.search_terms(text))), text
    assert "沁屿香氛柔顺喷雾" in decode_terms(answer.texts["沁屿香氛柔顺喷雾"])  # the user term
    cache = SearchTermCache(own)
    cache.learn(answer.pieces)
    for text in TEXTS:
        assert cache(text) == own.search_terms(text)
    assert cache._seen  # the pieces came from the worker


def test_terms_added_after_the_start_make_the_answer_stale(own: Segmenter) -> None:
    worker = BlockTermsWorker.start(own)
    assert worker is not None
    try:
        worker.submit(TEXTS)
        worker.finish()
        own.add_terms(["香氛柔顺"])
        assert worker.result(timeout=60) is None
        assert worker._done.is_set()  # it did answer, the answer is just not used
    finally:
        worker.close()


def test_a_failing_worker_gives_no_answer(own: Segmenter, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search_cache, "_WORKER_CODE", "import sys; sys.exit(3)")
    worker = BlockTermsWorker.start(own)
    assert worker is not None
    worker.submit(TEXTS)
    worker.finish()
    assert worker.result(timeout=60) is None
    worker.close()
    assert worker._process.returncode is not None


def test_no_worker_where_no_process_can_start(own: Segmenter, monkeypatch: pytest.MonkeyPatch) -> None:
    import subprocess

    def refuse(*args: object, **kwargs: object) -> None:
        raise OSError("no processes here")

    monkeypatch.setattr(subprocess, "Popen", refuse)
    assert BlockTermsWorker.start(own) is None
    monkeypatch.setattr("sys.frozen", True, raising=False)
    assert BlockTermsWorker.start(own) is None


def test_closing_stops_a_worker_that_is_still_waiting(own: Segmenter, tmp_path: Path) -> None:
    worker = BlockTermsWorker.start(own)
    assert worker is not None
    worker.submit(TEXTS)  # never finished: the worker waits for more
    worker.close()
    assert worker._process.returncode is not None
    assert worker.result(timeout=1) is None


def test_block_terms_are_what_the_cache_remembers(own: Segmenter) -> None:
    cache = SearchTermCache(own)
    for text in TEXTS:
        cache(text)
    assert search_cache.block_terms(own, TEXTS) == cache._seen
