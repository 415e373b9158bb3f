"""Benchmark of the exam domain: paper assembly, paper grading, reply grading.

Run:  .venv/bin/python bench/bench_exams.py

Builds a synthetic 20,000-question bank (all types, the seven categories, difficulties 1-5,
three brands plus brandless questions; generated text), then times:

* ``assemble_paper`` for a 100-question draw spec (11 rules), from the plain question list
  (includes building the bank index) and from a prebuilt ``BankIndex`` - 200 runs, new seed each;
* ``grade_paper`` on a 100-question paper with realistic responses, 10 of them short answers and
  replies - 100 runs, jieba warmed first;
* ``grade_reply`` on chat-length replies - 1,000 runs.

Prints p50 / p99 in milliseconds. Never asserts on time (DESIGN.md: benchmarks are not tests).
Unless ``CSTRAINER_HOME`` is set, the jieba cache goes to a temporary folder, so the run
touches none of your folders.
"""

from __future__ import annotations

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

from cstrainer.domain.grading import grade_paper
from cstrainer.domain.papers import BankIndex, DrawRule, ExamSpec, Paper, assemble_paper
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
from cstrainer.domain.reply_grader import grade_reply
from cstrainer.text import default_scanner, ensure_ready

T = QuestionType
BANK_SIZE = 20_000
BRANDS = (None, "qinyu", "qingkuo", "yuanqi")
TYPE_MIX = [
    (T.SINGLE, 40),
    (T.MULTIPLE, 15),
    (T.TRUEFALSE, 15),
    (T.FILL, 10),
    (T.NUMERIC, 5),
    (T.SHORT, 7),
    (T.REPLY, 6),
    (T.MATCHING, 2),
]
PRODUCTS = [
    "洗衣液",
    "柔顺剂",
    "洗衣凝珠",
    "除菌喷雾",
    "内衣洗衣液",
    "高腰收腹裤",
    "提臀打底裤",
    "冰丝内裤",
    "运动文胸",
]
TOPICS = [
    "七天无理由",
    "运费险",
    "发货时间",
    "尺码",
    "赠品",
    "优惠券",
    "改地址",
    "漏液",
    "色差",
    "起球",
    "保质期",
]
SYNONYMS = [
    ("抱歉", "对不起", "不好意思"),
    ("拍照", "照片", "拍一下"),
    ("补发", "重新发"),
    ("退款", "退钱"),
    ("不用寄回", "无需寄回"),
    ("七天无理由", "7天无理由"),
    ("运费险",),
    ("顺丰",),
    ("腰围",),
    ("臀围",),
    ("身高",),
    ("体重", "多少斤"),
    ("48小时", "两天内"),
    ("优惠券", "领券"),
]
REPLY_TEMPLATES = [
    "亲，非常抱歉给您添麻烦了，麻烦您拍一下外箱和瓶身的照片发给我，我们马上为您补发，漏液的这瓶不用寄回哦",
    "亲亲您好，这款{p}支持七天无理由退换，下单还送运费险，48小时内顺丰发货的哦，祝您购物愉快",
    "亲，您的腰围和臀围大概是多少呢？再告诉我一下身高体重，我帮您推荐合适的尺码哦",
    "不好意思让您久等了亲，已经为您登记补发，今天就安排发出，有问题随时联系我们",
    "亲，{p}现在可以领券下单，比较划算的，48小时内发货哦",
    "亲，这个情况我们非常理解您的心情，麻烦您拍照给我看一下，确认后给您退款或者补发都可以的",
]


def _weighted_types(rng: random.Random, n: int) -> list[QuestionType]:
    population = [t for t, _ in TYPE_MIX]
    weights = [w for _, w in TYPE_MIX]
    return rng.choices(population, weights, k=n)


