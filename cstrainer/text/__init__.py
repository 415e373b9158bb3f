"""Chinese text helpers: segmentation (jieba), pinyin initials, key-point and banned-word matching.

Importing this package is cheap: jieba, pypinyin and PyYAML are imported on first use, and
nothing here imports Qt. A GUI should call :func:`warm_up_in_background` at start-up so the
first segmentation does not wait for the jieba dictionary.
"""

from __future__ import annotations

from cstrainer.text.banned import (
    BannedHit,
    BannedRule,
    BannedRulesError,
    BannedWordScanner,
    RuleFileIssue,
    collapse_nested,
    default_rules,
    default_scanner,
    load_rules,
)
from cstrainer.text.keywords import (
    KeyPoint,
    KeyPointMatch,
    KeywordMatcher,
    Span,
    coverage,
    match_key_points,
)
from cstrainer.text.normalize import fold
from cstrainer.text.pinyin import full_pinyin, initials, initials_variants
from cstrainer.text.segment import (
    Segmenter,
    Token,
    add_terms,
    default_segmenter,
    ensure_ready,
    is_ready,
    search_terms,
    tokens,
    warm_up_in_background,
    words,
)

__all__ = [
    "BannedHit",
    "BannedRule",
    "BannedRulesError",
    "BannedWordScanner",
    "KeyPoint",
    "KeyPointMatch",
    "KeywordMatcher",
    "RuleFileIssue",
    "Segmenter",
    "Span",
    "Token",
    "add_terms",
    "collapse_nested",
    "coverage",
    "default_rules",
    "default_scanner",
    "default_segmenter",
    "ensure_ready",
    "fold",
    "full_pinyin",
    "initials",
    "initials_variants",
    "is_ready",
    "load_rules",
    "match_key_points",
    "search_terms",
    "tokens",
    "warm_up_in_background",
    "words",
]
