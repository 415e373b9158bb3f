"""Content packs in and out of the database, and counts of what is there.

Import is all-or-nothing: every file is parsed and validated first (errors name file, line and
field), then everything is written in one transaction that is rolled back on any problem. A dry
run does the same work and rolls back at the end, so its report is exactly what would happen.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from cstrainer import paths
from cstrainer.domain.accounts import Permission, Role
from cstrainer.services import audit
from cstrainer.services.actor import SYSTEM, Actor
from cstrainer.services.errors import ValidationFailed
from cstrainer.services.passwords import hash_password
from cstrainer.storage.database import Database
from cstrainer.storage.models import (
    CONTENT_MODELS,
    Brand,
    Competitor,
    ContentMixin,
    Exam,
    HandbookEntry,
    Phrase,
    Product,
    Question,
    Scenario,
    Team,
    User,
)

if TYPE_CHECKING:
    from cstrainer.formats.content_pack import ContentPack

log = logging.getLogger(__name__)

# The content-pack format (pydantic models) is imported on first use: it is not needed to start
# the app, and start-up time matters.

STAT_KEYS = (
    "users",
    "teams",
    "brands",
    "products",
    "competitors",
    "handbook_entries",
    "questions",
    "exams",
    "scenarios",
    "phrases",
)
KIND_LABELS = {
    "brands": "品牌",
    "teams": "小组",
    "users": "人员",
    "products": "产品",
    "competitors": "竞品",
    "handbook": "手册条目",
    "questions": "题目",
    "exams": "试卷",
    "scenarios": "对话场景",
    "phrases": "话术",
}


@dataclass
class KindReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0


@dataclass
class ImportReport:
    files: list[str] = field(default_factory=list)
    kinds: dict[str, KindReport] = field(default_factory=dict)
    dry_run: bool = False

    def kind(self, kind: str) -> KindReport:
        return self.kinds.setdefault(kind, KindReport())

    @property
    def added(self) -> int:
        return sum(len(k.added) for k in self.kinds.values())

    @property
    def updated(self) -> int:
        return sum(len(k.updated) for k in self.kinds.values())

    def to_json(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "files": self.files,
            "kinds": {
                k: {"added": r.added, "updated": r.updated, "unchanged": r.unchanged}
                for k, r in self.kinds.items()
            },
            "added": self.added,
            "updated": self.updated,
        }

    def summary(self) -> str:
        from cstrainer.formats.content_pack import KIND_ORDER

        parts = []
        for kind in KIND_ORDER:
            r = self.kinds.get(kind)
            if r and (r.added or r.updated or r.unchanged):
                parts.append(
                    f"{KIND_LABELS.get(kind, kind)} 新增 {len(r.added)}、更新 {len(r.updated)}、未变 {r.unchanged}"
                )
        head = "预览（未写入）" if self.dry_run else "已导入"
        return f"{head}：{'；'.join(parts) if parts else '没有内容'}"


def _has_cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


class _Rollback(Exception):
    """Raised inside the import transaction to end a dry run."""


class ContentService:
    def __init__(self, db: Database) -> None:
        self._db = db

    # --- counts ----------------------------------------------------------------------------------

    def stats(self) -> dict[str, int]:
        """How many of every kind of content (and people) the database holds."""
        models: dict[str, Any] = {
            "users": User,
            "teams": Team,
            "brands": Brand,
            "products": Product,
            "competitors": Competitor,
            "handbook_entries": HandbookEntry,
            "questions": Question,
            "exams": Exam,
            "scenarios": Scenario,
            "phrases": Phrase,
        }
        with self._db.session() as s:
            return {k: int(s.scalar(select(func.count()).select_from(models[k])) or 0) for k in STAT_KEYS}

    def is_empty(self) -> bool:
        return not any(self.stats()[k] for k in STAT_KEYS if k != "users")

    def dictionary_terms(self) -> list[str]:
        """Words jieba must keep whole: brand, product, rival and scene names, variant values."""
        terms: set[str] = set()
        with self._db.session() as s:
            terms.update(s.scalars(select(Brand.name)))
            terms.update(s.scalars(select(Team.name)))
            for name, category, data in s.execute(select(Product.name, Product.category, Product.data)):
                terms.update((name, category))
                for variant in data.get("variants", []) or []:
                    terms.update(str(v) for v in variant.get("values", []) or [])
                terms.update(str(m) for m in data.get("materials", []) or [])
            for rival, product in s.execute(select(Competitor.rival_brand, Competitor.product)):
                terms.update((rival, product))
            terms.update(s.scalars(select(Phrase.scene).distinct()))
            terms.update(s.scalars(select(Scenario.persona).distinct()))
        # Long free text is no dictionary word; two to twelve characters with some Chinese in it is.
        return sorted(t.strip() for t in terms if t and 2 <= len(t.strip()) <= 12 and _has_cjk(t))

    # --- import ----------------------------------------------------------------------------------

    def import_paths(
        self,
        actor: Actor,
        sources: Iterable[Path],
        *,
        include_demo: bool = False,
        dry_run: bool = False,
        progress: Callable[[str], None] | None = None,
    ) -> ImportReport:
        """Import content-pack files or folders; nothing is written unless all of it is valid.

        Demo packs (the demo accounts with their published password) are skipped unless
        ``include_demo`` is given, so importing a whole content folder never adds them by accident.
        """
        from cstrainer.formats.content_pack import PackValidationError, load_packs

        actor.require(Permission.IMPORT_CONTENT)
        sources = [Path(p) for p in sources]
        try:
            packs = load_packs(sources, include_demo=include_demo)
        except PackValidationError as exc:
            raise ValidationFailed(
                f"内容包有 {len(exc.errors)} 处错误，未导入任何内容：", exc.errors
            ) from exc
        return self.import_packs(actor, packs, dry_run=dry_run, progress=progress)

    def import_packs(
        self,
        actor: Actor,
        packs: list[ContentPack],
        *,
        dry_run: bool = False,
        progress: Callable[[str], None] | None = None,
    ) -> ImportReport:
        from cstrainer.formats.content_pack import KIND_ORDER, item_to_dict, validate_references

        actor.require(Permission.IMPORT_CONTENT)
        if any(p.kind == "users" for p in packs):
            actor.require(Permission.MANAGE_USERS)
        report = ImportReport(files=[str(p.path) for p in packs], dry_run=dry_run)
        try:
            with self._db.session() as s:
                errors = validate_references(packs, known=self._known_keys(s))
                if errors:
                    raise ValidationFailed(f"内容包有 {len(errors)} 处引用错误，未导入任何内容：", errors)
                by_kind: dict[str, list[ContentPack]] = {}
                for p in packs:
                    by_kind.setdefault(p.kind, []).append(p)
                for kind in KIND_ORDER:
                    for pack in by_kind.get(kind, []):
                        if progress:
                            progress(f"{KIND_LABELS.get(kind, kind)}：{pack.path.name}")
                        for item in pack.items:
                            self._upsert(s, kind, item_to_dict(item), pack.demo, actor, report.kind(kind))
                        s.flush()
                if not dry_run:
                    audit.record(
                        s,
                        actor,
                        "content.import",
                        "content",
                        "",
                        files=report.files[:50],
                        added=report.added,
                        updated=report.updated,
                    )
                if dry_run:
                    raise _Rollback
        except _Rollback:
            pass
        log.info("%s", report.summary())
        return report

    def seed_if_empty(self, *, include_demo: bool = False) -> ImportReport | None:
        """Fill a brand-new database with the shipped sample content (first start)."""
        if not self.is_empty():
            return None
        dirs = paths.shipped_content_dirs()
        if not dirs:
            log.warning("no shipped content found next to the program; starting empty")
            return None
        report = self.import_paths(SYSTEM, dirs, include_demo=include_demo)
        # the sample phrase library comes with its release history (the biweekly cycle)
        from cstrainer.services.phrases import PhraseService

        PhraseService(self._db).import_shipped_releases(SYSTEM, dirs)
        return report

    def import_demo_users(self, actor: Actor, *, include_managers: bool = False) -> ImportReport:
        """The documented demo accounts from the shipped demo pack (password in the README).

        The first-start dialog adds the trainee, agent and trainer only: a real database should
        not get a manager account whose password is published.
        """
        from cstrainer.formats.content_pack import PackValidationError, load_packs

        actor.require(Permission.MANAGE_USERS)
        demo_dirs = [d / "demo" for d in paths.shipped_content_dirs() if (d / "demo").is_dir()]
        try:
            packs = load_packs(demo_dirs, include_demo=True)
        except PackValidationError as exc:
            raise ValidationFailed("演示账号内容包有错误：", exc.errors) from exc
        if not include_managers:
            for pack in packs:
                if pack.kind == "users":
                    pack.items = [u for u in pack.items if getattr(u, "role", "") != Role.MANAGER.value]
        return self.import_packs(actor, packs)

    # --- export ----------------------------------------------------------------------------------

    def export(self, actor: Actor, dest: Path) -> list[Path]:
        """Write every kind to ``dest/<kind>.yaml`` in the content-pack format (no passwords)."""
        from cstrainer.formats.content_pack import KIND_ORDER, PackValidationError, dump_pack

        actor.require(Permission.EXPORT_CONTENT)
        dest = Path(dest)
        dest.mkdir(parents=True, exist_ok=True)
        written: list[Path] = []
        with self._db.session() as s:
            for kind in KIND_ORDER:
                items = self._export_items(s, kind)
                if not items:
                    continue
                path = dest / f"{kind}.yaml"
                try:
                    dump_pack(kind, items, path)
                except PackValidationError as exc:
                    raise ValidationFailed(
                        f"数据库中的{KIND_LABELS.get(kind, kind)}有不符合内容包格式的条目，未能导出：",
                        exc.errors,
                    ) from exc
                written.append(path)
        return written

    # --- internals -------------------------------------------------------------------------------

    @staticmethod
    def _known_keys(s: Session) -> dict[str, set[str]]:
        known: dict[str, set[str]] = {
            "brands": set(s.scalars(select(Brand.key))),
            "teams": set(s.scalars(select(Team.key))),
            "users": set(s.scalars(select(User.login))),
        }
        for kind, model in CONTENT_MODELS.items():
            known[kind] = set(s.scalars(select(model.key)))  # type: ignore[attr-defined]
        return known

    def _upsert(
        self, s: Session, kind: str, data: dict[str, Any], demo: bool, actor: Actor, rep: KindReport
    ) -> None:
        if kind == "brands":
            self._upsert_brand(s, data, rep)
        elif kind == "teams":
            self._upsert_team(s, data, rep)
        elif kind == "users":
            self._upsert_user(s, data, demo, rep)
        else:
            self._upsert_content(s, kind, data, actor, rep)

    @staticmethod
    def _upsert_brand(s: Session, d: dict[str, Any], rep: KindReport) -> None:
        b = s.scalar(select(Brand).where(Brand.key == d["key"]))
        values = {
            "name": d["name"],
            "description": d.get("description", ""),
            "voice": d.get("voice", ""),
            "platforms": list(d.get("platforms", [])),
        }
        if b is None:
            s.add(Brand(key=d["key"], **values))
            rep.added.append(d["key"])
        elif any(getattr(b, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(b, k, v)
            rep.updated.append(d["key"])
        else:
            rep.unchanged += 1

    @staticmethod
    def _brands(s: Session, keys: Iterable[str]) -> list[Brand]:
        keys = sorted(set(keys))
        return list(s.scalars(select(Brand).where(Brand.key.in_(keys)).order_by(Brand.key))) if keys else []

    def _upsert_team(self, s: Session, d: dict[str, Any], rep: KindReport) -> None:
        t = s.scalar(select(Team).options(selectinload(Team.brands)).where(Team.key == d["key"]))
        brands = self._brands(s, d.get("brands", []))
        stage = d.get("stage", "综合")
        if t is None:
            s.add(Team(key=d["key"], name=d["name"], stage=stage, brands=brands))
            rep.added.append(d["key"])
        elif (t.name, t.stage, [b.key for b in t.brands]) != (d["name"], stage, [b.key for b in brands]):
            t.name, t.stage, t.brands = d["name"], stage, brands
            rep.updated.append(d["key"])
        else:
            rep.unchanged += 1

    def _upsert_user(self, s: Session, d: dict[str, Any], demo: bool, rep: KindReport) -> None:
        login = d["login"]
        u = s.scalar(select(User).options(selectinload(User.brands)).where(User.login == login))
        team = s.scalar(select(Team).where(Team.key == d["team"])) if d.get("team") else None
        brands = self._brands(s, d.get("brands", []))
        role = Role(d["role"]).value
        active = bool(d.get("active", True))
        if u is None:
            password = d.get("password") if demo else None
            s.add(
                User(
                    login=login,
                    display_name=d["display_name"],
                    role=role,
                    team=team,
                    brands=brands,
                    active=active,
                    password_hash=hash_password(password) if password else None,
                    failed_logins=0,
                    must_change_password=False,
                )
            )
            rep.added.append(login)
            return
        # An existing account keeps its password: a pack never resets credentials.
        before = (u.display_name, u.role, u.team_id, [b.key for b in u.brands], u.active)
        after = (d["display_name"], role, team.id if team else None, [b.key for b in brands], active)
        if before != after:
            u.display_name, u.role, u.team, u.brands, u.active = d["display_name"], role, team, brands, active
            rep.updated.append(login)
        else:
            rep.unchanged += 1

    def _upsert_content(
        self, s: Session, kind: str, d: dict[str, Any], actor: Actor, rep: KindReport
    ) -> None:
        model = CONTENT_MODELS[kind]
        key = d["key"]
        row = s.scalar(select(model).where(model.key == key))  # type: ignore[attr-defined]
        columns = self._columns(s, kind, d)
        data = {k: v for k, v in d.items() if k != "key"}
        if row is None:
            s.add(model(key=key, data=data, version=1, updated_by=actor.login, **columns))  # type: ignore[call-arg]
            rep.added.append(key)
        elif row.data != data or any(getattr(row, c) != v for c, v in columns.items()):
            for c, v in columns.items():
                setattr(row, c, v)
            if kind in ("questions", "phrases"):
                row.search_text = ""  # type: ignore[attr-defined]  # re-indexed on the next search
            row.data = data
            row.version += 1
            row.updated_by = actor.login
            rep.updated.append(key)
        else:
            rep.unchanged += 1

    @staticmethod
    def _columns(s: Session, kind: str, d: dict[str, Any]) -> dict[str, Any]:
        def brand_id(key: str | None) -> int | None:
            return s.scalar(select(Brand.id).where(Brand.key == key)) if key else None

        def product_id(key: str | None) -> int | None:
            return s.scalar(select(Product.id).where(Product.key == key)) if key else None

        if kind == "products":
            return {"brand_id": brand_id(d["brand"]), "name": d["name"], "category": d.get("category", "")}
        if kind == "competitors":
            return {
                "rival_brand": d["rival_brand"],
                "product": d["product"],
                "our_product_id": product_id(d.get("our_product")),
            }
        if kind == "handbook":
            return {
                "title": d["title"],
                "brand_id": brand_id(d.get("brand")),
                "product_id": product_id(d.get("product")),
            }
        if kind == "questions":
            return {
                "type": d["type"],
                "stem": d["stem"],
                "brand_id": brand_id(d.get("brand")),
                "category": d["category"],
                "difficulty": int(d.get("difficulty", 1)),
            }
        if kind == "exams":
            return {"title": d["title"], "purpose": d.get("purpose", "")}
        if kind == "scenarios":
            return {
                "title": d["title"],
                "brand_id": brand_id(d.get("brand")),
                "stage": d["stage"],
                "persona": d.get("persona", ""),
            }
        if kind == "phrases":
            return {
                "brand_id": brand_id(d.get("brand")),
                "scene": d["scene"],
                "intent": d.get("intent", ""),
                "shortcut": d["shortcut"],
                "text": d["text"],
            }
        raise ValueError(f"unknown content kind {kind}")

    @staticmethod
    def _export_items(s: Session, kind: str) -> list[dict[str, Any]]:
        if kind == "brands":
            return [
                {
                    "key": b.key,
                    "name": b.name,
                    "description": b.description,
                    "voice": b.voice,
                    "platforms": b.platforms,
                }
                for b in s.scalars(select(Brand).order_by(Brand.key))
            ]
        if kind == "teams":
            return [
                {"key": t.key, "name": t.name, "stage": t.stage, "brands": [b.key for b in t.brands]}
                for t in s.scalars(select(Team).options(selectinload(Team.brands)).order_by(Team.key))
            ]
        if kind == "users":
            rows = s.scalars(
                select(User).options(selectinload(User.team), selectinload(User.brands)).order_by(User.login)
            )
            out = []
            for u in rows:
                item: dict[str, Any] = {"login": u.login, "display_name": u.display_name, "role": u.role}
                if u.team:
                    item["team"] = u.team.key
                item["brands"] = [b.key for b in u.brands]
                if not u.active:
                    item["active"] = False
                out.append(item)
            return out
        model: type[ContentMixin] = CONTENT_MODELS[kind]
        rows2 = s.scalars(select(model).order_by(model.key))  # type: ignore[attr-defined]
        return [{"key": r.key, **r.data} for r in rows2]