def make_question(i: int, qtype: QuestionType, rng: random.Random) -> Question:
    product = rng.choice(PRODUCTS)
    topic = rng.choice(TOPICS)
    category = rng.choice(CATEGORIES)
    common: dict[str, Any] = {
        "category": category,
        "difficulty": rng.randint(1, 5),
        "brand": rng.choice(BRANDS),
        "tags": (topic,),
    }
    key = f"q{i:05d}"
    stem = f"关于{product}的{topic}，下列说法哪项正确？（{i}）"
    if qtype is T.SINGLE:
        right = rng.randrange(4)
        options = tuple(Option(f"{product}{topic}说法{j}", j == right, feedback=f"解析{j}") for j in range(4))
        if rng.random() < 0.1:
            options = (*options[:3], Option("以上都对", False))
        return Question(key, qtype, stem, options=options, **common)
    if qtype is T.MULTIPLE:
        rights = set(rng.sample(range(5), rng.randint(1, 3)))
        options = tuple(Option(f"{topic}选项{j}", j in rights) for j in range(5))
        return Question(key, qtype, stem, options=options, partial_credit=rng.random() < 0.5, **common)
    if qtype is T.TRUEFALSE:
        return Question(key, qtype, f"{product}可以{topic}。（{i}）", answer=rng.random() < 0.5, **common)
    if qtype is T.FILL:
        return Question(
            key,
            qtype,
            f"{product}支持____天无理由，____承担运费险。（{i}）",
            blanks=(("7", "七"), ("平台", "保险公司")),
            **common,
        )
    if qtype is T.NUMERIC:
        value = float(rng.choice([500, 1000, 2000, 48, 7, 15]))
        return Question(
            key, qtype, f"{product}的{topic}是多少？", numeric=(NumericAnswer(value, tolerance=0),), **common
        )
    if qtype is T.SHORT:
        if rng.random() < 0.3:
            return Question(
                key,
                qtype,
                stem,
                accepted=(AcceptedAnswer("卖家工作台"), AcceptedAnswer("工作台", 50)),
                **common,
            )
        points = tuple(KeyPointSpec(s, weight=rng.choice([1.0, 1.5, 2.0])) for s in rng.sample(SYNONYMS, 4))
        return Question(key, qtype, stem, key_points=points, **common)
    if qtype is T.REPLY:
        points = tuple(KeyPointSpec(s) for s in rng.sample(SYNONYMS, rng.randint(3, 5)))
        customer = rng.choice(
            ["收到的{p}漏了，怎么回事？？", "{p}什么时候发货？", "{p}有运费险吗？", "尺码怎么选？"]
        )
        return Question(key, qtype, customer.format(p=product), key_points=points, **common)
    pairs = tuple(MatchPair(f"{topic}{j}", f"处理{j}") for j in range(4))
    return Question(key, T.MATCHING, stem, pairs=pairs, **common)


def make_bank(n: int = BANK_SIZE, seed: int = 2024) -> list[Question]:
    rng = random.Random(seed)
    return [make_question(i, t, rng) for i, t in enumerate(_weighted_types(rng, n))]


DRAW_SPEC = ExamSpec(
    key="bench-draw",
    title="抽题卷（100 题）",
    draw=(
        DrawRule("产品知识", 2, 15, types=(T.SINGLE,)),
        DrawRule("产品知识", None, 10),
        DrawRule("平台规则", 1, 15),
        DrawRule("平台规则", None, 10, types=(T.TRUEFALSE,)),
        DrawRule("服务技巧-售前", None, 10, brand="qinyu"),
        DrawRule("服务技巧-售后", None, 5, types=(T.REPLY,)),
        DrawRule("服务技巧-售中", 3, 10),
        DrawRule("竞品知识", None, 10),
        DrawRule("企业文化", None, 5),
        DrawRule(None, 3, 5, types=(T.SHORT,)),
        DrawRule(None, None, 5, tags=("运费险",)),
    ),
)
GRADE_SPEC = ExamSpec(
    key="bench-grade",
    title="判卷用（100 题，10 道主观题）",
    draw=(
        DrawRule(None, None, 45, types=(T.SINGLE,)),
        DrawRule(None, None, 15, types=(T.MULTIPLE,)),
        DrawRule(None, None, 15, types=(T.TRUEFALSE,)),
        DrawRule(None, None, 7, types=(T.FILL,)),
        DrawRule(None, None, 5, types=(T.NUMERIC,)),
        DrawRule(None, None, 5, types=(T.SHORT,)),
        DrawRule(None, None, 5, types=(T.REPLY,)),
        DrawRule(None, None, 3, types=(T.MATCHING,)),
    ),
)


def realistic_responses(paper: Paper, seed: int = 7) -> dict[str, object]:
    """Mostly right answers, some wrong, some blank; chat-like texts for short answers and replies."""
    rng = random.Random(seed)
    out: dict[str, object] = {}
    for item in paper.items:
        q = item.question
        good = rng.random() < 0.75
        if rng.random() < 0.03:
            continue  # left blank
        if q.type is T.SINGLE:
            right = (
                next(i for i, o in enumerate(q.options) if o.correct)
                if any(o.correct for o in q.options)
                else 0
            )
            out[q.key] = right if good else (right + 1) % len(q.options)
        elif q.type is T.MULTIPLE:
            rights = [i for i, o in enumerate(q.options) if o.correct]
            out[q.key] = (
                rights if good else rights[:1] + [i for i in range(len(q.options)) if i not in rights][:1]
            )
        elif q.type is T.TRUEFALSE:
            out[q.key] = q.answer if good else not q.answer
        elif q.type is T.FILL:
            out[q.key] = ["七", "平台"] if good else ["7天", "卖家"]
        elif q.type is T.NUMERIC:
            value = q.numeric[0].value or 0
            out[q.key] = f"{value:g}ml" if good else str(value + 1)
        elif q.type is T.SHORT:
            words = [kp.synonyms[0] for kp in q.key_points] or ["工作台"]
            out[q.key] = "先问" + "和".join(words[: rng.randint(1, len(words))]) + "，再根据尺码表推荐"
        elif q.type is T.REPLY:
            out[q.key] = rng.choice(REPLY_TEMPLATES).format(p=rng.choice(PRODUCTS))
        elif q.type is T.MATCHING:
            n = len(q.pairs)
            out[q.key] = list(range(n)) if good else [1, 0, *range(2, n)]
    return out


