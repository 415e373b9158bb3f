"""Handbook docs (products, competitors, handbook entries) as Markdown.

Two things live here, both pure (no database, no Qt):

* :func:`render_markdown` — one doc as a readable Markdown page with Chinese section headings
  (规格, 价格, 成分/材质, 尺码表 as a table, 卖点, 使用与保养, 常见问题, 售后处理; for a competitor
  对方宣称, 我们怎么回答, 对应我方产品). The GUI shows it, the PDF export lays it out. Images are
  written as ``![名称](assets/...)``: the path is relative to the project root
  (:func:`cstrainer.paths.project_root`), so a viewer sets that folder as its base URL.
* the *folder format* a trainer edits in any text editor and imports again
  (:func:`write_folder` / :func:`read_folder`)::

      <folder>/README.md                      index (not read back)
      <folder>/<brand key | shared>/products/<key>.md
      <folder>/<brand key | shared>/competitors/<key>.md
      <folder>/<brand key | shared>/handbook/<key>.md

  One file per doc: a YAML front matter between ``---`` lines holds the short fields (brand,
  category, variants, prices, materials, size chart, selling points, images, tags ...); the title
  is the ``# `` heading; the long texts are Markdown sections under fixed headings
  (``## 使用与保养``, ``## 常见问题`` with one ``### 问题`` per FAQ entry, ``## 售后处理`` with one
  ``### 问题`` per case, ``## 我们怎么回答``); an entry's body is everything after its title. The
  key is the file name, the kind the folder name; the brand folder is only for people browsing
  (the ``brand`` field decides). A text that cannot be written as a section without changing
  it (it contains one of the section headings, ends without a line break where one is expected
  ...) is written into the front matter instead, so export → import gives back every doc exactly.

Reading collects every problem with file, line and field (:class:`FormatError`) and returns no
docs at all when there is one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from cstrainer.domain.handbook import (
    DOC_KINDS,
    KIND_LABELS,
    PACK_KIND,
    TITLE_FIELD,
    field_label,
    format_number,
)
from cstrainer.formats.errors import FormatError
from cstrainer.formats.limits import (
    MAX_TEXT_FILE_BYTES,
    NUL_MESSAGE,
    FileTooLarge,
    nul_position,
    read_limited,
)

__all__ = [
    "KIND_DIRS",
    "SHARED_DIR",
    "FolderDoc",
    "FolderRead",
    "doc_path",
    "normalize_data",
    "parse_doc",
    "read_folder",
    "render_doc_file",
    "render_index",
    "render_markdown",
    "write_folder",
]

#: folder name of each doc kind inside a brand folder
KIND_DIRS: dict[str, str] = {"product": "products", "competitor": "competitors", "entry": "handbook"}
#: the folder for docs without a brand
SHARED_DIR = "shared"


# ---------------------------------------------------------------------------------------------
# Display rendering
# ---------------------------------------------------------------------------------------------


def _price_range(data: Mapping[str, Any]) -> str:
    low: Any = data.get("price_min")
    high: Any = data.get("price_max")
    if low is None and high is None:
        return ""
    if low is None or high is None or low == high:
        single: Any = high if low is None else low
        return f"¥{format_number(single)}"
    return f"¥{format_number(low)} – ¥{format_number(high)}"


def _cell(value: Any) -> str:
    text = str(value).replace("\\", "\\\\").replace("|", "\\|")
    return " <br> ".join(part.strip() for part in text.splitlines()) if "\n" in text else text


def _table(columns: Sequence[Any], rows: Sequence[Sequence[Any]]) -> list[str]:
    lines = ["| " + " | ".join(_cell(c) for c in columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return lines


def _bullets(values: Iterable[Any]) -> list[str]:
    return [f"- {str(v).strip()}" for v in values]


def _image_name(path: str, fallback: str) -> str:
    return fallback or Path(path).stem


def render_markdown(
    kind: str,
    key: str,
    data: Mapping[str, Any],
    *,
    brand_name: str | None = None,
    product_name: str | None = None,
) -> str:
    """One doc as a Markdown page (Chinese headings). ``data`` is the pack item dict (with or
    without ``key``); ``brand_name`` / ``product_name`` are display names for the brand and the
    linked product (a competitor's ``our_product``, an entry's ``product``); without them the
    keys are shown."""
    if kind not in DOC_KINDS:
        raise ValueError(f"unknown handbook doc kind: {kind!r}")
    out: list[str] = []

    def section(title: str, lines: Sequence[str]) -> None:
        if lines:
            out.extend(["", f"## {title}", "", *lines])

    def text_lines(text: Any) -> list[str]:
        return str(text).strip("\n").splitlines() if str(text).strip() else []

    if kind == "product":
        name = str(data.get("name") or key)
        out.append(f"# {name}")
        facts = []
        brand = data.get("brand")
        if brand:
            facts.append(f"品牌：{brand_name or brand}")
        if data.get("category"):
            facts.append(f"品类：{data['category']}")
        price = _price_range(data)
        if facts:
            out += ["", " · ".join(facts)]
        images = list(data.get("images") or [])
        if images:
            out.append("")
            out += [f"![{name}]({path})" for path in images]
        variants = data.get("variants") or []
        section(
            "规格",
            [
                f"- **{v.get('name', '')}**：{'、'.join(str(x) for x in v.get('values') or [])}"
                for v in variants
            ],
        )
        section("价格", [price] if price else [])
        section("成分/材质", _bullets(data.get("materials") or []))
        chart = data.get("size_chart")
        if chart:
            section("尺码表", _table(chart.get("columns") or [], chart.get("rows") or []))
        section("卖点", _bullets(data.get("selling_points") or []))
        section("使用与保养", text_lines(data.get("usage") or ""))
        faq_lines: list[str] = []
        for entry in data.get("faq") or []:
            if faq_lines:
                faq_lines.append("")
            faq_lines.append(f"**问：{str(entry.get('q', '')).strip()}**")
            faq_lines.append("")
            answer = text_lines(entry.get("a", ""))
            if answer:
                answer[0] = "答：" + answer[0]
            faq_lines += answer
        section("常见问题", faq_lines)
        after_lines: list[str] = []
        for entry in data.get("after_sale") or []:
            if after_lines:
                after_lines.append("")
            after_lines += [f"### {str(entry.get('problem', '')).strip()}", ""]
            after_lines += text_lines(entry.get("handling", ""))
        section("售后处理", after_lines)
    elif kind == "competitor":
        title = str(data.get("product") or key)
        out.append(f"# {title}")
        facts = []
        if data.get("rival_brand"):
            facts.append(f"竞品品牌：{data['rival_brand']}")
        if data.get("price") is not None:
            facts.append(f"价格：¥{format_number(data['price'])}")
        if facts:
            out += ["", " · ".join(facts)]
        section("对方宣称", _bullets(data.get("claims") or []))
        section("我们怎么回答", text_lines(data.get("our_answer") or ""))
        our = data.get("our_product")
        if our:
            section("对应我方产品", [f"{product_name}（{our}）" if product_name else str(our)])
    else:
        title = str(data.get("title") or key)
        out.append(f"# {title}")
        facts = []
        if data.get("brand"):
            facts.append(f"品牌：{brand_name or data['brand']}")
        if data.get("product"):
            facts.append(f"商品：{product_name or data['product']}")
        tags = data.get("tags") or []
        if tags:
            facts.append("标签：" + "、".join(str(t) for t in tags))
        if facts:
            out += ["", " · ".join(facts)]
        body = text_lines(data.get("body") or "")
        if body:
            out += ["", *body]
    return "\n".join(out).rstrip() + "\n"


# ---------------------------------------------------------------------------------------------
# Folder format: writing
# ---------------------------------------------------------------------------------------------

#: block sections (whole text, ends with a line break) per kind: field -> heading
_BLOCK_SECTIONS: dict[str, dict[str, str]] = {
    "product": {"usage": "使用与保养"},
    "competitor": {"our_answer": "我们怎么回答"},
    "entry": {},
}
#: list sections per kind: field -> (heading, heading field of an item, text field of an item)
_LIST_SECTIONS: dict[str, dict[str, tuple[str, str, str]]] = {
    "product": {"faq": ("常见问题", "q", "a"), "after_sale": ("售后处理", "problem", "handling")},
    "competitor": {},
    "entry": {},
}
#: section order in a file
_SECTION_ORDER: dict[str, tuple[str, ...]] = {
    "product": ("usage", "faq", "after_sale"),
    "competitor": ("our_answer",),
    "entry": (),
}


def _headings(kind: str) -> dict[str, str]:
    """heading text -> field for the sections of ``kind``."""
    out = {heading: name for name, heading in _BLOCK_SECTIONS[kind].items()}
    out.update({spec[0]: name for name, spec in _LIST_SECTIONS[kind].items()})
    return out


_H2 = re.compile(r"^##[ \t]+(.+?)[ \t]*#*[ \t]*$")
_H3 = re.compile(r"^###(?:[ \t]+(.*?))?[ \t]*$")
_H1 = re.compile(r"^#[ \t]+(.+?)[ \t]*$")


def _headings_of(kind: str) -> dict[str, str]:
    """field -> heading text for the sections of ``kind``."""
    return {name: heading for heading, name in _headings(kind).items()}


def _is_section_line(kind: str, line: str) -> bool:
    match = _H2.match(line)
    return match is not None and match.group(1).strip() in _headings(kind)


def _safe_heading(text: Any) -> bool:
    """Can ``text`` be a heading line and come back unchanged?"""
    return (
        isinstance(text, str)
        and text != ""
        and text == text.strip()
        and "\n" not in text
        and "\r" not in text
        and not text.startswith("#")
        and not text.endswith("#")
        and "\x00" not in text
    )


def _safe_text(kind: str, text: Any, *, block: bool, item: bool) -> bool:
    """Can ``text`` be written as section content and be read back unchanged?

    Block texts must end with exactly one line break (as a YAML ``|`` block gives them), item
    texts with none; neither may start or end with blank lines, contain a carriage return, or a
    line that would be taken for a section (or, inside a list section, item) heading.
    """
    if not isinstance(text, str) or "\r" in text or "\x00" in text:
        return False
    core = text[:-1] if block else text
    if block and not text.endswith("\n"):
        return False
    if not core or core != core.strip("\n") or not core.strip():
        return False
    lines = core.split("\n")
    if item and not lines[0].strip():
        return False  # reading skips blank-looking lines before an item's text
    for line in lines:
        if _is_section_line(kind, line):
            return False
        if item and _H3.match(line):
            return False
    return True


def _safe_title(text: Any) -> bool:
    return _safe_heading(text)


def _safe_list(kind: str, values: Any, head: str, body: str) -> bool:
    if not isinstance(values, list) or not values:
        return False
    for entry in values:
        if not isinstance(entry, dict) or set(entry) != {head, body}:
            return False
        if not _safe_heading(entry[head]) or not _safe_text(kind, entry[body], block=False, item=True):
            return False
    return True


def _safe_entry_body(text: Any) -> bool:
    if not isinstance(text, str) or "\r" in text or "\x00" in text or not text.endswith("\n"):
        return False
    core = text[:-1]
    return bool(core.strip()) and core == core.strip("\n")


def _sections_for(kind: str, data: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Split ``data`` into front-matter fields and the fields written as sections (in order)."""
    front: dict[str, Any] = {}
    sections: list[str] = []
    title_field = TITLE_FIELD[kind]
    for name, value in data.items():
        if name == "key":
            continue
        if name == title_field and _safe_title(value):
            continue
        if kind == "entry" and name == "body" and _safe_entry_body(value):
            sections.append(name)
            continue
        if name in _BLOCK_SECTIONS[kind] and _safe_text(kind, value, block=True, item=False):
            sections.append(name)
            continue
        if name in _LIST_SECTIONS[kind]:
            _heading, head, body = _LIST_SECTIONS[kind][name]
            if _safe_list(kind, value, head, body):
                sections.append(name)
                continue
        front[name] = value
    order = (*_SECTION_ORDER[kind], "body")
    sections.sort(key=order.index)
    return front, sections


