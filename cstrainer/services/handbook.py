"""Product and competitor handbooks (产品手册): read, edit with versions, review flags, search.

Documents
- Three kinds (:data:`cstrainer.domain.handbook.DocKind`): ``product`` (``products`` table),
  ``competitor`` (``competitors``) and ``entry`` (``handbook_entries``). A document's ``data`` is
  its content-pack item without the key, validated with the pack model on every save.
- Trainers and managers see every document. Everybody else (agents, trainees) sees the documents
  of their brands and the shared ones (no brand). A competitor belongs to the brand of the product
  it is compared with (``our_product``); a handbook entry to its brand, or else to its product's.

Versions
- Every save that changes something makes a new version and a ``handbook_revisions`` row (who,
  when, note, changed top-level fields, the data after the change). Content imported from packs
  has no revisions: the first save stores the state before it as a revision of its own (so
  history and diff cover it). ``expected_version`` refuses to overwrite someone else's newer edit.
- ``handbook_reads`` holds the version each person last read: a document is ``new`` (never read),
  ``updated`` (read, changed since) or ``read``.

Review flags
- When a product changes, every question (``data["products"]``) and scenario
  (``data["products"]``) linked to it gets a ``content_review_flags`` row. A competitor or
  handbook entry that changes flags what is linked to its product, plus scenarios that name the
  competitor (``data["competitors"]``) or questions that cite the entry (``data["handbook"]``).
  An open flag of the same question or scenario for the same document is updated, not repeated.

Search
- The query is cut into words with jieba; every word must occur (substring, folded for width and
  case) somewhere in the document: title, every text in the data, FAQ, size-chart cells, our
  answer. One hit per document, pointing at its best field, with a snippet of about 60
  characters and the spans of the query words in it. Title hits rank first, then more hits.
"""

from __future__ import annotations

import builtins
import copy
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from cstrainer.domain.accounts import Permission
from cstrainer.domain.handbook import (
    COMPARE_FIELDS,
    DOC_KINDS,
    KIND_LABELS,
    PACK_KIND,
    TITLE_FIELD,
    DocKind,
    FieldChange,
    changed_fields,
    compare_value,
    field_diff,
    field_label,
    match_document,
    query_phrases,
    query_words,
    search_fields,
)
from cstrainer.services import audit
from cstrainer.services.actor import Actor
from cstrainer.services.conflicts import lock_for_edit
from cstrainer.services.errors import InvalidInput, NotFound, ValidationFailed
from cstrainer.storage.database import Database
from cstrainer.storage.models import (
    Brand,
    Competitor,
    ContentReviewFlag,
    HandbookEntry,
    HandbookRead,
    HandbookRevision,
    Product,
    Question,
    Scenario,
    utcnow,
)

__all__ = [
    "COMPARE_FIELDS",
    "Comparison",
    "DocKind",
    "DocumentInvalid",
    "FieldChange",
    "HandbookDoc",
    "HandbookHit",
    "HandbookService",
    "ReadState",
    "ReviewFlag",
    "Revision",
]

ReadState = Literal["new", "updated", "read"]

_MODELS: dict[str, type[Product] | type[Competitor] | type[HandbookEntry]] = {
    "product": Product,
    "competitor": Competitor,
    "entry": HandbookEntry,
}
_INITIAL = "初始内容"  # note of the revision that keeps the state before the first edit
_IMPORTED = "导入的更改"  # ... and of one that keeps a change a content-pack import made
_KIND_RANK: dict[str, int] = {kind: i for i, kind in enumerate(DOC_KINDS)}


@dataclass(frozen=True)
class HandbookDoc:
    """One product, competitor or handbook entry as the GUI and CLI see it."""

    kind: DocKind
    key: str
    title: str
    brand: str | None  # brand key (competitor: the brand of our_product; entry: its own or its product's)
    product: str | None  # product: its own key; competitor: our_product; entry: its product
    data: dict[str, Any]  # the content-pack item without "key"
    version: int
    updated_at: datetime
    updated_by: str
    read_state: ReadState = "read"  # for the calling actor


