"""The offline journal: durable entries, supersession, corrupt lines, isolation, idempotent replay."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy.exc as sa_exc

from cstrainer.domain.scenario import ScenarioDef
from cstrainer.services import SYSTEM
from cstrainer.services import offline_journal as oj
from cstrainer.services.offline_journal import (
    EXAM_ANSWER,
    ROLEPLAY_REPLY,
    OfflineJournal,
    database_id,
    is_connection_error,
    replay_pending,
)
from cstrainer.storage.models import RolePlayMessage
from tests.services.exam_fixtures import exam_item, make_bank
from tests.services.roleplay_fixtures import SORRY, scenario_item


@pytest.fixture(autouse=True)
def _fresh_instances() -> Any:
    oj.close_all()
    yield
    oj.close_all()


def reopen(journal: OfflineJournal) -> OfflineJournal:
    """As after a restart: a new instance reading the file."""
    oj.close_all()
    return OfflineJournal.open(journal.path)


def answer(journal: OfflineJournal, attempt: int, position: int, response: Any) -> oj.Entry:
    return journal.record(
        EXAM_ANSWER,
        oj.exam_key(attempt, position),
        {"attempt_id": attempt, "position": position, "response": response},
    )


# --- the file ---------------------------------------------------------------------------------------


def test_entries_survive_a_restart_and_the_latest_answer_wins(tmp_path: Path) -> None:
    j = OfflineJournal.for_user("sqlite:///a.sqlite", 7, tmp_path)
    first = answer(j, 1, 0, "A")
    answer(j, 1, 1, ["B", "C"])
    latest = answer(j, 1, 0, "D")  # the same question answered again
    j2 = reopen(j)
    assert [(e.key, e.data["response"]) for e in j2.pending()] == [
        ("exam:1:1", ["B", "C"]),
        ("exam:1:0", "D"),
    ]
    # an acknowledgement of the older answer does not clear the newer one
    j2.acknowledge(first.id)
    assert len(reopen(j2)) == 2
    j3 = reopen(j2)
    j3.acknowledge(latest.id)
    assert [e.key for e in reopen(j3).pending()] == ["exam:1:1"]


def test_a_file_with_nothing_pending_is_emptied_and_removed_at_logout(tmp_path: Path) -> None:
    j = OfflineJournal.for_user("sqlite:///a.sqlite", 7, tmp_path)
    e = answer(j, 1, 0, "A")
    assert j.path.exists()
    j.acknowledge(e.id)
    assert j.path.stat().st_size == 0 and len(reopen(j)) == 0
    j = reopen(j)
    answer(j, 1, 1, "B")
    j.remove_if_empty()  # something is pending: kept
    assert len(reopen(j)) == 1
    j = reopen(j)
    j.acknowledge(j.pending()[0].id)
    j.remove_if_empty()
    assert not j.path.exists()


def test_a_long_journal_is_compacted(tmp_path: Path) -> None:
    j = OfflineJournal.for_user("sqlite:///a.sqlite", 7, tmp_path)
    answer(j, 1, 99, "kept")
    for n in range(oj.COMPACT_AFTER_LINES):
        j.acknowledge(answer(j, 1, n % 5, f"v{n}").id)
    lines = j.path.read_text(encoding="utf-8").splitlines()
    assert len(lines) < oj.COMPACT_AFTER_LINES
    assert [e.data["response"] for e in reopen(j).pending()] == ["kept"]


def test_corrupt_lines_are_skipped_with_a_warning(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    j = OfflineJournal.for_user("sqlite:///a.sqlite", 7, tmp_path)
    answer(j, 1, 0, "A")
    with open(j.path, "a", encoding="utf-8") as f:
        f.write("{not json\n")
        f.write(json.dumps({"op": "put", "id": "x"}) + "\n")  # fields missing
        f.write("\xff garbage\n")
        f.write('{"op": "put", "id": "half", "kind": "exam_answer", "key": "exam:1:2", "da')  # cut off
    with caplog.at_level(logging.WARNING, logger="cstrainer.services.offline_journal"):
        j2 = reopen(j)
    assert [e.data["response"] for e in j2.pending()] == ["A"]
    assert sum("skipped" in r.getMessage() for r in caplog.records) == 4
    # the next entry starts on a line of its own after the half-written one
    answer(j2, 1, 3, "E")
    assert [e.data["response"] for e in reopen(j2).pending()] == ["A", "E"]


def test_journals_are_per_database_and_per_person(tmp_path: Path) -> None:
    pg = "postgresql+psycopg://kefu:secret@db.example:5432/team"
    answer(OfflineJournal.for_user(pg, 1, tmp_path), 1, 0, "mine")
    assert OfflineJournal.for_user(pg, 2, tmp_path).pending() == []
    assert (
        OfflineJournal.for_user(
            "postgresql+psycopg://kefu:secret@db.example:5432/other", 1, tmp_path
        ).pending()
        == []
    )
    assert OfflineJournal.for_user(f"sqlite:///{tmp_path / 'x.sqlite'}", 1, tmp_path).pending() == []
    # the password is not part of the identity; the driver spelling is not either
    assert database_id(pg) == database_id("postgresql://kefu:changed@db.example:5432/team")
    assert [e.data["response"] for e in OfflineJournal.for_user(pg, 1, tmp_path).pending()] == ["mine"]
    assert "secret" not in "".join(p.name for p in tmp_path.iterdir())


def test_which_errors_mean_the_database_is_unreachable() -> None:
    import sqlite3

    import psycopg

    def op(orig: BaseException) -> sa_exc.OperationalError:
        return sa_exc.OperationalError("SELECT 1", {}, orig)

    assert is_connection_error(op(psycopg.OperationalError("connection refused")))
    assert is_connection_error(op(ConnectionRefusedError()))
    assert is_connection_error(sa_exc.InterfaceError("x", {}, Exception("closed")))
    assert is_connection_error(op(sqlite3.OperationalError("unable to open database file")))
    assert not is_connection_error(op(sqlite3.OperationalError("database is locked")))
    assert not is_connection_error(op(sqlite3.OperationalError("no such table: users")))
    lock = psycopg.errors.LockNotAvailable("lock timeout")
    assert not is_connection_error(op(lock))
    assert not is_connection_error(ValueError("bug"))
    wrapped = RuntimeError("save failed")
    wrapped.__cause__ = op(psycopg.OperationalError("server closed the connection unexpectedly"))
    assert is_connection_error(wrapped)


# --- replay against the database -----------------------------------------------------------------------


def test_exam_answers_are_replayed_once_and_cleared(services: Any) -> None:
    people = make_bank(services)
    services.exams.save_exam(SYSTEM, exam_item())
    me = people["xinren"]
    view = services.exams.start(me, "exam-test")
    tf = next(i for i in view.items if i.view.type.value == "truefalse")
    single = next(i for i in view.items if i.view.type.value == "single")
    journal = oj.journal_for(services, me)
    assert journal is not None
    answer(journal, view.attempt_id, single.position, 1)
    answer(journal, view.attempt_id, tf.position, True)
    answer(journal, view.attempt_id, tf.position, False)  # changed while offline
    # WHEN replayed twice (the first replay's confirmation "lost": the entries written again)
    report = replay_pending(services, me)
    assert report.sent == 2 and not report.rejected and not report.offline
    assert len(journal) == 0
    answer(journal, view.attempt_id, tf.position, False)
    assert replay_pending(services, me).sent == 1
    # THEN each question holds the latest answer, once
    stored = {i.position: i.response for i in services.exams.attempt(me, view.attempt_id).items}
    assert stored[tf.position] is False and stored[single.position] == 1


def test_replay_stops_while_the_database_is_unreachable(
    services: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    people = make_bank(services)
    services.exams.save_exam(SYSTEM, exam_item())
    me = people["xinren"]
    view = services.exams.start(me, "exam-test")
    journal = oj.journal_for(services, me)
    assert journal is not None
    for item in view.items[:3]:
        answer(journal, view.attempt_id, item.position, "亲，马上为您处理")
    real = services.exams.save_answer

    def down(*args: Any, **kwargs: Any) -> Any:
        raise sa_exc.OperationalError("UPDATE", {}, ConnectionRefusedError("connection refused"))

    monkeypatch.setattr(services.exams, "save_answer", down)
    report = replay_pending(services, me)
    assert report.offline and report.sent == 0 and len(journal) == 3
    monkeypatch.setattr(services.exams, "save_answer", real)
    assert replay_pending(services, me).sent == 3 and len(journal) == 0


def test_answers_to_a_handed_in_exam_are_kept_aside(services: Any) -> None:
    people = make_bank(services)
    services.exams.save_exam(SYSTEM, exam_item())
    me = people["xinren"]
    view = services.exams.start(me, "exam-test")
    journal = oj.journal_for(services, me)
    assert journal is not None
    answer(journal, view.attempt_id, view.items[0].position, 2)
    services.exams.submit(me, view.attempt_id)
    report = replay_pending(services, me)
    assert len(report.rejected) == 1 and "已经交卷" in report.rejected[0]
    assert len(journal) == 0
    rejected = [
        json.loads(x) for x in (journal.path.parent / oj.REJECTED_FILENAME).read_text("utf-8").splitlines()
    ]
    assert rejected[0]["data"]["response"] == 2 and "已经交卷" in rejected[0]["reason"]


def test_a_roleplay_reply_is_stored_once(services: Any) -> None:
    people = make_bank(services)
    services.roleplay.save_scenario(SYSTEM, ScenarioDef.from_dict(scenario_item()), None)
    me = people["xinren"]
    view = services.roleplay.start(me, "rp-test", seed=1)
    after = view.messages[-1].seq
    journal = oj.journal_for(services, me)
    assert journal is not None
    data = {"session_id": view.session_id, "after_seq": after, "text": SORRY, "seconds": 6.5}
    journal.record(ROLEPLAY_REPLY, oj.roleplay_key(view.session_id), data)
    assert replay_pending(services, me).sent == 1
    # the confirmation was lost: the same entry is replayed again - nothing is duplicated
    journal.record(ROLEPLAY_REPLY, oj.roleplay_key(view.session_id), data)
    report = replay_pending(services, me)
    assert report.already == 1 and report.sent == 0 and len(journal) == 0
    with services.db.session() as s:
        agent = s.query(RolePlayMessage).filter_by(session_id=view.session_id, role="agent").all()
        assert [m.text for m in agent] == [SORRY] and agent[0].seconds == 6.5
    # a different reply to a line already answered is kept aside, not sent
    journal.record(ROLEPLAY_REPLY, oj.roleplay_key(view.session_id), {**data, "text": "亲，在的"})
    report = replay_pending(services, me)
    assert len(report.rejected) == 1 and "对话已经继续" in report.rejected[0]


def test_real_postgresql_outages_are_recognised(pg_url: str) -> None:
    """A closed port, and a server that drops our connection (pg_terminate_backend)."""
    from sqlalchemy import text

    from cstrainer.storage.engine import make_engine

    closed = make_engine("postgresql+psycopg://postgres@127.0.0.1:9/none?connect_timeout=3")
    with pytest.raises(sa_exc.OperationalError) as refused, closed.connect() as c:
        c.execute(text("SELECT 1"))
    assert is_connection_error(refused.value)
    closed.dispose()

    engine, admin = make_engine(pg_url), make_engine(pg_url)
    try:
        with engine.connect() as c:
            pid = c.execute(text("SELECT pg_backend_pid()")).scalar()
            with admin.connect() as a:
                a.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
                a.commit()
            with pytest.raises(sa_exc.DBAPIError) as dropped:
                c.execute(text("SELECT 1"))
        assert is_connection_error(dropped.value)
        # the pool notices (pre-ping) and the next use works again, with the fail-fast settings
        with engine.connect() as c:
            assert c.execute(text("SELECT 1")).scalar() == 1
            params = c.connection.dbapi_connection.info.get_parameters()  # type: ignore[union-attr]
            assert params["connect_timeout"] == "10" and params["keepalives_idle"] == "30"
    finally:
        engine.dispose()
        admin.dispose()
