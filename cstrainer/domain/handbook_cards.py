"""Flashcards and spoken scripts made from handbook documents (products, competitors, entries).

Pure: no database, no Qt. The study service (cstrainer/services/handbook_study.py) schedules the
cards with fsrs; the GUI reads :func:`listen_script` aloud.

Generated cards
- :func:`generate_cards` turns the structured fields of a product or a competitor (the content-pack
  item dict, see cstrainer/formats/content_pack.py) into question/answer cards a trainer would ask.
  Nothing is stored: the same data always gives the same cards in the same order.
- Ids are stable slots, ``gen:<doc key>:<slot>`` (``price``, ``price:min``, ``variant:0``,
  ``materials``, ``size:2``, ``selling_points``, ``faq:1``, ``after_sale:0``; competitors
  ``price``, ``claims``, ``our_product``, ``answer``, ``answer:0`` ...). A slot is a field and,
  for lists, the position in the list: when a trainer rewords FAQ 2 the card keeps its id, so
  everybody's schedule of it carries on (a reworded answer is usually the same fact). Inserting an
  FAQ in the middle shifts the later ones onto the schedules of their predecessors; that is the
  price of keeping schedules across edits, and fsrs corrects it after a review or two.
- Price cards: the range always; what each end buys only when the product has a 规格 variant (or,
  without one, a 款式 variant) of at least two values. Its values are taken as listed from the
  cheapest to the dearest, as every shipped product lists them (the pack's prices are the first
  and the last value's daily prices).
- Size cards: one per row of the size chart that can be asked unambiguously: for each numeric
  column (``腰围(cm)``, ``58-64``) the middle of the row's range is used when no other row's
  range contains it (overlapping columns such as heights are left out of the question).
- Handbook entries (free Markdown) give no generated cards; trainers write cards for them.

Spoken scripts
- :func:`listen_script` gives the paragraphs of a document for text-to-speech: Markdown stripped
  (headings, emphasis, lists, tables, images, links), tables and size-chart rows read as
  "S 码：腰围 58 到 64 厘米……", units after numbers spelt out (``2kg`` -> ``2 千克``, ``30ml`` ->
  ``30 毫升``, ``℃`` -> ``摄氏度``, ``72%`` -> ``百分之 72``), ranges read as "3 到 7".
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from cstrainer.domain.handbook import format_number

GENERATED_PREFIX = "gen:"
TRAINER_PREFIX = "t:"
TRAINER_SOURCE = "trainer"

#: variants whose values set the price, most telling first (颜色 or 尺码 never change the price)
PRICE_VARIANTS = ("规格", "款式")
MAX_SIZE_QUESTION_COLUMNS = 3


@dataclass(frozen=True)
class Flashcard:
    """One card. ``source`` is the field it was made from (``price``, ``faq`` ...) or
    ``trainer``; ``version`` counts edits of a trainer's card (generated cards: 1)."""

    id: str
    doc_kind: str
    doc_key: str
    title: str
    front: str
    back: str
    source: str
    version: int = 1

    @property
    def generated(self) -> bool:
        return self.id.startswith(GENERATED_PREFIX)


def generated_id(doc_key: str, slot: str) -> str:
    return f"{GENERATED_PREFIX}{doc_key}:{slot}"


def trainer_id(row_id: int) -> str:
    return f"{TRAINER_PREFIX}{row_id}"


def parse_trainer_id(card_id: str) -> int | None:
    """The ``handbook_cards`` row id of ``t:<id>``; None for anything else."""
    if not card_id.startswith(TRAINER_PREFIX):
        return None
    rest = card_id[len(TRAINER_PREFIX) :]
    return int(rest) if rest.isdigit() and len(rest) < 19 else None


# --- small helpers ---------------------------------------------------------------------------------


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ("" if value is None else str(value).strip())


def _texts(value: Any) -> list[str]:
    if not isinstance(value, list):
        return []
    return [t for t in (_text(v) for v in value) if t]


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [v for _, v in _indexed(value)]


def _indexed(value: Any) -> list[tuple[int, dict[str, Any]]]:
    """The mappings of a list with their positions in it (positions are card slots)."""
    return [(i, v) for i, v in enumerate(value) if isinstance(v, dict)] if isinstance(value, list) else []


def _number(value: Any) -> float | None:
    """A finite number given as int or float (not bool), else None."""
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        return value
    return None


def _strip_end(text: str) -> str:
    return text.rstrip("。？?！!，,；;：: ")


