"""Assignments (布置任务): exams, scenarios, drills and handbook documents given to a person, a team,
a role or everyone, with an optional due date, and each person's progress on them.

Kinds, targets and params (``params`` is stored as given after checking, defaults filled in):

- ``exam``: target = exam key. Done with a passed attempt submitted after the assignment was made.
- ``scenario``: target = scenario key; ``min_score`` (default 80) and ``times`` (default 1):
  finished sessions (not trainer drafts) of that scenario with at least that score.
- ``drill``: target = the drill: ``recall`` (shortcut recall answers), ``typing`` (typing-drill
  attempts, ``min_net_cpm`` optional: only attempts that fast count) or ``practice`` (practice
  answers to bank questions, ``categories`` optional: only questions of those categories - the
  薄弱点通关 drill); ``count`` answers / attempts (defaults 20 / 3 / 10). ``params.kind`` repeats
  the target.
- ``handbook``: target = ``product:<key>``, ``competitor:<key>`` or ``entry:<key>``; the document
  read, and with ``cards`` = N also N of its flashcards reviewed. ``doc_version`` (the version
  when assigned) is filled in.

Only activity after the assignment was created counts, so an old pass does not tick off a new
task. One exception: the handbook read mark keeps the time of the first read of a version (a
re-read of the same version is not dated), so a person who has read the version that was current
when the task was given has done the reading; ask for ``cards`` to make them study it again.

Who: ``person`` (scope_value = user id), ``team`` (team id; its trainees and agents), ``role``
(trainee / agent / trainer / manager) or ``everyone`` (all active trainees and agents). Inactive
accounts get no tasks.

Permissions: trainers and managers assign, cancel and list; a trainer who belongs to a team only
for people of that team or the team itself (role / everyone need a trainer without a team, who
trains the whole department, or a manager); team trainers still see role / everyone assignments
(read-only) and the status rows of their team. Everybody sees their own tasks (:meth:`my_tasks`).

Progress is computed when asked, with one GROUP BY query per assignment over the people it covers.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from cstrainer.domain.accounts import Role, may_view_person
from cstrainer.services import audit
from cstrainer.services.actor import Actor
from cstrainer.services.errors import InvalidInput, NotFound, PermissionDenied
from cstrainer.storage.database import Database
from cstrainer.storage.models import (
    Assignment,
    Attempt,
    Competitor,
    Exam,
    HandbookCardState,
    HandbookEntry,
    HandbookRead,
    PhraseDrillAttempt,
    PracticeAnswer,
    Product,
    Question,
    RolePlaySession,
    Scenario,
    Team,
    User,
    utcnow,
)

KINDS: tuple[str, ...] = ("exam", "scenario", "drill", "handbook")
KIND_LABELS: dict[str, str] = {
    "exam": "考试",
    "scenario": "情景模拟",
    "drill": "专项练习",
    "handbook": "手册学习",
}
SCOPES: tuple[str, ...] = ("person", "team", "role", "everyone")
SCOPE_LABELS: dict[str, str] = {"person": "个人", "team": "小组", "role": "角色", "everyone": "全员"}
DRILLS: dict[str, str] = {"recall": "快捷短语回想", "typing": "打字训练", "practice": "题库练习"}
DRILL_DEFAULT_COUNT: dict[str, int] = {"recall": 20, "typing": 3, "practice": 10}
DOC_MODELS: dict[str, Any] = {"product": Product, "competitor": Competitor, "entry": HandbookEntry}
STUDENT_ROLES: tuple[str, ...] = (Role.TRAINEE.value, Role.AGENT.value)
DEFAULT_MIN_SCORE = 80
MAX_NOTE = 2000
MAX_TITLE = 200


@dataclass(frozen=True)
class AssignmentInfo:
    id: int
    kind: str
    target: str
    title: str
    scope_kind: str
    scope_value: str
    scope_label: str  # e.g. "小组：沁屿售前组", "个人：陈佳怡（kefu）"
    due_at: datetime | None
    params: dict[str, Any]
    note: str
    created_by: str
    created_at: datetime
    active: bool
    people: int  # how many people it covers now


@dataclass(frozen=True)
class Task:
    """One assignment as the person it is for sees it."""

    assignment_id: int
    kind: str
    target: str
    title: str
    due_at: datetime | None
    progress: float  # 0..1
    done: bool
    overdue: bool
    detail: str  # e.g. "2/3 次达到 80 分"
    note: str = ""
    created_by: str = ""
    created_at: datetime | None = None
    params: dict[str, Any] | None = None


@dataclass(frozen=True)
class PersonStatus:
    """One person's progress on one assignment (for the trainer)."""

    user_id: int
    login: str
    display_name: str
    team_name: str | None
    progress: float
    done: bool
    overdue: bool
    detail: str


