"""Role-play scenarios as plain data: the definition a trainer writes and its validation.

A scenario is a small state machine of customer turns (see ``scripts_library/scenarios/``): each
turn has wordings (one is picked per visit), key points the agent's reply should cover, optional
forbidden moves, and three branches - ``on_covered``, ``on_missed`` and ``on_forbidden`` (default:
``on_missed``) - each naming another turn or an outcome ``end:<outcome>``.

:class:`ScenarioDef` is built from the content-pack item dict (:meth:`ScenarioDef.from_dict`) and
written back to it (:meth:`ScenarioDef.to_dict`); the two round-trip. The pack loader
(:mod:`cstrainer.formats.content_pack`) checks field types; :func:`validate_scenario` checks the
scenario as a whole and returns *every* problem at once, errors and warnings, each naming the turn,
the field path and - when the definition was read from a file - the line:

errors (the scenario cannot be played or saved)
    duplicate turn ids, an unknown ``start``, a branch to a turn that does not exist or to an
    unknown outcome, a turn that cannot be reached from ``start``, a dead end (a turn from which no
    ``end:`` outcome can be reached), a turn without wordings, broken key points or forbidden moves
    (no wording, bad regex, non-positive weight, duplicate id), bad metadata values;
warnings (playable, but probably not what the trainer meant)
    a turn without key points (any real reply then counts as covered), no path to a success
    outcome, a turn that repeats itself without ``impatient_wordings``, a turn limit too small to
    reach success, duplicate quick-phrase shortcuts.

Pure Python: no I/O, no database, no Qt.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from cstrainer.domain.questions import KeyPointSpec

__all__ = [
    "DEFAULT_CUSTOMER_NAMES",
    "DEFAULT_REPLY_TIME_TARGET",
    "DEFAULT_SUCCESS_OUTCOMES",
    "OUTCOMES",
    "OUTCOME_PREFIX",
    "PERSONAS",
    "STAGES",
    "ForbiddenMove",
    "QcRules",
    "ScenarioDef",
    "ScenarioIssue",
    "ScenarioKeyPointDef",
    "SuggestedPhrase",
    "TurnDef",
    "has_errors",
    "is_terminal",
    "outcome_of",
    "validate_scenario",
]

#: How a role-play conversation can end (a branch target is a turn id or ``end:<outcome>``).
OUTCOMES: tuple[str, ...] = (
    "成交",
    "未成交",
    "退款完成",
    "退货完成",
    "换货完成",
    "已解决",
    "差评",
    "投诉",
    "流失",
)
#: The outcomes that count as success when a scenario does not list its own ``success``.
DEFAULT_SUCCESS_OUTCOMES: tuple[str, ...] = ("成交", "退款完成", "退货完成", "换货完成", "已解决")
OUTCOME_PREFIX = "end:"
STAGES: tuple[str, ...] = ("售前", "售中", "售后")
PERSONAS: tuple[str, ...] = ("爽快型", "犹豫型", "逗比型", "深沉型", "可爱型", "急躁型", "愤怒型", "砍价型")
DEFAULT_REPLY_TIME_TARGET = 20
DEFAULT_PASS_RATIO = 0.6
#: The customer's nickname when the scenario does not give one (by persona).
DEFAULT_CUSTOMER_NAMES: dict[str, str] = {
    "爽快型": "爽快的小林",
    "犹豫型": "纠结的小周",
    "逗比型": "快乐小逗比",
    "深沉型": "沉默的老陈",
    "可爱型": "软萌小兔叽",
    "急躁型": "急性子阿强",
    "愤怒型": "气炸了的王女士",
    "砍价型": "精打细算的李姐",
}

_SLUG = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")

Path = tuple[str | int, ...]


def is_terminal(target: str | None) -> bool:
    """True for an outcome target (``end:成交``), False for a turn id."""
    return bool(target) and str(target).startswith(OUTCOME_PREFIX)


def outcome_of(target: str) -> str:
    """``end:成交`` -> ``成交``; raises ``ValueError`` for a turn id."""
    if not is_terminal(target):
        raise ValueError(f"not an outcome target: {target!r}")
    return target.removeprefix(OUTCOME_PREFIX)


# ---------------------------------------------------------------------------------------------
# Definitions
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScenarioKeyPointDef:
    """A move the agent's reply should make; any synonym (jieba tokens) or regex counts."""

    id: str
    synonyms: tuple[str, ...] = ()
    regexes: tuple[str, ...] = ()
    weight: float = 1.0
    feedback: str = ""
    better: str | None = None  # a model wording shown when the point was missed

    def spec(self) -> KeyPointSpec:
        """The grader's form of this key point."""
        return KeyPointSpec(self.synonyms, self.weight, self.regexes, self.feedback, self.id)