def _spaced(text: str) -> str:
    """``text`` followed by a space when it ends in a Latin letter or digit (before Chinese)."""
    return f"{text} " if text[-1:].isascii() and text[-1:].isalnum() else text


def _numbered(items: Sequence[str]) -> str:
    return "\n".join(f"{i}. {t}" for i, t in enumerate(items, 1))


def price_tiers(data: Mapping[str, Any]) -> tuple[str, str] | None:
    """What the lowest and the highest price buy: the first and the last value of the price
    variant (``规格``, else ``款式``), or None when the product has no such variant."""
    variants = _dicts(data.get("variants"))
    for name in PRICE_VARIANTS:
        for v in variants:
            if _text(v.get("name")) == name:
                values = _texts(v.get("values"))
                if len(values) >= 2:
                    return values[0], values[-1]
    return None


# --- size charts ---------------------------------------------------------------------------------

_UNIT_IN_NAME = re.compile(r"^(.*?)\s*[（(]\s*([^()（）]+?)\s*[)）]\s*$")
_RANGE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(?:[-–—~～至到]\s*(\d+(?:\.\d+)?))?\s*$")


@dataclass(frozen=True)
class _Column:
    label: str  # 腰围
    unit: str  # cm ("" when the header names none)


def _column(name: str) -> _Column:
    m = _UNIT_IN_NAME.match(name)
    if m and m.group(1).strip():
        return _Column(m.group(1).strip(), m.group(2).strip())
    return _Column(name.strip(), "")


def _range(cell: str) -> tuple[float, float] | None:
    m = _RANGE.match(cell)
    if not m:
        return None
    lo = float(m.group(1))
    hi = float(m.group(2)) if m.group(2) else lo
    return (lo, hi) if lo <= hi else None


def _size_label(cell: str) -> str:
    cell = cell.strip()
    return cell if cell.endswith("码") else f"{cell} 码"


def _chart(data: Mapping[str, Any]) -> tuple[list[str], list[list[str]]] | None:
    chart = data.get("size_chart")
    if not isinstance(chart, dict):
        return None
    columns = _texts(chart.get("columns"))
    rows = [
        [_text(c) for c in row]
        for row in (chart.get("rows") or [])
        if isinstance(row, list) and len(row) == len(columns)
    ]
    if len(columns) < 2 or not rows:
        return None
    return columns, rows


def _probe(rows: list[list[str]], index: int, col: int) -> float | None:
    """A value inside row ``index``'s range of column ``col`` that no other row's range holds."""
    own = _range(rows[index][col])
    if own is None:
        return None
    lo, hi = own
    mid = (lo + hi) / 2
    value = float(math.floor(mid)) if lo < math.floor(mid) <= hi else mid
    for j, row in enumerate(rows):
        if j == index:
            continue
        other = _range(row[col])
        if other is not None and other[0] <= value <= other[1]:
            return None
    return value


def _row_description(columns: list[str], row: list[str]) -> str:
    parts = []
    for name, cell in zip(columns[1:], row[1:], strict=True):
        if not cell:
            continue
        col = _column(name)
        parts.append(f"{col.label} {cell}{col.unit}")
    return "、".join(parts)


def _size_cards(key: str, title: str, data: Mapping[str, Any]) -> list[Flashcard]:
    chart = _chart(data)
    if chart is None:
        return []
    columns, rows = chart
    cards = []
    for index, row in enumerate(rows):
        if not row[0]:
            continue
        asked = []
        for col in range(1, len(columns)):
            value = _probe(rows, index, col)
            if value is None:
                continue
            column = _column(columns[col])
            label = column.label.removeprefix("建议")
            asked.append(f"{label} {format_number(value)}{column.unit}")
            if len(asked) == MAX_SIZE_QUESTION_COLUMNS:
                break
        if not asked:
            continue
        front = f"顾客{'、'.join(asked)}，{title}选哪个码？"
        detail = _row_description(columns, row)
        back = f"{_size_label(row[0])}（{detail}）" if detail else _size_label(row[0])
        cards.append(
            Flashcard(generated_id(key, f"size:{index}"), "product", key, title, front, back, "size_chart")
        )
    return cards


# --- Markdown --------------------------------------------------------------------------------------

_HEADING = re.compile(r"^\s{0,3}#{1,6}\s*")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)、])\s+")
_TABLE_SEP = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_EMPHASIS = re.compile(r"(\*\*|__)(.+?)\1|(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])")
_CODE = re.compile(r"`([^`]*)`")
_END_PUNCT = "。！？!?；;：:…」』”）)"