def _dump_front(front: Mapping[str, Any]) -> str:
    if not front:
        return ""
    from cstrainer.formats.content_pack import _PackDumper

    return yaml.dump(
        dict(front),
        Dumper=_PackDumper,
        allow_unicode=True,
        sort_keys=False,
        default_flow_style=False,
        width=100,
        indent=2,
    )


def render_doc_file(kind: str, key: str, data: Mapping[str, Any]) -> str:
    """The editable file of one doc (front matter + title + sections)."""
    if kind not in DOC_KINDS:
        raise ValueError(f"unknown handbook doc kind: {kind!r}")
    front, sections = _sections_for(kind, data)
    out = ["---"]
    text = _dump_front(front)
    if text:
        out.append(text.rstrip("\n"))
    out.append("---")
    title = data.get(TITLE_FIELD[kind])
    if _safe_title(title):
        out += ["", f"# {title}"]
    for name in sections:
        value = data[name]
        if name == "body":
            out += ["", value[:-1]]
        elif name in _BLOCK_SECTIONS[kind]:
            out += ["", f"## {_BLOCK_SECTIONS[kind][name]}", "", value[:-1]]
        else:
            heading, head, body = _LIST_SECTIONS[kind][name]
            out += ["", f"## {heading}"]
            for entry in value:
                out += ["", f"### {entry[head]}", "", entry[body]]
    return "\n".join(out) + "\n"


