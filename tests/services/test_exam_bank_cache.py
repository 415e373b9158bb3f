"""The exam service's process-wide cache of the parsed question bank (cstrainer/services/exams.py).

Every kind of change to the questions table must be seen by the next draw: an edit, a retirement,
an import, a change by another PC on the same database (another ``Services`` on the same URL, or
plain SQL), even from a PC whose clock is behind. Each test compares the cached bank with one
loaded from scratch.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text, update

from cstrainer.domain.questions import Option
from cstrainer.services import SYSTEM, Services
from cstrainer.services import exams as exam_module
from cstrainer.services.errors import ValidationFailed
from cstrainer.storage.database import open_database
from cstrainer.storage.models import Question as QuestionRow
from cstrainer.storage.models import utcnow
from tests.services.exam_fixtures import QUESTIONS, exam_item, make_bank


def _cached(services: Any) -> Any:
    with services.db.session() as s:
        return exam_module.bank_snapshot(services.db, s)


def _fresh(services: Any) -> Any:
    exam_module.clear_bank_cache()
    return _cached(services)


def _same(a: Any, b: Any) -> None:
    assert a.index.by_key == b.index.by_key
    assert [(q.key, brand) for _, q, brand in a.rows.values()] == [
        (q.key, brand) for _, q, brand in b.rows.values()
    ]


@pytest.fixture
def bank(services: Any) -> dict[str, Any]:
    exam_module.clear_bank_cache()
    return make_bank(services)


def test_an_unchanged_bank_is_parsed_once_and_an_edit_reparses_only_that_question(
    services: Any, bank: dict[str, Any]
) -> None:
    first = _cached(services)
    assert _cached(services) is first
    assert set(first.index.by_key) == {q.key for q in QUESTIONS}
    # WHEN a trainer edits one question (not on any paper yet: the version stays 1)
    old = services.questions.get(bank["boss"], "t-single")
    options = (*old.options, Option("99 元"))
    services.questions.save(bank["boss"], old.with_changes(options=options))
    # THEN the next draw sees the new options; the other questions were not parsed again
    after = _cached(services)
    assert after is not first
    assert len(after.index.get("t-single").options) == 5
    assert after.index.get("t-single").version == 1
    assert after.index.get("t-tf") is first.index.get("t-tf")
    _same(after, _fresh(services))


def test_retiring_and_restoring_a_question(services: Any, bank: dict[str, Any]) -> None:
    _cached(services)
    services.questions.bulk_update(bank["boss"], ["t-fill"], retired=True)
    assert _cached(services).index.get("t-fill") is None
    services.exams.save_exam(bank["boss"], exam_item(questions=["t-single", "t-tf"]))
    with pytest.raises(ValidationFailed, match="t-fill"):
        services.exams.save_exam(bank["boss"], exam_item(questions=["t-single", "t-fill"]))
    services.questions.bulk_update(bank["boss"], ["t-fill"], retired=False)
    assert _cached(services).index.get("t-fill") is not None
    _same(_cached(services), _fresh(services))


@pytest.mark.parametrize("one_pass", [False, True], ids=["by-id", "one-pass"])
def test_an_import_adds_and_updates_questions(
    services: Any, bank: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, one_pass: bool
) -> None:
    if one_pass:  # as after a large import: changed questions are re-read in one pass
        monkeypatch.setattr(exam_module, "_ONE_PASS_ABOVE", 0)
    _cached(services)
    path = tmp_path / "bank.yaml"
    services.questions.export_file(bank["boss"], path, format="yaml", keys=["t-tf"])
    content = path.read_text(encoding="utf-8")
    path.write_text(content.replace("t-tf", "t-tf-2"), encoding="utf-8")
    services.questions.import_file(bank["boss"], path)
    assert _cached(services).index.get("t-tf-2") is not None
    # a second import of the same key with a new stem updates it
    path.write_text(
        content.replace("t-tf", "t-tf-2").replace("一律支持", "都支持"),
        encoding="utf-8",
    )
    services.questions.import_file(bank["boss"], path)
    assert "都支持" in _cached(services).index.get("t-tf-2").stem
    _same(_cached(services), _fresh(services))


def test_changes_by_another_pc_on_the_same_database(services: Any, bank: dict[str, Any]) -> None:
    before = _cached(services)
    other = Services(open_database(services.db.url))
    try:
        # another PC's app edits a question and retires another
        q = other.questions.get(SYSTEM, "t-num")
        other.questions.save(SYSTEM, q.with_changes(stem="另一台电脑改过的题干"))
        other.questions.bulk_update(SYSTEM, ["t-match"], retired=True)
    finally:
        other.close()
    after = _cached(services)
    assert after.index.get("t-num").stem == "另一台电脑改过的题干"
    assert after.index.get("t-match") is None and before.index.get("t-match") is not None
    _same(after, _fresh(services))


def test_plain_sql_from_another_connection(services: Any, bank: dict[str, Any]) -> None:
    _cached(services)
    engine = open_database(services.db.url).engine  # a separate engine, as on another PC
    try:
        # an UPDATE through SQLAlchemy Core (updated_at set by its onupdate)
        with engine.begin() as c:
            data = c.scalar(select(QuestionRow.data).where(QuestionRow.key == "t-fill"))
            c.execute(
                update(QuestionRow)
                .where(QuestionRow.key == "t-fill")
                .values(data={**data, "category": "平台规则"}, category="平台规则")
            )
        assert _cached(services).index.get("t-fill").category == "平台规则"
        # a hand-written UPDATE of the retired flag only
        with engine.begin() as c:
            c.execute(text("UPDATE questions SET retired = :r WHERE key = 't-short'"), {"r": True})
        assert _cached(services).index.get("t-short") is None
        # a DELETE of a question no paper uses
        with engine.begin() as c:
            c.execute(text("DELETE FROM questions WHERE key = 't-match'"))
        assert _cached(services).index.get("t-match") is None
        _same(_cached(services), _fresh(services))
    finally:
        engine.dispose()


def test_an_edit_from_a_pc_whose_clock_is_behind(services: Any, bank: dict[str, Any]) -> None:
    # GIVEN a bank whose latest change is "now"
    _cached(services)
    engine = open_database(services.db.url).engine
    try:
        # WHEN a PC whose clock is an hour behind edits an older question: the latest updated_at
        # of the table does not move
        past = utcnow() - timedelta(hours=1)
        with engine.begin() as c:
            data = c.scalar(select(QuestionRow.data).where(QuestionRow.key == "t-tf"))
            c.execute(
                update(QuestionRow)
                .where(QuestionRow.key == "t-tf")
                .values(data={**data, "category": "企业文化"}, category="企业文化", updated_at=past)
            )
        # THEN the bank is still reloaded (the stamp sums every updated_at)
        assert _cached(services).index.get("t-tf").category == "企业文化"
    finally:
        engine.dispose()


def test_a_paper_drawn_from_the_cache_equals_one_drawn_without_it(
    services: Any, bank: dict[str, Any]
) -> None:
    services.exams.save_exam(
        bank["boss"],
        exam_item(
            questions=[],
            draw=[{"category": "产品知识", "count": 2}, {"category": "平台规则", "count": 2}],
            shuffle_questions=True,
            attempts_allowed=3,
        ),
    )
    exam_module.clear_bank_cache()
    cold = services.exams.start(bank["xinren"], "exam-test", seed=11)
    warm = services.exams.start(bank["other"], "exam-test", seed=11)

    def paper(view: Any) -> list[Any]:
        return [(i.view.key, i.view.option_order, i.view.right_order, i.view.points) for i in view.items]

    assert paper(cold) == paper(warm)
    assert {i.view.category for i in cold.items} == {"产品知识", "平台规则"}


def test_a_large_bank_is_kept_out_of_gc_passes_and_a_replaced_one_is_still_freed(
    services: Any, bank: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    import gc
    import weakref

    monkeypatch.setattr(exam_module, "_FREEZE_FROM", 1)  # the test bank counts as large
    gc.unfreeze()
    first = _cached(services)
    assert gc.get_freeze_count() > 0  # frozen: full GC passes no longer walk the parsed bank
    gone = weakref.ref(first)
    old = services.questions.get(bank["boss"], "t-single")
    services.questions.save(bank["boss"], old.with_changes(options=(*old.options, Option("99 元"))))
    assert _cached(services) is not first
    del first
    assert gone() is None  # reference counting still frees the snapshot it replaced


def test_a_small_bank_is_not_frozen(services: Any, bank: dict[str, Any]) -> None:
    import gc

    gc.unfreeze()
    _cached(services)
    assert gc.get_freeze_count() == 0
