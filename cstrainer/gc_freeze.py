"""The app's control of Python's cyclic garbage collector, in one place.

* Objects that live as long as the app are kept out of full passes (:func:`freeze_long_lived`).
  A full collection walks every tracked object. After start-up and a page tour the GUI holds
  about 155,000 of them (a full pass: 80 ms, five frames), and a parsed 20,000-question bank
  well over a million (a pass: 100-500 ms). Such passes came at random moments: the slow page
  switches and the slow exam starts of the benchmarks. Objects that stay for the whole session
  (modules, classes, pages, the parsed bank) are moved to the permanent generation with
  :func:`gc.freeze`; later passes only walk what was made after. Frozen objects are still freed
  by reference counting when the last reference goes (a replaced bank is); only a reference cycle
  among them would stay.
* An import pauses automatic collection while it runs (:func:`automatic_gc_paused`).

The GUI itself runs collections on a timer on its own thread (gui/runtime_guards.py).
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager


def freeze_long_lived() -> None:
    """Collect the young generations (cheap), then freeze everything alive now."""
    gc.collect(1)
    gc.freeze()


_lock = threading.Lock()
_paused_by = 0  # callers running with the automatic collection paused
_was_enabled = False


@contextmanager
def automatic_gc_paused() -> Iterator[None]:
    """Python's automatic (cyclic) garbage collection off while the block runs, as it was after.

    An import makes about a million objects that live until it ends (rows, cells, questions,
    terms); each full collection on the way walks all of them, which took a third of the time
    of a 10,000-row import. Nothing an import makes needs the cycle collector to be freed in
    time (reference counting frees the rest as usual); the next automatic collection after the
    import finds any cycles. In the GUI automatic collection is already off (runtime_guards):
    then this changes nothing. Nested and concurrent blocks are counted."""
    global _paused_by, _was_enabled
    with _lock:
        if _paused_by == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _paused_by += 1
    try:
        yield
    finally:
        with _lock:
            _paused_by -= 1
            if _paused_by == 0 and _was_enabled:
                gc.enable()
