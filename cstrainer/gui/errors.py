"""Showing errors: expected ones (a service said no) and unexpected ones (a bug).

Every error the person sees goes through :func:`show_error`, so tests can replace that one
function, and the wording stays consistent: a :class:`ServiceError` (or a database that cannot be
opened) is shown as the plain sentence it carries; anything else is a bug, shown with a short
message and the traceback under "Show Details", and written to the log. The app keeps running.

:class:`ExceptionHook` routes ``sys.excepthook`` and ``threading.excepthook`` here. Exceptions
from other threads reach the dialog through a queued signal, so no widget is touched off the UI
thread.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import sys
import threading
import traceback
from types import TracebackType

from cstrainer.gui.qt import QApplication, QCoreApplication, QMessageBox, QObject, Qt, QWidget, Signal
from cstrainer.services.errors import ServiceError, ValidationFailed
from cstrainer.services.offline_journal import is_connection_error
from cstrainer.storage.database import DatabaseError

log = logging.getLogger(__name__)

# More dialogs than this at once means something loops: log the rest instead of burying the screen.
MAX_OPEN_DIALOGS = 3
_open_boxes: list[QMessageBox] = []


def is_expected(exc: BaseException) -> bool:
    """Errors whose message is written for the person (a refusal, not a bug)."""
    return isinstance(exc, ServiceError | DatabaseError)


def format_exception(exc: BaseException) -> str:
    return "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))


def build_error_box(parent: QWidget | None, exc: BaseException, details: str | None = None) -> QMessageBox:
    """The message box for ``exc`` (not shown): plain sentence for expected errors, details for bugs."""
    box = QMessageBox(parent)
    box.setTextFormat(Qt.TextFormat.PlainText)
    if isinstance(exc, ValidationFailed):
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle(QCoreApplication.translate("errors", "无法完成"))
        box.setText(ServiceError.__str__(exc))
        box.setDetailedText("\n".join(str(e) for e in exc.errors))
    elif is_expected(exc):
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle(QCoreApplication.translate("errors", "无法完成"))
        box.setText(str(exc))
    elif is_connection_error(exc):  # not a bug: the team database cannot be reached
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle(QCoreApplication.translate("errors", "无法连接数据库"))
        box.setText(
            QCoreApplication.translate(
                "errors", "连不上团队数据库，刚才的操作没有完成。请检查网络，恢复连接后再试一次。"
            )
        )
        box.setDetailedText(str(exc))
    else:
        box.setIcon(QMessageBox.Icon.Critical)
        box.setWindowTitle(QCoreApplication.translate("errors", "程序出错"))
        summary = f"{type(exc).__name__}: {exc}".strip()
        if len(summary) > 300:
            summary = summary[:300] + "…"
        box.setText(
            QCoreApplication.translate("errors", "出现了一个意外错误，当前操作没有完成。程序仍可继续使用。")
        )
        box.setInformativeText(
            summary
            + "\n\n"
            + QCoreApplication.translate(
                "errors", "详细信息已写入日志文件；如需报告问题，请附上下面的详细信息。"
            )
        )
        box.setDetailedText(details or format_exception(exc))
    box.setStandardButtons(QMessageBox.StandardButton.Ok)
    return box


def show_error(parent: QWidget | None, exc: BaseException, details: str | None = None) -> QMessageBox | None:
    """Show ``exc`` without blocking (window-modal when there is a parent); returns the box.

    Returns None when too many error boxes are already open (the error is still logged by the
    caller). Tests monkeypatch this function to collect errors instead of showing them.
    """
    _open_boxes[:] = [b for b in _open_boxes if b.isVisible()]
    if len(_open_boxes) >= MAX_OPEN_DIALOGS:
        log.warning("not showing another error dialog (%d open): %s", len(_open_boxes), exc)
        return None
    if parent is None:
        parent = QApplication.activeWindow()
    box = build_error_box(parent, exc, details)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.setWindowModality(Qt.WindowModality.WindowModal if parent else Qt.WindowModality.ApplicationModal)
    _open_boxes.append(box)
    box.finished.connect(lambda _result, b=box: _open_boxes.remove(b) if b in _open_boxes else None)
    box.show()
    return box


def open_error_boxes() -> list[QMessageBox]:
    """The error boxes currently shown (for tests and for closing them on logout)."""
    _open_boxes[:] = [b for b in _open_boxes if b.isVisible()]
    return list(_open_boxes)


class ExceptionHook(QObject):
    """Log uncaught exceptions with their traceback and show them; the app keeps running."""

    # Only a wake-up crosses threads; the exceptions wait in ``_queue`` (see tasks._Relay for why).
    _caught = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._previous_sys_hook = sys.excepthook
        self._previous_thread_hook = threading.excepthook
        self._installed = False
        self._showing = False
        # Emitted from any thread; the slot runs on the thread this object lives in (the UI thread).
        self._caught.connect(self._show_queued)
        self._queue: queue.SimpleQueue[tuple[BaseException, str]] = queue.SimpleQueue()

    def install(self) -> None:
        self._previous_sys_hook = sys.excepthook
        self._previous_thread_hook = threading.excepthook
        sys.excepthook = self.handle
        threading.excepthook = self.handle_thread
        self._installed = True

    def uninstall(self) -> None:
        if self._installed:
            sys.excepthook = self._previous_sys_hook
            threading.excepthook = self._previous_thread_hook
            self._installed = False

    def handle(
        self,
        exc_type: type[BaseException],
        exc: BaseException,
        tb: TracebackType | None,
        thread_name: str | None = None,
    ) -> None:
        """A ``sys.excepthook``: log, then show (on the UI thread)."""
        if issubclass(exc_type, KeyboardInterrupt | SystemExit):
            self._previous_sys_hook(exc_type, exc, tb)
            return
        details = "".join(traceback.format_exception(exc_type, exc, tb))
        where = f" in thread {thread_name}" if thread_name else ""
        if is_expected(exc):
            log.warning("uncaught %s%s: %s", exc_type.__name__, where, exc)
        else:
            log.error("uncaught exception%s:\n%s", where, details)
        # RuntimeError: the QObject is gone (the app is shutting down); the log has it.
        self._queue.put((exc, details))
        with contextlib.suppress(RuntimeError):
            self._caught.emit()

    def handle_thread(self, args: threading.ExceptHookArgs) -> None:
        """A ``threading.excepthook``."""
        if args.exc_value is None:
            return
        name = args.thread.name if args.thread else None
        self.handle(args.exc_type, args.exc_value, args.exc_traceback, thread_name=name)

    def _show_queued(self) -> None:
        while True:
            try:
                exc, details = self._queue.get_nowait()
            except queue.Empty:
                return
            self._show(exc, details)

    def _show(self, exc: BaseException, details: str) -> None:
        if self._showing or QApplication.instance() is None:
            return
        self._showing = True  # an error while showing an error must not recurse
        try:
            show_error(None, exc, details)
        except Exception:
            log.exception("could not show the error dialog")
        finally:
            self._showing = False


_hook: ExceptionHook | None = None


def install_excepthook() -> ExceptionHook:
    """Install the app-wide hook once (the QApplication must exist)."""
    global _hook
    if _hook is None:
        _hook = ExceptionHook()
    _hook.install()
    return _hook


def uninstall_excepthook() -> None:
    global _hook
    if _hook is not None:
        _hook.uninstall()
        _hook.deleteLater()
        _hook = None
