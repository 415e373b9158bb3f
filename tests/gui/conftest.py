"""Fixtures for the GUI tests (pytest-qt, offscreen).

- Qt runs on the offscreen platform; ``CSTRAINER_HOME`` is a fresh folder per test.
- Databases are SQLite files copied per test from templates built once per session:
  ``empty_services`` (migrated, nobody in it: the first-start case) and ``services`` (two brands,
  one team and three people: manager ``boss``, trainer ``peixun``, trainee ``xiaoli``).
- Password hashing uses cheap argon2 parameters here: the real ones cost ~0.3 s a hash, which
  adds up over dozens of logins; what is tested is the GUI, not the hash.
- Blocking prompts (confirm, inform, file choosers) and error dialogs are replaced by recorders
  (``fake_prompts``, ``shown_errors``) so no modal loop ever blocks.
- ``screenshot(widget, name)`` saves a PNG into ``screenshots/`` when CSTRAINER_SCREENSHOTS=1.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import shutil
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher

REPO_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT_DIR = REPO_ROOT / "screenshots"

MANAGER = ("boss", "张伟", "Boss-pass-1")
TRAINER = ("peixun", "林晓雯", "Trainer-pass-1")
TRAINEE = ("xiaoli", "李小丽", "Trainee-pass-1")

_FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


def _fast_hasher() -> PasswordHasher:
    return _FAST_HASHER


@pytest.fixture(autouse=True)
def _gui_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("CSTRAINER_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("CSTRAINER_DB_URL", raising=False)
    import cstrainer.services.passwords as passwords

    monkeypatch.setattr(passwords, "_hasher", _fast_hasher)
    yield


@pytest.fixture(autouse=True)
def app_font(qapp: Any) -> Iterator[None]:
    """The CJK font the app sets at start-up, so screenshots show what people see."""
    from PySide6.QtGui import QFont

    from cstrainer.gui.app import cjk_font_family

    old = QFont(qapp.font())
    family = cjk_font_family()
    if family:
        font = QFont(old)
        font.setFamily(family)
        qapp.setFont(font)
    yield
    qapp.setFont(old)


@pytest.fixture(scope="session")
def seeded_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file with the shipped content and every demo account (password demo1234), built
    once per session; tests copy it (``shutil.copyfile``) and open the copy."""
    from cstrainer.services import SYSTEM, Services
    from cstrainer.storage.database import open_database

    folder = tmp_path_factory.mktemp("seeded-gui")
    path = folder / "seeded.sqlite"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CSTRAINER_HOME", str(folder / "home"))
        import cstrainer.services.passwords as passwords

        mp.setattr(passwords, "_hasher", _fast_hasher)
        services = Services(open_database(f"sqlite:///{path}"))
        try:
            services.content.seed_if_empty()
            services.content.import_demo_users(SYSTEM, include_managers=True)
        finally:
            services.close()
    con = sqlite3.connect(path)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.execute("PRAGMA journal_mode=DELETE")
    con.close()
    return path


@pytest.fixture(scope="session", autouse=True)
def _gui_runtime_guards(qapp: Any) -> Iterator[None]:
    """As in the app: garbage collection only on the GUI thread, None/True/False protected."""
    from cstrainer.gui.runtime_guards import GuiGarbageCollector, protect_singletons

    protect_singletons()
    collector = GuiGarbageCollector()
    collector.start()
    yield
    collector.stop()


@pytest.fixture(scope="session", autouse=True)
def _qt_translations(qapp: Any) -> None:
    """As in the app: Qt's own buttons in Chinese (screenshots show what people see)."""
    from cstrainer.gui.i18n import install_translators

    install_translators(qapp)


# --- databases ------------------------------------------------------------------------------------


def _checkpoint(path: Path) -> None:
    con = sqlite3.connect(path)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.execute("PRAGMA journal_mode=DELETE")
    con.close()


def _build_people(url: str) -> None:
    from cstrainer.domain.accounts import Role
    from cstrainer.services import Services
    from cstrainer.storage.database import open_database
    from cstrainer.storage.models import Brand, Team

    services = Services(open_database(url))
    try:
        with services.db.session() as s:
            b1 = Brand(key="qinyu", name="沁屿", description="香氛洗护", voice="温柔", platforms=["tmall"])
            b2 = Brand(key="qingkuo", name="轻廓", description="塑身衣物", voice="专业", platforms=["tmall"])
            s.add_all([b1, b2, Team(key="qinyu-presale", name="沁屿售前组", stage="售前", brands=[b1])])
        login, name, password = MANAGER
        services.users.create_first_manager(login, name, password)
        boss = services.auth.login(login, password, source="test")
        services.users.add(
            boss, TRAINER[0], TRAINER[1], TRAINER[2], Role.TRAINER, brand_keys=["qinyu", "qingkuo"]
        )
        services.users.add(boss, TRAINEE[0], TRAINEE[1], TRAINEE[2], Role.TRAINEE, "qinyu-presale", ["qinyu"])
    finally:
        services.close()


@pytest.fixture(scope="session")
def _gui_templates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    from cstrainer.storage.database import open_database

    folder = tmp_path_factory.mktemp("gui-templates")
    empty, people = folder / "empty.sqlite", folder / "people.sqlite"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CSTRAINER_HOME", str(folder / "home"))
        import cstrainer.services.passwords as passwords

        mp.setattr(passwords, "_hasher", _fast_hasher)
        open_database(f"sqlite:///{empty}").dispose()
        shutil.copyfile(empty, people)
        _build_people(f"sqlite:///{people}")
    _checkpoint(empty)
    _checkpoint(people)
    return {"empty": empty, "people": people}


