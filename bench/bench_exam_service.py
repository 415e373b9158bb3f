"""Benchmark of the exam service: starting, answering and submitting a 100-question paper.

Run:  .venv/bin/python bench/bench_exam_service.py [--db URL] [--rounds N] [--questions N] [--quick]

Builds a database holding 20,000 generated questions (the generator of ``bench/bench_exams.py``)
stored as the question service stores them (pack data, columns, search text and stem
fingerprint; bulk-inserted), an exam drawing 100 of them (11 draw rules) and an agent: a temporary
SQLite file; with ``--db``, an empty SQLite file, or, on the PostgreSQL server ``--db`` names, a
database ``<name>_exam_service`` that the bench drops and creates. Then, through
:class:`~cstrainer.services.exams.ExamService`, for each round:

* ``start``: a new attempt (the first one is cold: nothing cached in this process yet);
* ``save_answer`` for each of the 100 questions (realistic answers: mostly right, some wrong,
  some blank, chat-like replies);
* ``submit``: grading, the wrong-answer book, and the result page's data;

and reports p50 / p99 in milliseconds (wall clock), the calling thread's CPU time (p50; on a
shared machine it varies less than the wall clock; a PostgreSQL server's own time is not in it),
and the SQL statements each call issues (counted with a ``before_cursor_execute`` event). The
machine may be shared: figures are noisy. Never asserts on time (DESIGN.md: benchmarks are not
tests). Also offers ``run(args) -> rows`` for ``python -m bench``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

if "CSTRAINER_HOME" not in os.environ:
    os.environ["CSTRAINER_HOME"] = tempfile.mkdtemp(prefix="cstrainer-bench-")

EXAM_KEY = "bench-service-100"
AGENT = "bench-agent"
PASSWORD = "Bench-2026!"
BRAND_NAMES = {"qinyu": "沁屿", "qingkuo": "轻阔", "yuanqi": "元气"}


def exam_item() -> dict[str, Any]:
    """The 100-question draw of bench_exams.DRAW_SPEC as a content-pack exam item."""
    from bench_exams import DRAW_SPEC

    from cstrainer.domain.papers import DrawRule
    from cstrainer.domain.questions import QuestionType

    rules = []
    # Exam items need a category per rule and have no tag rules: the last two rules of DRAW_SPEC
    # (any category, short answers; tag 运费险) become category rules of the same size.
    draw = [*DRAW_SPEC.draw[:9], DrawRule("服务技巧-售前", 3, 5, types=(QuestionType.SHORT,))]
    draw.append(DrawRule("企业文化", 3, 5))
    for r in draw:
        rule: dict[str, Any] = {"count": r.count}
        if r.category is not None:
            rule["category"] = r.category
        if r.difficulty is not None:
            rule["difficulty"] = r.difficulty
        if r.types:
            rule["types"] = [t.value for t in r.types]
        if r.brand is not None:
            rule["brand"] = r.brand
        if r.tags:
            rule["tags"] = list(r.tags)
        rules.append(rule)
    return {
        "key": EXAM_KEY,
        "title": "服务层基准：抽题卷（100 题）",
        "purpose": "入职考试",
        "time_limit_minutes": 60,
        "pass_mark": 60,
        "attempts_allowed": 10_000,
        "shuffle_questions": True,
        "shuffle_options": True,
        "show_answers_after": True,
        "draw": rules,
    }


def _prepare_url(url: str | None, folder: Path) -> str:
    if url is None:
        return f"sqlite:///{folder / 'bench-exam-service.sqlite'}"
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from cstrainer.storage.engine import normalise_url

    u = normalise_url(make_url(url))
    if u.get_backend_name() == "postgresql" and u.database:
        # A database of its own beside the one named (which other benchmarks may fill), made anew.
        own = f"{u.database}_exam_service"
        admin = create_engine(u.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{own}" WITH (FORCE)'))
            c.execute(text(f'CREATE DATABASE "{own}"'))
        admin.dispose()
        u = u.set(database=own)
    return u.render_as_string(hide_password=False)


def build(url: str, n: int) -> tuple[Any, dict[str, Any], Any, float]:
    """The services, the generated questions by key, the agent's actor, and the build time (s)."""
    from bench_exams import make_bank
    from sqlalchemy import func, insert, select

    from cstrainer.domain.accounts import Role
    from cstrainer.formats.question_pack import question_to_pack
    from cstrainer.services import SYSTEM, Services
    from cstrainer.services.questions import search_text_of, stem_fingerprint
    from cstrainer.storage.database import open_database
    from cstrainer.storage.models import Brand
    from cstrainer.storage.models import Question as QuestionRow

    t0 = time.perf_counter()
    services = Services(open_database(url))
    with services.db.session() as s:
        if s.scalar(select(func.count()).select_from(QuestionRow)):
            raise SystemExit(f"{services.db.describe()} already holds questions: give an empty database")
        for key, name in BRAND_NAMES.items():
            s.add(Brand(key=key, name=name))
        s.flush()
        brand_ids = dict(s.execute(select(Brand.key, Brand.id)).all())
        # The editor and the pack format allow difficulties 1-3 only; the domain generator uses 1-5.
        bank = [q.with_changes(difficulty=min(q.difficulty, 3)) for q in make_bank(n)]
        rows = []
        for q in bank:
            data = question_to_pack(q)
            rows.append(
                {
                    "key": q.key,
                    "version": 1,
                    "updated_by": "bench",
                    "data": {k: v for k, v in data.items() if k != "key"},
                    "retired": False,
                    "type": q.type.value,
                    "stem": q.stem,
                    "brand_id": brand_ids.get(q.brand) if q.brand else None,
                    "category": q.category,
                    "difficulty": q.difficulty,
                    "search_text": search_text_of(q),
                    "stem_fp": stem_fingerprint(q.stem)[:512],
                }
            )
        for i in range(0, len(rows), 2000):
            s.execute(insert(QuestionRow), rows[i : i + 2000])
    services.users.add(SYSTEM, AGENT, "基准坐席", PASSWORD, Role.AGENT, brand_keys=["qinyu"])
    services.exams.save_exam(SYSTEM, exam_item())
    actor = services.auth.login(AGENT, PASSWORD)
    return services, {q.key: q for q in bank}, actor, time.perf_counter() - t0


