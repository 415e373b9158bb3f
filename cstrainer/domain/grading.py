"""Grading one answer (:func:`grade`) and a whole paper (:func:`grade_paper`).

Responses have the shapes listed in :mod:`cstrainer.domain.questions`. The rules per type:

=========== ==========================================================================================
single      the right option earns full marks. With GIFT weights (``Option.weight``, percent) the
            chosen option's weight is the credit, clamped to 0..100 % (a wrong option with a
            negative weight never takes the question below 0).
multiple    all-or-nothing: exactly the right options. With ``partial_credit``:
            ``right chosen / all right − wrong chosen / all wrong``, floored at 0. With GIFT weights
            (any option has one): the sum of the chosen options' weights, clamped to 0..100 %.
truefalse   the answer must equal ``Question.answer``.
fill        every blank is normalised (:func:`~cstrainer.domain.normalize.normalize_answer`) and
            compared with each accepted alternative; an alternative that is a plain number also
            accepts the same number written differently (``七`` or ``7天`` for ``7``). Score =
            share of right blanks.
numeric     the best weight among the ``NumericAnswer`` entries that accept the parsed number
            (:func:`~cstrainer.domain.normalize.parse_number`: ``１２.５``, ``1,299元``, ``十二``).
short       with ``accepted`` answers: the best weight of an accepted answer *equal* to the response
            after normalisation. Containment is deliberately not enough: "不支持七天无理由" contains
            "七天无理由". With ``key_points``: weighted key-point coverage (the key-point part of
            :func:`~cstrainer.domain.reply_grader.grade_reply`, without courtesy and without the
            stuffing rule - a terse list is a fair short answer); a trainer confirms it
            (``needs_review``). With both, the better of the two.
reply       :func:`~cstrainer.domain.reply_grader.grade_reply` score / 100; ``needs_review``.
essay       0 until a trainer grades it (``needs_review``); key points, if any, are matched and
            offered as ``suggestion``.
matching    share of pairs matched right (``response[i] == i``).
description not scored: 0 of 0 points.
=========== ==========================================================================================

An empty or missing response scores 0 (``answered=False``, and no review is needed). A malformed one - a wrong type, an
index out of range - scores 0 with a note in ``notes``; grading never raises for a response.

Reply questions take their :class:`~cstrainer.domain.reply_grader.ReplyRules` from
``Question.extra["reply_rules"]`` (a mapping of ReplyRules field names; unknown names are
ignored) or the ``reply_rules`` argument; when neither says, ``expect_empathy`` is switched on
for customer messages that look upset (:func:`~cstrainer.domain.reply_grader.customer_seems_upset`).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from cstrainer.domain.normalize import normalize_answer, parse_number
from cstrainer.domain.papers import PaperItem
from cstrainer.domain.questions import Question, QuestionType, Response
from cstrainer.domain.reply_grader import (
    DEFAULT_RULES,
    KeyPointResult,
    MatcherCache,
    ReplyAssessment,
    ReplyRules,
    customer_seems_upset,
    grade_reply,
    match_key_points,
)
from cstrainer.text.banned import BannedWordScanner
from cstrainer.text.keywords import Span

__all__ = [
    "CategoryResult",
    "Detail",
    "Grade",
    "PaperResult",
    "grade",
    "grade_paper",
    "reply_rules_for",
]

_EPS = 1e-9


@dataclass(frozen=True)
class Detail:
    """One graded part of an answer: an option, a blank, a pair, a key point, an accepted answer.

    ``kind``: ``option`` | ``blank`` | ``pair`` | ``key_point`` | ``numeric`` | ``accepted`` |
    ``truefalse``. ``index`` is the option / blank / pair / key-point index. ``given`` is what
    the person gave for this part (text, or the chosen index as text), ``expected`` the right
    answer where one exists. ``correct`` is None for parts that are neither (an option nobody
    should have chosen and nobody did is not listed).
    """

    kind: str
    index: int | None
    correct: bool | None
    given: str = ""
    expected: str = ""
    feedback: str = ""
    spans: tuple[Span, ...] = ()
    chosen: bool = False


@dataclass(frozen=True)
class Grade:
    """The result of one answer. ``score`` is in points (0..``points``), ``fraction`` 0..1."""

    question_key: str
    type: QuestionType
    points: float
    score: float
    fraction: float
    correct: bool
    needs_review: bool
    answered: bool
    matched: tuple[Detail, ...] = ()
    feedback: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()  # malformed response, broken question
    suggestion: float | None = None  # essays: the key-point coverage a reviewer may start from
    reply: ReplyAssessment | None = None
    scored: bool = True

    def detail_dict(self) -> dict[str, Any]:
        """A JSON-ready summary (for ``AttemptItem.detail``): parts, feedback, notes, reply figures."""
        out: dict[str, Any] = {
            "matched": [
                {
                    "kind": d.kind,
                    "index": d.index,
                    "correct": d.correct,
                    "given": d.given,
                    "expected": d.expected,
                    "feedback": d.feedback,
                    "chosen": d.chosen,
                    "spans": [[s.start, s.end] for s in d.spans],
                }
                for d in self.matched
            ],
            "feedback": list(self.feedback),
            "notes": list(self.notes),
            "answered": self.answered,
        }
        if self.suggestion is not None:
            out["suggestion"] = self.suggestion
        if self.reply is not None:
            r = self.reply
            out["reply"] = {
                "score": r.score,
                "dimensions": {d.name: d.score for d in r.dimensions if d.applies},
                "keyword_stuffing": r.keyword_stuffing,
                "filler_only": r.filler_only,
                "cap": r.cap_reason,
                "banned": [
                    {"word": h.word, "start": h.start, "end": h.end, "rule": h.rule, "reason": h.reason}
                    for h in r.banned
                ],
            }
        return out

    def with_review(self, fraction: float, *, comment: str = "") -> Grade:
        """The grade after a trainer's decision (``fraction`` 0..1); no longer needs review."""
        f = min(1.0, max(0.0, fraction))
        feedback = (*self.feedback, comment) if comment else self.feedback
        return dataclasses.replace(
            self,
            fraction=f,
            score=f * self.points,
            correct=f >= 1.0 - _EPS,
            needs_review=False,
            feedback=feedback,
        )


