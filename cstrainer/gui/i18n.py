"""UI language: Chinese by default, with Qt's own strings (OK, Cancel, Show Details...) to match.

Source strings are Chinese and go through ``tr()`` / ``QCoreApplication.translate``. An English
build ships ``cstrainer/gui/translations/cstrainer_en.qm`` (made with pyside6-lupdate and
pyside6-lrelease from the sources); ``CSTRAINER_LANG=en`` selects it. For Chinese nothing of ours
needs loading, only Qt's ``qtbase_zh_CN.qm`` so standard buttons are not left in English.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from cstrainer.gui.qt import QCoreApplication, QLibraryInfo, QTranslator

log = logging.getLogger(__name__)

DEFAULT_LANGUAGE = "zh_CN"
TRANSLATIONS_DIR = Path(__file__).resolve().parent / "translations"

_installed: list[QTranslator] = []  # QCoreApplication does not own translators: keep them alive


def ui_language() -> str:
    return os.environ.get("CSTRAINER_LANG", "").strip() or DEFAULT_LANGUAGE


def install_translators(app: QCoreApplication, language: str | None = None) -> list[str]:
    """Load Qt's and our translations for ``language``; returns the names of the files loaded."""
    language = language or ui_language()
    for translator in _installed:
        app.removeTranslator(translator)
    _installed.clear()
    loaded: list[str] = []
    qt_dir = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    candidates = [(f"qtbase_{language}", qt_dir), (f"cstrainer_{language}", str(TRANSLATIONS_DIR))]
    for name, folder in candidates:
        translator = QTranslator(app)
        if translator.load(name, folder):
            app.installTranslator(translator)
            _installed.append(translator)
            loaded.append(name)
    log.info("UI language %s (translations: %s)", language, ", ".join(loaded) or "none")
    return loaded
