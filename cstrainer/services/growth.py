"""The growth path of people: where they stand, what is missing for the next stage, promotions.

- :meth:`GrowthService.path`: the stages and their entry criteria (``scripts_library/
  growth_path.yaml``, read once per service).
- :meth:`GrowthService.progress`: one person's stage and the next stage's criteria, each measured
  with one SQL aggregate over the activity tables and judged by :func:`cstrainer.domain.growth.
  evaluate`.
- :meth:`GrowthService.promote`: managers only. Moving to the next stage is the normal case; any
  other move (skipping a stage, moving back) needs ``force=True`` and a note. Unmet criteria do not
  block a manager (they may know more than the software) but are written to the audit log.
- :meth:`GrowthService.set_leaderboard_opt_in`: everybody, for their own account only.

Permissions: progress and promotion history follow ``may_view_person`` (own; trainers their team
or everybody when they have none; managers all).
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.orm import Session

from cstrainer.domain.accounts import Role, may_view_person
from cstrainer.domain.growth import TOTAL_SCORE, Criterion, CriterionResult, GrowthPath, evaluate
from cstrainer.formats.growth_file import load_growth_path
from cstrainer.services import audit
from cstrainer.services.actor import Actor
from cstrainer.services.errors import InvalidInput, NotFound, PermissionDenied
from cstrainer.services.handbook_study import MASTERED_STABILITY_DAYS
from cstrainer.storage.database import Database
from cstrainer.storage.models import (
    DIMENSION_COLUMNS,
    Attempt,
    Exam,
    HandbookCardState,
    PhraseDrillAttempt,
    Promotion,
    RolePlaySession,
    User,
    WrongBookEntry,
    utcnow,
)

MAX_NOTE = 2000


@dataclass(frozen=True)
class StageProgress:
    """One person's place on the path. ``criteria`` are the next stage's (empty at the top);
    ``ready``: all of them met."""

    user_id: int
    login: str
    display_name: str
    stage: str
    stage_since: datetime
    next_stage: str | None
    criteria: tuple[CriterionResult, ...]
    ready: bool

    @property
    def missing(self) -> tuple[CriterionResult, ...]:
        return tuple(c for c in self.criteria if not c.met)


@dataclass(frozen=True)
class PromotionRecord:
    id: int
    user_id: int
    login: str
    display_name: str
    from_stage: str
    to_stage: str
    by: str
    at: datetime
    note: str


def _dim_column(name: str | None) -> Any:
    if not name or name == TOTAL_SCORE:
        return RolePlaySession.score
    return getattr(RolePlaySession, DIMENSION_COLUMNS[name])


def _counted_sessions() -> list[ColumnElement[bool]]:
    """Role-play sessions that count: finished, graded, not a trainer's draft."""
    return [
        RolePlaySession.status == "finished",
        RolePlaySession.draft.is_(False),
        RolePlaySession.score.is_not(None),
    ]


