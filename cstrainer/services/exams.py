"""Exams: who may sit them, drawing papers, the clock, autosave, grading, review, certificates.

Every answer is committed the moment it is given (``save_answer``), so closing the app or a crash
loses nothing: ``start`` resumes the open attempt. The clock follows
:mod:`cstrainer.domain.attempt_clock` (see its docstring for the policy): time is charged between
heartbeats, a gap longer than the grace (the app was closed or crashed) costs only the grace, and
an exam's closing time is a hard deadline. A timed-out attempt is submitted automatically.

A trainee never receives an answer key before submitting: papers are handed out as
:class:`~cstrainer.domain.questions.QuestionView`, and results show correct answers and
explanations only when the exam allows it, or to trainers and managers.
"""

from __future__ import annotations

import builtins
import logging
import math
import random
import secrets
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, NamedTuple, cast

from sqlalchemy import Integer, Interval, Table, func, insert, literal_column, select, tuple_, update
from sqlalchemy import cast as sql_cast
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from cstrainer.domain import attempt_clock
from cstrainer.domain.accounts import Permission
from cstrainer.domain.questions import Question, QuestionType, QuestionView, view_of
from cstrainer.gc_freeze import freeze_long_lived
from cstrainer.services import audit
from cstrainer.services.actor import Actor
from cstrainer.services.compliance import ComplianceService
from cstrainer.services.errors import InvalidInput, NotFound, PermissionDenied, ValidationFailed
from cstrainer.services.questions import question_from_row
from cstrainer.storage.database import Database
from cstrainer.storage.models import (
    Attempt,
    AttemptItem,
    Brand,
    Exam,
    PracticeAnswer,
    QuestionVersion,
    Team,
    User,
    WrongBookEntry,
    utcnow,
)
from cstrainer.storage.models import Question as QuestionRow

log = logging.getLogger(__name__)

IN_PROGRESS = "in_progress"
REVIEWING = "reviewing"  # submitted, some answers wait for a trainer
GRADED = "graded"
STATUS_LABELS = {IN_PROGRESS: "作答中", REVIEWING: "待复核", GRADED: "已评分"}
SUBMIT_REASONS = {
    "manual": "手动交卷",
    "timeout": "时间到自动交卷",
    "focus": "离开考试窗口次数超限，自动交卷",
    "closed": "考试已截止，自动交卷",
}


# --- what the service hands out ----------------------------------------------------------------


@dataclass(frozen=True)
class ExamSummary:
    key: str
    title: str
    purpose: str
    time_limit_minutes: int | None
    pass_mark: float
    question_count: int
    attempts_allowed: int
    attempts_used: int
    best_percent: float | None
    passed: bool | None
    in_progress_attempt_id: int | None
    opens_at: datetime | None
    closes_at: datetime | None
    can_start: bool
    reason: str  # why it cannot be started, in Chinese ("" when it can)


@dataclass(frozen=True)
class AttemptItemView:
    position: int
    view: QuestionView
    response: Any
    flagged: bool

    @property
    def answered(self) -> bool:
        return _is_answered(self.view.type, self.response)


@dataclass(frozen=True)
class AttemptView:
    attempt_id: int
    exam_key: str
    exam_title: str
    status: str
    items: tuple[AttemptItemView, ...]
    remaining_seconds: float | None  # None: no time limit
    focus_losses: int
    max_focus_losses: int | None
    started_at: datetime

    @property
    def answered_count(self) -> int:
        return sum(1 for i in self.items if i.answered)


@dataclass(frozen=True)
class SaveAck:
    attempt_id: int
    status: str
    remaining_seconds: float | None
    focus_losses: int = 0
    submitted: bool = False  # the attempt was submitted by this call (time out, focus cap)


@dataclass(frozen=True)
class CategoryScore:
    category: str
    score: float
    max_score: float

    @property
    def percent(self) -> float:
        return round(100.0 * self.score / self.max_score, 1) if self.max_score else 0.0


@dataclass(frozen=True)
class ItemResult:
    position: int
    view: QuestionView
    response: Any
    points: float
    score: float | None
    correct: bool | None
    needs_review: bool
    reviewed: bool
    review_comment: str
    feedback: tuple[str, ...]
    detail: dict[str, Any]
    # Only when the exam shows answers after submission, or for trainers and managers:
    correct_answer: str | None = None
    explanation: str | None = None


@dataclass(frozen=True)
class AttemptResult:
    attempt_id: int
    exam_key: str
    exam_title: str
    login: str
    display_name: str
    status: str
    score: float
    max_score: float
    percent: float
    pass_mark: float
    passed: bool | None  # None while answers wait for review
    pending_review: int
    categories: tuple[CategoryScore, ...]
    items: tuple[ItemResult, ...]
    answers_shown: bool
    certificate_code: str | None
    started_at: datetime
    submitted_at: datetime | None
    submit_reason: str
    focus_losses: int
    used_seconds: float


@dataclass(frozen=True)
class ReviewItem:
    item_id: int
    attempt_id: int
    login: str
    display_name: str
    exam_title: str
    position: int
    question: Question
    response: Any
    points: float
    auto_score: float
    detail: dict[str, Any]
    submitted_at: datetime | None


@dataclass(frozen=True)
class CertificateInfo:
    code: str
    display_name: str
    login: str
    exam_title: str
    percent: float
    passed_at: datetime


@dataclass(frozen=True)
class WrongBookItem:
    view: QuestionView
    category: str
    wrong_count: int
    last_wrong_at: datetime
    right_days: tuple[str, ...]


@dataclass(frozen=True)
class PracticeFeedback:
    question_key: str
    correct: bool
    fraction: float
    feedback: tuple[str, ...]
    correct_answer: str
    explanation: str
    in_book: bool  # still in the wrong-answer book after this answer
    detail: dict[str, Any] = field(default_factory=dict)


# --- helpers -----------------------------------------------------------------------------------


def _is_answered(qtype: QuestionType, response: Any) -> bool:
    if response is None:
        return False
    if isinstance(response, str):
        return bool(response.strip())
    if isinstance(response, list):
        if qtype in (QuestionType.FILL, QuestionType.MATCHING):
            return any(r not in (None, "") for r in response)
        return bool(response)
    return True


LETTERS = "ABCDEFGH"


def answer_text(q: Question) -> str:
    """The correct answer written out for a result page or a review."""
    t = q.type
    if t in (QuestionType.SINGLE, QuestionType.MULTIPLE):
        return "；".join(
            f"{LETTERS[i] if i < len(LETTERS) else i + 1}. {o.text}"
            for i, o in enumerate(q.options)
            if o.correct
        )
    if t is QuestionType.TRUEFALSE:
        return "对" if q.answer else "错"
    if t is QuestionType.FILL:
        return "；".join(f"第{i + 1}空：{' / '.join(b)}" for i, b in enumerate(q.blanks))
    if t is QuestionType.NUMERIC:
        parts = []
        for n in q.numeric:
            if n.weight < 100:
                continue
            if n.value is not None:
                parts.append(f"{n.value:g}" + (f" ± {n.tolerance:g}" if n.tolerance else ""))
            else:
                parts.append(f"{n.low:g} ~ {n.high:g}")
        return " 或 ".join(parts)
    if t is QuestionType.MATCHING:
        return "；".join(f"{p.left} → {p.right}" for p in q.pairs)
    if q.accepted:
        return " / ".join(a.text for a in q.accepted if a.weight >= 100) or q.accepted[0].text
    if q.key_points:
        return "要点：" + "；".join("／".join(k.synonyms) for k in q.key_points)
    return ""


def _grade(q: Question, response: Any, points: float, scanner: Any) -> Any:
    from cstrainer.domain.grading import grade

    return grade(q, response, scanner=scanner, points=points)


