"""The growth service: criteria measured from real activity (made through the services), promotion
(managers only, next stage unless forced with a note, recorded and audited), promotion history,
permissions and the leaderboard opt-in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from cstrainer.domain.accounts import Role
from cstrainer.domain.scenario import ScenarioDef
from cstrainer.services import SYSTEM, Services
from cstrainer.services.errors import InvalidInput, PermissionDenied
from cstrainer.services.growth import GrowthService
from cstrainer.storage.models import AuditEntry, Promotion, User
from tests.services.roleplay_fixtures import REFUND, SORRY, scenario_item

PW = "demo1234"
ANSWERS = {"cmp-qf-their-dose": False, "cmp-only-our-facts": True}
TEXT = "亲，您好，欢迎光临沁屿旗舰店"

PATH = """\
schema_version: 1
kind: growth_path
stages:
  - stage: 新人
  - stage: 上岗
    criteria:
      - {type: exam_passed, exam: gr-exam}
      - {type: scenarios, count: 1, min_score: 60, stage: 售后}
      - {type: scenarios, count: 1, min_score: 60, stage: 售前}
      - {type: typing, min_net_cpm: 60}
      - {type: typing, min_net_cpm: 60, times: 2}
      - {type: recall, min_accuracy: 50, min_answers: 2}
      - {type: wrong_book, max_open: 0}
      - {type: flashcards, count: 1}
  - stage: 售后
    criteria:
      - {type: dimension, dimension: 合规, min_avg: 50, days: 30}
      - {type: above_team_average, days: 30}
      - {type: stage_days, days: 10}
  - stage: 精英客服
    criteria:
      - {type: stage_days, days: 1}
  - stage: 主管
    criteria:
      - {type: stage_days, days: 1}
"""


@pytest.fixture
def world(seeded: Services, tmp_path: Path) -> dict[str, Any]:
    s = seeded
    s.users.add(SYSTEM, "zuzhang", "组长", PW, Role.TRAINER, "qinyu-presale", ["qinyu"])
    s.users.add(SYSTEM, "kefu2", "同组客服", PW, Role.AGENT, "qinyu-presale", ["qinyu"])
    s.roleplay.save_scenario(SYSTEM, ScenarioDef.from_dict(scenario_item("rp-growth")), None)
    s.exams.save_exam(
        SYSTEM,
        {
            "key": "gr-exam",
            "title": "成长小测",
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
    f = tmp_path / "growth_path.yaml"
    f.write_text(PATH, encoding="utf-8")
    actors = {
        login: s.auth.login(login, PW)
        for login in ("zhuguan", "peixun", "kefu", "xinren", "zuzhang", "kefu2")
    }
    return {"s": s, "g": GrowthService(s.db, path_file=f), **actors}


def by_kind(progress: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for c in progress.criteria:
        out.setdefault(c.kind, []).append(c)
    return {k: v[0] if len(v) == 1 else v for k, v in out.items()}


def practise(s: Services, me: Any) -> None:
    """Everything the test path's 上岗 asks for, plus one wrong answer in the book."""
    view = s.exams.start(me, "gr-exam", seed=1)
    for item in view.items:
        s.exams.save_answer(me, view.attempt_id, item.position, ANSWERS[item.view.key])
    assert s.exams.submit(me, view.attempt_id).passed
    rp = s.roleplay.start(me, "rp-growth", seed=1)
    s.roleplay.reply(me, rp.session_id, SORRY, 8)
    assert s.roleplay.reply(me, rp.session_id, REFUND, 9).ended
    s.phrase_drills.submit_typing(me, TEXT, TEXT, 5.0)
    s.phrase_drills.submit_typing(me, TEXT, TEXT, 6.0)
    phrase = s.phrases.list_team(me)[0]
    s.phrase_drills.answer_recall(me, phrase.key, phrase.text, 2.0)
    s.phrase_drills.answer_recall(me, phrase.key, "不记得", 2.0)
    s.exams.answer_practice(me, "cmp-qf-their-dose", True)  # wrong: into the book
    card = s.handbook_study.cards(me, "product", "qinyu-liquid")[0].id
    t0 = datetime.now(UTC)
    due = s.handbook_study.review(me, card, 4, now=t0)
    s.handbook_study.review(me, card, 4, now=due)  # two easy reviews in a row: stable for weeks