@dataclass(frozen=True)
class ForbiddenMove:
    """Wording the agent must not use (a wrong promise, a blunt payment reminder ...)."""

    id: str
    synonyms: tuple[str, ...] = ()
    regexes: tuple[str, ...] = ()
    reason: str = ""

    def spec(self) -> KeyPointSpec:
        return KeyPointSpec(self.synonyms, 1.0, self.regexes, self.reason, self.id)


@dataclass(frozen=True)
class QcRules:
    """Scenario-level QC rules (质检项); the defaults are what QC checks in every chat."""

    greeting: bool = True  # 欢迎语 in the first reply
    closing: bool = True  # 结束语 in the reply that ends the conversation
    honorific: bool = True  # 亲 / 您 in every reply
    empathy_below_mood: int = 40  # empathy expected while the customer's mood is below this
    banned: bool = True  # the shared banned-word lists apply
    extra_banned: tuple[tuple[str, str], ...] = ()  # (word, reason): counts as a forbidden move


@dataclass(frozen=True)
class SuggestedPhrase:
    shortcut: str
    text: str


@dataclass(frozen=True)
class TurnDef:
    """One customer turn and where the conversation goes after the agent's reply."""

    id: str
    wordings: tuple[str, ...]
    impatient_wordings: tuple[str, ...] = ()
    key_points: tuple[ScenarioKeyPointDef, ...] = ()
    pass_ratio: float = DEFAULT_PASS_RATIO
    forbidden: tuple[ForbiddenMove, ...] = ()
    on_covered: str = ""
    on_missed: str = ""
    on_forbidden: str | None = None
    line: int | None = field(default=None, compare=False)
    #: the key points in the grader's form (computed once; grading is on the hot path)
    specs: tuple[KeyPointSpec, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "specs", tuple(kp.spec() for kp in self.key_points))

    @property
    def forbidden_target(self) -> str:
        """Where a forbidden move leads (``on_forbidden``, else ``on_missed``)."""
        return self.on_forbidden or self.on_missed

    def targets(self) -> tuple[str, ...]:
        """The distinct branch targets, in the order covered, missed, forbidden."""
        out: list[str] = []
        for target in (self.on_covered, self.on_missed, self.forbidden_target):
            if target and target not in out:
                out.append(target)
        return tuple(out)

    def key_point(self, key_point_id: str) -> ScenarioKeyPointDef | None:
        for kp in self.key_points:
            if kp.id == key_point_id:
                return kp
        return None


