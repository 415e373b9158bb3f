"""Draw the product pictures in assets/products/ (one 640x640 PNG per shipped product).

The pictures are flat illustrations in the style of an e-commerce main image, drawn with
QPainter so they can be regenerated anywhere the app runs; nothing is copied from real brands.

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/make_product_images.py [--out DIR] [KEY ...]

Needs a CJK font (Debian package fonts-noto-cjk, listed in scripts/system-packages.txt).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QCoreApplication, QPointF, QRectF, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontDatabase,
    QFontMetricsF,
    QGuiApplication,
    QImage,
    QLinearGradient,
    QPainter,
    QPainterPath,
    QPen,
    QRadialGradient,
)

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from cstrainer.gui.runtime_guards import protect_singletons

SIZE = 640
ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "assets" / "products"

# ---------------------------------------------------------------- palette

SCENTS = {
    "白茶海盐": "#8CC7C4",
    "晨露小苍兰": "#E7C66B",
    "雪松琥珀": "#C48A52",
    "无花果木": "#9A7A9C",
    "淡香": "#D9E4DE",
}
GARMENT_COLOURS = {
    "肤色": "#E6BFA6",
    "黑色": "#2E2A2B",
    "奶咖色": "#B8917A",
    "烟灰": "#8C8A8E",
    "摩卡棕": "#7A5848",
    "浅灰": "#C9C7CA",
}


@dataclass(frozen=True)
class Brand:
    name: str
    tagline: str
    bg_top: str
    bg_bottom: str
    disc: str
    accent: str  # strong brand colour (caps, pills, titles)
    accent_soft: str
    ink: str  # caption text


QINYU = Brand("沁屿", "家居洗护", "#F6F3E8", "#E2EEE5", "#D3E6DC", "#3F7F74", "#A9CFC2", "#2F4F49")
QINGKUO = Brand("轻廓", "塑形内衣", "#FBF4F0", "#F2E0DC", "#EDD3CF", "#A35F6E", "#DDB3B5", "#5A3A40")


@dataclass(frozen=True)
class Product:
    key: str
    brand: Brand
    title: str
    draw: Callable[[QPainter, Product], None]
    scents: tuple[str, ...] = ()
    sizes: tuple[str, ...] = ()
    colours: tuple[str, ...] = ()
    main_colour: str = ""


# ---------------------------------------------------------------- helpers

_FAMILY = "Noto Sans CJK SC"
_APP: QCoreApplication | None = None  # kept alive until exit


def pick_family() -> str:
    families = QFontDatabase.families()
    for wanted in ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Micro Hei"):
        if wanted in families:
            return wanted
    for family in families:
        if QFontDatabase.WritingSystem.SimplifiedChinese in QFontDatabase.writingSystems(family):
            return family
    sys.exit("No Chinese font found: install fonts-noto-cjk (see scripts/system-packages.txt)")


def font(px: float, bold: bool = False) -> QFont:
    f = QFont(_FAMILY)
    f.setPixelSize(round(px))
    f.setWeight(QFont.Weight.Bold if bold else QFont.Weight.Normal)
    f.setHintingPreference(QFont.HintingPreference.PreferNoHinting)
    return f


def fitted_font(text: str, px: float, max_width: float, bold: bool = False, spacing: float = 0) -> QFont:
    """The font at px, shrunk until text fits max_width."""
    while True:
        f = font(px, bold)
        if spacing:
            f.setLetterSpacing(QFont.SpacingType.AbsoluteSpacing, spacing)
        if QFontMetricsF(f).horizontalAdvance(text) <= max_width or px <= 9:
            return f
        px -= 1


def text_width(text: str, f: QFont) -> float:
    return QFontMetricsF(f).horizontalAdvance(text)


def draw_text(p: QPainter, text: str, cx: float, cy: float, f: QFont, colour: str) -> None:
    """Draw text centred on (cx, cy), using the font's cap height so CJK glyphs sit in the middle."""
    fm = QFontMetricsF(f)
    width = fm.horizontalAdvance(text)
    # CJK glyphs fill roughly ascent-descent; centre on the ink, not on the line box.
    baseline = cy + (fm.ascent() - fm.descent()) / 2
    p.setFont(f)
    p.setPen(QColor(colour))
    p.drawText(QPointF(cx - width / 2, baseline), text)


def fill_path(p: QPainter, path: QPainterPath, fill, outline: str | None = None, width: float = 2.0) -> None:
    p.setBrush(fill if isinstance(fill, (QBrush, QLinearGradient, QRadialGradient)) else QColor(fill))
    p.setPen(
        QPen(
            QColor(outline), width, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin
        )
        if outline
        else Qt.PenStyle.NoPen
    )
    p.drawPath(path)


def rrect(x: float, y: float, w: float, h: float, r: float) -> QPainterPath:
    path = QPainterPath()
    path.addRoundedRect(QRectF(x, y, w, h), r, r)
    return path


def ellipse(cx: float, cy: float, rx: float, ry: float) -> QPainterPath:
    path = QPainterPath()
    path.addEllipse(QPointF(cx, cy), rx, ry)
    return path


def vgrad(y0: float, y1: float, *stops: tuple[float, str]) -> QLinearGradient:
    g = QLinearGradient(0, y0, 0, y1)
    for at, colour in stops:
        g.setColorAt(at, QColor(colour))
    return g


def hgrad(x0: float, x1: float, *stops: tuple[float, str]) -> QLinearGradient:
    g = QLinearGradient(x0, 0, x1, 0)
    for at, colour in stops:
        g.setColorAt(at, QColor(colour))
    return g


def mix(a: str, b: str, t: float) -> str:
    ca, cb = QColor(a), QColor(b)
    return QColor(
        round(ca.red() + (cb.red() - ca.red()) * t),
        round(ca.green() + (cb.green() - ca.green()) * t),
        round(ca.blue() + (cb.blue() - ca.blue()) * t),
    ).name()


def line(
    p: QPainter,
    points: Sequence[tuple[float, float]],
    colour: str,
    width: float,
    dashed: bool = False,
    alpha: int = 255,
) -> None:
    c = QColor(colour)
    c.setAlpha(alpha)
    pen = QPen(c, width, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin)
    if dashed:
        pen.setDashPattern([2.5, 2.5])
    p.setPen(pen)
    p.setBrush(Qt.BrushStyle.NoBrush)
    path = QPainterPath(QPointF(*points[0]))
    for pt in points[1:]:
        path.lineTo(QPointF(*pt))
    p.drawPath(path)


