"""The banned-wording rules (违禁词库) as shared, trainer-editable data.

The rules live in the ``compliance_rules`` table so that everybody on one database (a team on
PostgreSQL) lints and grades with the same list. A database starts with the shipped file
``scripts_library/compliance/banned_words.yaml``; trainers then add, change and delete rules in the
app, or export the list to that YAML format and import an edited file (all or nothing, every
problem reported with its line). Every change is audited.

:meth:`ComplianceService.scanner` is what the phrase linter, the exam grader and the role-play
grader use. It is rebuilt when the table changes (checked at most every ``refresh_seconds``), so a
rule a trainer adds on one PC reaches the other PCs within seconds without a restart.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from cstrainer.domain.accounts import Permission
from cstrainer.services import audit
from cstrainer.services.actor import Actor
from cstrainer.services.conflicts import lock_for_edit
from cstrainer.services.errors import InvalidInput, NotFound, ValidationFailed
from cstrainer.storage.database import Database
from cstrainer.storage.models import ComplianceRule
from cstrainer.text.banned import (
    RULE_LABELS,
    BannedHit,
    BannedRule,
    BannedRulesError,
    BannedWordScanner,
    check_rule,
    default_rules_path,
    default_scanner,
    dump_rules,
    load_rules_with_notes,
)

log = logging.getLogger(__name__)

__all__ = ["RULE_LABELS", "ComplianceRuleRecord", "ComplianceService", "RuleDraft"]

_EXPORT_HEADER = """Banned wording for customer-service replies (客服回复违禁用语), exported from 客服训练营.
Edit and import it again in 违禁词库 (导入), or with `cstrainer compliance import FILE`.
Each item has exactly one of word (a literal expression) or pattern (a regular expression), plus
rule (category id), reason (shown to the agent next to the hit), optional exceptions (longer
expressions containing the hit that are fine) and an optional note for trainers."""


@dataclass(frozen=True, slots=True)
class RuleDraft:
    """A rule as a trainer fills in the form: exactly one of ``word`` / ``pattern``."""

    word: str | None
    pattern: str | None
    rule: str
    reason: str
    exceptions: tuple[str, ...] = ()
    note: str = ""

    def cleaned(self) -> RuleDraft:
        word = (self.word or "").strip() or None
        pattern = self.pattern or None
        exceptions = tuple(dict.fromkeys(e.strip() for e in self.exceptions if e.strip()))
        return RuleDraft(word, pattern, self.rule.strip(), self.reason.strip(), exceptions, self.note.strip())

    def to_rule(self) -> BannedRule:
        return BannedRule(self.word, self.reason, self.rule, self.exceptions, self.pattern)


@dataclass(frozen=True, slots=True)
class ComplianceRuleRecord:
    id: int
    position: int
    word: str | None
    pattern: str | None
    rule: str
    reason: str
    exceptions: tuple[str, ...]
    note: str
    version: int
    updated_at: datetime | None
    updated_by: str

    @property
    def label(self) -> str:
        return self.word if self.word is not None else f"/{self.pattern}/"

    @property
    def rule_label(self) -> str:
        return RULE_LABELS.get(self.rule, self.rule)

    def to_rule(self) -> BannedRule:
        return BannedRule(self.word, self.reason, self.rule, self.exceptions, self.pattern)

    def draft(self) -> RuleDraft:
        return RuleDraft(self.word, self.pattern, self.rule, self.reason, self.exceptions, self.note)


class ComplianceService:
    def __init__(self, db: Database, *, refresh_seconds: float = 2.0) -> None:
        self._db = db
        self.refresh_seconds = refresh_seconds
        self._lock = threading.Lock()
        self._scanner: BannedWordScanner | None = None
        self._stamp: tuple[Any, ...] | None = None
        self._checked_at = 0.0

    # --- the scanner everybody lints with ---------------------------------------------------------

    def scanner(self, session: Session | None = None) -> BannedWordScanner:
        """A scanner over the database's rules (the shipped file while the table is still empty).

        A caller inside a transaction passes its ``session``: the refresh check then reads through
        it instead of taking a second pooled connection (threads that each held one connection and
        waited for another starved the pool under load)."""
        with self._lock:
            now = time.monotonic()
            if self._scanner is not None and now - self._checked_at < self.refresh_seconds:
                return self._scanner
            self._checked_at = now
            stamp = self._stamp_now(session)
            if self._scanner is not None and stamp == self._stamp:
                return self._scanner
            if stamp[0] == 0:
                scanner = default_scanner()
            else:
                if session is not None:
                    rules = [r.to_rule() for r in _records(session)]
                else:
                    with self._db.session() as s:
                        rules = [r.to_rule() for r in _records(s)]
                try:
                    scanner = BannedWordScanner(rules)
                except ValueError:  # a rule that no longer compiles (edited by hand in the DB)
                    log.exception(
                        "the compliance rules in the database do not compile; using the shipped ones"
                    )
                    scanner = default_scanner()
            self._scanner, self._stamp = scanner, stamp
            return scanner

    def invalidate(self) -> None:
        with self._lock:
            self._scanner = None

    def scan(self, text: str) -> list[BannedHit]:
        """Every hit of the current rules in ``text`` (the 试一试 box of the editor)."""
        return self.scanner().scan(text)

    def _stamp_now(self, session: Session | None = None) -> tuple[Any, ...]:
        query = select(
            func.count(ComplianceRule.id),
            func.coalesce(func.sum(ComplianceRule.id), 0),
            func.max(ComplianceRule.updated_at),
            func.coalesce(func.sum(ComplianceRule.version), 0),
        )
        if session is not None:
            return tuple(session.execute(query).one())
        with self._db.session() as s:
            return tuple(s.execute(query).one())

    # --- reading ------------------------------------------------------------------------------------

    def list_rules(self, actor: Actor) -> list[ComplianceRuleRecord]:
        """Every rule in list order. Anybody may read them: agents see the same reasons inline."""
        del actor  # reading is open to every role
        with self._db.session() as s:
            self._ensure_seeded(s)
            return _records(s)

    def get_rule(self, actor: Actor, rule_id: int) -> ComplianceRuleRecord:
        del actor
        with self._db.session() as s:
            row = s.get(ComplianceRule, rule_id)
            if row is None:
                raise NotFound(f"找不到违禁词规则 {rule_id}（可能已被删除）")
            return _record(row)

    def categories(self) -> dict[str, str]:
        """Category id -> Chinese name: the shipped ones plus any a trainer added."""
        with self._db.session() as s:
            used = s.scalars(select(ComplianceRule.rule).distinct()).all()
        return {**RULE_LABELS, **{r: RULE_LABELS.get(r, r) for r in used}}

    # --- editing ------------------------------------------------------------------------------------

    def validate(self, draft: RuleDraft, *, rule_id: int | None = None) -> list[tuple[str, str]]:
        """Problems of ``draft`` as ``(field, message)``; empty when it can be saved."""
        d = draft.cleaned()
        problems = check_rule(d.word, d.pattern, d.rule, d.reason, d.exceptions)
        if not problems:
            with self._db.session() as s:
                clash = _same_rule(s, d, rule_id)
                if clash is not None:
                    what = "词语" if d.word is not None else "正则表达式"
                    problems.append(
                        (
                            "word" if d.word is not None else "pattern",
                            f"已有相同的{what}“{clash.word or clash.pattern}”（第 {clash.position} 条），请直接修改那一条",
                        )
                    )
        return problems

    def save_rule(
        self,
        actor: Actor,
        draft: RuleDraft,
        *,
        rule_id: int | None = None,
        expected_version: int | None = None,
    ) -> ComplianceRuleRecord:
        """Add a rule (``rule_id`` None) or change one. ``expected_version`` refuses to overwrite a
        colleague's newer edit."""
        actor.require(Permission.EDIT_CONTENT)
        d = draft.cleaned()
        problems = self.validate(d, rule_id=rule_id)
        if problems:
            field, _message = problems[0]
            raise InvalidInput("；".join(m for _, m in problems), field=field)
        with self._db.session() as s:
            self._ensure_seeded(s)
            before: str | None = None
            if rule_id is None:
                last = s.scalar(select(func.max(ComplianceRule.position))) or 0
                row = ComplianceRule(position=last + 1, version=1)
                s.add(row)
            else:
                # locked: nobody saves between the version check and the write
                found = lock_for_edit(s, ComplianceRule, ComplianceRule.id == rule_id)
                if found is None:
                    raise NotFound(f"找不到违禁词规则 {rule_id}（可能已被同事删除）")
                row = found
                if expected_version is not None and row.version != expected_version:
                    raise InvalidInput(
                        f"这条规则已被 {row.updated_by} 修改（版本 {row.version}），请刷新后再改",
                        field="version",
                    )
                before = _record(row).label
                row.version += 1
            row.word, row.pattern, row.rule, row.reason = d.word, d.pattern, d.rule, d.reason
            row.exceptions, row.note, row.updated_by = list(d.exceptions), d.note, actor.login
            s.flush()
            audit.record(
                s,
                actor,
                "compliance_rule_added" if before is None else "compliance_rule_changed",
                "compliance_rules",
                str(row.id),
                label=_record(row).label,
                before=before,
                rule=d.rule,
            )
            rec = _record(row)
        self.invalidate()
        return rec

    def delete_rule(self, actor: Actor, rule_id: int) -> None:
        actor.require(Permission.EDIT_CONTENT)
        with self._db.session() as s:
            row = s.get(ComplianceRule, rule_id)
            if row is None:
                raise NotFound(f"找不到违禁词规则 {rule_id}（可能已被删除）")
            if s.scalar(select(func.count(ComplianceRule.id))) == 1:
                raise InvalidInput("违禁词库至少要保留一条规则", field="id")
            audit.record(
                s, actor, "compliance_rule_deleted", "compliance_rules", str(row.id), label=_record(row).label
            )
            s.delete(row)
        self.invalidate()

    # --- the data file ------------------------------------------------------------------------------

    def export_yaml(self, actor: Actor, path: Path) -> int:
        """Write the list as a ``kind: banned_words`` file; returns the number of rules."""
        actor.require(Permission.EXPORT_CONTENT)
        records = self.list_rules(actor)
        text = dump_rules([r.to_rule() for r in records], [r.note for r in records], _EXPORT_HEADER)
        path = Path(path)
        tmp = path.with_name(path.name + ".part")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
        return len(records)

    def import_yaml(self, actor: Actor, path: Path) -> int:
        """Replace the whole list with the rules of a ``kind: banned_words`` file.

        The file is checked completely first; with any problem nothing changes and
        :class:`ValidationFailed` lists every problem with its line."""
        actor.require(Permission.IMPORT_CONTENT)
        try:
            loaded = load_rules_with_notes(path)
        except BannedRulesError as exc:
            raise ValidationFailed(
                f"违禁词文件 {path} 有错误，没有导入任何内容：", [str(i) for i in exc.issues]
            ) from exc
        if not loaded:
            raise ValidationFailed(f"违禁词文件 {path} 没有任何规则，没有导入", [])
        with self._db.session() as s:
            _replace_all(s, loaded, actor.login)
            audit.record(
                s, actor, "compliance_rules_imported", "compliance_rules", Path(path).name, count=len(loaded)
            )
        self.invalidate()
        return len(loaded)

    def seed_if_empty(self, path: Path | None = None) -> int:
        """Fill an empty table from the shipped file (first start, or a database from before 0007)."""
        with self._db.session() as s:
            return self._ensure_seeded(s, path)

    def _ensure_seeded(self, s: Session, path: Path | None = None) -> int:
        if s.scalar(select(func.count(ComplianceRule.id))):
            return 0
        source = path or default_rules_path()
        if not Path(source).is_file():
            log.warning("no shipped banned-words file at %s", source)
            return 0
        loaded = load_rules_with_notes(source)
        _replace_all(s, loaded, "system")
        return len(loaded)


