"""Load benchmark of team mode: hundreds of agents taking exams and role-plays on one PostgreSQL.

Run:  .venv/bin/python bench/bench_team_load.py [--db URL | --server URL] [--agents 300]
      [--seconds 60] [--mix exam=0.6,roleplay=0.4] [--think 1-3] [--procs N] [--pool N]
      [--smoke] [--keep]

Without ``--db`` a temporary database ``cstrainer_load_<pid>`` is created on the server of
``--server`` or ``CSTRAINER_TEST_PG_URL`` and dropped at the end (``--keep`` keeps it). ``--db``
may also be a SQLite URL, for comparison. The database gets the shipped content (if empty),
``--agents`` generated people (cstrainer/services/demo_data.py, logins ``demo001`` ...) and a
12-question exam ``bench-load`` (any number of attempts, drawn from 平台规则 and 服务技巧).

Then ``--agents`` simulated agents run for ``--seconds``, each on its own thread, each logged in
with its own account and using the service API exactly as the GUI does. An agent loops: with the
``--mix`` odds it either opens the exam list, starts the exam, answers the questions one by one
and submits; or opens the scenario list, starts a role-play of one of its brands' scenarios,
replies until the customer's conversation ends (or the reply limit) and finishes. Before each
action it "thinks" for a random ``--think`` seconds (default 1-3; ``--think 0`` for the maximum
load the machine can produce). A write is acknowledged when the service call returned; its
latency is the wall time of that call.

Why processes *and* threads: 300 agents are 300 threads, but one CPython process runs Python code
on one core at a time (the GIL), and answering, replying (the role-play engine grades every reply)
and submitting all spend client CPU. So the agents are split over ``--procs`` processes (default:
the number of CPUs), each with one engine whose pool (``--pool``, default 20, no overflow) the
process's threads share, the way one app shares its engine between its threads. A real agent's
app holds its own connection; 300 apps would hold 300 connections, more than PostgreSQL's default
``max_connections = 100`` - see the printed note. The latencies include waiting for a pooled
connection and for the GIL, so on a loaded client they overstate what one agent's app sees; the
client CPU line shows how busy the load generator itself was (on a one-machine run PostgreSQL and
the agents share the cores).

At the end it prints agents, duration, writes, writes/s, answers/s, finished exams and sessions,
p50 / p95 / p99 / max write latency per kind, errors by type, and then VERIFIES against the
database: every acknowledged exam answer is stored exactly once with the value last
acknowledged, every acknowledged reply is stored exactly once at its position with its text,
nothing unacknowledged was stored, and every acknowledged submit / finish is recorded. Prints
PASS or FAIL per check and exits 1 on a FAIL. Never asserts on time (DESIGN.md: benchmarks are
not tests). ``--smoke`` = 5 agents for 5 seconds with short think times.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import random
import statistics
import sys
import tempfile
import threading
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

if "CSTRAINER_HOME" not in os.environ:
    os.environ["CSTRAINER_HOME"] = tempfile.mkdtemp(prefix="cstrainer-bench-")
# The generated accounts get argon2's cheapest hash so 300 logins do not cost minutes of CPU
# before the run; the run itself does not log in. Never set this for real use.
os.environ.setdefault("CSTRAINER_ARGON2", "cheap")

EXAM_KEY = "bench-load"
PASSWORD = "demo1234"  # demo_data.DEMO_PASSWORD
EXAM_ITEM: dict[str, Any] = {
    "key": EXAM_KEY,
    "title": "压测专用卷（平台规则 · 服务技巧）",
    "purpose": "专项",
    "time_limit_minutes": 30,
    "pass_mark": 60,
    "attempts_allowed": 100_000,
    "shuffle_questions": True,
    "shuffle_options": True,
    "show_answers_after": True,
    "draw": [
        {"category": "平台规则", "count": 6},
        {"category": "服务技巧-售中", "count": 3},
        {"category": "服务技巧-售后", "count": 3},
    ],
}
# What agents type in a role-play: the everyday sentences of a shop's service desk, so the engine
# grades realistic text (some hit the customer's key points, some do not).
REPLIES = (
    "亲，您好，欢迎光临，请问有什么可以帮您的？",
    "亲，非常抱歉给您添麻烦了，您先别着急，我马上帮您处理。",
    "亲，麻烦您拍照发一下商品和外包装，我这边帮您登记。",
    "收到照片了亲，这边马上给您补发一件新的，问题商品不用寄回。",
    "亲，这边直接给您全额退款，退款会原路退回，1-3个工作日到账。",
    "亲，今天下单48小时内发货，默认发顺丰，包邮的哦。",
    "亲，您把身高体重告诉我，我帮您推荐合适的尺码。",
    "这款支持七天无理由退换，还送运费险，您可以放心购买。",
    "亲，现在下单可以领满199减20的优惠券，活动今晚24点截止哦。",
    "亲，已经帮您备注了，仓库会优先安排发出，请您耐心等待一下。",
    "我帮您联系快递查询一下物流，有结果第一时间回复您。",
    "亲，这款是纯棉面料，透气不闷，敏感肌也可以放心穿。",
    "感谢您的理解和支持，祝您生活愉快，有问题随时找我哦。",
    "好的亲，地址已经帮您改好了，您核对一下收件信息。",
)


# --- one simulated agent --------------------------------------------------------------------------


@dataclass
class Log:
    """What one process's agents did; every acknowledgement goes here."""

    latency: dict[str, list[float]] = field(default_factory=dict)  # kind -> seconds
    sql: dict[str, list[float]] = field(default_factory=dict)  # kind -> seconds spent in SQL
    errors: Counter[str] = field(default_factory=Counter)
    answers: list[tuple[int, int, Any]] = field(default_factory=list)  # (attempt, position, value)
    # answers already stored when an agent resumed an attempt left open by an earlier run
    earlier: list[tuple[int, int, Any]] = field(default_factory=list)
    replies: list[tuple[int, int, str]] = field(default_factory=list)  # (session, seq, text)
    submitted: list[int] = field(default_factory=list)
    finished: list[int] = field(default_factory=list)
    failed_attempts: list[int] = field(default_factory=list)  # a write to them raised
    failed_sessions: list[int] = field(default_factory=list)
    cpu_seconds: float = 0.0
    ended_at: float = 0.0  # wall clock when the last call returned