@dataclass(frozen=True)
class ScenarioDef:
    """A whole scenario (the pack item ``kind: scenarios``) as immutable plain data."""

    key: str
    title: str
    brand: str
    stage: str
    persona: str
    mood: int
    patience: int
    difficulty: int
    goal: str
    start: str
    turns: tuple[TurnDef, ...]
    products: tuple[str, ...] = ()
    competitors: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    customer_name: str | None = None
    success: tuple[str, ...] = ()
    reply_time_target_seconds: int = DEFAULT_REPLY_TIME_TARGET
    max_replies: int | None = None
    qc: QcRules = field(default_factory=QcRules)
    forbidden: tuple[ForbiddenMove, ...] = ()
    phrases: tuple[SuggestedPhrase, ...] = ()
    #: item-relative YAML path -> source line, when read from a file (for issue lines)
    lines: Mapping[Path, int] = field(default_factory=dict, compare=False, hash=False, repr=False)

    # -- lookups -------------------------------------------------------------------------------

    def turn(self, turn_id: str) -> TurnDef:
        """The turn with ``turn_id``; raises ``KeyError`` when there is none."""
        found = self.find_turn(turn_id)
        if found is None:
            raise KeyError(turn_id)
        return found

    def find_turn(self, turn_id: str | None) -> TurnDef | None:
        if turn_id is None:
            return None
        index = self._index().get(turn_id)
        return None if index is None else self.turns[index]

    def _index(self) -> dict[str, int]:
        cached = self.__dict__.get("_turn_index")
        if cached is None:
            cached = {}
            for i, turn in enumerate(self.turns):
                cached.setdefault(turn.id, i)
            object.__setattr__(self, "_turn_index", cached)
        return cached

    @property
    def success_outcomes(self) -> tuple[str, ...]:
        """The outcomes that count as success (``success`` or the defaults)."""
        return self.success or DEFAULT_SUCCESS_OUTCOMES

    @property
    def reply_limit(self) -> int:
        """The turn limit: ``max_replies``, else twice the number of turns plus two."""
        return self.max_replies if self.max_replies else 2 * len(self.turns) + 2

    @property
    def limit_outcome(self) -> str:
        """The outcome when the turn limit is hit undecided: 未成交 before the sale, else 流失."""
        return "未成交" if self.stage == "售前" else "流失"

    @property
    def display_name(self) -> str:
        """The customer's nickname (``customer_name`` or a default for the persona)."""
        return self.customer_name or DEFAULT_CUSTOMER_NAMES.get(self.persona, "顾客")

    def line_of(self, path: Sequence[str | int]) -> int | None:
        """Source line of an item-relative path (nearest recorded ancestor), None if unknown."""
        current = tuple(path)
        while True:
            if current in self.lines:
                return self.lines[current]
            if not current:
                return None
            current = current[:-1]

    # -- dict form -----------------------------------------------------------------------------

    @classmethod
    def from_dict(cls, d: Mapping[str, Any], lines: Mapping[Path, int] | None = None) -> ScenarioDef:
        """Build from the pack item dict. Lenient: missing optional fields take their defaults and
        odd values are kept as far as possible, so an editor draft can be validated with
        :func:`validate_scenario`. ``lines`` maps item-relative paths (``("turns", 2, "id")``)
        to source lines."""
        lines = dict(lines or {})
        turns = tuple(
            _turn_from_dict(t if isinstance(t, Mapping) else {}, lines.get(("turns", i)))
            for i, t in enumerate(_list(d.get("turns")))
        )
        qc_raw = d.get("qc") if isinstance(d.get("qc"), Mapping) else {}
        assert isinstance(qc_raw, Mapping)
        qc = QcRules(
            greeting=bool(qc_raw.get("greeting", True)),
            closing=bool(qc_raw.get("closing", True)),
            honorific=bool(qc_raw.get("honorific", True)),
            empathy_below_mood=_int(qc_raw.get("empathy_below_mood"), 40),
            banned=bool(qc_raw.get("banned", True)),
            extra_banned=tuple(
                (str(w.get("word", "")), str(w.get("reason", "")))
                for w in _list(qc_raw.get("extra_banned"))
                if isinstance(w, Mapping)
            ),
        )
        max_replies = d.get("max_replies")
        return cls(
            key=str(d.get("key", "")),
            title=str(d.get("title", "")),
            brand=str(d.get("brand", "")),
            stage=str(d.get("stage", "")),
            persona=str(d.get("persona", "")),
            mood=_int(d.get("mood"), 50),
            patience=_int(d.get("patience"), 50),
            difficulty=_int(d.get("difficulty"), 1),
            goal=str(d.get("goal", "")),
            start=str(d.get("start", "")),
            turns=turns,
            products=_strs(d.get("products")),
            competitors=_strs(d.get("competitors")),
            tags=_strs(d.get("tags")),
            customer_name=_opt_str(d.get("customer_name")),
            success=_strs(d.get("success")),
            reply_time_target_seconds=_int(d.get("reply_time_target_seconds"), DEFAULT_REPLY_TIME_TARGET),
            max_replies=None if max_replies is None else _int(max_replies, 0),
            qc=qc,
            forbidden=tuple(_forbidden_from_dict(f) for f in _list(d.get("forbidden"))),
            phrases=tuple(
                SuggestedPhrase(str(p.get("shortcut", "")), str(p.get("text", "")))
                for p in _list(d.get("phrases"))
                if isinstance(p, Mapping)
            ),
            lines=lines,
        )

    def to_dict(self) -> dict[str, Any]:
        """The pack item dict (field order as hand-written files; defaults left out)."""
        out: dict[str, Any] = {"key": self.key, "title": self.title, "brand": self.brand}
        if self.products:
            out["products"] = list(self.products)
        if self.competitors:
            out["competitors"] = list(self.competitors)
        out["stage"] = self.stage
        out["persona"] = self.persona
        if self.customer_name:
            out["customer_name"] = self.customer_name
        if self.tags:
            out["tags"] = list(self.tags)
        out.update(mood=self.mood, patience=self.patience, difficulty=self.difficulty, goal=self.goal)
        if self.success:
            out["success"] = list(self.success)
        out["reply_time_target_seconds"] = self.reply_time_target_seconds
        if self.max_replies is not None:
            out["max_replies"] = self.max_replies
        if self.qc != QcRules():
            qc: dict[str, Any] = {}
            default = QcRules()
            for name in ("greeting", "closing", "honorific", "empathy_below_mood", "banned"):
                if getattr(self.qc, name) != getattr(default, name):
                    qc[name] = getattr(self.qc, name)
            if self.qc.extra_banned:
                qc["extra_banned"] = [{"word": w, "reason": r} for w, r in self.qc.extra_banned]
            out["qc"] = qc
        if self.forbidden:
            out["forbidden"] = [_forbidden_to_dict(f) for f in self.forbidden]
        if self.phrases:
            out["phrases"] = [{"shortcut": p.shortcut, "text": p.text} for p in self.phrases]
        out["start"] = self.start
        out["turns"] = [_turn_to_dict(t) for t in self.turns]
        return out


