"""The desktop app's daily automatic backup: a timer that asks, now and then, whether one is due.

Shortly after start (once the database is open) and then every few hours, the timer reads the
settings file and, when automatic backups are on and the database is a SQLite file, runs
:meth:`cstrainer.services.database_admin.DatabaseService.auto_backup` on the thread pool. That makes
a backup only when the newest automatic one is 24 hours old, verifies it and prunes the oldest.
Nothing here blocks the UI thread; a failure is logged and shown in the status bar, never as a
dialog (nobody asked for this backup, and it will be tried again at the next tick).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from cstrainer import settings
from cstrainer.gui.qt import QObject, QTimer
from cstrainer.gui.tasks import Task, TaskRunner
from cstrainer.services import Services
from cstrainer.services.backup_schedule import AutoBackupOutcome, Clock, utc_now

log = logging.getLogger(__name__)

FIRST_CHECK_MS = 30_000  # after start: let opening, logging in and warming up go first
INTERVAL_MS = 3 * 60 * 60 * 1000  # then every three hours


class AutoBackupTimer(QObject):
    def __init__(
        self,
        runner: TaskRunner,
        services: Callable[[], Services | None],
        *,
        status: Callable[[str], None] | None = None,
        clock: Clock = utc_now,
        first_check_ms: int = FIRST_CHECK_MS,
        interval_ms: int = INTERVAL_MS,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.runner = runner
        self._services = services
        self._status = status
        self.clock = clock
        self.first_check_ms = first_check_ms
        self.task: Task | None = None  # the check in progress (tests wait on it)
        self.last_outcome: AutoBackupOutcome | None = None
        self.last_error: BaseException | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.check)

    def start(self) -> None:
        QTimer.singleShot(self.first_check_ms, self, self.check)
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def check(self) -> Task | None:
        """Start a check-and-backup on the thread pool unless one is running or nothing applies."""
        if self.task is not None and not self.task.done:
            return None
        if self.runner.closed:
            return None
        try:
            prefs = settings.load()
        except settings.SettingsError as exc:
            log.warning("automatic backup skipped: %s", exc)
            return None
        if not prefs.auto_backup:
            return None
        services = self._services()
        if services is None or services.db.file_path is None:  # not open yet, or PostgreSQL
            return None
        self.task = self.runner.pool(
            services.database.auto_backup,
            keep=prefs.backup_keep,
            clock=self.clock,
            on_done=self._done,
            on_error=self._failed,
            owner=self,
            name="automatic backup",
        )
        return self.task

    def _done(self, outcome: AutoBackupOutcome) -> None:
        self.last_outcome = outcome
        if outcome.made is not None or not outcome.ok or outcome.removed_corrupt:
            log.log(
                logging.INFO if outcome.ok else logging.WARNING, "automatic backup: %s", outcome.summary()
            )
            self._show(outcome.summary())

    def _failed(self, exc: BaseException) -> None:
        self.last_error = exc
        log.error("automatic backup failed: %s", exc, exc_info=exc)
        self._show(self.tr("自动备份失败：{error}").format(error=exc))

    def _show(self, text: str) -> None:
        if self._status is not None:
            self._status(text)