def _clamp01(x: float) -> float:
    return 0.0 if x < 0 or math.isnan(x) else min(1.0, x)


def _result(
    q: Question,
    points: float,
    fraction: float,
    *,
    answered: bool = True,
    matched: Sequence[Detail] = (),
    feedback: Sequence[str] = (),
    notes: Sequence[str] = (),
    needs_review: bool | None = None,
    suggestion: float | None = None,
    reply: ReplyAssessment | None = None,
) -> Grade:
    f = _clamp01(fraction)
    return Grade(
        question_key=q.key,
        type=q.type,
        points=points,
        score=f * points,
        fraction=f,
        correct=f >= 1.0 - _EPS,
        needs_review=q.needs_review if needs_review is None else needs_review,
        answered=answered,
        matched=tuple(matched),
        feedback=tuple(x for x in feedback if x),
        notes=tuple(notes),
        suggestion=suggestion,
        reply=reply,
    )


def _is_empty(response: Response) -> bool:
    if response is None:
        return True
    if isinstance(response, str):
        return not response.strip()
    if isinstance(response, list | tuple | set | frozenset):
        return all(_is_empty(x) for x in response)
    return False


def _is_index(x: Any) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


# -- per type --------------------------------------------------------------------------------------


def _single(q: Question, points: float, response: Response) -> Grade:
    if not _is_index(response):
        return _result(q, points, 0, notes=[f"单选题的答案应为选项序号，收到 {type(response).__name__}"])
    if not 0 <= response < len(q.options):
        return _result(q, points, 0, notes=[f"选项序号 {response} 超出范围（共 {len(q.options)} 项）"])
    option = q.options[response]
    weighted = any(o.weight is not None for o in q.options)
    if weighted and option.weight is not None:
        fraction = option.weight / 100.0
    else:
        fraction = 1.0 if option.correct else 0.0
    right = [i for i, o in enumerate(q.options) if o.correct]
    detail = Detail(
        "option",
        response,
        option.correct,
        given=option.text,
        expected="；".join(q.options[i].text for i in right),
        feedback=option.feedback,
        chosen=True,
    )
    return _result(q, points, fraction, matched=[detail], feedback=[option.feedback])