def responses_for(view: Any, questions: dict[str, Any], seed: int) -> list[Any]:
    """Realistic responses for an attempt's items, in position order (None: left blank)."""
    from bench_exams import realistic_responses

    from cstrainer.domain.papers import Paper, PaperItem

    items = tuple(PaperItem(questions[i.view.key], i.view.points, (), (), i.position) for i in view.items)
    by_key = realistic_responses(Paper(EXAM_KEY, seed, items), seed=seed)
    return [by_key.get(i.view.key) for i in view.items]


def _clear_process_caches() -> None:
    """Make the next start cold: forget any bank the exam service keeps for this process."""
    from cstrainer.services import exams

    clear = getattr(exams, "clear_bank_cache", None)
    if clear is not None:
        clear()


def _pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def measure(services: Any, questions: dict[str, Any], actor: Any, rounds: int) -> dict[str, Any]:
    from sqlalchemy import event

    statements = [0]

    def count(*_: Any) -> None:
        statements[0] += 1

    event.listen(services.db.engine, "before_cursor_execute", count)
    exams = services.exams
    starts: list[float] = []
    start_cpu: list[float] = []
    submit_cpu: list[float] = []
    answer_totals: list[float] = []
    answers: list[float] = []
    submits: list[float] = []
    start_sql: list[int] = []
    answer_sql: list[int] = []
    submit_sql: list[int] = []
    percent = []
    _clear_process_caches()
    try:
        for r in range(rounds):
            statements[0] = 0
            t0, c0 = time.perf_counter(), time.thread_time()
            view = exams.start(actor, EXAM_KEY)
            starts.append((time.perf_counter() - t0) * 1000)
            start_cpu.append((time.thread_time() - c0) * 1000)
            start_sql.append(statements[0])
            assert len(view.items) == 100, len(view.items)
            responses = responses_for(view, questions, seed=r)
            statements[0] = 0
            t_all = time.perf_counter()
            for item, response in zip(view.items, responses, strict=True):
                if response is None:
                    continue
                t0 = time.perf_counter()
                exams.save_answer(actor, view.attempt_id, item.position, response)
                answers.append((time.perf_counter() - t0) * 1000)
            answer_totals.append((time.perf_counter() - t_all) * 1000)
            answer_sql.append(statements[0])
            statements[0] = 0
            t0, c0 = time.perf_counter(), time.thread_time()
            result = exams.submit(actor, view.attempt_id)
            submits.append((time.perf_counter() - t0) * 1000)
            submit_cpu.append((time.thread_time() - c0) * 1000)
            submit_sql.append(statements[0])
            percent.append(result.percent)
    finally:
        event.remove(services.db.engine, "before_cursor_execute", count)
    warm = starts[1:] or starts
    return {
        "start_cold": starts[0],
        "start_p50": statistics.median(warm),
        "start_p99": _pct(warm, 0.99),
        "start_sql": statistics.median(start_sql[1:] or start_sql),
        "start_cpu": statistics.median(start_cpu[1:] or start_cpu),
        "submit_cpu": statistics.median(submit_cpu),
        "answer_p50": statistics.median(answers),
        "answer_p99": _pct(answers, 0.99),
        "answer_all_p50": statistics.median(answer_totals),
        "answer_sql": statistics.median(answer_sql) / max(1, len(answers) / len(answer_totals)),
        "submit_p50": statistics.median(submits),
        "submit_p99": _pct(submits, 0.99),
        "submit_sql": statistics.median(submit_sql),
        "mean_percent": statistics.fmean(percent),
    }


