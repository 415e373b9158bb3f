"""Handbook study: generated and trainers' flashcards, fsrs scheduling, progress and permissions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from cstrainer.domain.accounts import Role
from cstrainer.services import SYSTEM, Actor, InvalidInput, NotFound, PermissionDenied, Services
from cstrainer.services.handbook_study import (
    MASTERED_STABILITY_DAYS,
    NEW_PER_DAY,
    HandbookStudyService,
)
from cstrainer.storage.models import HandbookCardState, Product

PASSWORD = "demo1234"
T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def s(seeded: Any) -> Services:
    return seeded  # type: ignore[no-any-return]


@pytest.fixture
def study(s: Services) -> HandbookStudyService:
    """The service with UTC calendar days, so the new-card limit does not depend on the PC's zone."""
    return HandbookStudyService(s.db, clock=lambda: T0, tz=UTC)


def login(s: Services, who: str) -> Actor:
    return s.auth.login(who, PASSWORD)


def keys(cards: Any) -> set[str]:
    return {c.doc_key for c in cards}


# --- which cards ------------------------------------------------------------------------------------


def test_services_facade_has_the_study_service(s: Services) -> None:
    assert isinstance(s.handbook_study, HandbookStudyService)


def test_agents_see_the_cards_of_their_brands_trainers_all(s: Services, study: HandbookStudyService) -> None:
    kefu, trainer = login(s, "kefu"), login(s, "peixun")  # kefu: 沁屿 only
    mine = study.cards(kefu)
    everything = study.cards(trainer)
    assert len(mine) < len(everything)
    assert "qinyu-liquid" in keys(mine) and "qingkuo-highwaist" not in keys(mine)
    # competitors belong to the brand of our product they are compared with
    assert {"qifen-liquid-3kg", "hexu-wool-wash"} <= keys(mine)
    assert "rouxian-highwaist" not in keys(mine)
    assert {"qingkuo-highwaist", "rouxian-highwaist"} <= keys(everything)
    ids = [c.id for c in everything]
    assert len(ids) == len(set(ids))
    with s.db.session() as db:
        products = list(db.scalars(select(Product.key)))
    for key in products:
        assert len(study.cards(trainer, "product", key)) >= 6


def test_cards_of_one_document(s: Services, study: HandbookStudyService) -> None:
    kefu = login(s, "kefu")
    cards = study.cards(kefu, "product", "qinyu-liquid")
    assert {c.doc_key for c in cards} == {"qinyu-liquid"}
    price = next(c for c in cards if c.id == "gen:qinyu-liquid:price")
    assert price.title == "沁屿香氛洗衣液" and "39.9" in price.back
    rival = study.cards(kefu, key="qifen-liquid-3kg")
    assert {c.doc_kind for c in rival} == {"competitor"}
    assert next(c for c in rival if c.source == "our_product").back == "沁屿香氛洗衣液"
    with pytest.raises(PermissionDenied):
        study.cards(kefu, "product", "qingkuo-highwaist")
    with pytest.raises(NotFound):
        study.cards(kefu, "product", "no-such-product")
    with pytest.raises(InvalidInput) as err:
        study.cards(kefu, "recipe")
    assert err.value.field == "kind"


# --- scheduling --------------------------------------------------------------------------------------


def test_again_comes_back_sooner_than_good(s: Services, study: HandbookStudyService) -> None:
    kefu = login(s, "kefu")
    again = study.review(kefu, "gen:qinyu-liquid:faq:0", 1, now=T0)
    good = study.review(kefu, "gen:qinyu-liquid:faq:1", 3, now=T0, seconds=4.5)
    easy = study.review(kefu, "gen:qinyu-liquid:faq:2", 4, now=T0)
    assert T0 < again < good < easy
    with s.db.session() as db:
        row = db.scalar(
            select(HandbookCardState).where(HandbookCardState.card_id == "gen:qinyu-liquid:faq:0")
        )
        assert row is not None
        assert (row.doc_kind, row.doc_key, row.reviews, row.lapses, row.last_rating) == (
            "product", "qinyu-liquid", 1, 1, 1,
        )  # fmt: skip


