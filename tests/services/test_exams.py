"""Taking exams through the service: papers, autosave, resume, the clock, grading, review."""

from __future__ import annotations

import dataclasses
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from cstrainer.services import SYSTEM
from cstrainer.services.errors import InvalidInput, PermissionDenied
from cstrainer.storage.database import open_database
from cstrainer.storage.models import utcnow
from tests.services.exam_fixtures import QUESTIONS, exam_item, make_bank

KEY = {q.key: q for q in QUESTIONS}


@pytest.fixture
def world(services: Any) -> dict[str, Any]:
    actors = make_bank(services)
    services.exams.save_exam(SYSTEM, exam_item())
    return {"s": services, **actors}


def right_response(view: Any) -> Any:
    """The correct response for a view, using the test bank's answer keys."""
    q = KEY[view.key]
    t = q.type.value
    if t == "single":
        return next(i for i, o in enumerate(q.options) if o.correct)
    if t == "multiple":
        return [i for i, o in enumerate(q.options) if o.correct]
    if t == "truefalse":
        return q.answer
    if t == "fill":
        return [b[0] for b in q.blanks]
    if t == "numeric":
        return "80"
    if t == "short":
        return "请顾客拍照"
    if t == "reply":
        return "亲，非常抱歉给您添麻烦了！麻烦您拍照发给我看一下，我们马上给您补发一箱。"
    if t == "matching":
        return list(range(len(q.pairs)))
    return None


def test_the_paper_carries_no_answer_key(world: dict[str, Any]) -> None:
    s, me = world["s"], world["xinren"]
    view = s.exams.start(me, "exam-test")
    assert [i.view.key for i in view.items] == [q.key for q in QUESTIONS]
    dumped = json.dumps(dataclasses.asdict(view), default=str, ensure_ascii=False)
    for q in QUESTIONS:
        assert q.explanation == "" or q.explanation not in dumped
    assert '"correct"' not in dumped and "key_points" not in dumped and 'blanks": [[' not in dumped
    # the answer texts of fill/short/reply/numeric questions appear nowhere
    for secret in ("二十", "请顾客拍照", "拍照留证", "补发"):
        assert secret not in dumped
    # options are shuffled but every original index is there once
    single = next(i for i in view.items if i.view.key == "t-single")
    assert sorted(single.view.option_order) == [0, 1, 2, 3]


def test_trainee_cannot_read_questions_or_an_unsubmitted_result(world: dict[str, Any]) -> None:
    s, me = world["s"], world["xinren"]
    with pytest.raises(PermissionDenied):
        s.questions.get(me, "t-single")
    with pytest.raises(PermissionDenied):
        s.questions.search(me, "")
    view = s.exams.start(me, "exam-test")
    with pytest.raises(InvalidInput, match="还没有交卷"):
        s.exams.result(me, view.attempt_id)
    with pytest.raises(PermissionDenied):  # someone else's attempt
        s.exams.save_answer(world["other"], view.attempt_id, 0, 0)


def test_every_answer_is_saved_at_once_and_the_attempt_resumes(world: dict[str, Any], db_url: str) -> None:
    s, me = world["s"], world["xinren"]
    view = s.exams.start(me, "exam-test")
    s.exams.save_answer(me, view.attempt_id, 0, 2)
    s.exams.save_answer(me, view.attempt_id, 3, ["20"])
    s.exams.set_flag(me, view.attempt_id, 3, True)
    # GIVEN the app closed WHEN it opens again (a new process would do the same)
    from cstrainer.services import Services

    again = Services(open_database(db_url))
    try:
        resumed = again.exams.start(me, "exam-test")
        assert resumed.attempt_id == view.attempt_id
        assert resumed.items[0].response == 2
        assert resumed.items[3].response == ["20"] and resumed.items[3].flagged
        assert resumed.answered_count == 2
        assert [i.view.option_order for i in resumed.items] == [i.view.option_order for i in view.items]
    finally:
        again.close()


def test_time_policy_charges_open_time_and_a_grace_for_gaps(world: dict[str, Any]) -> None:
    s, me = world["s"], world["xinren"]
    t0 = utcnow()
    view = s.exams.start(me, "exam-test", now=t0)
    assert view.remaining_seconds == pytest.approx(30 * 60)
    ack = s.exams.heartbeat(me, view.attempt_id, now=t0 + timedelta(seconds=10))
    assert ack.remaining_seconds == pytest.approx(30 * 60 - 10)
    # the app crashed and came back five minutes later: 30 s of the gap are charged, the rest forgiven
    resumed = s.exams.start(me, "exam-test", now=t0 + timedelta(seconds=10, minutes=5))
    assert resumed.status == "in_progress" and resumed.attempt_id == view.attempt_id
    assert resumed.remaining_seconds == pytest.approx(30 * 60 - 10 - 30)
    # closed for two hours: beyond the ten-minute grace the time counts, so it ran out
    late = s.exams.start(me, "exam-test", now=t0 + timedelta(hours=2, minutes=6))
    assert late.attempt_id == view.attempt_id and late.status in ("graded", "reviewing")
    assert s.exams.result(me, view.attempt_id).submit_reason == "timeout"


