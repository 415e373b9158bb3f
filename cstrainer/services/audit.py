"""Writing to and reading the audit log (操作日志).

Services call :func:`record` inside their own transaction, so an entry exists exactly when the
change it describes was committed. Managers read the log through :class:`AuditService`: a filtered,
paged query and a CSV export. Password-like detail keys are dropped before anything is written.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from cstrainer.domain.accounts import Permission
from cstrainer.services.actor import Actor
from cstrainer.services.errors import InvalidInput
from cstrainer.storage.database import Database
from cstrainer.storage.models import AuditEntry

_SECRET_KEYS = {"password", "password_hash", "new_password", "old_password", "passwd", "pwd", "secret"}

MAX_PAGE = 1000  # the most rows one query returns; the CSV export is not limited
_EXPORT_BATCH = 500

# Chinese names of the actions, for the GUI and the CLI; an unknown action shows its code.
ACTION_LABELS: dict[str, str] = {
    "user.first_manager": "创建首个主管账号",
    "user.add": "添加账号",
    "user.update": "修改账号",
    "user.password_changed": "修改本人密码",
    "user.password_reset": "重设密码",
    "user.enable": "启用账号",
    "user.disable": "停用账号",
    "user.unlock": "解除锁定",
    "db.backup": "备份数据库",
    "db.restore": "恢复数据库",
    "content.import": "导入内容包",
    "question.create": "新建题目",
    "question.edit": "修改题目",
    "question.import": "导入题目",
    "question.bulk": "批量修改题目",
    "exam.create": "新建试卷",
    "exam.edit": "修改试卷",
    "exam.start": "开始考试",
    "exam.submit": "交卷",
    "exam.review": "人工复核改分",
    "scenario.create": "新建对话场景",
    "scenario.edit": "修改对话场景",
    "roleplay.comment": "点评对话练习",
    "roleplay.regrade": "重新评分对话练习",
    "phrase_added": "新增话术",
    "phrase_changed": "修改话术",
    "phrase_deleted": "删除话术",
    "phrase_release_published": "发布话术版本",
    "phrase_release_rollback": "回退话术版本",
    "phrase_release_imported": "导入话术版本",
    "phrases_imported": "导入话术表",
    "phrase_lint_override": "保留含违规用语的话术",
    "phrase_comment_accepted": "采纳话术评论",
    "phrase_comment_rejected": "不采纳话术评论",
    "phrase_proposal_accepted": "采纳建议话术",
    "phrase_proposal_rejected": "不采纳建议话术",
    "handbook.create": "新建手册",
    "handbook.edit": "修改手册",
    "handbook.import": "导入手册",
    "handbook.export": "导出手册",
    "handbook.flag_resolve": "处理手册复核提醒",
    "handbook_card.add": "新增记忆卡",
    "handbook_card.edit": "修改记忆卡",
    "handbook_card.retire": "停用记忆卡",
    "compliance_rule_added": "新增违禁词规则",
    "compliance_rule_changed": "修改违禁词规则",
    "compliance_rule_deleted": "删除违禁词规则",
    "compliance_rules_imported": "导入违禁词库",
    "growth.promote": "晋级",
    "growth.leaderboard_opt_in": "排行榜显示设置",
    "assignment.add": "布置任务",
    "assignment.cancel": "取消任务",
    "demo_data": "生成演示数据",
}


# Chinese names of the kinds of object an entry is about.
ENTITY_LABELS: dict[str, str] = {
    "user": "账号",
    "users": "账号",
    "question": "题目",
    "exam": "试卷",
    "attempt": "考试记录",
    "scenario": "对话场景",
    "roleplay_session": "对话练习",
    "phrases": "话术",
    "personal_phrases": "个人话术",
    "phrase_releases": "话术版本",
    "phrase_comments": "话术评论",
    "product": "商品",
    "competitor": "竞品",
    "entry": "手册条目",
    "handbook": "产品手册",
    "handbook_cards": "记忆卡",
    "compliance_rules": "违禁词规则",
    "assignment": "任务",
    "content": "内容包",
    "database": "数据库",
}


def action_label(action: str) -> str:
    return ACTION_LABELS.get(action, action)


def entity_label(entity: str) -> str:
    return ENTITY_LABELS.get(entity, entity)


def _clean(detail: dict[str, Any]) -> dict[str, Any]:
    """``detail`` without password-like keys, at any depth (a nested ``changes`` dict included)."""
    out: dict[str, Any] = {}
    for k, v in detail.items():
        if k.lower() in _SECRET_KEYS:
            continue
        out[k] = _clean(v) if isinstance(v, dict) else v
    return out


def changed_fields(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    """The names of the fields that differ between two versions of a record, sorted."""
    return sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))


def record(
    session: Session, actor: Actor, action: str, entity: str = "", key: str = "", **detail: Any
) -> None:
    """Add an audit entry inside the caller's transaction. Secrets are never written."""
    session.add(
        AuditEntry(
            actor_login=actor.login, action=action, entity=entity, entity_key=key, detail=_clean(detail)
        )
    )


