"""The database schema, in one place.

Tables (head revision):

Accounts (revision 0001)
- ``brands``: the shops' brands a team serves. ``key`` is the stable slug used by content packs.
- ``teams``: groups of agents, usually one brand and one stage (售前 / 售中 / 售后).
- ``team_brands``: which brands a team serves (many to many).
- ``users``: people who log in. ``login`` is stored lower-case and unique. ``password_hash`` is an
  argon2 hash (NULL = no password set yet, cannot log in). ``failed_logins`` and ``locked_until``
  implement the five-strikes lockout. ``role`` is one of trainee / agent / trainer / manager.
- ``user_brands``: the brands a person covers (one agent often covers several).
- ``login_events``: every login attempt, successful or not, with the reason of a failure.

Content and audit (revision 0002)
- ``audit_log``: who changed what and when (user administration, imports, later releases and
  grade overrides). ``detail`` is JSON and never holds a password.
- ``products``, ``competitors``, ``handbook_entries``, ``questions``, ``exams``, ``scenarios``,
  ``phrases``: trainer-authored content. Each row has a stable ``key`` (the content-pack key), the
  columns the app filters on, and a ``data`` JSON document with the rest of the item exactly as the
  content pack describes it. ``version`` counts edits (later used for optimistic locking).

Role-play (revision 0004)
- ``roleplay_sessions``: one chat with a simulated customer. ``scenario_snapshot`` is the scenario
  (pack item dict) exactly as played and ``seed`` picks the wordings, so the engine replays the
  session deterministically. ``draft`` marks a trainer's "try it" of an unsaved scenario (never in
  statistics); ``rush_group`` ties the sessions of one rush (大促) together. ``mood``, ``patience``
  and ``replies`` cache the state after the last line; ``score``, ``dimensions`` and ``scorecard``
  (JSON) are filled when the session is graded, ``graded_version`` says with which scenario version.
- ``roleplay_messages``: every customer line and agent reply with its response time (``seconds``)
  and its time since the start (``at_ms``), committed before the reply is acknowledged.
- ``roleplay_comments``: trainers' comments on single lines (``message_seq``).

Phrase library (revision 0005)
- ``phrases`` (the team library) gains ``search_text`` (jieba search terms, space separated),
  ``initials`` (pinyin first letters of the text), ``usage_count`` and ``lint_justification`` (why
  a trainer kept a phrase the banned-word linter flags; empty when it has no hits).
- ``personal_phrases``: each person's own quick replies, unique per (user, key). They are never
  touched by library imports or releases.
- ``phrase_releases``: published releases of the team library, never changed afterwards:
  ``version`` (unique), ``date``, ``author``, ``notes``, ``items`` (the whole library as pack item
  dicts), ``sha256`` of the release YAML, ``source`` (published / rollback / imported) and
  ``rollback_of`` (the version whose content a rollback re-published).
- ``phrase_release_seen``: the newest release each person has looked at ("what changed").

Phrase review and drills (revision 0006)
- ``phrase_comments``: colleagues' comments on and proposed wordings for a team phrase of the
  draft: ``phrase_key`` (no foreign key: keys outlive rows across release imports), ``author_id``,
  ``kind`` (comment / proposal), ``text``, ``status`` (open / accepted / rejected), ``created_at``,
  ``decided_by`` (login of the trainer or manager), ``decided_at`` and ``decision_note``.
- ``phrase_drill_cards``: the fsrs card (``card`` JSON, ``due``) of one phrase for one person's
  shortcut-recall drill, unique per (user, phrase_key).
- ``phrase_drill_attempts``: every recall answer and typing-drill attempt: ``kind`` (recall /
  typing), ``phrase_key`` (typing: the keys of the phrases in the text, comma separated), ``mode``
  (recall prompt mode), ``prompt``, ``answer``, ``correct``, ``seconds``, and for typing ``cpm``,
  ``accuracy`` and ``net_cpm`` (错一罚五).

Compliance rules and full-text search (revision 0007)
- ``compliance_rules``: the banned-wording rules the linter and the graders apply, editable by
  trainers in the app and shared by everybody on the database (seeded from
  ``scripts_library/compliance/banned_words.yaml``): ``position`` (file order), exactly one of
  ``word`` / ``pattern``, ``rule`` (category id), ``reason`` (shown to agents), ``exceptions``
  (JSON list), ``note`` (for trainers), ``version``, ``updated_at``, ``updated_by``.
- Database-side search over ``search_text`` and ``initials`` of ``phrases`` and
  ``personal_phrases``: on SQLite the FTS5 tables ``phrases_fts`` / ``personal_phrases_fts``
  (external content, kept in step by triggers), on PostgreSQL GIN indexes on
  ``to_tsvector('simple', search_text)`` and ``to_tsvector('simple', initials)``. They are
  not in the ORM metadata (see ``UNMANAGED``); a later migration that rebuilds ``phrases`` or
  ``personal_phrases`` in batch mode on SQLite must recreate the triggers.

Handbooks (revision 0008)
- ``handbook_revisions``: every saved version of a product, competitor or handbook entry
  (``doc_kind`` product / competitor / entry, ``doc_key``, ``version``, ``at``, ``by``, ``note``,
  ``changed`` field names, ``data`` = the item after the change).
- ``handbook_reads``: the version of a document each person last read.
- ``content_review_flags``: questions and scenarios to review because a product they link to
  changed (``resolved_at`` / ``resolved_by`` once a trainer has checked them).
- ``handbook_cards``: flashcards trainers wrote (generated cards are computed, not stored).
- ``handbook_card_states``: each person's fsrs state per flashcard (``card_id``).

Assignments and growth path (revision 0009)
- ``users`` gains ``stage`` (growth-path stage) and ``leaderboard_opt_in``.
- ``roleplay_sessions`` gains one column per scorecard dimension (``dim_*``) and
  ``avg_reply_seconds``, filled when graded (and back-filled from ``dimensions``).
- ``assignments``: exams, scenarios, drills and handbook documents given to a person, team, role
  or everyone, with a due date; ``promotions``: every stage change with who made it.

Dashboards (revision 0010)
- Covering indexes ``ix_attempts_dashboard``, ``ix_attempt_items_dashboard`` and
  ``ix_roleplay_sessions_dashboard`` for the period scans of cstrainer/services/analytics.py.

Question-bank stamp (revision 0012)
- Covering index ``ix_questions_bank_stamp`` (updated_at, version, retired, id) for the aggregate the
  exam service reads before each draw to know whether its cached bank is still current.

Timestamps are stored as naive UTC and handed out as aware UTC (see ``UTCDateTime``).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy import (
    false as sa_false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Stores naive UTC, returns aware UTC, on SQLite and PostgreSQL alike."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON(), list[Any]: JSON()}  # noqa: RUF012


team_brands = Table(
    "team_brands",
    Base.metadata,
    Column("team_id", ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True),
    Column("brand_id", ForeignKey("brands.id", ondelete="CASCADE"), primary_key=True),
)

user_brands = Table(
    "user_brands",
    Base.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("brand_id", ForeignKey("brands.id", ondelete="CASCADE"), primary_key=True),
)


class Brand(Base):
    __tablename__ = "brands"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    voice: Mapped[str] = mapped_column(Text, default="")
    platforms: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Team(Base):
    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    stage: Mapped[str] = mapped_column(String(16), default="综合")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    brands: Mapped[list[Brand]] = relationship(secondary=team_brands, order_by=Brand.key)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column()
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column()
    # Revision 0009: the growth-path stage (新人 上岗 售后 精英客服 主管) and the leaderboard opt-in.
    stage: Mapped[str] = mapped_column(String(16), default="新人", server_default="新人", index=True)
    leaderboard_opt_in: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())

    team: Mapped[Team | None] = relationship()
    brands: Mapped[list[Brand]] = relationship(secondary=user_brands, order_by=Brand.key)


class LoginEvent(Base):
    __tablename__ = "login_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    login: Mapped[str] = mapped_column(String(64), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    success: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str] = mapped_column(String(32), default="")
    source: Mapped[str] = mapped_column(String(16), default="gui")


# --- revision 0002: audit log and content -------------------------------------------------------


class AuditEntry(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_login: Mapped[str] = mapped_column(String(64), index=True)
    action: Mapped[str] = mapped_column(String(64), index=True)
    entity: Mapped[str] = mapped_column(String(32), default="")
    entity_key: Mapped[str] = mapped_column(String(128), default="")
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)


class ContentMixin:
    """Columns every kind of trainer-authored content has."""

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(128), unique=True)
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by: Mapped[str] = mapped_column(String(64), default="")


class Product(ContentMixin, Base):
    __tablename__ = "products"

    brand_id: Mapped[int] = mapped_column(ForeignKey("brands.id", ondelete="RESTRICT"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(64), default="")


class Competitor(ContentMixin, Base):
    __tablename__ = "competitors"

    rival_brand: Mapped[str] = mapped_column(String(100))
    product: Mapped[str] = mapped_column(String(200))
    our_product_id: Mapped[int | None] = mapped_column(
        ForeignKey("products.id", ondelete="SET NULL"), index=True
    )


class HandbookEntry(ContentMixin, Base):
    __tablename__ = "handbook_entries"

    title: Mapped[str] = mapped_column(String(200))
    brand_id: Mapped[int | None] = mapped_column(ForeignKey("brands.id", ondelete="RESTRICT"), index=True)
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id", ondelete="SET NULL"), index=True)


class Question(ContentMixin, Base):
    __tablename__ = "questions"
    # Revision 0012: the exam service's bank stamp (cstrainer/services/exams.py) reads only the index.
    __table_args__ = (Index("ix_questions_bank_stamp", "updated_at", "version", "retired", "id"),)

    # Revision 0003: jieba search terms of stem, options, explanation and tags, space separated,
    # so that full-text search is a LIKE per query word that works alike on SQLite and PostgreSQL.
    search_text: Mapped[str] = mapped_column(Text, default="")
    # The stem with spaces, punctuation, width and case folded away: same value = duplicate warning.
    stem_fp: Mapped[str] = mapped_column(String(512), default="", index=True)

    type: Mapped[str] = mapped_column(String(16), index=True)
    stem: Mapped[str] = mapped_column(Text)
    brand_id: Mapped[int | None] = mapped_column(ForeignKey("brands.id", ondelete="RESTRICT"), index=True)
    category: Mapped[str] = mapped_column(String(32), index=True)
    difficulty: Mapped[int] = mapped_column(Integer, default=1)
    retired: Mapped[bool] = mapped_column(Boolean, default=False)


class Exam(ContentMixin, Base):
    __tablename__ = "exams"

    title: Mapped[str] = mapped_column(String(200))
    purpose: Mapped[str] = mapped_column(String(32), default="")


class Scenario(ContentMixin, Base):
    __tablename__ = "scenarios"

    title: Mapped[str] = mapped_column(String(200))
    brand_id: Mapped[int | None] = mapped_column(ForeignKey("brands.id", ondelete="RESTRICT"), index=True)
    stage: Mapped[str] = mapped_column(String(16), index=True)
    persona: Mapped[str] = mapped_column(String(16), default="")


class Phrase(ContentMixin, Base):
    __tablename__ = "phrases"

    brand_id: Mapped[int | None] = mapped_column(ForeignKey("brands.id", ondelete="RESTRICT"), index=True)
    scene: Mapped[str] = mapped_column(String(32), index=True)
    intent: Mapped[str] = mapped_column(String(100), default="")
    shortcut: Mapped[str] = mapped_column(String(32), index=True)
    text: Mapped[str] = mapped_column(Text)
    # Revision 0005. Search columns are filled on save; an import clears ``search_text`` and the
    # phrase service re-indexes such rows when it loads its search index.
    search_text: Mapped[str] = mapped_column(Text, default="")
    initials: Mapped[str] = mapped_column(String(255), default="")
    usage_count: Mapped[int] = mapped_column(Integer, default=0)
    lint_justification: Mapped[str] = mapped_column(Text, default="")


# --- revision 0003: exams, attempts, the wrong-answer book --------------------------------------


class QuestionVersion(Base):
    """Every version of a question that was ever put on a paper, exactly as it was shown."""

    __tablename__ = "question_versions"
    __table_args__ = (UniqueConstraint("question_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Attempt(Base):
    """One person's sitting of one exam: a drawn paper, a clock, and the result."""

    __tablename__ = "attempts"
    # Revision 0010: the dashboards' period scans read only the index.
    __table_args__ = (
        Index("ix_attempts_dashboard", "status", "submitted_at", "user_id", "percent", "passed"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    exam_id: Mapped[int] = mapped_column(ForeignKey("exams.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    exam_version: Mapped[int] = mapped_column(Integer, default=1)
    seed: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), index=True)  # in_progress | reviewing | graded
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(index=True)
    time_limit_seconds: Mapped[int | None] = mapped_column(Integer)
    closes_at: Mapped[datetime | None] = mapped_column()
    used_seconds: Mapped[float] = mapped_column(default=0.0)
    last_heartbeat_at: Mapped[datetime | None] = mapped_column()
    focus_losses: Mapped[int] = mapped_column(Integer, default=0)
    auto_submitted: Mapped[bool] = mapped_column(Boolean, default=False)
    submit_reason: Mapped[str] = mapped_column(String(32), default="")
    score: Mapped[float | None] = mapped_column()
    max_score: Mapped[float | None] = mapped_column()
    percent: Mapped[float | None] = mapped_column()
    passed: Mapped[bool | None] = mapped_column(Boolean)
    certificate_code: Mapped[str | None] = mapped_column(String(32), unique=True)


class AttemptItem(Base):
    """One question of an attempt's paper, the answer given, and its grade."""

    __tablename__ = "attempt_items"
    __table_args__ = (
        UniqueConstraint("attempt_id", "position"),
        # Revision 0010: per-category and per-question figures of the dashboards.
        Index("ix_attempt_items_dashboard", "attempt_id", "question_id", "correct", "score", "points"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="RESTRICT"), index=True)
    question_version: Mapped[int] = mapped_column(Integer)
    points: Mapped[float] = mapped_column(default=1.0)
    option_order: Mapped[list[Any]] = mapped_column(default=list)
    right_order: Mapped[list[Any]] = mapped_column(default=list)
    response: Mapped[Any | None] = mapped_column(JSON, nullable=True)
    answered_at: Mapped[datetime | None] = mapped_column()
    flagged: Mapped[bool] = mapped_column(Boolean, default=False)
    score: Mapped[float | None] = mapped_column()
    auto_score: Mapped[float | None] = mapped_column()
    correct: Mapped[bool | None] = mapped_column(Boolean)
    needs_review: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    reviewed_by: Mapped[str | None] = mapped_column(String(64))
    reviewed_at: Mapped[datetime | None] = mapped_column()
    review_comment: Mapped[str] = mapped_column(Text, default="")
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)


class WrongBookEntry(Base):
    """A question a person got wrong, until it is answered right on two different days."""

    __tablename__ = "wrong_book"
    __table_args__ = (UniqueConstraint("user_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"), index=True)
    wrong_count: Mapped[int] = mapped_column(Integer, default=1)
    first_wrong_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_wrong_at: Mapped[datetime] = mapped_column(default=utcnow)
    right_days: Mapped[list[Any]] = mapped_column(default=list)  # ISO dates of right answers since


class PracticeAnswer(Base):
    """An answer given outside exams (wrong-book and weak-category practice)."""

    __tablename__ = "practice_answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"), index=True)
    question_version: Mapped[int] = mapped_column(Integer)
    response: Mapped[Any | None] = mapped_column(JSON, nullable=True)
    fraction: Mapped[float] = mapped_column(default=0.0)
    correct: Mapped[bool] = mapped_column(Boolean)
    answered_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


