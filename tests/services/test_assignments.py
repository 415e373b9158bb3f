"""Assignments: progress of every kind computed from real activity (made through the services),
only activity after the assignment counts, overdue tasks, scopes and permissions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from cstrainer.domain.accounts import Role
from cstrainer.domain.scenario import ScenarioDef
from cstrainer.services import SYSTEM, Services
from cstrainer.services.errors import InvalidInput, NotFound, PermissionDenied
from cstrainer.storage.models import Assignment, AuditEntry
from tests.services.roleplay_fixtures import REFUND, SORRY, scenario_item

PW = "demo1234"
#: two true/false questions of the shipped bank (沁屿) and their answers
ANSWERS = {"cmp-qf-their-dose": False, "cmp-only-our-facts": True}


@pytest.fixture
def world(seeded: Services) -> dict[str, Any]:
    s = seeded
    s.users.add(SYSTEM, "zuzhang", "组长", PW, Role.TRAINER, "qinyu-presale", ["qinyu"])
    s.users.add(SYSTEM, "kefu2", "同组客服", PW, Role.AGENT, "qinyu-presale", ["qinyu"])
    s.roleplay.save_scenario(SYSTEM, ScenarioDef.from_dict(scenario_item("rp-assign")), None)
    s.exams.save_exam(
        SYSTEM,
        {
            "key": "as-exam",
            "title": "竞品小测",
            "purpose": "专项",
            "time_limit_minutes": 30,
            "pass_mark": 60,
            "attempts_allowed": 5,
            "shuffle_questions": False,
            "shuffle_options": False,
            "show_answers_after": True,
            "questions": list(ANSWERS),
        },
    )
    actors = {
        login: s.auth.login(login, PW)
        for login in ("zhuguan", "peixun", "kefu", "xinren", "zuzhang", "kefu2")
    }
    return {"s": s, **actors}


def take_exam(s: Services, actor: Any, *, right: bool) -> Any:
    view = s.exams.start(actor, "as-exam", seed=1)
    for item in view.items:
        answer = ANSWERS[item.view.key]
        s.exams.save_answer(actor, view.attempt_id, item.position, answer if right else not answer)
    return s.exams.submit(actor, view.attempt_id)


def play(s: Services, actor: Any, *, good: bool = True) -> int | None:
    view = s.roleplay.start(actor, "rp-assign", seed=1)
    s.roleplay.reply(actor, view.session_id, SORRY, 8)
    if good:
        end = s.roleplay.reply(actor, view.session_id, REFUND, 9)
        assert end.ended and end.scorecard is not None
        return int(end.scorecard.score)
    s.roleplay.finish(actor, view.session_id)  # closed early: abandoned, does not count
    return None


def task(s: Services, actor: Any, assignment_id: int, **kw: Any) -> Any:
    return next(t for t in s.assignments.my_tasks(actor, **kw) if t.assignment_id == assignment_id)


# --- progress per kind ---------------------------------------------------------------------------


def test_exam_task_needs_a_pass_after_it_was_given(world: dict[str, Any]) -> None:
    s, kefu, trainer = world["s"], world["kefu"], world["peixun"]
    assert take_exam(s, kefu, right=True).passed  # before the assignment: does not count
    a = s.assignments.assign(trainer, "exam", "as-exam", scope_kind="person", scope_value="kefu")
    assert a.title == "考试：竞品小测" and a.scope_label == "个人：陈佳怡（kefu）" and a.people == 1
    t = task(s, kefu, a.id)
    assert (t.progress, t.done, t.detail) == (0.0, False, "未开始")
    assert take_exam(s, kefu, right=False).passed is False
    t = task(s, kefu, a.id)
    assert not t.done and t.detail == "最好成绩 0 分，未通过"
    assert take_exam(s, kefu, right=True).passed
    t = task(s, kefu, a.id)
    assert (t.progress, t.done, t.detail) == (1.0, True, "已通过")


def test_scenario_task_counts_finished_sessions_at_the_score(world: dict[str, Any]) -> None:
    s, kefu, trainer = world["s"], world["kefu"], world["peixun"]
    score = play(s, kefu)
    assert score is not None and score >= 60
    a = s.assignments.assign(
        trainer, "scenario", "rp-assign", scope_kind="person", scope_value=kefu.user_id,
        params={"min_score": min(score, 80), "times": 2},
    )  # fmt: skip
    assert a.params == {"min_score": min(score, 80), "times": 2}
    assert task(s, kefu, a.id).detail == f"0/2 次达到 {min(score, 80)} 分"
    play(s, kefu, good=False)  # abandoned sessions do not count
    play(s, kefu)
    t = task(s, kefu, a.id)
    assert (t.progress, t.done, t.detail) == (0.5, False, f"1/2 次达到 {min(score, 80)} 分")
    play(s, kefu)
    t = task(s, kefu, a.id)
    assert t.done and t.progress == 1.0 and t.detail == f"2/2 次达到 {min(score, 80)} 分"


def test_drill_tasks_count_typing_recall_and_practice(world: dict[str, Any]) -> None:
    s, kefu, trainer = world["s"], world["kefu"], world["peixun"]
    text = "亲，您好，欢迎光临沁屿旗舰店"
    s.phrase_drills.submit_typing(kefu, text, text, 5.0)  # before: not counted
    typing = s.assignments.assign(
        trainer, "drill", "typing", scope_kind="team", scope_value="qinyu-presale",
        params={"count": 2, "min_net_cpm": 60},
    )  # fmt: skip
    recall = s.assignments.assign(trainer, "drill", "recall", scope_kind="person", scope_value="kefu",
                                  params={"count": 3})  # fmt: skip
    practice = s.assignments.assign(
        trainer, "drill", "practice", scope_kind="person", scope_value="kefu",
        params={"count": 2, "categories": ["竞品知识"]},
    )  # fmt: skip
    assert typing.title == "打字训练 2 次达到 60 字/分" and typing.people == 2  # kefu and kefu2
    assert practice.title == "薄弱点通关：竞品知识 2 题"
    s.phrase_drills.submit_typing(kefu, text, text, 5.0)  # 14 chars in 5 s: 168 字/分
    s.phrase_drills.submit_typing(kefu, text, text, 60.0)  # 14 字/分: too slow
    assert task(s, kefu, typing.id).detail == "1/2 次达到 60 字/分"
    s.phrase_drills.submit_typing(kefu, text, text, 4.0)
    assert task(s, kefu, typing.id).done
    phrase = s.phrases.list_team(kefu)[0]
    for _ in range(2):
        s.phrase_drills.answer_recall(kefu, phrase.key, "不知道", 3.0)
    t = task(s, kefu, recall.id)
    assert (t.done, t.detail) == (False, "2/3 题") and abs(t.progress - 2 / 3) < 1e-9
    s.phrase_drills.answer_recall(kefu, phrase.key, phrase.shortcut, 3.0, mode="shortcut")
    assert task(s, kefu, recall.id).done
    s.exams.answer_practice(kefu, "cmp-qf-their-dose", True)
    assert task(s, kefu, practice.id).detail == "1/2 题"
    s.exams.answer_practice(kefu, "cmp-only-our-facts", True)
    assert task(s, kefu, practice.id).done
    # the team status lists both members; kefu2 has done nothing
    status = {r.login: r for r in s.assignments.assignment_status(trainer, typing.id)}
    assert set(status) == {"kefu", "kefu2"}
    assert (
        status["kefu"].done and not status["kefu2"].done and status["kefu2"].detail == "0/2 次达到 60 字/分"
    )
    assert status["kefu"].team_name == "沁屿售前组"


def test_handbook_task_needs_the_read_and_the_cards(world: dict[str, Any]) -> None:
    s, kefu, trainer = world["s"], world["kefu"], world["peixun"]
    a = s.assignments.assign(
        trainer,
        "handbook",
        "product:qinyu-liquid",
        scope_kind="person",
        scope_value="kefu",
        params={"cards": 2},
    )
    assert a.title == "阅读手册：沁屿香氛洗衣液并复习 2 张卡片" and a.params["doc_version"] >= 1
    t = task(s, kefu, a.id)
    assert (t.progress, t.detail) == (0.0, "未读；卡片 0/2 张")
    s.handbook.mark_read(kefu, "product", "qinyu-liquid")
    t = task(s, kefu, a.id)
    assert not t.done and t.detail == "已读；卡片 0/2 张" and abs(t.progress - 1 / 3) < 1e-9
    cards = [c.id for c in s.handbook_study.cards(kefu, "product", "qinyu-liquid")]
    s.handbook_study.review(kefu, cards[0], 3)
    s.handbook_study.review(kefu, cards[1], 4)
    t = task(s, kefu, a.id)
    assert t.done and t.progress == 1.0 and t.detail == "已读；卡片 2/2 张"
    with pytest.raises(NotFound):
        s.assignments.assign(trainer, "handbook", "product:no-such", scope_kind="person", scope_value="kefu")
    with pytest.raises(InvalidInput):
        s.assignments.assign(trainer, "handbook", "qinyu-liquid", scope_kind="person", scope_value="kefu")


# --- due dates, ordering, cancelling --------------------------------------------------------------


def test_overdue_tasks_come_first_and_done_ones_last(world: dict[str, Any]) -> None:
    s, kefu, trainer = world["s"], world["kefu"], world["peixun"]
    now = datetime.now(UTC)
    soon = s.assignments.assign(trainer, "drill", "recall", scope_kind="everyone", due_at=now + timedelta(days=1),
                                params={"count": 1})  # fmt: skip
    later = s.assignments.assign(trainer, "exam", "as-exam", scope_kind="role", scope_value="agent",
                                 due_at=now + timedelta(days=5))  # fmt: skip
    undated = s.assignments.assign(trainer, "scenario", "rp-assign", scope_kind="person", scope_value="kefu")
    in_two_days = now + timedelta(days=2)
    tasks = s.assignments.my_tasks(kefu, now=in_two_days)
    assert [t.assignment_id for t in tasks] == [soon.id, later.id, undated.id]
    assert [t.overdue for t in tasks] == [True, False, False]
    phrase = s.phrases.list_team(kefu)[0]
    s.phrase_drills.answer_recall(kefu, phrase.key, phrase.shortcut, 2.0, mode="shortcut")
    tasks = s.assignments.my_tasks(kefu, now=in_two_days)
    assert [t.assignment_id for t in tasks] == [later.id, undated.id, soon.id]
    assert tasks[-1].done and not tasks[-1].overdue  # done in time is never overdue
    assert [t.assignment_id for t in s.assignments.my_tasks(kefu, now=in_two_days, include_done=False)] == [
        later.id,
        undated.id,
    ]
    # everyone = trainees and agents; a role scope reaches only that role
    assert {t.assignment_id for t in s.assignments.my_tasks(world["xinren"])} == {soon.id}
    assert s.assignments.my_tasks(world["zhuguan"]) == []
    with pytest.raises(InvalidInput):
        s.assignments.assign(
            trainer, "exam", "as-exam", scope_kind="everyone", due_at=now - timedelta(hours=1)
        )


def test_cancel_removes_the_task_and_is_audited(world: dict[str, Any]) -> None:
    s, kefu, trainer = world["s"], world["kefu"], world["peixun"]
    a = s.assignments.assign(
        trainer, "exam", "as-exam", scope_kind="person", scope_value="kefu", note="周五前"
    )
    assert [t.note for t in s.assignments.my_tasks(kefu)] == ["周五前"]
    s.assignments.cancel(trainer, a.id)
    assert s.assignments.my_tasks(kefu) == []
    assert s.assignments.list_assignments(trainer) == []
    assert [x.active for x in s.assignments.list_assignments(trainer, include_cancelled=True)] == [False]
    with s.db.session() as db:
        actions = list(db.scalars(select(AuditEntry.action).where(AuditEntry.entity == "assignment")))
        assert actions == ["assignment.add", "assignment.cancel"]
        assert db.get(Assignment, a.id) is not None
    with pytest.raises(NotFound):
        s.assignments.cancel(trainer, 9999)


# --- permissions ----------------------------------------------------------------------------------


def test_only_trainers_and_managers_assign(world: dict[str, Any]) -> None:
    s = world["s"]
    for who in ("kefu", "xinren"):
        with pytest.raises(PermissionDenied):
            s.assignments.assign(world[who], "exam", "as-exam", scope_kind="person", scope_value="kefu")
        with pytest.raises(PermissionDenied):
            s.assignments.list_assignments(world[who])
    assert s.assignments.assign(world["zhuguan"], "exam", "as-exam", scope_kind="everyone").people == 3


def test_a_team_trainer_assigns_only_within_the_team(world: dict[str, Any]) -> None:
    s, lead = world["s"], world["zuzhang"]  # trainer of 沁屿售前组 (kefu, kefu2)
    mine = s.assignments.assign(lead, "exam", "as-exam", scope_kind="person", scope_value="kefu")
    team = s.assignments.assign(lead, "exam", "as-exam", scope_kind="team", scope_value="qinyu-presale")
    with pytest.raises(PermissionDenied):
        s.assignments.assign(lead, "exam", "as-exam", scope_kind="person", scope_value="xinren")
    with pytest.raises(PermissionDenied):
        s.assignments.assign(lead, "exam", "as-exam", scope_kind="team", scope_value="qingkuo-presale")
    with pytest.raises(PermissionDenied):
        s.assignments.assign(lead, "exam", "as-exam", scope_kind="everyone")
    with pytest.raises(PermissionDenied):
        s.assignments.assign(lead, "exam", "as-exam", scope_kind="role", scope_value="新人")
    other = s.assignments.assign(
        world["peixun"], "exam", "as-exam", scope_kind="person", scope_value="xinren"
    )
    everyone = s.assignments.assign(world["zhuguan"], "exam", "as-exam", scope_kind="everyone")
    seen = {a.id for a in s.assignments.list_assignments(lead)}
    assert seen == {mine.id, team.id, everyone.id}
    assert {a.id for a in s.assignments.list_assignments(world["peixun"])} == seen | {other.id}
    # the status of an assignment for everyone shows the team trainer only their team
    assert {r.login for r in s.assignments.assignment_status(lead, everyone.id)} == {"kefu", "kefu2"}
    assert {r.login for r in s.assignments.assignment_status(world["zhuguan"], everyone.id)} == {
        "kefu",
        "kefu2",
        "xinren",
    }
    with pytest.raises(PermissionDenied):
        s.assignments.assignment_status(lead, other.id)
    with pytest.raises(PermissionDenied):
        s.assignments.cancel(lead, everyone.id)
    with pytest.raises(PermissionDenied):
        s.assignments.cancel(lead, other.id)
    s.assignments.cancel(lead, team.id)


def test_bad_input_is_refused_in_chinese(world: dict[str, Any]) -> None:
    s, trainer = world["s"], world["peixun"]
    with pytest.raises(NotFound, match="试卷"):
        s.assignments.assign(trainer, "exam", "no-such-exam", scope_kind="everyone")
    with pytest.raises(NotFound, match="场景"):
        s.assignments.assign(trainer, "scenario", "no-such", scope_kind="everyone")
    with pytest.raises(InvalidInput, match="任务类型"):
        s.assignments.assign(trainer, "video", "x", scope_kind="everyone")
    with pytest.raises(InvalidInput, match="布置范围"):
        s.assignments.assign(trainer, "exam", "as-exam", scope_kind="brand")
    with pytest.raises(NotFound, match="人员"):
        s.assignments.assign(trainer, "exam", "as-exam", scope_kind="person", scope_value="nobody")
    with pytest.raises(InvalidInput) as bad:
        s.assignments.assign(
            trainer, "scenario", "rp-assign", scope_kind="everyone", params={"min_score": 120}
        )
    assert bad.value.field == "min_score"
    with pytest.raises(InvalidInput, match="不支持参数"):
        s.assignments.assign(trainer, "exam", "as-exam", scope_kind="everyone", params={"times": 2})
    with pytest.raises(InvalidInput, match="分类"):
        s.assignments.assign(
            trainer, "drill", "practice", scope_kind="everyone", params={"categories": ["没有"]}
        )
    with pytest.raises(InvalidInput, match="练习"):
        s.assignments.assign(trainer, "drill", "singing", scope_kind="everyone")