class _Stop(BaseException):  # not an Exception: nothing on the way up counts it as a failure
    """Raised instead of starting a call after the deadline."""


class Agent:
    def __init__(self, services: Any, actor: Any, rng: random.Random, args: Any, log: Log, lock: Any) -> None:
        self.s, self.me, self.rng, self.args, self.log, self.lock = services, actor, rng, args, log, lock
        self.scenarios: list[str] = []
        self.deadline = 0.0
        self.defs: dict[str, Any] = {}  # scenario key -> ScenarioDef, read once like the chat page
        self.skill = rng.uniform(0.5, 0.9)  # how often the agent's reply addresses the customer's points

    def think(self) -> None:
        lo, hi = self.args.think_range
        if hi > 0:  # never past the end of the run
            time.sleep(max(0.0, min(self.rng.uniform(lo, hi), self.deadline - time.monotonic())))

    def timed(self, kind: str, fn: Any, *a: Any, **kw: Any) -> Any:
        if time.monotonic() >= self.deadline:
            raise _Stop  # the run is over: no new call starts (the ones in flight finish)
        _SQL.seconds = 0.0
        t0 = time.perf_counter()
        out = fn(*a, **kw)
        dt = time.perf_counter() - t0
        with self.lock:
            self.log.ended_at = max(self.log.ended_at, time.time())
            self.log.latency.setdefault(kind, []).append(dt)
            self.log.sql.setdefault(kind, []).append(_SQL.seconds)
        return out

    def error(self, exc: BaseException) -> None:
        with self.lock:
            self.log.errors[f"{type(exc).__name__}: {str(exc).splitlines()[0][:80] if str(exc) else ''}"] += 1

    def run(self, deadline: float) -> None:
        self.deadline = deadline
        time.sleep(self.rng.uniform(0, max(self.args.think_range[1], 0.05)))  # agents do not start in step
        while time.monotonic() < deadline:
            try:
                if self.rng.random() < self.args.exam_share:
                    self.exam()
                else:
                    self.roleplay()
            except _Stop:
                return
            except Exception as exc:
                self.error(exc)
                if os.environ.get("BENCH_TRACEBACKS"):
                    traceback.print_exc()
                self.think()

    def exam(self) -> None:
        ex = self.s.exams
        self.think()
        self.timed("read: exam list", ex.list_exams, self.me)
        self.think()
        view = self.timed("write: start exam", ex.start, self.me, EXAM_KEY)
        attempt = view.attempt_id
        with self.lock:  # resumed: answers an earlier run stored
            self.log.earlier += [
                (attempt, i.position, i.response) for i in view.items if i.response is not None
            ]
        try:
            items = [i for i in view.items if i.view.type.value != "description" and not i.answered]
            order = list(items)
            if items and self.rng.random() < 0.3:  # goes back and changes an answer
                order.append(self.rng.choice(items))
            for item in order:
                self.think()
                value = response_for(item.view, self.rng)
                self.timed("write: answer", ex.save_answer, self.me, attempt, item.position, value)
                with self.lock:
                    self.log.answers.append((attempt, item.position, value))
            self.think()
            self.timed("write: submit", ex.submit, self.me, attempt)
            with self.lock:
                self.log.submitted.append(attempt)
        except Exception:
            with self.lock:
                self.log.failed_attempts.append(attempt)
            raise

    def roleplay(self) -> None:
        rp = self.s.roleplay
        self.think()
        listed = self.timed("read: scenario list", rp.list_scenarios, self.me)
        if not self.scenarios:
            brands = set(self.me.brand_keys)
            self.scenarios = [sc.key for sc in listed if sc.brand in brands] or [sc.key for sc in listed]
        self.think()
        key = self.rng.choice(self.scenarios)
        if key not in self.defs:
            self.defs[key] = self.timed("read: scenario", rp.get_scenario, self.me, key)
        view = self.timed("write: start role-play", rp.start, self.me, key)
        sid = view.session_id
        turn = next((m.turn_id for m in reversed(view.messages) if m.role == "customer"), None)
        try:
            ended = view.ended
            while not ended:
                self.think()
                text = self.answer(self.defs[key], turn)
                r = self.timed("write: reply", rp.reply, self.me, sid, text, self.rng.uniform(4, 40))
                with self.lock:
                    self.log.replies.append((sid, r.seq, text))
                ended = r.ended
                turn = r.customer.turn_id if r.customer is not None else turn
            self.think()
            self.timed("write: finish role-play", rp.finish, self.me, sid)
            with self.lock:
                self.log.finished.append(sid)
        except Exception:
            with self.lock:
                self.log.failed_sessions.append(sid)
            raise

    def answer(self, scenario: Any, turn_id: str | None) -> str:
        """A reply to the customer's last line: the model wordings of its key points when the
        agent gets it right, else one of the everyday sentences."""
        turn = scenario.find_turn(turn_id)
        if turn is None or not turn.key_points or self.rng.random() > self.skill:
            return self.rng.choice(REPLIES)
        better = [kp.better for kp in turn.key_points if kp.better]
        if better:
            return "".join(better[:2])
        words = "，".join(kp.synonyms[0] for kp in turn.key_points if kp.synonyms)
        return f"亲，{words}，这边都帮您安排好，您放心。"


