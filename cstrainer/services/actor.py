"""Who is calling a service, and the permission checks every service makes."""

from __future__ import annotations

from dataclasses import dataclass, field

from cstrainer.domain.accounts import PERMISSION_LABELS, Permission, Role, has_permission, may_view_person
from cstrainer.services.errors import PermissionDenied


@dataclass(frozen=True)
class Actor:
    """The identity behind a call. Services never trust the GUI to have hidden a button."""

    user_id: int | None
    login: str
    display_name: str
    role: Role
    team_id: int | None = None
    brand_keys: frozenset[str] = field(default_factory=frozenset)
    must_change_password: bool = False  # after a reset by a manager: ask for an own password

    @property
    def is_system(self) -> bool:
        return self.user_id is None

    def can(self, permission: Permission) -> bool:
        return has_permission(self.role, permission)

    def require(self, permission: Permission) -> None:
        if not self.can(permission):
            raise PermissionDenied(
                f"权限不足：{self.role.label}（{self.login}）不能{PERMISSION_LABELS[permission]}"
            )

    def require_view_person(self, person_id: int, person_team_id: int | None, person_login: str) -> None:
        if not may_view_person(self.role, self.user_id, self.team_id, person_id, person_team_id):
            raise PermissionDenied(
                f"权限不足：{self.role.label}（{self.login}）不能查看 {person_login} 的记录"
            )


# The local operator of the command line, acting without logging in. Whoever can run the CLI
# against a database already holds the file (or the PostgreSQL credentials) and so all the data;
# `--user LOGIN` makes the CLI act as that person with that person's permissions instead.
SYSTEM = Actor(user_id=None, login="system", display_name="本机管理员", role=Role.MANAGER)
