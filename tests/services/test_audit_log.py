"""The audit log (操作日志): what is recorded, and reading it back (filters, pages, CSV)."""

from __future__ import annotations

import csv
import dataclasses
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from cstrainer.domain.accounts import Role
from cstrainer.services import SYSTEM, InvalidInput, PermissionDenied, Services, audit
from cstrainer.services.audit import CSV_HEADER, AuditQuery, AuditRecord

PW = "demo1234"


def newest(s: Services, action: str) -> AuditRecord:
    page = s.audit.query(SYSTEM, AuditQuery(action=action, limit=1))
    assert page.records, f"no audit entry for {action}"
    return page.records[0]


def test_content_edits_say_what_changed(seeded: Any) -> None:
    s: Services = seeded
    trainer = s.auth.login("peixun", PW)
    # GIVEN a question, a scenario, a phrase, a handbook entry and an exam of the shipped content
    key = s.questions.search(trainer, limit=1)[0].key
    q = s.questions.get(trainer, key)
    # WHEN a trainer edits each of them
    s.questions.save(trainer, dataclasses.replace(q, explanation="发货前可改地址，发货后请联系快递改派。"))
    rec = newest(s, "question.edit")
    # THEN the entry names the object, who, and the fields changed
    assert (rec.actor_login, rec.entity, rec.entity_key) == ("peixun", "question", key)
    assert "explanation" in rec.detail["changed"]
    assert rec.detail["version"] >= rec.detail["from_version"]

    sc_key = s.roleplay.list_scenarios(trainer)[0].key
    record = s.roleplay.scenario_record(trainer, sc_key)
    s.roleplay.save_scenario(
        trainer,
        dataclasses.replace(record.definition, title=record.definition.title + "（改）"),
        record.version,
    )
    rec = newest(s, "scenario.edit")
    assert rec.entity_key == sc_key and "title" in rec.detail["changed"]
    assert (rec.detail["from_version"], rec.detail["version"]) == (record.version, record.version + 1)

    phrase = s.phrases.list_team(trainer)[0]
    item = dataclasses.replace(phrase.item, text=phrase.item.text + "有问题随时找我哦～")
    s.phrases.save_team(trainer, item)
    rec = newest(s, "phrase_changed")
    assert rec.entity_key == phrase.item.key and rec.detail["changed"] == ["text"]
    assert rec.detail["version"] == rec.detail["from_version"] + 1
    s.phrases.delete_team(trainer, phrase.item.key)
    rec = newest(s, "phrase_deleted")
    assert rec.entity_key == phrase.item.key and rec.detail["text"] == item.text

    kind, doc_key = "entry", s.handbook.list_docs(trainer, kind="entry")[0].key
    doc = s.handbook.get_doc(trainer, kind, doc_key)
    data = dict(doc.data)
    data["title"] = str(data.get("title", "")) + "（2026 版）"
    s.handbook.save_doc(trainer, kind, doc_key, data, expected_version=doc.version, note="标题加年份")
    rec = newest(s, "handbook.edit")
    assert (
        rec.entity_key == doc_key and "title" in rec.detail["changed"] and rec.detail["note"] == "标题加年份"
    )


def _reply_exam(s: Services) -> tuple[int, int]:
    """An attempt of laowang whose reply question waits for review: (attempt id, review item id)."""
    reply = s.questions.search(SYSTEM, type="reply", limit=1)[0].key
    s.exams.save_exam(
        SYSTEM,
        {
            "key": "audit-exam",
            "title": "售后回复考核",
            "purpose": "入职考试",
            "time_limit_minutes": 30,
            "pass_mark": 60,
            "attempts_allowed": 3,
            "questions": [reply],
        },
    )
    s.users.add(SYSTEM, "laowang", "王建国", PW, Role.AGENT, "qinyu-presale", ["qinyu"])
    agent = s.auth.login("laowang", PW)
    view = s.exams.start(agent, "audit-exam")
    s.exams.save_answer(agent, view.attempt_id, 0, "亲，非常抱歉，麻烦您拍照发给我，马上为您补发。")
    s.exams.submit(agent, view.attempt_id)
    return view.attempt_id, s.exams.review_queue(SYSTEM)[0].item_id


def test_releases_promotions_and_grade_overrides_are_recorded(seeded: Any) -> None:
    s: Services = seeded
    trainer, boss = s.auth.login("peixun", PW), s.auth.login("zhuguan", PW)
    before = s.phrases.list_releases(trainer)[0].version
    s.phrases.publish(trainer, "2099.1.1", "双十二前更新催付话术")
    rec = newest(s, "phrase_release_published")
    assert rec.entity_key == "2099.1.1" and rec.detail["previous"] == before and rec.detail["items"] > 0
    s.phrases.rollback(trainer, before, "2099.1.2", "撤回")
    assert newest(s, "phrase_release_rollback").detail["rollback_of"] == before

    attempt, item = _reply_exam(s)
    s.exams.review(trainer, item, 4, "致歉到位，补发方案清楚")
    rec = newest(s, "exam.review")
    assert (rec.actor_login, rec.entity_key) == ("peixun", str(attempt))
    assert rec.detail["after"] == 4 and "before" in rec.detail and "auto" in rec.detail

    laowang = s.users.get(boss, "laowang")
    s.growth.promote(boss, laowang.id, "上岗", "试岗期考核通过", force=True)
    rec = newest(s, "growth.promote")
    assert rec.entity_key == "laowang" and rec.detail["to_stage"] == "上岗" and rec.detail["forced"] is True


