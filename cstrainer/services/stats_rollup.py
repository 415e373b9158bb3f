"""Sums behind the dashboards, from the raw rows or from roll-ups of whole past days.

A dashboard figure is a sum over graded rows of a period (answers, attempts, sessions, misses).
Each :class:`Spec` below names one such family of sums: the rows it reads (a SELECT with its joins
and filter), the keys it groups by and the summable values (counts, sums; averages are divided in
Python after merging). :func:`sums` returns them per key for a period and an optional condition
(a person or a team):

- for a person, straight from the rows (a person is a small share of them);
- for a team or everybody, whole UTC days that are *sealed* come from the roll-up tables (one row
  per day, team and key, or per hour and team for the hourly specs) and only the rest of the period
  (its ragged edges, the last hours, days not sealed yet) from the rows. The results are the same;
  the roll-ups just turn a million answers into tens of thousands of pre-summed rows. A team is its
  current members: the roll-ups split by the team people are in when a day is sealed, and moving
  a person to another team unseals every day. Rows with ``team_id = -1`` (:data:`ALL_TEAMS`) hold
  the sums over all teams, which is what everybody's dashboards read.

Sealing: :func:`ensure_sealed` computes the roll-up rows of every whole day of a period that ended at
least :data:`SEAL_DELAY` ago and is not sealed yet (``INSERT ... SELECT ... GROUP BY``, one pass per
table for each run of days) and records the days in ``stats_days``. Two computers sealing the same
day at once: the second one's insert fails on the primary key and is dropped (nothing is lost, the
first one's rows stand).

Keeping them true: results normally arrive for today, which is never sealed. Anything that changes a
graded result of an older day (a trainer's review of an old attempt, a regrade under a new scenario
version, an attempt graded late) goes through the ORM, and a ``before_flush`` listener registered
here unseals that day (deletes its roll-up rows) in the same transaction; the next dashboard
recomputes it. Bulk writes that bypass the ORM (the demo history) call :func:`unseal_all`.
Deleting a person (ON DELETE CASCADE in the database) bypasses both; :func:`unseal_all` is called
there too.

Day numbers are days since 1970-01-01 UTC, hour numbers hours since then.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import chain
from typing import Any

from sqlalchemy import (
    Float,
    Integer,
    and_,
    case,
    cast,
    delete,
    event,
    extract,
    func,
    insert,
    inspect,
    literal_column,
    or_,
    select,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select
from sqlalchemy.sql.elements import ColumnElement

from cstrainer.storage.database import Database
from cstrainer.storage.models import (
    DIMENSION_COLUMNS,
    Attempt,
    AttemptItem,
    RolePlayMiss,
    RolePlaySession,
    StatsDay,
    StatsExamHour,
    StatsMissDay,
    StatsQuestionDay,
    StatsScenarioDay,
    StatsSessionHour,
    User,
    utcnow,
)

#: the team a row is summed under in the roll-ups (0: the person belongs to no team)
TEAM = func.coalesce(User.team_id, 0)
#: ``team_id`` of the roll-up rows that sum every team (what everybody's dashboards read)
ALL_TEAMS = -1

#: a day is sealed once it ended this long ago (late results of a day before that unseal it)
SEAL_DELAY = timedelta(hours=6)

#: how far ahead another computer's clock may be when it seals days (see _touched_days)
CLOCK_SKEW = timedelta(hours=2)

#: upper bounds (seconds) of the reply-time buckets of a session's mean reply time; None = no bound
REPLY_BOUNDS: tuple[float | None, ...] = (10.0, 20.0, 30.0, 60.0, None)

DAY = 86400
HOUR = 3600


def day_of(at: datetime) -> int:
    return int(_utc(at).timestamp() // DAY)


def day_start(day: int) -> datetime:
    return datetime.fromtimestamp(day * DAY, UTC)


def hour_start(hour: int) -> datetime:
    return datetime.fromtimestamp(hour * HOUR, UTC)


def _utc(at: datetime) -> datetime:
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


# --- misses -------------------------------------------------------------------------------------------


def misses_of(card: dict[str, Any] | None) -> list[tuple[str, str, str]]:
    """The distinct (kind, ident, word) misses of a scorecard (``Scorecard.to_json()``): key points
    not covered, banned wordings (rule, word) and forbidden moves (id, wording), sorted."""
    if not isinstance(card, dict):
        return []
    seen: set[tuple[str, str, str]] = set()
    for m in card.get("missed") or []:
        if isinstance(m, dict) and m.get("key_point_id"):
            seen.add(("key_point", str(m["key_point_id"])[:128], ""))
    for r in card.get("replies") or []:
        if not isinstance(r, dict):
            continue
        for b in r.get("banned") or []:
            if isinstance(b, dict) and b.get("word"):
                seen.add(("banned", str(b.get("rule") or "")[:128], str(b["word"])[:128]))
        for f in r.get("forbidden") or []:
            if isinstance(f, dict) and f.get("id"):
                seen.add(("forbidden", str(f["id"])[:128], str(f.get("word") or "")[:128]))
    return sorted(seen)


def miss_rows(session_id: int, scenario_key: str, card: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Rows of ``roleplay_misses`` for a graded session."""
    return [
        {"session_id": session_id, "kind": k, "scenario_key": scenario_key[:128], "ident": i, "word": w}
        for k, i, w in misses_of(card)
    ]


