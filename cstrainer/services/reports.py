"""Daily, weekly and monthly reports per agent and per team: the data (from the analytics
service, with its permissions) and the two file formats, a formatted xlsx workbook (openpyxl) and a
PDF (reportlab; Chinese text in the built-in CID font STSong-Light, as the certificates).

Periods are the local calendar day, the ISO week (Monday to Sunday) or the calendar month that
contains ``day`` (see :func:`cstrainer.services.analytics.period_bounds`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cstrainer.services.actor import Actor
from cstrainer.services.analytics import (
    PERIOD_LABELS,
    PersonRow,
    ScenarioStat,
    WeakItem,
    period_bounds,
)
from cstrainer.services.errors import InvalidInput

if TYPE_CHECKING:
    from cstrainer.services.analytics import AnalyticsService

#: a summary figure: (label, value, kind) with kind "int", "pct" (0..1), "num" or "text"
Figure = tuple[str, float | int | str | None, str]

PEOPLE_HEADERS = (
    "登录名",
    "姓名",
    "团队",
    "成长阶段",
    "考试次数",
    "通过次数",
    "考试平均得分率(%)",
    "对话练习次数",
    "对话平均分",
    "话术练习次数",
    "打字最佳净速(字/分)",
)
SCENARIO_HEADERS = ("场景", "阶段", "练习次数", "平均分", "成交/解决率", "平均回复用时(秒)")
WEAK_HEADERS = ("题目分类", "答错", "作答", "错误率")


@dataclass(frozen=True)
class Report:
    title: str
    scope_kind: str  # agent / team
    scope_label: str
    period: str  # day / week / month
    period_label: str
    start: datetime
    end: datetime
    generated_at: datetime
    summary: list[Figure]
    dimensions: dict[str, float]
    people: list[PersonRow]
    scenarios: list[ScenarioStat]
    weak_categories: list[WeakItem]
    wrong_book_topics: list[tuple[str, int]]
    trend: list[tuple[date, float | None, float | None]]  # day, exam avg %, role-play avg score


def build_report(
    analytics: AnalyticsService, actor: Actor, scope: tuple[str, str], period: str, day: date | None = None
) -> Report:
    """``scope``: ("agent", login) or ("team", team key / name / "all")."""
    if period not in PERIOD_LABELS:
        raise InvalidInput(f"未知周期“{period}”，可选：day、week、month", "period")
    day = day or datetime.now().date()
    start, end, plabel = period_bounds(period, day)
    kind, value = scope
    now = datetime.now(UTC)
    if kind == "agent":
        uid = analytics.user_id_of(actor, value)
        p = analytics.agent_profile(actor, uid, start, end)
        weak = analytics.weak_points(actor, user_id=uid, start=start, end=end)
        scenarios = analytics.scenario_stats(actor, start, end, user_id=uid)
        summary: list[Figure] = [
            ("姓名", p.person, "text"),
            ("登录名", p.login, "text"),
            ("团队", p.team or "—", "text"),
            ("成长阶段", p.stage, "text"),
            ("考试次数", p.exam_attempts, "int"),
            ("考试通过率", p.exam_pass_rate, "pct"),
            ("考试平均得分率(%)", p.exam_avg_percent, "num"),
            ("对话练习次数", p.sessions, "int"),
            ("对话平均分", p.session_avg_score, "num"),
            ("打字练习次数", p.typing_attempts, "int"),
            ("打字最佳净速(字/分)", p.typing_best_net_cpm, "num"),
            ("打字平均净速(字/分)", p.typing_avg_net_cpm, "num"),
            ("快捷码回忆次数", p.recall_answers, "int"),
            ("快捷码回忆正确率", p.recall_accuracy, "pct"),
        ]
        trend = _merge_trends(p.exam_trend, p.roleplay_trend)
        return Report(
            title=f"个人{PERIOD_LABELS[period]}：{p.person}",
            scope_kind="agent",
            scope_label=f"{p.person}（{p.login}）",
            period=period,
            period_label=plabel,
            start=start,
            end=end,
            generated_at=now,
            summary=summary,
            dimensions=p.dimension_avgs,
            people=[],
            scenarios=scenarios,
            weak_categories=weak.categories,
            wrong_book_topics=p.wrong_book_topics,
            trend=trend,
        )
    if kind != "team":
        raise InvalidInput("报表范围只能是 agent LOGIN 或 team TEAM", "scope")
    tid = analytics.team_id_of(actor, value)
    o = analytics.team_overview(actor, tid, start, end)
    people = analytics.people_rows(actor, tid, start, end)
    weak = analytics.weak_points(actor, team_id=tid, start=start, end=end)
    scenarios = analytics.scenario_stats(actor, start, end, team_id=tid)
    summary = [
        ("团队", o.team_name, "text"),
        ("人数", o.people, "int"),
        ("有练习的人数", o.active_people, "int"),
        ("考试次数", o.exam_attempts, "int"),
        ("考试通过率", o.exam_pass_rate, "pct"),
        ("考试平均得分率(%)", o.exam_avg_percent, "num"),
        ("对话练习次数", o.sessions, "int"),
        ("对话平均分", o.session_avg_score, "num"),
        ("成交/解决率", o.session_success_rate, "pct"),
        ("话术练习次数", o.drill_attempts, "int"),
        ("任务完成率", o.assignments_done_rate, "pct"),
    ]
    return Report(
        title=f"团队{PERIOD_LABELS[period]}：{o.team_name}",
        scope_kind="team",
        scope_label=o.team_name,
        period=period,
        period_label=plabel,
        start=start,
        end=end,
        generated_at=now,
        summary=summary,
        dimensions=o.dimension_avgs,
        people=people,
        scenarios=scenarios,
        weak_categories=weak.categories,
        wrong_book_topics=[],
        trend=_merge_trends(o.exam_trend, o.score_trend),
    )


def _merge_trends(
    exam: list[tuple[date, float]], roleplay: list[tuple[date, float]]
) -> list[tuple[date, float | None, float | None]]:
    e, r = dict(exam), dict(roleplay)
    return [(d, e.get(d), r.get(d)) for d in sorted(set(e) | set(r))]


def _display(value: float | int | str | None, kind: str) -> str:
    if value is None:
        return "—"
    if kind == "pct":
        return f"{float(value) * 100:.1f}%"
    if kind == "num":
        return f"{float(value):.1f}"
    return str(value)


# --- xlsx ---------------------------------------------------------------------------------------------


def write_report_xlsx(report: Report, path: str | Path) -> Path:
    """A workbook with sheets 概览 (summary, dimensions, daily trend), 人员 (team reports),
    场景 and 薄弱点: bold header rows on a fill, number formats, column widths, frozen header."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    path = Path(path)
    wb = Workbook()
    header_font = Font(bold=True, color="FFFFFF")
    header_fill = PatternFill("solid", fgColor="2F5597")
    title_font = Font(bold=True, size=14)

    def header(ws: Any, row: int, values: tuple[str, ...] | list[str]) -> None:
        for col, v in enumerate(values, start=1):
            cell = ws.cell(row=row, column=col, value=v)
            cell.font = header_font
            cell.fill = header_fill
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)

    def widths(ws: Any, cols: list[int]) -> None:
        for i, w in enumerate(cols, start=1):
            ws.column_dimensions[get_column_letter(i)].width = w

    ws = wb.active
    assert ws is not None
    ws.title = "概览"
    ws["A1"] = report.title
    ws["A1"].font = title_font
    ws["A2"] = f"统计周期：{report.period_label}"
    ws["A3"] = f"生成时间：{report.generated_at.astimezone().strftime('%Y-%m-%d %H:%M')}"
    header(ws, 5, ["指标", "数值"])
    row = 6
    for label, value, kind in report.summary:
        ws.cell(row=row, column=1, value=label)
        c = ws.cell(row=row, column=2, value=value if value is not None else "—")
        if kind == "pct" and value is not None:
            c.number_format = "0.0%"
        elif kind == "num" and value is not None:
            c.number_format = "0.0"
        elif kind == "int":
            c.number_format = "0"
        row += 1
    row += 1
    header(ws, row, ["对话维度", "平均分"])
    row += 1
    for label, v in report.dimensions.items():
        ws.cell(row=row, column=1, value=label)
        ws.cell(row=row, column=2, value=v).number_format = "0.0"
        row += 1
    row += 1
    header(ws, row, ["日期", "考试平均得分率(%)", "对话平均分"])
    row += 1
    for d, exam, rp in report.trend:
        ws.cell(row=row, column=1, value=d).number_format = "yyyy-mm-dd"
        ws.cell(row=row, column=2, value=exam).number_format = "0.0"
        ws.cell(row=row, column=3, value=rp).number_format = "0.0"
        row += 1
    widths(ws, [24, 20, 14])
    ws.freeze_panes = "A6"

    if report.scope_kind == "team":
        ps = wb.create_sheet("人员")
        header(ps, 1, list(PEOPLE_HEADERS))
        for i, p in enumerate(report.people, start=2):
            values = [
                p.login, p.display_name, p.team, p.stage, p.exam_attempts, p.exams_passed,
                p.exam_avg_percent, p.sessions, p.session_avg_score, p.drill_attempts, p.typing_best_net_cpm,
            ]  # fmt: skip
            for col, val in enumerate(values, start=1):
                c = ps.cell(row=i, column=col, value=val)
                if col in (7, 9, 11):
                    c.number_format = "0.0"
                elif col >= 5:
                    c.number_format = "0"
        widths(ps, [14, 10, 16, 10, 10, 10, 18, 12, 12, 12, 18])
        ps.freeze_panes = "C2"
        ps.auto_filter.ref = f"A1:{get_column_letter(len(PEOPLE_HEADERS))}{max(1, len(report.people)) + 1}"

    ss = wb.create_sheet("场景")
    header(ss, 1, list(SCENARIO_HEADERS))
    for i, sc in enumerate(report.scenarios, start=2):
        ss.cell(row=i, column=1, value=sc.title)
        ss.cell(row=i, column=2, value=sc.stage)
        ss.cell(row=i, column=3, value=sc.sessions).number_format = "0"
        ss.cell(row=i, column=4, value=sc.avg_score).number_format = "0.0"
        ss.cell(row=i, column=5, value=sc.success_rate).number_format = "0.0%"
        ss.cell(row=i, column=6, value=sc.avg_reply_seconds).number_format = "0.0"
    widths(ss, [36, 8, 10, 10, 12, 16])
    ss.freeze_panes = "B2"

    ws2 = wb.create_sheet("薄弱点")
    header(ws2, 1, list(WEAK_HEADERS))
    for i, w in enumerate(report.weak_categories, start=2):
        ws2.cell(row=i, column=1, value=w.label)
        ws2.cell(row=i, column=2, value=w.misses).number_format = "0"
        ws2.cell(row=i, column=3, value=w.total).number_format = "0"
        ws2.cell(row=i, column=4, value=w.rate).number_format = "0.0%"
    r = len(report.weak_categories) + 3
    if report.wrong_book_topics:
        header(ws2, r, ["错题本分类", "未消除错题"])
        for i, (cat, n) in enumerate(report.wrong_book_topics, start=r + 1):
            ws2.cell(row=i, column=1, value=cat)
            ws2.cell(row=i, column=2, value=n).number_format = "0"
    widths(ws2, [20, 10, 10, 10])
    ws2.freeze_panes = "A2"

    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


