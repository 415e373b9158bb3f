"""Start-up stays light: pages, services and heavy libraries load when first needed (issue 9)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from cstrainer.gui.pages import load_builtin_pages
from cstrainer.gui.pages.registry import REGISTRY, LazyFactory
from cstrainer.gui.qt import QWidget

# What the login dialog and the main window with its first page must not import: each is loaded
# by the page or the job that needs it.
HEAVY = (
    "openpyxl",
    "PySide6.QtCharts",
    "alembic",
    "jieba",
    "pydantic",
    "cstrainer.services.analytics",
    "cstrainer.services.growth",
    "cstrainer.gui.pages.dashboard_page",
    "cstrainer.gui.pages.question_bank_page",
)


def _run(code: str) -> str:
    """What ``code`` prints, run in a new Python process (which must succeed)."""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_every_builtin_page_factory_names_a_widget_class() -> None:
    # A typo in the lazy table would only show when someone opens the page: check them all.
    load_builtin_pages()
    lazy = [spec for spec in REGISTRY.all() if isinstance(spec.factory, LazyFactory)]
    assert len(lazy) >= 19
    for spec in lazy:
        assert isinstance(spec.factory, LazyFactory)
        cls = spec.factory.load()
        assert isinstance(cls, type) and issubclass(cls, QWidget), spec.key


def test_the_start_up_path_does_not_import_heavy_modules() -> None:
    # GIVEN a new process that imports what the app imports up to the main window
    code = (
        "import sys\n"
        "import cstrainer.gui.app, cstrainer.gui.main_window, cstrainer.gui.login_dialog\n"
        "from cstrainer.gui.pages import load_builtin_pages\n"
        "load_builtin_pages()\n"
        "import cstrainer.gui.pages.tasks_page\n"
        f"print([m for m in {HEAVY!r} if m in sys.modules])\n"
    )
    # THEN none of the heavy modules is loaded
    assert _run(code).strip() == "[]"


def test_reading_stored_questions_does_not_load_the_pack_models() -> None:
    # Parsing the bank (the 考试 page warms it) reads stored, already validated data: the
    # pydantic pack models (about 10 MB) are for imports and edits only.
    code = (
        "import sys\n"
        "from types import SimpleNamespace\n"
        "from cstrainer.services.questions import question_from_row\n"
        "row = SimpleNamespace(key='q1', version=2, retired=False, data={'type': 'single',\n"
        "    'stem': '七天无理由退货从哪天算起？', 'options': [{'text': '签收次日', 'correct': True},\n"
        "    {'text': '下单当天'}]})\n"
        "q = question_from_row(row)\n"
        "print(q.key, q.version, len(q.options), 'pydantic' in sys.modules)\n"
    )
    assert _run(code).split() == ["q1", "2", "2", "False"]


def test_services_are_built_once_on_first_use(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'x.sqlite'}"
    code = (
        "import sys, threading\n"
        "from cstrainer.services import Services\n"
        "from cstrainer.storage.database import open_database\n"
        f"s = Services(open_database({url!r}))\n"
        "before = 'cstrainer.services.analytics' in sys.modules\n"
        "seen = []\n"
        "ts = [threading.Thread(target=lambda: seen.append(s.phrase_io)) for _ in range(8)]\n"
        "[t.start() for t in ts]; [t.join() for t in ts]\n"
        "print(before, len({id(x) for x in seen}), s.phrase_io is seen[0], s.analytics is s.analytics)\n"
    )
    assert _run(code).split() == ["False", "1", "True", "True"]


def test_importing_modules_after_qt_keeps_no_source_text() -> None:
    # PySide's import hook read every later module's source through linecache (about 35 MB kept
    # for the life of the app); cstrainer.gui.qt answers its question without caching.
    code = (
        "import linecache, sys\n"
        "import cstrainer.gui.qt\n"
        "import sqlalchemy.orm, openpyxl, cstrainer.services.analytics\n"
        "import shibokensupport.feature as f\n"
        "kept = [k for k in linecache.cache if k.endswith('.py') and ('sqlalchemy' in k or 'openpyxl' in k)]\n"
        "print(len(kept), f.pyside_feature_dict['openpyxl'])\n"
    )
    # and the answer is PySide's: openpyxl does not use Qt (-1: ignored)
    assert _run(code).split() == ["0", "-1"]