def response_for(view: Any, rng: random.Random) -> Any:
    """An answer of the right shape for a question as the exam page shows it."""
    t = view.type.value
    if t == "single":
        return rng.randrange(max(1, len(view.options)))
    if t == "multiple":
        k = max(1, len(view.options))
        return sorted(rng.sample(range(k), rng.randint(1, min(3, k))))
    if t == "truefalse":
        return rng.random() < 0.5
    if t == "fill":
        return [rng.choice(("7", "48", "顺丰", "运费险", "15"))] * max(1, view.blank_count)
    if t == "numeric":
        return rng.choice((7, 15, 48, 80, 199))
    if t == "matching":
        order = list(range(len(view.lefts)))
        rng.shuffle(order)
        return order
    return rng.choice(REPLIES)


# --- one process of agents ------------------------------------------------------------------------


_SQL = threading.local()  # seconds this thread spent executing SQL during the current call


def _time_sql(engine: Any) -> None:
    """Count statement and COMMIT time per thread, to tell database time from client time."""
    from sqlalchemy import event

    @event.listens_for(engine, "before_cursor_execute")
    def _before(conn: Any, *_: Any) -> None:
        conn.info["bench_t0"] = time.perf_counter()

    @event.listens_for(engine, "after_cursor_execute")
    def _after(conn: Any, *_: Any) -> None:
        _SQL.seconds = getattr(_SQL, "seconds", 0.0) + time.perf_counter() - conn.info.pop("bench_t0")

    @event.listens_for(engine, "commit")
    def _commit(conn: Any) -> None:
        _SQL.commit_t0 = time.perf_counter()  # ends in _committed (the session's after_commit)


