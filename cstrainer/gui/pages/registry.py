"""The registry of main-window pages (navigation modules).

A page module registers itself when imported::

    from cstrainer.gui.qt import QT_TRANSLATE_NOOP
    from cstrainer.gui.pages.registry import ORDER, register_page

    register_page(
        key="exams",
        title=QT_TRANSLATE_NOOP("pages", "考试"),       # source text; translated when shown
        factory=ExamPage,                                # Callable[[PageContext], QWidget]
        icon="SP_FileDialogContentsView",                # a QStyle.StandardPixmap name, theme name or file
        roles={Role.TRAINEE, Role.AGENT},                # None = every role
        permission=None,                                 # and/or a Permission the actor must hold
        order=ORDER["考试"],
    )

and is listed in ``cstrainer.gui.pages.BUILTIN_PAGE_MODULES``. The main window shows, in
``order``, only the pages whose ``allows(actor)`` is true, and builds each one lazily the first
time it is opened. A page widget may derive from :class:`Page` to hear when it is shown, veto
leaving (an exam in progress) and clean up at logout.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from cstrainer.domain.accounts import Permission, Role
from cstrainer.gui.context import PageContext
from cstrainer.gui.qt import QApplication, QCoreApplication, QIcon, QStyle, QWidget
from cstrainer.services.actor import Actor

PageFactory = Callable[[PageContext], QWidget]

# Where each module of the product sits in the navigation (later issues fill the gaps).
ORDER: dict[str, int] = {
    "我的任务": 5,  # the first page: what the main window opens after login
    "考试": 10,
    "题库": 15,
    "试卷管理": 16,
    "对话模拟": 20,
    "场景编辑": 22,
    "对话记录": 24,
    "产品手册": 30,
    "手册学习": 32,
    "话术库": 40,
    "违禁词库": 42,
    "话术练习": 45,
    "练习": 50,
    "成长路径": 55,
    "任务分配": 58,
    "报表": 60,
    "管理": 70,
    "审计日志": 75,
    "我的账号": 90,
}


class Page(QWidget):
    """Optional base class for pages: hooks the main window calls."""

    def page_shown(self) -> None:
        """The page became the current one (also the first time): refresh what may be stale."""

    def can_leave(self) -> bool:
        """False keeps the person on this page (ask them first, e.g. an unfinished exam)."""
        return True

    def page_closing(self) -> None:
        """The session ends (logout, switching user, quitting): cancel work, drop references."""


@dataclass(frozen=True)
class PageSpec:
    key: str
    title: str
    factory: PageFactory
    icon: str | None = None
    roles: frozenset[Role] | None = None
    permission: Permission | None = None
    order: int = 100

    def allows(self, actor: Actor) -> bool:
        if self.roles is not None and actor.role not in self.roles:
            return False
        return self.permission is None or actor.can(self.permission)

    def display_title(self) -> str:
        return QCoreApplication.translate("pages", self.title)

    def make_icon(self) -> QIcon:
        return icon_for(self.icon)


def icon_for(name: str | None) -> QIcon:
    """A QStyle standard icon (``"SP_..."``), an icon file, or a freedesktop theme icon name."""
    if not name:
        return QIcon()
    if name.startswith("SP_"):
        pixmap = getattr(QStyle.StandardPixmap, name, None)
        app = QApplication.instance()
        if pixmap is not None and isinstance(app, QApplication):
            return app.style().standardIcon(pixmap)
        return QIcon()
    if Path(name).suffix and Path(name).is_file():
        return QIcon(name)
    return QIcon.fromTheme(name)


class PageRegistry:
    def __init__(self) -> None:
        self._specs: dict[str, PageSpec] = {}

    def register(self, spec: PageSpec) -> PageSpec:
        # Re-registering a key replaces it (a module reloaded in a test, a plugin overriding).
        self._specs[spec.key] = spec
        return spec

    def unregister(self, key: str) -> None:
        self._specs.pop(key, None)

    def get(self, key: str) -> PageSpec:
        return self._specs[key]

    def all(self) -> list[PageSpec]:
        return sorted(self._specs.values(), key=lambda s: (s.order, s.key))

    def pages_for(self, actor: Actor) -> list[PageSpec]:
        return [s for s in self.all() if s.allows(actor)]


REGISTRY = PageRegistry()


def register_page(
    key: str,
    title: str,
    factory: PageFactory,
    *,
    icon: str | None = None,
    roles: Iterable[Role] | None = None,
    permission: Permission | None = None,
    order: int = 100,
    registry: PageRegistry | None = None,
) -> PageSpec:
    """Add a page to the navigation (see the module docstring)."""
    spec = PageSpec(
        key=key,
        title=title,
        factory=factory,
        icon=icon,
        roles=frozenset(roles) if roles is not None else None,
        permission=permission,
        order=order,
    )
    return (registry or REGISTRY).register(spec)
