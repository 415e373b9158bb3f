"""Pinyin helpers for abbreviation search (``nh`` finds ``你好``) and shortcut suggestions.

Agents type quick-reply abbreviations made of the first letters of the pinyin syllables, so
search indexes store :func:`initials` of every phrase. Output only ever contains ``[a-z0-9]``:
Chinese characters become their pinyin, latin letters and digits are kept (lower-cased, full-width
forms folded to ASCII), everything else - punctuation, spaces, emoji, unknown characters - is
dropped.

pypinyin loads large dictionaries when imported (about 250 ms), so it is imported on first use.
"""

from __future__ import annotations

import itertools
import unicodedata
from functools import lru_cache

__all__ = ["full_pinyin", "initials", "initials_variants"]

_KEEP = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")


def _ascii_alnum(fragment: str) -> str:
    # NFKD folds full-width forms and circled digits and splits accents off (ê -> e + U+0302).
    decomposed = unicodedata.normalize("NFKD", fragment).lower()
    return "".join(ch for ch in decomposed if ch in _KEEP)


@lru_cache(maxsize=8192)
def initials(text: str) -> str:
    """First letters of the pinyin of ``text``: ``"亲，在的"`` -> ``"qzd"``, ``"S码"`` -> ``"sm"``.

    Polyphonic characters take pypinyin's most likely reading in context (no heteronyms); use
    :func:`initials_variants` to search over all readings.
    """
    from pypinyin import Style, lazy_pinyin

    return "".join(_ascii_alnum(part) for part in lazy_pinyin(text, style=Style.FIRST_LETTER))


@lru_cache(maxsize=8192)
def full_pinyin(text: str) -> str:
    """Toneless pinyin of ``text`` joined without separators: ``"你好"`` -> ``"nihao"``.

    ``ü`` is written ``v`` (``绿`` -> ``lv``), as on pinyin keyboards.
    """
    from pypinyin import Style, lazy_pinyin

    return "".join(_ascii_alnum(part) for part in lazy_pinyin(text, style=Style.NORMAL))


@lru_cache(maxsize=2048)
def _variants(text: str, limit: int) -> frozenset[str]:
    from pypinyin import Style, pinyin

    # One list of alternatives per character. Characters are passed one by one because pypinyin
    # resolves a polyphone to a single reading when it sits in a known phrase ("长大" -> only z).
    choices: list[list[str]] = []
    for readings in pinyin(list(text), style=Style.FIRST_LETTER, heteronym=True):
        options = list(dict.fromkeys(_ascii_alnum(r) for r in readings))
        choices.append(options or [""])
    found: dict[str, None] = {initials(text): None}
    for combination in itertools.product(*choices):
        if len(found) >= limit:
            break
        found.setdefault("".join(combination), None)
    return frozenset(found)


def initials_variants(text: str, limit: int = 8) -> set[str]:
    """All distinct initials strings over the readings of polyphonic characters (at most ``limit``).

    ``"长"`` -> ``{"c", "z"}``. The context reading from :func:`initials` is always included;
    ``limit`` bounds the result for texts with many polyphones (the combinations grow
    exponentially).
    """
    if limit < 1:
        raise ValueError("limit must be at least 1")
    return set(_variants(text, limit))
