"""The question import with its segmentation worker (a process cutting the file's texts while it
is read; cstrainer/services/questions.py _start_worker) stores exactly what the in-process
import stores, and still imports when the worker fails or cannot start; the preview's work
(worker, question bodies) goes only to the import of the same file with the same defaults."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from cstrainer.domain.questions import Question
from cstrainer.formats.question_io import write_questions
from cstrainer.services import questions as module
from cstrainer.services.questions import question_from_row, search_text_of, stem_fingerprint
from cstrainer.storage.models import Question as QuestionRow
from cstrainer.text import search_cache
from tests.services.exam_fixtures import QUESTIONS, make_bank
from tests.services.test_import_perf_equivalence import _questions


@pytest.fixture
def bank(services: Any, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    monkeypatch.setattr(module, "_WORKER_MIN_BYTES", 0)  # a worker for every xlsx / CSV file
    return {"s": services, **make_bank(services)}


def _file(tmp_path: Path, name: str = "bank.xlsx") -> tuple[Path, list[Question]]:
    questions = [
        *(q.with_changes(explanation=f"{q.explanation}（改）") for q in QUESTIONS[:2]),
        *_questions(),
        *(q.with_changes(key="", category="") for q in _questions()[:2]),  # keys made, no category
    ]
    path = tmp_path / name
    write_questions(questions, path)
    return path, questions


def _check_stored(s: Any, keys: list[str]) -> None:
    with s.db.session() as session:
        rows = {r.key: r for r in session.scalars(select(QuestionRow).where(QuestionRow.key.in_(keys)))}
        assert sorted(rows) == sorted(keys)
        for row in rows.values():
            q = question_from_row(row)
            assert row.search_text == search_text_of(q)  # as the in-process import indexes it
            assert row.stem_fp == stem_fingerprint(q.stem)[:512]


def _spy(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Wait for the worker's answer as each import's term cache is made; record if it came."""
    taken: list[bool] = []
    original = module._TermCache.__init__

    def init(self: Any, worker: Any = None) -> None:
        original(self, worker)
        taken.append(worker is not None and self.take_worker_answer(timeout=60))

    monkeypatch.setattr(module._TermCache, "__init__", init)
    return taken


