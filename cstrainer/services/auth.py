"""Logging in: password check, five-strikes lockout, and the record of every attempt."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from cstrainer.domain.accounts import (
    MAX_FAILED_LOGINS,
    LockState,
    after_failed_login,
    after_successful_login,
    is_locked,
    normalise_login,
)
from cstrainer.services.actor import Actor
from cstrainer.services.errors import AccountDisabled, AccountLocked, AuthenticationFailed, NotFound
from cstrainer.services.passwords import dummy_hash, hash_password, needs_rehash, verify_password
from cstrainer.services.users import actor_for
from cstrainer.storage.database import Database
from cstrainer.storage.models import LoginEvent, User, utcnow

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LoginRecord:
    at: datetime
    login: str
    success: bool
    reason: str
    source: str


REASON_LABELS = {
    "ok": "登录成功",
    "wrong_password": "密码错误",
    "unknown_user": "账号不存在",
    "locked": "账号已锁定",
    "disabled": "账号已停用",
    "no_password": "尚未设置密码",
}


def _local_time(dt: datetime) -> str:
    return dt.astimezone().strftime("%H:%M")


class AuthService:
    def __init__(self, db: Database) -> None:
        self._db = db

    def login(self, login: str, password: str, *, source: str = "gui", now: datetime | None = None) -> Actor:
        """Check a password and return the person's identity, or raise with a readable reason.

        The attempt is recorded whatever the outcome; the password never is.
        """
        now = now or utcnow()
        name = normalise_login(login)
        with self._db.session() as s:
            u = s.scalar(select(User).options(selectinload(User.brands)).where(User.login == name))
            if u is None:
                verify_password(dummy_hash(), password)  # same timing as a wrong password
                s.add(
                    LoginEvent(login=name[:64], success=False, reason="unknown_user", source=source, at=now)
                )
                log.info("login failed for unknown user %r (%s)", name, source)
                failure: AuthenticationFailed = AuthenticationFailed("用户名或密码错误")
            elif not u.active:
                s.add(
                    LoginEvent(
                        login=name, user_id=u.id, success=False, reason="disabled", source=source, at=now
                    )
                )
                failure = AccountDisabled(f"账号 {name} 已停用，请联系主管")
            elif is_locked(u.locked_until, now):
                assert u.locked_until is not None
                s.add(
                    LoginEvent(
                        login=name, user_id=u.id, success=False, reason="locked", source=source, at=now
                    )
                )
                failure = AccountLocked(
                    f"密码错误次数过多，账号已锁定，请于 {_local_time(u.locked_until)} 后再试，或请主管解锁",
                    u.locked_until,
                )
            elif not u.password_hash:
                s.add(
                    LoginEvent(
                        login=name, user_id=u.id, success=False, reason="no_password", source=source, at=now
                    )
                )
                failure = AuthenticationFailed(f"账号 {name} 还没有设置密码，请主管在“管理”中重设密码")
            elif not verify_password(u.password_hash, password):
                state = after_failed_login(LockState(u.failed_logins, u.locked_until), now)
                u.failed_logins, u.locked_until = state.failed_logins, state.locked_until
                s.add(
                    LoginEvent(
                        login=name,
                        user_id=u.id,
                        success=False,
                        reason="wrong_password",
                        source=source,
                        at=now,
                    )
                )
                log.info("wrong password for %r (%s)", name, source)
                if state.locked_until is not None and is_locked(state.locked_until, now):
                    failure = AccountLocked(
                        f"连续 {MAX_FAILED_LOGINS} 次密码错误，账号已锁定 5 分钟（至 {_local_time(state.locked_until)}）",
                        state.locked_until,
                    )
                else:
                    left = MAX_FAILED_LOGINS - state.failed_logins
                    failure = AuthenticationFailed(f"用户名或密码错误（再错 {left} 次将锁定 5 分钟）", left)
            else:
                state = after_successful_login()
                u.failed_logins, u.locked_until = state.failed_logins, state.locked_until
                u.last_login_at = now
                if needs_rehash(u.password_hash):
                    u.password_hash = hash_password(password)
                s.add(LoginEvent(login=name, user_id=u.id, success=True, reason="ok", source=source, at=now))
                log.info("login %r (%s)", name, source)
                return actor_for(u)
        # Raised after the session committed, so the failed attempt and the counter are stored.
        raise failure

    def refresh(self, actor: Actor) -> Actor:
        """The same person with current role/team/brands (after an administrator changed them)."""
        if actor.user_id is None:
            return actor
        with self._db.session() as s:
            u = s.get(User, actor.user_id, options=[selectinload(User.brands)])
            if u is None:
                raise NotFound(f"账号 {actor.login} 已不存在")
            return actor_for(u)

    def history(self, actor: Actor, login: str | None = None, limit: int = 50) -> list[LoginRecord]:
        """Login attempts of one person (own, or as a trainer/manager allowed to see them)."""
        name = normalise_login(login or actor.login)
        with self._db.session() as s:
            u = s.scalar(select(User).where(User.login == name))
            if u is None:
                raise NotFound(f"没有登录名为 {name} 的账号")
            actor.require_view_person(u.id, u.team_id, u.login)
            rows = s.scalars(
                select(LoginEvent).where(LoginEvent.login == name).order_by(LoginEvent.id.desc()).limit(limit)
            )
            return [LoginRecord(r.at, r.login, r.success, r.reason, r.source) for r in rows]