def _list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else []


def _strs(value: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in _list(value))


def _opt_str(value: Any) -> str | None:
    return None if value is None else str(value)


def _int(value: Any, default: int) -> int:
    if isinstance(value, bool) or value is None:
        return default
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return default


def _float(value: Any, default: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return default
    return float(value)


def _forbidden_from_dict(f: Any) -> ForbiddenMove:
    f = f if isinstance(f, Mapping) else {}
    return ForbiddenMove(
        str(f.get("id", "")), _strs(f.get("synonyms")), _strs(f.get("regexes")), str(f.get("reason", ""))
    )


def _forbidden_to_dict(f: ForbiddenMove) -> dict[str, Any]:
    out: dict[str, Any] = {"id": f.id}
    if f.synonyms:
        out["synonyms"] = list(f.synonyms)
    if f.regexes:
        out["regexes"] = list(f.regexes)
    out["reason"] = f.reason
    return out


def _turn_from_dict(t: Mapping[str, Any], line: int | None) -> TurnDef:
    key_points = tuple(
        ScenarioKeyPointDef(
            id=str(kp.get("id", "")),
            synonyms=_strs(kp.get("synonyms")),
            regexes=_strs(kp.get("regexes")),
            weight=_float(kp.get("weight"), 1.0),
            feedback=str(kp.get("feedback", "")),
            better=_opt_str(kp.get("better")),
        )
        for kp in _list(t.get("key_points"))
        if isinstance(kp, Mapping)
    )
    return TurnDef(
        id=str(t.get("id", "")),
        wordings=_strs(t.get("wordings")),
        impatient_wordings=_strs(t.get("impatient_wordings")),
        key_points=key_points,
        pass_ratio=_float(t.get("pass_ratio"), DEFAULT_PASS_RATIO),
        forbidden=tuple(_forbidden_from_dict(f) for f in _list(t.get("forbidden"))),
        on_covered=str(t.get("on_covered", "") or ""),
        on_missed=str(t.get("on_missed", "") or ""),
        on_forbidden=_opt_str(t.get("on_forbidden")),
        line=line,
    )


def _turn_to_dict(t: TurnDef) -> dict[str, Any]:
    out: dict[str, Any] = {"id": t.id, "wordings": list(t.wordings)}
    if t.impatient_wordings:
        out["impatient_wordings"] = list(t.impatient_wordings)
    if t.key_points:
        points = []
        for kp in t.key_points:
            p: dict[str, Any] = {"id": kp.id}
            if kp.synonyms:
                p["synonyms"] = list(kp.synonyms)
            if kp.regexes:
                p["regexes"] = list(kp.regexes)
            p["weight"] = int(kp.weight) if float(kp.weight).is_integer() else kp.weight
            p["feedback"] = kp.feedback
            if kp.better is not None:
                p["better"] = kp.better
            points.append(p)
        out["key_points"] = points
    if t.pass_ratio != DEFAULT_PASS_RATIO:
        out["pass_ratio"] = t.pass_ratio
    if t.forbidden:
        out["forbidden"] = [_forbidden_to_dict(f) for f in t.forbidden]
    out["on_covered"] = t.on_covered
    out["on_missed"] = t.on_missed
    if t.on_forbidden is not None:
        out["on_forbidden"] = t.on_forbidden
    return out


# ---------------------------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScenarioIssue:
    """One problem of a scenario. ``path`` is item-relative (``("turns", 2, "on_missed")``)."""

    severity: Literal["error", "warning"]
    message: str  # Chinese: trainers read it
    turn_id: str | None = None
    field: str | None = None  # dotted form of ``path``, e.g. ``turns[2].on_missed``
    line: int | None = None
    path: Path = ()

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    def __str__(self) -> str:
        where = f"第 {self.line} 行" if self.line else (self.field or "")
        turn = f"（轮次 {self.turn_id}）" if self.turn_id else ""
        label = "错误" if self.is_error else "提示"
        return f"{label}{turn} {where}: {self.message}".replace("  ", " ")


def _dotted(path: Path) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


class _Issues:
    def __init__(self, scenario: ScenarioDef) -> None:
        self.scenario = scenario
        self.items: list[ScenarioIssue] = []

    def add(self, severity: Literal["error", "warning"], message: str, *path: str | int) -> None:
        turn_id = None
        index = path[1] if len(path) >= 2 and path[0] == "turns" else None
        if isinstance(index, int) and 0 <= index < len(self.scenario.turns):
            turn_id = self.scenario.turns[index].id or None
        self.items.append(
            ScenarioIssue(
                severity, message, turn_id, _dotted(path) or None, self.scenario.line_of(path), path
            )
        )

    def error(self, message: str, *path: str | int) -> None:
        self.add("error", message, *path)

    def warning(self, message: str, *path: str | int) -> None:
        self.add("warning", message, *path)


def _regex_problem(pattern: str) -> str | None:
    try:
        re.compile(pattern)
    except re.error as exc:
        return f"正则表达式有误：{exc}"
    return None


def _check_wordings(out: _Issues, synonyms: Sequence[str], regexes: Sequence[str], *path: str | int) -> None:
    if not any(s.strip() for s in synonyms) and not regexes:
        out.error("至少写一个同义词（synonyms）或正则（regexes）", *path, "synonyms")
    for i, s in enumerate(synonyms):
        if not s.strip():
            out.error("同义词不能为空", *path, "synonyms", i)
    for i, pattern in enumerate(regexes):
        problem = _regex_problem(pattern)
        if problem:
            out.error(problem, *path, "regexes", i)


def _check_metadata(s: ScenarioDef, out: _Issues) -> None:
    for name in ("key", "title", "brand", "goal"):
        if not str(getattr(s, name)).strip():
            out.error("不能为空", name)
    if s.key and not _SLUG.match(s.key):
        out.error("只能用小写字母、数字和 _ . -，且以字母或数字开头", "key")
    if s.stage not in STAGES:
        out.error(f"取值必须是 {'、'.join(STAGES)} 之一", "stage")
    if s.persona not in PERSONAS:
        out.error(f"取值必须是 {'、'.join(PERSONAS)} 之一", "persona")
    for name in ("mood", "patience"):
        if not 0 <= getattr(s, name) <= 100:
            out.error("应在 0 到 100 之间", name)
    if not 0 <= s.qc.empathy_below_mood <= 100:
        out.error("应在 0 到 100 之间", "qc", "empathy_below_mood")
    if not 1 <= s.difficulty <= 3:
        out.error("应在 1 到 3 之间", "difficulty")
    if s.reply_time_target_seconds < 1:
        out.error("必须大于等于 1", "reply_time_target_seconds")
    if s.max_replies is not None and s.max_replies < 1:
        out.error("必须大于等于 1", "max_replies")
    for i, outcome in enumerate(s.success):
        if outcome not in OUTCOMES:
            out.error(f"未知的结局 {outcome}，可用：{'、'.join(OUTCOMES)}", "success", i)
    for i, (word, reason) in enumerate(s.qc.extra_banned):
        if not word.strip():
            out.error("不能为空", "qc", "extra_banned", i, "word")
        if not reason.strip():
            out.error("不能为空", "qc", "extra_banned", i, "reason")
    seen_shortcuts: set[str] = set()
    for i, phrase in enumerate(s.phrases):
        if not phrase.text.strip():
            out.error("不能为空", "phrases", i, "text")
        if phrase.shortcut in seen_shortcuts:
            out.warning(f"重复的快捷短语 {phrase.shortcut}", "phrases", i, "shortcut")
        seen_shortcuts.add(phrase.shortcut)


def _check_forbidden(moves: Sequence[ForbiddenMove], out: _Issues, *path: str | int) -> None:
    seen: set[str] = set()
    for i, move in enumerate(moves):
        if not move.id.strip():
            out.error("不能为空", *path, i, "id")
        elif move.id in seen:
            out.error(f"重复的禁止说法 id：{move.id}", *path, i, "id")
        seen.add(move.id)
        if not move.reason.strip():
            out.error("不能为空", *path, i, "reason")
        _check_wordings(out, move.synonyms, move.regexes, *path, i)


def _check_target(target: str, ids: Mapping[str, int], out: _Issues, *path: str | int) -> None:
    if not target:
        out.error("缺少跳转目标（轮次 id 或 end:结局）", *path)
    elif is_terminal(target):
        if outcome_of(target) not in OUTCOMES:
            allowed = "、".join(OUTCOME_PREFIX + o for o in OUTCOMES)
            out.error(f"未知的结局 {target}，可用：{allowed}", *path)
    elif target not in ids:
        out.error(f"没有 id 为 {target} 的轮次", *path)


def _check_turn(s: ScenarioDef, index: int, turn: TurnDef, ids: Mapping[str, int], out: _Issues) -> None:
    at = ("turns", index)
    if not turn.wordings:
        out.error("至少写一种顾客说法（wordings）", *at, "wordings")
    for i, wording in enumerate(turn.wordings):
        if not wording.strip():
            out.error("不能为空", *at, "wordings", i)
    for i, wording in enumerate(turn.impatient_wordings):
        if not wording.strip():
            out.error("不能为空", *at, "impatient_wordings", i)
    if not turn.key_points:
        out.warning("这一轮没有要点（key_points）：任何像样的回复都算答到", *at, "id")
    seen: set[str] = set()
    for i, kp in enumerate(turn.key_points):
        if not kp.id.strip():
            out.error("不能为空", *at, "key_points", i, "id")
        elif kp.id in seen:
            out.error(f"重复的要点 id：{kp.id}", *at, "key_points", i, "id")
        seen.add(kp.id)
        if not kp.weight > 0:
            out.error("必须大于 0", *at, "key_points", i, "weight")
        if not kp.feedback.strip():
            out.error("不能为空", *at, "key_points", i, "feedback")
        _check_wordings(out, kp.synonyms, kp.regexes, *at, "key_points", i)
    if not 0 < turn.pass_ratio <= 1:
        out.error("应大于 0 且不超过 1", *at, "pass_ratio")
    _check_forbidden(turn.forbidden, out, *at, "forbidden")
    _check_target(turn.on_covered, ids, out, *at, "on_covered")
    _check_target(turn.on_missed, ids, out, *at, "on_missed")
    if turn.on_forbidden is not None:
        _check_target(turn.on_forbidden, ids, out, *at, "on_forbidden")
    if turn.on_missed == turn.id and not turn.impatient_wordings and len(turn.wordings) < 2:
        out.warning(
            "没答到时顾客会重复这一轮，却只有一种说法：建议加 impatient_wordings（不耐烦的说法）",
            *at,
            "on_missed",
        )


def _edges(s: ScenarioDef, ids: Mapping[str, int]) -> dict[str, list[str]]:
    """Turn id -> the turn ids and ``end:`` targets it can branch to (first turn of an id wins)."""
    graph: dict[str, list[str]] = {}
    for turn in s.turns:
        if turn.id in graph:
            continue
        graph[turn.id] = [t for t in turn.targets() if is_terminal(t) or t in ids]
    return graph


def _shortest_to(graph: Mapping[str, list[str]], start: str, goals: Iterable[str]) -> int | None:
    """Fewest replies from ``start`` to any of ``goals`` (``end:`` targets), None when unreachable."""
    wanted = set(goals)
    depth = {start: 1}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for target in graph.get(node, []):
            if target in wanted:
                return depth[node]
            if not is_terminal(target) and target not in depth:
                depth[target] = depth[node] + 1
                queue.append(target)
    return None


def validate_scenario(s: ScenarioDef) -> list[ScenarioIssue]:
    """Every problem of ``s`` (see the module docstring), errors and warnings, in file order
    where lines are known. An empty list means the scenario is fine."""
    out = _Issues(s)
    _check_metadata(s, out)
    _check_forbidden(s.forbidden, out, "forbidden")
    ids: dict[str, int] = {}
    if not s.turns:
        out.error("至少需要 1 个轮次", "turns")
    for index, turn in enumerate(s.turns):
        if not turn.id.strip():
            out.error("不能为空", "turns", index, "id")
        elif turn.id in ids:
            out.error(f"重复的轮次 id：{turn.id}", "turns", index, "id")
        else:
            ids[turn.id] = index
    if s.turns and s.start not in ids:
        out.error(f"没有 id 为 {s.start} 的轮次", "start")
    for index, turn in enumerate(s.turns):
        _check_turn(s, index, turn, ids, out)

    graph = _edges(s, ids)
    # Unreachable turns: not reachable from start along any branch.
    reachable: set[str] = set()
    if s.start in ids:
        reachable.add(s.start)
        pending = [s.start]
        while pending:
            for target in graph.get(pending.pop(), []):
                if not is_terminal(target) and target not in reachable:
                    reachable.add(target)
                    pending.append(target)
        for index, turn in enumerate(s.turns):
            if turn.id and ids.get(turn.id) == index and turn.id not in reachable:
                out.error(f"从 start（{s.start}）走不到这一轮", "turns", index, "id")
    # Dead ends: turns from which no end: outcome can be reached (backwards search from the ends).
    reverse: dict[str, set[str]] = {}
    finishing: set[str] = set()
    for source, targets in graph.items():
        for target in targets:
            if is_terminal(target):
                finishing.add(source)
            else:
                reverse.setdefault(target, set()).add(source)
    can_finish = set(finishing)
    pending = list(finishing)
    while pending:
        for source in reverse.get(pending.pop(), ()):
            if source not in can_finish:
                can_finish.add(source)
                pending.append(source)
    for index, turn in enumerate(s.turns):
        if turn.id and ids.get(turn.id) == index and turn.id not in can_finish:
            out.error("死路：从这一轮出发走不到任何结局（end:…），对话会一直绕圈", "turns", index, "id")

    if s.start in ids and not has_errors(out.items):
        goals = [OUTCOME_PREFIX + o for o in s.success_outcomes]
        shortest = _shortest_to(graph, s.start, goals)
        if shortest is None:
            out.warning(
                f"没有任何路径能走到成功结局（{'、'.join(s.success_outcomes)}）",
                "success" if s.success else "start",
            )
        elif shortest > s.reply_limit:
            out.warning(
                f"回复上限 {s.reply_limit} 次，但走到成功结局至少要回复 {shortest} 次",
                "max_replies" if s.max_replies else "turns",
            )
    out.items.sort(key=lambda issue: issue.line or 0)
    return out.items


def has_errors(issues: Iterable[ScenarioIssue]) -> bool:
    """True when any issue is an error."""
    return any(issue.is_error for issue in issues)