def _committed(session: Any) -> None:
    t0 = getattr(_SQL, "commit_t0", None)
    if t0 is not None:
        _SQL.seconds = getattr(_SQL, "seconds", 0.0) + time.perf_counter() - t0
        _SQL.commit_t0 = None


def _database(url: str, pool: int) -> Any:
    """The app's Database, with a PostgreSQL pool sized for this process's threads (module doc)."""
    from sqlalchemy import create_engine, event
    from sqlalchemy.orm import sessionmaker

    from cstrainer.storage.database import Database, current_revision
    from cstrainer.storage.engine import is_sqlite, make_engine, normalise_url

    u = normalise_url(url)
    if is_sqlite(u):
        engine = make_engine(u)  # one writer at a time anyway; the app's engine as it is
    else:
        engine = create_engine(u, pool_size=pool, max_overflow=0, pool_timeout=30, pool_pre_ping=True)
    _time_sql(engine)
    with engine.connect() as c:
        rev = current_revision(c) or ""
    sessions = sessionmaker(engine, expire_on_commit=False)
    event.listen(sessions, "after_commit", _committed)
    return Database(url=u, engine=engine, sessions=sessions, revision=rev)


def run_agents(url: str, logins: list[str], args: Any, seed: int, start_at: float) -> Log:
    """Log every agent in, wait for the common start (wall clock), run them until the deadline."""
    from cstrainer.services import Services
    from cstrainer.text import ensure_ready

    ensure_ready()  # the app warms the word segmenter at start, too
    services = Services(_database(url, args.pool))
    log, lock = Log(), threading.Lock()
    agents = []
    for i, login in enumerate(logins):
        me = services.auth.login(login, PASSWORD, source="bench")
        agents.append(Agent(services, me, random.Random(seed * 100_003 + i), args, log, lock))
    time.sleep(max(0.0, start_at - time.time()))
    deadline = time.monotonic() + args.seconds
    cpu0 = time.process_time()
    threads = [threading.Thread(target=a.run, args=(deadline,), daemon=True) for a in agents]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    log.cpu_seconds = time.process_time() - cpu0
    services.close()
    return log


