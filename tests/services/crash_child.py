"""The process that test_crash_kill.py kills: it drives the services the way the GUI does.

Not a test module (pytest collects only ``test_*.py``). Two ways to run it:

* ``python crash_child.py serve`` - a *fork server*: imports cstrainer and warms the word
  segmenter once, then reads one JSON command per line on stdin and forks a fresh worker for each.
  The worker opens the database itself (``open_database``, as the app does at start), logs in and
  works until it is killed. The fork server never opens a database, so each worker starts clean;
  it only saves the ~1.5 s of imports and dictionary loading per restart that would otherwise make
  50 restarts take minutes. When a worker dies the server prints ``{"ev": "exit", ...}``.
* ``python crash_child.py run '<json command>'`` - one worker in this process (no fork).

A command is ``{"mode": "exam" | "roleplay", "url", "login", "password", "exam", "scenario",
"seed"}``. The worker prints one JSON line per event to stdout, unbuffered (``os.write``), and an
acknowledgement (``"ev": "ack"``) only after the service call that committed the answer or reply
returned - exactly when the GUI would show "已保存". Before each write it prints ``"ev": "try"``
with what it is about to send, so the test knows the one write that may or may not have landed.

exam:     resumes the open attempt (``ExamService.start``) or starts one; answers every question
          in a random order, changes two answers, submits, starts the next attempt, and so on.
roleplay: resumes the newest active session (``active_sessions`` + ``resume``, as the role-play
          page does) or starts one; replies until the conversation ends, finishes it, starts the
          next. A replay that disagrees with the stored transcript is reported (``"mismatch"``).
"""

from __future__ import annotations

import json
import logging
import os
import random
import signal
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

# A customer-service complaint in five steps; each agent reply below answers one of them.
SCENARIO: dict[str, Any] = {
    "key": "crash-leak",
    "title": "漏液投诉（断电测试）",
    "brand": "qinyu",
    "stage": "售后",
    "persona": "愤怒型",
    "mood": 35,
    "patience": 95,
    "difficulty": 1,
    "goal": "道歉、请顾客拍照、给补发方案并说明发货时间",
    "reply_time_target_seconds": 30,
    "max_replies": 14,
    "start": "t1",
    "turns": [
        {
            "id": "t1",
            "wordings": ["收到的洗衣液漏了半瓶，箱子都湿透了！", "你们这洗衣液怎么包装的，漏得到处都是"],
            "impatient_wordings": ["人呢？说句话啊！"],
            "key_points": [
                {
                    "id": "sorry",
                    "feedback": "先向顾客道歉",
                    "synonyms": ["抱歉", "对不起", "不好意思"],
                    "weight": 1,
                }
            ],
            "on_covered": "t2",
            "on_missed": "t1",
        },
        {
            "id": "t2",
            "wordings": ["那现在怎么办？我还急着用呢"],
            "key_points": [
                {
                    "id": "photo",
                    "feedback": "请顾客拍照留证",
                    "synonyms": ["拍照", "照片", "图片"],
                    "weight": 1,
                }
            ],
            "on_covered": "t3",
            "on_missed": "t2",
        },
        {
            "id": "t3",
            "wordings": ["照片发你了，瓶盖那里都裂了"],
            "key_points": [
                {
                    "id": "remedy",
                    "feedback": "给出补发或退款方案",
                    "synonyms": ["补发", "退款", "重新发"],
                    "weight": 1,
                }
            ],
            "on_covered": "t4",
            "on_missed": "t3",
        },
        {
            "id": "t4",
            "wordings": ["那补发的什么时候能发出来？"],
            "key_points": [
                {
                    "id": "ship",
                    "feedback": "说明补发的发货时间",
                    "synonyms": ["今天", "48小时", "尽快"],
                    "weight": 1,
                }
            ],
            "on_covered": "t5",
            "on_missed": "t4",
        },
        {
            "id": "t5",
            "wordings": ["行吧，下次包装弄好一点"],
            "key_points": [
                {"id": "thanks", "feedback": "感谢顾客的理解", "synonyms": ["感谢", "谢谢"], "weight": 1}
            ],
            "on_covered": "end:已解决",
            "on_missed": "t5",
        },
    ],
}

REPLIES = (
    "亲，非常抱歉给您添麻烦了，您先别着急，我马上帮您处理。",
    "亲，麻烦您拍照发一下漏液的瓶子和外箱，我这边帮您登记。",
    "收到照片了亲，这边马上给您补发一瓶新的，漏液的不用寄回。",
    "亲，补发的今天就安排发出，48小时内一定发货的哦。",
    "感谢您的理解和支持，包装的问题我们已经反馈给仓库了，祝您生活愉快。",
)
OFF_TOPIC = "亲，我们店铺新品上架了哦，要不要看看？"


