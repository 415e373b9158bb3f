"""The task runner: one database thread, a pool, outcomes delivered on the UI thread."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from cstrainer.gui.qt import QPushButton, Qt, QWidget
from cstrainer.gui.tasks import RunnerClosed, Task, TaskCancelled, TaskRunner, run_with_progress
from cstrainer.services.errors import InvalidInput

pytestmark = pytest.mark.gui


def test_db_result_is_delivered_on_the_ui_thread(runner: TaskRunner) -> None:
    seen: dict[str, Any] = {}

    def job(a: int, b: int) -> int:
        seen["worker"] = threading.current_thread()
        return a + b

    def done(result: int) -> None:
        seen["result"] = result
        seen["callback"] = threading.current_thread()

    runner.db(job, 2, b=3, on_done=done)
    runner.wait_until_idle(5)

    assert seen["result"] == 5
    assert seen["callback"] is threading.main_thread()
    assert seen["worker"] is not threading.main_thread()
    assert seen["worker"].name == "cstrainer-db"


def test_db_error_is_delivered_on_the_ui_thread(qtbot: Any, runner: TaskRunner) -> None:
    caught: list[tuple[BaseException, threading.Thread]] = []

    def job() -> None:
        raise InvalidInput("登录名 x 已被占用", "login")

    runner.db(job, on_error=lambda exc: caught.append((exc, threading.current_thread())))
    qtbot.waitUntil(lambda: bool(caught), timeout=5000)

    exc, thread = caught[0]
    assert isinstance(exc, InvalidInput) and exc.field == "login"
    assert thread is threading.main_thread()
    assert runner.is_idle()


def test_without_on_error_the_error_dialog_gets_it(qtbot: Any, runner: TaskRunner, shown_errors: Any) -> None:
    shown_errors.expected = True
    runner.db(lambda: 1 / 0)
    qtbot.waitUntil(runner.is_idle, timeout=5000)
    assert len(shown_errors) == 1 and isinstance(shown_errors[0], ZeroDivisionError)


def test_db_jobs_run_one_at_a_time_in_order_on_one_thread(runner: TaskRunner) -> None:
    order: list[int] = []
    threads: set[str] = set()
    active = []

    def job(i: int) -> None:
        active.append(i)
        assert len(active) == 1, "two database jobs ran at once"
        threads.add(threading.current_thread().name)
        time.sleep(0.005)
        order.append(i)
        active.remove(i)

    for i in range(8):
        runner.db(job, i)
    runner.wait_until_idle(5)
    assert order == list(range(8))
    assert threads == {"cstrainer-db"}


def test_pool_progress_and_cancellation(qtbot: Any, runner: TaskRunner) -> None:
    progress: list[tuple[str, int | None, int | None]] = []
    outcome: list[str] = []
    started = threading.Event()

    def job(task: Task) -> str:
        for i in range(1000):
            started.set()
            task.progress(f"第 {i} 步", i, 1000)  # raises TaskCancelled once cancelled
            time.sleep(0.005)
        return "finished"

    task = runner.pool(
        job,
        pass_task=True,
        on_progress=lambda text, value, maximum: progress.append((text, value, maximum)),
        on_done=lambda r: outcome.append(r),
        on_cancelled=lambda: outcome.append("cancelled"),
        on_error=lambda e: outcome.append(f"error {e!r}"),
    )
    assert started.wait(5)
    qtbot.waitUntil(lambda: len(progress) >= 2, timeout=5000)
    task.cancel()
    qtbot.waitUntil(lambda: bool(outcome), timeout=5000)

    assert outcome == ["cancelled"]
    assert progress[0][0] == "第 0 步" and progress[0][2] == 1000
    assert task.done and runner.is_idle()


def test_a_job_cancelled_before_it_starts_never_runs(qtbot: Any, runner: TaskRunner) -> None:
    gate = threading.Event()
    ran: list[str] = []
    runner.db(gate.wait, 5)  # keeps the database thread busy
    task = runner.db(lambda: ran.append("ran"), on_cancelled=lambda: ran.append("cancelled"))
    task.cancel()
    gate.set()
    runner.wait_until_idle(5)
    assert ran == ["cancelled"]


def test_callbacks_are_dropped_when_the_owner_is_gone(qtbot: Any, runner: TaskRunner) -> None:
    gate = threading.Event()
    called: list[Any] = []
    owner = QWidget()
    runner.db(gate.wait, 5, on_done=called.append, owner=owner)
    owner.deleteLater()
    qtbot.waitUntil(lambda: not _alive(owner), timeout=2000)
    gate.set()
    runner.wait_until_idle(5)
    assert called == []


def _alive(obj: Any) -> bool:
    from cstrainer.gui.qt import is_valid_qobject

    return bool(is_valid_qobject(obj))


def test_progress_dialog_closes_when_the_job_fails(qtbot: Any, runner: TaskRunner) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)
    parent.show()
    errors: list[BaseException] = []

    def job(task: Task) -> None:
        task.progress("正在处理…")
        time.sleep(0.15)
        raise RuntimeError("boom")

    task, dialog = run_with_progress(runner, parent, "处理中", job, delay_ms=0, on_error=errors.append)
    qtbot.waitUntil(lambda: bool(errors), timeout=5000)
    assert isinstance(errors[0], RuntimeError)
    assert task.done
    assert not _alive(dialog) or not dialog.isVisible()


def test_progress_dialog_shows_for_slow_jobs_and_cancels(
    qtbot: Any, runner: TaskRunner, screenshot: Any
) -> None:
    parent = QWidget()
    parent.resize(500, 300)
    qtbot.addWidget(parent)
    parent.show()
    outcome: list[str] = []

    def job(task: Task) -> None:
        for i in range(400):
            task.progress(f"正在导入第 {i + 1} 个文件…", i, 400)
            time.sleep(0.01)

    task, dialog = run_with_progress(
        runner,
        parent,
        "正在导入…",
        job,
        lane="pool",
        delay_ms=50,
        on_cancelled=lambda: outcome.append("cancelled"),
    )
    qtbot.waitUntil(dialog.isVisible, timeout=3000)
    qtbot.waitUntil(lambda: dialog.value() > 3, timeout=3000)
    screenshot(dialog, "progress_dialog")
    cancel_button = next(b for b in dialog.findChildren(QPushButton) if b.text() == "取消")
    qtbot.mouseClick(cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(outcome), timeout=5000)
    assert outcome == ["cancelled"] and task.cancelled
    assert not _alive(dialog) or not dialog.isVisible()


def test_task_cancelled_raised_by_the_job_counts_as_cancelled(runner: TaskRunner) -> None:
    outcome: list[str] = []

    def job() -> None:
        raise TaskCancelled

    runner.pool(
        job, on_cancelled=lambda: outcome.append("cancelled"), on_error=lambda e: outcome.append("error")
    )
    runner.wait_until_idle(5)
    assert outcome == ["cancelled"]


def test_shutdown_waits_for_the_running_job_and_refuses_new_work(qapp: Any) -> None:
    r = TaskRunner()
    finished = threading.Event()

    def slow() -> None:
        time.sleep(0.2)
        finished.set()

    r.db(slow)
    time.sleep(0.05)
    r.shutdown(timeout=5)
    assert finished.is_set()
    with pytest.raises(RunnerClosed):
        r.db(slow)
    r.deleteLater()