@dataclass(frozen=True)
class AuditRecord:
    at: datetime
    actor_login: str
    action: str
    entity: str
    entity_key: str
    detail: dict[str, Any]
    id: int = 0

    @property
    def action_label(self) -> str:
        return action_label(self.action)

    @property
    def entity_label(self) -> str:
        return entity_label(self.entity)

    @property
    def detail_text(self) -> str:
        """The details on one line: ``key=value; ...`` (JSON for lists and dicts)."""
        return detail_text(self.detail)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "at": self.at.isoformat(),
            "actor": self.actor_login,
            "action": self.action,
            "action_label": self.action_label,
            "entity": self.entity,
            "key": self.entity_key,
            "detail": self.detail,
        }


def detail_text(detail: dict[str, Any]) -> str:
    parts = []
    for k, v in detail.items():
        shown = v if isinstance(v, str) else json.dumps(v, ensure_ascii=False, default=str)
        parts.append(f"{k}={shown}")
    return "; ".join(parts)


@dataclass(frozen=True)
class AuditQuery:
    """Filters of an audit log query; every one is optional.

    ``since`` is inclusive and ``until`` exclusive (aware datetimes). ``action`` is a prefix:
    ``phrase`` matches ``phrase_added`` and ``phrase_release_published``, ``user.`` all account
    changes. ``text`` is a case-insensitive substring of the object key (login, question key,
    release version ...) or of the object kind.
    """

    since: datetime | None = None
    until: datetime | None = None
    actor_login: str | None = None
    action: str | None = None
    entity: str | None = None
    text: str | None = None
    limit: int = 200
    offset: int = 0


@dataclass(frozen=True)
class AuditPage:
    records: list[AuditRecord]
    total: int  # how many entries match, all pages together
    offset: int = 0
    actions: list[str] = field(default_factory=list)  # every action code in the log, for filters


def _to_record(r: AuditEntry) -> AuditRecord:
    return AuditRecord(r.at, r.actor_login, r.action, r.entity, r.entity_key, dict(r.detail or {}), r.id)


def _filtered(q: AuditQuery) -> Select[Any]:
    for name, value in (("since", q.since), ("until", q.until)):
        if value is not None and value.tzinfo is None:
            raise InvalidInput(f"时间筛选（{name}）需带时区", name)
    stmt = select(AuditEntry)
    if q.since is not None:
        stmt = stmt.where(AuditEntry.at >= q.since)
    if q.until is not None:
        stmt = stmt.where(AuditEntry.at < q.until)
    if q.actor_login and q.actor_login.strip():
        stmt = stmt.where(func.lower(AuditEntry.actor_login) == q.actor_login.strip().lower())
    if q.action and q.action.strip():
        stmt = stmt.where(AuditEntry.action.startswith(q.action.strip(), autoescape=True))
    if q.entity and q.entity.strip():
        stmt = stmt.where(AuditEntry.entity == q.entity.strip())
    if q.text and q.text.strip():
        needle = q.text.strip().lower()
        stmt = stmt.where(
            func.lower(AuditEntry.entity_key).contains(needle, autoescape=True)
            | func.lower(AuditEntry.entity).contains(needle, autoescape=True)
        )
    return stmt


