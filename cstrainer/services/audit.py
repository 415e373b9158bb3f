"""Writing to and reading the audit log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cstrainer.domain.accounts import Permission
from cstrainer.services.actor import Actor
from cstrainer.storage.database import Database
from cstrainer.storage.models import AuditEntry

_SECRET_KEYS = {"password", "password_hash", "new_password", "old_password"}


def record(
    session: Session, actor: Actor, action: str, entity: str = "", key: str = "", **detail: Any
) -> None:
    """Add an audit entry inside the caller's transaction. Secrets are never written."""
    clean = {k: v for k, v in detail.items() if k not in _SECRET_KEYS}
    session.add(
        AuditEntry(actor_login=actor.login, action=action, entity=entity, entity_key=key, detail=clean)
    )


@dataclass(frozen=True)
class AuditRecord:
    at: datetime
    actor_login: str
    action: str
    entity: str
    entity_key: str
    detail: dict[str, Any]


class AuditService:
    def __init__(self, db: Database) -> None:
        self._db = db

    def recent(self, actor: Actor, limit: int = 200) -> list[AuditRecord]:
        """The newest audit entries first (managers only)."""
        actor.require(Permission.VIEW_AUDIT_LOG)
        with self._db.session() as s:
            rows = s.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)).all()
            return [
                AuditRecord(r.at, r.actor_login, r.action, r.entity, r.entity_key, dict(r.detail))
                for r in rows
            ]