# --- revision 0004: role-play sessions ----------------------------------------------------------


class RolePlaySession(Base):
    """One chat with a simulated customer: the scenario as played, the seed, state and result."""

    __tablename__ = "roleplay_sessions"
    # Revision 0010: the dashboards' period scans read only the index.
    __table_args__ = (
        Index(
            "ix_roleplay_sessions_dashboard",
            "status",
            "started_at",
            "user_id",
            "draft",
            "score",
            "success",
            "avg_reply_seconds",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # NULL for a draft of a scenario that was never saved (and after the scenario was deleted).
    scenario_id: Mapped[int | None] = mapped_column(
        ForeignKey("scenarios.id", ondelete="SET NULL"), index=True
    )
    scenario_key: Mapped[str] = mapped_column(String(128), index=True)
    scenario_title: Mapped[str] = mapped_column(String(200), default="")
    stage: Mapped[str] = mapped_column(String(16), default="")
    scenario_version: Mapped[int] = mapped_column(Integer, default=0)
    scenario_snapshot: Mapped[dict[str, Any]] = mapped_column(default=dict)
    seed: Mapped[int] = mapped_column(Integer, default=0)
    mode: Mapped[str] = mapped_column(String(16), default="normal")
    rush_group: Mapped[str | None] = mapped_column(String(64), index=True)
    draft: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), index=True)  # active | finished | abandoned
    started_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    ended_at: Mapped[datetime | None] = mapped_column()
    # The customer's state after the last stored line (a cache for lists; the engine is the truth).
    mood: Mapped[int] = mapped_column(Integer, default=50)
    patience: Mapped[int] = mapped_column(Integer, default=50)
    replies: Mapped[int] = mapped_column(Integer, default=0)
    outcome: Mapped[str | None] = mapped_column(String(16))
    success: Mapped[bool | None] = mapped_column(Boolean)
    score: Mapped[int | None] = mapped_column(Integer)
    dimensions: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # Revision 0009: the five dimension scores and the mean reply time as columns, so dashboards
    # aggregate them in SQL (filled when a session is graded; ``dimensions`` keeps the JSON).
    dim_knowledge: Mapped[int | None] = mapped_column(Integer)  # 专业知识
    dim_standard: Mapped[int | None] = mapped_column(Integer)  # 服务规范
    dim_communication: Mapped[int | None] = mapped_column(Integer)  # 沟通技巧
    dim_speed: Mapped[int | None] = mapped_column(Integer)  # 响应时效
    dim_compliance: Mapped[int | None] = mapped_column(Integer)  # 合规
    avg_reply_seconds: Mapped[float | None] = mapped_column()
    scorecard: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    graded_version: Mapped[int | None] = mapped_column(Integer)
    # The scenario a re-grade used (NULL: graded with the snapshot as played).
    graded_snapshot: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    graded_at: Mapped[datetime | None] = mapped_column()


