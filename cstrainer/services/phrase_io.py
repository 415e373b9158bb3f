"""Import and export of the team phrase library as tables (Qianniu / 千牛 CSV and xlsx) and as
espanso match files.

Import is all or nothing and always starts with a preview (:meth:`PhraseIoService.preview`):
every phrase of the file is classified as added, updated or unchanged against the team library
(matched by key, ``编号``); every problem is listed with file, row and column; every phrase whose
text the compliance linter flags is listed with its hits. :meth:`PhraseIoService.import_table`
refuses the whole file when there is any problem, or when there are lint hits and no written
justification. Phrases of the library that the file does not mention are left alone (an import
adds and updates; it never deletes), and personal phrases are never touched.

The writes reuse :meth:`PhraseService.save_team` (validation, linter, audit log) for every phrase,
inside ONE transaction: a private :class:`PhraseService` is bound to a database stand-in whose
``session()`` hands out the single outer session, so the first failing save rolls back the
phrases saved before it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from cstrainer.domain.accounts import Permission
from cstrainer.domain.phrases import PhraseItem
from cstrainer.formats.errors import FormatError
from cstrainer.formats.phrase_table import (
    PhraseTableResult,
    dump_espanso,
    dump_phrase_csv,
    dump_phrase_xlsx,
    parse_phrase_csv,
    parse_phrase_xlsx,
)
from cstrainer.services import audit
from cstrainer.services.actor import Actor
from cstrainer.services.errors import InvalidInput, ServiceError
from cstrainer.services.phrases import PhraseService
from cstrainer.storage.database import Database
from cstrainer.storage.models import Brand
from cstrainer.text.banned import BannedHit

ExportFormat = Literal["csv", "xlsx", "espanso"]
EXPORT_FORMATS: tuple[ExportFormat, ...] = ("csv", "xlsx", "espanso")
TABLE_SUFFIXES = (".csv", ".txt", ".xlsx")


@dataclass(frozen=True)
class ImportProblem:
    """One reason the file cannot be imported, with where it is (file, row, column)."""

    file: str
    row: int | None
    column: str | None
    header: str | None
    message: str

    def __str__(self) -> str:
        return str(FormatError(self.file, self.row, self.column, self.message, header=self.header))

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "row": self.row,
            "column": self.column,
            "header": self.header,
            "message": self.message,
        }


@dataclass(frozen=True)
class LintFinding:
    """A phrase of the file that the compliance linter flags."""

    item: PhraseItem
    hits: tuple[BannedHit, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.item.key,
            "shortcut": self.item.shortcut,
            "text": self.item.text,
            "hits": [
                {"word": h.word, "start": h.start, "end": h.end, "reason": h.reason, "rule": h.rule}
                for h in self.hits
            ],
        }


@dataclass(frozen=True)
class ImportPreview:
    """What importing a file would do (the dry run)."""

    file: str
    added: tuple[PhraseItem, ...] = ()
    updated: tuple[tuple[PhraseItem, PhraseItem], ...] = ()  # (old, new)
    unchanged: tuple[PhraseItem, ...] = ()
    problems: tuple[ImportProblem, ...] = ()
    lint: tuple[LintFinding, ...] = ()
    warnings: tuple[ImportProblem, ...] = ()

    @property
    def ok(self) -> bool:
        """No problem (lint hits still need a justification)."""
        return not self.problems

    @property
    def needs_justification(self) -> bool:
        return bool(self.lint)

    @property
    def changes(self) -> int:
        return len(self.added) + len(self.updated)

    def summary(self) -> str:
        return f"新增 {len(self.added)} 条、修改 {len(self.updated)} 条、不变 {len(self.unchanged)} 条"

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "ok": self.ok,
            "added": [it.to_dict() for it in self.added],
            "updated": [{"old": o.to_dict(), "new": n.to_dict()} for o, n in self.updated],
            "unchanged": [it.key for it in self.unchanged],
            "problems": [p.to_json() for p in self.problems],
            "lint": [f.to_json() for f in self.lint],
            "warnings": [w.to_json() for w in self.warnings],
        }


@dataclass(frozen=True)
class ImportResult:
    preview: ImportPreview
    added: int
    updated: int
    unchanged: int
    justified: tuple[str, ...] = field(default=())  # keys kept with a lint justification


class ImportRejected(InvalidInput):
    """The file was refused whole; ``preview`` lists why."""

    def __init__(self, message: str, preview: ImportPreview) -> None:
        super().__init__(message)
        self.preview = preview


class _OneSession:
    """Stands in for :class:`Database` and hands out one open session: every ``save_team`` of an
    import then runs in the caller's single transaction."""

    def __init__(self, session: Session) -> None:
        self._session = session

    @contextmanager
    def session(self) -> Iterator[Session]:
        yield self._session


def _problem(err: FormatError) -> ImportProblem:
    column = err.column if isinstance(err.column, str) else (None if err.column is None else str(err.column))
    return ImportProblem(err.file, err.line, column, err.header, err.message)