def _proc_main(url: str, logins: list[str], args: Any, seed: int, start_at: float, out: Any) -> None:
    try:
        out.put(run_agents(url, logins, args, seed, start_at))
    except BaseException as exc:
        log = Log()
        log.errors[f"agent process failed: {type(exc).__name__}: {exc}"] += 1
        out.put(log)
        raise


# --- preparing the database --------------------------------------------------------------------


def _agent_logins(s: Any, limit: int | None = None) -> list[str]:
    from sqlalchemy import select

    from cstrainer.storage.models import User

    q = (
        select(User.login)
        .where(User.login.like("demo%"), User.role.in_(("agent", "trainee")), User.active.is_(True))
        .order_by(User.login)
    )
    return list(s.scalars(q if limit is None else q.limit(limit)))


def prepare(url: str, agents: int) -> list[str]:
    """Shipped content, ``agents`` generated people and the bench exam; returns their logins."""
    from sqlalchemy import select

    from cstrainer.services import SYSTEM, Services
    from cstrainer.services.demo_data import generate
    from cstrainer.storage.models import Exam

    services = Services.open(url)
    try:
        with services.db.session() as s:
            have = len(_agent_logins(s))
        if have < agents:
            t0 = time.perf_counter()
            generate(
                services.db,
                SYSTEM,
                agents=agents - have,
                days=1,
                seed=11,
                exams_per_agent=0,
                sessions_per_agent=0,
                drills_per_agent=0,
                snapshots=False,
            )
            print(f"generated {agents - have} agents in {time.perf_counter() - t0:.1f} s")
        with services.db.session() as s:
            logins = _agent_logins(s, agents)
            has_exam = s.scalar(select(Exam.id).where(Exam.key == EXAM_KEY)) is not None
        if not has_exam:
            services.exams.save_exam(SYSTEM, dict(EXAM_ITEM))
        return logins
    finally:
        services.close()


def _admin(server: str) -> Any:
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    from cstrainer.storage.engine import normalise_url

    return create_engine(
        normalise_url(make_url(server)).set(database="postgres"), isolation_level="AUTOCOMMIT"
    )


def create_temp_database(server: str) -> tuple[str, str]:
    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    from cstrainer.storage.engine import normalise_url

    name = f"cstrainer_load_{os.getpid()}"
    eng = _admin(server)
    with eng.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        c.execute(text(f'CREATE DATABASE "{name}"'))
    eng.dispose()
    url = normalise_url(make_url(server)).set(database=name).render_as_string(hide_password=False)
    return name, url


def drop_database(server: str, name: str) -> None:
    from sqlalchemy import text

    eng = _admin(server)
    with eng.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    eng.dispose()


def pg_note(url: str, args: Any) -> None:
    """How many connections the run uses, against the server's limit."""
    from sqlalchemy import create_engine, text

    eng = create_engine(url)
    with eng.connect() as c:
        limit = int(c.execute(text("SHOW max_connections")).scalar_one())
        in_use = int(c.execute(text("SELECT count(*) FROM pg_stat_activity")).scalar_one())
    eng.dispose()
    mine = max(1, args.procs) * args.pool
    print(
        f"PostgreSQL max_connections = {limit}, {in_use} in use before the run; this run opens up to "
        f"{mine} ({max(1, args.procs)} x pool {args.pool})."
    )
    if args.agents > limit - in_use:
        print(
            f"note: {args.agents} separate apps would each hold a connection - more than this server "
            "allows. Raise max_connections or put PgBouncer in front for a team this size."
        )


# --- checking what was acknowledged -----------------------------------------------------------


