"""`cstrainer report` and `cstrainer demo-data`."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook

from cstrainer.cli import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_demo_data_then_reports(seeded_url: str, capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    code, out, _ = run(
        capsys, "--db", seeded_url, "demo-data", "--agents", "8", "--days", "14", "--seed", "3", "--json"
    )
    assert code == 0, out
    summary = json.loads(out)
    assert summary["people"] == 8 and summary["exam_attempts"] > 0 and summary["sessions"] > 0
    # ids given by the generator: the database keeps numbering new rows after them (PostgreSQL sequences)
    code, _, err = run(capsys, "--db", seeded_url, "user", "add", "newbie", "--name", "新同事", "--role", "agent",
                       "--no-password")  # fmt: skip
    assert code == 0, err

    xlsx = tmp_path / "team.xlsx"
    code, out, err = run(
        capsys, "--db", seeded_url, "report", "team", "all", "--period", "month", "--out", str(xlsx)
    )
    assert code == 0, err
    assert "团队月报：全部" in out
    ws = load_workbook(xlsx)["人员"]
    logins = [ws.cell(row=r, column=1).value for r in range(2, ws.max_row + 1)]
    assert [x for x in logins if str(x).startswith("demo")] == [f"demo{i:03d}" for i in range(1, 9)]

    pdf = tmp_path / "demo001.pdf"
    code, out, err = run(
        capsys, "--db", seeded_url, "report", "agent", "demo001", "--period", "week", "--out", str(pdf)
    )
    assert code == 0, err
    assert pdf.read_bytes().startswith(b"%PDF")
    if shutil.which("pdftotext"):
        text = subprocess.run(
            ["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, check=True
        ).stdout
        assert "个人周报" in text.decode("utf-8")

    # an agent may not report on the whole department
    monkeypatch.setenv("CSTRAINER_PASSWORD", "demo1234")
    code, _, err = run(
        capsys, "--db", seeded_url, "--user", "kefu", "report", "team", "all", "--period", "day",
        "--out", str(tmp_path / "x.xlsx"),
    )  # fmt: skip
    assert code == 1 and "权限不足" in err
    code, _, err = run(
        capsys, "--db", seeded_url, "--user", "kefu", "report", "agent", "kefu", "--period", "day",
        "--date", "2026-03-01", "--out", str(tmp_path / "kefu.xlsx"),
    )  # fmt: skip
    assert code == 0, err


def test_report_argument_errors(seeded_url: str, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(
        capsys, "--db", seeded_url, "report", "team", "all", "--period", "week", "--out", "r.txt"
    )
    assert code == 1 and ".xlsx" in err
    code, _, err = run(
        capsys, "--db", seeded_url, "report", "team", "all", "--period", "week", "--date", "3/4",
        "--out", str(tmp_path / "r.xlsx"),
    )  # fmt: skip
    assert code == 1 and "YYYY-MM-DD" in err
    code, _, err = run(capsys, "--db", seeded_url, "report", "team", "nosuch", "--period", "week", "--out",
                       str(tmp_path / "r.xlsx"))  # fmt: skip
    assert code == 1 and "nosuch" in err
    with pytest.raises(SystemExit):
        main(["--db", seeded_url, "report", "team", "all", "--period", "year", "--out", "r.xlsx"])


def test_demo_data_is_deterministic(seeded_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    from datetime import UTC, datetime

    from sqlalchemy import func, select

    from cstrainer.services import SYSTEM, Services
    from cstrainer.services.demo_data import generate
    from cstrainer.storage.database import open_database
    from cstrainer.storage.models import RolePlaySession, User

    now = datetime(2026, 3, 10, tzinfo=UTC)
    services = Services(open_database(seeded_url))
    try:
        a = generate(services.db, SYSTEM, agents=5, days=10, seed=11, now=now)
        with services.db.session() as s:
            first = s.execute(
                select(User.display_name, User.stage).where(User.login.like("demo0%")).order_by(User.login)
            ).all()
            total = s.scalar(select(func.sum(RolePlaySession.score)))
        with services.db.session() as s:
            s.execute(RolePlaySession.__table__.delete())  # type: ignore[attr-defined]
        from sqlalchemy import delete

        with services.db.session() as s:
            s.execute(delete(User).where(User.login.like("demo%")))
        b = generate(services.db, SYSTEM, agents=5, days=10, seed=11, now=now)
        with services.db.session() as s:
            second = s.execute(
                select(User.display_name, User.stage).where(User.login.like("demo0%")).order_by(User.login)
            ).all()
            assert s.scalar(select(func.sum(RolePlaySession.score))) == total
        assert first == second
        assert (a.exam_attempts, a.answers, a.sessions, a.drills) == (
            b.exam_attempts,
            b.answers,
            b.sessions,
            b.drills,
        )
    finally:
        services.close()


def test_demo_history_is_plausible(seeded_url: str) -> None:
    """Harder categories are answered worse, people improve over time, stages match promotions,
    sessions carry dimension columns and reply times, and the dashboards have figures."""
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import case, func, select

    from cstrainer.services import SYSTEM, Services
    from cstrainer.services.demo_data import generate
    from cstrainer.storage.database import open_database
    from cstrainer.storage.models import Attempt, AttemptItem, Promotion, Question, RolePlaySession, User

    now = datetime(2026, 6, 1, tzinfo=UTC)
    services = Services(open_database(seeded_url))
    try:
        summary = generate(services.db, SYSTEM, agents=30, days=60, seed=5, now=now)
        assert summary.answers > 1000 and summary.sessions > 500 and summary.promotions > 0
        with services.db.session() as s:
            rate = dict(
                s.execute(
                    select(Question.category, func.avg(case((AttemptItem.correct.is_(True), 1.0), else_=0.0)))
                    .join(AttemptItem, AttemptItem.question_id == Question.id)
                    .group_by(Question.category)
                ).all()
            )
            assert rate["平台规则"] < rate["产品知识"]
            assert rate["服务技巧-售后"] < rate["服务技巧-售前"]
            mid = now - timedelta(days=30)
            early, late = (
                s.scalar(select(func.avg(RolePlaySession.score)).where(cond))
                for cond in (RolePlaySession.started_at < mid, RolePlaySession.started_at >= mid)
            )
            assert late > early
            exam_early, exam_late = (
                s.scalar(select(func.avg(Attempt.percent)).where(cond))
                for cond in (Attempt.submitted_at < mid, Attempt.submitted_at >= mid)
            )
            assert exam_late > exam_early
            stages = ["新人", "上岗", "售后", "精英客服", "主管"]
            for uid, stage in s.execute(select(User.id, User.stage).where(User.login.like("demo0%"))):
                chain = s.execute(
                    select(Promotion.from_stage, Promotion.to_stage)
                    .where(Promotion.user_id == uid)
                    .order_by(Promotion.at)
                ).all()
                assert [to for _, to in chain] == stages[1 : stages.index(stage) + 1]
            dims = s.execute(
                select(func.min(RolePlaySession.dim_knowledge), func.max(RolePlaySession.avg_reply_seconds))
            ).one()
            assert dims[0] is not None and 0 < dims[1] <= 240
        overview = services.analytics.team_overview(SYSTEM, None, now - timedelta(days=30), now)
        assert overview.sessions > 100 and set(overview.dimension_avgs) == {
            "专业知识",
            "服务规范",
            "沟通技巧",
            "响应时效",
            "合规",
        }
        weak = services.analytics.weak_points(SYSTEM, start=now - timedelta(days=30), end=now)
        assert weak.categories and weak.key_points and weak.qc_items
    finally:
        services.close()
