"""Draft collaboration: comments and proposed wordings on team phrases, decided by trainers."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from cstrainer.domain.accounts import Role
from cstrainer.domain.phrases import PhraseItem
from cstrainer.services import SYSTEM, Actor, InvalidInput, NotFound, PermissionDenied, Services
from cstrainer.services.phrases import PhraseLintRejected
from cstrainer.storage.models import AuditEntry, Brand

PASSWORD = "pass-1234"

HELLO = PhraseItem(
    "qy-hello", "qinyu", "迎宾", "问候", "hy1", "{顾客昵称}你好呀～小屿在的，请问有什么可以帮您？"
)
KUO = PhraseItem("qk-size", "qingkuo", "咨询", "尺码", "cm1", "麻烦亲报一下腰围和身高，帮您选准尺码～")
SHIP = PhraseItem("shared-ship", None, "物流查询", "已发货", "wl1", "亲，订单 {订单号} 已经发出～")


@pytest.fixture
def lib(services: Any) -> Services:
    s: Services = services
    with s.db.session() as db:
        db.add_all([Brand(key="qinyu", name="沁屿"), Brand(key="qingkuo", name="轻廓")])
    s.users.add(SYSTEM, "peixun", "培训师", PASSWORD, Role.TRAINER)
    s.users.add(SYSTEM, "lily", "李丽", PASSWORD, Role.AGENT, brand_keys=["qinyu"])
    s.users.add(SYSTEM, "tom", "汤姆", PASSWORD, Role.AGENT, brand_keys=["qingkuo"])
    for item in (HELLO, KUO, SHIP):
        s.phrases.save_team(SYSTEM, item)
    s.phrases.refresh_seconds = 0.0
    s.phrases.background = False
    return s


def login(s: Services, who: str) -> Actor:
    return s.auth.login(who, PASSWORD)


def test_agent_comments_and_proposes_trainer_sees_them_with_author(lib: Services) -> None:
    lily, trainer = login(lib, "lily"), login(lib, "peixun")
    c = lib.phrase_review.comment(lily, "qy-hello", "  开头可以更热情一点  ")
    p = lib.phrase_review.propose(lily, "qy-hello", "{顾客昵称}你好呀～欢迎来到小屿家，想了解哪款呢？")
    assert (c.kind, c.text, c.status, c.author_login, c.author_name) == (
        "comment",
        "开头可以更热情一点",
        "open",
        "lily",
        "李丽",
    )
    assert p.kind == "proposal" and p.created_at.tzinfo is not None and p.decided_at is None
    thread = lib.phrase_review.list_for_phrase(trainer, "qy-hello")
    assert [x.id for x in thread] == [c.id, p.id]
    assert [x.id for x in lib.phrase_review.list_open(trainer)] == [c.id, p.id]
    assert [x.id for x in lib.phrase_review.list_open(trainer, kind="proposal")] == [p.id]
    assert lib.phrase_review.open_counts(trainer) == {"qy-hello": 2}


def test_accepting_a_proposal_changes_the_phrase_through_save_team(lib: Services) -> None:
    lily, trainer = login(lib, "lily"), login(lib, "peixun")
    new_text = "{顾客昵称}你好呀～欢迎来到小屿家，想了解哪款呢？"
    p = lib.phrase_review.propose(lily, "qy-hello", new_text)
    before = lib.phrases.get_team(trainer, "qy-hello")
    decision = lib.phrase_review.accept(trainer, p.id, note="采纳", expected_version=before.version)
    assert decision.saved is not None and decision.saved.phrase.text == new_text
    assert (decision.comment.status, decision.comment.decided_by, decision.comment.decision_note) == (
        "accepted", "peixun", "采纳",
    )  # fmt: skip
    after = lib.phrases.get_team(trainer, "qy-hello")
    assert (after.text, after.version, after.updated_by, after.shortcut) == (
        new_text,
        before.version + 1,
        "peixun",
        "hy1",
    )
    assert lib.phrase_review.list_open(trainer) == []
    # a decision is final
    with pytest.raises(InvalidInput):
        lib.phrase_review.reject(trainer, p.id)
    with lib.db.session() as s:
        actions = [a.action for a in s.scalars(select(AuditEntry))]
    assert "phrase_proposal_accepted" in actions and "phrase_changed" in actions


def test_accept_respects_expected_version_and_leaves_the_proposal_open(lib: Services) -> None:
    lily, trainer = login(lib, "lily"), login(lib, "peixun")
    p = lib.phrase_review.propose(lily, "qy-hello", "您好呀～小屿在的，请问有什么可以帮您？")
    version = lib.phrases.get_team(trainer, "qy-hello").version
    with pytest.raises(InvalidInput):
        lib.phrase_review.accept(trainer, p.id, expected_version=version - 1)
    assert lib.phrase_review.get(trainer, p.id).status == "open"


def test_rejecting_keeps_the_phrase(lib: Services) -> None:
    lily, trainer = login(lib, "lily"), login(lib, "peixun")
    p = lib.phrase_review.propose(lily, "qy-hello", "你好，在的。")
    c = lib.phrase_review.comment(lily, "qy-hello", "挺好")
    d = lib.phrase_review.reject(trainer, p.id, note="太生硬")
    assert (d.comment.status, d.comment.decision_note, d.saved) == ("rejected", "太生硬", None)
    assert lib.phrase_review.accept(trainer, c.id).comment.status == "accepted"  # a comment: taken on board
    assert lib.phrases.get_team(trainer, "qy-hello").text == HELLO.text
    assert [x.status for x in lib.phrase_review.list_for_phrase(lily, "qy-hello")] == ["rejected", "accepted"]
    assert lib.phrase_review.list_for_phrase(lily, "qy-hello", include_decided=False) == []


def test_proposals_are_linted_and_validated(lib: Services) -> None:
    lily = login(lib, "lily")
    with pytest.raises(PhraseLintRejected) as err:
        lib.phrase_review.propose(lily, "qy-hello", "这款是全网最好卖的洗衣液哦")
    assert any(h.word == "最" or "最" in h.word for h in err.value.hits)
    with pytest.raises(InvalidInput):
        lib.phrase_review.propose(lily, "qy-hello", "{未知占位}你好")
    with pytest.raises(InvalidInput):
        lib.phrase_review.propose(lily, "qy-hello", HELLO.text)
    with pytest.raises(InvalidInput):
        lib.phrase_review.comment(lily, "qy-hello", "   ")


def test_permissions(lib: Services) -> None:
    lily, tom, trainer = login(lib, "lily"), login(lib, "tom"), login(lib, "peixun")
    p = lib.phrase_review.propose(lily, "qy-hello", "您好呀～小屿在的，请问有什么可以帮您？")
    # agents do not decide
    with pytest.raises(PermissionDenied):
        lib.phrase_review.accept(lily, p.id)
    with pytest.raises(PermissionDenied):
        lib.phrase_review.reject(lily, p.id)
    # an agent of another brand neither sees nor comments on the phrase, nor its thread
    with pytest.raises(PermissionDenied):
        lib.phrase_review.comment(tom, "qy-hello", "我也想说")
    with pytest.raises(PermissionDenied):
        lib.phrase_review.list_for_phrase(tom, "qy-hello")
    assert lib.phrase_review.list_open(tom) == []
    # shared phrases are open to everyone
    assert lib.phrase_review.comment(tom, "shared-ship", "加个单号查询链接？").author_login == "tom"
    assert [c.phrase_key for c in lib.phrase_review.list_open(lily)] == ["qy-hello", "shared-ship"]
    # the command-line operator is nobody: it may decide but not comment
    with pytest.raises(PermissionDenied):
        lib.phrase_review.comment(SYSTEM, "qy-hello", "x")
    with pytest.raises(NotFound):
        lib.phrase_review.comment(lily, "nope", "x")
    assert lib.phrase_review.reject(SYSTEM, p.id).comment.decided_by == "system"
    assert len(lib.phrase_review.list_for_phrase(trainer, "qy-hello")) == 1


def test_thread_of_a_deleted_phrase_stays_for_trainers(lib: Services) -> None:
    lily, trainer = login(lib, "lily"), login(lib, "peixun")
    lib.phrase_review.comment(lily, "qy-hello", "建议删掉")
    lib.phrases.delete_team(trainer, "qy-hello")
    assert len(lib.phrase_review.list_for_phrase(trainer, "qy-hello")) == 1
    assert lib.phrase_review.list_open(trainer) == []  # no longer part of the draft
    with pytest.raises(NotFound):
        lib.phrase_review.list_for_phrase(lily, "qy-hello")
