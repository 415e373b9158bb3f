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


def _schema_diff(url: str) -> list:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from cstrainer.storage.models import Base, is_unmanaged

    db = open_database(url)
    opts = {"compare_type": False, "include_name": lambda name, type_, parent: not is_unmanaged(name)}
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts=opts), Base.metadata)
    db.dispose()
    return diff


def test_models_and_migrations_agree(tmp_path: Path) -> None:
    """Autogenerate finds nothing to do at head: the models and the migrations describe one schema
    (the full-text tables and indexes the ORM does not describe aside)."""
    assert _schema_diff(f"sqlite:///{tmp_path}/agree.sqlite") == []


def test_models_and_migrations_agree_postgresql(pg_url: str) -> None:
    assert _schema_diff(pg_url) == []


RELEASED = sorted(FIXTURES.glob("schema-*.sqlite"))


@pytest.mark.parametrize("fixture", RELEASED, ids=[p.stem for p in RELEASED])
def test_upgrade_from_each_released_schema(fixture: Path, tmp_path: Path) -> None:
    # GIVEN a database file as an earlier release left it (tests/fixtures/make_fixtures.py)
    file = tmp_path / fixture.name
    shutil.copyfile(fixture, file)
    con = sqlite3.connect(file)
    users_before = con.execute("SELECT login, display_name, role FROM users ORDER BY login").fetchall()
    tables = [
        name
        for (name,) in con.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
        if not name.endswith(("_fts", "_data", "_idx", "_docsize", "_config")) and name != "alembic_version"
    ]
    counts_before = {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}
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
    # AND no table lost rows (a batch rebuild on SQLite would cascade-delete child rows)
    con = sqlite3.connect(file)
    counts_after = {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in counts_before}
    con.close()
    assert counts_after == counts_before


def test_there_is_a_fixture_for_every_revision() -> None:
    revisions = {r.revision for r in script_directory().walk_revisions()}
    assert {p.stem.removeprefix("schema-") for p in RELEASED} == revisions


# --- revision 0004: role-play -------------------------------------------------------------------


def test_upgrade_from_0003_adds_empty_roleplay_tables(tmp_path: Path) -> None:
    # GIVEN a database as release 0003 (exams) left it
    file = tmp_path / "schema-0003.sqlite"
    shutil.copyfile(FIXTURES / "schema-0003.sqlite", file)
    # WHEN it is opened by this version
    db = open_database(f"sqlite:///{file}")
    # THEN the role-play tables are there, empty and usable, and the people are kept
    from cstrainer.storage.models import RolePlayMessage, RolePlaySession, utcnow

    with db.session() as s:
        assert s.scalars(select(RolePlaySession)).all() == []
        user = s.scalars(select(User).where(User.login == "chenjing")).one()
        sess = RolePlaySession(
            user_id=user.id, scenario_key="x", status="active", started_at=utcnow(), dimensions={}
        )
        s.add(sess)
        s.flush()
        s.add(RolePlayMessage(session_id=sess.id, seq=0, role="customer", text="在吗", seconds=0.0, at_ms=0))
    with db.session() as s:
        assert [m.text for m in s.scalars(select(RolePlayMessage))] == ["在吗"]
    db.dispose()


def test_roleplay_rows_of_schema_0004_survive_opening(tmp_path: Path) -> None:
    file = tmp_path / "schema-0004.sqlite"
    shutil.copyfile(FIXTURES / "schema-0004.sqlite", file)
    db = open_database(f"sqlite:///{file}")
    from cstrainer.storage.models import RolePlayComment, RolePlayMessage, RolePlaySession

    with db.session() as s:
        sess = s.scalars(select(RolePlaySession)).one()
        assert (sess.scenario_key, sess.status, sess.outcome, sess.score) == (
            "demo-scenario",
            "finished",
            "已解决",
            80,
        )
        assert sess.scenario_snapshot["turns"][0]["id"] == "t1" and sess.dimensions == {"合规": 100}
        assert sess.started_at.tzinfo is not None
        lines = [
            (m.seq, m.role, m.text, m.seconds)
            for m in s.scalars(select(RolePlayMessage).order_by(RolePlayMessage.seq))
        ]
        assert lines == [(0, "customer", "东西坏了！", 0.0), (1, "agent", "亲，非常抱歉", 8.5)]
        assert s.scalars(select(RolePlayComment)).one().text == "道歉很及时"
    db.dispose()


