"""Account administration through the service API."""

from __future__ import annotations

from typing import Any

import pytest

from cstrainer.domain.accounts import Role
from cstrainer.services import SYSTEM
from cstrainer.services.errors import InvalidInput, NotFound, PermissionDenied
from cstrainer.storage.models import Brand, Team

PW = "Kefu-2026!"


@pytest.fixture
def svc(services: Any) -> Any:
    with services.db.session() as s:
        a, b = Brand(key="qixiang", name="栖香"), Brand(key="mansu", name="曼塑")
        s.add_all([a, b, Team(key="qx-pre", name="栖香售前组", stage="售前", brands=[a])])
    return services


def test_first_manager_only_on_an_empty_database(svc: Any) -> None:
    assert svc.users.needs_first_manager()
    u = svc.users.create_first_manager("boss", "王主管", PW)
    assert u.role is Role.MANAGER
    assert not svc.users.needs_first_manager()
    with pytest.raises(PermissionDenied):
        svc.users.create_first_manager("boss2", "第二个", PW)


def test_add_with_team_and_brands(svc: Any) -> None:
    u = svc.users.add(SYSTEM, "Lily", "李丽", PW, "客服", "qx-pre", ["qixiang", "mansu"])
    assert (u.login, u.role, u.team_name, u.brand_keys) == (
        "lily",
        Role.AGENT,
        "栖香售前组",
        ("mansu", "qixiang"),
    )
    assert [x.login for x in svc.users.list(SYSTEM)] == ["lily"]


@pytest.mark.parametrize(
    ("login", "name", "password", "field"),
    [
        ("a", "名字", PW, "login"),
        ("有中文", "名字", PW, "login"),
        ("okname", "  ", PW, "display_name"),
        ("okname", "名字", "short", "password"),
        ("okname", "名字", "okname", "password"),
    ],
)
def test_bad_input_names_the_field(svc: Any, login: str, name: str, password: str, field: str) -> None:
    with pytest.raises(InvalidInput) as err:
        svc.users.add(SYSTEM, login, name, password, Role.AGENT)
    assert err.value.field == field


def test_duplicate_login_and_unknown_team_or_brand(svc: Any) -> None:
    svc.users.add(SYSTEM, "lily", "李丽", PW, Role.AGENT)
    with pytest.raises(InvalidInput, match="已被占用"):
        svc.users.add(SYSTEM, "LILY", "另一个李丽", PW, Role.AGENT)
    with pytest.raises(InvalidInput, match="小组"):
        svc.users.add(SYSTEM, "tom", "汤姆", PW, Role.AGENT, "no-team")
    with pytest.raises(InvalidInput, match="nobrand"):
        svc.users.add(SYSTEM, "tom", "汤姆", PW, Role.AGENT, None, ["nobrand"])


def test_update_role_team_brands(svc: Any) -> None:
    svc.users.add(SYSTEM, "lily", "李丽", PW, Role.TRAINEE)
    u = svc.users.update(
        SYSTEM, "lily", role=Role.AGENT, team_key="qx-pre", brand_keys=["mansu"], display_name="李丽丽"
    )
    assert (u.role, u.team_key, u.brand_keys, u.display_name) == (Role.AGENT, "qx-pre", ("mansu",), "李丽丽")
    u = svc.users.update(SYSTEM, "lily", clear_team=True)
    assert u.team_key is None


def test_reset_and_own_password_change(svc: Any) -> None:
    svc.users.add(SYSTEM, "lily", "李丽", PW, Role.AGENT)
    svc.users.set_password(SYSTEM, "lily", "Reset-by-boss1")
    lily = svc.auth.login("lily", "Reset-by-boss1")
    assert svc.users.get(lily, "lily").must_change_password  # a reset asks for a new own password
    with pytest.raises(InvalidInput, match="原密码"):
        svc.users.set_password(lily, "lily", "Mine-now-2026", old_password="wrong")
    svc.users.set_password(lily, "lily", "Mine-now-2026", old_password="Reset-by-boss1")
    lily = svc.auth.login("lily", "Mine-now-2026")
    assert not svc.users.get(lily, "lily").must_change_password


def test_disable_keeps_one_manager_and_not_oneself(svc: Any) -> None:
    boss = svc.users.create_first_manager("boss", "王主管", PW)
    actor = svc.auth.login("boss", PW)
    with pytest.raises(InvalidInput, match="自己"):
        svc.users.disable(actor, "boss")
    with pytest.raises(InvalidInput, match="唯一"):
        svc.users.disable(SYSTEM, boss.login)
    with pytest.raises(InvalidInput, match="唯一"):
        svc.users.update(SYSTEM, "boss", role=Role.AGENT)
    svc.users.add(SYSTEM, "lily", "李丽", PW, Role.AGENT)
    assert not svc.users.disable(actor, "lily").active
    assert svc.users.enable(actor, "lily").active


def test_unknown_login(svc: Any) -> None:
    with pytest.raises(NotFound, match="ghost"):
        svc.users.disable(SYSTEM, "ghost")


def test_admin_actions_are_audited_without_passwords(svc: Any) -> None:
    svc.users.add(SYSTEM, "lily", "李丽", PW, Role.AGENT)
    svc.users.set_password(SYSTEM, "lily", "Another-pw-1")
    svc.users.disable(SYSTEM, "lily")
    entries = svc.audit.recent(SYSTEM)
    assert [e.action for e in entries] == ["user.disable", "user.password_reset", "user.add"]
    assert all("Another-pw-1" not in str(e.detail) and PW not in str(e.detail) for e in entries)