def emit(**event: Any) -> None:
    os.write(1, (json.dumps(event, ensure_ascii=False) + "\n").encode())


def response_for(view: Any, n: int) -> Any:
    """A plausible answer of the right shape for a question view; ``n`` makes it vary."""
    t = view.type.value
    if t == "single":
        return n % max(1, len(view.options))
    if t == "multiple":
        k = max(1, len(view.options))
        return sorted({n % k, (n * 7 + 1) % k})
    if t == "truefalse":
        return n % 2 == 0
    if t == "fill":
        return [f"{20 + n % 5}"] * max(1, view.blank_count)
    if t == "numeric":
        return 75 + n % 10
    if t == "matching":
        order = list(range(len(view.lefts)))
        random.Random(n).shuffle(order)
        return order
    return f"亲，先跟您说声抱歉，麻烦您拍照给我看一下，我们马上给您补发（第{n}次作答）"


def run(cmd: dict[str, Any]) -> None:
    from cstrainer.services import Services
    from cstrainer.storage.database import open_database

    emit(ev="pid", pid=os.getpid())
    services = Services(open_database(cmd["url"]))
    me = services.auth.login(cmd["login"], cmd["password"])
    rng = random.Random(cmd.get("seed", 0))
    if cmd["mode"] == "exam":
        _exam(services, me, cmd["exam"], rng)
    else:
        _roleplay(services, me, cmd["scenario"], rng)


def _exam(services: Any, me: Any, exam_key: str, rng: random.Random) -> None:
    n = rng.randrange(1_000_000)
    while True:
        view = services.exams.start(me, exam_key)
        emit(ev="attempt", id=view.attempt_id, status=view.status)
        positions = [i.position for i in view.items if i.view.type.value != "description"]
        order = rng.sample(positions, len(positions)) + rng.sample(positions, 2)
        views = {i.position: i.view for i in view.items}
        for pos in order:
            n += 1
            value = response_for(views[pos], n)
            emit(ev="try", id=view.attempt_id, pos=pos, value=value)
            ack = services.exams.save_answer(me, view.attempt_id, pos, value)
            emit(ev="ack", id=ack.attempt_id, pos=pos, value=value, status=ack.status)
        emit(ev="submit_try", id=view.attempt_id)
        result = services.exams.submit(me, view.attempt_id)
        emit(ev="submitted", id=result.attempt_id, status=result.status)


def _roleplay(services: Any, me: Any, scenario_key: str, rng: random.Random) -> None:
    class Mismatch(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if "replay differs" in record.getMessage():
                emit_event(ev="mismatch", msg=record.getMessage())

    emit_event = emit
    logging.getLogger("cstrainer.services.roleplay").addHandler(Mismatch(logging.WARNING))
    while True:
        active = [a for a in services.roleplay.active_sessions(me) if not a.draft]
        if active:
            view = services.roleplay.resume(me, active[0].session_id)
            emit(ev="session", id=view.session_id, resumed=True, messages=len(view.messages))
        else:
            view = services.roleplay.start(me, scenario_key, seed=rng.randrange(2**31))
            emit(ev="session", id=view.session_id, resumed=False, messages=len(view.messages))
        replies = view.replies
        ended = view.ended
        while not ended:
            text = OFF_TOPIC if rng.random() < 0.2 else REPLIES[replies % len(REPLIES)]
            emit(ev="try", id=view.session_id, text=text)
            r = services.roleplay.reply(me, view.session_id, text, rng.uniform(3, 25))
            emit(ev="ack", id=r.session_id, seq=r.seq, text=text, ended=r.ended)
            replies += 1 if r.covered else 0
            ended = r.ended
        services.roleplay.finish(me, view.session_id)
        emit(ev="finished", id=view.session_id)


def serve() -> None:
    import cstrainer.services  # noqa: F401  - the imports every worker needs, done once
    from cstrainer.text import default_scanner, ensure_ready

    ensure_ready()
    default_scanner()
    emit(ev="ready")
    for line in sys.stdin:
        if not line.strip():
            continue
        cmd = json.loads(line)
        sys.stdout.flush()
        pid = os.fork()
        if pid == 0:
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            code = 0
            try:
                run(cmd)
            except BaseException as exc:  # report, then die: the parent decides what it means
                emit(ev="error", msg=f"{type(exc).__name__}: {exc}")
                code = 1
            finally:
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        emit(ev="exit", pid=pid, signal=os.WTERMSIG(status) if os.WIFSIGNALED(status) else 0)


if __name__ == "__main__":
    if sys.argv[1] == "serve":
        serve()
    else:
        run(json.loads(sys.argv[2]))
