"""Logging in: passwords hashed, five wrong passwords lock for five minutes, every attempt recorded."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from cstrainer.domain.accounts import Role
from cstrainer.services import SYSTEM
from cstrainer.services.errors import AccountDisabled, AccountLocked, AuthenticationFailed
from cstrainer.storage.models import LoginEvent, User, utcnow

PW = "Xiaoer-2026"


@pytest.fixture
def svc(services: Any) -> Any:
    services.users.add(SYSTEM, "anna", "安娜", PW, Role.AGENT)
    return services


def test_password_is_stored_only_as_an_argon2_hash(svc: Any, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    svc.auth.login("anna", PW)
    with svc.db.session() as s:
        stored = s.scalars(select(User.password_hash).where(User.login == "anna")).one()
    assert stored.startswith("$argon2id$")
    assert PW not in stored
    assert PW not in caplog.text


def test_login_returns_the_person(svc: Any) -> None:
    actor = svc.auth.login("  ANNA ", PW)  # login names are case- and space-insensitive
    assert (actor.login, actor.display_name, actor.role) == ("anna", "安娜", Role.AGENT)
    assert svc.users.get(actor, "anna").last_login_at is not None


def test_wrong_password_says_how_many_tries_are_left(svc: Any) -> None:
    with pytest.raises(AuthenticationFailed) as err:
        svc.auth.login("anna", "wrong-one")
    assert err.value.remaining_attempts == 4
    assert "再错 4 次" in str(err.value)


def test_unknown_user_gets_the_same_message_as_a_wrong_password(svc: Any) -> None:
    with pytest.raises(AuthenticationFailed) as err:
        svc.auth.login("nobody", PW)
    assert str(err.value) == "用户名或密码错误"


def test_five_wrong_passwords_lock_for_five_minutes(svc: Any) -> None:
    now = utcnow()
    # GIVEN four wrong passwords
    for i in range(4):
        with pytest.raises(AuthenticationFailed) as err:
            svc.auth.login("anna", "bad", now=now + timedelta(seconds=i))
        assert not isinstance(err.value, AccountLocked)
    # WHEN the fifth is wrong too
    with pytest.raises(AccountLocked) as locked:
        svc.auth.login("anna", "bad", now=now + timedelta(seconds=5))
    assert "锁定" in str(locked.value)
    # THEN even the right password is refused for five minutes
    with pytest.raises(AccountLocked):
        svc.auth.login("anna", PW, now=now + timedelta(minutes=4, seconds=59))
    # AND accepted afterwards
    assert svc.auth.login("anna", PW, now=now + timedelta(minutes=5, seconds=6)).login == "anna"


def test_a_good_login_resets_the_count(svc: Any) -> None:
    now = utcnow()
    for _ in range(4):
        with pytest.raises(AuthenticationFailed):
            svc.auth.login("anna", "bad", now=now)
    svc.auth.login("anna", PW, now=now)
    for _ in range(4):
        with pytest.raises(AuthenticationFailed) as err:
            svc.auth.login("anna", "bad", now=now)
        assert not isinstance(err.value, AccountLocked)


def test_manager_can_unlock(svc: Any) -> None:
    for _ in range(5):
        with pytest.raises(AuthenticationFailed):
            svc.auth.login("anna", "bad")
    svc.users.unlock(SYSTEM, "anna")
    assert svc.auth.login("anna", PW).login == "anna"


def test_disabled_account_cannot_log_in(svc: Any) -> None:
    svc.users.disable(SYSTEM, "anna")
    with pytest.raises(AccountDisabled, match="已停用"):
        svc.auth.login("anna", PW)


def test_every_attempt_is_recorded_with_its_reason(svc: Any) -> None:
    with pytest.raises(AuthenticationFailed):
        svc.auth.login("anna", "bad", source="cli")
    svc.auth.login("anna", PW)
    with pytest.raises(AuthenticationFailed):
        svc.auth.login("ghost", "whatever")
    with svc.db.session() as s:
        rows = [
            (e.login, e.success, e.reason, e.source)
            for e in s.scalars(select(LoginEvent).order_by(LoginEvent.id))
        ]
    assert rows == [
        ("anna", False, "wrong_password", "cli"),
        ("anna", True, "ok", "gui"),
        ("ghost", False, "unknown_user", "gui"),
    ]
    history = svc.auth.history(svc.auth.login("anna", PW))
    assert [h.reason for h in history][:3] == ["ok", "ok", "wrong_password"]


def test_account_without_password_cannot_log_in(services: Any) -> None:
    services.users.add(SYSTEM, "bob", "鲍勃", None, Role.TRAINEE)
    with pytest.raises(AuthenticationFailed, match="还没有设置密码"):
        services.auth.login("bob", "")
