"""Fixtures for the text tests.

The root conftest gives every test its own CSTRAINER_HOME; here all text tests share one per
session instead, so the 9 MB jieba cache is built once (still never in the real user folders).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from cstrainer.text.segment import Segmenter, default_segmenter


@pytest.fixture(scope="session")
def session_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One CSTRAINER_HOME per test session, so the jieba cache is built once, never in user dirs."""
    return tmp_path_factory.mktemp("cstrainer-home")


@pytest.fixture(autouse=True)
def _text_session_home(session_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CSTRAINER_HOME", str(session_home))


@pytest.fixture(scope="session")
def segmenter(session_home: Path) -> Iterator[Segmenter]:
    """The default segmenter, loaded once, with its cache in the session's temporary home."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CSTRAINER_HOME", str(session_home))
        seg = default_segmenter()
        seg.ensure_ready()
    yield seg