def spec_from_pack(item: Mapping[str, Any]) -> Any:
    """The domain's ExamSpec for a content-pack exam item (as stored in ``exams.data``)."""
    from cstrainer.domain.papers import DrawRule, ExamSpec

    def when(value: Any) -> datetime | None:
        if not value:
            return None
        dt = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
        return dt if dt.tzinfo else dt.astimezone()  # a time without zone is the PC's local time

    draw = tuple(
        DrawRule(
            category=r.get("category"),
            difficulty=r.get("difficulty"),
            count=int(r["count"]),
            types=tuple(QuestionType(t) for t in r.get("types", []) or []),
            brand=r.get("brand"),
            tags=tuple(r.get("tags", []) or []),
        )
        for r in item.get("draw", []) or []
    )
    return ExamSpec(
        key=str(item["key"]),
        title=str(item.get("title", "")),
        purpose=str(item.get("purpose", "")),
        question_keys=tuple(item.get("questions", []) or []),
        draw=draw,
        points_per_type={QuestionType(k): float(v) for k, v in (item.get("points") or {}).items()},
        time_limit_minutes=item.get("time_limit_minutes"),
        pass_mark=float(item.get("pass_mark", 60)),
        attempts_allowed=int(item.get("attempts_allowed", 1)),
        shuffle_questions=bool(item.get("shuffle_questions", True)),
        shuffle_options=bool(item.get("shuffle_options", True)),
        show_answers_after=bool(item.get("show_answers_after", True)),
        max_focus_losses=item.get("max_focus_losses"),
        opens_at=when(item.get("opens_at")),
        closes_at=when(item.get("closes_at")),
    )


def _exam_spec(row: Exam) -> Any:
    return spec_from_pack({"key": row.key, **row.data})


# --- the parsed question bank, shared by the process -----------------------------------------
#
# Parsing 20,000 stored questions takes over a second, drawing a paper from an index a few ms.
# The parsed bank and its BankIndex are kept per database and checked against a stamp read from
# the database at every use, so that edits, retirements and imports, also by another PC on the
# same PostgreSQL database, are seen at once. The stamp aggregates the questions table: row count,
# highest id, sum of versions, retired count, latest ``updated_at`` and the sum of all
# ``updated_at`` (an edit from a PC whose clock is behind does not move the latest time, but it
# moves the sum). Every write through SQLAlchemy sets ``updated_at`` (``onupdate``); a hand-made
# SQL UPDATE that changes a question's content but not ``updated_at``, version or retired flag is
# not seen until the next change. When the stamp moves, only the questions whose (version,
# updated_at, brand) changed are parsed again.


class _BankRow(NamedTuple):
    """What :func:`question_from_row` reads of a question row."""

    key: str
    data: dict[str, Any]
    version: int
    retired: bool


@dataclass(frozen=True)
class _BankSnapshot:
    stamp: tuple[Any, ...]
    # question id -> ((version, updated_at, brand key), question, brand key); active questions only
    rows: dict[int, tuple[tuple[Any, ...], Question, str | None]]
    index: Any  # BankIndex over every active question

    def questions(self, brands: Any = None) -> builtins.list[Question]:
        """The active questions; with ``brands``, without those of other brands (as ``_bank`` did)."""
        return [
            q
            for _, q, brand_key in self.rows.values()
            if not (brands and brand_key is not None and brand_key not in brands)
        ]


_bank_lock = threading.Lock()
_banks: dict[str, _BankSnapshot] = {}  # database URL -> its latest snapshot
_MAX_BANKS = 4  # databases remembered at once (tests and the bench open many)
_ONE_PASS_ABOVE = 2000  # changed questions re-read by one pass over the table, not by id
_FREEZE_FROM = 1000  # banks of this many questions are kept out of full GC passes
# the tables written in bulk at a start, for Core inserts (one cached statement, no ORM bookkeeping)
_ATTEMPT_ITEMS = cast(Table, AttemptItem.__table__)
_QUESTION_VERSIONS = cast(Table, QuestionVersion.__table__)


def clear_bank_cache() -> None:
    """Forget every cached question bank (benchmarks measuring a cold start; tests)."""
    with _bank_lock:
        _banks.clear()


def _bank_stamp(s: Session) -> tuple[Any, ...]:
    """A cheap fingerprint of the questions table (see the comment above)."""
    if s.get_bind().dialect.name == "sqlite":
        # julianday() keeps milliseconds; whole milliseconds since 2023 sum exactly as integers.
        moments: Any = func.sum(
            sql_cast((func.julianday(QuestionRow.updated_at) - 2460000.0) * 86400000.0, Integer)
        )
    else:  # an interval sum: exact microseconds, and cheaper than summing numeric epochs
        moments = func.sum(QuestionRow.updated_at - literal_column("TIMESTAMP '2024-01-01'"), type_=Interval)
    row = s.execute(
        select(
            func.count(),
            func.max(QuestionRow.id),
            func.sum(QuestionRow.version),
            func.count().filter(QuestionRow.retired.is_(True)),
            func.max(QuestionRow.updated_at),
            moments,
        ).select_from(QuestionRow)
    ).one()
    return tuple(str(v) if v is not None else None for v in row)


def _load_bank(s: Session, stamp: tuple[Any, ...], old: _BankSnapshot | None) -> _BankSnapshot:
    """The bank at ``stamp``, parsing only the questions that changed since ``old``."""
    from cstrainer.domain.papers import BankIndex

    full = select(
        QuestionRow.id,
        QuestionRow.key,
        QuestionRow.data,
        QuestionRow.version,
        QuestionRow.updated_at,
        QuestionRow.retired,
        Brand.key,
    ).outerjoin(Brand, Brand.id == QuestionRow.brand_id)
    previous = old.rows if old is not None else {}
    rows: dict[int, tuple[tuple[Any, ...], Question, str | None]] = {}
    wanted: set[int] | None = None  # None: parse every active question
    if previous:
        changed: builtins.list[int] = []
        for qid, version, updated_at, brand_key in s.execute(
            select(QuestionRow.id, QuestionRow.version, QuestionRow.updated_at, Brand.key)
            .outerjoin(Brand, Brand.id == QuestionRow.brand_id)
            .where(QuestionRow.retired.is_(False))
        ):
            known = previous.get(qid)
            if known is not None and known[0] == (version, updated_at, brand_key):
                rows[qid] = known
            else:
                changed.append(qid)
        wanted = set(changed)
    if wanted is None or len(wanted) > _ONE_PASS_ABOVE:  # many changed (an import): one pass
        batches = [full.where(QuestionRow.retired.is_(False))]
    else:  # SQLite allows 999 parameters per statement
        ids = sorted(wanted)
        batches = [full.where(QuestionRow.id.in_(ids[i : i + 900])) for i in range(0, len(ids), 900)]
    for statement in batches:
        for qid, key, data, version, updated_at, retired, brand_key in s.execute(statement):
            if retired or (wanted is not None and qid not in wanted):
                continue  # retired in between (PostgreSQL reads each statement's own snapshot)
            q = question_from_row(cast(QuestionRow, _BankRow(key, data, version, retired)))
            rows[qid] = ((version, updated_at, brand_key), q, brand_key)
    rows = dict(sorted(rows.items()))
    return _BankSnapshot(stamp, rows, BankIndex(q for _, q, _ in rows.values()))


def bank_snapshot(db: Database, s: Session) -> _BankSnapshot:
    """The parsed bank of ``db`` as of now, read through ``s`` (cached per process, see above)."""
    key = db.url.render_as_string(hide_password=True)
    stamp = _bank_stamp(s)
    with _bank_lock:
        cached = _banks.get(key)
    if cached is not None and cached.stamp == stamp:
        return cached
    snapshot = _load_bank(s, stamp, cached)
    with _bank_lock:
        _banks.pop(key, None)
        while len(_banks) >= _MAX_BANKS:
            _banks.pop(next(iter(_banks)))
        _banks[key] = snapshot
    if len(snapshot.rows) >= _FREEZE_FROM:
        freeze_long_lived()  # the parsed bank lives on: later GC passes skip it (see gc_freeze)
    return snapshot


