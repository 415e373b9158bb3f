"""Reports: the data of a team and an agent report, the xlsx (read back with openpyxl) and the PDF
(rendered with pdftoppm, text read back with pdftotext)."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from PIL import Image

from cstrainer.services import Services
from cstrainer.services.errors import InvalidInput, PermissionDenied
from cstrainer.services.reports import write_report, write_report_pdf, write_report_xlsx
from tests.services.analytics_fixtures import World, build

WEEK = date(2026, 3, 4)  # the ISO week 2026-03-02 .. 03-08 holds the whole fixture

needs_poppler = pytest.mark.skipif(
    not (shutil.which("pdftoppm") and shutil.which("pdftotext")), reason="poppler-utils is not installed"
)


@pytest.fixture
def world(services: Services) -> World:
    return build(services)


def summary_of(ws: object) -> dict[str, object]:
    out = {}
    for row in ws.iter_rows(min_row=6, max_col=2):  # type: ignore[attr-defined]
        if row[0].value is None:
            break
        out[str(row[0].value)] = row[1]
    return out


def pdf_text(pdf: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, check=True, timeout=60
    ).stdout.decode("utf-8")


def inked_pages(pdf: Path, folder: Path) -> list[float]:
    subprocess.run(["pdftoppm", "-r", "30", "-png", str(pdf), str(folder / "page")], check=True, timeout=60)
    out = []
    for png in sorted(folder.glob("page-*.png")):
        with Image.open(png) as image:
            grey = image.convert("L")
            hist = grey.histogram()
            out.append(sum(hist[:230]) / (grey.width * grey.height))
    return out


def test_team_report_data(services: Services, world: World) -> None:
    r = services.analytics.report(world.actors["mgr"], ("team", "team-a"), "week", WEEK)
    assert r.title == "团队周报：甲组"
    assert "第 10 周" in r.period_label
    figures = {label: value for label, value, _ in r.summary}
    assert figures["考试次数"] == 3 and figures["对话练习次数"] == 3 and figures["人数"] == 2
    assert figures["对话平均分"] == pytest.approx(70.0)
    assert [
        (p.login, p.exam_attempts, p.exams_passed, p.sessions, p.typing_best_net_cpm) for p in r.people
    ] == [
        ("ag1", 2, 1, 2, 60.0),
        ("ag2", 1, 0, 1, 50.0),
    ]
    assert [(w.label, w.misses, w.total) for w in r.weak_categories] == [
        ("产品知识", 2, 3),
        ("平台规则", 1, 3),
    ]
    # the day before the fixture: nothing
    empty = services.analytics.report(world.actors["mgr"], ("team", "all"), "day", date(2026, 3, 1))
    assert {label: value for label, value, _ in empty.summary}["考试次数"] == 0


def test_report_permissions(services: Services, world: World) -> None:
    with pytest.raises(PermissionDenied):
        services.analytics.report(world.actors["ag1"], ("agent", "ag2"), "week", WEEK)
    with pytest.raises(PermissionDenied):
        services.analytics.report(world.actors["tra"], ("team", "team-b"), "week", WEEK)
    with pytest.raises(PermissionDenied):
        services.analytics.report(world.actors["ag1"], ("team", "team-a"), "week", WEEK)
    mine = services.analytics.report(world.actors["ag1"], ("agent", "ag1"), "week", WEEK)
    assert mine.title == "个人周报：陈一"
    with pytest.raises(InvalidInput):
        services.analytics.report(world.actors["mgr"], ("team", "all"), "year", WEEK)


def test_team_report_xlsx(services: Services, world: World, tmp_path: Path) -> None:
    r = services.analytics.report(world.actors["mgr"], ("team", "team-a"), "week", WEEK)
    path = write_report_xlsx(r, tmp_path / "周报.xlsx")
    wb = load_workbook(path)
    assert wb.sheetnames == ["概览", "人员", "场景", "薄弱点"]
    ws = wb["概览"]
    assert ws["A1"].value == "团队周报：甲组" and ws["A1"].font.bold
    assert ws["A5"].value == "指标" and ws["A5"].font.bold and ws["A5"].fill.fgColor.rgb.endswith("2F5597")
    assert ws.freeze_panes == "A6"
    cells = summary_of(ws)
    assert cells["考试次数"].value == 3  # type: ignore[attr-defined]
    rate = cells["考试通过率"]
    assert rate.value == pytest.approx(1 / 3) and rate.number_format == "0.0%"  # type: ignore[attr-defined]
    assert cells["对话平均分"].value == pytest.approx(70.0)  # type: ignore[attr-defined]
    people = wb["人员"]
    assert people["A1"].value == "登录名" and people.freeze_panes == "C2"
    assert [c.value for c in people[2]][:9] == ["ag1", "陈一", "甲组", "新人", 2, 1, 75.0, 2, 80.0]
    assert people["G2"].number_format == "0.0"
    assert people.column_dimensions["G"].width >= 15
    scen = wb["场景"]
    assert [scen["A2"].value, scen["C2"].value, scen["D2"].value] == ["场景sc1", 3, 70.0]
    weak = wb["薄弱点"]
    assert [weak["A2"].value, weak["B2"].value, weak["C2"].value] == ["产品知识", 2, 3]
    assert weak["D2"].number_format == "0.0%"


def test_agent_report_xlsx(services: Services, world: World, tmp_path: Path) -> None:
    r = services.analytics.report(world.actors["tra"], ("agent", "ag1"), "month", WEEK)
    wb = load_workbook(write_report(r, tmp_path / "ag1.xlsx"))
    assert "人员" not in wb.sheetnames
    cells = summary_of(wb["概览"])
    assert cells["姓名"].value == "陈一"  # type: ignore[attr-defined]
    assert cells["考试平均得分率(%)"].value == pytest.approx(75.0)  # type: ignore[attr-defined]
    assert cells["快捷码回忆正确率"].value == pytest.approx(2 / 3)  # type: ignore[attr-defined]
    weak = wb["薄弱点"]
    assert weak["A5"].value == "错题本分类" and weak["A6"].value == "产品知识" and weak["B6"].value == 1


@needs_poppler
def test_report_pdfs_render(services: Services, world: World, tmp_path: Path) -> None:
    team = services.analytics.report(world.actors["mgr"], ("team", "team-a"), "week", WEEK)
    pdf = write_report_pdf(team, tmp_path / "team.pdf")
    inks = inked_pages(pdf, tmp_path)
    assert inks and all(i > 0.01 for i in inks)
    text = pdf_text(pdf)
    assert "团队周报：甲组" in text and "陈一" in text and "王二" in text
    assert "70.0" in text  # the average role-play score
    assert "33.3%" in text  # the pass rate

    agent = services.analytics.report(world.actors["mgr"], ("agent", "ag1"), "week", WEEK)
    folder = tmp_path / "agent"
    folder.mkdir()
    pdf = write_report(agent, folder / "ag1.pdf")
    assert all(i > 0.01 for i in inked_pages(pdf, folder))
    text = pdf_text(pdf)
    assert "个人周报：陈一" in text and "75.0" in text and "产品知识" in text


def test_bad_file_name(services: Services, world: World, tmp_path: Path) -> None:
    r = services.analytics.report(world.actors["mgr"], ("team", "all"), "week", WEEK)
    with pytest.raises(InvalidInput):
        write_report(r, tmp_path / "r.csv")