def stroke(
    p: QPainter, path: QPainterPath, colour: str, width: float, dashed: bool = False, alpha: int = 255
) -> None:
    c = QColor(colour)
    c.setAlpha(alpha)
    pen = QPen(c, width, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin)
    if dashed:
        pen.setDashPattern([2.5, 2.5])
    p.setPen(pen)
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.drawPath(path)


def translucent(colour: str, alpha: int) -> QColor:
    c = QColor(colour)
    c.setAlpha(alpha)
    return c


def shadow(p: QPainter, cx: float, cy: float, rx: float, ry: float, colour: str) -> None:
    g = QRadialGradient(QPointF(cx, cy), rx)
    g.setColorAt(0, translucent(colour, 90))
    g.setColorAt(1, translucent(colour, 0))
    p.save()
    p.translate(cx, cy)
    p.scale(1, ry / rx)
    p.translate(-cx, -cy)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(g)
    p.drawEllipse(QPointF(cx, cy), rx, rx)
    p.restore()


def leaf(
    p: QPainter, cx: float, cy: float, length: float, angle: float, colour: str, alpha: int = 255
) -> None:
    p.save()
    p.translate(cx, cy)
    p.rotate(angle)
    path = QPainterPath(QPointF(0, 0))
    path.cubicTo(
        QPointF(length * 0.3, -length * 0.32), QPointF(length * 0.75, -length * 0.3), QPointF(length, 0)
    )
    path.cubicTo(QPointF(length * 0.75, length * 0.3), QPointF(length * 0.3, length * 0.32), QPointF(0, 0))
    fill_path(p, path, translucent(colour, alpha))
    line(p, [(length * 0.08, 0), (length * 0.85, 0)], "#FFFFFF", 1.6, alpha=int(alpha * 0.6))
    p.restore()


def leaf_icon(p: QPainter, cx: float, cy: float, size: float, colour: str) -> None:
    leaf(p, cx - size * 0.05, cy + size * 0.35, size, -60, colour)
    leaf(p, cx + size * 0.05, cy + size * 0.35, size * 0.75, -120, colour)


def sparkle(p: QPainter, cx: float, cy: float, r: float, colour: str, alpha: int = 200) -> None:
    path = QPainterPath(QPointF(cx, cy - r))
    k = r * 0.22
    path.quadTo(QPointF(cx + k, cy - k), QPointF(cx + r, cy))
    path.quadTo(QPointF(cx + k, cy + k), QPointF(cx, cy + r))
    path.quadTo(QPointF(cx - k, cy + k), QPointF(cx - r, cy))
    path.quadTo(QPointF(cx - k, cy - k), QPointF(cx, cy - r))
    fill_path(p, path, translucent(colour, alpha))


# ---------------------------------------------------------------- frame: background, badge, caption

CAPTION_TOP = 484
PRODUCT_FLOOR = 452


def draw_background(p: QPainter, prod: Product) -> None:
    b = prod.brand
    p.fillRect(0, 0, SIZE, SIZE, vgrad(0, SIZE, (0, b.bg_top), (1, b.bg_bottom)))
    # Soft disc behind the product and a wider "floor" ellipse.
    fill_path(p, ellipse(320, 282, 206, 206), vgrad(76, 488, (0, mix(b.disc, b.bg_top, 0.35)), (1, b.disc)))
    fill_path(p, ellipse(320, PRODUCT_FLOOR + 4, 236, 26), translucent(b.disc, 200))
    if b is QINYU:
        leaf(p, 70, 420, 120, -58, b.accent_soft, 150)
        leaf(p, 86, 430, 86, -20, b.accent_soft, 110)
        leaf(p, 574, 150, 100, -150, b.accent_soft, 120)
        for x, y, r in ((540, 400, 7), (520, 360, 4), (108, 200, 5)):
            fill_path(p, ellipse(x, y, r, r), translucent("#FFFFFF", 200))
    else:
        arc = QPainterPath(QPointF(-20, 420))
        arc.cubicTo(QPointF(80, 330), QPointF(60, 200), QPointF(160, 120))
        stroke(p, arc, b.accent_soft, 3, alpha=150)
        arc2 = QPainterPath(QPointF(660, 170))
        arc2.cubicTo(QPointF(560, 250), QPointF(600, 360), QPointF(520, 450))
        stroke(p, arc2, b.accent_soft, 3, alpha=150)
        sparkle(p, 548, 118, 11, "#FFFFFF", 230)
        sparkle(p, 96, 300, 8, "#FFFFFF", 210)
        sparkle(p, 560, 420, 7, "#FFFFFF", 210)


def draw_badge(p: QPainter, prod: Product) -> None:
    b = prod.brand
    name_f = font(22, bold=True)
    tag_f = font(15)
    w_name, w_tag = text_width(b.name, name_f), text_width(b.tagline, tag_f)
    width = 20 + w_name + 18 + w_tag + 20
    fill_path(p, rrect(30, 28, width, 40, 20), b.accent)
    draw_text(p, b.name, 30 + 20 + w_name / 2, 48, name_f, "#FFFFFF")
    line(p, [(30 + 20 + w_name + 9, 39), (30 + 20 + w_name + 9, 57)], "#FFFFFF", 1.4, alpha=150)
    draw_text(p, b.tagline, 30 + 20 + w_name + 18 + w_tag / 2, 48, tag_f, "#FFFFFF")