def timed(fn: Callable[[int], object], runs: int) -> tuple[float, float, float]:
    """p50, p99 and mean in milliseconds."""
    samples = []
    for i in range(runs):
        t0 = time.perf_counter()
        fn(i)
        samples.append((time.perf_counter() - t0) * 1000.0)
    samples.sort()
    p99 = samples[min(len(samples) - 1, round(0.99 * (len(samples) - 1)))]
    return statistics.median(samples), p99, statistics.fmean(samples)


def main() -> list[dict[str, Any]]:
    t0 = time.perf_counter()
    ensure_ready()
    scanner = default_scanner()
    jieba_ms = (time.perf_counter() - t0) * 1000
    t0 = time.perf_counter()
    bank = make_bank()
    bank_ms = (time.perf_counter() - t0) * 1000
    t0 = time.perf_counter()
    index = BankIndex(bank)
    index_ms = (time.perf_counter() - t0) * 1000

    rows: list[tuple[str, int, float, float, float, str]] = []

    p50, p99, mean = timed(lambda i: assemble_paper(DRAW_SPEC, bank, seed=i), 200)
    rows.append(("assemble_paper, 100 of 20,000 (list)", 200, p50, p99, mean, "< 30 ms"))
    p50, p99, mean = timed(lambda i: assemble_paper(DRAW_SPEC, index, seed=i), 200)
    rows.append(("assemble_paper, 100 of 20,000 (BankIndex)", 200, p50, p99, mean, "< 30 ms"))

    paper = assemble_paper(GRADE_SPEC, index, seed=1)
    responses = realistic_responses(paper)
    subjective = sum(item.question.type in (T.SHORT, T.REPLY) for item in paper.items)
    grade_paper(paper.items, responses, scanner)  # compile the key-point matchers once
    p50, p99, mean = timed(lambda i: grade_paper(paper.items, responses, scanner), 100)
    rows.append((f"grade_paper, 100 items ({subjective} short/reply)", 100, p50, p99, mean, "< 50 ms"))

    points = (
        KeyPointSpec(("抱歉", "对不起", "不好意思")),
        KeyPointSpec(("拍照", "照片", "拍一下")),
        KeyPointSpec(("补发", "重新发", "退款"), 1.5),
        KeyPointSpec(("不用寄回", "无需寄回")),
    )
    replies = [t.format(p=p) for t in REPLY_TEMPLATES for p in PRODUCTS[:3]]
    grade_reply(replies[0], points, scanner=scanner)
    p50, p99, mean = timed(lambda i: grade_reply(replies[i % len(replies)], points, scanner=scanner), 1000)
    rows.append(("grade_reply, one chat reply (~50 chars)", 1000, p50, p99, mean, "< 2 ms"))

    result = grade_paper(paper.items, responses, scanner)
    print(
        f"jieba ready: {jieba_ms:.0f} ms; bank of {len(bank):,} generated in {bank_ms:.0f} ms, indexed in {index_ms:.1f} ms"
    )
    print(
        f"sample paper: {result.total:.1f}/{result.max_score:.0f} ({result.percent:.1f} %), {len(result.needs_review)} items for review"
    )
    print()
    header = f"{'operation':<46} {'runs':>5} {'p50 ms':>8} {'p99 ms':>8} {'mean ms':>8}  target"
    print(header)
    print("-" * len(header))
    for name, runs, p50, p99, mean, target in rows:
        print(f"{name:<46} {runs:>5} {p50:>8.3f} {p99:>8.3f} {mean:>8.3f}  {target}")
    targets = {1: 50.0, 2: 100.0}  # the targets for drawing and grading a paper
    return [
        {
            "what": f"domain only: {name}",
            "figure": round(p99, 2),
            "unit": "ms",
            "stat": "p99",
            "target": targets.get(i),
            "note": f"p50 {p50:.2f}",
        }
        for i, (name, _runs, p50, p99, _mean, _target) in enumerate(rows)
    ]


def run(args: list[str]) -> list[dict[str, Any]]:
    return main()


if __name__ == "__main__":
    main()
