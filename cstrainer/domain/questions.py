"""Questions as the rest of the program sees them: one immutable dataclass for every type.

The content-pack YAML (``cstrainer.formats.content_pack``), the import formats (xlsx, CSV, GIFT,
Aiken) and the database all convert to and from :class:`Question`; graders and paper assembly
work on it. A trainee never gets a :class:`Question` before submitting: services hand out a
:class:`QuestionView`, which has no answer key.

Answers a person gives (``Response``), per type:

========== ==========================================================================
single     ``int``: index into ``Question.options`` (original order, not the shuffled one)
multiple   ``list[int]``: indexes into ``Question.options``
truefalse  ``bool``
fill       ``list[str]``: one text per blank
numeric    ``str`` or ``float``: what was typed ("12.5", "１２")
short      ``str``
reply      ``str``
essay      ``str``
matching   ``list[int | None]``: for each pair i, the index of the chosen right-hand side in
           ``Question.pairs`` (so pair i is right when ``response[i] == i``)
description no answer (``None``)
========== ==========================================================================
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

Response = Any  # see the module docstring for the shape per type


class QuestionType(StrEnum):
    SINGLE = "single"
    MULTIPLE = "multiple"
    TRUEFALSE = "truefalse"
    FILL = "fill"
    NUMERIC = "numeric"
    SHORT = "short"
    REPLY = "reply"
    MATCHING = "matching"
    ESSAY = "essay"
    DESCRIPTION = "description"

    @property
    def label(self) -> str:
        return TYPE_LABELS[self]

    @property
    def is_objective(self) -> bool:
        """Graded at once without a trainer's confirmation."""
        return self in OBJECTIVE_TYPES


TYPE_LABELS: dict[QuestionType, str] = {
    QuestionType.SINGLE: "单选题",
    QuestionType.MULTIPLE: "多选题",
    QuestionType.TRUEFALSE: "判断题",
    QuestionType.FILL: "填空题",
    QuestionType.NUMERIC: "数值题",
    QuestionType.SHORT: "简答题",
    QuestionType.REPLY: "回复顾客题",
    QuestionType.MATCHING: "匹配题",
    QuestionType.ESSAY: "问答题",
    QuestionType.DESCRIPTION: "说明",
}
OBJECTIVE_TYPES = frozenset(
    {
        QuestionType.SINGLE,
        QuestionType.MULTIPLE,
        QuestionType.TRUEFALSE,
        QuestionType.FILL,
        QuestionType.NUMERIC,
        QuestionType.MATCHING,
    }
)
# Short answers with key points, replies and essays get an automatic score that a trainer
# confirms or overrides; short answers with plain accepted answers are objective.

CATEGORIES: tuple[str, ...] = (
    "产品知识",
    "平台规则",
    "服务技巧-售前",
    "服务技巧-售中",
    "服务技巧-售后",
    "竞品知识",
    "企业文化",
)

# A blank in a stem: a run of three or more underscores (GIFT writes five, our packs four).
BLANK_RE = re.compile(r"_{3,}")


def count_blanks(stem: str) -> int:
    return len(BLANK_RE.findall(stem))


@dataclass(frozen=True)
class Option:
    """A choice. ``weight`` is GIFT's percentage credit (-100..100), None when not given."""

    text: str
    correct: bool = False
    weight: float | None = None
    feedback: str = ""


@dataclass(frozen=True)
class NumericAnswer:
    """``value`` ± ``tolerance``, or the inclusive range ``low``..``high``; ``weight`` in percent."""

    value: float | None = None
    tolerance: float = 0.0
    low: float | None = None
    high: float | None = None
    weight: float = 100.0
    feedback: str = ""

    def accepts(self, number: float) -> bool:
        if self.value is not None:
            return abs(number - self.value) <= self.tolerance + 1e-9
        assert self.low is not None and self.high is not None
        return self.low - 1e-9 <= number <= self.high + 1e-9


