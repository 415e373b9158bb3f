"""Choosing a new password: one's own (with the old one), a forced change after login, or a reset.

The dialog checks the new password locally with :func:`cstrainer.domain.accounts.password_problem`
(the same rule the service applies) and then runs ``submit(old, new)`` on the database thread; the
caller decides which service call that is, so one dialog serves all three cases.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from typing import Any

from cstrainer.domain.accounts import password_problem
from cstrainer.gui.forms import FormDialog, Problem, password_edit
from cstrainer.gui.qt import QWidget
from cstrainer.gui.tasks import TaskRunner

Submit = Callable[[str | None, str], Any]


class PasswordMode(Enum):
    OWN = "own"  # change my password: old + new + confirm
    FORCED = "forced"  # right after login with must_change_password: new + confirm
    RESET = "reset"  # a manager sets someone else's: new + confirm


class ChangePasswordDialog(FormDialog):
    def __init__(
        self,
        runner: TaskRunner,
        login: str,
        submit: Submit,
        mode: PasswordMode = PasswordMode.OWN,
        parent: QWidget | None = None,
        *,
        display_name: str = "",
    ) -> None:
        super().__init__(runner, parent)
        self.login = login
        self.mode = mode
        self._submit = submit
        who = f"{display_name}（{login}）" if display_name else login
        if mode is PasswordMode.OWN:
            self.setWindowTitle(self.tr("修改密码"))
            self.set_intro(self.tr("请输入原密码和新密码。"))
        elif mode is PasswordMode.FORCED:
            self.setWindowTitle(self.tr("设置新密码"))
            self.set_intro(self.tr("您的密码是由主管设置的，请先为自己设置一个新密码，然后才能继续使用。"))
        else:
            self.setWindowTitle(self.tr("重设密码"))
            self.set_intro(
                self.tr(
                    "为 {who} 设置一个新密码。对方下次登录后需要改成自己的密码；账号如被锁定也会一并解锁。"
                ).format(who=who)
            )
        self.old_edit = password_edit()
        if mode is PasswordMode.OWN:
            self.add_field("old_password", self.tr("原密码"), self.old_edit)
        self.new_edit = password_edit()
        self.add_field(
            "password", self.tr("新密码"), self.new_edit, hint=self.tr("至少 8 位，不要与登录名相同")
        )
        self.confirm_edit = password_edit()
        self.add_field("confirm", self.tr("确认新密码"), self.confirm_edit)
        self.ok_button.setText(self.tr("保存"))
        (self.old_edit if mode is PasswordMode.OWN else self.new_edit).setFocus()

    def check(self) -> list[Problem]:
        problems: list[Problem] = []
        if self.mode is PasswordMode.OWN and not self.old_edit.text():
            problems.append(("old_password", self.tr("请输入原密码")))
        new = self.new_edit.text()
        problem = password_problem(new, self.login)
        if problem:
            problems.append(("password", problem))
        elif new != self.confirm_edit.text():
            problems.append(("confirm", self.tr("两次输入的新密码不一致")))
        return problems

    def make_job(self) -> Callable[[], Any]:
        old = self.old_edit.text() if self.mode is PasswordMode.OWN else None
        new = self.new_edit.text()
        submit = self._submit
        return lambda: submit(old, new)