def test_queue_due_first_most_overdue_first_then_new(s: Services, study: HandbookStudyService) -> None:
    kefu = login(s, "kefu")
    assert study.queue(kefu, limit=5, now=T0) == study.cards(kefu)[:5]  # nothing studied: new cards in order
    late = study.review(kefu, "gen:qinyu-beads:price", 3, now=T0)  # due in ~10 minutes
    early = study.review(kefu, "gen:qinyu-spray:price", 1, now=T0 + timedelta(minutes=2))  # ~1 minute
    assert early < late
    assert study.queue(kefu, now=T0 + timedelta(minutes=5))[0].id == "gen:qinyu-spray:price"
    later = study.queue(kefu, now=T0 + timedelta(hours=1))
    assert [c.id for c in later[:2]] == ["gen:qinyu-spray:price", "gen:qinyu-beads:price"]
    assert all(c.id not in {"gen:qinyu-spray:price", "gen:qinyu-beads:price"} for c in later[2:])
    assert study.due_count(kefu, now=T0 + timedelta(hours=1)) == 2
    assert study.due_count(kefu, now=T0) == 0
    # only one document's cards
    only = study.queue(kefu, kind="product", key="qinyu-spray", now=T0 + timedelta(hours=1))
    assert only[0].id == "gen:qinyu-spray:price" and keys(only) == {"qinyu-spray"}


def test_at_most_twenty_new_cards_a_day(s: Services, study: HandbookStudyService) -> None:
    kefu = login(s, "kefu")
    assert len(study.cards(kefu)) > NEW_PER_DAY + 5
    first = study.queue(kefu, limit=100, now=T0)
    assert len(first) == NEW_PER_DAY
    for card in first[:15]:
        study.review(kefu, card.id, 3, now=T0)
    later = study.queue(kefu, limit=100, now=T0 + timedelta(hours=2))
    due = [c for c in later if c.id in {x.id for x in first[:15]}]
    assert len(due) == 15 and later[:15] == due  # the learning cards, due again, come first
    assert len(later) - len(due) == NEW_PER_DAY - 15  # and only five new ones today
    for card in later[15:]:
        study.review(kefu, card.id, 3, now=T0 + timedelta(hours=2))
    studied = {x.id for x in first + later}
    assert len(studied) == NEW_PER_DAY
    assert {c.id for c in study.queue(kefu, limit=100, now=T0 + timedelta(hours=3))} == studied  # no new one
    tomorrow = study.queue(kefu, limit=100, now=T0 + timedelta(days=1))
    assert len([c for c in tomorrow if c.id not in studied]) == NEW_PER_DAY
    assert len(study.queue(kefu, limit=3, now=T0 + timedelta(days=1))) == 3


def test_review_checks_its_input(s: Services, study: HandbookStudyService) -> None:
    kefu = login(s, "kefu")
    for bad in (0, 5, True, 2.5):
        with pytest.raises(InvalidInput) as err:
            study.review(kefu, "gen:qinyu-liquid:price", bad, now=T0)  # type: ignore[arg-type]
        assert err.value.field == "rating"
    with pytest.raises(InvalidInput) as err:
        study.review(kefu, "gen:qinyu-liquid:price", 3, now=T0, seconds=-1)
    assert err.value.field == "seconds"
    with pytest.raises(NotFound):
        study.review(kefu, "gen:qinyu-liquid:nothing", 3, now=T0)
    with pytest.raises(NotFound):  # another brand's card is not the agent's to study
        study.review(kefu, "gen:qingkuo-highwaist:price", 3, now=T0)
    with pytest.raises(PermissionDenied):
        study.review(SYSTEM, "gen:qinyu-liquid:price", 3, now=T0)
    with pytest.raises(PermissionDenied):
        study.queue(SYSTEM)


def test_naive_times_are_local_and_the_clock_is_the_default(s: Services, study: HandbookStudyService) -> None:
    kefu = login(s, "kefu")
    due = study.review(kefu, "gen:qinyu-liquid:price", 3)  # at the clock's T0
    assert due.tzinfo is not None and T0 < due < T0 + timedelta(hours=1)
    naive = T0.astimezone().replace(tzinfo=None)
    assert study.review(kefu, "gen:qinyu-beads:price", 3, now=naive) == due


# --- progress ------------------------------------------------------------------------------------------


def _master(study: HandbookStudyService, actor: Actor, card_id: str) -> None:
    when = T0
    for _ in range(4):
        when = max(when, study.review(actor, card_id, 4, now=when))
    with study._db.session() as db:  # the state really is mastered
        row = db.scalar(
            select(HandbookCardState).where(
                HandbookCardState.user_id == actor.user_id, HandbookCardState.card_id == card_id
            )
        )
        assert row is not None and row.card["stability"] >= MASTERED_STABILITY_DAYS