def _services_from(template: Path, tmp_path: Path) -> Iterator[Any]:
    from cstrainer.services import Services
    from cstrainer.storage.database import open_database

    path = tmp_path / "t.sqlite"
    shutil.copyfile(template, path)
    services = Services(open_database(f"sqlite:///{path}"))
    yield services
    services.close()


@pytest.fixture
def seeded_copy(seeded_template: Path, tmp_path: Path) -> Iterator[Any]:
    """Services over this test's own copy of the database with the shipped content and demo
    accounts (password demo1234)."""
    yield from _services_from(seeded_template, tmp_path)


@pytest.fixture
def empty_services(_gui_templates: dict[str, Path], tmp_path: Path) -> Iterator[Any]:
    """Services over a migrated database with nobody in it (first start)."""
    yield from _services_from(_gui_templates["empty"], tmp_path)


@pytest.fixture
def services(_gui_templates: dict[str, Path], tmp_path: Path) -> Iterator[Any]:
    """Services over a database with brands qinyu/qingkuo, a team and boss/peixun/xiaoli."""
    yield from _services_from(_gui_templates["people"], tmp_path)


@dataclass(frozen=True)
class Accounts:
    """The people in the ``services`` database: (login, display name, password) each."""

    manager: tuple[str, str, str] = MANAGER
    trainer: tuple[str, str, str] = TRAINER
    trainee: tuple[str, str, str] = TRAINEE


@pytest.fixture
def accounts() -> Accounts:
    return Accounts()


@pytest.fixture
def login_as(services: Any) -> Callable[[tuple[str, str, str]], Any]:
    def do(who: tuple[str, str, str]) -> Any:
        return services.auth.login(who[0], who[2], source="test")

    return do


# --- the task runner ---------------------------------------------------------------------------------


@pytest.fixture
def runner(qapp: Any) -> Iterator[Any]:
    from cstrainer.gui.tasks import TaskRunner

    r = TaskRunner()
    yield r
    r.shutdown(timeout=10)
    r.deleteLater()


# --- prompts and errors ------------------------------------------------------------------------------


@dataclass
class FakePrompts:
    """Records every prompt; answers from the attributes below."""

    confirm_answer: bool = True
    directory: Path | None = None
    open_file: Path | None = None
    save_file: Path | None = None
    confirms: list[str] = field(default_factory=list)
    infos: list[str] = field(default_factory=list)
    abouts: list[str] = field(default_factory=list)

    def confirm(self, parent: Any, title: str, text: str, **kwargs: Any) -> bool:
        self.confirms.append(text)
        return self.confirm_answer

    def inform(self, parent: Any, title: str, text: str, **kwargs: Any) -> None:
        self.infos.append(text)

    def about(self, parent: Any, title: str, text: str) -> None:
        self.abouts.append(text)


@pytest.fixture(autouse=True)
def fake_prompts(monkeypatch: pytest.MonkeyPatch) -> FakePrompts:
    from cstrainer.gui import prompts

    fake = FakePrompts()
    monkeypatch.setattr(prompts, "confirm", fake.confirm)
    monkeypatch.setattr(prompts, "inform", fake.inform)
    monkeypatch.setattr(prompts, "about", fake.about)
    monkeypatch.setattr(prompts, "choose_directory", lambda *a, **k: fake.directory)
    monkeypatch.setattr(prompts, "choose_open_file", lambda *a, **k: fake.open_file)
    monkeypatch.setattr(prompts, "choose_save_file", lambda *a, **k: fake.save_file)
    return fake


class ShownErrors(list[BaseException]):
    """Errors that would have been shown in a dialog. A test that expects some sets ``expected``."""

    expected = False


@pytest.fixture(autouse=True)
def shown_errors(monkeypatch: pytest.MonkeyPatch) -> Iterator[ShownErrors]:
    """Record instead of showing error dialogs; an unexpected one fails the test at teardown."""
    from cstrainer.gui import errors

    seen = ShownErrors()
    real = errors.show_error

    def record(parent: Any, exc: BaseException, details: str | None = None) -> None:
        seen.append(exc)

    monkeypatch.setattr(errors, "show_error", record)
    record.real = real  # type: ignore[attr-defined]
    yield seen
    if seen and not seen.expected:
        pytest.fail(f"unexpected error dialog(s): {[f'{type(e).__name__}: {e}' for e in seen]}")


@pytest.fixture
def real_error_dialogs(monkeypatch: pytest.MonkeyPatch, shown_errors: list[BaseException]) -> None:
    from cstrainer.gui import errors

    monkeypatch.setattr(errors, "show_error", errors.show_error.real)  # type: ignore[attr-defined]


# --- screenshots ------------------------------------------------------------------------------------


@pytest.fixture
def screenshot(qapp: Any) -> Callable[[Any, str], Path | None]:
    """``screenshot(widget, "name")`` -> screenshots/name.png when CSTRAINER_SCREENSHOTS=1."""

    def save(widget: Any, name: str) -> Path | None:
        if os.environ.get("CSTRAINER_SCREENSHOTS") != "1":
            return None
        qapp.processEvents()
        SCREENSHOT_DIR.mkdir(exist_ok=True)
        path = SCREENSHOT_DIR / f"{name}.png"
        assert widget.grab().save(str(path)), f"could not save {path}"
        return path

    return save
