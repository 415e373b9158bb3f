"""Tests for the YAML content-pack format (cstrainer.formats.content_pack)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cstrainer.formats.content_pack import (
    KIND_ORDER,
    QUESTION_MODELS,
    ContentPack,
    PackError,
    PackValidationError,
    Phrase,
    Product,
    count_blanks,
    dump_pack,
    dumps_pack,
    item_to_dict,
    load_pack,
    load_packs,
    packs_in_import_order,
    parse_pack,
    validate_references,
)

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = [ROOT / "scripts_library", ROOT / "question_bank"]


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def errors_of(*paths: Path) -> list[PackError]:
    with pytest.raises(PackValidationError) as caught:
        load_packs(paths)
    return caught.value.errors


def only_error(*paths: Path) -> PackError:
    errors = errors_of(*paths)
    assert len(errors) == 1, [str(e) for e in errors]
    return errors[0]


BRANDS = """
schema_version: 1
kind: brands
items:
  - key: acme
    name: 演示品牌
    description: 用于测试
    voice: 简洁
    platforms: [tmall]
"""

PRODUCT = """
schema_version: 1
kind: products
items:
  - key: acme-liquid
    brand: acme
    name: 演示洗衣液
    category: 洗衣液
    price_min: 39.9
    price_max: 69.9
