"""Handbook docs as Markdown: the display page, and the folder a trainer edits and imports again
(every shipped doc round-trips exactly; every problem names file, line and field)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from cstrainer import paths
from cstrainer.formats.content_pack import item_to_dict, load_packs
from cstrainer.formats.handbook_markdown import (
    FolderDoc,
    normalize_data,
    parse_doc,
    read_folder,
    render_doc_file,
    render_markdown,
    write_folder,
)

KINDS = {"products": "product", "competitors": "competitor", "handbook": "entry"}


def shipped_docs() -> list[FolderDoc]:
    packs = load_packs([paths.project_root() / "scripts_library"])
    docs = []
    for pack in packs:
        if pack.kind not in KINDS:
            continue
        for item in pack.items:
            data = item_to_dict(item)
            key = data.pop("key")
            docs.append(FolderDoc(KINDS[pack.kind], key, data, brand=data.get("brand")))
    return docs


def product(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "brand": "qingkuo",
        "name": "轻廓高腰收腹内裤",
        "category": "收腹裤",
        "variants": [{"name": "尺码", "values": ["S", "M"]}],
        "price_min": 69,
        "price_max": 129,
        "materials": ["锦纶 72%", "氨纶 28%"],
        "size_chart": {"columns": ["尺码", "腰围(cm)"], "rows": [["S", "58-64"], ["M", "64-70"]]},
        "selling_points": ["高腰设计"],
        "usage": "**洗护**：30℃ 以下手洗。\n",
        "faq": [{"q": "会不会卷边？", "a": "不容易卷。"}],
        "after_sale": [{"problem": "尺码不合适", "handling": "7 天内可换。"}],
        "images": ["assets/products/qingkuo-highwaist.png"],
    }
    data.update(changes)
    return data


# --- display ---------------------------------------------------------------------------------


def test_product_page_has_chinese_sections_table_and_image() -> None:
    text = render_markdown("product", "qingkuo-highwaist", product(), brand_name="轻廓")
    assert text.startswith("# 轻廓高腰收腹内裤\n")
    assert "品牌：轻廓" in text
    for heading in ("规格", "价格", "成分/材质", "尺码表", "卖点", "使用与保养", "常见问题", "售后处理"):
        assert f"\n## {heading}\n" in text
    assert "| 尺码 | 腰围(cm) |\n|---|---|\n| S | 58-64 |\n| M | 64-70 |" in text
    assert "¥69 – ¥129" in text
    assert "![轻廓高腰收腹内裤](assets/products/qingkuo-highwaist.png)" in text
    assert "**问：会不会卷边？**" in text and "答：不容易卷。" in text
    assert "### 尺码不合适" in text


def test_empty_sections_are_left_out_and_equal_prices_show_once() -> None:
    data = {"brand": "qinyu", "name": "样品", "category": "洗衣液", "price_min": 39.9, "price_max": 39.9}
    text = render_markdown("product", "x", data)
    assert "## 价格\n\n¥39.9" in text and "– ¥" not in text
    assert "尺码表" not in text and "常见问题" not in text
    assert "品牌：qinyu" in text  # no brand name given: the key


def test_competitor_and_entry_pages() -> None:
    competitor = {
        "rival_brand": "绮芬",
        "product": "绮芬洗衣液 3kg",
        "price": 59.9,
        "claims": ["留香 30 天"],
        "our_answer": "先肯定顾客的关注点。\n",
        "our_product": "qinyu-liquid",
    }
    text = render_markdown("competitor", "qifen", competitor, product_name="沁屿香氛洗衣液")
    assert text.startswith("# 绮芬洗衣液 3kg\n")
    for heading in ("对方宣称", "我们怎么回答", "对应我方产品"):
        assert f"\n## {heading}\n" in text
    assert "沁屿香氛洗衣液（qinyu-liquid）" in text and "¥59.9" in text
    entry = {"title": "平台规则", "body": "## 七天无理由\n签收次日起算。\n", "tags": ["新人必读"]}
    text = render_markdown("entry", "rules", entry)
    assert text == "# 平台规则\n\n标签：新人必读\n\n## 七天无理由\n签收次日起算。\n"


def test_table_cells_escape_pipes() -> None:
    data = product(size_chart={"columns": ["a|b"], "rows": [["1|2"]]})
    assert "| a\\|b |" in render_markdown("product", "k", data)


# --- the folder: round trip -----------------------------------------------------------------


def test_every_shipped_doc_round_trips_exactly(tmp_path: Path) -> None:
    docs = shipped_docs()
    assert {d.kind for d in docs} == {"product", "competitor", "entry"}
    write_folder(tmp_path, docs, brand_names={"qinyu": "沁屿", "qingkuo": "轻廓"})
    result = read_folder(tmp_path)
    assert result.ok, [str(e) for e in result.errors]
    back = {(d.kind, d.key): d.data for d in result.docs}
    assert len(back) == len(docs)
    for doc in docs:
        assert back[(doc.kind, doc.key)] == doc.data, (doc.kind, doc.key)
    # and the long texts really are Markdown sections, not YAML
    for doc in docs:
        front = render_doc_file(doc.kind, doc.key, doc.data).split("\n---\n", 1)[0]
        for name in ("name", "product", "title", "usage", "faq", "after_sale", "our_answer", "body"):
            assert f"\n{name}:" not in front, (doc.key, name)
    index = (tmp_path / "README.md").read_text(encoding="utf-8")
    assert "## 沁屿" in index and "(qinyu/products/qinyu-liquid.md)" in index


def test_doc_file_layout(tmp_path: Path) -> None:
    write_folder(tmp_path, [FolderDoc("product", "qingkuo-highwaist", product(), brand="qingkuo")])
    text = (tmp_path / "qingkuo/products/qingkuo-highwaist.md").read_text(encoding="utf-8")
    head, body = text.split("\n---\n", 1)
    assert head.startswith("---\nbrand: qingkuo\ncategory: 收腹裤\n")
    assert "values: [S, M]" in head and "price_min: 69\n" in head
    assert body == (
        "\n# 轻廓高腰收腹内裤\n\n## 使用与保养\n\n**洗护**：30℃ 以下手洗。\n\n## 常见问题\n\n### 会不会卷边？\n\n"
        "不容易卷。\n\n## 售后处理\n\n### 尺码不合适\n\n7 天内可换。\n"
    )


def test_edits_made_in_an_editor_are_read(tmp_path: Path) -> None:
    path = tmp_path / "qingkuo/products/qingkuo-highwaist.md"
    write_folder(tmp_path, [FolderDoc("product", "qingkuo-highwaist", product(), brand="qingkuo")])
    text = path.read_text(encoding="utf-8")
    text = text.replace("不容易卷。", "腰头有硅胶条，\n不容易卷。\n\n")
    text = text.replace("## 售后处理", "### 能机洗吗？\n能，装洗衣袋。\n\n## 售后处理")
    text = text.replace("price_max: 129", "price_max: 139.0")
    path.write_text(text.replace("\n", "\r\n"), encoding="utf-8")  # a Windows editor
    result = read_folder(tmp_path)
    assert result.ok, [str(e) for e in result.errors]
    data = result.docs[0].data
    assert data["faq"] == [
        {"q": "会不会卷边？", "a": "腰头有硅胶条，\n不容易卷。"},
        {"q": "能机洗吗？", "a": "能，装洗衣袋。"},
    ]
    assert data["price_max"] == 139


@pytest.mark.parametrize(
    ("kind", "data"),
    [
        ("product", product(usage="看这里\n## 常见问题\n不是小节\n")),  # a section heading inside a text
        ("product", product(usage="没有结尾换行")),
        ("product", product(usage="\n\n前面有空行\n")),
        ("product", product(faq=[{"q": "多行\n问题", "a": "答"}])),
        ("product", product(faq=[{"q": "问", "a": "### 像标题\n的答案"}])),
        ("product", product(after_sale=[{"problem": "  前后空格 ", "handling": "处理\n"}])),
        ("product", product(name="# 井号开头")),
        ("product", product(usage="")),
        (
            "competitor",
            {"rival_brand": "绮芬", "product": "x", "price": 1, "our_answer": "a", "our_product": "p"},
        ),
        ("entry", {"title": "标题\n两行", "body": "# 正文里的一级标题\n"}),
        ("entry", {"title": "t", "body": "结尾两个换行\n\n"}),
        (
            "entry",
            {"title": "t", "brand": "qinyu", "product": "qinyu-liquid", "body": "---\n像分隔线\n---\n"},
        ),
    ],
)
def test_texts_that_cannot_be_sections_go_to_the_front_matter(kind: str, data: dict[str, Any]) -> None:
    expected, problems = normalize_data(kind, "k", data)
    assert expected is not None, problems
    back, errors = parse_doc(kind, "k", render_doc_file(kind, "k", expected))
    assert not errors, [str(e) for e in errors]
    assert back == expected


_CHARS = list("a中 \t\n#-|*:'\r\u2028\x85\x0c·\ufeff")
_PIECE = st.sampled_from(
    [*_CHARS, "## 常见问题", "### ", "---", "## 使用与保养", "# x", "- y", "1. z", "\n## 售后处理\n"]
)
_TEXT = st.lists(_PIECE, min_size=1, max_size=12).map("".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=_TEXT,
    usage=_TEXT,
    qa=st.lists(st.tuples(_TEXT, _TEXT), max_size=3),
    handling=st.lists(st.tuples(_TEXT, _TEXT), max_size=2),
    title=_TEXT,
    body=_TEXT,
)
def test_any_text_round_trips(
    name: str, usage: str, qa: list[tuple[str, str]], handling: list[tuple[str, str]], title: str, body: str
) -> None:
    data = product(
        name=name,
        usage=usage,
        faq=[{"q": q, "a": a} for q, a in qa],
        after_sale=[{"problem": p, "handling": h} for p, h in handling],
    )
    expected, _ = normalize_data("product", "k", data)
    assume(expected is not None)
    assert expected is not None
    back, errors = parse_doc("product", "k", render_doc_file("product", "k", expected))
    assert not errors, [str(e) for e in errors]
    assert back == expected
    entry, _ = normalize_data("entry", "e", {"title": title, "body": body})
    assume(entry is not None)
    assert entry is not None
    back, errors = parse_doc("entry", "e", render_doc_file("entry", "e", entry))
    assert not errors, [str(e) for e in errors]
    assert back == entry


# --- the folder: problems --------------------------------------------------------------------


def write(folder: Path, rel: str, text: str) -> None:
    path = folder / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def errors_of(folder: Path) -> list[str]:
    result = read_folder(folder)
    assert not result.ok and result.docs == []
    return [str(e) for e in result.errors]


GOOD = render_doc_file("product", "p", product())


def test_a_bad_value_names_file_line_and_field(tmp_path: Path) -> None:
    write(tmp_path, "qingkuo/products/ok.md", GOOD)
    write(tmp_path, "qingkuo/products/bad.md", GOOD.replace("price_min: 69", "price_min: 六十九"))
    lines = GOOD.split("\n")
    line = lines.index("price_min: 69") + 1
    assert errors_of(tmp_path) == [f"qingkuo/products/bad.md 第 {line} 行：price_min（最低价）：应为数字"]


def test_problems_in_sections_and_lists_point_at_their_lines(tmp_path: Path) -> None:
    text = GOOD.replace("### 会不会卷边？\n\n不容易卷。", "### 会不会卷边？\n\n   \n### \n\n答案")
    write(tmp_path, "qingkuo/products/p.md", text)
    lines = text.split("\n")
    errors = errors_of(tmp_path)
    first = lines.index("### 会不会卷边？") + 1
    second = lines.index("### ") + 1
    assert f"qingkuo/products/p.md 第 {first} 行：faq[0].a（常见问题）：不能为空" in errors
    assert f"qingkuo/products/p.md 第 {second} 行：faq[1].q（常见问题）：不能为空" in errors


def test_structure_problems(tmp_path: Path) -> None:
    write(tmp_path, "a/products/no-front.md", "# 只有标题\n")
    write(tmp_path, "a/products/open.md", "---\nbrand: a\n")
    write(tmp_path, "a/products/syntax.md", "---\nbrand: [a\n---\n# x\n")
    write(tmp_path, "a/products/stray.md", GOOD.replace("## 使用与保养", "随手写的一段\n\n## 使用与保养"))
    write(tmp_path, "a/products/twice.md", GOOD + "\n## 常见问题\n\n### 再来\n\n一次\n")
    write(
        tmp_path, "a/products/loose.md", GOOD.replace("## 常见问题\n", "## 常见问题\n\n没有问题标题的答案\n")
    )
    write(tmp_path, "a/products/both.md", GOOD.replace("brand: qingkuo", "brand: qingkuo\nusage: 又写一遍"))
    write(tmp_path, "a/products/extra.md", GOOD.replace("brand: qingkuo", "brand: qingkuo\ncolour: red"))
    write(tmp_path, "a/products/Bad Key.md", GOOD)
    write(tmp_path, "a/notes.md", "随手记")
    write(tmp_path, "b/products/stray2.md", GOOD)
    write(tmp_path, "c/products/stray2.md", GOOD)
    errors = errors_of(tmp_path)
    text = "\n".join(errors)
    assert "a/products/no-front.md 第 1 行：文件应以 --- 开头" in text
    assert "a/products/open.md 第 1 行：YAML 信息块没有结束的 --- 行" in text
    assert "a/products/syntax.md 第 3 行：YAML 语法错误" in text  # where PyYAML notices the missing ]
    stray_line = (
        GOOD.replace("## 使用与保养", "随手写的一段\n\n## 使用与保养").split("\n").index("随手写的一段") + 1
    )
    assert f"a/products/stray.md 第 {stray_line} 行：这段文字不在任何小节里" in text
    assert "a/products/twice.md 第" in text and "faq（常见问题）：小节“常见问题”出现了两次" in text
    assert "a/products/loose.md 第" in text and "这段文字不属于任何一条" in text
    assert "usage（使用与保养）：这一项已写在 YAML 信息块里，不能再写成小节" in text
    assert "a/products/extra.md 第 3 行：colour：" in text
    assert "a/products/Bad Key.md：文件名（编号）不合规" in text
    assert "a/notes.md：位置不对" in text
    assert "c/products/stray2.md：商品编号 stray2 重复（已在 b/products/stray2.md 中）" in text


def test_readme_and_other_files_are_ignored(tmp_path: Path) -> None:
    write(tmp_path, "README.md", "# 目录")
    write(tmp_path, "qingkuo/products/p.md", GOOD)
    write(tmp_path, "qingkuo/products/photo.png", "not markdown")
    result = read_folder(tmp_path)
    assert result.ok and [d.key for d in result.docs] == ["p"]
    assert result.docs[0].lines["price_min"] == GOOD.split("\n").index("price_min: 69") + 1
    assert result.docs[0].brand == "qingkuo" and result.docs[0].title == "轻廓高腰收腹内裤"


def test_missing_folder(tmp_path: Path) -> None:
    assert "找不到这个文件夹" in errors_of(tmp_path / "nope")[0]
