"""Role-play: agents chat with a simulated customer; every line is stored the moment it is said.

The conversation itself is the pure state machine :class:`cstrainer.domain.roleplay.RolePlay`;
grading is the pure :func:`cstrainer.domain.roleplay_scoring.score_session`. This service adds
what needs a database:

- **Scenarios** come from the ``scenarios`` table (imported from ``scripts_library/scenarios`` by
  the content import; ``data`` holds the pack item). :meth:`RolePlayService.get_scenario` turns a
  row into a :class:`~cstrainer.domain.scenario.ScenarioDef`; :meth:`RolePlayService.save_scenario`
  writes one back with optimistic locking (``expected_version``) and an audit entry.
- **Sessions** (``roleplay_sessions``) keep a snapshot of the scenario as played and the seed, so
  the engine is deterministic for (snapshot, seed, replies). Each agent reply and the customer's
  answer are committed *before* :meth:`RolePlayService.reply` returns: an acknowledged reply is
  never lost. After a crash the session stays ``active``; :meth:`RolePlayService.resume` rebuilds
  the engine by replaying the stored agent replies through a fresh engine (the customer lines come
  out identical because the engine is seeded), and the chat carries on.
- **Drafts**: a trainer's "try it" of an unsaved scenario is a session with ``draft = True``; it is
  never counted in history, progress or statistics.
- **Rush mode** (大促): :meth:`RolePlayService.start_rush` starts 3-5 sessions sharing a
  ``rush_group``; :meth:`RolePlayService.rush_summary` adds how many replies stayed within target.
- **Regrading** recomputes a scorecard with the scenario as it is now (trainers); **comments** by
  trainers on single replies are shown to the agent who wrote them.

Who sees what: agents and trainees their own sessions; trainers their team's sessions (everyone's
when they belong to no team); managers everyone's. Everything returned is a plain dataclass (or a
domain object); never a live ORM object.
"""

from __future__ import annotations

