"""Concurrent editing: a stale save is refused with both versions, never silently overwrites; two
saves at the same moment have exactly one winner; two agents handing in at once both keep their
results. Runs on SQLite and (with CSTRAINER_TEST_PG_URL) PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import replace
from functools import partial
from typing import Any

import pytest
from sqlalchemy import func, select

from cstrainer.domain.accounts import Role
from cstrainer.domain.phrases import PhraseItem
from cstrainer.domain.scenario import ScenarioDef
from cstrainer.services import SYSTEM, Services
from cstrainer.services.errors import EditConflict, InvalidInput
from cstrainer.services.roleplay import VersionConflict
from cstrainer.storage.database import open_database
from cstrainer.storage.models import Attempt, AuditEntry
from tests.services.exam_fixtures import PW, exam_item, make_bank
from tests.services.roleplay_fixtures import scenario_item

ROUNDS = 20
WELCOME = PhraseItem(
    "qy-welcome",
    "qinyu",
    "迎宾",
    "问候",
    "hy1",
    "亲，欢迎光临沁屿官方旗舰店～请问有什么可以帮您？",
    ("问候",),
)


@pytest.fixture
def world(services: Services) -> dict[str, Any]:
    actors = make_bank(services)
    services.users.add(SYSTEM, "wangfang", "王芳", PW, Role.TRAINER, "qy-pre", ["qinyu"])
    services.users.add(SYSTEM, "xinren2", "陈新人", PW, Role.TRAINEE, "qy-pre", ["qinyu"])
    services.phrases.save_team(SYSTEM, WELCOME)
    services.roleplay.save_scenario(SYSTEM, ScenarioDef.from_dict(scenario_item()), None)
    return {
        "s": services,
        **actors,
        "wangfang": services.auth.login("wangfang", PW),
        "xinren2": services.auth.login("xinren2", PW),
    }


@pytest.fixture
def second_app(services: Services) -> Iterator[Services]:
    """A second app on the same database: its own engine, its own connections."""
    other = Services(open_database(services.db.url.render_as_string(hide_password=False), backup=False))
    yield other
    other.close()


def race(*calls: Callable[[], Any]) -> list[Any]:
    """Run the calls in threads released at the same instant; each one's result or exception."""
    barrier = threading.Barrier(len(calls))
    out: list[Any] = [None] * len(calls)

    def run(i: int, call: Callable[[], Any]) -> None:
        barrier.wait()
        try:
            out[i] = call()
        except Exception as exc:  # collected, checked by the test
            out[i] = exc

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not any(t.is_alive() for t in threads), "a save hung"
    return out


def audit_count(s: Services, action: str) -> int:
    with s.db.session() as db:
        return int(db.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == action)))


# --- a stale save is refused, with both versions ---------------------------------------------------


def test_a_stale_question_save_is_refused_with_both_versions(world: dict[str, Any]) -> None:
    s, zhao, wang = world["s"], world["peixun"], world["wangfang"]
    opened = s.questions.get(zhao, "t-single")  # both trainers open version 1
    s.questions.save(
        wang, opened.with_changes(explanation="2L 装日常价 59.9 元，大促到手 49.9 元。"), base=opened
    )
    with pytest.raises(EditConflict) as err:
        s.questions.save(
            zhao,
            opened.with_changes(explanation="2L 装标价 59.9 元，会员再减 5 元。"),
            expected_version=opened.version,
            base=opened,
        )
    c = err.value
    assert isinstance(c, InvalidInput) and c.field == "version"
    assert (c.kind, c.key) == ("question", "t-single")
    assert c.mine.fields["解析"] == "2L 装标价 59.9 元，会员再减 5 元。"
    assert c.theirs is not None and c.theirs.fields["解析"] == "2L 装日常价 59.9 元，大促到手 49.9 元。"
    assert c.theirs.by == "王芳（wangfang）" and c.theirs.at is not None
    assert c.changed_fields == ["解析"]
    assert str(c).startswith(
        "保存失败：题目 t-single“沁屿香氛洗衣液 2L 装的标价是多少？” 在你打开之后已被 王芳（wangfang） 在"
    )
    assert str(c).endswith("请对比两个版本后再保存。")
    # nothing was overwritten
    assert s.questions.get(zhao, "t-single").explanation == "2L 装日常价 59.9 元，大促到手 49.9 元。"
    # saving over it knowingly: against the version now stored
    again = s.questions.save(
        zhao, opened.with_changes(explanation="2L 装标价 59.9 元，会员再减 5 元。"), base=c.latest
    )
    assert again.question.explanation == "2L 装标价 59.9 元，会员再减 5 元。"


