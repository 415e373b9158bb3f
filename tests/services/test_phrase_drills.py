"""Phrase drills: shortcut recall scheduled by fsrs, the typing drill, history and statistics."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from cstrainer.domain.accounts import Role
from cstrainer.domain.phrases import PhraseItem
from cstrainer.services import SYSTEM, Actor, InvalidInput, NotFound, PermissionDenied, Services
from cstrainer.services.phrase_drills import PhraseDrillService, TypingText
from cstrainer.storage.models import Brand, PhraseDrillAttempt, PhraseDrillCard, Team

PASSWORD = "pass-1234"
START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)

HELLO = PhraseItem(
    "qy-hello", "qinyu", "迎宾", "问候", "hy1", "{顾客昵称}你好呀～小屿在的，请问有什么可以帮您？"
)
HELLO2 = PhraseItem("qy-hello-2", "qinyu", "迎宾", "问候", "hy2", "亲，欢迎光临小屿家～想了解哪款洗衣液呢？")
SHIP = PhraseItem(
    "shared-ship", None, "物流查询", "已发货", "wl1", "亲，订单 {订单号} 已经发出，正在运输途中～"
)
KUO = PhraseItem("qk-size", "qingkuo", "咨询", "尺码", "cm1", "麻烦亲报一下腰围和身高，帮您选准尺码～")


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def lib(services: Any) -> Services:
    s: Services = services
    with s.db.session() as db:
        qinyu, qingkuo = Brand(key="qinyu", name="沁屿"), Brand(key="qingkuo", name="轻廓")
        db.add_all([qinyu, qingkuo])
        db.add_all(
            [
                Team(key="qy-pre", name="沁屿售前组", stage="售前", brands=[qinyu]),
                Team(key="qk-pre", name="轻廓售前组", stage="售前", brands=[qingkuo]),
            ]
        )
    s.users.add(SYSTEM, "peixun", "培训师", PASSWORD, Role.TRAINER, team_key="qy-pre")
    s.users.add(SYSTEM, "zongpei", "总培训师", PASSWORD, Role.TRAINER)
    s.users.add(SYSTEM, "boss", "主管", PASSWORD, Role.MANAGER, team_key="qk-pre")
    s.users.add(SYSTEM, "lily", "李丽", PASSWORD, Role.AGENT, team_key="qy-pre", brand_keys=["qinyu"])
    s.users.add(SYSTEM, "tom", "汤姆", PASSWORD, Role.AGENT, team_key="qk-pre", brand_keys=["qingkuo"])
    for item in (HELLO, HELLO2, SHIP, KUO):
        s.phrases.save_team(SYSTEM, item)
    s.phrases.refresh_seconds = 0.0
    s.phrases.background = False
    return s


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def drills(lib: Services, clock: Clock) -> PhraseDrillService:
    return PhraseDrillService(lib.db, lib.phrases, clock=clock)


def login(s: Services, who: str) -> Actor:
    return s.auth.login(who, PASSWORD)


def usage(s: Services, key: str) -> int:
    return s.phrases.get_team(SYSTEM, key).usage_count


# --- recall ---------------------------------------------------------------------------------------


def test_new_phrases_are_offered_from_the_visible_library(lib: Services, drills: PhraseDrillService) -> None:
    lily = login(lib, "lily")
    prompts = drills.next_recall(lily)
    assert {p.phrase_key for p in prompts} == {"qy-hello", "qy-hello-2", "shared-ship"}  # not qingkuo's
    assert all(p.is_new and p.due is None for p in prompts)
    for p in prompts:
        assert p.mode in ("intent", "shortcut")
        if p.mode == "shortcut":
            assert p.shortcut and p.shortcut in p.prompt
        else:
            assert p.shortcut is None and p.intent in p.prompt
    assert len(drills.next_recall(lily, n=2)) == 2
    assert [p.phrase_key for p in drills.next_recall(lily, brand="qingkuo")] == ["shared-ship"]


def test_wrong_answer_is_due_sooner_than_a_right_one(
    lib: Services, drills: PhraseDrillService, clock: Clock
) -> None:
    lily = login(lib, "lily")
    right = drills.answer_recall(lily, "qy-hello", "HY1", 3.0)
    wrong = drills.answer_recall(lily, "shared-ship", "hy1", 3.0)
    assert right.correct and right.rating == "good" and right.matched_key == "qy-hello"
    assert not wrong.correct and wrong.rating == "again" and wrong.matched_key is None
    assert (wrong.expected_shortcut, wrong.expected_text) == ("wl1", SHIP.text)
    assert START < wrong.next_due < right.next_due
    # the same again after both became due: the wrong one comes back first, the right one later
    clock.now = max(right.next_due, wrong.next_due) + timedelta(seconds=1)
    due = drills.next_recall(lily)
    assert [p.phrase_key for p in due[:2]] == ["shared-ship", "qy-hello"]  # most overdue first
    assert not any(p.is_new for p in due[:2])
    again_right = drills.answer_recall(lily, "qy-hello", "hy1", 2.0)
    again_wrong = drills.answer_recall(lily, "shared-ship", "不知道", 2.0)
    assert again_wrong.next_due - clock.now < again_right.next_due - clock.now
    assert again_right.next_due - clock.now > right.next_due - START  # the interval grows


def test_cards_not_due_are_not_offered_and_are_stored_as_fsrs_json(
    lib: Services, drills: PhraseDrillService, clock: Clock
) -> None:
    lily = login(lib, "lily")
    drills.answer_recall(lily, "qy-hello", "hy1", 3.0)
    assert "qy-hello" not in [p.phrase_key for p in drills.next_recall(lily)]
    assert drills.due_count(lily) == 0
    with lib.db.session() as s:
        card = s.scalars(select(PhraseDrillCard)).one()
        assert card.user_id == lily.user_id and card.reviews == 1 and card.lapses == 0
        assert {"stability", "difficulty", "state", "due"} <= set(card.card)
    clock.now += timedelta(days=30)
    assert drills.due_count(lily) == 1


def test_intent_mode_accepts_any_wording_of_the_intent_shortcut_mode_wants_the_text(
    lib: Services, drills: PhraseDrillService
) -> None:
    lily = login(lib, "lily")
    sibling = drills.answer_recall(lily, "qy-hello", "hy2", 2.0, mode="intent")
    assert sibling.correct and sibling.matched_key == "qy-hello-2"
    assert drills.answer_recall(lily, "qy-hello", "亲，欢迎光临小屿家～想了解哪款洗衣液呢", 9.0).correct
    # shown the shortcut, typing it back is not an answer; the wording is
    assert not drills.answer_recall(lily, "shared-ship", "wl1", 2.0, mode="shortcut").correct
    ok = drills.answer_recall(lily, "shared-ship", "亲，订单已经发出，正在运输途中～", 25.0, mode="shortcut")
    assert ok.correct and ok.rating == "hard"  # right but slow


def test_recall_attempts_are_stored_and_count_as_usage(lib: Services, drills: PhraseDrillService) -> None:
    lily = login(lib, "lily")
    drills.next_recall(lily)  # handing out prompts is not a use
    assert usage(lib, "qy-hello") == 0
    drills.answer_recall(lily, "qy-hello", "hy1", 3.0)
    drills.answer_recall(lily, "qy-hello", "错的", 4.0)
    assert usage(lib, "qy-hello") == 2
    history = drills.history(lily, kind="recall")
    assert [(h.answer, h.correct, h.seconds) for h in history] == [("错的", False, 4.0), ("hy1", True, 3.0)]
    assert history[0].phrase_keys == ("qy-hello",) and history[0].mode == "intent" and history[0].prompt


def test_recall_rejects_bad_input(lib: Services, drills: PhraseDrillService) -> None:
    lily, tom = login(lib, "lily"), login(lib, "tom")
    with pytest.raises(NotFound):
        drills.answer_recall(lily, "nope", "x", 1.0)
    with pytest.raises(PermissionDenied):
        drills.answer_recall(tom, "qy-hello", "hy1", 1.0)  # not his brand
    with pytest.raises(InvalidInput):
        drills.answer_recall(lily, "qy-hello", "hy1", -1.0)
    with pytest.raises(InvalidInput):
        drills.answer_recall(lily, "qy-hello", "hy1", 1.0, mode="bogus")  # type: ignore[arg-type]
    with pytest.raises(PermissionDenied):
        drills.next_recall(SYSTEM)
    with lib.db.session() as s:
        assert s.scalars(select(PhraseDrillAttempt)).all() == []


# --- typing ---------------------------------------------------------------------------------------


def test_typing_text_is_made_of_real_phrases_with_placeholders_filled(
    lib: Services, drills: PhraseDrillService
) -> None:
    lily = login(lib, "lily")
    t = drills.typing_text(lily, length=30, seed=1)
    assert t.phrase_keys and set(t.phrase_keys) <= {"qy-hello", "qy-hello-2", "shared-ship"}
    assert "{" not in t.text and "}" not in t.text
    assert len(t.text) >= 30 or len(t.phrase_keys) == 3
    assert drills.typing_text(lily, length=1, seed=1).phrase_keys == t.phrase_keys[:1]
    assert set(drills.typing_text(lily, brand="qingkuo", length=500).phrase_keys) == {"shared-ship"}


def test_typing_scores_with_penalty_and_is_stored(lib: Services, drills: PhraseDrillService) -> None:
    lily = login(lib, "lily")
    target = TypingText("亲，欢迎光临小屿家～想了解哪款洗衣液呢？", ("qy-hello-2",))
    # 20 characters in 10 seconds with one wrong character: 120 字/分 gross, (19 - 5) / 10 s net
    result = drills.submit_typing(lily, target, "亲，欢迎光临小屿家～想了解哪个洗衣液呢？", 10.0)
    assert (result.correct, result.errors) == (19, 1)
    assert result.cpm == pytest.approx(120.0)
    assert result.net_cpm == pytest.approx(84.0)
    assert result.accuracy == pytest.approx(19 / 20)
    perfect = drills.submit_typing(lily, target.text, target.text, 20.0)
    assert perfect.net_cpm == pytest.approx(60.0)
    assert usage(lib, "qy-hello-2") == 1  # a plain text counts no phrase
    rows = drills.history(lily, kind="typing")
    assert [(r.cpm, r.net_cpm) for r in rows] == [
        (pytest.approx(60.0), pytest.approx(60.0)),
        (pytest.approx(120.0), pytest.approx(84.0)),
    ]
    assert rows[1].phrase_keys == ("qy-hello-2",) and rows[1].correct is None
    with pytest.raises(InvalidInput):
        drills.submit_typing(lily, target, "x", float("nan"))


def test_stats_per_agent(lib: Services, drills: PhraseDrillService) -> None:
    lily = login(lib, "lily")
    empty = drills.stats(lily)
    assert (empty.recall_attempts, empty.recall_accuracy, empty.typing_best_cpm) == (0, None, None)
    drills.answer_recall(lily, "qy-hello", "hy1", 2.0)
    drills.answer_recall(lily, "qy-hello-2", "hy9", 4.0)
    drills.answer_recall(lily, "shared-ship", "wl1", 3.0)
    text = "亲，欢迎光临小屿家～想了解哪款洗衣液呢？"
    drills.submit_typing(lily, text, text, 10.0)  # 120
    drills.submit_typing(lily, text, text, 20.0)  # 60
    st = drills.stats(lily)
    assert (st.recall_attempts, st.recall_correct, st.recall_accuracy) == (3, 2, pytest.approx(2 / 3))
    assert st.recall_avg_seconds == pytest.approx(3.0)
    assert (st.typing_attempts, st.typing_avg_cpm, st.typing_best_cpm) == (
        2,
        pytest.approx(90.0),
        pytest.approx(120.0),
    )
    assert st.typing_best_net_cpm == pytest.approx(120.0) and st.typing_avg_accuracy == pytest.approx(1.0)
    assert (st.cards, st.due_now, st.login, st.display_name) == (3, 0, "lily", "李丽")


# --- permissions ----------------------------------------------------------------------------------


def test_history_and_stats_permissions(lib: Services, drills: PhraseDrillService) -> None:
    lily, tom = login(lib, "lily"), login(lib, "tom")
    team_trainer, free_trainer, manager = login(lib, "peixun"), login(lib, "zongpei"), login(lib, "boss")
    drills.answer_recall(lily, "qy-hello", "hy1", 2.0)
    drills.answer_recall(tom, "shared-ship", "wl1", 2.0)
    assert lily.user_id is not None and tom.user_id is not None
    # agents: their own only
    assert len(drills.history(lily)) == 1
    with pytest.raises(PermissionDenied):
        drills.history(lily, tom.user_id)
    with pytest.raises(PermissionDenied):
        drills.stats(tom, lily.user_id)
    assert [s.login for s in drills.team_stats(lily)] == ["lily"]
    # a trainer with a team: that team
    assert drills.stats(team_trainer, lily.user_id).recall_attempts == 1
    with pytest.raises(PermissionDenied):
        drills.history(team_trainer, tom.user_id)
    assert [s.login for s in drills.team_stats(team_trainer)] == ["lily"]
    # a trainer without a team, and a manager: everyone
    assert len(drills.history(free_trainer, tom.user_id)) == 1
    assert {s.login for s in drills.team_stats(free_trainer)} == {"lily", "tom"}
    assert {s.login for s in drills.team_stats(manager)} == {"lily", "tom"}
    assert drills.stats(manager, tom.user_id).recall_correct == 1
    with pytest.raises(NotFound):
        drills.history(manager, 99999)
    # the command-line operator sees everyone but cannot drill
    assert len(drills.history(SYSTEM, lily.user_id)) == 1
    with pytest.raises(PermissionDenied):
        drills.submit_typing(SYSTEM, "你好", "你好", 1.0)


def test_services_facade_has_drills_and_review(lib: Services) -> None:
    assert isinstance(lib.phrase_drills, PhraseDrillService)
    assert lib.phrase_review is not None
