"""The main window: assembles the registered pages the logged-in person may see. Nothing else.

Pages are built lazily the first time they are opened, get a :class:`PageContext` through their
constructor, and are told when they are shown (``page_shown``) and when the session ends
(``page_closing``).

After login (``startup_notices``, on in the app, off by default so tests opt in) the window asks,
on the database thread and never delaying start-up, whether the phrase library has news: an agent
or trainee sees "本次更新" (what changed since the release they last looked at, with its quiz); a
trainer sees the biweekly release reminder in the status bar.

Team database unreachable: when a background job fails for want of a connection (the task
runner's ``connection_lost``), a banner above the page says so and a cheap query is retried every
:data:`PROBE_MS` (or at once with 立即重试); the banner goes when any database job succeeds again.
At login, and again when the connection comes back, what this person typed while the database was
unreachable and is still in the offline journal (:mod:`cstrainer.services.offline_journal`) is
sent first (entries an open exam or chat sends itself are left to it).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

import cstrainer
from cstrainer import paths
from cstrainer.domain.accounts import Permission
from cstrainer.gc_freeze import freeze_long_lived
from cstrainer.gui import prompts
from cstrainer.gui.context import PageContext
from cstrainer.gui.main_window_view import MainWindowView
from cstrainer.gui.pages import load_builtin_pages
from cstrainer.gui.pages.registry import REGISTRY, Page, PageRegistry, PageSpec
from cstrainer.gui.qt import (
    QCloseEvent,
    QHeaderView,
    QListWidgetItem,
    QMainWindow,
    Qt,
    QTimer,
    QWidget,
    Signal,
    is_valid_qobject,
)
from cstrainer.gui.tasks import TaskRunner
from cstrainer.services import Services
from cstrainer.services.actor import Actor
from cstrainer.services.offline_journal import ReplayReport, journal_for, ping_database, replay_pending

if TYPE_CHECKING:
    from cstrainer.domain.phrases import PhraseItem
    from cstrainer.services.phrases import SeenChanges

log = logging.getLogger(__name__)

STATUS_TIMEOUT_MS = 6000
PROBE_MS = 10_000  # while the database is unreachable: try it this often
# Columns sized to their contents look at this many rows (Qt's default is 1,000): showing a page
# again re-measures them, and a table of a few hundred questions then took a quarter of a second.
RESIZE_PRECISION = 60


def fit_columns_quickly(page: QWidget) -> None:
    """Let the page's "resize to contents" columns measure the visible rows and a few more."""
    for header in page.findChildren(QHeaderView):
        header.setResizeContentsPrecision(RESIZE_PRECISION)


_FROZEN = "cstrainerFrozenSections"


def freeze_columns(page: QWidget) -> None:
    """A page being left keeps its column widths: "resize to contents" columns become fixed
    widths until the table's data changes, so that showing the page again draws at once instead
    of measuring every column first (the largest part of switching to a page with a table)."""
    for header in page.findChildren(QHeaderView):
        model = header.model()
        if model is None:
            continue
        auto = [
            i
            for i in range(header.count())
            if header.sectionResizeMode(i) == QHeaderView.ResizeMode.ResizeToContents
        ]
        if not auto:
            continue
        sizes = [header.sectionSize(i) for i in auto]
        for i, size in zip(auto, sizes, strict=True):
            header.setSectionResizeMode(i, QHeaderView.ResizeMode.Interactive)
            header.resizeSection(i, size)
        frozen = set(header.property(_FROZEN) or []) | set(auto)
        header.setProperty(_FROZEN, sorted(frozen))
        if not header.property(_FROZEN + "Hooked"):
            header.setProperty(_FROZEN + "Hooked", True)
            thaw = _thawer(header)
            for signal in (
                model.modelReset,
                model.layoutChanged,
                model.dataChanged,
                model.rowsInserted,
                model.rowsRemoved,
            ):
                signal.connect(thaw)


def _thawer(header: QHeaderView) -> Callable[..., None]:
    def thaw(*_args: object) -> None:
        if not is_valid_qobject(header):  # the model outlived its table (a page being closed)
            return
        frozen = header.property(_FROZEN) or []
        if frozen:
            header.setProperty(_FROZEN, [])
            for i in frozen:
                if i < header.count():
                    header.setSectionResizeMode(i, QHeaderView.ResizeMode.ResizeToContents)

    return thaw


