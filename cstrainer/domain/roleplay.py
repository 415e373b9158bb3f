"""The role-play state machine: a simulated customer that reacts to the agent's replies.

:class:`RolePlay` plays one :class:`~cstrainer.domain.scenario.ScenarioDef`. The customer opens with
a wording of the ``start`` turn; every agent reply is analysed (:class:`ScenarioGrader`), changes the
customer's mood and patience, and branches to the next turn or to an outcome. The same scenario,
seed and replies always give the same transcript: the wording of a turn is chosen with
``random.Random(f"{seed}|{turn_id}|{visit}")``, so neither the order of earlier choices nor Python's
hash seed matters.

How a reply is judged (shared with the grader, :mod:`cstrainer.domain.roleplay_scoring`):

* **covered** - the weighted share of the turn's key points hit is at least the turn's
  ``pass_ratio`` (0.6 by default). A turn without key points is covered by any real reply. A
  filler-only reply (嗯 / 好的 / 稍等 alone) never covers anything. Keyword stuffing still covers
  (the customer got the information); the grader halves its key-point credit instead.
* **forbidden** - the reply uses a banned word of the shared lists (when ``qc.banned``), a word of
  ``qc.extra_banned`` or a forbidden move of the scenario or of the turn (synonyms on jieba tokens,
  or regexes). A forbidden reply branches to ``on_forbidden`` (default ``on_missed``) even when it
  covered the key points.
* **near-duplicate** - rapidfuzz ratio >= 90 against an earlier reply of the session.
* **ignored the question** - the turn has key points, none was hit, and fewer than 20 % of the
  content words of the customer's latest message come back in the reply.

Mood and patience (0..100, clamped), applied after every reply:

================================ ================== ==================
event                            mood               patience
================================ ================== ==================
forbidden move                   -30                -20
covered (and not forbidden)      +10
missed (and not forbidden)       -10                -15
slow reply                                          -2 per whole second over the target
filler-only or near-duplicate                       -10
================================ ================== ==================

Then the conversation ends when the branch is an ``end:`` outcome; else when patience is 0 or
less (the customer leaves: 流失); else when the agent has sent ``max_replies`` replies (default
``2 × turns + 2``) without an outcome (售前: 未成交, otherwise 流失). Otherwise the customer says the
next turn; a turn said before (the customer repeats because the agent missed) uses one of its
``impatient_wordings`` when it has them. :meth:`RolePlay.give_up` ends a session in which the
agent stayed silent until the customer left (流失).

Pure Python: no I/O, no database, no Qt.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Literal

from rapidfuzz import fuzz, process

from cstrainer.domain.normalize import normalize_answer
from cstrainer.domain.questions import KeyPointSpec
from cstrainer.domain.reply_grader import (
    _SEGMENTATION,
    GRAMMAR_WORDS,
    ReplyAssessment,
    ReplyRules,
    grade_reply,
    matcher_for,
)
from cstrainer.domain.scenario import ForbiddenMove, ScenarioDef, TurnDef, is_terminal, outcome_of
from cstrainer.text.banned import BannedHit, BannedRule, BannedWordScanner, default_rules
from cstrainer.text.normalize import fold

if TYPE_CHECKING:  # pragma: no cover - typing only
    from cstrainer.domain.roleplay_scoring import ReplyGrade

__all__ = [
    "DUPLICATE_RATIO",
    "CustomerLine",
    "Effects",
    "ForbiddenHit",
    "ReplyAnalysis",
    "ReplyOutcome",
    "RolePlay",
    "RolePlayState",
    "ScenarioGrader",
    "TranscriptEntry",
    "branch",
    "pick_wording",
    "play",
    "reply_effects",
    "settle",
    "transcript_json",
]

MOOD_COVERED = 10
MOOD_MISSED = -10
PATIENCE_MISSED = -15
MOOD_FORBIDDEN = -30
PATIENCE_FORBIDDEN = -20
PATIENCE_PER_SLOW_SECOND = -2
PATIENCE_WASTED = -10  # filler-only or near-duplicate reply
DUPLICATE_RATIO = 90.0
IGNORED_OVERLAP = 0.2

Role = Literal["customer", "agent", "system"]
Via = Literal["covered", "missed", "forbidden"]
RulesArg = BannedWordScanner | Sequence[BannedRule] | None


# ---------------------------------------------------------------------------------------------
# Transcript
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CustomerLine:
    """What the customer says: a wording of a turn (``impatient``: from ``impatient_wordings``)."""

    turn_id: str
    text: str
    wording_index: int
    impatient: bool = False


@dataclass(frozen=True)
class TranscriptEntry:
    """One message. ``seconds`` is the agent's response time (0 for customer lines); ``at`` is the
    time since the session start. An agent entry's ``turn_id`` is the turn it answers."""

    role: Role
    text: str
    seconds: float = 0.0
    turn_id: str | None = None
    wording_index: int | None = None
    at: float = 0.0
    impatient: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "role": self.role,
            "text": self.text,
            "seconds": self.seconds,
            "turn_id": self.turn_id,
            "wording_index": self.wording_index,
            "at": self.at,
            "impatient": self.impatient,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> TranscriptEntry:
        role = d.get("role", "system")
        return cls(
            role=role if role in ("customer", "agent", "system") else "system",
            text=str(d.get("text", "")),
            seconds=float(d.get("seconds") or 0.0),
            turn_id=d.get("turn_id"),
            wording_index=d.get("wording_index"),
            at=float(d.get("at") or 0.0),
            impatient=bool(d.get("impatient", False)),
        )