def test_the_service_reads_the_shipped_path(seeded: Services) -> None:
    assert seeded.growth.stages() == ("新人", "上岗", "售后", "精英客服", "主管")
    assert seeded.growth.check_references() == []  # every exam it names is in the database
    kefu = seeded.auth.login("kefu", PW)
    p = seeded.growth.progress(kefu)
    assert (p.stage, p.next_stage, p.ready) == ("新人", "上岗", False)
    labels = [c.label for c in p.criteria]
    assert labels[0].startswith("入职考试") and len(p.missing) == len(p.criteria)


def test_criteria_are_measured_from_activity(world: dict[str, Any]) -> None:
    s, g, kefu = world["s"], world["g"], world["kefu"]
    before = by_kind(g.progress(kefu))
    assert before["exam_passed"].label == "通过成长小测" and not before["exam_passed"].met
    assert [(c.have, c.need, c.met) for c in before["scenarios"]] == [(0, 1, False), (0, 1, False)]
    assert [(c.have, c.need) for c in before["typing"]] == [(0, 60), (0, 2)]
    assert before["recall"].detail == "已答 0 题，至少要答 2 题才评定"
    assert (before["wrong_book"].have, before["wrong_book"].met) == (0, True)
    assert (before["flashcards"].have, before["flashcards"].need) == (0, 1)

    practise(s, kefu)
    p = g.progress(kefu)
    after = by_kind(p)
    assert after["exam_passed"].met and after["exam_passed"].detail == "已通过"
    售后, 售前 = after["scenarios"]
    assert (售后.have, 售后.met) == (1, True)
    assert (售前.have, 售前.met) == (0, False)  # the scenario played is an after-sale one
    best, times = after["typing"]
    assert best.met and best.have == pytest.approx(168.0) and best.unit == "字/分"
    assert times.met and times.have == 2 and times.detail.endswith("最好 168 字/分")
    assert after["recall"].met and after["recall"].have == 50.0
    assert not after["wrong_book"].met and after["wrong_book"].have == 1
    assert after["wrong_book"].detail == "还有 1 道未消化（上限 0 道）"
    assert after["flashcards"].met and after["flashcards"].have == 1
    assert not p.ready and {c.kind for c in p.missing} == {"scenarios", "wrong_book"}
    # other people's activity is not counted
    other = by_kind(g.progress(world["kefu2"]))
    assert not other["exam_passed"].met and other["typing"][0].have == 0


def test_promotion_is_for_managers_and_goes_one_stage_at_a_time(world: dict[str, Any]) -> None:
    s, g, kefu, boss = world["s"], world["g"], world["kefu"], world["zhuguan"]
    uid = kefu.user_id
    for who in ("peixun", "zuzhang", "kefu"):
        with pytest.raises(PermissionDenied, match="只有主管"):
            g.promote(world[who], uid, "上岗", "表现好")
    with pytest.raises(InvalidInput, match="下一阶段是“上岗”"):
        g.promote(boss, uid, "售后", "")
    with pytest.raises(InvalidInput) as no_note:
        g.promote(boss, uid, "售后", "", force=True)
    assert no_note.value.field == "note"
    with pytest.raises(InvalidInput, match="已经是"):
        g.promote(boss, uid, "新人")
    with pytest.raises(InvalidInput, match="没有“组长”这个阶段"):
        g.promote(boss, uid, "组长")

    rec = g.promote(boss, uid, "上岗", "试用期考核通过")
    assert (rec.from_stage, rec.to_stage, rec.by, rec.login, rec.note) == (
        "新人",
        "上岗",
        "zhuguan",
        "kefu",
        "试用期考核通过",
    )
    with s.db.session() as db:
        assert db.get(User, uid).stage == "上岗"  # type: ignore[union-attr]
        assert db.scalar(select(Promotion.to_stage).where(Promotion.user_id == uid)) == "上岗"
        entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "growth.promote"))
        assert entry is not None and entry.entity_key == "kefu" and entry.actor_login == "zhuguan"
        assert entry.detail["to_stage"] == "上岗" and not entry.detail["forced"]
        assert "通过成长小测" in entry.detail["unmet"]  # promoted although criteria were missing

    p = g.progress(kefu)
    assert (p.stage, p.next_stage) == ("上岗", "售后")
    assert abs((p.stage_since - rec.at).total_seconds()) < 1
    days = by_kind(p)["stage_days"]
    assert (days.have, days.need, days.met) == (0, 10, False)
    later = by_kind(g.progress(kefu, now=datetime.now(UTC) + timedelta(days=11)))["stage_days"]
    assert later.met and later.detail == "已满 11 天，需 10 天"

    # skipping a stage, or moving back, with force and a reason
    forced = g.promote(boss, uid, "主管", "外部引进的带组经验", force=True)
    assert forced.from_stage == "上岗"
    back = g.promote(boss, uid, "售后", "调岗回售后", force=True)
    assert back.to_stage == "售后"
    assert g.progress(kefu).stage == "售后"
    history = g.promotions(boss, uid)
    assert [(h.from_stage, h.to_stage) for h in history] == [
        ("主管", "售后"),
        ("上岗", "主管"),
        ("新人", "上岗"),
    ]