class GrowthService:
    def __init__(self, db: Database, *, path_file: Path | str | None = None) -> None:
        self._db = db
        self._file = path_file
        self._path: GrowthPath | None = None

    # --- the path --------------------------------------------------------------------------------

    def path(self) -> GrowthPath:
        """The stages and their entry criteria (the growth-path file; GrowthFileError if broken)."""
        if self._path is None:
            self._path = load_growth_path(self._file)
        return self._path

    def stages(self) -> tuple[str, ...]:
        return self.path().names

    def check_references(self) -> list[str]:
        """Exam keys in the growth file that the database does not have (Chinese sentences)."""
        wanted = {c.exam for st in self.path().stages for c in st.criteria if c.exam}
        with self._db.session() as s:
            have = set(s.scalars(select(Exam.key).where(Exam.key.in_(wanted))))
        return [f"成长路径引用的试卷 {k} 不存在" for k in sorted(wanted - have)]

    # --- progress --------------------------------------------------------------------------------

    def progress(
        self, actor: Actor, user_id: int | None = None, *, now: datetime | None = None
    ) -> StageProgress:
        """The person's stage and how far they are with the next stage's criteria."""
        return self.progress_many(actor, [user_id], now=now)[0]

    def progress_many(
        self, actor: Actor, user_ids: Sequence[int | None], *, now: datetime | None = None
    ) -> builtins.list[StageProgress]:
        """:meth:`progress` of several people in one go (a team table): figures shared by a team,
        such as its average score, are computed once."""
        now = now or utcnow()
        cache: dict[tuple[Any, ...], float] = {}
        with self._db.session() as s:
            return [self._progress(s, actor, uid, now, cache) for uid in user_ids]

    def _progress(
        self,
        s: Session,
        actor: Actor,
        user_id: int | None,
        now: datetime,
        cache: dict[tuple[Any, ...], float],
    ) -> StageProgress:
        person = self._person(s, actor, user_id)
        path = self.path()
        nxt = path.next_stage(person.stage)
        since = self._stage_since(s, person)
        results = tuple(self._judge(s, person, c, since, now, cache) for c in (nxt.criteria if nxt else ()))
        return StageProgress(
            person.id,
            person.login,
            person.display_name,
            person.stage,
            since,
            nxt.name if nxt else None,
            results,
            nxt is not None and all(r.met for r in results),
        )

    def _judge(
        self,
        s: Session,
        person: User,
        c: Criterion,
        since: datetime,
        now: datetime,
        cache: dict[tuple[Any, ...], float] | None = None,
    ) -> CriterionResult:
        uid = person.id
        k = c.kind
        if k == "exam_passed":
            title = s.scalar(select(Exam.title).where(Exam.key == c.exam))
            if title and not c.label:
                c = replace(c, exam_title=title)
            n = s.scalar(
                select(func.count())
                .select_from(Attempt)
                .join(Exam, Exam.id == Attempt.exam_id)
                .where(Attempt.user_id == uid, Exam.key == c.exam, Attempt.passed.is_(True))
            )
            return evaluate(c, 1.0 if n else 0.0)
        if k == "scenarios":
            q = select(func.count(func.distinct(RolePlaySession.scenario_key))).where(
                RolePlaySession.user_id == uid,
                *_counted_sessions(),
                RolePlaySession.score >= (c.min_score or 0),
            )
            if c.scenario_stage:
                q = q.where(RolePlaySession.stage == c.scenario_stage)
            return evaluate(c, float(s.scalar(q) or 0))
        if k == "typing":
            conds = [
                PhraseDrillAttempt.user_id == uid,
                PhraseDrillAttempt.kind == "typing",
                PhraseDrillAttempt.net_cpm.is_not(None),
            ]
            if c.min_accuracy:
                conds.append(PhraseDrillAttempt.accuracy >= c.min_accuracy / 100.0)
            reached = func.sum(case((PhraseDrillAttempt.net_cpm >= (c.min_net_cpm or 0), 1), else_=0))
            count_q = select(func.max(PhraseDrillAttempt.net_cpm), reached).where(*conds)
            best, times = s.execute(count_q).one()
            best = float(best or 0)
            if c.times > 1:
                return evaluate(c, float(times or 0), best=best)
            return evaluate(c, round(best, 1))
        if k == "recall":
            total, right = s.execute(
                select(
                    func.count(), func.sum(case((PhraseDrillAttempt.correct.is_(True), 1), else_=0))
                ).where(PhraseDrillAttempt.user_id == uid, PhraseDrillAttempt.kind == "recall")
            ).one()
            total = int(total or 0)
            acc = round(100.0 * float(right or 0) / total, 1) if total else 0.0
            return evaluate(c, acc, sample=total)
        if k == "wrong_book":
            n = s.scalar(
                select(func.count()).select_from(WrongBookEntry).where(WrongBookEntry.user_id == uid)
            )
            return evaluate(c, float(n or 0))
        if k == "flashcards":
            stability = HandbookCardState.card["stability"].as_float()
            n = s.scalar(
                select(func.count())
                .select_from(HandbookCardState)
                .where(HandbookCardState.user_id == uid, stability >= MASTERED_STABILITY_DAYS)
            )
            return evaluate(c, float(n or 0))
        if k in ("dimension", "above_team_average"):
            col = _dim_column(c.dimension)
            conds = [*_counted_sessions(), col.is_not(None)]
            if c.days:
                conds.append(RolePlaySession.ended_at >= now - timedelta(days=c.days))
            avg, n = s.execute(
                select(func.avg(col), func.count()).where(RolePlaySession.user_id == uid, *conds)
            ).one()
            have = round(float(avg or 0), 1)
            if k == "dimension":
                return evaluate(c, have, sample=int(n or 0))
            # The team's average is the same for everyone in the team: computed once per call.
            cache_key = (col.key, person.team_id, c.days)
            cached = cache.get(cache_key) if cache is not None else None
            if cached is not None:
                team_avg = cached
            else:
                team_q = select(func.avg(col)).join(User, User.id == RolePlaySession.user_id).where(*conds)
                if person.team_id is not None:
                    team_q = team_q.where(User.team_id == person.team_id)
                else:
                    team_q = team_q.where(User.team_id.is_(None))
                team_avg = round(float(s.scalar(team_q) or 0), 1)
                if cache is not None:
                    cache[cache_key] = team_avg
            return evaluate(c, have, need=team_avg, sample=int(n or 0))
        if k == "stage_days":
            return evaluate(c, float(max(0, (now - since).days)))
        raise ValueError(k)  # pragma: no cover - the file loader refuses unknown kinds

    # --- promotions ------------------------------------------------------------------------------

    def promote(
        self, actor: Actor, user_id: int, to_stage: str, note: str = "", *, force: bool = False
    ) -> PromotionRecord:
        """Move a person to ``to_stage`` (managers only) and record it. The next stage is the
        normal move; skipping or moving back needs ``force=True`` and a note."""
        if actor.role is not Role.MANAGER:
            raise PermissionDenied(
                f"权限不足：{actor.role.label}（{actor.login}）不能调整成长阶段，只有主管可以"
            )
        note = (note or "").strip()
        if len(note) > MAX_NOTE:
            raise InvalidInput(f"备注最多 {MAX_NOTE} 字", field="note")
        path = self.path()
        if to_stage not in path.names:
            raise InvalidInput(f"没有“{to_stage}”这个阶段，可选：{'、'.join(path.names)}", field="to_stage")
        with self._db.session() as s:
            person = s.get(User, user_id)
            if person is None:
                raise NotFound(f"没有编号为 {user_id} 的人员")
            current = person.stage
            if to_stage == current:
                raise InvalidInput(f"{person.display_name}已经是“{current}”阶段", field="to_stage")
            nxt = path.next_stage(current)
            if nxt is None or nxt.name != to_stage:
                if not force:
                    expected = f"下一阶段是“{nxt.name}”" if nxt else "已是最高阶段"
                    raise InvalidInput(
                        f"{person.display_name}现在是“{current}”，{expected}；跨阶段或降级请确认并写明原因",
                        field="to_stage",
                    )
                if not note:
                    raise InvalidInput("跨阶段或降级必须写明原因", field="note")
            unmet: list[str] = []
            if path.index(to_stage) > path.index(current):
                since = self._stage_since(s, person)
                now = utcnow()
                for st in path.stages[path.index(current) + 1 : path.index(to_stage) + 1]:
                    unmet += [
                        r.label for c in st.criteria if not (r := self._judge(s, person, c, since, now)).met
                    ]
            row = Promotion(
                user_id=person.id,
                from_stage=current,
                to_stage=to_stage,
                by=actor.login,
                at=utcnow(),
                note=note,
            )
            s.add(row)
            person.stage = to_stage
            s.flush()
            audit.record(
                s,
                actor,
                "growth.promote",
                "user",
                person.login,
                from_stage=current,
                to_stage=to_stage,
                forced=force,
                note=note,
                unmet=unmet,
            )
            return _record(row, person)

    def promotions(self, actor: Actor, user_id: int | None = None) -> builtins.list[PromotionRecord]:
        """Stage changes, newest first: one person's (default: everyone the actor may see)."""
        with self._db.session() as s:
            q = select(Promotion, User).join(User, User.id == Promotion.user_id)
            if user_id is not None:
                person = self._person(s, actor, user_id)
                q = q.where(Promotion.user_id == person.id)
            rows = s.execute(q.order_by(Promotion.at.desc(), Promotion.id.desc())).all()
            return [
                _record(p, u)
                for p, u in rows
                if may_view_person(actor.role, actor.user_id, actor.team_id, u.id, u.team_id)
            ]

    # --- leaderboard opt-in ------------------------------------------------------------------------

    def set_leaderboard_opt_in(self, actor: Actor, opt_in: bool) -> None:
        """Show (or hide) one's own figures on the team leaderboards."""
        if actor.user_id is None:
            raise InvalidInput("请以个人账号登录后再设置排行榜")
        with self._db.session() as s:
            person = s.get(User, actor.user_id)
            if person is None:
                raise NotFound("找不到当前账号")
            person.leaderboard_opt_in = bool(opt_in)
            audit.record(s, actor, "growth.leaderboard_opt_in", "user", person.login, opt_in=bool(opt_in))

    def leaderboard_opt_in(self, actor: Actor) -> bool:
        if actor.user_id is None:
            return False
        with self._db.session() as s:
            return bool(s.scalar(select(User.leaderboard_opt_in).where(User.id == actor.user_id)))

    # --- helpers ---------------------------------------------------------------------------------

    @staticmethod
    def _person(s: Session, actor: Actor, user_id: int | None) -> User:
        uid = user_id if user_id is not None else actor.user_id
        if uid is None:
            raise InvalidInput("请指定人员")
        person = s.get(User, uid)
        if person is None:
            raise NotFound(f"没有编号为 {uid} 的人员")
        actor.require_view_person(person.id, person.team_id, person.login)
        return person

    @staticmethod
    def _stage_since(s: Session, person: User) -> datetime:
        """When the person entered their current stage: the last promotion to it, or the account's
        creation (新人, or a stage set without a promotion record)."""
        at = s.scalar(
            select(func.max(Promotion.at)).where(
                Promotion.user_id == person.id, Promotion.to_stage == person.stage
            )
        )
        return at or person.created_at


def _record(p: Promotion, u: User) -> PromotionRecord:
    return PromotionRecord(p.id, u.id, u.login, u.display_name, p.from_stage, p.to_stage, p.by, p.at, p.note)


__all__ = ["GrowthService", "PromotionRecord", "StageProgress"]
