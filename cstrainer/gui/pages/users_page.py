"""The people list: create, edit, reset passwords, disable/enable and unlock accounts.

Managers manage; a trainer (who may view the list) sees it read-only. The services check the
role on every call anyway; hiding the buttons only spares people a refusal.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cstrainer.domain.accounts import Permission, Role
from cstrainer.gui import prompts
from cstrainer.gui.context import PageContext
from cstrainer.gui.pages.registry import Page
from cstrainer.gui.pages.user_dialogs import UserFormDialog
from cstrainer.gui.pages.users_page_view import UsersPageView
from cstrainer.gui.password_dialog import ChangePasswordDialog, PasswordMode
from cstrainer.gui.qt import QColor, QCoreApplication, QModelIndex, Qt, QVBoxLayout, QWidget
from cstrainer.gui.table_model import RECORD_ROLE, Column, RecordTableModel, filter_proxy, local_time
from cstrainer.services import Services
from cstrainer.services.actor import Actor
from cstrainer.services.users import BrandInfo, TeamInfo, UserInfo

_ROLE_ORDER = {r: i for i, r in enumerate(Role)}
_STATUS_COLOURS = {"已停用": "#9e9e9e", "已锁定": "#c62828", "待设密码": "#ef6c00"}


def user_columns() -> list[Column[UserInfo]]:
    return [
        Column(QCoreApplication.translate("UsersPage", "登录名"), lambda u: u.login),
        Column(QCoreApplication.translate("UsersPage", "姓名"), lambda u: u.display_name),
        Column(
            QCoreApplication.translate("UsersPage", "角色"),
            lambda u: u.role.label,
            sort_key=lambda u: _ROLE_ORDER[u.role],
        ),
        Column(QCoreApplication.translate("UsersPage", "小组"), lambda u: u.team_name or ""),
        Column(QCoreApplication.translate("UsersPage", "品牌"), lambda u: "、".join(u.brand_names)),
        Column(
            QCoreApplication.translate("UsersPage", "状态"),
            lambda u: u.status_label,
            foreground=lambda u: (
                QColor(_STATUS_COLOURS[u.status_label]) if u.status_label in _STATUS_COLOURS else None
            ),
        ),
        Column(
            QCoreApplication.translate("UsersPage", "最近登录"),
            lambda u: local_time(u.last_login_at),
            sort_key=lambda u: u.last_login_at.timestamp() if u.last_login_at else 0.0,
        ),
    ]


@dataclass(frozen=True)
class PeopleData:
    users: list[UserInfo]
    teams: list[TeamInfo]
    brands: list[BrandInfo]


def load_people(services: Services, actor: Actor) -> PeopleData:
    return PeopleData(services.users.list(actor), services.users.teams(), services.users.brands())


class UsersPage(Page):
    def __init__(self, ctx: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.view = UsersPageView(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)
        self.model: RecordTableModel[UserInfo] = RecordTableModel(user_columns(), self)
        self.proxy = filter_proxy(self.model, self)
        self.view.table.setModel(self.proxy)
        self.view.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.teams: list[TeamInfo] = []
        self.brands: list[BrandInfo] = []
        self.dialog: QWidget | None = None  # the dialog currently open (tests reach it here)
        self._reselect: str | None = None
        self.can_manage = ctx.actor.can(Permission.MANAGE_USERS)
        for button in self.view.manage_buttons:
            button.setVisible(self.can_manage)
        self.view.read_only_label.setVisible(not self.can_manage)

        v = self.view
        v.filter_edit.textChanged.connect(self._filter)
        v.table.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        v.table.doubleClicked.connect(lambda _i: self.edit_user() if self.can_manage else None)
        v.new_button.clicked.connect(self.new_user)
        v.edit_button.clicked.connect(self.edit_user)
        v.password_button.clicked.connect(self.reset_password)
        v.toggle_active_button.clicked.connect(self.toggle_active)
        v.unlock_button.clicked.connect(self.unlock)
        v.refresh_button.clicked.connect(self.reload)
        self._update_buttons()

    # --- loading ---------------------------------------------------------------------------------

    def page_shown(self) -> None:
        self.reload()

    def reload(self, select_login: str | None = None) -> None:
        current = self.selected_user()
        self._reselect = select_login or (current.login if current else None)
        self.ctx.runner.db(load_people, self.ctx.services, self.ctx.actor, on_done=self._loaded, owner=self)

    def _loaded(self, data: PeopleData) -> None:
        self.teams, self.brands = data.teams, data.brands
        self.model.set_rows(data.users)
        if self._reselect:
            self.select_login(self._reselect)
        self._update_count()
        self._update_buttons()

    def _filter(self, text: str) -> None:
        self.proxy.setFilterFixedString(text.strip())
        self._update_count()

    def _update_count(self) -> None:
        shown, total = self.proxy.rowCount(), self.model.rowCount()
        text = (
            self.tr("共 {n} 人").format(n=total)
            if shown == total
            else self.tr("显示 {shown} / {n} 人").format(shown=shown, n=total)
        )
        self.view.count_label.setText(text)

    # --- selection -------------------------------------------------------------------------------

    def selected_user(self) -> UserInfo | None:
        rows = self.view.table.selectionModel().selectedRows()
        if not rows:
            return None
        record = self.proxy.data(rows[0], RECORD_ROLE)
        return record if isinstance(record, UserInfo) else None

    def select_login(self, login: str) -> bool:
        row = self.model.find(lambda u: u.login == login)
        if row < 0:
            return False
        index = self.proxy.mapFromSource(self.model.index(row, 0))
        if not index.isValid():
            return False
        self.view.table.selectRow(index.row())
        self.view.table.scrollTo(index)
        return True

    def _update_buttons(self) -> None:
        user = self.selected_user()
        v = self.view
        v.edit_button.setEnabled(user is not None)
        v.password_button.setEnabled(user is not None)
        is_self = user is not None and user.login == self.ctx.actor.login
        v.toggle_active_button.setEnabled(user is not None and not (is_self and user.active))
        v.toggle_active_button.setText(
            self.tr("启用") if user is not None and not user.active else self.tr("停用")
        )
        v.unlock_button.setEnabled(user is not None and user.is_locked())

    # --- actions ---------------------------------------------------------------------------------

    def _open(self, dialog: Any) -> None:
        self.dialog = dialog
        dialog.open()

    def new_user(self) -> None:
        dialog = UserFormDialog(
            self.ctx.services, self.ctx.runner, self.ctx.actor, self.teams, self.brands, None, self
        )
        dialog.succeeded.connect(
            lambda u: self._changed(u, self.tr("已创建账号 {login}").format(login=u.login))
        )
        self._open(dialog)

    def edit_user(self) -> None:
        user = self.selected_user()
        if user is None:
            return
        dialog = UserFormDialog(
            self.ctx.services, self.ctx.runner, self.ctx.actor, self.teams, self.brands, user, self
        )
        dialog.succeeded.connect(lambda u: self._changed(u, self.tr("已保存 {login}").format(login=u.login)))
        self._open(dialog)

    def reset_password(self) -> None:
        user = self.selected_user()
        if user is None:
            return
        users, actor, login = self.ctx.services.users, self.ctx.actor, user.login

        def submit(_old: str | None, new: str) -> None:
            users.set_password(actor, login, new)

        mode = PasswordMode.RESET
        dialog = ChangePasswordDialog(
            self.ctx.runner, login, submit, mode, self, display_name=user.display_name
        )
        dialog.succeeded.connect(
            lambda _r: self._changed(user, self.tr("已为 {login} 重设密码").format(login=login))
        )
        self._open(dialog)

    def toggle_active(self) -> None:
        user = self.selected_user()
        if user is None:
            return
        if user.active:
            question = self.tr(
                "停用 {name}（{login}）？停用后此账号不能登录，但记录和成绩都会保留，随时可以重新启用。"
            )
            if not prompts.confirm(
                self,
                self.tr("停用账号"),
                question.format(name=user.display_name, login=user.login),
                ok_text=self.tr("停用"),
            ):
                return
            self._run(self.ctx.services.users.disable, user.login, done=self.tr("已停用 {login}"))
        else:
            self._run(self.ctx.services.users.enable, user.login, done=self.tr("已启用 {login}"))

    def unlock(self) -> None:
        user = self.selected_user()
        if user is not None:
            self._run(self.ctx.services.users.unlock, user.login, done=self.tr("已解锁 {login}"))

    def _run(self, fn: Callable[[Actor, str], UserInfo], login: str, *, done: str) -> None:
        """One service call about one account, then refresh the table (errors: the error dialog)."""
        self.ctx.runner.db(
            fn,
            self.ctx.actor,
            login,
            on_done=lambda u: self._changed(u, done.format(login=login)),
            owner=self,
        )

    def _changed(self, user: UserInfo, status: str) -> None:
        self.dialog = None
        self.ctx.show_status(status)
        self.reload(select_login=user.login)

    def index_of(self, login: str) -> QModelIndex:
        row = self.model.find(lambda u: u.login == login)
        return self.model.index(row, 0) if row >= 0 else QModelIndex()