def record_misses(s: Session, sess: RolePlaySession) -> None:
    """Replace the stored misses of a (re)graded session with those of its scorecard."""
    s.execute(delete(RolePlayMiss).where(RolePlayMiss.session_id == sess.id))
    s.add_all(RolePlayMiss(**row) for row in miss_rows(sess.id, sess.scenario_key, sess.scorecard))


# --- specs --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Spec:
    """One family of sums: ``source(where)`` selects from the rows (joins and the fixed filter
    included) and ``time_col`` is the timestamp that places a row in a day or hour."""

    name: str
    table: Any
    grain: str  # "day" or "hour"
    time_col: Any
    source: Callable[[], Select[Any]]
    keys: tuple[tuple[str, Any], ...]
    values: tuple[tuple[str, Any, str], ...]  # (column, expression, "sum" | "max")
    person_col: Any = None  # the user id column the scope conditions apply to
    value_names: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "value_names", tuple(v[0] for v in self.values))


def _ratio(num: Any, den: Any) -> Any:
    return cast(num, Float) / den


def _count_if(cond: ColumnElement[bool]) -> Any:
    return func.sum(case((cond, 1), else_=0))


def _graded_attempts() -> ColumnElement[bool]:
    return and_(Attempt.status == "graded", Attempt.submitted_at.is_not(None))


def _finished_sessions() -> ColumnElement[bool]:
    return and_(
        RolePlaySession.draft.is_(False),
        RolePlaySession.status == "finished",
        RolePlaySession.score.is_not(None),
    )


_scored = AttemptItem.score.is_not(None)
_weighted = and_(_scored, AttemptItem.points > 0)

QUESTIONS = Spec(
    "questions",
    StatsQuestionDay,
    "day",
    Attempt.submitted_at,
    lambda: (
        select()
        .select_from(AttemptItem)
        .join(Attempt, Attempt.id == AttemptItem.attempt_id)
        .outerjoin(User, User.id == Attempt.user_id)
        .where(_graded_attempts())
    ),
    (("question_id", AttemptItem.question_id),),
    (
        ("n_scored", _count_if(_scored), "sum"),
        (
            "facility_sum",
            func.sum(case((_weighted, _ratio(AttemptItem.score, AttemptItem.points)), else_=0.0)),
            "sum",
        ),
        ("facility_n", _count_if(_weighted), "sum"),
        ("correct_scored", _count_if(and_(_scored, AttemptItem.correct.is_(True))), "sum"),
        ("n_judged", _count_if(AttemptItem.correct.is_not(None)), "sum"),
        ("n_wrong", _count_if(AttemptItem.correct.is_(False)), "sum"),
    ),
    person_col=Attempt.user_id,
)

