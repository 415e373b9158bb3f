"""Guards against two known hazards of running PySide6 in a threaded Python app.

1. Garbage collection on a worker thread. Python's cyclic collector runs on whichever thread
   happens to allocate when a threshold is crossed. If that is the database worker and the cycle
   holds a Qt widget wrapper, the widget is destroyed off the GUI thread, which Qt forbids and
   which crashes at random. :class:`GuiGarbageCollector` turns automatic collection off and runs
   it from a timer on the GUI thread instead (the approach Anki and other PyQt apps take).

2. PySide6 6.12 on CPython 3.11 sometimes releases one reference too many of ``None``,
   ``True`` or ``False`` (a binding bug that 3.12's immortal objects make harmless). When such a
   count reaches zero CPython aborts with "deallocating None". :func:`protect_singletons` gives
   those three objects a very large reference count once, the same effect immortality has.
"""

from __future__ import annotations

import ctypes
import gc
import logging
import sys

from cstrainer.gui.qt import QObject, QTimer

log = logging.getLogger(__name__)

_PROTECTED = False
_EXTRA_REFERENCES = 1 << 40


def protect_singletons() -> None:
    """On CPython < 3.12, make None/True/False practically immortal (idempotent)."""
    global _PROTECTED
    if _PROTECTED or sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        return
    for obj in (None, True, False):
        refcount = ctypes.c_ssize_t.from_address(id(obj))
        refcount.value += _EXTRA_REFERENCES
    _PROTECTED = True


class GuiGarbageCollector(QObject):
    """Runs Python's cyclic garbage collector on the GUI thread only."""

    INTERVAL_MS = 1000

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._was_enabled = gc.isenabled()
        self._timer = QTimer(self)
        self._timer.setInterval(self.INTERVAL_MS)
        self._timer.timeout.connect(self.check)
        self._threshold = gc.get_threshold()

    def start(self) -> None:
        gc.disable()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()
        if self._was_enabled:
            gc.enable()

    def check(self) -> None:
        """Collect the generations whose thresholds were crossed, as automatic gc would."""
        first, second, third = gc.get_count()
        if first > self._threshold[0]:
            generation = 0
            if second > self._threshold[1]:
                generation = 1
                if third > self._threshold[2]:
                    generation = 2
            gc.collect(generation)
