"""``make bench`` / ``python -m bench``: every benchmark, one table of figures against issue 9's targets.

Run:  .venv/bin/python -m bench [--quick] [--pg URL] [--only NAME ...] [--out DIR] [--fresh]

Each benchmark runs in a process of its own (so start-up, memory and caches are measured as a
person meets them) and builds its own realistic generated data:

* startup    - the real app started 5 times (bench/bench_startup.py): cold start, first grading,
               peak memory after opening every page, page switches, opening handbook entries;
* handbook   - every shipped handbook document opened 3 times in the real main window
               (bench/bench_handbook.py): the UI thread's share, first and later openings;
* phrases    - 50,000 generated team phrases, search as you type (bench/bench_phrases.py);
* roleplay   - grading role-play replies in a 30-turn scenario (bench/bench_roleplay.py);
* exams      - drawing and grading 100-question papers from a 20,000-question bank through the
               exam service, on SQLite (and PostgreSQL with --pg) (bench/bench_exam_service.py),
               and the same in the domain alone (bench/bench_exams.py);
* import     - importing a generated 10,000-row xlsx question file (bench/bench_import.py);
* dashboards - every dashboard over 300 agents, ~1,000,000 graded answers and ~100,000 role-play
               sessions over 90 days (bench/bench_dashboards.py), on SQLite (and PostgreSQL with
               --pg). The history is generated once into ``--out`` (default bench/out) and reused
               by later runs (``--fresh`` rebuilds it; it takes a few minutes).

``--quick`` uses smaller data (fewer runs, 100,000 answers) for a fast look; its figures are not
the issue's. ``--pg URL`` (or CSTRAINER_BENCH_PG_URL) names an empty PostgreSQL database the
PostgreSQL runs may fill (a database the dashboards filled before is reused). Prints a table:
figure, target, and whether it is met. Never fails on a missed target (benchmarks are not tests).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
MARKER = "@@BENCH-ROWS@@"

CHILD = (
    "import json, sys\n"
    "sys.path.insert(0, {root!r})\n"
    "import importlib\n"
    "m = importlib.import_module({module!r})\n"
    "rows = m.run({args!r})\n"
    "print({marker!r} + json.dumps(rows, ensure_ascii=False), flush=True)\n"
)


def run_bench(module: str, args: list[str], env: dict[str, str]) -> tuple[list[dict[str, Any]], float, str]:
    """Run ``module.run(args)`` in a new process, echoing its output; its rows, seconds, error."""
    code = CHILD.format(root=str(ROOT), module=module, args=args, marker=MARKER)
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        bufsize=1,
    )
    rows: list[dict[str, Any]] = []
    tail: list[str] = []
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith(MARKER):
            rows = json.loads(line[len(MARKER) :])
            continue
        print(f"    {line}", end="", flush=True)
        tail = [*tail, line][-15:]
    code_ = proc.wait()
    error = "" if code_ == 0 and rows else f"exit {code_}: " + "".join(tail[-5:]).strip()
    return rows, time.perf_counter() - t0, error


def plan(args: argparse.Namespace) -> list[tuple[str, str, list[str]]]:
    """(name, module, arguments) of every benchmark to run."""
    out = Path(args.out)
    quick = args.quick
    answers = 100_000 if quick else 1_000_000
    sessions = 10_000 if quick else 100_000
    dash_file = out / f"dashboards-{answers}.sqlite"
    steps: list[tuple[str, str, list[str]]] = [
        ("startup", "bench.bench_startup", ["--runs", "3" if quick else "5"]),
        ("handbook", "bench.bench_handbook", ["--rounds", "2" if quick else "3"]),
        ("phrases", "bench.bench_phrases", ["--queries", "500"] if quick else []),
        ("roleplay", "bench.bench_roleplay", []),
        ("exams", "bench.bench_exam_service", ["--no-pg"] + (["--quick"] if quick else [])),
        ("exams", "bench.bench_exams", []),
        ("import", "bench.bench_import", ["--pg", args.pg] if args.pg else ["--no-pg"]),
    ]
    dash_args = ["--answers", str(answers), "--sessions", str(sessions), "--repeat", "10" if quick else "20"]
    if args.fresh and dash_file.exists():
        dash_file.unlink()
    steps.append(
        (
            "dashboards",
            "bench.bench_dashboards",
            [*dash_args, "--db", f"sqlite:///{dash_file}", "--reuse-if-filled"],
        )
    )
    if args.pg:
        steps.append(
            ("exams", "bench.bench_exam_service", ["--db", args.pg] + (["--quick"] if quick else []))
        )
        steps.append(
            ("dashboards", "bench.bench_dashboards", [*dash_args, "--db", args.pg, "--reuse-if-filled"])
        )
    return [s for s in steps if not args.only or s[0] in args.only]


def verdict(row: dict[str, Any]) -> str:
    target, figure = row.get("target"), row.get("figure")
    if target is None or figure is None:
        return ""
    return "ok" if figure < target else "MISSED"


def main() -> int:
    ap = argparse.ArgumentParser(
        prog="python -m bench", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument(
        "--quick", action="store_true", help="smaller data and fewer runs (not the issue's figures)"
    )
    ap.add_argument(
        "--pg", default=os.environ.get("CSTRAINER_BENCH_PG_URL"), help="PostgreSQL URL for those runs"
    )
    ap.add_argument(
        "--only",
        nargs="+",
        choices=["startup", "handbook", "phrases", "roleplay", "exams", "import", "dashboards"],
    )
    ap.add_argument("--out", default=str(ROOT / "bench" / "out"), help="where generated data is kept")
    ap.add_argument("--fresh", action="store_true", help="regenerate the dashboards history")
    args = ap.parse_args()
    Path(args.out).mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    results: list[tuple[str, dict[str, Any]]] = []
    failures: list[str] = []
    started = time.perf_counter()
    steps = plan(args)
    for i, (name, module, bench_args) in enumerate(steps, 1):
        print(f"== [{i}/{len(steps)}] {name}: {module} {' '.join(bench_args)}", flush=True)
        rows, seconds, error = run_bench(module, bench_args, env)
        print(f"   ({seconds:.0f} s)", flush=True)
        if error:
            failures.append(f"{module}: {error}")
        results.extend((name, r) for r in rows)
    print()
    print(
        f"客服训练营 benchmarks - {time.strftime('%Y-%m-%d %H:%M')} - {os.cpu_count()} CPUs - {sys.platform}"
    )
    width = max((len(r["what"]) for _, r in results), default=20)
    header = f"{'area':<11} {'what':<{width}} {'stat':>8} {'figure':>10}  {'target':>9}  {'':6} note"
    print(header)
    print("-" * len(header))
    for name, r in results:
        target = f"< {r['target']:g} {r['unit']}" if r.get("target") is not None else ""
        figure = f"{r['figure']:g} {r['unit']}"
        print(
            f"{name:<11} {r['what']:<{width}} {r.get('stat', ''):>8} {figure:>10}  {target:>9}  "
            f"{verdict(r):6} {r.get('note', '')}"
        )
    missed = sum(verdict(r) == "MISSED" for _, r in results)
    print("-" * len(header))
    print(
        f"{len(results)} figures, {missed} over target, in {time.perf_counter() - started:.0f} s"
        + (f"; {len(failures)} benchmark(s) failed:" if failures else "")
    )
    for f in failures:
        print(f"  {f}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