def transcript_json(
    transcript: Sequence[TranscriptEntry], *, include_system: bool = False
) -> list[dict[str, Any]]:
    """The CLI form of a transcript: ``[{role, text, seconds, turn_id}]`` (customer and agent)."""
    return [
        {"role": e.role, "text": e.text, "seconds": e.seconds, "turn_id": e.turn_id}
        for e in transcript
        if include_system or e.role != "system"
    ]


def pick_wording(seed: int, turn: TurnDef, visit: int) -> CustomerLine:
    """The customer's line for the ``visit``-th visit (0-based) of ``turn``, chosen by ``seed``."""
    impatient = visit > 0 and bool(turn.impatient_wordings)
    pool = turn.impatient_wordings if impatient else turn.wordings
    if not pool:
        return CustomerLine(turn.id, "……", 0, impatient)
    index = random.Random(f"{seed}|{turn.id}|{visit}").randrange(len(pool))
    return CustomerLine(turn.id, pool[index], index, impatient)


# ---------------------------------------------------------------------------------------------
# Analysing a reply (shared with the grader)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ForbiddenHit:
    """A forbidden move found in a reply (``id`` is the move id, or ``extra`` for qc.extra_banned)."""

    id: str
    word: str
    reason: str
    start: int
    end: int


@dataclass(frozen=True)
class ReplyAnalysis:
    """Everything the engine and the grader need to know about one reply in its context."""

    turn_id: str | None
    turn_known: bool
    text: str
    seconds: float
    assessment: ReplyAssessment  # grade_reply with the turn's key points and the context's rules
    coverage: float  # weighted key-point coverage, 0..1 (1 for a turn without key points)
    covered: bool
    banned: tuple[BannedHit, ...]  # shared banned words and qc.extra_banned words
    forbidden: tuple[ForbiddenHit, ...]  # forbidden moves and qc.extra_banned words
    filler: bool
    duplicate_of: int | None  # index of the earlier reply this one nearly repeats
    ignored: bool  # did not respond to the customer's latest message
    within_target: bool
    seconds_over: float
    first: bool
    mood_before: int
    patience_before: int
    expect_greeting: bool
    expect_empathy: bool

    @property
    def is_forbidden(self) -> bool:
        return bool(self.banned or self.forbidden)

    @property
    def wasted(self) -> bool:
        """A filler-only or near-duplicate reply."""
        return self.filler or self.duplicate_of is not None


