"""The team database unreachable during an exam: the banner, retries, answers kept on this PC
(the offline journal) through closing the app, replay at the next login or when the exam is
reopened, 交卷 refused while offline, and the clock running out while offline."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import psycopg
import pytest
import sqlalchemy.exc as sa_exc

from cstrainer.domain.questions import QuestionType
from cstrainer.gui.context import PageContext
from cstrainer.gui.main_window import MainWindow
from cstrainer.gui.pages.exam_session import ExamSession
from cstrainer.gui.pages.exams_page import ExamsPage
from cstrainer.gui.pages.registry import PageRegistry, register_page
from cstrainer.gui.tasks import TaskRunner
from cstrainer.services import offline_journal as oj
from cstrainer.storage.models import utcnow
from tests.gui.test_exam_pages import answer_current, small_exam, start_exam, stored

pytestmark = pytest.mark.gui

PASSWORD = "demo1234"
EXAM_CALLS = ("save_answer", "heartbeat", "focus_lost", "set_flag", "submit")


@pytest.fixture(autouse=True)
def _collect_on_the_ui_thread(qapp: Any) -> Iterator[None]:
    gc.collect()
    oj.close_all()
    yield
    oj.close_all()
    gc.collect()


@pytest.fixture
def svc(seeded: Any) -> Any:
    return seeded


class Server:
    """Switches the exam service's calls between working and "connection refused"."""

    def __init__(
        self, svc: Any, monkeypatch: pytest.MonkeyPatch, calls: tuple[str, ...] = EXAM_CALLS
    ) -> None:
        self.down = False
        self.refused = 0
        for name in calls:
            real = getattr(svc.exams, name)
            monkeypatch.setattr(svc.exams, name, self._wrap(real))

    def _wrap(self, real: Any) -> Any:
        def call(*args: Any, **kwargs: Any) -> Any:
            if self.down:
                self.refused += 1
                orig = psycopg.OperationalError(
                    'connection failed: connection to server at "10.8.0.12", port 5432 failed: Connection refused'
                )
                raise sa_exc.OperationalError("UPDATE attempt_items", {}, orig)
            return real(*args, **kwargs)

        return call


def login(svc: Any, who: str = "xinren") -> Any:
    return svc.auth.login(who, PASSWORD, source="test")


def exams_registry() -> PageRegistry:
    from cstrainer.gui.pages import exams_page
    from cstrainer.gui.pages.registry import REGISTRY

    assert exams_page.ExamsPage
    registry = PageRegistry()
    spec = REGISTRY.get("exams")
    register_page(spec.key, spec.title, spec.factory, icon=spec.icon, order=spec.order, registry=registry)
    return registry


def open_window(qtbot: Any, svc: Any, runner: TaskRunner) -> MainWindow:
    window = MainWindow(svc, runner, login(svc), registry=exams_registry())
    window.resize(1280, 800)
    qtbot.addWidget(window)
    window.show()
    runner.wait_until_idle(20)
    return window


def answer_some(qtbot: Any, session: ExamSession, count: int) -> dict[int, Any]:
    """Answer the first ``count`` answerable questions; {position: response}."""
    given: dict[int, Any] = {}
    for i, item in enumerate(session.items):
        if len(given) == count:
            break
        if item.view.type is QuestionType.DESCRIPTION:
            continue
        session.go_to(i)
        given[item.position] = answer_current(qtbot, session)
    return given


def pending_on_disk(svc: Any, actor: Any) -> list[oj.Entry]:
    """What a fresh process would find in this person's journal."""
    journal = oj.journal_for(svc, actor)
    assert journal is not None
    return oj.OfflineJournal(journal.path).pending()


# --- the whole app: offline, quit, log in again --------------------------------------------------------