class PhraseIoService:
    def __init__(self, db: Database, phrases: PhraseService) -> None:
        self._db = db
        self._phrases = phrases

    # --- import ------------------------------------------------------------------------------------

    @staticmethod
    def read_table(path: Path) -> PhraseTableResult:
        """Parse ``path`` by its suffix (.xlsx, else CSV); never raises for a bad file."""
        if path.suffix.lower() == ".xlsx":
            return parse_phrase_xlsx(path)
        return parse_phrase_csv(path)

    def preview(self, actor: Actor, path: Path) -> ImportPreview:
        """The dry run: what importing ``path`` would add, update and leave unchanged, every problem
        (file, row, column) and every linter hit. Writes nothing."""
        actor.require(Permission.IMPORT_CONTENT)
        actor.require(Permission.EDIT_CONTENT)
        path = Path(path)
        table = self.read_table(path)
        name = path.name
        problems = [_problem(e) for e in table.errors]
        warnings = tuple(_problem(w) for w in table.warnings)
        if table.errors:
            return ImportPreview(name, problems=tuple(problems), warnings=warnings)
        current = {r.key: r.item for r in self._phrases.list_team(actor)}
        with self._db.session() as s:
            brands = set(s.scalars(select(Brand.key)))
        taken = {(it.brand, it.shortcut): it.key for it in current.values()}
        incoming = {it.key for it in table.phrases}
        added: list[PhraseItem] = []
        updated: list[tuple[PhraseItem, PhraseItem]] = []
        unchanged: list[PhraseItem] = []
        lint: list[LintFinding] = []
        for item in table.phrases:
            where = f"编号 {item.key}（快捷编码 {item.shortcut}）"
            if item.brand and item.brand not in brands:
                known = "、".join(sorted(brands)) or "（还没有品牌）"
                problems.append(
                    _problem(
                        table.error_at(
                            item.key, "品牌", f"{where}：没有编号为 {item.brand} 的品牌（已有：{known}）"
                        )
                    )
                )
            other = taken.get((item.brand, item.shortcut))
            if other is not None and other != item.key and other not in incoming:
                problems.append(
                    _problem(
                        table.error_at(
                            item.key,
                            "快捷编码",
                            f"{where}：快捷编码已被话术库中的 {other} 使用（要修改那条话术，请在“编号”列填写 {other}）",
                        )
                    )
                )
            old = current.get(item.key)
            if old is None:
                added.append(item)
            elif old == item:
                unchanged.append(item)
            else:
                updated.append((old, item))
            if old != item:
                hits = self._phrases.lint(item.text)
                if hits:
                    lint.append(LintFinding(item, tuple(hits)))
        if not table.phrases:
            problems.append(ImportProblem(name, None, None, None, "文件里没有话术"))
        return ImportPreview(
            name, tuple(added), tuple(updated), tuple(unchanged), tuple(problems), tuple(lint), warnings
        )

    def import_table(self, actor: Actor, path: Path, *, justification: str = "") -> ImportResult:
        """Import ``path`` into the team library, all or nothing (see the module docstring).
        Raises :class:`ImportRejected` (carrying the preview) when the file has problems, or lint
        hits and no justification."""
        preview = self.preview(actor, path)
        if not preview.ok:
            raise ImportRejected(
                f"文件 {preview.file} 有 {len(preview.problems)} 处问题，未导入任何话术：\n"
                + "\n".join(str(p) for p in preview.problems[:20]),
                preview,
            )
        if preview.lint and not justification.strip():
            words = "、".join(dict.fromkeys(h.word for f in preview.lint for h in f.hits))
            raise ImportRejected(
                f"有 {len(preview.lint)} 条话术含违规用语（{words}），未导入任何话术。"
                "如确需保留，请写明理由（会记入操作日志）",
                preview,
            )
        justified: list[str] = []
        with self._db.session() as s:
            inner = PhraseService(
                _OneSession(s),  # type: ignore[arg-type]  # duck-typed: only session() is used
                self._phrases.scanner,
                background=False,
            )
            flagged = {f.item.key for f in preview.lint}
            try:
                for item in [*preview.added, *(new for _, new in preview.updated)]:
                    reason = justification if item.key in flagged else ""
                    inner.save_team(actor, item, justification=reason)
                    if reason:
                        justified.append(item.key)
            except ServiceError as exc:
                raise InvalidInput(f"导入 {preview.file} 失败，未导入任何话术：{exc}") from exc
            audit.record(
                s,
                actor,
                "phrases_imported",
                "phrases",
                preview.file,
                added=len(preview.added),
                updated=len(preview.updated),
            )
        self._phrases.invalidate()
        return ImportResult(
            preview, len(preview.added), len(preview.updated), len(preview.unchanged), tuple(justified)
        )

    # --- export ------------------------------------------------------------------------------------

    def export(
        self, actor: Actor, path: Path, *, fmt: ExportFormat | None = None, brand: str | None = None
    ) -> int:
        """Write the team library (with ``brand``: that brand's phrases and the shared ones) to
        ``path`` as CSV, xlsx or espanso YAML (``fmt`` defaults from the suffix). Returns how many
        phrases were written."""
        actor.require(Permission.EXPORT_CONTENT)
        path = Path(path)
        fmt = fmt or _format_of(path)
        items = self.export_items(actor, brand)
        try:
            if fmt == "csv":
                dump_phrase_csv(items, path)
            elif fmt == "xlsx":
                dump_phrase_xlsx(items, path)
            elif fmt == "espanso":
                dump_espanso(items, path, brand=brand)
            else:
                raise InvalidInput(f"不支持的导出格式：{fmt}（可选 csv、xlsx、espanso）")
        except ValueError as exc:
            raise InvalidInput(str(exc)) from exc
        except OSError as exc:
            raise InvalidInput(f"无法写入 {path}：{exc.strerror or exc}") from exc
        return len(items)

    def export_items(self, actor: Actor, brand: str | None = None) -> list[PhraseItem]:
        if brand is not None:
            with self._db.session() as s:
                if s.scalar(select(Brand.id).where(Brand.key == brand)) is None:
                    raise InvalidInput(f"没有编号为 {brand} 的品牌", field="brand")
        return [r.item for r in self._phrases.list_team(actor, brand=brand)]


def _format_of(path: Path) -> ExportFormat:
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return "xlsx"
    if suffix in (".yml", ".yaml"):
        return "espanso"
    return "csv"


def describe_problems(problems: Sequence[ImportProblem]) -> list[str]:
    return [str(p) for p in problems]
