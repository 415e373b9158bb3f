"""Benchmark of importing a 10,000-row xlsx question file (QuestionBankService.import_file).

Run:  .venv/bin/python bench/bench_import.py [--rows 10000] [--repeat 3] [--pg URL | --no-pg]
      [--out FILE.xlsx] [--db URL] [--no-memory] [--profile]

Writes a realistic xlsx question file in the app's own import layout (the writer of
cstrainer/formats/xlsx_questions.py: the 题目 sheet of the template; all question types, the
seven categories, the shipped brands written as names and as keys, products and handbook
entries that exist in the shipped content, generated Chinese customer-service stems, options,
answers, explanations and tags; about a quarter of the rows without a key), then, into a fresh
database with the shipped content (as tests/conftest.py seeds it), times what a person waits
for in the question import dialog (cstrainer/gui/pages/question_import_dialog.py): the preview
(``import_file(dry_run=True)``) when the file is chosen, then the import itself, each end to
end through the service. Phases (cumulative inside one call): reading the xlsx (openpyxl),
parsing and validating the rows, the search text / stem fingerprint (jieba), and the rest
(existing-key lookups, brand checks, SQL writes, audit, commit). Also the peak memory of one
import (tracemalloc: Python allocations of the import only; and the process's peak RSS).

As in the app, jieba has been taught the content's own words (``dictionary_terms``, what
cstrainer/gui/app_flow.py adds at start), and a file this big gets a worker process that cuts
its texts into words while it is being read and checked (``--no-worker``: everything in this
process, for comparison; the worker's own CPU time is not in the CPU figure).

SQLite always (a temporary file unless ``--db``); PostgreSQL when ``--pg URL`` is given or
``CSTRAINER_TEST_PG_URL`` is set (a database ``import_bench_<pid>`` is created next to the one
named and dropped at the end). jieba is warmed first: the app loads it in the background at
start. Never asserts on time (DESIGN.md: benchmarks are not tests); the machine may be shared.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

if "CSTRAINER_HOME" not in os.environ:
    os.environ["CSTRAINER_HOME"] = tempfile.mkdtemp(prefix="cstrainer-bench-")

from cstrainer.domain.questions import (
    CATEGORIES,
    AcceptedAnswer,
    KeyPointSpec,
    MatchPair,
    NumericAnswer,
    Option,
    Question,
    QuestionType,
)

T = QuestionType
TARGET_S = 3.0

# --- realistic generated content ---------------------------------------------------------------

BRANDS = {
    "qinyu": {
        "names": ("沁屿", "qinyu"),
        "products": {
            "qinyu-liquid": "香氛洗衣液",
            "qinyu-beads": "洗衣凝珠",
            "qinyu-spray": "除菌喷雾",
            "qinyu-intimate": "内衣洗衣液",
        },
        "handbook": "qinyu-brand-intro",
    },
    "qingkuo": {
        "names": ("轻廓", "qingkuo"),
        "products": {
            "qingkuo-highwaist": "高腰收腹裤",
            "qingkuo-leggings": "提臀打底裤",
            "qingkuo-bodysuit": "塑身连体衣",
            "qingkuo-safety-shorts": "冰丝安全裤",
        },
        "handbook": "qingkuo-sizing-guide",
    },
}
CUSTOMERS = ["顾客", "买家", "一位老顾客", "新顾客", "宝妈顾客", "学生顾客", "男顾客帮女朋友"]
ASKS = [
    "问{p}{a}",
    "咨询{p}{a}",
    "下单前想确认{p}{a}",
    "收到{p}后反馈{a}",
    "在直播间看到{p}，想知道{a}",
    "第二次回购{p}，问{a}",
]
TOPICS = [
    ("用量", "一次用多少", "按说明书用量，浓缩配方用多了反而难漂洗"),
    ("保质期", "保质期多久", "未开封三年，开封后建议一年内用完"),
    ("发货", "什么时候能发货", "下午四点前付款当天发，之后次日发"),
    ("运费险", "退货运费谁出", "买了运费险的由保险公司赔付，没有买的按规则处理"),
    ("七天无理由", "拆封了还能不能退", "不影响二次销售的可以七天无理由退货"),
    ("尺码", "平时穿M码该选哪个码", "按腰围和臀围选码，两个尺码之间建议选大一码"),
    ("赠品", "赠品什么时候发", "赠品和正装同一个包裹发出，缺件可补发"),
    ("过敏", "皮肤敏感能不能用", "已通过皮肤刺激性测试，敏感肌建议先小面积试用"),
    ("漏液", "收到的时候漏液了怎么办", "请顾客拍照登记，补发或退款，漏液商品无需寄回"),
    ("起球", "洗了几次起球正常吗", "面料摩擦会有少量起球，可按售后标准处理"),
    ("价保", "下单后降价了能不能退差价", "价保期内降价可申请退差价"),
    ("发票", "能不能开电子发票", "确认收货后在订单页申请电子发票"),
    ("物流", "物流三天没更新", "先查询物流轨迹，联系快递催件并给顾客回复时间"),
    ("材质", "面料是什么成分", "以商品详情页和吊牌的成分标注为准"),
    ("搭配", "能不能和柔顺剂一起用", "可以先洗后柔顺，不要直接混合倒入"),
]
FOLLOWS = [
    "语气有点着急",
    "说要给差评",
    "第三次来问了",
    "希望今天就解决",
    "问能不能加微信",
    "发来了照片",
    "订单号尾号{n}",
    "下单金额 {m} 元",
]
AUTHORS = ["培训部", "林晓雯", "售后组", "质检组", "王培训", ""]
REPLY_POINTS = [
    ("抱歉", "不好意思", "给您添麻烦了"),
    ("拍照", "照片", "图片"),
    ("补发", "重新发", "退款"),
    ("不用寄回", "无需寄回"),
    ("订单号", "单号"),
    ("今天", "马上", "尽快"),
    ("运费险", "运费"),
]
TYPE_MIX = [
    (T.SINGLE, 38),
    (T.MULTIPLE, 14),
    (T.TRUEFALSE, 14),
    (T.FILL, 9),
    (T.NUMERIC, 5),
    (T.SHORT, 7),
    (T.REPLY, 7),
    (T.MATCHING, 3),
    (T.ESSAY, 2),
    (T.DESCRIPTION, 1),
]


def _stem(rng: random.Random, product: str, topic: tuple[str, str, str], n: int) -> str:
    ask = rng.choice(ASKS).format(p=product, a=topic[1])
    follow = rng.choice(FOLLOWS).format(n=rng.randint(1000, 9999), m=rng.randint(29, 599))
    return f"{rng.choice(CUSTOMERS)}{ask}，{follow}（场景 {n}）。"


def _options(rng: random.Random, topic: tuple[str, str, str], k: int) -> list[str]:
    wrong = [
        "直接让顾客自己看详情页",
        "告诉顾客这不归客服管",
        "先让顾客确认收货再说",
        "建议顾客去线下门店咨询",
        "让顾客加私人微信沟通",
        f"承诺{rng.randint(2, 9)}倍赔偿",
        "不回复，等顾客自己撤回",
    ]
    rng.shuffle(wrong)
    return [topic[2], *wrong[: k - 1]]


TIPS = [
    "回复时先共情再给方案。",
    "记得核对订单信息。",
    "注意不要承诺做不到的事。",
    "必要时转接售后专员。",
    "",
]


def _explanation(rng: random.Random, product: str, topic: tuple[str, str, str]) -> str:
    """Mostly one of a kind, as in a real bank: the rule, the product, a tip, often a clause."""
    clause = (
        f"（见客服手册第 {rng.randint(1, 12)} 章第 {rng.randint(1, 40)} 条）" if rng.random() < 0.7 else ""
    )
    return f"{product}：{topic[2]}{clause}。{rng.choice(TIPS)}"


def make_questions(count: int, seed: int = 9) -> list[Question]:
    """``count`` varied questions (no two stems alike)."""
    rng = random.Random(seed)
    types = [t for t, w in TYPE_MIX for _ in range(w)]
    out: list[Question] = []
    stems: set[str] = set()
    for i in range(count):
        qtype = rng.choice(types)
        brand_key = rng.choice(["qinyu", "qingkuo", None])
        info = BRANDS[brand_key] if brand_key else None
        if info:
            pkey, pname = rng.choice(list(info["products"].items()))
            product = f"{info['names'][0]}{pname}"
        else:
            pkey, pname, product = "", "商品", "店铺商品"
        topic = rng.choice(TOPICS)
        stem = _stem(rng, product, topic, i + 1)
        while stem in stems:
            stem = _stem(rng, product, topic, i + 1)
        stems.add(stem)
        fields: dict[str, Any] = {}
        if qtype in (T.SINGLE, T.MULTIPLE):
            texts = _options(rng, topic, rng.choice([3, 4, 4, 4, 5]))
            if qtype is T.MULTIPLE:
                right = {0, 1 + rng.randrange(len(texts) - 1)}
                texts[right.pop()] = f"{topic[0]}问题要登记在售后表里"
                right = {0, *([1] if len(texts) > 2 else [])}
                fields["partial_credit"] = rng.random() < 0.5
            else:
                right = {0}
            order = list(range(len(texts)))
            rng.shuffle(order)
            fields["options"] = tuple(Option(texts[j], j in right) for j in order)
        elif qtype is T.TRUEFALSE:
            fields["answer"] = rng.random() < 0.5
        elif qtype is T.FILL:
            stem = stem.rstrip("。") + f"，正确的做法是先____，再告诉顾客{topic[0]}的____。"
            fields["blanks"] = (("道歉", "致歉"), ("处理时间", "时间"))
        elif qtype is T.NUMERIC:
            value = rng.randint(1, 60)
            stem = stem.rstrip("。") + "，按规则最多几天内处理？"
            fields["numeric"] = (NumericAnswer(value=float(value), tolerance=float(rng.choice([0, 0, 1]))),)
        elif qtype in (T.SHORT, T.REPLY, T.ESSAY):
            points = rng.sample(REPLY_POINTS, rng.randint(2, 4))
            fields["key_points"] = tuple(
                KeyPointSpec(p, weight=rng.choice([1.0, 1.0, 1.5, 2.0])) for p in points
            )
            if qtype is T.SHORT and rng.random() < 0.3:
                fields["accepted"] = (AcceptedAnswer(topic[2]),)
            if qtype is T.REPLY:
                stem = f"顾客：{topic[1]}？{rng.choice(FOLLOWS).format(n=i, m=i % 500 + 20)}（{i + 1}）"
                stems.add(stem)
        elif qtype is T.MATCHING:
            fields["pairs"] = tuple(MatchPair(a[0], a[2][:12]) for a in rng.sample(TOPICS, rng.randint(3, 5)))
        tags = tuple(dict.fromkeys(rng.sample([topic[0], pname, "售后", "售前", "高频", "新人必会"], 2)))
        out.append(
            Question(
                key="" if rng.random() < 0.25 else f"imp-{i:05d}",
                type=qtype,
                stem=stem,
                explanation=_explanation(rng, product, topic),
                category=rng.choice(CATEGORIES),
                brand=rng.choice(info["names"]) if info else None,
                difficulty=rng.choice([1, 1, 2, 2, 3]),
                tags=tags,
                handbook=info["handbook"] if info and rng.random() < 0.3 else None,
                products=(pkey,) if pkey and rng.random() < 0.6 else (),
                author=rng.choice(AUTHORS),
                **fields,
            )
        )
    return out


def write_file(path: Path, rows: int) -> float:
    from cstrainer.formats.xlsx_questions import dump_xlsx

    start = time.perf_counter()
    dump_xlsx(make_questions(rows), path)
    return time.perf_counter() - start


# --- databases ---------------------------------------------------------------------------------


class SqliteDb:
    def __init__(self, folder: Path, url: str | None) -> None:
        self.folder = folder
        self.given = url
        self.template = folder / "template.sqlite"
        self.n = 0

    def build(self) -> None:
        if self.given:
            return
        _seed(f"sqlite:///{self.template}")
        import sqlite3

        con = sqlite3.connect(self.template)
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        con.execute("PRAGMA journal_mode=DELETE")
        con.close()

    def fresh(self) -> str:
        if self.given:
            return self.given
        self.n += 1
        path = self.folder / f"run{self.n}.sqlite"
        shutil.copyfile(self.template, path)
        return f"sqlite:///{path}"

    def close(self) -> None:
        pass


class PgDb:
    def __init__(self, url: str) -> None:
        from sqlalchemy.engine import make_url

        from cstrainer.storage.engine import normalise_url

        self.base = normalise_url(make_url(url))
        self.template = f"import_bench_{os.getpid()}"
        self.made: list[str] = []

    def _admin(self, sql: str) -> None:
        from sqlalchemy import create_engine, text

        eng = create_engine(self.base.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with eng.connect() as c:
            c.execute(text(sql))
        eng.dispose()

    def _url(self, name: str) -> str:
        return self.base.set(database=name).render_as_string(hide_password=False)

    def build(self) -> None:
        self._admin(f'DROP DATABASE IF EXISTS "{self.template}" WITH (FORCE)')
        self._admin(f'CREATE DATABASE "{self.template}"')
        self.made.append(self.template)
        _seed(self._url(self.template))

    def fresh(self) -> str:
        name = f"{self.template}_{len(self.made)}"
        self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self._admin(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"')
        self.made.append(name)
        return self._url(name)

    def close(self) -> None:
        for name in reversed(self.made):
            self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.made.clear()


def _seed(url: str) -> None:
    from cstrainer.services import Services
    from cstrainer.storage.database import open_database

    services = Services(open_database(url))
    services.content.seed_if_empty(include_demo=True)
    services.close()


# --- timing ------------------------------------------------------------------------------------

PHASES = ("read xlsx", "parse/validate", "search text (jieba)", "DB lookups/writes/audit")


class PhaseClock:
    """Cumulative time spent in a few named functions, patched at module level."""

    def __init__(self) -> None:
        self.spent: dict[str, float] = {}

    def wrap(self, module: Any, attr: str, name: str) -> Callable[[], None]:
        original = getattr(module, attr)

        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.spent[name] = self.spent.get(name, 0.0) + time.perf_counter() - start

        setattr(module, attr, timed)
        return lambda: setattr(module, attr, original)

    @contextmanager
    def installed(self) -> Iterator[None]:
        from cstrainer.formats import question_io, xlsx_questions
        from cstrainer.services import questions

        undo = [
            self.wrap(question_io, "parse_xlsx", "xlsx"),
            self.wrap(xlsx_questions, "read_rows", "parse/validate"),
            self.wrap(questions, "search_text_of", "search text (jieba)"),
            self.wrap(questions, "stem_fingerprint", "search text (jieba)"),
        ]
        try:
            yield
        finally:
            for u in reversed(undo):
                u()

    def phases(self, total: float) -> dict[str, float]:
        xlsx = self.spent.get("xlsx", 0.0)
        parse = self.spent.get("parse/validate", 0.0)
        search = self.spent.get("search text (jieba)", 0.0)
        return {
            "read xlsx": xlsx - parse,
            "parse/validate": parse,
            "search text (jieba)": search,
            "DB lookups/writes/audit": total - xlsx - search,
        }


_taught: list[bool] = []


def _teach_terms(url: str) -> None:
    """Add the content's words to jieba, as the app does at start (cstrainer/gui/app_flow.py);
    once per process (the shipped content is the same in every database here)."""
    if _taught:
        return
    from cstrainer import text
    from cstrainer.services import Services
    from cstrainer.storage.database import open_database

    services = Services(open_database(url))
    try:
        text.add_terms(tuple(services.content.dictionary_terms()))
    finally:
        services.close()
    _taught.append(True)


def _trainer(services: Any) -> Any:
    from cstrainer.services import SYSTEM

    try:
        return services.auth.login("peixun", "demo1234")
    except Exception:  # a --db without the demo accounts
        return SYSTEM


def one_run(url: str, path: Path, *, memory: bool = False) -> dict[str, Any]:
    from cstrainer.services import Services
    from cstrainer.storage.database import open_database

    services = Services(open_database(url))
    try:
        trainer = _trainer(services)
        preview_clock, import_clock = PhaseClock(), PhaseClock()
        with preview_clock.installed():
            start, cpu = time.perf_counter(), time.process_time()
            preview = services.questions.import_file(trainer, path, dry_run=True)
            preview_s = time.perf_counter() - start
            preview_cpu = time.process_time() - cpu
        peak = None
        if memory:
            tracemalloc.start()
        with import_clock.installed():
            start, cpu = time.perf_counter(), time.process_time()
            report = services.questions.import_file(trainer, path, progress=lambda _: None)
            import_s = time.perf_counter() - start
            import_cpu = time.process_time() - cpu
        if memory:
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
        assert len(report.added) + len(report.updated) == len(preview.questions), report.summary()
        return {
            "preview": preview_s,
            "import": import_s,
            "total": preview_s + import_s,
            "cpu": preview_cpu + import_cpu,
            "preview_phases": preview_clock.phases(preview_s),
            "import_phases": import_clock.phases(import_s),
            "rows": len(report.questions),
            "added": len(report.added),
            "peak": peak,
        }
    finally:
        services.close()


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def bench_backend(label: str, db: Any, path: Path, repeat: int, memory: bool) -> list[dict[str, Any]]:
    start = time.perf_counter()
    db.build()
    print(f"[{label}] seeded template database in {time.perf_counter() - start:.1f} s", flush=True)
    _teach_terms(db.fresh())
    runs = []
    try:
        for n in range(repeat):
            url = db.fresh()
            run = one_run(url, path)
            runs.append(run)
            print(
                f"[{label}] run {n + 1}: preview {run['preview']:.2f} s + import {run['import']:.2f} s"
                f" = {run['total']:.2f} s, CPU {run['cpu']:.2f} s ({run['added']} added of {run['rows']})",
                flush=True,
            )
        mem = one_run(db.fresh(), path, memory=True) if memory else None
    finally:
        db.close()
    rows: list[dict[str, Any]] = []
    n = len(runs)
    rows_n = runs[0]["rows"] if runs else 0
    note = f"{n} runs, fresh seeded DB each, jieba warm, shared 2-core machine"
    for what, key in (
        ("preview + import", "total"),
        ("preview + import, CPU time of this process", "cpu"),
        ("preview (dry run)", "preview"),
        ("import", "import"),
    ):
        values = [r[key] for r in runs]
        for stat, p in (("p50", 50), ("p99", 99)):
            rows.append(
                {
                    "what": f"import {rows_n:,}-row xlsx, {what} [{label}]",
                    "figure": round(_pct(values, p), 3),
                    "unit": "s",
                    "stat": stat,
                    "target": TARGET_S if key == "total" else None,
                    "note": note,
                }
            )
    for part in ("preview_phases", "import_phases"):
        for phase in PHASES:
            values = [r[part][phase] for r in runs]
            rows.append(
                {
                    "what": f"  {part.split('_')[0]} phase: {phase} [{label}]",
                    "figure": round(statistics.median(values), 3),
                    "unit": "s",
                    "stat": "p50",
                    "target": None,
                    "note": "",
                }
            )
    if mem is not None and mem["peak"] is not None:
        rows.append(
            {
                "what": f"import peak Python memory (tracemalloc) [{label}]",
                "figure": round(mem["peak"] / 1024 / 1024, 1),
                "unit": "MB",
                "stat": "max",
                "target": None,
                "note": f"import alone, traced run took {mem['import']:.1f} s",
            }
        )
    return rows


def run(args: list[str]) -> list[dict[str, Any]]:
    ap = argparse.ArgumentParser(prog="bench_import.py", description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--out", help="write the generated xlsx here (kept)")
    ap.add_argument("--db", help="SQLite or other URL to import into (default: temp seeded SQLite)")
    ap.add_argument("--pg", help="PostgreSQL server URL (default: $CSTRAINER_TEST_PG_URL)")
    ap.add_argument("--no-pg", action="store_true")
    ap.add_argument("--no-memory", action="store_true")
    ap.add_argument("--profile", help="write a cProfile of one import (preview + import) to this file")
    ap.add_argument(
        "--no-worker", action="store_true", help="no segmentation worker process: all in this process"
    )
    opts = ap.parse_args(args)

    from cstrainer.services import questions as question_service
    from cstrainer.text import ensure_ready

    worker_min = question_service._WORKER_MIN_BYTES
    if opts.no_worker:
        question_service._WORKER_MIN_BYTES = 1 << 62
    ensure_ready()  # the app warms jieba in the background at start
    folder = Path(tempfile.mkdtemp(prefix="cstrainer-bench-import-"))
    try:
        path = Path(opts.out) if opts.out else folder / "questions.xlsx"
        took = write_file(path, opts.rows)
        print(
            f"wrote {opts.rows} rows to {path} ({path.stat().st_size / 1024 / 1024:.1f} MB) in {took:.1f} s"
        )
        if opts.profile:
            import cProfile

            db = SqliteDb(folder, opts.db)
            db.build()
            url = db.fresh()
            prof = cProfile.Profile()
            prof.enable()
            one_run(url, path)
            prof.disable()
            prof.dump_stats(opts.profile)
            print(f"profile written to {opts.profile}")
            return []
        rows = bench_backend("SQLite", SqliteDb(folder, opts.db), path, opts.repeat, not opts.no_memory)
        pg = None if opts.no_pg else (opts.pg or os.environ.get("CSTRAINER_TEST_PG_URL"))
        if pg:
            rows += bench_backend("PostgreSQL", PgDb(pg), path, opts.repeat, not opts.no_memory)
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        rows.append(
            {
                "what": "bench process peak RSS (jieba, openpyxl, all runs)",
                "figure": round(rss, 1),
                "unit": "MB",
                "stat": "max",
                "target": None,
                "note": "ru_maxrss",
            }
        )
        if opts.no_worker:
            for row in rows:
                row["what"] += " (no worker)"
        return rows
    finally:
        question_service._WORKER_MIN_BYTES = worker_min
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    rows = run(sys.argv[1:])
    if not rows:
        return
    width = max(len(r["what"]) for r in rows)
    print()
    print(f"{'what':<{width}}  {'figure':>9} {'unit':<4} {'stat':<4} {'target':>7}  note")
    for r in rows:
        target = "" if r["target"] is None else f"{r['target']:g}"
        print(
            f"{r['what']:<{width}}  {r['figure']:>9g} {r['unit']:<4} {r['stat']:<4} {target:>7}  {r['note']}"
        )


if __name__ == "__main__":
    main()
