"""A process killed between answers loses none of the answers it had saved."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from typing import Any

from cstrainer.services import SYSTEM, Services
from cstrainer.storage.database import integrity_check, open_database
from tests.services.exam_fixtures import PW, exam_item, make_bank

CHILD = textwrap.dedent(
    """
    import sys, time
    from cstrainer.services import Services
    from cstrainer.storage.database import open_database
    s = Services(open_database(sys.argv[1]))
    me = s.auth.login("xinren", sys.argv[2])
    view = s.exams.start(me, "exam-test")
    print("STARTED", view.attempt_id, flush=True)
    for item in view.items:
        s.exams.save_answer(me, view.attempt_id, item.position, "答案%d" % item.position
                            if item.view.type.value in ("short", "reply") else [str(item.position)]
                            if item.view.type.value == "fill" else 0)
        print("ACK", item.position, flush=True)
        time.sleep(0.2)
    time.sleep(60)
    """
)


def test_killed_between_answers_loses_nothing(services: Any, db_url: str) -> None:
    make_bank(services)
    services.exams.save_exam(SYSTEM, exam_item())
    services.close()
    # GIVEN a separate process answering one question after another
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, db_url, PW],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert proc.stdout is not None
    acked: list[int] = []
    attempt_id = None
    for line in proc.stdout:
        word, value = line.split()
        if word == "STARTED":
            attempt_id = int(value)
        else:
            acked.append(int(value))
        if len(acked) == 4:
            break
    # WHEN it is killed without warning
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    # THEN every acknowledged answer is in the database and the attempt resumes
    if db_url.startswith("sqlite"):
        assert integrity_check(db_url.removeprefix("sqlite:///")) == "ok"
    again = Services(open_database(db_url))
    try:
        me = again.auth.login("xinren", PW)
        view = again.exams.start(me, "exam-test")
        assert view.attempt_id == attempt_id
        answered = {i.position for i in view.items if i.response is not None}
        assert set(acked) <= answered
        assert view.status == "in_progress"
    finally:
        again.close()