def _multiple(q: Question, points: float, response: Response) -> Grade:
    if not isinstance(response, list | tuple | set | frozenset):
        return _result(q, points, 0, notes=[f"多选题的答案应为选项序号列表，收到 {type(response).__name__}"])
    if not all(_is_index(x) for x in response):
        return _result(q, points, 0, notes=["多选题的答案只能包含选项序号"])
    chosen = sorted(set(response))
    bad = [i for i in chosen if not 0 <= i < len(q.options)]
    if bad:
        return _result(q, points, 0, notes=[f"选项序号 {bad[0]} 超出范围（共 {len(q.options)} 项）"])
    right = {i for i, o in enumerate(q.options) if o.correct}
    wrong = set(range(len(q.options))) - right
    picked = set(chosen)
    if any(o.weight is not None for o in q.options):
        fraction = sum((q.options[i].weight or 0.0) for i in chosen) / 100.0
    elif q.partial_credit:
        hit = len(picked & right) / len(right) if right else 0.0
        miss = len(picked & wrong) / len(wrong) if wrong else 0.0
        fraction = hit - miss
    else:
        fraction = 1.0 if picked == right else 0.0
    details = []
    for i, option in enumerate(q.options):
        if i in picked or i in right:
            details.append(
                Detail(
                    "option",
                    i,
                    (i in right) == (i in picked),
                    given=option.text if i in picked else "",
                    expected=option.text if i in right else "",
                    feedback=option.feedback if i in picked else "",
                    chosen=i in picked,
                )
            )
    return _result(q, points, fraction, matched=details, feedback=[q.options[i].feedback for i in chosen])


def _truefalse(q: Question, points: float, response: Response) -> Grade:
    if not isinstance(response, bool):
        return _result(
            q, points, 0, notes=[f"判断题的答案应为 对/错（布尔值），收到 {type(response).__name__}"]
        )
    if q.answer is None:
        return _result(q, points, 0, notes=["题目没有设置正确答案"])
    ok = response == q.answer
    text = q.true_feedback if response else q.false_feedback
    detail = Detail("truefalse", None, ok, given="对" if response else "错", expected="对" if q.answer else "错",
                    feedback=text, chosen=True)  # fmt: skip
    return _result(q, points, 1.0 if ok else 0.0, matched=[detail], feedback=[text])


def _plain_number(text: str) -> float | None:
    """The value of an alternative written as a bare number (``7``, ``12.5``), else None."""
    normal = normalize_answer(text)
    if normal and all(ch.isdecimal() or ch in ".-" for ch in normal):
        return parse_number(text)
    return None


def _blank_right(given: str, alternatives: Sequence[str]) -> bool:
    normal = normalize_answer(given)
    if not normal:
        return False
    number: float | None = None
    for alternative in alternatives:
        if normalize_answer(alternative) == normal:
            return True
        value = _plain_number(alternative)
        if value is not None:
            if number is None:
                number = parse_number(given)
                if number is None:
                    number = math.nan
            if abs(number - value) <= _EPS * max(1.0, abs(value)):
                return True
    return False


def _fill(q: Question, points: float, response: Response) -> Grade:
    if not q.blanks:
        return _result(q, points, 0, notes=["题目没有设置填空答案"])
    if isinstance(response, str):
        response = [response] if len(q.blanks) == 1 else None
    if not isinstance(response, list | tuple):
        return _result(
            q, points, 0, notes=[f"填空题的答案应为每空一段文字的列表，收到 {type(response).__name__}"]
        )
    details: list[Detail] = []
    notes: list[str] = []
    right = 0
    for i, alternatives in enumerate(q.blanks):
        given = response[i] if i < len(response) else None
        if given is not None and not isinstance(given, str):
            notes.append(f"第 {i + 1} 空的答案不是文字")
            given = None
        ok = given is not None and _blank_right(given, alternatives)
        right += ok
        details.append(Detail("blank", i, ok, given=given or "", expected=" / ".join(alternatives)))
    if len(response) > len(q.blanks):
        notes.append(f"答案有 {len(response)} 空，题目只有 {len(q.blanks)} 空；多出的不计")
    return _result(q, points, right / len(q.blanks), matched=details, notes=notes)


