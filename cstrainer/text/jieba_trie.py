"""jieba's prefix dictionary in a marisa trie: the same segmentation in 5 MB instead of 70 MB.

jieba keeps its dictionary as a Python dict, ``FREQ``: every word (349,000) with its frequency,
plus every prefix of a word with 0, about 500,000 entries. As Python strings and a dict that is
about 70 MB, over a quarter of the app's memory, and loading it takes a few hundred ms of CPU.

Here the same keys sit in a ``marisa_trie.Trie`` (1.3 MB) with their frequencies in an array in
the trie's key order (4 MB), loaded from one cache file in a few milliseconds. :class:`TrieFreq`
answers what jieba asks ``FREQ`` (``in``, ``get``, ``[]``, assignment for words added at run
time). :class:`TrieTokenizer` overrides the two methods that walk the dictionary for every
character, ``get_DAG`` and ``calc``, to ask the trie for all dictionary words starting at a
position in one call. Their results are those of jieba's own methods: a test segments every
shipped text both ways.

Words added at run time (``add_word``: product names, brand names, scene terms) change the
frequency array when the trie holds them, and otherwise go to a small dict next to the trie, with
the set of all their prefixes. (So a dictionary is saved before such words are added.)
"""

from __future__ import annotations

import marshal
import os
from array import array
from collections.abc import Mapping
from math import log
from pathlib import Path
from typing import Any

import jieba
import marisa_trie

_FORMAT = 2
_MISSING: Any = object()


class TrieFreq:
    """What jieba's ``Tokenizer.FREQ`` dict is, over a trie: key -> frequency, 0 for a prefix."""

    __slots__ = ("counts", "extra", "extra_prefixes", "max_len", "trie")

    def __init__(self, trie: marisa_trie.Trie, counts: array[int], max_len: int) -> None:
        if len(counts) != len(trie):
            raise ValueError(f"{len(trie)} keys but {len(counts)} frequencies")
        self.trie = trie
        self.counts = counts  # frequency by trie key id (a key set at run time changes it here)
        self.max_len = max_len  # the longest key: no word starting at a position is longer
        self.extra: dict[str, int] = {}  # keys the trie does not hold, set at run time (add_word)
        self.extra_prefixes: set[str] = set()  # every prefix of every key in ``extra``

    @classmethod
    def from_dict(cls, freq: Mapping[str, int]) -> TrieFreq:
        trie = marisa_trie.Trie(freq.keys())
        counts = array("q", bytes(8 * len(trie)))
        for key, value in freq.items():
            counts[trie[key]] = value
        return cls(trie, counts, max(map(len, freq), default=0))

    def get(self, key: str, default: Any = None) -> Any:
        i = self.trie.get(key)
        return self.extra.get(key, default) if i is None else self.counts[i]

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and (key in self.trie or key in self.extra)

    def __getitem__(self, key: str) -> int:
        value = self.get(key, _MISSING)
        if value is _MISSING:
            raise KeyError(key)
        return int(value)

    def __setitem__(self, key: str, value: int) -> None:
        i = self.trie.get(key)
        if i is not None:
            self.counts[i] = value
        else:
            self.extra[key] = value
            self.extra_prefixes.update(key[:n] for n in range(1, len(key) + 1))

    def __len__(self) -> int:
        return len(self.trie) + len(self.extra)

    # -- the cache file ----------------------------------------------------------------------------

    def save(self, path: Path, version: str, total: int) -> None:
        """Write trie and frequencies to ``path`` (through a temporary file: never half-written)."""
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        with tmp.open("wb") as f:
            marshal.dump((_FORMAT, version, total, len(self.trie), self.max_len), f)
            marshal.dump(self.trie.tobytes(), f)
            marshal.dump(self.counts.tobytes(), f)
        os.replace(tmp, path)

    @classmethod
    def load(cls, path: Path, version: str) -> tuple[TrieFreq, int] | None:
        """The dictionary and jieba's ``total`` from ``path``, or None when the file is missing,
        from another jieba or another format. A damaged file raises ValueError (or OSError)."""
        try:
            f = path.open("rb")
        except FileNotFoundError:
            return None
        with f:
            try:
                header = marshal.load(f)
                if not isinstance(header, tuple) or header[:2] != (_FORMAT, version):
                    return None
                total, keys, max_len = header[2], header[3], header[4]
                trie = marisa_trie.Trie().frombytes(marshal.load(f))
                counts = array("q")
                counts.frombytes(marshal.load(f))
            except (EOFError, TypeError, IndexError, RuntimeError) as exc:
                raise ValueError(f"damaged dictionary cache: {exc}") from exc
        if len(trie) != keys:
            raise ValueError(f"damaged dictionary cache: {len(trie)} keys, {keys} expected")
        return cls(trie, counts, max_len), total


class _DAG(dict[int, list[int]]):
    """jieba's DAG (position -> end positions of the words starting there), with the frequency
    of each of those words alongside, so that :meth:`TrieTokenizer.calc` need not look them up."""

    __slots__ = ("freqs",)

    def __init__(self) -> None:
        super().__init__()
        self.freqs: dict[int, list[int]] = {}


class TrieTokenizer(jieba.Tokenizer):  # type: ignore[misc]
    """A jieba tokenizer whose ``FREQ`` is a :class:`TrieFreq` (set it and ``total``, and
    ``initialized = True``, before use)."""

    FREQ: TrieFreq

    def get_DAG(self, sentence: str) -> _DAG:
        freq = self.FREQ
        prefixes = freq.trie.iter_prefixes_with_ids
        span = freq.max_len  # the trie needs no more of the sentence than its longest key
        counts = freq.counts
        extra_get = freq.extra.get
        extra_prefixes = freq.extra_prefixes
        n = len(sentence)
        dag = _DAG()
        freqs = dag.freqs
        for k in range(n):
            ends: list[int] = []
            found: list[int] = []
            for word, i in prefixes(sentence[k : k + span]):
                f = counts[i]
                if f:
                    ends.append(k + len(word) - 1)
                    found.append(f)
            if extra_prefixes and sentence[k] in extra_prefixes:
                # words added at run time that the trie does not hold, walked as jieba does
                i = k
                frag = sentence[k]
                while i < n and frag in extra_prefixes:
                    f = extra_get(frag)
                    if f:
                        ends.append(i)
                        found.append(f)
                    i += 1
                    frag = sentence[k : i + 1]
                if found:
                    ends, found = map(list, zip(*sorted(zip(ends, found, strict=True)), strict=True))
            if ends:
                dag[k] = ends
                freqs[k] = found
            else:  # no word starts here: the character alone (jieba's log(FREQ.get(c) or 1) is 0)
                dag[k] = [k]
                freqs[k] = [0]
        return dag

    def calc(self, sentence: str, DAG: Mapping[int, list[int]], route: dict[int, Any]) -> None:
        freqs = getattr(DAG, "freqs", None)
        if freqs is None:  # a DAG that did not come from get_DAG above
            get = self.FREQ.get
            freqs = {k: [get(sentence[k : x + 1]) for x in ends] for k, ends in DAG.items()}
        n = len(sentence)
        route[n] = (0, 0)
        logtotal = log(self.total)
        for idx in range(n - 1, -1, -1):
            route[idx] = max(
                (log(f or 1) - logtotal + route[x + 1][0], x)
                for x, f in zip(DAG[idx], freqs[idx], strict=True)
            )
