"""The permission matrix: every service operation, called as every role, is allowed or refused.

``MATRIX`` below has one or more entries per public method of every service on the ``Services``
facade that takes an ``actor``: how to call it with minimal valid arguments from the seeded
database, and which roles may. Each entry is called as 新人 (trainee), 客服 (agent), 培训师
(trainer) and 主管 (manager):

- a role outside ``allow`` must get ``PermissionDenied``;
- a role inside ``allow`` must not get ``PermissionDenied``, and by default must succeed. An entry
  with ``refusal=True`` accepts another ``ServiceError`` (``NotFound``, ``InvalidInput`` ...) for
  allowed roles: the call got past the permission check and was refused on its merits (for
  example restoring from a file that is not a backup). Every such entry says why.

``test_every_operation_is_in_the_matrix`` fails as soon as someone adds an actor-taking method
without a row here, so a new operation cannot ship without a decision on who may call it.

"Someone else's records" are those of ``laowang``, an agent in a team none of the four demo
accounts belongs to (the demo trainer ``peixun`` has no team and so, like a manager, sees
everyone: see ``domain.accounts.may_view_person``).

SQLite only: the permission checks do not depend on the backend, and the service suites already
run every service on PostgreSQL. All entries share one database (built once per worker); the
module takes about 25 s on SQLite. Run once against PostgreSQL (2026-12-06) it gave the same
outcome for every entry except ``database.backup``, which is for SQLite files only, and took
about twice as long, so it is not repeated there.
"""

from __future__ import annotations

import dataclasses
import inspect
import itertools
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from cstrainer.domain.accounts import Role
from cstrainer.domain.phrases import PhraseItem
from cstrainer.services import SYSTEM, Actor, PermissionDenied, ServiceError, Services
from cstrainer.services.audit import AuditQuery
from cstrainer.services.compliance import RuleDraft
from cstrainer.storage.database import DatabaseError, open_database

PW = "demo1234"
REPO = Path(__file__).resolve().parents[2]
ROLES = (Role.TRAINEE, Role.AGENT, Role.TRAINER, Role.MANAGER)
LOGINS = {Role.TRAINEE: "xinren", Role.AGENT: "kefu", Role.TRAINER: "peixun", Role.MANAGER: "zhuguan"}

ALL = frozenset(ROLES)
STAFF = frozenset({Role.TRAINER, Role.MANAGER})
MANAGER = frozenset({Role.MANAGER})
NOBODY: frozenset[Role] = frozenset()

NOW = datetime.now(UTC)
WEEK_AGO = NOW - timedelta(days=7)


# --- the shared world --------------------------------------------------------------------------


