"""Role-play through the service: sessions stored line by line, resume after a crash, drafts,
rush mode, permissions, regrading, comments, history and progress, saving scenarios."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest
from sqlalchemy import select

from cstrainer.domain.accounts import Role
from cstrainer.domain.scenario import ScenarioDef
from cstrainer.services import SYSTEM, Services
from cstrainer.services.errors import InvalidInput, NotFound, PermissionDenied, ValidationFailed
from cstrainer.services.roleplay import ABANDONED, ACTIVE, FINISHED, VersionConflict
from cstrainer.storage.database import open_database
from cstrainer.storage.models import AuditEntry, RolePlayMessage, RolePlaySession
from tests.services.roleplay_fixtures import OFF_TOPIC, REFUND, SORRY, scenario_item

PW = "demo1234"


@pytest.fixture
def world(seeded: Services) -> dict[str, Any]:
    s = seeded
    s.users.add(SYSTEM, "zuzhang", "组长", PW, Role.TRAINER, "qinyu-presale", ["qinyu"])
    s.users.add(SYSTEM, "kefu2", "同组客服", PW, Role.AGENT, "qinyu-presale", ["qinyu"])
    for key in ("rp-test", "rp-test-2", "rp-test-3"):
        s.roleplay.save_scenario(SYSTEM, ScenarioDef.from_dict(scenario_item(key)), None)
    actors = {
        login: s.auth.login(login, PW)
        for login in ("zhuguan", "peixun", "kefu", "xinren", "zuzhang", "kefu2")
    }
    return {"s": s, **actors}


def play_good(s: Services, actor: Any, key: str = "rp-test", seed: int = 1) -> int:
    view = s.roleplay.start(actor, key, seed=seed)
    s.roleplay.reply(actor, view.session_id, SORRY, 8)
    r = s.roleplay.reply(actor, view.session_id, REFUND, 9)
    assert r.ended and r.outcome == "退款完成"
    return view.session_id


# --- starting, storing, resuming ----------------------------------------------------------------


def test_start_stores_the_opening_line_the_seed_and_a_snapshot(world: dict[str, Any]) -> None:
    s, me = world["s"], world["kefu"]
    view = s.roleplay.start(me, "rp-test", seed=5)
    assert view.status == ACTIVE and not view.ended and view.seed == 5 and not view.draft
    assert [m.role for m in view.messages] == ["customer"]
    assert view.messages[0].text in scenario_item()["turns"][0]["wordings"]
    assert view.customer_name and view.persona == "愤怒型" and view.reply_time_target_seconds == 20
    with s.db.session() as db:
        row = db.get(RolePlaySession, view.session_id)
        assert row is not None
        assert row.scenario_snapshot["turns"][0]["id"] == "t1" and row.seed == 5
        assert row.scenario_version == 1 and row.mode == "normal"


def test_the_same_seed_gives_the_same_customer(world: dict[str, Any]) -> None:
    s, me = world["s"], world["kefu"]
    first = [s.roleplay.start(me, "rp-test", seed=n).messages[0].text for n in range(6)]
    again = [s.roleplay.start(me, "rp-test", seed=n).messages[0].text for n in range(6)]
    assert first == again


def test_an_acknowledged_reply_is_already_stored(world: dict[str, Any], seeded_url: str) -> None:
    s, me = world["s"], world["kefu"]
    view = s.roleplay.start(me, "rp-test", seed=1)
    r = s.roleplay.reply(me, view.session_id, SORRY, 7.5)
    assert r.covered and not r.ended and r.customer is not None and r.customer.turn_id == "t2"
    assert "apologize" in r.key_points_hit and r.within_target
    # WHEN another process looks at the database right after the reply returned
    other = Services(open_database(seeded_url))
    try:
        with other.db.session() as db:
            rows = db.scalars(
                select(RolePlayMessage)
                .where(RolePlayMessage.session_id == view.session_id)
                .order_by(RolePlayMessage.seq)
            ).all()
            got = [(m.role, m.text, m.seconds) for m in rows]
    finally:
        other.close()
    # THEN the reply and the customer's answer are there, with the response time
    assert got[1] == ("agent", SORRY, 7.5)
    assert got[2][0] == "customer" and got[2][1] == r.customer.text
    assert len(got) == 3


def test_a_crash_mid_session_leaves_an_active_session_that_resumes(
    world: dict[str, Any], seeded_url: str
) -> None:
    s, me = world["s"], world["kefu"]
    view = s.roleplay.start(me, "rp-test", seed=3)
    missed = s.roleplay.reply(me, view.session_id, OFF_TOPIC, 12)
    assert not missed.covered and not missed.ended
    ok = s.roleplay.reply(me, view.session_id, SORRY, 6)
    # GIVEN the app dies here (a new process with a new service and no engine in memory)
    fresh = Services(open_database(seeded_url))
    try:
        me2 = fresh.auth.login("kefu", PW)
        assert [a.session_id for a in fresh.roleplay.active_sessions(me2)] == [view.session_id]
        # WHEN the session is resumed
        resumed = fresh.roleplay.resume(me2, view.session_id)
        # THEN the state is rebuilt exactly and the chat carries on to the end
        assert (resumed.mood, resumed.patience, resumed.replies) == (ok.mood, ok.patience, 2)
        assert [m.text for m in resumed.messages] == [
            m.text for m in s.roleplay.view(me, view.session_id).messages
        ]
        end = fresh.roleplay.reply(me2, view.session_id, REFUND, 5)
        assert end.ended and end.outcome == "退款完成" and end.scorecard is not None
        detail = fresh.roleplay.session(me2, view.session_id)
        assert detail.summary.status == FINISHED and detail.summary.score == end.scorecard.score
        roles = [m.role for m in detail.messages]
        assert roles == ["customer", "agent", "customer", "agent", "customer", "agent", "system"]
        assert detail.messages[2].turn_id == "t1"  # the customer repeated the missed turn
        assert fresh.roleplay.active_sessions(me2) == []
    finally:
        fresh.close()


def test_replies_after_the_end_are_refused(world: dict[str, Any]) -> None:
    s, me = world["s"], world["kefu"]
    sid = play_good(s, me)
    with pytest.raises(InvalidInput):
        s.roleplay.reply(me, sid, SORRY, 3)


def test_only_the_owner_replies(world: dict[str, Any]) -> None:
    s = world["s"]
    view = s.roleplay.start(world["kefu"], "rp-test", seed=1)
    with pytest.raises(PermissionDenied):
        s.roleplay.reply(world["zhuguan"], view.session_id, SORRY, 3)
    with pytest.raises(InvalidInput):
        s.roleplay.reply(world["kefu"], view.session_id, "   ", 3)
    with pytest.raises(NotFound):
        s.roleplay.start(world["kefu"], "no-such-scenario")
    with pytest.raises(InvalidInput):
        s.roleplay.start(SYSTEM, "rp-test")


def test_finishing_early_abandons_and_grades(world: dict[str, Any]) -> None:
    s, me = world["s"], world["kefu"]
    view = s.roleplay.start(me, "rp-test", seed=1)
    s.roleplay.reply(me, view.session_id, SORRY, 4)
    card = s.roleplay.finish(me, view.session_id)
    assert 0 <= card.score <= 100
    detail = s.roleplay.session(me, view.session_id)
    assert detail.summary.status == ABANDONED and detail.summary.score == card.score
    assert s.roleplay.finish(me, view.session_id).score == card.score  # idempotent


def test_giving_up_ends_with_the_customer_leaving(world: dict[str, Any]) -> None:
    s, me = world["s"], world["kefu"]
    view = s.roleplay.start(me, "rp-test", seed=1)
    after = s.roleplay.give_up(me, view.session_id, 120)
    assert after.ended and after.outcome == "流失" and after.status == FINISHED


def test_a_forbidden_move_escalates(world: dict[str, Any]) -> None:
    s, me = world["s"], world["kefu"]
    view = s.roleplay.start(me, "rp-test", seed=1)
    r = s.roleplay.reply(me, view.session_id, "亲，这是快递的问题，不关我们的事。", 5)
    assert r.forbidden and r.ended and r.outcome == "投诉"
    assert r.mood_delta < 0


# --- drafts and rush --------------------------------------------------------------------------------


def test_a_draft_try_is_marked_and_never_counted(world: dict[str, Any]) -> None:
    s, trainer, agent = world["s"], world["peixun"], world["kefu"]
    draft = ScenarioDef.from_dict(scenario_item("brand-new-draft"))
    view = s.roleplay.start(trainer, "brand-new-draft", seed=1, draft=draft)
    assert view.draft
    s.roleplay.reply(trainer, view.session_id, SORRY, 5)
    s.roleplay.reply(trainer, view.session_id, REFUND, 5)
    assert s.roleplay.history(trainer) == []
    assert [h.session_id for h in s.roleplay.history(trainer, include_drafts=True)] == [view.session_id]
    assert s.roleplay.progress(trainer).sessions == 0
    with pytest.raises(PermissionDenied):
        s.roleplay.start(agent, "brand-new-draft", draft=draft)
    broken = ScenarioDef.from_dict(scenario_item("broken", start="nowhere"))
    with pytest.raises(ValidationFailed):
        s.roleplay.start(trainer, "broken", draft=broken)


def test_rush_mode_starts_three_to_five_sessions_in_one_group(world: dict[str, Any]) -> None:
    s, me = world["s"], world["kefu"]
    views = s.roleplay.start_rush(me, ["rp-test", "rp-test-2", "rp-test-3"], seed=10)
    assert len(views) == 3 and len({v.rush_group for v in views}) == 1
    assert all(v.mode == "rush" for v in views) and [v.seed for v in views] == [10, 11, 12]
    group = views[0].rush_group
    assert group
    s.roleplay.reply(me, views[0].session_id, SORRY, 5)
    s.roleplay.reply(me, views[1].session_id, SORRY, 45)
    s.roleplay.reply(me, views[0].session_id, REFUND, 10)
    summary = s.roleplay.rush_summary(me, group)
    assert (summary.replies, summary.within_target, summary.finished) == (3, 2, 1)
    assert summary.session_ids == tuple(v.session_id for v in views)
    with pytest.raises(InvalidInput):
        s.roleplay.start_rush(me, ["rp-test", "rp-test-2"])
    with pytest.raises(NotFound):
        s.roleplay.start_rush(me, ["rp-test", "rp-test-2", "nope"])


# --- who sees what ---------------------------------------------------------------------------------


def test_permissions_on_sessions(world: dict[str, Any]) -> None:
    s = world["s"]
    mine = play_good(s, world["kefu"])
    theirs = play_good(s, world["xinren"])  # another team (qingkuo-presale)
    # agents see only their own
    s.roleplay.session(world["kefu"], mine)
    with pytest.raises(PermissionDenied):
        s.roleplay.session(world["kefu"], theirs)
    with pytest.raises(PermissionDenied):
        s.roleplay.session(world["kefu2"], mine)
    # a trainer sees the own team's, not another team's
    s.roleplay.session(world["zuzhang"], mine)
    with pytest.raises(PermissionDenied):
        s.roleplay.session(world["zuzhang"], theirs)
    team = {h.session_id for h in s.roleplay.history(world["zuzhang"], everyone=True)}
    assert mine in team and theirs not in team
    # a trainer with no team, and managers, see everyone
    for who in ("peixun", "zhuguan"):
        s.roleplay.session(world[who], theirs)
        assert {mine, theirs} <= {h.session_id for h in s.roleplay.history(world[who], everyone=True)}
    # an agent's "everyone" is only themselves
    assert {h.session_id for h in s.roleplay.history(world["kefu"], everyone=True)} == {mine}
    with pytest.raises(PermissionDenied):
        s.roleplay.progress(world["kefu"], world["xinren"].user_id)


def test_trainers_comment_and_agents_read_comments_on_their_own_sessions(world: dict[str, Any]) -> None:
    s = world["s"]
    sid = play_good(s, world["kefu"])
    c = s.roleplay.comment(world["zuzhang"], sid, 1, "道歉及时，语气很好")
    assert (c.message_seq, c.author_login, c.author_name) == (1, "zuzhang", "组长")
    assert [x.text for x in s.roleplay.comments(world["kefu"], sid)] == ["道歉及时，语气很好"]
    assert [x.text for x in s.roleplay.session(world["kefu"], sid).comments] == ["道歉及时，语气很好"]
    with pytest.raises(PermissionDenied):
        s.roleplay.comment(world["kefu"], sid, 1, "自己夸自己")
    with pytest.raises(PermissionDenied):
        s.roleplay.comments(world["kefu2"], sid)
    with pytest.raises(NotFound):
        s.roleplay.comment(world["zuzhang"], sid, 99, "没有这一行")
    with pytest.raises(InvalidInput):
        s.roleplay.comment(world["zuzhang"], sid, 1, "  ")


# --- regrading -------------------------------------------------------------------------------------


def test_regrade_uses_the_current_scenario(world: dict[str, Any]) -> None:
    s, trainer = world["s"], world["peixun"]
    sid = play_good(s, world["kefu"])
    before = s.roleplay.session(trainer, sid)
    assert before.graded_version == 1 and before.can_regrade
    # WHEN a trainer adds a key point the reply did not make, and regrades
    record = s.roleplay.scenario_record(trainer, "rp-test")
    item = record.definition.to_dict()
    item["turns"][1]["key_points"].append(
        {"id": "timeline", "synonyms": ["工作日", "到账时间"], "weight": 3, "feedback": "讲清到账时间"}
    )
    s.roleplay.save_scenario(trainer, ScenarioDef.from_dict(item), record.version)
    card = s.roleplay.regrade(trainer, sid)
    # THEN the session is graded with version 2, the missed point shows, and it is audited
    after = s.roleplay.session(trainer, sid)
    assert after.graded_version == 2 and after.scorecard_json is not None
    assert any(m.key_point_id == "timeline" for m in card.missed)
    assert after.scenario.turns[1].key_points[-1].id == "refund"  # the snapshot as played is kept
    assert after.summary.score == card.score
    with s.db.session() as db:
        assert db.scalars(select(AuditEntry).where(AuditEntry.action == "roleplay.regrade")).all()
    with pytest.raises(PermissionDenied):
        s.roleplay.regrade(world["kefu"], sid)


# --- history and progress --------------------------------------------------------------------------


def test_history_and_progress_per_scenario_and_dimension(world: dict[str, Any]) -> None:
    s, me = world["s"], world["kefu"]
    a = play_good(s, me, seed=1)
    v = s.roleplay.start(me, "rp-test", seed=2)
    s.roleplay.reply(me, v.session_id, OFF_TOPIC, 30)
    s.roleplay.finish(me, v.session_id)
    b = play_good(s, me, "rp-test-2", seed=3)
    hist = s.roleplay.history(me)
    assert [h.session_id for h in hist] == [b, v.session_id, a]
    assert all(h.score is not None and h.dimensions for h in hist)
    assert [h.session_id for h in s.roleplay.history(me, scenario_key="rp-test-2")] == [b]
    prog = s.roleplay.progress(me)
    assert prog.sessions == 3 and prog.login == "kefu"
    rows = {r.scenario_key: r for r in prog.scenarios}
    assert rows["rp-test"].sessions == 2 and rows["rp-test"].successes == 1
    scores = {h.session_id: h.score for h in hist}
    assert rows["rp-test"].best_score == max(scores[a], scores[v.session_id])
    assert rows["rp-test"].last_score == scores[v.session_id]
    assert set(prog.dimensions) == {"专业知识", "服务规范", "沟通技巧", "响应时效", "合规"}
    listed = {x.key: x for x in s.roleplay.list_scenarios(me)}
    assert listed["rp-test"].my_sessions == 2 and listed["rp-test-2"].my_last_score == scores[b]
    # a trainer reads an agent's progress; the agent's own JSON-able
    s.roleplay.progress(world["zuzhang"], me.user_id)
    json.dumps(dataclasses.asdict(prog), default=str, ensure_ascii=False)


def test_simulate_stores_nothing_unless_asked(world: dict[str, Any]) -> None:
    s, me = world["s"], world["kefu"]
    result = s.roleplay.simulate(SYSTEM, "rp-test", [(SORRY, 5), (REFUND, 6), ("多余的", 1)], seed=0)
    assert result.outcome == "退款完成" and result.unused_replies == 1
    out = result.to_json()
    assert [e["role"] for e in out["transcript"]][:2] == ["customer", "agent"]
    assert out["replies"][0]["key_points_hit"] == ["apologize"] and out["replies"][0]["seconds"] == 5.0
    with s.db.session() as db:
        assert db.scalars(select(RolePlaySession)).all() == []
    saved = s.roleplay.simulate(me, "rp-test", [(SORRY, 5), (REFUND, 6)], seed=0, save=True)
    assert saved.session_id is not None and saved.scorecard.score == result.scorecard.score
    assert s.roleplay.session(me, saved.session_id).summary.status == FINISHED


# --- scenarios ---------------------------------------------------------------------------------------


def test_list_and_get_scenarios(world: dict[str, Any]) -> None:
    s, me = world["s"], world["kefu"]
    keys = [x.key for x in s.roleplay.list_scenarios(me)]
    assert {"rp-test", "qinyu-leaking-bottle"} <= set(keys)
    assert all(x.stage == "售后" for x in s.roleplay.list_scenarios(me, stage="售后"))
    assert "rp-test" in [x.key for x in s.roleplay.list_scenarios(me, brand="qinyu")]
    assert "rp-test" not in [x.key for x in s.roleplay.list_scenarios(me, brand="qingkuo")]
    sc = s.roleplay.get_scenario(me, "qinyu-leaking-bottle")
    assert sc.key == "qinyu-leaking-bottle" and sc.turns
    with pytest.raises(NotFound):
        s.roleplay.get_scenario(me, "nope")


def test_every_shipped_scenario_can_be_started(world: dict[str, Any]) -> None:
    s, me = world["s"], world["kefu"]
    for x in s.roleplay.list_scenarios(me):
        view = s.roleplay.start(me, x.key, seed=0)
        assert view.messages and view.messages[0].role == "customer", x.key


def test_save_scenario_optimistic_locking_validation_and_audit(world: dict[str, Any]) -> None:
    s, trainer = world["s"], world["peixun"]
    rec = s.roleplay.scenario_record(trainer, "rp-test")
    changed = ScenarioDef.from_dict(scenario_item(title="改过的标题"))
    saved = s.roleplay.save_scenario(trainer, changed, rec.version)
    assert saved.version == rec.version + 1 and saved.definition.title == "改过的标题"
    assert saved.updated_by == "peixun"
    # a second editor who loaded the old version is refused, with who saved it and when
    with pytest.raises(VersionConflict) as err:
        s.roleplay.save_scenario(
            world["zuzhang"], ScenarioDef.from_dict(scenario_item(title="另一个")), rec.version
        )
    assert "peixun" in str(err.value) and err.value.stored_version == saved.version
    # a new scenario may not take an existing key
    with pytest.raises(VersionConflict):
        s.roleplay.save_scenario(trainer, changed, None)
    # a draft with errors is refused with every error listed
    bad = scenario_item("bad-one", start="nowhere")
    bad["turns"][0]["on_covered"] = "missing-turn"
    with pytest.raises(ValidationFailed) as verr:
        s.roleplay.save_scenario(trainer, ScenarioDef.from_dict(bad), None)
    assert len(verr.value.errors) >= 2
    # saving without a change keeps the version
    again = s.roleplay.save_scenario(trainer, saved.definition, saved.version)
    assert again.version == saved.version
    with pytest.raises(PermissionDenied):
        s.roleplay.save_scenario(world["kefu"], changed, saved.version)
    with s.db.session() as db:
        actions = [a.action for a in db.scalars(select(AuditEntry).where(AuditEntry.entity == "scenario"))]
    assert "scenario.edit" in actions and "scenario.create" in actions
    issues = s.roleplay.validate(ScenarioDef.from_dict(bad))
    assert any(i.severity == "error" and i.turn_id == "t1" for i in issues)


def test_product_cards_for_the_chat(world: dict[str, Any]) -> None:
    s, me = world["s"], world["kefu"]
    cards = s.roleplay.product_cards(me, ["qinyu-liquid", "no-such-product"])
    assert [c.key for c in cards] == ["qinyu-liquid"]
    assert cards[0].name and cards[0].price_min is not None and cards[0].selling_points


def test_only_ones_own_active_session_resumes(world: dict[str, Any]) -> None:
    s = world["s"]
    view = s.roleplay.start(world["kefu"], "rp-test", seed=1)
    with pytest.raises(PermissionDenied):
        s.roleplay.resume(world["kefu2"], view.session_id)
    sid = play_good(s, world["kefu"], seed=2)
    with pytest.raises(InvalidInput):
        s.roleplay.resume(world["kefu"], sid)
    with pytest.raises(NotFound):
        s.roleplay.resume(world["kefu"], 999_999)


def test_grading_fills_the_dimension_columns_dashboards_aggregate(world: dict[str, Any]) -> None:
    from cstrainer.storage.models import DIMENSION_COLUMNS

    s, me = world["s"], world["kefu"]
    session_id = play_good(s, me)  # replies after 8 and 9 seconds
    with s.db.session() as db:
        row = db.get(RolePlaySession, session_id)
        assert row is not None and row.dimensions
        for name, column in DIMENSION_COLUMNS.items():
            assert getattr(row, column) == row.dimensions[name]
        assert row.avg_reply_seconds == pytest.approx(8.5)
