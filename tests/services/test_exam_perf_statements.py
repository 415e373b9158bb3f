"""Starting, viewing and submitting an exam issue a fixed number of SQL statements, whatever the
number of questions (they used to issue several per question: about 7 per question to submit)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from cstrainer.storage.models import utcnow
from tests.services.exam_fixtures import QUESTIONS, exam_item, make_bank

# Answers for the fixture bank: some right, some wrong (wrong-answer book rows), some blank.
ANSWERS = {"t-single": 1, "t-multi": [0, 1], "t-tf": True, "t-fill": ["20"], "t-num": "80"}


@contextmanager
def counting(services: Any) -> Iterator[list[str]]:
    seen: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    event.listen(services.db.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(services.db.engine, "before_cursor_execute", count)


def _sit(services: Any, actors: dict[str, Any], login: str, keys: list[str]) -> tuple[int, int, int]:
    """Statements to start, re-open and submit a paper of ``keys``."""
    exam_key = f"exam-{login}"
    services.exams.save_exam(actors["boss"], exam_item(key=exam_key, questions=keys))
    with counting(services) as started:
        view = services.exams.start(actors[login], exam_key, seed=3)
    for item in view.items:
        if item.view.key in ANSWERS:
            services.exams.save_answer(actors[login], view.attempt_id, item.position, ANSWERS[item.view.key])
    with counting(services) as reopened:
        services.exams.attempt(actors[login], view.attempt_id)
    with counting(services) as submitted:
        result = services.exams.submit(actors[login], view.attempt_id)
    assert len(result.items) == len(keys)
    return len(started), len(reopened), len(submitted)


def test_statements_do_not_grow_with_the_paper(services: Any) -> None:
    actors = make_bank(services)
    small = _sit(services, actors, "xinren", ["t-single", "t-tf"])
    large = _sit(services, actors, "other", [q.key for q in QUESTIONS])
    start_small, view_small, submit_small = small
    start_large, view_large, submit_large = large
    # four times the questions: the same statements, except that SQLite inserts new
    # wrong-answer book rows one by one (PostgreSQL batches them) and that the graded items are
    # updated in one batch per set of changed columns
    assert start_large == start_small
    assert view_large == view_small
    per_question_rows = 2 * len(QUESTIONS)  # a wrong-answer book row and an update batch at most
    assert submit_large <= submit_small + per_question_rows < 7 * len(QUESTIONS)


def test_the_paper_handed_out_at_start_equals_the_paper_read_back(services: Any) -> None:
    """``start`` builds its view from what it just wrote; it must equal what ``attempt`` reads."""
    actors = make_bank(services)
    services.exams.save_exam(actors["boss"], exam_item(attempts_allowed=3, shuffle_questions=True))
    now = utcnow()
    first = services.exams.start(actors["xinren"], "exam-test", now=now, seed=5)  # freezes versions
    assert first == services.exams.attempt(actors["xinren"], first.attempt_id, now=now)
    # GIVEN frozen versions whose stored question has since been re-tagged (no new version)
    services.questions.bulk_update(actors["boss"], [q.key for q in QUESTIONS], add_tags=["新标签"])
    old = services.questions.get(actors["boss"], "t-tf")
    services.questions.save(actors["boss"], old.with_changes(stem=old.stem + "（改）"))  # a new version
    second = services.exams.start(actors["other"], "exam-test", now=now, seed=6)
    assert second == services.exams.attempt(actors["other"], second.attempt_id, now=now)
    assert "（改）" in next(i.view.stem for i in second.items if i.view.key == "t-tf")