def _replace_all(s: Session, loaded: Sequence[tuple[BannedRule, str]], login: str) -> None:
    s.execute(delete(ComplianceRule))
    for position, (rule, note) in enumerate(loaded, start=1):
        s.add(
            ComplianceRule(
                position=position,
                word=rule.word,
                pattern=rule.pattern,
                rule=rule.rule,
                reason=rule.reason,
                exceptions=list(rule.exceptions),
                note=note,
                version=1,
                updated_by=login,
            )
        )
    s.flush()


def _same_rule(s: Session, d: RuleDraft, rule_id: int | None) -> ComplianceRule | None:
    from cstrainer.text.normalize import fold

    for row in s.scalars(select(ComplianceRule)):
        if row.id == rule_id:
            continue
        if d.word is not None and row.word is not None and fold(row.word.strip()) == fold(d.word):
            return row
        if d.pattern is not None and row.pattern == d.pattern:
            return row
    return None


def _records(s: Session) -> list[ComplianceRuleRecord]:
    rows = s.scalars(select(ComplianceRule).order_by(ComplianceRule.position, ComplianceRule.id))
    return [_record(r) for r in rows]


def _record(row: ComplianceRule) -> ComplianceRuleRecord:
    return ComplianceRuleRecord(
        id=row.id,
        position=row.position,
        word=row.word,
        pattern=row.pattern,
        rule=row.rule,
        reason=row.reason,
        exceptions=tuple(row.exceptions or ()),
        note=row.note or "",
        version=row.version,
        updated_at=row.updated_at,
        updated_by=row.updated_by or "",
    )
