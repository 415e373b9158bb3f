"""The role-play scorecard: a pure function of (scenario, transcript).

:func:`score_session` walks the transcript with the rules of :mod:`cstrainer.domain.roleplay` (the
same :class:`~cstrainer.domain.roleplay.ScenarioGrader`, mood/patience effects and branching), so the
customer's mood - which decides when empathy is expected - is recomputed exactly as the engine
had it. Nothing is read from the session but the transcript: a trainer can re-grade an old session
after editing the scenario. An agent reply whose turn no longer exists is graded without key
points and flagged ``轮次已删除``.

Each reply earns raw credit in five dimensions:

========== ====================================================== =================================
dimension  possible                                               earned
========== ====================================================== =================================
专业知识    the turn's total key-point weight                       weight of the key points hit;
                                                                  half for keyword stuffing; 0 for
                                                                  filler-only and near-duplicate
                                                                  replies
服务规范    1 per expected check: honorific (qc.honorific),         1 per check met
           greeting in the first reply (qc.greeting), closing in
           the reply that ends the conversation through an
           ``end:`` branch (qc.closing, not after a forbidden move)
沟通技巧    1 (a real answer) + 1 (length) + 1 when empathy is      answer: 0 when filler-only,
           expected (mood below qc.empathy_below_mood)            near-duplicate or ignoring the
                                                                  question; length: grade_reply's
                                                                  length score; empathy: 1 if found
响应时效    1                                                      1 within the target, falling
                                                                  linearly to 0 at twice the target;
                                                                  0 for a reply that answers
                                                                  nothing (filler, near-duplicate,
                                                                  ignoring the question)
合规        1                                                      0 with a banned word or forbidden
                                                                  move, else 1
========== ====================================================== =================================

A dimension's session value is ``100 × Σ earned / Σ possible`` over the replies. The score is the
weighted mean of the dimensions that apply (售前/售中: 30/20/20/15/15; 售后: 25/25/25/10/15). Because
both are sums, every point of the score belongs to one reply: ``ReplyGrade.points`` is that reply's
share of the score and ``ReplyGrade.explanation`` says what earned and lost it.

The outcome then caps the score, because good replies that lose the customer are not a good
conversation, and stopping after two good replies must not pay (:data:`OUTCOME_CAPS`): a success
outcome keeps the score; 未成交 and 流失 cap it at 60, 差评 at 40, 投诉 at 30, and a session the agent
ended before any outcome at 50. ``Scorecard.cap`` and ``cap_reason`` say when that happened. The
live grade the
engine returns after each reply (:func:`grade_live`) uses the same credit, scaled to that reply
alone (``points`` out of 100).

Pure Python: no I/O, no database, no Qt.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from cstrainer.domain.roleplay import (
    Effects,
    ReplyAnalysis,
    RulesArg,
    ScenarioGrader,
    TranscriptEntry,
    branch,
    reply_effects,
    settle,
)
from cstrainer.domain.scenario import ScenarioDef, TurnDef
from cstrainer.text.keywords import Span

__all__ = [
    "AFTER_SALE_WEIGHTS",
    "DIMENSIONS",
    "SALE_WEIGHTS",
    "MissedPoint",
    "ReplyGrade",
    "Scorecard",
    "dimension_weights",
    "grade_live",
    "score_session",
]

DIMENSIONS: tuple[str, ...] = ("专业知识", "服务规范", "沟通技巧", "响应时效", "合规")
SALE_WEIGHTS: dict[str, float] = {"专业知识": 30, "服务规范": 20, "沟通技巧": 20, "响应时效": 15, "合规": 15}
AFTER_SALE_WEIGHTS: dict[str, float] = {
    "专业知识": 25,
    "服务规范": 25,
    "沟通技巧": 25,
    "响应时效": 10,
    "合规": 15,
}

FLAG_STUFFING = "关键词堆砌"
FLAG_DUPLICATE = "重复回复"
FLAG_FILLER = "无效回复"
FLAG_IGNORED = "答非所问"
FLAG_SLOW = "超时"
FLAG_BANNED = "违禁用语"
FLAG_FORBIDDEN = "禁止说法"
FLAG_UNKNOWN_TURN = "轮次已删除"


def dimension_weights(stage: str) -> dict[str, float]:
    """The dimension weights for a scenario stage (售后 differs from 售前/售中)."""
    return dict(AFTER_SALE_WEIGHTS if stage == "售后" else SALE_WEIGHTS)


@dataclass(frozen=True)
class ReplyGrade:
    """One agent reply: what it hit and missed, the checks, flags and the points it earned."""

    index: int  # 0-based among the agent's replies
    turn_id: str | None
    text: str
    seconds: float
    key_points_hit: list[str]
    key_points_missed: list[str]
    hit_spans: list[tuple[int, int, str]]  # (start, end, key point id), for highlighting
    banned: list[dict[str, Any]]  # {word, start, end, reason, rule}
    forbidden: list[dict[str, Any]]  # {id, word, reason, start, end}
    greeting: bool | None  # None: not expected
    closing: bool | None
    honorific: bool | None
    empathy: bool | None
    within_target: bool
    length: int
    flags: list[str]
    points: float
    max_points: float
    explanation: list[str]
    covered: bool = False
    mood_before: int = 0
    mood_after: int = 0
    patience_after: int = 0
    #: dimension -> (earned, possible) raw credit (see the module docstring)
    credit: dict[str, tuple[float, float]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "turn_id": self.turn_id,
            "text": self.text,
            "seconds": self.seconds,
            "key_points_hit": list(self.key_points_hit),
            "key_points_missed": list(self.key_points_missed),
            "hit_spans": [list(s) for s in self.hit_spans],
            "banned": [dict(b) for b in self.banned],
            "forbidden": [dict(f) for f in self.forbidden],
            "greeting": self.greeting,
            "closing": self.closing,
            "honorific": self.honorific,
            "empathy": self.empathy,
            "within_target": self.within_target,
            "length": self.length,
            "flags": list(self.flags),
            "covered": self.covered,
            "mood_before": self.mood_before,
            "mood_after": self.mood_after,
            "patience_after": self.patience_after,
            "points": round(self.points, 2),
            "max_points": round(self.max_points, 2),
            "explanation": list(self.explanation),
        }


@dataclass(frozen=True)
class MissedPoint:
    """A key point the agent never made in a turn, with a better wording to learn from."""

    turn_id: str
    key_point_id: str
    feedback: str
    better: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "turn_id": self.turn_id,
            "key_point_id": self.key_point_id,
            "feedback": self.feedback,
            "better": self.better,
        }


@dataclass(frozen=True)
class Scorecard:
    """The whole session: score, dimensions, outcome, per-reply grades and missed points."""

    score: int
    dimensions: dict[str, int]
    outcome: str | None
    success: bool
    replies: list[ReplyGrade]
    answer_ratio: float  # 答问比: agent replies / customer messages
    avg_seconds: float
    slowest_seconds: float
    within_target: int  # replies within the reply-time target (rush mode shows it)
    missed: list[MissedPoint]
    weights: dict[str, float]
    scenario_key: str = ""
    customer_messages: int = 0
    exact_score: float = 0.0  # before rounding and capping; the sum of the replies' points
    cap: int | None = None  # the outcome's cap when it lowered the score (OUTCOME_CAPS)
    cap_reason: str | None = None

    def to_json(self) -> dict[str, Any]:
        """JSON-ready dict; holds the CLI shape (``replies``, ``outcome``, ``score``,
        ``dimensions``; the caller adds ``scenario``, ``seed`` and ``transcript``)."""
        return {
            "scenario": self.scenario_key,
            "outcome": self.outcome,
            "success": self.success,
            "score": self.score,
            "dimensions": dict(self.dimensions),
            "weights": dict(self.weights),
            "answer_ratio": round(self.answer_ratio, 3),
            "avg_seconds": round(self.avg_seconds, 2),
            "slowest_seconds": round(self.slowest_seconds, 2),
            "within_target": self.within_target,
            "reply_count": len(self.replies),
            "customer_messages": self.customer_messages,
            "replies": [r.to_json() for r in self.replies],
            "missed": [m.to_json() for m in self.missed],
            "score_before_cap": round(self.exact_score, 2),
            "cap": self.cap,
            "cap_reason": self.cap_reason,
        }


#: The highest score a session can reach with each outcome that is not a success (module docstring).
OUTCOME_CAPS: dict[str, int] = {"未成交": 60, "流失": 60, "差评": 40, "投诉": 30}
#: The cap of a session that ended without an outcome (the agent stopped early).
UNFINISHED_CAP = 50


def outcome_cap(scenario: ScenarioDef, outcome: str | None) -> tuple[int | None, str | None]:
    """The cap the outcome puts on the score, with the reason shown to the agent (None: no cap)."""
    if outcome is None:
        return UNFINISHED_CAP, f"对话没有结束就离开了，总分最高 {UNFINISHED_CAP} 分"
    if outcome in scenario.success_outcomes:
        return None, None
    cap = OUTCOME_CAPS.get(outcome)
    if cap is None:
        return None, None
    return cap, f"结局是“{outcome}”，没有达成场景目标，总分最高 {cap} 分"


# ---------------------------------------------------------------------------------------------
# Per reply
# ---------------------------------------------------------------------------------------------


def _time_credit(seconds: float, target: float) -> float:
    if seconds <= target:
        return 1.0
    return max(0.0, 1.0 - (seconds - target) / target) if target > 0 else 0.0


def _answered(a: ReplyAnalysis) -> bool:
    """The reply responds to the customer: not filler-only, not a near-duplicate, not off-topic."""
    return not (a.filler or a.duplicate_of is not None or a.ignored)


def _credit(
    scenario: ScenarioDef, turn: TurnDef | None, a: ReplyAnalysis, expect_closing: bool
) -> dict[str, tuple[float, float]]:
    """Raw (earned, possible) per dimension for one reply."""
    qc = scenario.qc
    assessment = a.assessment
    possible_kp = math.fsum(kp.weight for kp in turn.key_points) if turn is not None else 0.0
    earned_kp = 0.0
    if possible_kp > 0 and not a.wasted:
        hit = math.fsum(r.spec.weight for r in assessment.key_points if r.hit)
        earned_kp = hit * (assessment.rules.stuffing_factor if assessment.keyword_stuffing else 1.0)
    checks = []
    if qc.honorific:
        checks.append(assessment.honorific.found)
    if a.expect_greeting:
        checks.append(assessment.greeting.found)
    if expect_closing:
        checks.append(assessment.closing.found)
    answered = _answered(a)
    length = assessment.dimension("length").score
    comm_earned = (1.0 if answered else 0.0) + length
    comm_possible = 2.0
    if a.expect_empathy:
        comm_possible += 1.0
        comm_earned += 1.0 if assessment.empathy.found else 0.0
    return {
        "专业知识": (earned_kp, possible_kp),
        "服务规范": (float(sum(checks)), float(len(checks))),
        "沟通技巧": (comm_earned, comm_possible),
        # A fast reply that answers nothing is no timely answer (auto-reply style 在的 / 稍等).
        "响应时效": (_time_credit(a.seconds, scenario.reply_time_target_seconds) if answered else 0.0, 1.0),
        "合规": (0.0 if a.is_forbidden else 1.0, 1.0),
    }


def _fmt(x: float) -> str:
    text = f"{x:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _longest(spans: Sequence[Span]) -> str:
    return max(spans, key=lambda span: (span.end - span.start, -span.start)).word


def _flags(a: ReplyAnalysis) -> list[str]:
    flags = []
    if not a.turn_known:
        flags.append(FLAG_UNKNOWN_TURN)
    if a.assessment.keyword_stuffing and not a.filler:
        flags.append(FLAG_STUFFING)
    if a.duplicate_of is not None:
        flags.append(FLAG_DUPLICATE)
    if a.filler:
        flags.append(FLAG_FILLER)
    if a.ignored:
        flags.append(FLAG_IGNORED)
    if not a.within_target:
        flags.append(FLAG_SLOW)
    if any(h.rule != "scenario" for h in a.banned):
        flags.append(FLAG_BANNED)
    if a.forbidden:
        flags.append(FLAG_FORBIDDEN)
    return flags


def _explain(
    scenario: ScenarioDef,
    a: ReplyAnalysis,
    credit: Mapping[str, tuple[float, float]],
    factors: Mapping[str, float],
    expect_closing: bool,
    effects: Effects | None,
) -> list[str]:
    """Chinese lines naming what earned and lost points in each dimension."""
    assessment = a.assessment
    lines: list[str] = []
    if not a.turn_known:
        lines.append(f"轮次 {a.turn_id or '?'} 已不在情景里：这条回复没有要点可判。")

    def head(dim: str) -> str | None:
        earned, possible = credit[dim]
        if possible <= 0:
            return None
        return f"{dim} {_fmt(earned * factors[dim])}/{_fmt(possible * factors[dim])} 分"

    h = head("专业知识")
    if h:
        hit = [r for r in assessment.key_points if r.hit]
        parts = [f"命中 {len(hit)}/{len(assessment.key_points)} 个要点"]
        if hit:
            parts.append("、".join(f"{r.label}（“{_longest(r.spans)}”）" for r in hit if r.spans))
        lines.append(f"{h}：" + "，".join(parts) + "。")
        for r in assessment.missed:
            lines.append(f"  缺少要点 {r.label}：{r.feedback}")
        if assessment.keyword_stuffing:
            lines.append("  关键词堆砌：只罗列了要点词，没有成句，要点分按一半计。")
        if a.filler:
            lines.append("  无效回复：只有“好的/稍等/在的”之类的应答词，不计要点分。")
        elif a.duplicate_of is not None:
            lines.append(f"  重复回复：和第 {a.duplicate_of + 1} 条回复几乎一样，不计要点分。")
    h = head("服务规范")
    if h:
        parts = []
        marks = (
            ("敬称（亲/您）", scenario.qc.honorific, assessment.honorific.found, assessment.honorific.spans, "称呼顾客“亲”或“您”"),
            ("欢迎语", a.expect_greeting, assessment.greeting.found, assessment.greeting.spans, "第一条回复先问候，如“亲，您好”"),
            ("结束语", expect_closing, assessment.closing.found, assessment.closing.spans, "结束时加上“祝您生活愉快”“有问题随时联系”之类"),
        )  # fmt: skip
        for name, expected, found, spans, hint in marks:
            if not expected:
                continue
            parts.append(f"{name}✓“{spans[0].word}”" if found and spans else f"{name}✗（{hint}）")
        lines.append(f"{h}：" + "；".join(parts) + "。")
    h = head("沟通技巧")
    if h:
        parts = []
        if a.expect_empathy:
            if assessment.empathy.found:
                parts.append(f"安抚情绪✓“{assessment.empathy.spans[0].word}”")
            else:
                parts.append(f"安抚情绪✗（顾客心情 {a.mood_before}，先道歉、表示理解）")
        if a.ignored:
            parts.append("答非所问：没有回应顾客刚才说的话")
        elif a.filler:
            parts.append("只有应答词，没有回答")
        elif a.duplicate_of is not None:
            parts.append("重复了之前的回复")
        chars = assessment.char_count
        rules = assessment.rules
        if chars < rules.min_chars:
            parts.append(f"只有 {chars} 字，太短")
        elif rules.max_chars is not None and chars > rules.max_chars:
            parts.append(f"{chars} 字，太长，顾客不爱看长段文字")
        else:
            parts.append(f"{chars} 字，长度合适")
        lines.append(f"{h}：" + "；".join(parts) + "。")
    h = head("响应时效")
    if h:
        target = scenario.reply_time_target_seconds
        if not _answered(a):
            lines.append(f"{h}：回复没有回答顾客（应答词、重复或答非所问），不算及时响应。")
        elif a.within_target:
            lines.append(f"{h}：用时 {_fmt(a.seconds)} 秒，在 {target} 秒目标内。")
        else:
            lines.append(f"{h}：用时 {_fmt(a.seconds)} 秒，超出 {target} 秒目标 {_fmt(a.seconds_over)} 秒。")
    h = head("合规")
    if h:
        if not a.is_forbidden:
            lines.append(f"{h}：没有违禁用语或禁止说法。")
        else:
            lines.append(f"{h}：")
            for banned in a.banned:
                if banned.rule != "scenario":
                    lines.append(f"  违禁用语“{banned.word}”：{banned.reason}")
            for fh in a.forbidden:
                lines.append(f"  禁止说法“{fh.word}”：{fh.reason}")
    if effects is not None:
        lines.append("顾客反应：" + "；".join(effects.reasons) + "。")
    return lines


def _make_grade(
    scenario: ScenarioDef,
    a: ReplyAnalysis,
    index: int,
    credit: dict[str, tuple[float, float]],
    factors: Mapping[str, float],
    expect_closing: bool,
    mood_after: int,
    patience_after: int,
    effects: Effects | None,
) -> ReplyGrade:
    assessment = a.assessment
    points = math.fsum(credit[d][0] * factors[d] for d in DIMENSIONS)
    max_points = math.fsum(credit[d][1] * factors[d] for d in DIMENSIONS)
    hit_spans = [(span.start, span.end, r.label) for r in assessment.key_points if r.hit for span in r.spans]
    hit_spans.sort()
    return ReplyGrade(
        index=index,
        turn_id=a.turn_id,
        text=a.text,
        seconds=a.seconds,
        key_points_hit=[r.label for r in assessment.key_points if r.hit],
        key_points_missed=[r.label for r in assessment.key_points if not r.hit],
        hit_spans=hit_spans,
        banned=[
            {"word": h.word, "start": h.start, "end": h.end, "reason": h.reason, "rule": h.rule}
            for h in a.banned
        ],
        forbidden=[
            {"id": f.id, "word": f.word, "reason": f.reason, "start": f.start, "end": f.end}
            for f in a.forbidden
        ],
        greeting=assessment.greeting.found if a.expect_greeting else None,
        closing=assessment.closing.found if expect_closing else None,
        honorific=assessment.honorific.found if scenario.qc.honorific else None,
        empathy=assessment.empathy.found if a.expect_empathy else None,
        within_target=a.within_target,
        length=assessment.char_count,
        flags=_flags(a),
        points=points,
        max_points=max_points,
        explanation=_explain(scenario, a, credit, factors, expect_closing, effects),
        covered=a.covered,
        mood_before=a.mood_before,
        mood_after=mood_after,
        patience_after=patience_after,
        credit=credit,
    )


def _factors(weights: Mapping[str, float], possible: Mapping[str, float]) -> tuple[dict[str, float], float]:
    """Points per unit of raw credit in each dimension, and the total weight that applies."""
    total = math.fsum(weights[d] for d in DIMENSIONS if possible[d] > 0)
    factors = {
        d: (100.0 * weights[d] / total / possible[d]) if total > 0 and possible[d] > 0 else 0.0
        for d in DIMENSIONS
    }
    return factors, total


def grade_live(
    scenario: ScenarioDef,
    analysis: ReplyAnalysis,
    *,
    index: int,
    expect_closing: bool,
    mood_after: int,
    patience_after: int,
    effects: Effects | None = None,
) -> ReplyGrade:
    """The grade of one reply on its own (``points`` out of ``max_points`` = 100), for live
    feedback in the chat; the session scorecard comes from :func:`score_session`."""
    turn = scenario.find_turn(analysis.turn_id)
    credit = _credit(scenario, turn, analysis, expect_closing)
    factors, _ = _factors(dimension_weights(scenario.stage), {d: credit[d][1] for d in DIMENSIONS})
    return _make_grade(
        scenario, analysis, index, credit, factors, expect_closing, mood_after, patience_after, effects
    )


# ---------------------------------------------------------------------------------------------
# The session
# ---------------------------------------------------------------------------------------------


@dataclass
class _Step:
    analysis: ReplyAnalysis
    turn: TurnDef | None
    effects: Effects
    ends: bool  # this reply ended the conversation through an end: branch (not a forbidden move)
    outcome: str | None
    mood_after: int
    patience_after: int


def score_session(
    scenario: ScenarioDef,
    transcript: Sequence[TranscriptEntry],
    *,
    outcome: str | None = None,
    rules: RulesArg = None,
) -> Scorecard:
    """Grade a whole session (see the module docstring). ``outcome`` is the session's recorded
    outcome; without it the outcome is recomputed: the last reply's branch, patience or the turn
    limit under the current scenario, or 流失 when the transcript ends with the customer leaving
    (a system line after an unanswered customer message)."""
    grader = ScenarioGrader(scenario, rules)
    mood = max(0, min(100, scenario.mood))
    patience = max(0, min(100, scenario.patience))
    steps: list[_Step] = []
    previous: list[str] = []
    last_customer: TranscriptEntry | None = None
    customer_messages = 0
    for entry in transcript:
        if entry.role == "customer":
            last_customer = entry
            customer_messages += 1
            continue
        if entry.role != "agent":
            continue
        turn_id = entry.turn_id or (last_customer.turn_id if last_customer else None)
        turn = scenario.find_turn(turn_id)
        analysis = grader.analyse(
            turn,
            last_customer.text if last_customer else "",
            entry.text,
            entry.seconds,
            previous=previous,
            mood=mood,
            patience=patience,
            first=not steps,
        )
        if turn is None:
            analysis = _with_turn_id(analysis, turn_id)
        effects = reply_effects(analysis, scenario.reply_time_target_seconds)
        mood = max(0, min(100, mood + effects.mood_delta))
        patience = max(0, min(100, patience + effects.patience_delta))
        ends, step_outcome = False, None
        if turn is not None:
            target, via = branch(turn, analysis.covered, analysis.is_forbidden)
            step_outcome, reason = settle(scenario, target, patience, len(steps) + 1)
            ends = reason == "outcome" and via != "forbidden"
        steps.append(_Step(analysis, turn, effects, ends, step_outcome, mood, patience))
        previous.append(entry.text)

    if outcome is None:
        if steps and steps[-1].outcome is not None:
            outcome = steps[-1].outcome
        elif transcript and transcript[-1].role == "system" and last_customer is not None:
            outcome = "流失"

    credits: list[dict[str, tuple[float, float]]] = []
    for i, step in enumerate(steps):
        expect_closing = scenario.qc.closing and step.ends and i == len(steps) - 1
        credits.append(_credit(scenario, step.turn, step.analysis, expect_closing))
    earned = {d: math.fsum(c[d][0] for c in credits) for d in DIMENSIONS}
    possible = {d: math.fsum(c[d][1] for c in credits) for d in DIMENSIONS}
    weights = dimension_weights(scenario.stage)
    factors, total = _factors(weights, possible)

    grades = [
        _make_grade(
            scenario,
            step.analysis,
            i,
            credits[i],
            factors,
            scenario.qc.closing and step.ends and i == len(steps) - 1,
            step.mood_after,
            step.patience_after,
            step.effects,
        )
        for i, step in enumerate(steps)
    ]
    dimensions = {
        d: (round(100.0 * earned[d] / possible[d]) if possible[d] > 0 else (100 if steps else 0))
        for d in DIMENSIONS
    }
    exact = math.fsum(g.points for g in grades) if total > 0 else 0.0
    seconds = [s.analysis.seconds for s in steps]
    score = max(0, min(100, round(exact)))
    cap, cap_reason = outcome_cap(scenario, outcome)
    if cap is None or score <= cap:
        cap, cap_reason = None, None
    else:
        score = cap
    return Scorecard(
        score=score,
        cap=cap,
        cap_reason=cap_reason,
        dimensions=dimensions,
        outcome=outcome,
        success=outcome is not None and outcome in scenario.success_outcomes,
        replies=grades,
        answer_ratio=len(steps) / customer_messages if customer_messages else 0.0,
        avg_seconds=math.fsum(seconds) / len(seconds) if seconds else 0.0,
        slowest_seconds=max(seconds, default=0.0),
        within_target=sum(1 for s in steps if s.analysis.within_target),
        missed=_missed_points(steps),
        weights=weights,
        scenario_key=scenario.key,
        customer_messages=customer_messages,
        exact_score=exact,
    )


def _with_turn_id(analysis: ReplyAnalysis, turn_id: str | None) -> ReplyAnalysis:
    from dataclasses import replace

    return replace(analysis, turn_id=turn_id)


def _missed_points(steps: Sequence[_Step]) -> list[MissedPoint]:
    """Key points missed in a turn and not made in a later reply to the same turn, in order."""
    missed: dict[tuple[str, str], MissedPoint] = {}
    for step in steps:
        turn = step.turn
        if turn is None:
            continue
        for result in step.analysis.assessment.key_points:
            key = (turn.id, result.label)
            if result.hit and not step.analysis.wasted:
                missed.pop(key, None)
            elif not result.hit and key not in missed:
                kp = turn.key_point(result.label)
                feedback = kp.feedback if kp is not None else result.feedback
                better = (kp.better if kp is not None else None) or feedback
                missed[key] = MissedPoint(turn.id, result.label, feedback, better)
    return list(missed.values())