def test_answers_typed_offline_survive_quitting_and_are_sent_at_the_next_login(
    qtbot: Any,
    svc: Any,
    runner: TaskRunner,
    monkeypatch: pytest.MonkeyPatch,
    fake_prompts: Any,
    screenshot: Any,
) -> None:
    small_exam(svc, "rules-quiz")
    server = Server(svc, monkeypatch)
    window = open_window(qtbot, svc, runner)
    page = window.current_page()
    assert isinstance(page, ExamsPage)
    session = start_exam(qtbot, page, "rules-quiz")
    actor = page.ctx.actor

    # GIVEN the server stops answering, WHEN three questions are answered
    server.down = True
    given = answer_some(qtbot, session, 3)
    runner.wait_until_idle(20)

    # THEN the exam says so, with the retry and what waits on this PC
    assert session.offline
    banner = session.view.offline_banner
    assert banner.isVisible()
    text = banner.label.text()
    assert text.startswith("无法连接服务器，正在重试（第 1 次，2 秒后）…"), text
    assert "已在本机保存 3 条未上传的作答，恢复连接后自动上传。" in text
    assert session.view.save_label.text() == "未连接，已存本机"
    # AND the main window shows its one banner; no error dialog (shown_errors would fail the test)
    assert window.view.connection_bar.isVisible()
    assert window.view.connection_label.text().startswith("与团队数据库的连接已断开，正在重试…")
    # AND the answers are on disk before any confirmation
    assert {e.data["position"]: e.data["response"] for e in pending_on_disk(svc, actor)} == given
    screenshot(window, "offline_exam_banner")

    # 立即重试 while still offline: the next try, a longer wait
    session.view.offline_banner.retry_button.click()
    runner.wait_until_idle(20)
    assert "（第 2 次，5 秒后）" in banner.label.text()

    # 交卷 is refused with a clear message; the paper stays open
    session.submit_clicked()
    assert "暂时不能交卷" in fake_prompts.infos[-1] and "不会丢失" in fake_prompts.infos[-1]
    assert session.state == "active" and session.active

    # WHEN the app is quit while the server is still down
    window.close()
    runner.wait_until_idle(20)
    oj.close_all()  # a new process: the journal is read from the file again
    assert len(pending_on_disk(svc, actor)) == 3

    # AND the next login finds the server back
    server.down = False
    window2 = open_window(qtbot, svc, runner)
    runner.wait_until_idle(20)

    # THEN the answers were sent before anything else, and nothing waits any more
    saved = stored(svc, actor, session.attempt_id)
    assert all(saved[p] == r for p, r in given.items())
    assert pending_on_disk(svc, actor) == []
    assert not window2.view.connection_bar.isVisible()
    assert "已上传上次断线时保存在本机的 3 条作答或回复" in window2.statusBar().currentMessage()


