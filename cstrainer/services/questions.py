"""The question bank: browse, search, edit with versions, bulk changes, import and export.

Editing a question that has been put on a paper creates a new version; the old version stays in
``question_versions`` exactly as it was shown, so old attempts and their grades never change.
Only trainers and managers may read full questions (with their answer keys) or change them.
"""

from __future__ import annotations

import builtins
import logging
import threading
from collections.abc import Callable, Iterable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Table, func, insert, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cstrainer.domain.accounts import Permission
from cstrainer.domain.questions import Question, QuestionType
from cstrainer.gc_freeze import automatic_gc_paused
from cstrainer.services import audit
from cstrainer.services.actor import Actor
from cstrainer.services.conflicts import fields_of, lock_for_edit, who
from cstrainer.services.errors import EditConflict, EditSide, InvalidInput, NotFound, ValidationFailed
from cstrainer.storage.database import Database
from cstrainer.storage.models import Brand, QuestionVersion
from cstrainer.storage.models import Question as QuestionRow

if TYPE_CHECKING:
    from cstrainer.formats.errors import ParseResult
    from cstrainer.text.search_cache import BlockTermsWorker

log = logging.getLogger(__name__)

_QUESTIONS_TABLE = cast(Table, QuestionRow.__table__)

UNCATEGORISED = "未分类"  # imported questions whose file names no category


@dataclass(frozen=True)
class QuestionSummary:
    key: str
    type: QuestionType
    stem: str
    category: str
    brand: str | None
    difficulty: int
    tags: tuple[str, ...]
    version: int
    retired: bool
    updated_at: datetime
    updated_by: str


@dataclass
class SaveResult:
    question: Question
    created: bool
    new_version: bool
    duplicates: list[str] = field(default_factory=list)  # other questions with the same stem


@dataclass
class QuestionImportReport:
    questions: list[Question]
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    dry_run: bool = False

    def summary(self) -> str:
        head = "预览（未写入）" if self.dry_run else "已导入"
        return (
            f"{head}：共 {len(self.questions)} 题，新增 {len(self.added)}、更新 {len(self.updated)}、"
            f"未变 {len(self.unchanged)}"
        )


def question_from_row(
    row: QuestionRow, data: dict[str, Any] | None = None, version: int | None = None
) -> Question:
    from cstrainer.formats.question_pack import question_from_pack

    q = question_from_pack({"key": row.key, **(data if data is not None else row.data)})
    return q.with_changes(version=version if version is not None else row.version, retired=row.retired)


def question_fields(q: Question) -> dict[str, str]:
    """The question field by field, as an edit conflict shows it."""
    from cstrainer.formats.question_pack import question_to_pack

    return fields_of({**question_to_pack(q), "retired": q.retired})


def stem_fingerprint(stem: str) -> str:
    """Stems that differ only in spaces, punctuation, width or case count as the same."""
    from cstrainer.domain.normalize import normalize_answer

    return normalize_answer(stem)


def index_row(row: QuestionRow | _NewRow, q: Question) -> None:
    """Fill the columns search and the duplicate check use."""
    row.search_text = search_text_of(q)
    row.stem_fp = stem_fingerprint(q.stem)[:512]


def _search_parts(q: Question) -> list[str]:
    parts = [q.key, q.title, q.stem, q.explanation, " ".join(q.tags), q.category]
    parts += [o.text for o in q.options]
    parts += [a.text for a in q.accepted]
    parts += [" ".join(k.synonyms) for k in q.key_points]
    parts += [" / ".join(b) for b in q.blanks]
    parts += [f"{p.left} {p.right}" for p in q.pairs]
    return [p for p in parts if p]


def search_text_of(q: Question) -> str:
    """The text a search matches: jieba's words (so 运费险 also finds 运费 and 险) and the whole
    text lower-cased without spaces (so a query word is found even where jieba cut the stored
    text differently, as in 承担退货运费 -> 承担 / 退 / 货运费).

    During an import (:data:`_import_terms` set) each part is segmented on its own and
    remembered, and so is each block of text in it (options, tags, explanations and phrases
    repeat a lot in a file); the terms are the same as those of the joined text, as jieba never
    joins words across the line break between two parts (see cstrainer/text/search_cache.py)."""
    parts = _search_parts(q)
    joined = "\n".join(parts)
    terms = _import_terms.get()
    if terms is None:
        from cstrainer import text

        words = dict.fromkeys(t.lower() for t in text.search_terms(joined))
    else:  # each part's terms come lower-cased and without repeats: the first of each is kept
        words = dict.fromkeys(chain.from_iterable(map(terms, parts)))
    compact = "".join(joined.lower().split())
    return " " + " ".join(words) + " | " + compact + " "