class RolePlayMessage(Base):
    """One line of a role-play transcript, stored the moment it was said."""

    __tablename__ = "roleplay_messages"
    __table_args__ = (UniqueConstraint("session_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("roleplay_sessions.id", ondelete="CASCADE"), index=True
    )
    seq: Mapped[int] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(16))  # customer | agent | system
    text: Mapped[str] = mapped_column(Text)
    turn_id: Mapped[str | None] = mapped_column(String(128))
    wording_index: Mapped[int | None] = mapped_column(Integer)
    impatient: Mapped[bool] = mapped_column(Boolean, default=False)  # an impatient repeat wording
    seconds: Mapped[float] = mapped_column(default=0.0)
    at_ms: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class RolePlayComment(Base):
    """A trainer's comment on one line of a session."""

    __tablename__ = "roleplay_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("roleplay_sessions.id", ondelete="CASCADE"), index=True
    )
    message_seq: Mapped[int] = mapped_column(Integer)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    author_login: Mapped[str] = mapped_column(String(64), default="")
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


# --- revision 0005: the phrase library ----------------------------------------------------------


class PersonalPhrase(Base):
    """One person's own quick reply (never changed by library imports or releases)."""

    __tablename__ = "personal_phrases"
    __table_args__ = (UniqueConstraint("user_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(128))
    brand_id: Mapped[int | None] = mapped_column(ForeignKey("brands.id", ondelete="SET NULL"), index=True)
    scene: Mapped[str] = mapped_column(String(32))
    intent: Mapped[str] = mapped_column(String(100), default="")
    shortcut: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)
    tags: Mapped[list[Any]] = mapped_column(default=list)
    search_text: Mapped[str] = mapped_column(Text, default="")
    initials: Mapped[str] = mapped_column(String(255), default="")
    usage_count: Mapped[int] = mapped_column(Integer, default=0)
    lint_justification: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow, index=True)


