"""Item analysis for trainers: which questions are too hard, too easy or misleading.

Input: one :class:`ItemResponse` per question per graded attempt - the attempt's total score as a
fraction of its maximum, the fraction of the question's points earned, and for choice questions
the option indexes chosen (original indexes).

Per question (:class:`ItemStats`):

* ``n``: how many attempts answered it (unanswered items on a submitted paper count, as 0);
* ``facility``: the mean fraction earned (0..1) - the classical "p value";
* ``discrimination``: the upper-lower index. The attempts that had this question are ranked by
  total score (ties broken by attempt id, so the result is reproducible); the top 27 % and the
  bottom 27 % (``round(0.27 n)``, at least one each) are compared:
  ``mean fraction in the upper group − mean fraction in the lower group``, from −1 to 1.
  With fewer than :data:`MIN_ATTEMPTS_FOR_DISCRIMINATION` (10) attempts the groups hold two or
  three people and the index says more about them than about the question, so it is None;
* ``option_counts``: how often each option was chosen (distractor analysis);
* ``flags``: facility below 0.2 (太难), above 0.95 (太容易), negative discrimination
  (区分度为负：高分者反而答错更多). Facility flags need :data:`MIN_ATTEMPTS_FOR_FLAGS` (5)
  attempts: one person's miss does not make a question "too hard".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

__all__ = [
    "LOWER_UPPER_SHARE",
    "MIN_ATTEMPTS_FOR_DISCRIMINATION",
    "MIN_ATTEMPTS_FOR_FLAGS",
    "ItemFlag",
    "ItemResponse",
    "ItemStats",
    "analyse_items",
]

LOWER_UPPER_SHARE = 0.27
MIN_ATTEMPTS_FOR_DISCRIMINATION = 10
MIN_ATTEMPTS_FOR_FLAGS = 5
TOO_HARD_BELOW = 0.2
TOO_EASY_ABOVE = 0.95


class ItemFlag(StrEnum):
    TOO_HARD = "too_hard"
    TOO_EASY = "too_easy"
    NEGATIVE_DISCRIMINATION = "negative_discrimination"

    @property
    def label(self) -> str:
        return _FLAG_LABELS[self]


_FLAG_LABELS = {
    ItemFlag.TOO_HARD: "太难",
    ItemFlag.TOO_EASY: "太容易",
    ItemFlag.NEGATIVE_DISCRIMINATION: "区分度为负：高分者反而答错更多",
}


@dataclass(frozen=True)
class ItemResponse:
    """One question of one graded attempt."""

    attempt_id: int | str
    total_fraction: float  # the attempt's score / max score, 0..1
    question_key: str
    fraction: float  # of this question's points earned, 0..1
    chosen: tuple[int, ...] = ()  # option indexes chosen (choice questions)


@dataclass(frozen=True)
class ItemStats:
    question_key: str
    n: int
    facility: float
    discrimination: float | None
    option_counts: dict[int, int] = field(default_factory=dict)
    flags: tuple[ItemFlag, ...] = ()

    @property
    def flag_labels(self) -> tuple[str, ...]:
        return tuple(flag.label for flag in self.flags)


def _id_key(attempt_id: int | str) -> tuple[int, int, str]:
    return (0, attempt_id, "") if isinstance(attempt_id, int) else (1, 0, str(attempt_id))


def _discrimination(rows: list[ItemResponse]) -> float | None:
    n = len(rows)
    if n < MIN_ATTEMPTS_FOR_DISCRIMINATION:
        return None
    group = max(1, round(LOWER_UPPER_SHARE * n))
    ranked = sorted(rows, key=lambda r: (r.total_fraction, *_id_key(r.attempt_id)))
    lower = ranked[:group]
    upper = ranked[-group:]
    return sum(r.fraction for r in upper) / group - sum(r.fraction for r in lower) / group


def _stats(key: str, rows: list[ItemResponse]) -> ItemStats:
    n = len(rows)
    facility = sum(min(1.0, max(0.0, r.fraction)) for r in rows) / n
    discrimination = _discrimination(rows)
    counts: dict[int, int] = {}
    for r in rows:
        for option in set(r.chosen):
            counts[option] = counts.get(option, 0) + 1
    flags: list[ItemFlag] = []
    if n >= MIN_ATTEMPTS_FOR_FLAGS:
        if facility < TOO_HARD_BELOW:
            flags.append(ItemFlag.TOO_HARD)
        elif facility > TOO_EASY_ABOVE:
            flags.append(ItemFlag.TOO_EASY)
    if discrimination is not None and discrimination < 0:
        flags.append(ItemFlag.NEGATIVE_DISCRIMINATION)
    return ItemStats(key, n, facility, discrimination, dict(sorted(counts.items())), tuple(flags))


def analyse_items(rows: Iterable[ItemResponse]) -> dict[str, ItemStats]:
    """Statistics per question key (sorted by key). A repeated (attempt, question) row counts
    once: the last one wins."""
    by_question: dict[str, dict[int | str, ItemResponse]] = {}
    for row in rows:
        by_question.setdefault(row.question_key, {})[row.attempt_id] = row
    return {key: _stats(key, list(by_attempt.values())) for key, by_attempt in sorted(by_question.items())}
