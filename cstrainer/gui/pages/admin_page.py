"""管理: the people list and the data tab, for managers (and read-only/limited for trainers)."""

from __future__ import annotations

from cstrainer.gui.context import PageContext
from cstrainer.gui.pages.data_page import DataPage
from cstrainer.gui.pages.registry import Page
from cstrainer.gui.pages.users_page import UsersPage
from cstrainer.gui.qt import QTabWidget, QVBoxLayout, QWidget


class AdminPage(Page):
    def __init__(self, ctx: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.tabs = QTabWidget(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tabs)
        self.users_page = UsersPage(ctx)
        self.data_page = DataPage(ctx)
        self.tabs.addTab(self.users_page, self.tr("人员"))
        self.tabs.addTab(self.data_page, self.tr("数据"))
        self.tabs.currentChanged.connect(lambda _i: self._current().page_shown())

    def _current(self) -> Page:
        widget = self.tabs.currentWidget()
        assert isinstance(widget, Page)
        return widget

    def page_shown(self) -> None:
        self._current().page_shown()

    def show_tab(self, name: str) -> None:
        """``"users"`` or ``"data"``."""
        self.tabs.setCurrentWidget(self.users_page if name == "users" else self.data_page)