class World:
    """The seeded database plus the objects the calls need: someone else's attempt, session,
    comment and review item, an assignment, a review flag, files to import."""

    def __init__(self, s: Services, folder: Path) -> None:
        self.s = s
        self.folder = folder
        self.actors = {role: s.auth.login(LOGINS[role], PW) for role in ROLES}
        self._n = itertools.count(1)
        s.users.add(SYSTEM, "laowang", "王建国", PW, Role.AGENT, "qingkuo-service", ["qingkuo"])
        s.users.add(SYSTEM, "victim", "测试账号", PW, Role.AGENT, "qingkuo-service", ["qingkuo"])
        self.other = s.auth.login("laowang", PW)
        self.other_id = self.other.user_id
        assert self.other_id is not None

        # an exam with a reply question, so that a submitted attempt waits for a trainer's review
        reply_key = s.questions.search(SYSTEM, type="reply", limit=1)[0].key
        single_keys = [q.key for q in s.questions.search(SYSTEM, type="single", limit=2)]
        self.exam_key = "pm-exam"
        s.exams.save_exam(SYSTEM, self.exam_item(self.exam_key, [*single_keys, reply_key]))
        view = s.exams.start(self.other, self.exam_key)
        for item in view.items:
            if item.view.key == reply_key:
                s.exams.save_answer(
                    self.other,
                    view.attempt_id,
                    item.position,
                    "亲，非常抱歉，麻烦您拍照发给我，马上为您处理。",
                )
        s.exams.submit(self.other, view.attempt_id)
        self.other_attempt = view.attempt_id
        self.review_item = s.exams.review_queue(SYSTEM)[0].item_id

        self.scenario_key = s.roleplay.list_scenarios(SYSTEM)[0].key
        sess = s.roleplay.start(self.other, self.scenario_key, seed=1)
        s.roleplay.reply(self.other, sess.session_id, "亲，您好，请问有什么可以帮您？", 5.0)
        s.roleplay.finish(self.other, sess.session_id)
        self.other_session = sess.session_id
        rush_keys = [sc.key for sc in s.roleplay.list_scenarios(SYSTEM)[:3]]
        self.rush_keys = rush_keys
        rush = s.roleplay.start_rush(self.other, rush_keys, seed=1)
        self.other_rush = self._rush_group(rush[0].session_id)

        self.phrase_key = s.phrases.list_team(SYSTEM)[0].key
        self.other_comment = s.phrase_review.comment(
            self.other, self.phrase_key, "这句话太长了，顾客不爱看"
        ).id
        self.release = s.phrases.list_releases(SYSTEM)[0].version

        # handbook docs and cards are per brand: each caller reads one of their own brand's
        doc = s.handbook.list_docs(SYSTEM, kind="entry")[0]
        self.doc = (doc.kind, doc.key)
        self.rule_id = s.compliance.list_rules(SYSTEM)[0].id
        self.question_key = s.questions.search(SYSTEM, limit=1)[0].key
        self.assignment = s.assignments.assign(
            SYSTEM, "exam", self.exam_key, scope_kind="team", scope_value="qingkuo-service", title="矩阵测试"
        ).id

        # files: a phrase table, a compliance list, a handbook folder, a question file, a release
        self.phrase_csv = folder / "phrases.csv"
        s.phrase_io.export(SYSTEM, self.phrase_csv)
        self.rules_yaml = folder / "rules.yaml"
        s.compliance.export_yaml(SYSTEM, self.rules_yaml)
        self.handbook_dir = folder / "handbook-md"
        s.handbook_io.export_markdown(SYSTEM, self.handbook_dir, brand="qinyu")
        self.questions_file = folder / "questions.yaml"
        s.questions.export_file(SYSTEM, self.questions_file, format="yaml", keys=[self.question_key])
        self.release_zip = s.phrases.export_release(SYSTEM, self.release, folder)
        self.not_a_backup = folder / "not-a-backup.sqlite"
        self.not_a_backup.write_text("这不是数据库", encoding="utf-8")

    def _rush_group(self, session_id: int) -> str:
        from sqlalchemy import select

        from cstrainer.storage.models import RolePlaySession

        with self.s.db.session() as s:
            group = s.scalar(select(RolePlaySession.rush_group).where(RolePlaySession.id == session_id))
        assert group
        return str(group)

    @staticmethod
    def exam_item(key: str, questions: list[str]) -> dict[str, Any]:
        return {
            "key": key,
            "title": "权限矩阵测试卷",
            "purpose": "入职考试",
            "time_limit_minutes": 30,
            "pass_mark": 60,
            "attempts_allowed": 99,
            "shuffle_questions": False,
            "shuffle_options": False,
            "show_answers_after": True,
            "questions": questions,
        }

    def own_doc(self, a: Actor) -> tuple[str, str]:
        doc = self.s.handbook.list_docs(a, kind="entry")[0]
        return (doc.kind, doc.key)

    def own_card(self, a: Actor) -> str:
        return self.s.handbook_study.cards(a)[0].id

    def n(self) -> int:
        """A fresh number, for keys that must not collide between calls."""
        return next(self._n)

    def path(self, name: str) -> Path:
        folder = self.folder / f"out-{self.n()}"
        folder.mkdir()
        return folder / name

    # objects of the caller's own, made fresh for each call
    def own_attempt(self, a: Actor) -> int:
        return self.s.exams.start(a, self.exam_key).attempt_id

    def own_session(self, a: Actor) -> int:
        return self.s.roleplay.start(a, self.scenario_key, seed=self.n()).session_id

    def own_finished_session(self, a: Actor) -> int:
        sid = self.own_session(a)
        self.s.roleplay.reply(a, sid, "亲，您好，很高兴为您服务。", 4.0)
        self.s.roleplay.finish(a, sid)
        return sid

    def own_submitted_attempt(self, a: Actor) -> int:
        aid = self.own_attempt(a)
        self.s.exams.submit(a, aid)
        return aid


@dataclass(frozen=True)
class Op:
    call: Callable[[World, Actor], Any]
    allow: frozenset[Role]
    refusal: bool = False  # allowed roles may get another ServiceError (said why in `why`)
    why: str = ""
    # For operations everyone may call but whose answer is limited to what the caller may see:
    # given the world, the caller's role and the result, True when nothing leaked.
    scoped: Callable[[World, Role, Any], bool] | None = None


def _no_laowang(w: World, role: Role, result: Any) -> bool:
    """Agents and trainees never see laowang's line; trainers and managers do see it."""
    logins = {getattr(r, "login", None) for r in result}
    return ("laowang" in logins) == (role in STAFF)


def _own_product(w: World, a: Actor) -> str:
    return w.s.handbook.list_docs(a, kind="product")[0].key


def _question(w: World, a: Actor) -> Any:
    q = w.s.questions.get(SYSTEM, w.question_key)
    return dataclasses.replace(q, key=f"pm-q-{a.login}-{w.n()}")


def _scenario(w: World, a: Actor) -> Any:
    sc = w.s.roleplay.get_scenario(SYSTEM, w.scenario_key)
    return dataclasses.replace(sc, key=f"pm-sc-{a.login}-{w.n()}")


def _phrase(w: World, a: Actor) -> PhraseItem:
    n = w.n()
    return PhraseItem(
        f"pm-ph-{a.login}-{n}", None, "咨询", f"矩阵测试{n}", f"pmx{n}", "亲，在的呢，请问有什么可以帮您？"
    )


def _doc_data(w: World) -> dict[str, Any]:
    return dict(w.s.handbook.get_doc(SYSTEM, *w.doc).data)


def _promote(w: World, a: Actor) -> Any:
    uid = w.s.users.add(SYSTEM, f"pm-new{w.n()}", "新同事", None, Role.TRAINEE, "qingkuo-service").id
    return w.s.growth.promote(a, uid, "上岗", "矩阵测试：提前上岗", force=True)