def test_the_import_with_the_worker_stores_what_the_import_without_stores(
    bank: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    s, t = bank["s"], bank["peixun"]
    taken = _spy(monkeypatch)
    path, _ = _file(tmp_path)
    preview = s.questions.import_file(t, path, dry_run=True)
    kept = s.questions._parsed
    assert kept is not None and kept[2] is not None  # the preview's worker, for the import
    report = s.questions.import_file(t, path)
    assert taken == [True]  # the worker's terms were used
    assert (report.added, report.updated) == (preview.added, preview.updated)
    assert len(report.updated) == 2 and len(report.added) == len(_questions()) + 2
    assert kept[2]._process.returncode is not None  # stopped after the import
    _check_stored(s, report.added + report.updated)
    assert [x.key for x in s.questions.search(t, "运费险")]  # findable at once

    csv_path, _ = _file(tmp_path, "bank.csv")  # CSV too, straight to the import
    write_questions([q.with_changes(stem=q.stem + "（CSV）") for q in _questions()], csv_path)
    report = s.questions.import_file(t, csv_path)
    assert taken == [True, True] and report.updated
    _check_stored(s, report.updated)


@pytest.mark.parametrize("how", ["fails", "cannot start"])
def test_the_import_still_works_without_its_worker(
    bank: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    s, t = bank["s"], bank["peixun"]
    if how == "fails":
        monkeypatch.setattr(search_cache, "_WORKER_CODE", "import sys; sys.exit(3)")
    else:
        monkeypatch.setattr(search_cache.BlockTermsWorker, "start", classmethod(lambda cls, seg=None: None))
    taken = _spy(monkeypatch)
    path, _ = _file(tmp_path)
    s.questions.import_file(t, path, dry_run=True)
    report = s.questions.import_file(t, path)
    assert taken == [False]
    _check_stored(s, report.added + report.updated)


def test_the_preview_work_goes_only_to_the_same_defaults(
    bank: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    s, t = bank["s"], bank["peixun"]
    monkeypatch.setattr(module, "_WORKER_MIN_BYTES", 1 << 40)  # no worker needed here
    path, questions = _file(tmp_path)
    made = [q for q in s.questions.import_file(t, path, dry_run=True).questions if q.key.startswith("q-")]
    assert [q.category for q in made] == [module.UNCATEGORISED] * 2

    s.questions.import_file(t, path, dry_run=True, defaults={"category": "企业文化"})
    report = s.questions.import_file(t, path, defaults={"category": "产品知识"})  # changed defaults
    with s.db.session() as session:
        stored = {r.key: r.category for r in session.scalars(select(QuestionRow))}
    assert [stored[q.key] for q in made] == ["产品知识"] * 2
    assert [q.category for q in report.questions if q.key.startswith("q-")] == ["产品知识"] * 2

    path.unlink()
    path, _ = _file(tmp_path, "other.xlsx")
    write_questions([q.with_changes(explanation="同样的默认值") for q in questions], path)
    preview = s.questions.import_file(t, path, dry_run=True, defaults={"category": "企业文化"})
    kept = s.questions._parsed
    assert kept is not None and "bodies" in kept[3]
    report = s.questions.import_file(t, path, defaults={"category": "企业文化"})
    assert report.questions == preview.questions and report.questions is not preview.questions
    _check_stored(s, report.updated)
    with s.db.session() as session:
        stored = {r.key: r.category for r in session.scalars(select(QuestionRow))}
    assert [stored[q.key] for q in made] == ["企业文化"] * 2


def test_a_new_preview_stops_the_last_ones_worker(bank: dict[str, Any], tmp_path: Path) -> None:
    s, t = bank["s"], bank["peixun"]
    first, _ = _file(tmp_path, "first.csv")
    second, _ = _file(tmp_path, "second.csv")
    s.questions.import_file(t, first, dry_run=True)
    kept = s.questions._parsed
    assert kept is not None and kept[2] is not None
    s.questions.import_file(t, second, dry_run=True)
    assert kept[2]._process.returncode is not None
    newer = s.questions._parsed
    assert newer is not None and newer[2] is not None and newer[2] is not kept[2]
    newer[2].close()


def test_forgetting_the_preview_stops_its_worker(bank: dict[str, Any], tmp_path: Path) -> None:
    s, t = bank["s"], bank["peixun"]
    path, _ = _file(tmp_path, "first.csv")
    s.questions.import_file(t, path, dry_run=True)
    kept = s.questions._parsed
    assert kept is not None and kept[2] is not None
    s.questions.forget_preview()
    assert s.questions._parsed is None and kept[2]._process.returncode is not None
    s.questions.forget_preview()  # nothing kept: nothing to do


@pytest.mark.parametrize("enabled", [True, False])
def test_the_import_gives_the_garbage_collector_back_as_it_was(
    bank: dict[str, Any], tmp_path: Path, enabled: bool
) -> None:
    import gc

    from cstrainer.services.errors import ValidationFailed

    s, t = bank["s"], bank["peixun"]
    seen: list[bool] = []
    original = s.questions._import_file

    def spy(*args: Any, **kwargs: Any) -> Any:
        seen.append(gc.isenabled())
        return original(*args, **kwargs)

    s.questions._import_file = spy
    path = tmp_path / "bank.csv"
    write_questions(_questions()[:2], path)
    was = gc.isenabled()
    try:
        gc.enable() if enabled else gc.disable()
        s.questions.import_file(t, path)
        assert gc.isenabled() is enabled
        with pytest.raises(ValidationFailed):  # a failing import too
            s.questions.import_file(t, path, defaults={"brand": "nobrand"})
        assert gc.isenabled() is enabled
    finally:
        gc.enable() if was else gc.disable()
    assert seen == [False, False]  # paused while importing