class _TermCache:
    """``text.search_terms`` of one field, lower-cased and without repeats (the first of each
    kept), remembered for the length of one import.

    With a :class:`BlockTermsWorker` (started when the file was read), the blocks it has cut in
    its own process are taken as soon as its answer is there (it is checked now and then, never
    waited for); until then, and for any block it lacks, the block is cut here."""

    _CHECK_EVERY = 64  # parts between two looks at the worker's pipe

    def __init__(self, worker: BlockTermsWorker | None = None) -> None:
        from cstrainer.text.search_cache import SearchTermCache, decode_terms, distinct_lower

        self._distinct_lower = distinct_lower
        self._decode = decode_terms
        self._learned: dict[str, str] = {}  # the worker's terms of whole texts, encoded
        self._search_terms = SearchTermCache()  # also remembers the blocks of the parts
        self._seen: dict[str, tuple[str, ...]] = {}
        if worker is not None and worker.segmenter is not self._search_terms.segmenter:
            worker = None  # it cut with another segmenter
        self._worker = worker
        self._until_check = 0

    def take_worker_answer(self, timeout: float = 0.0) -> bool:
        """Merge the worker's answer if it has arrived (within ``timeout``); True once merged."""
        worker = self._worker
        if worker is None:
            return False
        answer = worker.result(timeout)
        if answer is None:
            return False
        self._search_terms.learn(answer.pieces)
        self._learned = answer.texts
        self._worker = None
        return True

    def __call__(self, part: str) -> tuple[str, ...]:
        found = self._seen.get(part)
        if found is None:
            if self._worker is not None:
                self._until_check -= 1
                if self._until_check <= 0:
                    self._until_check = self._CHECK_EVERY
                    self.take_worker_answer()
            learned = self._learned.get(part)
            if learned is not None:
                found = tuple(self._decode(learned))
            else:
                found = self._distinct_lower(self._search_terms(part))
            self._seen[part] = found
        return found


#: The search-term cache of the import running in this thread (context), if any.
_import_terms: ContextVar[_TermCache | None] = ContextVar("cstrainer_import_terms", default=None)


def _file_digest(path: Path) -> str | None:
    """SHA-256 of the file at ``path`` (None when it cannot be read or is too big to import)."""
    import hashlib

    from cstrainer.formats.limits import MAX_XLSX_FILE_BYTES

    try:
        if path.stat().st_size > MAX_XLSX_FILE_BYTES:
            return None
        with open(path, "rb") as handle:
            return hashlib.file_digest(handle, "sha256").hexdigest()
    except OSError:
        return None


_INSERTED = (
    "key",
    "version",
    "updated_by",
    "data",
    "retired",
    "type",
    "stem",
    "brand_id",
    "category",
    "difficulty",
    "search_text",
    "stem_fp",
)


class _NewRow:
    """A question row an import adds, until it is inserted with the others (``updated_at`` then
    gets its default): building 10,000 ORM objects costs more than the insert itself."""

    __slots__ = _INSERTED
    key: str
    version: int
    updated_by: str
    data: dict[str, Any]
    retired: bool
    type: str
    stem: str
    brand_id: int | None
    category: str
    difficulty: int
    search_text: str
    stem_fp: str

    def __init__(self, **values: Any) -> None:
        for name in _INSERTED:
            setattr(self, name, values.pop(name, ""))
        if values:
            raise TypeError(f"not a column of a new question: {', '.join(values)}")

    def values(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in _INSERTED}


#: Files from this size on (about 1,500 xlsx rows) get a worker process segmenting their texts.
_WORKER_MIN_BYTES = 256 * 1024


