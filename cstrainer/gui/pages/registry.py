"""The registry of main-window pages (navigation modules).

A page is registered with::

    register_page(
        key="exams",
        title=QT_TRANSLATE_NOOP("pages", "考试"),       # source text; translated when shown
        factory=LazyFactory("cstrainer.gui.pages.exams_page", "ExamsPage"),
                                                         # or any Callable[[PageContext], QWidget]
        icon="SP_FileDialogContentsView",                # a QStyle.StandardPixmap name, theme name or file
        roles={Role.TRAINEE, Role.AGENT},                # None = every role
        permission=None,                                 # and/or a Permission the actor must hold
        order=ORDER["考试"],
    )

The built-in pages are registered at the end of this module (:func:`_register_builtin_pages`)
with a :class:`LazyFactory`: a page's module, and what it imports (charts, import/export
formats, their services), is loaded the first time the page is opened, not at start-up. The
main window shows, in ``order``, only the pages whose ``allows(actor)`` is true, and builds each
one lazily the first time it is opened. A page widget may derive from :class:`Page` to hear when it is shown, veto
leaving (an exam in progress) and clean up at logout.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from cstrainer.domain.accounts import Permission, Role
from cstrainer.gui.context import PageContext
from cstrainer.gui.qt import QT_TRANSLATE_NOOP, QApplication, QCoreApplication, QIcon, QStyle, QWidget
from cstrainer.services.actor import Actor

PageFactory = Callable[[PageContext], QWidget]


@dataclass(frozen=True)
class LazyFactory:
    """A page factory that imports ``module`` and calls its ``name`` the first time it is used."""

    module: str
    name: str

    def load(self) -> PageFactory:
        factory: PageFactory = getattr(importlib.import_module(self.module), self.name)
        return factory

    def __call__(self, ctx: PageContext) -> QWidget:
        return self.load()(ctx)


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


def _register_builtin_pages() -> None:
    """The product's pages, in navigation order."""
    register_page(
        key="tasks",
        title=QT_TRANSLATE_NOOP("pages", "我的任务"),
        factory=LazyFactory("cstrainer.gui.pages.tasks_page", "TasksPage"),
        icon="SP_FileIcon",  # a sheet: the to-do list (我的账号 has the home icon)
        roles=None,  # everyone; trainers and managers see what was assigned to them (often nothing)
        order=ORDER["我的任务"],
    )
    register_page(
        key="exams",
        title=QT_TRANSLATE_NOOP("pages", "考试"),
        factory=LazyFactory("cstrainer.gui.pages.exams_page", "ExamsPage"),
        icon="SP_FileDialogContentsView",
        roles=None,  # everyone: trainees and agents take exams; trainers and managers see all of them
        order=ORDER["考试"],
    )
    register_page(
        key="question_bank",
        title=QT_TRANSLATE_NOOP("pages", "题库"),
        factory=LazyFactory("cstrainer.gui.pages.question_bank_page", "QuestionBankPage"),
        icon="SP_FileDialogListView",
        roles={Role.TRAINER, Role.MANAGER},
        permission=Permission.EDIT_CONTENT,
        order=ORDER["题库"],
    )
    register_page(
        key="exam_admin",
        title=QT_TRANSLATE_NOOP("pages", "试卷管理"),
        factory=LazyFactory("cstrainer.gui.pages.exam_admin_page", "ExamAdminPage"),
        icon="SP_FileDialogInfoView",
        roles={Role.TRAINER, Role.MANAGER},
        permission=Permission.EDIT_CONTENT,
        order=ORDER["试卷管理"],
    )
    register_page(
        key="roleplay",
        title=QT_TRANSLATE_NOOP("pages", "对话模拟"),
        factory=LazyFactory("cstrainer.gui.pages.roleplay_page", "RolePlayPage"),
        icon="SP_CommandLink",
        roles=None,  # everyone practises; trainers try their scenarios here too
        order=ORDER["对话模拟"],
    )
    register_page(
        key="scenario_editor",
        title=QT_TRANSLATE_NOOP("pages", "场景编辑"),
        factory=LazyFactory("cstrainer.gui.pages.scenario_editor_page", "ScenarioEditorPage"),
        icon="SP_DesktopIcon",
        roles={Role.TRAINER, Role.MANAGER},
        permission=Permission.EDIT_CONTENT,
        order=ORDER["场景编辑"],
    )
    register_page(
        key="roleplay-history",
        title=QT_TRANSLATE_NOOP("pages", "对话记录"),
        factory=LazyFactory("cstrainer.gui.pages.roleplay_history_page", "RolePlayHistoryPage"),
        icon="SP_MediaSeekBackward",
        roles=None,
        order=ORDER["对话记录"],
    )
    register_page(
        key="handbook",
        title=QT_TRANSLATE_NOOP("pages", "产品手册"),
        factory=LazyFactory("cstrainer.gui.pages.handbook_page", "HandbookPage"),
        icon="SP_FileDialogInfoView",
        roles=None,
        order=ORDER["产品手册"],
    )
    register_page(
        key="handbook_study",
        title=QT_TRANSLATE_NOOP("pages", "手册学习"),
        factory=LazyFactory("cstrainer.gui.pages.handbook_study_page", "HandbookStudyPage"),
        icon="SP_DialogYesButton",
        roles=None,
        order=ORDER["手册学习"],
    )
    register_page(
        key="phrases",
        title=QT_TRANSLATE_NOOP("pages", "话术库"),
        factory=LazyFactory("cstrainer.gui.pages.phrases_page", "PhrasesPage"),
        icon="SP_FileDialogDetailedView",
        roles=None,
        order=ORDER["话术库"],
    )
    register_page(
        key="compliance",
        title=QT_TRANSLATE_NOOP("pages", "违禁词库"),
        factory=LazyFactory("cstrainer.gui.pages.compliance_page", "CompliancePage"),
        icon="SP_MessageBoxWarning",
        roles=None,
        order=ORDER["违禁词库"],
    )
    register_page(
        key="phrase_drills",
        title=QT_TRANSLATE_NOOP("pages", "话术练习"),
        factory=LazyFactory("cstrainer.gui.pages.phrase_drills_page", "PhraseDrillsPage"),
        icon="SP_BrowserReload",
        roles=None,
        order=ORDER["话术练习"],
    )
    register_page(
        key="practice",
        title=QT_TRANSLATE_NOOP("pages", "练习"),
        factory=LazyFactory("cstrainer.gui.pages.practice_page", "PracticePage"),
        icon="SP_DialogApplyButton",
        roles=None,  # everyone
        order=ORDER["练习"],
    )
    register_page(
        key="growth",
        title=QT_TRANSLATE_NOOP("pages", "成长路径"),
        factory=LazyFactory("cstrainer.gui.pages.growth_page", "GrowthPage"),
        icon="SP_ArrowUp",
        roles=None,
        order=ORDER["成长路径"],
    )
    register_page(
        key="assignments",
        title=QT_TRANSLATE_NOOP("pages", "任务分配"),
        factory=LazyFactory("cstrainer.gui.pages.assignments_page", "AssignmentsPage"),
        icon="SP_FileDialogListView",
        roles={Role.TRAINER, Role.MANAGER},
        permission=Permission.VIEW_USERS,
        order=ORDER["任务分配"],
    )
    register_page(
        key="dashboard",
        title=QT_TRANSLATE_NOOP("pages", "报表"),
        factory=LazyFactory("cstrainer.gui.pages.dashboard_page", "DashboardPage"),
        icon="SP_ComputerIcon",  # a screen: the dashboards
        roles=None,
        order=ORDER["报表"],
    )
    register_page(
        key="admin",
        title=QT_TRANSLATE_NOOP("pages", "管理"),
        factory=LazyFactory("cstrainer.gui.pages.admin_page", "AdminPage"),
        icon="SP_FileDialogDetailedView",
        # Managers manage; trainers may view the people list and import/export content.
        roles={Role.TRAINER, Role.MANAGER},
        permission=Permission.VIEW_USERS,
        order=ORDER["管理"],
    )
    register_page(
        key="audit",
        title=QT_TRANSLATE_NOOP("pages", "审计日志"),
        factory=LazyFactory("cstrainer.gui.pages.audit_page", "AuditPage"),
        icon="SP_FileDialogDetailedView",
        permission=Permission.VIEW_AUDIT_LOG,
        order=ORDER["审计日志"],
    )
    register_page(
        key="account",
        title=QT_TRANSLATE_NOOP("pages", "我的账号"),
        factory=LazyFactory("cstrainer.gui.pages.account_page", "AccountPage"),
        icon="SP_DirHomeIcon",
        roles=None,
        order=ORDER["我的账号"],
    )


_register_builtin_pages()
