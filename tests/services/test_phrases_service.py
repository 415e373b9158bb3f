"""The phrase library service: team and personal phrases, search as you type, linter, usage."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from cstrainer.domain.accounts import Role
from cstrainer.domain.phrases import PhraseItem
from cstrainer.services import SYSTEM, Actor, InvalidInput, NotFound, PermissionDenied, Services
from cstrainer.services.phrases import PhraseLintRejected
from cstrainer.storage.database import open_database
from cstrainer.storage.models import AuditEntry, Brand, PersonalPhrase, Phrase

PASSWORD = "pass-1234"

HELLO = PhraseItem(
    "qy-hello", "qinyu", "迎宾", "问候", "hy1", "{顾客昵称}你好呀～小屿在的，请问有什么可以帮您？", ("问候",)
)
HELLO2 = PhraseItem("qy-hello-2", "qinyu", "迎宾", "问候", "hy2", "亲，欢迎光临小屿家～想了解哪款洗衣液呢？")
SHIP = PhraseItem(
    "shared-ship", None, "物流查询", "已发货", "wl1", "亲，订单 {订单号} 已经发出，正在运输途中～", ("物流",)
)
KUO = PhraseItem("qk-size", "qingkuo", "咨询", "尺码", "cm1", "麻烦亲报一下腰围和身高，帮您选准尺码～")
FLAGGED = PhraseItem("qy-best", "qinyu", "推荐", "主推", "tj1", "这款是我们家最好卖的洗衣液哦")


@pytest.fixture
def lib(services: Any) -> Services:
    s: Services = services
    with s.db.session() as db:
        db.add_all([Brand(key="qinyu", name="沁屿"), Brand(key="qingkuo", name="轻廓")])
    s.users.add(SYSTEM, "peixun", "培训师", PASSWORD, Role.TRAINER)
    s.users.add(SYSTEM, "lily", "李丽", PASSWORD, Role.AGENT, brand_keys=["qinyu"])
    s.users.add(SYSTEM, "tom", "汤姆", PASSWORD, Role.AGENT, brand_keys=["qingkuo"])
    for item in (HELLO, HELLO2, SHIP, KUO):
        s.phrases.save_team(SYSTEM, item)
    # tests look at the database after every change and wait for rebuilds
    s.phrases.refresh_seconds = 0.0
    s.phrases.background = False
    return s


def login(s: Services, who: str) -> Actor:
    return s.auth.login(who, PASSWORD)


def shortcuts(hits: list[Any]) -> list[str]:
    return [h.phrase.shortcut for h in hits]


# --- search -------------------------------------------------------------------------------------


def test_search_by_exact_shortcut_comes_first(lib: Services) -> None:
    hits = lib.phrases.search(SYSTEM, "hy1")
    assert hits[0].phrase.key == "qy-hello" and hits[0].match == "shortcut"


def test_search_by_shortcut_prefix(lib: Services) -> None:
    hits = lib.phrases.search(SYSTEM, "hy")
    assert sorted(shortcuts(hits)[:2]) == ["hy1", "hy2"]
    assert {h.match for h in hits[:2]} == {"shortcut_prefix"}


def test_search_by_pinyin_initials(lib: Services) -> None:
    # 你好 -> nh; the placeholder {顾客昵称} before it is not part of the initials
    hits = lib.phrases.search(SYSTEM, "nh")
    assert shortcuts(hits) == ["hy1"] and hits[0].match == "pinyin"
    assert shortcuts(lib.phrases.search(SYSTEM, "qd"))[0] == "wl1"  # 亲，订单


def test_search_by_words_and_prefix_of_the_last_word(lib: Services) -> None:
    assert shortcuts(lib.phrases.search(SYSTEM, "运输")) == ["wl1"]
    assert shortcuts(lib.phrases.search(SYSTEM, "洗衣")) == ["hy2"]  # typing 洗衣液
    assert shortcuts(lib.phrases.search(SYSTEM, "亲 尺码")) == ["cm1"]  # every word must match
    assert shortcuts(lib.phrases.search(SYSTEM, "物流")) == ["wl1"]  # tags are searched
    assert lib.phrases.search(SYSTEM, "退款") == []
    assert lib.phrases.search(SYSTEM, "  ") == []


def test_ranking_exact_then_prefix_then_pinyin_then_words(lib: Services) -> None:
    lib.phrases.save_team(SYSTEM, PhraseItem("x-1", None, "咨询", "测", "qd", "好的亲，马上为您查询"))
    lib.phrases.save_team(SYSTEM, PhraseItem("x-2", None, "咨询", "测", "qd2", "在的亲"))
    hits = lib.phrases.search(SYSTEM, "qd")
    assert [(h.phrase.key, h.match) for h in hits] == [
        ("x-1", "shortcut"),
        ("x-2", "shortcut_prefix"),
        ("shared-ship", "pinyin"),
    ]


def test_agent_sees_own_brands_shared_and_own_personal_phrases(lib: Services) -> None:
    lily, tom = login(lib, "lily"), login(lib, "tom")
    lib.phrases.save_personal(lily, PhraseItem("my-hi", None, "迎宾", "问候", "nh1", "你好亲，我是小李"))
    assert set(shortcuts(lib.phrases.search(lily, "hy"))) == {"hy1", "hy2"}
    assert lib.phrases.search(tom, "hy") == []  # another brand's phrases
    assert shortcuts(lib.phrases.search(tom, "wl1")) == ["wl1"]  # shared
    assert shortcuts(lib.phrases.search(tom, "cm")) == ["cm1"]
    mine = lib.phrases.search(lily, "nh1")
    assert mine[0].phrase.scope == "personal" and mine[0].match == "shortcut"
    assert lib.phrases.search(tom, "nh1") == []  # nobody else's personal phrases
    assert lib.phrases.search(SYSTEM, "nh1") == []
    # trainers see the whole team library
    assert {"hy1", "cm1"} <= set(shortcuts(lib.phrases.search(login(lib, "peixun"), "帮您")))


def test_search_filters_by_brand_and_scene(lib: Services) -> None:
    assert set(shortcuts(lib.phrases.search(SYSTEM, "亲", brand="qingkuo"))) == {"cm1", "wl1"}
    assert shortcuts(lib.phrases.search(SYSTEM, "亲", scene="物流查询")) == ["wl1"]


def test_more_used_phrases_rank_higher_within_a_kind(lib: Services) -> None:
    for _ in range(3):
        lib.phrases.record_use(SYSTEM, "qy-hello-2")
    lib.phrases.invalidate()
    assert shortcuts(lib.phrases.search(SYSTEM, "hy"))[:2] == ["hy2", "hy1"]


def test_index_sees_changes_made_by_another_process(lib: Services) -> None:
    assert shortcuts(lib.phrases.search(SYSTEM, "wl1")) == ["wl1"]
    other = Services(lib.db)  # a second app on the same database
    other.phrases.save_team(SYSTEM, PhraseItem("shared-new", None, "送别", "感谢", "xx9", "感谢亲的耐心等待"))
    other.phrases.delete_team(SYSTEM, "shared-ship")
    assert shortcuts(lib.phrases.search(SYSTEM, "xx9")) == ["xx9"]
    assert lib.phrases.search(SYSTEM, "wl1") == []


def test_rebuilds_run_in_the_background_while_the_old_index_answers(lib: Services) -> None:
    lib.phrases.background = True
    assert shortcuts(lib.phrases.search(SYSTEM, "wl1")) == ["wl1"]
    lib.phrases.save_team(SYSTEM, PhraseItem("shared-new", None, "送别", "感谢", "xx9", "感谢亲的耐心等待"))
    lib.phrases.search(SYSTEM, "xx9")  # may still answer from the previous index
    lib.phrases.wait_until_fresh(timeout=30)
    assert shortcuts(lib.phrases.search(SYSTEM, "xx9")) == ["xx9"]


def test_imported_rows_without_search_columns_are_indexed(lib: Services) -> None:
    with lib.db.session() as db:
        db.execute(update(Phrase).values(search_text="", initials=""))
    lib.phrases.invalidate()
    assert shortcuts(lib.phrases.search(SYSTEM, "nh")) == ["hy1"]
    with lib.db.session() as db:
        assert all(t.strip() for t in db.scalars(select(Phrase.search_text)))


# --- saving, permissions, linter ------------------------------------------------------------------


def test_agents_cannot_edit_the_team_library(lib: Services) -> None:
    lily = login(lib, "lily")
    with pytest.raises(PermissionDenied):
        lib.phrases.save_team(lily, replace(HELLO, text="改一下"))
    with pytest.raises(PermissionDenied):
        lib.phrases.delete_team(lily, "qy-hello")


def test_team_saves_are_versioned_and_guarded(lib: Services) -> None:
    trainer = login(lib, "peixun")
    res = lib.phrases.save_team(trainer, replace(HELLO, text="您好呀～小屿在的"), expected_version=1)
    assert not res.created and res.phrase.version == 2 and res.phrase.updated_by == "peixun"
    with pytest.raises(InvalidInput, match="已被"):
        lib.phrases.save_team(trainer, replace(HELLO, text="旧版本上改"), expected_version=1)
    assert lib.phrases.get_team(trainer, "qy-hello").text == "您好呀～小屿在的"


def test_invalid_items_are_refused(lib: Services) -> None:
    with pytest.raises(InvalidInput):
        lib.phrases.save_team(SYSTEM, replace(HELLO, shortcut="HY 1"))
    with pytest.raises(InvalidInput):
        lib.phrases.save_team(SYSTEM, replace(HELLO, text="{未知占位符}你好"))
    with pytest.raises(InvalidInput, match="品牌"):
        lib.phrases.save_team(SYSTEM, replace(HELLO, brand="nobrand"))


def test_linter_refuses_flagged_text_without_justification(lib: Services) -> None:
    trainer = login(lib, "peixun")
    with pytest.raises(PhraseLintRejected) as err:
        lib.phrases.save_team(trainer, FLAGGED)
    hits = err.value.hits
    assert [(h.word, h.start, h.end, h.rule) for h in hits] == [
        ("最好", 6, 8, "absolute_terms"),
        ("最", 6, 7, "absolute_terms"),
    ]
    assert all(FLAGGED.text[h.start : h.end] == h.word and h.reason for h in hits)
    with lib.db.session() as db:
        assert db.scalar(select(Phrase).where(Phrase.key == FLAGGED.key)) is None


def test_trainer_keeps_flagged_phrase_with_justification_audited(lib: Services) -> None:
    trainer = login(lib, "peixun")
    why = "销量第一有平台榜单截图为证，法务已确认"
    res = lib.phrases.save_team(trainer, FLAGGED, justification=why)
    assert res.phrase.lint_justification == why and [h.word for h in res.lint_hits] == ["最好", "最"]
    with lib.db.session() as db:
        entry = db.scalars(select(AuditEntry).where(AuditEntry.action == "phrase_lint_override")).one()
        assert (entry.actor_login, entry.entity_key) == ("peixun", FLAGGED.key)
        assert entry.detail["justification"] == why and entry.detail["hits"][0]["word"] == "最好"
    # fixing the text clears the justification
    clean = lib.phrases.save_team(trainer, replace(FLAGGED, text="这款是我们家的热销洗衣液哦"))
    assert clean.phrase.lint_justification == "" and clean.lint_hits == ()


def test_agents_cannot_keep_flagged_personal_phrases(lib: Services) -> None:
    lily = login(lib, "lily")
    item = PhraseItem("my-wx", None, "咨询", "引流", "wx1", "加微信给您优惠")
    with pytest.raises(PhraseLintRejected):
        lib.phrases.save_personal(lily, item, justification="我觉得可以")
    assert lib.phrases.list_personal(lily) == []


def test_lint_reports_every_hit_with_positions(lib: Services) -> None:
    hits = lib.phrases.lint("全网最低价，加微信返现")
    assert [(h.word, h.start, h.end) for h in hits][:2] == [("全网最低", 0, 4), ("最低价", 2, 5)]
    assert {h.rule for h in hits} >= {"absolute_terms", "off_platform"}
    assert lib.phrases.lint("亲，在的～") == []


# --- personal phrases ------------------------------------------------------------------------------


def test_personal_phrases_belong_to_their_owner(lib: Services) -> None:
    lily, tom = login(lib, "lily"), login(lib, "tom")
    item = PhraseItem("my-hi", None, "迎宾", "问候", "nh1", "你好亲，我是小李")
    assert lib.phrases.save_personal(lily, item).created
    lib.phrases.save_personal(tom, replace(item, text="你好亲，我是汤姆"))  # same key, another person
    assert [p.text for p in lib.phrases.list_personal(lily)] == ["你好亲，我是小李"]
    again = lib.phrases.save_personal(lily, replace(item, text="你好亲，我是小李～"))
    assert not again.created and again.phrase.version == 2
    lib.phrases.delete_personal(tom, "my-hi")
    assert lib.phrases.list_personal(tom) == [] and len(lib.phrases.list_personal(lily)) == 1
    with pytest.raises(PermissionDenied):
        lib.phrases.list_personal(SYSTEM)


def test_personal_phrases_survive_a_library_import(lib: Services, tmp_path: Any) -> None:
    lily = login(lib, "lily")
    mine = PhraseItem("qy-hello", "qinyu", "迎宾", "问候", "hy1", "我自己的问候语")  # same key as the team's
    lib.phrases.save_personal(lily, mine)
    pack = tmp_path / "phrases.yaml"
    pack.write_text(
        "schema_version: 1\nkind: phrases\nitems:\n"
        "  - {key: qy-hello, brand: qinyu, scene: 迎宾, intent: 问候, shortcut: hy1, text: 新版团队问候}\n",
        encoding="utf-8",
    )
    lib.content.import_paths(SYSTEM, [pack])
    assert lib.phrases.get_team(SYSTEM, "qy-hello").text == "新版团队问候"
    assert [p.text for p in lib.phrases.list_personal(lily)] == ["我自己的问候语"]
    # the import cleared the search columns; search finds the new wording
    assert [h.phrase.scope for h in lib.phrases.search(lily, "新版")] == ["team"]


# --- usage counts -----------------------------------------------------------------------------------


def test_record_use_counts_team_and_personal_phrases(lib: Services) -> None:
    lily = login(lib, "lily")
    assert lib.phrases.record_use(lily, "qy-hello") == 1
    assert lib.phrases.record_use(lily, "qy-hello") == 2
    lib.phrases.save_personal(lily, PhraseItem("my-hi", None, "迎宾", "问候", "nh1", "你好亲"))
    assert lib.phrases.record_use(lily, "my-hi", scope="personal") == 1
    assert lib.phrases.get_team(SYSTEM, "qy-hello").usage_count == 2
    assert lib.phrases.search(lily, "hy1")[0].phrase.usage_count == 2
    assert {p.key: p.usage_count for p in lib.phrases.list_team(SYSTEM)}["qy-hello"] == 2
    with pytest.raises(NotFound):
        lib.phrases.record_use(lily, "nope")
    with pytest.raises(NotFound):
        lib.phrases.record_use(login(lib, "tom"), "my-hi", scope="personal")


def test_record_use_keeps_the_change_stamp(lib: Services) -> None:
    with lib.db.session() as db:
        before = db.scalar(select(Phrase.updated_at).where(Phrase.key == "qy-hello"))
    lib.phrases.record_use(SYSTEM, "qy-hello")
    with lib.db.session() as db:
        assert db.scalar(select(Phrase.updated_at).where(Phrase.key == "qy-hello")) == before


def test_deleting_a_person_deletes_their_phrases(lib: Services) -> None:
    lily = login(lib, "lily")
    lib.phrases.save_personal(lily, PhraseItem("my-hi", None, "迎宾", "问候", "nh1", "你好亲"))
    with lib.db.session() as db:
        from cstrainer.storage.models import User

        db.delete(db.scalars(select(User).where(User.login == "lily")).one())
    with lib.db.session() as db:
        assert db.scalars(select(PersonalPhrase)).all() == []


# --- releases -----------------------------------------------------------------------------------------

D1, D2, D3 = date(2026, 11, 9), date(2026, 11, 23), date(2026, 12, 7)


def test_publish_stores_an_immutable_snapshot(lib: Services) -> None:
    trainer = login(lib, "peixun")
    info = lib.phrases.publish(trainer, "2026.11.1", "首个版本", on=D1)
    assert (info.version, info.date, info.author, info.items, info.source) == (
        "2026.11.1",
        D1,
        "peixun",
        4,
        "published",
    )
    assert len(info.sha256) == 64
    lib.phrases.save_team(trainer, replace(HELLO, text="您好呀～小屿在的"))
    lib.phrases.delete_team(trainer, "qk-size")
    release = lib.phrases.get_release(trainer, "2026.11.1")
    assert {it.key: it.text for it in release.items}["qy-hello"] == HELLO.text
    assert len(release.items) == 4 and release.notes == "首个版本"
    with pytest.raises(InvalidInput, match="已经存在"):
        lib.phrases.publish(trainer, "2026.11.1", "再发一次", on=D2)
    with pytest.raises(InvalidInput, match="早于"):
        lib.phrases.publish(trainer, "2026.10.9", "旧日期", on=date(2026, 10, 1))
    with pytest.raises(PermissionDenied):
        lib.phrases.publish(login(lib, "lily"), "2026.11.2", "客服不能发布", on=D2)
    assert [r.version for r in lib.phrases.list_releases(login(lib, "lily"))] == ["2026.11.1"]


def test_diff_between_releases_and_the_draft(lib: Services) -> None:
    lib.phrases.publish(SYSTEM, "2026.11.1", "一", on=D1)
    lib.phrases.save_team(SYSTEM, replace(SHIP, text="亲，订单 {订单号} 已经发出啦，正在运输途中～"))
    lib.phrases.delete_team(SYSTEM, "qk-size")
    lib.phrases.save_team(SYSTEM, PhraseItem("shared-bye", None, "送别", "感谢", "sb1", "感谢亲的支持～"))
    lib.phrases.publish(SYSTEM, "2026.11.2", "二", on=D2)
    diff = lib.phrases.diff(SYSTEM, "2026.11.1", "2026.11.2")
    assert [i.key for i in diff.added] == ["shared-bye"] and [i.key for i in diff.removed] == ["qk-size"]
    (change,) = diff.changed
    assert change.key == "shared-ship" and change.fields == ("text",)
    assert any(op.op != "equal" for op in change.text_ops)
    assert lib.phrases.diff(SYSTEM, "2026.11.2", "draft").is_empty
    with pytest.raises(NotFound):
        lib.phrases.diff(SYSTEM, "2026.11.1", "9.9")


def test_rollback_publishes_old_content_and_keeps_personal_phrases(lib: Services) -> None:
    lily = login(lib, "lily")
    lib.phrases.save_personal(lily, PhraseItem("my-hi", None, "迎宾", "问候", "nh1", "你好亲"))
    lib.phrases.publish(SYSTEM, "2026.11.1", "一", on=D1)
    lib.phrases.record_use(lily, "qy-hello")
    lib.phrases.save_team(SYSTEM, replace(HELLO, text="改坏了的问候"))
    lib.phrases.delete_team(SYSTEM, "shared-ship")
    lib.phrases.publish(SYSTEM, "2026.11.2", "二", on=D2)
    info = lib.phrases.rollback(SYSTEM, "2026.11.1", "2026.12.1", on=D3)
    assert (info.source, info.rollback_of, info.items) == ("rollback", "2026.11.1", 4)
    assert lib.phrases.diff(SYSTEM, "2026.11.1", "2026.12.1").is_empty
    assert lib.phrases.diff(SYSTEM, "2026.12.1", "draft").is_empty  # the library is the old one again
    assert lib.phrases.get_team(SYSTEM, "qy-hello").usage_count == 1
    assert [p.key for p in lib.phrases.list_personal(lily)] == ["my-hi"]
    assert shortcuts(lib.phrases.search(lily, "wl1")) == ["wl1"]
    assert [r.version for r in lib.phrases.list_releases(SYSTEM)] == ["2026.12.1", "2026.11.2", "2026.11.1"]


def test_release_reminder_after_fourteen_days(lib: Services) -> None:
    trainer = login(lib, "peixun")
    assert lib.phrases.days_since_last_release() is None
    assert lib.phrases.release_reminder(trainer) is not None
    lib.phrases.publish(trainer, "2026.11.1", "一", on=D1)
    assert lib.phrases.days_since_last_release(today=date(2026, 11, 22)) == 13
    assert lib.phrases.release_reminder(trainer, today=date(2026, 11, 22)) is None
    assert "14 天" in (lib.phrases.release_reminder(trainer, today=date(2026, 11, 23)) or "")
    assert lib.phrases.release_reminder(login(lib, "lily"), today=date(2026, 12, 30)) is None


def test_what_changed_since_seen(lib: Services) -> None:
    lily = login(lib, "lily")
    assert lib.phrases.what_changed_since_seen(lily) is None
    lib.phrases.publish(SYSTEM, "2026.11.1", "一", on=D1)
    first = lib.phrases.what_changed_since_seen(lily)
    assert first is not None and first.since is None and len(first.diff.added) == 4
    lib.phrases.mark_seen(lily)
    assert lib.phrases.what_changed_since_seen(lily) is None
    lib.phrases.save_team(SYSTEM, replace(HELLO2, text="亲，欢迎光临小屿家～想了解哪款留香珠呢？"))
    lib.phrases.publish(SYSTEM, "2026.11.2", "二", on=D2)
    changes = lib.phrases.what_changed_since_seen(lily)
    assert changes is not None and changes.since == "2026.11.1" and changes.latest.version == "2026.11.2"
    assert [c.key for c in changes.diff.changed] == ["qy-hello-2"]
    lib.phrases.mark_seen(lily, "2026.11.2")
    assert lib.phrases.what_changed_since_seen(lily) is None
    with pytest.raises(NotFound):
        lib.phrases.mark_seen(lily, "1.0")


def _other_pc(tmp_path: Path) -> Services:
    other = Services(open_database(f"sqlite:///{tmp_path}/other-pc.sqlite"))
    with other.db.session() as db:
        db.add_all([Brand(key="qinyu", name="沁屿"), Brand(key="qingkuo", name="轻廓")])
    other.phrases.save_team(SYSTEM, PhraseItem("local-only", None, "送别", "感谢", "sb9", "本机旧话术"))
    other.users.add(SYSTEM, "lily", "李丽", PASSWORD, Role.AGENT, brand_keys=["qinyu"])
    other.phrases.save_personal(
        login(other, "lily"), PhraseItem("my-hi", None, "迎宾", "问候", "nh1", "你好亲")
    )
    other.phrases.background = False
    return other


def test_release_zip_round_trip_to_another_pc(lib: Services, tmp_path: Path) -> None:
    lib.phrases.publish(SYSTEM, "2026.11.1", "一", on=D1)
    zip_path = lib.phrases.export_release(SYSTEM, "2026.11.1", tmp_path)
    assert zip_path.name == "2026.11.1.cstrainer-phrases.zip"
    other = _other_pc(tmp_path)
    try:
        result = other.phrases.import_release(SYSTEM, zip_path)
        assert not result.already_present and result.release.source == "imported"
        assert result.release.sha256 == lib.phrases.list_releases(SYSTEM)[0].sha256
        assert other.phrases.diff(SYSTEM, "2026.11.1", "draft").is_empty  # library replaced
        assert [p.key for p in other.phrases.list_personal(login(other, "lily"))] == ["my-hi"]
        assert shortcuts(other.phrases.search(SYSTEM, "hy1")) == ["hy1"]
        assert other.phrases.import_release(SYSTEM, zip_path).already_present
    finally:
        other.close()


def test_older_tampered_or_unknown_brand_releases_are_refused_whole(lib: Services, tmp_path: Path) -> None:
    import zipfile

    lib.phrases.publish(SYSTEM, "2026.11.1", "一", on=D1)
    old_zip = lib.phrases.export_release(SYSTEM, "2026.11.1", tmp_path / "old.zip")
    lib.phrases.publish(SYSTEM, "2026.11.2", "二", on=D2)
    new_zip = lib.phrases.export_release(SYSTEM, "2026.11.2", tmp_path / "new.zip")
    other = _other_pc(tmp_path)
    try:
        other.phrases.import_release(SYSTEM, new_zip)
        with pytest.raises(InvalidInput, match="拒绝"):
            other.phrases.import_release(SYSTEM, old_zip)
        # tampered: the release text changed, the manifest checksum not
        bad = tmp_path / "bad.zip"
        with zipfile.ZipFile(new_zip) as src, zipfile.ZipFile(bad, "w") as dst:
            for info in src.infolist():
                data = src.read(info)
                if info.filename == "release.yaml":
                    data = data.replace("小屿".encode(), "小鱼".encode())
                dst.writestr(info, data)
        with pytest.raises(InvalidInput, match="拒绝"):
            other.phrases.import_release(SYSTEM, bad)
    finally:
        other.close()
    # a brand the other PC does not know: nothing is imported
    third = Services(open_database(f"sqlite:///{tmp_path}/third.sqlite"))
    try:
        third.phrases.save_team(SYSTEM, PhraseItem("local-only", None, "送别", "感谢", "sb9", "本机旧话术"))
        with pytest.raises(InvalidInput, match="品牌"):
            third.phrases.import_release(SYSTEM, new_zip)
        assert [p.key for p in third.phrases.list_team(SYSTEM)] == ["local-only"]
        assert third.phrases.list_releases(SYSTEM) == []
    finally:
        third.close()


def test_the_shipped_library_comes_with_its_two_releases(seeded: Services) -> None:
    # GIVEN a new database seeded from the shipped content
    versions = sorted(r.version for r in seeded.phrases.list_releases(SYSTEM))
    assert versions == ["2026.11.1", "2026.11.2"]
    # THEN the newest release is exactly the library, and a new agent sees what it changed
    assert seeded.phrases.diff(SYSTEM, "2026.11.2", "draft").is_empty
    kefu = seeded.auth.login("kefu", "demo1234")
    changes = seeded.phrases.what_changed_since_seen(kefu)
    assert changes is not None and changes.since == "2026.11.1" and changes.latest.version == "2026.11.2"
    assert changes.diff.added and changes.diff.removed and changes.diff.changed
    # seeding again adds nothing
    root = Path(__file__).resolve().parents[2]
    assert seeded.phrases.import_shipped_releases(SYSTEM, [root / "scripts_library"]) == 0


# --- database-side search (FTS5 / tsvector) -----------------------------------------------------


@pytest.mark.parametrize(
    "query", ["hy1", "hy", "nh", "qd", "运输", "洗衣", "亲 尺码", "欢迎光临", "HY1", "zzz", "尺码"]
)
def test_the_database_answers_like_the_index(lib: Services, query: str) -> None:
    agent = login(lib, "lily")
    for actor in (SYSTEM, agent, login(lib, "tom")):
        by_index = [(h.phrase.key, h.match) for h in lib.phrases.search(actor, query)]
        by_db = [(h.phrase.key, h.match) for h in lib.phrases.search_db(actor, query)]
        assert by_db == by_index, (actor.login, query)


def test_database_search_sees_personal_phrases_of_the_caller_only(lib: Services) -> None:
    lily, tom = login(lib, "lily"), login(lib, "tom")
    mine = PhraseItem(
        "my-rain", None, "物流查询", "天气", "tq1", "亲，最近下雨快递会慢一两天，辛苦您耐心等等～"
    )
    lib.phrases.save_personal(lily, mine, justification="")
    assert [h.phrase.key for h in lib.phrases.search_db(lily, "下雨")] == ["my-rain"]
    assert lib.phrases.search_db(tom, "下雨") == []
    assert [h.phrase.key for h in lib.phrases.search_db(lily, "tq1")] == ["my-rain"]


def test_database_search_follows_edits_and_deletes(lib: Services) -> None:
    lib.phrases.save_team(SYSTEM, replace(SHIP, text="亲，订单 {订单号} 已经交给顺丰揽收啦～"))
    assert lib.phrases.search_db(SYSTEM, "运输") == []
    assert [h.phrase.key for h in lib.phrases.search_db(SYSTEM, "顺丰")] == ["shared-ship"]
    lib.phrases.delete_team(SYSTEM, "shared-ship")
    assert lib.phrases.search_db(SYSTEM, "顺丰") == []


def test_quotes_and_operators_in_a_query_are_plain_text(lib: Services) -> None:
    for query in ['"', "'", "运输 OR 亲", "a*b", "亲 AND", "\\", "100%", "x_y"]:
        lib.phrases.search_db(SYSTEM, query)  # no SQL or FTS syntax error


def test_searches_before_the_first_index_is_built_are_answered_by_the_database(lib: Services) -> None:
    lib.phrases.invalidate()
    lib.phrases._index = None  # as just after start-up
    lib.phrases.background = True
    hits = lib.phrases.search(SYSTEM, "运输")
    assert [h.phrase.key for h in hits] == ["shared-ship"]
    lib.phrases.wait_until_fresh(10)
    assert lib.phrases._index is not None  # the index was built in the background meanwhile