# --- PDF ----------------------------------------------------------------------------------------------

FONT = "STSong-Light"


def _register_font() -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))


def write_report_pdf(report: Report, path: str | Path) -> Path:
    """An A4 PDF: title and period, the summary table, dimension averages with bars, the daily
    trend, people (team reports), scenarios and weak categories."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    _register_font()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    title_style = ParagraphStyle("t", fontName=FONT, fontSize=18, leading=24, spaceAfter=4)
    h_style = ParagraphStyle("h", fontName=FONT, fontSize=13, leading=18, spaceBefore=8, spaceAfter=4)
    body = ParagraphStyle("b", fontName=FONT, fontSize=9.5, leading=13)
    blue = colors.HexColor("#2F5597")

    def table(rows: list[list[Any]], col_widths: list[float] | None = None) -> Table:
        t = Table(rows, colWidths=col_widths, repeatRows=1)
        t.setStyle(
            TableStyle(
                [
                    ("FONT", (0, 0), (-1, -1), FONT, 9),
                    ("BACKGROUND", (0, 0), (-1, 0), blue),
                    ("TEXTCOLOR", (0, 0), (-1, 0), colors.white),
                    ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#B4C6E7")),
                    ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#EEF3FA")]),
                    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ]
            )
        )
        return t

    def num(v: float | None, digits: int = 1) -> str:
        return "—" if v is None else f"{v:.{digits}f}"

    story: list[Any] = [
        Paragraph(report.title, title_style),
        Paragraph(
            f"统计周期：{report.period_label}　　生成时间："
            f"{report.generated_at.astimezone().strftime('%Y-%m-%d %H:%M')}",
            body,
        ),
        Spacer(1, 4 * mm),
        Paragraph("概览", h_style),
        table(
            [["指标", "数值"]] + [[lbl, _display(v, k)] for lbl, v, k in report.summary], [70 * mm, 60 * mm]
        ),
    ]
    if report.dimensions:
        bar_rows: list[list[Any]] = [["对话维度", "平均分", ""]]
        for label, v in report.dimensions.items():
            bar_rows.append([label, num(v), "█" * max(0, round(v / 5))])
        story += [Paragraph("对话维度平均分", h_style), table(bar_rows, [40 * mm, 25 * mm, 90 * mm])]
    if report.trend:
        story += [
            Paragraph("每日趋势", h_style),
            table(
                [["日期", "考试平均得分率(%)", "对话平均分"]]
                + [[d.isoformat(), num(e), num(r)] for d, e, r in report.trend],
                [40 * mm, 45 * mm, 40 * mm],
            ),
        ]
    if report.people:
        rows: list[list[Any]] = [
            ["姓名", "团队", "阶段", "考试", "通过", "得分率", "对话", "均分", "打字净速"]
        ]
        for p in report.people:
            rows.append(
                [
                    f"{p.display_name}（{p.login}）", p.team, p.stage, p.exam_attempts, p.exams_passed,
                    num(p.exam_avg_percent), p.sessions, num(p.session_avg_score), num(p.typing_best_net_cpm),
                ]
            )  # fmt: skip
        story += [Paragraph("人员", h_style), table(rows)]
    if report.scenarios:
        rows = [["场景", "阶段", "次数", "平均分", "成交/解决率", "平均回复(秒)"]]
        for sc in report.scenarios[:40]:
            rate = "—" if sc.success_rate is None else f"{sc.success_rate * 100:.0f}%"
            rows.append(
                [
                    Paragraph(sc.title, body),
                    sc.stage,
                    sc.sessions,
                    num(sc.avg_score),
                    rate,
                    num(sc.avg_reply_seconds),
                ]
            )
        story += [
            Paragraph("场景", h_style),
            table(rows, [62 * mm, 14 * mm, 14 * mm, 18 * mm, 24 * mm, 24 * mm]),
        ]
    if report.weak_categories:
        rows = [["题目分类", "答错", "作答", "错误率"]]
        rows += [[w.label, w.misses, w.total, f"{w.rate * 100:.1f}%"] for w in report.weak_categories]
        story += [Paragraph("薄弱题目分类", h_style), table(rows, [50 * mm, 20 * mm, 20 * mm, 25 * mm])]
    if report.wrong_book_topics:
        rows = [["错题本分类", "未消除错题"]] + [[c, n] for c, n in report.wrong_book_topics]
        story += [Paragraph("错题本", h_style), table(rows, [50 * mm, 30 * mm])]

    def footer(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(FONT, 8)
        canvas.drawRightString(A4[0] - 15 * mm, 10 * mm, f"{report.title}　第 {doc.page} 页")
        canvas.restoreState()

    doc = SimpleDocTemplate(
        str(path),
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=18 * mm,
        title=report.title,
        author="cstrainer",
    )
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return path


def write_report(report: Report, path: str | Path) -> Path:
    """By the file's extension: ``.xlsx`` or ``.pdf``."""
    suffix = Path(path).suffix.lower()
    if suffix == ".xlsx":
        return write_report_xlsx(report, path)
    if suffix == ".pdf":
        return write_report_pdf(report, path)
    raise InvalidInput("报表文件名需以 .xlsx 或 .pdf 结尾", "out")