def doc_path(kind: str, key: str, brand: str | None) -> Path:
    """Where a doc goes inside the export folder (relative path)."""
    return Path(brand or SHARED_DIR) / KIND_DIRS[kind] / f"{key}.md"


@dataclass(frozen=True)
class FolderDoc:
    """One doc for (or from) a folder: ``brand`` only picks the folder it is written to."""

    kind: str
    key: str
    data: dict[str, Any]
    brand: str | None = None
    title: str = ""
    file: str = ""
    #: 1-based line of each top-level field in ``file`` (read docs only)
    lines: Mapping[str, int] = field(default_factory=dict)


def render_index(
    docs: Sequence[FolderDoc], *, title: str = "产品手册", brand_names: Mapping[str, str] | None = None
) -> str:
    """The README.md of an export folder: what is where, and how to edit and import it."""
    brand_names = brand_names or {}
    lines = [
        f"# {title}",
        "",
        "每个文件是一篇手册：开头 `---` 之间是短字段（YAML），`# ` 后是名称或标题，",
        "`## 使用与保养`、`## 常见问题`（每个问题一个 `### `）、`## 售后处理`、`## 我们怎么回答` 等是长文字。",
        "文件名就是编号。改好后用“导入手册文件夹”或 `cstrainer handbook import 文件夹` 导回（本文件不会被导入）。",
    ]
    groups: dict[str | None, list[FolderDoc]] = {}
    for doc in docs:
        groups.setdefault(doc.brand, []).append(doc)
    for brand in sorted(groups, key=lambda b: (b is None, b or "")):
        lines += ["", f"## {brand_names.get(brand, brand) if brand else '通用'}"]
        for kind in DOC_KINDS:
            items = [d for d in groups[brand] if d.kind == kind]
            if not items:
                continue
            lines += ["", f"### {KIND_LABELS[kind]}", ""]
            for d in sorted(items, key=lambda d: d.key):
                rel = doc_path(kind, d.key, d.brand).as_posix()
                lines.append(f"- [{d.title or d.key}]({rel})")
    return "\n".join(lines) + "\n"