def draw_caption(p: QPainter, prod: Product) -> None:
    b = prod.brand
    panel = rrect(32, CAPTION_TOP, SIZE - 64, 126, 22)
    fill_path(p, panel, translucent("#FFFFFF", 225))
    title_f = fitted_font(prod.title, 34, SIZE - 120, bold=True, spacing=1.5)
    draw_text(p, prod.title, 320, CAPTION_TOP + 40, title_f, b.ink)
    # Variant row: dots with names, then size chips.
    y = CAPTION_TOP + 92
    name_f = font(16)
    chip_f = font(15, bold=True)
    items: list[tuple[str, float, Callable[[float], None]]] = []

    def dot_item(label: str, colour: str) -> tuple[str, float, Callable[[float], None]]:
        w = 18 + 7 + text_width(label, name_f)

        def paint(x: float) -> None:
            ring = "#FFFFFF" if QColor(colour).lightness() < 200 else mix(colour, "#000000", 0.18)
            fill_path(p, ellipse(x + 9, y, 9, 9), colour, ring, 1.5)
            draw_text(
                p, label, x + 25 + text_width(label, name_f) / 2, y, name_f, mix(b.ink, "#FFFFFF", 0.15)
            )

        return ("dot", w, paint)

    def chip_item(label: str) -> tuple[str, float, Callable[[float], None]]:
        w = max(34.0, text_width(label, chip_f) + 18)

        def paint(x: float) -> None:
            fill_path(p, rrect(x, y - 14, w, 28, 8), "#FFFFFF", b.accent_soft, 1.5)
            draw_text(p, label, x + w / 2, y, chip_f, b.accent)

        return ("chip", w, paint)

    for scent in prod.scents:
        items.append(dot_item(scent, SCENTS[scent]))
    for colour in prod.colours:
        items.append(dot_item(colour, GARMENT_COLOURS[colour]))
    for size in prod.sizes:
        items.append(chip_item(size))

    gaps = []
    for i in range(1, len(items)):
        prev, cur = items[i - 1][0], items[i][0]
        gaps.append(6.0 if prev == cur == "chip" else 16.0 if prev == cur else 30.0)
    total = sum(w for _, w, _ in items) + sum(gaps)
    x = 320 - total / 2
    for i, (_kind, w, paint) in enumerate(items):
        paint(x)
        x += w
        if i < len(gaps):
            if gaps[i] == 30.0:
                line(p, [(x + 15, y - 10), (x + 15, y + 10)], b.accent_soft, 1.5)
            x += gaps[i]


# ---------------------------------------------------------------- qinyu: bottles and jars


def bottle_label(
    p: QPainter,
    prod: Product,
    x: float,
    y: float,
    w: float,
    h: float,
    lines: list[str],
    *,
    fill: str | None = None,
    ink: str = "#FFFFFF",
    note: str = "",
    name_px: float = 34,
    radius: float = 16,
    icon: bool = True,
) -> None:
    b = prod.brand
    fill_path(p, rrect(x, y, w, h, radius), fill or b.accent)
    cx = x + w / 2
    cy = y + 16
    if icon:
        leaf_icon(p, cx, cy + 6, 22, ink if fill is None else b.accent)
        cy += 34
    name_f = fitted_font(b.name, name_px, w - 24, bold=True, spacing=3)
    draw_text(p, b.name, cx + 1.5, cy + name_px * 0.55, name_f, ink)
    cy += name_px * 1.1 + 6
    line(p, [(cx - 22, cy), (cx + 22, cy)], ink, 1.4, alpha=160)
    cy += 8
    for text in lines:
        f = fitted_font(text, 18, w - 22, spacing=1)
        draw_text(p, text, cx, cy + 12, f, ink)
        cy += 26
    if note:
        f = font(13, bold=True)
        draw_text(p, note, cx, y + h - 16, f, ink)


def highlight(p: QPainter, x: float, y: float, w: float, h: float) -> None:
    fill_path(p, rrect(x, y, w, h, w / 2), translucent("#FFFFFF", 120))


def scent_drops(p: QPainter, prod: Product, x: float, y: float) -> None:
    for i, scent in enumerate(prod.scents):
        c = SCENTS[scent]
        cx, cy = x, y + i * 30
        drop = QPainterPath(QPointF(cx, cy - 11))
        drop.cubicTo(QPointF(cx + 4, cy - 5), QPointF(cx + 9, cy), QPointF(cx + 9, cy + 4))
        drop.cubicTo(QPointF(cx + 9, cy + 10), QPointF(cx + 5, cy + 13), QPointF(cx, cy + 13))
        drop.cubicTo(QPointF(cx - 5, cy + 13), QPointF(cx - 9, cy + 10), QPointF(cx - 9, cy + 4))
        drop.cubicTo(QPointF(cx - 9, cy), QPointF(cx - 4, cy - 5), QPointF(cx, cy - 11))
        fill_path(p, drop, c, "#FFFFFF", 2)