def _inline(text: str) -> str:
    text = _IMAGE.sub("", text)
    text = _LINK.sub(r"\1", text)
    text = _CODE.sub(r"\1", text)
    for _ in range(3):
        new = _EMPHASIS.sub(lambda m: m.group(2) or m.group(3) or "", text)
        if new == text:
            break
        text = new
    return text.replace("**", "").strip()


def _cells(line: str) -> list[str]:
    line = line.strip()
    if line.startswith("|"):
        line = line[1:]
    if line.endswith("|"):
        line = line[:-1]
    return [_inline(c) for c in line.split("|")]


@dataclass(frozen=True)
class _Block:
    kind: Literal["heading", "para", "item", "table"]
    text: str = ""
    rows: tuple[tuple[str, ...], ...] = ()


def _blocks(markdown: str) -> list[_Block]:
    """Headings, paragraphs (wrapped lines joined), list items and tables of a Markdown text."""
    out: list[_Block] = []
    para: list[str] = []
    table: list[tuple[str, ...]] = []
    item: list[str] | None = None

    def flush() -> None:
        nonlocal para, table, item
        if item is not None:
            text = _inline("".join(item))
            if text:
                out.append(_Block("item", text))
            item = None
        if para:
            text = _inline("".join(para))
            if text:
                out.append(_Block("para", text))
            para = []
        if table:
            out.append(_Block("table", rows=tuple(table)))
            table = []

    for raw in markdown.splitlines():
        line = raw.rstrip()
        stripped = line.strip()
        if not stripped:
            flush()
            continue
        if stripped.startswith("|") or (table and "|" in stripped):
            if item is not None or para:
                flush()
            if not _TABLE_SEP.match(stripped):
                table.append(tuple(_cells(stripped)))
            continue
        if table:
            flush()
        if _HEADING.match(line):
            flush()
            text = _inline(_HEADING.sub("", stripped).rstrip("#").strip())
            if text:
                out.append(_Block("heading", text))
            continue
        if _LIST_ITEM.match(line):
            flush()
            item = [_LIST_ITEM.sub("", line).strip()]
            continue
        stripped = stripped.removeprefix(">").strip()
        if item is not None and raw[:1].isspace():
            item.append(stripped)  # an indented continuation of the item
        elif item is not None:
            flush()
            para.append(stripped)
        else:
            para.append(stripped)
    flush()
    return out


def strip_markdown(markdown: str) -> list[str]:
    """Plain-text paragraphs of a Markdown text: headings, paragraphs and list items each one
    line, table rows read as "first cell：header value，header value"."""
    lines: list[str] = []
    for block in _blocks(markdown):
        if block.kind == "table":
            lines.extend(_table_lines(block.rows))
        else:
            lines.append(block.text)
    return lines


def _table_lines(rows: tuple[tuple[str, ...], ...]) -> list[str]:
    if not rows:
        return []
    header, body = rows[0], rows[1:]
    if not body:
        return ["，".join(c for c in header if c)]
    out = []
    for row in body:
        first = row[0] if row else ""
        rest = [
            _table_cell(header[i] if i < len(header) else "", cell)
            for i, cell in enumerate(row)
            if i > 0 and cell
        ]
        out.append(f"{first}：{'，'.join(rest)}" if rest else first)
    return out


def _table_cell(name: str, cell: str) -> str:
    """``腰围(cm)`` and ``58-64`` -> ``腰围 58-64cm``; the unit moves behind a number."""
    if not name:
        return cell
    col = _column(name)
    if col.unit and _range(cell) is not None:
        return f"{col.label} {cell}{col.unit}"
    return f"{name} {cell}"


@dataclass(frozen=True)
class _Section:
    heading: str
    lines: tuple[str, ...]