class MainWindow(QMainWindow):
    logout_requested = Signal(str)  # a notice for the login dialog ("" for a plain logout)
    quit_requested = Signal()

    def __init__(
        self,
        services: Services,
        runner: TaskRunner,
        actor: Actor,
        parent: QWidget | None = None,
        *,
        registry: PageRegistry | None = None,
        startup_notices: bool = False,
    ) -> None:
        super().__init__(parent)
        if registry is None:
            load_builtin_pages()
        self.ctx = PageContext(
            services,
            runner,
            actor,
            request_relogin=self.request_relogin,
            show_status=self.show_status,
            open_page=self.open_page,
        )
        self.view = MainWindowView(self)
        self.setWindowTitle(
            self.tr("客服训练营 - {name}（{role}）").format(name=actor.display_name, role=actor.role.label)
        )
        self.specs: list[PageSpec] = (registry or REGISTRY).pages_for(actor)
        self.pages: dict[str, QWidget] = {}
        self._ending = False
        self._relogin_pending = False
        self.news_dialog: QWidget | None = None  # "本次更新" shown after login (tests reach it here)

        for spec in self.specs:
            item = QListWidgetItem(spec.make_icon(), spec.display_title())
            item.setData(Qt.ItemDataRole.UserRole, spec.key)
            self.view.nav.addItem(item)
        self.view.user_label.setText(
            self.tr("{name}（{role}）").format(name=actor.display_name, role=actor.role.label)
        )
        self.view.database_label.setText(self.tr("数据库：{db}").format(db=services.describe()))

        self._probe_timer = QTimer(self)
        self._probe_timer.setInterval(PROBE_MS)
        self._probe_timer.timeout.connect(self.probe_connection)
        self.view.connection_retry_button.clicked.connect(self.probe_connection)
        runner.connection_lost.connect(self._connection_lost)
        runner.connection_restored.connect(self._connection_restored)
        if runner.connection_down:
            self._connection_lost("")
        self.replay_offline_journal()  # queued before any page's first job

        self.view.nav.currentRowChanged.connect(self._navigate)
        self.view.switch_user_action.triggered.connect(lambda: self.request_relogin(""))
        self.view.quit_action.triggered.connect(self.close)
        self.view.about_action.triggered.connect(self.show_about)
        self._current_row = -1
        if self.specs:
            self.view.nav.setCurrentRow(0)
        if startup_notices:
            self.check_phrase_news()

    # --- pages -----------------------------------------------------------------------------------

    def page_keys(self) -> list[str]:
        """The keys of the pages in the navigation, in order."""
        return [s.key for s in self.specs]

    def page_titles(self) -> list[str]:
        return [self.view.nav.item(i).text() for i in range(self.view.nav.count())]

    def current_key(self) -> str | None:
        row = self.view.nav.currentRow()
        return self.specs[row].key if 0 <= row < len(self.specs) else None

    def show_page(self, key: str) -> QWidget:
        """Switch to a page (building it if needed) and return its widget."""
        row = self.page_keys().index(key)
        self.view.nav.setCurrentRow(row)
        return self.pages[key]

    def open_page(self, key: str) -> QWidget | None:
        """For pages (``PageContext.open_page``): switch to ``key`` if this person has that page.

        Returns the page's widget, or None when there is no such page here or the current page
        refused to be left (an exam in progress whose leaving the person did not confirm).
        """
        if key not in self.page_keys():
            return None
        self.view.nav.setCurrentRow(self.page_keys().index(key))
        return self.pages.get(key) if self.current_key() == key else None

    def page(self, key: str) -> QWidget | None:
        return self.pages.get(key)

    def _navigate(self, row: int) -> None:
        if row < 0 or row == self._current_row:
            return
        previous = self.current_page()
        if isinstance(previous, Page) and not previous.can_leave():
            self.view.nav.blockSignals(True)
            self.view.nav.setCurrentRow(self._current_row)
            self.view.nav.blockSignals(False)
            return
        spec = self.specs[row]
        widget = self.pages.get(spec.key)
        if widget is None:
            widget = spec.factory(self.ctx)
            fit_columns_quickly(widget)
            self.pages[spec.key] = widget
            freeze_long_lived()  # the page and its modules stay: out of full GC passes
        if previous is not None:
            freeze_columns(previous)
        self._current_row = row
        self.view.stack.show_page(widget)
        self.view.title_label.setText(spec.display_title())
        if isinstance(widget, Page):
            widget.page_shown()

    def current_page(self) -> QWidget | None:
        if 0 <= self._current_row < len(self.specs):
            return self.pages.get(self.specs[self._current_row].key)
        return None

    # --- phrase-library news after login ------------------------------------------------------------

    def check_phrase_news(self) -> None:
        """Ask in the background for the release reminder (trainers) or what changed (others)."""
        actor, services = self.ctx.actor, self.ctx.services
        if actor.can(Permission.EDIT_CONTENT):
            self.ctx.runner.db(
                services.phrases.release_reminder,
                actor,
                on_done=self._show_release_reminder,
                on_error=self._news_failed,
                owner=self,
                name="main.release_reminder",
            )
        elif actor.user_id is not None:
            from cstrainer.gui.pages.phrases_page import latest_changes

            self.ctx.runner.db(
                latest_changes,
                services,
                actor,
                only_new=True,
                on_done=self._show_whats_new,
                on_error=self._news_failed,
                owner=self,
                name="main.whats_new",
            )

    def _show_release_reminder(self, text: str | None) -> None:
        label = self.view.reminder_label
        label.setText("⏰ " + text if text else "")
        label.setToolTip(self.tr("在“话术库”页点“版本发布与对比…”发布新版本") if text else "")
        label.setVisible(bool(text))

    def _show_whats_new(self, result: tuple[SeenChanges, list[PhraseItem]] | None) -> None:
        if result is None or self._ending:
            return
        from cstrainer.gui.pages.phrase_release_dialog import WhatChangedDialog

        changes, items = result
        dialog = WhatChangedDialog(self.ctx, changes, items, self)
        self.news_dialog = dialog
        dialog.open()

    @staticmethod
    def _news_failed(exc: BaseException) -> None:
        # news are a courtesy: a failure here must not greet the person with an error dialog
        log.warning("checking the phrase library for news failed: %s", exc)

    # --- the team database unreachable ------------------------------------------------------------

    def _connection_lost(self, _message: str) -> None:
        if self._ending:
            return
        self.view.connection_label.setText(
            self.tr(
                "与团队数据库的连接已断开，正在重试… 考试作答和对话回复会先保存在本机，恢复连接后自动上传；"
                "其他操作请在恢复连接后再做一次。"
            )
        )
        self.view.connection_bar.setVisible(True)
        self._probe_timer.start()

    def _connection_restored(self) -> None:
        self._probe_timer.stop()
        if self.view.connection_bar.isVisible():
            self.view.connection_bar.setVisible(False)
            self.show_status(self.tr("已重新连接团队数据库。"))
        if not self._ending:
            self.replay_offline_journal()  # what no open exam or chat sends itself

    def probe_connection(self) -> None:
        """One trivial query; its success (or any other job's) hides the banner."""
        runner = self.ctx.runner
        if runner.closed or self._ending:
            return
        self.view.connection_label.setText(self.tr("与团队数据库的连接已断开，正在重试…"))
        runner.db(
            ping_database,
            self.ctx.services,
            on_error=lambda exc: self._connection_lost(str(exc)),
            owner=self,
            name="main.ping",
        )

    def replay_offline_journal(self) -> None:
        """Send what this person typed while the database was unreachable (if anything waits)."""
        journal = journal_for(self.ctx.services, self.ctx.actor)
        if journal is None or not len(journal):
            return
        self.ctx.runner.db(
            replay_pending,
            self.ctx.services,
            self.ctx.actor,
            journal,
            raise_offline=True,  # an outage at login shows the banner; the entries wait
            on_done=self._offline_replayed,
            on_error=lambda exc: log.warning("replaying the offline journal failed: %s", exc),
            owner=self,
            name="main.replay_offline",
        )

    def _offline_replayed(self, report: ReplayReport) -> None:
        if report.sent:
            self.show_status(self.tr("已上传上次断线时保存在本机的 {n} 条作答或回复。").format(n=report.sent))
        if report.rejected:
            prompts.inform(
                self,
                self.tr("离线保存的内容"),
                self.tr("以下内容是断线时保存在本机的，但已无法上传（副本留在本机的 rejected.jsonl 中）：\n")
                + "\n".join(report.rejected),
            )

    # --- session ---------------------------------------------------------------------------------

    def show_status(self, text: str) -> None:
        self.statusBar().showMessage(text, STATUS_TIMEOUT_MS)

    def _end_session(self) -> bool:
        """Ask the current page whether it may be left, then tell every page the session ends."""
        current = self.current_page()
        if isinstance(current, Page) and not current.can_leave():
            return False
        for widget in self.pages.values():
            if isinstance(widget, Page):
                try:
                    widget.page_closing()
                except Exception:
                    log.exception("page %r failed to close cleanly", widget)
        if self.news_dialog is not None:
            self.news_dialog.close()
            self.news_dialog = None
        self._probe_timer.stop()
        journal = journal_for(self.ctx.services, self.ctx.actor)
        if journal is not None:
            journal.remove_if_empty()
        self._ending = True
        return True

    def request_relogin(self, notice: str = "") -> None:
        """Back to the login dialog (switch user, logout, after a restore)."""
        if self._ending or not self._end_session():
            return
        self.logout_requested.emit(notice)

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self._ending and not self._end_session():
            event.ignore()
            return
        event.accept()
        if not self._relogin_pending:
            self.quit_requested.emit()

    def close_for_relogin(self) -> None:
        """Close without asking the app to quit (the flow shows the login dialog next)."""
        self._relogin_pending = True
        self.close()

    def show_about(self) -> None:
        from cstrainer.logging_setup import LOG_FILENAME

        text = self.tr(
            "<h3>客服训练营 {version}</h3>"
            "<p>面向电商店铺客服团队的离线培训工具：考试、对话模拟、产品手册、话术库与练习。</p>"
            "<p>数据库：{db}<br>日志：{log}</p>"
        ).format(
            version=cstrainer.__version__,
            db=self.ctx.services.describe(),
            log=paths.log_dir() / LOG_FILENAME,
        )
        prompts.about(self, self.tr("关于客服训练营"), text)