# One entry per operation; "service.method" or "service.method#variant" for a second case.
MATRIX: dict[str, Op] = {
    # --- auth ----------------------------------------------------------------------------------
    "auth.history": Op(lambda w, a: w.s.auth.history(a, "laowang"), STAFF),
    "auth.history#own": Op(lambda w, a: w.s.auth.history(a), ALL),
    "auth.refresh": Op(lambda w, a: w.s.auth.refresh(a), ALL),
    # --- users ---------------------------------------------------------------------------------
    "users.add": Op(lambda w, a: w.s.users.add(a, f"pm-u{w.n()}", "新客服", None, Role.AGENT), MANAGER),
    "users.disable": Op(lambda w, a: w.s.users.disable(a, "victim"), MANAGER),
    "users.enable": Op(lambda w, a: w.s.users.enable(a, "victim"), MANAGER),
    "users.set_active": Op(lambda w, a: w.s.users.set_active(a, "victim", True), MANAGER),
    "users.unlock": Op(lambda w, a: w.s.users.unlock(a, "victim"), MANAGER),
    "users.update": Op(lambda w, a: w.s.users.update(a, "victim", display_name="测试账号二"), MANAGER),
    "users.set_password": Op(lambda w, a: w.s.users.set_password(a, "victim", "Reset-2026!x"), MANAGER),
    "users.set_password#own": Op(
        lambda w, a: w.s.users.set_password(a, a.login, PW, old_password=PW),
        ALL,
        refusal=True,
        why="the new password equals the old one: refused on its merits after the check",
    ),
    "users.get": Op(lambda w, a: w.s.users.get(a, "laowang"), STAFF),
    "users.get#own": Op(lambda w, a: w.s.users.get(a, a.login), ALL),
    "users.list": Op(lambda w, a: w.s.users.list(a), STAFF),
    # --- content packs -------------------------------------------------------------------------
    "content.export": Op(lambda w, a: w.s.content.export(a, w.path("packs")), STAFF),
    "content.import_demo_users": Op(lambda w, a: w.s.content.import_demo_users(a), MANAGER),
    "content.import_packs": Op(lambda w, a: w.s.content.import_packs(a, [], dry_run=True), STAFF),
    "content.import_paths": Op(
        lambda w, a: w.s.content.import_paths(a, [REPO / "question_bank" / "culture.yaml"], dry_run=True),
        STAFF,
    ),
    # --- audit log -----------------------------------------------------------------------------
    "audit.recent": Op(lambda w, a: w.s.audit.recent(a, 5), MANAGER),
    "audit.query": Op(lambda w, a: w.s.audit.query(a, AuditQuery(action="user.", limit=5)), MANAGER),
    "audit.iter_all": Op(lambda w, a: list(w.s.audit.iter_all(a, AuditQuery(action="db."))), MANAGER),
    "audit.export_csv": Op(lambda w, a: w.s.audit.export_csv(a, w.path("audit.csv")), MANAGER),
    # --- compliance ----------------------------------------------------------------------------
    "compliance.list_rules": Op(lambda w, a: w.s.compliance.list_rules(a), ALL),
    "compliance.get_rule": Op(lambda w, a: w.s.compliance.get_rule(a, w.rule_id), ALL),
    "compliance.save_rule": Op(
        lambda w, a: w.s.compliance.save_rule(
            a, RuleDraft(f"矩阵禁词{w.n()}", None, "absolute_terms", "测试用的违禁词")
        ),
        STAFF,
    ),
    "compliance.delete_rule": Op(
        lambda w, a: w.s.compliance.delete_rule(
            a,
            w.s.compliance.save_rule(
                SYSTEM, RuleDraft(f"待删禁词{w.n()}", None, "absolute_terms", "测试用的违禁词")
            ).id,
        ),
        STAFF,
    ),
    "compliance.export_yaml": Op(lambda w, a: w.s.compliance.export_yaml(a, w.path("rules.yaml")), STAFF),
    "compliance.import_yaml": Op(lambda w, a: w.s.compliance.import_yaml(a, w.rules_yaml), STAFF),
    # --- question bank -------------------------------------------------------------------------
    "questions.get": Op(lambda w, a: w.s.questions.get(a, w.question_key), STAFF),
    "questions.search": Op(lambda w, a: w.s.questions.search(a, "尺码", limit=5), STAFF),
    "questions.versions": Op(lambda w, a: w.s.questions.versions(a, w.question_key), STAFF),
    "questions.save": Op(lambda w, a: w.s.questions.save(a, _question(w, a)), STAFF),
    "questions.bulk_update": Op(
        lambda w, a: w.s.questions.bulk_update(a, [w.question_key], add_tags=["矩阵"]), STAFF
    ),
    "questions.export_file": Op(
        lambda w, a: w.s.questions.export_file(a, w.path("q.csv"), format="csv"), STAFF
    ),
    "questions.import_file": Op(
        lambda w, a: w.s.questions.import_file(a, w.questions_file, dry_run=True), STAFF
    ),
    # --- exams ---------------------------------------------------------------------------------
    "exams.list_exams": Op(lambda w, a: w.s.exams.list_exams(a), ALL),
    "exams.get_exam": Op(lambda w, a: w.s.exams.get_exam(a, w.exam_key), STAFF),
    "exams.save_exam": Op(
        lambda w, a: w.s.exams.save_exam(a, w.exam_item(f"pm-exam-{w.n()}", [w.question_key])), STAFF
    ),
    "exams.start": Op(lambda w, a: w.s.exams.start(a, w.exam_key), ALL),
    "exams.attempt": Op(lambda w, a: w.s.exams.attempt(a, w.own_attempt(a)), ALL),
    # attempt() is the paper being taken: only its owner; trainers read others' through result()
    "exams.attempt#other": Op(lambda w, a: w.s.exams.attempt(a, w.other_attempt), NOBODY),
    "exams.save_answer": Op(lambda w, a: w.s.exams.save_answer(a, w.own_attempt(a), 0, 0), ALL),
    "exams.save_answer#other": Op(lambda w, a: w.s.exams.save_answer(a, w.other_attempt, 0, 0), NOBODY),
    "exams.set_flag": Op(lambda w, a: w.s.exams.set_flag(a, w.own_attempt(a), 0, True), ALL),
    "exams.heartbeat": Op(lambda w, a: w.s.exams.heartbeat(a, w.own_attempt(a)), ALL),
    "exams.focus_lost": Op(lambda w, a: w.s.exams.focus_lost(a, w.own_attempt(a)), ALL),
    "exams.submit": Op(lambda w, a: w.s.exams.submit(a, w.own_attempt(a)), ALL),
    "exams.submit#other": Op(lambda w, a: w.s.exams.submit(a, w.other_attempt), NOBODY),
    "exams.result": Op(lambda w, a: w.s.exams.result(a, w.other_attempt), STAFF),
    "exams.result#own": Op(lambda w, a: w.s.exams.result(a, w.own_submitted_attempt(a)), ALL),
    "exams.attempts": Op(lambda w, a: w.s.exams.attempts(a, "laowang"), STAFF),
    "exams.attempts#own": Op(lambda w, a: w.s.exams.attempts(a), ALL),
    "exams.attempts_for_exam": Op(
        lambda w, a: w.s.exams.attempts_for_exam(a, w.exam_key), ALL, scoped=_no_laowang
    ),
    "exams.certificate_pdf": Op(
        lambda w, a: w.s.exams.certificate_pdf(a, w.other_attempt, w.path("cert.pdf")),
        STAFF,
        refusal=True,
        why="the attempt waits for review, so there is no certificate yet",
    ),
    "exams.review_queue": Op(lambda w, a: w.s.exams.review_queue(a), STAFF),
    "exams.review": Op(lambda w, a: w.s.exams.review(a, w.review_item, 1, "回复得体"), STAFF),
    "exams.item_stats": Op(lambda w, a: w.s.exams.item_stats(a, w.exam_key), STAFF),
    "exams.practice_set": Op(lambda w, a: w.s.exams.practice_set(a, 3, seed=1), ALL),
    "exams.answer_practice": Op(lambda w, a: w.s.exams.answer_practice(a, w.question_key, 0), ALL),
    "exams.wrong_book": Op(lambda w, a: w.s.exams.wrong_book(a), ALL),
    # --- role-play -----------------------------------------------------------------------------
    "roleplay.list_scenarios": Op(lambda w, a: w.s.roleplay.list_scenarios(a), ALL),
    "roleplay.get_scenario": Op(lambda w, a: w.s.roleplay.get_scenario(a, w.scenario_key), ALL),
    # the same scenario everyone can read through get_scenario, plus its version for the editor
    "roleplay.scenario_record": Op(lambda w, a: w.s.roleplay.scenario_record(a, w.scenario_key), ALL),
    "roleplay.save_scenario": Op(lambda w, a: w.s.roleplay.save_scenario(a, _scenario(w, a), None), STAFF),
    "roleplay.product_cards": Op(lambda w, a: w.s.roleplay.product_cards(a, [_own_product(w, a)]), ALL),
    "roleplay.start": Op(lambda w, a: w.s.roleplay.start(a, w.scenario_key, seed=1), ALL),
    "roleplay.start_rush": Op(lambda w, a: w.s.roleplay.start_rush(a, w.rush_keys, seed=1), ALL),
    "roleplay.reply": Op(lambda w, a: w.s.roleplay.reply(a, w.own_session(a), "亲，您好！", 3.0), ALL),
    "roleplay.reply#other": Op(
        lambda w, a: w.s.roleplay.reply(a, w.other_session, "亲，您好！", 3.0),
        NOBODY,
    ),
    "roleplay.give_up": Op(lambda w, a: w.s.roleplay.give_up(a, w.own_session(a), 10.0), ALL),
    "roleplay.finish": Op(lambda w, a: w.s.roleplay.finish(a, w.own_session(a)), ALL),
    "roleplay.abandon": Op(lambda w, a: w.s.roleplay.abandon(a, w.own_session(a)), ALL),
    "roleplay.abandon#other": Op(lambda w, a: w.s.roleplay.abandon(a, w.other_session), NOBODY),
    "roleplay.resume": Op(lambda w, a: w.s.roleplay.resume(a, w.own_session(a)), ALL),
    "roleplay.active_sessions": Op(lambda w, a: w.s.roleplay.active_sessions(a), ALL),
    "roleplay.view": Op(lambda w, a: w.s.roleplay.view(a, w.other_session), STAFF),
    "roleplay.session": Op(lambda w, a: w.s.roleplay.session(a, w.other_session), STAFF),
    "roleplay.session#own": Op(lambda w, a: w.s.roleplay.session(a, w.own_finished_session(a)), ALL),
    "roleplay.rush_summary": Op(lambda w, a: w.s.roleplay.rush_summary(a, w.other_rush), STAFF),
    "roleplay.history": Op(lambda w, a: w.s.roleplay.history(a, w.other_id), STAFF),
    "roleplay.history#own": Op(lambda w, a: w.s.roleplay.history(a), ALL),
    "roleplay.progress": Op(lambda w, a: w.s.roleplay.progress(a, w.other_id), STAFF),
    "roleplay.comment": Op(
        lambda w, a: w.s.roleplay.comment(a, w.other_session, 1, "开场很好，再主动一些"), STAFF
    ),
    "roleplay.comments": Op(lambda w, a: w.s.roleplay.comments(a, w.other_session), STAFF),
    "roleplay.regrade": Op(lambda w, a: w.s.roleplay.regrade(a, w.other_session), STAFF),
    "roleplay.simulate": Op(
        lambda w, a: w.s.roleplay.simulate(a, w.scenario_key, [("亲，您好！", 3.0)], 1), ALL
    ),
    # --- phrases -------------------------------------------------------------------------------
    "phrases.list_team": Op(lambda w, a: w.s.phrases.list_team(a), ALL),
    "phrases.get_team": Op(lambda w, a: w.s.phrases.get_team(a, w.phrase_key), ALL),
    "phrases.search": Op(lambda w, a: w.s.phrases.search(a, "nh"), ALL),
    "phrases.search_db": Op(lambda w, a: w.s.phrases.search_db(a, "地址"), ALL),
    "phrases.record_use": Op(lambda w, a: w.s.phrases.record_use(a, w.phrase_key), ALL),
    "phrases.save_team": Op(lambda w, a: w.s.phrases.save_team(a, _phrase(w, a)), STAFF),
    "phrases.delete_team": Op(
        lambda w, a: w.s.phrases.delete_team(a, w.s.phrases.save_team(SYSTEM, _phrase(w, a)).phrase.key),
        STAFF,
    ),
    "phrases.list_personal": Op(lambda w, a: w.s.phrases.list_personal(a), ALL),
    "phrases.save_personal": Op(lambda w, a: w.s.phrases.save_personal(a, _phrase(w, a)), ALL),
    "phrases.delete_personal": Op(
        lambda w, a: w.s.phrases.delete_personal(a, w.s.phrases.save_personal(a, _phrase(w, a)).phrase.key),
        ALL,
    ),
    "phrases.draft": Op(lambda w, a: w.s.phrases.draft(a), STAFF),
    "phrases.list_releases": Op(lambda w, a: w.s.phrases.list_releases(a), ALL),
    "phrases.get_release": Op(lambda w, a: w.s.phrases.get_release(a, w.release), ALL),
    "phrases.diff": Op(lambda w, a: w.s.phrases.diff(a, w.release, "draft"), STAFF),
    "phrases.diff#releases": Op(lambda w, a: w.s.phrases.diff(a, w.release, w.release), ALL),
    "phrases.publish": Op(lambda w, a: w.s.phrases.publish(a, f"2099.1.{w.n()}", "矩阵测试发布"), STAFF),
    "phrases.rollback": Op(
        lambda w, a: w.s.phrases.rollback(a, w.release, f"2099.2.{w.n()}", "矩阵测试回退"), STAFF
    ),
    "phrases.export_release": Op(
        lambda w, a: w.s.phrases.export_release(a, w.release, w.path("r.zip")), STAFF
    ),
    "phrases.import_release": Op(
        lambda w, a: w.s.phrases.import_release(a, w.release_zip),
        STAFF,
        refusal=True,
        why="the release is already in the database: refused as a duplicate",
    ),
    "phrases.import_shipped_releases": Op(lambda w, a: w.s.phrases.import_shipped_releases(a, []), STAFF),
    "phrases.mark_seen": Op(lambda w, a: w.s.phrases.mark_seen(a), ALL),
    "phrases.release_reminder": Op(lambda w, a: w.s.phrases.release_reminder(a), ALL),
    "phrases.what_changed_since_seen": Op(lambda w, a: w.s.phrases.what_changed_since_seen(a), ALL),
    # --- phrase review -------------------------------------------------------------------------
    "phrase_review.comment": Op(
        lambda w, a: w.s.phrase_review.comment(a, w.phrase_key, "建议加上发货时间"), ALL
    ),
    "phrase_review.propose": Op(
        lambda w, a: w.s.phrase_review.propose(a, w.phrase_key, "亲，已为您备注，今天下午五点前发出哦。"), ALL
    ),
    "phrase_review.get": Op(lambda w, a: w.s.phrase_review.get(a, w.other_comment), ALL),
    "phrase_review.list_for_phrase": Op(lambda w, a: w.s.phrase_review.list_for_phrase(a, w.phrase_key), ALL),
    "phrase_review.list_open": Op(lambda w, a: w.s.phrase_review.list_open(a), ALL),
    "phrase_review.open_counts": Op(lambda w, a: w.s.phrase_review.open_counts(a), ALL),
    "phrase_review.accept": Op(
        lambda w, a: w.s.phrase_review.accept(
            a, w.s.phrase_review.comment(w.other, w.phrase_key, "可以再简短些").id, note="已改"
        ),
        STAFF,
    ),
    "phrase_review.reject": Op(
        lambda w, a: w.s.phrase_review.reject(
            a, w.s.phrase_review.comment(w.other, w.phrase_key, "想换个说法").id, note="暂不修改"
        ),
        STAFF,
    ),
    # --- phrase drills -------------------------------------------------------------------------
    "phrase_drills.next_recall": Op(lambda w, a: w.s.phrase_drills.next_recall(a, 2), ALL),
    "phrase_drills.answer_recall": Op(
        lambda w, a: w.s.phrase_drills.answer_recall(a, w.phrase_key, "亲，您好", 8.0), ALL
    ),
    "phrase_drills.due_count": Op(lambda w, a: w.s.phrase_drills.due_count(a), ALL),
    "phrase_drills.typing_text": Op(lambda w, a: w.s.phrase_drills.typing_text(a, seed=1), ALL),
    "phrase_drills.submit_typing": Op(
        lambda w, a: w.s.phrase_drills.submit_typing(
            a, "亲，您好，请问有什么可以帮您？", "亲，您好，请问有什么可以帮您？", 6.0
        ),
        ALL,
    ),
    "phrase_drills.history": Op(lambda w, a: w.s.phrase_drills.history(a, w.other_id), STAFF),
    "phrase_drills.history#own": Op(lambda w, a: w.s.phrase_drills.history(a), ALL),
    "phrase_drills.stats": Op(lambda w, a: w.s.phrase_drills.stats(a, w.other_id), STAFF),
    "phrase_drills.team_stats": Op(
        lambda w, a: (
            w.s.phrase_drills.submit_typing(w.other, "亲，您好", "亲，您好", 2.0),
            w.s.phrase_drills.team_stats(a),
        )[1],
        ALL,
        scoped=_no_laowang,
    ),
    # --- phrase files --------------------------------------------------------------------------
    "phrase_io.export": Op(lambda w, a: w.s.phrase_io.export(a, w.path("phrases.csv")), STAFF),
    # the team phrases of the caller's brands, the same as phrases.list_team
    "phrase_io.export_items": Op(lambda w, a: w.s.phrase_io.export_items(a), ALL),
    "phrase_io.preview": Op(lambda w, a: w.s.phrase_io.preview(a, w.phrase_csv), STAFF),
    "phrase_io.import_table": Op(lambda w, a: w.s.phrase_io.import_table(a, w.phrase_csv), STAFF),
    # --- handbook study ------------------------------------------------------------------------
    "handbook_study.cards": Op(lambda w, a: w.s.handbook_study.cards(a), ALL),
    "handbook_study.get_card": Op(lambda w, a: w.s.handbook_study.get_card(a, w.own_card(a)), ALL),
    "handbook_study.queue": Op(lambda w, a: w.s.handbook_study.queue(a, limit=3), ALL),
    "handbook_study.due_count": Op(lambda w, a: w.s.handbook_study.due_count(a), ALL),
    "handbook_study.review": Op(lambda w, a: w.s.handbook_study.review(a, w.own_card(a), 3), ALL),
    "handbook_study.progress": Op(lambda w, a: w.s.handbook_study.progress(a, w.other_id), STAFF),
    "handbook_study.progress#own": Op(lambda w, a: w.s.handbook_study.progress(a), ALL),
    "handbook_study.team_progress": Op(
        lambda w, a: w.s.handbook_study.team_progress(a), ALL, scoped=_no_laowang
    ),
    "handbook_study.add_card": Op(
        lambda w, a: w.s.handbook_study.add_card(a, *w.doc, f"矩阵问题{w.n()}？", "矩阵答案"), STAFF
    ),
    "handbook_study.update_card": Op(
        lambda w, a: w.s.handbook_study.update_card(
            a,
            w.s.handbook_study.add_card(SYSTEM, *w.doc, f"待改问题{w.n()}？", "答案").id,
            "改后的问题？",
            "改后的答案",
        ),
        STAFF,
    ),
    "handbook_study.retire_card": Op(
        lambda w, a: w.s.handbook_study.retire_card(
            a, w.s.handbook_study.add_card(SYSTEM, *w.doc, f"待停问题{w.n()}？", "答案").id
        ),
        STAFF,
    ),
    # --- handbook ------------------------------------------------------------------------------
    "handbook.list_docs": Op(lambda w, a: w.s.handbook.list_docs(a), ALL),
    "handbook.get_doc": Op(lambda w, a: w.s.handbook.get_doc(a, *w.own_doc(a)), ALL),
    "handbook.search": Op(lambda w, a: w.s.handbook.search(a, "尺码"), ALL),
    "handbook.compare": Op(lambda w, a: w.s.handbook.compare(a, [("product", _own_product(w, a))] * 2), ALL),
    "handbook.history": Op(lambda w, a: w.s.handbook.history(a, *w.own_doc(a)), ALL),
    "handbook.revision_data": Op(
        lambda w, a: w.s.handbook.revision_data(a, *w.own_doc(a), 1),
        ALL,
        refusal=True,
        why="a seeded doc has no stored revision 1 until it is first edited",
    ),
    "handbook.diff": Op(
        lambda w, a: w.s.handbook.diff(a, *w.own_doc(a), 1, 1),
        ALL,
        refusal=True,
        why="as revision_data: the seeded doc has no stored revisions yet",
    ),
    "handbook.mark_read": Op(lambda w, a: w.s.handbook.mark_read(a, *w.own_doc(a)), ALL),
    "handbook.unread_count": Op(lambda w, a: w.s.handbook.unread_count(a), ALL),
    "handbook.save_doc": Op(
        lambda w, a: w.s.handbook.save_doc(a, w.doc[0], f"pm-doc-{w.n()}", _doc_data(w)), STAFF
    ),
    "handbook.save_many": Op(
        lambda w, a: w.s.handbook.save_many(a, [(w.doc[0], f"pm-doc-{w.n()}", _doc_data(w))]), STAFF
    ),
    "handbook.review_flags": Op(lambda w, a: w.s.handbook.review_flags(a), STAFF),
    "handbook.resolve_flag": Op(
        lambda w, a: w.s.handbook.resolve_flag(a, 999_999),
        STAFF,
        refusal=True,
        why="no flag with that id: allowed roles get NotFound (the check comes first)",
    ),
    # --- handbook files ------------------------------------------------------------------------
    "handbook_io.render_doc": Op(lambda w, a: w.s.handbook_io.render_doc(a, *w.own_doc(a)), ALL),
    "handbook_io.export_markdown": Op(
        lambda w, a: w.s.handbook_io.export_markdown(a, w.path("md"), brand="qinyu"), STAFF
    ),
    "handbook_io.export_pdf": Op(
        lambda w, a: w.s.handbook_io.export_pdf(a, w.path("handbook.pdf"), brand="qinyu"), STAFF
    ),
    "handbook_io.preview_markdown": Op(
        lambda w, a: w.s.handbook_io.preview_markdown(a, w.handbook_dir), STAFF
    ),
    "handbook_io.import_markdown": Op(lambda w, a: w.s.handbook_io.import_markdown(a, w.handbook_dir), STAFF),
    # --- analytics -----------------------------------------------------------------------------
    "analytics.team_overview": Op(lambda w, a: w.s.analytics.team_overview(a, None, WEEK_AGO, NOW), STAFF),
    "analytics.people_rows": Op(
        lambda w, a: w.s.analytics.people_rows(a, None, WEEK_AGO, NOW), ALL, scoped=_no_laowang
    ),
    # agents and trainees: their own team's board, once they have opted in
    "analytics.leaderboard": Op(
        lambda w, a: (
            w.s.growth.set_leaderboard_opt_in(a, True),
            w.s.analytics.leaderboard(a, a.team_id, WEEK_AGO, NOW),
        ),
        ALL,
    ),
    "analytics.leaderboard#other_team": Op(
        lambda w, a: w.s.analytics.leaderboard(a, w.other.team_id, WEEK_AGO, NOW), STAFF
    ),
    "analytics.agent_profile": Op(
        lambda w, a: w.s.analytics.agent_profile(a, w.other_id, WEEK_AGO, NOW), STAFF
    ),
    "analytics.agent_profile#own": Op(
        lambda w, a: w.s.analytics.agent_profile(a, a.user_id, WEEK_AGO, NOW), ALL
    ),
    # sums over the people the caller may see (an agent: only their own answers)
    "analytics.question_stats": Op(lambda w, a: w.s.analytics.question_stats(a, WEEK_AGO, NOW), ALL),
    "analytics.question_stats#other": Op(
        lambda w, a: w.s.analytics.question_stats(a, WEEK_AGO, NOW, user_id=w.other_id), STAFF
    ),
    "analytics.scenario_stats": Op(lambda w, a: w.s.analytics.scenario_stats(a, WEEK_AGO, NOW), ALL),
    "analytics.scenario_stats#other": Op(
        lambda w, a: w.s.analytics.scenario_stats(a, WEEK_AGO, NOW, user_id=w.other_id), STAFF
    ),
    "analytics.weak_points": Op(
        lambda w, a: w.s.analytics.weak_points(a, user_id=w.other_id, start=WEEK_AGO, end=NOW), STAFF
    ),
    "analytics.report": Op(lambda w, a: w.s.analytics.report(a, ("agent", "laowang"), "week"), STAFF),
    "analytics.report#own": Op(lambda w, a: w.s.analytics.report(a, ("agent", a.login), "week"), ALL),
    # name lookups only (no records): what the caller may then read is checked by the next call
    "analytics.team_id_of": Op(lambda w, a: w.s.analytics.team_id_of(a, "qingkuo-service"), ALL),
    "analytics.user_id_of": Op(lambda w, a: w.s.analytics.user_id_of(a, "laowang"), ALL),
    # --- assignments ---------------------------------------------------------------------------
    "assignments.assign": Op(
        lambda w, a: w.s.assignments.assign(
            a, "exam", w.exam_key, scope_kind="team", scope_value="qingkuo-service", title=f"补考{w.n()}"
        ),
        STAFF,
    ),
    "assignments.get": Op(lambda w, a: w.s.assignments.get(a, w.assignment), STAFF),
    "assignments.list_assignments": Op(lambda w, a: w.s.assignments.list_assignments(a), STAFF),
    "assignments.assignment_status": Op(
        lambda w, a: w.s.assignments.assignment_status(a, w.assignment), STAFF
    ),
    "assignments.cancel": Op(
        lambda w, a: w.s.assignments.cancel(
            a,
            w.s.assignments.assign(
                SYSTEM, "exam", w.exam_key, scope_kind="team", scope_value="qingkuo-service", title="待取消"
            ).id,
        ),
        STAFF,
    ),
    "assignments.my_tasks": Op(lambda w, a: w.s.assignments.my_tasks(a), ALL),
    # --- growth --------------------------------------------------------------------------------
    "growth.progress": Op(lambda w, a: w.s.growth.progress(a, w.other_id), STAFF),
    "growth.progress#own": Op(lambda w, a: w.s.growth.progress(a), ALL),
    "growth.progress_many": Op(lambda w, a: w.s.growth.progress_many(a, [w.other_id]), STAFF),
    "growth.promotions": Op(lambda w, a: w.s.growth.promotions(a, w.other_id), STAFF),
    "growth.promote": Op(_promote, MANAGER),
    "growth.leaderboard_opt_in": Op(lambda w, a: w.s.growth.leaderboard_opt_in(a), ALL),
    "growth.set_leaderboard_opt_in": Op(lambda w, a: w.s.growth.set_leaderboard_opt_in(a, True), ALL),
    # --- database ------------------------------------------------------------------------------
    "database.backup": Op(lambda w, a: w.s.database.backup(a, w.path("backup.sqlite")), MANAGER),
    "database.backups": Op(lambda w, a: w.s.database.backups(a, w.folder), MANAGER),
    "database.restore": Op(
        lambda w, a: w.s.database.restore(a, w.not_a_backup),
        MANAGER,
        refusal=True,
        why="the file is not a backup: refused after the check, and the live database stays",
    ),
}


