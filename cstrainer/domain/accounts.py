"""People, roles and what each role may do; the login lockout rule.

Pure: no database, no Qt. Services call these to decide; the GUI only mirrors the decisions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class Role(StrEnum):
    TRAINEE = "trainee"
    AGENT = "agent"
    TRAINER = "trainer"
    MANAGER = "manager"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]

    @classmethod
    def parse(cls, value: str) -> Role:
        """Accept the English id or the Chinese label (新人, 客服, 培训师, 质检, 主管)."""
        v = value.strip()
        for role in cls:
            if v.lower() == role.value or v == role.label or v in ROLE_ALIASES.get(role, ()):
                return role
        choices = "、".join(f"{r.value}（{r.label}）" for r in cls)
        raise ValueError(f"未知角色“{value}”，可选：{choices}")


ROLE_LABELS: dict[Role, str] = {
    Role.TRAINEE: "新人",
    Role.AGENT: "客服",
    Role.TRAINER: "培训师/质检",
    Role.MANAGER: "主管",
}
ROLE_ALIASES: dict[Role, tuple[str, ...]] = {
    Role.TRAINEE: ("试用期客服",),
    Role.TRAINER: ("培训师", "质检", "质检专员"),
    Role.MANAGER: ("经理", "客服主管"),
}


class Permission(StrEnum):
    MANAGE_USERS = "manage_users"  # create, disable, reset passwords, assign roles
    VIEW_USERS = "view_users"  # see the list of people
    EDIT_CONTENT = "edit_content"  # questions, scenarios, phrases, handbooks, brands
    IMPORT_CONTENT = "import_content"
    EXPORT_CONTENT = "export_content"
    VIEW_TEAM_RESULTS = "view_team_results"  # results of people in one's own team
    VIEW_ALL_RESULTS = "view_all_results"  # results of everyone
    MANAGE_DATABASE = "manage_database"  # backup, restore
    VIEW_AUDIT_LOG = "view_audit_log"


ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.TRAINEE: frozenset(),
    Role.AGENT: frozenset(),
    Role.TRAINER: frozenset(
        {
            Permission.VIEW_USERS,
            Permission.EDIT_CONTENT,
            Permission.IMPORT_CONTENT,
            Permission.EXPORT_CONTENT,
            Permission.VIEW_TEAM_RESULTS,
        }
    ),
    Role.MANAGER: frozenset(Permission),
}

PERMISSION_LABELS: dict[Permission, str] = {
    Permission.MANAGE_USERS: "管理账号",
    Permission.VIEW_USERS: "查看人员名单",
    Permission.EDIT_CONTENT: "编辑培训内容",
    Permission.IMPORT_CONTENT: "导入内容",
    Permission.EXPORT_CONTENT: "导出内容",
    Permission.VIEW_TEAM_RESULTS: "查看本组成绩",
    Permission.VIEW_ALL_RESULTS: "查看所有人成绩",
    Permission.MANAGE_DATABASE: "备份与恢复数据库",
    Permission.VIEW_AUDIT_LOG: "查看操作日志",
}


def has_permission(role: Role, permission: Permission) -> bool:
    return permission in ROLE_PERMISSIONS[role]


def may_view_person(
    viewer_role: Role,
    viewer_id: int | None,
    viewer_team_id: int | None,
    person_id: int,
    person_team_id: int | None,
) -> bool:
    """Whether someone may read another person's records (results, login history ...).

    Everyone sees their own; trainers see their own team; managers see everyone. A trainer who
    belongs to no team trains the whole department (the usual set-up of a small shop with one
    trainer) and sees everyone's records, as a manager does.
    """
    if viewer_id is not None and viewer_id == person_id:
        return True
    if has_permission(viewer_role, Permission.VIEW_ALL_RESULTS):
        return True
    return has_permission(viewer_role, Permission.VIEW_TEAM_RESULTS) and (
        viewer_team_id is None or viewer_team_id == person_team_id
    )


# --- the lockout rule ----------------------------------------------------------------------------

MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=5)


@dataclass(frozen=True)
class LockState:
    failed_logins: int
    locked_until: datetime | None


def is_locked(locked_until: datetime | None, now: datetime) -> bool:
    return locked_until is not None and now < locked_until


def after_failed_login(state: LockState, now: datetime) -> LockState:
    """One more wrong password: the fifth in a row locks the account for five minutes."""
    if state.locked_until is not None and now >= state.locked_until:
        state = LockState(0, None)  # the previous lock ran out: start counting afresh
    failed = state.failed_logins + 1
    if failed >= MAX_FAILED_LOGINS:
        return LockState(0, now + LOCKOUT)
    return LockState(failed, state.locked_until)


def after_successful_login() -> LockState:
    return LockState(0, None)


# --- validation of what people type ---------------------------------------------------------------

LOGIN_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]{1,31}$")
MIN_PASSWORD_LENGTH = 8


def normalise_login(login: str) -> str:
    return login.strip().lower()


def login_problem(login: str) -> str | None:
    """Why a login name is not acceptable, or None when it is."""
    if not LOGIN_RE.match(normalise_login(login)):
        return "登录名需为 2-32 位小写字母、数字、点、下划线或连字符，并以字母或数字开头"
    return None


def password_problem(password: str, login: str = "") -> str | None:
    """Why a new password is not acceptable, or None when it is."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"密码至少需要 {MIN_PASSWORD_LENGTH} 位"
    if len(set(password)) < 3:
        return "密码太简单：请不要只用一两个重复的字符"
    if login and password.lower() == normalise_login(login):
        return "密码不能与登录名相同"
    if password.strip() != password:
        return "密码首尾不能是空格"
    return None