def test_progress_per_product(s: Services, study: HandbookStudyService) -> None:
    kefu = login(s, "kefu")
    study.review(kefu, "gen:qinyu-liquid:price", 1, now=T0)
    study.review(kefu, "gen:qinyu-liquid:faq:0", 3, now=T0)
    _master(study, kefu, "gen:qinyu-liquid:faq:1")
    progress = {p.key: p for p in study.progress(kefu, now=T0 + timedelta(hours=1))}
    liquid = progress["qinyu-liquid"]
    assert liquid.kind == "product" and liquid.title == "沁屿香氛洗衣液"
    assert liquid.total == len(study.cards(kefu, "product", "qinyu-liquid"))
    assert (liquid.seen, liquid.mastered, liquid.due) == (3, 1, 2)
    assert progress["qinyu-beads"].seen == 0 and progress["qinyu-beads"].total >= 6
    assert "qingkuo-highwaist" not in progress and "qifen-liquid-3kg" in progress
    assert all(p.total > 0 for p in progress.values())


def test_progress_of_other_people(s: Services, study: HandbookStudyService) -> None:
    kefu, xinren, trainer, boss = (login(s, who) for who in ("kefu", "xinren", "peixun", "zhuguan"))
    assert kefu.user_id is not None and xinren.user_id is not None
    study.review(xinren, "gen:qingkuo-highwaist:size:0", 3, now=T0)
    with pytest.raises(PermissionDenied):
        study.progress(kefu, xinren.user_id)
    # the trainer (no team: the whole department) sees xinren's progress over xinren's documents
    seen_by_trainer = {p.key: p for p in study.progress(trainer, xinren.user_id, now=T0)}
    assert seen_by_trainer["qingkuo-highwaist"].seen == 1
    assert "qinyu-liquid" not in seen_by_trainer
    assert study.progress(boss, xinren.user_id, now=T0) == list(seen_by_trainer.values())
    with pytest.raises(NotFound):
        study.progress(boss, 99999)


def test_team_progress(s: Services, study: HandbookStudyService) -> None:
    s.users.add(SYSTEM, "zupei", "沁屿组培训师", "pass-1234", Role.TRAINER, team_key="qinyu-presale")
    kefu, xinren, boss = login(s, "kefu"), login(s, "xinren"), login(s, "zhuguan")
    team_trainer = s.auth.login("zupei", "pass-1234")
    study.review(kefu, "gen:qinyu-liquid:price", 3, now=T0)
    _master(study, xinren, "gen:qingkuo-highwaist:price")

    everyone = {p.login: p for p in study.team_progress(boss, now=T0 + timedelta(hours=1))}
    assert {"kefu", "xinren"} <= everyone.keys()
    assert "zhuguan" not in everyone  # managers who never studied are not listed
    assert everyone["kefu"].total == len(study.cards(kefu))
    assert (everyone["kefu"].seen, everyone["kefu"].mastered, everyone["kefu"].due) == (1, 0, 1)
    assert everyone["xinren"].total == len(study.cards(xinren))
    assert (everyone["xinren"].seen, everyone["xinren"].mastered, everyone["xinren"].due) == (1, 1, 0)
    assert everyone["kefu"].display_name == "陈佳怡"
    # an agent sees only their own line
    assert [p.login for p in study.team_progress(kefu, now=T0)] == ["kefu"]
    # a trainer with a team sees that team only
    assert [p.login for p in study.team_progress(team_trainer, now=T0)] == ["kefu"]
    # the department trainer sees everybody, as the manager does
    assert [p.login for p in study.team_progress(login(s, "peixun"), now=T0)] == sorted(everyone)


# --- trainers' cards --------------------------------------------------------------------------------


