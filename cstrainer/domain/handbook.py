"""Handbooks (产品手册) as plain data: field labels, what changed between two versions, values as
readable text, and the search helpers (query words, matching, snippets with highlight spans).

Pure functions only (no database, no Qt). A handbook document is one of three kinds:

* ``product``: a product of one of our brands (content-pack kind ``products``);
* ``competitor``: a rival's product with our answer to it (``competitors``);
* ``entry``: a free handbook page in Markdown (``handbook``).

A document's ``data`` is the content-pack item dict without its ``key``.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from cstrainer.text.normalize import fold

__all__ = [
    "COMPARE_FIELDS",
    "DOC_KINDS",
    "FIELD_LABELS",
    "KIND_LABELS",
    "PACK_KIND",
    "SNIPPET_WIDTH",
    "TITLE_FIELD",
    "DocKind",
    "DocMatch",
    "FieldChange",
    "Snippet",
    "changed_fields",
    "compare_value",
    "field_diff",
    "field_label",
    "find_spans",
    "format_number",
    "format_price",
    "make_snippet",
    "match_document",
    "plain_text",
    "query_phrases",
    "query_words",
    "search_fields",
    "value_text",
]

DocKind = Literal["product", "competitor", "entry"]
DOC_KINDS: tuple[DocKind, ...] = ("product", "competitor", "entry")

#: The content-pack kind (``cstrainer.formats.content_pack.validate_item``) of each document kind.
PACK_KIND: dict[str, str] = {"product": "products", "competitor": "competitors", "entry": "handbook"}

KIND_LABELS: dict[str, str] = {"product": "商品", "competitor": "竞品", "entry": "手册条目"}

#: The data field that holds a document's title.
TITLE_FIELD: dict[str, str] = {"product": "name", "competitor": "product", "entry": "title"}

#: Chinese labels of the top-level fields of each kind, in the order the pack models list them.
FIELD_LABELS: dict[str, dict[str, str]] = {
    "product": {
        "brand": "品牌",
        "name": "商品名称",
        "category": "品类",
        "variants": "规格",
        "price_min": "最低价",
        "price_max": "最高价",
        "materials": "成分/材质",
        "size_chart": "尺码表",
        "selling_points": "卖点",
        "usage": "使用与保养",
        "faq": "常见问题",
        "after_sale": "售后问题",
        "images": "图片",
    },
    "competitor": {
        "rival_brand": "竞品品牌",
        "product": "竞品商品",
        "price": "价格",
        "claims": "对方宣称",
        "our_answer": "我们的应对",
        "our_product": "对标商品",
    },
    "entry": {
        "title": "标题",
        "brand": "品牌",
        "product": "相关商品",
        "body": "正文",
        "tags": "标签",
    },
}

#: Fields a side-by-side comparison can show (field -> label). ``price`` is a product's price
#: range or a competitor's price; ``selling_points`` shows a competitor's claims.
COMPARE_FIELDS: dict[str, str] = {
    "brand": "品牌",
    "price": "价格",
    "variants": "规格",
    "materials": "成分/材质",
    "selling_points": "卖点/对方宣称",
    "size_chart": "尺码表",
    "usage": "使用与保养",
    "faq": "常见问题",
    "after_sale": "售后问题",
    "our_answer": "我们的应对",
    "our_product": "对标商品",
}

#: Data fields that hold references (keys) or file paths, not text a person reads: not searched.
_NOT_SEARCHED: dict[str, frozenset[str]] = {
    "product": frozenset({"brand", "images"}),
    "competitor": frozenset({"our_product"}),
    "entry": frozenset({"brand", "product"}),
}

EMPTY = "—"


def field_label(kind: str, field: str) -> str:
    """The Chinese label of a top-level field (or of the top-level field of a path such as
    ``faq[2].a``); the field name itself when unknown."""
    top = re.split(r"[.\[]", field, maxsplit=1)[0]
    return FIELD_LABELS.get(kind, {}).get(top, top)


# --- values as text ---------------------------------------------------------------------------


def format_number(value: float | int) -> str:
    """``69.0`` -> ``69``, ``39.9`` -> ``39.9`` (no float noise)."""
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return str(int(value))
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".")
    return str(value)


def format_price(low: Any, high: Any = None) -> str:
    """``39.9–99.9 元``; a single price (or an equal range) as ``59.9 元``."""
    if low is None and high is None:
        return ""
    if high is None or low is None or low == high:
        value = low if low is not None else high
        return f"{format_number(value)} 元"
    return f"{format_number(low)}–{format_number(high)} 元"


def _variants_lines(value: Any) -> list[str]:
    out = []
    for variant in value or []:
        if isinstance(variant, Mapping):
            values = "/".join(str(v) for v in variant.get("values", []) or [])
            out.append(f"{variant.get('name', '')}：{values}")
    return out


def _size_chart_lines(value: Any) -> list[str]:
    if not isinstance(value, Mapping):
        return []
    columns = [str(c) for c in value.get("columns", []) or []]
    out = []
    for row in value.get("rows", []) or []:
        cells = [str(c) for c in row]
        if not cells:
            continue
        rest = "，".join(f"{col} {cell}" for col, cell in zip(columns[1:], cells[1:], strict=False))
        out.append(f"{cells[0]}：{rest}" if rest else cells[0])
    return out


def _scalar(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int | float):
        return format_number(value)
    return str(value)


def value_text(field: str, value: Any) -> str:
    """A field's value as readable text for a diff (every detail, one item a line)."""
    if value is None or value == "" or value == []:
        return ""
    if field == "variants":
        return "\n".join(_variants_lines(value))
    if field == "size_chart":
        return "\n".join(_size_chart_lines(value))
    if field == "faq":
        return "\n".join(
            f"问：{e.get('q', '')}\n答：{e.get('a', '')}" for e in value if isinstance(e, Mapping)
        )
    if field == "after_sale":
        return "\n".join(
            f"问题：{e.get('problem', '')}\n处理：{e.get('handling', '')}"
            for e in value
            if isinstance(e, Mapping)
        )
    if isinstance(value, list):
        return "\n".join(_generic(v) for v in value)
    return _generic(value)


