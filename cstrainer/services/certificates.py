"""The PDF certificate of a passed exam (reportlab; no Qt, so the CLI can write it too).

Chinese text uses reportlab's built-in CID font STSong-Light: nothing is embedded, PDF readers
(and poppler's pdftoppm) substitute their own Song/Ming typeface, which every Chinese system has.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cstrainer.services.exams import CertificateInfo

FONT = "STSong-Light"


def write_certificate(info: CertificateInfo, path: Path) -> Path:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    path.parent.mkdir(parents=True, exist_ok=True)
    width, height = landscape(A4)
    c = canvas.Canvas(str(path), pagesize=(width, height))
    c.setTitle(f"结业证书 - {info.display_name} - {info.exam_title}")
    c.setAuthor("客服训练营")
    # A double frame, as on a printed certificate.
    c.setStrokeColor(colors.HexColor("#9a7b3f"))
    c.setLineWidth(4)
    c.rect(28, 28, width - 56, height - 56)
    c.setLineWidth(1)
    c.rect(40, 40, width - 80, height - 80)

    c.setFillColor(colors.HexColor("#5a3e1b"))
    c.setFont(FONT, 40)
    c.drawCentredString(width / 2, height - 130, "合 格 证 书")
    c.setFillColor(colors.black)
    c.setFont(FONT, 18)
    lines = [
        f"{info.display_name}（{info.login}）",
        f"参加“{info.exam_title}”，成绩 {info.percent:g} 分，考核合格。",
        f"日期：{info.passed_at.astimezone():%Y 年 %m 月 %d 日}",
    ]
    y = height - 220
    for line in lines:
        c.drawCentredString(width / 2, y, line)
        y -= 44
    c.setFont(FONT, 12)
    c.setFillColor(colors.HexColor("#444444"))
    c.drawCentredString(width / 2, 90, f"验证码：{info.code}    验证方法：cstrainer exams verify {info.code}")
    c.drawCentredString(width / 2, 70, "客服训练营 · 培训考核")
    c.showPage()
    c.save()
    return path
