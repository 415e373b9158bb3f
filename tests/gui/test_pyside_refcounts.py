"""The Qt binding must not lose references to None (PySide6 6.12.0 on Python 3.11 did).

Every call of a Qt method that returns nothing (``setText``, ``setVisible``, ``setData`` ...) gave
back None without counting the reference. On Python 3.12 and later None is immortal and nothing
happens; on 3.11 its count falls by one per call until the interpreter aborts with
"deallocating None" - in the app, after some thousands of clicks and keystrokes. pyproject.toml
excludes that release; this test catches another one like it.
"""

from __future__ import annotations

import sys
from typing import Any

from cstrainer.gui.qt import QLabel, QTableWidgetItem, QWidget


def test_void_qt_calls_keep_the_reference_count_of_none(qtbot: Any) -> None:
    widget = QWidget()
    qtbot.addWidget(widget)
    label = QLabel(widget)
    item = QTableWidgetItem("甲")
    calls = (
        lambda: label.setText("亲，您好"),
        lambda: widget.setVisible(False),
        lambda: widget.resize(10, 10),
        lambda: item.setData(257, "乙"),
    )
    for call in calls:
        before = sys.getrefcount(None)
        for _ in range(500):
            call()
        # a few references may come and go elsewhere; 500 lost ones cannot hide
        assert sys.getrefcount(None) - before > -100, call
