"""The 试卷管理 page: exam definitions, the review queue, item statistics and attempts.

Trainees sit exams through the services (as the exam page would); the trainer then works on the
page. The database is the shipped starter content plus the demo accounts (password demo1234).
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher

from cstrainer.domain.accounts import Role
from cstrainer.gui.context import PageContext
from cstrainer.gui.pages.exam_admin_page import (
    BannedHit,
    ExamAdminPage,
    banned_hits,
    highlight_html,
    key_point_hits,
    option_distribution,
)
from cstrainer.gui.pages.question_editor import QuestionEditorDialog
from cstrainer.gui.qt import Qt

pytestmark = pytest.mark.gui

DEMO_PASSWORD = "demo1234"
REPLY_KEY = "svc-mid-urge-reply"  # a reply question for every brand
SINGLE_KEY = "skill-midsale-address"  # option A (index 0) is right
TRUEFALSE_KEY = "skill-aftersale-no-review-ask"
REPLY = "亲，非常抱歉让您久等了！我刚核实了，仓库今天下午一定发出。有事可以加我微信问进度哦。"


# --- a seeded database, built once (as in test_question_bank_page) ---------------------------------------


@pytest.fixture(scope="session")
def _seeded_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from cstrainer.services import SYSTEM, Services
    from cstrainer.storage.database import open_database

    folder = tmp_path_factory.mktemp("seeded-exams")
    path = folder / "seeded.sqlite"
    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CSTRAINER_HOME", str(folder / "home"))
        import cstrainer.services.passwords as passwords

        mp.setattr(passwords, "_hasher", lambda: cheap)
        services = Services(open_database(f"sqlite:///{path}"))
        try:
            services.content.seed_if_empty()
            services.content.import_demo_users(SYSTEM)
            # A trainer with a team reviews only that team's answers (one without sees everyone).
            services.users.update(SYSTEM, "peixun", team_key="qingkuo-presale")
            for i in range(1, 6):
                services.users.add(
                    SYSTEM,
                    f"xinren{i}",
                    f"新人{i}号",
                    DEMO_PASSWORD,
                    Role.TRAINEE,
                    "qingkuo-presale",
                    ["qingkuo"],
                )
        finally:
            services.close()
    con = sqlite3.connect(path)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.execute("PRAGMA journal_mode=DELETE")
    con.close()
    return path


@pytest.fixture
def seeded(_seeded_template: Path, tmp_path: Path) -> Iterator[Any]:
    from cstrainer.services import Services
    from cstrainer.storage.database import open_database

    path = tmp_path / "exams.sqlite"
    shutil.copyfile(_seeded_template, path)
    services = Services(open_database(f"sqlite:///{path}"))
    yield services
    services.close()


def login(services: Any, who: str) -> Any:
    return services.auth.login(who, DEMO_PASSWORD, source="test")


def define_exam(services: Any, key: str, questions: list[str], **extra: Any) -> None:
    from cstrainer.services import SYSTEM

    item = {
        "key": key,
        "title": f"测试卷 {key}",
        "purpose": "专项",
        "time_limit_minutes": 20,
        "pass_mark": 60,
        "attempts_allowed": 5,
        "shuffle_questions": False,
        "questions": questions,
    }
    item.update(extra)
    services.exams.save_exam(SYSTEM, item)


def sit(services: Any, who: str, exam: str, answers: dict[str, Any], *, focus_losses: int = 0) -> Any:
    """``who`` starts ``exam``, answers by question key, leaves the window, hands in."""
    trainee = login(services, who)
    view = services.exams.start(trainee, exam, seed=7)
    for item in view.items:
        if item.view.key in answers:
            services.exams.save_answer(trainee, view.attempt_id, item.position, answers[item.view.key])
    for _ in range(focus_losses):
        services.exams.focus_lost(trainee, view.attempt_id)
    return services.exams.submit(trainee, view.attempt_id)


@pytest.fixture
def make_page(qtbot: Any, seeded: Any, runner: Any) -> Callable[..., ExamAdminPage]:
    def make(who: str = "peixun") -> ExamAdminPage:
        status: list[str] = []
        ctx = PageContext(seeded, runner, login(seeded, who), show_status=status.append)
        page = ExamAdminPage(ctx)
        page.status_messages = status  # type: ignore[attr-defined]
        page.resize(1240, 760)
        qtbot.addWidget(page)
        page.show()
        page.page_shown()
        idle(qtbot, page)
        return page

    return make


def idle(qtbot: Any, page: ExamAdminPage) -> None:
    qtbot.waitUntil(lambda: page.ctx.runner.is_idle(), timeout=20000)
    qtbot.wait(30)


def shot(qtbot: Any, screenshot: Any, widget: Any, name: str) -> None:
    qtbot.wait(60)
    screenshot(widget, name)


# --- pure helpers ---------------------------------------------------------------------------------------


def test_highlighting_marks_hits_and_banned_words() -> None:
    html = highlight_html("亲，抱歉<了>\n最快", [(2, 4)], [(8, 9)])
    assert '<span style="background-color:#c8e6c9;">抱歉</span>' in html
    assert "&lt;了&gt;<br>" in html  # escaped, line breaks kept
    assert "#ffcdd2" in html and "<u>最</u>" in html


def test_reading_the_graders_detail() -> None:
    text = "亲，抱歉，加我微信吧"
    detail = {
        "feedback": ["总分 50/100。", "合规 0/15 分：出现违禁用语。", "  “微信”：引导站外交易"],
        "matched": [
            {"kind": "key_point", "index": 0, "correct": True, "spans": [[2, 4]]},
            {"kind": "key_point", "index": 1, "correct": False, "spans": []},
        ],
        "reply": {
            "banned": [{"word": "微信", "start": 7, "end": 9, "rule": "微信", "reason": "引导站外交易"}]
        },
    }
    hits = key_point_hits(detail, text)
    assert hits[0].hit and hits[0].spans == ((2, 4, "抱歉"),)
    assert not hits[1].hit
    assert banned_hits(detail, text) == [BannedHit("微信", "引导站外交易", ((7, 9),))]
    # without the structured list, the explanation lines are read and the words found in the text
    del detail["reply"]
    assert banned_hits(detail, text) == [BannedHit("微信", "引导站外交易", ((7, 9),))]
    # spans written as {"start", "end", "word"} are read too
    detail["matched"] = [
        {"kind": "key_point", "index": 0, "correct": True, "spans": [{"word": "抱歉", "start": 2, "end": 4}]}
    ]
    assert key_point_hits(detail)[0].spans == ((2, 4, "抱歉"),)
    assert option_distribution({0: 12, 1: 3, 2: 1}, 4) == "A 12 · B 3 · C 1 · D 0"


# --- 试卷 ---------------------------------------------------------------------------------------------


def test_an_exam_definition_loads_and_saves(qtbot: Any, make_page: Any, seeded: Any, screenshot: Any) -> None:
    page = make_page()
    tab = page.exams
    assert "onboarding-entry" in [e.key for e in tab.model.rows()]
    assert tab.select_exam("onboarding-entry")
    qtbot.waitUntil(
        lambda: tab.current is not None and tab.current["key"] == "onboarding-entry", timeout=10000
    )
    v = tab.view
    shipped = seeded.exams.get_exam(page.ctx.actor, "onboarding-entry")
    assert v.title_edit.text() == shipped["title"]
    assert (
        v.time_spin.value() == shipped["time_limit_minutes"] and v.pass_spin.value() == shipped["pass_mark"]
    )
    assert v.attempts_spin.value() == shipped.get("attempts_allowed", 1)
    assert v.focus_unlimited.isChecked() == ("max_focus_losses" not in shipped)
    assert v.opens_unlimited.isChecked() == ("opens_at" not in shipped)
    if shipped.get("draw"):  # the shipped entry exam draws its questions
        assert v.draw_radio.isChecked() and tab.rules() == shipped["draw"]
        total = sum(r["count"] for r in shipped["draw"])
        assert v.draw_total_label.text() == f"共抽 {total} 题"
        # each rule shows how many questions the bank has for it, all enough here
        assert all(
            int(tab.pool_text(r).split()[0]) >= rule["count"] for r, rule in enumerate(shipped["draw"])
        )
    else:
        assert v.fixed_radio.isChecked() and tab.chosen_keys() == shipped["questions"]
    for qtype, points in (shipped.get("points") or {}).items():
        assert v.points_spins[tab_type(qtype)].value() == points
    shot(qtbot, screenshot, page, "exam_definition_form")
    # WHEN the trainer tightens it
    v.pass_spin.setValue(85)
    v.focus_unlimited.setChecked(False)
    v.focus_spin.setValue(4)
    assert tab.dirty
    tab.save()
    idle(qtbot, page)
    # THEN the definition is stored
    item = seeded.exams.get_exam(page.ctx.actor, "onboarding-entry")
    assert item["pass_mark"] == 85 and item["max_focus_losses"] == 4
    assert "已保存试卷" in tab.message() and not tab.dirty


def test_a_new_exam_with_draw_rules(qtbot: Any, make_page: Any, seeded: Any, screenshot: Any) -> None:
    page = make_page()
    tab = page.exams
    v = tab.view
    tab.new_exam()
    v.key_edit.setText("gui-draw-exam")
    v.title_edit.setText("平台规则专项抽测")
    v.purpose_combo.setCurrentIndex(v.purpose_combo.findData("专项"))
    v.draw_radio.setChecked(True)
    assert v.questions_stack.currentIndex() == 1
    row = tab.add_rule({"category": "平台规则", "difficulty": 2, "count": 500})
    pool = tab.pool_size({"category": "平台规则", "difficulty": 2, "count": 500})
    assert 0 < pool < 500
    assert tab.pool_text(row) == f"{pool} 题"
    # the bank cannot give 500: the service refuses and says why
    tab.save()
    idle(qtbot, page)
    assert "需要 500 题" in tab.message() and f"只有 {pool} 题" in tab.message()
    shot(qtbot, screenshot, page, "exam_definition_draw_refused")
    # a rule the bank can satisfy, plus one by type and brand
    count_widget = tab._rule_widgets(row)[4]
    count_widget.setValue(3)
    row2 = tab.add_rule({"category": "服务技巧-售前", "types": ["reply"], "brand": "qingkuo", "count": 1})
    assert int(tab.pool_text(row2).split()[0]) >= 1
    assert v.draw_total_label.text() == "共抽 4 题"
    v.opens_unlimited.setChecked(False)
    v.closes_unlimited.setChecked(False)
    v.closes_edit.setDateTime(v.opens_edit.dateTime().addDays(7))
    v.role_checks["trainee"].setChecked(True)
    for i in range(v.team_list.count()):
        if v.team_list.item(i).data(Qt.ItemDataRole.UserRole) == "qingkuo-presale":
            v.team_list.item(i).setCheckState(Qt.CheckState.Checked)
    v.points_spins[tab_type("reply")].setValue(8)
    shot(qtbot, screenshot, page, "exam_definition_draw")
    tab.save()
    idle(qtbot, page)
    item = seeded.exams.get_exam(page.ctx.actor, "gui-draw-exam")
    assert item["draw"][0]["count"] == 3 and item["draw"][1]["types"] == ["reply"]
    assert item["assign"] == {"roles": ["trainee"], "teams": ["qingkuo-presale"]}
    assert item["points"] == {"reply": 8}
    assert item["opens_at"] and item["closes_at"] > item["opens_at"]
    assert "gui-draw-exam" in [e.key for e in tab.model.rows()]


def tab_type(name: str) -> Any:
    from cstrainer.domain.questions import QuestionType

    return QuestionType(name)


def test_a_fixed_list_picked_from_the_bank(qtbot: Any, make_page: Any, seeded: Any) -> None:
    page = make_page()
    tab = page.exams
    v = tab.view
    tab.new_exam()
    v.key_edit.setText("gui-fixed-exam")
    v.title_edit.setText("漏液处理小测")
    # nothing chosen yet: a local check, no service call
    tab.save()
    assert "还没有选择题目" in tab.message()
    v.bank_search.setText("漏液")
    qtbot.waitUntil(lambda: not tab.searching, timeout=10000)
    keys = [v.bank_list.item(i).data(Qt.ItemDataRole.UserRole) for i in range(v.bank_list.count())]
    assert "skill-aftersale-leak-reply" in keys
    for i in range(2):
        v.bank_list.item(i).setSelected(True)
    v.add_question_button.click()
    assert tab.chosen_keys() == keys[:2]
    v.chosen_list.setCurrentRow(1)
    v.up_button.click()
    assert tab.chosen_keys() == [keys[1], keys[0]]
    tab.save()
    idle(qtbot, page)
    assert seeded.exams.get_exam(page.ctx.actor, "gui-fixed-exam")["questions"] == [keys[1], keys[0]]
    # a new exam may not take an existing key
    tab.new_exam()
    v.key_edit.setText("gui-fixed-exam")
    v.title_edit.setText("又一份")
    tab.add_question_keys([SINGLE_KEY])
    tab.save()
    assert "已被另一份试卷使用" in tab.message()


# --- 复核 ---------------------------------------------------------------------------------------------


def test_review_shows_highlights_and_an_override_grades_the_attempt(
    qtbot: Any, make_page: Any, seeded: Any, screenshot: Any
) -> None:
    # GIVEN a trainee handed in an exam with a reply to a customer
    define_exam(seeded, "gui-review", [SINGLE_KEY, REPLY_KEY])
    result = sit(seeded, "xinren", "gui-review", {SINGLE_KEY: 0, REPLY_KEY: REPLY})
    assert result.status == "reviewing"
    # WHEN the trainer opens 复核
    page = make_page()
    page.show_tab("review")
    idle(qtbot, page)
    review = page.review
    assert review.model.rowCount() == 1
    assert review.view.count_label.text() == "待复核 1 题"
    item = review.current
    assert item is not None and item.question.key == REPLY_KEY and item.login == "xinren"
    v = review.view
    # THEN the answer shows the key-point words found, highlighted, and the banned wording
    html = review.highlighted_html()
    assert "#c8e6c9" in html and "抱歉" in html
    assert "微信" in v.banned_label.text() and "#ffcdd2" in html
    assert "缺少" in v.key_points_label.text()  # e.g. the tracking number was not promised
    assert "✓" in v.key_points_label.text()
    assert v.score_spin.value() == pytest.approx(round(item.auto_score, 2))
    assert v.score_spin.maximum() == item.points
    shot(qtbot, screenshot, page, "exam_review_panel")
    # AND an override finishes the grading
    v.score_spin.setValue(6.5)
    v.comment_edit.setPlainText("道歉和时间都有了；不要引导顾客加微信。")
    v.confirm_button.click()
    idle(qtbot, page)
    final = seeded.exams.result(page.ctx.actor, result.attempt_id)
    assert final.status == "graded" and final.passed is not None
    reviewed = next(i for i in final.items if i.view.key == REPLY_KEY)
    assert reviewed.score == 6.5 and reviewed.review_comment.startswith("道歉")
    assert review.model.rowCount() == 0 and v.panel_stack.currentIndex() == 0
    assert any("已评分" in s for s in page.status_messages)  # type: ignore[attr-defined]


# --- 题目分析 and 考试记录 -------------------------------------------------------------------------------


def test_item_statistics_and_attempts(qtbot: Any, make_page: Any, seeded: Any, screenshot: Any) -> None:
    # GIVEN five graded attempts: everyone misses the single choice (B), two get the true/false
    define_exam(seeded, "gui-stats", [SINGLE_KEY, TRUEFALSE_KEY])
    for i in range(1, 6):
        sit(
            seeded,
            f"xinren{i}",
            "gui-stats",
            {SINGLE_KEY: 1, TRUEFALSE_KEY: i > 2},  # the right answer is False
            focus_losses=2 if i == 1 else 0,
        )
    page = make_page()
    page.show_tab("stats")
    idle(qtbot, page)
    stats = page.stats
    stats.view.exam_combo.setCurrentIndex(stats.view.exam_combo.findData("gui-stats"))
    idle(qtbot, page)
    rows = {r.key: r for r in stats.model.rows()}
    assert set(rows) == {SINGLE_KEY, TRUEFALSE_KEY}
    single = rows[SINGLE_KEY]
    assert single.n == 5 and single.facility == 0
    assert single.options.startswith("A 0 · B 5 · C 0 · D 0")
    assert single.flagged and "太难" in single.flags[0]
    # flagged rows stand out
    row = stats.model.find(lambda r: r.key == SINGLE_KEY)
    assert stats.model.index(row, 0).data(Qt.ItemDataRole.BackgroundRole) is not None
    assert stats.model.index(row, 3).data() == "0%"
    shot(qtbot, screenshot, page, "exam_item_stats")
    # double-click opens the question
    stats._open(stats.proxy.mapFromSource(stats.model.index(row, 0)))
    assert isinstance(page.dialog, QuestionEditorDialog)
    qtbot.waitUntil(lambda: page.dialog.loaded, timeout=10000)  # type: ignore[union-attr]
    page.dialog.close()  # type: ignore[union-attr]

    # 考试记录: every attempt, with how often the window was left
    page.show_tab("attempts")
    attempts = page.attempts
    attempts.view.exam_combo.setCurrentIndex(attempts.view.exam_combo.findData("gui-stats"))
    idle(qtbot, page)
    assert attempts.model.rowCount() == 5
    row = attempts.model.find(lambda a: a.login == "xinren1")
    assert attempts.model.index(row, 6).data() == "2"
    assert attempts.model.index(row, 7).data() == "手动交卷"
    assert "共 5 次考试" in attempts.view.summary_label.text()
    shot(qtbot, screenshot, page, "exam_attempts")