@dataclass(frozen=True)
class Revision:
    version: int
    at: datetime
    by: str
    note: str
    changed: tuple[str, ...]  # top-level field names


@dataclass(frozen=True)
class ReviewFlag:
    """A question or scenario to check because a handbook document it relies on changed."""

    id: int
    target_kind: str  # question / scenario
    target_key: str
    target_title: str
    doc_kind: str
    doc_key: str
    doc_title: str
    doc_version: int
    reason: str
    created_at: datetime
    resolved_at: datetime | None
    resolved_by: str | None


@dataclass(frozen=True)
class HandbookHit:
    """A search result: one document, its best-matching field and a snippet to highlight."""

    kind: DocKind
    key: str
    title: str
    field: str  # data path, e.g. "name", "faq[2].a", "size_chart.rows[1][0]"
    label: str  # Chinese label of the top-level field
    snippet: str
    spans: tuple[tuple[int, int], ...]  # positions of the query words inside ``snippet``


@dataclass(frozen=True)
class Comparison:
    titles: tuple[str, ...]
    rows: tuple[tuple[str, tuple[str, ...]], ...]  # (field label, one value per document)


@dataclass
class _Refs:
    """Brand and product keys and names, loaded once per call."""

    brand_key: dict[int, str]
    brand_name: dict[str, str]
    product_key: dict[int, str]
    product_brand: dict[str, str]  # product key -> brand key
    product_name: dict[str, str]

    @classmethod
    def load(cls, s: Session) -> _Refs:
        brands = {bid: (key, name) for bid, key, name in s.execute(select(Brand.id, Brand.key, Brand.name))}
        refs = cls({i: k for i, (k, _) in brands.items()}, {k: n for k, n in brands.values()}, {}, {}, {})
        for pid, key, brand_id, name in s.execute(
            select(Product.id, Product.key, Product.brand_id, Product.name)
        ):
            refs.product_key[pid] = key
            refs.product_brand[key] = brands[brand_id][0] if brand_id in brands else ""
            refs.product_name[key] = name
        return refs

    def names(self) -> dict[str, str]:
        return {**self.brand_name, **self.product_name}


def _check_kind(kind: str) -> DocKind:
    if kind not in _MODELS:
        raise InvalidInput(f"未知的手册类型 {kind}（可用：product、competitor、entry）", "kind")
    return kind  # type: ignore[return-value]


def _title(kind: str, data: dict[str, Any]) -> str:
    return str(data.get(TITLE_FIELD[kind]) or "")