def test_promotion_history_and_progress_follow_visibility(world: dict[str, Any]) -> None:
    g, boss = world["g"], world["zhuguan"]
    g.promote(boss, world["kefu"].user_id, "上岗", "")
    g.promote(boss, world["xinren"].user_id, "上岗", "")
    assert {h.login for h in g.promotions(boss)} == {"kefu", "xinren"}
    assert {h.login for h in g.promotions(world["peixun"])} == {"kefu", "xinren"}  # no team: everybody
    assert {h.login for h in g.promotions(world["zuzhang"])} == {"kefu"}
    assert {h.login for h in g.promotions(world["kefu"])} == {"kefu"}
    with pytest.raises(PermissionDenied):
        g.promotions(world["xinren"], world["kefu"].user_id)
    with pytest.raises(PermissionDenied):
        g.progress(world["xinren"], world["kefu"].user_id)
    with pytest.raises(PermissionDenied):
        g.progress(world["zuzhang"], world["xinren"].user_id)
    assert g.progress(world["zuzhang"], world["kefu"].user_id).login == "kefu"


def test_above_team_average_compares_with_the_team(world: dict[str, Any]) -> None:
    s, g, kefu, boss = world["s"], world["g"], world["kefu"], world["zhuguan"]
    g.promote(boss, kefu.user_id, "上岗", "")
    crit = by_kind(g.progress(kefu))["above_team_average"]
    assert not crit.met and crit.detail == "近 30 天只有 0 次练习，至少 1 次才评定"
    for who, good in ((kefu, True), (world["kefu2"], False)):
        rp = s.roleplay.start(who, "rp-growth", seed=1)
        s.roleplay.reply(who, rp.session_id, SORRY, 8)
        if good:
            s.roleplay.reply(who, rp.session_id, REFUND, 9)
        else:
            s.roleplay.reply(who, rp.session_id, "亲，稍等。", 60)
    crit = by_kind(g.progress(kefu))["above_team_average"]
    assert crit.met and crit.have > crit.need > 0
    g.promote(boss, world["kefu2"].user_id, "上岗", "")
    weaker = by_kind(g.progress(world["kefu2"]))["above_team_average"]
    assert not weaker.met and weaker.need == crit.need


def test_leaderboard_opt_in_is_for_ones_own_account(world: dict[str, Any]) -> None:
    s, g, kefu = world["s"], world["g"], world["kefu"]
    assert g.leaderboard_opt_in(kefu) is False
    g.set_leaderboard_opt_in(kefu, True)
    assert g.leaderboard_opt_in(kefu) is True
    with s.db.session() as db:
        assert db.get(User, kefu.user_id).leaderboard_opt_in is True  # type: ignore[union-attr]
        assert db.get(User, world["kefu2"].user_id).leaderboard_opt_in is False  # type: ignore[union-attr]
    g.set_leaderboard_opt_in(kefu, False)
    assert g.leaderboard_opt_in(kefu) is False
    with pytest.raises(InvalidInput):
        g.set_leaderboard_opt_in(SYSTEM, True)
