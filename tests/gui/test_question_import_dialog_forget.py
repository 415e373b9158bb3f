"""Closing the question import dialog after a preview, without importing, drops what the
preview kept for the import (the parsed file and its segmentation worker)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cstrainer.formats.question_io import write_questions
from cstrainer.gui.context import PageContext
from cstrainer.gui.pages.question_import_dialog import QuestionImportDialog
from cstrainer.services import questions as module
from tests.services.exam_fixtures import QUESTIONS


def test_closing_after_a_preview_forgets_it(
    qtbot: Any,
    seeded: Any,
    runner: Any,
    tmp_path: Path,
    monkeypatch: Any,
    screenshot: Any,
) -> None:
    monkeypatch.setattr(module, "_WORKER_MIN_BYTES", 0)  # with a worker, as for a big file
    path = tmp_path / "bank.csv"
    write_questions([q.with_changes(key=f"forget-{i}") for i, q in enumerate(QUESTIONS)], path)
    actor = seeded.auth.login("peixun", "demo1234", source="test")
    dialog = QuestionImportDialog(PageContext(seeded, runner, actor))
    qtbot.addWidget(dialog)
    dialog.set_file(path)
    qtbot.waitUntil(lambda: dialog.report is not None, timeout=15000)
    kept = seeded.questions._parsed
    assert kept is not None and kept[2] is not None
    dialog.show()
    screenshot(dialog, "question_import_preview")
    dialog.reject()
    assert seeded.questions._parsed is None
    assert kept[2]._process.returncode is not None
