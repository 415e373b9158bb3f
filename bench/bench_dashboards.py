"""Benchmark of the dashboards (AnalyticsService) on a large generated history.

Run:  .venv/bin/python bench/bench_dashboards.py [--db URL] [--agents 300] [--answers 1000000]
      [--sessions 100000] [--days 90] [--repeat 30] [--reuse]

Fills a database with the shipped content and the demo history generator
(cstrainer/services/demo_data.py) sized to about ``--agents`` people, ``--answers`` graded exam
answers and ``--sessions`` role-play sessions over ``--days`` days, then times every dashboard call
through the service API (a manager over everybody, a trainer over one team, an agent's own
profile) for the last 30 days and the whole period: p50 / p99 / max in milliseconds. Target:
each dashboard under 300 ms. Never asserts on time (DESIGN.md: benchmarks are not tests).
Everybody's figures read whole past days from the roll-ups (cstrainer/services/stats_rollup.py);
the generator seals them, and with ``--reuse`` the time to seal what is missing is printed.
Without ``--db`` the database is a temporary SQLite file; with ``--db`` it must be empty, unless
``--reuse`` says it already holds a generated history (then nothing is generated).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

if "CSTRAINER_HOME" not in os.environ:
    os.environ["CSTRAINER_HOME"] = tempfile.mkdtemp(prefix="cstrainer-bench-")

from sqlalchemy import func, select

from cstrainer.services import SYSTEM, Services, stats_rollup
from cstrainer.services.demo_data import average_paper_size, generate
from cstrainer.services.users import actor_for
from cstrainer.storage.models import AttemptItem, RolePlaySession, Team, User


def pct(values: list[float], p: float) -> float:
    return (
        statistics.quantiles(values, n=100, method="inclusive")[int(p) - 1] if len(values) > 1 else values[0]
    )


def fill(services: Services, args: argparse.Namespace) -> None:
    services.content.seed_if_empty()
    paper = average_paper_size(services.db)
    t0 = time.perf_counter()
    summary = generate(
        services.db,
        SYSTEM,
        agents=args.agents,
        days=args.days,
        seed=args.seed,
        exams_per_agent=args.answers / args.agents / paper,
        sessions_per_agent=args.sessions / args.agents,
        drills_per_agent=args.days * 1.5,
        snapshots=False,
        progress=lambda m: print(f"  {m}", flush=True),
    )
    print(
        f"generated {summary.people} agents, {summary.exam_attempts} attempts, {summary.answers} answers, "
        f"{summary.sessions} sessions, {summary.drills} drill attempts in {time.perf_counter() - t0:.1f} s"
    )
    if services.db.is_sqlite:
        with services.db.engine.connect() as c:
            c.exec_driver_sql("ANALYZE")
    else:
        with services.db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            c.exec_driver_sql("VACUUM ANALYZE")


def main(argv: list[str] | None = None) -> list[dict[str, Any]]:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", help="database URL (default: a temporary SQLite file); must be empty")
    ap.add_argument("--agents", type=int, default=300)
    ap.add_argument("--answers", type=int, default=1_000_000)
    ap.add_argument("--sessions", type=int, default=100_000)
    ap.add_argument("--days", type=int, default=90)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--repeat", type=int, default=30, help="calls per dashboard")
    ap.add_argument("--reuse", action="store_true", help="the database already holds a generated history")
    ap.add_argument(
        "--reuse-if-filled", action="store_true", help="generate only if the database holds no answers yet"
    )
    args = ap.parse_args(argv)
    out: list[dict[str, Any]] = []
    url = args.db or f"sqlite:///{tempfile.mkdtemp(prefix='cstrainer-bench-')}/bench.sqlite"
    services = Services.open(url, seed=False)
    if args.reuse_if_filled:
        with services.db.session() as s:
            args.reuse = bool(s.scalar(select(func.count(AttemptItem.id))))
    if not args.reuse:
        fill(services, args)
    with services.db.session() as s:
        answers = s.scalar(select(func.count(AttemptItem.id)))
        sessions = s.scalar(select(func.count(RolePlaySession.id)))
        teams = list(s.scalars(select(Team.id).order_by(Team.id)))
        agents = [actor_for(u) for u in s.scalars(select(User).where(User.login.like("demo0%")).limit(50))]
        trainers = [
            actor_for(u)
            for u in s.scalars(select(User).where(User.role == "trainer", User.team_id.is_not(None)))
        ]
    print(f"{services.describe()}: {answers} answers, {sessions} sessions")
    t0 = time.perf_counter()
    sealed = stats_rollup.ensure_sealed(
        services.db, datetime.now(UTC) - timedelta(days=args.days + 1), datetime.now(UTC)
    )
    print(
        f"roll-ups: {stats_rollup.sealed_count(services.db)} days sealed "
        f"({sealed} just now, in {time.perf_counter() - t0:.2f} s)"
    )
    a = services.analytics
    now = datetime.now(UTC)
    rng = random.Random(1)
    periods = {
        "30 days": (now - timedelta(days=30), now),
        f"{args.days} days": (now - timedelta(days=args.days), now),
    }
    calls: dict[str, Callable[[datetime, datetime], Any]] = {
        "team_overview (all)": lambda st, en: a.team_overview(SYSTEM, None, st, en),
        "team_overview (team)": lambda st, en: a.team_overview(rng.choice(trainers), None, st, en),
        "agent_profile": lambda st, en: (
            (ag := rng.choice(agents)) and a.agent_profile(ag, ag.user_id or 0, st, en)
        ),
        "scenario_stats (all)": lambda st, en: a.scenario_stats(SYSTEM, st, en),
        "question_stats (all)": lambda st, en: a.question_stats(SYSTEM, st, en),
        "question_stats (team)": lambda st, en: a.question_stats(rng.choice(trainers), st, en),
        "leaderboard (team)": lambda st, en: a.leaderboard(
            SYSTEM, rng.choice(teams), st, en, rng.choice(["roleplay_avg", "exam_avg", "typing_best"])
        ),
        "weak_points (all)": lambda st, en: a.weak_points(SYSTEM, start=st, end=en),
        "weak_points (team)": lambda st, en: a.weak_points(rng.choice(trainers), start=st, end=en),
        "weak_points (agent)": lambda st, en: (
            (ag := rng.choice(agents)) and a.weak_points(ag, user_id=ag.user_id, start=st, end=en)
        ),
        "people_rows (all)": lambda st, en: a.people_rows(SYSTEM, None, st, en),
    }
    print(f"{'dashboard':<24} {'period':<8} {'calls':>5} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for name, fn in calls.items():
        for plabel, (st, en) in periods.items():
            fn(st, en)  # warm caches
            wall = []
            for _ in range(args.repeat):
                t0 = time.perf_counter()
                fn(st, en)
                wall.append((time.perf_counter() - t0) * 1000)
            flag = "" if pct(wall, 99) < 300 else "  > 300 ms"
            out.append(
                {
                    "what": f"dashboard {name}, {plabel} ({services.db.url.get_backend_name()})",
                    "figure": round(pct(wall, 99), 1),
                    "unit": "ms",
                    "stat": "p99",
                    "target": 300.0,
                    "note": f"p50 {pct(wall, 50):.1f}; {answers:,} answers, {sessions:,} sessions",
                }
            )
            print(
                f"{name:<24} {plabel:<8} {len(wall):>5} {pct(wall, 50):>8.1f} {pct(wall, 99):>8.1f} "
                f"{max(wall):>8.1f}{flag}"
            )
    services.close()
    return out


def run(args: list[str]) -> list[dict[str, Any]]:
    return main(args)


if __name__ == "__main__":
    main()