def _start_worker(path: Path, format: str) -> BlockTermsWorker | None:
    """A :class:`BlockTermsWorker` for a big xlsx or CSV file, else None (and None when no
    process can be started: the import then segments in its own process)."""
    suffix = path.suffix.lower()
    if format not in ("xlsx", "csv") and not (format == "auto" and suffix in (".xlsx", ".csv")):
        return None
    try:
        if path.stat().st_size < _WORKER_MIN_BYTES:
            return None
    except OSError:
        return None
    from cstrainer.text.search_cache import BlockTermsWorker

    return BlockTermsWorker.start()


#: Keys / ids per ``IN (...)`` of the import's look-ups (well under every backend's parameter limit).
_IN_CHUNK = 500


class QuestionBankService:
    def __init__(self, db: Database) -> None:
        self._db = db
        # the file a preview read, for the import that follows it: ((path, format, digest,
        # brands), what was read, the worker segmenting its texts, the preview's work)
        self._parsed: tuple[tuple[Any, ...], ParseResult, BlockTermsWorker | None, dict[str, Any]] | None = (
            None
        )
        self._parse_lock = threading.Lock()

    # --- reading ---------------------------------------------------------------------------------

    def search(
        self,
        actor: Actor,
        query: str = "",
        *,
        category: str | None = None,
        brand: str | None = None,
        type: QuestionType | str | None = None,
        difficulty: int | None = None,
        tag: str | None = None,
        include_retired: bool = False,
        limit: int = 500,
        offset: int = 0,
    ) -> builtins.list[QuestionSummary]:
        """Filter and full-text search the bank: the query is cut into words with jieba and every
        word must occur in the stem, options, answers, explanation, tags or key."""
        actor.require(Permission.EDIT_CONTENT)
        with self._db.session() as s:
            self._reindex_missing(s)
            q = select(QuestionRow, Brand.key).outerjoin(Brand, QuestionRow.brand_id == Brand.id)
            if not include_retired:
                q = q.where(QuestionRow.retired.is_(False))
            if category:
                q = q.where(QuestionRow.category == category)
            if brand == "":
                q = q.where(QuestionRow.brand_id.is_(None))
            elif brand:
                q = q.where(Brand.key == brand)
            if type:
                q = q.where(QuestionRow.type == str(type))
            if difficulty:
                q = q.where(QuestionRow.difficulty == difficulty)
            for word in self._query_words(query):
                # Substring of the indexed words: jieba may cut the query and the text differently
                # (加微信 / 微信), and a trainer expects to find both.
                like = f"%{_escape_like(word)}%"
                q = q.where(QuestionRow.search_text.like(like, escape="\\"))
            q = q.order_by(QuestionRow.category, QuestionRow.key).offset(offset).limit(limit)
            out = []
            for row, brand_key in s.execute(q):
                tags = tuple(row.data.get("tags", []) or [])
                if tag and tag not in tags:
                    continue
                out.append(
                    QuestionSummary(
                        key=row.key,
                        type=QuestionType(row.type),
                        stem=row.stem,
                        category=row.category,
                        brand=brand_key,
                        difficulty=row.difficulty,
                        tags=tags,
                        version=row.version,
                        retired=row.retired,
                        updated_at=row.updated_at,
                        updated_by=row.updated_by,
                    )
                )
            return out

    @staticmethod
    def _query_words(query: str) -> builtins.list[str]:
        query = query.strip()
        if not query:
            return []
        from cstrainer import text

        words = [w.lower() for w in text.words(query) if w.strip() and any(ch.isalnum() for ch in w)]
        return list(dict.fromkeys(words))

    def get(self, actor: Actor, key: str) -> Question:
        """The whole question with its answer key (trainers and managers only)."""
        actor.require(Permission.EDIT_CONTENT)
        with self._db.session() as s:
            return question_from_row(self._row(s, key))

    def versions(self, actor: Actor, key: str) -> builtins.list[Question]:
        """Every version that was put on a paper, oldest first, plus the current one."""
        actor.require(Permission.EDIT_CONTENT)
        with self._db.session() as s:
            row = self._row(s, key)
            old = s.scalars(
                select(QuestionVersion)
                .where(QuestionVersion.question_id == row.id)
                .order_by(QuestionVersion.version)
            ).all()
            out = [question_from_row(row, v.data, v.version) for v in old if v.version != row.version]
            out.append(question_from_row(row))
            return out

    def categories(self) -> builtins.list[str]:
        from cstrainer.domain.questions import CATEGORIES

        with self._db.session() as s:
            used = set(s.scalars(select(QuestionRow.category).distinct()))
        return list(CATEGORIES) + sorted(used - set(CATEGORIES))

    def tags(self) -> builtins.list[str]:
        with self._db.session() as s:
            found: set[str] = set()
            for data in s.scalars(select(QuestionRow.data)):
                found.update(data.get("tags", []) or [])
        return sorted(found)

    def duplicates_of(self, stem: str, *, exclude_key: str | None = None) -> builtins.list[str]:
        """Keys of questions whose stem is the same once spaces, punctuation and case are ignored."""
        fp = stem_fingerprint(stem)
        if not fp:
            return []
        with self._db.session() as s:
            return self._duplicates(s, fp, exclude_key)

    @staticmethod
    def _duplicates(s: Session, fp: str, exclude_key: str | None) -> builtins.list[str]:
        QuestionBankService._reindex_missing(s)
        q = select(QuestionRow.key).where(QuestionRow.stem_fp == fp[:512], QuestionRow.retired.is_(False))
        return [k for k in s.scalars(q.order_by(QuestionRow.key)) if k != exclude_key]

    # --- writing ---------------------------------------------------------------------------------

    def save(
        self,
        actor: Actor,
        question: Question,
        *,
        expected_version: int | None = None,
        base: Question | None = None,
        must_be_new: bool = False,
    ) -> SaveResult:
        """Create or update a question. An update of a question already used on a paper makes a
        new version.

        ``expected_version`` and ``base`` (the question as the editor opened it) guard against
        overwriting someone else's edit: the row is locked while it is compared, and when its
        version differs from ``expected_version``, or its content from ``base`` (an edit of a
        question not yet on any paper keeps its version number), :class:`EditConflict` carries
        both versions. A save whose content equals what is stored is never a conflict.
        ``must_be_new`` (an editor's new question): an existing key is an :class:`EditConflict`
        too, also when a colleague creates it at the same moment."""
        actor.require(Permission.EDIT_CONTENT)
        from cstrainer.formats.content_pack import validate_item
        from cstrainer.formats.question_pack import question_to_pack

        data = question_to_pack(question)
        item, problems = validate_item("questions", data)
        if item is None or problems:
            raise ValidationFailed(
                "题目内容不完整：", [f"{'.'.join(map(str, p))}: {m}" for p, m, _ in problems]
            )
        with self._db.session() as s:
            row = lock_for_edit(s, QuestionRow, QuestionRow.key == question.key)
            brand_id = self._brand_id(s, question.brand)
            body = {k: v for k, v in data.items() if k != "key"}
            duplicates = self._duplicates(s, stem_fingerprint(question.stem), question.key)
            if row is not None and must_be_new:
                raise self._conflict(s, row, question, None)
            if row is None:
                row = QuestionRow(
                    key=question.key,
                    version=1,
                    updated_by=actor.login,
                    data=body,
                    retired=False,
                    **self._columns(question, brand_id),
                )
                index_row(row, question)
                s.add(row)
                try:
                    s.flush()
                except IntegrityError:  # PostgreSQL: a colleague created the same key just now
                    with self._db.session() as s2:
                        theirs = s2.scalar(select(QuestionRow).where(QuestionRow.key == question.key))
                        if theirs is None:
                            raise
                        raise self._conflict(s2, theirs, question, None) from None
                audit.record(s, actor, "question.create", "question", question.key)
                return SaveResult(question_from_row(row), True, False, duplicates)
            if body == row.data and self._columns(question, brand_id) == self._columns_of(row):
                return SaveResult(question_from_row(row), False, False, duplicates)
            stored = question_from_row(row)
            if (expected_version is not None and row.version != expected_version) or (
                base is not None and stored != base
            ):
                mine = expected_version if expected_version is not None else base.version if base else None
                raise self._conflict(s, row, question, mine)
            used = s.scalar(
                select(func.count())
                .select_from(QuestionVersion)
                .where(QuestionVersion.question_id == row.id, QuestionVersion.version == row.version)
            )
            new_version = bool(used)
            from_version = row.version
            changed = audit.changed_fields(
                {**row.data, **self._columns_of(row)}, {**body, **self._columns(question, brand_id)}
            )
            if new_version:
                row.version += 1
            row.data = body
            for k, v in self._columns(question, brand_id).items():
                setattr(row, k, v)
            index_row(row, question)
            row.updated_by = actor.login
            s.flush()
            audit.record(
                s,
                actor,
                "question.edit",
                "question",
                question.key,
                from_version=from_version,
                version=row.version,
                changed=changed,
            )
            return SaveResult(question_from_row(row), False, new_version, duplicates)

    @staticmethod
    def _conflict(s: Session, row: QuestionRow, mine: Question, mine_version: int | None) -> EditConflict:
        """The refusal of ``mine`` (edited from ``mine_version``; None: new) against the stored row."""
        stored = question_from_row(row)
        return EditConflict(
            "question",
            row.key,
            title=stored.stem,
            mine=EditSide(mine_version, question_fields(mine)),
            theirs=EditSide(row.version, question_fields(stored), who(s, row.updated_by), row.updated_at),
            latest=stored,
        )

    def bulk_update(
        self,
        actor: Actor,
        keys: Iterable[str],
        *,
        add_tags: Sequence[str] = (),
        remove_tags: Sequence[str] = (),
        category: str | None = None,
        brand: str | None = None,
        clear_brand: bool = False,
        retired: bool | None = None,
    ) -> int:
        """Tag, move (category / brand) or retire many questions at once; returns how many changed."""
        actor.require(Permission.EDIT_CONTENT)
        keys = list(dict.fromkeys(keys))
        changed = 0
        with self._db.session() as s:
            rows = {r.key: r for r in s.scalars(select(QuestionRow).where(QuestionRow.key.in_(keys)))}
            missing = [k for k in keys if k not in rows]
            if missing:
                raise NotFound(f"没有这些题目：{'、'.join(missing[:10])}")
            brand_id = self._brand_id(s, brand) if brand else None
            for row in rows.values():
                q = question_from_row(row)
                tags = [t for t in q.tags if t not in remove_tags]
                tags += [t for t in add_tags if t not in tags]
                new = q.with_changes(
                    tags=tuple(tags),
                    category=category or q.category,
                    brand=None if clear_brand else (brand or q.brand),
                )
                from cstrainer.formats.question_pack import question_to_pack

                body = {k: v for k, v in question_to_pack(new).items() if k != "key"}
                touched = False
                if body != row.data:
                    row.data = body
                    row.category = new.category
                    row.brand_id = None if clear_brand else (brand_id if brand else row.brand_id)
                    index_row(row, new)
                    touched = True
                if retired is not None and row.retired != retired:
                    row.retired = retired
                    touched = True
                if touched:
                    row.updated_by = actor.login
                    changed += 1
            audit.record(
                s,
                actor,
                "question.bulk",
                "question",
                "",
                keys=keys[:100],
                add_tags=list(add_tags),
                remove_tags=list(remove_tags),
                category=category,
                brand=brand,
                retired=retired,
            )
        return changed

    # --- import / export -------------------------------------------------------------------------

    def import_file(
        self,
        actor: Actor,
        path: Path,
        *,
        format: str = "auto",
        dry_run: bool = False,
        defaults: dict[str, Any] | None = None,
        progress: Callable[[str], None] | None = None,
    ) -> QuestionImportReport:
        """Import questions from xlsx / CSV / GIFT / Aiken / YAML, all or nothing.

        A preview (``dry_run``) keeps what it read of the file; the import of the same file
        (same path, format, bytes and brands) right after reuses it instead of reading the
        file again. Existing questions, brands and used versions are read in a few queries,
        changed rows are updated through the session and new ones inserted with one
        executemany, all in one transaction. A big xlsx / CSV file's texts are cut into words by
        a worker process while the file is read (see ``_start_worker``); Python's automatic
        garbage collection waits until the import is done (``gc_freeze.automatic_gc_paused``)."""
        actor.require(Permission.IMPORT_CONTENT)
        with automatic_gc_paused():
            return self._import_file(actor, Path(path), format, dry_run, defaults, progress)

    def _import_file(
        self,
        actor: Actor,
        path: Path,
        format: str,
        dry_run: bool,
        defaults: dict[str, Any] | None,
        progress: Callable[[str], None] | None,
    ) -> QuestionImportReport:
        with self._db.session() as s:
            brand_rows = s.execute(select(Brand.id, Brand.key, Brand.name)).all()
        brands = {}
        for _, key, name in brand_rows:
            brands[key] = key
            brands[name] = key  # tables may name the brand (沁屿) instead of its key
        result, worker, memo = self._read_file(Path(path), format, brands, keep=dry_run)
        try:
            return self._import_parsed(
                actor, Path(path), result, worker, memo, brand_rows, dry_run, defaults, progress
            )
        finally:
            if worker is not None:
                worker.close()

    def forget_preview(self) -> None:
        """Drop what the last preview kept for its import (the dialog closed without importing):
        the parsed file and its segmentation worker."""
        with self._parse_lock:
            cached, self._parsed = self._parsed, None
        if cached is not None and cached[2] is not None:
            cached[2].close()

    def _import_parsed(
        self,
        actor: Actor,
        path: Path,
        result: ParseResult,
        worker: BlockTermsWorker | None,
        memo: dict[str, Any],
        brand_rows: Sequence[Any],
        dry_run: bool,
        defaults: dict[str, Any] | None,
        progress: Callable[[str], None] | None,
    ) -> QuestionImportReport:
        if result.errors:
            raise ValidationFailed(
                f"{Path(path).name} 有 {len(result.errors)} 处错误，未导入任何题目：", result.errors
            )
        from cstrainer.formats.question_pack import question_to_pack

        # The questions with the defaults and their stored bodies: the preview's, for the import
        # of the same file with the same defaults.
        defaults_key = repr(sorted((defaults or {}).items()))
        seen = memo.get("bodies")
        if seen is not None and seen[0] == defaults_key:
            questions, bodies = list(seen[1]), seen[2]
        else:
            questions = [self._apply_defaults(q, defaults or {}) for q in result.questions]
            bodies = [{k: v for k, v in question_to_pack(q).items() if k != "key"} for q in questions]
            if dry_run:
                memo["bodies"] = (defaults_key, tuple(questions), bodies)
        report = QuestionImportReport(
            questions=questions, warnings=[str(w) for w in result.warnings], dry_run=dry_run
        )
        if dry_run:
            with self._db.session() as s:
                existing = self._rows_by_key(s, [q.key for q in questions])
                for q, body in zip(questions, bodies, strict=True):
                    self._classify_body(q.key, body, existing.get(q.key), report)
            return report
        # An id by brand key or name, as _brand_id finds it (a key wins over another brand's name).
        brand_ids: dict[str, int] = {name: bid for bid, _, name in brand_rows}
        brand_ids.update({key: bid for bid, key, _ in brand_rows})
        problems = [
            f"第 {i + 1} 题（{q.key}）：没有品牌 {q.brand}"
            for i, q in enumerate(questions)
            if q.brand and q.brand not in brand_ids
        ]
        if problems:
            raise ValidationFailed("导入的题目引用了不存在的品牌，未导入任何题目：", problems)
        # One transaction for everything: a failure half way leaves the bank as it was.
        with self._db.session() as s:
            existing = self._rows_by_key(s, [q.key for q in questions])
            token = _import_terms.set(_TermCache(worker))
            try:
                self._write_rows(s, actor, questions, bodies, existing, brand_ids, report, progress)
            finally:
                _import_terms.reset(token)
            s.flush()
            audit.record(
                s,
                actor,
                "question.import",
                "question",
                str(path),
                added=len(report.added),
                updated=len(report.updated),
            )
        return report

    def _write_rows(
        self,
        s: Session,
        actor: Actor,
        questions: Sequence[Question],
        bodies: Sequence[dict[str, Any]],
        existing: dict[str, QuestionRow],
        brand_ids: dict[str, int],
        report: QuestionImportReport,
        progress: Callable[[str], None] | None,
    ) -> None:
        """Add or update the rows of an import: updates go through the session, the new rows
        are inserted together at the end."""
        used = self._used_versions(s, existing.values())
        created: dict[str, _NewRow] = {}  # new rows, not in the session: inserted at the end
        # rows to index, each with the question it ends up holding (a key met twice: the last)
        to_index: dict[int, tuple[int, QuestionRow | _NewRow, Question]] = {}
        for i, (q, body) in enumerate(zip(questions, bodies, strict=True)):
            row: QuestionRow | _NewRow | None = created.get(q.key) or existing.get(q.key)
            kind = self._classify_body(q.key, body, row, report)
            brand_id = brand_ids[q.brand] if q.brand else None
            if kind == "added":
                new = _NewRow(
                    key=q.key,
                    version=1,
                    updated_by=actor.login,
                    data=body,
                    retired=False,
                    **self._columns(q, brand_id),
                )
                created[q.key] = new  # a later row with this key updates it
                to_index[id(new)] = (i, new, q)
            elif kind == "updated":
                assert row is not None
                if isinstance(row, QuestionRow) and (row.id, row.version) in used:
                    row.version += 1
                row.data = body
                for k, v in self._columns(q, brand_id).items():
                    setattr(row, k, v)
                to_index[id(row)] = (i, row, q)
                row.updated_by = actor.login
        # The search text last: meanwhile the segmentation worker (if any) may have finished.
        for n, (i, row, q) in enumerate(sorted(to_index.values(), key=lambda item: item[0])):
            if progress and n % 50 == 0:
                progress(f"{i}/{len(questions)}")
            index_row(row, q)
        if created:
            # One Core executemany instead of the unit of work's row-by-row inserts (the ORM's
            # bulk insert would also split the batch between rows with and without a brand).
            s.execute(insert(_QUESTIONS_TABLE), [r.values() for r in created.values()])

    def _read_file(
        self, path: Path, format: str, brands: dict[str, str], *, keep: bool
    ) -> tuple[ParseResult, BlockTermsWorker | None, dict[str, Any]]:
        """What :func:`read_questions` gives for ``path``, and the worker segmenting its texts
        (if one was started: big xlsx / CSV files), and a dict the preview leaves its work in. A
        preview's (``keep``) result, worker and dict are kept (one file at a time) and handed to
        the import of the very same bytes, which then takes them; with ``keep`` the worker is
        never returned."""
        from cstrainer.formats.question_io import read_questions

        before = _file_digest(path)
        cache_key = (
            None if before is None else (str(path.resolve()), format, before, tuple(sorted(brands.items())))
        )
        with self._parse_lock:
            cached, self._parsed = self._parsed, None
        worker: BlockTermsWorker | None
        memo: dict[str, Any] = {}
        if cached is not None and cache_key is not None and cached[0] == cache_key:
            result, worker, memo = cached[1], cached[2], cached[3]
        else:
            if cached is not None and cached[2] is not None:
                cached[2].close()
            worker = _start_worker(path, format)
            on_texts = worker.submit if worker is not None else None
            try:
                result = read_questions(path, format=format, brands=brands, on_texts=on_texts)
            except BaseException:
                if worker is not None:
                    worker.close()
                raise
            if worker is not None:
                worker.finish()
        if not keep:
            return result, worker, memo
        if cache_key is not None and not result.errors and _file_digest(path) == before:
            with self._parse_lock:
                replaced, self._parsed = self._parsed, (cache_key, result, worker, memo)
            if replaced is not None and replaced[2] is not None:
                replaced[2].close()
        elif worker is not None:
            worker.close()
        return result, None, memo

    @staticmethod
    def _rows_by_key(s: Session, keys: Sequence[str]) -> dict[str, QuestionRow]:
        out: dict[str, QuestionRow] = {}
        unique = list(dict.fromkeys(keys))
        if unique and s.get_bind().dialect.name == "postgresql":  # one array parameter: one query
            from sqlalchemy import String, any_, bindparam
            from sqlalchemy.dialects.postgresql import ARRAY

            keys_param = bindparam("import_keys", unique, type_=ARRAY(String))
            found = s.scalars(select(QuestionRow).where(QuestionRow.key == any_(keys_param)))
            return {r.key: r for r in found}
        for start in range(0, len(unique), _IN_CHUNK):
            chunk = unique[start : start + _IN_CHUNK]
            out.update((r.key, r) for r in s.scalars(select(QuestionRow).where(QuestionRow.key.in_(chunk))))
        return out

    @staticmethod
    def _used_versions(s: Session, rows: Iterable[QuestionRow]) -> set[tuple[int, int]]:
        """``(question id, version)`` of the current versions of ``rows`` put on a paper."""
        current = {r.id: r.version for r in rows}
        ids = list(current)
        used: set[tuple[int, int]] = set()
        for start in range(0, len(ids), _IN_CHUNK):
            chunk = ids[start : start + _IN_CHUNK]
            found = s.execute(
                select(QuestionVersion.question_id, QuestionVersion.version)
                .where(QuestionVersion.question_id.in_(chunk))
                .distinct()
            )
            used.update((qid, v) for qid, v in found if current[qid] == v)
        return used

    @staticmethod
    def _apply_defaults(q: Question, defaults: dict[str, Any]) -> Question:
        """Fill what the file left empty (GIFT and Aiken have no brand, often no category)."""
        changes = {k: v for k, v in defaults.items() if v and not getattr(q, k)}
        if not (changes.get("category") or q.category):
            changes["category"] = UNCATEGORISED
        return q.with_changes(**changes) if changes else q

    @staticmethod
    def _classify_body(
        key: str, body: dict[str, Any], row: QuestionRow | _NewRow | None, report: QuestionImportReport
    ) -> str:
        if row is None:
            report.added.append(key)
            return "added"
        if body == row.data:
            report.unchanged.append(key)
            return "unchanged"
        report.updated.append(key)
        return "updated"

    def export_file(
        self,
        actor: Actor,
        path: Path,
        *,
        format: str,
        keys: Iterable[str] | None = None,
        include_retired: bool = False,
    ) -> int:
        actor.require(Permission.EXPORT_CONTENT)
        from cstrainer.formats.question_io import write_questions

        with self._db.session() as s:
            q = select(QuestionRow).order_by(QuestionRow.category, QuestionRow.key)
            if keys is not None:
                q = q.where(QuestionRow.key.in_(list(keys)))
            if not include_retired:
                q = q.where(QuestionRow.retired.is_(False))
            questions = [question_from_row(r) for r in s.scalars(q)]
        write_questions(questions, Path(path), format)
        return len(questions)

    @staticmethod
    def write_template(path: Path) -> Path:
        from cstrainer.formats.xlsx_questions import write_template

        write_template(Path(path))
        return Path(path)

    # --- internals -------------------------------------------------------------------------------

    @staticmethod
    def _row(s: Session, key: str) -> QuestionRow:
        row = s.scalar(select(QuestionRow).where(QuestionRow.key == key))
        if row is None:
            raise NotFound(f"没有编号为 {key} 的题目")
        return row

    @staticmethod
    def _brand_id(s: Session, brand: str | None) -> int | None:
        if not brand:
            return None
        bid = s.scalar(select(Brand.id).where(or_(Brand.key == brand, Brand.name == brand)))
        if bid is None:
            raise InvalidInput(f"没有品牌 {brand}", "brand")
        return bid

    @staticmethod
    def _columns(q: Question, brand_id: int | None) -> dict[str, Any]:
        return {
            "type": q.type.value,
            "stem": q.stem,
            "brand_id": brand_id,
            "category": q.category,
            "difficulty": q.difficulty,
        }

    @staticmethod
    def _columns_of(row: QuestionRow) -> dict[str, Any]:
        return {
            "type": row.type,
            "stem": row.stem,
            "brand_id": row.brand_id,
            "category": row.category,
            "difficulty": row.difficulty,
        }

    @staticmethod
    def _reindex_missing(s: Session) -> None:
        """Questions written by a content-pack import or an older version have no search text yet."""
        rows = s.scalars(select(QuestionRow).where(QuestionRow.search_text == "")).all()
        for row in rows:
            index_row(row, question_from_row(row))
        if rows:
            s.flush()


def _escape_like(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