EXAMS = Spec(
    "exams",
    StatsExamHour,
    "hour",
    Attempt.submitted_at,
    lambda: (
        select().select_from(Attempt).outerjoin(User, User.id == Attempt.user_id).where(_graded_attempts())
    ),
    (),
    (
        ("attempts", func.count(Attempt.id), "sum"),
        ("passed", _count_if(Attempt.passed.is_(True)), "sum"),
        ("percent_sum", func.coalesce(func.sum(Attempt.percent), 0.0), "sum"),
        ("percent_n", func.count(Attempt.percent), "sum"),
    ),
    person_col=Attempt.user_id,
)


def _reply_buckets() -> tuple[tuple[str, Any, str], ...]:
    reply = RolePlaySession.avg_reply_seconds
    out = []
    for i, upper in enumerate(REPLY_BOUNDS):
        lower = REPLY_BOUNDS[i - 1] if i else None
        conds: list[ColumnElement[bool]] = [reply.is_not(None)]
        if lower is not None:
            conds.append(reply > lower)
        if upper is not None:
            conds.append(reply <= upper)
        out.append((f"reply_b{i}", _count_if(and_(*conds)), "sum"))
    return tuple(out)


SESSIONS = Spec(
    "sessions",
    StatsSessionHour,
    "hour",
    RolePlaySession.started_at,
    lambda: (
        select()
        .select_from(RolePlaySession)
        .outerjoin(User, User.id == RolePlaySession.user_id)
        .where(_finished_sessions())
    ),
    (),
    (
        ("sessions", func.count(RolePlaySession.id), "sum"),
        ("score_sum", func.sum(RolePlaySession.score), "sum"),
        ("success_n", _count_if(RolePlaySession.success.is_(True)), "sum"),
        *[
            item
            for col in DIMENSION_COLUMNS.values()
            for item in (
                (f"{col}_sum", func.coalesce(func.sum(getattr(RolePlaySession, col)), 0.0), "sum"),
                (f"{col}_n", func.count(getattr(RolePlaySession, col)), "sum"),
            )
        ],
        *_reply_buckets(),
    ),
    person_col=RolePlaySession.user_id,
)

SCENARIOS = Spec(
    "scenarios",
    StatsScenarioDay,
    "day",
    RolePlaySession.started_at,
    lambda: (
        select()
        .select_from(RolePlaySession)
        .outerjoin(User, User.id == RolePlaySession.user_id)
        .where(_finished_sessions())
    ),
    (("scenario_key", RolePlaySession.scenario_key),),
    (
        ("title", func.coalesce(func.max(RolePlaySession.scenario_title), ""), "max"),
        ("stage", func.coalesce(func.max(RolePlaySession.stage), ""), "max"),
        ("sessions", func.count(RolePlaySession.id), "sum"),
        ("score_sum", func.sum(RolePlaySession.score), "sum"),
        ("success_n", _count_if(RolePlaySession.success.is_(True)), "sum"),
        ("reply_sum", func.coalesce(func.sum(RolePlaySession.avg_reply_seconds), 0.0), "sum"),
        ("reply_n", func.count(RolePlaySession.avg_reply_seconds), "sum"),
    ),
    person_col=RolePlaySession.user_id,
)

MISSES = Spec(
    "misses",
    StatsMissDay,
    "day",
    RolePlaySession.started_at,
    lambda: (
        select()
        .select_from(RolePlayMiss)
        .join(RolePlaySession, RolePlaySession.id == RolePlayMiss.session_id)
        .outerjoin(User, User.id == RolePlaySession.user_id)
        .where(_finished_sessions())
    ),
    (
        ("kind", RolePlayMiss.kind),
        ("scenario_key", RolePlayMiss.scenario_key),
        ("ident", RolePlayMiss.ident),
        ("word", RolePlayMiss.word),
    ),
    (("sessions", func.count(RolePlayMiss.id), "sum"),),
    person_col=RolePlaySession.user_id,
)

SPECS: tuple[Spec, ...] = (QUESTIONS, EXAMS, SESSIONS, SCENARIOS, MISSES)


# --- time buckets in SQL ------------------------------------------------------------------------------


def _epoch_div(db: Database, col: Any, seconds: int) -> Any:
    """The whole number of ``seconds`` since 1970-01-01 UTC of a naive-UTC timestamp column."""
    # the divisor is written into the SQL: PostgreSQL matches GROUP BY expressions textually, and
    # two bound parameters would make the same expression two different ones
    div: Any = literal_column(str(int(seconds)))
    if db.is_sqlite:  # integer division (SQLAlchemy's "/" would make it a true division)
        return cast(func.strftime(literal_column("'%s'"), col), Integer).op("/")(div)
    return cast(func.floor(extract("epoch", col).op("/")(div)), Integer)


