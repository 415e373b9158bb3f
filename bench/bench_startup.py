"""Benchmark of the desktop app's start: cold start, first grading, memory, page switches.

Run:  .venv/bin/python bench/bench_startup.py [--db SQLITE_FILE] [--runs 5] [--login zhuguan]

Starts the real app (``cstrainer gui``, offscreen unless QT_QPA_PLATFORM says otherwise) in a new
process ``--runs`` times and reads the moments the process reports about itself, in seconds
from the instant before the parent started it:

* ``login ready``     - the login dialog is shown, painted and the event loop is free;
* ``main ready``      - the bench typed the password at once and pressed 登录; the main window
                        shows its first page, painted, and the event loop is free (what a person
                        waits for, minus their typing);
* ``first grading``   - the moment the database is open (before the login dialog shows), a
                        role-play reply of a shipped scenario is sent to be graded on a worker
                        thread, as the chat does; when it is done (it waits for jieba);
* ``cold start``      - ``main ready`` minus the time the login itself took on the database
                        thread (password hashing is deliberately slow) - the start-up cost;

then, in the last run, opens every page of the navigation once (waiting for each page's
background loads), reads the peak resident memory of the process, and times switching to each
page again (``setCurrentRow`` + a synchronous repaint: what one frame must hold) and opening
handbook entries (click to painted document, and the UI thread's share of it).

Without ``--db`` the database is a new SQLite file with the shipped content and the demo
accounts (password demo1234); with ``--db`` a copy of that SQLite file is used (the demo
accounts are added to the copy if missing), so a large generated history can be measured.
Never asserts on time (DESIGN.md: benchmarks are not tests).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CHILD_FLAG = "--child"


# --- the child: the app itself, with marks -------------------------------------------------------


def _child(out_path: str, db_url: str, login: str, password: str, explore: bool) -> int:
    t0 = float(os.environ["CSTRAINER_BENCH_T0"])
    marks: dict[str, Any] = {"import_start": time.time() - t0}

    def mark(name: str) -> None:
        marks[name] = round(time.time() - t0, 4)
        marks[f"rss_mb_at_{name}"] = round(_rss_now_mb(), 1)

    def write() -> None:
        Path(out_path).write_text(json.dumps(marks, ensure_ascii=False, indent=1), "utf-8")

    sys.path.insert(0, str(ROOT))
    import cstrainer.gui.app_flow as app_flow

    mark("app_flow_imported")
    flow_cls = app_flow.AppFlow
    orig_open_services = app_flow.open_services
    orig_start = flow_cls.start

    def open_services(db_url_: Any) -> Any:
        mark("open_services_begin")
        try:
            return orig_open_services(db_url_)
        finally:
            mark("open_services_end")

    def start(self: Any) -> None:
        mark("flow_start")
        orig_start(self)

    app_flow.open_services = open_services  # type: ignore[assignment]
    flow_cls.start = start  # type: ignore[method-assign]
    orig_show_login = flow_cls.show_login
    orig_logged_in = flow_cls._logged_in
    orig_opened = flow_cls._opened
    state: dict[str, Any] = {}

    def opened(self: Any, opened_: Any) -> None:
        orig_opened(self, opened_)  # starts the app's own jieba warm-up, then the login dialog
        start_first_grading(self)

    def show_login(self: Any, login_: str = "", notice: str = "") -> None:
        orig_show_login(self, login_, notice)
        from cstrainer.gui.qt import QTimer

        QTimer.singleShot(0, lambda: login_ready(self))

    def login_ready(flow: Any) -> None:
        from cstrainer.gui.qt import QApplication

        dialog = flow.login_dialog
        QApplication.processEvents()
        dialog.repaint()
        mark("login_ready")
        dialog.login_edit.setText(login)
        dialog.password_edit.setText(password)
        mark("login_clicked")
        dialog.accept()

    def logged_in(self: Any, actor: Any) -> None:
        mark("login_done")
        orig_logged_in(self, actor)
        from cstrainer.gui.qt import QTimer

        QTimer.singleShot(0, lambda: main_ready(self))

    def main_ready(flow: Any) -> None:
        from cstrainer.gui.qt import QApplication

        QApplication.processEvents()
        flow.window.repaint()
        mark("main_ready")
        state["main_ready"] = True
        maybe_explore(flow)

    def start_first_grading(flow: Any) -> None:
        """Ask for a grading the moment the database is open, as early as anyone could."""
        services = flow.services

        def grade() -> str:
            from cstrainer.domain.roleplay import RolePlay
            from cstrainer.services import SYSTEM

            rows = services.roleplay.list_scenarios(SYSTEM)
            scenario = services.roleplay.get_scenario(SYSTEM, rows[0].key)
            play = RolePlay(scenario)
            play.opening()
            play.reply("亲，您好，欢迎光临！请问您看中的是哪一款呢？我帮您查一下库存和发货时间哦", 12.0)
            return scenario.key

        def graded(_key: str) -> None:
            mark("first_grading")
            state["graded"] = True
            maybe_explore(flow)

        flow.runner.pool(grade, on_done=graded, on_error=lambda exc: fail(flow, exc), name="bench grading")

    def maybe_explore(flow: Any) -> None:
        """Once the main window is ready and the early grading is done: explore, or finish."""
        if not (state.get("graded") and state.get("main_ready")):
            return
        if explore:
            from cstrainer.gui.qt import QTimer

            QTimer.singleShot(0, lambda: explore_pages(flow))
        else:
            finish(flow)

    def fail(flow: Any, exc: BaseException) -> None:
        marks["error"] = repr(exc)
        finish(flow)

    def wait_idle(flow: Any, timeout: float = 30.0) -> None:
        from cstrainer.gui.qt import QApplication

        end = time.monotonic() + timeout
        while time.monotonic() < end:
            QApplication.processEvents()
            if flow.runner.is_idle():
                QApplication.processEvents()
                if flow.runner.is_idle():
                    return
            time.sleep(0.005)

    def explore_pages(flow: Any) -> None:
        import resource

        from cstrainer.gui.qt import QApplication

        window = flow.window
        keys = window.page_keys()
        first_open: dict[str, float] = {}
        rss_after: dict[str, float] = {}
        for key in keys:
            t = time.perf_counter()
            window.show_page(key)
            window.repaint()
            first_open[key] = (time.perf_counter() - t) * 1000
            wait_idle(flow)
            rss_after[key] = round(_rss_now_mb(), 1)
        marks["first_open_ms"] = first_open
        marks["rss_mb_after_page"] = rss_after
        marks["pages"] = keys
        marks["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        marks["rss_now_mb"] = _rss_now_mb()
        switches: dict[str, list[float]] = {k: [] for k in keys}
        profile_to = os.environ.get("CSTRAINER_BENCH_PROFILE_SWITCHES")
        profiler = None
        if profile_to:  # a developer's aid: cProfile of the switching rounds
            import cProfile

            profiler = cProfile.Profile()
            profiler.enable()
        for _round in range(5):
            for key in keys:
                t = time.perf_counter()
                window.show_page(key)
                window.repaint()
                switches[key].append((time.perf_counter() - t) * 1000)
                QApplication.processEvents()
                wait_idle(flow)
        if profiler is not None and profile_to:
            profiler.disable()
            profiler.dump_stats(profile_to)
        marks["switch_ms"] = switches
        if "handbook" in keys:
            marks["handbook"] = time_handbook(flow)
        marks["peak_rss_mb_end"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        finish(flow)

    def time_handbook(flow: Any) -> dict[str, Any]:
        from cstrainer.gui.qt import QApplication

        window = flow.window
        page = window.show_page("handbook")
        wait_idle(flow)
        docs = list(page.docs)[:40]
        from bench.bench_handbook import time_openings

        def wait_loaded() -> None:
            while page.loading:
                QApplication.processEvents()
                time.sleep(0.0005)

        timed = time_openings(page, docs, wait_loaded)
        ui_ms = [wall for wall, _cpu, _total in timed]
        total_ms = [total for _wall, _cpu, total in timed]
        return {"docs": len(docs), "ui_ms": ui_ms, "click_to_painted_ms": total_ms}

    def finish(flow: Any) -> None:
        write()
        flow.finished.emit(0)

    flow_cls._opened = opened  # type: ignore[method-assign]
    flow_cls.show_login = show_login  # type: ignore[method-assign]
    flow_cls._logged_in = logged_in  # type: ignore[method-assign]
    from cstrainer.cli import main

    code = main(["--db", db_url, "gui"])
    if not Path(out_path).exists():
        marks["error"] = f"the app exited with {code} before the marks were written"
        write()
    return 0


def _rss_now_mb() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


# --- the parent ------------------------------------------------------------------------------------


def prepare_db(source: str | None, folder: Path) -> str:
    """A SQLite file to start the app on: a copy of ``source`` or a new one with the shipped content."""
    target = folder / "startup.sqlite"
    sys.path.insert(0, str(ROOT))
    from cstrainer.services import Services

    if source:
        shutil.copyfile(source, target)
        services = Services.open(f"sqlite:///{target}", seed=False)
        try:
            from cstrainer.services import SYSTEM

            if not any(u.login == "zhuguan" for u in services.users.list(SYSTEM)):
                demo = ROOT / "scripts_library" / "demo" / "users.yaml"
                services.content.import_paths(SYSTEM, [demo], include_demo=True)
            warm_up(services)
        finally:
            services.close()
    else:
        from cstrainer.storage.database import open_database

        services = Services(open_database(f"sqlite:///{target}"))
        try:
            services.content.seed_if_empty(include_demo=True)
            warm_up(services)
        finally:
            services.close()
    return f"sqlite:///{target}"


def warm_up(services: Any) -> None:
    """What the first start after an import does once: fill the search columns of new rows."""
    from cstrainer.services import SYSTEM

    services.phrases.warm_up()
    services.questions.search(SYSTEM, "")


def start_once(db_url: str, home: Path, login: str, explore: bool) -> dict[str, Any]:
    out = home / f"marks-{time.time_ns()}.json"
    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    env["CSTRAINER_HOME"] = str(home)
    # An installed app has its bytecode compiled (pip and installers write .pyc files); a
    # development shell may say PYTHONDONTWRITEBYTECODE. Keep the bytecode in the bench folder.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(home / "pycache")
    args = [
        sys.executable,
        __file__,
        CHILD_FLAG,
        str(out),
        db_url,
        login,
        "demo1234",
        "1" if explore else "0",
    ]
    env["CSTRAINER_BENCH_T0"] = repr(time.time())
    proc = subprocess.run(args, env=env, capture_output=True, text=True, timeout=300)
    if not out.exists():
        raise SystemExit(f"the app did not report (exit {proc.returncode}):\n{proc.stderr[-3000:]}")
    marks = json.loads(out.read_text("utf-8"))
    if "error" in marks:
        raise SystemExit(f"the app failed: {marks['error']}\n{proc.stderr[-3000:]}")
    return marks


def pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, round(p / 100 * (len(s) - 1)))]


def measure(argv: list[str]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument(
        "--db", help="a SQLite file to start on (copied; default: a new one with the shipped content)"
    )
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument(
        "--login", default="zhuguan", help="who logs in (demo account; a manager sees every page)"
    )
    args = ap.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="cstrainer-bench-start-"))
    try:
        db_url = prepare_db(args.db, folder)
        home = folder / "home"
        home.mkdir()
        # one start to create the caches a second start finds (jieba's dictionary cache, fonts):
        # "cold" is a new process, not a new machine
        start_once(db_url, home, args.login, False)
        runs = [start_once(db_url, home, args.login, i == args.runs - 1) for i in range(args.runs)]
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    cold = [r["main_ready"] - (r["login_done"] - r["login_clicked"]) for r in runs]
    login_ready = [r["login_ready"] for r in runs]
    main_ready = [r["main_ready"] for r in runs]
    logins = [r["login_done"] - r["login_clicked"] for r in runs]
    window = [r["main_ready"] - r["login_done"] for r in runs]
    grading = [r["first_grading"] for r in runs]
    last = runs[-1]
    switch_all = [v for vs in last["switch_ms"].values() for v in vs]
    hb = last.get("handbook") or {}
    rows = [
        row("cold start: process start to main window ready (login time excluded)", cold, 1000.0, "ms", 1000),
        row("  of which: process start to login dialog ready", login_ready, None, "ms", 1000),
        row("  of which: login accepted to main window ready", window, None, "ms", 1000),
        row("  login itself (password check, not counted)", logins, None, "ms", 1000),
        row("  main window ready incl. login", main_ready, None, "ms", 1000),
        row("first grading done after launch", grading, 1500.0, "ms", 1000),
        {
            "what": f"peak memory after opening every page once ({len(last['pages'])} pages)",
            "figure": round(last["peak_rss_mb"], 1),
            "unit": "MB",
            "stat": "peak RSS",
            "target": 250.0,
            "note": f"RSS now {last['rss_now_mb']:.0f} MB",
        },
        row("switching pages (setCurrentRow + repaint)", switch_all, 16.0, "ms", 1),
    ]
    if hb:
        rows.append(row("opening a handbook entry, UI thread", hb["ui_ms"], 16.0, "ms", 1))
        rows.append(
            row("opening a handbook entry, click to painted", hb["click_to_painted_ms"], None, "ms", 1)
        )
    details = {
        "marks": last,
        "first_open_ms": last["first_open_ms"],
        "rss_mb_after_page": last["rss_mb_after_page"],
        "switch_p99_by_page": {k: round(pct(v, 99), 1) for k, v in last["switch_ms"].items()},
    }
    return rows, details


def row(what: str, values: list[float], target: float | None, unit: str, scale: float) -> dict[str, Any]:
    vs = [v * scale for v in values]
    stat = "p99" if len(vs) >= 20 else "max"
    figure = pct(vs, 99) if len(vs) >= 20 else max(vs)
    return {
        "what": what,
        "figure": round(figure, 1),
        "unit": unit,
        "stat": stat,
        "target": target,
        "note": f"median {statistics.median(vs):.1f} of {len(vs)}",
    }


def run(args: list[str]) -> list[dict[str, Any]]:
    return measure(args)[0]


def main() -> None:
    rows, details = measure(sys.argv[1:])
    print(
        "marks of the last start (s, MB):",
        {k: v for k, v in details["marks"].items() if isinstance(v, float)},
    )
    for r in rows:
        target = f"< {r['target']:g}" if r["target"] is not None else ""
        print(f"{r['what']:<72} {r['stat']:>8} {r['figure']:>9.1f} {r['unit']:<3} {target:>8}  {r['note']}")
    print()
    print("first opening of each page (ms, UI thread, before its background load):")
    for k, v in details["first_open_ms"].items():
        print(
            f"  {k:<20} {v:8.1f}   switch p99 {details['switch_p99_by_page'][k]:6.1f}"
            f"   RSS after {details['rss_mb_after_page'][k]:6.1f} MB"
        )


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == CHILD_FLAG:
        sys.exit(_child(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6] == "1"))
    main()