def _numeric(q: Question, points: float, response: Response) -> Grade:
    if not q.numeric:
        return _result(q, points, 0, notes=["题目没有设置数值答案"])
    if isinstance(response, bool) or not isinstance(response, int | float | str):
        return _result(q, points, 0, notes=[f"数值题的答案应为数字或文字，收到 {type(response).__name__}"])
    number = float(response) if isinstance(response, int | float) else parse_number(response)
    given = str(response)
    if number is None or not math.isfinite(number):
        return _result(q, points, 0, matched=[Detail("numeric", None, False, given=given)],
                       notes=[f"“{given}”不是一个数"])  # fmt: skip
    best, best_answer = 0.0, None
    for answer in q.numeric:
        try:
            accepted = answer.accepts(number)
        except AssertionError:  # an answer with neither value nor range
            continue
        if accepted and (best_answer is None or answer.weight > best_answer.weight):
            best, best_answer = answer.weight / 100.0, answer
    expected = _numeric_label(q)
    feedback = best_answer.feedback if best_answer is not None else ""
    detail = Detail("numeric", None, best >= 1.0 - _EPS, given=given, expected=expected, feedback=feedback)
    return _result(q, points, best, matched=[detail], feedback=[feedback])


def _numeric_label(q: Question) -> str:
    parts = []
    for a in q.numeric:
        if a.weight < 100 - _EPS:
            continue
        if a.value is not None:
            parts.append(f"{a.value:g}" + (f" ± {a.tolerance:g}" if a.tolerance else ""))
        elif a.low is not None and a.high is not None:
            parts.append(f"{a.low:g} ~ {a.high:g}")
    return " 或 ".join(parts)


def _key_point_details(results: Sequence[KeyPointResult]) -> list[Detail]:
    return [
        Detail(
            "key_point",
            i,
            r.hit,
            given="、".join(s.word for s in r.spans),
            expected=r.label,
            feedback=r.feedback,
            spans=r.spans,
        )
        for i, r in enumerate(results)
    ]


def _short(q: Question, points: float, response: Response, matcher_cache: MatcherCache | None) -> Grade:
    if not isinstance(response, str):
        return _result(q, points, 0, notes=[f"简答题的答案应为文字，收到 {type(response).__name__}"])
    if not q.accepted and not q.key_points:
        return _result(q, points, 0, needs_review=True, notes=["题目没有参考答案，需要人工评分"])
    details: list[Detail] = []
    feedback: list[str] = []
    best = 0.0
    if q.accepted:
        normal = normalize_answer(response)
        match = None
        for accepted in q.accepted:
            if normalize_answer(accepted.text) == normal and (
                match is None or accepted.weight > match.weight
            ):
                match = accepted
        if match is not None:
            best = match.weight / 100.0
            feedback.append(match.feedback)
        details.append(
            Detail(
                "accepted",
                None,
                match is not None and best >= 1 - _EPS,
                given=response,
                expected=" / ".join(a.text for a in q.accepted if a.weight >= 100 - _EPS),
                feedback=match.feedback if match else "",
            )
        )
    if q.key_points:
        try:
            results, coverage = match_key_points(response, q.key_points, matcher_cache=matcher_cache)
        except ValueError as exc:
            return _result(q, points, best, needs_review=True, matched=details,
                           notes=[f"题目的要点设置有误：{exc}"])  # fmt: skip
        details.extend(_key_point_details(results))
        feedback.extend(r.feedback for r in results if not r.hit)
        best = max(best, coverage)
    return _result(q, points, best, matched=details, feedback=feedback)