@dataclass(frozen=True)
class _Progress:
    progress: float
    done: bool
    detail: str


def _may_assign(actor: Actor) -> None:
    if actor.role not in (Role.TRAINER, Role.MANAGER):
        raise PermissionDenied(
            f"权限不足：{actor.role.label}（{actor.login}）不能布置任务，只有培训师和主管可以"
        )


def _team_trainer(actor: Actor) -> bool:
    return actor.role is Role.TRAINER and actor.team_id is not None


def _utc(when: datetime) -> datetime:
    return when.astimezone(UTC)  # a naive time is the computer's local time, as elsewhere


def _int_param(params: Mapping[str, Any], name: str, default: int, lo: int, hi: int) -> int:
    value = params.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise InvalidInput(f"参数 {name} 应为 {lo}–{hi} 之间的整数", field=name)
    return value


class AssignmentService:
    def __init__(self, db: Database) -> None:
        self._db = db

    # --- writing ---------------------------------------------------------------------------------

    def assign(
        self,
        actor: Actor,
        kind: str,
        target: str,
        *,
        scope_kind: str,
        scope_value: str | int | None = None,
        due_at: datetime | None = None,
        params: Mapping[str, Any] | None = None,
        note: str = "",
        title: str = "",
        now: datetime | None = None,
    ) -> AssignmentInfo:
        """Give work to a person, team, role or everyone (trainers and managers)."""
        _may_assign(actor)
        now = _utc(now) if now is not None else utcnow()
        if kind not in KINDS:
            raise InvalidInput(f"未知的任务类型 {kind}，可选：{'、'.join(KINDS)}", field="kind")
        note, title = (note or "").strip(), (title or "").strip()
        if len(note) > MAX_NOTE:
            raise InvalidInput(f"说明最多 {MAX_NOTE} 字", field="note")
        if len(title) > MAX_TITLE:
            raise InvalidInput(f"标题最多 {MAX_TITLE} 字", field="title")
        if due_at is not None:
            due_at = _utc(due_at)
            if due_at <= now:
                raise InvalidInput("截止时间必须晚于现在", field="due_at")
        with self._db.session() as s:
            scope_value = self._check_scope(s, actor, scope_kind, scope_value)
            target, clean, default_title = self._check_target(
                s, kind, (target or "").strip(), dict(params or {})
            )
            row = Assignment(
                kind=kind,
                target=target,
                title=title or default_title,
                scope_kind=scope_kind,
                scope_value=scope_value,
                due_at=due_at,
                params=clean,
                note=note,
                created_by=actor.login,
                created_at=now,
                active=True,
            )
            s.add(row)
            s.flush()
            audit.record(
                s,
                actor,
                "assignment.add",
                "assignment",
                str(row.id),
                kind=kind,
                target=target,
                scope=f"{scope_kind}:{scope_value}",
                due_at=due_at.isoformat() if due_at else None,
            )
            return self._info(s, row)

    def cancel(self, actor: Actor, assignment_id: int) -> None:
        """Withdraw an assignment (it disappears from everybody's tasks; kept for the record)."""
        _may_assign(actor)
        with self._db.session() as s:
            row = self._row(s, assignment_id)
            self._check_scope(s, actor, row.scope_kind, row.scope_value)
            if row.active:
                row.active = False
                audit.record(s, actor, "assignment.cancel", "assignment", str(row.id), title=row.title)

    # --- reading ---------------------------------------------------------------------------------

    def list_assignments(
        self, actor: Actor, *, include_cancelled: bool = False
    ) -> builtins.list[AssignmentInfo]:
        """The assignments the actor may see, newest first (trainers and managers)."""
        _may_assign(actor)
        with self._db.session() as s:
            q = select(Assignment).order_by(Assignment.created_at.desc(), Assignment.id.desc())
            if not include_cancelled:
                q = q.where(Assignment.active.is_(True))
            return [self._info(s, a) for a in s.scalars(q) if self._visible(s, actor, a)]

    def get(self, actor: Actor, assignment_id: int) -> AssignmentInfo:
        _may_assign(actor)
        with self._db.session() as s:
            row = self._row(s, assignment_id)
            if not self._visible(s, actor, row):
                raise PermissionDenied(f"权限不足：{actor.role.label}（{actor.login}）不能查看这项任务")
            return self._info(s, row)

    def my_tasks(
        self, actor: Actor, *, now: datetime | None = None, include_done: bool = True
    ) -> builtins.list[Task]:
        """The actor's active tasks with progress: overdue first, then by due date, done last."""
        now = _utc(now) if now is not None else utcnow()
        if actor.user_id is None:
            return []
        with self._db.session() as s:
            me = s.get(User, actor.user_id)
            if me is None or not me.active:
                return []
            scopes: list[ColumnElement[bool]] = [
                (Assignment.scope_kind == "person") & (Assignment.scope_value == str(me.id)),
                (Assignment.scope_kind == "role") & (Assignment.scope_value == me.role),
            ]
            if me.team_id is not None and me.role in STUDENT_ROLES:
                scopes.append((Assignment.scope_kind == "team") & (Assignment.scope_value == str(me.team_id)))
            if me.role in STUDENT_ROLES:
                scopes.append(Assignment.scope_kind == "everyone")
            rows = s.scalars(
                select(Assignment).where(Assignment.active.is_(True), or_(*scopes)).order_by(Assignment.id)
            ).all()
            tasks = []
            for a in rows:
                p = self._progress(s, a, [me.id]).get(me.id, _Progress(0.0, False, ""))
                if p.done and not include_done:
                    continue
                tasks.append(
                    Task(
                        a.id, a.kind, a.target, a.title, a.due_at, p.progress, p.done,
                        _overdue(a, p, now), p.detail, a.note, a.created_by, a.created_at, dict(a.params),
                    )
                )  # fmt: skip
        far = datetime.max.replace(tzinfo=UTC)
        tasks.sort(key=lambda t: (t.done, not t.overdue, t.due_at or far, t.assignment_id))
        return tasks

    def assignment_status(
        self, actor: Actor, assignment_id: int, *, now: datetime | None = None
    ) -> builtins.list[PersonStatus]:
        """Everybody the assignment covers whom the actor may see, with progress, by login."""
        _may_assign(actor)
        now = _utc(now) if now is not None else utcnow()
        with self._db.session() as s:
            a = self._row(s, assignment_id)
            if not self._visible(s, actor, a):
                raise PermissionDenied(f"权限不足：{actor.role.label}（{actor.login}）不能查看这项任务")
            people = [
                u
                for u in self._members(s, a)
                if may_view_person(actor.role, actor.user_id, actor.team_id, u.id, u.team_id)
            ]
            progress = self._progress(s, a, [u.id for u in people])
            teams: dict[int, str] = {tid: name for tid, name in s.execute(select(Team.id, Team.name))}
            out = []
            for u in people:
                p = progress.get(u.id, _Progress(0.0, False, ""))
                out.append(
                    PersonStatus(
                        u.id, u.login, u.display_name, teams.get(u.team_id) if u.team_id else None,
                        p.progress, p.done, _overdue(a, p, now), p.detail,
                    )
                )  # fmt: skip
            return out

    # --- checks ----------------------------------------------------------------------------------

    @staticmethod
    def _row(s: Session, assignment_id: int) -> Assignment:
        row = s.get(Assignment, assignment_id)
        if row is None:
            raise NotFound(f"没有编号为 {assignment_id} 的任务")
        return row

    def _check_scope(self, s: Session, actor: Actor, scope_kind: str, value: str | int | None) -> str:
        """Check who an assignment is for and that the actor may assign to them; the stored value."""
        who = f"{actor.role.label}（{actor.login}）"
        if scope_kind == "person":
            person = self._find_person(s, value)
            if not may_view_person(actor.role, actor.user_id, actor.team_id, person.id, person.team_id):
                raise PermissionDenied(f"权限不足：{who}不能给 {person.login} 布置任务（不在你的小组）")
            return str(person.id)
        if scope_kind == "team":
            team = self._find_team(s, value)
            if _team_trainer(actor) and team.id != actor.team_id:
                raise PermissionDenied(f"权限不足：{who}只能给自己的小组布置任务")
            return str(team.id)
        if scope_kind == "role":
            try:
                role = Role.parse(str(value or ""))
            except ValueError as exc:
                raise InvalidInput(str(exc), field="scope_value") from exc
            if _team_trainer(actor):
                raise PermissionDenied(f"权限不足：{who}只负责一个小组，不能按角色给全部门布置任务")
            return role.value
        if scope_kind == "everyone":
            if _team_trainer(actor):
                raise PermissionDenied(f"权限不足：{who}只负责一个小组，不能给全员布置任务")
            return ""
        raise InvalidInput(f"未知的布置范围 {scope_kind}，可选：{'、'.join(SCOPES)}", field="scope_kind")

    @staticmethod
    def _find_person(s: Session, value: str | int | None) -> User:
        person: User | None = None
        if isinstance(value, int) and not isinstance(value, bool):
            person = s.get(User, value)
        elif isinstance(value, str) and value.strip():
            v = value.strip()
            person = (
                s.get(User, int(v)) if v.isdigit() else s.scalar(select(User).where(User.login == v.lower()))
            )
        if person is None:
            raise NotFound(f"找不到人员 {value}")
        if not person.active:
            raise InvalidInput(f"{person.login} 的账号已停用", field="scope_value")
        return person

    @staticmethod
    def _find_team(s: Session, value: str | int | None) -> Team:
        team: Team | None = None
        if isinstance(value, int) and not isinstance(value, bool):
            team = s.get(Team, value)
        elif isinstance(value, str) and value.strip():
            v = value.strip()
            team = s.get(Team, int(v)) if v.isdigit() else s.scalar(select(Team).where(Team.key == v))
        if team is None:
            raise NotFound(f"找不到小组 {value}")
        return team

    @staticmethod
    def _check_target(
        s: Session, kind: str, target: str, params: dict[str, Any]
    ) -> tuple[str, dict[str, Any], str]:
        """The stored target, the checked params with defaults, and a default title."""
        if kind == "exam":
            title = s.scalar(select(Exam.title).where(Exam.key == target))
            if title is None:
                raise NotFound(f"没有编号为 {target} 的试卷")
            _no_extra(params, ())
            return target, {}, f"考试：{title}"
        if kind == "scenario":
            title = s.scalar(select(Scenario.title).where(Scenario.key == target))
            if title is None:
                raise NotFound(f"没有编号为 {target} 的对话场景")
            _no_extra(params, ("min_score", "times"))
            min_score = _int_param(params, "min_score", DEFAULT_MIN_SCORE, 0, 100)
            times = _int_param(params, "times", 1, 1, 100)
            label = f"{times} 次" if times > 1 else ""
            return (
                target,
                {"min_score": min_score, "times": times},
                f"情景模拟：{title}（{label}≥{min_score} 分）",
            )
        if kind == "drill":
            drill = target or str(params.get("kind") or "")
            if drill not in DRILLS:
                raise InvalidInput(f"未知的练习 {drill}，可选：{'、'.join(DRILLS)}", field="target")
            if params.get("kind", drill) != drill:
                raise InvalidInput("params.kind 与练习类型不一致", field="kind")
            allowed = {"recall": ("kind", "count"), "typing": ("kind", "count", "min_net_cpm"),
                       "practice": ("kind", "count", "categories")}[drill]  # fmt: skip
            _no_extra(params, allowed)
            clean: dict[str, Any] = {
                "kind": drill,
                "count": _int_param(params, "count", DRILL_DEFAULT_COUNT[drill], 1, 1000),
            }
            title = f"{DRILLS[drill]} {clean['count']} {'次' if drill == 'typing' else '题'}"
            if drill == "typing" and params.get("min_net_cpm") is not None:
                cpm = params["min_net_cpm"]
                if isinstance(cpm, bool) or not isinstance(cpm, int | float) or not 0 < cpm <= 300:
                    raise InvalidInput("参数 min_net_cpm 应为 0–300 之间的数", field="min_net_cpm")
                clean["min_net_cpm"] = float(cpm)
                title = f"打字训练 {clean['count']} 次达到 {cpm:g} 字/分"
            if drill == "practice" and params.get("categories"):
                cats = params["categories"]
                if (
                    isinstance(cats, str)
                    or not isinstance(cats, list)
                    or not all(isinstance(c, str) for c in cats)
                ):
                    raise InvalidInput("参数 categories 应为题目分类的列表", field="categories")
                known = set(
                    s.scalars(select(Question.category).where(Question.category.in_(cats)).distinct())
                )
                unknown = [c for c in cats if c not in known]
                if unknown:
                    raise InvalidInput(f"题库里没有这些分类：{'、'.join(unknown)}", field="categories")
                clean["categories"] = sorted(set(cats))
                title = f"薄弱点通关：{'、'.join(clean['categories'])} {clean['count']} 题"
            return drill, clean, title
        # handbook
        doc_kind, _, key = target.partition(":")
        model = DOC_MODELS.get(doc_kind)
        if model is None or not key:
            raise InvalidInput(
                "手册任务的目标应写成 product:<编号>、competitor:<编号> 或 entry:<编号>", field="target"
            )
        doc = s.scalar(select(model).where(model.key == key))
        if doc is None:
            raise NotFound(f"找不到手册 {target}")
        _no_extra(params, ("cards",))
        clean = {"doc_version": int(doc.version)}
        if params.get("cards") is not None:
            clean["cards"] = _int_param(params, "cards", 0, 1, 500)
        name = getattr(doc, "name", None) or getattr(doc, "title", None) or getattr(doc, "product", key)
        cards = f"并复习 {clean['cards']} 张卡片" if "cards" in clean else ""
        return f"{doc_kind}:{key}", clean, f"阅读手册：{name}{cards}"

    def _visible(self, s: Session, actor: Actor, a: Assignment) -> bool:
        if actor.role is Role.MANAGER or not _team_trainer(actor):
            return True
        if a.scope_kind == "person":
            person = s.get(User, int(a.scope_value)) if a.scope_value.isdigit() else None
            return person is not None and person.team_id == actor.team_id
        if a.scope_kind == "team":
            return a.scope_value == str(actor.team_id)
        return True  # role / everyone: covers their team too (read-only for them)

    # --- people and progress -----------------------------------------------------------------------

    @staticmethod
    def _members(s: Session, a: Assignment) -> list[User]:
        q = select(User).where(User.active.is_(True)).order_by(User.login)
        if a.scope_kind == "person":
            q = q.where(User.id == (int(a.scope_value) if a.scope_value.isdigit() else -1))
        elif a.scope_kind == "team":
            q = q.where(User.team_id == (int(a.scope_value) if a.scope_value.isdigit() else -1))
            q = q.where(User.role.in_(STUDENT_ROLES))
        elif a.scope_kind == "role":
            q = q.where(User.role == a.scope_value)
        else:
            q = q.where(User.role.in_(STUDENT_ROLES))
        return list(s.scalars(q))

    def _info(self, s: Session, a: Assignment) -> AssignmentInfo:
        return AssignmentInfo(
            a.id, a.kind, a.target, a.title, a.scope_kind, a.scope_value, self._scope_label(s, a), a.due_at,
            dict(a.params), a.note, a.created_by, a.created_at, a.active, len(self._members(s, a)),
        )  # fmt: skip

    @staticmethod
    def _scope_label(s: Session, a: Assignment) -> str:
        label = SCOPE_LABELS.get(a.scope_kind, a.scope_kind)
        if a.scope_kind == "person" and a.scope_value.isdigit():
            u = s.get(User, int(a.scope_value))
            return f"{label}：{u.display_name}（{u.login}）" if u else label
        if a.scope_kind == "team" and a.scope_value.isdigit():
            t = s.get(Team, int(a.scope_value))
            return f"{label}：{t.name}" if t else label
        if a.scope_kind == "role":
            try:
                return f"{label}：{Role(a.scope_value).label}"
            except ValueError:
                return label
        return label

    def _progress(self, s: Session, a: Assignment, user_ids: Iterable[int]) -> dict[int, _Progress]:
        """Progress of each person on the assignment: one GROUP BY query (two for handbooks)."""
        ids = list(user_ids)
        if not ids:
            return {}
        since = a.created_at
        params = dict(a.params or {})
        out: dict[int, _Progress] = {}
        if a.kind == "exam":
            rows = s.execute(
                select(
                    Attempt.user_id,
                    func.max(func.coalesce(Attempt.percent, -1.0)),
                    func.count(Attempt.id).filter(Attempt.passed.is_(True)),
                    func.count(Attempt.id).filter(Attempt.status == "reviewing"),
                    func.count(Attempt.id).filter(Attempt.status == "in_progress"),
                )
                .join(Exam, Exam.id == Attempt.exam_id)
                .where(
                    Exam.key == a.target,
                    Attempt.user_id.in_(ids),
                    or_(
                        Attempt.submitted_at >= since,
                        Attempt.submitted_at.is_(None) & (Attempt.started_at >= since),
                    ),
                )
                .group_by(Attempt.user_id)
            ).all()
            for uid, best, passed, reviewing, open_ in rows:
                if passed:
                    out[uid] = _Progress(1.0, True, "已通过")
                elif reviewing:
                    out[uid] = _Progress(0.5, False, "已交卷，等待培训师阅卷")
                elif best is not None and best >= 0:
                    out[uid] = _Progress(0.0, False, f"最好成绩 {best:.0f} 分，未通过")
                elif open_:
                    out[uid] = _Progress(0.0, False, "考试进行中")
            return _fill(out, ids, "未开始")
        if a.kind == "scenario":
            need, min_score = int(params.get("times", 1)), int(params.get("min_score", DEFAULT_MIN_SCORE))
            counted = s.execute(
                select(RolePlaySession.user_id, func.count(RolePlaySession.id))
                .where(
                    RolePlaySession.user_id.in_(ids),
                    RolePlaySession.scenario_key == a.target,
                    RolePlaySession.status == "finished",
                    RolePlaySession.draft.is_(False),
                    RolePlaySession.score >= min_score,
                    RolePlaySession.ended_at >= since,
                )
                .group_by(RolePlaySession.user_id)
            )
            got: dict[int, int] = {uid: n for uid, n in counted}
            return {u: _counted(int(got.get(u, 0)), need, f"次达到 {min_score} 分") for u in ids}
        if a.kind == "drill":
            drill, need = str(params.get("kind", a.target)), int(params.get("count", 1))
            if drill == "practice":
                q = select(PracticeAnswer.user_id, func.count(PracticeAnswer.id)).where(
                    PracticeAnswer.user_id.in_(ids), PracticeAnswer.answered_at >= since
                )
                if params.get("categories"):
                    q = q.join(Question, Question.id == PracticeAnswer.question_id).where(
                        Question.category.in_(list(params["categories"]))
                    )
                got = {uid: n for uid, n in s.execute(q.group_by(PracticeAnswer.user_id))}
                return {u: _counted(int(got.get(u, 0)), need, "题") for u in ids}
            q2 = select(PhraseDrillAttempt.user_id, func.count(PhraseDrillAttempt.id)).where(
                PhraseDrillAttempt.user_id.in_(ids),
                PhraseDrillAttempt.kind == drill,
                PhraseDrillAttempt.created_at >= since,
            )
            unit = "题" if drill == "recall" else "次"
            if drill == "typing" and params.get("min_net_cpm") is not None:
                q2 = q2.where(PhraseDrillAttempt.net_cpm >= float(params["min_net_cpm"]))
                unit = f"次达到 {float(params['min_net_cpm']):g} 字/分"
            got = {uid: n for uid, n in s.execute(q2.group_by(PhraseDrillAttempt.user_id))}
            return {u: _counted(int(got.get(u, 0)), need, unit) for u in ids}
        # handbook
        doc_kind, _, key = a.target.partition(":")
        version = int(params.get("doc_version", 1))
        read = {
            uid
            for uid, at, v in s.execute(
                select(HandbookRead.user_id, HandbookRead.read_at, HandbookRead.version).where(
                    HandbookRead.user_id.in_(ids),
                    HandbookRead.doc_kind == doc_kind,
                    HandbookRead.doc_key == key,
                )
            )
            if at >= since or v >= version
        }
        cards = int(params.get("cards", 0))
        reviewed: dict[int, int] = {}
        if cards:
            card_rows = s.execute(
                select(HandbookCardState.user_id, func.count(HandbookCardState.id))
                .where(
                    HandbookCardState.user_id.in_(ids),
                    HandbookCardState.doc_kind == doc_kind,
                    HandbookCardState.doc_key == key,
                    HandbookCardState.updated_at >= since,
                )
                .group_by(HandbookCardState.user_id)
            )
            reviewed = {uid: n for uid, n in card_rows}
        for uid in ids:
            is_read = uid in read
            text = "已读" if is_read else "未读"
            if not cards:
                out[uid] = _Progress(1.0 if is_read else 0.0, is_read, text)
                continue
            n = min(int(reviewed.get(uid, 0)), cards)
            done = is_read and n >= cards
            out[uid] = _Progress((int(is_read) + n) / (1 + cards), done, f"{text}；卡片 {n}/{cards} 张")
        return out


def _no_extra(params: Mapping[str, Any], allowed: Iterable[str]) -> None:
    extra = sorted(set(params) - set(allowed))
    if extra:
        raise InvalidInput(f"这类任务不支持参数：{'、'.join(extra)}", field=extra[0])


def _counted(have: int, need: int, unit: str) -> _Progress:
    need = max(1, need)
    return _Progress(min(1.0, have / need), have >= need, f"{min(have, need)}/{need} {unit}")


def _fill(out: dict[int, _Progress], ids: Iterable[int], text: str) -> dict[int, _Progress]:
    for uid in ids:
        out.setdefault(uid, _Progress(0.0, False, text))
    return out


def _overdue(a: Assignment, p: _Progress, now: datetime) -> bool:
    return not p.done and a.due_at is not None and a.due_at < now


__all__ = [
    "DRILLS",
    "KINDS",
    "KIND_LABELS",
    "SCOPES",
    "SCOPE_LABELS",
    "AssignmentInfo",
    "AssignmentService",
    "PersonStatus",
    "Task",
]
