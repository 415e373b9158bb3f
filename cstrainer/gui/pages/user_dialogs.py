"""The dialog to add a person or edit one (name, role, team, brands)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from cstrainer.domain.accounts import Role, login_problem, normalise_login, password_problem
from cstrainer.gui.forms import FormDialog, Problem, password_edit
from cstrainer.gui.qt import (
    QCheckBox,
    QComboBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    Qt,
    QWidget,
)
from cstrainer.gui.tasks import TaskRunner
from cstrainer.services import Services
from cstrainer.services.actor import Actor
from cstrainer.services.users import BrandInfo, TeamInfo, UserInfo


class UserFormDialog(FormDialog):
    """``user=None``: a new account; otherwise edit that account. Accepted with the new UserInfo."""

    def __init__(
        self,
        services: Services,
        runner: TaskRunner,
        actor: Actor,
        teams: Sequence[TeamInfo],
        brands: Sequence[BrandInfo],
        user: UserInfo | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(runner, parent)
        self.services = services
        self.actor = actor
        self.user = user
        self.teams = list(teams)
        self.setMinimumWidth(480)
        new = user is None
        self.setWindowTitle(self.tr("新建账号") if new else self.tr("编辑账号"))

        if new:
            self.login_edit = QLineEdit()
            self.login_edit.setPlaceholderText(self.tr("例如 lixiaomei"))
            self.add_field(
                "login",
                self.tr("登录名"),
                self.login_edit,
                hint=self.tr("小写字母、数字、点、下划线或连字符"),
            )
        else:
            assert user is not None
            self.login_edit = QLineEdit(user.login)
            self.login_edit.setReadOnly(True)
            self.add_field("login", self.tr("登录名"), QLabel(user.login))

        self.name_edit = QLineEdit(user.display_name if user else "")
        self.add_field("display_name", self.tr("姓名"), self.name_edit)

        self.role_combo = QComboBox()
        for role in Role:
            self.role_combo.addItem(role.label, role)
        self.role_combo.setCurrentIndex(list(Role).index(user.role if user else Role.TRAINEE))
        self.add_field("role", self.tr("角色"), self.role_combo)

        self.team_combo = QComboBox()
        self.team_combo.addItem(self.tr("（不分组）"), None)
        for team in self.teams:
            self.team_combo.addItem(f"{team.name}（{team.stage}）", team.key)
        if user and user.team_key:
            self.team_combo.setCurrentIndex(max(0, self.team_combo.findData(user.team_key)))
        self.add_field("team", self.tr("小组"), self.team_combo)

        self.brand_list = QListWidget()
        owned = set(user.brand_keys) if user else set()
        for brand in brands:
            item = QListWidgetItem(f"{brand.name}（{brand.key}）")
            item.setData(Qt.ItemDataRole.UserRole, brand.key)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if brand.key in owned else Qt.CheckState.Unchecked)
            self.brand_list.addItem(item)
        row_height = max(self.brand_list.sizeHintForRow(0), 20) if brands else 20
        self.brand_list.setFixedHeight(min(150, 6 + row_height * max(2, len(brands))))
        if not brands:
            self.brand_list.setVisible(False)
            self.add_field("brands", self.tr("负责品牌"), QLabel(self.tr("还没有品牌（导入内容包后可选）")))
        else:
            self.add_field(
                "brands", self.tr("负责品牌"), self.brand_list, hint=self.tr("一名客服可同时负责多个品牌")
            )

        self.password_edit = password_edit()
        self.confirm_edit = password_edit()
        self.must_change_check = QCheckBox(self.tr("首次登录时必须修改密码"))
        if new:
            self.add_field(
                "password",
                self.tr("初始密码"),
                self.password_edit,
                hint=self.tr("可留空：账号在主管重设密码之前无法登录"),
            )
            self.add_field("confirm", self.tr("确认密码"), self.confirm_edit)
            self.must_change_check.setChecked(True)
            self.form.addRow("", self.must_change_check)
            self.team_combo.currentIndexChanged.connect(self._suggest_team_brands)
        self.ok_button.setText(self.tr("创建") if new else self.tr("保存"))
        (self.login_edit if new else self.name_edit).setFocus()

    # --- helpers for the form and for tests ----------------------------------------------------------

    def checked_brands(self) -> list[str]:
        keys = []
        for i in range(self.brand_list.count()):
            item = self.brand_list.item(i)
            if item.checkState() == Qt.CheckState.Checked:
                keys.append(str(item.data(Qt.ItemDataRole.UserRole)))
        return keys

    def set_brands_checked(self, keys: Sequence[str]) -> None:
        wanted = set(keys)
        for i in range(self.brand_list.count()):
            item = self.brand_list.item(i)
            key = item.data(Qt.ItemDataRole.UserRole)
            item.setCheckState(Qt.CheckState.Checked if key in wanted else Qt.CheckState.Unchecked)

    def _suggest_team_brands(self) -> None:
        """A new person in a team usually serves that team's brands: tick them if none is ticked."""
        key = self.team_combo.currentData()
        team = next((t for t in self.teams if t.key == key), None)
        if team and not self.checked_brands():
            self.set_brands_checked(team.brand_keys)

    # --- FormDialog ------------------------------------------------------------------------------

    def check(self) -> list[Problem]:
        problems: list[Problem] = []
        if self.user is None:
            problem = login_problem(self.login_edit.text())
            if problem:
                problems.append(("login", problem))
        if not self.name_edit.text().strip():
            problems.append(("display_name", self.tr("请填写姓名")))
        if self.user is None and (self.password_edit.text() or self.confirm_edit.text()):
            problem = password_problem(self.password_edit.text(), self.login_edit.text())
            if problem:
                problems.append(("password", problem))
            elif self.password_edit.text() != self.confirm_edit.text():
                problems.append(("confirm", self.tr("两次输入的密码不一致")))
        return problems

    def make_job(self) -> Callable[[], Any]:
        users = self.services.users
        actor = self.actor
        name = self.name_edit.text().strip()
        role: Role = self.role_combo.currentData()
        team_key: str | None = self.team_combo.currentData()
        brand_keys = self.checked_brands()
        if self.user is None:
            login = normalise_login(self.login_edit.text())
            password = self.password_edit.text() or None
            must_change = self.must_change_check.isChecked() and password is not None
            return lambda: users.add(
                actor, login, name, password, role, team_key, brand_keys, must_change_password=must_change
            )
        login = self.user.login
        return lambda: users.update(
            actor,
            login,
            display_name=name,
            role=role,
            team_key=team_key,
            clear_team=team_key is None,
            brand_keys=brand_keys,
        )
