"""Content packs through the service: all-or-nothing import, dry run, export, stats, permissions."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path
from typing import Any

import pytest

from cstrainer import paths
from cstrainer.domain.accounts import Role
from cstrainer.services import SYSTEM
from cstrainer.services.errors import PermissionDenied, ValidationFailed

BRANDS = """\
schema_version: 1
kind: brands
items:
  - key: yunduo
    name: 云朵家纺
    description: 床品与家居纺织
    voice: 温和、细致
    platforms: [tmall]
"""

PRODUCTS_BAD = """\
schema_version: 1
kind: products
items:
  - key: yunduo-pillow
    brand: yunduo
    name: 慢回弹记忆枕
    category: 枕头
    price_min: 299
    price_max: 199
"""


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_shipped_packs_seed_an_empty_database(services: Any) -> None:
    # GIVEN an empty database WHEN it is seeded on first start
    report = services.content.seed_if_empty()
    # THEN every kind of shipped content is there, but no demo accounts
    stats = services.content.stats()
    for kind in (
        "brands",
        "teams",
        "products",
        "competitors",
        "handbook_entries",
        "questions",
        "exams",
        "scenarios",
        "phrases",
    ):
        assert stats[kind] > 0, kind
    assert stats["users"] == 0
    assert services.users.needs_first_manager()
    assert report.added == sum(stats.values())
    # AND seeding twice does nothing
    assert services.content.seed_if_empty() is None


def test_demo_accounts_import_and_log_in(services: Any) -> None:
    services.content.seed_if_empty()
    services.content.import_demo_users(SYSTEM)
    roles = {u.login: u.role for u in services.users.list(SYSTEM)}
    # the first-start dialog's demo accounts: no manager with a published password
    assert roles == {"peixun": Role.TRAINER, "kefu": Role.AGENT, "xinren": Role.TRAINEE}
    assert services.auth.login("kefu", "demo1234").role is Role.AGENT
    services.content.import_demo_users(SYSTEM, include_managers=True)
    assert services.auth.login("zhuguan", "demo1234").role is Role.MANAGER


def test_demo_packs_are_skipped_unless_asked_for(services: Any) -> None:
    root = paths.project_root() / "scripts_library"
    report = services.content.import_paths(SYSTEM, [root])
    assert "users" not in report.kinds
    report = services.content.import_paths(SYSTEM, [root / "demo"], include_demo=True)
    assert len(report.kinds["users"].added) == 4


def test_an_invalid_pack_imports_nothing_and_names_file_line_field(services: Any, tmp_path: Path) -> None:
    # GIVEN a folder with one good file and one bad one
    write(tmp_path / "pack", "a_brands.yaml", BRANDS)
    bad = write(tmp_path / "pack", "b_products.yaml", PRODUCTS_BAD)
    before = services.content.stats()
    # WHEN it is imported
    with pytest.raises(ValidationFailed) as err:
        services.content.import_paths(SYSTEM, [tmp_path / "pack"])
    # THEN nothing was written, and the error says where
    assert services.content.stats() == before
    first = err.value.errors[0]
    assert Path(first.file).name == bad.name
    assert first.line == 8
    assert first.field == "items[0].price_min"
    assert "b_products.yaml:8" in str(err.value)


def test_a_database_error_midway_rolls_everything_back(
    services: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path / "pack", "brands.yaml", BRANDS)
    from cstrainer.services.content import ContentService

    real = ContentService._upsert_team

    def boom(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(ContentService, "_upsert_team", boom)
    write(
        tmp_path / "pack",
        "teams.yaml",
        """\
        schema_version: 1
        kind: teams
        items:
          - key: yd-pre
            name: 云朵售前组
            stage: 售前
            brands: [yunduo]
        """,
    )
    with pytest.raises(RuntimeError):
        services.content.import_paths(SYSTEM, [tmp_path / "pack"])
    assert services.content.stats()["brands"] == 0
    monkeypatch.setattr(ContentService, "_upsert_team", real)


def test_dry_run_reports_and_writes_nothing(services: Any, tmp_path: Path) -> None:
    write(tmp_path, "brands.yaml", BRANDS)
    report = services.content.import_paths(SYSTEM, [tmp_path / "brands.yaml"], dry_run=True)
    assert report.dry_run and report.kinds["brands"].added == ["yunduo"]
    assert services.content.stats()["brands"] == 0
    services.content.import_paths(SYSTEM, [tmp_path / "brands.yaml"])
    again = services.content.import_paths(SYSTEM, [tmp_path / "brands.yaml"], dry_run=True)
    assert again.kinds["brands"].unchanged == 1 and not again.kinds["brands"].added


def test_reimport_updates_changed_items_and_bumps_version(services: Any, tmp_path: Path) -> None:
    services.content.seed_if_empty()
    src = paths.project_root() / "scripts_library" / "products"
    first = sorted(src.glob("*.yaml"))[0]
    copy = tmp_path / first.name
    text = first.read_text(encoding="utf-8")
    import yaml

    doc = yaml.safe_load(text)
    doc["items"][0]["name"] = doc["items"][0]["name"] + "（新包装）"
    copy.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    report = services.content.import_paths(SYSTEM, [copy])
    assert report.kinds["products"].updated == [doc["items"][0]["key"]]
    from sqlalchemy import select

    from cstrainer.storage.models import Product

    with services.db.session() as s:
        p = s.scalars(select(Product).where(Product.key == doc["items"][0]["key"])).one()
        assert p.version == 2 and p.name.endswith("（新包装）")


def test_export_then_import_into_a_new_database_is_identical(
    seeded: Any, services: Any, tmp_path: Path
) -> None:
    written = seeded.content.export(SYSTEM, tmp_path / "out")
    assert {p.name for p in written} >= {"brands.yaml", "products.yaml", "questions.yaml", "users.yaml"}
    assert "password" not in (tmp_path / "out" / "users.yaml").read_text(encoding="utf-8")
    services.content.import_paths(SYSTEM, [tmp_path / "out"])
    assert services.content.stats() == seeded.content.stats()
    services.content.export(SYSTEM, tmp_path / "again")
    for p in written:
        assert (tmp_path / "again" / p.name).read_text(encoding="utf-8") == p.read_text(encoding="utf-8")


def test_pack_import_never_resets_an_existing_password(seeded: Any, tmp_path: Path) -> None:
    seeded.users.set_password(SYSTEM, "kefu", "Changed-pw-99")
    seeded.content.import_demo_users(SYSTEM)
    assert seeded.auth.login("kefu", "Changed-pw-99").login == "kefu"


def test_trainee_cannot_import_or_export_and_trainer_cannot_import_accounts(
    seeded: Any, tmp_path: Path
) -> None:
    trainee = seeded.auth.login("xinren", "demo1234")
    with pytest.raises(PermissionDenied):
        seeded.content.import_paths(trainee, [paths.project_root() / "scripts_library" / "brands.yaml"])
    with pytest.raises(PermissionDenied):
        seeded.content.export(trainee, tmp_path / "x")
    trainer = seeded.auth.login("peixun", "demo1234")
    seeded.content.import_paths(trainer, [paths.project_root() / "scripts_library" / "brands.yaml"])
    with pytest.raises(PermissionDenied):
        seeded.content.import_demo_users(trainer)


def test_dictionary_terms_come_from_content(seeded: Any) -> None:
    terms = seeded.content.dictionary_terms()
    brand_names = {b.name for b in seeded.users.brands()}
    assert brand_names <= set(terms)
    assert all(2 <= len(t) <= 12 for t in terms)


def test_a_missing_shipped_content_folder_leaves_the_database_empty(
    services: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(paths, "project_root", lambda: tmp_path)
    assert services.content.seed_if_empty() is None
    shutil.rmtree(tmp_path, ignore_errors=True)