@dataclass(frozen=True)
class Effects:
    mood_delta: int
    patience_delta: int
    reasons: tuple[str, ...]  # Chinese, for the explanation


def reply_effects(analysis: ReplyAnalysis, target_seconds: float) -> Effects:
    """The mood and patience change of one reply (see the module docstring)."""
    mood = patience = 0
    reasons: list[str] = []
    if analysis.is_forbidden:
        mood += MOOD_FORBIDDEN
        patience += PATIENCE_FORBIDDEN
        reasons.append(f"违禁/禁止说法：心情 {MOOD_FORBIDDEN}，耐心 {PATIENCE_FORBIDDEN}")
    elif analysis.covered:
        mood += MOOD_COVERED
        reasons.append(f"答到了：心情 +{MOOD_COVERED}")
    else:
        mood += MOOD_MISSED
        patience += PATIENCE_MISSED
        reasons.append(f"没答到：心情 {MOOD_MISSED}，耐心 {PATIENCE_MISSED}")
    over = int(max(0.0, analysis.seconds - target_seconds))
    if over > 0:
        patience += PATIENCE_PER_SLOW_SECOND * over
        reasons.append(f"慢了 {over} 秒：耐心 {PATIENCE_PER_SLOW_SECOND * over}")
    if analysis.wasted:
        patience += PATIENCE_WASTED
        reasons.append(f"{'无效回复' if analysis.filler else '重复回复'}：耐心 {PATIENCE_WASTED}")
    return Effects(mood, patience, tuple(reasons))


def branch(turn: TurnDef, covered: bool, forbidden: bool) -> tuple[str, Via]:
    """The branch target after a reply and which branch it was."""
    if forbidden:
        return turn.forbidden_target, "forbidden"
    if covered:
        return turn.on_covered, "covered"
    return turn.on_missed, "missed"


def settle(scenario: ScenarioDef, target: str, patience: int, replies: int) -> tuple[str | None, str | None]:
    """``(outcome, reason)`` after a reply, or ``(None, None)`` when the conversation goes on.
    Reasons: ``outcome`` (an end: branch), ``patience`` (patience ran out), ``turn_limit``."""
    if is_terminal(target):
        return outcome_of(target), "outcome"
    if patience <= 0:
        return "流失", "patience"
    if replies >= scenario.reply_limit:
        return scenario.limit_outcome, "turn_limit"
    return None, None


def _clamp(value: int) -> int:
    return max(0, min(100, value))


@lru_cache(maxsize=1)
def _shared_rules() -> tuple[BannedRule, ...]:
    return tuple(default_rules())


_SCANNERS: dict[tuple[int, bool, tuple[tuple[str, str], ...]], tuple[object, BannedWordScanner]] = {}


def _scanner(rules: RulesArg, banned: bool, extra: tuple[tuple[str, str], ...]) -> BannedWordScanner:
    """A scanner over the shared rules (when ``banned``) plus the scenario's extra words.

    Cached by the identity of the rule tuple: ``default_scanner()`` builds a new scanner per call
    but over the same cached rule tuple, so callers that pass it each time still hit the cache."""
    if isinstance(rules, BannedWordScanner) and banned and not extra:
        return rules
    if rules is None:
        base: tuple[BannedRule, ...] = _shared_rules()
    elif isinstance(rules, BannedWordScanner):
        base = rules.rules
    else:
        base = tuple(rules)
    key = (id(base), banned, extra)
    cached = _SCANNERS.get(key)
    if cached is not None and cached[0] is base:
        return cached[1]
    extra_rules = [BannedRule(word, reason, "scenario") for word, reason in extra if word.strip()]
    scanner = BannedWordScanner([*(base if banned else ()), *extra_rules])
    if len(_SCANNERS) > 256:
        _SCANNERS.clear()
    _SCANNERS[key] = (base, scanner)
    return scanner