def test_query_filters_pages_and_managers_only(seeded: Any) -> None:
    s: Services = seeded
    boss = s.auth.login("zhuguan", PW)
    for login in ("aa01", "aa02", "aa03"):
        s.users.add(boss, login, "新同事", None, Role.AGENT)
    s.users.disable(boss, "aa02")
    everything = s.audit.query(boss, AuditQuery(limit=1000))
    assert everything.total == len(everything.records) > 4
    assert "user.add" in everything.actions

    by_action = s.audit.query(boss, AuditQuery(action="user."))
    assert {r.action for r in by_action.records} == {"user.add", "user.disable"}
    assert s.audit.query(boss, AuditQuery(action="user.add", actor_login="ZHUGUAN")).total == 3
    assert s.audit.query(boss, AuditQuery(action="user.add", actor_login="peixun")).total == 0
    # the text filter is a substring of the object key; % and _ are plain characters
    assert {r.entity_key for r in s.audit.query(boss, AuditQuery(text="A02")).records} == {"aa02"}
    assert s.audit.query(boss, AuditQuery(text="a_0")).total == 0
    assert s.audit.query(boss, AuditQuery(action="user%")).total == 0

    # pages: newest first, offset and total
    first = s.audit.query(boss, AuditQuery(action="user.", limit=2))
    second = s.audit.query(boss, AuditQuery(action="user.", limit=2, offset=2))
    assert first.total == second.total == 4
    assert [r.entity_key for r in first.records] == ["aa02", "aa03"]  # disable came last
    assert [r.entity_key for r in second.records] == ["aa02", "aa01"]

    # the period: since inclusive, until exclusive
    now = datetime.now(UTC)
    assert s.audit.query(boss, AuditQuery(action="user.", since=now - timedelta(minutes=5))).total == 4
    assert s.audit.query(boss, AuditQuery(action="user.", until=now - timedelta(minutes=5))).total == 0
    with pytest.raises(InvalidInput, match="时区"):
        s.audit.query(boss, AuditQuery(since=datetime(2026, 1, 1)))
    with pytest.raises(InvalidInput, match="每页条数"):
        s.audit.query(boss, AuditQuery(limit=0))

    for login in ("peixun", "kefu", "xinren"):
        with pytest.raises(PermissionDenied, match="查看操作日志"):
            s.audit.query(s.auth.login(login, PW))


def test_csv_export_is_complete_excel_friendly_and_safe(seeded: Any, tmp_path: Path) -> None:
    s: Services = seeded
    boss = s.auth.login("zhuguan", PW)
    with s.db.session() as ses:
        # a hostile object key (a spreadsheet formula) and a careless caller passing a password
        audit.record(ses, boss, "phrase_changed", "phrases", '=HYPERLINK("http://x")', password="Qwerty-99")
        audit.record(
            ses, boss, "user.update", "user", "kefu", changes={"new_password": "Qwerty-99", "role": "agent"}
        )
    out = tmp_path / "audit.csv"
    n = s.audit.export_csv(boss, out)
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel and WPS open it as UTF-8
    assert b"Qwerty-99" not in raw
    rows = list(csv.reader(out.open(encoding="utf-8-sig")))
    assert rows[0] == CSV_HEADER and len(rows) == n + 1 == s.audit.query(boss).total + 1
    keys = [r[6] for r in rows[1:]]
    assert '\'=HYPERLINK("http://x")' in keys
    update = next(r for r in rows[1:] if r[4] == "user.update")
    assert update[3] == "修改账号" and '"role": "agent"' in update[7]
    assert not list(tmp_path.glob("*.part"))

    filtered = tmp_path / "users.csv"
    assert s.audit.export_csv(boss, filtered, AuditQuery(action="user.update")) == 1
    with pytest.raises(InvalidInput, match="文件夹"):
        s.audit.export_csv(boss, tmp_path)
    with pytest.raises(PermissionDenied):
        s.audit.export_csv(s.auth.login("peixun", PW), tmp_path / "x.csv")
    assert not (tmp_path / "x.csv").exists()


def test_secret_keys_are_dropped_at_any_depth() -> None:
    assert audit._clean(
        {"login": "kefu", "Password": "x", "changes": {"old_password": "y", "role": "agent"}}
    ) == {
        "login": "kefu",
        "changes": {"role": "agent"},
    }
    assert audit.changed_fields({"a": 1, "b": 2}, {"a": 1, "b": 3, "c": 0}) == ["b", "c"]


def test_every_recorded_action_has_a_chinese_label() -> None:
    import re

    services = Path(__file__).resolve().parents[2] / "cstrainer" / "services"
    src = "\n".join(p.read_text(encoding="utf-8") for p in services.glob("*.py"))
    # the first string literal after each audit.record( / self._audit( call, plus both arms of
    # the "a" if x else "b" form the services use for add/change pairs
    calls = re.findall(r'audit\.record\(\s*\w+,\s*\w+,\s*"([a-z_.]+)"', src)
    calls += re.findall(r'self\._audit\(\s*\w+,\s*"([a-z_.]+)"', src)
    pairs = re.findall(r'"([a-z_.]+)" if \w+(?: is None)? else "([a-z_.]+)"', src)
    actions = set(calls) | {a for pair in pairs for a in pair}
    assert len(actions) > 30, actions
    missing = sorted(a for a in actions if a not in audit.ACTION_LABELS)
    assert not missing, f"add a Chinese label to ACTION_LABELS for: {missing}"