def verify(url: str, log: Log) -> list[tuple[bool, str]]:
    """Every acknowledged write is in the database exactly once; nothing else was written."""
    from sqlalchemy import func, select

    from cstrainer.storage.database import open_database
    from cstrainer.storage.models import Attempt, AttemptItem, RolePlayMessage, RolePlaySession

    db = open_database(url, backup=False)
    checks: list[tuple[bool, str]] = []
    try:
        with db.session() as s:
            # --- exam answers: the last acknowledged value per (attempt, position)
            expected: dict[tuple[int, int], Any] = {}
            for attempt, pos, value in log.earlier + log.answers:
                expected[(attempt, pos)] = value  # each attempt is one thread's: log order is call order
            attempts = sorted({a for a, _ in expected} | set(log.submitted))
            stored: dict[tuple[int, int], Any] = {}
            copies: Counter[tuple[int, int]] = Counter()
            status: dict[int, str] = {}
            for chunk in _chunks(attempts, 500):
                for a, pos, resp in s.execute(
                    select(AttemptItem.attempt_id, AttemptItem.position, AttemptItem.response).where(
                        AttemptItem.attempt_id.in_(chunk), AttemptItem.response.is_not(None)
                    )
                ):
                    stored[(a, pos)] = resp
                    copies[(a, pos)] += 1
                status.update(
                    {
                        a: st
                        for a, st in s.execute(
                            select(Attempt.id, Attempt.status).where(Attempt.id.in_(chunk))
                        )
                    }
                )
            missing = [k for k in expected if k not in stored]
            wrong = [k for k in expected if k in stored and stored[k] != expected[k]]
            dupes = [k for k, n in copies.items() if n > 1]
            failed = set(log.failed_attempts)
            extra = [k for k in stored if k not in expected and k[0] not in failed]
            checks.append(
                (
                    not missing and not wrong and not dupes,
                    f"answers: {len(expected)} checked in {len(attempts)} attempts ({len(log.answers)} "
                    f"acknowledged saves, {len(log.earlier)} resumed from before): {len(missing)} missing, {len(wrong)} with another value, {len(dupes)} stored twice",
                )
            )
            checks.append((not extra, f"answers stored but never acknowledged: {len(extra)}"))
            lost = [a for a in log.submitted if status.get(a) == "in_progress"]
            checks.append((not lost, f"submits: {len(log.submitted)} acknowledged, {len(lost)} not recorded"))

            # --- role-play replies: exactly the acknowledged agent lines, once each, at their seq
            exp_r: dict[tuple[int, int], str] = {}
            twice = 0
            for sid, seq, text in log.replies:
                twice += (sid, seq) in exp_r  # two acknowledgements for one position
                exp_r[(sid, seq)] = text
            sessions = sorted({sid for sid, _ in exp_r} | set(log.finished))
            got: dict[tuple[int, int], str] = {}
            sess_status: dict[int, str] = {}
            for chunk in _chunks(sessions, 500):
                for sid, seq, text in s.execute(
                    select(RolePlayMessage.session_id, RolePlayMessage.seq, RolePlayMessage.text).where(
                        RolePlayMessage.session_id.in_(chunk), RolePlayMessage.role == "agent"
                    )
                ):
                    twice += (sid, seq) in got
                    got[(sid, seq)] = text
                twice += len(
                    s.execute(
                        select(RolePlayMessage.session_id, RolePlayMessage.seq)
                        .where(RolePlayMessage.session_id.in_(chunk))
                        .group_by(RolePlayMessage.session_id, RolePlayMessage.seq)
                        .having(func.count() > 1)
                    ).all()
                )
                sess_status.update(
                    {
                        i: st
                        for i, st in s.execute(
                            select(RolePlaySession.id, RolePlaySession.status).where(
                                RolePlaySession.id.in_(chunk)
                            )
                        )
                    }
                )
            missing_r = [k for k in exp_r if k not in got]
            wrong_r = [k for k in exp_r if k in got and got[k] != exp_r[k]]
            failed_s = set(log.failed_sessions)
            extra_r = [k for k in got if k not in exp_r and k[0] not in failed_s]
            checks.append(
                (
                    not missing_r and not wrong_r and not twice,
                    f"replies: {len(exp_r)} acknowledged (in {len(sessions)} sessions): {len(missing_r)} missing, "
                    f"{len(wrong_r)} with another text, {twice} stored twice",
                )
            )
            checks.append((not extra_r, f"replies stored but never acknowledged: {len(extra_r)}"))
            open_s = [sid for sid in log.finished if sess_status.get(sid) == "active"]
            checks.append(
                (not open_s, f"finishes: {len(log.finished)} acknowledged, {len(open_s)} not recorded")
            )
    finally:
        db.dispose()
    return checks