def write_folder(
    folder: Path,
    docs: Sequence[FolderDoc],
    *,
    title: str = "产品手册",
    brand_names: Mapping[str, str] | None = None,
) -> list[Path]:
    """Write every doc and the index README.md into ``folder``; returns the doc files written."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for doc in docs:
        path = folder / doc_path(doc.kind, doc.key, doc.brand)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render_doc_file(doc.kind, doc.key, doc.data), encoding="utf-8", newline="\n")
        written.append(path)
    (folder / "README.md").write_text(
        render_index(docs, title=title, brand_names=brand_names), encoding="utf-8", newline="\n"
    )
    return written


# ---------------------------------------------------------------------------------------------
# Folder format: reading
# ---------------------------------------------------------------------------------------------


@dataclass
class FolderRead:
    """What :func:`read_folder` found: the docs (empty when there are errors) and the problems."""

    docs: list[FolderDoc] = field(default_factory=list)
    errors: list[FormatError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def normalize_data(
    kind: str, key: str, raw: Mapping[str, Any]
) -> tuple[dict[str, Any] | None, list[tuple[Any, str]]]:
    """Validate ``raw`` with the content-pack model of ``kind``; return the canonical data (the
    pack item dict without ``key``, as stored) or None and the problems ``(path, message)``."""
    from cstrainer.formats.content_pack import item_to_dict, validate_item

    model, problems = validate_item(PACK_KIND[kind], {"key": key, **raw})
    if model is None or problems:
        return None, [(path, message) for path, message, _is_key in problems]
    data = item_to_dict(model)
    data.pop("key", None)
    return data, []


def _field_text(path: Sequence[Any]) -> str:
    from cstrainer.formats.content_pack import format_field

    return format_field(tuple(path))


class _Problems:
    def __init__(self, file: str, kind: str) -> None:
        self.file = file
        self.kind = kind
        self.errors: list[FormatError] = []

    def add(self, line: int | None, message: str, field_path: str | None = None) -> None:
        if field_path:
            label = field_label(self.kind, field_path)
            top = re.split(r"[.\[]", field_path, maxsplit=1)[0]
            where = f"{field_path}（{label}）" if label != top else field_path
            message = f"{where}：{message}"
        self.errors.append(FormatError(self.file, line, None, message))


def parse_doc(
    kind: str, key: str, text: str, *, file: str = ""
) -> tuple[dict[str, Any] | None, list[FormatError]]:
    """Read one doc file back into its data (pack item dict without ``key``) or its problems."""
    data, errors, _lines = _parse_doc(kind, key, text, file=file)
    return data, errors


def _parse_doc(
    kind: str, key: str, text: str, *, file: str = ""
) -> tuple[dict[str, Any] | None, list[FormatError], dict[str, int]]:
    from cstrainer.formats.yaml_lines import YamlSyntaxError, load_with_positions

    problems = _Problems(file or f"{key}.md", kind)
    nul = nul_position(text)
    if nul is not None:
        problems.add(nul[0], NUL_MESSAGE)
        return None, problems.errors, {}
    lines = text.split("\n")
    if lines and lines[0].startswith("\ufeff"):
        lines[0] = lines[0][1:]
    # --- front matter
    if not lines or lines[0].rstrip() != "---":
        problems.add(1, "文件应以 --- 开头的 YAML 信息块（front matter）开始")
        return None, problems.errors, {}
    end = next((i for i in range(1, len(lines)) if lines[i].rstrip() == "---"), None)
    if end is None:
        problems.add(1, "YAML 信息块没有结束的 --- 行")
        return None, problems.errors, {}
    front_offset = 1  # the front matter's first line is line 2 of the file
    try:
        loaded, positions = load_with_positions("\n".join(lines[1:end]) + "\n")
    except YamlSyntaxError as exc:
        problems.add((exc.line or 1) + front_offset, exc.message)
        return None, problems.errors, {}
    if loaded is None:
        loaded = {}
    if not isinstance(loaded, dict):
        problems.add(2, "YAML 信息块应为“字段: 值”的映射")
        return None, problems.errors, {}
    raw = dict(loaded)
    front_fields = set(raw)
    field_lines: dict[str, int] = {}
    for name in raw:
        position = positions.key((name,))
        field_lines[str(name)] = (position.line if position else 1) + front_offset

    def front_line(path: Sequence[Any]) -> int | None:
        position = positions.value(tuple(path))
        return position.line + front_offset if position else None

    # --- body: title and sections
    title_field = TITLE_FIELD[kind]
    headings = _headings(kind)
    i = end + 1
    while i < len(lines) and not lines[i].strip() and title_field not in raw:
        i += 1
    item_lines: dict[tuple[Any, ...], int] = {}
    if i < len(lines) and title_field not in raw:
        match = _H1.match(lines[i])
        if match is None:
            problems.add(i + 1, f"这里应是 # 开头的{field_label(kind, title_field)}行")
        else:
            raw[title_field] = match.group(1)
            field_lines[title_field] = i + 1
            item_lines[(title_field,)] = i + 1
        i += 1
    rest = lines[i:]
    start = i  # 0-based index of rest[0]
    if kind == "entry":
        body_lines = rest
        while body_lines and body_lines[0] == "":  # a line of spaces may belong to the text
            body_lines = body_lines[1:]
            start += 1
        body = "\n".join(body_lines).strip("\n")
        if body.strip():
            if "body" in raw:
                problems.add(start + 1, "正文已写在 YAML 信息块的 body 里，标题下面不能再写正文", "body")
            else:
                raw["body"] = body + "\n"
                field_lines["body"] = start + 1
                item_lines[("body",)] = start + 1
    else:
        # split into sections at "## <known heading>" lines
        blocks: list[tuple[str | None, int, list[str]]] = [(None, start, [])]
        for offset, row in enumerate(rest):
            match = _H2.match(row)
            if match and match.group(1).strip() in headings:
                blocks.append((headings[match.group(1).strip()], start + offset, []))
            else:
                blocks[-1][2].append(row)
        seen: set[str] = set()
        for section, at, content in blocks:
            if section is None:
                stray = next((k for k, text in enumerate(content) if text.strip()), None)
                if stray is not None:
                    wanted = "、".join(f"## {h}" for h in headings) or "（这一类没有长文字小节）"
                    problems.add(
                        at + stray + 1,
                        f"这段文字不在任何小节里，不会被导入；小节标题只能是 {wanted}",
                    )
                continue
            heading_line = at + 1
            if section in seen:
                problems.add(heading_line, f"小节“{_headings_of(kind)[section]}”出现了两次", section)
                continue
            seen.add(section)
            if section in raw:
                problems.add(heading_line, "这一项已写在 YAML 信息块里，不能再写成小节", section)
                continue
            field_lines[section] = heading_line
            if section in _BLOCK_SECTIONS[kind]:
                value = "\n".join(content).strip("\n")
                raw[section] = value + "\n" if value.strip() else ""
                item_lines[(section,)] = heading_line
                continue
            _heading, head, body_name = _LIST_SECTIONS[kind][section]
            entries: list[dict[str, Any]] = []
            current: dict[str, Any] | None = None
            current_lines: list[str] = []
            for k, row in enumerate(content):
                lineno = at + 1 + k + 1
                match3 = _H3.match(row)
                if match3:
                    if current is not None:
                        current[body_name] = "\n".join(current_lines).strip("\n")
                    current = {head: (match3.group(1) or "").strip()}
                    current_lines = []
                    index = len(entries)
                    entries.append(current)
                    item_lines[(section, index)] = lineno
                    item_lines[(section, index, head)] = lineno
                    item_lines[(section, index, body_name)] = lineno  # until the text starts
                elif current is None:
                    if row.strip():
                        problems.add(
                            lineno, f"这段文字不属于任何一条；每条以 ### 开头写{_item_label(head)}", section
                        )
                else:
                    if not current_lines and not row.strip():
                        continue
                    if not current_lines:
                        item_lines[(section, len(entries) - 1, body_name)] = lineno
                    current_lines.append(row)
            if current is not None:
                current[body_name] = "\n".join(current_lines).strip("\n")
            raw[section] = entries
            item_lines[(section,)] = heading_line
    if problems.errors:
        return None, problems.errors, {}

    # --- validate with the pack model
    data, issues = normalize_data(kind, key, raw)
    for issue_path, message in issues:
        path = tuple(issue_path)
        if path == ("key",):
            message = f"文件名（编号）不合规：{message}"
            problems.errors.append(FormatError(problems.file, None, None, message))
            continue
        found: int | None = None
        if path and path[0] in front_fields:
            found = front_line(path)
        else:
            probe = path
            while probe and found is None:
                found = item_lines.get(probe)
                probe = probe[:-1]
        if found is None and path:
            found = field_lines.get(str(path[0]))
        if found is None:
            # a missing field: the title belongs below the front matter, the rest inside it
            found = end + 2 if path and path[0] == title_field else 1
        problems.add(found, message, _field_text(path) if path else None)
    if problems.errors:
        return None, problems.errors, {}
    return data, [], field_lines


def _item_label(head: str) -> str:
    return {"q": "问题", "problem": "售后问题"}.get(head, head)


def read_folder(folder: Path) -> FolderRead:
    """Read every doc file under ``folder`` (see the module docstring for the layout).

    Files other than ``*.md`` are ignored, as is the index ``README.md`` at the top; a ``.md`` file
    elsewhere is a problem (so a misplaced file is not silently skipped). All or nothing: with any
    problem the result holds no docs.
    """
    folder = Path(folder)
    result = FolderRead()
    if not folder.is_dir():
        result.errors.append(FormatError(str(folder), None, None, "找不到这个文件夹"))
        return result
    dir_kinds = {v: k for k, v in KIND_DIRS.items()}
    seen: dict[tuple[str, str], str] = {}
    docs: list[FolderDoc] = []
    for path in sorted(folder.rglob("*.md")):
        rel = path.relative_to(folder)
        shown = rel.as_posix()
        parts = rel.parts
        if len(parts) == 1 and parts[0].lower() == "readme.md":
            continue
        if len(parts) != 3 or parts[1] not in dir_kinds:
            result.errors.append(
                FormatError(
                    shown,
                    None,
                    None,
                    "位置不对：手册文件应放在 品牌/products、品牌/competitors 或 品牌/handbook 文件夹里"
                    "（通用的放在 shared/ 下）",
                )
            )
            continue
        kind = dir_kinds[parts[1]]
        key = path.stem
        try:
            # universal newlines, as read_text() gives them: an editor on Windows writes \r\n
            text = (
                read_limited(path, MAX_TEXT_FILE_BYTES)
                .decode("utf-8")
                .replace("\r\n", "\n")
                .replace("\r", "\n")
            )
        except FileTooLarge as exc:
            result.errors.append(FormatError(shown, None, None, str(exc)))
            continue
        except UnicodeDecodeError:
            result.errors.append(FormatError(shown, None, None, "不是 UTF-8 编码的文本文件"))
            continue
        except OSError as exc:
            result.errors.append(FormatError(shown, None, None, f"无法读取：{exc.strerror or exc}"))
            continue
        first = seen.get((kind, key))
        if first is not None:
            result.errors.append(
                FormatError(shown, None, None, f"{KIND_LABELS[kind]}编号 {key} 重复（已在 {first} 中）")
            )
            continue
        seen[(kind, key)] = shown
        data, errors, lines = _parse_doc(kind, key, text, file=shown)
        if errors or data is None:
            result.errors.extend(errors)
            continue
        brand = parts[0] if parts[0] != SHARED_DIR else None
        docs.append(
            FolderDoc(
                kind,
                key,
                data,
                brand=brand,
                title=str(data.get(TITLE_FIELD[kind], key)),
                file=shown,
                lines=lines,
            )
        )
    if not result.errors:
        result.docs = docs
    return result
