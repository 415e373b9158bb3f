"""Key-point matching: did a reply mention what a good answer must mention?

A trainer describes a good answer as key points (``KeyPoint``), each a set of synonyms
(``["七天无理由", "7天无理由", "无理由退换"]``) and optional regular expressions. A synonym counts
as present at offset ``p`` when the text contains it at ``p`` **and** ``p`` starts a jieba token
**and** ``p + len(synonym)`` ends one. Word boundaries stop false hits inside longer words
(``最`` does not hit ``最近``, ``退`` does not hit ``退出``), while a multi-word synonym still
matches however jieba happens to split it internally (``七天|无|理由``).

Segmentation for this check runs with jieba's HMM off: the HMM glues unknown neighbours into
non-words (``s码有货`` -> ``s|码有|货``, ``运费险是`` -> ``运费|险是``) that would hide real
synonyms, while dictionary words (``最近``, ``退出``) stay whole either way.

User terms (:meth:`Segmenter.add_terms`) are often scene phrases glued from several words
(``七天无理由退换``). Inside such a token the places where the dictionary split it before the
term was added also count as boundaries, so the synonym ``七天无理由`` keeps matching after a
trainer adds the longer term, and ``退`` still does not match inside ``退换``.

Matching runs on the folded text (NFKC, lower-cased, see :mod:`cstrainer.text.normalize`) so
``ＶＸ`` matches ``vx`` and ``S码`` matches ``s码``; offsets stay those of the original text.
Regexes are searched anywhere in the folded text, case-insensitively.

:class:`KeywordMatcher` compiles a key-point list once; matching one reply then costs one
segmentation plus a dictionary lookup per token start (it is on the grading hot path).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from cstrainer.text.normalize import fold
from cstrainer.text.segment import Segmenter, default_segmenter

__all__ = ["KeyPoint", "KeyPointMatch", "KeywordMatcher", "Span", "coverage", "match_key_points"]


@dataclass(frozen=True, slots=True)
class KeyPoint:
    """One thing a good reply must contain.

    ``synonyms`` are alternative wordings (word-boundary matched); ``regexes`` are Python regular
    expressions matched anywhere (case-insensitive). ``weight`` is the key point's share in
    :func:`coverage`; ``feedback`` is shown to the trainee when the key point is missed.
    Lists are accepted and stored as tuples.
    """

    id: str
    synonyms: tuple[str, ...]
    weight: float = 1.0
    regexes: tuple[str, ...] = ()
    feedback: str = ""

    def __post_init__(self) -> None:
        # Content loaders hand over lists; keep the dataclass hashable.
        if not isinstance(self.synonyms, tuple):
            object.__setattr__(self, "synonyms", tuple(self.synonyms))
        if not isinstance(self.regexes, tuple):
            object.__setattr__(self, "regexes", tuple(self.regexes))
        if not self.id:
            raise ValueError("key point id must not be empty")
        if not any(s.strip() for s in self.synonyms) and not self.regexes:
            raise ValueError(f"key point {self.id!r} has neither synonyms nor regexes")
        if not (isinstance(self.weight, int | float) and math.isfinite(self.weight) and self.weight >= 0):
            raise ValueError(f"key point {self.id!r}: weight must be a finite number >= 0")


@dataclass(frozen=True, slots=True)
class Span:
    """Where a key point was found: ``text[start:end] == word`` in the original text."""

    word: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class KeyPointMatch:
    """The outcome for one key point; ``spans`` are sorted by start (then end)."""

    key_point: KeyPoint
    hit: bool
    spans: tuple[Span, ...]


class KeywordMatcher:
    """A key-point list compiled for repeated matching (thread-safe once built)."""

    def __init__(self, key_points: Iterable[KeyPoint], segmenter: Segmenter | None = None) -> None:
        """Compile ``key_points``; raises ``ValueError`` for duplicate ids or bad regexes."""
        self.key_points: tuple[KeyPoint, ...] = tuple(key_points)
        self._segmenter = segmenter
        seen: set[str] = set()
        # first folded character -> [(folded synonym, key point indexes)], longest synonym first
        by_first: dict[str, dict[str, list[int]]] = {}
        regexes: list[tuple[int, re.Pattern[str]]] = []
        for index, kp in enumerate(self.key_points):
            if kp.id in seen:
                raise ValueError(f"duplicate key point id {kp.id!r}")
            seen.add(kp.id)
            for synonym in kp.synonyms:
                folded = fold(synonym.strip())
                if not folded:
                    continue
                owners = by_first.setdefault(folded[0], {}).setdefault(folded, [])
                if index not in owners:
                    owners.append(index)
            for pattern in kp.regexes:
                try:
                    compiled = re.compile(pattern, re.IGNORECASE)
                except re.error as exc:
                    raise ValueError(f"key point {kp.id!r}: bad regex {pattern!r}: {exc}") from exc
                regexes.append((index, compiled))
        self._by_first: dict[str, tuple[tuple[str, int, tuple[int, ...]], ...]] = {
            first: tuple(
                (syn, len(syn), tuple(owners))
                for syn, owners in sorted(cands.items(), key=lambda item: -len(item[0]))
            )
            for first, cands in by_first.items()
        }
        self._regexes = tuple(regexes)
        self._total_weight = math.fsum(kp.weight for kp in self.key_points)

    def _raw_spans(self, text: str) -> list[set[tuple[int, int]]]:
        found: list[set[tuple[int, int]]] = [set() for _ in self.key_points]
        if not text:
            return found
        folded = fold(text)
        if self._by_first:
            segmenter = self._segmenter or default_segmenter()
            toks = segmenter.tokens(folded, hmm=False)
            starts: set[int] = set()
            ends: set[int] = set()
            for tok in toks:
                starts.add(tok.start)
                ends.add(tok.end)
                splits = segmenter.term_splits(tok.word)
                if splits:
                    inner = {tok.start + offset for offset in splits}
                    starts |= inner
                    ends |= inner
            by_first = self._by_first
            for start in starts:
                candidates = by_first.get(folded[start])
                if candidates is None:
                    continue
                for synonym, length, owners in candidates:
                    end = start + length
                    if end in ends and folded.startswith(synonym, start):
                        for owner in owners:
                            found[owner].add((start, end))
        for owner, regex in self._regexes:
            for m in regex.finditer(folded):
                if m.end() > m.start():
                    found[owner].add((m.start(), m.end()))
        return found

    def match(self, text: str) -> list[KeyPointMatch]:
        """Match every key point against ``text``; results are in key-point order."""
        result: list[KeyPointMatch] = []
        for kp, spans in zip(self.key_points, self._raw_spans(text), strict=True):
            ordered = tuple(Span(text[s:e], s, e) for s, e in sorted(spans))
            result.append(KeyPointMatch(kp, bool(ordered), ordered))
        return result

    def coverage(self, text: str) -> float:
        """Weighted share (0..1) of key points found in ``text``; 1.0 when nothing is required."""
        if self._total_weight <= 0:
            return 1.0
        hit = math.fsum(
            kp.weight for kp, spans in zip(self.key_points, self._raw_spans(text), strict=True) if spans
        )
        return hit / self._total_weight


@lru_cache(maxsize=256)
def _cached_matcher(key_points: tuple[KeyPoint, ...]) -> KeywordMatcher:
    return KeywordMatcher(key_points)


def _matcher_for(key_points: Sequence[KeyPoint] | Iterable[KeyPoint]) -> KeywordMatcher:
    return _cached_matcher(tuple(key_points))


def match_key_points(text: str, key_points: Iterable[KeyPoint]) -> list[KeyPointMatch]:
    """Match ``key_points`` against ``text`` with the default segmenter.

    Compiled matchers are cached per key-point tuple; build a :class:`KeywordMatcher` yourself to
    use another segmenter or to control its lifetime.
    """
    return _matcher_for(key_points).match(text)


def coverage(text: str, key_points: Iterable[KeyPoint]) -> float:
    """Weighted share (0..1) of ``key_points`` hit in ``text``; 1.0 for an empty list."""
    return _matcher_for(key_points).coverage(text)
