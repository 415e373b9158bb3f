"""Keep Python's cyclic garbage collector off the objects that live as long as the app.

A full collection walks every tracked object. After start-up and a page tour the GUI holds about
155,000 of them (a full pass: 80 ms, five frames), and a parsed 20,000-question bank well over a
million (a pass: 100-500 ms). Such passes came at random moments: the slow page switches and the
slow exam starts of the benchmarks. Objects that stay for the whole session (modules, classes,
pages, the parsed bank) are moved to the permanent generation with :func:`gc.freeze`; later
passes only walk what was made after. Frozen objects are still freed by reference counting when
the last reference goes (a replaced bank is); only a reference cycle among them would stay.
"""

from __future__ import annotations

import gc


def freeze_long_lived() -> None:
    """Collect the young generations (cheap), then freeze everything alive now."""
    gc.collect(1)
    gc.freeze()