def rows_for(backend: str, m: dict[str, Any], n: int) -> list[dict[str, Any]]:
    def row(what: str, figure: float, unit: str, stat: str, target: float | None, note: str = "") -> dict:
        return {
            "what": what,
            "figure": round(figure, 2),
            "unit": unit,
            "stat": stat,
            "target": target,
            "note": note,
        }

    bank = f"{n:,} questions, {backend}"
    return [
        row(
            f"exam start, 100 of {bank} (cold)",
            m["start_cold"],
            "ms",
            "first",
            None,
            "first start in the process",
        ),
        row(
            f"exam start, 100 of {bank}",
            m["start_p50"],
            "ms",
            "p50",
            50.0,
            f"CPU of the calling thread {m['start_cpu']:.1f} ms",
        ),
        row(
            f"exam start, 100 of {bank}",
            m["start_p99"],
            "ms",
            "p99",
            50.0,
            f"{m['start_sql']:.0f} SQL statements",
        ),
        row(f"exam save one answer ({backend})", m["answer_p50"], "ms", "p50", None),
        row(
            f"exam save one answer ({backend})",
            m["answer_p99"],
            "ms",
            "p99",
            None,
            f"{m['answer_sql']:.1f} SQL statements each",
        ),
        row(
            f"exam submit + result, 100 questions ({backend})",
            m["submit_p50"],
            "ms",
            "p50",
            100.0,
            f"CPU of the calling thread {m['submit_cpu']:.1f} ms",
        ),
        row(
            f"exam submit + result, 100 questions ({backend})",
            m["submit_p99"],
            "ms",
            "p99",
            100.0,
            f"{m['submit_sql']:.0f} SQL statements",
        ),
    ]


def run(args: list[str]) -> list[dict[str, Any]]:
    """Build the data, measure, and return the figures as rows for ``python -m bench``."""
    parser = argparse.ArgumentParser(prog="bench_exam_service", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--db",
        help="instead of a temporary SQLite file: an empty SQLite file, or a PostgreSQL URL (the "
        "bench then drops and creates the database <name>_exam_service on that server and works there)",
    )
    parser.add_argument("--rounds", type=int, default=30, help="attempts to start, answer and submit")
    parser.add_argument("--questions", type=int, default=20_000, help="size of the generated bank")
    parser.add_argument("--quick", action="store_true", help="5,000 questions, 8 rounds (a fast look)")
    parser.add_argument("--no-pg", action="store_true", help="SQLite only (the default without --db)")
    opts = parser.parse_args(args)
    if opts.quick:
        opts.questions, opts.rounds = min(opts.questions, 5_000), min(opts.rounds, 8)
    from cstrainer.text import ensure_ready

    ensure_ready()  # jieba warm, as in the app after its start-up warm-up
    with tempfile.TemporaryDirectory(prefix="cstrainer-bench-exams-") as folder:
        url = _prepare_url(opts.db, Path(folder))
        services, questions, actor, built = build(url, opts.questions)
        backend = services.db.url.get_backend_name()
        try:
            print(
                f"built {opts.questions:,} questions on {services.db.describe()} in {built:.1f} s",
                file=sys.stderr,
            )
            m = measure(services, questions, actor, max(2, opts.rounds))
        finally:
            services.close()
    print(f"mean score of the generated answers: {m['mean_percent']:.1f} %", file=sys.stderr)
    return rows_for(backend, m, opts.questions)


def _print(rows: list[dict[str, Any]]) -> None:
    header = f"{'what':<58} {'stat':>6} {'figure':>9} {'target':>7}  note"
    print(header)
    print("-" * len(header))
    for r in rows:
        target = "" if r["target"] is None else f"{r['target']:g}"
        print(f"{r['what']:<58} {r['stat']:>6} {r['figure']:>7.2f}{r['unit']:<2} {target:>7}  {r['note']}")


def main(argv: list[str] | None = None) -> None:
    _print(run(sys.argv[1:] if argv is None else argv))


if __name__ == "__main__":
    main()
