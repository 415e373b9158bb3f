"""Widgets shared by several pages: :class:`QuestionWidget` shows and answers one question.

Names are loaded on first use (PEP 562): importing the package itself must not load Qt, because
``pkgutil.walk_packages`` imports every package it walks (tests/test_layers.py walks ``cstrainer``
to prove that nothing outside the GUI needs Qt).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cstrainer.gui.widgets.question_widget import QuestionWidget, ResultMarks, is_answered

__all__ = ["QuestionWidget", "ResultMarks", "is_answered"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        return getattr(importlib.import_module("cstrainer.gui.widgets.question_widget"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
