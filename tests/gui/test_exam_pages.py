"""考试 and 练习 pages on the shipped content: taking an exam with autosave, resuming, flagging,
handing in, the clock, leaving the window, results, and the wrong-answer book in practice."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from cstrainer.domain.questions import QuestionType
from cstrainer.gui.context import PageContext
from cstrainer.gui.main_window import MainWindow
from cstrainer.gui.pages.exam_result import ExamResultWidget
from cstrainer.gui.pages.exam_session import ExamSession
from cstrainer.gui.pages.exams_page import LEAVE_QUESTION, ExamsPage
from cstrainer.gui.pages.practice_page import PracticePage
from cstrainer.gui.pages.registry import PageRegistry, register_page
from cstrainer.gui.qt import QApplication, Qt
from cstrainer.storage.models import utcnow

pytestmark = pytest.mark.gui

PASSWORD = "demo1234"
ENTRY = "onboarding-entry"
PROBATION = "probation-check"
ANSWERABLE = (
    QuestionType.SINGLE,
    QuestionType.MULTIPLE,
    QuestionType.TRUEFALSE,
    QuestionType.FILL,
    QuestionType.NUMERIC,
    QuestionType.MATCHING,
    QuestionType.SHORT,
    QuestionType.REPLY,
)
REPLY_TEXT = "亲，非常抱歉给您添麻烦了！麻烦您拍照发给我，我们马上给您补发，漏液的不用寄回。"


# --- fixtures ---------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _qt_garbage_on_the_ui_thread(qapp: Any) -> Iterator[None]:
    """Collect cyclic garbage here, on the UI thread, before and after each test.

    Pages built by a test are top-level (Python-owned) widgets tied up in reference cycles;
    left to the cyclic collector they are destroyed wherever it happens to run next - possibly
    on the database worker thread, which deletes Qt widgets off the UI thread and crashes.
    This runs after qtbot closed the widgets and the runner stopped (autouse: set up first,
    torn down last).
    """
    gc.collect()
    yield
    gc.collect()


@pytest.fixture
def svc(seeded: Any) -> Any:
    """Services over a database with the shipped content and the demo accounts (demo1234)."""
    return seeded


def login(svc: Any, who: str) -> Any:
    return svc.auth.login(who, PASSWORD, source="test")


@pytest.fixture
def make_page(qtbot: Any, svc: Any, runner: Any) -> Any:
    def make(cls: type, who: str = "xinren") -> Any:
        page = cls(PageContext(svc, runner, login(svc, who)))
        page.resize(1100, 720)
        qtbot.addWidget(page)
        page.show()
        page.page_shown()
        runner.wait_until_idle(20)
        return page

    return make


def idle(page: Any) -> None:
    page.ctx.runner.wait_until_idle(20)


def start_exam(qtbot: Any, page: ExamsPage, key: str = ENTRY) -> ExamSession:
    page.select_exam(key)
    qtbot.mouseClick(page.list_view.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.session is not None, timeout=20000)
    idle(page)
    assert page.session is not None
    return page.session


def go_to_type(session: ExamSession, qtype: QuestionType) -> int | None:
    for i, item in enumerate(session.items):
        if item.view.type is qtype:
            session.go_to(i)
            return i
    return None


def answer_current(qtbot: Any, session: ExamSession) -> Any:
    """Answer the question on screen through its widgets; returns the response it should store."""
    w = session.question
    assert w is not None
    ui, t = w.ui, w.question.type
    click = Qt.MouseButton.LeftButton
    if t is QuestionType.SINGLE:
        qtbot.mouseClick(ui.option_buttons[1], click)
    elif t is QuestionType.MULTIPLE:
        qtbot.mouseClick(ui.option_buttons[0], click)
        qtbot.mouseClick(ui.option_buttons[2], click)
    elif t is QuestionType.TRUEFALSE:
        qtbot.mouseClick(ui.false_button, click)
    elif t is QuestionType.FILL:
        for edit in ui.blank_edits:
            edit.setText("二十")  # QTest.keyClicks cannot type Chinese; setText is committed text
    elif t is QuestionType.NUMERIC:
        ui.number_edit.setText("80")
    elif t in (QuestionType.SHORT, QuestionType.REPLY, QuestionType.ESSAY):
        ui.text_edit.setPlainText(REPLY_TEXT)
    elif t is QuestionType.MATCHING:
        for combo in ui.match_combos:
            combo.setCurrentIndex(1)
    w.flush()
    return w.response()


def stored(svc: Any, actor: Any, attempt_id: int) -> dict[int, Any]:
    return {i.position: i.response for i in svc.exams.attempt(actor, attempt_id).items}


def small_exam(svc: Any, key: str, **overrides: Any) -> dict[str, Any]:
    """A short exam of shipped questions every demo trainee may draw (platform rules, no brand)."""
    trainer = login(svc, "peixun")
    objective = (QuestionType.SINGLE, QuestionType.MULTIPLE, QuestionType.TRUEFALSE)
    found = svc.questions.search(trainer, category="平台规则", brand="")
    rules = [q.key for q in found if q.type in objective][:4]
    assert len(rules) == 4, rules
    item: dict[str, Any] = {
        "key": key,
        "title": "平台规则小测",
        "purpose": "专项",
        "time_limit_minutes": 10,
        "pass_mark": 60,
        "attempts_allowed": 3,
        "shuffle_questions": False,
        "shuffle_options": True,
        "show_answers_after": True,
        "questions": rules,
    }
    item.update(overrides)
    svc.exams.save_exam(trainer, item)
    return item


def run_service_clock(monkeypatch: pytest.MonkeyPatch, session: ExamSession, seconds: float) -> None:
    """Let ``seconds`` pass for the exam service, with the session's heartbeat on the way.

    The GUI passes no ``now``, so the service's clock is moved. It moves in steps shorter than
    the clock policy's 30 s gap (a longer silence counts as the app having been closed, and is
    mostly forgiven), with a heartbeat after each step, as the open session sends them.
    """
    import cstrainer.services.exams as exams_module

    start = utcnow()
    step = 0.0
    while step < seconds:
        step = min(seconds, step + 20)
        at = start + timedelta(seconds=step)
        monkeypatch.setattr(exams_module, "utcnow", lambda at=at: at)
        if step < seconds:
            session.heartbeat()
            idle_runner(session.ctx.runner)


def idle_runner(runner: Any) -> None:
    runner.wait_until_idle(20)


# --- the exam list ----------------------------------------------------------------------------------


def test_the_exam_list(make_page: Any, screenshot: Any) -> None:
    page = make_page(ExamsPage)
    assert page.loaded and page.rows
    row = next(r for r in page.rows if r.summary.key == ENTRY)
    page.select_exam(ENTRY)
    v = page.list_view
    assert row.status == "未开始"
    assert v.start_button.text() == "开始考试" and v.start_button.isEnabled()
    assert not v.result_button.isEnabled()
    r = page.rows.index(row)
    texts = [page.exam_model.index(r, c).data() for c in range(page.exam_model.columnCount())]
    s = row.summary
    assert (
        f"{s.time_limit_minutes} 分钟" in texts and f"0 / {s.attempts_allowed}" in texts and "未开始" in texts
    )
    assert v.no_attempts_label.isVisible()
    screenshot(page, "exams_list")


def test_the_list_parses_the_bank_ahead_of_the_first_start(qtbot: Any, svc: Any, runner: Any) -> None:
    from cstrainer.services import exams as exam_module

    exam_module.clear_bank_cache()
    page = ExamsPage(PageContext(svc, runner, login(svc, "xinren")))
    qtbot.addWidget(page)
    page.page_shown()
    runner.wait_until_idle(20)
    assert page.bank_warmed and any(r.summary.can_start for r in page.rows)
    with exam_module._bank_lock:  # loading the list alone parses no question: the warm-up did
        (warmed,) = exam_module._banks.values()
    with svc.db.session() as s:  # and a start finds it in the cache
        assert exam_module.bank_snapshot(svc.db, s) is warmed
    assert svc.exams.warm_up() == len(warmed.rows) > 0


def test_a_trainer_sees_every_exam(make_page: Any, svc: Any) -> None:
    small_exam(svc, "rules-quiz", assign={"roles": ["agent"]})
    page = make_page(ExamsPage, "peixun")
    assert {r.summary.key for r in page.rows} >= {ENTRY, "rules-quiz"}
    trainee = make_page(ExamsPage, "xinren")
    assert "rules-quiz" not in {r.summary.key for r in trainee.rows}


def test_an_exam_that_cannot_be_started_says_why(make_page: Any, svc: Any) -> None:
    small_exam(svc, "once", attempts_allowed=1)
    me = login(svc, "xinren")
    attempt = svc.exams.start(me, "once")
    svc.exams.submit(me, attempt.attempt_id)
    page = make_page(ExamsPage)
    page.select_exam("once")
    v = page.list_view
    assert not v.start_button.isEnabled()
    assert "已用完 1 次考试机会" in v.start_button.toolTip()
    assert "已用完 1 次考试机会" in v.reason_label.text()
    assert v.result_button.isEnabled()  # the earlier attempt's result
    assert page.attempt_model.rowCount() == 1


# --- taking an exam ---------------------------------------------------------------------------------


def test_taking_the_entry_exam(
    qtbot: Any,
    make_page: Any,
    svc: Any,
    fake_prompts: Any,
    screenshot: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Papers are drawn at random and about 1 in 70 has no fill-in question (measured over 2,000
    # draws of the shipped bank); this test answers one through its widget, so it draws a paper
    # that has one (seed 3: every answerable type).
    import cstrainer.services.exams as exams_module

    monkeypatch.setattr(exams_module.secrets, "randbelow", lambda _n: 3)
    # GIVEN a trainee on the exam page
    page = make_page(ExamsPage)
    me = page.ctx.actor
    # WHEN she starts the entry exam (and confirms)
    limit = next(r.summary.time_limit_minutes for r in page.rows if r.summary.key == ENTRY)
    assert limit
    session = start_exam(qtbot, page)
    assert f"{limit} 分钟" in fake_prompts.confirms[-1]
    assert session.view.title_label.text().startswith("新人入职考试")
    assert session.view.answered_label.text() == f"已答 0/{len(session.items)}"
    assert session.view.time_label.text() in (f"{limit:02d}:00", f"{limit - 1:02d}:59", f"{limit - 1:02d}:58")
    assert not session.view.focus_label.isVisible()  # the entry exam does not cap leaving

    # AND answers questions of several types through the widgets
    expected: dict[int, Any] = {}
    present = {i.view.type for i in session.items}
    kinds = [t for t in ANSWERABLE if t in present]
    assert len(kinds) >= 4 and QuestionType.FILL in kinds, present
    for qtype in kinds:
        index = go_to_type(session, qtype)
        assert index is not None
        expected[session.items[index].position] = answer_current(qtbot, session)
        if qtype is QuestionType.FILL:
            screenshot(page, "exam_session_fill")
        if qtype is QuestionType.MATCHING:
            screenshot(page, "exam_session_matching")
        idle(page)
    # THEN every answer is in the database at once, as the widget gave it
    saved = stored(svc, me, session.attempt_id)
    for position, response in expected.items():
        assert saved[position] == response, (position, session.items[position].view.type)
    assert isinstance(saved[next(p for p, r in expected.items() if isinstance(r, bool))], bool)
    assert session.view.save_label.text().startswith("已保存")
    assert session.unsent == {}
    assert session.view.answered_label.text() == f"已答 {len(kinds)}/{len(session.items)}"

    # AND flagging a question is saved and shown in the navigator
    session.go_to(0)
    qtbot.mouseClick(session.view.flag_box, Qt.MouseButton.LeftButton)
    idle(page)
    assert svc.exams.attempt(me, session.attempt_id).items[0].flagged
    assert "#ef6c00" in session.view.nav_buttons[0].styleSheet()
    screenshot(page, "exam_session_single")

    # WHEN she leaves the page, she is asked, and the exam keeps running
    fake_prompts.confirm_answer = False
    assert not page.can_leave()
    assert fake_prompts.confirms[-1] == LEAVE_QUESTION
    fake_prompts.confirm_answer = True
    assert page.can_leave() and session.active

    # WHEN she logs out (the page closes) and comes back later
    remaining_before = session.remaining_seconds()
    page.page_closing()
    assert session.state == "suspended"
    page2 = make_page(ExamsPage)
    row = next(r for r in page2.rows if r.summary.key == ENTRY)
    assert row.status == "作答中"
    page2.select_exam(ENTRY)
    assert page2.list_view.start_button.text() == "继续作答"
    confirms = len(fake_prompts.confirms)
    session2 = start_exam(qtbot, page2)
    # THEN the same attempt opens with her answers, flags and (about) the time left
    assert len(fake_prompts.confirms) == confirms  # resuming does not ask again
    assert session2.attempt_id == session.attempt_id
    for position, response in expected.items():
        assert session2.responses[position] == response
    assert session2.flags[session2.items[0].position]
    assert remaining_before is not None
    assert abs(session2.remaining_seconds() - remaining_before) < 15  # type: ignore[operator]
    index = go_to_type(session2, QuestionType.FILL)
    assert index is not None and session2.question is not None
    assert [e.text() for e in session2.question.ui.blank_edits] == expected[session2.items[index].position]

    # WHEN she hands in
    qtbot.mouseClick(session2.view.submit_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page2.result_widget is not None, timeout=30000)
    idle(page2)
    unanswered = len(session2.items) - len(kinds)
    assert f"还有 {unanswered} 道题没有作答" in fake_prompts.confirms[-1]
    assert "有 1 道题标记了稍后检查" in fake_prompts.confirms[-1]
    # THEN the result shows the score, the verdict and the categories
    result = page2.result_widget
    assert isinstance(result, ExamResultWidget)
    assert page2.stack.currentWidget() is result and page2.session is None
    v = result.view
    assert v.score_label.text() == f"{result.result.percent:g} 分"
    assert v.verdict_label.text() in ("通过", "未通过", "待复核")
    assert v.pending_label.isVisible() == bool(result.result.pending_review)
    assert v.facts["reason"].text() == "手动交卷"
    assert len(v.category_bars) == len(result.result.categories) >= 2
    assert len(result.item_widgets) == len(session2.items)
    assert all(w.read_only for w in result.item_widgets)
    assert any(w.ui.result_panel.answer_label.isVisible() for w in result.item_widgets)  # answers shown
    screenshot(page2, "exam_result")
    # AND the list shows the attempt
    result.view.back_button.click()
    idle(page2)
    row = next(r for r in page2.rows if r.summary.key == ENTRY)
    assert row.status in ("待复核", "未通过", "已通过")
    assert page2.attempt_model.rowCount() == 1


def test_a_reply_question_waits_for_review(
    qtbot: Any, make_page: Any, svc: Any, fake_prompts: Any, screenshot: Any
) -> None:
    # GIVEN the on-the-job check, which has questions where the trainee replies to a customer
    page = make_page(ExamsPage)
    session = start_exam(qtbot, page, PROBATION)
    index = go_to_type(session, QuestionType.REPLY)
    assert index is not None
    w = session.question
    assert w is not None and w.ui.bubble.isVisible()
    # WHEN she types her reply (committed text, as an input method delivers it)
    response = answer_current(qtbot, session)
    idle(page)
    assert stored(svc, page.ctx.actor, session.attempt_id)[session.items[index].position] == REPLY_TEXT
    assert response == REPLY_TEXT
    screenshot(page, "exam_session_reply")
    # AND hands in
    qtbot.mouseClick(session.view.submit_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.result_widget is not None, timeout=30000)
    idle(page)
    # THEN the reply waits for a trainer, and the page says so
    result = page.result_widget
    assert result is not None and result.result.pending_review >= 1
    assert result.view.verdict_label.text() == "待复核"
    assert f"{result.result.pending_review} 道主观题等待培训师复核" in result.view.pending_label.text()
    reply = next(w for w in result.item_widgets if w.question.type is QuestionType.REPLY and w.response())
    assert "待培训师复核" in reply.ui.result_panel.verdict_label.text()
    screenshot(page, "exam_result_review")
    # AND the exam list says 待复核 (the service's summary alone would say 未通过)
    result.view.back_button.click()
    idle(page)
    assert next(r for r in page.rows if r.summary.key == PROBATION).status == "待复核"


def test_a_failed_save_is_kept_and_sent_again(
    qtbot: Any, make_page: Any, svc: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    small_exam(svc, "rules-quiz")
    page = make_page(ExamsPage)
    session = start_exam(qtbot, page, "rules-quiz")
    real = svc.exams.save_answer
    calls: list[int] = []

    def flaky(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        raise OSError("database is locked")

    # GIVEN the database refuses the save
    monkeypatch.setattr(svc.exams, "save_answer", flaky)
    response = answer_current(qtbot, session)
    idle(page)
    # THEN the person is told, and the answer waits in memory
    assert session.view.save_label.text() == "保存失败，正在重试"
    assert session.view.notice_label.isVisible()
    position = session.items[session.index].position
    assert session.unsent[position][1] == response
    # WHEN the database is back, the retry sends it
    monkeypatch.setattr(svc.exams, "save_answer", real)
    session.resend_unsent()
    idle(page)
    assert session.unsent == {}
    assert stored(svc, page.ctx.actor, session.attempt_id)[position] == response
    assert session.view.save_label.text().startswith("已保存")


def test_the_service_ends_a_timed_out_exam(
    qtbot: Any, make_page: Any, svc: Any, fake_prompts: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a one-minute exam in progress with one answer
    small_exam(svc, "one-minute", time_limit_minutes=1)
    page = make_page(ExamsPage)
    session = start_exam(qtbot, page, "one-minute")
    assert session.view.time_label.text() in ("01:00", "00:59", "00:58")
    assert "color: #c62828" in session.view.time_label.styleSheet()  # under five minutes: red
    answer_current(qtbot, session)
    idle(page)
    # WHEN the heartbeat finds the time used up
    run_service_clock(monkeypatch, session, 75)
    session.heartbeat()
    qtbot.waitUntil(lambda: page.result_widget is not None, timeout=20000)
    idle(page)
    # THEN the person is told and sees the result
    assert "时间到" in fake_prompts.infos[-1]
    result = page.result_widget
    assert result is not None and result.result.submit_reason == "timeout"
    assert result.view.facts["reason"].text() == "时间到自动交卷"


def test_the_local_clock_hands_in_at_zero(
    qtbot: Any, make_page: Any, svc: Any, fake_prompts: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    small_exam(svc, "one-minute", time_limit_minutes=1)
    page = make_page(ExamsPage)
    session = start_exam(qtbot, page, "one-minute")
    answer_current(qtbot, session)
    idle(page)
    # GIVEN the time has run out, for the window's clock and the service's
    run_service_clock(monkeypatch, session, 62)
    base = session.clock()
    session.clock = lambda: base + 62
    # WHEN the clock ticks
    qtbot.waitUntil(lambda: page.result_widget is not None, timeout=20000)
    idle(page)
    # THEN the exam was handed in by itself with the saved answer
    result = page.result_widget
    assert result is not None and result.result.submit_reason == "timeout"
    assert any(i.response is not None for i in result.result.items)
    assert "时间到" in fake_prompts.infos[-1]


def test_leaving_the_window_is_counted_and_capped(
    qtbot: Any, make_page: Any, svc: Any, fake_prompts: Any
) -> None:
    small_exam(svc, "focus", max_focus_losses=2)
    page = make_page(ExamsPage)
    session = start_exam(qtbot, page, "focus")
    label = session.view.focus_label
    assert label.isVisible() and label.text() == "离开考试窗口 0/2 次"
    # WHEN the application loses activation (another program in front)
    session.application_state_changed(Qt.ApplicationState.ApplicationInactive)
    session.application_state_changed(Qt.ApplicationState.ApplicationHidden)  # the same absence
    idle(page)
    assert label.text() == "离开考试窗口 1/2 次"
    assert "第 1 次" in session.view.notice_label.text()
    assert session.view.notice_label.isVisible()
    # AND comes back, and leaves again
    session.application_state_changed(Qt.ApplicationState.ApplicationActive)
    session.application_state_changed(Qt.ApplicationState.ApplicationInactive)
    idle(page)
    assert label.text() == "离开考试窗口 2/2 次"
    # a third time is over the cap: the service hands the exam in
    session.application_state_changed(Qt.ApplicationState.ApplicationActive)
    session.application_state_changed(Qt.ApplicationState.ApplicationInactive)
    qtbot.waitUntil(lambda: page.result_widget is not None, timeout=20000)
    idle(page)
    result = page.result_widget
    assert result is not None and result.result.submit_reason == "focus"
    assert result.view.facts["focus"].text() == "3 次"
    assert "离开考试窗口次数超限" in fake_prompts.infos[-1]


def test_a_deactivated_window_counts_only_when_no_window_of_ours_took_over(
    qtbot: Any, make_page: Any, svc: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    small_exam(svc, "focus", max_focus_losses=5)
    page = make_page(ExamsPage)
    session = start_exam(qtbot, page, "focus")
    # our own dialog in front: not counted
    monkeypatch.setattr(QApplication, "activeWindow", staticmethod(lambda: page))
    session._check_window_focus()
    idle(page)
    assert session.focus_losses == 0
    # nothing of ours in front: counted
    monkeypatch.setattr(QApplication, "activeWindow", staticmethod(lambda: None))
    session._check_window_focus()
    idle(page)
    assert session.focus_losses == 1


# --- results ----------------------------------------------------------------------------------------


def test_a_passed_exam_offers_the_certificate(
    qtbot: Any, make_page: Any, svc: Any, fake_prompts: Any, tmp_path: Any
) -> None:
    # GIVEN a passed attempt (every answer right, through the service)
    item = small_exam(svc, "rules-quiz", pass_mark=50)
    me = login(svc, "xinren")
    trainer = login(svc, "peixun")
    attempt = svc.exams.start(me, "rules-quiz")
    for it in attempt.items:
        q = svc.questions.get(trainer, it.view.key)
        svc.exams.save_answer(me, attempt.attempt_id, it.position, right_answer(q))
    svc.exams.submit(me, attempt.attempt_id)
    assert item["questions"]
    # WHEN she opens the result from the list
    page = make_page(ExamsPage)
    page.select_exam("rules-quiz")
    qtbot.mouseClick(page.list_view.result_button, Qt.MouseButton.LeftButton)
    result = page.result_widget
    assert result is not None and result.result.passed
    v = result.view
    assert v.verdict_label.text() == "通过"
    assert v.certificate_box.isVisible() and result.result.certificate_code in v.certificate_label.text()
    # AND saves the certificate
    fake_prompts.save_file = tmp_path / "证书"
    qtbot.mouseClick(v.certificate_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(fake_prompts.infos), timeout=20000)
    pdf = tmp_path / "证书.pdf"
    assert pdf.is_file() and pdf.read_bytes().startswith(b"%PDF")
    assert str(pdf) in fake_prompts.infos[-1]


def right_answer(q: Any) -> Any:
    t = q.type
    if t is QuestionType.SINGLE:
        return next(i for i, o in enumerate(q.options) if o.correct)
    if t is QuestionType.MULTIPLE:
        return [i for i, o in enumerate(q.options) if o.correct]
    if t is QuestionType.TRUEFALSE:
        return q.answer
    if t is QuestionType.FILL:
        return [b[0] for b in q.blanks]
    if t is QuestionType.NUMERIC:
        n = q.numeric[0]
        return str(n.value if n.value is not None else n.low)
    if t is QuestionType.MATCHING:
        return list(range(len(q.pairs)))
    if q.accepted:
        return q.accepted[0].text
    return "、".join(k.synonyms[0] for k in q.key_points)


def wrong_answer(q: Any) -> Any:
    t = q.type
    if t is QuestionType.SINGLE:
        return next(i for i, o in enumerate(q.options) if not o.correct)
    if t is QuestionType.MULTIPLE:
        return [i for i, o in enumerate(q.options) if not o.correct][:1]
    if t is QuestionType.TRUEFALSE:
        return not q.answer
    return None


# --- practice -----------------------------------------------------------------------------------------


def test_practising_a_wrong_exam_answer(
    qtbot: Any, make_page: Any, svc: Any, fake_prompts: Any, screenshot: Any
) -> None:
    # GIVEN a trainee who got an objective exam question wrong
    small_exam(svc, "rules-quiz")
    me = login(svc, "xinren")
    trainer = login(svc, "peixun")
    attempt = svc.exams.start(me, "rules-quiz")
    wrong_key = None
    for it in attempt.items:
        q = svc.questions.get(trainer, it.view.key)
        if wrong_key is None and wrong_answer(q) is not None:
            svc.exams.save_answer(me, attempt.attempt_id, it.position, wrong_answer(q))
            wrong_key = q.key
        else:
            svc.exams.save_answer(me, attempt.attempt_id, it.position, right_answer(q))
    svc.exams.submit(me, attempt.attempt_id)
    assert wrong_key is not None
    # WHEN she opens 练习
    page = make_page(PracticePage)
    # THEN the question is in her wrong-answer book
    assert [i.view.key for i in page.book] == [wrong_key]
    v = page.view
    assert v.book_title.text() == "错题本（1 题）"
    row = [page.book_model.index(0, c).data() for c in range(page.book_model.columnCount())]
    assert "错 1 次" in row and "再答对 2 天即可移出" in row
    screenshot(page, "practice_book")

    # WHEN she practises, the book's question is in the set
    qtbot.mouseClick(v.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.run is not None, timeout=20000)
    run = page.run
    assert run is not None and wrong_key in [q.key for q in run.questions]
    assert v.progress_label.text().startswith("第 1 / ")
    # AND she answers (right, through the widgets) until it comes up
    target = [q.key for q in run.questions].index(wrong_key)
    for i in range(target + 1):
        widget = page.question
        assert widget is not None
        right = right_answer(svc.questions.get(trainer, widget.question.key))
        select(qtbot, widget, right)
        if widget.question.type is not QuestionType.REPLY:
            assert widget.response() == right
        qtbot.mouseClick(v.submit_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda i=i: i in run.feedback, timeout=20000)
        if i < target:
            qtbot.mouseClick(v.next_button, Qt.MouseButton.LeftButton)
        else:
            assert v.source_label.text() == "来自错题本"
    # THEN she sees the verdict, the answer and the explanation; one right day is not enough yet
    panel = widget.ui.result_panel
    assert "回答正确" in panel.verdict_label.text()
    assert panel.answer_label.text().startswith("正确答案：")
    assert run.feedback[target].in_book
    assert "还在错题本里" in v.book_status_label.text()
    assert v.next_button.isVisible() and not v.submit_button.isVisible()
    screenshot(page, "practice_feedback")

    # WHEN she skips the rest, the summary counts what was answered
    qtbot.mouseClick(v.stop_button, Qt.MouseButton.LeftButton)
    assert v.stack.currentWidget() is v.summary_screen
    n = target + 1
    assert f"本次练习 {n} 题，答对 {n} 题（100%）" in v.summary_label.text()
    screenshot(page, "practice_summary")
    qtbot.mouseClick(v.back_button, Qt.MouseButton.LeftButton)
    idle(page)
    row_of = page.book_model.find(lambda item: item.view.key == wrong_key)
    row = [page.book_model.index(row_of, c).data() for c in range(page.book_model.columnCount())]
    assert "今天已答对；改天再答对 1 天即可移出" in row


def test_a_question_right_on_a_second_day_leaves_the_book(qtbot: Any, make_page: Any, svc: Any) -> None:
    me = login(svc, "xinren")
    trainer = login(svc, "peixun")
    key = small_exam(svc, "rules-quiz")["questions"][0]
    q = svc.questions.get(trainer, key)
    # wrong two days ago, right yesterday
    svc.exams.answer_practice(me, key, wrong_answer(q), now=utcnow() - timedelta(days=2))
    svc.exams.answer_practice(me, key, right_answer(q), now=utcnow() - timedelta(days=1))
    page = make_page(PracticePage)
    assert [i.view.key for i in page.book] == [key]
    row = [page.book_model.index(0, c).data() for c in range(page.book_model.columnCount())]
    assert "再答对 1 天即可移出" in row
    qtbot.mouseClick(page.view.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.run is not None, timeout=20000)
    run = page.run
    assert run is not None
    # the book's question, wherever it is in the set
    page.show_question([v.key for v in run.questions].index(key))
    select(qtbot, page.question, right_answer(q))
    qtbot.mouseClick(page.view.submit_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: run.index in run.feedback, timeout=20000)
    assert page.view.book_status_label.text() == "✓ 已移出错题本"
    assert not run.feedback[run.index].in_book


def select(qtbot: Any, widget: Any, response: Any) -> None:
    """Give ``response`` (original indexes) through the widget's buttons and boxes."""
    ui, view = widget.ui, widget.question
    t = view.type
    if t is QuestionType.SINGLE:
        qtbot.mouseClick(ui.option_buttons[view.option_order.index(response)], Qt.MouseButton.LeftButton)
    elif t is QuestionType.MULTIPLE:
        for original in response:
            qtbot.mouseClick(ui.option_buttons[view.option_order.index(original)], Qt.MouseButton.LeftButton)
    elif t is QuestionType.TRUEFALSE:
        qtbot.mouseClick(ui.true_button if response else ui.false_button, Qt.MouseButton.LeftButton)
    elif t is QuestionType.FILL:
        for edit, text in zip(ui.blank_edits, response, strict=True):
            edit.setText(text)
    elif t is QuestionType.NUMERIC:
        ui.number_edit.setText(response)
    elif t is QuestionType.MATCHING:
        for combo, original in zip(ui.match_combos, response, strict=True):
            combo.setCurrentIndex(view.right_order.index(original) + 1)
    else:
        ui.text_edit.setPlainText(response)
    widget.flush()