def test_trainer_cards_add_edit_retire(s: Services, study: HandbookStudyService) -> None:
    trainer, boss, kefu = login(s, "peixun"), login(s, "zhuguan"), login(s, "kefu")
    card = study.add_card(trainer, "product", "qinyu-liquid", " 2kg 瓶装单买多少钱？ ", "69.9 元")
    assert card.id.startswith("t:") and card.source == "trainer" and card.version == 1
    assert (card.front, card.back, card.title) == ("2kg 瓶装单买多少钱？", "69.9 元", "沁屿香氛洗衣液")
    liquid = study.cards(kefu, "product", "qinyu-liquid")
    assert liquid[-1] == card  # after the generated cards of the document
    assert study.get_card(kefu, card.id) == card

    # an agent studies it, then the trainer rewords it: the schedule is kept
    study.review(kefu, card.id, 3, now=T0)
    edited = study.update_card(trainer, card.id, "2kg 瓶装单买日常价多少？", "69.9 元", expected_version=1)
    assert edited.version == 2 and edited.front == "2kg 瓶装单买日常价多少？"
    assert card.id not in {c.id for c in study.queue(kefu, limit=100, now=T0)}  # not new again
    assert next(p for p in study.progress(kefu, now=T0) if p.key == "qinyu-liquid").seen == 1
    # unchanged text: no new version
    assert study.update_card(trainer, card.id, edited.front, edited.back).version == 2

    # a manager working from a stale copy is told who changed it
    with pytest.raises(InvalidInput) as err:
        study.update_card(boss, card.id, "别的问题", "别的答案", expected_version=1)
    assert err.value.field == "version" and "peixun" in str(err.value)
    assert study.get_card(trainer, card.id).front == "2kg 瓶装单买日常价多少？"

    study.retire_card(boss, card.id)
    assert card.id not in {c.id for c in study.cards(trainer)}
    with pytest.raises(NotFound):
        study.review(kefu, card.id, 3, now=T0)
    with pytest.raises(NotFound):
        study.update_card(trainer, card.id, "x", "y")
    with pytest.raises(NotFound):
        study.retire_card(trainer, card.id)
    total = next(p for p in study.progress(kefu, now=T0) if p.key == "qinyu-liquid")
    assert (total.total, total.seen) == (len(liquid) - 1, 0)

    audit = [(r.action, r.actor_login) for r in s.audit.recent(boss) if r.entity == "handbook_cards"]
    assert audit[:3] == [
        ("handbook_card.retire", "zhuguan"), ("handbook_card.edit", "peixun"), ("handbook_card.add", "peixun"),
    ]  # fmt: skip


def test_trainer_cards_for_entries_and_competitors(s: Services, study: HandbookStudyService) -> None:
    trainer, kefu, xinren = login(s, "peixun"), login(s, "kefu"), login(s, "xinren")
    entry = study.add_card(
        trainer, "entry", "qinyu-brand-intro", "沁屿三款常驻香型？", "白茶海盐、晨露小苍兰、雪松琥珀"
    )
    rival = study.add_card(trainer, "competitor", "rouxian-highwaist", "柔线三条装多少钱？", "99 元")
    assert entry.id in {c.id for c in study.cards(kefu)}
    assert entry.id not in {c.id for c in study.cards(xinren)}
    assert rival.id in {c.id for c in study.cards(xinren)}
    assert rival.id not in {c.id for c in study.cards(kefu)}
    assert any(p.key == "qinyu-brand-intro" and p.total == 1 for p in study.progress(kefu, now=T0))


def test_only_trainers_and_managers_write_cards(s: Services, study: HandbookStudyService) -> None:
    kefu, trainer = login(s, "kefu"), login(s, "peixun")
    with pytest.raises(PermissionDenied):
        study.add_card(kefu, "product", "qinyu-liquid", "问", "答")
    card = study.add_card(trainer, "product", "qinyu-liquid", "问", "答")
    with pytest.raises(PermissionDenied):
        study.update_card(kefu, card.id, "改", "改")
    with pytest.raises(PermissionDenied):
        study.retire_card(kefu, card.id)
    with pytest.raises(InvalidInput) as err:
        study.add_card(trainer, "product", "qinyu-liquid", "  ", "答")
    assert err.value.field == "front"
    with pytest.raises(InvalidInput) as err:
        study.add_card(trainer, "product", "qinyu-liquid", "问", "")
    assert err.value.field == "back"
    with pytest.raises(InvalidInput) as err:
        study.add_card(trainer, "recipe", "qinyu-liquid", "问", "答")
    assert err.value.field == "kind"
    with pytest.raises(NotFound):
        study.add_card(trainer, "product", "no-such-product", "问", "答")
    with pytest.raises(InvalidInput) as err:
        study.update_card(trainer, "gen:qinyu-liquid:price", "问", "答")
    assert err.value.field == "card_id"
    with pytest.raises(NotFound):
        study.update_card(trainer, "t:987654", "问", "答")


def test_a_changed_product_keeps_the_schedules_of_its_cards(s: Services, study: HandbookStudyService) -> None:
    kefu = login(s, "kefu")
    due = study.review(kefu, "gen:qinyu-liquid:faq:0", 3, now=T0)
    with s.db.session() as db:
        row = db.scalar(select(Product).where(Product.key == "qinyu-liquid"))
        assert row is not None
        data = dict(row.data)
        data["faq"] = [dict(f) for f in data["faq"]]
        data["faq"][0]["a"] = "一般能闻到 3-7 天。"
        row.data, row.version = data, row.version + 1
    card = study.get_card(kefu, "gen:qinyu-liquid:faq:0")
    assert card.back == "一般能闻到 3-7 天。"
    assert card.id not in {c.id for c in study.queue(kefu, limit=100, now=T0)}
    assert study.queue(kefu, now=due)[0].id == card.id
