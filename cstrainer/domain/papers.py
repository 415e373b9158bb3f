"""Exam definitions and paper assembly.

An :class:`ExamSpec` names its questions (``question_keys``) or describes how to draw them
(``draw``: :class:`DrawRule`), or both (fixed questions first). :func:`assemble_paper` turns a spec
and the question bank into a :class:`Paper` for one attempt:

* Draw rules pick ``count`` questions each, without replacement and never the same question for
  two rules. Rules are applied most specific first (more conditions set), then smallest pool
  first, so a broad rule ("any 产品知识") cannot take the questions a narrow one ("产品知识 ×
  难度 3 × 填空") needs. On paper the questions keep the order of the rules as written.
* A rule's ``brand`` matches that brand's questions and the questions for all brands
  (``Question.brand is None``); ``types`` and ``tags`` (all of them) narrow further. Draws never
  pick descriptions unless a rule asks for the description type.
* Everything random comes from ``random.Random(seed)`` and the bank is indexed in key order, so
  the same spec, bank and seed always give the same paper, whatever order the bank was loaded
  in. The attempt stores its paper anyway (the bank changes).
* ``shuffle_questions`` shuffles the items; descriptions stay where they are (they introduce the
  questions after them, and a shuffle moves the others around them).
* ``shuffle_options`` shuffles the options of single and multiple choice, never true/false;
  options such as "以上都对 / 以上都不对 / all of the above" stay last (detected by their text).
  The right-hand sides of matching questions are always shuffled: in their original order they
  would give the answer away.
* A rule that cannot be satisfied raises :class:`PaperError` naming the rule and what the bank
  has ("产品知识 × 难度2 需要 5 题，题库中只有 3 题").

Indexing a 20,000-question bank (:class:`BankIndex`) takes about 20 ms, drawing a 100-question
paper from the index 2-4 ms (``bench/bench_exams.py``): services keep one index per bank version
and pass it as ``bank`` instead of the question list.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

from cstrainer.domain.normalize import normalize_answer
from cstrainer.domain.questions import CATEGORIES, Question, QuestionType, QuestionView, view_of

__all__ = [
    "DEFAULT_POINTS",
    "BankIndex",
    "DrawRule",
    "ExamSpec",
    "Paper",
    "PaperError",
    "PaperItem",
    "assemble_paper",
    "is_pinned_option",
    "points_for",
    "validate_spec",
]

# Points per question type when an exam does not say: effort to answer, roughly.
DEFAULT_POINTS: dict[QuestionType, float] = {
    QuestionType.SINGLE: 2.0,
    QuestionType.MULTIPLE: 3.0,
    QuestionType.TRUEFALSE: 1.0,
    QuestionType.FILL: 2.0,
    QuestionType.NUMERIC: 2.0,
    QuestionType.SHORT: 5.0,
    QuestionType.REPLY: 10.0,
    QuestionType.MATCHING: 4.0,
    QuestionType.ESSAY: 10.0,
    QuestionType.DESCRIPTION: 0.0,
}


class PaperError(ValueError):
    """A paper cannot be assembled: a rule asks for more than the bank has, a key is missing."""

    def __init__(
        self, message: str, *, rule: DrawRule | None = None, needed: int = 0, available: int = 0
    ) -> None:
        super().__init__(message)
        self.rule = rule
        self.needed = needed
        self.available = available


@dataclass(frozen=True)
class DrawRule:
    """Draw ``count`` random questions matching every condition that is set."""

    category: str | None
    difficulty: int | None
    count: int
    types: tuple[QuestionType, ...] = ()
    brand: str | None = None
    tags: tuple[str, ...] = ()

    @property
    def specificity(self) -> int:
        """How many conditions the rule sets (more = applied earlier)."""
        return sum(
            (self.category is not None, self.difficulty is not None, bool(self.types), self.brand is not None)
        ) + len(self.tags)

    @property
    def label(self) -> str:
        """The rule in words: "产品知识 × 难度2 × 单选题"."""
        parts = [self.category or "全部分类"]
        if self.difficulty is not None:
            parts.append(f"难度{self.difficulty}")
        if self.types:
            parts.append("/".join(t.label for t in self.types))
        if self.brand is not None:
            parts.append(f"品牌 {self.brand}")
        if self.tags:
            parts.append("标签 " + "、".join(self.tags))
        return " × ".join(parts)

    def matches(self, q: Question) -> bool:
        if self.category is not None and q.category != self.category:
            return False
        if self.difficulty is not None and q.difficulty != self.difficulty:
            return False
        if self.types:
            if q.type not in self.types:
                return False
        elif q.type is QuestionType.DESCRIPTION:
            return False
        if self.brand is not None and q.brand is not None and q.brand != self.brand:
            return False
        return not self.tags or all(t in q.tags for t in self.tags)


@dataclass(frozen=True)
class ExamSpec:
    """An exam as a trainer defines it. ``pass_mark`` is a percentage of the maximum score."""

    key: str
    title: str
    purpose: str = ""
    question_keys: tuple[str, ...] = ()
    draw: tuple[DrawRule, ...] = ()
    points_per_type: Mapping[QuestionType, float] = field(default_factory=dict)
    time_limit_minutes: int | None = None
    pass_mark: float = 60.0
    attempts_allowed: int | None = 1  # None = unlimited
    shuffle_questions: bool = True
    shuffle_options: bool = True
    show_answers_after: bool = True
    max_focus_losses: int | None = None
    opens_at: datetime | None = None
    closes_at: datetime | None = None

    def points_for(self, qtype: QuestionType) -> float:
        return points_for(self, qtype)

    @property
    def time_limit_seconds(self) -> float | None:
        return None if self.time_limit_minutes is None else self.time_limit_minutes * 60.0


def points_for(spec: ExamSpec, qtype: QuestionType) -> float:
    """Points for a question of ``qtype`` on ``spec``'s paper (the spec's, else the default)."""
    value = spec.points_per_type.get(qtype)
    return float(value) if value is not None else DEFAULT_POINTS[qtype]


@dataclass(frozen=True)
class PaperItem:
    """One question on a paper, as this attempt shows it.

    ``option_order[i]`` is the original index of the i-th option shown (responses always use
    original indexes); ``right_order`` does the same for matching's right-hand sides.
    """

    question: Question
    points: float
    option_order: tuple[int, ...]
    right_order: tuple[int, ...]
    position: int

    @property
    def question_key(self) -> str:
        return self.question.key

    @property
    def version(self) -> int:
        return self.question.version

    @property
    def category(self) -> str:
        return self.question.category

    def view(self) -> QuestionView:
        """What the person taking the exam sees (no answer key)."""
        return view_of(self.question, self.option_order, self.right_order, points=self.points)


@dataclass(frozen=True)
class Paper:
    exam_key: str
    seed: int
    items: tuple[PaperItem, ...]

    @property
    def max_score(self) -> float:
        return sum(item.points for item in self.items)

    @property
    def question_keys(self) -> tuple[str, ...]:
        return tuple(item.question_key for item in self.items)

    def __len__(self) -> int:
        return len(self.items)


# -- the bank index --------------------------------------------------------------------------------


class BankIndex:
    """Active questions grouped by (category, difficulty), then by type and brand, in key order.

    Retired questions are left out; when a key occurs twice the higher version wins. Building
    costs one pass over the bank plus a sort. A draw rule's pool is then put together from whole
    groups (list concatenation, no per-question test), except for tag rules, which start from the
    questions carrying their rarest tag and test only those.
    """

    def __init__(self, bank: Iterable[Question]) -> None:
        by_key: dict[str, Question] = {}
        for q in bank:
            if q.retired:
                continue
            old = by_key.get(q.key)
            if old is None or q.version > old.version:
                by_key[q.key] = q
        self.by_key: dict[str, Question] = dict(sorted(by_key.items()))
        # (category, difficulty) -> type -> brand (None = for all brands) -> questions; filled
        # through one flat dict first (one look-up per question instead of three).
        flat: dict[tuple[str, int, QuestionType, str | None], list[Question]] = {}
        tagged: dict[str, list[Question]] = {}
        for q in self.by_key.values():
            key = (q.category, q.difficulty, q.type, q.brand)
            bucket = flat.get(key)
            if bucket is None:
                flat[key] = [q]
            else:
                bucket.append(q)
            for tag in q.tags:
                tagged.setdefault(tag, []).append(q)
        groups: dict[tuple[str, int], dict[QuestionType, dict[str | None, list[Question]]]] = {}
        for (category, difficulty, qtype, brand), questions in flat.items():
            groups.setdefault((category, difficulty), {}).setdefault(qtype, {})[brand] = questions
        self._groups = groups
        self._tagged = tagged
        self._by_category: dict[str, list[tuple[str, int]]] = {}
        self._by_difficulty: dict[int, list[tuple[str, int]]] = {}
        for category, difficulty in sorted(groups):
            self._by_category.setdefault(category, []).append((category, difficulty))
            self._by_difficulty.setdefault(difficulty, []).append((category, difficulty))
        self._all_groups = sorted(groups)

    def __len__(self) -> int:
        return len(self.by_key)

    def get(self, key: str) -> Question | None:
        return self.by_key.get(key)

    @property
    def categories(self) -> list[str]:
        return sorted(self._by_category)

    def _group_keys(self, rule: DrawRule) -> list[tuple[str, int]]:
        if rule.category is not None and rule.difficulty is not None:
            key = (rule.category, rule.difficulty)
            return [key] if key in self._groups else []
        if rule.category is not None:
            return self._by_category.get(rule.category, [])
        if rule.difficulty is not None:
            return self._by_difficulty.get(rule.difficulty, [])
        return self._all_groups

    def candidates(self, rule: DrawRule) -> list[Question]:
        """Every active question matching ``rule``, in a fixed order (the draw's population)."""
        if rule.tags:
            rarest = min(rule.tags, key=lambda t: len(self._tagged.get(t, ())))
            return [q for q in self._tagged.get(rarest, ()) if rule.matches(q)]
        wanted = frozenset(rule.types) if rule.types else None
        out: list[Question] = []
        for group in self._group_keys(rule):
            for qtype, brands in self._groups[group].items():
                if wanted is not None:
                    if qtype not in wanted:
                        continue
                elif qtype is QuestionType.DESCRIPTION:
                    continue
                if rule.brand is None:
                    for questions in brands.values():
                        out += questions
                else:
                    out += brands.get(rule.brand, ())
                    out += brands.get(None, ())
        return out

    def count(self, rule: DrawRule) -> int:
        return len(self.candidates(rule))


def _index(bank: Sequence[Question] | BankIndex) -> BankIndex:
    return bank if isinstance(bank, BankIndex) else BankIndex(bank)


# -- options ---------------------------------------------------------------------------------------

# After normalize_answer (no spaces or punctuation, lower case): 以上都对, 以上都不对, 以上说法均正确,
# 上述三项都可以, 以上皆非, all of the above, none of the above.
_PINNED = re.compile(
    r"^(?:以上|上述|前述|前面)\w{0,6}?(?:都|均|全|皆)|^(?:all|none|both|neither)of(?:the)?(?:above|previous)"
)
_PINNED_MAX_CHARS = 16


@lru_cache(maxsize=16384)
def is_pinned_option(text: str) -> bool:
    """Options such as 以上都对 / 以上都不对 / all of the above, which must stay last."""
    normal = normalize_answer(text)
    return len(normal) <= _PINNED_MAX_CHARS and _PINNED.match(normal) is not None


def _option_order(q: Question, rng: random.Random, shuffle: bool) -> tuple[int, ...]:
    n = len(q.options)
    if not shuffle or n < 2 or q.type not in (QuestionType.SINGLE, QuestionType.MULTIPLE):
        return tuple(range(n))
    pinned = [i for i, option in enumerate(q.options) if is_pinned_option(option.text)]
    movable = [i for i in range(n) if i not in pinned]
    rng.shuffle(movable)
    return (*movable, *pinned)


def _right_order(q: Question, rng: random.Random) -> tuple[int, ...]:
    order = list(range(len(q.pairs)))
    if q.type is QuestionType.MATCHING and len(order) > 1:
        rng.shuffle(order)
    return tuple(order)


# -- assembly --------------------------------------------------------------------------------------


def _shortage(rule: DrawRule, pool: int, available: int) -> PaperError:
    if available == pool:
        message = f"{rule.label} 需要 {rule.count} 题，题库中只有 {pool} 题"
    else:
        message = (
            f"{rule.label} 需要 {rule.count} 题，题库中符合的有 {pool} 题，"
            f"但其中 {pool - available} 题已被其他抽题规则或固定题目占用"
        )
    return PaperError(message, rule=rule, needed=rule.count, available=available)


def assemble_paper(spec: ExamSpec, bank: Sequence[Question] | BankIndex, seed: int) -> Paper:
    """Assemble the paper of one attempt (see the module docstring). Raises :class:`PaperError`."""
    index = _index(bank)
    rng = random.Random(seed)
    chosen: list[Question] = []
    used: set[str] = set()
    for key in spec.question_keys:
        q = index.get(key)
        if q is None:
            raise PaperError(f"题库中没有可用的题目 {key}（不存在或已停用）")
        if key in used:
            continue
        used.add(key)
        chosen.append(q)
    drawn: dict[int, list[Question]] = {}
    pools = [index.candidates(rule) for rule in spec.draw]
    order = sorted(range(len(spec.draw)), key=lambda i: (-spec.draw[i].specificity, len(pools[i]), i))
    for rule_index in order:
        rule, pool = spec.draw[rule_index], pools[rule_index]
        if rule.count <= 0:
            drawn[rule_index] = []
            continue
        # The pool is every matching question; those already on the paper also match the rule,
        # so testing them (a hundred at most) counts the taken ones without scanning the pool.
        taken = sum(1 for q in chosen if rule.matches(q)) + sum(
            1 for i, picked in drawn.items() for q in picked if rule.matches(q)
        )
        if len(pool) - taken < rule.count:
            raise _shortage(rule, len(pool), len(pool) - taken)
        # A uniform sample of count + taken holds at least count free questions; keeping the
        # first count of them (in sample order) is a uniform sample of the free ones.
        sample = rng.sample(pool, rule.count + taken) if taken else rng.sample(pool, rule.count)
        picked = [q for q in sample if q.key not in used][: rule.count]
        used.update(q.key for q in picked)
        drawn[rule_index] = picked
    for rule_index in range(len(spec.draw)):
        chosen.extend(drawn[rule_index])
    if spec.shuffle_questions:
        chosen = _shuffle_around_descriptions(chosen, rng)
    items = tuple(
        PaperItem(
            question=q,
            points=points_for(spec, q.type),
            option_order=_option_order(q, rng, spec.shuffle_options),
            right_order=_right_order(q, rng),
            position=position,
        )
        for position, q in enumerate(chosen)
    )
    return Paper(spec.key, seed, items)


def _shuffle_around_descriptions(questions: list[Question], rng: random.Random) -> list[Question]:
    slots = [i for i, q in enumerate(questions) if q.type is not QuestionType.DESCRIPTION]
    movable = [questions[i] for i in slots]
    rng.shuffle(movable)
    result = list(questions)
    for slot, q in zip(slots, movable, strict=True):
        result[slot] = q
    return result


def validate_spec(spec: ExamSpec, bank: Sequence[Question] | BankIndex) -> list[str]:
    """Problems with ``spec`` for the trainer's editor (Chinese); empty when it is usable.

    Checks the settings, that fixed questions exist and are active, that each draw rule has
    enough questions on its own, and that the rules together can be satisfied (a trial
    assembly).
    """
    problems: list[str] = []
    index = _index(bank)
    if not spec.key.strip():
        problems.append("考试缺少编号（key）")
    if not spec.title.strip():
        problems.append("考试缺少标题")
    if not spec.question_keys and not spec.draw:
        problems.append("考试没有题目：请列出固定题目或设置抽题规则")
    if spec.time_limit_minutes is not None and spec.time_limit_minutes <= 0:
        problems.append("考试时长必须大于 0 分钟")
    if not 0 <= spec.pass_mark <= 100:
        problems.append(f"及格线 {spec.pass_mark:g} 不在 0~100 之间")
    if spec.attempts_allowed is not None and spec.attempts_allowed < 1:
        problems.append("允许作答次数至少为 1")
    if spec.max_focus_losses is not None and spec.max_focus_losses < 0:
        problems.append("允许离开考试窗口的次数不能为负数")
    if spec.opens_at and spec.closes_at and spec.opens_at >= spec.closes_at:
        problems.append("结束时间必须晚于开始时间")
    for qtype, value in spec.points_per_type.items():
        if value < 0:
            problems.append(f"{QuestionType(qtype).label}的分值不能为负数")
    seen: set[str] = set()
    for key in spec.question_keys:
        if key in seen:
            problems.append(f"固定题目 {key} 重复出现")
        seen.add(key)
        if index.get(key) is None:
            problems.append(f"固定题目 {key} 在题库中不存在或已停用")
    for number, rule in enumerate(spec.draw, start=1):
        if rule.count <= 0:
            problems.append(f"第 {number} 条抽题规则（{rule.label}）的题数必须大于 0")
            continue
        if (
            rule.category is not None
            and rule.category not in CATEGORIES
            and rule.category not in index.categories
        ):
            problems.append(f"第 {number} 条抽题规则的分类“{rule.category}”不存在")
        if rule.difficulty is not None and not 1 <= rule.difficulty <= 5:
            problems.append(f"第 {number} 条抽题规则的难度 {rule.difficulty} 不在 1~5 之间")
        pool = index.count(rule)
        if pool < rule.count:
            problems.append(
                f"第 {number} 条抽题规则：{rule.label} 需要 {rule.count} 题，题库中只有 {pool} 题"
            )
    if not problems:
        try:
            paper = assemble_paper(spec, index, seed=0)
        except PaperError as exc:
            problems.append(f"抽题规则合在一起无法满足：{exc}")
        else:
            if paper.max_score <= 0:
                problems.append("试卷总分为 0：请检查各题型的分值")
    return problems