@lru_cache(maxsize=4096)
def _normalized(text: str) -> str:
    """The form replies are compared in for near-duplicates (earlier replies are looked up often)."""
    return normalize_answer(text)


@lru_cache(maxsize=4096)
def _content_words(text: str) -> frozenset[str]:
    """The content words of a customer message (no grammar words, punctuation or single 亲)."""
    toks = _SEGMENTATION.tokens(fold(text), hmm=False)
    return frozenset(
        t.word for t in toks if any(ch.isalnum() for ch in t.word) and t.word not in GRAMMAR_WORDS
    )


class ScenarioGrader:
    """A scenario compiled for analysing replies (scanner and matchers built once)."""

    def __init__(self, scenario: ScenarioDef, rules: RulesArg = None) -> None:
        self.scenario = scenario
        self.scanner = _scanner(rules, scenario.qc.banned, scenario.qc.extra_banned)
        # Per turn: the forbidden moves that apply (scenario-wide first) and their matcher specs.
        self._moves: dict[str | None, tuple[tuple[ForbiddenMove, ...], tuple[KeyPointSpec, ...]]] = {}
        self._moves[None] = self._compile(scenario.forbidden)
        for turn in scenario.turns:
            self._moves.setdefault(turn.id, self._compile((*scenario.forbidden, *turn.forbidden)))

    @staticmethod
    def _compile(
        moves: Sequence[ForbiddenMove],
    ) -> tuple[tuple[ForbiddenMove, ...], tuple[KeyPointSpec, ...]]:
        usable = tuple(m for m in moves if any(s.strip() for s in m.synonyms) or m.regexes)
        specs = tuple(
            KeyPointSpec(m.synonyms, 1.0, m.regexes, m.reason, f"m{i}") for i, m in enumerate(usable)
        )
        return usable, specs

    def _forbidden_moves(self, turn: TurnDef | None, text: str) -> list[ForbiddenHit]:
        moves, specs = self._moves.get(turn.id if turn is not None else None) or self._moves[None]
        if not specs:
            return []
        hits: list[ForbiddenHit] = []
        for move, match in zip(moves, matcher_for(specs).match(text), strict=True):
            if match.hit:
                span = match.spans[0]
                hits.append(ForbiddenHit(move.id, span.word, move.reason, span.start, span.end))
        return hits

    def analyse(
        self,
        turn: TurnDef | None,
        customer_line: str,
        text: str,
        seconds: float,
        *,
        previous: Sequence[str] = (),
        mood: int,
        patience: int,
        first: bool,
    ) -> ReplyAnalysis:
        """Analyse one reply to ``turn`` (None: a turn that no longer exists - no key points)."""
        qc = self.scenario.qc
        target = self.scenario.reply_time_target_seconds
        expect_greeting = qc.greeting and first
        expect_empathy = mood < qc.empathy_below_mood
        rules = ReplyRules(
            require_honorific=qc.honorific,
            expect_greeting=expect_greeting,
            expect_closing=False,
            expect_empathy=expect_empathy,
        )
        specs = turn.specs if turn is not None else ()
        assessment = grade_reply(text, specs, scanner=self.scanner, rules=rules)
        filler = assessment.filler_only or assessment.cap_reason == "empty"
        coverage = assessment.coverage if specs else 1.0
        pass_ratio = turn.pass_ratio if turn is not None else 1.0
        covered = not filler and (not specs or coverage + 1e-9 >= pass_ratio)
        banned = assessment.banned
        forbidden = self._forbidden_moves(turn, text)
        forbidden += [
            ForbiddenHit("extra", hit.word, hit.reason, hit.start, hit.end)
            for hit in banned
            if hit.rule == "scenario"
        ]
        duplicate_of: int | None = None
        normalized = _normalized(text)
        if normalized and previous and not filler:
            choices = [_normalized(p) for p in previous]
            found = process.extractOne(normalized, choices, scorer=fuzz.ratio, score_cutoff=DUPLICATE_RATIO)
            if found is not None:
                duplicate_of = int(found[2])
        ignored = False
        if specs and not filler and not any(r.hit for r in assessment.key_points):
            wanted = _content_words(customer_line)
            if wanted:
                said = {t.word for t in _SEGMENTATION.tokens(fold(text), hmm=False)}
                ignored = len(wanted & said) / len(wanted) < IGNORED_OVERLAP
        seconds = max(0.0, float(seconds)) if math.isfinite(seconds) else 0.0
        return ReplyAnalysis(
            turn_id=turn.id if turn is not None else None,
            turn_known=turn is not None,
            text=text,
            seconds=seconds,
            assessment=assessment,
            coverage=coverage,
            covered=covered,
            banned=banned,
            forbidden=tuple(forbidden),
            filler=filler,
            duplicate_of=duplicate_of,
            ignored=ignored,
            within_target=seconds <= target,
            seconds_over=max(0.0, seconds - target),
            first=first,
            mood_before=mood,
            patience_before=patience,
            expect_greeting=expect_greeting,
            expect_empathy=expect_empathy,
        )


