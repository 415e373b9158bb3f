"""Main-window pages. The built-in ones are registered in :mod:`registry` (each page's module is
imported the first time the page is opened); the main window calls :func:`load_builtin_pages`
before building its navigation.

This package file imports nothing at package level (tests/test_layers.py imports it without Qt).
"""

from __future__ import annotations

import importlib


def load_builtin_pages() -> None:
    """Make sure the built-in pages are registered (importing the registry registers them)."""
    importlib.import_module("cstrainer.gui.pages.registry")
