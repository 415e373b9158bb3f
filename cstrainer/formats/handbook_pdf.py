"""The printable handbook: docs laid out as a PDF with reportlab platypus (no Qt).

Layout: a cover page (title, brands, how many docs, date), a table of contents, then one section
per brand (shared docs last, under 通用) with its products, competitors and handbook entries, each
doc starting on a new page. Every doc is the Markdown of
:func:`cstrainer.formats.handbook_markdown.render_markdown` laid out by a small block-level
Markdown reader: headings, paragraphs, bullet and numbered lists, pipe tables (the size chart and
the tables in entry bodies become real tables) and images. An image is drawn when its file
exists under the project root (``assets/products/<key>.png``); a missing file is skipped.

Chinese text uses reportlab's built-in CID font STSong-Light, as the certificates do
(:mod:`cstrainer.services.certificates`): nothing is embedded and PDF readers substitute their
own Song typeface. STSong-Light has no bold face, so ``**bold**`` is drawn in the accent colour.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol
from xml.sax.saxutils import escape

from cstrainer.domain.handbook import DOC_KINDS, KIND_LABELS
from cstrainer.formats.handbook_markdown import render_markdown

if TYPE_CHECKING:
    from reportlab.platypus import Flowable

__all__ = ["FONT", "PdfDoc", "markdown_flowables", "write_handbook_pdf"]

FONT = "STSong-Light"
ACCENT = "#7a4a12"
SHARED_LABEL = "通用"


class PdfDoc(Protocol):
    """What the PDF needs of a doc (a HandbookDoc or a FolderDoc both fit)."""

    @property
    def kind(self) -> str: ...
    @property
    def key(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def brand(self) -> str | None: ...
    @property
    def data(self) -> Mapping[str, Any]: ...


def _register_font() -> None:
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    # one face for all four styles, so <b>/<i> in a paragraph do not fail to map
    for bold in (0, 1):
        for italic in (0, 1):
            addMapping(FONT, bold, italic, FONT)


def _styles() -> dict[str, Any]:
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER
    from reportlab.lib.styles import ParagraphStyle

    base = ParagraphStyle("hb-body", fontName=FONT, fontSize=10.5, leading=16, wordWrap="CJK", spaceAfter=4)
    accent = colors.HexColor(ACCENT)
    return {
        "body": base,
        "cell": ParagraphStyle("hb-cell", parent=base, fontSize=9.5, leading=13, spaceAfter=0),
        "head_cell": ParagraphStyle(
            "hb-head-cell", parent=base, fontSize=9.5, leading=13, spaceAfter=0, textColor=colors.white
        ),
        "bullet": ParagraphStyle("hb-bullet", parent=base, leftIndent=16, bulletIndent=4, spaceAfter=2),
        "meta": ParagraphStyle("hb-meta", parent=base, textColor=colors.HexColor("#555555"), spaceAfter=8),
        "h0": ParagraphStyle(
            "hb-brand", parent=base, fontSize=24, leading=32, spaceBefore=120, spaceAfter=20, textColor=accent
        ),
        "h1": ParagraphStyle("hb-doc", parent=base, fontSize=18, leading=24, spaceAfter=8, textColor=accent),
        "h2": ParagraphStyle(
            "hb-section", parent=base, fontSize=13, leading=18, spaceBefore=10, spaceAfter=4
        ),
        "h3": ParagraphStyle("hb-sub", parent=base, fontSize=11, leading=16, spaceBefore=6, spaceAfter=2),
        "cover_title": ParagraphStyle(
            "hb-cover", parent=base, fontSize=32, leading=42, alignment=TA_CENTER, textColor=accent
        ),
        "cover": ParagraphStyle("hb-cover-line", parent=base, fontSize=13, leading=22, alignment=TA_CENTER),
        "toc_title": ParagraphStyle("hb-toc", parent=base, fontSize=18, leading=24, spaceAfter=12),
        "toc0": ParagraphStyle("hb-toc0", parent=base, fontSize=12, leading=18, spaceBefore=6),
        "toc1": ParagraphStyle("hb-toc1", parent=base, fontSize=10, leading=14, leftIndent=18),
    }


# ---------------------------------------------------------------------------------------------
# Markdown -> flowables
# ---------------------------------------------------------------------------------------------

_BOLD = re.compile(r"\*\*(.+?)\*\*")
_CODE = re.compile(r"`([^`]+)`")
_IMAGE = re.compile(r"^!\[([^\]]*)\]\(([^)\s]+)\)\s*$")
_BULLET = re.compile(r"^\s*[-*+]\s+(.*)$")
_NUMBERED = re.compile(r"^\s*(\d+)[.)]\s+(.*)$")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")


def _inline(text: str) -> str:
    """Markdown inline text as reportlab paragraph markup (escaped; bold in the accent colour)."""
    # STSong-Light has no glyph for the middle dot the Markdown uses between facts
    out = escape(text.strip().replace(" · ", "　｜　").replace("·", "・"))
    out = _BOLD.sub(lambda m: f'<font color="{ACCENT}"><b>{m.group(1)}</b></font>', out)
    out = _CODE.sub(lambda m: m.group(1), out)
    return out.replace("&lt;br&gt;", "<br/>")


def _join(lines: Sequence[str]) -> str:
    """Soft line breaks: CJK lines join without a space, other lines with one."""
    text = ""
    for line in lines:
        line = line.strip()
        if text and not (ord(text[-1]) > 0x2E7F or ord(line[:1] or " ") > 0x2E7F):
            text += " "
        text += line
    return text


def _cells(line: str) -> list[str]:
    line = line.strip()
    if line.startswith("|"):
        line = line[1:]
    if line.endswith("|") and not line.endswith("\\|"):
        line = line[:-1]
    cells = re.split(r"(?<!\\)\|", line)
    return [c.strip().replace("\\|", "|").replace("\\\\", "\\") for c in cells]


def _table(rows: list[list[str]], styles: Mapping[str, Any], width: float) -> Flowable:
    from reportlab.lib import colors
    from reportlab.platypus import Paragraph, Table, TableStyle

    columns = max(len(r) for r in rows)
    rows = [r + [""] * (columns - len(r)) for r in rows]
    data = [
        [Paragraph(_inline(c), styles["head_cell" if i == 0 else "cell"]) for c in row]
        for i, row in enumerate(rows)
    ]
    table = Table(data, colWidths=[width / columns] * columns, repeatRows=1, hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor(ACCENT)),
                ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#f6f1ea")]),
                ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#b9a58a")),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return table


def _image(path: str, root: Path, max_width: float, max_height: float) -> Flowable | None:
    from reportlab.lib.utils import ImageReader
    from reportlab.platypus import Image

    file = (root / path).resolve()
    try:
        file.relative_to(root.resolve())
    except ValueError:
        return None
    if not file.is_file():
        return None
    try:
        width, height = ImageReader(str(file)).getSize()
    except Exception:  # an unreadable picture is skipped like a missing one
        return None
    scale = min(max_width / width, max_height / height, 1.0)
    return Image(str(file), width=width * scale, height=height * scale, hAlign="LEFT")


def markdown_flowables(
    markdown: str,
    *,
    root: Path,
    width: float,
    styles: Mapping[str, Any] | None = None,
    on_title: Any = None,
) -> list[Flowable]:
    """Lay out the block-level Markdown the handbook uses. ``on_title(text)`` may turn the ``# ``
    heading into a flowable of its own (the TOC entry); otherwise it is a plain heading."""
    from reportlab.platypus import Paragraph, Spacer

    styles = styles or _styles()
    out: list[Flowable] = []
    paragraph: list[str] = []
    table: list[list[str]] = []
    in_item = False  # the previous line was a list item (a following line continues it)

    def flush() -> None:
        if paragraph:
            out.append(Paragraph(_inline(_join(paragraph)), styles["body"]))
            paragraph.clear()
        if table:
            out.append(_table(table, styles, width))
            out.append(Spacer(1, 6))
            table.clear()

    for raw in markdown.split("\n"):
        line = raw.rstrip()
        if line.lstrip().startswith("|"):
            if paragraph:
                flush()
            if not _TABLE_RULE.match(line):
                table.append(_cells(line))
            continue
        if table:
            flush()
        if not line.strip():
            flush()
            in_item = False
            continue
        heading = _HEADING.match(line)
        image = _IMAGE.match(line.strip())
        bullet = _BULLET.match(line)
        numbered = _NUMBERED.match(line)
        in_item = bool(bullet or numbered or (in_item and not heading and not image))
        if heading:
            flush()
            level = min(len(heading.group(1)), 3)
            text = heading.group(2)
            if level == 1 and on_title is not None:
                out.append(on_title(text))
            else:
                out.append(Paragraph(_inline(text), styles[f"h{level}"]))
        elif image:
            flush()
            picture = _image(image.group(2), root, width * 0.45, 200)
            if picture is not None:
                out += [picture, Spacer(1, 6)]
        elif bullet:
            flush()
            out.append(Paragraph(_inline(bullet.group(1)), styles["bullet"], bulletText="•"))
        elif numbered:
            flush()
            out.append(
                Paragraph(_inline(numbered.group(2)), styles["bullet"], bulletText=f"{numbered.group(1)}.")
            )
        else:
            if in_item:
                # a continuation line of a list item: indented like the item
                out.append(Paragraph(_inline(line), styles["bullet"]))
                continue
            paragraph.append(line)
    flush()
    return out


# ---------------------------------------------------------------------------------------------
# The document
# ---------------------------------------------------------------------------------------------


def _group(docs: Sequence[PdfDoc], brand_names: Mapping[str, str]) -> list[tuple[str | None, list[PdfDoc]]]:
    order = {key: i for i, key in enumerate(brand_names)}
    groups: dict[str | None, list[PdfDoc]] = {}
    for doc in docs:
        groups.setdefault(doc.brand, []).append(doc)
    brands = sorted(groups, key=lambda b: (b is None, order.get(b or "", len(order)), b or ""))
    out = []
    for brand in brands:
        items = groups[brand]
        items.sort(key=lambda d: DOC_KINDS.index(d.kind) if d.kind in DOC_KINDS else len(DOC_KINDS))
        out.append((brand, items))
    return out


def write_handbook_pdf(
    docs: Sequence[PdfDoc],
    path: Path | str,
    *,
    title: str,
    brand_names: Mapping[str, str],
    product_names: Mapping[str, str],
    root: Path | None = None,
    subtitle: str = "",
) -> int:
    """Write ``docs`` as a printable handbook to ``path``; returns the number of pages.

    ``brand_names`` maps brand keys to names (and gives the order of the brand sections);
    ``product_names`` maps product keys to names (a competitor's or entry's linked product).
    Images are looked up under ``root`` (default: the project root).
    """
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import (
        BaseDocTemplate,
        Frame,
        NextPageTemplate,
        PageBreak,
        PageTemplate,
        Paragraph,
        Spacer,
    )
    from reportlab.platypus.tableofcontents import TableOfContents

    from cstrainer import paths

    _register_font()
    root = root if root is not None else paths.project_root()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    styles = _styles()
    page_width, page_height = A4
    margin = 18 * mm
    width = page_width - 2 * margin

    class _Heading(Paragraph):
        """A heading that makes a TOC entry and a PDF outline entry."""

        def __init__(self, text: str, style: Any, level: int, anchor: str) -> None:
            super().__init__(_inline(text), style)
            self.toc_text = text
            self.toc_level = level
            self.anchor = anchor

    class _Template(BaseDocTemplate):
        def afterFlowable(self, flowable: Any) -> None:
            if isinstance(flowable, _Heading):
                self.canv.bookmarkPage(flowable.anchor)
                self.canv.addOutlineEntry(flowable.toc_text, flowable.anchor, level=flowable.toc_level)
                self.notify(
                    "TOCEntry", (flowable.toc_level, escape(flowable.toc_text), self.page, flowable.anchor)
                )

    def footer(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(FONT, 8.5)
        canvas.setFillColor(colors.HexColor("#777777"))
        canvas.drawString(margin, 10 * mm, title)
        canvas.drawRightString(page_width - margin, 10 * mm, f"第 {doc.page} 页")
        canvas.restoreState()

    frame = Frame(margin, margin, width, page_height - 2 * margin, id="body")
    template = _Template(
        str(path),
        pagesize=A4,
        leftMargin=margin,
        rightMargin=margin,
        topMargin=margin,
        bottomMargin=margin,
        title=title,
        author="客服训练营",
        subject="产品手册",
    )
    template.addPageTemplates(
        [PageTemplate(id="cover", frames=[frame]), PageTemplate(id="page", frames=[frame], onPage=footer)]
    )

    story: list[Flowable] = []
    counts = {kind: sum(1 for d in docs if d.kind == kind) for kind in DOC_KINDS}
    groups = _group(docs, brand_names)
    story += [Spacer(1, 200), Paragraph(escape(title), styles["cover_title"]), Spacer(1, 30)]
    if subtitle:
        story.append(Paragraph(escape(subtitle), styles["cover"]))
    brands_line = "、".join(brand_names.get(b, b) if b else SHARED_LABEL for b, _ in groups)
    if brands_line:
        story.append(Paragraph(escape(f"品牌：{brands_line}"), styles["cover"]))
    summary = "，".join(f"{KIND_LABELS[k]} {n} 篇" for k, n in counts.items() if n) or "（没有内容）"
    story.append(Paragraph(escape(summary), styles["cover"]))
    story.append(Paragraph(escape(f"导出日期：{date.today():%Y 年 %m 月 %d 日}"), styles["cover"]))
    story += [NextPageTemplate("page"), PageBreak()]

    toc = TableOfContents(levelStyles=[styles["toc0"], styles["toc1"]], dotsMinLevel=0)
    story += [Paragraph("目录", styles["toc_title"]), toc]

    anchor = 0
    for brand, items in groups:
        anchor += 1
        story.append(PageBreak())
        label = brand_names.get(brand, brand) if brand else SHARED_LABEL
        story.append(_Heading(label, styles["h0"], 0, f"b{anchor}"))
        kinds = "，".join(
            f"{KIND_LABELS[k]} {sum(1 for d in items if d.kind == k)} 篇"
            for k in DOC_KINDS
            if any(d.kind == k for d in items)
        )
        story.append(Paragraph(escape(kinds), styles["cover"]))
        for doc in items:
            anchor += 1
            story.append(PageBreak())
            data = doc.data
            linked = data.get("our_product") if doc.kind == "competitor" else data.get("product")
            markdown = render_markdown(
                doc.kind,
                doc.key,
                data,
                brand_name=brand_names.get(str(data.get("brand") or "")) or None,
                product_name=product_names.get(str(linked or "")) or None,
            )
            tag = f"d{anchor}"

            def on_title(text: str, tag: str = tag, kind: str = doc.kind) -> Flowable:
                return _Heading(text if kind != "competitor" else f"{text}（竞品）", styles["h1"], 1, tag)

            story += markdown_flowables(markdown, root=root, width=width, styles=styles, on_title=on_title)
    if not docs:
        story += [PageBreak(), Paragraph("（没有可导出的手册）", styles["body"])]
    template.multiBuild(story)
    return int(template.page)
