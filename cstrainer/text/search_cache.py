"""Search terms of many texts at once (an import of thousands of questions), each distinct block
of text segmented once.

jieba cuts a text block by block: a block is a run of Chinese characters, latin letters, digits
and ``+#&._%-`` (jieba's ``re_han_default``), everything between is handled a character at a
time, and no word spans two blocks. So the search terms of a text are the terms of its blocks
and of the pieces between them, in order, and a block met again ("顾客问", "七天无理由退货",
"请问") need not be cut again. :class:`SearchTermCache` gives exactly what
:func:`cstrainer.text.search_terms` gives (a test compares them on the shipped content and on
random text); it is meant to live as long as one batch, as adding user terms to the segmenter
changes how a block is cut.
"""

from __future__ import annotations

import unicodedata

from cstrainer.text.segment import Segmenter, _import_jieba, default_segmenter

__all__ = ["SearchTermCache"]


class SearchTermCache:
    """``cache(text)`` == ``segmenter.search_terms(text)``, remembering every block's terms."""

    def __init__(self, segmenter: Segmenter | None = None) -> None:
        self._segmenter = segmenter or default_segmenter()
        self._split = _import_jieba().re_han_default.split
        self._seen: dict[str, list[str]] = {}

    def __call__(self, text: str) -> list[str]:
        if not text:
            return []
        seen, search_terms = self._seen, self._segmenter.search_terms
        out: list[str] = []
        # NFKC first, as search_terms does (it is idempotent, so the pieces' own NFKC is a no-op)
        for piece in self._split(unicodedata.normalize("NFKC", text)):
            if not piece:
                continue
            found = seen.get(piece)
            if found is None:
                found = seen[piece] = search_terms(piece)
            out.extend(found)
        return out