# --- the tests ---------------------------------------------------------------------------------


def actor_operations() -> set[str]:
    """``service.method`` for every public method taking ``actor`` of every service on Services."""
    found = set()
    for attr, cls in _service_classes().items():
        for name, fn in inspect.getmembers(cls, inspect.isfunction):
            if not name.startswith("_") and "actor" in inspect.signature(fn).parameters:
                found.add(f"{attr}.{name}")
    return found


def _service_classes() -> dict[str, type]:
    """The class of each service on ``Services`` (built on first use: the return annotation of
    each ``@_service`` builder names it)."""
    import cstrainer.services as pkg

    out: dict[str, type] = {}
    for attr, value in vars(Services).items():
        if isinstance(value, pkg._service):
            cls_name = str(inspect.get_annotations(value.build)["return"])
            out[attr] = getattr(pkg, cls_name, None) or _find_class(cls_name)
    assert len(out) >= 19, sorted(out)
    return out


def _find_class(name: str) -> type:
    import importlib
    import pkgutil

    import cstrainer.services as pkg

    for mod in pkgutil.iter_modules(pkg.__path__):
        module = importlib.import_module(f"cstrainer.services.{mod.name}")
        if isinstance(getattr(module, name, None), type):
            return getattr(module, name)  # type: ignore[no-any-return]
    raise LookupError(name)