class ExamService:
    def __init__(self, db: Database, compliance: ComplianceService | None = None) -> None:
        self._db = db
        # The team's banned-wording rules grade short answers and replies.
        self._compliance = compliance or ComplianceService(db)

    # --- exams ------------------------------------------------------------------------------------

    def list_exams(self, actor: Actor, *, now: datetime | None = None) -> builtins.list[ExamSummary]:
        """The exams this person may see: assigned ones (trainers and managers: all)."""
        now = now or utcnow()
        with self._db.session() as s:
            self._expire_overdue(s, actor, now)
            out = []
            for row in s.scalars(select(Exam).order_by(Exam.key)):
                assigned = self._assigned(s, actor, row)
                if not assigned and not actor.can(Permission.EDIT_CONTENT):
                    continue
                out.append(self._summary(s, actor, row, now, assigned))
            return out

    def _summary(self, s: Session, actor: Actor, row: Exam, now: datetime, assigned: bool) -> ExamSummary:
        spec = _exam_spec(row)
        attempts = s.scalars(
            select(Attempt).where(Attempt.exam_id == row.id, Attempt.user_id == (actor.user_id or -1))
        ).all()
        finished = [a for a in attempts if a.status != IN_PROGRESS]
        open_one = next((a.id for a in attempts if a.status == IN_PROGRESS), None)
        best = max((a.percent for a in finished if a.percent is not None), default=None)
        passed: bool | None = None
        if any(a.passed for a in finished):
            passed = True
        elif finished and all(a.passed is False for a in finished):
            passed = False
        # else: nothing finished, or an attempt still waits for review and may yet pass (None)
        reason = self._why_not(actor, row, spec, now, assigned, len(attempts), open_one)
        count = len(spec.question_keys) or sum(r.count for r in spec.draw)
        return ExamSummary(
            key=row.key,
            title=row.title,
            purpose=row.purpose,
            time_limit_minutes=spec.time_limit_minutes,
            pass_mark=spec.pass_mark,
            question_count=count,
            attempts_allowed=spec.attempts_allowed,
            attempts_used=len(attempts),
            best_percent=best,
            passed=passed,
            in_progress_attempt_id=open_one,
            opens_at=spec.opens_at,
            closes_at=spec.closes_at,
            can_start=reason == "",
            reason=reason,
        )

    def _why_not(
        self,
        actor: Actor,
        row: Exam,
        spec: Any,
        now: datetime,
        assigned: bool,
        used: int,
        open_one: int | None,
    ) -> str:
        if actor.user_id is None:
            return "请以个人账号登录后参加考试"
        if open_one is not None:
            return ""
        if not assigned:
            return "这份试卷没有分配给你"
        if spec.opens_at and now < spec.opens_at:
            return f"考试将于 {spec.opens_at.astimezone():%m-%d %H:%M} 开放"
        if spec.closes_at and now >= spec.closes_at:
            return "考试已截止"
        if used >= spec.attempts_allowed:
            return f"已用完 {spec.attempts_allowed} 次考试机会"
        return ""

    def _assigned(self, s: Session, actor: Actor, row: Exam) -> bool:
        assign = row.data.get("assign") or {}
        roles, teams, users = assign.get("roles") or [], assign.get("teams") or [], assign.get("users") or []
        if not (roles or teams or users):
            return True
        if actor.role.value in roles or actor.login in users:
            return True
        if teams and actor.team_id is not None:
            team_key = s.scalar(select(Team.key).where(Team.id == actor.team_id))
            return team_key in teams
        return False

    def get_exam(self, actor: Actor, key: str) -> dict[str, Any]:
        """An exam definition as its content-pack item (trainers and managers)."""
        actor.require(Permission.EDIT_CONTENT)
        with self._db.session() as s:
            row = self._exam(s, key)
            return {"key": row.key, **row.data}

    def save_exam(self, actor: Actor, item: dict[str, Any]) -> dict[str, Any]:
        """Create or change an exam definition (validated like a content pack item)."""
        actor.require(Permission.EDIT_CONTENT)
        from cstrainer.formats.content_pack import item_to_dict, validate_item

        model, problems = validate_item("exams", item)
        if model is None or problems:
            raise ValidationFailed(
                "试卷设置有误：", [f"{'.'.join(map(str, p))}: {m}" for p, m, _ in problems]
            )
        data = item_to_dict(model)
        with self._db.session() as s:
            from cstrainer.domain.papers import validate_spec

            issues = validate_spec(spec_from_pack(data), self._bank(s).index)
            if issues:
                raise ValidationFailed("按这份试卷的设置抽不出题：", issues)
            row = s.scalar(select(Exam).where(Exam.key == data["key"]))
            body = {k: v for k, v in data.items() if k != "key"}
            if row is None:
                row = Exam(
                    key=data["key"],
                    title=data["title"],
                    purpose=data.get("purpose", ""),
                    data=body,
                    updated_by=actor.login,
                )
                s.add(row)
                audit.record(s, actor, "exam.create", "exam", data["key"])
            elif row.data != body:
                changed = audit.changed_fields(row.data, body)
                row.data, row.title, row.purpose = body, data["title"], data.get("purpose", "")
                row.version += 1
                row.updated_by = actor.login
                audit.record(
                    s,
                    actor,
                    "exam.edit",
                    "exam",
                    data["key"],
                    from_version=row.version - 1,
                    version=row.version,
                    changed=changed,
                )
        return data

    # --- taking an exam ---------------------------------------------------------------------------

    def start(
        self, actor: Actor, exam_key: str, *, now: datetime | None = None, seed: int | None = None
    ) -> AttemptView:
        """Resume this person's open attempt, or draw a new paper and start the clock."""
        now = now or utcnow()
        with self._db.session() as s:
            self._expire_overdue(s, actor, now)
            row = self._exam(s, exam_key)
            spec = _exam_spec(row)
            mine = s.scalars(
                select(Attempt)
                .where(Attempt.exam_id == row.id, Attempt.user_id == (actor.user_id or -1))
                .order_by(Attempt.id)
            ).all()
            open_attempt = next((a for a in mine if a.status == IN_PROGRESS), None)
            if open_attempt is not None:
                # Resuming: charge the interruption (see attempt_clock); if the time ran out while
                # the app was closed the attempt is submitted now and its view says so.
                self._charge(open_attempt, now)
                if self._over(open_attempt, now):
                    reason = "closed" if self._closed(open_attempt, now) else "timeout"
                    self._submit(s, actor, open_attempt, now, reason)
                return self._view(s, open_attempt, row, now)
            reason = self._why_not(actor, row, spec, now, self._assigned(s, actor, row), len(mine), None)
            if reason:
                raise PermissionDenied(f"不能开始“{row.title}”：{reason}")
            from cstrainer.domain.papers import PaperError, assemble_paper

            bank = self._bank(s).index  # the exam's own draw rules say which brands it covers
            seed = seed if seed is not None else secrets.randbelow(2**31)
            try:
                paper = assemble_paper(spec, bank, seed)
            except PaperError as exc:
                raise InvalidInput(f"试卷“{row.title}”抽题失败：{exc}") from exc
            attempt = Attempt(
                exam_id=row.id,
                user_id=actor.user_id,
                exam_version=row.version,
                seed=seed,
                status=IN_PROGRESS,
                started_at=now,
                time_limit_seconds=(spec.time_limit_minutes * 60) if spec.time_limit_minutes else None,
                closes_at=spec.closes_at,
                used_seconds=0.0,
                last_heartbeat_at=now,
                focus_losses=0,
            )
            s.add(attempt)
            s.flush()
            ids: dict[str, int] = {}
            retired: dict[int, bool] = {}
            current: dict[int, dict[str, Any]] = {}
            for key, qid, is_retired, data in s.execute(
                select(QuestionRow.key, QuestionRow.id, QuestionRow.retired, QuestionRow.data).where(
                    QuestionRow.key.in_([i.question_key for i in paper.items])
                )
            ):
                ids[key], retired[qid], current[qid] = qid, is_retired, data
            # Freeze in question order: concurrent starts then wait for each other's new version
            # rows in the same order instead of deadlocking (papers are shuffled).
            frozen = self._freeze_versions(
                s, sorted({(ids[i.question_key], i.version) for i in paper.items}), current
            )
            # One executemany (the ORM would insert one row at a time to read back each id).
            s.execute(
                insert(_ATTEMPT_ITEMS),  # Core: no ORM bulk bookkeeping for 100 plain rows
                [
                    {
                        "attempt_id": attempt.id,
                        "position": item.position,
                        "question_id": ids[item.question_key],
                        "question_version": item.version,
                        "points": item.points,
                        "option_order": list(item.option_order),
                        "right_order": list(item.right_order),
                    }
                    for item in paper.items
                ],
            )
            audit.record(s, actor, "exam.start", "attempt", str(attempt.id), exam=row.key)
            # The paper as _view would read it back: the frozen versions just read or written,
            # the orders just stored, no answers yet.
            questions = self._questions(s, ())
            for item in paper.items:
                qid = ids[item.question_key]
                if (qid, item.version) not in questions:
                    stored = frozen[(qid, item.version)]
                    as_row = _BankRow(item.question_key, stored, item.version, retired[qid])
                    questions[(qid, item.version)] = question_from_row(
                        cast(QuestionRow, as_row), stored, item.version
                    )
            views = [
                AttemptItemView(
                    item.position,
                    view_of(
                        questions[(ids[item.question_key], item.version)],
                        tuple(item.option_order),
                        tuple(item.right_order),
                        points=item.points,
                    ),
                    None,
                    False,
                )
                for item in sorted(paper.items, key=lambda i: i.position)
            ]
            return self._attempt_view(attempt, row, now, views)

    def attempt(self, actor: Actor, attempt_id: int, *, now: datetime | None = None) -> AttemptView:
        """The paper of an open attempt, as the person sees it (no answer keys)."""
        now = now or utcnow()
        with self._db.session() as s:
            attempt = self._own_attempt(s, actor, attempt_id)
            return self._view(s, attempt, s.get(Exam, attempt.exam_id), now)  # type: ignore[arg-type]

    def save_answer(
        self, actor: Actor, attempt_id: int, position: int, response: Any, *, now: datetime | None = None
    ) -> SaveAck:
        """Store one answer at once (autosave). After the time is up the attempt is submitted instead."""
        now = now or utcnow()
        with self._db.session() as s:
            attempt = self._own_attempt(s, actor, attempt_id)
            if attempt.status != IN_PROGRESS:
                raise InvalidInput("这次考试已经交卷，不能再修改答案")
            self._charge(attempt, now)
            if self._over(attempt, now):
                self._submit(s, actor, attempt, now, "closed" if self._closed(attempt, now) else "timeout")
                return SaveAck(attempt.id, attempt.status, 0.0, attempt.focus_losses, submitted=True)
            item = self._item(s, attempt, position)
            item.response = _clean_response(response)
            item.answered_at = now
            return SaveAck(attempt.id, attempt.status, self._remaining(attempt, now), attempt.focus_losses)

    def set_flag(self, actor: Actor, attempt_id: int, position: int, flagged: bool) -> None:
        with self._db.session() as s:
            attempt = self._own_attempt(s, actor, attempt_id)
            if attempt.status == IN_PROGRESS:
                self._item(s, attempt, position).flagged = flagged

    def heartbeat(
        self, actor: Actor, attempt_id: int, *, now: datetime | None = None, offline_seconds: float = 0.0
    ) -> SaveAck:
        """Called every few seconds while the exam is open: charges time, submits at time-out.

        ``offline_seconds``: time the app had the paper open but could not reach the database,
        beyond what the gap policy charged for that outage (the app reports it after the answers
        typed meanwhile were stored); charged as well, at most the policy's grace.
        """
        now = now or utcnow()
        with self._db.session() as s:
            attempt = self._own_attempt(s, actor, attempt_id)
            if attempt.status != IN_PROGRESS:
                return SaveAck(attempt.id, attempt.status, 0.0, attempt.focus_losses)
            self._charge(attempt, now)
            if offline_seconds > 0:
                extra = min(float(offline_seconds), attempt_clock.DEFAULT_GRACE_SECONDS)
                attempt.used_seconds = (attempt.used_seconds or 0.0) + extra
            if self._over(attempt, now):
                self._submit(s, actor, attempt, now, "closed" if self._closed(attempt, now) else "timeout")
                return SaveAck(attempt.id, attempt.status, 0.0, attempt.focus_losses, submitted=True)
            return SaveAck(attempt.id, attempt.status, self._remaining(attempt, now), attempt.focus_losses)

    def focus_lost(self, actor: Actor, attempt_id: int, *, now: datetime | None = None) -> SaveAck:
        """The exam window lost focus: counted, shown to the trainer, capped by the exam."""
        now = now or utcnow()
        with self._db.session() as s:
            attempt = self._own_attempt(s, actor, attempt_id)
            if attempt.status != IN_PROGRESS:
                return SaveAck(attempt.id, attempt.status, 0.0, attempt.focus_losses)
            attempt.focus_losses += 1
            spec = _exam_spec(s.get(Exam, attempt.exam_id))  # type: ignore[arg-type]
            if spec.max_focus_losses is not None and attempt.focus_losses > spec.max_focus_losses:
                self._charge(attempt, now)
                self._submit(s, actor, attempt, now, "focus")
                return SaveAck(attempt.id, attempt.status, 0.0, attempt.focus_losses, submitted=True)
            return SaveAck(attempt.id, attempt.status, self._remaining(attempt, now), attempt.focus_losses)

    def submit(self, actor: Actor, attempt_id: int, *, now: datetime | None = None) -> AttemptResult:
        """Hand in: grade objective answers at once, queue the rest for a trainer's review."""
        now = now or utcnow()
        with self._db.session() as s:
            attempt = self._own_attempt(s, actor, attempt_id)
            if attempt.status == IN_PROGRESS:
                self._charge(attempt, now)
                reason = "manual"
                if self._over(attempt, now):
                    reason = "closed" if self._closed(attempt, now) else "timeout"
                self._submit(s, actor, attempt, now, reason)
            return self._result(s, actor, attempt)

    # --- results ----------------------------------------------------------------------------------

    def result(self, actor: Actor, attempt_id: int) -> AttemptResult:
        with self._db.session() as s:
            attempt = s.get(Attempt, attempt_id)
            if attempt is None:
                raise NotFound(f"没有编号为 {attempt_id} 的考试记录")
            person = s.get(User, attempt.user_id)
            assert person is not None
            actor.require_view_person(person.id, person.team_id, person.login)
            if attempt.status == IN_PROGRESS:
                raise InvalidInput("这次考试还没有交卷")
            return self._result(s, actor, attempt)

    def attempts(self, actor: Actor, login: str | None = None) -> builtins.list[AttemptResult]:
        """A person's finished attempts, newest first (own, or as a trainer/manager allowed to)."""
        with self._db.session() as s:
            person = s.scalar(select(User).where(User.login == (login or actor.login)))
            if person is None:
                raise NotFound(f"没有登录名为 {login or actor.login} 的账号")
            actor.require_view_person(person.id, person.team_id, person.login)
            rows = s.scalars(
                select(Attempt)
                .where(Attempt.user_id == person.id, Attempt.status != IN_PROGRESS)
                .order_by(Attempt.id.desc())
            ).all()
            return [self._result(s, actor, a) for a in rows]

    def attempts_for_exam(self, actor: Actor, exam_key: str) -> builtins.list[AttemptResult]:
        """Every finished attempt at one exam the caller may see (trainers: their team)."""
        with self._db.session() as s:
            exam = self._exam(s, exam_key)
            rows = s.execute(
                select(Attempt, User)
                .join(User, User.id == Attempt.user_id)
                .where(Attempt.exam_id == exam.id, Attempt.status != IN_PROGRESS)
                .order_by(Attempt.id.desc())
            ).all()
            out = []
            for attempt, person in rows:
                try:
                    actor.require_view_person(person.id, person.team_id, person.login)
                except PermissionDenied:
                    continue
                out.append(self._result(s, actor, attempt))
            return out

    # --- review ----------------------------------------------------------------------------------

    def review_queue(self, actor: Actor) -> builtins.list[ReviewItem]:
        """Short answers, replies and essays whose automatic score waits for a trainer."""
        actor.require(Permission.VIEW_TEAM_RESULTS)
        with self._db.session() as s:
            rows = s.execute(
                select(AttemptItem, Attempt, User, Exam)
                .join(Attempt, Attempt.id == AttemptItem.attempt_id)
                .join(User, User.id == Attempt.user_id)
                .join(Exam, Exam.id == Attempt.exam_id)
                .where(
                    AttemptItem.needs_review.is_(True),
                    AttemptItem.reviewed_at.is_(None),
                    Attempt.status == REVIEWING,
                )
                .order_by(Attempt.submitted_at, AttemptItem.position)
            ).all()
            out = []
            visible = []
            for item, attempt, person, exam in rows:
                try:
                    actor.require_view_person(person.id, person.team_id, person.login)
                except PermissionDenied:
                    continue
                visible.append((item, attempt, person, exam))
            questions = self._questions(s, [(r[0].question_id, r[0].question_version) for r in visible])
            for item, attempt, person, exam in visible:
                q = questions[(item.question_id, item.question_version)]
                out.append(
                    ReviewItem(
                        item.id,
                        attempt.id,
                        person.login,
                        person.display_name,
                        exam.title,
                        item.position,
                        q,
                        item.response,
                        item.points,
                        item.auto_score or 0.0,
                        dict(item.detail),
                        attempt.submitted_at,
                    )
                )
            return out

    def review(self, actor: Actor, item_id: int, score: float, comment: str = "") -> AttemptResult:
        """Confirm or override the automatic score of one answer; the last review finalises the grade."""
        actor.require(Permission.VIEW_TEAM_RESULTS)
        with self._db.session() as s:
            item = s.get(AttemptItem, item_id)
            if item is None:
                raise NotFound(f"没有编号为 {item_id} 的待复核答案")
            attempt = s.get(Attempt, item.attempt_id)
            assert attempt is not None
            person = s.get(User, attempt.user_id)
            assert person is not None
            actor.require_view_person(person.id, person.team_id, person.login)
            if not item.needs_review:
                raise InvalidInput("这道题不需要复核")
            if not 0 <= score <= item.points:
                raise InvalidInput(f"分数应在 0 到 {item.points:g} 之间", "score")
            before = item.score
            item.score = float(score)
            item.correct = score >= item.points - 1e-9
            item.reviewed_by = actor.login
            item.reviewed_at = utcnow()
            item.review_comment = comment.strip()
            audit.record(
                s,
                actor,
                "exam.review",
                "attempt",
                str(attempt.id),
                position=item.position,
                auto=item.auto_score,
                before=before,
                after=score,
            )
            s.flush()
            self._finalise(s, attempt)
            return self._result(s, actor, attempt)

    # --- certificates -----------------------------------------------------------------------------

    def verify_certificate(self, code: str) -> CertificateInfo | None:
        """Anyone may check a certificate's code; unknown codes give None."""
        code = code.strip().upper().replace("-", "")
        with self._db.session() as s:
            row = s.execute(
                select(Attempt, User, Exam)
                .join(User, User.id == Attempt.user_id)
                .join(Exam, Exam.id == Attempt.exam_id)
                .where(Attempt.certificate_code == code)
            ).first()
            if row is None:
                return None
            attempt, person, exam = row
            return CertificateInfo(
                code,
                person.display_name,
                person.login,
                exam.title,
                attempt.percent or 0.0,
                attempt.submitted_at or attempt.started_at,
            )

    def certificate_pdf(self, actor: Actor, attempt_id: int, path: Path) -> Path:
        result = self.result(actor, attempt_id)
        if not result.certificate_code:
            raise InvalidInput("只有通过的考试才有证书")
        info = self.verify_certificate(result.certificate_code)
        assert info is not None
        from cstrainer.services.certificates import write_certificate

        return write_certificate(info, Path(path))

    # --- the wrong-answer book --------------------------------------------------------------------

    def wrong_book(self, actor: Actor) -> builtins.list[WrongBookItem]:
        with self._db.session() as s:
            rows = s.execute(
                select(WrongBookEntry, QuestionRow)
                .join(QuestionRow, QuestionRow.id == WrongBookEntry.question_id)
                .where(WrongBookEntry.user_id == (actor.user_id or -1))
                .order_by(WrongBookEntry.last_wrong_at.desc())
            ).all()
            return [
                WrongBookItem(
                    view_of(question_from_row(q)),
                    q.category,
                    e.wrong_count,
                    e.last_wrong_at,
                    tuple(e.right_days),
                )
                for e, q in rows
            ]

    def practice_set(
        self, actor: Actor, n: int = 10, *, seed: int | None = None
    ) -> builtins.list[QuestionView]:
        """Questions to practise: due ones from the wrong-answer book, then the weakest categories."""
        from cstrainer.domain.wrong_book import practice_set

        with self._db.session() as s:
            entries = self._book_entries(s, actor)
            weak = self._category_strength(s, actor)
            bank = self._bank(s).questions(brands=actor.brand_keys or None)
            chosen = practice_set(
                entries, weak, bank, n, seed if seed is not None else secrets.randbelow(2**31)
            )
            rng = random.Random(seed)
            out = []
            for q in chosen:
                order = list(range(len(q.options)))
                if q.type in (QuestionType.SINGLE, QuestionType.MULTIPLE):
                    rng.shuffle(order)
                rights = list(range(len(q.pairs)))
                rng.shuffle(rights)
                out.append(view_of(q, tuple(order), tuple(rights)))
            return out

    def answer_practice(
        self, actor: Actor, question_key: str, response: Any, *, now: datetime | None = None
    ) -> PracticeFeedback:
        """Grade one practice answer at once and show the answer; updates the wrong-answer book."""
        now = now or utcnow()
        if actor.user_id is None:
            raise PermissionDenied("请以个人账号登录后练习")
        with self._db.session() as s:
            row = s.scalar(select(QuestionRow).where(QuestionRow.key == question_key))
            if row is None:
                raise NotFound(f"没有编号为 {question_key} 的题目")
            q = question_from_row(row)
            g = _grade(q, _clean_response(response), 1.0, self._compliance.scanner(s))
            s.add(
                PracticeAnswer(
                    user_id=actor.user_id,
                    question_id=row.id,
                    question_version=row.version,
                    response=_clean_response(response),
                    fraction=g.fraction,
                    correct=g.correct,
                    answered_at=now,
                )
            )
            in_book = self._record_book(s, actor.user_id, row.id, g.correct, now)
            return PracticeFeedback(
                q.key,
                g.correct,
                g.fraction,
                tuple(g.feedback),
                answer_text(q),
                q.explanation,
                in_book,
                g.detail_dict(),
            )

    # --- item statistics -------------------------------------------------------------------------

    def item_stats(self, actor: Actor, exam_key: str | None = None) -> builtins.list[Any]:
        """Facility, discrimination and option counts per question, from graded attempts."""
        actor.require(Permission.EDIT_CONTENT)
        from cstrainer.domain.item_stats import ItemResponse, analyse_items

        with self._db.session() as s:
            q = (
                select(
                    AttemptItem.attempt_id,
                    Attempt.percent,
                    QuestionRow.key,
                    AttemptItem.score,
                    AttemptItem.points,
                    AttemptItem.response,
                    QuestionRow.type,
                )
                .join(Attempt, Attempt.id == AttemptItem.attempt_id)
                .join(QuestionRow, QuestionRow.id == AttemptItem.question_id)
                .where(Attempt.status == GRADED, AttemptItem.score.is_not(None), AttemptItem.points > 0)
            )
            if exam_key:
                q = q.join(Exam, Exam.id == Attempt.exam_id).where(Exam.key == exam_key)
            rows = []
            for attempt_id, percent, key, score, points, response, qtype in s.execute(q):
                chosen: tuple[int, ...] = ()
                if qtype == "single" and isinstance(response, int):
                    chosen = (response,)
                elif qtype == "multiple" and isinstance(response, list):
                    chosen = tuple(r for r in response if isinstance(r, int))
                rows.append(ItemResponse(attempt_id, (percent or 0.0) / 100.0, key, score / points, chosen))
            return sorted(analyse_items(rows).values(), key=lambda st: st.question_key)

    def warm_up(self) -> int:
        """Parse the question bank into the process's cache now, so that the first exam started
        after it does not wait for it (1.5-2 s for 20,000 questions). Returns the number of active
        questions. Reveals nothing and changes nothing, so it asks for no permission."""
        with self._db.session() as s:
            return len(self._bank(s).rows)

    # --- internals -------------------------------------------------------------------------------

    @staticmethod
    def _exam(s: Session, key: str) -> Exam:
        row = s.scalar(select(Exam).where(Exam.key == key))
        if row is None:
            raise NotFound(f"没有编号为 {key} 的试卷")
        return row

    def _bank(self, s: Session) -> _BankSnapshot:
        """Every active question, parsed and indexed (shared by the process, checked at each call)."""
        return bank_snapshot(self._db, s)

    @staticmethod
    def _freeze_versions(
        s: Session,
        pairs: builtins.list[tuple[int, int]],
        current: Mapping[int, dict[str, Any]] | None = None,
    ) -> dict[tuple[int, int], dict[str, Any]]:
        """Keep each (question id, version) of a new paper as shown, unless already kept; returns
        the kept data of each pair.

        ``pairs`` come in question order: concurrent starts then insert in the same order."""

        def kept(chunk: builtins.list[tuple[int, int]]) -> Any:
            return s.execute(
                select(QuestionVersion.question_id, QuestionVersion.version, QuestionVersion.data).where(
                    tuple_(QuestionVersion.question_id, QuestionVersion.version).in_(chunk)
                )
            )

        existing: dict[tuple[int, int], dict[str, Any]] = {}
        for chunk in _chunks(pairs):
            existing.update(((qid, v), d) for qid, v, d in kept(chunk))
        missing = [p for p in pairs if p not in existing]
        if not missing:
            return existing
        data: dict[int, dict[str, Any]] = dict(current or {})  # the rows' data, if the caller read it
        for chunk in _chunks(sorted({qid for qid, _ in missing if qid not in data})):
            data.update(
                s.execute(select(QuestionRow.id, QuestionRow.data).where(QuestionRow.id.in_(chunk))).all()
            )
        if s.get_bind().dialect.name == "postgresql":
            # Two people starting an exam at the same moment may both freeze a version: the second
            # insert is skipped instead of failing the second person's start.
            from sqlalchemy.dialects.postgresql import insert as pg_insert

            # Core and executemany: one cached statement, sent in batches (an inline multi-row
            # VALUES was compiled anew at every start, and the ORM's bulk path added to it)
            now = utcnow()
            written = s.execute(
                pg_insert(_QUESTION_VERSIONS)
                .on_conflict_do_nothing(index_elements=["question_id", "version"])
                .returning(QuestionVersion.question_id, QuestionVersion.version),
                [
                    {"question_id": qid, "version": v, "data": dict(data[qid]), "created_at": now}
                    for qid, v in missing
                ],
            ).all()
            existing.update(((qid, v), dict(data[qid])) for qid, v in written)
            skipped = [p for p in missing if p not in existing]  # kept by a colleague's start just now
            if skipped:
                existing.update(((qid, v), d) for qid, v, d in kept(skipped))
        else:  # SQLite: the attempt's earlier writes already hold the database's write lock
            s.execute(
                insert(_QUESTION_VERSIONS),
                [{"question_id": qid, "version": v, "data": dict(data[qid])} for qid, v in missing],
            )
            existing.update(((qid, v), dict(data[qid])) for qid, v in missing)
        return existing

    @staticmethod
    def _items(s: Session, attempt_id: int) -> builtins.list[AttemptItem]:
        """An attempt's items in paper order, selected once per session (``s.info``): a paper's
        items are fixed when it is drawn, and grading, totals and the result page read them all."""
        memo: dict[int, builtins.list[AttemptItem]] = s.info.setdefault("cstrainer.attempt_items", {})
        items = memo.get(attempt_id)
        if items is None:
            items = memo[attempt_id] = builtins.list(
                s.scalars(
                    select(AttemptItem)
                    .where(AttemptItem.attempt_id == attempt_id)
                    .order_by(AttemptItem.position)
                )
            )
        return items

    @staticmethod
    def _questions(s: Session, pairs: Iterable[tuple[int, int]]) -> dict[tuple[int, int], Question]:
        """The questions of (question id, version) pairs as they were shown: the frozen version if
        kept, else the row. Two statements for any number; remembered for the session (``s.info``)."""
        memo: dict[tuple[int, int], Question] = s.info.setdefault("cstrainer.exam_questions", {})
        keys: dict[int, str] = s.info.setdefault("cstrainer.exam_question_keys", {})
        wanted = sorted({p for p in pairs if p not in memo})
        if wanted:
            rows: dict[int, _BankRow] = {}
            for chunk in _chunks(sorted({qid for qid, _ in wanted})):
                for qid, key, data, version, retired in s.execute(
                    select(
                        QuestionRow.id,
                        QuestionRow.key,
                        QuestionRow.data,
                        QuestionRow.version,
                        QuestionRow.retired,
                    ).where(QuestionRow.id.in_(chunk))
                ):
                    rows[qid] = _BankRow(key, data, version, retired)
            frozen: dict[tuple[int, int], dict[str, Any]] = {}
            for chunk in _chunks(wanted):
                for qid, version, data in s.execute(
                    select(QuestionVersion.question_id, QuestionVersion.version, QuestionVersion.data).where(
                        tuple_(QuestionVersion.question_id, QuestionVersion.version).in_(chunk)
                    )
                ):
                    frozen[(qid, version)] = data
            for qid, version in wanted:
                row = rows[qid]
                keys[qid] = row.key
                memo[(qid, version)] = question_from_row(
                    cast(QuestionRow, row), frozen.get((qid, version)), version
                )
        return memo

    @staticmethod
    def _question_keys(s: Session, question_ids: Iterable[int]) -> dict[int, str]:
        """Question keys by id (those :meth:`_questions` loaded are not read again)."""
        keys: dict[int, str] = s.info.setdefault("cstrainer.exam_question_keys", {})
        missing = sorted({qid for qid in question_ids if qid not in keys})
        for chunk in _chunks(missing):
            keys.update(
                s.execute(select(QuestionRow.id, QuestionRow.key).where(QuestionRow.id.in_(chunk))).all()
            )
        return keys

    @staticmethod
    def _own_attempt(s: Session, actor: Actor, attempt_id: int) -> Attempt:
        attempt = s.get(Attempt, attempt_id)
        if attempt is None:
            raise NotFound(f"没有编号为 {attempt_id} 的考试记录")
        if attempt.user_id != actor.user_id:
            raise PermissionDenied("只能作答自己的考试")
        return attempt

    @staticmethod
    def _item(s: Session, attempt: Attempt, position: int) -> AttemptItem:
        item = s.scalar(
            select(AttemptItem).where(AttemptItem.attempt_id == attempt.id, AttemptItem.position == position)
        )
        if item is None:
            raise NotFound(f"试卷中没有第 {position + 1} 题")
        return item

    @staticmethod
    def _charge(attempt: Attempt, now: datetime) -> None:
        attempt.used_seconds = attempt_clock.charge(attempt.used_seconds, attempt.last_heartbeat_at, now)
        attempt.last_heartbeat_at = now

    @staticmethod
    def _remaining(attempt: Attempt, now: datetime) -> float | None:
        left = attempt_clock.remaining(
            attempt.started_at, attempt.time_limit_seconds, attempt.used_seconds, now, attempt.closes_at
        )
        return None if math.isinf(left) else left

    def _over(self, attempt: Attempt, now: datetime) -> bool:
        remaining = self._remaining(attempt, now)
        return remaining is not None and remaining <= 0

    @staticmethod
    def _closed(attempt: Attempt, now: datetime) -> bool:
        return attempt.closes_at is not None and now >= attempt.closes_at

    def _expire_overdue(self, s: Session, actor: Actor, now: datetime) -> None:
        """Submit this person's attempts whose time ran out while the app was closed."""
        if actor.user_id is None:
            return
        for attempt in s.scalars(
            select(Attempt).where(Attempt.user_id == actor.user_id, Attempt.status == IN_PROGRESS)
        ).all():
            if self._closed(attempt, now):
                self._submit(s, actor, attempt, now, "closed")

    def _view(self, s: Session, attempt: Attempt, exam: Exam, now: datetime) -> AttemptView:
        items = []
        rows = self._items(s, attempt.id)
        questions = self._questions(s, [(i.question_id, i.question_version) for i in rows])
        for item in rows:
            q = questions[(item.question_id, item.question_version)]
            view = view_of(q, tuple(item.option_order), tuple(item.right_order), points=item.points)
            items.append(AttemptItemView(item.position, view, item.response, item.flagged))
        return self._attempt_view(attempt, exam, now, items)

    def _attempt_view(
        self, attempt: Attempt, exam: Exam, now: datetime, items: builtins.list[AttemptItemView]
    ) -> AttemptView:
        spec = _exam_spec(exam)
        remaining = self._remaining(attempt, now) if attempt.status == IN_PROGRESS else 0.0
        return AttemptView(
            attempt.id,
            exam.key,
            exam.title,
            attempt.status,
            tuple(items),
            remaining,
            attempt.focus_losses,
            spec.max_focus_losses,
            attempt.started_at,
        )

    def _submit(self, s: Session, actor: Actor, attempt: Attempt, now: datetime, reason: str) -> None:
        attempt.submitted_at = now
        attempt.submit_reason = reason
        attempt.auto_submitted = reason != "manual"
        with s.no_autoflush:  # the attempt's row is written once, with its grade, at the end
            items = self._items(s, attempt.id)
            questions = self._questions(s, [(i.question_id, i.question_version) for i in items])
            keys = self._question_keys(s, [i.question_id for i in items])
            book = self._book_rows(s, attempt.user_id, [i.question_id for i in items])
            scanner = self._compliance.scanner(s) if items else None
        graded: builtins.list[dict[str, Any]] = []
        book_updates: builtins.list[dict[str, Any]] = []
        for item in items:
            q = questions[(item.question_id, item.question_version)]
            g = _grade(q, item.response, item.points, scanner)
            values = {
                "auto_score": g.score,
                "score": g.score,
                "correct": g.correct,
                "needs_review": bool(g.needs_review) and _is_answered(q.type, item.response),
                "detail": g.detail_dict(),
            }
            # The loaded items take the grades as their stored state; one executemany below
            # writes them (the unit of work would compare and update each object on its own).
            for name, value in values.items():
                set_committed_value(item, name, value)
            graded.append({"id": item.id, **values})
            if q.is_scored and not item.needs_review and attempt.user_id is not None:
                self._record_book(
                    s,
                    attempt.user_id,
                    item.question_id,
                    bool(g.correct),
                    now,
                    keys[item.question_id],
                    book,
                    book_updates,
                )
        with s.no_autoflush:  # the attempt, new book rows and the rest are written at the end
            if graded:
                s.execute(update(AttemptItem), graded)
            if book_updates:
                s.execute(update(WrongBookEntry), book_updates)
        attempt.status = REVIEWING
        self._finalise(s, attempt)
        audit.record(s, actor, "exam.submit", "attempt", str(attempt.id), reason=reason)

    def _finalise(self, s: Session, attempt: Attempt) -> None:
        """Total the grades; once nothing waits for review, decide pass/fail and issue the certificate."""
        items = self._items(s, attempt.id)
        attempt.score = round(sum(i.score or 0.0 for i in items), 2)
        attempt.max_score = round(sum(i.points for i in items), 2)
        attempt.percent = round(100.0 * attempt.score / attempt.max_score, 1) if attempt.max_score else 0.0
        pending = [i for i in items if i.needs_review and i.reviewed_at is None]
        if pending:
            attempt.status = REVIEWING
            attempt.passed = None
            return
        attempt.status = GRADED
        spec = _exam_spec(s.get(Exam, attempt.exam_id))  # type: ignore[arg-type]
        attempt.passed = attempt.percent >= spec.pass_mark - 1e-9
        if attempt.passed and not attempt.certificate_code:
            attempt.certificate_code = _new_code(s)
        if not attempt.passed:
            attempt.certificate_code = None
        reviewed = [i for i in items if i.needs_review and i.reviewed_at is not None]
        if reviewed and attempt.user_id is not None:
            keys = self._question_keys(s, [i.question_id for i in reviewed])
            book = self._book_rows(s, attempt.user_id, [i.question_id for i in reviewed])
            for i in reviewed:
                self._record_book(
                    s,
                    attempt.user_id,
                    i.question_id,
                    bool(i.correct),
                    attempt.submitted_at or utcnow(),
                    keys[i.question_id],
                    book,
                )

    @staticmethod
    def _book_rows(
        s: Session, user_id: int | None, question_ids: Iterable[int]
    ) -> dict[int, WrongBookEntry | None]:
        """This person's wrong-answer book rows for ``question_ids`` (None: no row), in one go."""
        ids = sorted(set(question_ids))
        out: dict[int, WrongBookEntry | None] = dict.fromkeys(ids)
        if user_id is None:
            return out
        for chunk in _chunks(ids):
            for row in s.scalars(
                select(WrongBookEntry).where(
                    WrongBookEntry.user_id == user_id, WrongBookEntry.question_id.in_(chunk)
                )
            ):
                out[row.question_id] = row
        return out

    def _record_book(
        self,
        s: Session,
        user_id: int,
        question_id: int,
        correct: bool,
        when: datetime,
        key: str | None = None,
        book: dict[int, WrongBookEntry | None] | None = None,
        updates: builtins.list[dict[str, Any]] | None = None,
    ) -> bool:
        """Record one answer in the wrong-answer book. ``key`` and ``book`` (from :meth:`_book_rows`,
        kept up to date here) spare the look-ups when a whole paper is recorded; with ``updates``,
        changes to stored rows are not left to the unit of work but listed there, for the caller
        to write in one executemany (``update(WrongBookEntry)``)."""
        from cstrainer.domain.wrong_book import WrongBookEntry as Entry
        from cstrainer.domain.wrong_book import record

        if book is not None and question_id in book:
            row = book[question_id]
        else:
            row = s.scalar(
                select(WrongBookEntry).where(
                    WrongBookEntry.user_id == user_id, WrongBookEntry.question_id == question_id
                )
            )
        if key is None:
            key = s.scalar(select(QuestionRow.key).where(QuestionRow.id == question_id)) or ""
        entry = None
        if row is not None:
            entry = Entry(
                person=user_id,
                question_key=key,
                wrong_count=row.wrong_count,
                first_wrong_at=row.first_wrong_at,
                last_wrong_at=row.last_wrong_at,
                right_days=tuple(date.fromisoformat(d) for d in row.right_days),
            )
        new = record(entry, correct, when, person=user_id, question_key=key)
        if new is None:
            if row is not None:
                s.delete(row)
                if book is not None:
                    book[question_id] = None
            return False
        values = {
            "wrong_count": new.wrong_count,
            "first_wrong_at": new.first_wrong_at,
            "last_wrong_at": new.last_wrong_at,
            "right_days": [d.isoformat() for d in new.right_days],
        }
        if row is not None and updates is not None and row.id is not None and row not in s.new:
            for name, value in values.items():
                set_committed_value(row, name, value)
            updates.append({"id": row.id, **values})
            return True
        if row is None:
            row = WrongBookEntry(user_id=user_id, question_id=question_id)
            s.add(row)
            if book is not None:
                book[question_id] = row
        for name, value in values.items():
            setattr(row, name, value)
        return True

    def _book_entries(self, s: Session, actor: Actor) -> builtins.list[Any]:
        from cstrainer.domain.wrong_book import WrongBookEntry as Entry

        rows = s.execute(
            select(WrongBookEntry, QuestionRow.key)
            .join(QuestionRow, QuestionRow.id == WrongBookEntry.question_id)
            .where(WrongBookEntry.user_id == (actor.user_id or -1))
        ).all()
        return [
            Entry(
                person=e.user_id,
                question_key=key,
                wrong_count=e.wrong_count,
                first_wrong_at=e.first_wrong_at,
                last_wrong_at=e.last_wrong_at,
                right_days=tuple(date.fromisoformat(d) for d in e.right_days),
            )
            for e, key in rows
        ]

    def _category_strength(self, s: Session, actor: Actor) -> dict[str, float]:
        """Share of points earned per category over this person's graded exam answers."""
        rows = s.execute(
            select(QuestionRow.category, func.sum(AttemptItem.score), func.sum(AttemptItem.points))
            .join(AttemptItem, AttemptItem.question_id == QuestionRow.id)
            .join(Attempt, Attempt.id == AttemptItem.attempt_id)
            .where(
                Attempt.user_id == (actor.user_id or -1),
                AttemptItem.score.is_not(None),
                AttemptItem.points > 0,
            )
            .group_by(QuestionRow.category)
        ).all()
        return {c: float(sc or 0) / float(pts) for c, sc, pts in rows if pts}

    def _result(self, s: Session, actor: Actor, attempt: Attempt) -> AttemptResult:
        exam = s.get(Exam, attempt.exam_id)
        person = s.get(User, attempt.user_id)
        assert exam is not None and person is not None
        spec = _exam_spec(exam)
        show = bool(spec.show_answers_after) or actor.can(Permission.EDIT_CONTENT)
        items = []
        categories: dict[str, list[float]] = {}
        rows = self._items(s, attempt.id)
        questions = self._questions(s, [(i.question_id, i.question_version) for i in rows])
        for item in rows:
            q = questions[(item.question_id, item.question_version)]
            view = view_of(q, tuple(item.option_order), tuple(item.right_order), points=item.points)
            cat = categories.setdefault(q.category or "其他", [0.0, 0.0])
            cat[0] += item.score or 0.0
            cat[1] += item.points
            items.append(
                ItemResult(
                    position=item.position,
                    view=view,
                    response=item.response,
                    points=item.points,
                    score=item.score,
                    correct=item.correct,
                    needs_review=item.needs_review,
                    reviewed=item.reviewed_at is not None,
                    review_comment=item.review_comment,
                    feedback=tuple(_texts((item.detail or {}).get("feedback"))),
                    detail=_public_detail(item.detail or {}, show),
                    correct_answer=answer_text(q) if show else None,
                    explanation=q.explanation if show else None,
                )
            )
        pending = sum(1 for i in items if i.needs_review and not i.reviewed)
        return AttemptResult(
            attempt_id=attempt.id,
            exam_key=exam.key,
            exam_title=exam.title,
            login=person.login,
            display_name=person.display_name,
            status=attempt.status,
            score=attempt.score or 0.0,
            max_score=attempt.max_score or 0.0,
            percent=attempt.percent or 0.0,
            pass_mark=spec.pass_mark,
            passed=attempt.passed,
            pending_review=pending,
            categories=tuple(
                CategoryScore(c, round(v[0], 2), round(v[1], 2)) for c, v in sorted(categories.items())
            ),
            items=tuple(items),
            answers_shown=show,
            certificate_code=attempt.certificate_code,
            started_at=attempt.started_at,
            submitted_at=attempt.submitted_at,
            submit_reason=attempt.submit_reason,
            focus_losses=attempt.focus_losses,
            used_seconds=attempt.used_seconds,
        )


def _chunks(values: builtins.list[Any], size: int = 400) -> Iterable[builtins.list[Any]]:
    """``values`` in slices short enough for one statement's parameters (SQLite allows 999)."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _new_code(s: Session) -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud over the phone
    while True:
        code = "".join(secrets.choice(alphabet) for _ in range(10))
        with s.no_autoflush:  # the attempt is written once, with its code
            if s.scalar(select(Attempt.id).where(Attempt.certificate_code == code)) is None:
                return code


def _public_detail(detail: Mapping[str, Any], show_answers: bool) -> dict[str, Any]:
    """Grading details without anything that gives the answer key away, unless answers are shown."""
    if show_answers:
        return dict(detail)
    out = {k: v for k, v in detail.items() if k not in ("suggestion",)}
    out["matched"] = [{k: v for k, v in m.items() if k != "expected"} for m in detail.get("matched", [])]
    return out


def _texts(value: Any) -> builtins.list[str]:
    if not value:
        return []
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value]


def _clean_response(response: Any) -> Any:
    """Responses are stored as JSON: tuples become lists; sets are sorted."""
    if isinstance(response, tuple):
        return [_clean_response(r) for r in response]
    if isinstance(response, set | frozenset):
        return sorted(response)
    if isinstance(response, list):
        return [_clean_response(r) for r in response]
    return response


def _jsonable(value: Any) -> Any:
    """Grading details (dataclasses, tuples) as plain JSON data."""
    import dataclasses
    from enum import Enum

    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, float | int | str | bool) or value is None:
        return value
    return str(value)


__all__ = [
    "STATUS_LABELS",
    "SUBMIT_REASONS",
    "AttemptItemView",
    "AttemptResult",
    "AttemptView",
    "CategoryScore",
    "CertificateInfo",
    "ExamService",
    "ExamSummary",
    "ItemResult",
    "PracticeFeedback",
    "ReviewItem",
    "SaveAck",
    "WrongBookItem",
    "answer_text",
]
