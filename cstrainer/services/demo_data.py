"""A realistic practice history for the demo database and the dashboard benchmark.

:func:`generate` adds people (Chinese names, in the teams of the database, usually those of the
shipped ``scripts_library/teams.yaml``) and their history over the last ``days`` days:

- exam attempts on the database's exams, with items drawn from the categories each exam draws
  from; the chance of a right answer depends on the category (产品知识 is easier than 竞品知识), on
  the person's skill and grows with practice, so trends go up and weak categories stand out;
- role-play sessions on the scenarios of the team's brands (preferring the team's stage), with a
  score, the five dimension columns, outcome, mean reply time (faster with practice) and a
  scorecard. With ``snapshots`` (the default) each session also gets a transcript: a few template
  conversations per scenario are played once through the scenario engine (:class:`RolePlay`, the
  customer's wordings answered with the key points' model wordings, fewer of them for weaker
  levels, at a few reply speeds) and graded with :func:`score_session`; a session reuses the
  template closest to its drawn level and speed, so its messages, score, dimensions, outcome and
  scorecard are those a regrade gives. Without ``snapshots`` (the benchmark) sessions carry a
  compact made-up scorecard (missed key points, now and then a banned word or a forbidden move)
  and no messages;
- phrase drills (typing with net 字/分, shortcut recall right or wrong), handbook reads, entries of
  the wrong-answer book, and promotions along the growth path consistent with each stage.

Deterministic for a seed (``random.Random(seed)``; times relative to ``now``, which the caller may
fix). Rows are written with bulk inserts (``session.execute(insert(Model), rows)``) with ids
assigned here, in chunks, in one transaction.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session

from cstrainer.services import stats_rollup
from cstrainer.services.actor import Actor
from cstrainer.services.errors import InvalidInput
from cstrainer.services.passwords import hash_password
from cstrainer.storage.database import Database
from cstrainer.storage.models import (
    DIMENSION_COLUMNS,
    Attempt,
    AttemptItem,
    Brand,
    Exam,
    HandbookRead,
    PhraseDrillAttempt,
    Product,
    Promotion,
    Question,
    RolePlayMessage,
    RolePlayMiss,
    RolePlaySession,
    Scenario,
    Team,
    User,
    WrongBookEntry,
    team_brands,
    user_brands,
)

GROWTH_STAGES = ("新人", "上岗", "售后", "精英客服", "主管")
#: share of agents per stage (主管 are not generated as agents)
STAGE_WEIGHTS = (0.22, 0.42, 0.24, 0.12)
#: base chance of a right answer per question category
CATEGORY_EASE: dict[str, float] = {
    "产品知识": 0.74,
    "企业文化": 0.86,
    "平台规则": 0.66,
    "服务技巧-售前": 0.72,
    "服务技巧-售中": 0.7,
    "服务技巧-售后": 0.6,
    "竞品知识": 0.55,
}
DIM_OFFSETS = {
    "dim_knowledge": -4,
    "dim_standard": 6,
    "dim_communication": 2,
    "dim_speed": -2,
    "dim_compliance": 10,
}
BANNED = (
    ("absolute_terms", "最好"),
    ("absolute_terms", "最便宜"),
    ("offsite", "微信"),
    ("guarantee", "保证"),
)
FORBIDDEN = (
    ("blame_customer", "是您自己没看清"),
    ("promise_date", "明天一定到"),
    ("refuse_refund", "不能退"),
)
DEMO_PASSWORD = "demo1234"
#: template conversations per scenario: share of the key points answered, per level (best first)
TEMPLATE_LEVELS = (1.0, 0.8, 0.6, 0.4, 0.2)
#: lowest drawn score that picks each level (the rest take the last one)
TEMPLATE_LEVEL_SCORES = (80, 68, 56, 44)
#: mean reply seconds of the template conversations
TEMPLATE_SPEEDS = (12.0, 26.0)
TEMPLATE_SEED = 3
GREETING = "亲，您好，欢迎光临！"
FILLER = "亲，稍等，我帮您看一下哈。"
#: what a weaker template says once (a banned wording the QC catches), by (level, speed) index
SLIPS = {(2, 1): "这款是全网最便宜的。", (3, 0): "有问题可以加我微信聊。", (4, 1): "明天一定到的。"}

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程魏苏吕丁任卢姚沈钟姜崔谭陆范汪廖石金韦贾夏付方邹熊白孟秦邱侯江尹薛闫段雷龙黎史陶贺毛郝顾龚邵万覃武钱戴严莫孔向常汤"
GIVEN = [
    "佳怡",
    "欣怡",
    "梓涵",
    "诗涵",
    "雨桐",
    "子涵",
    "可馨",
    "思彤",
    "晓雯",
    "雨欣",
    "婉清",
    "静怡",
    "梦琪",
    "一诺",
    "若曦",
    "语嫣",
    "嘉怡",
    "紫萱",
    "晨曦",
    "芷若",
    "浩然",
    "子轩",
    "宇航",
    "俊杰",
    "博文",
    "志强",
    "明轩",
    "天佑",
    "文博",
    "嘉豪",
    "晓东",
    "建华",
    "丽娟",
    "秀英",
    "桂芳",
    "海燕",
    "美玲",
    "雪梅",
    "春燕",
    "小雨",
    "小敏",
    "小慧",
    "晓燕",
    "晓琳",
    "慧敏",
    "婷婷",
    "倩倩",
    "丹丹",
    "佳琪",
    "欣然",
    "思琪",
    "梓萱",
    "雅静",
    "玉兰",
    "红梅",
    "文静",
    "淑华",
    "嘉欣",
]


@dataclass(frozen=True)
class DemoSummary:
    people: int
    trainers: int
    exam_attempts: int
    answers: int
    sessions: int
    drills: int
    promotions: int
    handbook_reads: int
    wrong_book: int
    seconds: float = 0.0


@dataclass
class _Person:
    id: int
    login: str
    team_id: int
    brand_ids: list[int]
    stage: str
    skill: float  # about N(0, 1)
    learn: float  # how much practice helps, 0.5 .. 1.5
    joined: datetime


class _Writer:
    """Buffers rows per model and bulk-inserts them in chunks."""

    def __init__(self, s: Session, order: list[Any], chunk: int = 20000) -> None:
        self.s = s
        self.chunk = chunk
        self.order = list(order)  # parents before children
        self.rows: dict[Any, list[dict[str, Any]]] = {m: [] for m in self.order}
        self.counts: dict[Any, int] = {}

    def add(self, model: Any, row: dict[str, Any]) -> None:
        if model not in self.rows:
            self.rows[model] = []
            self.order.append(model)
        buf = self.rows[model]
        buf.append(row)
        self.counts[model] = self.counts.get(model, 0) + 1
        if len(buf) >= self.chunk:
            self.flush()

    def flush(self) -> None:
        for model in self.order:
            buf = self.rows[model]
            if buf:
                if model is RolePlayMessage:  # many plain rows: a Core executemany is much faster
                    self.s.connection().execute(insert(cast(Any, RolePlayMessage.__table__)), buf)
                else:
                    self.s.execute(insert(model), buf)
                buf.clear()


def _next_id(s: Session, model: Any) -> int:
    return int(s.scalar(select(func.coalesce(func.max(model.id), 0))) or 0) + 1


def _clamp(x: float, lo: float, hi: float) -> float:
    return lo if x < lo else hi if x > hi else x


def _draw_categories(data: dict[str, Any]) -> list[tuple[str, int]]:
    out = []
    for d in data.get("draw") or []:
        if isinstance(d, dict) and d.get("category"):
            out.append((str(d["category"]), int(d.get("count") or 1)))
    return out


@dataclass(frozen=True)
class _Template:
    """A demo conversation played through the engine and graded (reused by many sessions)."""

    seed: int
    messages: tuple[dict[str, Any], ...]  # role, text, turn_id, wording_index, impatient, seconds, at_ms
    score: int
    success: bool
    outcome: str | None
    dims: dict[str, int]  # by column (dim_knowledge ...)
    avg_seconds: float | None
    replies: int
    length: float  # seconds from the first to the last line
    scorecard: dict[str, Any]


def _templates(key: str, data: dict[str, Any], rules: Any) -> list[list[_Template]]:
    """Per level of :data:`TEMPLATE_LEVELS`, one template per speed of :data:`TEMPLATE_SPEEDS`
    (empty when the scenario cannot be played)."""
    from cstrainer.domain.roleplay import RolePlay
    from cstrainer.domain.roleplay_scoring import score_session
    from cstrainer.services.roleplay import scenario_from_data

    try:
        scenario = scenario_from_data(key, data)
    except Exception:  # a broken stored scenario: its sessions keep the compact scorecard
        return []
    out: list[list[_Template]] = []
    for level_no, level in enumerate(TEMPLATE_LEVELS):
        row: list[_Template] = []
        for speed_no, speed in enumerate(TEMPLATE_SPEEDS):
            pick = random.Random(f"{key}/{level_no}/{speed_no}")
            try:
                rp = RolePlay(scenario, TEMPLATE_SEED, rules=rules)
                line: Any = rp.opening()
                while not rp.ended and line is not None and len(rp.transcript) < 60:
                    turn = scenario.turn(line.turn_id)
                    parts = [
                        kp.better or (kp.synonyms[0] if kp.synonyms else "")
                        for kp in turn.key_points
                        if level >= 1.0 or pick.random() < level
                    ]
                    reply = "".join(dict.fromkeys(p for p in parts if p)) or FILLER
                    if rp.state.replies == 0:
                        reply = GREETING + reply
                    elif rp.state.replies == 1 and (level_no, speed_no) in SLIPS:
                        reply += SLIPS[(level_no, speed_no)]
                    seconds = round(_clamp(pick.gauss(speed, speed * 0.3), 2.0, 240.0), 1)
                    line = rp.reply(reply, seconds).next_line
                if not rp.ended:
                    rp.give_up(speed)
                # the customer's and the agent's lines (the engine's closing system line is not kept)
                lines = [e for e in rp.transcript if e.role != "system"]
                card = score_session(scenario, lines, outcome=rp.outcome, rules=rules)
            except Exception:
                return []
            agent = [e.seconds for e in lines if e.role == "agent"]
            row.append(
                _Template(
                    seed=TEMPLATE_SEED,
                    messages=tuple(_message_row(e) for e in lines),
                    score=int(card.score),
                    success=bool(card.success),
                    outcome=rp.outcome,
                    dims={col: int(card.dimensions.get(name, 0)) for name, col in DIMENSION_COLUMNS.items()},
                    avg_seconds=round(sum(agent) / len(agent), 1) if agent else None,
                    replies=len(agent),
                    length=lines[-1].at if lines else 0.0,
                    scorecard=_compact(card.to_json()),
                )
            )
        out.append(row)
    return out


def _compact(card: dict[str, Any]) -> dict[str, Any]:
    """The stored scorecard of a demo session: the graded card without the per-reply details
    (the history recomputes the full card from the transcript; the dashboards read ``missed`` and
    the replies' ``banned`` / ``forbidden``)."""
    out = dict(card)
    out["replies"] = [
        {k: r.get(k) for k in ("index", "turn_id", "banned", "forbidden", "flags", "points")}
        for r in card.get("replies") or []
    ]
    out["missed"] = [
        {"turn_id": m.get("turn_id"), "key_point_id": m.get("key_point_id")} for m in card.get("missed") or []
    ]
    out["demo"] = True
    return out


def _message_row(e: Any) -> dict[str, Any]:
    return {
        "role": e.role,
        "text": e.text,
        "turn_id": e.turn_id,
        "wording_index": e.wording_index,
        "impatient": bool(e.impatient),
        "seconds": float(e.seconds),
        "at_ms": round(float(e.at) * 1000),
    }


def _key_points(data: dict[str, Any]) -> list[tuple[str, str]]:
    out = []
    for turn in data.get("turns") or []:
        for kp in (turn or {}).get("key_points") or []:
            if isinstance(kp, dict) and kp.get("id"):
                out.append((str(turn.get("id") or ""), str(kp["id"])))
    return out


def generate(
    db: Database,
    actor: Actor,
    *,
    agents: int = 40,
    days: int = 60,
    seed: int = 7,
    now: datetime | None = None,
    exams_per_agent: float | None = None,
    sessions_per_agent: float | None = None,
    drills_per_agent: float | None = None,
    snapshots: bool = True,
    progress: Callable[[str], None] | None = None,
) -> DemoSummary:
    """Add ``agents`` people with ``days`` days of history (managers only; see the module doc).

    Per agent on average, unless given: ``days / 8 + 1`` exam attempts, ``days * 0.7`` role-play
    sessions, ``days * 1.5`` drill attempts. ``snapshots``: store each scenario as played (False for
    the benchmark's 100,000 sessions)."""
    from cstrainer.domain.accounts import Permission

    actor.require(Permission.MANAGE_USERS)
    if agents < 1 or days < 1:
        raise InvalidInput("人数和天数都至少为 1", "agents")
    import time

    t0 = time.perf_counter()
    rng = random.Random(seed)
    now = (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    begin = now - timedelta(days=days)
    say = progress or (lambda _m: None)
    exams_n = exams_per_agent if exams_per_agent is not None else days / 8 + 1
    sessions_n = sessions_per_agent if sessions_per_agent is not None else days * 0.7
    drills_n = drills_per_agent if drills_per_agent is not None else days * 1.5

    with db.session() as s:
        teams = s.execute(select(Team.id, Team.key, Team.stage).order_by(Team.id)).all()
        if not teams:
            raise InvalidInput("数据库里还没有团队：请先导入内容包（scripts_library/teams.yaml）", "teams")
        tb: dict[int, list[int]] = {}
        for tid, bid in s.execute(select(team_brands.c.team_id, team_brands.c.brand_id)):
            tb.setdefault(tid, []).append(bid)
        all_brands = list(s.scalars(select(Brand.id)))
        exams = [
            (e.id, e.version, float((e.data or {}).get("pass_mark", 60)), _draw_categories(e.data or {}))
            for e in s.scalars(select(Exam).order_by(Exam.id))
        ]
        questions: dict[str, list[tuple[int, int]]] = {}
        for qid, cat, ver in s.execute(
            select(Question.id, Question.category, Question.version).where(Question.retired.is_(False))
        ):
            questions.setdefault(cat, []).append((qid, ver))
        scenarios = [
            (sc.id, sc.key, sc.title, sc.stage, sc.brand_id, sc.version, _key_points(sc.data or {}),
             dict(sc.data or {}) if snapshots else {})
            for sc in s.scalars(select(Scenario).order_by(Scenario.key))
        ]  # fmt: skip
        products = list(s.execute(select(Product.key, Product.version)))
        from cstrainer.storage.models import Phrase

        phrase_keys = list(s.scalars(select(Phrase.key).order_by(Phrase.key).limit(300))) or ["demo"]
        taken = set(s.scalars(select(User.login).where(User.login.like("demo%"))))
        if exams and not questions:
            raise InvalidInput("数据库里还没有题目：请先导入题库", "questions")

        templates: dict[int, list[list[_Template]]] = {}
        if snapshots:
            from cstrainer.services.compliance import ComplianceService

            rules = ComplianceService(db).scanner()
            for sc in scenarios:
                templates[sc[0]] = _templates(sc[1], sc[7], rules)
        password = hash_password(DEMO_PASSWORD)
        w = _Writer(
            s,
            [User, user_brands, Attempt, AttemptItem, WrongBookEntry, RolePlaySession, RolePlayMiss,
             PhraseDrillAttempt, Promotion, HandbookRead, RolePlayMessage],
        )  # fmt: skip
        ids = {m: _next_id(s, m) for m in (User, Attempt, AttemptItem, RolePlaySession)}

        # --- people ------------------------------------------------------------------------------------
        people: list[_Person] = []
        n_trainers = 0
        for tid, tkey, _tstage in teams:
            login = f"demo-{tkey}"[:32]
            if login in taken:
                continue
            uid = ids[User]
            ids[User] += 1
            name = rng.choice(SURNAMES) + rng.choice(GIVEN)
            w.add(User, _user(uid, login, name, "trainer", tid, "精英客服", password, begin, False))
            n_trainers += 1
        number = 1
        for i in range(agents):
            while f"demo{number:03d}" in taken:
                number += 1
            login = f"demo{number:03d}"
            number += 1
            tid = teams[i % len(teams)][0]
            stage = rng.choices(GROWTH_STAGES[:4], STAGE_WEIGHTS)[0]
            role = "trainee" if stage == "新人" and rng.random() < 0.6 else "agent"
            uid = ids[User]
            ids[User] += 1
            # newer stages joined later: a 新人 may have joined in the middle of the period
            joined = (
                begin - timedelta(days=rng.randint(0, 400))
                if stage != "新人"
                else begin + timedelta(days=rng.uniform(0, days * 0.5))
            )
            w.add(
                User,
                _user(uid, login, rng.choice(SURNAMES) + rng.choice(GIVEN), role, tid, stage, password, joined,
                      rng.random() < 0.6),
            )  # fmt: skip
            brand_ids = tb.get(tid) or all_brands[:1]
            people.append(
                _Person(
                    uid,
                    login,
                    tid,
                    brand_ids,
                    stage,
                    rng.gauss(0, 1),
                    rng.uniform(0.5, 1.5),
                    max(joined, begin),
                )
            )
        w.flush()
        for p in people:
            for bid in p.brand_ids:
                w.add(user_brands, {"user_id": p.id, "brand_id": bid})
        say(f"人员 {len(people)} 人")

        counts = {
            "attempts": 0,
            "answers": 0,
            "sessions": 0,
            "drills": 0,
            "promotions": 0,
            "reads": 0,
            "wrong": 0,
        }
        for p in people:
            span = max(1.0, (now - p.joined).total_seconds())

            def when(rng: random.Random = rng, p: _Person = p, span: float = span) -> datetime:
                # working hours in China (UTC+8): 09-22 local = 01-14 UTC
                t = p.joined + timedelta(seconds=rng.random() * span)
                t = t.replace(hour=rng.randint(1, 13), minute=rng.randint(0, 59), second=rng.randint(0, 59))
                return min(max(t, p.joined), now - timedelta(minutes=5))

            def practice(t: datetime, p: _Person = p, span: float = span) -> float:
                return _clamp((t - p.joined).total_seconds() / span, 0.0, 1.0) * p.learn

            stage_bonus = GROWTH_STAGES.index(p.stage) * 0.04
            # exams
            wrong_recent: dict[int, datetime] = {}
            right_after: set[int] = set()
            for t in sorted(when() for _ in range(_count(rng, exams_n))):
                if not exams:
                    break
                ex_id, ex_ver, pass_mark, draw = rng.choice(exams)
                items: list[tuple[int, int, str]] = []
                for cat, n in draw or [(c, 3) for c in questions]:
                    pool = questions.get(cat) or []
                    for qid, ver in rng.sample(pool, min(n, len(pool))):
                        items.append((qid, ver, cat))
                if not items:
                    continue
                aid = ids[Attempt]
                ids[Attempt] += 1
                right = 0
                item_rows: list[dict[str, Any]] = []
                for pos, (qid, ver, cat) in enumerate(items):
                    chance = CATEGORY_EASE.get(cat, 0.68) + 0.06 * p.skill + 0.18 * practice(t) + stage_bonus
                    ok = rng.random() < _clamp(chance, 0.15, 0.98)
                    right += ok
                    if ok:
                        right_after.add(qid)
                    else:
                        wrong_recent[qid] = t
                        right_after.discard(qid)
                    item_rows.append(
                        {"id": ids[AttemptItem], "attempt_id": aid, "position": pos, "question_id": qid,
                         "question_version": ver, "points": 1.0, "score": 1.0 if ok else 0.0,
                         "auto_score": 1.0 if ok else 0.0, "correct": ok, "answered_at": t},
                    )  # fmt: skip
                    ids[AttemptItem] += 1
                percent = round(100.0 * right / len(items), 1)
                used = rng.uniform(8, 35) * 60
                w.add(
                    Attempt,
                    {"id": aid, "exam_id": ex_id, "user_id": p.id, "exam_version": ex_ver,
                     "seed": rng.randint(1, 2**31 - 1), "status": "graded", "started_at": t - timedelta(seconds=used),
                     "submitted_at": t, "used_seconds": used, "score": float(right), "max_score": float(len(items)),
                     "percent": percent, "passed": percent >= pass_mark, "submit_reason": "submitted"},
                )  # fmt: skip
                for row in item_rows:
                    w.add(AttemptItem, row)
                counts["attempts"] += 1
                counts["answers"] += len(items)
            for qid, t in wrong_recent.items():
                if qid not in right_after:
                    w.add(WrongBookEntry, {"user_id": p.id, "question_id": qid, "wrong_count": rng.randint(1, 3),
                                           "first_wrong_at": t, "last_wrong_at": t, "right_days": []})  # fmt: skip
                    counts["wrong"] += 1
            # role-play
            mine = [sc for sc in scenarios if sc[4] in p.brand_ids] or scenarios
            for t in sorted(when() for _ in range(_count(rng, sessions_n))):
                if not mine:
                    break
                sc_id, key, title, stage, _b, ver, kps, snap = rng.choice(mine)
                score = int(
                    _clamp(rng.gauss(58 + 7 * p.skill + 26 * practice(t) + 100 * stage_bonus / 2, 11), 5, 100)
                )
                success = (score >= 70 and rng.random() < 0.9) or (score >= 55 and rng.random() < 0.25)
                outcome = (
                    ("成交" if stage == "售前" else "已解决")
                    if success
                    else rng.choice(("未成交", "流失") if stage == "售前" else ("差评", "投诉", "流失"))
                )
                dims = {
                    c: int(_clamp(score + off + rng.gauss(0, 8), 0, 100)) for c, off in DIM_OFFSETS.items()
                }
                reply = round(
                    _clamp(rng.lognormvariate(math.log(32 - 14 * min(1.0, practice(t))), 0.45), 3, 240), 1
                )
                missed = [
                    {"turn_id": turn, "key_point_id": kp}
                    for turn, kp in kps
                    if rng.random() < _clamp(0.75 - score / 120, 0.02, 0.9)
                ]
                reply_flags: dict[str, Any] = {"banned": [], "forbidden": []}
                if rng.random() < _clamp(0.3 - score / 400, 0.01, 0.3):
                    rule, word = rng.choice(BANNED)
                    reply_flags["banned"].append({"rule": rule, "word": word, "reason": ""})
                if rng.random() < _clamp(0.12 - score / 1000, 0.005, 0.12):
                    fid, word = rng.choice(FORBIDDEN)
                    reply_flags["forbidden"].append({"id": fid, "word": word, "reason": ""})
                minutes = rng.uniform(3, 12)
                sid = ids[RolePlaySession]
                levels = templates.get(sc_id)
                if levels:
                    # the template of the drawn level (a good session covers more key points)
                    # and speed; its graded result replaces the drawn figures
                    level = next(
                        (n for n, low in enumerate(TEMPLATE_LEVEL_SCORES) if score >= low),
                        len(TEMPLATE_LEVELS) - 1,
                    )
                    speed = min(range(len(TEMPLATE_SPEEDS)), key=lambda k: abs(TEMPLATE_SPEEDS[k] - reply))
                    tpl = levels[level][speed]
                    end = t + timedelta(seconds=tpl.length + rng.uniform(5, 60))
                    w.add(
                        RolePlaySession,
                        {"id": sid, "user_id": p.id, "scenario_id": sc_id, "scenario_key": key,
                         "scenario_title": title, "stage": stage, "scenario_version": ver, "scenario_snapshot": snap,
                         "seed": tpl.seed, "mode": "normal", "draft": False, "status": "finished",
                         "started_at": t, "ended_at": end, "replies": tpl.replies, "outcome": tpl.outcome,
                         "success": tpl.success, "score": tpl.score,
                         "dimensions": {name: tpl.dims[col] for name, col in DIMENSION_COLUMNS.items()},
                         **tpl.dims, "avg_reply_seconds": tpl.avg_seconds, "graded_version": ver, "graded_at": end,
                         "scorecard": tpl.scorecard},
                    )  # fmt: skip
                    for row in stats_rollup.miss_rows(sid, key, tpl.scorecard):
                        w.add(RolePlayMiss, row)
                    # after their session: a full buffer flushes parents first
                    for seq, m in enumerate(tpl.messages):
                        w.add(
                            RolePlayMessage,
                            {"session_id": sid, "seq": seq, "created_at": t + timedelta(milliseconds=m["at_ms"]), **m},
                        )  # fmt: skip
                    ids[RolePlaySession] += 1
                    counts["sessions"] += 1
                    continue
                w.add(
                    RolePlaySession,
                    {"id": sid, "user_id": p.id, "scenario_id": sc_id, "scenario_key": key,
                     "scenario_title": title, "stage": stage, "scenario_version": ver, "scenario_snapshot": snap,
                     "seed": rng.randint(1, 2**31 - 1), "mode": "normal", "draft": False, "status": "finished",
                     "started_at": t, "ended_at": t + timedelta(minutes=minutes), "replies": rng.randint(3, 9),
                     "outcome": outcome, "success": success, "score": score, "dimensions": {},
                     "dim_knowledge": dims["dim_knowledge"], "dim_standard": dims["dim_standard"],
                     "dim_communication": dims["dim_communication"], "dim_speed": dims["dim_speed"],
                     "dim_compliance": 0 if reply_flags["banned"] or reply_flags["forbidden"] else dims["dim_compliance"],
                     "avg_reply_seconds": reply, "graded_version": ver, "graded_at": t + timedelta(minutes=minutes),
                     "scorecard": {"score": score, "outcome": outcome, "missed": missed, "replies": [reply_flags],
                                   "demo": True}},
                )  # fmt: skip
                for row in stats_rollup.miss_rows(sid, key, {"missed": missed, "replies": [reply_flags]}):
                    w.add(RolePlayMiss, row)
                ids[RolePlaySession] += 1
                counts["sessions"] += 1
            # drills
            for t in sorted(when() for _ in range(_count(rng, drills_n))):
                pr = practice(t)
                if rng.random() < 0.45:
                    cpm = _clamp(rng.gauss(55 + 12 * p.skill + 35 * pr, 8), 15, 160)
                    acc = _clamp(rng.gauss(0.93 + 0.04 * pr, 0.03), 0.6, 1.0)
                    net = max(0.0, cpm * (1 - 5 * (1 - acc)))
                    row = {"kind": "typing", "cpm": round(cpm, 1), "accuracy": round(acc, 3),
                           "net_cpm": round(net, 1), "seconds": round(rng.uniform(30, 90), 1)}  # fmt: skip
                else:
                    ok = rng.random() < _clamp(0.55 + 0.08 * p.skill + 0.35 * pr, 0.1, 0.99)
                    row = {
                        "kind": "recall",
                        "correct": ok,
                        "mode": "scene",
                        "seconds": round(rng.uniform(2, 12), 1),
                    }
                w.add(
                    PhraseDrillAttempt,
                    {"user_id": p.id, "phrase_key": rng.choice(phrase_keys), "created_at": t, **row},
                )
                counts["drills"] += 1
            # promotions along the growth path
            steps = GROWTH_STAGES.index(p.stage)
            if steps:
                t = p.joined - timedelta(days=rng.randint(10, 60) * steps)
                for k in range(steps):
                    t += timedelta(days=rng.randint(20, 60))
                    at = min(t, now - timedelta(days=1))
                    w.add(Promotion, {"user_id": p.id, "from_stage": GROWTH_STAGES[k], "to_stage": GROWTH_STAGES[k + 1],
                                      "by": "demo", "at": at, "note": "演示数据：达到进阶标准"})  # fmt: skip
                    counts["promotions"] += 1
            # handbook reads
            for key, ver in rng.sample(products, min(len(products), rng.randint(0, len(products)))):
                w.add(HandbookRead, {"user_id": p.id, "doc_kind": "product", "doc_key": key,
                                     "version": ver, "read_at": when()})  # fmt: skip
                counts["reads"] += 1
        w.flush()
        if not db.is_sqlite:
            # ids were given here: move PostgreSQL's sequences past them
            for model in (User, Attempt, AttemptItem, RolePlaySession):
                table = model.__tablename__
                s.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {table}), false)"
                    )
                )
        say(f"考试 {counts['attempts']} 次，答题 {counts['answers']} 道，对话 {counts['sessions']} 次")
        from cstrainer.services import audit

        audit.record(s, actor, "demo_data", "users", "", agents=agents, days=days, seed=seed)
        # the history was written past the ORM: the dashboards' roll-ups start afresh
        stats_rollup.unseal_all(s)
    say("汇总报表数据…")
    stats_rollup.ensure_sealed(db, begin - timedelta(days=1), now)
    return DemoSummary(
        people=len(people),
        trainers=n_trainers,
        exam_attempts=counts["attempts"],
        answers=counts["answers"],
        sessions=counts["sessions"],
        drills=counts["drills"],
        promotions=counts["promotions"],
        handbook_reads=counts["reads"],
        wrong_book=counts["wrong"],
        seconds=round(time.perf_counter() - t0, 2),
    )


def _count(rng: random.Random, mean: float) -> int:
    """A count around ``mean`` (±35 %)."""
    return max(0, round(mean * rng.uniform(0.65, 1.35)))


def _user(
    uid: int,
    login: str,
    name: str,
    role: str,
    team_id: int,
    stage: str,
    password: str,
    created: datetime,
    opt_in: bool,
) -> dict[str, Any]:
    return {
        "id": uid,
        "login": login,
        "display_name": name,
        "password_hash": password,
        "role": role,
        "team_id": team_id,
        "active": True,
        "created_at": created,
        "stage": stage,
        "leaderboard_opt_in": opt_in,
    }


def average_paper_size(db: Database) -> float:
    """The mean number of questions an exam of the database draws (for sizing a history)."""
    with db.session() as s:
        sizes = [sum(n for _, n in _draw_categories(d or {})) for d in s.scalars(select(Exam.data))]
    sizes = [n for n in sizes if n]
    return sum(sizes) / len(sizes) if sizes else 20.0