def test_a_stale_paper_version_names_both_version_numbers(world: dict[str, Any]) -> None:
    s, zhao, wang, trainee = world["s"], world["peixun"], world["wangfang"], world["xinren"]
    s.exams.save_exam(SYSTEM, exam_item())
    s.exams.submit(trainee, s.exams.start(trainee, "exam-test").attempt_id)  # version 1 is on a paper
    opened = s.questions.get(zhao, "t-tf")
    saved = s.questions.save(wang, opened.with_changes(explanation="贴身衣物拆封后不支持七天无理由。"))
    assert saved.new_version and saved.question.version == 2
    with pytest.raises(EditConflict) as err:
        s.questions.save(zhao, opened.with_changes(stem="改过的题干"), expected_version=opened.version)
    c = err.value
    assert (c.expected_version, c.stored_version) == (1, 2)
    assert "改成第 2 版（你编辑的是第 1 版）" in str(c)
    assert c.mine.fields["题干"] == "改过的题干" and c.theirs is not None
    assert c.theirs.fields["题干"] == opened.stem
    assert set(c.changed_fields) == {"题干", "解析"}


def test_saving_what_is_already_stored_is_not_a_conflict(world: dict[str, Any]) -> None:
    s, zhao = world["s"], world["peixun"]
    opened = s.questions.get(zhao, "t-num")
    changed = opened.with_changes(explanation="2000 ÷ 25 = 80 次，误差 2 次以内都算对。")
    s.questions.save(world["wangfang"], changed, base=opened)
    assert not s.questions.save(zhao, changed, base=opened).new_version  # same text: nothing lost


def test_a_stale_phrase_save_is_refused_with_both_versions(world: dict[str, Any]) -> None:
    s, zhao, wang = world["s"], world["peixun"], world["wangfang"]
    opened = s.phrases.get_team(zhao, "qy-welcome")
    s.phrases.save_team(
        wang, replace(opened.item, text="亲，欢迎光临沁屿～今天下单满 99 元包邮哦"), expected_version=1
    )
    with pytest.raises(EditConflict) as err:
        s.phrases.save_team(
            zhao, replace(opened.item, shortcut="hy2", text="您好，我是小屿～"), expected_version=1
        )
    c = err.value
    assert (c.kind, c.expected_version, c.stored_version) == ("phrase", 1, 2)
    assert c.mine.fields["内容"] == "您好，我是小屿～" and c.mine.fields["快捷码"] == "hy2"
    assert c.theirs is not None and c.theirs.fields["内容"] == "亲，欢迎光临沁屿～今天下单满 99 元包邮哦"
    assert c.changed_fields == ["快捷码", "内容"]
    assert str(c).startswith("保存失败：话术 qy-welcome“问候” 已被 王芳（wangfang） 在 ")
    assert "改成第 2 版（你编辑的是第 1 版）" in str(c)
    assert c.latest.version == 2 and c.latest.text == "亲，欢迎光临沁屿～今天下单满 99 元包邮哦"
    assert s.phrases.get_team(zhao, "qy-welcome").text == "亲，欢迎光临沁屿～今天下单满 99 元包邮哦"
    # overwriting knowingly, against the stored version
    res = s.phrases.save_team(zhao, replace(opened.item, text="您好，我是小屿～"), expected_version=2)
    assert res.phrase.version == 3


def test_a_phrase_deleted_meanwhile_is_not_brought_back(world: dict[str, Any]) -> None:
    s, zhao = world["s"], world["peixun"]
    opened = s.phrases.get_team(zhao, "qy-welcome")
    s.phrases.delete_team(world["wangfang"], "qy-welcome")
    with pytest.raises(EditConflict) as err:
        s.phrases.save_team(zhao, replace(opened.item, text="改一下"), expected_version=1)
    assert err.value.theirs is None and "已被删除" in str(err.value)
    assert all(r.key != "qy-welcome" for r in s.phrases.list_team(zhao))


