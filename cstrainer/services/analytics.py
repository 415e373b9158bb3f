"""Dashboards: team overview, agent profile, per-scenario and per-question statistics,
leaderboards and weak points, all computed by the database (GROUP BY over indexed columns).

Every figure is a SQL aggregate; Python only merges a handful of grouped rows. The big sums
(answers per question, attempts and sessions per hour, sessions per scenario, misses) come from
cstrainer/services/stats_rollup.py: for a team or everybody, whole past days are read from roll-up
tables and only the rest of the period from the rows, which keeps a dashboard over a million
answers in tens of milliseconds. Periods are ``(start, end)`` datetimes, start included and end
excluded; naive datetimes are taken as UTC. Trend lines are grouped by the local calendar day (the
UTC offset of the computer's zone at ``start``) from per-hour sums: an hour belongs to the local
day it starts in (exact for whole-hour offsets such as China's).

What counts
- exams: attempts with ``status = 'graded'``, by ``submitted_at``; answers: their items;
- role-play: finished, non-draft sessions with a score, by ``started_at``;
- drills: ``phrase_drill_attempts`` by ``created_at`` (typing: ``net_cpm``; recall: ``correct``).
- "people" of a team are its active trainees and agents.

Permissions (cstrainer/domain/accounts.py :func:`may_view_person`): agents and trainees see their own
figures only, and the leaderboard of their own team when they opted into it; trainers their team
(everyone when they belong to no team); managers everyone. Leaderboards list opted-in people only.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    and_,
    case,
    func,
    or_,
    select,
    text,
    true,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from cstrainer.domain.accounts import Permission, Role
from cstrainer.services import stats_rollup
from cstrainer.services.actor import Actor
from cstrainer.services.errors import InvalidInput, NotFound, PermissionDenied
from cstrainer.services.stats_rollup import EXAMS, MISSES, QUESTIONS, SCENARIOS, SESSIONS, Spec, Sums
from cstrainer.storage.database import Database
from cstrainer.storage.models import (
    DIMENSION_COLUMNS,
    Attempt,
    PhraseDrillAttempt,
    Question,
    RolePlaySession,
    Team,
    User,
    WrongBookEntry,
)

STUDENT_ROLES = (Role.TRAINEE.value, Role.AGENT.value)

#: Response-time buckets of the team overview (a session's mean reply time), upper bounds in seconds
#: (the roll-ups count sessions per bucket: stats_rollup.REPLY_BOUNDS).
RESPONSE_BUCKETS: tuple[tuple[str, float | None], ...] = tuple(
    zip(("≤10 秒", "10–20 秒", "20–30 秒", "30–60 秒", ">60 秒"), stats_rollup.REPLY_BOUNDS, strict=True)
)

#: Leaderboard metrics: id -> Chinese label.
LEADERBOARD_METRICS: dict[str, str] = {
    "roleplay_avg": "对话练习平均分",
    "exam_avg": "考试平均得分率",
    "sessions": "对话练习次数",
    "typing_best": "打字最佳净速（字/分）",
}

PERIODS = ("day", "week", "month")
PERIOD_LABELS = {"day": "日报", "week": "周报", "month": "月报"}


# --- results --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TeamOverview:
    team_id: int | None
    team_name: str  # "全部" for everybody visible
    start: datetime
    end: datetime
    people: int
    active_people: int
    exam_attempts: int
    exam_pass_rate: float | None  # 0..1
    exam_avg_percent: float | None  # 0..100
    sessions: int
    session_avg_score: float | None
    session_success_rate: float | None
    drill_attempts: int
    assignments_done_rate: float | None  # 0..1 over (person, assignment) pairs due or given in the period
    dimension_avgs: dict[str, float]
    response_time_histogram: list[tuple[str, int]]
    score_trend: list[tuple[date, float]]  # role-play average score per local day
    exam_trend: list[tuple[date, float]]  # exam average percent per local day


@dataclass(frozen=True)
class AgentProfile:
    user_id: int
    login: str
    person: str  # display name
    team: str
    stage: str
    start: datetime
    end: datetime
    exam_attempts: int
    exam_pass_rate: float | None
    exam_avg_percent: float | None
    sessions: int
    session_avg_score: float | None
    exam_trend: list[tuple[date, float]]
    roleplay_trend: list[tuple[date, float]]
    dimension_avgs: dict[str, float]
    weak_categories: list[tuple[str, int, float]]  # (category, answered, wrong_rate), worst first
    wrong_book_topics: list[tuple[str, int]]  # (category, open entries)
    typing_attempts: int
    typing_best_net_cpm: float | None
    typing_avg_net_cpm: float | None
    recall_answers: int
    recall_accuracy: float | None


@dataclass(frozen=True)
class ScenarioStat:
    scenario_key: str
    title: str
    stage: str
    sessions: int
    avg_score: float | None
    success_rate: float | None
    avg_reply_seconds: float | None


@dataclass(frozen=True)
class QuestionStat:
    question_id: int
    key: str
    stem: str
    category: str
    answered: int
    facility: float | None  # mean score / points, 0..1
    correct_rate: float | None


@dataclass(frozen=True)
class LeaderboardRow:
    rank: int
    user_id: int
    login: str
    display_name: str
    value: float
    count: int  # how many attempts/sessions the value is based on


@dataclass(frozen=True)
class WeakItem:
    label: str
    misses: int
    total: int
    rate: float
    key: str = ""  # category, "scenario:key_point_id", "banned:rule:word" or "forbidden:wording"


@dataclass(frozen=True)
class WeakPoints:
    categories: list[WeakItem]
    key_points: list[WeakItem]
    qc_items: list[WeakItem]


@dataclass(frozen=True)
class PersonRow:
    """One person's line of a team report."""

    user_id: int
    login: str
    display_name: str
    team: str
    stage: str
    exam_attempts: int
    exams_passed: int
    exam_avg_percent: float | None
    sessions: int
    session_avg_score: float | None
    drill_attempts: int
    typing_best_net_cpm: float | None


