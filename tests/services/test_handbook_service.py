"""The handbook service: reading with brand visibility, editing with versions, read marks,
review flags for linked questions and scenarios, search with highlights, comparison, batch saves."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from cstrainer.domain.accounts import Role
from cstrainer.services import (
    SYSTEM,
    Actor,
    InvalidInput,
    NotFound,
    PermissionDenied,
    Services,
    ValidationFailed,
)
from cstrainer.services.handbook import COMPARE_FIELDS
from cstrainer.storage.models import (
    AuditEntry,
    Brand,
    Competitor,
    HandbookEntry,
    HandbookRevision,
    Product,
    Question,
    Scenario,
)

DEMO = "demo1234"
PASSWORD = "pass-1234"


def login(s: Services, who: str, password: str = DEMO) -> Actor:
    return s.auth.login(who, password)


def edited(s: Services, kind: str, key: str, **changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(s.handbook.get_doc(SYSTEM, kind, key).data)
    data.update(changes)
    return data


PRODUCT = {
    "brand": "qinyu",
    "name": "测试洗衣粉",
    "category": "洗衣粉",
    "variants": [{"name": "规格", "values": ["1kg", "2kg"]}],
    "price_min": 19.9,
    "price_max": 29.9,
    "materials": ["表面活性剂"],
    "selling_points": ["去污力强"],
    "usage": "**用量**：一勺",
}


@pytest.fixture
def empty(services: Any) -> Services:
    s: Services = services
    with s.db.session() as db:
        db.add_all([Brand(key="qinyu", name="沁屿"), Brand(key="qingkuo", name="轻廓")])
    s.users.add(SYSTEM, "trainer", "培训师", PASSWORD, Role.TRAINER)
    return s


# --- editing and versions ----------------------------------------------------------------------


def test_edit_versions_history_diff_and_stale_version(seeded: Services) -> None:
    s = seeded
    peixun = login(s, "peixun")
    before = s.handbook.get_doc(peixun, "product", "qinyu-liquid")
    assert before.version == 1 and before.brand == "qinyu" and before.product == "qinyu-liquid"
    assert before.title == "沁屿香氛洗衣液"

    data = edited(s, "product", "qinyu-liquid", price_max=109.9)
    data["selling_points"] = [*data["selling_points"], "新增：冷水也能洗干净"]
    after = s.handbook.save_doc(peixun, "product", "qinyu-liquid", data, expected_version=1, note="调价")
    assert after.version == 2 and after.updated_by == "peixun"
    assert after.data["price_max"] == 109.9

    history = s.handbook.history(peixun, "product", "qinyu-liquid")
    assert [h.version for h in history] == [2, 1]  # newest first; the imported state is kept as v1
    assert history[0].by == "peixun" and history[0].note == "调价"
    assert history[0].changed == ("price_max", "selling_points")
    assert history[1].by == before.updated_by
    assert s.handbook.revision_data(peixun, "product", "qinyu-liquid", 1) == before.data
    assert s.handbook.revision_data(peixun, "product", "qinyu-liquid", 2) == after.data

    changes = s.handbook.diff(peixun, "product", "qinyu-liquid", 1, 2)
    assert [(c.field, c.label) for c in changes] == [("price_max", "最高价"), ("selling_points", "卖点")]
    assert (changes[0].old, changes[0].new) == ("99.9", "109.9")
    assert "新增：冷水也能洗干净" in changes[1].new and "新增" not in changes[1].old
    with pytest.raises(NotFound):
        s.handbook.revision_data(peixun, "product", "qinyu-liquid", 7)

    # Someone still editing version 1 is refused, and told who saved the newer version.
    with pytest.raises(InvalidInput) as stale:
        s.handbook.save_doc(peixun, "product", "qinyu-liquid", before.data, expected_version=1)
    assert stale.value.field == "version" and "peixun" in str(stale.value) and "第 2 版" in str(stale.value)

    # Saving the same data again changes nothing.
    same = s.handbook.save_doc(peixun, "product", "qinyu-liquid", data, expected_version=2)
    assert same.version == 2 and len(s.handbook.history(peixun, "product", "qinyu-liquid")) == 2

    with s.db.session() as db:
        actions = [(a.action, a.entity, a.entity_key) for a in db.scalars(select(AuditEntry))]
    assert ("handbook.edit", "product", "qinyu-liquid") in actions


def test_create_validate_and_resolve_references(empty: Services) -> None:
    s = empty
    trainer = login(s, "trainer", PASSWORD)
    doc = s.handbook.save_doc(trainer, "product", "qinyu-powder", PRODUCT, note="新品")
    assert doc.version == 1 and doc.brand == "qinyu" and doc.title == "测试洗衣粉"
    assert [(h.version, h.note) for h in s.handbook.history(trainer, "product", "qinyu-powder")] == [
        (1, "新品")
    ]

    with pytest.raises(InvalidInput) as bad_price:
        s.handbook.save_doc(trainer, "product", "qinyu-powder", {**PRODUCT, "price_min": "二十"})
    assert bad_price.value.field == "price_min"
    with pytest.raises(InvalidInput) as reversed_prices:
        s.handbook.save_doc(trainer, "product", "qinyu-powder", {**PRODUCT, "price_min": 99})
    assert reversed_prices.value.field == "price_min"
    with pytest.raises(InvalidInput) as typo:
        s.handbook.save_doc(trainer, "product", "qinyu-powder", {**PRODUCT, "prise": 1})
    assert typo.value.field == "prise"
    with pytest.raises(InvalidInput) as no_brand:
        s.handbook.save_doc(trainer, "product", "other-powder", {**PRODUCT, "brand": "nobody"})
    assert no_brand.value.field == "brand"
    with pytest.raises(InvalidInput) as bad_key:
        s.handbook.save_doc(trainer, "product", "Bad Key", PRODUCT)
    assert bad_key.value.field == "key"
    with pytest.raises(InvalidInput) as bad_kind:
        s.handbook.save_doc(trainer, "brochure", "x", PRODUCT)
    assert bad_kind.value.field == "kind"

    rival = {
        "rival_brand": "某牌",
        "product": "某牌洗衣粉",
        "price": 15,
        "our_answer": "讲自己的事实",
        "our_product": "x",
    }
    with pytest.raises(InvalidInput) as unknown_product:
        s.handbook.save_doc(trainer, "competitor", "rival-powder", rival)
    assert unknown_product.value.field == "our_product"
    comp = s.handbook.save_doc(
        trainer, "competitor", "rival-powder", {**rival, "our_product": "qinyu-powder"}
    )
    assert comp.brand == "qinyu" and comp.product == "qinyu-powder" and comp.title == "某牌洗衣粉"

    entry = {"title": "洗衣粉怎么用", "brand": "qingkuo", "product": "qinyu-powder", "body": "正文"}
    with pytest.raises(InvalidInput) as wrong_brand:
        s.handbook.save_doc(trainer, "entry", "powder-howto", entry)
    assert wrong_brand.value.field == "product"
    entry = {**entry, "brand": None}
    page = s.handbook.save_doc(trainer, "entry", "powder-howto", entry)
    assert page.brand == "qinyu" and page.product == "qinyu-powder"  # shown with its product's brand

    with s.db.session() as db:
        brand_id = db.scalar(select(Brand.id).where(Brand.key == "qinyu"))
        product = db.scalar(select(Product).where(Product.key == "qinyu-powder"))
        assert product is not None and product.brand_id == brand_id and product.name == "测试洗衣粉"
        competitor = db.scalar(select(Competitor).where(Competitor.key == "rival-powder"))
        assert competitor is not None and competitor.our_product_id == product.id
        row = db.scalar(select(HandbookEntry).where(HandbookEntry.key == "powder-howto"))
        assert row is not None and row.product_id == product.id and row.brand_id is None
        assert "key" not in product.data and "brand" not in row.data  # stored as a pack writes it


def test_agent_cannot_save(seeded: Services) -> None:
    kefu = login(seeded, "kefu")
    data = edited(seeded, "product", "qinyu-liquid", price_max=1000)
    with pytest.raises(PermissionDenied):
        seeded.handbook.save_doc(kefu, "product", "qinyu-liquid", data)
    with pytest.raises(PermissionDenied):
        seeded.handbook.save_many(kefu, [("product", "qinyu-liquid", data)])
    with pytest.raises(PermissionDenied):
        seeded.handbook.review_flags(kefu)
    assert seeded.handbook.get_doc(kefu, "product", "qinyu-liquid").version == 1


# --- visibility and read marks -----------------------------------------------------------------


def test_agents_see_their_brands_and_shared_docs(seeded: Services) -> None:
    s = seeded
    kefu = login(s, "kefu")  # agent of qinyu
    xinren = login(s, "xinren")  # trainee of qingkuo
    everything = s.handbook.list_docs(login(s, "peixun"))
    assert {d.brand for d in everything} == {"qinyu", "qingkuo", None}

    mine = s.handbook.list_docs(kefu)
    assert mine and {d.brand for d in mine} == {"qinyu", None}
    assert {"qinyu-liquid", "qifen-liquid-3kg", "qinyu-brand-intro", "platform-rules-primer"} <= {
        d.key for d in mine
    }
    assert [d.brand for d in mine] == sorted((d.brand for d in mine), key=lambda b: (b is None, b or ""))
    assert {d.brand for d in s.handbook.list_docs(xinren)} == {"qingkuo", None}
    assert {d.kind for d in s.handbook.list_docs(kefu, kind="competitor")} == {"competitor"}
    assert {d.brand for d in s.handbook.list_docs(SYSTEM, brand="qingkuo")} == {"qingkuo"}
    assert [d.key for d in s.handbook.list_docs(SYSTEM, brand="")] == ["platform-rules-primer"]

    with pytest.raises(NotFound):
        s.handbook.get_doc(kefu, "product", "qingkuo-highwaist")
    with pytest.raises(NotFound):
        s.handbook.history(kefu, "competitor", "rouxian-highwaist")
    with pytest.raises(NotFound):
        s.handbook.compare(kefu, [("product", "qinyu-liquid"), ("product", "qingkuo-highwaist")])
    assert s.handbook.get_doc(xinren, "product", "qingkuo-highwaist").brand == "qingkuo"
    assert not [h for h in s.handbook.search(kefu, "腰围") if h.kind == "product"]


def test_read_states_for_an_agent(seeded: Services) -> None:
    s = seeded
    kefu = login(s, "kefu")
    docs = s.handbook.list_docs(kefu)
    assert {d.read_state for d in docs} == {"new"}
    assert s.handbook.unread_count(kefu) == len(docs)

    s.handbook.mark_read(kefu, "product", "qinyu-liquid")
    s.handbook.mark_read(kefu, "product", "qinyu-liquid")  # twice is fine
    assert s.handbook.get_doc(kefu, "product", "qinyu-liquid").read_state == "read"
    assert s.handbook.unread_count(kefu) == len(docs) - 1

    peixun = login(s, "peixun")
    s.handbook.save_doc(
        peixun, "product", "qinyu-liquid", edited(s, "product", "qinyu-liquid", price_max=109.9)
    )
    assert s.handbook.get_doc(kefu, "product", "qinyu-liquid").read_state == "updated"
    assert s.handbook.unread_count(kefu) == len(docs)
    assert s.handbook.get_doc(peixun, "product", "qinyu-liquid").read_state == "new"  # per person

    s.handbook.mark_read(kefu, "product", "qinyu-liquid")
    assert s.handbook.get_doc(kefu, "product", "qinyu-liquid").read_state == "read"
    with pytest.raises(NotFound):
        s.handbook.mark_read(kefu, "product", "qingkuo-highwaist")
    assert s.handbook.unread_count(SYSTEM) == 0


# --- review flags ------------------------------------------------------------------------------


def _linked(s: Services, product: str) -> set[tuple[str, str]]:
    with s.db.session() as db:
        questions = {
            ("question", k)
            for k, data, retired in db.execute(select(Question.key, Question.data, Question.retired))
            if product in (data.get("products") or []) and not retired
        }
        scenarios = {
            ("scenario", k)
            for k, data in db.execute(select(Scenario.key, Scenario.data))
            if product in (data.get("products") or [])
        }
    return questions | scenarios


def test_review_flags_for_linked_questions_and_scenarios(seeded: Services) -> None:
    s = seeded
    peixun = login(s, "peixun")
    linked = _linked(s, "qinyu-liquid")
    assert ("scenario", "qinyu-vs-qifen") in linked and any(k == "question" for k, _ in linked)
    assert s.handbook.review_flags(peixun) == []

    s.handbook.save_doc(
        peixun, "product", "qinyu-liquid", edited(s, "product", "qinyu-liquid", price_max=109.9)
    )
    flags = s.handbook.review_flags(peixun)
    assert {(f.target_kind, f.target_key) for f in flags} == linked
    flag = next(f for f in flags if f.target_key == "qinyu-vs-qifen")
    assert flag.doc_kind == "product" and flag.doc_key == "qinyu-liquid" and flag.doc_version == 2
    assert flag.doc_title == "沁屿香氛洗衣液" and flag.target_title and "最高价" in flag.reason
    assert flag.resolved_at is None

    # Another change updates the open flags instead of adding new ones.
    s.handbook.save_doc(
        peixun, "product", "qinyu-liquid", edited(s, "product", "qinyu-liquid", usage="新的用法")
    )
    again = s.handbook.review_flags(peixun)
    assert len(again) == len(flags) and {f.doc_version for f in again} == {3}
    assert "使用与保养" in next(f for f in again if f.id == flag.id).reason

    resolved = s.handbook.resolve_flag(peixun, flag.id)
    assert resolved.resolved_by == "peixun" and resolved.resolved_at is not None
    assert flag.id not in {f.id for f in s.handbook.review_flags(peixun)}
    assert flag.id in {f.id for f in s.handbook.review_flags(peixun, include_resolved=True)}
    with pytest.raises(NotFound):
        s.handbook.resolve_flag(peixun, 999_999)

    # A competitor's change flags what is linked to its product: the resolved scenario comes back,
    # flagged for the competitor this time.
    s.handbook.save_doc(
        peixun, "competitor", "qifen-liquid-3kg", edited(s, "competitor", "qifen-liquid-3kg", price=55.9)
    )
    by_competitor = [f for f in s.handbook.review_flags(peixun) if f.doc_kind == "competitor"]
    assert {(f.target_kind, f.target_key) for f in by_competitor} == linked
    assert all(f.doc_key == "qifen-liquid-3kg" and "价格" in f.reason for f in by_competitor)

    # Products nothing links to flag nothing.
    before = len(s.handbook.review_flags(peixun, include_resolved=True))
    unlinked = [d for d in s.handbook.list_docs(peixun, kind="product") if not _linked(s, d.key)]
    if unlinked:
        d = unlinked[0]
        s.handbook.save_doc(peixun, "product", d.key, {**d.data, "usage": "改过"})
        assert len(s.handbook.review_flags(peixun, include_resolved=True)) == before


# --- search ------------------------------------------------------------------------------------


def _highlighted(hit: Any) -> list[str]:
    return [hit.snippet[a:b] for a, b in hit.spans]


def test_search_with_highlights(seeded: Services) -> None:
    s = seeded
    kefu = login(s, "kefu")
    hits = s.handbook.search(kefu, "蛋白酶")
    keys = [h.key for h in hits]
    assert {"qinyu-liquid", "qinyu-wool-wash", "qinyu-intimate"} <= set(keys)
    for hit in hits:
        assert hit.spans and all(text == "蛋白酶" for text in _highlighted(hit)), hit
        assert len(hit.snippet) <= 62  # about 60 characters and the "…" marks
    wool = next(h for h in hits if h.key == "qinyu-wool-wash")
    assert wool.field.startswith("faq[") and wool.field.endswith(".a") and wool.label == "常见问题"

    # Every word must occur; title hits rank first.
    assert [h.key for h in s.handbook.search(kefu, "蛋白酶 羽绒服")] == ["qinyu-wool-wash"]
    top = s.handbook.search(kefu, "洗衣液")
    assert top[0].key == "qinyu-liquid" and top[0].field == "name"
    assert "".join(_highlighted(top[0])) == "洗衣液"

    # Size-chart cells and competitors' answers are searched too (trainer: both brands).
    peixun = login(s, "peixun")
    cells = s.handbook.search(peixun, "75B")
    assert cells[0].key == "qingkuo-seamless-bra" and cells[0].field.startswith("size_chart.")
    assert "qitang-seamless-bra" in {h.key for h in cells}
    answer = next(h for h in s.handbook.search(peixun, "每洗一次") if h.key == "qifen-liquid-3kg")
    assert answer.field == "our_answer" and answer.label == "我们的应对"
    assert _highlighted(answer) and set(_highlighted(answer)) <= {"每洗一次", "每", "洗", "一次"}
    assert "**" not in answer.snippet  # Markdown markup is not shown

    assert s.handbook.search(kefu, "   ") == []
    assert s.handbook.search(kefu, "没有这种东西的词条xyz") == []
    assert len(s.handbook.search(peixun, "的", limit=3)) == 3


# --- comparison --------------------------------------------------------------------------------


def test_compare_products_and_a_competitor(seeded: Services) -> None:
    s = seeded
    kefu = login(s, "kefu")
    table = s.handbook.compare(
        kefu,
        [("product", "qinyu-liquid"), ("product", "qinyu-wool-wash"), ("competitor", "qifen-liquid-3kg")],
        ["brand", "price", "variants", "selling_points", "our_product", "size_chart"],
    )
    assert table.titles == ("沁屿香氛洗衣液", "沁屿羊毛真丝洗护液", "绮芬持久留香洗衣液 3kg")
    rows = dict(table.rows)
    assert list(rows) == ["品牌", "价格", "规格", "卖点/对方宣称", "对标商品", "尺码表"]
    assert rows["品牌"] == ("沁屿", "沁屿", "绮芬")
    assert rows["价格"] == ("39.9–99.9 元", "39.9–69.9 元", "59.9 元")
    assert rows["规格"][0].startswith("香型：白茶海盐/晨露小苍兰/雪松琥珀；规格：1kg 瓶装/")
    assert rows["规格"][2] == "—"
    assert rows["卖点/对方宣称"][2] == "留香 30 天；3kg 大桶，比 2kg 更划算；洗护二合一，不用再买柔顺剂"
    assert rows["对标商品"] == ("—", "—", "沁屿香氛洗衣液")
    assert rows["尺码表"] == ("—", "—", "—")

    sizes = s.handbook.compare(SYSTEM, [("product", "qingkuo-highwaist")], ["size_chart"]).rows[0][1][0]
    assert sizes.splitlines()[0] == "S：腰围(cm) 58-64，臀围(cm) 82-88，建议体重(kg) 42-48"
    everything = s.handbook.compare(SYSTEM, [("product", "qinyu-liquid"), ("competitor", "qifen-liquid-3kg")])
    assert len(everything.rows) == len(COMPARE_FIELDS)
    with pytest.raises(InvalidInput) as bad:
        s.handbook.compare(SYSTEM, [("product", "qinyu-liquid")], ["colour"])
    assert bad.value.field == "fields"


# --- batches -----------------------------------------------------------------------------------


def test_save_many_is_all_or_nothing(seeded: Services) -> None:
    s = seeded
    peixun = login(s, "peixun")
    good = edited(s, "product", "qinyu-liquid", price_max=109.9)
    bad_competitor = {
        "rival_brand": "某牌",
        "product": "某牌洗衣液",
        "price": 1,
        "our_answer": "答",
        "our_product": "nope",
    }
    with pytest.raises(ValidationFailed) as failed:
        s.handbook.save_many(
            peixun,
            [
                ("product", "qinyu-liquid", good),
                ("competitor", "some-rival", bad_competitor),
                ("entry", "half-page", {"title": "只有标题"}),
            ],
            note="导入",
        )
    assert failed.value.errors == [
        "competitor some-rival: our_product: 没有商品 nope",
        "entry half-page: body: 缺少必填字段",
    ]
    assert s.handbook.get_doc(peixun, "product", "qinyu-liquid").version == 1
    with pytest.raises(NotFound):
        s.handbook.get_doc(peixun, "competitor", "some-rival")
    assert s.handbook.review_flags(peixun) == []
    with s.db.session() as db:
        assert db.scalar(select(HandbookRevision.id).limit(1)) is None

    # Products of the batch are saved first, so a competitor may point at a new one.
    new_product = {**PRODUCT, "name": "沁屿洗衣粉"}
    saved = s.handbook.save_many(
        peixun,
        [
            ("competitor", "some-rival", {**bad_competitor, "our_product": "qinyu-powder"}),
            ("product", "qinyu-powder", new_product),
            ("product", "qinyu-liquid", good),
        ],
        note="导入",
    )
    assert [(d.kind, d.key, d.version) for d in saved] == [
        ("competitor", "some-rival", 1),
        ("product", "qinyu-powder", 1),
        ("product", "qinyu-liquid", 2),
    ]
    assert saved[0].brand == "qinyu"
    assert s.handbook.history(peixun, "product", "qinyu-liquid")[0].note == "导入"


def test_entry_change_flags_questions_that_cite_it(seeded: Services) -> None:
    s = seeded
    peixun = login(s, "peixun")
    with s.db.session() as db:
        citing = {
            k
            for k, data in db.execute(select(Question.key, Question.data))
            if data.get("handbook") == "qingkuo-sizing-guide"
        }
    assert citing
    s.handbook.save_doc(
        peixun, "entry", "qingkuo-sizing-guide", edited(s, "entry", "qingkuo-sizing-guide", body="新的正文")
    )
    flags = s.handbook.review_flags(peixun)
    assert citing <= {f.target_key for f in flags if f.target_kind == "question"}
    assert {f.doc_kind for f in flags} == {"entry"} and all("正文" in f.reason for f in flags)


def test_history_covers_changes_made_by_an_import(seeded: Services) -> None:
    s = seeded
    peixun = login(s, "peixun")
    s.handbook.save_doc(peixun, "product", "qinyu-beads", edited(s, "product", "qinyu-beads", price_max=66.0))
    # A content-pack import changes the row without a revision (ContentService._upsert_content).
    with s.db.session() as db:
        row = db.scalar(select(Product).where(Product.key == "qinyu-beads"))
        assert row is not None
        row.data = {**row.data, "usage": "导入的新用法"}
        row.version += 1
        row.updated_by = "system"
    history = s.handbook.history(peixun, "product", "qinyu-beads")
    assert [(h.version, h.by, h.changed) for h in history[:2]] == [
        (3, "system", ("usage",)),
        (2, "peixun", ("price_max",)),
    ]
    assert [c.field for c in s.handbook.diff(peixun, "product", "qinyu-beads", 2, 3)] == ["usage"]

    s.handbook.save_doc(peixun, "product", "qinyu-beads", edited(s, "product", "qinyu-beads", price_min=19.9))
    assert [h.version for h in s.handbook.history(peixun, "product", "qinyu-beads")] == [4, 3, 2, 1]
    assert s.handbook.revision_data(peixun, "product", "qinyu-beads", 3)["usage"] == "导入的新用法"
    assert [c.field for c in s.handbook.diff(peixun, "product", "qinyu-beads", 1, 4)] == [
        "price_min",
        "price_max",
        "usage",
    ]


def test_reading_again_updates_when_it_was_last_read(seeded: Services) -> None:
    from sqlalchemy import update

    from cstrainer.storage.models import HandbookRead

    s = seeded
    kefu = login(s, "kefu")
    s.handbook.mark_read(kefu, "product", "qinyu-liquid")
    with s.db.session() as db:
        db.execute(update(HandbookRead).values(read_at=datetime(2026, 1, 1, tzinfo=UTC)))
    s.handbook.mark_read(kefu, "product", "qinyu-liquid")
    with s.db.session() as db:
        (mark,) = db.scalars(select(HandbookRead).where(HandbookRead.user_id == kefu.user_id)).all()
        assert mark.read_at > datetime(2026, 1, 2, tzinfo=UTC)