def _sections(markdown: str) -> tuple[list[str], list[_Section], list[str]]:
    """A Markdown answer cut at its headings (``## x`` or a line that is all bold): the
    paragraphs before the first heading, the sections (heading and what follows it) and the
    plain paragraphs after the last section's list (a closing remark about the whole answer)."""
    intro: list[str] = []
    found: list[_OpenSection] = []
    for raw_block in _raw_blocks(markdown):
        first = raw_block[0].strip()
        bold = re.fullmatch(r"\*\*(.+?)\*\*[：:]?", first)
        if bold or _HEADING.match(first):
            heading = bold.group(1) if bold else _HEADING.sub("", first).rstrip("#")
            found.append(_OpenSection(_strip_end(_inline(heading))))
            rest = raw_block[1:]
        else:
            rest = raw_block
        for block in _blocks("\n".join(rest)):
            text = block.text if block.kind != "table" else "；".join(_table_lines(block.rows))
            if not found:
                intro.append(text)
                continue
            section = found[-1]
            if block.kind == "item":
                section.lines.extend(section.after)
                section.after.clear()
                section.lines.append(text)
                section.listed = True
            elif section.listed:
                section.after.append(text)
            else:
                section.lines.append(text)
    outro = found[-1].after if found else []
    sections = [
        _Section(f.heading, tuple(f.lines + (f.after if i < len(found) - 1 else [])))
        for i, f in enumerate(found)
    ]
    return intro, sections, outro


@dataclass
class _OpenSection:
    heading: str
    lines: list[str] = field(default_factory=list)
    after: list[str] = field(default_factory=list)  # paragraphs after the section's list
    listed: bool = False


def _raw_blocks(markdown: str) -> list[list[str]]:
    blocks: list[list[str]] = []
    current: list[str] = []
    for line in markdown.splitlines():
        if line.strip():
            current.append(line)
        elif current:
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    return blocks


# --- generation -------------------------------------------------------------------------------------


def generate_cards(
    kind: str,
    key: str,
    data: Mapping[str, Any],
    *,
    title: str,
    product_names: Mapping[str, str] | None = None,
) -> list[Flashcard]:
    """The cards of one document (``data`` = the pack item dict). ``product_names`` names our
    products by key (a competitor's ``our_product``); the key is shown without it."""
    title = title.strip() or key
    if kind == "product":
        cards = _product_cards(key, title, data)
    elif kind == "competitor":
        cards = _competitor_cards(key, title, data, product_names or {})
    else:
        cards = []
    return [c for c in cards if c.front.strip() and c.back.strip()]


def _product_cards(key: str, name: str, data: Mapping[str, Any]) -> list[Flashcard]:
    def card(slot: str, front: str, back: str, source: str) -> Flashcard:
        return Flashcard(generated_id(key, slot), "product", key, name, front, back, source)

    cards: list[Flashcard] = []
    low, high = _number(data.get("price_min")), _number(data.get("price_max"))
    if low is not None and high is not None:
        tiers = price_tiers(data) if low < high else None
        lo, hi = format_number(low), format_number(high)
        if low == high:
            cards.append(card("price", f"{name}日常价多少钱？", f"{lo} 元", "price"))
        elif tiers is None:
            cards.append(card("price", f"{name}的价格区间是多少？", f"{lo}–{hi} 元", "price"))
        else:
            cards.append(
                card(
                    "price",
                    f"{name}的价格区间是多少？最低价和最高价分别是哪个{_tier_name(data)}？",
                    f"{lo}–{hi} 元：{tiers[0]} {lo} 元，{tiers[1]} {hi} 元",
                    "price",
                )
            )
            cards.append(card("price:min", f"{name} {_spaced(tiers[0])}日常价多少？", f"{lo} 元", "price"))
            cards.append(card("price:max", f"{name} {_spaced(tiers[1])}日常价多少？", f"{hi} 元", "price"))
    for index, variant in _indexed(data.get("variants")):
        vname, values = _text(variant.get("name")), _texts(variant.get("values"))
        if vname and values:
            cards.append(card(f"variant:{index}", f"{name}有哪些{vname}？", "、".join(values), "variants"))
    materials = _texts(data.get("materials"))
    if materials:
        fabric = any("%" in m for m in materials)
        front = f"{name}的面料成分是什么？" if fabric else f"{name}的主要成分有哪些？"
        cards.append(card("materials", front, "；".join(materials), "materials"))
    cards.extend(_size_cards(key, name, data))
    points = _texts(data.get("selling_points"))
    if points:
        front = (
            f"说出{name}的一个卖点。"
            if len(points) == 1
            else f"说出{name}的一个卖点（共 {len(points)} 条）。"
        )
        cards.append(card("selling_points", front, _numbered(points), "selling_points"))
    for index, faq in _indexed(data.get("faq")):
        q, a = _text(faq.get("q")), _text(faq.get("a"))
        if q and a:
            cards.append(card(f"faq:{index}", f"顾客咨询{name}：“{q}”怎么回答？", a, "faq"))
    for index, entry in _indexed(data.get("after_sale")):
        problem, handling = _strip_end(_text(entry.get("problem"))), _text(entry.get("handling"))
        if problem and handling:
            front = f"{name}售后：{problem}，怎么处理？"
            cards.append(card(f"after_sale:{index}", front, handling, "after_sale"))
    return cards