def test_accepting_a_proposal_does_not_undo_a_colleagues_edit(world: dict[str, Any]) -> None:
    s, zhao = world["s"], world["peixun"]
    s.users.add(SYSTEM, "lily", "李丽", PW, Role.AGENT, brand_keys=["qinyu"])
    lily = s.auth.login("lily", PW)
    proposal = s.phrase_review.propose(lily, "qy-welcome", "亲，欢迎光临沁屿～有什么可以帮您的吗？")
    s.phrases.save_team(world["wangfang"], replace(WELCOME, scene="咨询"), expected_version=1)
    decision = s.phrase_review.accept(zhao, proposal.id)
    assert decision.saved is not None and decision.saved.phrase.scene == "咨询"  # read, then pinned


def test_a_stale_scenario_save_is_refused_with_both_versions(world: dict[str, Any]) -> None:
    s, zhao, wang = world["s"], world["peixun"], world["wangfang"]
    opened = s.roleplay.scenario_record(zhao, "rp-test")
    s.roleplay.save_scenario(
        wang, ScenarioDef.from_dict(scenario_item(goal="先道歉，再给补发方案")), opened.version
    )
    with pytest.raises(VersionConflict) as err:
        s.roleplay.save_scenario(zhao, ScenarioDef.from_dict(scenario_item(title="漏液投诉（新版）")), 1)
    c = err.value
    assert isinstance(c, EditConflict) and c.kind == "scenario"
    assert (c.expected_version, c.stored_version) == (1, 2)
    assert c.mine.fields["标题"] == "漏液投诉（新版）" and c.mine.fields["目标"] == "道歉并给出退款方案"
    assert c.theirs is not None and c.theirs.fields["目标"] == "先道歉，再给补发方案"
    assert set(c.changed_fields) == {"标题", "目标"}
    assert "王芳（wangfang）" in str(c) and "改成第 2 版（你编辑的是第 1 版）" in str(c)
    assert c.latest.version == 2 and c.latest.definition.goal == "先道歉，再给补发方案"


# --- two saves at the same moment ------------------------------------------------------------------


def _one_winner(outcomes: list[Any]) -> tuple[int, EditConflict]:
    """Exactly one of two outcomes is a success and the other an EditConflict."""
    conflicts = [o for o in outcomes if isinstance(o, EditConflict)]
    others = [o for o in outcomes if isinstance(o, BaseException) and not isinstance(o, EditConflict)]
    assert not others, others
    assert len(conflicts) == 1, outcomes
    return next(i for i, o in enumerate(outcomes) if not isinstance(o, BaseException)), conflicts[0]


def test_simultaneous_question_saves_have_exactly_one_winner(
    world: dict[str, Any], second_app: Services
) -> None:
    s, zhao = world["s"], world["peixun"]
    wang2 = second_app.auth.login("wangfang", PW)
    edits = audit_count(s, "question.edit")
    for n in range(ROUNDS):
        opened = s.questions.get(zhao, "t-short")
        texts = [f"第 {n} 轮：先请顾客拍照留证（赵）", f"第 {n} 轮：先安抚，再请顾客拍照（王）"]
        outcomes = race(
            partial(s.questions.save, zhao, opened.with_changes(explanation=texts[0]), base=opened),
            partial(second_app.questions.save, wang2, opened.with_changes(explanation=texts[1]), base=opened),
        )
        winner, conflict = _one_winner(outcomes)
        stored = s.questions.get(zhao, "t-short")
        assert stored.explanation == texts[winner]
        assert conflict.theirs is not None and conflict.theirs.fields["解析"] == texts[winner]
        assert conflict.mine.fields["解析"] == texts[1 - winner]
        assert stored.version == opened.version  # not on a paper: the version number stays
        assert audit_count(s, "question.edit") == edits + n + 1  # exactly one write per round


