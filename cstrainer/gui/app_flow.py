"""The path from start to the main window, and back to the login dialog.

open the database (off the UI thread, with a splash)
  -> empty database: first-start dialog (create the first manager)
  -> login dialog (with a forced password change when required)
  -> main window  -- logout / switch user / restore -->  login dialog again

Every step is a non-blocking window, so the flow is driven by signals and tests can walk it
with qtbot. ``finished(code)`` asks the application to exit with ``code``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from cstrainer.gui import errors
from cstrainer.gui.db_settings_dialog import DbSettingsDialog
from cstrainer.gui.first_run_dialog import FirstRunDialog, FirstRunResult
from cstrainer.gui.login_dialog import LoginDialog
from cstrainer.gui.main_window import MainWindow
from cstrainer.gui.qt import QMessageBox, QObject, Signal
from cstrainer.gui.splash import StartupSplash
from cstrainer.gui.tasks import Task, TaskRunner
from cstrainer.services import Services
from cstrainer.services.actor import Actor
from cstrainer.services.errors import ServiceError
from cstrainer.storage.database import open_database, resolve_url
from cstrainer.storage.engine import describe_url

log = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_DB_UNAVAILABLE = 2


@dataclass(frozen=True)
class Opened:
    services: Services
    needs_first_manager: bool
    seed_problem: str | None = None
    dictionary_terms: tuple[str, ...] = ()


def open_services(db_url: str | None) -> Opened:
    """Runs on the database thread: open (create/upgrade), seed an empty database, look around.

    Seeding is done here rather than by ``Services.open`` so that broken shipped content does
    not stop the app from starting: the problem is reported and the database stays usable.
    """
    services = Services(open_database(db_url))
    try:
        seed_problem = None
        try:
            report = services.content.seed_if_empty()
            if report is not None:
                log.info("seeded a new database: %s", report.summary())
        except ServiceError as exc:
            log.warning("could not seed the new database: %s", exc)
            seed_problem = str(exc)
        terms = tuple(services.content.dictionary_terms())
        return Opened(services, services.users.needs_first_manager(), seed_problem, terms)
    except BaseException:
        services.close()
        raise


def warm_up_text(task: Task, terms: tuple[str, ...]) -> None:
    """Teach jieba the content's own words, then load its dictionary so grading never stalls."""
    from cstrainer import text

    text.add_terms(terms)
    future = text.warm_up_in_background()
    while not future.done():  # it loads on its own thread; wait here, politely cancellable
        task.check_cancelled()
        try:
            future.result(timeout=0.2)
        except TimeoutError:
            continue
    future.result()