class PhraseReleaseRow(Base):
    """A published release of the team phrase library (immutable once written)."""

    __tablename__ = "phrase_releases"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[str] = mapped_column(String(64), unique=True)
    date: Mapped[date] = mapped_column(Date, index=True)
    author: Mapped[str] = mapped_column(String(64), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    items: Mapped[list[Any]] = mapped_column(default=list)
    sha256: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(16), default="published")  # published|rollback|imported
    rollback_of: Mapped[str | None] = mapped_column(String(64))
    published_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_by: Mapped[str] = mapped_column(String(64), default="")


class PhraseReleaseSeen(Base):
    """The newest phrase release a person has seen."""

    __tablename__ = "phrase_release_seen"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    version: Mapped[str] = mapped_column(String(64))
    seen_at: Mapped[datetime] = mapped_column(default=utcnow)


# --- revision 0006: phrase review (comments, proposals) and drills -----------------------------------


class PhraseCommentRow(Base):
    """A comment on, or a proposed wording for, a team phrase of the draft."""

    __tablename__ = "phrase_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    phrase_key: Mapped[str] = mapped_column(String(128), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # comment | proposal
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)  # open | accepted | rejected
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[datetime | None] = mapped_column()
    decision_note: Mapped[str] = mapped_column(Text, default="")