def test_simultaneous_phrase_saves_have_exactly_one_winner(
    world: dict[str, Any], second_app: Services
) -> None:
    s, zhao = world["s"], world["peixun"]
    wang2 = second_app.auth.login("wangfang", PW)
    for n in range(ROUNDS):
        opened = s.phrases.get_team(zhao, "qy-welcome")
        texts = [f"亲，欢迎光临沁屿～（第 {n} 轮，赵）", f"您好呀，小屿在的～（第 {n} 轮，王）"]
        outcomes = race(
            partial(
                s.phrases.save_team,
                zhao,
                replace(opened.item, text=texts[0]),
                expected_version=opened.version,
            ),
            partial(
                second_app.phrases.save_team,
                wang2,
                replace(opened.item, text=texts[1]),
                expected_version=opened.version,
            ),
        )
        winner, conflict = _one_winner(outcomes)
        stored = s.phrases.get_team(zhao, "qy-welcome")
        assert stored.version == opened.version + 1  # exactly one increment per round
        assert stored.text == texts[winner] and outcomes[winner].phrase.version == stored.version
        assert (conflict.expected_version, conflict.stored_version) == (opened.version, stored.version)


def test_simultaneous_scenario_saves_have_exactly_one_winner(
    world: dict[str, Any], second_app: Services
) -> None:
    s, zhao = world["s"], world["peixun"]
    wang2 = second_app.auth.login("wangfang", PW)
    for n in range(ROUNDS // 4):
        opened = s.roleplay.scenario_record(zhao, "rp-test")
        goals = [f"道歉并退款（第 {n} 轮，赵）", f"道歉并补发（第 {n} 轮，王）"]
        outcomes = race(
            partial(
                s.roleplay.save_scenario,
                zhao,
                ScenarioDef.from_dict(scenario_item(goal=goals[0])),
                opened.version,
            ),
            partial(
                second_app.roleplay.save_scenario,
                wang2,
                ScenarioDef.from_dict(scenario_item(goal=goals[1])),
                opened.version,
            ),
        )
        winner, _conflict = _one_winner(outcomes)
        stored = s.roleplay.scenario_record(zhao, "rp-test")
        assert stored.version == opened.version + 1 and stored.definition.goal == goals[winner]


def test_creating_the_same_key_at_the_same_moment_has_one_winner(
    world: dict[str, Any], second_app: Services
) -> None:
    s, zhao = world["s"], world["peixun"]
    wang2 = second_app.auth.login("wangfang", PW)
    single = s.questions.get(zhao, "t-single")
    for n in range(5):
        key = f"t-new-{n}"
        stems = [f"沁屿洗衣液 1L 装的标价是多少？（{n}）", f"沁屿洗衣液 3L 装的标价是多少？（{n}）"]
        outcomes = race(
            partial(s.questions.save, zhao, single.with_changes(key=key, stem=stems[0]), must_be_new=True),
            partial(
                second_app.questions.save,
                wang2,
                single.with_changes(key=key, stem=stems[1]),
                must_be_new=True,
            ),
        )
        winner, conflict = _one_winner(outcomes)
        assert conflict.expected_version is None and "请换一个编号" in str(conflict)
        assert s.questions.get(zhao, key).stem == stems[winner]
        scenario_key = f"rp-new-{n}"
        outcomes = race(
            partial(s.roleplay.save_scenario, zhao, ScenarioDef.from_dict(scenario_item(scenario_key)), None),
            partial(
                second_app.roleplay.save_scenario,
                wang2,
                ScenarioDef.from_dict(scenario_item(scenario_key, goal="另一个目标")),
                None,
            ),
        )
        winner, conflict = _one_winner(outcomes)
        assert conflict.stored_version == 1
        assert s.roleplay.scenario_record(zhao, scenario_key).version == 1


# --- two agents handing in at the same moment ------------------------------------------------------


def sit(app: Services, who: Any, view: Any) -> Any:
    """Answer every question of the paper (autosaved one by one), then hand in."""
    for item in view.items:
        app.exams.save_answer(who, view.attempt_id, item.position, 0)
    return app.exams.submit(who, view.attempt_id)


def test_two_agents_submitting_at_the_same_moment_both_keep_their_results(
    world: dict[str, Any], second_app: Services
) -> None:
    s = world["s"]
    s.exams.save_exam(SYSTEM, exam_item(key="exam-race", attempts_allowed=99))
    one, two = world["xinren"], second_app.auth.login("xinren2", PW)
    apps = [(s, one), (second_app, two)]
    for _round in range(3):
        views = race(*[partial(app.exams.start, who, "exam-race") for app, who in apps])
        for v in views:
            if isinstance(v, BaseException):
                raise v

        results = race(*[partial(sit, app, who, view) for (app, who), view in zip(apps, views, strict=True)])
        assert not any(isinstance(r, BaseException) for r in results), results
        for (app, who), view, result in zip(apps, views, results, strict=True):
            stored = app.exams.result(who, view.attempt_id)
            assert stored.status == result.status != "in_progress"
            assert stored.score == result.score and stored.pending_review == result.pending_review
            assert all(i.response is not None for i in stored.items)
    with s.db.session() as db:
        assert db.scalar(select(func.count()).select_from(Attempt)) == 6


def test_conflict_sentences_name_who_when_and_both_versions() -> None:
    from datetime import UTC, datetime, timedelta

    from cstrainer.services.errors import EditSide, when_text

    now = datetime(2026, 12, 6, 2, 42, tzinfo=UTC)
    assert when_text(now, now) == f"{now.astimezone():%H:%M}"
    assert (
        when_text(now - timedelta(days=3), now) == f"{(now - timedelta(days=3)).astimezone():%Y-%m-%d %H:%M}"
    )
    theirs = EditSide(5, {"题干": "新题干"}, "王芳（wangfang）", now)
    c = EditConflict("question", "Q-123", mine=EditSide(4, {"题干": "旧题干"}), theirs=theirs)
    assert str(c) == (
        f"保存失败：题目 Q-123 已被 王芳（wangfang） 在 {when_text(now)} 改成第 5 版（你编辑的是第 4 版）。"
        "请对比两个版本后再保存。"
    )
    assert c.changed_fields == ["题干"] and (c.expected_version, c.stored_version) == (4, 5)
    gone = EditConflict("scenario", "rp-x", title="漏液投诉", mine=EditSide(2, {}), theirs=None)
    assert (
        str(gone).startswith("保存失败：场景 rp-x“漏液投诉” 已被删除或改了编号")
        and gone.stored_version is None
    )
    taken = EditConflict("question", "Q-1", title="退货运费谁出？", mine=EditSide(None, {}), theirs=theirs)
    assert "编号 Q-1 已被题目“退货运费谁出？”使用" in str(taken) and str(taken).endswith("后再改。")


def test_two_agents_starting_the_same_paper_at_once_freeze_each_version_once(
    world: dict[str, Any], second_app: Services
) -> None:
    """Both starts keep the versions they show; a version one of them wrote a moment before the
    other is skipped by the other (PostgreSQL: ON CONFLICT DO NOTHING), never written twice."""
    from cstrainer.storage.models import QuestionVersion

    s = world["s"]
    s.exams.save_exam(SYSTEM, exam_item(attempts_allowed=ROUNDS + 1))
    xinren, xinren2 = world["xinren"], second_app.auth.login("xinren2", PW)
    for n in range(3):
        with s.db.session() as db:  # nothing frozen yet in this round
            db.query(QuestionVersion).delete()
        views = race(
            partial(s.exams.start, xinren, "exam-test", seed=n),
            partial(second_app.exams.start, xinren2, "exam-test", seed=n),
        )
        assert not any(isinstance(v, BaseException) for v in views), views
        assert [i.view.key for i in views[0].items] == [i.view.key for i in views[1].items]
        assert [i.view.stem for i in views[0].items] == [i.view.stem for i in views[1].items]
        with s.db.session() as db:
            pairs = db.execute(select(QuestionVersion.question_id, QuestionVersion.version)).all()
        assert len(pairs) == len(set(pairs)) == len(views[0].items)
        for actor, app, view in ((xinren, s, views[0]), (xinren2, second_app, views[1])):
            app.exams.submit(actor, view.attempt_id)
