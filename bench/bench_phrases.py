"""Benchmark of phrase search as you type, through the service API, at 50,000 phrases.

Run:  .venv/bin/python bench/bench_phrases.py [--db URL] [--phrases N] [--queries N]

Generates N (default 50,000) team phrases of realistic mixed Chinese customer-service text
(greeting + a scene-specific body + product + promise + closing, emoji and placeholders mixed in,
three brands and shared ones), stores them with their search columns, and then times
``PhraseService.search`` for an agent of one brand with queries of three kinds:

* shortcut - an existing code (``wl123``) or its first letters (``wl1``);
* pinyin   - the first two to four pinyin initials of a phrase (``qbn`` for 亲，帮您 ...);
* words    - one or two jieba words of a phrase, the last one possibly cut short (as typed).

Prints the time to build the in-memory index (the first search after start or after a change),
then p50 / p99 in milliseconds per kind, wall clock and thread CPU time. The target is
p99 < 2 ms. Never asserts on time (DESIGN.md: benchmarks are not tests). Unless
``CSTRAINER_HOME`` is set, the jieba cache goes to a temporary folder; without ``--db`` the
database is a temporary SQLite file.
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
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

if "CSTRAINER_HOME" not in os.environ:
    os.environ["CSTRAINER_HOME"] = tempfile.mkdtemp(prefix="cstrainer-bench-")

from sqlalchemy import insert

from cstrainer.domain.accounts import Role
from cstrainer.domain.phrases import PhraseItem
from cstrainer.services import Actor, Services
from cstrainer.services.phrases import initials_of, query_words, search_terms_of
from cstrainer.storage.database import open_database
from cstrainer.storage.models import Brand, Phrase
from cstrainer.text import ensure_ready
from cstrainer.text.pinyin import initials

SCENES = {
    "迎宾": ("yb", ["您好", "欢迎光临", "在的呢", "很高兴为您服务", "请问有什么可以帮您"]),
    "咨询": ("zx", ["这款的面料是", "尺码建议您参考", "这款适合", "使用方法是", "保质期是"]),
    "推荐": ("tj", ["给您推荐", "这款卖得很好", "搭配一起用效果更好", "回购率很高的", "新品上市"]),
    "议价": ("yj", ["价格已经是活动价了", "可以领店铺券", "满减活动叠加", "会员价更划算", "赠品送您"]),
    "催付": ("cf", ["活动今晚截止", "库存不多了", "拍下后尽快付款", "付款后优先发货", "优惠券快过期了"]),
    "售中改地址": (
        "gdz",
        ["帮您修改地址", "麻烦发一下新地址", "已经备注仓库", "改好后发您核对", "还没发货可以改"],
    ),
    "物流查询": ("wl", ["帮您查到物流", "快递正在派送", "已经催促快递", "预计明天送达", "物流信息更新慢"]),
    "退换货": (
        "th",
        ["支持七天无理由退换", "申请退货退款", "运费险会赔付", "换货寄回地址", "收到退货后退款"],
    ),
    "投诉安抚": (
        "ts",
        ["非常抱歉给您添麻烦", "理解您的心情", "马上帮您处理", "给您补偿一张券", "已经反馈主管"],
    ),
    "送别": ("sb", ["感谢您的耐心", "祝您生活愉快", "有问题随时找我", "期待您的好评", "欢迎下次光临"]),
}
OPENERS = ["亲", "亲爱的", "{顾客昵称}", "宝子", "您好", "亲亲"]
PRODUCTS = [
    "洗衣液", "留香珠", "内衣洗护液", "柔顺剂", "收腹裤", "塑身衣", "打底裤", "安全裤", "{商品名}",
    "香氛洗衣凝珠", "除螨喷雾", "羊毛衫洗剂",
]  # fmt: skip
PROMISES = [
    "48小时内发货", "顺丰包邮", "下单送小样", "订单 {订单号} 已经登记", "今天下单今天发",
    "质量问题包退换", "支持开发票", "可以备注颜色",
]  # fmt: skip
CLOSINGS = ["～", "哦～", "呢", "！", "😊", "🌸", "，有问题随时找我哈", "，感谢支持～"]
BRANDS = ["qinyu", "qingkuo", "muyan", None]


def generate(n: int, seed: int = 7) -> list[PhraseItem]:
    rng = random.Random(seed)
    scenes = list(SCENES)
    counters: dict[str, int] = {}
    items = []
    for i in range(n):
        scene = scenes[i % len(scenes)]
        code, bodies = SCENES[scene]
        parts = [rng.choice(OPENERS) + "，", rng.choice(bodies)]
        if rng.random() < 0.7:
            parts.append("，" + rng.choice(PRODUCTS))
        if rng.random() < 0.6:
            parts.append("，" + rng.choice(PROMISES))
        if rng.random() < 0.4:
            parts.append("，" + rng.choice(bodies))
        parts.append(rng.choice(CLOSINGS))
        counters[code] = counters.get(code, 0) + 1
        items.append(
            PhraseItem(
                key=f"gen-{i:05d}",
                brand=BRANDS[i % len(BRANDS)],
                scene=scene,
                intent=rng.choice(bodies),
                shortcut=f"{code}{counters[code]}",
                text="".join(parts),
                tags=(scene, rng.choice(PRODUCTS).strip("{}")),
            )
        )
    return items


def fill(services: Services, items: list[PhraseItem]) -> None:
    with services.db.session() as s:
        s.add_all([Brand(key=b, name=b) for b in BRANDS if b])
        s.flush()
        brand_ids = {b.key: b.id for b in s.query(Brand)}
        rows = [
            {
                "key": it.key,
                "data": {k: v for k, v in it.to_dict().items() if k != "key"},
                "version": 1,
                "updated_by": "bench",
                "brand_id": brand_ids.get(it.brand) if it.brand else None,
                "scene": it.scene,
                "intent": it.intent,
                "shortcut": it.shortcut,
                "text": it.text,
                "search_text": search_terms_of(it),
                "initials": initials_of(it)[:255],
                "usage_count": 0,
                "lint_justification": "",
            }
            for it in items
        ]
        for start in range(0, len(rows), 5000):
            s.execute(insert(Phrase), rows[start : start + 5000])


def queries(items: list[PhraseItem], n: int, seed: int = 11) -> dict[str, list[str]]:
    rng = random.Random(seed)
    out: dict[str, list[str]] = {"shortcut": [], "pinyin": [], "words": []}
    for _ in range(n):
        it = rng.choice(items)
        code = it.shortcut
        out["shortcut"].append(code if rng.random() < 0.5 else code[: rng.randint(2, len(code))])
        inits = initials(it.text)
        out["pinyin"].append(inits[: rng.randint(2, 4)])
        words = [w for w in query_words(it.text) if len(w) > 1] or [it.text[:2]]
        picked = rng.sample(words, k=min(len(words), rng.choice((1, 1, 2))))
        last = picked[-1]
        if len(last) > 2 and rng.random() < 0.5:
            picked[-1] = last[: len(last) - 1]  # still typing
        out["words"].append(" ".join(picked))
    return out


def measure(fn: Callable[[str], Any], qs: list[str]) -> tuple[list[float], list[float], int]:
    wall, cpu, found = [], [], 0
    for q in qs:
        c0, t0 = time.thread_time(), time.perf_counter()
        hits = fn(q)
        wall.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.thread_time() - c0) * 1000)
        found += bool(hits)
    return wall, cpu, found


def pct(values: list[float], p: float) -> float:
    return (
        statistics.quantiles(values, n=100, method="inclusive")[int(p) - 1] if len(values) > 1 else values[0]
    )


def main(argv: list[str] | None = None) -> list[dict[str, Any]]:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", help="database URL (default: a temporary SQLite file); must be empty")
    ap.add_argument("--phrases", type=int, default=50_000)
    ap.add_argument("--queries", type=int, default=2_000)
    args = ap.parse_args(argv)
    url = args.db or f"sqlite:///{tempfile.mkdtemp(prefix='cstrainer-bench-')}/bench.sqlite"
    out: list[dict[str, Any]] = []
    ensure_ready()
    services = Services(open_database(url))
    items = generate(args.phrases)
    t0 = time.perf_counter()
    fill(services, items)
    print(
        f"{len(items)} phrases generated and stored in {time.perf_counter() - t0:.1f} s ({services.describe()})"
    )
    agent = Actor(
        user_id=None, login="bench", display_name="bench", role=Role.AGENT, brand_keys=frozenset({"qinyu"})
    )
    t0 = time.perf_counter()
    services.phrases.warm_up()
    index_ms = (time.perf_counter() - t0) * 1000
    print(f"index built in {index_ms:.0f} ms (first search after start or a change)")
    qs = queries(items, args.queries)
    search = services.phrases.search
    for q in qs["words"][:200]:  # warm caches the way typing does
        search(agent, q, limit=10)
    print(f"{'kind':<9} {'queries':>7} {'found':>6} {'p50 ms':>8} {'p99 ms':>8} {'p99 cpu':>8} {'max ms':>8}")
    for kind, kqs in qs.items():
        wall, cpu, found = measure(lambda q: search(agent, q, limit=10), kqs)
        out.append(
            {
                "what": f"phrase search as you type, {len(items):,} phrases, by {kind}",
                "figure": round(pct(wall, 99), 2),
                "unit": "ms",
                "stat": "p99",
                "target": 5.0,
                "note": f"p50 {pct(wall, 50):.2f}, {len(kqs)} queries, index built in {index_ms:.0f} ms",
            }
        )
        print(
            f"{kind:<9} {len(kqs):>7} {found:>6} {pct(wall, 50):>8.3f} {pct(wall, 99):>8.3f} "
            f"{pct(cpu, 99):>8.3f} {max(wall):>8.3f}"
        )
    # The database path (FTS5 / tsvector): what answers before the first index is built.
    db_search = services.phrases.search_db
    n_db = min(len(qs["words"]), 300)
    print(f"database search (FTS5 on SQLite, tsvector GIN on PostgreSQL), {n_db} queries per kind:")
    for kind, kqs in qs.items():
        wall, cpu, found = measure(lambda q: db_search(agent, q, limit=10), kqs[:n_db])
        print(
            f"db-{kind:<6} {n_db:>7} {found:>6} {pct(wall, 50):>8.3f} {pct(wall, 99):>8.3f} "
            f"{pct(cpu, 99):>8.3f} {max(wall):>8.3f}"
        )
    services.close()
    return out


def run(args: list[str]) -> list[dict[str, Any]]:
    return main(args)


if __name__ == "__main__":
    main()