def _chunks(items: list[int], n: int) -> list[list[int]]:
    return [items[i : i + n] for i in range(0, len(items), n)]


# --- the report --------------------------------------------------------------------------------


def pct(values: list[float], p: float) -> float:
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=100, method="inclusive")[int(p) - 1]


def merge(logs: list[Log]) -> Log:
    out = Log()
    for lg in logs:
        for k, v in lg.latency.items():
            out.latency.setdefault(k, []).extend(v)
        for k, v in lg.sql.items():
            out.sql.setdefault(k, []).extend(v)
        out.errors.update(lg.errors)
        out.answers += lg.answers
        out.earlier += lg.earlier
        out.replies += lg.replies
        out.submitted += lg.submitted
        out.finished += lg.finished
        out.failed_attempts += lg.failed_attempts
        out.failed_sessions += lg.failed_sessions
        out.cpu_seconds += lg.cpu_seconds
        out.ended_at = max(out.ended_at, lg.ended_at)
    return out


def report(log: Log, args: Any, elapsed: float, backend: str) -> None:
    writes = [x for k, v in log.latency.items() if k.startswith("write") for x in v]
    answers = len(log.latency.get("write: answer", [])) + len(log.latency.get("write: reply", []))
    cores = os.cpu_count() or 1
    procs = f"{args.procs} processes" if args.procs else "1 process"
    print()
    print(f"backend              {backend}")
    print(f"agents               {len(args.logins)} ({procs} x threads, pool {args.pool} per process)")
    print(
        f"think time           {args.think} s; mix exam {args.exam_share:.2f} / role-play {1 - args.exam_share:.2f}"
    )
    print(f"duration             {elapsed:.1f} s")
    print(f"writes               {len(writes)} ({len(writes) / elapsed:.1f} writes/s)")
    print(f"answers + replies    {answers} ({answers / elapsed:.1f} /s)")
    print(f"exams submitted      {len(log.submitted)}")
    print(f"sessions finished    {len(log.finished)}")
    print(
        f"client CPU           {log.cpu_seconds:.1f} s ({100 * log.cpu_seconds / elapsed / cores:.0f}% of {cores} cores)"
    )
    print(f"load average         {args.load_before:.1f} before, {os.getloadavg()[0]:.1f} after (1 min)")
    print()
    sql_writes = [x for k, v in log.sql.items() if k.startswith("write") for x in v]
    print(
        f"{'latency (ms)':<26}{'n':>7}{'p50':>9}{'p95':>9}{'p99':>9}{'max':>9}   {'DB p50':>8}{'DB p99':>8}"
    )
    for kind, v in [*sorted(log.latency.items()), ("ALL WRITES", writes)]:
        if v:
            ms = [x * 1000 for x in v]
            sql = [x * 1000 for x in (sql_writes if kind == "ALL WRITES" else log.sql.get(kind, []))]
            print(
                f"{kind:<26}{len(ms):>7}{pct(ms, 50):>9.1f}{pct(ms, 95):>9.1f}{pct(ms, 99):>9.1f}{max(ms):>9.1f}"
                f"   {pct(sql, 50):>8.1f}{pct(sql, 99):>8.1f}"
            )
    print("(DB = time in SQL statements and COMMIT; the rest is client CPU, GIL and connection-pool waits)")
    print()
    print("errors:" if log.errors else "errors: none")
    for err, n in log.errors.most_common():
        print(f"  {n:>6}  {err}")


