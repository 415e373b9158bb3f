"""Offset-preserving text folding shared by the keyword matcher and the banned-word scanner.

Matching has to be robust to full-width letters and digits (``ＶＸ``, ``１３８``) and to letter
case, yet every hit must point at characters of the text the agent actually typed. ``fold``
therefore normalises character by character: a character is replaced by its NFKC form
(lower-cased) only when that form is exactly one character long, so ``len(fold(s)) == len(s)``
and an offset into the folded text is an offset into the original. Characters whose NFKC form
is longer (``…``, ``㎏``, ligatures) are only lower-cased, or kept as they are.

Per-character NFKC differs from whole-string NFKC only for combining sequences
(``e`` + U+0301), which do not occur in the Chinese chat texts this is used for.
"""

from __future__ import annotations

import unicodedata

__all__ = ["fold"]


def _fold_char(ch: str) -> str:
    normal = unicodedata.normalize("NFKC", ch).lower()
    if len(normal) == 1:
        return normal
    lower = ch.lower()
    # "İ".lower() is two characters; keep such characters untouched to stay 1:1.
    return lower if len(lower) == 1 else ch


class _FoldTable(dict[int, str]):
    """A ``str.translate`` table that computes (and remembers) each character's fold on demand."""

    def __missing__(self, key: int) -> str:
        value = _fold_char(chr(key))
        self[key] = value
        return value


_TABLE = _FoldTable()


def fold(text: str) -> str:
    """Return ``text`` NFKC-normalised and lower-cased with exactly the same length.

    ``fold(text)[i]`` always corresponds to ``text[i]``, so offsets found in the folded text can be
    used to slice the original.
    """
    if text.isascii():
        return text.lower()
    return text.translate(_TABLE)
