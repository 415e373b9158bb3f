"""Logging in: the service's refusal shown inline, then a forced password change when required."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cstrainer.gui.db_settings_dialog import DbSettingsDialog
from cstrainer.gui.forms import INFO_STYLE, FormDialog, Problem, password_edit, set_message
from cstrainer.gui.password_dialog import ChangePasswordDialog, PasswordMode
from cstrainer.gui.qt import QDialogButtonBox, QFont, QLabel, QLineEdit, QPushButton, Qt, QWidget
from cstrainer.gui.tasks import TaskRunner
from cstrainer.services import Services
from cstrainer.services.actor import Actor
from cstrainer.services.errors import AuthenticationFailed


@dataclass(frozen=True)
class LoginOutcome:
    actor: Actor
    must_change_password: bool


def log_in(services: Services, login: str, password: str) -> LoginOutcome:
    """Runs on the database thread."""
    actor = services.auth.login(login, password, source="gui")
    return LoginOutcome(actor, actor.must_change_password)


class LoginDialog(FormDialog):
    """Accepted once someone is logged in (and has a password of their own): see :attr:`actor`."""

    def __init__(
        self,
        services: Services,
        runner: TaskRunner,
        parent: QWidget | None = None,
        *,
        login: str = "",
        notice: str = "",
    ) -> None:
        super().__init__(runner, parent, title=self.tr("登录 - 客服训练营"))
        self.services = services
        self.actor: Actor | None = None
        self.password_dialog: ChangePasswordDialog | None = None
        self._typed_password = ""

        heading = QLabel(self.tr("客服训练营"))
        font = QFont(heading.font())
        font.setPointSizeF(font.pointSizeF() * 1.8)
        font.setBold(True)
        heading.setFont(font)
        heading.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.main_layout.insertWidget(0, heading)
        sub = QLabel(self.tr("请使用您的账号登录"))
        sub.setAlignment(Qt.AlignmentFlag.AlignCenter)
        sub.setStyleSheet(INFO_STYLE)
        self.main_layout.insertWidget(1, sub)
        if notice:
            self.set_intro(notice)

        self.login_edit = QLineEdit(login)
        self.add_field("login", self.tr("登录名"), self.login_edit)
        self.password_edit = password_edit()
        self.add_field("password", self.tr("密码"), self.password_edit)

        self.database_label = QLabel(self.tr("数据库：{db}").format(db=services.describe()))
        self.database_label.setStyleSheet(INFO_STYLE)
        self.database_label.setWordWrap(True)
        self.database_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.main_layout.insertWidget(self.main_layout.indexOf(self.buttons), self.database_label)
        # Switching to a team database (or back) is chosen here, before anyone logs in.
        self.settings_button = QPushButton(self.tr("数据库设置…"))
        self.settings_button.setAutoDefault(False)
        self.settings_button.clicked.connect(self.open_db_settings)
        self.buttons.addButton(self.settings_button, QDialogButtonBox.ButtonRole.ResetRole)
        self.db_settings_dialog: DbSettingsDialog | None = None

        self.ok_button.setText(self.tr("登录"))
        self.buttons.button(self.buttons.StandardButton.Cancel).setText(self.tr("退出"))
        (self.password_edit if login else self.login_edit).setFocus()

    def open_db_settings(self) -> None:
        dialog = DbSettingsDialog(self.runner, self, current=self.services.db.url)
        dialog.finished.connect(dialog.deleteLater)
        self.db_settings_dialog = dialog
        dialog.open()

    def check(self) -> list[Problem]:
        if not self.login_edit.text().strip():
            return [("login", self.tr("请输入登录名"))]
        if not self.password_edit.text():
            return [("password", self.tr("请输入密码"))]
        return []

    def make_job(self) -> Callable[[], Any]:
        login = self.login_edit.text().strip()
        password = self.password_edit.text()
        self._typed_password = password
        services = self.services
        return lambda: log_in(services, login, password)

    def on_refused(self, exc: Exception) -> None:
        # Wrong password, locked, disabled, no password yet: the service's sentence says which.
        set_message(self.message, str(exc))
        if isinstance(exc, AuthenticationFailed):
            self.password_edit.clear()
            self.password_edit.setFocus()

    def handle_result(self, result: Any) -> None:
        assert isinstance(result, LoginOutcome)
        if result.must_change_password:
            self._ask_new_password(result.actor)
            return
        self._finish(result.actor)

    def _finish(self, actor: Actor) -> None:
        self.actor = actor
        self._typed_password = ""
        self.password_edit.clear()
        self.finish(actor)

    def _ask_new_password(self, actor: Actor) -> None:
        services = self.services
        old = self._typed_password

        def submit(_old: str | None, new: str) -> None:
            services.users.set_password(actor, actor.login, new, old_password=old)

        dialog = ChangePasswordDialog(
            self.runner, actor.login, submit, PasswordMode.FORCED, self, display_name=actor.display_name
        )
        self.password_dialog = dialog
        dialog.succeeded.connect(lambda _r: self._finish(actor))
        dialog.rejected.connect(self._password_change_declined)
        dialog.open()

    def _password_change_declined(self) -> None:
        self._typed_password = ""
        self.password_edit.clear()
        set_message(self.message, self.tr("需要先设置新密码才能使用本程序，请重新登录。"))