import builtins
import logging
import secrets
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cstrainer.domain.accounts import Permission, Role
from cstrainer.services import audit, stats_rollup
from cstrainer.services.actor import Actor
from cstrainer.services.compliance import ComplianceService
from cstrainer.services.conflicts import fields_of, lock_for_edit, who
from cstrainer.services.errors import (
    EditConflict,
    EditSide,
    InvalidInput,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from cstrainer.storage.database import Database
from cstrainer.storage.models import (
    DIMENSION_COLUMNS,
    Brand,
    RolePlayComment,
    RolePlayMessage,
    RolePlaySession,
    Scenario,
    User,
    utcnow,
)

if TYPE_CHECKING:
    from cstrainer.domain.roleplay import RolePlay
    from cstrainer.domain.roleplay_scoring import Scorecard
    from cstrainer.domain.scenario import ScenarioDef, ScenarioIssue

log = logging.getLogger(__name__)

# Session status
ACTIVE = "active"
FINISHED = "finished"
ABANDONED = "abandoned"
STATUS_LABELS = {ACTIVE: "进行中", FINISHED: "已结束", ABANDONED: "已放弃"}

# Session modes
MODES = ("normal", "voice", "rush")
MODE_LABELS = {"normal": "文字", "voice": "语音", "rush": "大促"}

RUSH_MIN, RUSH_MAX = 3, 5
STAGES = ("售前", "售中", "售后")


# Someone else saved the scenario since it was opened (optimistic locking): the older name of
# :class:`cstrainer.services.errors.EditConflict` (``stored_version`` is still there).
VersionConflict = EditConflict


def _scenario_conflict(s: Session, row: Scenario, mine: EditSide) -> EditConflict:
    """The refusal of a save (``mine``) against the stored scenario ``row``."""
    stored = ScenarioRecord(
        scenario_from_data(row.key, row.data), row.version, row.updated_at, row.updated_by
    )
    return VersionConflict(
        "scenario",
        row.key,
        title=row.title,
        mine=mine,
        theirs=EditSide(
            row.version, fields_of({"key": row.key, **row.data}), who(s, row.updated_by), row.updated_at
        ),
        latest=stored,
    )


# --- what the service hands out ----------------------------------------------------------------


@dataclass(frozen=True)
class ScenarioSummary:
    """One line of the scenario list (with the caller's own results on it)."""

    key: str
    title: str
    brand: str | None
    stage: str
    persona: str
    difficulty: int
    goal: str
    turn_count: int
    reply_time_target_seconds: float
    version: int
    updated_at: datetime
    updated_by: str
    my_sessions: int  # the caller's finished, non-draft sessions of this scenario
    my_best_score: int | None
    my_last_score: int | None


@dataclass(frozen=True)
class ScenarioRecord:
    """A scenario with the stored version the editor must hand back to :meth:`save_scenario`."""

    definition: ScenarioDef
    version: int
    updated_at: datetime
    updated_by: str


@dataclass(frozen=True)
class MessageView:
    """One stored line of a conversation. ``seq`` counts from 0 within the session."""

    seq: int
    role: str  # customer | agent | system
    text: str
    turn_id: str | None
    wording_index: int | None
    seconds: float  # for agent replies: the response time
    at_ms: int  # milliseconds since the session started
    created_at: datetime


@dataclass(frozen=True)
class SessionView:
    """A session as the chat page needs it: the state of the customer and the lines so far."""

    session_id: int
    scenario_key: str
    scenario_title: str
    persona: str
    customer_name: str
    stage: str
    products: tuple[str, ...]
    goal: str
    mode: str
    rush_group: str | None
    draft: bool
    seed: int
    status: str  # active | finished | abandoned
    mood: int
    patience: int
    replies: int  # agent replies so far
    max_replies: int
    reply_time_target_seconds: float
    outcome: str | None
    ended: bool
    messages: tuple[MessageView, ...]
    phrases: tuple[tuple[str, str], ...]  # suggested quick phrases (shortcut, text)
    started_at: datetime


@dataclass(frozen=True)
class ReplyView:
    """What happened to one agent reply (already committed when this is returned)."""

    session_id: int
    seq: int  # the agent message's seq
    covered: bool
    forbidden: tuple[str, ...]  # ids (or words) of forbidden moves the reply made
    key_points_hit: tuple[str, ...]
    key_points_missed: tuple[str, ...]
    banned: tuple[dict[str, Any], ...]  # {word, start, end, reason, rule}
    flags: tuple[str, ...]  # 关键词堆砌, 重复回复, 无效回复, 超时 ...
    within_target: bool
    mood: int
    patience: int
    mood_delta: int
    patience_delta: int
    customer: MessageView | None  # the customer's next line (None when the conversation ended)
    ended: bool
    outcome: str | None
    scorecard: Scorecard | None  # set when this reply ended the conversation
    assessment: Any = None  # the domain's per-reply assessment, for highlighting spans


@dataclass(frozen=True)
class CommentView:
    id: int
    session_id: int
    message_seq: int
    author_login: str
    author_name: str
    text: str
    created_at: datetime


@dataclass(frozen=True)
class SessionSummary:
    """One line of a history list."""

    session_id: int
    user_id: int
    login: str
    display_name: str
    scenario_key: str
    scenario_title: str
    stage: str
    mode: str
    rush_group: str | None
    draft: bool
    status: str
    outcome: str | None
    success: bool | None
    score: int | None
    dimensions: dict[str, int]
    replies: int
    started_at: datetime
    ended_at: datetime | None


@dataclass(frozen=True)
class SessionDetail:
    """A whole session for replay and review: transcript, scorecard (JSON and object), comments."""

    summary: SessionSummary
    scenario: ScenarioDef  # the snapshot as played
    scenario_version: int
    seed: int
    messages: tuple[MessageView, ...]
    scorecard: Scorecard | None
    scorecard_json: dict[str, Any] | None
    comments: tuple[CommentView, ...]
    graded_version: int | None  # the scenario version of the last (re)grade
    can_comment: bool
    can_regrade: bool


@dataclass(frozen=True)
class ProgressRow:
    """One scenario in a person's progress."""

    scenario_key: str
    scenario_title: str
    stage: str
    sessions: int
    successes: int
    best_score: int | None
    last_score: int | None
    last_at: datetime | None
    dimensions: dict[str, float]  # average per dimension over the finished sessions


@dataclass(frozen=True)
class Progress:
    """A person's progress: per scenario, and per dimension over all scenarios (drafts excluded)."""

    user_id: int | None
    login: str
    sessions: int
    average_score: float | None
    dimensions: dict[str, float]
    scenarios: tuple[ProgressRow, ...]


@dataclass(frozen=True)
class RushSummary:
    """The extra scorecard line of a rush (大促) group."""

    rush_group: str
    session_ids: tuple[int, ...]
    finished: int
    replies: int
    within_target: int
    average_score: float | None
    average_seconds: float | None


@dataclass(frozen=True)
class ProductCard:
    """What the chat's product card shows about one product of the scenario."""

    key: str
    name: str
    price_min: float | None
    price_max: float | None
    selling_points: tuple[str, ...]


@dataclass(frozen=True)
class RunResult:
    """A session played without the database (``cstrainer roleplay run``)."""

    scenario: ScenarioDef
    seed: int
    transcript: tuple[Any, ...]  # domain TranscriptEntry
    outcome: str | None
    scorecard: Scorecard
    unused_replies: int  # replies given after the conversation had ended
    session_id: int | None = None  # when saved

    def to_json(self) -> dict[str, Any]:
        """The CLI JSON (contract section 3) plus the full scorecard."""
        card = self.scorecard.to_json()
        out: dict[str, Any] = {"scenario": self.scenario.key, "seed": self.seed}
        out["transcript"] = [
            {"role": e.role, "text": e.text, "seconds": float(e.seconds), "turn_id": e.turn_id}
            for e in self.transcript
            if e.role in ("customer", "agent")
        ]
        out["replies"] = [_reply_json(r) for r in self.scorecard.replies]
        out["outcome"] = self.outcome
        out["score"] = int(self.scorecard.score)
        out["dimensions"] = {k: int(v) for k, v in self.scorecard.dimensions.items()}
        out["success"] = bool(self.scorecard.success)
        out["unused_replies"] = self.unused_replies
        if self.session_id is not None:
            out["session_id"] = self.session_id
        out["scorecard"] = card
        return out


def _reply_json(r: Any) -> dict[str, Any]:
    return {
        "text": r.text,
        "key_points_hit": list(r.key_points_hit),
        "key_points_missed": list(r.key_points_missed),
        "banned": [{"word": _get(b, "word"), "reason": _get(b, "reason")} for b in r.banned],
        "seconds": float(r.seconds),
        "turn_id": r.turn_id,
        "forbidden": [dict(f) if isinstance(f, Mapping) else f for f in r.forbidden],
        "flags": list(r.flags),
        "within_target": bool(r.within_target),
        "points": round(float(r.points), 2),
        "max_points": round(float(r.max_points), 2),
    }


def _get(obj: Any, name: str) -> Any:
    return obj.get(name) if isinstance(obj, Mapping) else getattr(obj, name, None)


def scenario_from_data(key: str, data: Mapping[str, Any]) -> ScenarioDef:
    """The domain definition of a stored scenario (``scenarios.data`` is the pack item sans key)."""
    from cstrainer.domain.scenario import ScenarioDef

    return ScenarioDef.from_dict({**dict(data), "key": key})


def _snapshot(scenario: ScenarioDef) -> dict[str, Any]:
    return dict(scenario.to_dict())


def _entry(m: RolePlayMessage) -> Any:
    from cstrainer.domain.roleplay import TranscriptEntry

    return TranscriptEntry(
        role=m.role,  # type: ignore[arg-type]
        text=m.text,
        seconds=float(m.seconds),
        turn_id=m.turn_id,
        wording_index=m.wording_index,
        at=m.at_ms / 1000.0,
        impatient=bool(m.impatient),
    )


def _message_view(m: RolePlayMessage) -> MessageView:
    return MessageView(
        seq=m.seq,
        role=m.role,
        text=m.text,
        turn_id=m.turn_id,
        wording_index=m.wording_index,
        seconds=float(m.seconds),
        at_ms=int(m.at_ms),
        created_at=m.created_at,
    )


def _int_dims(d: Mapping[str, Any] | None) -> dict[str, int]:
    return {str(k): int(v) for k, v in (d or {}).items()}


class RolePlayService:
    def __init__(self, db: Database, compliance: ComplianceService | None = None) -> None:
        self._db = db
        # The team's banned-wording rules (shared by everybody on the database).
        self._compliance = compliance or ComplianceService(db)
        # Live engines by session id, with the number of stored messages they have produced. A
        # miss (another process, a restart, a failed commit) replays the stored transcript.
        self._engines: dict[int, tuple[RolePlay, int]] = {}
        self._lock = threading.Lock()

    # --- scenarios --------------------------------------------------------------------------------

    def list_scenarios(
        self, actor: Actor, stage: str | None = None, brand: str | None = None
    ) -> builtins.list[ScenarioSummary]:
        """Every scenario (optionally of one stage / brand key), with the caller's own best and
        last score. Everyone may list and play scenarios."""
        with self._db.session() as s:
            q = select(Scenario, Brand.key).outerjoin(Brand, Brand.id == Scenario.brand_id)
            if stage:
                q = q.where(Scenario.stage == stage)
            if brand:
                q = q.where(Brand.key == brand)
            rows = s.execute(q.order_by(Scenario.stage, Scenario.key)).all()
            mine: dict[str, builtins.list[RolePlaySession]] = {}
            if actor.user_id is not None:
                for r in s.scalars(
                    select(RolePlaySession)
                    .where(
                        RolePlaySession.user_id == actor.user_id,
                        RolePlaySession.draft.is_(False),
                        RolePlaySession.score.is_not(None),
                    )
                    .order_by(RolePlaySession.started_at, RolePlaySession.id)
                ):
                    mine.setdefault(r.scenario_key, []).append(r)
            out = []
            for row, brand_key in rows:
                d = row.data
                done = mine.get(row.key, [])
                scores = [int(r.score) for r in done if r.score is not None]
                out.append(
                    ScenarioSummary(
                        key=row.key,
                        title=row.title,
                        brand=brand_key or d.get("brand"),
                        stage=row.stage,
                        persona=row.persona,
                        difficulty=int(d.get("difficulty", 1)),
                        goal=str(d.get("goal", "")),
                        turn_count=len(d.get("turns", []) or []),
                        reply_time_target_seconds=float(d.get("reply_time_target_seconds", 20)),
                        version=row.version,
                        updated_at=row.updated_at,
                        updated_by=row.updated_by,
                        my_sessions=len(scores),
                        my_best_score=max(scores) if scores else None,
                        my_last_score=scores[-1] if scores else None,
                    )
                )
            return out

    def get_scenario(self, actor: Actor, key: str) -> ScenarioDef:
        """The scenario ``key`` as a domain definition. Raises NotFound."""
        return self.scenario_record(actor, key).definition

    def scenario_record(self, actor: Actor, key: str) -> ScenarioRecord:
        """The scenario with its stored version (the editor keeps it for ``save_scenario``)."""
        with self._db.session() as s:
            row = self._scenario_row(s, key)
            return ScenarioRecord(
                scenario_from_data(row.key, row.data), row.version, row.updated_at, row.updated_by
            )

    def validate(self, scenario: ScenarioDef) -> builtins.list[ScenarioIssue]:
        """Every problem of a (draft) scenario: the pack format's field checks and the graph checks
        of :func:`cstrainer.domain.scenario.validate_scenario` (errors and warnings, Chinese)."""
        from cstrainer.domain.scenario import ScenarioIssue, validate_scenario
        from cstrainer.formats.content_pack import validate_item

        issues = builtins.list(validate_scenario(scenario))
        known = {tuple(i.path) for i in issues}
        # The pack format's own field checks: what the editor saves must import again as a file.
        _model, problems = validate_item("scenarios", scenario.to_dict())
        for path, message, _is_key in problems:
            if tuple(path) in known:
                continue
            where = ".".join(str(p) for p in path)
            turn_id = None
            index = path[1] if len(path) >= 2 and path[0] == "turns" else None
            if isinstance(index, int) and 0 <= index < len(scenario.turns):
                turn_id = scenario.turns[index].id
            issues.append(
                ScenarioIssue(
                    severity="error",
                    message=message,
                    turn_id=turn_id,
                    field=where or None,
                    line=scenario.line_of(path),
                    path=tuple(path),
                )
            )
        return issues

    def save_scenario(
        self, actor: Actor, scenario: ScenarioDef, expected_version: int | None
    ) -> ScenarioRecord:
        """Create or change a scenario (trainers and managers).

        ``expected_version`` is the version the editor loaded (None for a new scenario). When the
        stored version differs, :class:`VersionConflict` says who saved it meanwhile. A draft with
        validation errors is refused with :class:`ValidationFailed` listing every error. Saving
        bumps the version and writes an audit entry."""
        actor.require(Permission.EDIT_CONTENT)
        errors = [i for i in self.validate(scenario) if i.severity == "error"]
        if errors:
            raise ValidationFailed(
                f"场景“{scenario.title}”有 {len(errors)} 处错误，未保存：", [_issue_text(i) for i in errors]
            )
        from cstrainer.formats.content_pack import item_to_dict, validate_item
        from cstrainer.services.content import ContentService

        model, _ = validate_item("scenarios", scenario.to_dict())
        assert model is not None  # validate() reported no error
        d = item_to_dict(model)
        key = str(d["key"])
        body = {k: v for k, v in d.items() if k != "key"}
        with self._db.session() as s:
            # Locked until commit, so two saves of the same version cannot both pass the check.
            row = lock_for_edit(s, Scenario, Scenario.key == key)
            columns = ContentService._columns(s, "scenarios", d)
            mine = EditSide(expected_version, fields_of(d))
            if row is None:
                if expected_version is not None:
                    raise VersionConflict("scenario", key, title=scenario.title, mine=mine, theirs=None)
                row = Scenario(key=key, data=body, version=1, updated_by=actor.login, **columns)
                s.add(row)
                try:
                    s.flush()
                except IntegrityError:  # PostgreSQL: a colleague created the same key just now
                    with self._db.session() as s2:
                        theirs = s2.scalar(select(Scenario).where(Scenario.key == key))
                        if theirs is None:
                            raise
                        raise _scenario_conflict(s2, theirs, mine) from None
                audit.record(s, actor, "scenario.create", "scenario", key)
            else:
                if expected_version is None or row.version != expected_version:
                    raise _scenario_conflict(s, row, mine)
                if row.data != body or any(getattr(row, c) != v for c, v in columns.items()):
                    changed = audit.changed_fields(
                        {**row.data, **{c: getattr(row, c) for c in columns}}, {**body, **columns}
                    )
                    for c, v in columns.items():
                        setattr(row, c, v)
                    row.data = body
                    row.version += 1
                    row.updated_by = actor.login
                    row.updated_at = utcnow()
                    audit.record(
                        s,
                        actor,
                        "scenario.edit",
                        "scenario",
                        key,
                        from_version=row.version - 1,
                        version=row.version,
                        changed=changed,
                    )
            s.flush()
            return ScenarioRecord(
                scenario_from_data(row.key, row.data), row.version, row.updated_at, row.updated_by
            )

    def product_cards(self, actor: Actor, keys: Sequence[str]) -> builtins.list[ProductCard]:
        """The product cards of ``keys`` in that order (unknown keys are left out)."""
        from cstrainer.storage.models import Product

        with self._db.session() as s:
            rows = {p.key: p for p in s.scalars(select(Product).where(Product.key.in_(list(keys))))}
            out = []
            for key in keys:
                p = rows.get(key)
                if p is None:
                    continue
                d = p.data
                out.append(
                    ProductCard(
                        key=p.key,
                        name=p.name,
                        price_min=d.get("price_min"),
                        price_max=d.get("price_max"),
                        selling_points=tuple(str(x) for x in d.get("selling_points", []) or []),
                    )
                )
            return out

    # --- playing ----------------------------------------------------------------------------------

    def start(
        self,
        actor: Actor,
        key: str,
        seed: int | None = None,
        mode: str = "normal",
        draft: ScenarioDef | None = None,
        *,
        rush_group: str | None = None,
    ) -> SessionView:
        """Start a session of scenario ``key`` and store the customer's opening line.

        ``draft``: a trainer's "try it" of an unsaved scenario (``key`` may then be new); such a
        session is marked draft and never counts in stats. ``mode``: normal | voice | rush. A
        random seed is drawn when none is given; it is stored so the session can be replayed."""
        if actor.user_id is None:
            raise InvalidInput("请以个人账号登录后再练习对话")
        if mode not in MODES:
            raise InvalidInput(f"未知的练习模式 {mode}，可选：{'、'.join(MODES)}", field="mode")
        seed = seed if seed is not None else secrets.randbelow(2**31)
        with self._db.session() as s:
            row = s.scalar(select(Scenario).where(Scenario.key == (draft.key if draft else key)))
            if draft is not None:
                actor.require(Permission.EDIT_CONTENT)
                errors = [i for i in self.validate(draft) if i.severity == "error"]
                if errors:
                    raise ValidationFailed(
                        f"草稿有 {len(errors)} 处错误，无法试玩：", [_issue_text(i) for i in errors]
                    )
                scenario = draft
            else:
                if row is None:
                    raise NotFound(f"没有编号为 {key} 的对话场景")
                scenario = scenario_from_data(row.key, row.data)
            engine = self._new_engine(scenario, seed, s)
            engine.opening()
            sess = RolePlaySession(
                user_id=actor.user_id,
                scenario_id=row.id if row is not None else None,
                scenario_key=scenario.key,
                scenario_title=scenario.title,
                stage=scenario.stage,
                scenario_version=row.version if row is not None else 0,
                scenario_snapshot=_snapshot(scenario),
                seed=seed,
                mode=mode,
                rush_group=rush_group,
                draft=draft is not None,
                status=ACTIVE,
                started_at=utcnow(),
                dimensions={},
            )
            s.add(sess)
            s.flush()
            self._store_new(s, sess, engine, 0, 0)
            count = len(engine.transcript)
            view = self._view(s, sess, scenario, engine)
            sid = sess.id
        self._keep(sid, engine, count)
        return view

    def reply(self, actor: Actor, session_id: int, text: str, seconds: float) -> ReplyView:
        """The agent's reply, ``seconds`` after the customer's last line. The reply, the
        customer's answer and the new state are committed before this returns. When the reply
        ends the conversation the session is graded and finished (``ReplyView.scorecard``)."""
        if not text or not text.strip():
            raise InvalidInput("回复内容不能为空", field="text")
        seconds = max(0.0, float(seconds))
        with self._db.session() as s:
            sess = self._own_active(s, actor, session_id)
            scenario = scenario_from_data(sess.scenario_key, sess.scenario_snapshot)
            engine, stored = self._engine(s, sess, scenario)
            before = engine.state
            mood0, patience0 = int(before.mood), int(before.patience)
            lines_before = len(engine.transcript)
            outcome = engine.reply(text.strip(), seconds)
            agent_seq = self._store_new(s, sess, engine, stored, lines_before)
            card = self._maybe_finish(s, sess, scenario, engine)
            count = len(engine.transcript)
            customer = None
            if outcome.next_line is not None:
                last = s.scalar(
                    select(RolePlayMessage)
                    .where(RolePlayMessage.session_id == sess.id, RolePlayMessage.role == "customer")
                    .order_by(RolePlayMessage.seq.desc())
                    .limit(1)
                )
                if last is not None and last.seq > agent_seq:
                    customer = _message_view(last)
            grade = _assessment_fields(outcome.assessment)
            target = float(scenario.reply_time_target_seconds)
            view = ReplyView(
                session_id=sess.id,
                seq=agent_seq,
                covered=bool(outcome.covered),
                forbidden=tuple(str(f) for f in outcome.forbidden),
                key_points_hit=grade["hit"],
                key_points_missed=grade["missed"],
                banned=grade["banned"],
                flags=grade["flags"],
                within_target=bool(getattr(outcome.assessment, "within_target", seconds <= target)),
                mood=int(engine.state.mood),
                patience=int(engine.state.patience),
                mood_delta=int(engine.state.mood) - mood0,
                patience_delta=int(engine.state.patience) - patience0,
                customer=customer,
                ended=bool(engine.ended),
                outcome=engine.outcome,
                scorecard=card,
                assessment=outcome.assessment,
            )
        self._keep(session_id, engine, count)
        return view

    def give_up(self, actor: Actor, session_id: int, seconds: float) -> SessionView:
        """The agent stayed silent until the customer's patience ran out: the customer leaves
        (流失), the session is graded and finished."""
        with self._db.session() as s:
            sess = self._own_active(s, actor, session_id)
            scenario = scenario_from_data(sess.scenario_key, sess.scenario_snapshot)
            engine, stored = self._engine(s, sess, scenario)
            lines_before = len(engine.transcript)
            engine.give_up(max(0.0, float(seconds)))
            self._store_new(s, sess, engine, stored, lines_before)
            self._maybe_finish(s, sess, scenario, engine)
            view = self._view(s, sess, scenario, engine)
        self._forget(session_id)
        return view

    def finish(self, actor: Actor, session_id: int) -> Scorecard:
        """Grade and close the session. A session the conversation already ended is ``finished``;
        one closed early by the agent is ``abandoned`` (still graded, outcome as it stood).
        Calling it again returns the stored scorecard."""
        with self._db.session() as s:
            sess = self._session_row(s, session_id, lock=True)
            if sess.user_id != actor.user_id:
                raise PermissionDenied("只能结束自己的练习")
            if sess.status == ACTIVE:
                scenario = scenario_from_data(sess.scenario_key, sess.scenario_snapshot)
                engine, _ = self._engine(s, sess, scenario)
                card = self._grade(s, sess, scenario)
                sess.status = FINISHED if engine.ended else ABANDONED
                sess.ended_at = utcnow()
            else:
                card = self._stored_card(s, sess)
        self._forget(session_id)
        return card

    def abandon(self, actor: Actor, session_id: int) -> None:
        """Close one's active session without waiting for the outcome (graded as it stands)."""
        self.finish(actor, session_id)

    def resume(self, actor: Actor, session_id: int) -> SessionView:
        """Reopen one's own active session (after closing the app or a crash): the engine is
        rebuilt by replaying the stored replies."""
        self._forget(session_id)  # always rebuild from what was stored
        with self._db.session() as s:
            sess = self._own_active(s, actor, session_id)
            scenario = scenario_from_data(sess.scenario_key, sess.scenario_snapshot)
            engine, count = self._engine(s, sess, scenario)
            view = self._view(s, sess, scenario, engine)
        self._keep(session_id, engine, count)
        return view

    def active_sessions(self, actor: Actor) -> builtins.list[SessionSummary]:
        """The caller's sessions still active (to offer resuming them)."""
        if actor.user_id is None:
            return []
        with self._db.session() as s:
            q = (
                select(RolePlaySession, User)
                .join(User, User.id == RolePlaySession.user_id)
                .where(RolePlaySession.user_id == actor.user_id, RolePlaySession.status == ACTIVE)
                .order_by(RolePlaySession.started_at.desc(), RolePlaySession.id.desc())
            )
            return [self._summary(s, r, u) for r, u in s.execute(q).all()]

    def view(self, actor: Actor, session_id: int) -> SessionView:
        """The chat view of a session (own sessions, or any session the caller may see)."""
        with self._db.session() as s:
            sess = self._session_row(s, session_id)
            self._check_see(s, actor, sess)
            scenario = scenario_from_data(sess.scenario_key, sess.scenario_snapshot)
            return self._view(s, sess, scenario, None)

    def start_rush(
        self, actor: Actor, keys: Sequence[str], seed: int | None = None
    ) -> builtins.list[SessionView]:
        """Rush mode (大促): 3-5 sessions at once sharing one ``rush_group``. Seeds are ``seed``,
        ``seed + 1`` ... so a rush can be replayed."""
        keys = list(keys)
        if not RUSH_MIN <= len(keys) <= RUSH_MAX:
            raise InvalidInput(
                f"大促模式需要同时接待 {RUSH_MIN}-{RUSH_MAX} 位顾客，现在选了 {len(keys)} 个场景",
                field="keys",
            )
        with self._db.session() as s:
            found = set(s.scalars(select(Scenario.key).where(Scenario.key.in_(keys))))
        missing = [k for k in keys if k not in found]
        if missing:
            raise NotFound(f"没有这些对话场景：{'、'.join(missing)}")
        base = seed if seed is not None else secrets.randbelow(2**31 - RUSH_MAX)
        group = f"rush-{secrets.token_hex(6)}"
        return [
            self.start(actor, key, seed=base + i, mode="rush", rush_group=group) for i, key in enumerate(keys)
        ]

    def rush_summary(self, actor: Actor, rush_group: str) -> RushSummary:
        """How a rush went: sessions finished, replies within the reply-time target, scores."""
        with self._db.session() as s:
            rows = s.scalars(
                select(RolePlaySession)
                .where(RolePlaySession.rush_group == rush_group)
                .order_by(RolePlaySession.id)
            ).all()
            if not rows:
                raise NotFound(f"没有编号为 {rush_group} 的大促练习")
            for r in rows:
                self._check_see(s, actor, r)
            replies = within = 0
            secs: builtins.list[float] = []
            for r in rows:
                target = float(r.scenario_snapshot.get("reply_time_target_seconds", 20))
                for sec in s.scalars(
                    select(RolePlayMessage.seconds).where(
                        RolePlayMessage.session_id == r.id, RolePlayMessage.role == "agent"
                    )
                ):
                    replies += 1
                    secs.append(float(sec))
                    within += float(sec) <= target
            scores = [r.score for r in rows if r.score is not None]
            return RushSummary(
                rush_group=rush_group,
                session_ids=tuple(r.id for r in rows),
                finished=sum(1 for r in rows if r.status != ACTIVE),
                replies=replies,
                within_target=within,
                average_score=round(sum(scores) / len(scores), 1) if scores else None,
                average_seconds=round(sum(secs) / len(secs), 1) if secs else None,
            )

    def simulate(
        self,
        actor: Actor,
        key: str,
        replies: Sequence[tuple[str, float]],
        seed: int = 0,
        *,
        save: bool = False,
    ) -> RunResult:
        """Play scenario ``key`` with scripted replies (the CLI's ``roleplay run``). Nothing is
        stored unless ``save`` (then it is a normal session of the caller, who must be a person)."""
        from cstrainer.domain.roleplay_scoring import score_session

        if save:
            view = self.start(actor, key, seed=seed)
            unused = 0
            for text, secs in replies:
                if view.ended:
                    unused += 1
                    continue
                r = self.reply(actor, view.session_id, text, secs)
                if r.ended:
                    view = self.view(actor, view.session_id)
            card = self.finish(actor, view.session_id)
            with self._db.session() as s:
                sess = self._session_row(s, view.session_id)
                msgs = self._messages(s, sess.id)
                transcript = tuple(_entry(m) for m in msgs)
                scenario = scenario_from_data(sess.scenario_key, sess.scenario_snapshot)
                outcome = sess.outcome
            return RunResult(scenario, seed, transcript, outcome, card, unused, view.session_id)
        scenario = self.get_scenario(actor, key)
        engine = self._new_engine(scenario, seed)
        engine.opening()
        unused = 0
        for text, secs in replies:
            if engine.ended:
                unused += 1
                continue
            engine.reply(text, float(secs))
        card = score_session(
            scenario, engine.transcript, outcome=engine.outcome, rules=self._compliance.scanner()
        )
        return RunResult(scenario, seed, tuple(engine.transcript), engine.outcome, card, unused)

    # --- results ----------------------------------------------------------------------------------

    def session(self, actor: Actor, session_id: int) -> SessionDetail:
        """A whole session for replay: transcript with timings, scorecard and comments."""
        with self._db.session() as s:
            sess = self._session_row(s, session_id)
            owner = self._check_see(s, actor, sess)
            scenario = scenario_from_data(sess.scenario_key, sess.scenario_snapshot)
            card = self._stored_card(s, sess) if sess.scorecard is not None else None
            may_comment = self._may_coach(actor, owner)
            return SessionDetail(
                summary=self._summary(s, sess, owner),
                scenario=scenario,
                scenario_version=sess.scenario_version,
                seed=sess.seed,
                messages=tuple(_message_view(m) for m in self._messages(s, sess.id)),
                scorecard=card,
                scorecard_json=dict(sess.scorecard) if sess.scorecard is not None else None,
                comments=tuple(self._comment_views(s, sess.id)),
                graded_version=sess.graded_version,
                can_comment=may_comment,
                can_regrade=may_comment and actor.can(Permission.EDIT_CONTENT) and sess.status != ACTIVE,
            )

    def history(
        self,
        actor: Actor,
        user_id: int | None = None,
        *,
        everyone: bool = False,
        scenario_key: str | None = None,
        include_drafts: bool = False,
        limit: int = 500,
    ) -> builtins.list[SessionSummary]:
        """Sessions, newest first: the caller's own (``user_id=None``), one person's, or with
        ``everyone=True`` all the caller may see. Drafts only with ``include_drafts``."""
        with self._db.session() as s:
            q = select(RolePlaySession, User).join(User, User.id == RolePlaySession.user_id)
            if everyone:
                sees_all = actor.can(Permission.VIEW_ALL_RESULTS) or (
                    actor.can(Permission.VIEW_TEAM_RESULTS) and actor.team_id is None
                )
                if sees_all:
                    pass
                elif actor.can(Permission.VIEW_TEAM_RESULTS):
                    q = q.where((User.team_id == actor.team_id) | (User.id == (actor.user_id or -1)))
                else:
                    q = q.where(User.id == (actor.user_id or -1))
            else:
                uid = user_id if user_id is not None else actor.user_id
                if uid is None:
                    return []
                person = s.get(User, uid)
                if person is None:
                    raise NotFound(f"没有编号为 {uid} 的人员")
                self._require_see_person(actor, person)
                q = q.where(RolePlaySession.user_id == uid)
            if scenario_key:
                q = q.where(RolePlaySession.scenario_key == scenario_key)
            if not include_drafts:
                q = q.where(RolePlaySession.draft.is_(False))
            q = q.order_by(RolePlaySession.started_at.desc(), RolePlaySession.id.desc()).limit(limit)
            return [self._summary(s, r, u) for r, u in s.execute(q).all()]

    def progress(self, actor: Actor, user_id: int | None = None) -> Progress:
        """Per scenario best / last score and success count, per dimension averages (finished,
        non-draft sessions of one person; the caller's own by default)."""
        uid = user_id if user_id is not None else actor.user_id
        with self._db.session() as s:
            if uid is None:
                return Progress(None, actor.login, 0, None, {}, ())
            person = s.get(User, uid)
            if person is None:
                raise NotFound(f"没有编号为 {uid} 的人员")
            self._require_see_person(actor, person)
            rows = s.scalars(
                select(RolePlaySession)
                .where(
                    RolePlaySession.user_id == uid,
                    RolePlaySession.draft.is_(False),
                    RolePlaySession.score.is_not(None),
                )
                .order_by(RolePlaySession.started_at, RolePlaySession.id)
            ).all()
            by_key: dict[str, builtins.list[RolePlaySession]] = {}
            for r in rows:
                by_key.setdefault(r.scenario_key, []).append(r)
            titles = dict(s.execute(select(Scenario.key, Scenario.title)).all())
            scenarios = []
            for key, group in sorted(by_key.items()):
                scores = [int(r.score) for r in group if r.score is not None]
                scenarios.append(
                    ProgressRow(
                        scenario_key=key,
                        scenario_title=titles.get(key) or group[-1].scenario_title,
                        stage=group[-1].stage,
                        sessions=len(group),
                        successes=sum(1 for r in group if r.success),
                        best_score=max(scores) if scores else None,
                        last_score=scores[-1] if scores else None,
                        last_at=group[-1].ended_at or group[-1].started_at,
                        dimensions=_dimension_averages(group),
                    )
                )
            all_scores = [int(r.score) for r in rows if r.score is not None]
            return Progress(
                user_id=uid,
                login=person.login,
                sessions=len(rows),
                average_score=round(sum(all_scores) / len(all_scores), 1) if all_scores else None,
                dimensions=_dimension_averages(rows),
                scenarios=tuple(scenarios),
            )

    def regrade(self, actor: Actor, session_id: int) -> Scorecard:
        """Re-grade a session with the scenario as it is stored now (trainers and managers)."""
        actor.require(Permission.EDIT_CONTENT)
        with self._db.session() as s:
            sess = self._session_row(s, session_id)
            self._check_see(s, actor, sess)
            if sess.status == ACTIVE:
                raise InvalidInput("这次练习还在进行中，结束后才能重新评分")
            row = s.scalar(select(Scenario).where(Scenario.key == sess.scenario_key))
            if row is None:
                raise NotFound(f"场景 {sess.scenario_key} 已不在场景库中，无法按当前版本重新评分")
            scenario = scenario_from_data(row.key, row.data)
            old = sess.score
            card = self._grade(s, sess, scenario, version=row.version)
            sess.graded_snapshot = _snapshot(scenario)
            audit.record(
                s,
                actor,
                "roleplay.regrade",
                "roleplay_session",
                str(sess.id),
                scenario=row.key,
                version=row.version,
                old_score=old,
                new_score=sess.score,
            )
            return card

    def comment(self, actor: Actor, session_id: int, seq: int, text: str) -> CommentView:
        """A trainer's comment on one line (``seq``) of a session they may see."""
        text = (text or "").strip()
        if not text:
            raise InvalidInput("点评内容不能为空", field="text")
        with self._db.session() as s:
            sess = self._session_row(s, session_id)
            owner = self._check_see(s, actor, sess)
            if not self._may_coach(actor, owner):
                raise PermissionDenied(f"权限不足：{actor.role.label}（{actor.login}）不能点评对话")
            exists = s.scalar(
                select(RolePlayMessage.id).where(
                    RolePlayMessage.session_id == sess.id, RolePlayMessage.seq == seq
                )
            )
            if exists is None:
                raise NotFound(f"这次练习中没有第 {seq + 1} 条消息")
            c = RolePlayComment(
                session_id=sess.id,
                message_seq=seq,
                author_id=actor.user_id,
                author_login=actor.login,
                text=text,
                created_at=utcnow(),
            )
            s.add(c)
            s.flush()
            audit.record(s, actor, "roleplay.comment", "roleplay_session", str(sess.id), seq=seq)
            return CommentView(c.id, sess.id, seq, actor.login, actor.display_name, c.text, c.created_at)

    def comments(self, actor: Actor, session_id: int) -> builtins.list[CommentView]:
        """The comments on a session (the agent reads those on their own sessions)."""
        with self._db.session() as s:
            sess = self._session_row(s, session_id)
            self._check_see(s, actor, sess)
            return self._comment_views(s, sess.id)

    # --- internals --------------------------------------------------------------------------------

    def _new_engine(self, scenario: ScenarioDef, seed: int, s: Session | None = None) -> RolePlay:
        from cstrainer.domain.roleplay import RolePlay

        return RolePlay(scenario, seed, rules=self._compliance.scanner(s))

    def _keep(self, session_id: int, engine: RolePlay, count: int) -> None:
        with self._lock:
            if engine.ended:
                self._engines.pop(session_id, None)
            else:
                self._engines[session_id] = (engine, count)

    def _forget(self, session_id: int) -> None:
        with self._lock:
            self._engines.pop(session_id, None)

    def _engine(self, s: Session, sess: RolePlaySession, scenario: ScenarioDef) -> tuple[RolePlay, int]:
        """The live engine of a session and the number of stored messages it accounts for.

        Taken out of the cache (put back by the caller only after a successful commit, so a failed
        transaction never leaves an engine ahead of the database); rebuilt by replay on a miss."""
        stored = int(
            s.scalar(
                select(func.count()).select_from(RolePlayMessage).where(RolePlayMessage.session_id == sess.id)
            )
            or 0
        )
        with self._lock:
            cached = self._engines.pop(sess.id, None)
        if cached is not None and cached[1] == stored:
            return cached[0], stored
        return self._replay(s, sess, scenario), stored

    def _replay(self, s: Session, sess: RolePlaySession, scenario: ScenarioDef) -> RolePlay:
        """A fresh engine fed the stored agent replies (and a stored give-up), in order."""
        engine = self._new_engine(scenario, sess.seed, s)
        engine.opening()
        messages = self._messages(s, sess.id)
        for m in messages:
            if engine.ended:
                break
            if m.seq < len(engine.transcript):
                continue  # produced by the engine already (customer lines, system notes)
            if m.role == "agent":
                engine.reply(m.text, float(m.seconds))
            elif m.role == "system":
                engine.give_up(float(m.seconds))
        produced = [(e.role, e.text) for e in engine.transcript]
        stored = [(m.role, m.text) for m in messages]
        if produced != stored:
            log.warning(
                "role-play session %s: replay differs from the stored transcript (%d vs %d lines)",
                sess.id,
                len(produced),
                len(stored),
            )
        return engine

    @staticmethod
    def _messages(s: Session, session_id: int) -> builtins.list[RolePlayMessage]:
        return builtins.list(
            s.scalars(
                select(RolePlayMessage)
                .where(RolePlayMessage.session_id == session_id)
                .order_by(RolePlayMessage.seq)
            )
        )

    @staticmethod
    def _store_new(s: Session, sess: RolePlaySession, engine: RolePlay, stored: int, before: int) -> int:
        """Write the lines the engine added (from transcript index ``before`` on) as seq
        ``stored``, ``stored + 1`` ...; returns the seq of the first agent line written (or of the
        first line when there is none). Numbering from the stored count, not the engine's index,
        keeps seq unique even if a replay ever disagreed with what was stored."""
        first_agent = -1
        now = utcnow()
        for seq, e in enumerate(engine.transcript[before:], start=stored):
            s.add(
                RolePlayMessage(
                    session_id=sess.id,
                    seq=seq,
                    role=e.role,
                    text=e.text,
                    turn_id=e.turn_id,
                    wording_index=e.wording_index,
                    impatient=bool(e.impatient),
                    seconds=float(e.seconds),
                    at_ms=round(float(e.at) * 1000),
                    created_at=now,
                )
            )
            if e.role == "agent" and first_agent < 0:
                first_agent = seq
        st = engine.state
        sess.mood, sess.patience, sess.replies = int(st.mood), int(st.patience), int(st.replies)
        sess.outcome = engine.outcome
        s.flush()
        return first_agent if first_agent >= 0 else stored

    def _maybe_finish(
        self, s: Session, sess: RolePlaySession, scenario: ScenarioDef, engine: RolePlay
    ) -> Scorecard | None:
        if not engine.ended:
            return None
        card = self._grade(s, sess, scenario)
        sess.status = FINISHED
        sess.ended_at = utcnow()
        return card

    def _grade(
        self, s: Session, sess: RolePlaySession, scenario: ScenarioDef, *, version: int | None = None
    ) -> Scorecard:
        from cstrainer.domain.roleplay_scoring import score_session

        transcript = [_entry(m) for m in self._messages(s, sess.id)]
        card = score_session(scenario, transcript, outcome=sess.outcome, rules=self._compliance.scanner(s))
        sess.score = int(card.score)
        sess.success = bool(card.success)
        sess.dimensions = _int_dims(card.dimensions)
        for name, column in DIMENSION_COLUMNS.items():  # dashboards aggregate these columns
            setattr(sess, column, sess.dimensions.get(name))
        replies = [e.seconds for e in transcript if e.role == "agent"]
        sess.avg_reply_seconds = sum(replies) / len(replies) if replies else None
        sess.scorecard = card.to_json()
        sess.graded_version = version if version is not None else sess.scenario_version
        sess.graded_at = utcnow()
        stats_rollup.record_misses(s, sess)  # the weak-point analysis counts these rows
        return card

    def _stored_card(self, s: Session, sess: RolePlaySession) -> Scorecard:
        """The scorecard as last graded (recomputed: grading is a pure function)."""
        from cstrainer.domain.roleplay_scoring import score_session

        data = sess.graded_snapshot or sess.scenario_snapshot
        scenario = scenario_from_data(sess.scenario_key, data)
        transcript = [_entry(m) for m in self._messages(s, sess.id)]
        return score_session(scenario, transcript, outcome=sess.outcome, rules=self._compliance.scanner(s))

    @staticmethod
    def _scenario_row(s: Session, key: str) -> Scenario:
        row = s.scalar(select(Scenario).where(Scenario.key == key))
        if row is None:
            raise NotFound(f"没有编号为 {key} 的对话场景")
        return row

    @staticmethod
    def _session_row(s: Session, session_id: int, *, lock: bool = False) -> RolePlaySession:
        # lock: FOR UPDATE on PostgreSQL, so two writers of one session queue up (SQLite
        # serialises writers anyway).
        sess = s.get(RolePlaySession, session_id, with_for_update=lock)
        if sess is None:
            raise NotFound(f"没有编号为 {session_id} 的对话练习")
        return sess

    def _own_active(self, s: Session, actor: Actor, session_id: int) -> RolePlaySession:
        sess = self._session_row(s, session_id, lock=True)
        if sess.user_id != actor.user_id:
            raise PermissionDenied("只能继续自己的对话练习")
        if sess.status != ACTIVE:
            raise InvalidInput("这次对话练习已经结束")
        return sess

    @staticmethod
    def _may_see(actor: Actor, person: User) -> bool:
        if actor.user_id is not None and actor.user_id == person.id:
            return True
        if actor.can(Permission.VIEW_ALL_RESULTS):
            return True
        if actor.can(Permission.VIEW_TEAM_RESULTS):
            return actor.team_id is None or actor.team_id == person.team_id
        return False

    def _may_coach(self, actor: Actor, person: User) -> bool:
        """Trainers and managers comment on sessions they may see (their own included)."""
        return actor.role in (Role.TRAINER, Role.MANAGER) and self._may_see(actor, person)

    def _require_see_person(self, actor: Actor, person: User) -> None:
        if not self._may_see(actor, person):
            raise PermissionDenied(
                f"权限不足：{actor.role.label}（{actor.login}）不能查看 {person.login} 的对话练习"
            )

    def _check_see(self, s: Session, actor: Actor, sess: RolePlaySession) -> User:
        owner = s.get(User, sess.user_id)
        if owner is None:  # pragma: no cover - the FK cascades
            raise NotFound(f"没有编号为 {sess.id} 的对话练习")
        self._require_see_person(actor, owner)
        return owner

    def _summary(self, s: Session, r: RolePlaySession, u: User) -> SessionSummary:
        return SessionSummary(
            session_id=r.id,
            user_id=u.id,
            login=u.login,
            display_name=u.display_name,
            scenario_key=r.scenario_key,
            scenario_title=r.scenario_title,
            stage=r.stage,
            mode=r.mode,
            rush_group=r.rush_group,
            draft=bool(r.draft),
            status=r.status,
            outcome=r.outcome,
            success=r.success,
            score=r.score,
            dimensions=_int_dims(r.dimensions),
            replies=r.replies,
            started_at=r.started_at,
            ended_at=r.ended_at,
        )

    def _view(
        self, s: Session, sess: RolePlaySession, scenario: ScenarioDef, engine: RolePlay | None
    ) -> SessionView:
        messages = tuple(_message_view(m) for m in self._messages(s, sess.id))
        if engine is not None:
            mood, patience, replies = (
                int(engine.state.mood),
                int(engine.state.patience),
                int(engine.state.replies),
            )
            ended, outcome = bool(engine.ended), engine.outcome
        else:
            mood, patience, replies = sess.mood, sess.patience, sess.replies
            ended, outcome = sess.status != ACTIVE or sess.outcome is not None, sess.outcome
        return SessionView(
            session_id=sess.id,
            scenario_key=scenario.key,
            scenario_title=scenario.title,
            persona=scenario.persona,
            customer_name=scenario.display_name,
            stage=scenario.stage,
            products=tuple(scenario.products),
            goal=scenario.goal,
            mode=sess.mode,
            rush_group=sess.rush_group,
            draft=bool(sess.draft),
            seed=sess.seed,
            status=sess.status,
            mood=mood,
            patience=patience,
            replies=replies,
            max_replies=int(scenario.reply_limit),
            reply_time_target_seconds=float(scenario.reply_time_target_seconds),
            outcome=outcome,
            ended=ended,
            messages=messages,
            phrases=tuple((p.shortcut, p.text) for p in scenario.phrases),
            started_at=sess.started_at,
        )

    @staticmethod
    def _comment_views(s: Session, session_id: int) -> builtins.list[CommentView]:
        rows = s.execute(
            select(RolePlayComment, User.display_name)
            .outerjoin(User, User.id == RolePlayComment.author_id)
            .where(RolePlayComment.session_id == session_id)
            .order_by(RolePlayComment.message_seq, RolePlayComment.id)
        ).all()
        return [
            CommentView(
                c.id,
                c.session_id,
                c.message_seq,
                c.author_login,
                name or c.author_login,
                c.text,
                c.created_at,
            )
            for c, name in rows
        ]


def _issue_text(issue: Any) -> str:
    return str(issue)


def _dimension_averages(rows: Sequence[RolePlaySession]) -> dict[str, float]:
    sums: dict[str, float] = {}
    counts: dict[str, int] = {}
    for r in rows:
        for k, v in (r.dimensions or {}).items():
            sums[k] = sums.get(k, 0.0) + float(v)
            counts[k] = counts.get(k, 0) + 1
    return {k: round(sums[k] / counts[k], 1) for k in sums}


def _assessment_fields(a: Any) -> dict[str, Any]:
    """Key points, banned words and flags of the engine's per-reply assessment, whatever its
    exact class (a ReplyGrade or the reply grader's ReplyAssessment)."""
    if a is None:
        return {"hit": (), "missed": (), "banned": (), "flags": ()}
    hit = _get(a, "key_points_hit") or _get(a, "hit") or ()
    missed = _get(a, "key_points_missed") or _get(a, "missed") or ()
    banned = _get(a, "banned") or ()
    flags = _get(a, "flags") or ()
    return {
        "hit": tuple(str(_get(h, "id") or h) if not isinstance(h, str) else h for h in hit),
        "missed": tuple(str(_get(m, "id") or m) if not isinstance(m, str) else m for m in missed),
        "banned": tuple(
            dict(b)
            if isinstance(b, Mapping)
            else {k: getattr(b, k, None) for k in ("word", "start", "end", "reason", "rule")}
            for b in banned
        ),
        "flags": tuple(str(f) for f in flags),
    }
