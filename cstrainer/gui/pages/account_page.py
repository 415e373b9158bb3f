"""我的账号: every role sees their profile, changes their password, reads their login history."""

from __future__ import annotations

from dataclasses import dataclass

from cstrainer.gui.context import PageContext
from cstrainer.gui.pages.account_page_view import AccountPageView
from cstrainer.gui.pages.registry import Page
from cstrainer.gui.password_dialog import ChangePasswordDialog, PasswordMode
from cstrainer.gui.qt import QT_TRANSLATE_NOOP, QColor, QCoreApplication, QVBoxLayout, QWidget
from cstrainer.gui.table_model import Column, RecordTableModel, local_time
from cstrainer.services import Services
from cstrainer.services.actor import Actor
from cstrainer.services.auth import REASON_LABELS, LoginRecord
from cstrainer.services.users import UserInfo

SOURCE_LABELS = {
    "gui": QT_TRANSLATE_NOOP("AccountPage", "桌面程序"),
    "cli": QT_TRANSLATE_NOOP("AccountPage", "命令行"),
    "gui-first-run": QT_TRANSLATE_NOOP("AccountPage", "首次启动"),
}


def _t(text: str) -> str:
    return QCoreApplication.translate("AccountPage", text)


def history_columns() -> list[Column[LoginRecord]]:
    return [
        Column(
            QCoreApplication.translate("AccountPage", "时间"),
            lambda r: local_time(r.at, "%Y-%m-%d %H:%M:%S"),
            sort_key=lambda r: r.at.timestamp(),
        ),
        Column(
            QCoreApplication.translate("AccountPage", "结果"),
            lambda r: (
                QCoreApplication.translate("AccountPage", "成功")
                if r.success
                else QCoreApplication.translate("AccountPage", "失败")
            ),
            foreground=lambda r: None if r.success else QColor("#c62828"),
        ),
        Column(
            QCoreApplication.translate("AccountPage", "说明"), lambda r: REASON_LABELS.get(r.reason, r.reason)
        ),
        Column(
            QCoreApplication.translate("AccountPage", "来源"),
            lambda r: _t(SOURCE_LABELS[r.source]) if r.source in SOURCE_LABELS else r.source,
        ),
    ]


@dataclass(frozen=True)
class AccountData:
    me: UserInfo
    history: list[LoginRecord]


def load_account(services: Services, actor: Actor) -> AccountData:
    return AccountData(services.users.get(actor, actor.login), services.auth.history(actor))


class AccountPage(Page):
    def __init__(self, ctx: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.view = AccountPageView(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)
        self.history_model: RecordTableModel[LoginRecord] = RecordTableModel(history_columns(), self)
        self.view.history_table.setModel(self.history_model)
        self.view.change_password_button.clicked.connect(self.change_password)
        self.me: UserInfo | None = None
        self.password_dialog: ChangePasswordDialog | None = None

    def page_shown(self) -> None:
        self.reload()

    def reload(self) -> None:
        self.ctx.runner.db(load_account, self.ctx.services, self.ctx.actor, on_done=self._show, owner=self)

    def _show(self, data: AccountData) -> None:
        me = data.me
        self.me = me
        v = self.view
        v.login_value.setText(me.login)
        v.name_value.setText(me.display_name)
        v.role_value.setText(me.role.label)
        v.team_value.setText(me.team_name or self.tr("未分组"))
        v.brands_value.setText("、".join(me.brand_names) or self.tr("无"))
        v.status_value.setText(me.status_label)
        v.last_login_value.setText(local_time(me.last_login_at) or self.tr("从未登录"))
        self.history_model.set_rows(data.history)

    def change_password(self) -> None:
        services, actor = self.ctx.services, self.ctx.actor

        def submit(old: str | None, new: str) -> None:
            services.users.set_password(actor, actor.login, new, old_password=old)

        dialog = ChangePasswordDialog(
            self.ctx.runner, actor.login, submit, PasswordMode.OWN, self, display_name=actor.display_name
        )
        dialog.succeeded.connect(lambda _r: self._password_changed())
        self.password_dialog = dialog
        dialog.open()

    def _password_changed(self) -> None:
        self.ctx.show_status(self.tr("密码已修改"))
        self.reload()