CSV_HEADER = ["编号", "时间", "操作人", "操作", "操作代码", "对象类型", "对象", "详情"]


def _csv_cell(value: str) -> str:
    # A cell starting with = + - @ is a formula to Excel and WPS: keep it text (CSV injection).
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def csv_row(r: AuditRecord) -> list[str]:
    cells = [
        str(r.id),
        r.at.astimezone().isoformat(timespec="seconds"),
        r.actor_login,
        r.action_label,
        r.action,
        r.entity,
        r.entity_key,
        json.dumps(r.detail, ensure_ascii=False, default=str, sort_keys=True),
    ]
    return [_csv_cell(c) for c in cells]


class AuditService:
    def __init__(self, db: Database) -> None:
        self._db = db

    def recent(self, actor: Actor, limit: int = 200) -> list[AuditRecord]:
        """The newest audit entries first (managers only)."""
        return self.query(actor, AuditQuery(limit=limit)).records

    def query(self, actor: Actor, q: AuditQuery | None = None) -> AuditPage:
        """Entries matching ``q``, newest first, one page of at most ``q.limit`` (managers only)."""
        actor.require(Permission.VIEW_AUDIT_LOG)
        q = q or AuditQuery()
        if not 1 <= q.limit <= MAX_PAGE:
            raise InvalidInput(f"每页条数应在 1 到 {MAX_PAGE} 之间，收到 {q.limit}", "limit")
        if q.offset < 0:
            raise InvalidInput(f"起始位置不能为负数，收到 {q.offset}", "offset")
        stmt = _filtered(q)
        with self._db.session() as s:
            total = int(s.scalar(select(func.count()).select_from(stmt.subquery())) or 0)
            rows = s.scalars(
                stmt.order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(q.limit).offset(q.offset)
            ).all()
            actions = list(s.scalars(select(AuditEntry.action).distinct().order_by(AuditEntry.action)))
            return AuditPage([_to_record(r) for r in rows], total, q.offset, actions)

    def iter_all(self, actor: Actor, q: AuditQuery | None = None) -> Iterator[AuditRecord]:
        """Every matching entry, newest first, read in batches (managers only)."""
        actor.require(Permission.VIEW_AUDIT_LOG)
        stmt = _filtered(q or AuditQuery()).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        offset = 0
        while True:
            with self._db.session() as s:
                batch = [_to_record(r) for r in s.scalars(stmt.limit(_EXPORT_BATCH).offset(offset))]
            yield from batch
            if len(batch) < _EXPORT_BATCH:
                return
            offset += len(batch)

    def export_csv(self, actor: Actor, path: Path, q: AuditQuery | None = None) -> int:
        """Write every matching entry to ``path`` as CSV (UTF-8 with BOM, opens in Excel/WPS).

        Returns the number of rows. The file is written next to ``path`` and renamed into place,
        so a failed export never leaves half a file behind.
        """
        actor.require(Permission.VIEW_AUDIT_LOG)
        path = Path(path)
        if path.is_dir():
            raise InvalidInput(f"导出位置 {path} 是一个文件夹，请给出 .csv 文件名", "path")
        if not path.parent.is_dir():
            raise InvalidInput(f"导出位置的文件夹 {path.parent} 不存在", "path")
        tmp = path.with_name(path.name + ".part")
        n = 0
        try:
            with tmp.open("w", encoding="utf-8-sig", newline="") as f:
                writer = csv.writer(f)
                writer.writerow(CSV_HEADER)
                for r in self.iter_all(actor, q):
                    writer.writerow(csv_row(r))
                    n += 1
            tmp.replace(path)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise InvalidInput(f"无法写入 {path}：{exc.strerror or exc}", "path") from exc
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return n