def _generic(value: Any) -> str:
    if isinstance(value, Mapping):
        return "；".join(f"{k}：{_generic(v)}" for k, v in value.items())
    if isinstance(value, list):
        return "；".join(_generic(v) for v in value)
    return _scalar(value)


@dataclass(frozen=True)
class FieldChange:
    """One top-level field that differs between two versions, both sides as readable text."""

    field: str
    label: str
    old: str
    new: str


def changed_fields(old: Mapping[str, Any], new: Mapping[str, Any], kind: str | None = None) -> list[str]:
    """Top-level fields whose values differ, in the kind's field order (unknown ones after)."""
    keys = [k for k in dict.fromkeys([*new, *old]) if old.get(k) != new.get(k)]
    order = list(FIELD_LABELS.get(kind or "", {}))
    return sorted(keys, key=lambda k: (order.index(k) if k in order else len(order), keys.index(k)))


def field_diff(kind: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> list[FieldChange]:
    """What changed from ``old`` to ``new``: one :class:`FieldChange` per differing field."""
    return [
        FieldChange(
            field,
            field_label(kind, field),
            value_text(field, old.get(field)),
            value_text(field, new.get(field)),
        )
        for field in changed_fields(old, new, kind)
    ]


# --- comparison ------------------------------------------------------------------------------


def plain_text(markdown: str) -> str:
    """Markdown as one line of plain text: markup (``**``, headings, bullets, table rules,
    images, link targets) dropped, runs of white space (line breaks too) made one space."""
    text = re.sub(r"!\[[^\]]*\]\([^)]*\)", " ", markdown)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    lines = []
    for line in text.splitlines():
        stripped = line.strip()
        if re.fullmatch(r"\|?[\s:|-]*-[\s:|-]*\|?", stripped) and "-" in stripped and "|" in stripped:
            continue  # a table's |---|---| rule
        stripped = re.sub(r"^#{1,6}\s+", "", stripped)
        stripped = re.sub(r"^[-*+]\s+", "", stripped)
        stripped = re.sub(r"^>\s?", "", stripped)
        if stripped.startswith("|") and stripped.endswith("|"):
            stripped = " ".join(cell.strip() for cell in stripped.strip("|").split("|"))
        lines.append(stripped)
    text = " ".join(lines)
    text = text.replace("**", "").replace("__", "").replace("`", "")
    return re.sub(r"\s+", " ", text).strip()


def compare_value(
    kind: str, data: Mapping[str, Any], field: str, names: Mapping[str, str] | None = None
) -> str:
    """One cell of a comparison: the field's value as short text (``—`` when it has none).

    Lists are joined by "；", variants read ``香型：a/b/c``, a size chart is one ``S：…`` line per
    row, a price ``39.9–99.9 元``. ``names`` maps brand and product keys to their names.
    """
    names = names or {}
    text = ""
    if field == "brand":
        if kind == "competitor":
            text = str(data.get("rival_brand", ""))
        elif data.get("brand"):
            text = names.get(str(data["brand"]), str(data["brand"]))
    elif field == "price":
        if kind == "product":
            text = format_price(data.get("price_min"), data.get("price_max"))
        elif kind == "competitor":
            text = format_price(data.get("price"))
    elif field == "variants":
        text = "；".join(_variants_lines(data.get("variants")))
    elif field == "size_chart":
        text = "\n".join(_size_chart_lines(data.get("size_chart")))
    elif field == "selling_points":
        items = data.get("claims") if kind == "competitor" else data.get("selling_points")
        text = "；".join(str(v) for v in items or [])
    elif field == "faq":
        text = "；".join(str(e.get("q", "")) for e in data.get("faq", []) or [] if isinstance(e, Mapping))
    elif field == "after_sale":
        text = "；".join(
            str(e.get("problem", "")) for e in data.get("after_sale", []) or [] if isinstance(e, Mapping)
        )
    elif field in ("usage", "our_answer", "body"):
        text = plain_text(str(data.get(field) or ""))
    elif field == "our_product":
        if kind == "competitor" and data.get("our_product"):
            text = names.get(str(data["our_product"]), str(data["our_product"]))
    else:
        value = data.get(field)
        text = "；".join(_generic(v) for v in value) if isinstance(value, list) else _generic(value)
    return text or EMPTY


# --- search ----------------------------------------------------------------------------------


def query_words(query: str) -> list[str]:
    """The words of a search query: jieba words, NFKC-folded and lower-cased, punctuation and
    spaces dropped, duplicates removed (order kept)."""
    from cstrainer.text.segment import words

    normal = unicodedata.normalize("NFKC", query).strip()
    if not normal:
        return []
    out = [fold(w.strip()) for w in words(normal)]
    return list(dict.fromkeys(w for w in out if w and any(ch.isalnum() for ch in w)))


def _walk(value: Any, path: str) -> Iterator[tuple[str, Any]]:
    if isinstance(value, Mapping):
        for k, v in value.items():
            yield from _walk(v, f"{path}.{k}" if path else str(k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _walk(v, f"{path}[{i}]")
    else:
        yield path, value


def search_fields(kind: str, data: Mapping[str, Any]) -> list[tuple[str, str]]:
    """``(field path, plain text)`` for every piece of text of a document that search looks at:
    the title first, then every string (and number) in ``data``, recursively (FAQ answers,
    size-chart cells, our answer ...). Keys and image paths are left out."""
    title_field = TITLE_FIELD.get(kind, "title")
    skip = _NOT_SEARCHED.get(kind, frozenset())
    out: list[tuple[str, str]] = [(title_field, plain_text(str(data.get(title_field) or "")))]
    for top, value in data.items():
        if top == title_field or top in skip:
            continue
        for path, leaf in _walk(value, top):
            if leaf is None or isinstance(leaf, bool):
                continue
            text = format_number(leaf) if isinstance(leaf, int | float) else plain_text(str(leaf))
            if text:
                out.append((path, text))
    return out


def find_spans(text: str, words: Sequence[str]) -> list[tuple[int, int]]:
    """Every occurrence of every (folded) word in ``text`` (folded for matching, so the offsets
    are offsets into ``text``), sorted, overlapping occurrences merged."""
    folded = fold(text)
    found: list[tuple[int, int]] = []
    for word in words:
        if not word:
            continue
        start = folded.find(word)
        while start >= 0:
            found.append((start, start + len(word)))
            start = folded.find(word, start + len(word))
    found.sort()
    merged: list[tuple[int, int]] = []
    for start, end in found:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


SNIPPET_WIDTH = 60
_BEFORE = 20  # characters of context shown before the first hit


@dataclass(frozen=True)
class Snippet:
    """A piece of a text around its first hit; ``spans`` are the hits inside ``text``."""

    text: str
    spans: tuple[tuple[int, int], ...]


def make_snippet(
    text: str, words: Sequence[str], width: int = SNIPPET_WIDTH, anchors: Sequence[str] = ()
) -> Snippet:
    """About ``width`` characters of ``text`` around the first occurrence of any of ``anchors``
    (when one occurs; else of any of ``words``), with "…" where the text was cut, and the spans
    of every word occurrence inside it (cut at the snippet's edges)."""
    spans = find_spans(text, words)
    anchor_spans = find_spans(text, anchors) if anchors else []
    first = anchor_spans[0][0] if anchor_spans else (spans[0][0] if spans else 0)
    if len(text) <= width:
        start, end = 0, len(text)
    else:
        start = max(0, first - _BEFORE)
        end = min(len(text), start + width)
        start = max(0, end - width)
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(text) else ""
    shift = len(prefix) - start
    inside = tuple((max(s, start) + shift, min(e, end) + shift) for s, e in spans if s < end and e > start)
    return Snippet(prefix + text[start:end] + suffix, inside)


def query_phrases(query: str) -> list[str]:
    """The query's space-separated parts, folded: a document holding a part whole (洗衣液) ranks
    above one that only holds the words jieba cut it into (洗衣, 液)."""
    normal = unicodedata.normalize("NFKC", query)
    return list(dict.fromkeys(fold(p) for p in normal.split() if any(ch.isalnum() for ch in p)))


@dataclass(frozen=True)
class DocMatch:
    """How well one document matches a query: its best field, a snippet there, and the rank key
    parts (words and whole parts of the query in the title, whole parts anywhere, all hits)."""

    field: str
    snippet: Snippet
    title_words: int
    title_phrases: int
    phrases: int
    hits: int

    @property
    def rank(self) -> tuple[int, int, int, int]:
        """Smaller is better: title hits first, then whole query parts, then more hits."""
        return (-self.title_words, -self.title_phrases, -self.phrases, -self.hits)


def match_document(
    fields: Sequence[tuple[str, str]], words: Sequence[str], phrases: Sequence[str] = ()
) -> DocMatch | None:
    """Match a document's texts (:func:`search_fields`, title first) against the query words:
    None unless every word occurs somewhere (substring of the folded text). The best field holds
    the most distinct words, then whole query parts, then the title (a title that matches as well
    as any other field is what the hit should show), then the most hits (the first such field)."""
    if not words or not fields:
        return None
    scored = []
    found: set[str] = set()
    for index, (path, text) in enumerate(fields):
        folded = fold(text)
        present = {w for w in words if w in folded}
        if not present:
            continue
        found |= present
        spans = find_spans(text, words)
        whole = sum(1 for p in phrases if p in folded)
        scored.append(
            (
                (len(present), whole, index == 0, len(spans), -index),
                path,
                text,
                len(present),
                whole,
                len(spans),
            )
        )
    if len(found) < len(set(words)):
        return None
    title_path = fields[0][0]
    title = next((entry for entry in scored if entry[1] == title_path), None)
    best = max(scored, key=lambda entry: entry[0])
    _, path, text, _, _, _ = best
    doc_text = fold("\n".join(text for _, text in fields))
    return DocMatch(
        field=path,
        snippet=make_snippet(text, words, anchors=phrases),
        title_words=title[3] if title else 0,
        title_phrases=title[4] if title else 0,
        phrases=sum(1 for p in phrases if p in doc_text),
        hits=sum(entry[5] for entry in scored),
    )
