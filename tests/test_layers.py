"""The layer rule: everything outside cstrainer.gui imports without Qt (DESIGN.md)."""

from __future__ import annotations

import subprocess
import sys

SCRIPT = r"""
import importlib, pkgutil, sys
import cstrainer
names = []
# walk_packages imports every package it walks into, so the GUI's packages must stay Qt-free
# at package level too (their __init__ files import nothing).
for m in pkgutil.walk_packages(cstrainer.__path__, "cstrainer."):
    if m.name.startswith("cstrainer.gui") or m.name.endswith("__main__"):
        continue
    importlib.import_module(m.name)
    names.append(m.name)
assert "cstrainer.services" in names and "cstrainer.cli" in names, names
qt = sorted(n for n in sys.modules if n.startswith(("PySide6", "shiboken6")))
print(len(names), qt)
sys.exit(1 if qt else 0)
"""


def test_no_module_outside_gui_loads_pyside6() -> None:
    result = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_services_import_is_qt_free() -> None:
    code = "import cstrainer.services, sys; assert 'PySide6' not in sys.modules"
    assert subprocess.run([sys.executable, "-c", code], timeout=60).returncode == 0