class HandbookService:
    def __init__(self, db: Database) -> None:
        self._db = db

    # --- reading ---------------------------------------------------------------------------------

    def list_docs(
        self, actor: Actor, kind: str | None = None, brand: str | None = None
    ) -> builtins.list[HandbookDoc]:
        """The documents the actor may read, sorted by brand (shared last), kind and title.
        ``brand`` keeps one brand's documents; ``brand=""`` the shared ones only."""
        if kind is not None:
            _check_kind(kind)
        with self._db.session() as s:
            docs = self._visible_docs(s, actor, kind)
        if brand is not None:
            docs = [d for d in docs if (d.brand or "") == brand]
        return docs

    def get_doc(self, actor: Actor, kind: str, key: str) -> HandbookDoc:
        kind = _check_kind(kind)
        with self._db.session() as s:
            refs = _Refs.load(s)
            row = self._row(s, kind, key)
            doc = self._doc(kind, row, refs)
            self._require_visible(actor, doc)
            return self._with_read_state(s, actor, [doc])[0]

    def history(self, actor: Actor, kind: str, key: str) -> builtins.list[Revision]:
        """Every version of a document, newest first: who saved it, when, why, what changed."""
        kind = _check_kind(kind)
        with self._db.session() as s:
            row = self._visible_row(s, actor, kind, key)
            revisions = s.scalars(
                select(HandbookRevision)
                .where(HandbookRevision.doc_kind == kind, HandbookRevision.doc_key == key)
                .order_by(HandbookRevision.version.desc())
            ).all()
            out = [Revision(r.version, r.at, r.by, r.note, tuple(r.changed or ())) for r in revisions]
            if not revisions or revisions[0].version < row.version:
                # The current state came from an import and has no revision yet: shown as the
                # revision the next save will store for it.
                previous = revisions[0].data if revisions else {}
                changed = tuple(changed_fields(previous, row.data, kind))
                note = _IMPORTED if revisions else _INITIAL
                out.insert(0, Revision(row.version, row.updated_at, row.updated_by, note, changed))
            return out

    def revision_data(self, actor: Actor, kind: str, key: str, version: int) -> dict[str, Any]:
        """The document's data as it was at ``version``."""
        kind = _check_kind(kind)
        with self._db.session() as s:
            row = self._visible_row(s, actor, kind, key)
            return self._version_data(s, kind, row, version)

    def diff(
        self, actor: Actor, kind: str, key: str, old_version: int, new_version: int
    ) -> builtins.list[FieldChange]:
        """What changed between two versions, field by field, both sides as readable text."""
        kind = _check_kind(kind)
        with self._db.session() as s:
            row = self._visible_row(s, actor, kind, key)
            old = self._version_data(s, kind, row, old_version)
            new = self._version_data(s, kind, row, new_version)
        return field_diff(kind, old, new)

    # --- read marks ------------------------------------------------------------------------------

    def mark_read(self, actor: Actor, kind: str, key: str) -> None:
        """Remember that the actor has read the current version of a document."""
        kind = _check_kind(kind)
        with self._db.session() as s:
            row = self._visible_row(s, actor, kind, key)
            if actor.user_id is None:
                return
            mark = s.scalar(
                select(HandbookRead).where(
                    HandbookRead.user_id == actor.user_id,
                    HandbookRead.doc_kind == kind,
                    HandbookRead.doc_key == key,
                )
            )
            if mark is None:
                s.add(HandbookRead(user_id=actor.user_id, doc_kind=kind, doc_key=key, version=row.version))
            else:  # read_at is the last time it was read (assignments count reads after a date)
                mark.version = row.version
                mark.read_at = utcnow()

    def unread_count(self, actor: Actor) -> int:
        """How many documents the actor may read are new to them or changed since they read them."""
        with self._db.session() as s:
            return sum(1 for d in self._visible_docs(s, actor, None) if d.read_state != "read")

    # --- writing ---------------------------------------------------------------------------------

    def save_doc(
        self,
        actor: Actor,
        kind: str,
        key: str,
        data: dict[str, Any],
        *,
        expected_version: int | None = None,
        note: str = "",
    ) -> HandbookDoc:
        """Create (unknown key) or change a document. The data is validated with the content-pack
        model (problems -> :class:`InvalidInput` naming the field); a stale ``expected_version``
        is refused naming who saved the newer version. Saving unchanged data does nothing."""
        actor.require(Permission.EDIT_CONTENT)
        kind = _check_kind(kind)
        with self._db.session() as s:
            row = self._save(s, actor, kind, key, data, expected_version=expected_version, note=note)
            doc = self._doc(kind, row, _Refs.load(s))
            return self._with_read_state(s, actor, [doc])[0]

    def save_many(
        self, actor: Actor, docs: Sequence[tuple[str, str, dict[str, Any]]], *, note: str = ""
    ) -> builtins.list[HandbookDoc]:
        """Save several documents in one transaction, all or nothing (an import). Products are
        saved before competitors and entries, so they may refer to products of the same batch.
        Any problem -> :class:`ValidationFailed` listing every one as "kind key: field: message"."""
        actor.require(Permission.EDIT_CONTENT)
        problems: list[str] = []
        for kind, key, _ in docs:
            if kind not in _MODELS:
                problems.append(f"{kind} {key}: kind: 未知的手册类型")
        seen: set[tuple[str, str]] = set()
        for kind, key, _ in docs:
            if (kind, key) in seen:
                problems.append(f"{kind} {key}: key: 同一批里出现了两次")
            seen.add((kind, key))
        if problems:
            raise ValidationFailed(f"手册内容有 {len(problems)} 处错误，未保存任何内容：", problems)
        order = sorted(range(len(docs)), key=lambda i: _KIND_RANK[docs[i][0]])
        with self._db.session() as s:
            rows: dict[int, Any] = {}
            for i in order:
                kind, key, data = docs[i]
                try:
                    rows[i] = self._save(
                        s, actor, _check_kind(kind), key, data, expected_version=None, note=note
                    )
                except InvalidInput as exc:
                    found = getattr(exc, "problems", None) or [(exc.field or "", str(exc))]
                    problems.extend(f"{kind} {key}: {field}: {message}" for field, message in found)
            if problems:
                # Raised inside the session: the transaction is rolled back, nothing is kept.
                raise ValidationFailed(f"手册内容有 {len(problems)} 处错误，未保存任何内容：", problems)
            refs = _Refs.load(s)
            out = [self._doc(docs[i][0], rows[i], refs) for i in range(len(docs))]
            return self._with_read_state(s, actor, out)

    # --- review flags ----------------------------------------------------------------------------

    def review_flags(self, actor: Actor, *, include_resolved: bool = False) -> builtins.list[ReviewFlag]:
        """Questions and scenarios to review because a handbook document changed, newest first."""
        actor.require(Permission.EDIT_CONTENT)
        with self._db.session() as s:
            q = select(ContentReviewFlag).order_by(
                ContentReviewFlag.created_at.desc(), ContentReviewFlag.id.desc()
            )
            if not include_resolved:
                q = q.where(ContentReviewFlag.resolved_at.is_(None))
            flags = s.scalars(q).all()
            return self._flag_records(s, flags)

    def resolve_flag(self, actor: Actor, flag_id: int) -> ReviewFlag:
        """Mark a flag as checked (a resolved flag stays resolved)."""
        actor.require(Permission.EDIT_CONTENT)
        with self._db.session() as s:
            flag = s.get(ContentReviewFlag, flag_id)
            if flag is None:
                raise NotFound(f"没有编号为 {flag_id} 的复核提醒")
            if flag.resolved_at is None:
                flag.resolved_at = utcnow()
                flag.resolved_by = actor.login
                s.flush()
                audit.record(
                    s,
                    actor,
                    "handbook.flag_resolve",
                    flag.target_kind,
                    flag.target_key,
                    doc_kind=flag.doc_kind,
                    doc_key=flag.doc_key,
                    doc_version=flag.doc_version,
                )
            return self._flag_records(s, [flag])[0]

    # --- search ----------------------------------------------------------------------------------

    def search(self, actor: Actor, query: str, *, limit: int = 50) -> builtins.list[HandbookHit]:
        """Documents the actor may read that contain every word of ``query`` (see the module
        docstring), best first."""
        words = query_words(query)
        if not words or limit <= 0:
            return []
        with self._db.session() as s:
            docs = self._visible_docs(s, actor, None, read_states=False)
        phrases = query_phrases(query)
        ranked: list[tuple[tuple[Any, ...], HandbookHit]] = []
        for doc in docs:
            match = match_document(search_fields(doc.kind, doc.data), words, phrases)
            if match is None:
                continue
            hit = HandbookHit(
                doc.kind,
                doc.key,
                doc.title,
                match.field,
                field_label(doc.kind, match.field),
                match.snippet.text,
                match.snippet.spans,
            )
            ranked.append(((*match.rank, _KIND_RANK[doc.kind], doc.title, doc.key), hit))
        ranked.sort(key=lambda pair: pair[0])
        return [hit for _, hit in ranked[:limit]]

    # --- comparison ------------------------------------------------------------------------------

    def compare(
        self, actor: Actor, docs: Sequence[tuple[str, str]], fields: Sequence[str] | None = None
    ) -> Comparison:
        """Documents side by side: one row per chosen field of :data:`COMPARE_FIELDS` (all of them
        when ``fields`` is None), each cell the value as short text ("—" when there is none)."""
        chosen = list(COMPARE_FIELDS) if fields is None else list(fields)
        unknown = [f for f in chosen if f not in COMPARE_FIELDS]
        if unknown:
            raise InvalidInput(
                f"不能比较的字段：{'、'.join(unknown)}（可用：{'、'.join(COMPARE_FIELDS)}）", "fields"
            )
        with self._db.session() as s:
            refs = _Refs.load(s)
            loaded = []
            for kind, key in docs:
                kind = _check_kind(kind)
                doc = self._doc(kind, self._row(s, kind, key), refs)
                self._require_visible(actor, doc)
                loaded.append(doc)
        names = refs.names()
        rows = tuple(
            (COMPARE_FIELDS[f], tuple(compare_value(d.kind, d.data, f, names) for d in loaded))
            for f in chosen
        )
        return Comparison(tuple(d.title for d in loaded), rows)

    # --- internals -------------------------------------------------------------------------------

    @staticmethod
    def _row(s: Session, kind: str, key: str) -> Any:
        model = _MODELS[kind]
        row = s.scalar(select(model).where(model.key == key))
        if row is None:
            raise NotFound(f"没有编号为 {key} 的{KIND_LABELS[kind]}")
        return row

    def _visible_row(self, s: Session, actor: Actor, kind: str, key: str) -> Any:
        row = self._row(s, kind, key)
        self._require_visible(actor, self._doc(kind, row, _Refs.load(s)))
        return row

    @staticmethod
    def _visible(actor: Actor, doc: HandbookDoc) -> bool:
        return actor.can(Permission.EDIT_CONTENT) or doc.brand is None or doc.brand in actor.brand_keys

    def _require_visible(self, actor: Actor, doc: HandbookDoc) -> None:
        if not self._visible(actor, doc):
            # Same message as a missing document: an agent does not learn what other brands hold.
            raise NotFound(f"没有编号为 {doc.key} 的{KIND_LABELS[doc.kind]}")

    @staticmethod
    def _doc(kind: str, row: Any, refs: _Refs) -> HandbookDoc:
        brand: str | None = None
        product: str | None = None
        if kind == "product":
            brand = refs.brand_key.get(row.brand_id)
            product = row.key
        elif kind == "competitor":
            product = refs.product_key.get(row.our_product_id) if row.our_product_id else None
            brand = refs.product_brand.get(product) or None if product else None
        else:
            product = refs.product_key.get(row.product_id) if row.product_id else None
            if row.brand_id is not None:
                brand = refs.brand_key.get(row.brand_id)
            elif product:
                brand = refs.product_brand.get(product) or None
        data = copy.deepcopy(dict(row.data))
        return HandbookDoc(
            kind=kind,  # type: ignore[arg-type]
            key=row.key,
            title=_title(kind, data) or row.key,
            brand=brand,
            product=product,
            data=data,
            version=row.version,
            updated_at=row.updated_at,
            updated_by=row.updated_by,
        )

    def _visible_docs(
        self, s: Session, actor: Actor, kind: str | None, *, read_states: bool = True
    ) -> builtins.list[HandbookDoc]:
        refs = _Refs.load(s)
        docs: list[HandbookDoc] = []
        for k in DOC_KINDS:
            if kind is not None and k != kind:
                continue
            model = _MODELS[k]
            for row in s.scalars(select(model)):
                doc = self._doc(k, row, refs)
                if self._visible(actor, doc):
                    docs.append(doc)
        docs.sort(key=lambda d: (d.brand is None, d.brand or "", _KIND_RANK[d.kind], d.title, d.key))
        return self._with_read_state(s, actor, docs) if read_states else docs

    @staticmethod
    def _with_read_state(
        s: Session, actor: Actor, docs: builtins.list[HandbookDoc]
    ) -> builtins.list[HandbookDoc]:
        if actor.user_id is None or not docs:
            return docs
        marks = {
            (kind, key): version
            for kind, key, version in s.execute(
                select(HandbookRead.doc_kind, HandbookRead.doc_key, HandbookRead.version).where(
                    HandbookRead.user_id == actor.user_id
                )
            )
        }
        out = []
        for doc in docs:
            seen = marks.get((doc.kind, doc.key))
            state: ReadState = "new" if seen is None else ("updated" if seen < doc.version else "read")
            out.append(doc if state == doc.read_state else _replace_state(doc, state))
        return out

    @staticmethod
    def _version_data(s: Session, kind: str, row: Any, version: int) -> dict[str, Any]:
        rev = s.scalar(
            select(HandbookRevision).where(
                HandbookRevision.doc_kind == kind,
                HandbookRevision.doc_key == row.key,
                HandbookRevision.version == version,
            )
        )
        if rev is not None:
            return copy.deepcopy(dict(rev.data))
        if version == row.version:
            return copy.deepcopy(dict(row.data))
        raise NotFound(f"{KIND_LABELS[kind]} {row.key} 没有第 {version} 版的记录")

    def _save(
        self,
        s: Session,
        actor: Actor,
        kind: DocKind,
        key: str,
        data: dict[str, Any],
        *,
        expected_version: int | None,
        note: str,
    ) -> Any:
        """Validate and write one document inside the caller's transaction; returns the row."""
        body = _validated(kind, key, data)
        columns = self._columns(s, kind, body)
        model = _MODELS[kind]
        row: Any = lock_for_edit(s, model, model.key == key)  # nobody saves between check and write
        now = utcnow()
        label = KIND_LABELS[kind]
        if row is None:
            row = model(key=key, data=body, version=1, updated_by=actor.login, updated_at=now, **columns)
            s.add(row)
            s.flush()
            s.add(
                HandbookRevision(
                    doc_kind=kind,
                    doc_key=key,
                    version=1,
                    at=now,
                    by=actor.login,
                    note=note,
                    changed=changed_fields({}, body, kind),
                    data=copy.deepcopy(body),
                )
            )
            audit.record(s, actor, "handbook.create", kind, key, version=1, note=note)
            return row
        if expected_version is not None and row.version != expected_version:
            raise InvalidInput(
                f"{label}「{_title(kind, row.data) or key}」已被 {row.updated_by} 改成第 {row.version} 版"
                f"（你编辑的是第 {expected_version} 版）：请重新打开，看过对方的修改后再改",
                "version",
            )
        old = copy.deepcopy(dict(row.data))
        if old == body:
            for column, value in columns.items():
                if getattr(row, column) != value:
                    setattr(row, column, value)
            return row
        latest = s.scalar(
            select(HandbookRevision)
            .where(HandbookRevision.doc_kind == kind, HandbookRevision.doc_key == key)
            .order_by(HandbookRevision.version.desc())
            .limit(1)
        )
        if latest is None or latest.version < row.version:
            # Keep the state before this save (imported or seeded content) as a version of its own.
            s.add(
                HandbookRevision(
                    doc_kind=kind,
                    doc_key=key,
                    version=row.version,
                    at=row.updated_at,
                    by=row.updated_by,
                    note=_INITIAL if latest is None else _IMPORTED,
                    changed=changed_fields(latest.data if latest is not None else {}, old, kind),
                    data=old,
                )
            )
        changed = changed_fields(old, body, kind)
        old_product = self._linked_product(kind, old)
        row.version += 1
        row.data = body
        for column, value in columns.items():
            setattr(row, column, value)
        row.updated_by = actor.login
        row.updated_at = now
        s.add(
            HandbookRevision(
                doc_kind=kind,
                doc_key=key,
                version=row.version,
                at=now,
                by=actor.login,
                note=note,
                changed=changed,
                data=copy.deepcopy(body),
            )
        )
        s.flush()
        flagged = self._flag_linked(s, actor, kind, key, body, old_product, row.version, changed)
        audit.record(
            s,
            actor,
            "handbook.edit",
            kind,
            key,
            version=row.version,
            changed=changed,
            note=note,
            flagged=flagged,
        )
        return row

    @staticmethod
    def _columns(s: Session, kind: str, body: dict[str, Any]) -> dict[str, Any]:
        def brand_id(brand: str | None) -> int | None:
            if not brand:
                return None
            found = s.scalar(select(Brand.id).where(Brand.key == brand))
            if found is None:
                raise InvalidInput(f"没有品牌 {brand}", "brand")
            return found

        def product(key: str | None, field: str) -> Product | None:
            if not key:
                return None
            found = s.scalar(select(Product).where(Product.key == key))
            if found is None:
                raise InvalidInput(f"没有商品 {key}", field)
            return found

        if kind == "product":
            return {
                "brand_id": brand_id(body["brand"]),
                "name": body["name"],
                "category": body.get("category", ""),
            }
        if kind == "competitor":
            ours = product(body.get("our_product"), "our_product")
            return {
                "rival_brand": body["rival_brand"],
                "product": body["product"],
                "our_product_id": ours.id if ours else None,
            }
        bid = brand_id(body.get("brand"))
        linked = product(body.get("product"), "product")
        if linked is not None and bid is not None and linked.brand_id != bid:
            owner = s.scalar(select(Brand.key).where(Brand.id == linked.brand_id))
            raise InvalidInput(f"商品 {linked.key} 属于品牌 {owner}，不是 {body.get('brand')}", "product")
        return {"title": body["title"], "brand_id": bid, "product_id": linked.id if linked else None}

    @staticmethod
    def _linked_product(kind: str, data: dict[str, Any]) -> str | None:
        if kind == "product":
            return None
        value = data.get("our_product" if kind == "competitor" else "product")
        return str(value) if value else None

    def _flag_linked(
        self,
        s: Session,
        actor: Actor,
        kind: str,
        key: str,
        body: dict[str, Any],
        old_product: str | None,
        version: int,
        changed: Iterable[str],
    ) -> int:
        """Flag the questions and scenarios that rely on a changed document; returns how many."""
        products = (
            {key} if kind == "product" else {p for p in (self._linked_product(kind, body), old_product) if p}
        )
        targets: dict[tuple[str, str], None] = {}
        for qkey, qdata, retired in s.execute(select(Question.key, Question.data, Question.retired)):
            if retired:
                continue
            linked = set(qdata.get("products") or []) & products
            if linked or (kind == "entry" and qdata.get("handbook") == key):
                targets[("question", qkey)] = None
        for skey, sdata in s.execute(select(Scenario.key, Scenario.data)):
            linked = set(sdata.get("products") or []) & products
            if linked or (kind == "competitor" and key in (sdata.get("competitors") or [])):
                targets[("scenario", skey)] = None
        if not targets:
            return 0
        labels = "、".join(field_label(kind, f) for f in changed)
        reason = (
            f"{KIND_LABELS[kind]}「{_title(kind, body) or key}」第 {version} 版改了{labels}（{actor.login}）"
        )
        open_flags = {
            (f.target_kind, f.target_key): f
            for f in s.scalars(
                select(ContentReviewFlag).where(
                    ContentReviewFlag.doc_kind == kind,
                    ContentReviewFlag.doc_key == key,
                    ContentReviewFlag.resolved_at.is_(None),
                )
            )
        }
        now = utcnow()
        for target_kind, target_key in targets:
            flag = open_flags.get((target_kind, target_key))
            if flag is None:
                s.add(
                    ContentReviewFlag(
                        target_kind=target_kind,
                        target_key=target_key,
                        doc_kind=kind,
                        doc_key=key,
                        doc_version=version,
                        reason=reason,
                        created_at=now,
                    )
                )
            else:
                flag.doc_version = version
                flag.reason = reason
        return len(targets)

    @staticmethod
    def _flag_records(s: Session, flags: Sequence[ContentReviewFlag]) -> builtins.list[ReviewFlag]:
        if not flags:
            return []
        qkeys = {f.target_key for f in flags if f.target_kind == "question"}
        skeys = {f.target_key for f in flags if f.target_kind == "scenario"}
        titles: dict[tuple[str, str], str] = {}
        if qkeys:
            for qkey, stem, qdata in s.execute(
                select(Question.key, Question.stem, Question.data).where(Question.key.in_(qkeys))
            ):
                text = str(qdata.get("title") or "") or " ".join(stem.split())
                titles[("question", qkey)] = text if len(text) <= 40 else text[:39] + "…"
        if skeys:
            for skey, stitle in s.execute(
                select(Scenario.key, Scenario.title).where(Scenario.key.in_(skeys))
            ):
                titles[("scenario", skey)] = stitle
        doc_titles: dict[tuple[str, str], str] = {}
        for kind in {f.doc_kind for f in flags}:
            if kind not in _MODELS:
                continue
            model = _MODELS[kind]
            keys = {f.doc_key for f in flags if f.doc_kind == kind}
            for dkey, ddata in s.execute(select(model.key, model.data).where(model.key.in_(keys))):
                doc_titles[(kind, dkey)] = _title(kind, ddata) or dkey
        return [
            ReviewFlag(
                id=f.id,
                target_kind=f.target_kind,
                target_key=f.target_key,
                target_title=titles.get((f.target_kind, f.target_key), f.target_key),
                doc_kind=f.doc_kind,
                doc_key=f.doc_key,
                doc_title=doc_titles.get((f.doc_kind, f.doc_key), f.doc_key),
                doc_version=f.doc_version,
                reason=f.reason,
                created_at=f.created_at,
                resolved_at=f.resolved_at,
                resolved_by=f.resolved_by,
            )
            for f in flags
        ]


class DocumentInvalid(InvalidInput):
    """The data does not pass the content-pack model: ``problems`` lists (field path, message);
    ``field`` is the first problem's field."""

    def __init__(self, problems: builtins.list[tuple[str, str]]) -> None:
        super().__init__("\n".join(f"{field}：{message}" for field, message in problems), problems[0][0])
        self.problems = problems


def _replace_state(doc: HandbookDoc, state: ReadState) -> HandbookDoc:
    return replace(doc, read_state=state)


def _validated(kind: str, key: str, data: dict[str, Any]) -> dict[str, Any]:
    """The data checked with the content-pack model and written as a pack writes it (no "key")."""
    from cstrainer.formats.content_pack import format_field, item_to_dict, validate_item

    if not isinstance(data, dict):
        raise DocumentInvalid([("data", "内容应为字段到取值的映射")])
    raw = {"key": key, **{k: v for k, v in data.items() if k != "key"}}
    item, problems = validate_item(PACK_KIND[kind], raw)
    if item is None or problems:
        found = [(format_field(path) or "data", message) for path, message, _ in problems]
        raise DocumentInvalid(found or [("data", "内容不完整")])
    return {k: v for k, v in item_to_dict(item).items() if k != "key"}
