"""The import's search-term cache (cstrainer/text/search_cache.py) gives exactly the terms of
cstrainer.text.search_terms, block by block, on real content and on random text."""

from __future__ import annotations

import random
from pathlib import Path

import yaml

from cstrainer import text
from cstrainer.text.search_cache import SearchTermCache

ROOT = Path(__file__).resolve().parents[2]
ALPHABET = (
    "顾客问运费险七天无理由退货洗衣液沁屿轻廓尺码的了吗是不"
    "abcXYZ019+#&._%-"
    " \t\n\r，。！？、；：“”（）《》—…"
    "ＡＢＣ１２３ｘ"  # full width: NFKC makes them ASCII
    "éñカタ한국\u0301\u00a0\u3000①²"
)


def _texts_of(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [t for v in value.values() for t in _texts_of(v)]
    if isinstance(value, list):
        return [t for v in value for t in _texts_of(v)]
    return []


def test_same_terms_as_search_terms_on_the_shipped_questions() -> None:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    texts = []
    for path in sorted((ROOT / "question_bank").glob("*.yaml")):
        texts += _texts_of(yaml.load(path.read_text(encoding="utf-8"), Loader=loader))
    texts = texts[::3]  # a third is plenty (and keeps the test short)
    assert len(texts) > 500
    cache = SearchTermCache()
    for t in texts:
        assert cache(t) == text.search_terms(t), t


def test_same_terms_as_search_terms_on_random_text() -> None:
    rng = random.Random(9)
    cache = SearchTermCache()
    for _ in range(1500):
        t = "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 40)))
        assert cache(t) == text.search_terms(t), repr(t)


def test_a_new_cache_sees_terms_added_to_the_segmenter() -> None:
    from cstrainer.text.segment import Segmenter, default_segmenter

    default_segmenter().ensure_ready()
    cache_file = default_segmenter().cache_file
    assert cache_file is not None
    own = Segmenter(cache_dir=cache_file.parent)  # not the shared one: its terms stay as they are
    word = "沁屿香氛柔顺喷雾"
    before = SearchTermCache(own)(word)
    own.add_terms([word])
    assert SearchTermCache(own)(word) == own.search_terms(word)
    assert word in own.search_terms(word) and word not in before
