"""Shared fixtures.

- Every test gets its own ``CSTRAINER_HOME`` so nothing touches the real user folders.
- ``db_url`` gives a fresh, migrated, empty database: SQLite always, and PostgreSQL as well when
  ``CSTRAINER_TEST_PG_URL`` is set (CI sets it). The empty database is built once per session and
  copied per test (a file copy for SQLite, ``CREATE DATABASE ... TEMPLATE`` for PostgreSQL).
- ``seeded_url`` is the same with the shipped content packs and the demo accounts imported.
"""

from __future__ import annotations

import gc
import logging
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Cheap argon2 parameters keep the many logins of the suite fast (see cstrainer/services/passwords.py);
# tests/services/test_passwords.py checks the real parameters.
os.environ["CSTRAINER_ARGON2"] = "cheap"

PG_URL = os.environ.get("CSTRAINER_TEST_PG_URL")
BACKENDS = ["sqlite", "postgresql"] if PG_URL else ["sqlite"]
DEMO_PASSWORD = "demo1234"


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("CSTRAINER_HOME", str(home))
    monkeypatch.delenv("CSTRAINER_DB_URL", raising=False)
    monkeypatch.delenv("CSTRAINER_USER", raising=False)
    monkeypatch.delenv("CSTRAINER_PASSWORD", raising=False)
    return home


# --- PostgreSQL helpers ------------------------------------------------------------------------


def _pg_admin_engine():  # type: ignore[no-untyped-def]
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    from cstrainer.storage.engine import normalise_url

    assert PG_URL
    admin = normalise_url(make_url(PG_URL)).set(database="postgres")
    return create_engine(admin, isolation_level="AUTOCOMMIT")


def _pg_url_for(name: str) -> str:
    from sqlalchemy.engine import make_url

    from cstrainer.storage.engine import normalise_url

    assert PG_URL
    return normalise_url(make_url(PG_URL)).set(database=name).render_as_string(hide_password=False)


def _pg_clone(template: str, name: str) -> str:
    from sqlalchemy import text

    eng = _pg_admin_engine()
    with eng.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        c.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    eng.dispose()
    return _pg_url_for(name)


def _pg_drop(name: str) -> None:
    from sqlalchemy import text

    eng = _pg_admin_engine()
    with eng.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    eng.dispose()


def _build_template(backend: str, folder: Path, *, seeded: bool) -> str:
    """Create a migrated (and optionally seeded) database once; returns its file path or DB name."""
    from cstrainer.services import Services
    from cstrainer.storage.database import open_database

    suffix = "seeded" if seeded else "empty"
    if backend == "sqlite":
        path = folder / f"template-{suffix}.sqlite"
        url = f"sqlite:///{path}"
    else:
        name = f"cstrainer_tmpl_{suffix}_{os.getpid()}"
        _pg_drop(name)
        from sqlalchemy import text

        eng = _pg_admin_engine()
        with eng.connect() as c:
            c.execute(text(f'CREATE DATABASE "{name}"'))
        eng.dispose()
        url = _pg_url_for(name)
    services = Services(open_database(url))
    if seeded:
        services.content.seed_if_empty(include_demo=True)
    services.close()
    if backend == "sqlite":
        import sqlite3

        con = sqlite3.connect(path)
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        con.execute("PRAGMA journal_mode=DELETE")
        con.close()
        return str(path)
    return name


class _Templates:
    """Template databases, each built on first use and then reused for the whole session."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.built: dict[tuple[str, bool], str] = {}

    def get(self, backend: str, seeded: bool) -> str:
        if (backend, seeded) not in self.built:
            old = os.environ.get("CSTRAINER_HOME")
            os.environ["CSTRAINER_HOME"] = str(self.folder / "home")
            try:
                self.built[(backend, seeded)] = _build_template(backend, self.folder, seeded=seeded)
            finally:
                if old is None:
                    os.environ.pop("CSTRAINER_HOME", None)
                else:
                    os.environ["CSTRAINER_HOME"] = old
        return self.built[(backend, seeded)]

    def drop_all(self) -> None:
        for (backend, _), name in self.built.items():
            if backend == "postgresql":
                _pg_drop(name)


@pytest.fixture(scope="session")
def _templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[_Templates]:
    templates = _Templates(tmp_path_factory.mktemp("templates"))
    yield templates
    templates.drop_all()


def _fresh(templates: _Templates, backend: str, seeded: bool, tmp_path: Path) -> Iterator[str]:
    template = templates.get(backend, seeded)
    if backend == "sqlite":
        path = tmp_path / ("seeded.sqlite" if seeded else "empty.sqlite")
        shutil.copyfile(template, path)
        yield f"sqlite:///{path}"
        return
    name = f"cstrainer_t_{uuid.uuid4().hex[:10]}"
    url = _pg_clone(template, name)
    try:
        yield url
    finally:
        _pg_drop(name)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def db_url(_templates: _Templates, backend: str, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database at the head revision (on each backend)."""
    yield from _fresh(_templates, backend, False, tmp_path)


@pytest.fixture
def seeded_url(_templates: _Templates, backend: str, tmp_path: Path) -> Iterator[str]:
    """A fresh database with the shipped content and the demo accounts (password demo1234)."""
    yield from _fresh(_templates, backend, True, tmp_path)


@pytest.fixture
def services(db_url: str) -> Iterator[object]:
    from cstrainer.services import Services
    from cstrainer.storage.database import open_database

    s = Services(open_database(db_url))
    yield s
    s.close()


@pytest.fixture
def seeded(seeded_url: str) -> Iterator[object]:
    from cstrainer.services import Services
    from cstrainer.storage.database import open_database

    s = Services(open_database(seeded_url))
    yield s
    s.close()


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh, EMPTY PostgreSQL database (not migrated), for tests of opening/migrating."""
    if not PG_URL:
        pytest.skip("CSTRAINER_TEST_PG_URL is not set")
    from sqlalchemy import text

    name = f"cstrainer_e_{uuid.uuid4().hex[:10]}"
    eng = _pg_admin_engine()
    with eng.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    eng.dispose()
    try:
        yield _pg_url_for(name)
    finally:
        _pg_drop(name)


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    """Give the root logger back as it was: a test that runs the app or the CLI in-process calls
    setup_logging, whose console handler would otherwise outlive the test's captured stderr (a
    later debug line then printed "--- Logging error ---" into another test's output)."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for h in list(root.handlers):
        if h not in handlers:
            root.removeHandler(h)
            h.close()
    for h in handlers:
        if h not in root.handlers:
            root.addHandler(h)
    root.setLevel(level)
    logging.captureWarnings(False)


@pytest.fixture(autouse=True)
def unfreeze_gc() -> Iterator[None]:
    """The app moves long-lived objects out of the GC's reach (cstrainer.gc_freeze); in the test
    session nothing lives long, so each test gives them back and one test's garbage is not kept
    for the rest of the session."""
    yield
    if gc.get_freeze_count():
        gc.unfreeze()