def parse_mix(text: str) -> float:
    try:
        parts = {k.strip(): float(v) for k, v in (p.split("=") for p in text.split(","))}
    except ValueError as exc:
        raise SystemExit(f"--mix: expected e.g. exam=0.6,roleplay=0.4, got {text}") from exc
    exam, rp = parts.get("exam", 0.0), parts.get("roleplay", 0.0)
    if exam < 0 or rp < 0 or exam + rp <= 0 or set(parts) - {"exam", "roleplay"}:
        raise SystemExit(f"--mix: expected e.g. exam=0.6,roleplay=0.4, got {text}")
    return exam / (exam + rp)


def parse_think(text: str) -> tuple[float, float]:
    lo, _, hi = text.partition("-")
    return (float(lo), float(hi or lo))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", help="database URL (default: a temporary PostgreSQL database on --server)")
    ap.add_argument(
        "--server", help="PostgreSQL URL for the temporary database (default: $CSTRAINER_TEST_PG_URL)"
    )
    ap.add_argument("--agents", type=int, default=300)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--mix", default="exam=0.6,roleplay=0.4")
    ap.add_argument("--think", default="1-3", help="seconds between actions: 'LO-HI' or one number; 0 = none")
    ap.add_argument(
        "--procs", type=int, default=os.cpu_count() or 1, help="agent processes; 0 = threads here"
    )
    ap.add_argument("--pool", type=int, default=20, help="PostgreSQL connections per process")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--keep", action="store_true", help="keep the temporary database")
    ap.add_argument("--smoke", action="store_true", help="5 agents, 5 s, think 0.05-0.2 s, in this process")
    args = ap.parse_args(argv)
    if args.smoke:
        args.agents, args.seconds, args.think, args.procs, args.pool = 5, 5.0, "0.05-0.2", 0, 5
    args.exam_share = parse_mix(args.mix)
    args.think_range = parse_think(args.think)

    from cstrainer.storage.engine import describe_url, is_sqlite

    temp = None
    server = args.server or os.environ.get("CSTRAINER_TEST_PG_URL")
    url = args.db
    if url is None:
        if not server:
            raise SystemExit(
                "give --db URL, or --server URL / CSTRAINER_TEST_PG_URL for a temporary database"
            )
        temp, url = create_temp_database(server)
        print(f"temporary database {temp}")
    try:
        t0 = time.perf_counter()
        args.logins = prepare(url, args.agents)
        print(f"prepared {describe_url(url)} in {time.perf_counter() - t0:.1f} s: {len(args.logins)} agents")
        if not is_sqlite(url):
            pg_note(url, args)
        args.load_before = os.getloadavg()[0]
        # Every process logs its agents in, then all start at the same wall-clock second.
        start_at = time.time() + (1.0 if args.procs == 0 else 8.0 + 0.01 * len(args.logins))
        if args.procs == 0:
            logs = [run_agents(url, args.logins, args, args.seed, start_at)]
        else:
            ctx = mp.get_context("spawn")
            out = ctx.Queue()
            workers = [
                ctx.Process(
                    target=_proc_main,
                    args=(url, args.logins[i :: args.procs], args, args.seed + i, start_at, out),
                )
                for i in range(args.procs)
            ]
            for w in workers:
                w.start()
            logs = [out.get() for _ in workers]
            for w in workers:
                w.join()
        # agents stop starting writes at the deadline; the writes in flight then still count
        log = merge(logs)
        elapsed = max(args.seconds, log.ended_at - start_at)
        report(log, args, elapsed, describe_url(url).split(":")[0])
        checks = verify(url, log)
        print()
        for ok, text in checks:
            print(f"{'PASS' if ok else 'FAIL'}  {text}")
        return 0 if all(ok for ok, _ in checks) else 1
    finally:
        if temp is not None and server and not args.keep:
            drop_database(server, temp)


if __name__ == "__main__":
    sys.exit(main())
