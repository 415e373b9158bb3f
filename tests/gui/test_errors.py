"""Uncaught exceptions: logged with the traceback, shown in a dialog, and the app keeps running."""

from __future__ import annotations

import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from cstrainer.gui import errors
from cstrainer.gui.qt import QApplication, QMessageBox, QPushButton
from cstrainer.logging_setup import setup_logging
from cstrainer.services.errors import PermissionDenied, ValidationFailed

pytestmark = pytest.mark.gui


@pytest.fixture
def hook(qapp: Any, real_error_dialogs: None, restore_logging: None) -> Any:
    h = errors.ExceptionHook()
    h.install()
    yield h
    h.uninstall()
    for box in errors.open_error_boxes():
        box.close()


def _raise(exc: BaseException) -> tuple[type[BaseException], BaseException, Any]:
    try:
        raise exc
    except BaseException:
        info = sys.exc_info()
    assert info[0] is not None and info[1] is not None
    return info[0], info[1], info[2]


def test_excepthook_logs_shows_details_and_the_app_keeps_running(
    qtbot: Any, hook: Any, screenshot: Any
) -> None:
    # GIVEN the app's hook is installed and logging goes to the log file
    log_file = setup_logging()
    window = QPushButton("still alive")
    qtbot.addWidget(window)
    window.show()

    # WHEN an exception nobody caught reaches sys.excepthook
    assert sys.excepthook == hook.handle
    sys.excepthook(*_raise(RuntimeError("something broke")))

    # THEN an error dialog shows a short message, with the traceback under details
    boxes = errors.open_error_boxes()
    assert len(boxes) == 1
    box = boxes[0]
    assert box.icon() == QMessageBox.Icon.Critical
    assert "意外错误" in box.text()
    assert "RuntimeError: something broke" in box.informativeText()
    assert "Traceback" in box.detailedText() and "_raise" in box.detailedText()
    screenshot(box, "error_dialog")
    # ... the traceback is in the log
    assert "something broke" in log_file.read_text(encoding="utf-8")
    assert "Traceback" in log_file.read_text(encoding="utf-8")

    # ... and after closing it the app still works
    box.close()
    qtbot.waitUntil(lambda: not errors.open_error_boxes(), timeout=2000)
    clicks: list[bool] = []
    window.clicked.connect(lambda: clicks.append(True))
    window.click()
    assert clicks == [True]
    assert QApplication.instance() is not None


def test_a_service_error_shows_just_its_message(qtbot: Any, hook: Any) -> None:
    hook.handle(*_raise(PermissionDenied("权限不足：新人（xiaoli）不能管理账号")))
    box = errors.open_error_boxes()[0]
    assert box.text() == "权限不足：新人（xiaoli）不能管理账号"
    assert box.icon() == QMessageBox.Icon.Warning
    assert box.detailedText() == ""
    assert "意外" not in box.text() + box.windowTitle()


def test_validation_errors_go_under_details(qtbot: Any, hook: Any) -> None:
    hook.handle(
        *_raise(
            ValidationFailed("内容包有 2 处错误，未导入任何内容：", ["a.yaml:3 缺少 key", "b.yaml:9 重复"])
        )
    )
    box = errors.open_error_boxes()[0]
    assert box.text() == "内容包有 2 处错误，未导入任何内容："
    assert "a.yaml:3" in box.detailedText() and "b.yaml:9" in box.detailedText()


def test_an_exception_in_another_thread_is_shown_on_the_ui_thread(qtbot: Any, hook: Any) -> None:
    def crash() -> None:
        raise ValueError("worker crashed")

    t = threading.Thread(target=crash, name="worker")
    t.start()
    t.join()
    qtbot.waitUntil(lambda: bool(errors.open_error_boxes()), timeout=3000)
    assert "worker crashed" in errors.open_error_boxes()[0].informativeText()


def test_a_burst_of_errors_opens_a_bounded_number_of_dialogs(qtbot: Any, hook: Any) -> None:
    for i in range(10):
        hook.handle(*_raise(RuntimeError(f"error {i}")))
    assert len(errors.open_error_boxes()) == errors.MAX_OPEN_DIALOGS


def test_the_log_file_has_no_passwords(restore_logging: None, tmp_path: Path) -> None:
    import logging

    log_file = setup_logging(debug=True)
    logging.getLogger("cstrainer.test").warning("retry with password=Secret-123 for boss")
    logging.getLogger("cstrainer.test").warning("payload %s", {"login": "boss", "password": "Secret-456"})
    text = log_file.read_text(encoding="utf-8")
    assert "Secret-123" not in text and "Secret-456" not in text
    assert "password=***" in text


def test_garbage_collection_runs_on_the_gui_thread_only(qtbot: Any) -> None:
    import gc

    from cstrainer.gui.runtime_guards import GuiGarbageCollector, protect_singletons

    protect_singletons()
    protect_singletons()  # idempotent
    assert sys.getrefcount(None) > 1 << 39 or sys.version_info >= (3, 12)
    # the session fixture already runs one collector: automatic collection is off
    assert not gc.isenabled()
    collector = GuiGarbageCollector()
    collector.INTERVAL_MS = 10

    class Cycle:
        pass

    def make_cycles() -> None:
        for _ in range(5000):
            a, b = Cycle(), Cycle()
            a.other, b.other = b, a  # type: ignore[attr-defined]

    make_cycles()
    assert gc.get_count()[0] > gc.get_threshold()[0]
    collector.check()
    assert gc.get_count()[0] < gc.get_threshold()[0]
