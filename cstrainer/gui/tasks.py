"""Running work off the UI thread.

Two lanes:

- ``runner.db(...)``: every service call goes to ONE database worker thread, one job at a time in
  submission order. Services open a session per call, and SQLite has one writer; serialising the
  GUI's calls means the GUI never contends with itself for the write lock, and a later job always
  sees what an earlier one wrote (create a user, then refresh the table).
- ``runner.pool(...)``: other slow work (jieba warm-up, text to speech, parsing files) on a
  QThreadPool, in parallel.

Results, exceptions and progress come back to the UI thread through queued signals and are handed
to the ``on_done`` / ``on_error`` / ``on_progress`` callbacks there. The rules for callers: read
widget values *before* submitting (pass them as arguments), never touch a widget inside ``fn``.

A job that fails calls ``on_error(exc)``; without one, :func:`cstrainer.gui.errors.show_error`
shows it. A job that is cancelled (``task.cancel()`` before it starts, or the job itself raising
:class:`TaskCancelled` - :meth:`Task.check_cancelled` and :meth:`Task.progress` do that) calls
``on_cancelled`` instead, if given. Every job ends in exactly one of the three, so a progress
dialog bound to a job always closes (see :func:`run_with_progress`).

``owner`` (a QObject, usually the widget that asked) drops the callbacks when that object has
been deleted by the time the job ends: a dialog closed mid-request does not get called back.

Connection state: when a job fails because the database cannot be reached
(:func:`cstrainer.services.offline_journal.is_connection_error`), the runner emits
``connection_lost(message)`` once, and ``connection_restored()`` when a database-lane job succeeds
again; the main window shows one banner in between. Such a failure of a job without ``on_error``
is logged, not shown in an error dialog (the banner says it; one dialog per failed job would bury
the screen while the server is down).
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cstrainer.gui import errors
from cstrainer.gui.qt import (
    QCoreApplication,
    QObject,
    QProgressDialog,
    Qt,
    QThreadPool,
    QWidget,
    Signal,
    is_valid_qobject,
)
from cstrainer.services.offline_journal import is_connection_error

log = logging.getLogger(__name__)

Done = Callable[[Any], None]
Failed = Callable[[BaseException], None]
Progress = Callable[[str, int | None, int | None], None]
Cancelled = Callable[[], None]


class TaskCancelled(Exception):
    """Raised inside a job to stop it; the job then ends in ``on_cancelled``, not ``on_error``."""


class RunnerClosed(RuntimeError):
    """Work submitted after :meth:`TaskRunner.shutdown`."""


class Task:
    """A handle on one submitted job. ``cancel`` and ``cancelled`` are safe from any thread."""

    def __init__(self, runner: TaskRunner, task_id: int, lane: str, name: str) -> None:
        self._runner = runner
        self.id = task_id
        self.lane = lane
        self.name = name
        self._cancel = threading.Event()
        self.done = False  # set on the UI thread once the outcome was delivered

    def cancel(self) -> None:
        """Ask the job to stop: a job not started yet never runs; a running one stops when it polls."""
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def check_cancelled(self) -> None:
        """For jobs to poll: raises :class:`TaskCancelled` once cancellation was requested."""
        if self._cancel.is_set():
            raise TaskCancelled

    def progress(self, text: str = "", value: int | None = None, maximum: int | None = None) -> None:
        """Report progress from inside the job (any thread); also a cancellation point."""
        self.check_cancelled()
        self._runner._report_progress(self.id, text, value, maximum)

    def __repr__(self) -> str:
        return f"<Task {self.id} {self.lane}:{self.name}>"


@dataclass
class _Pending:
    task: Task
    on_done: Done | None
    on_error: Failed | None
    on_progress: Progress | None
    on_cancelled: Cancelled | None
    owner: QObject | None


class _Relay(QObject):
    """Lives on the UI thread; workers emit, Qt queues the calls to the UI thread.

    Only task ids cross threads through Qt. The outcomes themselves (arbitrary Python objects)
    wait in the runner's dictionaries: PySide's marshalling of ``object`` arguments through
    queued connections has had reference-counting bugs (seen here as a crash at interpreter exit),
    and plain ints avoid it entirely.
    """

    ended = Signal(int)
    progressed = Signal(int)


_STOP = object()


class TaskRunner(QObject):
    """One database worker thread plus a thread pool; results delivered on the UI thread."""

    connection_lost = Signal(str)  # the error's text; once per outage
    connection_restored = Signal()

    def __init__(self, parent: QObject | None = None, *, pool_threads: int | None = None) -> None:
        super().__init__(parent)
        self._relay = _Relay(self)
        self._relay.ended.connect(self._on_ended)
        self._relay.progressed.connect(self._on_progress)
        self._lock = threading.Lock()
        self._outcomes: dict[int, tuple[str, Any, str]] = {}  # id -> (kind, value, details)
        self._progress: dict[int, tuple[str, int | None, int | None]] = {}  # latest report only
        self._ids = itertools.count(1)
        self._pending: dict[int, _Pending] = {}
        self._queue: queue.Queue[Any] = queue.Queue()
        self._db_thread: threading.Thread | None = None
        self._pool = QThreadPool(self)
        if pool_threads:
            self._pool.setMaxThreadCount(pool_threads)
        self._closed = False
        self._db_busy = threading.Event()
        self.connection_down = False  # the last database job failed for want of a connection

    # --- submitting ------------------------------------------------------------------------------

    def db(
        self,
        fn: Callable[..., Any],
        *args: Any,
        on_done: Done | None = None,
        on_error: Failed | None = None,
        on_progress: Progress | None = None,
        on_cancelled: Cancelled | None = None,
        owner: QObject | None = None,
        pass_task: bool = False,
        name: str | None = None,
        **kwargs: Any,
    ) -> Task:
        """Run ``fn(*args, **kwargs)`` on the database thread (``fn(task, *args, ...)`` with ``pass_task``)."""
        task = self._submit("db", fn, on_done, on_error, on_progress, on_cancelled, owner, name)
        self._ensure_db_thread()
        self._queue.put((task, fn, args, kwargs, pass_task))
        return task

    def pool(
        self,
        fn: Callable[..., Any],
        *args: Any,
        on_done: Done | None = None,
        on_error: Failed | None = None,
        on_progress: Progress | None = None,
        on_cancelled: Cancelled | None = None,
        owner: QObject | None = None,
        pass_task: bool = False,
        name: str | None = None,
        **kwargs: Any,
    ) -> Task:
        """Run ``fn(*args, **kwargs)`` on the thread pool (``fn(task, *args, ...)`` with ``pass_task``)."""
        task = self._submit("pool", fn, on_done, on_error, on_progress, on_cancelled, owner, name)
        self._pool.start(lambda: self._execute(task, fn, args, kwargs, pass_task))
        return task

    def _submit(
        self,
        lane: str,
        fn: Callable[..., Any],
        on_done: Done | None,
        on_error: Failed | None,
        on_progress: Progress | None,
        on_cancelled: Cancelled | None,
        owner: QObject | None,
        name: str | None,
    ) -> Task:
        if self._closed:
            raise RunnerClosed("the task runner has been shut down")
        task = Task(self, next(self._ids), lane, name or str(getattr(fn, "__qualname__", repr(fn))))
        self._pending[task.id] = _Pending(task, on_done, on_error, on_progress, on_cancelled, owner)
        return task

    # --- the worker side -------------------------------------------------------------------------

    def _ensure_db_thread(self) -> None:
        if self._db_thread is None:
            # A daemon thread, so that a job stuck on a dead network database cannot keep the
            # process alive after the window closed; shutdown() still waits for it politely.
            self._db_thread = threading.Thread(target=self._db_loop, name="cstrainer-db", daemon=True)
            self._db_thread.start()

    def _db_loop(self) -> None:
        while True:
            item = self._queue.get()
            if item is _STOP:
                return
            task, fn, args, kwargs, pass_task = item
            self._db_busy.set()
            try:
                self._execute(task, fn, args, kwargs, pass_task)
            finally:
                self._db_busy.clear()

    def _execute(
        self,
        task: Task,
        fn: Callable[..., Any],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        pass_task: bool,
    ) -> None:
        """Run one job on a worker thread and emit its outcome. Never raises."""
        try:
            if task.cancelled:
                raise TaskCancelled
            started = time.perf_counter()
            result = fn(task, *args, **kwargs) if pass_task else fn(*args, **kwargs)
            log.debug("%r took %.3f s", task, time.perf_counter() - started)
        except TaskCancelled:
            self._end(task.id, ("cancelled", None, ""))
        except BaseException as exc:
            self._end(task.id, ("failed", exc, errors.format_exception(exc)))
        else:
            self._end(task.id, ("finished", result, ""))

    def _end(self, task_id: int, outcome: tuple[str, Any, str]) -> None:
        with self._lock:
            self._outcomes[task_id] = outcome
        try:
            self._relay.ended.emit(task_id)
        except RuntimeError:  # the runner was deleted (process exit): nobody is waiting any more
            log.debug("dropping the outcome of a job: runner deleted")

    def _report_progress(self, task_id: int, text: str, value: int | None, maximum: int | None) -> None:
        with self._lock:
            first = task_id not in self._progress
            self._progress[task_id] = (text, value, maximum)
        if first:  # one queued wake-up is enough: the UI reads the latest report when it runs
            with contextlib.suppress(RuntimeError):  # runner deleted at exit
                self._relay.progressed.emit(task_id)

    # --- the UI side -----------------------------------------------------------------------------

    def _take(self, task_id: int) -> _Pending | None:
        pending = self._pending.pop(task_id, None)
        if pending is None:
            return None
        pending.task.done = True
        if pending.owner is not None and not is_valid_qobject(pending.owner):
            log.debug("%r ended after its owner was deleted; callbacks dropped", pending.task)
            return None
        return pending

    def _on_ended(self, task_id: int) -> None:
        with self._lock:
            kind, value, details = self._outcomes.pop(task_id, ("gone", None, ""))
            self._progress.pop(task_id, None)
        if kind == "finished":
            self._on_finished(task_id, value)
        elif kind == "failed":
            self._on_failed(task_id, value, details)
        elif kind == "cancelled":
            self._on_cancelled(task_id)

    def _on_finished(self, task_id: int, result: Any) -> None:
        known = self._pending.get(task_id)
        if self.connection_down and known is not None and known.task.lane == "db":
            self.connection_down = False
            log.info("the database can be reached again")
            self.connection_restored.emit()
        pending = self._take(task_id)
        if pending and pending.on_done:
            pending.on_done(result)

    def _on_failed(self, task_id: int, exc: BaseException, details: str) -> None:
        pending = self._take(task_id)
        offline = is_connection_error(exc)
        if errors.is_expected(exc):
            log.info("job %s refused: %s", task_id, exc)
        elif offline:
            log.warning("job %s: the database cannot be reached: %s", task_id, exc)
        else:
            log.error("job %s failed:\n%s", task_id, details)
        if offline and not self.connection_down:
            self.connection_down = True
            self.connection_lost.emit(str(exc))
        if pending is None:
            return
        if pending.on_error:
            pending.on_error(exc)
        elif offline:
            pass  # the main window's banner says it (see the module docstring)
        else:
            parent = pending.owner if isinstance(pending.owner, QWidget) else None
            errors.show_error(parent.window() if parent else None, exc, details)

    def _on_cancelled(self, task_id: int) -> None:
        pending = self._take(task_id)
        log.debug("job %s cancelled", task_id)
        if pending and pending.on_cancelled:
            pending.on_cancelled()

    def _on_progress(self, task_id: int) -> None:
        with self._lock:
            report = self._progress.pop(task_id, None)
        pending = self._pending.get(task_id)
        if report is None or pending is None or pending.on_progress is None:
            return
        if pending.owner is not None and not is_valid_qobject(pending.owner):
            return
        pending.on_progress(*report)

    # --- state and shutdown ----------------------------------------------------------------------

    @property
    def pending_count(self) -> int:
        """Jobs submitted whose outcome has not been delivered to the UI thread yet."""
        return len(self._pending)

    def is_idle(self) -> bool:
        return not self._pending

    def wait_until_idle(self, timeout: float = 10.0) -> None:
        """Process events until every job was delivered (tests; shutdown). Raises TimeoutError."""
        deadline = time.monotonic() + timeout
        while self._pending:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{len(self._pending)} background job(s) still running after {timeout} s")
            QCoreApplication.processEvents()
            time.sleep(0.005)

    def shutdown(self, timeout: float = 10.0) -> None:
        """Cancel what has not started, wait for running jobs (up to ``timeout``), stop the worker."""
        if self._closed:
            return
        self._closed = True
        for pending in list(self._pending.values()):
            pending.task.cancel()
        self._pool.clear()
        if self._db_thread is not None:
            self._queue.put(_STOP)
            self._db_thread.join(timeout)
            if self._db_thread.is_alive():
                log.warning("database worker still busy after %.0f s; leaving it behind", timeout)
        if not self._pool.waitForDone(int(timeout * 1000)):
            log.warning("background jobs still running after %.0f s", timeout)
        self._pending.clear()
        with self._lock:
            self._outcomes.clear()
            self._progress.clear()
        log.debug("task runner shut down")

    @property
    def closed(self) -> bool:
        return self._closed


# --- progress dialog -------------------------------------------------------------------------------


def run_with_progress(
    runner: TaskRunner,
    parent: QWidget | None,
    label: str,
    fn: Callable[..., Any],
    *args: Any,
    lane: str = "db",
    title: str | None = None,
    cancellable: bool = True,
    delay_ms: int = 300,
    on_done: Done | None = None,
    on_error: Failed | None = None,
    on_cancelled: Cancelled | None = None,
    pass_task: bool = True,
    **kwargs: Any,
) -> tuple[Task, QProgressDialog]:
    """Run a job with a (window-modal) progress dialog that always closes when the job ends.

    The job gets its :class:`Task` first (``pass_task``) to call ``task.progress(text, value,
    maximum)``; without a maximum the bar shows "busy". The dialog appears only if the job takes
    longer than ``delay_ms``, so quick jobs do not flash. Its Cancel button calls ``task.cancel()``.
    """
    dialog = QProgressDialog(
        label, QCoreApplication.translate("tasks", "取消") if cancellable else "", 0, 0, parent
    )
    dialog.setWindowTitle(title or QCoreApplication.translate("tasks", "请稍候"))
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    dialog.setAutoClose(False)
    dialog.setAutoReset(False)
    dialog.setMinimumWidth(360)
    if not cancellable:
        dialog.setCancelButton(None)  # type: ignore[arg-type]
    dialog.setMinimumDuration(delay_ms)
    dialog.setValue(0)  # starts Qt's "show after minimumDuration" clock

    def close_dialog() -> None:
        if is_valid_qobject(dialog):
            dialog.reset()
            dialog.hide()
            dialog.deleteLater()

    def done(result: Any) -> None:
        close_dialog()
        if on_done:
            on_done(result)

    def failed(exc: BaseException) -> None:
        close_dialog()
        if on_error:
            on_error(exc)
        else:
            errors.show_error(parent, exc)

    def cancelled() -> None:
        close_dialog()
        if on_cancelled:
            on_cancelled()

    def progress(text: str, value: int | None, maximum: int | None) -> None:
        if not is_valid_qobject(dialog):
            return
        if text:
            dialog.setLabelText(text)
        if maximum is not None:
            dialog.setMaximum(maximum)
        if value is not None:
            dialog.setValue(value)

    submit = runner.db if lane == "db" else runner.pool
    task = submit(
        fn,
        *args,
        on_done=done,
        on_error=failed,
        on_progress=progress,
        on_cancelled=cancelled,
        owner=parent,
        pass_task=pass_task,
        **kwargs,
    )

    def cancel_requested() -> None:
        task.cancel()
        if is_valid_qobject(dialog):
            dialog.setLabelText(QCoreApplication.translate("tasks", "正在取消…"))

    dialog.canceled.connect(cancel_requested)
    return task, dialog
