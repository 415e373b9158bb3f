"""Handbook export (a folder of Markdown files, a printable PDF) and import (the same folder).

The folder format is :mod:`cstrainer.formats.handbook_markdown`; the PDF is
:mod:`cstrainer.formats.handbook_pdf`. Export per brand writes that brand's docs plus the shared
ones (no brand). Import always starts with a preview (:meth:`HandbookIoService.preview_markdown`):
every doc of the folder is classified as added, changed (naming the changed fields) or unchanged
against the database, and every problem is listed with file, line and field — including
references the files make (a brand, our product, an entry's product) that exist neither in the
database nor in the folder. :meth:`HandbookIoService.import_markdown` refuses the whole folder
when there is any problem, and otherwise saves the added and changed docs with
:meth:`HandbookService.save_many` (one transaction, one revision per doc with the import note).
Docs of the database that the folder does not contain are left alone: an import never deletes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from cstrainer.domain.accounts import Permission
from cstrainer.domain.handbook import KIND_LABELS, field_label
from cstrainer.formats.errors import FormatError
from cstrainer.formats.handbook_markdown import (
    FolderDoc,
    read_folder,
    render_markdown,
    write_folder,
)
from cstrainer.services import audit
from cstrainer.services.actor import Actor
from cstrainer.services.errors import InvalidInput, ValidationFailed
from cstrainer.storage.database import Database
from cstrainer.storage.models import Brand

if TYPE_CHECKING:
    from cstrainer.services.handbook import HandbookDoc, HandbookService

__all__ = ["HandbookImportPreview", "HandbookImportResult", "HandbookIoService", "ImportedDoc"]

DEFAULT_TITLE = "产品手册"
DEFAULT_NOTE = "从 Markdown 文件夹导入"


@dataclass(frozen=True)
class ImportedDoc:
    """One doc of an import folder and what importing it would do."""

    kind: str
    key: str
    title: str
    file: str
    data: dict[str, Any]
    changed: tuple[str, ...] = ()  # top-level fields that differ from the database (changed docs)

    @property
    def changed_labels(self) -> tuple[str, ...]:
        return tuple(field_label(self.kind, name) for name in self.changed)

    def describe(self) -> str:
        return f"{KIND_LABELS.get(self.kind, self.kind)} {self.key} {self.title}"

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "key": self.key,
            "title": self.title,
            "file": self.file,
            "changed": list(self.changed),
        }


@dataclass(frozen=True)
class HandbookImportPreview:
    """What importing a folder would do (the dry run)."""

    folder: str
    added: tuple[ImportedDoc, ...] = ()
    changed: tuple[ImportedDoc, ...] = ()
    unchanged: tuple[ImportedDoc, ...] = ()
    problems: tuple[FormatError, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def to_save(self) -> tuple[ImportedDoc, ...]:
        return self.added + self.changed

    def summary(self) -> str:
        text = f"新增 {len(self.added)} 篇、修改 {len(self.changed)} 篇、不变 {len(self.unchanged)} 篇"
        return text + (f"，{len(self.problems)} 处问题" if self.problems else "")

    def to_json(self) -> dict[str, Any]:
        return {
            "folder": self.folder,
            "ok": self.ok,
            "added": [d.to_json() for d in self.added],
            "changed": [d.to_json() for d in self.changed],
            "unchanged": [d.to_json() for d in self.unchanged],
            "problems": [
                {"file": p.file, "line": p.line, "message": p.message, "text": str(p)} for p in self.problems
            ],
        }


@dataclass(frozen=True)
class HandbookImportResult:
    preview: HandbookImportPreview
    saved: int

    @property
    def added(self) -> int:
        return len(self.preview.added)

    @property
    def changed(self) -> int:
        return len(self.preview.changed)

    @property
    def unchanged(self) -> int:
        return len(self.preview.unchanged)


class HandbookIoService:
    def __init__(self, db: Database, handbook: HandbookService) -> None:
        self._db = db
        self._handbook = handbook

    # --- reading ---------------------------------------------------------------------------------

    def brand_names(self) -> dict[str, str]:
        """Brand key -> name, in the order the brands were added."""
        with self._db.session() as s:
            return {key: name for key, name in s.execute(select(Brand.key, Brand.name).order_by(Brand.id))}

    def render_doc(self, actor: Actor, kind: str, key: str) -> str:
        """One doc the actor may read as Markdown (brand and linked product shown by name)."""
        doc = self._handbook.get_doc(actor, kind, key)
        data = doc.data
        linked = data.get("our_product") if doc.kind == "competitor" else data.get("product")
        product_name = None
        if linked:
            names = {d.key: d.title for d in self._handbook.list_docs(actor, kind="product")}
            product_name = names.get(str(linked))
        brand = data.get("brand")
        return render_markdown(
            doc.kind,
            doc.key,
            data,
            brand_name=self.brand_names().get(str(brand)) if brand else None,
            product_name=product_name,
        )

    # --- export ----------------------------------------------------------------------------------

    def export_markdown(self, actor: Actor, folder: Path | str, brand: str | None = None) -> int:
        """Write the handbook (all, or one brand's docs plus the shared ones) as a folder of
        Markdown files with an index README.md; returns the number of docs written."""
        actor.require(Permission.EXPORT_CONTENT)
        docs, brand_names = self._docs_for_export(actor, brand)
        folder_docs = [FolderDoc(d.kind, d.key, dict(d.data), brand=d.brand, title=d.title) for d in docs]
        try:
            write_folder(
                Path(folder), folder_docs, title=self._title(brand, brand_names), brand_names=brand_names
            )
        except OSError as exc:
            raise InvalidInput(f"无法写入文件夹 {folder}：{exc.strerror or exc}", field="folder") from exc
        self._audit(actor, "handbook.export", format="markdown", brand=brand, docs=len(docs))
        return len(docs)

    def export_pdf(self, actor: Actor, path: Path | str, brand: str | None = None) -> int:
        """Write the printable handbook (all, or one brand plus shared); returns the page count."""
        from cstrainer.formats.handbook_pdf import write_handbook_pdf

        actor.require(Permission.EXPORT_CONTENT)
        docs, brand_names = self._docs_for_export(actor, brand)
        product_names = {d.key: d.title for d in self._handbook.list_docs(actor, kind="product")}
        try:
            pages = write_handbook_pdf(
                docs,
                Path(path),
                title=self._title(brand, brand_names),
                brand_names=brand_names,
                product_names=product_names,
            )
        except OSError as exc:
            raise InvalidInput(f"无法写入文件 {path}：{exc.strerror or exc}", field="path") from exc
        self._audit(actor, "handbook.export", format="pdf", brand=brand, docs=len(docs), pages=pages)
        return pages

    # --- import ----------------------------------------------------------------------------------

    def preview_markdown(self, actor: Actor, folder: Path | str) -> HandbookImportPreview:
        """What importing ``folder`` would do; nothing is written."""
        actor.require(Permission.IMPORT_CONTENT)
        folder = Path(folder)
        read = read_folder(folder)
        if not read.ok:
            return HandbookImportPreview(str(folder), problems=tuple(read.errors))
        existing: dict[tuple[str, str], HandbookDoc] = {
            (d.kind, d.key): d for d in self._handbook.list_docs(actor)
        }
        with self._db.session() as s:
            brands = set(s.scalars(select(Brand.key)))
        problems = self._reference_problems(read.docs, existing, brands)
        added: list[ImportedDoc] = []
        changed: list[ImportedDoc] = []
        unchanged: list[ImportedDoc] = []
        for doc in read.docs:
            old = existing.get((doc.kind, doc.key))
            item = ImportedDoc(doc.kind, doc.key, doc.title, doc.file, doc.data)
            if old is None:
                added.append(item)
                continue
            fields = _changed_fields(old.data, doc.data)
            if fields:
                changed.append(ImportedDoc(doc.kind, doc.key, doc.title, doc.file, doc.data, fields))
            else:
                unchanged.append(item)
        return HandbookImportPreview(
            str(folder), tuple(added), tuple(changed), tuple(unchanged), problems=tuple(problems)
        )

    def import_markdown(self, actor: Actor, folder: Path | str, *, note: str = "") -> HandbookImportResult:
        """Import ``folder`` all or nothing: with any problem :class:`ValidationFailed` lists them
        (file, line, field) and nothing is saved. Unchanged docs get no new version."""
        actor.require(Permission.IMPORT_CONTENT)
        actor.require(Permission.EDIT_CONTENT)
        preview = self.preview_markdown(actor, folder)
        if not preview.ok:
            raise ValidationFailed(
                f"手册文件夹有 {len(preview.problems)} 处问题，未导入任何内容：", list(preview.problems)
            )
        batch = [(d.kind, d.key, dict(d.data)) for d in preview.to_save]
        if batch:
            self._handbook.save_many(actor, batch, note=note.strip() or DEFAULT_NOTE)
        self._audit(
            actor,
            "handbook.import",
            folder=str(folder),
            added=len(preview.added),
            changed=len(preview.changed),
            unchanged=len(preview.unchanged),
        )
        return HandbookImportResult(preview, len(batch))

    # --- internals -------------------------------------------------------------------------------

    def _docs_for_export(self, actor: Actor, brand: str | None) -> tuple[list[HandbookDoc], dict[str, str]]:
        brand_names = self.brand_names()
        if brand is not None and brand not in brand_names:
            raise InvalidInput(f"没有编号为 {brand} 的品牌", field="brand")
        docs = self._handbook.list_docs(actor)
        if brand is not None:
            docs = [d for d in docs if d.brand in (brand, None)]
            brand_names = {brand: brand_names[brand]}
        return docs, brand_names

    @staticmethod
    def _title(brand: str | None, brand_names: Mapping[str, str]) -> str:
        return f"{brand_names[brand]}{DEFAULT_TITLE}" if brand else DEFAULT_TITLE

    def _audit(self, actor: Actor, action: str, **details: Any) -> None:
        with self._db.session() as s:
            audit.record(s, actor, action, "handbook", "", **details)

    @staticmethod
    def _reference_problems(
        docs: Sequence[FolderDoc], existing: Mapping[tuple[str, str], HandbookDoc], brands: set[str]
    ) -> list[FormatError]:
        """References that exist neither in the database nor in the folder, and an entry whose
        product belongs to another brand than the entry."""
        product_brand: dict[str, str | None] = {
            key: d.brand for (kind, key), d in existing.items() if kind == "product"
        }
        for doc in docs:
            if doc.kind == "product":
                product_brand[doc.key] = doc.data.get("brand")
        problems: list[FormatError] = []

        def problem(doc: FolderDoc, name: str, message: str) -> None:
            label = field_label(doc.kind, name)
            problems.append(FormatError(doc.file, doc.lines.get(name), None, f"{name}（{label}）：{message}"))

        for doc in docs:
            brand = doc.data.get("brand")
            if doc.kind in ("product", "entry") and brand is not None and brand not in brands:
                problem(doc, "brand", f"品牌 {brand} 不存在（请先在内容包里添加品牌）")
            if doc.kind == "competitor":
                ours = doc.data.get("our_product")
                if ours not in product_brand:
                    problem(doc, "our_product", f"商品 {ours} 不存在")
            if doc.kind == "entry" and doc.data.get("product") is not None:
                product = doc.data["product"]
                if product not in product_brand:
                    problem(doc, "product", f"商品 {product} 不存在")
                elif brand is not None and product_brand[product] not in (None, brand):
                    problem(doc, "product", f"商品 {product} 属于品牌 {product_brand[product]}，不是 {brand}")
        return problems


def _changed_fields(old: Mapping[str, Any], new: Mapping[str, Any]) -> tuple[str, ...]:
    names = list(old) + [name for name in new if name not in old]
    return tuple(name for name in names if old.get(name) != new.get(name))
