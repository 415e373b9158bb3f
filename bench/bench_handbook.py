"""Benchmark of opening handbook entries on the 产品手册 page, in the real main window.

Run:  .venv/bin/python bench/bench_handbook.py [--db SQLITE_FILE] [--rounds 3] [--profile]

Builds a SQLite file with the shipped content and the demo accounts in a temporary folder (or
copies ``--db``), starts the real :class:`MainWindow` as 主管 (zhuguan, offscreen unless
QT_QPA_PLATFORM says otherwise) at its default size, opens the 产品手册 page and opens every
document ``--rounds`` times (all of them, then all of them again...) with
``page.open_doc(kind, key)``, as a click in the tree does. Two figures per opening:

* UI thread   - what the UI thread does for it: ``open_doc`` (the click), ``_fetched`` (the
                database read came back: hand the building to a pool thread) and ``_opened``
                (the built document came back: show it) plus a synchronous ``repaint()``, summed
                (each of them is a separate turn of the event loop; the sum is what one frame
                would hold at worst); also its CPU time alone (``time.thread_time``: without
                the waits for a CPU on a busy machine, steadier than the wall clock);
* click to painted - from ``open_doc`` until the page is no longer loading and has repainted
                (the database read, the background rendering, and the UI thread's part).

The first round is every document's first opening in this session; later rounds open documents
that were shown before (what a person switching between two products does). ``--profile``
prints a cProfile of the UI-thread part. Never asserts on time (DESIGN.md: benchmarks are not
tests).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

TARGET_MS = 16.0
PASSWORD = "demo1234"


def prepare_db(source: str | None, folder: Path) -> str:
    """A SQLite file with the shipped content and the demo accounts (a copy of ``source`` if given)."""
    from cstrainer.services import SYSTEM, Services
    from cstrainer.storage.database import open_database

    target = folder / "handbook.sqlite"
    if source:
        shutil.copyfile(source, target)
    services = Services(open_database(f"sqlite:///{target}"))
    try:
        services.content.seed_if_empty()
        if not any(u.login == "zhuguan" for u in services.users.list(SYSTEM)):
            services.content.import_demo_users(SYSTEM, include_managers=True)
    finally:
        services.close()
    return f"sqlite:///{target}"


def pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, round(p / 100 * (len(s) - 1)))]


def measure(argv: list[str]) -> tuple[list[dict[str, Any]], str]:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", help="a SQLite file to copy (default: a new one with the shipped content)")
    ap.add_argument("--rounds", type=int, default=3, help="open every document this many times")
    ap.add_argument("--login", default="zhuguan")
    ap.add_argument("--profile", action="store_true", help="cProfile the UI-thread part")
    args = ap.parse_args(argv)

    folder = Path(tempfile.mkdtemp(prefix="cstrainer-bench-handbook-"))
    os.environ["CSTRAINER_HOME"] = str(folder / "home")
    try:
        db_url = prepare_db(args.db, folder)
        return _run_window(db_url, args.login, args.rounds, args.profile)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _run_window(db_url: str, login: str, rounds: int, profile: bool) -> tuple[list[dict[str, Any]], str]:
    from cstrainer.gui.app import configure_application
    from cstrainer.gui.main_window import MainWindow
    from cstrainer.gui.qt import QApplication
    from cstrainer.gui.tasks import TaskRunner
    from cstrainer.services import Services
    from cstrainer.storage.database import open_database

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    configure_application(app)
    services = Services(open_database(db_url))
    runner = TaskRunner()
    actor = services.auth.login(login, PASSWORD, source="bench")
    window = MainWindow(services, runner, actor)
    window.show()
    profiler = cProfile.Profile() if profile else None
    try:
        page: Any = window.show_page("handbook")
        _wait(lambda: runner.is_idle() and not page.loading)
        docs = list(page.docs)[:40]
        ui_ms: list[list[float]] = []
        ui_cpu_ms: list[list[float]] = []
        total_ms: list[list[float]] = []
        for _round in range(rounds):
            timed = time_openings(page, docs, lambda: _wait(lambda: not page.loading), profiler)
            ui_ms.append([t[0] for t in timed])
            ui_cpu_ms.append([t[1] for t in timed])
            total_ms.append([t[2] for t in timed])
        _wait(runner.is_idle)
    finally:
        window.close()
        runner.shutdown()
        services.close()

    n = len(docs)
    rows = [row(f"opening a handbook entry, UI thread, first time ({n} docs)", ui_ms[0], TARGET_MS)]
    later_ui = [v for r in ui_ms[1:] for v in r]
    if later_ui:
        rows.append(
            row(f"opening a handbook entry, UI thread, again ({len(later_ui)} opens)", later_ui, TARGET_MS)
        )
    rows.append(row("  the same, UI thread CPU time only, first time", ui_cpu_ms[0], None))
    rows.append(row("opening a handbook entry, click to painted, first time", total_ms[0], None))
    later_total = [v for r in total_ms[1:] for v in r]
    if later_total:
        rows.append(row("opening a handbook entry, click to painted, again", later_total, None))
    text = ""
    if profiler is not None:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(40)
        text = out.getvalue()
    return rows, text


def time_openings(
    page: Any, docs: list[Any], wait_loaded: Any, profiler: cProfile.Profile | None = None
) -> list[tuple[float, float, float]]:
    """Open each of ``docs`` on the handbook ``page`` as a click does; for each opening the UI
    thread's wall and CPU ms (the click ``open_doc``, the database read coming back ``_fetched``,
    which hands the building to a pool thread, and the built document coming back ``_opened``
    with a synchronous repaint, summed) and the ms from click to painted. ``wait_loaded()``
    returns when the page is no longer loading. Also used by bench_startup.py."""
    spent = [0.0, 0.0]  # wall and CPU time of the UI thread for the opening under way
    orig_fetched, orig_opened = page._fetched, page._opened

    def fetched(seq: int, doc: Any) -> None:
        t, c = time.perf_counter(), time.thread_time()
        orig_fetched(seq, doc)
        spent[0] += time.perf_counter() - t
        spent[1] += time.thread_time() - c

    def opened(seq: int, built: Any) -> None:
        if profiler is not None:
            profiler.enable()
        t, c = time.perf_counter(), time.thread_time()
        orig_opened(seq, built)
        page.repaint()
        spent[0] += time.perf_counter() - t
        spent[1] += time.thread_time() - c
        if profiler is not None:
            profiler.disable()

    page._fetched, page._opened = fetched, opened
    out = []
    try:
        for doc in docs:
            t, c = time.perf_counter(), time.thread_time()
            page.open_doc(doc.kind, doc.key)
            spent[:] = [time.perf_counter() - t, time.thread_time() - c]
            wait_loaded()
            out.append((spent[0] * 1000, spent[1] * 1000, (time.perf_counter() - t) * 1000))
    finally:
        page._fetched, page._opened = orig_fetched, orig_opened
    return out


def _wait(condition: Any, timeout: float = 30.0) -> None:
    from cstrainer.gui.qt import QApplication

    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the handbook page did not finish loading")
        QApplication.processEvents()
        time.sleep(0.0005)


def row(what: str, values: list[float], target: float | None) -> dict[str, Any]:
    stat = "p99" if len(values) >= 20 else "max"
    figure = pct(values, 99) if len(values) >= 20 else max(values)
    return {
        "what": what,
        "figure": round(figure, 1),
        "unit": "ms",
        "stat": stat,
        "target": target,
        "note": f"median {statistics.median(values):.1f}, max {max(values):.1f} of {len(values)}",
    }


def run(args: list[str]) -> list[dict[str, Any]]:
    return measure(args)[0]


def main() -> None:
    rows, profile = measure(sys.argv[1:])
    for r in rows:
        target = f"< {r['target']:g}" if r["target"] is not None else ""
        print(f"{r['what']:<64} {r['stat']:>4} {r['figure']:>8.1f} {r['unit']:<3} {target:>6}  {r['note']}")
    if profile:
        print(profile)


if __name__ == "__main__":
    main()