def test_every_operation_is_in_the_matrix() -> None:
    ops = actor_operations()
    listed = {k.split("#")[0] for k in MATRIX}
    missing = sorted(ops - listed)
    stale = sorted(listed - ops)
    assert not missing, f"operations without a row in MATRIX (decide who may call them): {missing}"
    assert not stale, f"rows in MATRIX for operations that no longer exist: {stale}"
    assert len(ops) > 150  # the scan found the services at all


@pytest.fixture(scope="module")
def world(_templates: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    folder = tmp_path_factory.mktemp("matrix")
    path = folder / "matrix.sqlite"
    shutil.copyfile(_templates.get("sqlite", True), path)
    s = Services(open_database(f"sqlite:///{path}"))
    w = World(s, folder)
    yield w
    s.close()


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_permission(world: World, name: str) -> None:
    op = MATRIX[name]
    wrong: list[str] = []
    for role in ROLES:
        actor = world.actors[role]
        try:
            result = op.call(world, actor)
            outcome = "ok"
        except PermissionDenied:
            outcome = "denied"
        except (ServiceError, DatabaseError) as exc:
            outcome = f"refused: {type(exc).__name__}: {exc}"
            result = None
        else:
            if op.scoped is not None and not op.scoped(world, role, result):
                wrong.append(f"{role.value}: the answer shows records the role may not see: {result!r:.300}")
        allowed = role in op.allow
        if allowed and outcome == "denied":
            wrong.append(f"{role.value} was denied but should be allowed")
        elif not allowed and outcome != "denied":
            wrong.append(f"{role.value} should be denied, got {outcome}")
        elif allowed and outcome != "ok" and not op.refusal:
            wrong.append(f"{role.value} allowed but the call failed ({outcome}): fix the row's arguments")
    assert not wrong, f"{name}: " + "; ".join(wrong)