@dataclass(frozen=True)
class _Figures:
    """What the team overview and the agent profile share (see AnalyticsService._figures)."""

    exam_attempts: int
    exams_passed: int
    exam_avg_percent: float | None
    sessions: int
    session_avg_score: float | None
    session_success_rate: float | None
    dimension_avgs: dict[str, float]
    reply_buckets: list[int]
    score_trend: list[tuple[date, float]]
    exam_trend: list[tuple[date, float]]


#: whose activity a query covers: ("user", id), ("team", id), or None for everybody
_Scope = tuple[str, int] | None


def _utc(dt: datetime) -> datetime:
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


def _ratio(num: Any, den: Any) -> float | None:
    return float(num) / float(den) if den else None


def _f(value: Any, digits: int = 2) -> float | None:
    return None if value is None else round(float(value), digits)


def local_offset_minutes(at: datetime) -> int:
    """The computer's UTC offset (minutes) at ``at``."""
    off = _utc(at).astimezone().utcoffset() or timedelta(0)
    return int(off.total_seconds() // 60)


class AnalyticsService:
    def __init__(self, db: Database, *, rollups: bool = True) -> None:
        self._db = db
        self._rollups = rollups  # False: everything from the raw rows (tests compare both ways)

    @contextmanager
    def _session(self) -> Iterator[Session]:
        """A read session; on PostgreSQL without JIT compilation, which the planner would otherwise
        choose for the big (mis-estimated) aggregates and which costs more than the query itself."""
        with self._db.session() as s:
            if not self._db.is_sqlite:
                s.execute(text("SET LOCAL jit = off"))
            yield s

    # --- scope and permissions ----------------------------------------------------------------------

    def _scope_filter(
        self, s: Session, actor: Actor, *, team_id: int | None = None, user_id: int | None = None
    ) -> tuple[_Scope, str]:
        """A condition on ``user_id`` columns for what the actor may see, and a Chinese label.

        None = no condition (everybody)."""
        if user_id is not None:
            u = s.get(User, user_id)
            if u is None:
                raise NotFound(f"没有编号为 {user_id} 的人员")
            actor.require_view_person(u.id, u.team_id, u.login)
            return ("user", u.id), f"{u.display_name}（{u.login}）"
        if team_id is not None:
            t = s.get(Team, team_id)
            if t is None:
                raise NotFound(f"没有编号为 {team_id} 的团队")
            if not actor.can(Permission.VIEW_ALL_RESULTS) and (
                not actor.can(Permission.VIEW_TEAM_RESULTS)
                or (actor.team_id is not None and actor.team_id != team_id)
            ):
                raise PermissionDenied(
                    f"权限不足：{actor.role.label}（{actor.login}）不能查看 {t.name} 的统计"
                )
            return ("team", team_id), t.name
        if actor.can(Permission.VIEW_ALL_RESULTS) or (
            actor.can(Permission.VIEW_TEAM_RESULTS) and actor.team_id is None
        ):
            return None, "全部"
        if actor.can(Permission.VIEW_TEAM_RESULTS):
            t = s.get(Team, actor.team_id)
            return ("team", int(actor.team_id or 0)), (t.name if t else "本组")
        if actor.user_id is None:
            raise PermissionDenied("权限不足：需要登录")
        return ("user", int(actor.user_id)), f"{actor.display_name}（{actor.login}）"

    @staticmethod
    def _apply(cond: _Scope, col: Any) -> ColumnElement[bool]:
        """The scope as a condition on ``col`` (a user id column)."""
        if cond is None:
            return true()
        kind, value = cond
        if kind == "user":
            return col == value  # type: ignore[no-any-return]
        return col.in_(select(User.id).where(User.team_id == value))  # type: ignore[no-any-return]

    def _require_not_self_only(self, actor: Actor) -> None:
        if not (actor.can(Permission.VIEW_TEAM_RESULTS) or actor.can(Permission.VIEW_ALL_RESULTS)):
            raise PermissionDenied(f"权限不足：{actor.role.label}（{actor.login}）不能查看团队统计")

    # --- SQL helpers -----------------------------------------------------------------------------------

    @staticmethod
    def _period(start: datetime, end: datetime) -> tuple[datetime, datetime]:
        start, end = _utc(start), _utc(end)
        if end <= start:
            raise InvalidInput("统计区间的结束时间必须晚于开始时间", "end")
        return start, end

    @staticmethod
    def _graded(start: datetime, end: datetime) -> ColumnElement[bool]:
        return and_(
            Attempt.status == "graded",
            Attempt.submitted_at >= start,
            Attempt.submitted_at < end,
        )

    @staticmethod
    def _finished(start: datetime, end: datetime) -> ColumnElement[bool]:
        return and_(
            RolePlaySession.draft.is_(False),
            RolePlaySession.status == "finished",
            RolePlaySession.score.is_not(None),
            RolePlaySession.started_at >= start,
            RolePlaySession.started_at < end,
        )

    def _figures(self, s: Session, cond: _Scope, start: datetime, end: datetime) -> _Figures:
        """Exam and role-play totals, dimension averages, reply-time buckets and daily trends from
        the per-hour sums (roll-ups for a team's or everybody's sealed days)."""
        exams = self._sums(s, EXAMS, cond, start, end)
        sess = self._sums(s, SESSIONS, cond, start, end)
        ex, se = self._totals(EXAMS, exams), self._totals(SESSIONS, sess)
        n_sess = int(se["sessions"])
        return _Figures(
            exam_attempts=int(ex["attempts"]),
            exams_passed=int(ex["passed"]),
            exam_avg_percent=ex["percent_sum"] / ex["percent_n"] if ex["percent_n"] else None,
            sessions=n_sess,
            session_avg_score=se["score_sum"] / n_sess if n_sess else None,
            session_success_rate=se["success_n"] / n_sess if n_sess else None,
            dimension_avgs={
                label: round(se[f"{col}_sum"] / se[f"{col}_n"], 2)
                for label, col in DIMENSION_COLUMNS.items()
                if se[f"{col}_n"]
            },
            reply_buckets=[int(se[f"reply_b{i}"]) for i in range(len(RESPONSE_BUCKETS))],
            score_trend=self._hourly_trend(SESSIONS, sess, "score_sum", "sessions", start),
            exam_trend=self._hourly_trend(EXAMS, exams, "percent_sum", "percent_n", start),
        )

    def _seal(self, start: datetime, end: datetime) -> None:
        """Seal the roll-ups of the period's whole past days (a no-op once they are)."""
        if self._rollups:
            stats_rollup.ensure_sealed(self._db, start, end)

    def _sums(self, s: Session, spec: Spec, cond: _Scope, start: datetime, end: datetime) -> Sums:
        return stats_rollup.sums(self._db, s, spec, start, end, cond, rollups=self._rollups)

    @staticmethod
    def _totals(spec: Spec, sums: Sums) -> dict[str, float]:
        out = dict.fromkeys(spec.value_names, 0.0)
        for values in sums.values():
            for name, v in zip(spec.value_names, values, strict=True):
                if isinstance(v, int | float):
                    out[name] += v
        return out

    @staticmethod
    def _hourly_trend(
        spec: Spec, sums: Sums, total: str, count: str, start: datetime
    ) -> list[tuple[date, float]]:
        """Average of ``total / count`` per local day from per-hour sums (the computer's UTC offset at
        ``start``; an hour belongs to the local day it starts in)."""
        offset = timedelta(minutes=local_offset_minutes(start))
        ti, ci = spec.value_names.index(total), spec.value_names.index(count)
        days: dict[date, list[float]] = {}
        for (hour,), values in sums.items():
            d = (stats_rollup.hour_start(int(hour)) + offset).date()
            acc = days.setdefault(d, [0.0, 0.0])
            acc[0] += values[ti] or 0
            acc[1] += values[ci] or 0
        return [(d, round(t / n, 2)) for d, (t, n) in sorted(days.items()) if n]

    def _weak_categories(self, s: Session, cond: _Scope, start: datetime, end: datetime) -> list[WeakItem]:
        per_q = self._sums(s, QUESTIONS, cond, start, end)
        names = QUESTIONS.value_names
        judged, wrong = names.index("n_judged"), names.index("n_wrong")
        cats = self._categories(s, [qid for (qid,) in per_q])
        acc: dict[str, list[int]] = {}
        for (qid,), v in per_q.items():
            a = acc.setdefault(cats.get(qid, ""), [0, 0])
            a[0] += int(v[judged] or 0)
            a[1] += int(v[wrong] or 0)
        items = [WeakItem(c, w, n, w / n, key=c) for c, (n, w) in acc.items() if n]
        return sorted(items, key=lambda i: (-i.rate, -i.misses, i.label))

    @staticmethod
    def _categories(s: Session, ids: Sequence[int]) -> dict[int, str]:
        if not ids:
            return {}
        return dict(s.execute(select(Question.id, Question.category).where(Question.id.in_(ids))).all())  # type: ignore[arg-type]

    # --- dashboards ------------------------------------------------------------------------------------

    def team_overview(
        self, actor: Actor, team_id: int | None, start: datetime, end: datetime
    ) -> TeamOverview:
        self._require_not_self_only(actor)
        start, end = self._period(start, end)
        self._seal(start, end)
        with self._session() as s:
            cond, label = self._scope_filter(s, actor, team_id=team_id)
            a_where = self._apply(cond, Attempt.user_id)
            r_where = self._apply(cond, RolePlaySession.user_id)
            d_where = self._apply(cond, PhraseDrillAttempt.user_id)
            people = s.scalar(
                select(func.count(User.id)).where(
                    User.active.is_(True), User.role.in_(STUDENT_ROLES), self._apply(cond, User.id)
                )
            )
            active_ids = (
                select(Attempt.user_id.label("uid"))
                .where(self._graded(start, end), a_where)
                .union(
                    select(RolePlaySession.user_id).where(self._finished(start, end), r_where),
                    select(PhraseDrillAttempt.user_id).where(
                        PhraseDrillAttempt.created_at >= start, PhraseDrillAttempt.created_at < end, d_where
                    ),
                )
                .subquery()
            )
            active_people = s.scalar(select(func.count()).select_from(active_ids))
            fig = self._figures(s, cond, start, end)
            drills = s.scalar(
                select(func.count(PhraseDrillAttempt.id)).where(
                    PhraseDrillAttempt.created_at >= start, PhraseDrillAttempt.created_at < end, d_where
                )
            )
        return TeamOverview(
            team_id=team_id,
            team_name=label,
            start=start,
            end=end,
            people=int(people or 0),
            active_people=int(active_people or 0),
            exam_attempts=fig.exam_attempts,
            exam_pass_rate=_ratio(fig.exams_passed, fig.exam_attempts),
            exam_avg_percent=_f(fig.exam_avg_percent),
            sessions=fig.sessions,
            session_avg_score=_f(fig.session_avg_score),
            session_success_rate=_f(fig.session_success_rate, 4),
            drill_attempts=int(drills or 0),
            assignments_done_rate=self._assignments_done_rate(actor, team_id, label, start, end),
            dimension_avgs=fig.dimension_avgs,
            response_time_histogram=[
                (lbl, n) for (lbl, _), n in zip(RESPONSE_BUCKETS, fig.reply_buckets, strict=True)
            ],
            score_trend=fig.score_trend,
            exam_trend=fig.exam_trend,
        )

    def _assignments_done_rate(
        self, actor: Actor, team_id: int | None, team_name: str, start: datetime, end: datetime
    ) -> float | None:
        """Share of done (person, assignment) pairs among the active assignments created or due in
        the period, from the assignment service (None when it is not there or nothing is due)."""
        try:
            from cstrainer.services.assignments import AssignmentService  # type: ignore[import-not-found,unused-ignore]
        except ImportError:  # pragma: no cover - helper B's service
            return None
        try:
            svc: Any = AssignmentService(self._db)
            done = total = 0
            for a in svc.list_assignments(actor):
                created = getattr(a, "created_at", None)
                due = getattr(a, "due_at", None)
                in_period = any(t is not None and start <= _utc(t) < end for t in (created, due))
                if not in_period or not getattr(a, "active", True):
                    continue
                for row in svc.assignment_status(actor, a.id):
                    if team_id is not None and getattr(row, "team_name", team_name) != team_name:
                        continue
                    total += 1
                    done += bool(getattr(row, "done", False))
            return done / total if total else None
        except Exception:
            return None

    def agent_profile(self, actor: Actor, user_id: int, start: datetime, end: datetime) -> AgentProfile:
        start, end = self._period(start, end)
        with self._session() as s:
            u = s.get(User, user_id)
            if u is None:
                raise NotFound(f"没有编号为 {user_id} 的人员")
            actor.require_view_person(u.id, u.team_id, u.login)
            team = s.get(Team, u.team_id) if u.team_id is not None else None
            fig = self._figures(s, ("user", user_id), start, end)
            weak = self._weak_categories(s, ("user", user_id), start, end)
            wb = s.execute(
                select(Question.category, func.count(WrongBookEntry.id))
                .join(Question, Question.id == WrongBookEntry.question_id)
                .where(WrongBookEntry.user_id == user_id)
                .group_by(Question.category)
                .order_by(func.count(WrongBookEntry.id).desc(), Question.category)
            ).all()
            in_period = and_(
                PhraseDrillAttempt.user_id == user_id,
                PhraseDrillAttempt.created_at >= start,
                PhraseDrillAttempt.created_at < end,
            )
            t_n, t_best, t_avg = s.execute(
                select(
                    func.count(PhraseDrillAttempt.id),
                    func.max(PhraseDrillAttempt.net_cpm),
                    func.avg(PhraseDrillAttempt.net_cpm),
                ).where(in_period, PhraseDrillAttempt.kind == "typing")
            ).one()
            r_n, r_ok = s.execute(
                select(
                    func.count(PhraseDrillAttempt.id),
                    func.sum(case((PhraseDrillAttempt.correct.is_(True), 1), else_=0)),
                ).where(in_period, PhraseDrillAttempt.kind == "recall")
            ).one()
            return AgentProfile(
                user_id=u.id,
                login=u.login,
                person=u.display_name,
                team=team.name if team else "",
                stage=u.stage,
                start=start,
                end=end,
                exam_attempts=fig.exam_attempts,
                exam_pass_rate=_ratio(fig.exams_passed, fig.exam_attempts),
                exam_avg_percent=_f(fig.exam_avg_percent),
                sessions=fig.sessions,
                session_avg_score=_f(fig.session_avg_score),
                exam_trend=fig.exam_trend,
                roleplay_trend=fig.score_trend,
                dimension_avgs=fig.dimension_avgs,
                weak_categories=[(w.label, w.total, round(w.rate, 4)) for w in weak],
                wrong_book_topics=[(c, int(n)) for c, n in wb],
                typing_attempts=int(t_n or 0),
                typing_best_net_cpm=_f(t_best, 1),
                typing_avg_net_cpm=_f(t_avg, 1),
                recall_answers=int(r_n or 0),
                recall_accuracy=_ratio(r_ok or 0, r_n),
            )

    def scenario_stats(
        self,
        actor: Actor,
        start: datetime,
        end: datetime,
        *,
        team_id: int | None = None,
        user_id: int | None = None,
    ) -> list[ScenarioStat]:
        """Per scenario played in the period (most played first). Agents: their own sessions."""
        start, end = self._period(start, end)
        self._seal(start, end)
        with self._session() as s:
            cond, _ = self._scope_filter(s, actor, team_id=team_id, user_id=user_id)
            per = self._sums(s, SCENARIOS, cond, start, end)
        out = []
        for (key,), (title, stage, n, score_sum, succ, reply_sum, reply_n) in per.items():
            if not n:
                continue
            out.append(
                ScenarioStat(
                    key,
                    title or key,
                    stage or "",
                    int(n),
                    _f(score_sum / n),
                    _f(succ / n, 4),
                    _f(reply_sum / reply_n, 1) if reply_n else None,
                )
            )
        return sorted(out, key=lambda r: (-r.sessions, r.scenario_key))

    def question_stats(
        self,
        actor: Actor,
        start: datetime,
        end: datetime,
        *,
        team_id: int | None = None,
        user_id: int | None = None,
    ) -> list[QuestionStat]:
        """Per question answered in graded attempts of the period (hardest first)."""
        start, end = self._period(start, end)
        self._seal(start, end)
        with self._session() as s:
            cond, _ = self._scope_filter(s, actor, team_id=team_id, user_id=user_id)
            per = {qid: v for (qid,), v in self._sums(s, QUESTIONS, cond, start, end).items() if v[0]}
            info = {
                qid: (key, stem, cat)
                for qid, key, stem, cat in s.execute(
                    select(Question.id, Question.key, Question.stem, Question.category).where(
                        Question.id.in_(list(per))
                    )
                )
            } if per else {}  # fmt: skip
        out = []
        for qid, (n, fac_sum, fac_n, correct, *_rest) in per.items():
            if qid not in info:  # answered, then deleted from the bank
                continue
            key, stem, cat = info[qid]
            out.append(
                QuestionStat(
                    qid, key, stem, cat, int(n), _f(fac_sum / fac_n, 4) if fac_n else None, _f(correct / n, 4)
                )
            )
        return sorted(out, key=lambda r: (r.facility if r.facility is not None else 2.0, -r.answered, r.key))

    def leaderboard(
        self, actor: Actor, team_id: int | None, start: datetime, end: datetime, metric: str = "roleplay_avg"
    ) -> list[LeaderboardRow]:
        """Opted-in people of a team (None: everybody the actor may see), best first. Agents and
        trainees only see their own team's board, and only after opting in themselves."""
        if metric not in LEADERBOARD_METRICS:
            raise InvalidInput(f"未知排行指标“{metric}”，可选：{'、'.join(LEADERBOARD_METRICS)}", "metric")
        start, end = self._period(start, end)
        with self._session() as s:
            if actor.can(Permission.VIEW_TEAM_RESULTS) or actor.can(Permission.VIEW_ALL_RESULTS):
                cond, _ = self._scope_filter(s, actor, team_id=team_id)
                people = self._apply(cond, User.id)
            else:
                me = s.get(User, actor.user_id) if actor.user_id is not None else None
                if me is None or me.team_id is None or (team_id is not None and team_id != me.team_id):
                    raise PermissionDenied(f"权限不足：{actor.role.label}（{actor.login}）只能查看本组排行")
                if not me.leaderboard_opt_in:
                    raise PermissionDenied("加入本组排行榜后才能查看排行（在“我的成长”中开启）")
                people = User.team_id == me.team_id
            who = and_(people, User.leaderboard_opt_in.is_(True), User.active.is_(True))
            if metric in ("roleplay_avg", "sessions"):
                value = (
                    func.avg(RolePlaySession.score)
                    if metric == "roleplay_avg"
                    else func.count(RolePlaySession.id)
                )
                q = (
                    select(User.id, User.login, User.display_name, value, func.count(RolePlaySession.id))
                    .join(RolePlaySession, RolePlaySession.user_id == User.id)
                    .where(who, self._finished(start, end))
                )
            elif metric == "exam_avg":
                q = (
                    select(
                        User.id,
                        User.login,
                        User.display_name,
                        func.avg(Attempt.percent),
                        func.count(Attempt.id),
                    )
                    .join(Attempt, Attempt.user_id == User.id)
                    .where(who, self._graded(start, end))
                )
            else:
                q = (
                    select(
                        User.id,
                        User.login,
                        User.display_name,
                        func.max(PhraseDrillAttempt.net_cpm),
                        func.count(PhraseDrillAttempt.id),
                    )
                    .join(PhraseDrillAttempt, PhraseDrillAttempt.user_id == User.id)
                    .where(
                        who,
                        PhraseDrillAttempt.kind == "typing",
                        PhraseDrillAttempt.created_at >= start,
                        PhraseDrillAttempt.created_at < end,
                        PhraseDrillAttempt.net_cpm.is_not(None),
                    )
                )
            rows = s.execute(q.group_by(User.id, User.login, User.display_name)).all()
        ranked = sorted(rows, key=lambda r: (-float(r[3] or 0), r[1]))
        return [
            LeaderboardRow(i + 1, uid, login, name, round(float(v or 0), 2), int(n))
            for i, (uid, login, name, v, n) in enumerate(ranked)
        ]

    def weak_points(
        self,
        actor: Actor,
        *,
        team_id: int | None = None,
        user_id: int | None = None,
        start: datetime,
        end: datetime,
        limit: int = 20,
    ) -> WeakPoints:
        """Most-missed question categories, scenario key points and QC items (banned wordings and
        forbidden moves) of a team, a person, or everybody the actor may see; worst rate first.

        Key points: sessions of the scenario that missed it / sessions of the scenario. QC items:
        sessions with the wording / all sessions. From the ``roleplay_misses`` rows written at grading
        (every session of the period counts)."""
        start, end = self._period(start, end)
        self._seal(start, end)
        with self._session() as s:
            cond, _ = self._scope_filter(s, actor, team_id=team_id, user_id=user_id)
            categories = self._weak_categories(s, cond, start, end)
            scenarios = self._sums(s, SCENARIOS, cond, start, end)
            misses = self._sums(s, MISSES, cond, start, end)
        totals = {key: int(v[2] or 0) for (key,), v in scenarios.items()}
        titles = {key: str(v[0] or key) for (key,), v in scenarios.items()}
        all_sessions = sum(totals.values())
        key_points = []
        qc_acc: dict[str, list[Any]] = {}
        for (kind, scenario, ident, word), (n,) in misses.items():
            n = int(n or 0)
            if not n:
                continue
            if kind == "key_point":
                total = totals.get(scenario) or n
                key_points.append(
                    WeakItem(
                        f"{titles.get(scenario, scenario)}：{ident}",
                        n,
                        total,
                        n / total,
                        key=f"{scenario}:{ident}",
                    )
                )
                continue
            if kind == "banned":
                key, label = f"banned:{ident}:{word}", f"违禁用语“{word}”"
            else:
                # scenarios name their forbidden moves separately; the same wording is one QC item
                key, label = f"forbidden:{word or ident}", f"禁止说法“{word or ident}”"
            qc_acc.setdefault(key, [label, 0])[1] += n
        qc = [
            WeakItem(label, n, all_sessions, min(1.0, n / all_sessions), key=key)
            for key, (label, n) in qc_acc.items()
            if all_sessions
        ]
        order = lambda i: (-i.rate, -i.misses, i.label)  # noqa: E731
        return WeakPoints(
            categories[:limit], sorted(key_points, key=order)[:limit], sorted(qc, key=order)[:limit]
        )

    # --- reports -----------------------------------------------------------------------------------------

    def people_rows(
        self, actor: Actor, team_id: int | None, start: datetime, end: datetime
    ) -> list[PersonRow]:
        """One line per visible active trainee/agent of the team (None: everybody visible), by login."""
        start, end = self._period(start, end)
        with self._session() as s:
            cond, _ = self._scope_filter(s, actor, team_id=team_id)
            people = s.execute(
                select(User.id, User.login, User.display_name, Team.name, User.stage)
                .outerjoin(Team, Team.id == User.team_id)
                .where(
                    self._apply(cond, User.id),
                    User.active.is_(True),
                    User.role.in_(STUDENT_ROLES),
                )
                .order_by(User.login)
            ).all()
            exams = {
                uid: (n, p, avg)
                for uid, n, p, avg in s.execute(
                    select(
                        Attempt.user_id,
                        func.count(Attempt.id),
                        func.sum(case((Attempt.passed.is_(True), 1), else_=0)),
                        func.avg(Attempt.percent),
                    )
                    .where(self._graded(start, end), self._apply(cond, Attempt.user_id))
                    .group_by(Attempt.user_id)
                )
            }
            sess = {
                uid: (n, avg)
                for uid, n, avg in s.execute(
                    select(
                        RolePlaySession.user_id,
                        func.count(RolePlaySession.id),
                        func.avg(RolePlaySession.score),
                    )
                    .where(self._finished(start, end), self._apply(cond, RolePlaySession.user_id))
                    .group_by(RolePlaySession.user_id)
                )
            }
            drills = {
                uid: (n, best)
                for uid, n, best in s.execute(
                    select(
                        PhraseDrillAttempt.user_id,
                        func.count(PhraseDrillAttempt.id),
                        func.max(
                            case(
                                (PhraseDrillAttempt.kind == "typing", PhraseDrillAttempt.net_cpm), else_=None
                            )
                        ),
                    )
                    .where(
                        PhraseDrillAttempt.created_at >= start,
                        PhraseDrillAttempt.created_at < end,
                        self._apply(cond, PhraseDrillAttempt.user_id),
                    )
                    .group_by(PhraseDrillAttempt.user_id)
                )
            }
        out = []
        for uid, login, name, team, stage in people:
            n_att, n_pass, avg_pct = exams.get(uid, (0, 0, None))
            n_sess, avg_score = sess.get(uid, (0, None))
            n_drill, best = drills.get(uid, (0, None))
            out.append(
                PersonRow(
                    uid, login, name, team or "", stage, int(n_att), int(n_pass or 0), _f(avg_pct),
                    int(n_sess), _f(avg_score), int(n_drill), _f(best, 1),
                )
            )  # fmt: skip
        return out

    def report(self, actor: Actor, scope: tuple[str, str], period: str, day: date | None = None) -> Any:
        """The data of a daily/weekly/monthly report (:class:`cstrainer.services.reports.Report`);
        ``scope`` is ("agent", login) or ("team", team key or "all")."""
        from cstrainer.services.reports import build_report

        return build_report(self, actor, scope, period, day)

    def team_id_of(self, actor: Actor, key: str) -> int | None:
        """The id of a team by key or name (``all`` -> None)."""
        if key.strip().lower() in ("all", "全部"):
            return None
        with self._session() as s:
            tid = s.scalar(select(Team.id).where(or_(Team.key == key, Team.name == key)))
        if tid is None:
            raise NotFound(f"没有团队 {key}")
        return int(tid)

    def user_id_of(self, actor: Actor, login: str) -> int:
        with self._session() as s:
            uid = s.scalar(select(User.id).where(User.login == login.strip().lower()))
        if uid is None:
            raise NotFound(f"没有账号 {login}")
        return int(uid)


def period_bounds(period: str, day: date) -> tuple[datetime, datetime, str]:
    """The local calendar day, ISO week (Monday to Sunday) or month containing ``day`` as aware UTC
    datetimes ``(start, end)`` and a Chinese label."""
    if period == "day":
        first, last = day, day + timedelta(days=1)
        label = f"{day.isoformat()}"
    elif period == "week":
        first = day - timedelta(days=day.weekday())
        last = first + timedelta(days=7)
        iso = day.isocalendar()
        label = f"{iso.year} 年第 {iso.week} 周（{first.isoformat()} 至 {(last - timedelta(days=1)).isoformat()}）"
    elif period == "month":
        first = day.replace(day=1)
        last = (first + timedelta(days=32)).replace(day=1)
        label = f"{first.year} 年 {first.month} 月"
    else:
        raise InvalidInput(f"未知周期“{period}”，可选：day、week、month", "period")

    def local_midnight(d: date) -> datetime:
        return datetime(d.year, d.month, d.day).astimezone().astimezone(UTC)

    return local_midnight(first), local_midnight(last), label


__all__: Sequence[str] = (
    "AgentProfile",
    "AnalyticsService",
    "LeaderboardRow",
    "PersonRow",
    "QuestionStat",
    "ScenarioStat",
    "TeamOverview",
    "WeakItem",
    "WeakPoints",
    "period_bounds",
)
