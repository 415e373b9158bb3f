"""First start on an empty database: create the first manager (and, if wanted, the demo accounts)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cstrainer.domain.accounts import login_problem, normalise_login, password_problem
from cstrainer.gui.forms import FormDialog, Problem, password_edit, set_message
from cstrainer.gui.qt import QCheckBox, QLineEdit, QWidget
from cstrainer.gui.tasks import TaskRunner
from cstrainer.services import Services
from cstrainer.services.errors import ServiceError
from cstrainer.services.users import UserInfo


@dataclass(frozen=True)
class FirstRunResult:
    manager: UserInfo
    demo_summary: str | None = None  # the import report, when demo accounts were asked for
    demo_error: str | None = None  # why the demo accounts could not be added (the manager exists)


def create_manager(
    services: Services, login: str, display_name: str, password: str, with_demo: bool
) -> FirstRunResult:
    """Runs on the database thread: the manager, then (logged in as them) the demo accounts."""
    manager = services.users.create_first_manager(login, display_name, password)
    if not with_demo:
        return FirstRunResult(manager)
    actor = services.auth.login(login, password, source="gui-first-run")
    try:
        report = services.content.import_demo_users(actor)
    except ServiceError as exc:
        # The manager exists now; failing the whole dialog would only make the person retry
        # into "a manager already exists". Report the demo problem and carry on.
        return FirstRunResult(manager, demo_error=str(exc))
    return FirstRunResult(manager, demo_summary=report.summary())


class FirstRunDialog(FormDialog):
    def __init__(self, services: Services, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(runner, parent, title=self.tr("欢迎使用客服训练营"))
        self.services = services
        self.setMinimumWidth(520)
        self.set_intro(
            self.tr(
                "这是一个新的数据库：{db}\n\n"
                "请先创建一个主管账号。主管可以添加人员、分配角色和小组、重设密码，"
                "也负责导入培训内容和备份数据库。请牢记这个密码。"
            ).format(db=services.describe())
        )
        self.login_edit = QLineEdit()
        self.login_edit.setPlaceholderText(self.tr("例如 zhangwei"))
        self.add_field(
            "login", self.tr("登录名"), self.login_edit, hint=self.tr("小写字母、数字、点、下划线或连字符")
        )
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText(self.tr("例如 张伟"))
        self.add_field("display_name", self.tr("姓名"), self.name_edit)
        self.password_edit = password_edit()
        self.add_field("password", self.tr("密码"), self.password_edit, hint=self.tr("至少 8 位"))
        self.confirm_edit = password_edit()
        self.add_field("confirm", self.tr("确认密码"), self.confirm_edit)
        self.demo_check = QCheckBox(self.tr("同时添加演示账号（新人、客服、培训师各一个，密码见 README）"))
        self.demo_check.setChecked(False)
        self.form.addRow("", self.demo_check)
        self.ok_button.setText(self.tr("创建主管账号"))
        self.buttons.button(self.buttons.StandardButton.Cancel).setText(self.tr("退出"))

        # Inline checks as the person types, once a field has something in it.
        self.login_edit.textChanged.connect(lambda _t: self._live_check("login"))
        self.password_edit.textChanged.connect(lambda _t: self._live_check("password"))
        self.confirm_edit.textChanged.connect(lambda _t: self._live_check("confirm"))
        self.login_edit.setFocus()

    def _problems(self) -> dict[str, str]:
        login = self.login_edit.text()
        password = self.password_edit.text()
        found: dict[str, str] = {}
        problem = login_problem(login)
        if problem:
            found["login"] = problem
        if not self.name_edit.text().strip():
            found["display_name"] = self.tr("请填写姓名")
        problem = password_problem(password, login)
        if problem:
            found["password"] = problem
        elif password != self.confirm_edit.text():
            found["confirm"] = self.tr("两次输入的密码不一致")
        return found

    def _live_check(self, key: str) -> None:
        edit = {"login": self.login_edit, "password": self.password_edit, "confirm": self.confirm_edit}[key]
        problems = self._problems()
        if key == "password":  # changing the password also changes whether the confirmation matches
            self._show_if_typed("confirm", self.confirm_edit, problems.get("confirm"))
        self._show_if_typed(key, edit, problems.get(key))

    def _show_if_typed(self, key: str, edit: QLineEdit, text: str | None) -> None:
        set_message(self._field_messages[key], text if edit.text() else None)

    def check(self) -> list[Problem]:
        found = self._problems()
        order = ("login", "display_name", "password", "confirm")
        return [(k, found[k]) for k in order if k in found]

    def make_job(self) -> Callable[[], Any]:
        login = normalise_login(self.login_edit.text())
        name = self.name_edit.text().strip()
        password = self.password_edit.text()
        with_demo = self.demo_check.isChecked()
        services = self.services
        return lambda: create_manager(services, login, name, password, with_demo)

    @property
    def result_info(self) -> FirstRunResult | None:
        return self.result_value if isinstance(self.result_value, FirstRunResult) else None
