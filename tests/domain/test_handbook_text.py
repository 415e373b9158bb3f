"""Pure handbook helpers: field labels, field diffs as text, comparison cells, search snippets."""

from __future__ import annotations

from cstrainer.domain.handbook import (
    changed_fields,
    compare_value,
    field_diff,
    field_label,
    find_spans,
    format_price,
    make_snippet,
    match_document,
    plain_text,
    query_phrases,
    query_words,
    search_fields,
    value_text,
)


def test_labels_and_changed_fields_in_model_order() -> None:
    assert field_label("product", "faq[2].a") == "常见问题"
    assert field_label("competitor", "our_answer") == "我们的应对"
    assert field_label("entry", "unknown") == "unknown"
    old = {"name": "A", "usage": "x", "price_min": 1, "images": ["assets/a.png"]}
    new = {"usage": "y", "name": "A", "price_min": 2}
    assert changed_fields(old, new, "product") == ["price_min", "usage", "images"]


def test_values_as_text() -> None:
    variants = [{"name": "香型", "values": ["白茶海盐", "雪松琥珀"]}, {"name": "规格", "values": ["1kg"]}]
    assert value_text("variants", variants) == "香型：白茶海盐/雪松琥珀\n规格：1kg"
    chart = {"columns": ["尺码", "腰围(cm)"], "rows": [["S", "58-64"], ["M", "64-70"]]}
    assert value_text("size_chart", chart) == "S：腰围(cm) 58-64\nM：腰围(cm) 64-70"
    assert value_text("faq", [{"q": "能机洗吗？", "a": "能。"}]) == "问：能机洗吗？\n答：能。"
    assert value_text("price_max", 69.0) == "69"
    assert format_price(39.9, 99.9) == "39.9–99.9 元" and format_price(59.9) == "59.9 元"
    changes = field_diff("product", {"price_max": 99.9}, {"price_max": 109.9})
    assert [(c.field, c.label, c.old, c.new) for c in changes] == [("price_max", "最高价", "99.9", "109.9")]


def test_compare_cells() -> None:
    product = {"brand": "qinyu", "price_min": 39.9, "price_max": 99.9, "materials": ["水", "香精"]}
    names = {"qinyu": "沁屿", "qinyu-liquid": "沁屿香氛洗衣液"}
    assert compare_value("product", product, "brand", names) == "沁屿"
    assert compare_value("product", product, "price", names) == "39.9–99.9 元"
    assert compare_value("product", product, "materials", names) == "水；香精"
    assert compare_value("product", product, "our_answer", names) == "—"
    rival = {"rival_brand": "绮芬", "price": 59.9, "claims": ["留香久"], "our_product": "qinyu-liquid"}
    assert compare_value("competitor", rival, "selling_points", names) == "留香久"
    assert compare_value("competitor", rival, "our_product", names) == "沁屿香氛洗衣液"


def test_plain_text_drops_markdown() -> None:
    md = "## 用法\n**用量**：一盖\n- 手洗\n| 香型 | 感觉 |\n|---|---|\n| 白茶 | 清爽 |\n![](assets/a.png)"
    assert plain_text(md) == "用法 用量：一盖 手洗 香型 感觉 白茶 清爽"


def test_snippet_spans_point_at_the_words() -> None:
    text = "甲" * 50 + "洗衣液里有蛋白酶，会分解真丝" + "乙" * 50 + "蛋白酶"
    snippet = make_snippet(text, ["蛋白酶", "真丝"])
    assert snippet.text.startswith("…") and snippet.text.endswith("…")
    assert len(snippet.text) == 62
    assert [snippet.text[a:b] for a, b in snippet.spans] == ["蛋白酶", "真丝"]
    short = make_snippet("含ＰＶＰ护色剂", ["pvp"])  # full-width letters are found, offsets kept
    assert [short.text[a:b] for a, b in short.spans] == ["ＰＶＰ"]
    assert find_spans("洗衣液", ["洗衣", "液"]) == [(0, 3)]  # touching hits merge


def test_query_words_and_document_match() -> None:
    assert query_words(" 蛋白酶，真丝 ") == ["蛋白酶", "真丝"]
    assert query_words("！？") == []
    assert query_phrases("洗衣液  价格") == ["洗衣液", "价格"]
    data = {
        "brand": "qinyu",
        "name": "沁屿香氛洗衣液",
        "faq": [{"q": "真丝能洗吗？", "a": "不能，含蛋白酶，会伤真丝。"}],
        "size_chart": {"columns": ["尺码"], "rows": [["75B"]]},
        "images": ["assets/products/qinyu.png"],
    }
    fields = search_fields("product", data)
    assert fields[0] == ("name", "沁屿香氛洗衣液")
    assert ("size_chart.rows[0][0]", "75B") in fields
    assert all(not text.startswith("assets/") and text != "qinyu" for _, text in fields)
    match = match_document(fields, ["蛋白酶", "真丝"])
    assert match is not None and match.field == "faq[0].a" and match.title_words == 0
    assert match_document(fields, ["蛋白酶", "羊绒"]) is None
    title = match_document(fields, ["洗衣液"], ["洗衣液"])
    assert title is not None and title.field == "name" and title.rank < match.rank
