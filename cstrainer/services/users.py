"""People: accounts, roles, teams and brand assignments."""

from __future__ import annotations

import builtins
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from cstrainer.domain.accounts import (
    Permission,
    Role,
    is_locked,
    login_problem,
    normalise_login,
    password_problem,
)
from cstrainer.services import audit
from cstrainer.services.actor import Actor
from cstrainer.services.errors import InvalidInput, NotFound, PermissionDenied
from cstrainer.services.passwords import hash_password, verify_password
from cstrainer.storage.database import Database
from cstrainer.storage.models import Brand, Team, User, utcnow


@dataclass(frozen=True)
class BrandInfo:
    id: int
    key: str
    name: str


@dataclass(frozen=True)
class TeamInfo:
    id: int
    key: str
    name: str
    stage: str
    brand_keys: tuple[str, ...]


@dataclass(frozen=True)
class UserInfo:
    id: int
    login: str
    display_name: str
    role: Role
    team_key: str | None
    team_name: str | None
    team_id: int | None
    brand_keys: tuple[str, ...]
    brand_names: tuple[str, ...]
    active: bool
    locked_until: datetime | None
    must_change_password: bool
    has_password: bool
    created_at: datetime
    last_login_at: datetime | None

    def is_locked(self, now: datetime | None = None) -> bool:
        return is_locked(self.locked_until, now or utcnow())

    @property
    def status_label(self) -> str:
        if not self.active:
            return "已停用"
        if self.is_locked():
            return "已锁定"
        if not self.has_password:
            return "待设密码"
        return "正常"


def user_info(u: User) -> UserInfo:
    return UserInfo(
        id=u.id,
        login=u.login,
        display_name=u.display_name,
        role=Role(u.role),
        team_key=u.team.key if u.team else None,
        team_name=u.team.name if u.team else None,
        team_id=u.team_id,
        brand_keys=tuple(b.key for b in u.brands),
        brand_names=tuple(b.name for b in u.brands),
        active=u.active,
        locked_until=u.locked_until,
        must_change_password=u.must_change_password,
        has_password=bool(u.password_hash),
        created_at=u.created_at,
        last_login_at=u.last_login_at,
    )


def actor_for(u: User) -> Actor:
    return Actor(
        user_id=u.id,
        login=u.login,
        display_name=u.display_name,
        role=Role(u.role),
        team_id=u.team_id,
        brand_keys=frozenset(b.key for b in u.brands),
        must_change_password=u.must_change_password,
    )


def _check_password(password: str, login: str) -> None:
    problem = password_problem(password, login)
    if problem:
        raise InvalidInput(problem, "password")