def cap_ridges(p: QPainter, x: float, y: float, w: float, h: float, colour: str) -> None:
    for i in range(1, int(w // 12)):
        xx = x + i * 12
        line(p, [(xx, y + 6), (xx, y + h - 6)], colour, 1.6, alpha=110)


def draw_liquid(p: QPainter, prod: Product) -> None:
    b = prod.brand
    shadow(p, 320, PRODUCT_FLOOR, 130, 16, "#3C5E55")
    body = rrect(196, 196, 248, 256, 44)
    shoulder = rrect(214, 142, 212, 120, 48)
    neck = rrect(262, 112, 76, 50, 10)
    shape = body.united(shoulder).united(neck)
    hole = rrect(368, 166, 40, 62, 18)
    shape = shape.subtracted(hole)
    fill_path(p, shape, hgrad(196, 444, (0, "#FFFFFF"), (0.7, "#F8F7F1"), (1, "#E6ECE6")), "#A8C6BC", 2.5)
    stroke(p, rrect(368, 166, 40, 62, 18), "#A8C6BC", 2)
    highlight(p, 210, 210, 12, 210)
    # Cap with measuring ridges.
    fill_path(
        p, rrect(252, 80, 96, 48, 12), vgrad(80, 128, (0, mix(b.accent, "#FFFFFF", 0.15)), (1, b.accent))
    )
    cap_ridges(p, 252, 80, 96, 48, "#FFFFFF")
    fill_path(p, rrect(248, 122, 104, 10, 5), mix(b.accent, "#000000", 0.15))
    bottle_label(p, prod, 224, 250, 172, 178, ["香氛洗衣液"], note="2kg · 浓缩")
    scent_drops(p, prod, 420, 286)


def draw_beads(p: QPainter, prod: Product) -> None:
    b = prod.brand
    shadow(p, 320, PRODUCT_FLOOR, 140, 16, "#3C5E55")
    jar = rrect(198, 196, 244, 256, 42)
    fill_path(p, jar, translucent("#FFFFFF", 150), "#A8C6BC", 2.5)
    # Beads visible inside the jar, packed at the bottom.
    p.save()
    p.setClipPath(jar)
    colours = [SCENTS[s] for s in prod.scents]
    rnd = 7
    for row in range(7):
        y = 440 - row * 17
        offset = 9 if row % 2 else 0
        for col in range(14):
            x = 200 + offset + col * 18
            rnd = (rnd * 1103515245 + 12345) % 2**31
            c = colours[rnd % len(colours)]
            fill_path(p, ellipse(x, y, 8.5, 8.5), vgrad(y - 9, y + 9, (0, mix(c, "#FFFFFF", 0.45)), (1, c)))
            fill_path(p, ellipse(x - 3, y - 3, 2.5, 2.5), translucent("#FFFFFF", 200))
    p.restore()
    highlight(p, 212, 214, 12, 200)
    # Lid.
    fill_path(
        p, rrect(206, 150, 228, 56, 14), vgrad(150, 206, (0, mix(b.accent, "#FFFFFF", 0.15)), (1, b.accent))
    )
    cap_ridges(p, 206, 150, 228, 56, "#FFFFFF")
    fill_path(p, rrect(200, 198, 240, 10, 5), mix(b.accent, "#000000", 0.15))
    bottle_label(
        p,
        prod,
        236,
        232,
        168,
        136,
        ["护色留香珠"],
        fill="#FBF9F1",
        ink=b.accent,
        icon=False,
        note="",
        name_px=32,
    )
    # A few loose beads in front.
    for x, y, s in ((168, 446, 0), (186, 440, 1), (462, 444, 2), (478, 448, 0)):
        c = colours[s % len(colours)]
        fill_path(p, ellipse(x, y, 9, 9), vgrad(y - 9, y + 9, (0, mix(c, "#FFFFFF", 0.45)), (1, c)))
        fill_path(p, ellipse(x - 3, y - 3, 2.5, 2.5), translucent("#FFFFFF", 200))


def draw_intimate(p: QPainter, prod: Product) -> None:
    b = prod.brand
    shadow(p, 320, PRODUCT_FLOOR, 100, 14, "#3C5E55")
    body = rrect(240, 206, 160, 246, 46)
    shoulder = rrect(262, 178, 116, 70, 34)
    shape = body.united(shoulder)
    fill_path(p, shape, hgrad(240, 400, (0, "#E4F0E9"), (0.6, "#D4E7DC"), (1, "#BFD8CB")), "#9CC0B2", 2.5)
    highlight(p, 254, 222, 10, 200)
    # Pump: collar, stem, head, nozzle.
    fill_path(p, rrect(288, 150, 64, 36, 8), vgrad(150, 186, (0, "#FFFFFF"), (1, "#E9EFEA")), "#9CC0B2", 2)
    fill_path(p, rrect(312, 112, 16, 42, 4), "#F4F7F4", "#9CC0B2", 2)
    head = QPainterPath()
    head.addRoundedRect(QRectF(286, 88, 72, 28), 10, 10)
    head = head.united(rrect(236, 94, 60, 14, 7))
    fill_path(p, head, vgrad(88, 116, (0, mix(b.accent, "#FFFFFF", 0.15)), (1, b.accent)))
    bottle_label(
        p,
        prod,
        258,
        236,
        124,
        196,
        ["内衣专用", "洗衣液"],
        fill="#FBF9F1",
        ink=b.accent,
        name_px=30,
        note="300ml",
    )
    scent_drops(p, prod, 420, 300)


def draw_spray(p: QPainter, prod: Product) -> None:
    b = prod.brand
    shadow(p, 320, PRODUCT_FLOOR, 96, 14, "#3C5E55")
    body = rrect(256, 214, 128, 238, 30)
    shoulder = rrect(270, 190, 100, 60, 30)
    fill_path(
        p,
        body.united(shoulder),
        hgrad(256, 384, (0, "#DDEEEA"), (0.6, "#C9E3DC"), (1, "#AFD1C7")),
        "#93BCB0",
        2.5,
    )
    highlight(p, 268, 230, 10, 196)
    # Collar and spray head.
    fill_path(p, rrect(290, 162, 60, 34, 8), vgrad(162, 196, (0, "#FFFFFF"), (1, "#E6EEEA")), "#93BCB0", 2)
    head = rrect(284, 104, 72, 62, 16)
    fill_path(p, head, vgrad(104, 166, (0, mix(b.accent, "#FFFFFF", 0.15)), (1, b.accent)))
    fill_path(p, rrect(296, 114, 48, 10, 5), translucent("#FFFFFF", 90))
    fill_path(p, ellipse(284, 136, 6, 6), mix(b.accent, "#000000", 0.3))
    # Mist.
    for i, (dx, dy, r) in enumerate(
        (
            (-26, -6, 4),
            (-40, 4, 3.5),
            (-34, -20, 3),
            (-56, -12, 4.5),
            (-62, 10, 3),
            (-78, -4, 5),
            (-74, -28, 3.5),
            (-96, 8, 4),
            (-100, -20, 5.5),
            (-58, 24, 3),
            (-118, -6, 4),
            (-90, 26, 3.5),
        )
    ):
        fill_path(p, ellipse(284 + dx, 136 + dy, r, r), translucent(b.accent_soft, 230 - i * 10))
    bottle_label(
        p,
        prod,
        270,
        240,
        100,
        196,
        ["织物", "除菌喷雾"],
        fill="#FBF9F1",
        ink=b.accent,
        name_px=28,
        note="250ml",
    )
    scent_drops(p, prod, 414, 316)


def draw_wool(p: QPainter, prod: Product) -> None:
    b = prod.brand
    shadow(p, 320, PRODUCT_FLOOR, 130, 14, "#3C5E55")
    # Stand-up pouch with a corner spout.
    pouch = QPainterPath(QPointF(214, 170))
    pouch.lineTo(QPointF(426, 170))
    pouch.cubicTo(QPointF(440, 260), QPointF(446, 380), QPointF(438, 448))
    pouch.quadTo(QPointF(320, 460), QPointF(202, 448))
    pouch.cubicTo(QPointF(194, 380), QPointF(200, 260), QPointF(214, 170))
    pouch.closeSubpath()
    fill_path(p, pouch, hgrad(200, 446, (0, "#FDFBF4"), (0.7, "#F5F1E4"), (1, "#E4E6D9")), "#B7C9B9", 2.5)
    # Top seal band (clipped to the pouch).
    p.save()
    p.setClipPath(pouch)
    p.fillRect(QRectF(190, 170, 270, 26), QColor(b.accent_soft))
    for i in range(22):
        line(p, [(216 + i * 10, 174), (216 + i * 10, 192)], "#FFFFFF", 1.2, alpha=120)
    # Gusset curve at the bottom.
    gusset = QPainterPath(QPointF(204, 420))
    gusset.quadTo(QPointF(320, 446), QPointF(436, 420))
    p.restore()
    stroke(p, gusset, "#B7C9B9", 2)
    # Spout on the top-right corner.
    p.save()
    p.translate(392, 170)
    p.rotate(20)
    fill_path(p, rrect(-16, -22, 32, 24, 4), "#F4F7F4", "#9CC0B2", 2)
    fill_path(
        p, rrect(-22, -54, 44, 34, 9), vgrad(-54, -20, (0, mix(b.accent, "#FFFFFF", 0.15)), (1, b.accent))
    )
    cap_ridges(p, -22, -54, 44, 34, "#FFFFFF")
    p.restore()
    highlight(p, 218, 208, 10, 190)
    bottle_label(p, prod, 240, 218, 160, 182, ["羊毛真丝", "洗护液"], name_px=32, note="500ml · 中性")
    # A little yarn ball beside the pouch.
    cx, cy, r = 466, 420, 30
    fill_path(p, ellipse(cx, cy, r, r), "#EFE7D6", "#CDBE9F", 2)
    p.save()
    p.setClipPath(ellipse(cx, cy, r, r))
    for k in range(-3, 4):
        stroke(p, ellipse(cx + k * 12, cy - 30, 34, 60), "#CDBE9F", 1.6)
    p.restore()
    tail = QPainterPath(QPointF(cx - 26, cy + 16))
    tail.cubicTo(QPointF(cx - 40, cy + 30), QPointF(cx - 20, cy + 34), QPointF(cx - 42, cy + 36))
    stroke(p, tail, "#CDBE9F", 2)


def draw_softener(p: QPainter, prod: Product) -> None:
    b = prod.brand
    shadow(p, 320, PRODUCT_FLOOR, 112, 15, "#3C5E55")
    # A curvy bottle with a pinched waist.
    bottle = QPainterPath(QPointF(290, 150))
    bottle.lineTo(QPointF(350, 150))
    bottle.cubicTo(QPointF(352, 176), QPointF(418, 178), QPointF(418, 236))
    bottle.cubicTo(QPointF(418, 290), QPointF(398, 310), QPointF(398, 336))
    bottle.cubicTo(QPointF(398, 370), QPointF(424, 384), QPointF(424, 420))
    bottle.cubicTo(QPointF(424, 446), QPointF(406, 452), QPointF(380, 452))
    bottle.lineTo(QPointF(260, 452))
    bottle.cubicTo(QPointF(234, 452), QPointF(216, 446), QPointF(216, 420))
    bottle.cubicTo(QPointF(216, 384), QPointF(242, 370), QPointF(242, 336))
    bottle.cubicTo(QPointF(242, 310), QPointF(222, 290), QPointF(222, 236))
    bottle.cubicTo(QPointF(222, 178), QPointF(288, 176), QPointF(290, 150))
    bottle.closeSubpath()
    fill_path(p, bottle, hgrad(216, 424, (0, "#F1F7F4"), (0.6, "#DDEEE8"), (1, "#C3DDD4")), "#9CC0B2", 2.5)
    # Soft wave across the lower body.
    p.save()
    p.setClipPath(bottle)
    wave = QPainterPath(QPointF(200, 392))
    wave.cubicTo(QPointF(260, 370), QPointF(320, 414), QPointF(440, 382))
    wave.lineTo(QPointF(440, 470))
    wave.lineTo(QPointF(200, 470))
    wave.closeSubpath()
    fill_path(p, wave, translucent(b.accent_soft, 170))
    p.restore()
    fill_path(p, rrect(234, 224, 10, 80, 5), translucent("#FFFFFF", 130))
    # Cap.
    fill_path(
        p, rrect(278, 98, 84, 58, 16), vgrad(98, 156, (0, mix(b.accent, "#FFFFFF", 0.15)), (1, b.accent))
    )
    cap_ridges(p, 278, 98, 84, 58, "#FFFFFF")
    fill_path(p, rrect(274, 148, 92, 10, 5), mix(b.accent, "#000000", 0.15))
    # Oval label.
    fill_path(p, ellipse(320, 262, 78, 62), "#FBF9F1", b.accent_soft, 2)
    name_f = font(32, bold=True)
    name_f.setLetterSpacing(QFont.SpacingType.AbsoluteSpacing, 3)
    draw_text(p, b.name, 321.5, 244, name_f, b.accent)
    line(p, [(300, 266), (340, 266)], b.accent, 1.4, alpha=160)
    draw_text(p, "香氛柔顺剂", 320, 286, font(17), b.accent)
    draw_text(p, "1L", 320, 360, font(15, bold=True), b.accent)
    scent_drops(p, prod, 450, 236)


# ---------------------------------------------------------------- qingkuo: garments


def garment_style(prod: Product) -> tuple[str, str, str]:
    """(fill, outline, seam) for the product's main colour."""
    c = prod.main_colour
    if QColor(c).lightness() < 80:
        return c, mix(c, "#000000", 0.4), mix(c, "#FFFFFF", 0.35)
    return c, mix(c, "#5A3A40", 0.35), mix(c, "#FFFFFF", 0.55)


def garment_fill(prod: Product, x0: float, x1: float) -> QLinearGradient:
    c = prod.main_colour
    return hgrad(x0, x1, (0, mix(c, "#FFFFFF", 0.16)), (0.55, c), (1, mix(c, "#000000", 0.10)))


def hang_tag(p: QPainter, prod: Product, x: float, y: float, angle: float = 10) -> None:
    b = prod.brand
    line(p, [(x, y), (x + 6, y + 26)], "#B99AA0", 1.6)
    p.save()
    p.translate(x + 6, y + 26)
    p.rotate(angle)
    tag = QPainterPath(QPointF(-22, 8))
    tag.lineTo(QPointF(-10, -6))
    tag.lineTo(QPointF(10, -6))
    tag.lineTo(QPointF(22, 8))
    tag.lineTo(QPointF(22, 70))
    tag.lineTo(QPointF(-22, 70))
    tag.closeSubpath()
    fill_path(p, tag, "#FFFBF8", b.accent_soft, 1.5)
    fill_path(p, ellipse(0, 3, 3, 3), b.accent_soft)
    f = font(17, bold=True)
    draw_text(p, b.name[0], 0, 28, f, b.accent)
    draw_text(p, b.name[1], 0, 50, f, b.accent)
    p.restore()


def waistband(p: QPainter, y: float, x0: float, x1: float, h: float, colour: str, seam: str) -> None:
    fill_path(p, rrect(x0, y, x1 - x0, h, 6), colour)
    line(p, [(x0 + 8, y + h - 5), (x1 - 8, y + h - 5)], seam, 1.6, dashed=True)


def draw_highwaist(p: QPainter, prod: Product) -> None:
    fill, outline, seam = garment_style(prod)
    shadow(p, 320, PRODUCT_FLOOR, 150, 14, "#7A4E56")
    brief = QPainterPath(QPointF(210, 130))
    brief.lineTo(QPointF(430, 130))
    brief.cubicTo(QPointF(436, 200), QPointF(452, 260), QPointF(458, 320))
    brief.cubicTo(QPointF(440, 340), QPointF(380, 370), QPointF(350, 430))
    brief.lineTo(QPointF(290, 430))
    brief.cubicTo(QPointF(260, 370), QPointF(200, 340), QPointF(182, 320))
    brief.cubicTo(QPointF(188, 260), QPointF(204, 200), QPointF(210, 130))
    brief.closeSubpath()
    fill_path(p, brief, garment_fill(prod, 182, 458), outline, 2.5)
    waistband(p, 122, 204, 436, 34, mix(fill, "#FFFFFF", 0.2), seam)
    stroke(p, rrect(204, 122, 232, 34, 6), outline, 2)
    # Tummy-control panel and side seams.
    panel = QPainterPath(QPointF(250, 166))
    panel.cubicTo(QPointF(250, 230), QPointF(266, 280), QPointF(320, 300))
    panel.cubicTo(QPointF(374, 280), QPointF(390, 230), QPointF(390, 166))
    stroke(p, panel, seam, 1.8, dashed=True)
    for pts in ([(220, 168), (212, 250), (196, 318)], [(420, 168), (428, 250), (444, 318)]):
        line(p, pts, outline, 1.4, alpha=90)
    # Leg-opening trims.
    left = QPainterPath(QPointF(190, 326))
    left.cubicTo(QPointF(220, 350), QPointF(270, 380), QPointF(292, 422))
    right = QPainterPath(QPointF(450, 326))
    right.cubicTo(QPointF(420, 350), QPointF(370, 380), QPointF(348, 422))
    stroke(p, left, seam, 1.8, dashed=True)
    stroke(p, right, seam, 1.8, dashed=True)
    hang_tag(p, prod, 420, 140)


def draw_bodysuit(p: QPainter, prod: Product) -> None:
    fill, outline, seam = garment_style(prod)
    shadow(p, 320, PRODUCT_FLOOR, 140, 14, "#7A4E56")
    body = QPainterPath(QPointF(238, 150))
    body.cubicTo(QPointF(262, 138), QPointF(290, 160), QPointF(320, 160))
    body.cubicTo(QPointF(350, 160), QPointF(378, 138), QPointF(402, 150))
    body.cubicTo(QPointF(414, 200), QPointF(400, 240), QPointF(396, 270))
    body.cubicTo(QPointF(392, 310), QPointF(420, 340), QPointF(424, 372))
    body.cubicTo(QPointF(396, 384), QPointF(360, 410), QPointF(344, 442))
    body.lineTo(QPointF(296, 442))
    body.cubicTo(QPointF(280, 410), QPointF(244, 384), QPointF(216, 372))
    body.cubicTo(QPointF(220, 340), QPointF(248, 310), QPointF(244, 270))
    body.cubicTo(QPointF(240, 240), QPointF(226, 200), QPointF(238, 150))
    body.closeSubpath()
    fill_path(p, body, garment_fill(prod, 216, 424), outline, 2.5)
    # Straps.
    for x0, x1 in ((246, 262), (394, 378)):
        line(p, [(x0, 150), (x1, 84)], outline, 9)
        line(p, [(x0, 150), (x1, 84)], mix(fill, "#FFFFFF", 0.15), 5.5)
    # Cups.
    for cx in (284, 356):
        cup = QPainterPath(QPointF(cx - 38, 160))
        cup.cubicTo(QPointF(cx - 36, 212), QPointF(cx + 36, 212), QPointF(cx + 38, 160))
        stroke(p, cup, seam, 1.8, dashed=True)
    # Waist shaping seams.
    for pts in ([(270, 210), (262, 290), (276, 372)], [(370, 210), (378, 290), (364, 372)]):
        line(p, pts, seam, 1.8, dashed=True)
    for pts in ([(222, 366), (296, 436)], [(418, 366), (344, 436)]):
        line(p, pts, seam, 1.6, dashed=True)
    hang_tag(p, prod, 398, 170, 8)


def draw_leggings(p: QPainter, prod: Product) -> None:
    fill, outline, seam = garment_style(prod)
    shadow(p, 320, PRODUCT_FLOOR, 130, 14, "#7A4E56")
    legs = QPainterPath(QPointF(240, 92))
    legs.lineTo(QPointF(400, 92))
    legs.cubicTo(QPointF(418, 160), QPointF(424, 220), QPointF(410, 290))
    legs.cubicTo(QPointF(398, 350), QPointF(380, 400), QPointF(374, 450))
    legs.lineTo(QPointF(340, 450))
    legs.cubicTo(QPointF(340, 380), QPointF(336, 300), QPointF(322, 232))
    legs.lineTo(QPointF(318, 232))
    legs.cubicTo(QPointF(304, 300), QPointF(300, 380), QPointF(300, 450))
    legs.lineTo(QPointF(266, 450))
    legs.cubicTo(QPointF(260, 400), QPointF(242, 350), QPointF(230, 290))
    legs.cubicTo(QPointF(216, 220), QPointF(222, 160), QPointF(240, 92))
    legs.closeSubpath()
    fill_path(p, legs, garment_fill(prod, 216, 424), outline, 2.5)
    waistband(p, 84, 234, 406, 42, mix(fill, "#FFFFFF", 0.12), seam)
    stroke(p, rrect(234, 84, 172, 42, 6), outline, 2)
    # Lift seams under the seat and down the legs.
    lift_l = QPainterPath(QPointF(238, 214))
    lift_l.cubicTo(QPointF(262, 240), QPointF(296, 236), QPointF(314, 220))
    lift_r = QPainterPath(QPointF(402, 214))
    lift_r.cubicTo(QPointF(378, 240), QPointF(344, 236), QPointF(326, 220))
    stroke(p, lift_l, seam, 1.8, dashed=True)
    stroke(p, lift_r, seam, 1.8, dashed=True)
    line(p, [(270, 256), (276, 330), (284, 440)], seam, 1.4, dashed=True, alpha=160)
    line(p, [(370, 256), (364, 330), (356, 440)], seam, 1.4, dashed=True, alpha=160)
    line(p, [(320, 128), (320, 228)], seam, 1.4, dashed=True, alpha=160)
    line(p, [(270, 440), (298, 440)], seam, 1.6, dashed=True)
    line(p, [(342, 440), (370, 440)], seam, 1.6, dashed=True)
    hang_tag(p, prod, 394, 100, 8)


def draw_safety_shorts(p: QPainter, prod: Product) -> None:
    fill, outline, seam = garment_style(prod)
    shadow(p, 320, PRODUCT_FLOOR, 160, 14, "#7A4E56")
    shorts = QPainterPath(QPointF(208, 168))
    shorts.lineTo(QPointF(432, 168))
    shorts.cubicTo(QPointF(448, 230), QPointF(462, 300), QPointF(470, 392))
    shorts.lineTo(QPointF(346, 406))
    shorts.cubicTo(QPointF(340, 360), QPointF(332, 330), QPointF(320, 318))
    shorts.cubicTo(QPointF(308, 330), QPointF(300, 360), QPointF(294, 406))
    shorts.lineTo(QPointF(170, 392))
    shorts.cubicTo(QPointF(178, 300), QPointF(192, 230), QPointF(208, 168))
    shorts.closeSubpath()
    fill_path(p, shorts, garment_fill(prod, 170, 470), outline, 2.5)
    waistband(p, 160, 202, 438, 32, mix(fill, "#FFFFFF", 0.12), seam)
    stroke(p, rrect(202, 160, 236, 32, 6), outline, 2)
    # Hem trims and side panels.
    line(p, [(176, 380), (294, 394)], seam, 1.8, dashed=True)
    line(p, [(346, 394), (464, 380)], seam, 1.8, dashed=True)
    line(p, [(216, 200), (196, 300), (190, 382)], seam, 1.4, dashed=True, alpha=150)
    line(p, [(424, 200), (444, 300), (450, 382)], seam, 1.4, dashed=True, alpha=150)
    # "Ice silk" cool feel: a few sparkles.
    for x, y, r in ((262, 250, 7), (384, 278, 6), (344, 226, 4.5)):
        sparkle(p, x, y, r, "#FFFFFF", 200)
    hang_tag(p, prod, 420, 168, 8)


def draw_cami(p: QPainter, prod: Product) -> None:
    fill, outline, seam = garment_style(prod)
    shadow(p, 320, PRODUCT_FLOOR, 130, 14, "#7A4E56")
    cami = QPainterPath(QPointF(240, 160))
    cami.cubicTo(QPointF(270, 176), QPointF(300, 186), QPointF(320, 186))
    cami.cubicTo(QPointF(340, 186), QPointF(370, 176), QPointF(400, 160))
    cami.cubicTo(QPointF(414, 210), QPointF(404, 250), QPointF(398, 290))
    cami.cubicTo(QPointF(394, 330), QPointF(408, 380), QPointF(414, 440))
    cami.lineTo(QPointF(226, 440))
    cami.cubicTo(QPointF(232, 380), QPointF(246, 330), QPointF(242, 290))
    cami.cubicTo(QPointF(236, 250), QPointF(226, 210), QPointF(240, 160))
    cami.closeSubpath()
    fill_path(p, cami, garment_fill(prod, 226, 414), outline, 2.5)
    for x0, x1 in ((246, 264), (394, 376)):
        line(p, [(x0, 164), (x1, 86)], outline, 8)
        line(p, [(x0, 164), (x1, 86)], mix(fill, "#FFFFFF", 0.15), 4.5)
    neck = QPainterPath(QPointF(248, 176))
    neck.cubicTo(QPointF(276, 192), QPointF(300, 200), QPointF(320, 200))
    neck.cubicTo(QPointF(340, 200), QPointF(364, 192), QPointF(392, 176))
    stroke(p, neck, seam, 1.8, dashed=True)
    # Built-in shaping band under the bust.
    band = QPainterPath(QPointF(242, 262))
    band.quadTo(QPointF(320, 276), QPointF(398, 262))
    band2 = QPainterPath(QPointF(244, 296))
    band2.quadTo(QPointF(320, 308), QPointF(396, 296))
    stroke(p, band, seam, 1.8, dashed=True)
    stroke(p, band2, seam, 1.8, dashed=True)
    line(p, [(230, 426), (410, 426)], seam, 1.6, dashed=True)
    hang_tag(p, prod, 388, 190, 8)


def draw_bra(p: QPainter, prod: Product) -> None:
    fill, outline, seam = garment_style(prod)
    shadow(p, 320, PRODUCT_FLOOR - 24, 150, 14, "#7A4E56")
    p.save()
    p.translate(0, 34)
    band = rrect(176, 292, 288, 56, 20)
    cups = QPainterPath()
    for sign in (-1, 1):

        def x(v: float, sign: int = sign) -> float:
            return 320 + sign * v  # v: distance from the centre line

        cup = QPainterPath(QPointF(x(140), 316))
        cup.cubicTo(QPointF(x(146), 236), QPointF(x(100), 170), QPointF(x(46), 150))
        cup.cubicTo(QPointF(x(38), 200), QPointF(x(22), 250), QPointF(x(4), 300))
        cup.lineTo(QPointF(x(4), 318))
        cup.closeSubpath()
        cups = cups.united(cup)
    shape = band.united(cups)
    fill_path(p, shape, garment_fill(prod, 176, 464), outline, 2.5)
    # Band in a slightly lighter tone, with a dashed trim.
    fill_path(p, rrect(178, 308, 284, 38, 16), mix(fill, "#FFFFFF", 0.12))
    line(p, [(196, 336), (444, 336)], seam, 1.6, dashed=True)
    # Straps from the cup tops.
    for x0, x1 in ((274, 262), (366, 378)):
        line(p, [(x0, 154), (x1, 60)], outline, 9)
        line(p, [(x0, 154), (x1, 60)], mix(fill, "#FFFFFF", 0.15), 5.5)
    # Seamless cup contours (soft support) and the centre gore.
    for sign in (-1, 1):
        path = QPainterPath(QPointF(320 + sign * 128, 300))
        path.cubicTo(
            QPointF(320 + sign * 124, 246), QPointF(320 + sign * 92, 196), QPointF(320 + sign * 50, 174)
        )
        stroke(p, path, seam, 1.6, dashed=True, alpha=200)
        under = QPainterPath(QPointF(320 + sign * 132, 304))
        under.quadTo(QPointF(320 + sign * 70, 316), QPointF(320 + sign * 10, 300))
        stroke(p, under, outline, 1.4, alpha=110)
    fill_path(p, ellipse(320, 306, 7, 7), mix(fill, "#FFFFFF", 0.35), outline, 1.5)
    p.restore()
    hang_tag(p, prod, 444, 356, 10)


# ---------------------------------------------------------------- catalogue

PRODUCTS = [
    Product(
        "qinyu-liquid",
        QINYU,
        "沁屿香氛洗衣液",
        draw_liquid,
        scents=("白茶海盐", "晨露小苍兰", "雪松琥珀"),
        sizes=("1kg", "2kg"),
    ),
    Product(
        "qinyu-beads",
        QINYU,
        "沁屿护色留香珠",
        draw_beads,
        scents=("白茶海盐", "晨露小苍兰", "雪松琥珀"),
        sizes=("200g", "520g"),
    ),
    Product(
        "qinyu-intimate",
        QINYU,
        "沁屿内衣专用洗衣液",
        draw_intimate,
        scents=("无花果木", "淡香"),
        sizes=("300ml",),
    ),
    Product(
        "qinyu-spray",
        QINYU,
        "沁屿织物除菌喷雾",
        draw_spray,
        scents=("白茶海盐", "雪松琥珀"),
        sizes=("250ml",),
    ),
    Product(
        "qinyu-wool-wash",
        QINYU,
        "沁屿羊毛真丝洗护液",
        draw_wool,
        scents=("白茶海盐", "雪松琥珀"),
        sizes=("500ml",),
    ),
    Product(
        "qinyu-softener",
        QINYU,
        "沁屿香氛柔顺剂",
        draw_softener,
        scents=("白茶海盐", "晨露小苍兰", "雪松琥珀"),
        sizes=("1L",),
    ),
    Product(
        "qingkuo-highwaist",
        QINGKUO,
        "轻廓高腰收腹内裤",
        draw_highwaist,
        colours=("肤色", "黑色", "奶咖色"),
        sizes=("S", "M", "L", "XL", "XXL"),
        main_colour="肤色",
    ),
    Product(
        "qingkuo-bodysuit",
        QINGKUO,
        "轻廓无痕连体塑身衣",
        draw_bodysuit,
        colours=("肤色", "黑色"),
        sizes=("S", "M", "L", "XL"),
        main_colour="肤色",
    ),
    Product(
        "qingkuo-leggings",
        QINGKUO,
        "轻廓提臀打底裤",
        draw_leggings,
        colours=("黑色", "烟灰", "摩卡棕"),
        sizes=("S", "M", "L", "XL"),
        main_colour="黑色",
    ),
    Product(
        "qingkuo-safety-shorts",
        QINGKUO,
        "轻廓冰丝安全裤",
        draw_safety_shorts,
        colours=("肤色", "黑色", "浅灰"),
        sizes=("M", "L", "XL"),
        main_colour="浅灰",
    ),
    Product(
        "qingkuo-shaping-cami",
        QINGKUO,
        "轻廓冰丝塑身背心",
        draw_cami,
        colours=("肤色", "黑色", "奶咖色"),
        sizes=("S", "M", "L", "XL"),
        main_colour="奶咖色",
    ),
    Product(
        "qingkuo-seamless-bra",
        QINGKUO,
        "轻廓无痕软支撑文胸",
        draw_bra,
        colours=("肤色", "黑色", "奶咖色"),
        sizes=("S", "M", "L", "XL"),
        main_colour="肤色",
    ),
]


def render(prod: Product) -> QImage:
    image = QImage(SIZE, SIZE, QImage.Format.Format_RGB32)
    image.fill(QColor(prod.brand.bg_top))
    p = QPainter(image)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setRenderHint(QPainter.RenderHint.TextAntialiasing)
    p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    if prod.main_colour:
        prod = Product(
            prod.key,
            prod.brand,
            prod.title,
            prod.draw,
            prod.scents,
            prod.sizes,
            prod.colours,
            GARMENT_COLOURS[prod.main_colour],
        )
    draw_background(p, prod)
    prod.draw(p, prod)
    draw_badge(p, prod)
    draw_caption(p, prod)
    p.end()
    return image


def save_png(image: QImage, path: Path) -> None:
    """Save with the strongest zlib compression. Flat art stays around 50-60 KB at 640x640.

    (Qt's own Indexed8 conversion uses a fixed palette that bands the soft gradients badly, so the
    pictures stay 24-bit.)
    """
    if not image.save(str(path), "PNG", 0):  # type: ignore[call-overload]  # quality 0 = smallest
        raise SystemExit(f"could not write {path}")


def main(argv: list[str] | None = None) -> int:
    global _FAMILY
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("keys", nargs="*", help="only these product keys (default: all)")
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help=f"output folder (default: {DEFAULT_OUT})"
    )
    args = parser.parse_args(argv)

    global _APP
    # PySide6 6.12 on CPython 3.11 drops one reference of None per void call; thousands of
    # QPainter calls would otherwise abort at exit with "deallocating None".
    protect_singletons()
    _APP = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    _FAMILY = pick_family()
    args.out.mkdir(parents=True, exist_ok=True)
    unknown = set(args.keys) - {p.key for p in PRODUCTS}
    if unknown:
        parser.error(f"unknown product keys: {', '.join(sorted(unknown))}")
    for prod in PRODUCTS:
        if args.keys and prod.key not in args.keys:
            continue
        path = args.out / f"{prod.key}.png"
        save_png(render(prod), path)
        print(
            f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}  {path.stat().st_size // 1024} KB"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
