"""Migrations keep data: from the first revision, and from a stored file of each released schema."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import select, text

from cstrainer.storage.database import alembic_config, head_revision, open_database, script_directory
from cstrainer.storage.engine import make_engine
from cstrainer.storage.models import Brand, Team, User

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def _fill_first_revision(url: str) -> None:
    eng = make_engine(url)
    with eng.begin() as conn:
        command.upgrade(alembic_config(conn), "0001")
        conn.execute(
            text(
                "INSERT INTO brands (id, key, name, description, voice, platforms, created_at) VALUES "
                "(1, 'qx', '栖香', '香氛洗衣', '温柔', '[\"tmall\"]', '2026-01-01 08:00:00')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO teams (id, key, name, stage, created_at) VALUES (1, 'qx-pre', '栖香售前组', '售前', "
                "'2026-01-01 08:00:00')"
            )
        )
        conn.execute(text("INSERT INTO team_brands (team_id, brand_id) VALUES (1, 1)"))
        conn.execute(
            text(
                "INSERT INTO users (id, login, display_name, password_hash, role, team_id, active, failed_logins, "
                "must_change_password, created_at) VALUES (1, 'lily', '李丽', 'x', 'agent', 1, TRUE, 2, FALSE, "
                "'2026-01-02 09:30:00')"
            )
        )
        conn.execute(text("INSERT INTO user_brands (user_id, brand_id) VALUES (1, 1)"))
    eng.dispose()


def _assert_first_revision_data(url: str) -> None:
    db = open_database(url)
    assert db.revision == head_revision()
    with db.session() as s:
        brand = s.scalars(select(Brand)).one()
        assert (brand.key, brand.name, brand.platforms) == ("qx", "栖香", ["tmall"])
        user = s.scalars(select(User)).one()
        assert (user.login, user.display_name, user.role, user.failed_logins) == ("lily", "李丽", "agent", 2)
        assert user.team is not None and user.team.name == "栖香售前组"
        assert [b.key for b in user.brands] == ["qx"]
        assert user.created_at.year == 2026 and user.created_at.tzinfo is not None
        assert [b.key for b in s.scalars(select(Team)).one().brands] == ["qx"]
    db.dispose()


def test_upgrade_from_first_revision_keeps_data_sqlite(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/m.sqlite"
    _fill_first_revision(url)
    _assert_first_revision_data(url)


def test_upgrade_from_first_revision_keeps_data_postgresql(pg_url: str) -> None:
    _fill_first_revision(pg_url)
    _assert_first_revision_data(pg_url)


def test_every_revision_upgrades_and_downgrades_cleanly(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/walk.sqlite"
    eng = make_engine(url)
    revisions = [r.revision for r in script_directory().walk_revisions()][::-1]
    with eng.begin() as conn:
        for rev in revisions:
            command.upgrade(alembic_config(conn), rev)
        command.downgrade(alembic_config(conn), "base")
        command.upgrade(alembic_config(conn), "head")
    eng.dispose()


def test_models_and_migrations_agree(tmp_path: Path) -> None:
    """Autogenerate finds nothing to do at head: the models and the migrations describe one schema."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from cstrainer.storage.models import Base

    db = open_database(f"sqlite:///{tmp_path}/agree.sqlite")
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": False}), Base.metadata)
    db.dispose()
    assert diff == []


RELEASED = sorted(FIXTURES.glob("schema-*.sqlite"))


@pytest.mark.parametrize("fixture", RELEASED, ids=[p.stem for p in RELEASED])
def test_upgrade_from_each_released_schema(fixture: Path, tmp_path: Path) -> None:
    # GIVEN a database file as an earlier release left it (tests/fixtures/make_fixtures.py)
    file = tmp_path / fixture.name
    shutil.copyfile(fixture, file)
    con = sqlite3.connect(file)
    users_before = con.execute("SELECT login, display_name, role FROM users ORDER BY login").fetchall()
    con.close()
    # WHEN it is opened
    db = open_database(f"sqlite:///{file}")
    # THEN it is at head and still has its people
    assert db.revision == head_revision()
    with db.session() as s:
        users_after = [
            (u.login, u.display_name, u.role) for u in s.scalars(select(User).order_by(User.login))
        ]
    assert users_after == [tuple(r) for r in users_before]
    assert users_after  # the fixtures are not empty
    db.dispose()


def test_there_is_a_fixture_for_every_revision() -> None:
    revisions = {r.revision for r in script_directory().walk_revisions()}
    assert {p.stem.removeprefix("schema-") for p in RELEASED} == revisions
