"""Errors services raise. Each carries a message fit to show the person who caused it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any


class ServiceError(Exception):
    """Base class: ``str(error)`` is a complete Chinese sentence for the GUI or CLI."""


class PermissionDenied(ServiceError):
    pass


class NotFound(ServiceError):
    pass


class InvalidInput(ServiceError):
    """What was given cannot be accepted; ``field`` names the input when there is one."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class ValidationFailed(ServiceError):
    """Several problems at once (an import): ``errors`` lists each with where it is."""

    def __init__(self, message: str, errors: list[Any]) -> None:
        super().__init__(message)
        self.errors = errors

    def __str__(self) -> str:
        lines = [super().__str__()] + [f"  {e}" for e in self.errors]
        return "\n".join(lines)


class AuthenticationFailed(ServiceError):
    def __init__(self, message: str, remaining_attempts: int | None = None) -> None:
        super().__init__(message)
        self.remaining_attempts = remaining_attempts


class AccountLocked(AuthenticationFailed):
    def __init__(self, message: str, until: datetime) -> None:
        super().__init__(message, 0)
        self.until = until


class AccountDisabled(AuthenticationFailed):
    pass


# --- edit conflicts (optimistic locking) -----------------------------------------------------------

#: What each kind of content is called in a sentence.
EDIT_KIND_LABELS = {
    "question": "题目",
    "phrase": "话术",
    "scenario": "场景",
    "handbook": "手册",
    "rule": "合规规则",
    "card": "卡片",
}


@dataclass(frozen=True)
class EditSide:
    """One side of an edit conflict: a version and its content field by field (label -> text, in
    the order to show them). ``by`` and ``at`` say who saved it and when (theirs only)."""

    version: int | None
    fields: Mapping[str, str]
    by: str = ""
    at: datetime | None = None


def when_text(at: datetime | None, now: datetime | None = None) -> str:
    """A save time as people read it: local "10:42" today, "2026-12-05 10:42" on another day."""
    if at is None:
        return "刚才"
    local = at.astimezone()
    today = (now or datetime.now(UTC)).astimezone().date()
    return f"{local:%H:%M}" if local.date() == today else f"{local:%Y-%m-%d %H:%M}"


class EditConflict(InvalidInput):
    """Someone else saved the same item since it was opened, so this save was refused.

    ``mine`` is what this person tried to save (and the version they edited), ``theirs`` what is
    stored now (None when the item was deleted meanwhile), ``latest`` the stored item in the
    service's own type (``Question``, ``PhraseRecord``, ``ScenarioRecord``) so an editor can load
    it or save over it knowingly (``expected_version=theirs.version``). ``field`` is "version",
    so older ``except InvalidInput`` handlers keep working."""

    def __init__(
        self,
        kind: str,
        key: str,
        *,
        mine: EditSide,
        theirs: EditSide | None,
        title: str = "",
        latest: Any = None,
        message: str | None = None,
    ) -> None:
        self.kind = kind
        self.key = key
        self.title = title
        self.mine = mine
        self.theirs = theirs
        self.latest = latest
        super().__init__(message or self._sentence(), field="version")

    @property
    def kind_label(self) -> str:
        return EDIT_KIND_LABELS.get(self.kind, self.kind)

    @property
    def what(self) -> str:
        """ "题目 t-single“沁屿香氛洗衣液 2L 装的标价是多少？”" - the kind, key and title."""
        title = self.title if len(self.title) <= 24 else self.title[:23] + "…"
        return f"{self.kind_label} {self.key}" + (f"“{title}”" if title and title != self.key else "")

    @property
    def expected_version(self) -> int | None:
        return self.mine.version

    @property
    def stored_version(self) -> int | None:
        return self.theirs.version if self.theirs is not None else None

    @property
    def changed_fields(self) -> list[str]:
        """The labels of the fields whose text differs between the two sides."""
        theirs = self.theirs.fields if self.theirs is not None else {}
        labels = list(dict.fromkeys([*self.mine.fields, *theirs]))
        return [k for k in labels if self.mine.fields.get(k, "") != theirs.get(k, "")]

    def _sentence(self) -> str:
        label, mine, theirs = self.kind_label, self.mine, self.theirs
        if theirs is None:
            return (
                f"保存失败：{self.what} 已被删除或改了编号，无法按你编辑的第 {mine.version} 版保存。"
                f"你的修改还在编辑器里，请另存为新的{label}。"
            )
        by, at = theirs.by or "他人", when_text(theirs.at)
        if mine.version is None:
            return (
                f"保存失败：编号 {self.key} 已被{label}“{self.title or self.key}”使用"
                f"（第 {theirs.version} 版，{by} 在 {at} 保存）。请换一个编号，或打开那个{label}后再改。"
            )
        if theirs.version == mine.version:
            return (
                f"保存失败：{self.what} 在你打开之后已被 {by} 在 {at} 修改过（仍是第 {theirs.version} 版）。"
                "请对比两个版本后再保存。"
            )
        return (
            f"保存失败：{self.what} 已被 {by} 在 {at} 改成第 {theirs.version} 版"
            f"（你编辑的是第 {mine.version} 版）。请对比两个版本后再保存。"
        )
