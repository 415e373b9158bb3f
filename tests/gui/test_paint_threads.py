"""Painting stays on the UI thread: the GUI turns off Qt's raster thread pool (see gui/qt.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.gui

ROOT = Path(__file__).resolve().parents[2]

PAINT = """
import os, sys
if sys.argv[1] == "app":
    import cstrainer.gui.qt  # noqa: F401 - what the app imports first
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QApplication
app = QApplication([])
image = QImage(900, 900, QImage.Format.Format_ARGB32_Premultiplied)
painter = QPainter(image)
for _ in range(3):
    painter.fillRect(0, 0, 900, 900, QColor(10, 20, 30, 128))  # a tall fill: split into tasks
painter.end()
names = [open(f"/proc/self/task/{t}/comm").read().strip() for t in os.listdir("/proc/self/task")]
print(sum(name == "Thread (pooled)" for name in names))
"""


def _pooled_threads(mode: str) -> int:
    env = {k: v for k, v in os.environ.items() if k != "QT_NO_GUI_THREADPOOL"}
    env["QT_QPA_PLATFORM"] = "offscreen"
    done = subprocess.run(
        [sys.executable, "-c", PAINT, mode], env=env, cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return int(done.stdout.strip().splitlines()[-1])


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="counts threads through /proc")
def test_the_app_paints_without_qts_thread_pool() -> None:
    assert _pooled_threads("plain") > 0  # Qt alone splits the fill over its pool ...
    assert _pooled_threads("app") == 0  # ... the app's Qt module turns that off