def reply_rules_for(question: Question, base: ReplyRules | None = None) -> ReplyRules:
    """The reply rules of a reply question (see the module docstring)."""
    overrides = question.extra.get("reply_rules") if isinstance(question.extra, Mapping) else None
    rules = base if base is not None else DEFAULT_RULES
    changes: dict[str, Any] = {}
    if isinstance(overrides, Mapping):
        names = {f.name: f for f in dataclasses.fields(ReplyRules)}
        for name, value in overrides.items():
            if name in names and name != "weights" and isinstance(value, bool | int | float | type(None)):
                changes[name] = value
    if base is None and "expect_empathy" not in changes and customer_seems_upset(question.stem):
        changes["expect_empathy"] = True
    return dataclasses.replace(rules, **changes) if changes else rules


def _reply(
    q: Question,
    points: float,
    response: Response,
    scanner: BannedWordScanner,
    matcher_cache: MatcherCache | None,
    rules: ReplyRules | None,
) -> Grade:
    if not isinstance(response, str):
        return _result(q, points, 0, notes=[f"回复题的答案应为文字，收到 {type(response).__name__}"])
    try:
        assessment = grade_reply(
            response,
            q.key_points,
            scanner=scanner,
            matcher_cache=matcher_cache,
            rules=reply_rules_for(q, rules),
        )
    except ValueError as exc:
        return _result(q, points, 0, notes=[f"题目的要点设置有误：{exc}"])
    fraction = assessment.fraction
    return _result(
        q,
        points,
        fraction,
        matched=_key_point_details(assessment.key_points),
        feedback=assessment.explain(),
        reply=assessment,
        suggestion=fraction,
    )


def _essay(q: Question, points: float, response: Response, matcher_cache: MatcherCache | None) -> Grade:
    if not isinstance(response, str):
        return _result(q, points, 0, notes=[f"问答题的答案应为文字，收到 {type(response).__name__}"])
    if not q.key_points:
        return _result(q, points, 0, feedback=["等待培训师评分。"])
    try:
        results, coverage = match_key_points(response, q.key_points, matcher_cache=matcher_cache)
    except ValueError as exc:
        return _result(q, points, 0, notes=[f"题目的要点设置有误：{exc}"])
    hint = f"等待培训师评分；参考要点覆盖 {round(coverage * 100)}%。"
    return _result(q, points, 0, matched=_key_point_details(results), feedback=[hint], suggestion=coverage)


def _matching(q: Question, points: float, response: Response) -> Grade:
    if not q.pairs:
        return _result(q, points, 0, notes=["题目没有设置配对"])
    if not isinstance(response, list | tuple):
        return _result(q, points, 0, notes=[f"匹配题的答案应为列表，收到 {type(response).__name__}"])
    if not all(x is None or _is_index(x) for x in response):
        return _result(q, points, 0, notes=["匹配题的答案只能包含序号或空"])
    bad = [x for x in response if x is not None and not 0 <= x < len(q.pairs)]
    if bad:
        return _result(q, points, 0, notes=[f"配对序号 {bad[0]} 超出范围（共 {len(q.pairs)} 对）"])
    details = []
    right = 0
    for i, pair in enumerate(q.pairs):
        chosen = response[i] if i < len(response) else None
        ok = chosen == i
        right += ok
        given = q.pairs[chosen].right if chosen is not None else ""
        details.append(Detail("pair", i, ok, given=given, expected=pair.right, chosen=chosen is not None))
    return _result(q, points, right / len(q.pairs), matched=details)