def test_time_out_submits_automatically(world: dict[str, Any]) -> None:
    s, me = world["s"], world["xinren"]
    t0 = utcnow()
    view = s.exams.start(me, "exam-test", now=t0)
    s.exams.save_answer(
        me, view.attempt_id, 0, right_response(view.items[0].view), now=t0 + timedelta(seconds=5)
    )
    now = t0 + timedelta(seconds=5)
    for _ in range(30 * 6 + 5):  # heartbeats every 10 s for just over 30 minutes
        now += timedelta(seconds=10)
        ack = s.exams.heartbeat(me, view.attempt_id, now=now)
        if ack.submitted:
            break
    assert ack.submitted and ack.status in ("graded", "reviewing")
    result = s.exams.result(me, view.attempt_id)
    assert result.submit_reason == "timeout"
    assert result.items[0].score == result.items[0].points
    with pytest.raises(InvalidInput, match="已经交卷"):
        s.exams.save_answer(me, view.attempt_id, 1, [0])


def test_closing_time_is_a_hard_deadline(world: dict[str, Any]) -> None:
    s, me = world["s"], world["xinren"]
    t0 = utcnow()
    s.exams.save_exam(SYSTEM, exam_item(key="exam-window", closes_at=(t0 + timedelta(minutes=5)).isoformat()))
    view = s.exams.start(me, "exam-window", now=t0)
    assert view.remaining_seconds <= 5 * 60 + 1
    ack = s.exams.save_answer(me, view.attempt_id, 0, 0, now=t0 + timedelta(minutes=6))
    assert ack.submitted
    assert s.exams.result(me, view.attempt_id).submit_reason == "closed"


def test_focus_losses_are_counted_and_capped(world: dict[str, Any]) -> None:
    s, me = world["s"], world["xinren"]
    s.exams.save_exam(SYSTEM, exam_item(key="exam-focus", max_focus_losses=2))
    view = s.exams.start(me, "exam-focus")
    assert s.exams.focus_lost(me, view.attempt_id).focus_losses == 1
    assert not s.exams.focus_lost(me, view.attempt_id).submitted
    ack = s.exams.focus_lost(me, view.attempt_id)
    assert ack.submitted and ack.focus_losses == 3
    trainer_view = s.exams.attempts_for_exam(world["peixun"], "exam-focus")
    assert trainer_view[0].focus_losses == 3 and trainer_view[0].submit_reason == "focus"


def test_full_marks_then_review_then_certificate(world: dict[str, Any], tmp_path: Path) -> None:
    s, me = world["s"], world["xinren"]
    view = s.exams.start(me, "exam-test")
    for item in view.items:
        s.exams.save_answer(me, view.attempt_id, item.position, right_response(item.view))
    result = s.exams.submit(me, view.attempt_id)
    # objective answers graded at once; the reply waits for a trainer
    assert result.status == "reviewing" and result.passed is None and result.pending_review == 1
    objective = [i for i in result.items if not i.needs_review]
    assert all(i.score == i.points for i in objective), [(i.view.key, i.score, i.points) for i in objective]
    assert result.certificate_code is None
    # the exam list does not call it failed while the reply waits for review
    summary = next(e for e in s.exams.list_exams(me) if e.key == "exam-test")
    assert summary.passed is None
    # the trainer reviews it
    queue = s.exams.review_queue(world["peixun"])
    assert [(r.login, r.question.key) for r in queue] == [("xinren", "t-reply")]
    assert 0 < queue[0].auto_score <= queue[0].points
    with pytest.raises(PermissionDenied):
        s.exams.review_queue(me)
    final = s.exams.review(world["peixun"], queue[0].item_id, queue[0].points, "回复完整")
    assert final.status == "graded" and final.passed and final.percent == 100.0
    assert final.certificate_code
    assert next(e for e in s.exams.list_exams(me) if e.key == "exam-test").passed is True
    info = s.exams.verify_certificate(final.certificate_code.lower())
    assert info is not None and info.display_name == "刘新人" and info.percent == 100.0
    assert s.exams.verify_certificate("NOTACODE00") is None
    pdf = s.exams.certificate_pdf(me, view.attempt_id, tmp_path / "cert.pdf")
    assert pdf.read_bytes().startswith(b"%PDF")


def test_result_shows_answers_only_when_the_exam_allows(world: dict[str, Any]) -> None:
    s, me = world["s"], world["xinren"]
    s.exams.save_exam(SYSTEM, exam_item(key="exam-secret", show_answers_after=False))
    view = s.exams.start(me, "exam-secret")
    result = s.exams.submit(me, view.attempt_id)
    assert result.answers_shown is False
    assert all(i.correct_answer is None and i.explanation is None for i in result.items)
    trainer = s.exams.result(world["peixun"], view.attempt_id)
    assert trainer.items[0].correct_answer and trainer.items[0].explanation