def _bucket(db: Database, spec: Spec) -> Any:
    return _epoch_div(db, spec.time_col, DAY if spec.grain == "day" else HOUR)


def _within(col: Any, intervals: Iterable[tuple[datetime, datetime]]) -> ColumnElement[bool]:
    return or_(*[and_(col >= a, col < b) for a, b in intervals])


def _grain_range(spec: Spec, d0: int, d1: int) -> ColumnElement[bool]:
    """Roll-up rows of days d0 <= day < d1."""
    if spec.grain == "day":
        return and_(spec.table.day >= d0, spec.table.day < d1)
    return and_(spec.table.hour >= d0 * 24, spec.table.hour < d1 * 24)


def _runs(days: Iterable[int]) -> list[tuple[int, int]]:
    """Sorted day numbers as half-open runs [d0, d1)."""
    out: list[tuple[int, int]] = []
    for d in sorted(set(days)):
        if out and out[-1][1] == d:
            out[-1] = (out[-1][0], d + 1)
        else:
            out.append((d, d + 1))
    return out


# --- sealing ------------------------------------------------------------------------------------------


def sealable_days(start: datetime, end: datetime, now: datetime | None = None) -> range:
    """The whole UTC days inside [start, end) that ended at least SEAL_DELAY before ``now``."""
    first = -(-int(_utc(start).timestamp()) // DAY)  # ceil: the first midnight at or after start
    last = min(int(_utc(end).timestamp()) // DAY, day_of((now or utcnow()) - SEAL_DELAY))
    return range(first, max(first, last))


def ensure_sealed(db: Database, start: datetime, end: datetime, now: datetime | None = None) -> int:
    """Seal the sealable days of the period that are not sealed yet; the number of days sealed."""
    days = sealable_days(start, end, now)
    if not days:
        return 0
    with db.session() as s:
        done = set(
            s.scalars(select(StatsDay.day).where(StatsDay.day >= days.start, StatsDay.day < days.stop))
        )
    missing = [d for d in days if d not in done]
    if not missing:
        return 0
    try:
        with db.session() as s:
            for d0, d1 in _runs(missing):
                seal_days(s, db, d0, d1)
    except IntegrityError:
        # another computer sealed (some of) them meanwhile: its rows stand; anything else is a bug
        with db.session() as s:
            if not s.scalar(select(func.count()).select_from(StatsDay).where(StatsDay.day.in_(missing))):
                raise
        return 0
    return len(missing)


def seal_days(s: Session, db: Database, d0: int, d1: int) -> None:
    """Write the roll-up rows of days d0 <= day < d1 (none of them sealed) and mark them sealed."""
    start, end = day_start(d0), day_start(d1)
    for spec in SPECS:
        bucket = _bucket(db, spec)
        cols = [bucket, TEAM, *[k for _, k in spec.keys], *[v for _, v, _ in spec.values]]
        q = (
            spec.source()
            .add_columns(*cols)
            .where(spec.time_col >= start, spec.time_col < end)
            .group_by(bucket, TEAM, *[k for _, k in spec.keys])
        )
        names = [spec.grain, "team_id", *[n for n, _ in spec.keys], *spec.value_names]
        s.execute(insert(spec.table).from_select(names, q))
        # and the same summed over the teams, so that everybody's figures read one row per key
        t = spec.table
        grain, keys = getattr(t, spec.grain), [getattr(t, n) for n, _ in spec.keys]
        vals = [(func.sum if op == "sum" else func.max)(getattr(t, n)) for n, _, op in spec.values]
        q = (
            select(grain, literal_column(str(ALL_TEAMS)), *keys, *vals)
            .where(_grain_range(spec, d0, d1), t.team_id != ALL_TEAMS)
            .group_by(grain, *keys)
        )
        s.execute(insert(t).from_select(names, q))
    now = utcnow()
    s.execute(insert(StatsDay), [{"day": d, "sealed_at": now} for d in range(d0, d1)])


def unseal(s: Session, days: Iterable[int]) -> None:
    """Drop the roll-up rows of these days (they are recomputed when next needed)."""
    runs = _runs(days)
    if not runs:
        return
    for spec in SPECS:
        s.execute(delete(spec.table).where(or_(*[_grain_range(spec, a, b) for a, b in runs])))
    s.execute(delete(StatsDay).where(or_(*[and_(StatsDay.day >= a, StatsDay.day < b) for a, b in runs])))


def unseal_all(s: Session) -> None:
    """Drop every roll-up (after bulk writes that bypass the ORM)."""
    for spec in SPECS:
        s.execute(delete(spec.table))
    s.execute(delete(StatsDay))


def sealed_count(db: Database) -> int:
    with db.session() as s:
        return int(s.scalar(select(func.count()).select_from(StatsDay)) or 0)


# --- reading sums -------------------------------------------------------------------------------------


Sums = dict[tuple[Any, ...], list[Any]]
Scope = tuple[str, int] | None  # ("user", id), ("team", id) or None for everybody


def sums(
    db: Database,
    s: Session,
    spec: Spec,
    start: datetime,
    end: datetime,
    scope: Scope = None,
    *,
    rollups: bool = True,
) -> Sums:
    """The spec's values per key (hourly specs: per hour number) over [start, end), for a person,
    a team or everybody (``scope``). Teams and everybody read the sealed days from the roll-ups when
    ``rollups`` (call :func:`ensure_sealed` first to seal what can be); a person reads the rows."""
    start, end = _utc(start), _utc(end)
    raw: list[tuple[datetime, datetime]] = [(start, end)]
    parts: list[Select[Any]] = []
    team = scope[1] if scope is not None and scope[0] == "team" else None
    if rollups and (scope is None or team is not None):
        sealed = sorted(
            s.scalars(
                select(StatsDay.day).where(StatsDay.day >= day_of(start) - 1, StatsDay.day < day_of(end) + 1)
            )
        )
        runs = [(max(a, _ceil_day(start)), min(b, day_of(end))) for a, b in _runs(sealed)]
        runs = [(a, b) for a, b in runs if a < b]
        if runs:
            parts.append(_rollup_select(spec, runs, team))
            raw = _gaps(start, end, runs)
    if raw:
        where: ColumnElement[bool] | None = None
        if team is not None:
            where = User.team_id == team
        elif scope is not None:
            where = spec.person_col == scope[1]
        parts.append(_raw_select(db, spec, raw, where))
    out: Sums = {}
    ops = [op for _, _, op in spec.values]
    nkeys = len(spec.keys) + (1 if spec.grain == "hour" else 0)
    for q in parts:
        for row in s.execute(q):
            key, vals = tuple(row[:nkeys]), list(row[nkeys:])
            have = out.get(key)
            if have is None:
                out[key] = [
                    v if v is not None else (0 if op == "sum" else None)
                    for v, op in zip(vals, ops, strict=True)
                ]
                continue
            for i, (v, op) in enumerate(zip(vals, ops, strict=True)):
                if v is None:
                    continue
                if op == "sum":
                    have[i] = (have[i] or 0) + v
                elif have[i] is None or v > have[i]:
                    have[i] = v
    return out


def _ceil_day(at: datetime) -> int:
    return -(-int(at.timestamp()) // DAY)


def _gaps(start: datetime, end: datetime, runs: list[tuple[int, int]]) -> list[tuple[datetime, datetime]]:
    """The parts of [start, end) outside the day runs."""
    out = []
    cursor = start
    for a, b in runs:
        if day_start(a) > cursor:
            out.append((cursor, day_start(a)))
        cursor = max(cursor, day_start(b))
    if cursor < end:
        out.append((cursor, end))
    return out


def _rollup_select(spec: Spec, runs: list[tuple[int, int]], team: int | None) -> Select[Any]:
    t = spec.table
    keys = [getattr(t, n) for n, _ in spec.keys]
    if spec.grain == "hour":
        keys = [t.hour, *keys]
    vals = [(func.sum if op == "sum" else func.max)(getattr(t, n)) for n, _, op in spec.values]
    q = select(*keys, *vals).where(
        or_(*[_grain_range(spec, a, b) for a, b in runs]), t.team_id == (ALL_TEAMS if team is None else team)
    )
    return q.group_by(*keys)


def _raw_select(
    db: Database, spec: Spec, intervals: list[tuple[datetime, datetime]], where: ColumnElement[bool] | None
) -> Select[Any]:
    keys = [k for _, k in spec.keys]
    if spec.grain == "hour":
        keys = [_epoch_div(db, spec.time_col, HOUR), *keys]
    q = spec.source().add_columns(*keys, *[v for _, v, _ in spec.values])
    q = q.where(_within(spec.time_col, intervals))
    if where is not None:
        q = q.where(where)
    return q.group_by(*keys)


# --- keeping roll-ups true ----------------------------------------------------------------------------


_WATCHED: dict[type, tuple[str, ...]] = {
    Attempt: ("status", "submitted_at", "percent", "passed", "user_id", "score"),
    AttemptItem: ("score", "correct", "points", "question_id"),
    RolePlaySession: (
        "status",
        "draft",
        "started_at",
        "score",
        "success",
        "scenario_key",
        "scenario_title",
        "stage",
        "avg_reply_seconds",
        "user_id",
        *DIMENSION_COLUMNS.values(),
    ),
    RolePlayMiss: ("kind", "scenario_key", "ident", "word", "session_id"),
}


def _times(obj: Any, attr: str) -> Iterator[datetime]:
    """The attribute's current value and, when changed in this flush, its previous ones."""
    state = inspect(obj)
    hist = state.attrs[attr].history
    for v in chain(hist.added or (), hist.unchanged or (), hist.deleted or ()):
        if isinstance(v, datetime):
            yield v


def _changed(obj: Any, names: tuple[str, ...]) -> bool:
    state = inspect(obj)
    return any(state.attrs[n].history.has_changes() for n in names)


def _touched_days(session: Session) -> set[int]:
    """Days (old enough to be sealed) whose graded results this flush changes."""
    # Days from here on cannot be sealed yet, even by a computer whose clock is CLOCK_SKEW ahead:
    # the usual flush (today's answers) costs no statement at all.
    limit = day_of(utcnow() - SEAL_DELAY + CLOCK_SKEW)
    days: set[int] = set()
    new, deleted = session.new, session.deleted
    with session.no_autoflush:
        for obj in chain(new, session.dirty, deleted):
            names = _WATCHED.get(type(obj))
            if names is None or (obj not in new and obj not in deleted and not _changed(obj, names)):
                continue
            if isinstance(obj, Attempt):
                times = list(_times(obj, "submitted_at"))
            elif isinstance(obj, AttemptItem):
                parent = session.get(Attempt, obj.attempt_id) if obj.attempt_id is not None else None
                times = list(_times(parent, "submitted_at")) if parent is not None else []
            elif isinstance(obj, RolePlaySession):
                times = list(_times(obj, "started_at"))
            else:
                sess = session.get(RolePlaySession, obj.session_id) if obj.session_id is not None else None
                times = list(_times(sess, "started_at")) if sess is not None else []
            days.update(d for d in map(day_of, times) if d < limit)
    return days


def _team_changed(session: Session) -> bool:
    """A person moved to another team: every sealed day's team split is stale."""
    return any(isinstance(obj, User) and _changed(obj, ("team_id",)) for obj in session.dirty)


@event.listens_for(Session, "before_flush")
def _unseal_on_change(session: Session, flush_context: Any, instances: Any) -> None:
    if _team_changed(session):
        unseal_all(session)
        return
    days = _touched_days(session)
    if days:
        unseal(session, days)


__all__ = [
    "EXAMS",
    "MISSES",
    "QUESTIONS",
    "REPLY_BOUNDS",
    "SCENARIOS",
    "SEAL_DELAY",
    "SESSIONS",
    "SPECS",
    "Spec",
    "Sums",
    "day_of",
    "day_start",
    "ensure_sealed",
    "hour_start",
    "miss_rows",
    "misses_of",
    "record_misses",
    "sealable_days",
    "sums",
    "unseal",
    "unseal_all",
]