class PhraseDrillCard(Base):
    """The fsrs scheduling state of one phrase in one person's shortcut-recall drill."""

    __tablename__ = "phrase_drill_cards"
    __table_args__ = (UniqueConstraint("user_id", "phrase_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    phrase_key: Mapped[str] = mapped_column(String(128))
    card: Mapped[dict[str, Any]] = mapped_column(default=dict)
    due: Mapped[datetime] = mapped_column(index=True)
    reviews: Mapped[int] = mapped_column(Integer, default=0)
    lapses: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class PhraseDrillAttempt(Base):
    """One recall answer or typing-drill attempt."""

    __tablename__ = "phrase_drill_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))  # recall | typing
    phrase_key: Mapped[str] = mapped_column(Text, default="")
    mode: Mapped[str] = mapped_column(String(32), default="")
    prompt: Mapped[str] = mapped_column(Text, default="")
    answer: Mapped[str] = mapped_column(Text, default="")
    correct: Mapped[bool | None] = mapped_column(Boolean)
    seconds: Mapped[float] = mapped_column(Float, default=0.0)
    cpm: Mapped[float | None] = mapped_column(Float)
    accuracy: Mapped[float | None] = mapped_column(Float)
    net_cpm: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


Index("ix_login_events_login_at", LoginEvent.login, LoginEvent.at)
Index("ix_attempts_user_exam", Attempt.user_id, Attempt.exam_id)
Index("ix_attempt_items_question_version", AttemptItem.question_id, AttemptItem.question_version)
Index("ix_roleplay_sessions_user_scenario", RolePlaySession.user_id, RolePlaySession.scenario_key)
Index("ix_phrases_updated_at", Phrase.updated_at)
Index(
    "ix_phrase_drill_attempts_user_kind_created",
    PhraseDrillAttempt.user_id,
    PhraseDrillAttempt.kind,
    PhraseDrillAttempt.created_at,
)

CONTENT_MODELS: dict[str, type[ContentMixin]] = {
    "products": Product,
    "competitors": Competitor,
    "handbook": HandbookEntry,
    "questions": Question,
    "exams": Exam,
    "scenarios": Scenario,
    "phrases": Phrase,
}


# --- revision 0007: compliance rules --------------------------------------------------------------


class ComplianceRule(Base):
    """One banned wording (literal ``word`` or regex ``pattern``) with its reason and exceptions."""

    __tablename__ = "compliance_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0, index=True)
    word: Mapped[str | None] = mapped_column(Text)
    pattern: Mapped[str | None] = mapped_column(Text)
    rule: Mapped[str] = mapped_column(String(40), index=True)
    reason: Mapped[str] = mapped_column(Text)
    exceptions: Mapped[list[Any]] = mapped_column(default=list)
    note: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow, index=True)
    updated_by: Mapped[str] = mapped_column(String(64), default="")


# --- revision 0008: handbooks (versions, reads, review flags, flashcards) ---------------------------


class HandbookRevision(Base):
    """One saved version of a product, competitor or handbook entry: who, when, what changed."""

    __tablename__ = "handbook_revisions"
    __table_args__ = (UniqueConstraint("doc_kind", "doc_key", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    doc_kind: Mapped[str] = mapped_column(String(16))  # product / competitor / entry
    doc_key: Mapped[str] = mapped_column(String(128))
    version: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    by: Mapped[str] = mapped_column(String(64), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    changed: Mapped[list[Any]] = mapped_column(default=list)  # top-level field names
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)  # the pack item after the change


class HandbookRead(Base):
    """The version of a handbook document a person last read ("updated since you last read")."""

    __tablename__ = "handbook_reads"
    __table_args__ = (UniqueConstraint("user_id", "doc_kind", "doc_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    doc_kind: Mapped[str] = mapped_column(String(16))
    doc_key: Mapped[str] = mapped_column(String(128))
    version: Mapped[int] = mapped_column(Integer)
    read_at: Mapped[datetime] = mapped_column(default=utcnow)


class ContentReviewFlag(Base):
    """A question or scenario to review because a handbook document it relies on changed."""

    __tablename__ = "content_review_flags"

    id: Mapped[int] = mapped_column(primary_key=True)
    target_kind: Mapped[str] = mapped_column(String(16), index=True)  # question / scenario
    target_key: Mapped[str] = mapped_column(String(128), index=True)
    doc_kind: Mapped[str] = mapped_column(String(16))
    doc_key: Mapped[str] = mapped_column(String(128))
    doc_version: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(default=None, index=True)
    resolved_by: Mapped[str | None] = mapped_column(String(64), default=None)


class HandbookCard(Base):
    """A flashcard a trainer wrote for a product or competitor (generated cards are not stored)."""

    __tablename__ = "handbook_cards"

    id: Mapped[int] = mapped_column(primary_key=True)
    doc_kind: Mapped[str] = mapped_column(String(16))
    doc_key: Mapped[str] = mapped_column(String(128), index=True)
    front: Mapped[str] = mapped_column(Text)
    back: Mapped[str] = mapped_column(Text)
    author: Mapped[str] = mapped_column(String(64), default="")
    retired: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class HandbookCardState(Base):
    """One person's fsrs state of one flashcard. ``card_id`` is ``gen:<doc_key>:<slot>`` for a
    generated card and ``t:<handbook_cards.id>`` for a trainer's card."""

    __tablename__ = "handbook_card_states"
    __table_args__ = (UniqueConstraint("user_id", "card_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    card_id: Mapped[str] = mapped_column(String(200))
    doc_kind: Mapped[str] = mapped_column(String(16))
    doc_key: Mapped[str] = mapped_column(String(128), index=True)
    card: Mapped[dict[str, Any]] = mapped_column(default=dict)  # fsrs Card.to_dict()
    due: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    reviews: Mapped[int] = mapped_column(Integer, default=0)
    lapses: Mapped[int] = mapped_column(Integer, default=0)
    last_rating: Mapped[int | None] = mapped_column(Integer, default=None)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


#: Database objects made by migrations that the ORM does not describe (full-text search): schema
#: comparisons skip them.
UNMANAGED = (
    "phrases_fts",
    "personal_phrases_fts",
    "ix_phrases_search_tsv",
    "ix_phrases_initials_tsv",
    "ix_personal_phrases_search_tsv",
    "ix_personal_phrases_initials_tsv",
)


def is_unmanaged(name: str | None) -> bool:
    """True for the full-text tables (and their FTS5 shadow tables) and indexes of ``UNMANAGED``."""
    return bool(name) and any(str(name) == n or str(name).startswith(n + "_") for n in UNMANAGED)


# --- revision 0009: assignments, growth path ------------------------------------------------------

#: roleplay_sessions column per scorecard dimension (revision 0009).
DIMENSION_COLUMNS: dict[str, str] = {
    "专业知识": "dim_knowledge",
    "服务规范": "dim_standard",
    "沟通技巧": "dim_communication",
    "响应时效": "dim_speed",
    "合规": "dim_compliance",
}


class Assignment(Base):
    """Work a trainer gives people: an exam, a scenario, a drill or a handbook document, for one
    person, a team, a role or everyone, with an optional due date. Progress is computed from what
    people did (attempts, sessions, drill attempts, reads and flashcards), not stored."""

    __tablename__ = "assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), index=True)  # exam / scenario / drill / handbook
    target: Mapped[str] = mapped_column(String(200))  # exam key, scenario key, drill spec, "product:key"
    title: Mapped[str] = mapped_column(String(200), default="")
    scope_kind: Mapped[str] = mapped_column(String(16))  # person / team / role / everyone
    scope_value: Mapped[str] = mapped_column(String(64), default="")  # user id, team id, role
    due_at: Mapped[datetime | None] = mapped_column(index=True)
    params: Mapped[dict[str, Any]] = mapped_column(default=dict)  # e.g. min_score, count, categories
    note: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    active: Mapped[bool] = mapped_column(Boolean, default=True, index=True)


class Promotion(Base):
    """A manager moved a person to another growth-path stage."""

    __tablename__ = "promotions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    from_stage: Mapped[str] = mapped_column(String(16))
    to_stage: Mapped[str] = mapped_column(String(16))
    by: Mapped[str] = mapped_column(String(64), default="")
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    note: Mapped[str] = mapped_column(Text, default="")


# --- revision 0011: role-play misses, dashboard roll-ups -------------------------------------------


class RolePlayMiss(Base):
    """One thing a graded role-play session missed, as a row for the weak-point analysis (written
    with the scorecard at every grading): a key point not covered (``kind = 'key_point'``, ``ident``
    the key point id), a banned wording (``'banned'``, the rule and the word) or a forbidden move
    (``'forbidden'``, its id and wording). One row per session and distinct miss."""

    __tablename__ = "roleplay_misses"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("roleplay_sessions.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    scenario_key: Mapped[str] = mapped_column(String(128))
    ident: Mapped[str] = mapped_column(String(128))
    word: Mapped[str] = mapped_column(String(128), default="")


# The roll-ups below hold the dashboards' sums for whole UTC days (``day`` = days since
# 1970-01-01, ``hour`` = hours since then) per team (``team_id`` of the person when the day was
# sealed, 0 for none; a change of team unseals every day) and over all teams (``team_id = -1``),
# not per person.
# A day's rows are written at once when the day is sealed (``stats_days``) and dropped when a graded
# result of that day changes (cstrainer/services/stats_rollup.py).


class StatsDay(Base):
    __tablename__ = "stats_days"

    day: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    sealed_at: Mapped[datetime] = mapped_column(default=utcnow)


class StatsQuestionDay(Base):
    """Graded answers of a day per question."""

    __tablename__ = "stats_question_days"

    day: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    team_id: Mapped[int] = mapped_column(
        Integer, primary_key=True, autoincrement=False
    )  # 0: no team, -1: all
    question_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    n_scored: Mapped[int] = mapped_column(Integer, default=0)  # answers with a score
    facility_sum: Mapped[float] = mapped_column(Float, default=0.0)  # sum of score / points
    facility_n: Mapped[int] = mapped_column(Integer, default=0)  # scored answers worth points
    correct_scored: Mapped[int] = mapped_column(Integer, default=0)  # scored and correct
    n_judged: Mapped[int] = mapped_column(Integer, default=0)  # answers marked right or wrong
    n_wrong: Mapped[int] = mapped_column(Integer, default=0)


class StatsExamHour(Base):
    """Graded exam attempts of an hour (by submission time)."""

    __tablename__ = "stats_exam_hours"

    hour: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    team_id: Mapped[int] = mapped_column(
        Integer, primary_key=True, autoincrement=False
    )  # 0: no team, -1: all
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    passed: Mapped[int] = mapped_column(Integer, default=0)
    percent_sum: Mapped[float] = mapped_column(Float, default=0.0)
    percent_n: Mapped[int] = mapped_column(Integer, default=0)


class StatsSessionHour(Base):
    """Finished role-play sessions of an hour (by start time): totals, the five dimensions and
    the reply-time buckets (cstrainer/services/stats_rollup.py ``REPLY_BOUNDS``)."""

    __tablename__ = "stats_session_hours"

    hour: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    team_id: Mapped[int] = mapped_column(
        Integer, primary_key=True, autoincrement=False
    )  # 0: no team, -1: all
    sessions: Mapped[int] = mapped_column(Integer, default=0)
    score_sum: Mapped[float] = mapped_column(Float, default=0.0)
    success_n: Mapped[int] = mapped_column(Integer, default=0)
    dim_knowledge_sum: Mapped[float] = mapped_column(Float, default=0.0)
    dim_knowledge_n: Mapped[int] = mapped_column(Integer, default=0)
    dim_standard_sum: Mapped[float] = mapped_column(Float, default=0.0)
    dim_standard_n: Mapped[int] = mapped_column(Integer, default=0)
    dim_communication_sum: Mapped[float] = mapped_column(Float, default=0.0)
    dim_communication_n: Mapped[int] = mapped_column(Integer, default=0)
    dim_speed_sum: Mapped[float] = mapped_column(Float, default=0.0)
    dim_speed_n: Mapped[int] = mapped_column(Integer, default=0)
    dim_compliance_sum: Mapped[float] = mapped_column(Float, default=0.0)
    dim_compliance_n: Mapped[int] = mapped_column(Integer, default=0)
    reply_b0: Mapped[int] = mapped_column(Integer, default=0)
    reply_b1: Mapped[int] = mapped_column(Integer, default=0)
    reply_b2: Mapped[int] = mapped_column(Integer, default=0)
    reply_b3: Mapped[int] = mapped_column(Integer, default=0)
    reply_b4: Mapped[int] = mapped_column(Integer, default=0)


class StatsScenarioDay(Base):
    """Finished role-play sessions of a day per scenario."""

    __tablename__ = "stats_scenario_days"

    day: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    team_id: Mapped[int] = mapped_column(
        Integer, primary_key=True, autoincrement=False
    )  # 0: no team, -1: all
    scenario_key: Mapped[str] = mapped_column(String(128), primary_key=True)
    title: Mapped[str] = mapped_column(String(200), default="")
    stage: Mapped[str] = mapped_column(String(16), default="")
    sessions: Mapped[int] = mapped_column(Integer, default=0)
    score_sum: Mapped[float] = mapped_column(Float, default=0.0)
    success_n: Mapped[int] = mapped_column(Integer, default=0)
    reply_sum: Mapped[float] = mapped_column(Float, default=0.0)
    reply_n: Mapped[int] = mapped_column(Integer, default=0)


class StatsMissDay(Base):
    """Finished role-play sessions of a day with a given miss (roleplay_misses)."""

    __tablename__ = "stats_miss_days"

    day: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    team_id: Mapped[int] = mapped_column(
        Integer, primary_key=True, autoincrement=False
    )  # 0: no team, -1: all
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    scenario_key: Mapped[str] = mapped_column(String(128), primary_key=True)
    ident: Mapped[str] = mapped_column(String(128), primary_key=True)
    word: Mapped[str] = mapped_column(String(128), primary_key=True)
    sessions: Mapped[int] = mapped_column(Integer, default=0)