def grade(
    question: Question,
    response: Response,
    *,
    scanner: BannedWordScanner,
    points: float = 1.0,
    matcher_cache: MatcherCache | None = None,
    reply_rules: ReplyRules | None = None,
) -> Grade:
    """Grade ``response`` to ``question`` worth ``points`` (see the module docstring).

    ``scanner`` checks reply questions for banned wording; ``matcher_cache`` is handed to the
    reply grader (a dict shared by one grading run saves compiling key points twice).
    Never raises for a response: empty gives 0, malformed gives 0 with a note.
    """
    q = question
    if q.type is QuestionType.DESCRIPTION:
        return Grade(q.key, q.type, 0.0, 0.0, 0.0, False, False, False, scored=False)
    points = max(0.0, float(points))
    if _is_empty(response):
        feedback = ["等待培训师评分。"] if q.type is QuestionType.ESSAY else ["未作答。"]
        # Nothing to review in an empty answer: its 0 is final.
        return _result(q, points, 0, answered=False, feedback=feedback, needs_review=False)
    handlers: dict[QuestionType, Callable[[], Grade]] = {
        QuestionType.SINGLE: lambda: _single(q, points, response),
        QuestionType.MULTIPLE: lambda: _multiple(q, points, response),
        QuestionType.TRUEFALSE: lambda: _truefalse(q, points, response),
        QuestionType.FILL: lambda: _fill(q, points, response),
        QuestionType.NUMERIC: lambda: _numeric(q, points, response),
        QuestionType.SHORT: lambda: _short(q, points, response, matcher_cache),
        QuestionType.REPLY: lambda: _reply(q, points, response, scanner, matcher_cache, reply_rules),
        QuestionType.ESSAY: lambda: _essay(q, points, response, matcher_cache),
        QuestionType.MATCHING: lambda: _matching(q, points, response),
    }
    handler = handlers.get(q.type)
    if handler is None:  # pragma: no cover - every type is listed
        return _result(q, points, 0, notes=[f"未知题型 {q.type}"])
    return handler()


# -- papers ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CategoryResult:
    category: str
    score: float
    max_score: float
    count: int

    @property
    def percent(self) -> float:
        return 100.0 * self.score / self.max_score if self.max_score > 0 else 0.0


@dataclass(frozen=True)
class PaperResult:
    """A graded paper: totals, a breakdown per category, and every item's :class:`Grade`."""

    total: float
    max_score: float
    grades: tuple[Grade, ...]  # in paper order
    by_category: dict[str, CategoryResult] = field(default_factory=dict)
    needs_review: tuple[int, ...] = ()  # positions of items a trainer must confirm

    @property
    def percent(self) -> float:
        return 100.0 * self.total / self.max_score if self.max_score > 0 else 0.0

    @property
    def pending_review(self) -> bool:
        return bool(self.needs_review)

    def passed(self, pass_mark: float) -> bool:
        """Whether the percent reaches ``pass_mark`` (provisional while items await review)."""
        return self.percent >= pass_mark - _EPS


def grade_paper(
    items: Sequence[PaperItem],
    responses: Mapping[Any, Response],
    scanner: BannedWordScanner,
    *,
    matcher_cache: MatcherCache | None = None,
) -> PaperResult:
    """Grade every item of a paper; ``responses`` maps question key (or position) to response.

    A response is looked up by the item's question key first, then by its position. Items
    without a response score 0. Descriptions count neither in the total nor in the maximum.
    Compiled key-point matchers come from ``matcher_cache`` or, by default, the reply grader's
    process-wide cache, so grading many papers of one exam compiles each list once.
    """
    grades: list[Grade] = []
    sums: dict[str, list[float]] = {}
    review: list[int] = []
    total = maximum = 0.0
    for item in items:
        question = item.question
        response = responses.get(question.key)
        if response is None:
            response = responses.get(item.position)
        g = grade(question, response, scanner=scanner, points=item.points, matcher_cache=matcher_cache)
        grades.append(g)
        if not g.scored:
            continue
        total += g.score
        maximum += g.points
        bucket = sums.setdefault(question.category or "未分类", [0.0, 0.0, 0.0])
        bucket[0] += g.score
        bucket[1] += g.points
        bucket[2] += 1
        if g.needs_review:
            review.append(item.position)
    by_category = {
        name: CategoryResult(name, score, top, int(count)) for name, (score, top, count) in sums.items()
    }
    return PaperResult(
        total=total,
        max_score=maximum,
        grades=tuple(grades),
        by_category=by_category,
        needs_review=tuple(review),
    )