# --- in the main window ---------------------------------------------------------------------------------


def test_the_pages_in_the_main_window(
    qtbot: Any, svc: Any, runner: Any, fake_prompts: Any, screenshot: Any
) -> None:
    from cstrainer.gui.pages import exams_page, practice_page
    from cstrainer.gui.pages.registry import REGISTRY

    registry = PageRegistry()
    for key in ("exams", "practice"):
        spec = REGISTRY.get(key)
        register_page(spec.key, spec.title, spec.factory, icon=spec.icon, order=spec.order, registry=registry)
    assert exams_page.ExamsPage and practice_page.PracticePage
    window = MainWindow(svc, runner, login(svc, "xinren"), registry=registry)
    window.resize(1280, 800)
    qtbot.addWidget(window)
    window.show()
    runner.wait_until_idle(20)
    assert window.page_titles() == ["考试", "练习"]
    page = window.current_page()
    assert isinstance(page, ExamsPage) and page.loaded
    screenshot(window, "main_window_exams")
    session = start_exam(qtbot, page)
    index = go_to_type(session, QuestionType.SINGLE)
    assert index is not None
    answer_current(qtbot, session)
    runner.wait_until_idle(20)
    screenshot(window, "main_window_exam_session")
    # moving to 练习 asks first; declining keeps the exam on screen
    fake_prompts.confirm_answer = False
    window.view.nav.setCurrentRow(1)
    assert window.current_key() == "exams"
    assert fake_prompts.confirms[-1] == LEAVE_QUESTION
    fake_prompts.confirm_answer = True
    practice = window.show_page("practice")
    runner.wait_until_idle(20)
    assert window.current_key() == "practice" and isinstance(practice, PracticePage)
    assert session.active  # the clock keeps running in the background
    screenshot(window, "main_window_practice")
    window.show_page("exams")
    assert page.stack.currentWidget() is session
    page.page_closing()
