"""Who may read whose records."""

from __future__ import annotations

from cstrainer.domain.accounts import Role, may_view_person


def test_everyone_sees_their_own_records() -> None:
    for role in Role:
        assert may_view_person(role, 7, None, 7, 3)


def test_agents_and_trainees_see_nobody_else() -> None:
    for role in (Role.TRAINEE, Role.AGENT):
        assert not may_view_person(role, 1, 3, 2, 3)  # not even a teammate
        assert not may_view_person(role, 1, None, 2, None)


def test_a_trainer_with_a_team_sees_that_team_only() -> None:
    assert may_view_person(Role.TRAINER, 1, 3, 2, 3)
    assert not may_view_person(Role.TRAINER, 1, 3, 2, 4)
    assert not may_view_person(Role.TRAINER, 1, 3, 2, None)


def test_a_trainer_without_a_team_trains_the_whole_department() -> None:
    assert may_view_person(Role.TRAINER, 1, None, 2, 3)
    assert may_view_person(Role.TRAINER, 1, None, 2, None)


def test_managers_see_everyone() -> None:
    assert may_view_person(Role.MANAGER, 1, 3, 2, 4)
    assert may_view_person(Role.MANAGER, 1, None, 2, None)
