"""Draft collaboration on the team phrase library: comments and proposed wordings.

- Anyone logged in may comment on a team phrase of the current draft (the team library) or propose
  an alternative wording for it, on the phrases they may see (their brands and the shared ones;
  trainers and managers see all). A proposal must pass the banned-word linter (no justification
  is possible here: a trainer who wants to keep a flagged wording edits the phrase directly).
- Trainers and managers decide: accepting a proposal makes it the phrase's text through
  :meth:`PhraseService.save_team` (so placeholders are checked and the linter runs again, with the
  trainer's justification if any); rejecting closes it with an optional note. A comment is
  "accepted" (taken on board) or "rejected" (dismissed) the same way, without touching the phrase.
- Only open items can be decided; a decision is final. Deciding is audited.
- :meth:`PhraseReviewService.list_for_phrase` lists one phrase's thread (oldest first);
  :meth:`PhraseReviewService.list_open` the open items of the whole draft (for the review meeting),
  limited to phrases that still exist and that the actor may see.

Accepting runs in two transactions (the phrase save, then the decision, which only applies while
the item is still open); if the second loses a race with another trainer, the phrase keeps the
accepted text and the error says that someone else decided first.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from cstrainer.domain.accounts import Permission
from cstrainer.services import audit
from cstrainer.services.actor import Actor
from cstrainer.services.errors import InvalidInput, NotFound, PermissionDenied
from cstrainer.services.phrases import (
    PhraseLintRejected,
    PhraseRecord,
    PhraseSaveResult,
    PhraseService,
    _validate,
)
from cstrainer.storage.database import Database
from cstrainer.storage.models import PhraseCommentRow, User, utcnow
from cstrainer.text.banned import BannedHit

CommentKind = Literal["comment", "proposal"]
CommentStatus = Literal["open", "accepted", "rejected"]
KIND_LABELS: dict[str, str] = {"comment": "评论", "proposal": "建议话术"}
STATUS_LABELS: dict[str, str] = {"open": "待处理", "accepted": "已采纳", "rejected": "未采纳"}
MAX_TEXT = 2000


@dataclass(frozen=True)
class PhraseComment:
    """One comment or proposal, with its author and (when decided) the decision."""

    id: int
    phrase_key: str
    kind: CommentKind
    text: str
    status: CommentStatus
    author_id: int | None
    author_login: str  # "" when the author's account was deleted
    author_name: str
    created_at: datetime
    decided_by: str | None  # login of the trainer / manager
    decided_at: datetime | None
    decision_note: str = ""

    @property
    def is_open(self) -> bool:
        return self.status == "open"


@dataclass(frozen=True)
class ReviewDecision:
    """The decided item and, for an accepted proposal, the phrase save it caused."""

    comment: PhraseComment
    saved: PhraseSaveResult | None = None


class PhraseReviewService:
    def __init__(self, db: Database, phrases: PhraseService) -> None:
        self._db = db
        self._phrases = phrases

    # --- writing -------------------------------------------------------------------------------------

    def comment(self, actor: Actor, phrase_key: str, text: str) -> PhraseComment:
        """Comment on team phrase ``phrase_key`` (anyone logged in who may see the phrase)."""
        return self._add(actor, phrase_key, "comment", text)

    def propose(self, actor: Actor, phrase_key: str, text: str) -> PhraseComment:
        """Propose ``text`` as the new wording of team phrase ``phrase_key``. Refused with
        :class:`PhraseLintRejected` (carrying the hits) when the linter flags it, and with
        :class:`InvalidInput` for unknown placeholders or the unchanged text."""
        return self._add(actor, phrase_key, "proposal", text)

    def accept(
        self,
        actor: Actor,
        comment_id: int,
        *,
        note: str = "",
        justification: str = "",
        expected_version: int | None = None,
    ) -> ReviewDecision:
        """Accept an open proposal (its text becomes the phrase's text via
        :meth:`PhraseService.save_team`; ``justification`` keeps a flagged wording,
        ``expected_version`` guards against a concurrent edit: a stale one raises
        :class:`~cstrainer.services.errors.EditConflict`) or mark an open comment as taken
        on board. Trainers and managers only."""
        actor.require(Permission.EDIT_CONTENT)
        current = self.get(actor, comment_id)
        if not current.is_open:
            raise InvalidInput(
                f"这条{KIND_LABELS[current.kind]}已经{STATUS_LABELS[current.status]}，不能再处理"
            )
        saved: PhraseSaveResult | None = None
        if current.kind == "proposal":
            record = self._phrases.get_team(actor, current.phrase_key)
            # Without an expected version the one just read is pinned: the proposal replaces the
            # text only, so a colleague's change of scene or tags in between must not be undone.
            saved = self._phrases.save_team(
                actor,
                replace(record.item, text=current.text),
                justification=justification,
                expected_version=expected_version if expected_version is not None else record.version,
            )
        decided = self._decide(actor, comment_id, "accepted", note)
        return ReviewDecision(decided, saved)

    def reject(self, actor: Actor, comment_id: int, *, note: str = "") -> ReviewDecision:
        """Close an open proposal or comment without changing the phrase (trainers and managers)."""
        actor.require(Permission.EDIT_CONTENT)
        return ReviewDecision(self._decide(actor, comment_id, "rejected", note))

    # --- reading -------------------------------------------------------------------------------------

    def get(self, actor: Actor, comment_id: int) -> PhraseComment:
        with self._db.session() as s:
            row = s.get(PhraseCommentRow, comment_id)
            if row is None:
                raise NotFound(f"没有编号为 {comment_id} 的评论或建议")
            out = _to_comment(s, row)
        self._check_visible(actor, out.phrase_key)
        return out

    def list_for_phrase(
        self, actor: Actor, phrase_key: str, *, include_decided: bool = True
    ) -> list[PhraseComment]:
        """The comments and proposals on one phrase, oldest first (raises NotFound / PermissionDenied
        like :meth:`PhraseService.get_team`; a deleted phrase's thread stays readable for trainers, an
        unknown key without a thread is NotFound)."""
        record = self._check_visible(actor, phrase_key)
        with self._db.session() as s:
            q = select(PhraseCommentRow).where(PhraseCommentRow.phrase_key == phrase_key)
            if record is None and s.scalar(q.limit(1)) is None:
                raise NotFound(f"没有编号为 {phrase_key} 的话术")
            if not include_decided:
                q = q.where(PhraseCommentRow.status == "open")
            rows = s.scalars(q.order_by(PhraseCommentRow.created_at, PhraseCommentRow.id)).all()
            return [_to_comment(s, r) for r in rows]

    def list_open(self, actor: Actor, *, kind: CommentKind | None = None) -> list[PhraseComment]:
        """Open comments and proposals of the whole draft (phrases that exist and the actor may
        see), by phrase key, then oldest first."""
        visible = {r.key for r in self._phrases.list_team(actor)}
        with self._db.session() as s:
            q = select(PhraseCommentRow).where(PhraseCommentRow.status == "open")
            if kind is not None:
                q = q.where(PhraseCommentRow.kind == kind)
            rows = s.scalars(
                q.order_by(PhraseCommentRow.phrase_key, PhraseCommentRow.created_at, PhraseCommentRow.id)
            ).all()
            return [_to_comment(s, r) for r in rows if r.phrase_key in visible]

    def open_counts(self, actor: Actor) -> dict[str, int]:
        """Number of open items per phrase key (for badges in the library list)."""
        counts: dict[str, int] = {}
        for c in self.list_open(actor):
            counts[c.phrase_key] = counts.get(c.phrase_key, 0) + 1
        return counts

    # --- helpers -------------------------------------------------------------------------------------

    def _check_visible(self, actor: Actor, phrase_key: str) -> PhraseRecord | None:
        try:
            return self._phrases.get_team(actor, phrase_key)
        except NotFound:
            if actor.can(Permission.EDIT_CONTENT):
                return None  # the thread of a deleted phrase
            raise

    def _add(self, actor: Actor, phrase_key: str, kind: CommentKind, text: str) -> PhraseComment:
        if actor.user_id is None:
            raise PermissionDenied("评论和建议话术需要登录后使用")
        record = self._phrases.get_team(actor, phrase_key)  # NotFound / PermissionDenied
        text = text.strip()
        label = KIND_LABELS[kind]
        if not text:
            raise InvalidInput(f"{label}不能为空", field="text")
        if len(text) > MAX_TEXT:
            raise InvalidInput(f"{label}太长（最多 {MAX_TEXT} 字）", field="text")
        if kind == "proposal":
            if text == record.text.strip():
                raise InvalidInput("建议的话术与现在的话术相同", field="text")
            _validate(replace(record.item, text=text))
            hits: list[BannedHit] = self._phrases.lint(text)
            if hits:
                words = "、".join(dict.fromkeys(h.word for h in hits))
                raise PhraseLintRejected(f"建议的话术含违规用语：{words}，请修改后再提交", hits)
        with self._db.session() as s:
            row = PhraseCommentRow(
                phrase_key=phrase_key, author_id=actor.user_id, kind=kind, text=text, status="open",
                created_at=utcnow(),
            )  # fmt: skip
            s.add(row)
            s.flush()
            return _to_comment(s, row)

    def _decide(self, actor: Actor, comment_id: int, status: CommentStatus, note: str) -> PhraseComment:
        with self._db.session() as s:
            changed = s.execute(
                update(PhraseCommentRow)
                .where(PhraseCommentRow.id == comment_id, PhraseCommentRow.status == "open")
                .values(
                    status=status, decided_by=actor.login, decided_at=utcnow(), decision_note=note.strip()
                )
                .returning(PhraseCommentRow.id)
            ).scalar()
            row = s.get(PhraseCommentRow, comment_id)
            if row is None:
                raise NotFound(f"没有编号为 {comment_id} 的评论或建议")
            if changed is None:
                raise InvalidInput(f"这条{KIND_LABELS[row.kind]}已被 {row.decided_by} 处理过")
            s.refresh(row)
            audit.record(
                s, actor, f"phrase_{row.kind}_{status}", "phrase_comments", str(comment_id),
                phrase=row.phrase_key, note=note.strip(),
            )  # fmt: skip
            return _to_comment(s, row)


def _to_comment(s: Session, row: PhraseCommentRow) -> PhraseComment:
    user = s.get(User, row.author_id) if row.author_id is not None else None
    return PhraseComment(
        id=row.id,
        phrase_key=row.phrase_key,
        kind=row.kind,  # type: ignore[arg-type]
        text=row.text,
        status=row.status,  # type: ignore[arg-type]
        author_id=row.author_id,
        author_login=user.login if user else "",
        author_name=user.display_name if user else "",
        created_at=row.created_at,
        decided_by=row.decided_by,
        decided_at=row.decided_at,
        decision_note=row.decision_note or "",
    )