"""


# --------------------------------------------------------------------------------------------
# Shipped content
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def shipped() -> list[ContentPack]:
    return load_packs(SHIPPED)


def test_shipped_packs_load_and_cross_validate(shipped: list[ContentPack]) -> None:
    # GIVEN every YAML file under scripts_library/ and question_bank/
    # WHEN they are loaded and cross-checked THEN nothing is wrong
    assert shipped
    assert validate_references(shipped) == []


def test_shipped_content_covers_every_kind_and_question_type(shipped: list[ContentPack]) -> None:
    kinds = {pack.kind for pack in shipped}
    assert kinds == set(KIND_ORDER)
    types = {item.type for pack in shipped if pack.kind == "questions" for item in pack.items}  # type: ignore[attr-defined]
    # matching / essay / description mostly come from GIFT imports; the shipped bank may skip them
    assert set(QUESTION_MODELS) - {"matching", "essay", "description"} <= types <= set(QUESTION_MODELS)


def test_shipped_apparel_has_size_charts(shipped: list[ContentPack]) -> None:
    products = [item for pack in shipped for item in pack.items if isinstance(item, Product)]
    apparel = [p for p in products if p.brand == "qingkuo"]
    assert apparel and all(p.size_chart is not None for p in apparel)
    assert all(len(p.faq) >= 3 and len(p.after_sale) >= 2 for p in products)


def test_demo_packs_can_be_left_out() -> None:
    with_demo = load_packs(SHIPPED)
    without = load_packs(SHIPPED, include_demo=False)
    assert any(pack.demo for pack in with_demo)
    assert not any(pack.demo for pack in without)
    assert len(without) == len(with_demo) - sum(pack.demo for pack in with_demo)


def test_import_order_follows_kind_order(shipped: list[ContentPack]) -> None:
    ordered = [pack.kind for pack in packs_in_import_order(shipped)]
    assert ordered == sorted(ordered, key=KIND_ORDER.index)


def test_shipped_round_trip(shipped: list[ContentPack], tmp_path: Path) -> None:
    # GIVEN each shipped pack WHEN written back and read again THEN the items are unchanged
    for index, pack in enumerate(shipped):
        items = [item_to_dict(item) for item in pack.items]
        target = tmp_path / f"{index}-{pack.path.name}"
        dump_pack(pack.kind, items, target, demo=pack.demo)
        again = load_pack(target)
        assert again.kind == pack.kind
        assert again.demo == pack.demo
        assert again.items == pack.items, pack.path
        # and writing is stable: a second round gives the same text
        assert target.read_text(encoding="utf-8") == dumps_pack(pack.kind, again.items, demo=pack.demo)


def test_dump_is_readable_yaml(shipped: list[ContentPack]) -> None:
    pack = next(p for p in shipped if p.path.name == "qingkuo.yaml" and p.kind == "products")
    text = dumps_pack("products", pack.items)
    assert text.startswith("schema_version: 1\nkind: products\nitems:\n  - key: qingkuo-highwaist\n")
    assert "    usage: |\n" in text  # multi-line markdown as a literal block
    assert "        - [S, 58-64, 82-88, 42-48]\n" in text  # short rows in flow style
    assert "\\u" not in text  # Chinese written as is
    assert "      - assets/products/qingkuo-highwaist.png\n" in text
    bare = dumps_pack("products", [item.model_copy(update={"images": []}) for item in pack.items])
    assert "images" not in bare  # empty defaults are left out


# --------------------------------------------------------------------------------------------
# Errors name file, line, column and field
# --------------------------------------------------------------------------------------------


def test_missing_required_field_points_at_the_item(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "products.yaml",
        """
        schema_version: 1
        kind: products
        items:
          - key: ok
            brand: acme
            name: 甲
            category: 洗衣液
            price_min: 1
            price_max: 2
          - key: broken
            brand: acme
            name: 乙
            category: 洗衣液
            price_min: 1
        """,
    )
    error = only_error(path)
    assert (error.line, error.column, error.field) == (10, 5, "items[1].price_max")
    assert error.message == "缺少必填字段"
    assert str(error) == f"{path}:10:5: items[1].price_max: 缺少必填字段"


def test_wrong_type_points_at_the_value(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "products.yaml",
        """
        schema_version: 1
        kind: products
        items:
          - key: a
            brand: acme
            name: 甲
            category: 洗衣液
            price_min: 三十九
            price_max: 2
            variants:
              - name: 香型
                values: 白茶海盐
        """,
    )
    errors = errors_of(path)
    assert [(e.line, e.column, e.field) for e in errors] == [
        (8, 16, "items[0].price_min"),
        (12, 17, "items[0].variants[0].values"),
    ]
    assert errors[0].message == "应为数字"
    assert errors[1].message == "应为列表"


def test_price_min_above_price_max(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "products.yaml",
        """
        schema_version: 1
        kind: products
        items:
          - key: a
            brand: acme
            name: 甲
            category: 洗衣液
            price_min: 99
            price_max: 39.9
        """,
    )
    error = only_error(path)
    assert str(error) == f"{path}:8:16: items[0].price_min: 必须小于等于 price_max"


def test_unknown_field_points_at_the_key(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "brands.yaml",
        """
        schema_version: 1
        kind: brands
        items:
          - key: acme
            name: 演示
            description: 测试
            voice: 简洁
            platform: [tmall]
        """,
    )
    errors = errors_of(path)
    assert [(e.line, e.column, e.field, e.message) for e in errors] == [
        (4, 5, "items[0].platforms", "缺少必填字段"),
        (8, 5, "items[0].platform", "未知字段（拼写错误？）"),
    ]


def test_nested_errors_and_size_chart_rows(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "products.yaml",
        """
        schema_version: 1
        kind: products
        items:
          - key: a
            brand: acme
            name: 甲
            category: 收腹裤
            price_min: 69
            price_max: 129
            size_chart:
              columns: [尺码, 腰围(cm)]
              rows:
                - [S, 58-64]
                - [M]
            images: [photo.jpg]
        """,
    )
    errors = errors_of(path)
    assert [(e.line, e.field) for e in errors] == [
        (14, "items[0].size_chart.rows[1]"),
        (15, "items[0].images[0]"),
    ]


def test_bad_reference(tmp_path: Path) -> None:
    write(tmp_path, "brands.yaml", BRANDS)
    write(tmp_path, "products.yaml", PRODUCT.replace("brand: acme", "brand: acmee"))
    packs = load_packs([tmp_path])
    errors = validate_references(packs)
    assert [(Path(e.file).name, e.line, e.column, e.field) for e in errors] == [
        ("products.yaml", 5, 12, "items[0].brand")
    ]
    assert errors[0].message == "引用的品牌 'acmee' 不存在"


def test_reference_known_elsewhere_is_accepted(tmp_path: Path) -> None:
    # GIVEN a product whose brand is not in the packs but already in the database
    write(tmp_path, "products.yaml", PRODUCT)
    packs = load_packs([tmp_path])
    assert validate_references(packs) != []
    assert validate_references(packs, known={"brands": {"acme"}}) == []


def test_duplicate_key_across_two_files(tmp_path: Path) -> None:
    write(tmp_path, "a/brands.yaml", BRANDS)
    write(tmp_path, "b/more_brands.yaml", BRANDS.replace("演示品牌", "另一个"))
    errors = validate_references(load_packs([tmp_path]))
    assert len(errors) == 1
    error = errors[0]
    assert (Path(error.file).name, error.line, error.column, error.field) == (
        "more_brands.yaml",
        4,
        10,
        "items[0].key",
    )
    assert "重复的 key 'acme'" in error.message and "brands.yaml:4" in error.message


def test_yaml_syntax_error(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "brands.yaml",
        """
        schema_version: 1
        kind: brands
        items:
          - key: acme
            name: [未闭合
            description: 测试
        """,
    )
    error = only_error(path)
    assert (error.line, error.field) == (6, None)
    assert error.message.startswith("YAML 语法错误")


def test_duplicate_yaml_key_is_an_error(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "products.yaml",
        PRODUCT + "    price_min: 9.9\n",
    )
    error = only_error(path)
    assert (error.line, error.column) == (10, 5)
    assert "重复的键 'price_min'" in error.message and "第 8 行" in error.message


def test_password_only_in_demo_packs(tmp_path: Path) -> None:
    users = """
    schema_version: 1
    kind: users
    items:
      - login: kefu
        display_name: 陈佳怡
        role: agent
        password: demo1234
    """
    path = write(tmp_path, "users.yaml", users)
    error = only_error(path)
    assert (error.line, error.column, error.field) == (7, 15, "items[0].password")
    assert "demo: true" in error.message
    demo = write(tmp_path, "demo_users.yaml", users.replace("kind: users", "kind: users\n    demo: true"))
    assert load_pack(demo).demo is True


def test_newer_schema_version_asks_for_an_upgrade(tmp_path: Path) -> None:
    path = write(tmp_path, "brands.yaml", BRANDS.replace("schema_version: 1", "schema_version: 2"))
    error = only_error(path)
    assert (error.line, error.column, error.field) == (1, 17, "schema_version")
    assert error.message == "内容包版本 2 比本程序支持的 1 新，请升级"


def test_missing_schema_version(tmp_path: Path) -> None:
    path = write(tmp_path, "brands.yaml", BRANDS.replace("schema_version: 1\n", ""))
    error = only_error(path)
    assert error.line == 1 and "缺少 schema_version" in error.message


def test_all_errors_of_all_files_are_reported(tmp_path: Path) -> None:
    a = write(tmp_path, "a.yaml", BRANDS.replace("platforms: [tmall]", "platforms: [tmal]"))
    b = write(tmp_path, "b.yaml", PRODUCT.replace("price_max: 69.9", "price_max: -1"))
    c = write(tmp_path, "c.yaml", "kind: brands\nitems: [\n")
    errors = errors_of(tmp_path)
    assert [Path(e.file) for e in errors] == [a, b, c]
    assert errors[0].field == "items[0].platforms[0]"
    assert errors[1].field == "items[0].price_max" and errors[1].message == "必须大于等于 0"


def test_non_pack_yaml_is_skipped_but_a_kind_typo_is_not(tmp_path: Path) -> None:
    write(tmp_path, "compliance/banned_words.yaml", "kind: banned_words\nwords: [最, 第一]\n")
    write(tmp_path, "brands.yaml", BRANDS)
    assert [pack.kind for pack in load_packs([tmp_path])] == ["brands"]
    with pytest.raises(PackValidationError):
        load_pack(tmp_path / "compliance/banned_words.yaml")
    typo = write(tmp_path, "products.yaml", PRODUCT.replace("kind: products", "kind: product"))
    error = only_error(typo)
    assert error.field == "kind" and "products" in error.message


def test_question_rules(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "questions.yaml",
        """
        schema_version: 1
        kind: questions
        items:
          - key: q1
            type: single
            category: 产品知识
            difficulty: 1
            stem: 选哪个？
            options:
              - text: 甲
                correct: true
              - text: 乙
                correct: true
          - key: q2
            type: fill
            category: 产品知识
            difficulty: 4
            stem: 锦纶____%、氨纶____%
            blanks:
              - ["78"]
          - key: q3
            type: cloze
            category: 产品知识
            difficulty: 1
            stem: 说说看
        """,
    )
    errors = errors_of(path)
    assert [(e.line, e.field) for e in errors] == [
        (9, "items[0].options"),
        (17, "items[1].difficulty"),
        (22, "items[2].type"),
    ]
    assert "恰好有 1 个正确选项" in errors[0].message


def test_fill_blank_count_must_match(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "questions.yaml",
        """
        schema_version: 1
        kind: questions
        items:
          - key: q1
            type: fill
            category: 产品知识
            difficulty: 1
            stem: 锦纶____%、氨纶____%
            blanks:
              - ["78"]
        """,
    )
    error = only_error(path)
    assert (error.line, error.field) == (9, "items[0].blanks")  # the "blanks:" line
    assert count_blanks("a____b____c") == 2


def test_scenario_turn_references(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "scenario.yaml",
        """
        schema_version: 1
        kind: scenarios
        items:
          - key: s
            title: 测试
            brand: acme
            stage: 售前
            persona: 犹豫型
            mood: 50
            patience: 50
            difficulty: 1
            goal: 测试
            start: a
            turns:
              - id: a
                wordings: [在吗]
                on_covered: b
                on_missed: end:流失
              - id: b
                wordings: [好的]
                on_covered: end:成交
                on_missed: c
        """,
    )
    error = only_error(path)
    assert (error.line, error.field, error.message) == (
        22,
        "items[0].turns[1].on_missed",
        "没有 id 为 c 的轮次",
    )


def test_phrase_shortcut_clash_with_shared_phrase(tmp_path: Path) -> None:
    write(tmp_path, "brands.yaml", BRANDS)
    write(
        tmp_path,
        "phrases.yaml",
        """
        schema_version: 1
        kind: phrases
        items:
          - key: shared-hi
            scene: 迎宾
            intent: 问候
            shortcut: hy1
            text: 您好～
          - key: acme-hi
            brand: acme
            scene: 迎宾
            intent: 问候
            shortcut: hy1
            text: "{顾客昵称}，欢迎～"
        """,
    )
    errors = validate_references(load_packs([tmp_path]))
    assert [(e.line, e.field) for e in errors] == [(13, "items[1].shortcut")]


def test_unknown_placeholder(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "phrases.yaml",
        """
        schema_version: 1
        kind: phrases
        items:
          - key: hi
            scene: 迎宾
            intent: 问候
            shortcut: hy1
            text: "{顾客名}，您好"
        """,
    )
    error = only_error(path)
    assert (error.line, error.field) == (8, "items[0].text")
    assert "{顾客名}" in error.message


def test_line_of(tmp_path: Path) -> None:
    pack = load_pack(write(tmp_path, "products.yaml", PRODUCT))
    assert pack.line_of(0) == 4
    assert pack.line_of(0, "price_max") == 9
    assert pack.line_of(0, "variants[0].values") == 4  # missing: nearest parent


def test_dump_refuses_invalid_items(tmp_path: Path) -> None:
    with pytest.raises(PackValidationError) as caught:
        dump_pack(
            "users",
            [{"login": "kefu", "display_name": "陈佳怡", "role": "agent", "password": "x"}],
            tmp_path / "users.yaml",
        )
    assert caught.value.errors[0].field == "items[0].password"
    assert not (tmp_path / "users.yaml").exists()


# --------------------------------------------------------------------------------------------
# Free text survives a round trip
# --------------------------------------------------------------------------------------------

# Any Unicode text a YAML file can hold (no lone surrogates), including emoji, control
# characters, odd line breaks and leading/trailing spaces.
any_text = st.text(st.characters(codec="utf-8"), max_size=200)
non_blank = any_text.filter(lambda s: s.strip() != "")
markdown = st.lists(
    st.sampled_from(
        ["## 标题", "- 要点：锦纶 72%", "**加粗** 😀🌿", "", "    缩进代码", "| a | b |", "> 引用", " "]
    ),
    max_size=12,
).map("\n".join)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(stem=non_blank, explanation=any_text, feedback=any_text)
def test_question_text_round_trip(stem: str, explanation: str, feedback: str) -> None:
    item = {
        "key": "q",
        "type": "single",
        "category": "产品知识",
        "difficulty": 1,
        "stem": stem,
        "options": [{"text": "甲", "correct": True, "feedback": feedback}, {"text": stem}],
        "explanation": explanation,
    }
    pack = parse_pack(dumps_pack("questions", [item]))
    assert pack is not None
    question = pack.items[0]
    assert (question.stem, question.explanation) == (stem, explanation)  # type: ignore[attr-defined]
    assert question.options[0].feedback == feedback  # type: ignore[attr-defined]


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(text=non_blank.filter(lambda s: "{" not in s and "}" not in s), placeholder=st.booleans())
def test_phrase_text_round_trip(text: str, placeholder: bool) -> None:
    if placeholder:
        text = "{顾客昵称} " + text + " 🎉"
    phrase = Phrase(key="p", scene="迎宾", intent="问候", shortcut="hy1", text=text)
    pack = parse_pack(dumps_pack("phrases", [phrase]))
    assert pack is not None and pack.items == [phrase]


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(
    bodies=st.lists(st.one_of(markdown, any_text).filter(lambda s: s.strip() != ""), min_size=1, max_size=3)
)
def test_handbook_markdown_round_trip(bodies: list[str]) -> None:
    # several items, so the blank lines put between items are exercised too
    items = [{"key": f"h{i}", "title": f"第 {i} 篇", "body": body} for i, body in enumerate(bodies)]
    pack = parse_pack(dumps_pack("handbook", items))
    assert pack is not None
    assert [item_to_dict(item) for item in pack.items] == items
