"""Banned-word rules, handbook documents and trainer flashcards: of two saves made at the same
moment against the same version, exactly one is stored and the other is refused (the row is
locked between the version check and the write). On SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from typing import Any

import pytest

from cstrainer.services import SYSTEM, Services
from cstrainer.services.compliance import RuleDraft
from cstrainer.services.errors import InvalidInput
from cstrainer.storage.database import open_database
from tests.services.test_edit_conflicts import race

ROUNDS = 8


@pytest.fixture
def second_app(services: Services) -> Iterator[Services]:
    other = Services(open_database(services.db.url.render_as_string(hide_password=False), backup=False))
    yield other
    other.close()


def one_winner(outcomes: list[Any]) -> int:
    refused = [o for o in outcomes if isinstance(o, InvalidInput) and o.field == "version"]
    others = [o for o in outcomes if isinstance(o, BaseException) and o not in refused]
    assert not others, others
    assert len(refused) == 1, outcomes
    return next(i for i, o in enumerate(outcomes) if not isinstance(o, BaseException))


def test_simultaneous_rule_saves_have_exactly_one_winner(services: Services, second_app: Services) -> None:
    rec = services.compliance.save_rule(SYSTEM, RuleDraft("宇宙第一香", None, "absolute_terms", "绝对化用语"))
    for n in range(ROUNDS):
        reasons = [f"第 {n} 轮：广告法禁止“最”字比较（赵）", f"第 {n} 轮：不能承诺宇宙第一香价（王）"]
        outcomes = race(
            partial(
                services.compliance.save_rule,
                SYSTEM,
                RuleDraft("宇宙第一香", None, "absolute_terms", reasons[0]),
                rule_id=rec.id,
                expected_version=rec.version,
            ),
            partial(
                second_app.compliance.save_rule,
                SYSTEM,
                RuleDraft("宇宙第一香", None, "absolute_terms", reasons[1]),
                rule_id=rec.id,
                expected_version=rec.version,
            ),
        )
        winner = one_winner(outcomes)
        stored = next(r for r in services.compliance.list_rules(SYSTEM) if r.id == rec.id)
        assert stored.version == rec.version + 1  # exactly one write per round
        assert stored.reason == reasons[winner]
        rec = stored