class AppFlow(QObject):
    finished = Signal(int)

    def __init__(self, runner: TaskRunner, db_url: str | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.db_url = db_url
        self.services: Services | None = None
        self.splash: StartupSplash | None = None
        self.error_box: QMessageBox | None = None
        self.settings_dialog: DbSettingsDialog | None = None  # opened from the error box
        self.first_run_dialog: FirstRunDialog | None = None
        self.login_dialog: LoginDialog | None = None
        self.window: MainWindow | None = None
        # after login, show "本次更新" / the release reminder (a test may turn it off)
        self.startup_notices = True

    # --- opening ---------------------------------------------------------------------------------

    def start(self) -> None:
        self.splash = StartupSplash()
        self.splash.set_message(self.tr("正在打开数据库…\n{db}").format(db=self._describe_target()))
        self.splash.show()
        self.runner.db(open_services, self.db_url, on_done=self._opened, on_error=self._open_failed)

    def _describe_target(self) -> str:
        try:
            return describe_url(resolve_url(self.db_url))
        except Exception:  # a malformed URL: opening will say so properly
            return self.db_url or ""

    def _close_splash(self) -> None:
        if self.splash is not None:
            self.splash.close()
            self.splash.deleteLater()
            self.splash = None

    def _open_failed(self, exc: BaseException) -> None:
        self._close_splash()
        box = errors.build_error_box(None, exc)
        box.setWindowTitle(self.tr("无法打开数据库"))
        if errors.is_expected(exc):
            box.setInformativeText(
                self.tr(
                    "请检查 --db 参数、CSTRAINER_DB_URL 环境变量或“数据库设置”中指定的数据库；"
                    "详细信息见日志文件。"
                )
            )
        # A wrong team-database address would otherwise lock the person out: let them fix it here.
        settings_button = box.addButton(self.tr("数据库设置…"), QMessageBox.ButtonRole.ActionRole)
        box.finished.connect(lambda _r: self._error_box_closed(box.clickedButton() is settings_button))
        self.error_box = box
        box.show()

    def _error_box_closed(self, open_settings: bool) -> None:
        if not open_settings:
            self.finished.emit(EXIT_DB_UNAVAILABLE)
            return
        dialog = DbSettingsDialog(self.runner)
        dialog.finished.connect(lambda _r: self.finished.emit(EXIT_DB_UNAVAILABLE))
        self.settings_dialog = dialog
        dialog.show()

    def _opened(self, opened: Opened) -> None:
        self._close_splash()
        self.services = opened.services
        log.info("opened %s", opened.services.describe())
        self.runner.pool(
            warm_up_text,
            opened.dictionary_terms,
            pass_task=True,
            name="text warm-up",
            on_error=lambda exc: log.warning("text warm-up failed: %s", exc),
        )
        if opened.seed_problem:
            errors.show_error(None, ServiceError(self.tr("示例内容未能导入：") + opened.seed_problem))
        if opened.needs_first_manager:
            self.show_first_run()
        else:
            self.show_login()

    # --- dialogs and the window ------------------------------------------------------------------

    def show_first_run(self) -> None:
        assert self.services is not None
        dialog = FirstRunDialog(self.services, self.runner)
        dialog.succeeded.connect(self._first_run_done)
        dialog.rejected.connect(lambda: self.finished.emit(EXIT_OK))
        self.first_run_dialog = dialog
        dialog.show()

    def _first_run_done(self, result: FirstRunResult) -> None:
        if self.first_run_dialog is not None:
            self.first_run_dialog.deleteLater()
            self.first_run_dialog = None
        notice = self.tr("主管账号 {login} 已创建，请登录。").format(login=result.manager.login)
        if result.demo_summary:
            notice += "\n" + self.tr("演示账号：") + result.demo_summary
        if result.demo_error:
            notice += "\n" + self.tr("演示账号未能添加：") + result.demo_error
        self.show_login(login=result.manager.login, notice=notice)

    def show_login(self, login: str = "", notice: str = "") -> None:
        assert self.services is not None
        dialog = LoginDialog(self.services, self.runner, login=login, notice=notice)
        dialog.succeeded.connect(self._logged_in)
        dialog.rejected.connect(lambda: self.finished.emit(EXIT_OK))
        self.login_dialog = dialog
        dialog.show()

    def _logged_in(self, actor: Actor) -> None:
        assert self.services is not None
        if self.login_dialog is not None:
            self.login_dialog.deleteLater()
            self.login_dialog = None
        window = MainWindow(self.services, self.runner, actor, startup_notices=self.startup_notices)
        window.logout_requested.connect(self._logout)
        window.quit_requested.connect(lambda: self.finished.emit(EXIT_OK))
        self.window = window
        window.show()

    def _logout(self, notice: str) -> None:
        window = self.window
        self.window = None
        if window is not None:
            window.close_for_relogin()
            window.deleteLater()
        self.show_login(notice=notice)

    # --- the end ---------------------------------------------------------------------------------

    def close_all(self) -> None:
        """Close every window of the flow (the application is exiting)."""
        self._close_splash()
        for widget in (self.first_run_dialog, self.login_dialog, self.error_box, self.settings_dialog):
            if widget is not None:
                widget.close()
        if self.window is not None:
            self.window.close_for_relogin()
            self.window = None

    def close_services(self) -> None:
        """After the runner has stopped: release the database."""
        if self.services is not None:
            self.services.close()
            self.services = None