@dataclass(frozen=True)
class AcceptedAnswer:
    """A short answer accepted as written (after normalisation), with its credit in percent."""

    text: str
    weight: float = 100.0
    feedback: str = ""


@dataclass(frozen=True)
class KeyPointSpec:
    """A point a free answer must make: any synonym counts (matched on jieba tokens)."""

    synonyms: tuple[str, ...]
    weight: float = 1.0
    regexes: tuple[str, ...] = ()
    feedback: str = ""
    id: str = ""


@dataclass(frozen=True)
class MatchPair:
    left: str
    right: str


@dataclass(frozen=True)
class Question:
    key: str
    type: QuestionType
    stem: str
    title: str = ""
    stem_format: str = "plain"  # plain | markdown | html | moodle (GIFT)
    options: tuple[Option, ...] = ()
    partial_credit: bool = False
    answer: bool | None = None  # true/false
    true_feedback: str = ""
    false_feedback: str = ""
    blanks: tuple[tuple[str, ...], ...] = ()  # fill: accepted answers per blank
    numeric: tuple[NumericAnswer, ...] = ()
    accepted: tuple[AcceptedAnswer, ...] = ()  # short answers accepted as written
    key_points: tuple[KeyPointSpec, ...] = ()  # short / reply / essay (a suggestion for essays)
    pairs: tuple[MatchPair, ...] = ()
    explanation: str = ""
    category: str = ""
    brand: str | None = None
    difficulty: int = 1
    tags: tuple[str, ...] = ()
    handbook: str | None = None
    products: tuple[str, ...] = ()
    author: str = ""
    version: int = 1
    retired: bool = False
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def needs_review(self) -> bool:
        """Whether the automatic score is only a suggestion a trainer confirms."""
        if self.type in (QuestionType.REPLY, QuestionType.ESSAY):
            return True
        return self.type is QuestionType.SHORT and bool(self.key_points)

    @property
    def is_scored(self) -> bool:
        return self.type is not QuestionType.DESCRIPTION

    def with_changes(self, **changes: Any) -> Question:
        return replace(self, **changes)


@dataclass(frozen=True)
class QuestionView:
    """What a person taking an exam sees: no answer key, options in the order to show them.

    ``option_order[i]`` is the original index of the i-th option shown, so the response is always
    expressed in original indexes. ``right_order`` does the same for matching's right-hand sides.
    """

    key: str
    version: int
    type: QuestionType
    stem: str
    stem_format: str
    title: str
    options: tuple[str, ...]
    option_order: tuple[int, ...]
    blank_count: int
    lefts: tuple[str, ...]
    rights: tuple[str, ...]
    right_order: tuple[int, ...]
    multiple_answers_hint: bool = False  # "多选" label for multiple choice
    category: str = ""
    difficulty: int = 1
    points: float = 1.0


def view_of(
    q: Question,
    option_order: tuple[int, ...] | None = None,
    right_order: tuple[int, ...] | None = None,
    points: float = 1.0,
) -> QuestionView:
    """The trainee's view of a question; the orders come from the attempt's shuffle."""
    order = option_order if option_order is not None else tuple(range(len(q.options)))
    rorder = right_order if right_order is not None else tuple(range(len(q.pairs)))
    blanks = len(q.blanks) if q.type is QuestionType.FILL else 0
    if q.type is QuestionType.FILL and blanks == 0:
        blanks = max(1, count_blanks(q.stem))
    return QuestionView(
        key=q.key,
        version=q.version,
        type=q.type,
        stem=q.stem,
        stem_format=q.stem_format,
        title=q.title,
        options=tuple(q.options[i].text for i in order),
        option_order=order,
        blank_count=blanks,
        lefts=tuple(p.left for p in q.pairs),
        rights=tuple(q.pairs[i].right for i in rorder),
        right_order=rorder,
        multiple_answers_hint=q.type is QuestionType.MULTIPLE,
        category=q.category,
        difficulty=q.difficulty,
        points=points,
    )