def _tier_name(data: Mapping[str, Any]) -> str:
    names = {_text(v.get("name")) for v in _dicts(data.get("variants"))}
    return next((n for n in PRICE_VARIANTS if n in names), "规格")


def _competitor_cards(
    key: str, title: str, data: Mapping[str, Any], product_names: Mapping[str, str]
) -> list[Flashcard]:
    def card(slot: str, front: str, back: str, source: str) -> Flashcard:
        return Flashcard(generated_id(key, slot), "competitor", key, title, front, back, source)

    product = _text(data.get("product")) or title
    rival = _text(data.get("rival_brand"))
    named = product if not rival or rival in product else f"{rival} {product}"
    cards: list[Flashcard] = []
    price = _number(data.get("price"))
    if price is not None:
        cards.append(card("price", f"竞品“{named}”卖多少钱？", f"{format_number(price)} 元", "price"))
    claims = _texts(data.get("claims"))
    if claims:
        cards.append(card("claims", f"竞品“{named}”主打哪些卖点？", _numbered(claims), "claims"))
    ours = _text(data.get("our_product"))
    if ours:
        front = f"顾客拿“{named}”来比，我们对应推荐哪款产品？"
        cards.append(card("our_product", front, product_names.get(ours, ours), "our_product"))
    answer = _text(data.get("our_answer"))
    if answer:
        intro, sections, outro = _sections(answer)
        headings = [s.heading for s in sections if s.heading]
        if headings:
            back = "\n".join([*intro, _numbered(headings), *outro])
        else:
            back = "\n".join(strip_markdown(answer))
        cards.append(card("answer", f"顾客拿“{named}”和我们比，应对要点有哪些？", back, "our_answer"))
        for index, section in enumerate(sections):
            if section.heading and section.lines:
                front = f"应对“{named}”：{section.heading}——具体怎么讲？"
                cards.append(card(f"answer:{index}", front, "\n".join(section.lines), "our_answer"))
    return cards


# --- speech -----------------------------------------------------------------------------------------

_UNITS = [
    (r"g\s*/\s*㎡", "克每平方米"),
    (r"kg|KG|Kg|公斤", "千克"),
    (r"ml|mL|ML", "毫升"),
    (r"cm|CM", "厘米"),
    (r"mm", "毫米"),
    (r"℃|°C|° C", "摄氏度"),
    (r"g", "克"),
    (r"L", "升"),
    (r"㎡|m²", "平方米"),
]
_NUMBER = r"(\d+(?:\.\d+)?)"
_UNIT_AFTER_NUMBER = [
    (re.compile(_NUMBER + r"\s*(?:" + pattern + r")(?![A-Za-z])"), word) for pattern, word in _UNITS
]
_NUMBER_RANGE = re.compile(r"(\d)\s*[-–—~～]\s*(?=\d)")
_PERCENT = re.compile(_NUMBER + r"\s*[%％]")
_YUAN_SIGN = re.compile(r"[¥￥]\s*" + _NUMBER)
_TIMES = re.compile(r"\s*×\s*(?=\d)")
_FRACTION = re.compile(r"(\d+)\s*/\s*(\d+)")
_NUMBERED_HEAD = re.compile(r"^(\d{1,2})[.)．]\s+")  # "### 1. 七天无理由退货"
_EMOJI = re.compile("[\U0001f000-\U0001faff\u2600-\u27bf\ufe0f]")


def speakable(text: str) -> str:
    """``text`` as a speech engine should read it: units and signs after numbers spelt out."""
    text = _EMOJI.sub("", text)
    text = _YUAN_SIGN.sub(r"\1 元", text)
    text = _PERCENT.sub(r"百分之 \1", text)
    text = text.replace("≥", "不低于 ").replace("≤", "不超过 ").replace("±", "正负 ")
    text = _TIMES.sub(" 乘 ", text)
    text = re.sub(r"(乘 \d+)\s+(?=\d)", r"\1，", text)  # "300ml×2 59.9 元"
    text = _NUMBER_RANGE.sub(r"\1 到 ", text)
    for pattern, word in _UNIT_AFTER_NUMBER:
        text = pattern.sub(rf"\1 {word}", text)
    text = re.sub(r"(?<=\S)\s*\+\s*(?=\S)", " 加 ", text)
    text = _FRACTION.sub(r"\2 分之 \1", text)
    text = re.sub(r"\s*/\s*", "、", text)
    text = text.replace("→", "，").replace("——", "，").replace("|", "，")
    text = re.sub(r"[ \t]+", " ", text)
    return text.strip()