def test_a_crashed_exam_window_recovers_its_answers_when_reopened(
    qtbot: Any, svc: Any, runner: TaskRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    small_exam(svc, "rules-quiz")
    server = Server(svc, monkeypatch)
    actor = login(svc)
    page = ExamsPage(PageContext(svc, runner, actor))  # not qtbot's: the test deletes it
    page.show()
    page.page_shown()
    runner.wait_until_idle(20)
    session = start_exam(qtbot, page, "rules-quiz")
    attempt_id = session.attempt_id
    server.down = True
    given = answer_some(qtbot, session, 2)
    runner.wait_until_idle(20)
    assert len(session.unsent) == 2
    # WHEN the window goes away without any goodbye (no suspend: as in a crash)
    page.close()
    page.deleteLater()
    qtbot.wait(10)
    oj.close_all()
    # AND the exam is opened again with the server back
    server.down = False
    page2 = ExamsPage(PageContext(svc, runner, actor))
    qtbot.addWidget(page2)
    page2.show()
    page2.page_shown()
    runner.wait_until_idle(20)
    session2 = start_exam(qtbot, page2, "rules-quiz")
    runner.wait_until_idle(20)
    # THEN it is the same attempt, showing and storing the answers typed offline
    assert session2.attempt_id == attempt_id
    assert all(session2.responses[p] == r for p, r in given.items())
    assert session2.unsent == {}
    saved = stored(svc, actor, attempt_id)
    assert all(saved[p] == r for p, r in given.items())
    assert pending_on_disk(svc, actor) == []
    page2.page_closing()


def test_the_clock_running_out_offline_locks_the_paper_and_hands_in_once_connected(
    qtbot: Any,
    svc: Any,
    runner: TaskRunner,
    monkeypatch: pytest.MonkeyPatch,
    fake_prompts: Any,
    screenshot: Any,
) -> None:
    import cstrainer.services.exams as exams_module

    small_exam(svc, "one-minute", time_limit_minutes=1)
    server = Server(svc, monkeypatch)
    actor = login(svc)
    page = ExamsPage(PageContext(svc, runner, actor))
    page.resize(1100, 720)
    qtbot.addWidget(page)
    page.show()
    page.page_shown()
    runner.wait_until_idle(20)
    session = start_exam(qtbot, page, "one-minute")
    # GIVEN the server goes away and a question is answered offline
    server.down = True
    given = answer_some(qtbot, session, 1)
    runner.wait_until_idle(20)
    assert session.offline
    # WHEN the window's clock runs out (62 s later, for the window and for the service)
    base = session.clock()
    session.clock = lambda: base + 62
    at = utcnow() + timedelta(seconds=62)
    monkeypatch.setattr(exams_module, "utcnow", lambda: at)
    session._tick()
    # THEN the paper is read-only and the banner says what happens next; nothing was handed in
    assert session.question is not None and not session.view.submit_button.isEnabled()
    assert "考试时间已到，恢复连接后将先上传作答，再自动交卷。" in session.view.offline_banner.label.text()
    assert session.state == "active" and page.result_widget is None
    screenshot(page, "offline_exam_time_up")
    # WHEN the server is back
    server.down = False
    session.retry_now()
    qtbot.waitUntil(lambda: page.result_widget is not None, timeout=20000)
    runner.wait_until_idle(20)
    # THEN the answer typed in time was stored first, and the attempt was handed in as timed out
    # (the outage counted as exam time: the window reported it before handing in)
    result = page.result_widget
    assert result is not None and result.result.submit_reason == "timeout"
    by_position = {i.position: i.response for i in result.result.items}
    assert all(by_position[p] == r for p, r in given.items())
    assert "时间到" in fake_prompts.infos[-1]
    assert pending_on_disk(svc, actor) == []


def test_a_job_failing_for_want_of_a_connection_shows_one_banner_not_dialogs(
    qtbot: Any, svc: Any, runner: TaskRunner, monkeypatch: pytest.MonkeyPatch, screenshot: Any
) -> None:
    window = open_window(qtbot, svc, runner)
    errors_raised = 0

    def refused(*args: Any, **kwargs: Any) -> Any:
        nonlocal errors_raised
        errors_raised += 1
        raise sa_exc.OperationalError("SELECT", {}, psycopg.OperationalError("server closed the connection"))

    # GIVEN three jobs without their own error handling fail for want of a connection
    for _ in range(3):
        runner.db(refused, name="test.refused")
    real_ping = oj.ping_database
    monkeypatch.setattr("cstrainer.gui.main_window.ping_database", refused)
    runner.wait_until_idle(20)
    # THEN one banner, no dialog (shown_errors fails the test on any)
    assert runner.connection_down and window.view.connection_bar.isVisible()
    screenshot(window, "offline_main_window_banner")
    # 立即重试 while still down keeps it
    window.view.connection_retry_button.click()
    runner.wait_until_idle(20)
    assert errors_raised == 4 and window.view.connection_bar.isVisible()
    # WHEN the database answers again (the probe succeeds)
    monkeypatch.setattr("cstrainer.gui.main_window.ping_database", real_ping)
    window.probe_connection()
    runner.wait_until_idle(20)
    # THEN the banner goes
    assert not runner.connection_down and not window.view.connection_bar.isVisible()
    assert window.statusBar().currentMessage() == "已重新连接团队数据库。"


def test_logging_in_while_offline_shows_the_banner_and_sends_once_connected(
    qtbot: Any, svc: Any, runner: TaskRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    small_exam(svc, "rules-quiz")
    server = Server(svc, monkeypatch)
    actor = login(svc)
    view = svc.exams.start(actor, "rules-quiz")
    # GIVEN two answers left in the journal by a session that ended offline
    journal = oj.journal_for(svc, actor)
    assert journal is not None
    simple = {QuestionType.TRUEFALSE: False, QuestionType.SINGLE: 1, QuestionType.MULTIPLE: [0, 2]}
    given = {i.position: simple[i.view.type] for i in view.items if i.view.type in simple}
    for position, response in given.items():
        journal.record(
            oj.EXAM_ANSWER,
            oj.exam_key(view.attempt_id, position),
            {"attempt_id": view.attempt_id, "position": position, "response": response},
        )
    oj.close_all()
    # WHEN the person logs in while the server is still unreachable
    server.down = True
    window = open_window(qtbot, svc, runner)
    # THEN the banner shows and the answers still wait
    assert window.view.connection_bar.isVisible()
    assert len(pending_on_disk(svc, actor)) == len(given)
    # WHEN the server answers the next probe
    server.down = False
    window.probe_connection()
    runner.wait_until_idle(20)
    runner.wait_until_idle(20)
    # THEN the banner goes and the answers are stored
    assert not window.view.connection_bar.isVisible()
    saved = stored(svc, actor, view.attempt_id)
    assert all(saved[p] == r for p, r in given.items())
    assert pending_on_disk(svc, actor) == []


def test_leaving_the_window_while_offline_is_counted_once_connected(
    qtbot: Any, svc: Any, runner: TaskRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cstrainer.gui.qt import Qt

    small_exam(svc, "focus", max_focus_losses=2)
    server = Server(svc, monkeypatch)
    page = ExamsPage(PageContext(svc, runner, login(svc)))
    qtbot.addWidget(page)
    page.show()
    page.page_shown()
    runner.wait_until_idle(20)
    session = start_exam(qtbot, page, "focus")
    server.down = True
    session.application_state_changed(Qt.ApplicationState.ApplicationInactive)
    runner.wait_until_idle(20)
    assert session.offline and session.view.focus_label.text() == "离开考试窗口 0/2 次"
    server.down = False
    session.retry_now()
    runner.wait_until_idle(20)
    runner.wait_until_idle(20)
    assert session.view.focus_label.text() == "离开考试窗口 1/2 次"
    page.page_closing()


def test_an_error_dialog_for_an_unreachable_database_is_a_plain_sentence(qapp: Any) -> None:
    from cstrainer.gui import errors

    exc = sa_exc.OperationalError("SELECT", {}, psycopg.OperationalError("connection refused"))
    box = errors.build_error_box(None, exc)
    assert box.windowTitle() == "无法连接数据库"
    assert box.text() == "连不上团队数据库，刚才的操作没有完成。请检查网络，恢复连接后再试一次。"
    box.deleteLater()