# ---------------------------------------------------------------------------------------------
# The engine
# ---------------------------------------------------------------------------------------------


@dataclass
class RolePlayState:
    turn_id: str
    mood: int
    patience: int
    replies: int = 0
    outcome: str | None = None
    ended_reason: str | None = None  # outcome | patience | turn_limit | gave_up


@dataclass(frozen=True)
class ReplyOutcome:
    """What one reply did: its grade, the branch, mood/patience changes and what comes next."""

    assessment: ReplyGrade
    covered: bool
    forbidden: list[str]  # the forbidden/banned words found
    mood_delta: int
    patience_delta: int
    next_line: CustomerLine | None
    outcome: str | None
    ended_reason: str | None = None
    analysis: ReplyAnalysis | None = field(default=None, repr=False)


_END_TEXT = {
    "outcome": "对话结束：{outcome}",
    "patience": "顾客没有耐心了，离开了对话（{outcome}）",
    "turn_limit": "回复次数已达上限，对话结束（{outcome}）",
    "gave_up": "顾客等了 {seconds:.0f} 秒没等到回复，离开了（{outcome}）",
}


class RolePlay:
    """One role-play session. Call :meth:`opening` once, then :meth:`reply` until :attr:`ended`."""

    def __init__(self, scenario: ScenarioDef, seed: int = 0, *, rules: RulesArg = None) -> None:
        self.scenario = scenario
        self.seed = seed
        self.grader = ScenarioGrader(scenario, rules)
        self.state = RolePlayState(scenario.start, _clamp(scenario.mood), _clamp(scenario.patience))
        self.transcript: list[TranscriptEntry] = []
        self._visits: dict[str, int] = {}
        self._clock = 0.0
        self._line: CustomerLine | None = None

    @property
    def ended(self) -> bool:
        return self.state.outcome is not None

    @property
    def outcome(self) -> str | None:
        return self.state.outcome

    @property
    def current_line(self) -> CustomerLine | None:
        return self._line

    def _say(self, turn_id: str) -> CustomerLine:
        turn = self.scenario.turn(turn_id)
        visit = self._visits.get(turn_id, 0)
        self._visits[turn_id] = visit + 1
        line = pick_wording(self.seed, turn, visit)
        self._line = line
        self.state.turn_id = turn_id
        self.transcript.append(
            TranscriptEntry(
                "customer", line.text, 0.0, turn_id, line.wording_index, self._clock, line.impatient
            )
        )
        return line

    def opening(self) -> CustomerLine:
        """The customer's first line (the ``start`` turn). Raises ``RuntimeError`` when called twice."""
        if self.transcript:
            raise RuntimeError("opening() was already called")
        return self._say(self.scenario.start)

    def _end(self, outcome: str, reason: str, seconds: float = 0.0) -> None:
        self.state.outcome = outcome
        self.state.ended_reason = reason
        text = _END_TEXT[reason].format(outcome=outcome, seconds=seconds)
        self.transcript.append(TranscriptEntry("system", text, seconds, None, None, self._clock))

    def reply(self, text: str, seconds: float) -> ReplyOutcome:
        """The agent answers the current customer line after ``seconds`` (the response time)."""
        from cstrainer.domain.roleplay_scoring import grade_live

        if self._line is None:
            raise RuntimeError("call opening() first")
        if self.ended:
            raise RuntimeError("the conversation has ended")
        state = self.state
        turn = self.scenario.turn(state.turn_id)
        previous = [e.text for e in self.transcript if e.role == "agent"]
        analysis = self.grader.analyse(
            turn,
            self._line.text,
            text if isinstance(text, str) else "",
            seconds,
            previous=previous,
            mood=state.mood,
            patience=state.patience,
            first=state.replies == 0,
        )
        self._clock += analysis.seconds
        self.transcript.append(
            TranscriptEntry("agent", analysis.text, analysis.seconds, turn.id, None, self._clock)
        )
        effects = reply_effects(analysis, self.scenario.reply_time_target_seconds)
        target, via = branch(turn, analysis.covered, analysis.is_forbidden)
        mood_before, patience_before = state.mood, state.patience
        state.mood = _clamp(state.mood + effects.mood_delta)
        state.patience = _clamp(state.patience + effects.patience_delta)
        state.replies += 1
        outcome, reason = settle(self.scenario, target, state.patience, state.replies)
        grade = grade_live(
            self.scenario,
            analysis,
            index=state.replies - 1,
            expect_closing=self.scenario.qc.closing and reason == "outcome" and via != "forbidden",
            mood_after=state.mood,
            patience_after=state.patience,
            effects=effects,
        )
        next_line = None
        if outcome is not None and reason is not None:
            self._end(outcome, reason)
        else:
            next_line = self._say(target)
        return ReplyOutcome(
            assessment=grade,
            covered=analysis.covered,
            forbidden=[h.word for h in analysis.banned]
            + [h.word for h in analysis.forbidden if h.id != "extra"],
            mood_delta=state.mood - mood_before,
            patience_delta=state.patience - patience_before,
            next_line=next_line,
            outcome=outcome,
            ended_reason=reason,
            analysis=analysis,
        )

    def give_up(self, seconds: float) -> str:
        """The agent stayed silent for ``seconds`` until the customer left: outcome 流失."""
        if self.ended:
            raise RuntimeError("the conversation has ended")
        seconds = max(0.0, float(seconds))
        self._clock += seconds
        self.state.patience = 0
        self._end("流失", "gave_up", seconds)
        return "流失"


def play(
    scenario: ScenarioDef,
    replies: Sequence[tuple[str, float] | Mapping[str, Any]],
    seed: int = 0,
    *,
    rules: RulesArg = None,
) -> tuple[list[TranscriptEntry], str | None]:
    """Play ``scenario`` with the agent's ``replies`` (``(text, seconds)`` or ``{text, seconds}``)
    and return the transcript and the outcome (None when the replies ran out first). Replies left
    over after the conversation ended are ignored."""
    session = RolePlay(scenario, seed, rules=rules)
    session.opening()
    for reply in replies:
        if session.ended:
            break
        if isinstance(reply, Mapping):
            text, seconds = str(reply.get("text", "")), float(reply.get("seconds") or 0.0)
        else:
            text, seconds = reply[0], float(reply[1])
        session.reply(text, seconds)
    return session.transcript, session.outcome