def test_wrong_answers_go_to_the_book_and_leave_after_two_days(world: dict[str, Any]) -> None:
    s, me = world["s"], world["xinren"]
    view = s.exams.start(me, "exam-test")
    tf = next(i for i in view.items if i.view.key == "t-tf")
    s.exams.save_answer(me, view.attempt_id, tf.position, True)  # wrong
    s.exams.submit(me, view.attempt_id)
    book = {b.view.key for b in s.exams.wrong_book(me)}
    assert "t-tf" in book and "t-single" in book  # unanswered counts as wrong
    day1 = utcnow()
    fb = s.exams.answer_practice(me, "t-tf", False, now=day1)
    assert fb.correct and fb.in_book and fb.correct_answer == "错"
    fb = s.exams.answer_practice(me, "t-tf", False, now=day1 + timedelta(minutes=5))
    assert fb.in_book  # the same day counts once
    fb = s.exams.answer_practice(me, "t-tf", False, now=day1 + timedelta(days=1, hours=1))
    assert not fb.in_book
    assert "t-tf" not in {b.view.key for b in s.exams.wrong_book(me)}
    practice = s.exams.practice_set(me, 5, seed=1)
    assert practice and all(not hasattr(v, "options_correct") for v in practice)


def test_editing_an_answered_question_makes_a_new_version(world: dict[str, Any]) -> None:
    s, me = world["s"], world["xinren"]
    view = s.exams.start(me, "exam-test")
    s.exams.submit(me, view.attempt_id)
    old = s.questions.get(SYSTEM, "t-single")
    saved = s.questions.save(SYSTEM, old.with_changes(stem="沁屿香氛洗衣液 2L 装现在卖多少钱？"))
    assert saved.new_version and saved.question.version == old.version + 1
    # the old attempt still shows exactly what was on the paper
    result = s.exams.result(me, view.attempt_id)
    assert result.items[0].view.stem == old.stem and result.items[0].view.version == old.version
    assert [v.version for v in s.questions.versions(SYSTEM, "t-single")] == [old.version, old.version + 1]
    # editing it again before anyone answers the new version keeps the version
    again = s.questions.save(SYSTEM, saved.question.with_changes(explanation="改过解析"))
    assert not again.new_version and again.question.version == saved.question.version


def test_attempts_allowed_and_assignment(world: dict[str, Any]) -> None:
    s, me = world["s"], world["xinren"]
    s.exams.save_exam(SYSTEM, exam_item(key="exam-once", attempts_allowed=1, assign={"teams": ["qy-pre"]}))
    summary = {e.key: e for e in s.exams.list_exams(world["other"])}
    assert "exam-once" not in summary  # not assigned to a trainee outside the team
    with pytest.raises(PermissionDenied):
        s.exams.start(world["other"], "exam-once")
    view = s.exams.start(me, "exam-once")
    s.exams.submit(me, view.attempt_id)
    mine = {e.key: e for e in s.exams.list_exams(me)}["exam-once"]
    assert not mine.can_start and "次" in mine.reason
    with pytest.raises(PermissionDenied, match="次"):
        s.exams.start(me, "exam-once")


def test_draw_rules_that_cannot_be_met_are_refused(world: dict[str, Any]) -> None:
    from cstrainer.services.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as err:
        world["s"].exams.save_exam(
            SYSTEM, exam_item(key="exam-draw", questions=[], draw=[{"category": "产品知识", "count": 9}])
        )
    assert "产品知识" in str(err.value)


def test_item_statistics_from_graded_attempts(world: dict[str, Any]) -> None:
    s = world["s"]
    view = s.exams.start(world["xinren"], "exam-test")
    s.exams.save_answer(world["xinren"], view.attempt_id, 0, right_response(view.items[0].view))
    s.exams.submit(world["xinren"], view.attempt_id)
    queue = s.exams.review_queue(world["peixun"])
    for r in queue:
        s.exams.review(world["peixun"], r.item_id, 0)
    stats = {st.question_key: st for st in s.exams.item_stats(world["peixun"], "exam-test")}
    assert stats["t-single"].n == 1 and stats["t-single"].facility == 1.0
    assert stats["t-tf"].facility == 0.0
    with pytest.raises(PermissionDenied):
        s.exams.item_stats(world["xinren"])


def test_every_shipped_exam_can_be_taken_and_graded(seeded: Any) -> None:
    # GIVEN the shipped bank and exams, and the demo trainee
    me = seeded.auth.login("xinren", "demo1234")
    exams = {e.key: e for e in seeded.exams.list_exams(me)}
    assert {e.purpose for e in exams.values()} == {"入职考试", "上岗检测", "专项"}
    assert any(e.title.startswith("售后专项") for e in exams.values())
    for key in exams:
        # WHEN the trainee sits it and hands in a blank paper
        view = seeded.exams.start(me, key, seed=7)
        assert len(view.items) == exams[key].question_count
        result = seeded.exams.submit(me, view.attempt_id)
        # THEN it is graded (zero) and fails
        assert result.score == 0 and result.passed is False
        assert {c.category for c in result.categories}