def test_roleplay_revision_downgrades_and_upgrades_again(tmp_path: Path) -> None:
    file = tmp_path / "down.sqlite"
    shutil.copyfile(FIXTURES / "schema-0004.sqlite", file)
    eng = make_engine(f"sqlite:///{file}")
    with eng.begin() as conn:
        command.downgrade(alembic_config(conn), "0003")
        tables = {r[0] for r in conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type='table'")}
        assert not {"roleplay_sessions", "roleplay_messages", "roleplay_comments"} & tables
        assert conn.exec_driver_sql("SELECT count(*) FROM users").scalar() == 4
        command.upgrade(alembic_config(conn), "head")
    eng.dispose()


def test_roleplay_tables_on_postgresql(pg_url: str) -> None:
    """The 0004 tables work on PostgreSQL: JSON snapshot, unique (session, seq), cascades."""
    from sqlalchemy.exc import IntegrityError

    from cstrainer.storage.models import RolePlayMessage, RolePlaySession, utcnow

    db = open_database(pg_url)
    with db.session() as s:
        user = User(login="a1", display_name="甲", role="agent")
        s.add(user)
        s.flush()
        sess = RolePlaySession(
            user_id=user.id,
            scenario_key="k",
            status="active",
            started_at=utcnow(),
            scenario_snapshot={"key": "k", "turns": [{"id": "t"}]},
            dimensions={},
        )
        s.add(sess)
        s.flush()
        s.add(RolePlayMessage(session_id=sess.id, seq=0, role="customer", text="在吗", seconds=0.0, at_ms=0))
        sid = sess.id
    with pytest.raises(IntegrityError), db.session() as s:
        s.add(RolePlayMessage(session_id=sid, seq=0, role="agent", text="重复", seconds=1.0, at_ms=1000))
    with db.session() as s:
        assert s.get(RolePlaySession, sid).scenario_snapshot["turns"][0]["id"] == "t"  # type: ignore[union-attr]
        s.delete(s.scalars(select(User).where(User.login == "a1")).one())
    with db.session() as s:
        assert s.scalars(select(RolePlayMessage)).all() == []
    db.dispose()


# --- revision 0005: the phrase library ----------------------------------------------------------


def test_upgrade_from_0004_indexes_existing_phrases_and_adds_personal_phrases(tmp_path: Path) -> None:
    # GIVEN a database as release 0004 left it, with a team phrase imported from a pack
    file = tmp_path / "schema-0004.sqlite"
    shutil.copyfile(FIXTURES / "schema-0004.sqlite", file)
    con = sqlite3.connect(file)
    con.execute(
        "INSERT INTO phrases (key, data, version, updated_at, updated_by, brand_id, scene, intent, shortcut, "
        'text) VALUES (\'demo-hi\', \'{"scene": "迎宾", "intent": "问候", "shortcut": "hy1", '
        "\"text\": \"你好亲\", \"tags\": [\"问候\"]}', 1, '2026-01-01 00:00:00', 'system', 1, '迎宾', '问候', "
        "'hy1', '你好亲')"
    )
    con.commit()
    con.close()
    # WHEN it is opened by this version
    from cstrainer.domain.phrases import PhraseItem
    from cstrainer.services import SYSTEM, Services
    from cstrainer.storage.models import Phrase

    services = Services(open_database(f"sqlite:///{file}"))
    # THEN the phrase has empty search columns and no uses, and search indexes it on first use
    with services.db.session() as s:
        row = s.scalars(select(Phrase)).one()
        assert (row.search_text, row.initials, row.usage_count, row.lint_justification) == ("", "", 0, "")
    assert [h.phrase.key for h in services.phrases.search(SYSTEM, "nh")] == ["demo-hi"]
    # AND personal phrases can be saved
    from cstrainer.domain.accounts import Role
    from cstrainer.services import Actor

    actor = Actor(user_id=3, login="chenjing", display_name="陈静", role=Role.AGENT)
    services.phrases.save_personal(actor, PhraseItem("my-hi", None, "迎宾", "问候", "nh1", "你好呀"))
    assert [p.key for p in services.phrases.list_personal(actor)] == ["my-hi"]
    services.close()


def test_phrase_rows_of_schema_0005_survive_opening(tmp_path: Path) -> None:
    file = tmp_path / "schema-0005.sqlite"
    shutil.copyfile(FIXTURES / "schema-0005.sqlite", file)
    db = open_database(f"sqlite:///{file}")
    from cstrainer.storage.models import PersonalPhrase, Phrase, PhraseReleaseRow, PhraseReleaseSeen

    with db.session() as s:
        team = s.scalars(select(Phrase)).one()
        assert (team.key, team.shortcut, team.usage_count, team.data["tags"]) == (
            "demo-welcome",
            "hy1",
            3,
            ["问候"],
        )
        mine = s.scalars(select(PersonalPhrase)).one()
        assert (mine.user_id, mine.key, mine.tags, mine.usage_count) == (3, "my-thanks", ["感谢"], 5)
        assert mine.updated_at.tzinfo is not None
        release = s.scalars(select(PhraseReleaseRow)).one()
        assert (release.version, release.date.isoformat(), release.items[0]["key"]) == (
            "2026.1.1",
            "2026-01-01",
            "demo-welcome",
        )
        assert s.get(PhraseReleaseSeen, 3).version == "2026.1.1"  # type: ignore[union-attr]
    db.dispose()


def test_phrase_revision_downgrades_and_upgrades_again(tmp_path: Path) -> None:
    file = tmp_path / "down.sqlite"
    shutil.copyfile(FIXTURES / "schema-0005.sqlite", file)
    eng = make_engine(f"sqlite:///{file}")
    with eng.begin() as conn:
        command.downgrade(alembic_config(conn), "0004")
        tables = {r[0] for r in conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type='table'")}
        assert not {"personal_phrases", "phrase_releases", "phrase_release_seen"} & tables
        assert conn.exec_driver_sql("SELECT key FROM phrases").scalar() == "demo-welcome"
        command.upgrade(alembic_config(conn), "head")
    eng.dispose()


def test_phrase_tables_on_postgresql(pg_url: str) -> None:
    """The 0005 tables work on PostgreSQL: unique (user, key) and version, dates, cascades."""
    from datetime import date

    from sqlalchemy.exc import IntegrityError

    from cstrainer.storage.models import PersonalPhrase, PhraseReleaseRow, PhraseReleaseSeen

    db = open_database(pg_url)
    with db.session() as s:
        user = User(login="a1", display_name="甲", role="agent")
        s.add(user)
        s.flush()
        s.add(
            PersonalPhrase(user_id=user.id, key="k", scene="迎宾", shortcut="a1", text="在的亲", tags=["x"])
        )
        uid = user.id
    with pytest.raises(IntegrityError), db.session() as s:
        s.add(PersonalPhrase(user_id=uid, key="k", scene="迎宾", shortcut="a2", text="重复", tags=[]))
    with db.session() as s:
        assert s.scalars(select(PersonalPhrase)).one().tags == ["x"]
        s.add(PhraseReleaseRow(version="1", date=date(2026, 11, 9), items=[{"key": "k"}], sha256="0" * 64))
        s.add(PhraseReleaseSeen(user_id=uid, version="1"))
    with pytest.raises(IntegrityError), db.session() as s:
        s.add(PhraseReleaseRow(version="1", date=date(2026, 11, 10), items=[], sha256="1" * 64))
    with db.session() as s:
        assert s.scalars(select(PhraseReleaseRow)).one().date == date(2026, 11, 9)
        s.delete(s.scalars(select(User).where(User.login == "a1")).one())
    with db.session() as s:
        assert s.scalars(select(PersonalPhrase)).all() == []
        assert s.scalars(select(PhraseReleaseSeen)).all() == []
    db.dispose()


# --- revision 0006: phrase review and drills ------------------------------------------------------


def test_upgrade_from_0005_adds_empty_review_and_drill_tables(tmp_path: Path) -> None:
    # GIVEN a database as release 0005 left it
    file = tmp_path / "schema-0005.sqlite"
    shutil.copyfile(FIXTURES / "schema-0005.sqlite", file)
    # WHEN it is opened by this version
    from cstrainer.domain.accounts import Role
    from cstrainer.services import Actor, Services
    from cstrainer.storage.models import PhraseCommentRow, PhraseDrillAttempt, PhraseDrillCard

    services = Services(open_database(f"sqlite:///{file}"))
    # THEN the new tables are there and empty, and the old phrase is still there
    with services.db.session() as s:
        assert s.scalars(select(PhraseCommentRow)).all() == []
        assert s.scalars(select(PhraseDrillCard)).all() == []
        assert s.scalars(select(PhraseDrillAttempt)).all() == []
    # AND the agent can comment on the phrase and drill it
    agent = Actor(
        user_id=3, login="chenjing", display_name="陈静", role=Role.AGENT, brand_keys=frozenset({"demo"})
    )
    note = services.phrase_review.comment(agent, "demo-welcome", "可以加个表情")
    assert (note.author_login, note.status) == ("chenjing", "open")
    result = services.phrase_drills.answer_recall(agent, "demo-welcome", "hy1", 2.0)
    assert result.correct
    services.close()


def test_review_and_drill_rows_of_schema_0006_survive_opening(tmp_path: Path) -> None:
    file = tmp_path / "schema-0006.sqlite"
    shutil.copyfile(FIXTURES / "schema-0006.sqlite", file)
    from datetime import UTC, datetime

    from cstrainer.domain.accounts import Role
    from cstrainer.services import Actor, Services
    from cstrainer.services.phrase_drills import PhraseDrillService

    services = Services(open_database(f"sqlite:///{file}"))
    trainer = Actor(user_id=2, login="zhaolei", display_name="赵磊", role=Role.TRAINER)
    thread = services.phrase_review.list_for_phrase(trainer, "demo-welcome")
    assert [(c.kind, c.status, c.author_name) for c in thread] == [
        ("proposal", "open", "陈静"),
        ("comment", "accepted", "陈静"),
    ]
    assert thread[1].decided_by == "zhaolei" and thread[1].decided_at is not None
    stats = services.phrase_drills.stats(trainer, 3)
    assert (
        stats.recall_attempts,
        stats.recall_correct,
        stats.typing_attempts,
        stats.typing_best_net_cpm,
    ) == (
        1,
        1,
        1,
        72.0,
    )
    # the stored fsrs card is read back and rescheduled
    later = PhraseDrillService(services.db, services.phrases, clock=lambda: datetime(2026, 1, 7, tzinfo=UTC))
    agent = Actor(
        user_id=3, login="chenjing", display_name="陈静", role=Role.AGENT, brand_keys=frozenset({"demo"})
    )
    assert [p.phrase_key for p in later.next_recall(agent)] == ["demo-welcome"]
    assert later.answer_recall(agent, "demo-welcome", "hy1", 2.0).next_due > datetime(2026, 1, 8, tzinfo=UTC)
    services.close()


def test_review_and_drill_revision_downgrades_and_upgrades_again(tmp_path: Path) -> None:
    file = tmp_path / "down.sqlite"
    shutil.copyfile(FIXTURES / "schema-0006.sqlite", file)
    eng = make_engine(f"sqlite:///{file}")
    with eng.begin() as conn:
        command.downgrade(alembic_config(conn), "0005")
        tables = {r[0] for r in conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type='table'")}
        assert not {"phrase_comments", "phrase_drill_cards", "phrase_drill_attempts"} & tables
        assert conn.exec_driver_sql("SELECT key FROM phrases").scalar() == "demo-welcome"
        command.upgrade(alembic_config(conn), "head")
    eng.dispose()


def test_review_and_drill_tables_on_postgresql(pg_url: str) -> None:
    """The 0006 tables work on PostgreSQL: unique (user, phrase), JSON cards, cascades, SET NULL."""
    from datetime import UTC, datetime

    from sqlalchemy.exc import IntegrityError

    from cstrainer.storage.models import PhraseCommentRow, PhraseDrillAttempt, PhraseDrillCard

    when = datetime(2026, 11, 9, 8, 0, tzinfo=UTC)
    db = open_database(pg_url)
    with db.session() as s:
        user = User(login="a1", display_name="甲", role="agent")
        s.add(user)
        s.flush()
        uid = user.id
        s.add(PhraseDrillCard(user_id=uid, phrase_key="k", card={"state": 1}, due=when))
        s.add(PhraseDrillAttempt(user_id=uid, kind="typing", correct=None, seconds=1.5, cpm=120.0))
        s.add(PhraseCommentRow(phrase_key="k", author_id=uid, kind="comment", text="好"))
    with pytest.raises(IntegrityError), db.session() as s:
        s.add(PhraseDrillCard(user_id=uid, phrase_key="k", card={}, due=when))
    with db.session() as s:
        card = s.scalars(select(PhraseDrillCard)).one()
        assert (card.card, card.due) == ({"state": 1}, when)
        assert s.scalars(select(PhraseDrillAttempt)).one().cpm == 120.0
        s.delete(s.scalars(select(User).where(User.login == "a1")).one())
    with db.session() as s:
        assert s.scalars(select(PhraseDrillCard)).all() == []
        assert s.scalars(select(PhraseDrillAttempt)).all() == []
        comment = s.scalars(select(PhraseCommentRow)).one()
        assert (comment.author_id, comment.status) == (None, "open")
    db.dispose()


# --- revision 0011: role-play misses, dashboard roll-ups -------------------------------------------


def test_upgrade_from_0010_turns_stored_scorecards_into_miss_rows(tmp_path: Path) -> None:
    # GIVEN a 0010 database whose graded session has a scorecard with misses
    import json
    import sqlite3

    file = tmp_path / "schema-0010.sqlite"
    shutil.copyfile(FIXTURES / "schema-0010.sqlite", file)
    card = {
        "missed": [{"turn_id": "t1", "key_point_id": "道歉"}, {"turn_id": "t2", "key_point_id": "道歉"}],
        "replies": [
            {"banned": [{"rule": "绝对化", "word": "最好"}], "forbidden": []},
            {
                "banned": [{"rule": "绝对化", "word": "最好"}],
                "forbidden": [{"id": "promise", "word": "保证"}],
            },
        ],
    }
    with sqlite3.connect(file) as raw:
        raw.execute(
            "UPDATE roleplay_sessions SET scorecard = ? WHERE id = 1", (json.dumps(card, ensure_ascii=False),)
        )
    # WHEN it is opened by this version
    db = open_database(f"sqlite:///{file}")
    # THEN every distinct miss is a row, and the roll-up tables are there, empty
    from cstrainer.storage.models import RolePlayMiss, StatsDay, StatsQuestionDay

    with db.session() as s:
        rows = sorted(
            (m.session_id, m.kind, m.scenario_key, m.ident, m.word) for m in s.scalars(select(RolePlayMiss))
        )
        assert rows == [
            (1, "banned", "demo-scenario", "绝对化", "最好"),
            (1, "forbidden", "demo-scenario", "promise", "保证"),
            (1, "key_point", "demo-scenario", "道歉", ""),
        ]
        assert s.scalars(select(StatsDay)).all() == [] and s.scalars(select(StatsQuestionDay)).all() == []
    db.dispose()


def test_rollup_revision_downgrades_and_upgrades_again(tmp_path: Path) -> None:
    file = tmp_path / "down.sqlite"
    shutil.copyfile(FIXTURES / "schema-0011.sqlite", file)
    eng = make_engine(f"sqlite:///{file}")
    with eng.begin() as conn:
        command.downgrade(alembic_config(conn), "0010")
        tables = {r[0] for r in conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type='table'")}
        assert not {"roleplay_misses", "stats_days", "stats_question_days", "stats_miss_days"} & tables
        assert conn.exec_driver_sql("SELECT count(*) FROM roleplay_sessions").scalar() == 1
        command.upgrade(alembic_config(conn), "head")
    eng.dispose()
