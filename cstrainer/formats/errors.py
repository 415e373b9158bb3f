"""Errors and results shared by the question import formats (GIFT, Aiken, CSV, xlsx, YAML).

Every parser returns a :class:`ParseResult` holding *all* the questions it could read and *all*
the problems it found, so a trainer fixes a file in one go. Deciding what to do with a file that
has errors (reject it whole) is the caller's job.

A :class:`FormatError` names the file, the line (text formats) or row (tables), the column and
the reason. Messages are Chinese because trainers read them; ``str(error)`` is the full sentence,
e.g. ``题库.xlsx 第 12 行 E 列（答案）：单选题的答案应为 A–H 中的一个字母``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cstrainer.domain.questions import Question

__all__ = ["FormatError", "ParseResult"]


@dataclass(frozen=True)
class FormatError:
    """One problem in an imported file.

    ``line`` is the 1-based line (GIFT, Aiken) or row (CSV, xlsx); ``column`` is the 1-based
    character column for text formats or the column letter (``"E"``) for tables, where
    ``header`` then holds the column's heading as written in the file. ``sheet`` names the
    worksheet of an xlsx file. Any of them is None when it does not apply.
    """

    file: str
    line: int | None
    column: int | str | None
    message: str
    sheet: str | None = None
    header: str | None = None

    def location(self) -> str:
        """Where the problem is, in words: ``题库.xlsx 工作表“题目” 第 12 行 E 列（答案）``."""
        parts = [self.file]
        if self.sheet:
            parts.append(f"工作表“{self.sheet}”")
        if self.line is not None:
            parts.append(f"第 {self.line} 行")
        if isinstance(self.column, str):
            parts.append(f"{self.column} 列" + (f"（{self.header}）" if self.header else ""))
        elif isinstance(self.column, int):
            parts[-1] += f"第 {self.column} 列" if self.line is not None else f" 第 {self.column} 列"
        return " ".join(parts)

    def __str__(self) -> str:
        return f"{self.location()}：{self.message}"


@dataclass
class ParseResult:
    """What a parser read: the questions, the errors and the warnings (things it fixed or
    ignored, e.g. an unknown column)."""

    questions: list[Question] = field(default_factory=list)
    errors: list[FormatError] = field(default_factory=list)
    warnings: list[FormatError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors
