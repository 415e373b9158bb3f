"""A small hand-made activity history for the analytics and report tests (values in the tests
are computed by hand from this).

Teams A and B; manager ``mgr`` (no team), trainer ``tra`` (team A), agents ``ag1`` (A, opted into
the leaderboard), ``ag2`` (A, not opted in) and ``ag3`` (B, opted in). Period: 2026-03-01 to
2026-03-08 UTC; every event at 12:00 UTC so the local day is the UTC day for offsets of ±11 h.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cstrainer.services import Services, stats_rollup
from cstrainer.services.actor import Actor
from cstrainer.services.users import actor_for
from cstrainer.storage.models import (
    Attempt,
    AttemptItem,
    Exam,
    PhraseDrillAttempt,
    Question,
    RolePlaySession,
    Team,
    User,
    WrongBookEntry,
)

START = datetime(2026, 3, 1, tzinfo=UTC)
END = datetime(2026, 3, 8, tzinfo=UTC)


def at(day: int, month: int = 3) -> datetime:
    return datetime(2026, month, day, 12, 0, tzinfo=UTC)


@dataclass
class World:
    team_a: int
    team_b: int
    actors: dict[str, Actor]
    ids: dict[str, int]


def build(services: Services) -> World:
    with services.db.session() as s:
        ta = Team(key="team-a", name="甲组", stage="售前")
        tb = Team(key="team-b", name="乙组", stage="售后")
        s.add_all([ta, tb])
        s.flush()
        people = {
            "mgr": User(login="mgr", display_name="周主管", role="manager", team_id=None),
            "tra": User(login="tra", display_name="林培训", role="trainer", team_id=ta.id),
            "ag1": User(
                login="ag1", display_name="陈一", role="agent", team_id=ta.id, leaderboard_opt_in=True
            ),
            "ag2": User(login="ag2", display_name="王二", role="agent", team_id=ta.id, stage="上岗"),
            "ag3": User(
                login="ag3", display_name="张三", role="agent", team_id=tb.id, leaderboard_opt_in=True
            ),
        }
        s.add_all(people.values())
        q1 = Question(key="q1", type="single", stem="题一", category="产品知识", data={})
        q2 = Question(key="q2", type="single", stem="题二", category="平台规则", data={})
        ex = Exam(key="e1", title="考试一", data={})
        s.add_all([q1, q2, ex])
        s.flush()
        uid = {k: u.id for k, u in people.items()}

        def attempt(
            who: str, when: datetime, percent: float, passed: bool, items: list[Any], status: str = "graded"
        ) -> None:
            a = Attempt(
                exam_id=ex.id, user_id=uid[who], seed=1, status=status, started_at=when,
                submitted_at=when if status == "graded" else None, percent=percent, passed=passed,
                score=percent, max_score=100,
            )  # fmt: skip
            s.add(a)
            s.flush()
            for pos, (q, ok) in enumerate(items):
                s.add(
                    AttemptItem(
                        attempt_id=a.id, position=pos, question_id=q.id, question_version=1, points=1.0,
                        score=1.0 if ok else 0.0, correct=ok,
                    )
                )  # fmt: skip

        attempt("ag1", at(2), 50, False, [(q1, False), (q2, True)])
        attempt("ag1", at(3), 100, True, [(q1, True), (q2, True)])
        attempt("ag2", at(3), 0, False, [(q1, False), (q2, False)])
        attempt("ag3", at(2), 80, True, [(q1, True), (q2, False)])
        attempt("ag1", at(20, 2), 10, False, [(q1, False), (q2, False)])  # before the period
        attempt("ag2", at(4), 0, False, [(q1, False)], status="in_progress")  # not graded

        def session(who: str, when: datetime, score: int, success: bool, dims: tuple[int, ...], reply: float,
                    card: dict[str, Any] | None, *, key: str = "sc1", draft: bool = False,
                    status: str = "finished") -> None:  # fmt: skip
            rp = RolePlaySession(
                    user_id=uid[who], scenario_key=key, scenario_title=f"场景{key}", stage="售前",
                    status=status, draft=draft, started_at=when, ended_at=when, score=score,
                    success=success, dim_knowledge=dims[0], dim_standard=dims[1],
                    dim_communication=dims[2], dim_speed=dims[3], dim_compliance=dims[4],
                    avg_reply_seconds=reply, scorecard=card,
                )  # fmt: skip
            s.add(rp)
            s.flush()
            stats_rollup.record_misses(s, rp)  # as grading does

        banned = {"replies": [{"banned": [{"rule": "绝对化", "word": "最"}], "forbidden": []}]}
        session(
            "ag1", at(2), 70, False, (60, 70, 80, 90, 100), 8, {"missed": [{"key_point_id": "a"}], **banned}
        )
        session(
            "ag1", at(3), 90, True, (80, 90, 100, 70, 100), 25,
            {"missed": [], "replies": [{"banned": [], "forbidden": [{"id": "promise", "word": "保证"}]}]},
        )  # fmt: skip
        session(
            "ag2", at(3), 50, False, (40, 50, 60, 50, 0), 75,
            {"missed": [{"key_point_id": "a"}, {"key_point_id": "b"}], "replies": []},
        )  # fmt: skip
        session("ag2", at(3), 100, True, (100,) * 5, 5, None, draft=True)  # a trainer's draft: never counts
        session("ag1", at(4), 10, False, (10,) * 5, 5, None, status="active")  # unfinished
        session("ag3", at(2), 100, True, (100,) * 5, 12, {"missed": [], "replies": []}, key="sc2")

        for who, kind, when, net, ok in [
            ("ag1", "typing", at(2), 40.0, None),
            ("ag1", "typing", at(2), 60.0, None),
            ("ag1", "recall", at(3), None, True),
            ("ag1", "recall", at(3), None, False),
            ("ag1", "recall", at(3), None, True),
            ("ag2", "typing", at(3), 50.0, None),
            ("ag3", "typing", at(3), 90.0, None),
        ]:
            s.add(PhraseDrillAttempt(user_id=uid[who], kind=kind, created_at=when, net_cpm=net, correct=ok))
        s.add(WrongBookEntry(user_id=uid["ag1"], question_id=q1.id))
        s.add(WrongBookEntry(user_id=uid["ag2"], question_id=q1.id))
        s.add(WrongBookEntry(user_id=uid["ag2"], question_id=q2.id))
        s.flush()
        actors = {k: actor_for(u) for k, u in people.items()}
        return World(ta.id, tb.id, actors, uid)