def _sentence(text: str) -> str:
    text = text.strip()
    return text if not text or text.endswith(tuple(_END_PUNCT)) else text + "。"


def _spoken_size_rows(data: Mapping[str, Any]) -> list[str]:
    chart = _chart(data)
    if chart is None:
        return []
    columns, rows = chart
    out = []
    for row in rows:
        parts = []
        for name, cell in zip(columns[1:], row[1:], strict=True):
            if cell:
                col = _column(name)
                parts.append(f"{col.label} {cell}{col.unit}")
        out.append(f"{_size_label(row[0])}：{'，'.join(parts)}" if parts else _size_label(row[0]))
    return out


def listen_script(
    kind: str,
    data: Mapping[str, Any],
    *,
    title: str,
    product_names: Mapping[str, str] | None = None,
) -> list[str]:
    """The document as paragraphs to read aloud, in reading order (none of them empty)."""
    paragraphs: list[str] = []
    if kind == "product":
        paragraphs.extend(_product_script(title, data))
    elif kind == "competitor":
        paragraphs.extend(_competitor_script(title, data, product_names or {}))
    else:
        paragraphs.append(_text(data.get("title")) or title)
        paragraphs.extend(strip_markdown(_text(data.get("body"))))
    spoken = (_sentence(_NUMBERED_HEAD.sub(r"第 \1 条，", speakable(p))) for p in paragraphs)
    return [p for p in spoken if p.strip("。 ")]


def _product_script(title: str, data: Mapping[str, Any]) -> list[str]:
    out = [title.strip() or _text(data.get("name"))]
    category = _text(data.get("category"))
    if category:
        out[0] = f"{out[0]}，{category}"
    low, high = _number(data.get("price_min")), _number(data.get("price_max"))
    if low is not None and high is not None:
        lo, hi = format_number(low), format_number(high)
        if low == high:
            out.append(f"价格：{lo} 元")
        else:
            tiers = price_tiers(data)
            tail = f"，{tiers[0]} {lo} 元，{tiers[1]} {hi} 元" if tiers else ""
            out.append(f"价格：{lo} 元到 {hi} 元{tail}")
    for variant in _dicts(data.get("variants")):
        vname, values = _text(variant.get("name")), _texts(variant.get("values"))
        if vname and values:
            out.append(f"{vname}：{'、'.join(values)}")
    materials = _texts(data.get("materials"))
    if materials:
        out.append("成分：" + "；".join(materials))
    points = _texts(data.get("selling_points"))
    if points:
        out.append(f"卖点，共 {len(points)} 条")
        out.extend(f"第 {i} 条：{p}" for i, p in enumerate(points, 1))
    sizes = _spoken_size_rows(data)
    if sizes:
        out.append("尺码表")
        out.extend(sizes)
    usage = _text(data.get("usage"))
    if usage:
        out.append("使用方法")
        out.extend(strip_markdown(usage))
    for faq in _dicts(data.get("faq")):
        q, a = _text(faq.get("q")), _text(faq.get("a"))
        if q and a:
            out.append(f"顾客常问：{q} 回答：{a}")
    for entry in _dicts(data.get("after_sale")):
        problem, handling = _text(entry.get("problem")), _text(entry.get("handling"))
        if problem and handling:
            out.append(f"售后问题：{_strip_end(problem)}。处理方法：{handling}")
    return out


def _competitor_script(title: str, data: Mapping[str, Any], product_names: Mapping[str, str]) -> list[str]:
    product = _text(data.get("product")) or title
    rival = _text(data.get("rival_brand"))
    out = [f"竞品：{product}" + (f"，品牌{rival}" if rival else "")]
    price = _number(data.get("price"))
    if price is not None:
        out.append(f"价格：{format_number(price)} 元")
    claims = _texts(data.get("claims"))
    if claims:
        out.append("对方主打：" + "；".join(claims))
    ours = _text(data.get("our_product"))
    if ours:
        out.append(f"我们对应的产品：{product_names.get(ours, ours)}")
    answer = _text(data.get("our_answer"))
    if answer:
        out.append("我们的应对")
        out.extend(strip_markdown(answer))
    return out