class UserService:
    def __init__(self, db: Database) -> None:
        self._db = db

    # --- reading ---------------------------------------------------------------------------------

    def count(self) -> int:
        with self._db.session() as s:
            return int(s.scalar(select(func.count()).select_from(User)) or 0)

    def needs_first_manager(self) -> bool:
        """True on an empty database: the app must ask for a manager account first."""
        with self._db.session() as s:
            q = select(func.count()).select_from(User).where(User.role == Role.MANAGER.value, User.active)
            return int(s.scalar(q) or 0) == 0

    def list(self, actor: Actor, *, include_inactive: bool = True) -> builtins.list[UserInfo]:
        """Everyone (managers), or a trainer's view of the people list."""
        actor.require(Permission.VIEW_USERS)
        with self._db.session() as s:
            q = select(User).options(selectinload(User.team), selectinload(User.brands)).order_by(User.login)
            if not include_inactive:
                q = q.where(User.active)
            return [user_info(u) for u in s.scalars(q)]

    def get(self, actor: Actor, login: str) -> UserInfo:
        with self._db.session() as s:
            u = self._find(s, login)
            if not actor.can(Permission.VIEW_USERS):
                actor.require_view_person(u.id, u.team_id, u.login)
            return user_info(u)

    def teams(self) -> builtins.list[TeamInfo]:
        with self._db.session() as s:
            rows = s.scalars(select(Team).options(selectinload(Team.brands)).order_by(Team.key))
            return [TeamInfo(t.id, t.key, t.name, t.stage, tuple(b.key for b in t.brands)) for t in rows]

    def brands(self) -> builtins.list[BrandInfo]:
        with self._db.session() as s:
            return [BrandInfo(b.id, b.key, b.name) for b in s.scalars(select(Brand).order_by(Brand.key))]

    # --- writing ---------------------------------------------------------------------------------

    def create_first_manager(self, login: str, display_name: str, password: str) -> UserInfo:
        """Create the first manager of an empty database; refused once any manager exists."""
        with self._db.session() as s:
            q = select(func.count()).select_from(User).where(User.role == Role.MANAGER.value, User.active)
            if int(s.scalar(q) or 0) > 0:
                raise PermissionDenied("已经有主管账号了：请用主管账号登录后再添加人员")
            u = self._new_user(s, login, display_name, password, Role.MANAGER, None, ())
            audit.record(
                s, Actor(None, u.login, u.display_name, Role.MANAGER), "user.first_manager", "user", u.login
            )
            s.flush()
            return user_info(u)

    def add(
        self,
        actor: Actor,
        login: str,
        display_name: str,
        password: str | None,
        role: Role | str,
        team_key: str | None = None,
        brand_keys: Iterable[str] = (),
        *,
        must_change_password: bool = False,
    ) -> UserInfo:
        """Create an account. ``password=None`` creates it without one (cannot log in yet)."""
        actor.require(Permission.MANAGE_USERS)
        role = _role(role)
        with self._db.session() as s:
            u = self._new_user(s, login, display_name, password, role, team_key, brand_keys)
            u.must_change_password = must_change_password
            audit.record(s, actor, "user.add", "user", u.login, role=role.value, team=team_key)
            s.flush()
            return user_info(u)

    def update(
        self,
        actor: Actor,
        login: str,
        *,
        display_name: str | None = None,
        role: Role | str | None = None,
        team_key: str | None = None,
        clear_team: bool = False,
        brand_keys: Iterable[str] | None = None,
    ) -> UserInfo:
        actor.require(Permission.MANAGE_USERS)
        with self._db.session() as s:
            u = self._find(s, login)
            changes: dict[str, object] = {}
            if display_name is not None:
                name = display_name.strip()
                if not name:
                    raise InvalidInput("姓名不能为空", "display_name")
                if name != u.display_name:
                    changes["display_name"] = name
                    u.display_name = name
            if role is not None:
                new_role = _role(role)
                if new_role.value != u.role:
                    if u.role == Role.MANAGER.value:
                        self._keep_one_manager(s, u, "改变角色")
                    changes["role"] = new_role.value
                    u.role = new_role.value
            if clear_team or team_key is not None:
                team = self._team(s, team_key) if team_key else None
                if (team.id if team else None) != u.team_id:
                    changes["team"] = team.key if team else None
                    u.team = team
            if brand_keys is not None:
                brands = self._brands(s, brand_keys)
                if [b.key for b in brands] != [b.key for b in u.brands]:
                    changes["brands"] = [b.key for b in brands]
                    u.brands = brands
            if changes:
                audit.record(s, actor, "user.update", "user", u.login, **changes)
            s.flush()
            return user_info(u)

    def set_password(
        self, actor: Actor, login: str, new_password: str, *, old_password: str | None = None
    ) -> None:
        """A manager resets anyone's password; everybody else changes their own with the old one."""
        with self._db.session() as s:
            u = self._find(s, login)
            own = actor.user_id == u.id
            if not own:
                actor.require(Permission.MANAGE_USERS)
            # Changing one's own password needs the old one, except for a manager who gives none.
            needs_old = own and (not actor.can(Permission.MANAGE_USERS) or old_password is not None)
            if needs_old and (old_password is None or not verify_password(u.password_hash, old_password)):
                raise InvalidInput("原密码不正确", "old_password")
            _check_password(new_password, u.login)
            u.password_hash = hash_password(new_password)
            # A reset by someone else means the person should choose their own next time.
            u.must_change_password = not own
            u.failed_logins = 0
            u.locked_until = None
            audit.record(s, actor, "user.password_changed" if own else "user.password_reset", "user", u.login)

    def set_active(self, actor: Actor, login: str, active: bool) -> UserInfo:
        actor.require(Permission.MANAGE_USERS)
        with self._db.session() as s:
            u = self._find(s, login)
            if not active:
                if actor.user_id == u.id:
                    raise InvalidInput("不能停用自己正在使用的账号")
                if u.role == Role.MANAGER.value:
                    self._keep_one_manager(s, u, "停用")
            if u.active != active:
                u.active = active
                audit.record(s, actor, "user.enable" if active else "user.disable", "user", u.login)
            s.flush()
            return user_info(u)

    def disable(self, actor: Actor, login: str) -> UserInfo:
        return self.set_active(actor, login, False)

    def enable(self, actor: Actor, login: str) -> UserInfo:
        return self.set_active(actor, login, True)

    def unlock(self, actor: Actor, login: str) -> UserInfo:
        actor.require(Permission.MANAGE_USERS)
        with self._db.session() as s:
            u = self._find(s, login)
            u.failed_logins = 0
            u.locked_until = None
            audit.record(s, actor, "user.unlock", "user", u.login)
            s.flush()
            return user_info(u)

    # --- helpers ---------------------------------------------------------------------------------

    def _new_user(
        self,
        s: Session,
        login: str,
        display_name: str,
        password: str | None,
        role: Role,
        team_key: str | None,
        brand_keys: Iterable[str],
    ) -> User:
        problem = login_problem(login)
        if problem:
            raise InvalidInput(problem, "login")
        login = normalise_login(login)
        if s.scalar(select(User.id).where(User.login == login)) is not None:
            raise InvalidInput(f"登录名 {login} 已被占用", "login")
        name = display_name.strip()
        if not name:
            raise InvalidInput("姓名不能为空", "display_name")
        if password is not None:
            _check_password(password, login)
        u = User(
            login=login,
            display_name=name,
            password_hash=hash_password(password) if password is not None else None,
            role=role.value,
            team=self._team(s, team_key) if team_key else None,
            brands=self._brands(s, brand_keys),
            active=True,
            failed_logins=0,
            must_change_password=False,
        )
        s.add(u)
        return u

    @staticmethod
    def _find(s: Session, login: str) -> User:
        u = s.scalar(
            select(User)
            .options(selectinload(User.team), selectinload(User.brands))
            .where(User.login == normalise_login(login))
        )
        if u is None:
            raise NotFound(f"没有登录名为 {normalise_login(login)} 的账号")
        return u

    @staticmethod
    def _team(s: Session, key: str) -> Team:
        t = s.scalar(select(Team).where(Team.key == key))
        if t is None:
            raise InvalidInput(f"没有编号为 {key} 的小组", "team")
        return t

    @staticmethod
    def _brands(s: Session, keys: Iterable[str]) -> builtins.list[Brand]:
        wanted = sorted(set(keys))
        if not wanted:
            return []
        found = list(s.scalars(select(Brand).where(Brand.key.in_(wanted)).order_by(Brand.key)))
        missing = set(wanted) - {b.key for b in found}
        if missing:
            raise InvalidInput(f"没有这些品牌：{'、'.join(sorted(missing))}", "brands")
        return found

    @staticmethod
    def _keep_one_manager(s: Session, u: User, what: str) -> None:
        others = s.scalar(
            select(func.count())
            .select_from(User)
            .where(User.role == Role.MANAGER.value, User.active, User.id != u.id)
        )
        if not others:
            raise InvalidInput(f"{u.login} 是唯一在用的主管账号，不能{what}：请先为他人设置主管角色")


def _role(role: Role | str) -> Role:
    if isinstance(role, Role):
        return role
    try:
        return Role.parse(role)
    except ValueError as exc:
        raise InvalidInput(str(exc), "role") from exc
