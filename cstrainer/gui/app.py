"""Starting the desktop app: ``run(db_url, debug)`` is what ``cstrainer gui`` and main.py call."""

from __future__ import annotations

import logging
import sys

import cstrainer
from cstrainer.gui.app_flow import AppFlow
from cstrainer.gui.auto_backup import AutoBackupTimer
from cstrainer.gui.errors import install_excepthook, uninstall_excepthook
from cstrainer.gui.i18n import install_translators
from cstrainer.gui.qt import (
    QApplication,
    QFont,
    QFontDatabase,
    QMessageLogContext,
    QTimer,
    QtMsgType,
    qInstallMessageHandler,
)
from cstrainer.gui.runtime_guards import GuiGarbageCollector, protect_singletons
from cstrainer.gui.tasks import TaskRunner
from cstrainer.logging_setup import setup_logging

log = logging.getLogger(__name__)
qt_log = logging.getLogger("qt")

# First one installed wins. Noto Sans CJK is what the Linux setup installs (fonts-noto-cjk);
# the others are the usual Simplified-Chinese UI fonts of Windows and macOS.
CJK_FONTS = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "Microsoft YaHei UI",
    "Microsoft YaHei",
    "PingFang SC",
    "Hiragino Sans GB",
    "WenQuanYi Micro Hei",
)

_QT_LEVELS = {
    QtMsgType.QtDebugMsg: logging.DEBUG,
    QtMsgType.QtInfoMsg: logging.INFO,
    QtMsgType.QtWarningMsg: logging.WARNING,
    QtMsgType.QtCriticalMsg: logging.ERROR,
    QtMsgType.QtFatalMsg: logging.CRITICAL,
}


def _qt_message(mode: QtMsgType, context: QMessageLogContext, message: str) -> None:
    qt_log.log(_QT_LEVELS.get(mode, logging.WARNING), "%s", message)


def cjk_font_family() -> str | None:
    """The preferred installed CJK UI font, or None to keep the system default."""
    families = set(QFontDatabase.families())
    return next((name for name in CJK_FONTS if name in families), None)


def configure_application(app: QApplication) -> None:
    app.setApplicationName("cstrainer")
    app.setOrganizationName("cstrainer")
    app.setApplicationVersion(cstrainer.__version__)
    app.setApplicationDisplayName(app.translate("app", "客服训练营"))
    # The flow decides when the app ends: between the login dialog closing and the main window
    # opening there is a moment with no window, which must not quit.
    app.setQuitOnLastWindowClosed(False)
    install_translators(app)
    family = cjk_font_family()
    if family:
        font = QFont(app.font())
        font.setFamily(family)
        app.setFont(font)
    log.info("UI font: %s", QApplication.font().family())


def run(db_url: str | None = None, debug: bool = False) -> int:
    """Run the desktop app until it quits; returns the process exit code."""
    log_file = setup_logging(debug)
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication(sys.argv[:1])
    previous_handler = qInstallMessageHandler(_qt_message)
    configure_application(app)
    log.info(
        "cstrainer %s starting (log: %s, platform: %s)", cstrainer.__version__, log_file, app.platformName()
    )
    install_excepthook()
    protect_singletons()
    collector = GuiGarbageCollector(app)
    collector.start()
    runner = TaskRunner()
    flow = AppFlow(runner, db_url)
    flow.finished.connect(app.exit)
    QTimer.singleShot(0, flow.start)
    # Daily automatic backup of a SQLite database (settings: auto_backup, backup_keep).
    auto_backup = AutoBackupTimer(runner, lambda: flow.services, status=lambda text: _show_status(flow, text))
    auto_backup.start()
    try:
        code = app.exec()
    finally:
        auto_backup.stop()
        flow.close_all()
        runner.shutdown()
        flow.close_services()
        uninstall_excepthook()
        qInstallMessageHandler(previous_handler)
        collector.stop()
    log.info("cstrainer exiting with code %s", code)
    return int(code)


def _show_status(flow: AppFlow, text: str) -> None:
    if flow.window is not None:
        flow.window.show_status(text)
