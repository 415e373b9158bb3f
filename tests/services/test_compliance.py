"""The banned-word lists as shared data trainers edit in the app (违禁词库)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from cstrainer.domain.accounts import Role
from cstrainer.domain.phrases import PhraseItem
from cstrainer.services import SYSTEM, InvalidInput, PermissionDenied, Services, ValidationFailed
from cstrainer.services.compliance import RuleDraft
from cstrainer.storage.database import open_database
from cstrainer.storage.models import AuditEntry, Brand
from cstrainer.text.banned import default_rules, load_rules

PASSWORD = "pass-1234"

TOP = RuleDraft("顶配", None, "absolute_terms", "“顶配”是绝对化说法，请说具体配置。", ("顶配版本号",))


@pytest.fixture
def svc(services: Any) -> Services:
    s: Services = services
    s.users.add(SYSTEM, "peixun", "培训师", PASSWORD, Role.TRAINER)
    s.users.add(SYSTEM, "lily", "李丽", PASSWORD, Role.AGENT)
    s.compliance.refresh_seconds = 0.0
    return s


def trainer(s: Services) -> Any:
    return s.auth.login("peixun", PASSWORD)


def test_a_new_database_starts_with_the_shipped_list(svc: Services) -> None:
    rules = svc.compliance.list_rules(trainer(svc))
    assert [r.to_rule() for r in rules] == default_rules()
    assert [r.position for r in rules] == list(range(1, len(rules) + 1))
    assert rules[0].rule_label  # a Chinese category name for the table


def test_a_rule_a_trainer_adds_is_used_by_the_linter_graders_and_other_pcs(
    svc: Services, db_url: str
) -> None:
    # GIVEN a second PC on the same database
    other = Services(open_database(db_url, backup=False))
    other.compliance.refresh_seconds = 0.0
    try:
        text = "这款是顶配款，顶配版本号在吊牌上"
        assert svc.phrases.lint(text) == []
        # WHEN a trainer adds 顶配 with an exception
        rec = svc.compliance.save_rule(trainer(svc), TOP)
        # THEN the phrase linter here and on the other PC flag it, with position and reason
        for s in (svc, other):
            (hit,) = s.phrases.lint(text)
            assert (hit.word, hit.start, hit.end, hit.rule) == ("顶配", 3, 5, "absolute_terms")
            assert hit.reason == TOP.reason
        # AND a phrase saved with it needs a justification
        with svc.db.session() as db:
            db.add(Brand(key="qinyu", name="沁屿"))
        item = PhraseItem("qy-top", "qinyu", "推荐", "主推", "tj9", "这款是顶配款哦")
        with pytest.raises(InvalidInput):
            svc.phrases.save_team(trainer(svc), item)
        # AND the role-play grader uses it too
        assert any(h.word == "顶配" for h in svc.roleplay._compliance.scanner().scan("顶配"))
        assert rec.version == 1 and rec.updated_by == "peixun"
    finally:
        other.close()


def test_changing_and_deleting_a_rule(svc: Services) -> None:
    t = trainer(svc)
    rec = svc.compliance.save_rule(t, TOP)
    changed = svc.compliance.save_rule(
        t, RuleDraft("顶配", None, "absolute_terms", "新的原因", ()), rule_id=rec.id, expected_version=1
    )
    assert changed.version == 2 and changed.exceptions == ()
    assert svc.phrases.lint("顶配版本号")[0].reason == "新的原因"  # the exception is gone
    # a stale edit is refused, not silently applied
    with pytest.raises(InvalidInput, match="已被 peixun 修改"):
        svc.compliance.save_rule(t, TOP, rule_id=rec.id, expected_version=1)
    svc.compliance.delete_rule(t, rec.id)
    assert svc.phrases.lint("顶配") == []
    actions = [a.action for a in svc.audit.recent(SYSTEM)]
    assert {"compliance_rule_added", "compliance_rule_changed", "compliance_rule_deleted"} <= set(actions)


@pytest.mark.parametrize(
    ("draft", "field", "message"),
    [
        (RuleDraft("", None, "absolute_terms", "x"), "word", "有且只有"),
        (RuleDraft("顶配", "顶配", "absolute_terms", "x"), "word", "有且只有"),
        (RuleDraft(None, "([", "off_platform", "x"), "pattern", "正则表达式写法有误"),
        (RuleDraft(None, "a*", "off_platform", "x"), "pattern", "不能匹配空文字"),
        (RuleDraft("顶配", None, "Absolute Terms", "x"), "rule", "小写英文字母"),
        (RuleDraft("顶配", None, "absolute_terms", "  "), "reason", "请写明原因"),
        (RuleDraft("顶配", None, "absolute_terms", "x", ("高配",)), "exceptions", "不包含违禁词“顶配”"),
        (RuleDraft("国家级", None, "absolute_terms", "x"), "word", "已有相同的词语“国家级”"),
    ],
)
def test_a_bad_rule_is_refused_with_a_chinese_reason(
    svc: Services, draft: RuleDraft, field: str, message: str
) -> None:
    before = svc.compliance.list_rules(SYSTEM)
    with pytest.raises(InvalidInput, match=message) as info:
        svc.compliance.save_rule(trainer(svc), draft)
    assert info.value.field == field
    assert svc.compliance.list_rules(SYSTEM) == before


def test_agents_read_the_list_but_cannot_change_it(svc: Services) -> None:
    agent = svc.auth.login("lily", PASSWORD)
    assert svc.compliance.list_rules(agent)
    with pytest.raises(PermissionDenied):
        svc.compliance.save_rule(agent, TOP)
    with pytest.raises(PermissionDenied):
        svc.compliance.delete_rule(agent, svc.compliance.list_rules(agent)[0].id)
    with pytest.raises(PermissionDenied):
        svc.compliance.import_yaml(agent, Path("x.yaml"))


def test_the_last_rule_cannot_be_deleted(svc: Services, tmp_path: Path) -> None:
    path = tmp_path / "one.yaml"
    path.write_text(
        "schema_version: 1\nkind: banned_words\nitems:\n  - word: 顶配\n    rule: absolute_terms\n    reason: x\n",
        encoding="utf-8",
    )
    assert svc.compliance.import_yaml(SYSTEM, path) == 1
    (only,) = svc.compliance.list_rules(SYSTEM)
    with pytest.raises(InvalidInput, match="至少要保留一条"):
        svc.compliance.delete_rule(SYSTEM, only.id)


def test_export_and_import_round_trip_keeps_rules_and_notes(svc: Services, tmp_path: Path) -> None:
    t = trainer(svc)
    svc.compliance.save_rule(
        t, RuleDraft(None, r"加.{0,2}v信", "off_platform", "引导站外", (), "审核会上定的")
    )
    before = [(r.to_rule(), r.note) for r in svc.compliance.list_rules(t)]
    out = tmp_path / "rules.yaml"
    assert svc.compliance.export_yaml(t, out) == len(before)
    assert out.read_text(encoding="utf-8").startswith("# Banned wording")
    assert load_rules(out) == [r for r, _ in before]
    # change the list, then import the exported file: the list is as it was
    svc.compliance.save_rule(t, TOP)
    assert svc.compliance.import_yaml(t, out) == len(before)
    assert [(r.to_rule(), r.note) for r in svc.compliance.list_rules(t)] == before
    assert svc.phrases.lint("顶配") == []


def test_a_bad_file_changes_nothing_and_names_every_line(svc: Services, tmp_path: Path) -> None:
    t = trainer(svc)
    before = svc.compliance.list_rules(t)
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "schema_version: 1\nkind: banned_words\nitems:\n"
        "  - word: 顶配\n    rule: absolute_terms\n"  # no reason (line 4)
        "  - pattern: '(['\n    rule: off_platform\n    reason: x\n",  # bad regex (line 6)
        encoding="utf-8",
    )
    with pytest.raises(ValidationFailed) as info:
        svc.compliance.import_yaml(t, bad)
    text = str(info.value)
    assert "没有导入任何内容" in text
    assert "bad.yaml 第 4 行，字段 reason：缺少此项" in text
    assert "bad.yaml 第 6 行，字段 pattern：正则表达式写法有误" in text
    assert svc.compliance.list_rules(t) == before
    with svc.db.session() as s:
        assert not s.scalars(select(AuditEntry).where(AuditEntry.action == "compliance_rules_imported")).all()


def test_the_cli_lint_uses_the_databases_list(
    svc: Services, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from cstrainer.cli import main

    svc.compliance.save_rule(trainer(svc), TOP)
    code = main(["--db", db_url, "phrases", "lint", "这是顶配款", "--json"])
    out = capsys.readouterr().out
    assert code != 0
    assert '"word": "顶配"' in out and '"start": 2' in out and '"rule": "absolute_terms"' in out


def test_cli_lists_exports_and_imports_the_list(
    svc: Services, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    from cstrainer.cli import main

    assert main(["--db", db_url, "compliance", "list", "--rule", "off_platform", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert listed and {r["rule"] for r in listed} == {"off_platform"}
    out = tmp_path / "list.yaml"
    assert main(["--db", db_url, "compliance", "export", str(out)]) == 0
    import yaml

    doc = yaml.safe_load(out.read_text(encoding="utf-8"))
    doc["items"].insert(0, {"word": "顶配", "rule": "absolute_terms", "reason": "新加"})
    out.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    assert main(["--db", db_url, "compliance", "import", str(out)]) == 0
    assert "已导入" in capsys.readouterr().out
    assert svc.phrases.lint("顶配")[0].reason == "新加"
    bad = tmp_path / "bad.yaml"
    bad.write_text("schema_version: 1\nkind: banned_words\nitems:\n  - word: 顶配\n", encoding="utf-8")
    assert main(["--db", db_url, "compliance", "import", str(bad)]) != 0
    assert "第 4 行" in capsys.readouterr().err
