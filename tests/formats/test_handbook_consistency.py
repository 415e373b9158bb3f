"""The shipped handbooks agree with the rest of the shipped content: every product a question
(question_bank/) or a scenario (scripts_library/scenarios) is about exists in
scripts_library/products, every competitor is compared with one of our products, and the
handbook has what the issue asks for (at least 12 products over both brands, 4 competitors)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cstrainer.formats.content_pack import (
    Competitor,
    ContentPack,
    HandbookEntry,
    Product,
    QuestionBase,
    Scenario,
    load_packs,
)

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def packs() -> list[ContentPack]:
    return load_packs([ROOT / "scripts_library", ROOT / "question_bank"])


def _items(packs: list[ContentPack], folder: Path, kind: type) -> list:  # type: ignore[type-arg]
    return [
        item
        for pack in packs
        if pack.path.resolve().is_relative_to(folder.resolve())
        for item in pack.items
        if isinstance(item, kind)
    ]


@pytest.fixture(scope="module")
def products(packs: list[ContentPack]) -> dict[str, Product]:
    found = _items(packs, ROOT / "scripts_library" / "products", Product)
    return {p.key: p for p in found}


def test_every_product_of_a_question_exists(packs: list[ContentPack], products: dict[str, Product]) -> None:
    questions = _items(packs, ROOT / "question_bank", QuestionBase)
    assert questions
    missing = sorted({(q.key, p) for q in questions for p in q.products if p not in products})
    assert missing == [], f"questions name products missing from scripts_library/products: {missing}"
    assert any(q.products for q in questions)


def test_every_product_of_a_scenario_exists(packs: list[ContentPack], products: dict[str, Product]) -> None:
    scenarios = _items(packs, ROOT / "scripts_library" / "scenarios", Scenario)
    assert scenarios
    missing = sorted({(s.key, p) for s in scenarios for p in s.products if p not in products})
    assert missing == [], f"scenarios name products missing from scripts_library/products: {missing}"
    for scenario in scenarios:
        for key in scenario.products:
            assert products[key].brand == scenario.brand, (scenario.key, key)


def test_competitors_point_at_our_products(packs: list[ContentPack], products: dict[str, Product]) -> None:
    competitors = [item for pack in packs for item in pack.items if isinstance(item, Competitor)]
    assert len(competitors) >= 4
    assert [c.key for c in competitors if c.our_product not in products] == []
    keys = {c.key for c in competitors}
    scenarios = _items(packs, ROOT / "scripts_library" / "scenarios", Scenario)
    assert sorted({(s.key, c) for s in scenarios for c in s.competitors if c not in keys}) == []


def test_handbook_entries_point_at_existing_products(
    packs: list[ContentPack], products: dict[str, Product]
) -> None:
    entries = [item for pack in packs for item in pack.items if isinstance(item, HandbookEntry)]
    assert [e.key for e in entries if e.product is not None and e.product not in products] == []
    entry_keys = {e.key for e in entries}
    questions = _items(packs, ROOT / "question_bank", QuestionBase)
    assert (
        sorted({(q.key, q.handbook) for q in questions if q.handbook and q.handbook not in entry_keys}) == []
    )


def test_enough_complete_products(products: dict[str, Product]) -> None:
    assert len(products) >= 12
    assert {p.brand for p in products.values()} >= {"qinyu", "qingkuo"}
    for product in products.values():
        assert product.variants and product.materials and product.selling_points, product.key
        assert product.usage and product.faq and product.after_sale, product.key
