"""Drills on the team phrase library: shortcut recall scheduled by fsrs, and the typing drill.

Shortcut recall
- Each person has one fsrs card per team phrase they have answered (``phrase_drill_cards``: the
  card as JSON and its due time). :meth:`PhraseDrillService.next_recall` hands out the due cards
  (most overdue first), then phrases never asked (most used first), from the phrases the person
  may see (optionally one brand and the shared ones).
- A prompt has one of two modes:
  ``intent``: the scene and the customer's intent are shown; the answer is a shortcut code or the
  wording. Any wording of the same intent (same brand, scene and intent) counts as right, as it
  would with a customer.
  ``shortcut``: the shortcut code is shown; the answer must be the phrase's wording (typing the
  code back does not count).
  The mode alternates with the number of reviews of the card.
- :meth:`PhraseDrillService.answer_recall` checks the answer (:func:`check_recall`), rates it for
  fsrs (wrong: Again, so it comes back within minutes; right but slower than
  :data:`SLOW_SECONDS`: Hard; right: Good) and stores the card and the attempt in one transaction.
  fsrs fuzzing is off, so schedules are reproducible.

Typing drill
- :meth:`PhraseDrillService.typing_text` joins random real phrases (placeholders filled with
  sample values) to about ``length`` characters; :meth:`PhraseDrillService.submit_typing` scores
  the committed text with :func:`score_typing` (字/分, accuracy, net 字/分 with 错一罚五) and stores it.

Usage counts: a drill counts as a use of a phrase (:meth:`PhraseService.record_use`) once per
answered recall (right or wrong: the phrase was practised) and once per phrase of a submitted
typing text. Prompts handed out but never answered do not count.

Permissions: everyone logged in drills for themselves; history and statistics follow the usual
rule (own records; trainers their team, or everyone when they belong to no team; managers all).
"""

from __future__ import annotations

import contextlib
import random
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Literal

from fsrs import Card, Rating, Scheduler
from sqlalchemy import select
from sqlalchemy.orm import Session

from cstrainer.domain.accounts import may_view_person
from cstrainer.domain.phrases import TypingResult, check_recall, fill_placeholders, score_typing
from cstrainer.services.actor import Actor
from cstrainer.services.errors import InvalidInput, NotFound, PermissionDenied
from cstrainer.services.phrases import PhraseRecord, PhraseService
from cstrainer.storage.database import Database
from cstrainer.storage.models import PhraseDrillAttempt, PhraseDrillCard, User

RecallMode = Literal["intent", "shortcut"]
RECALL_MODES: tuple[RecallMode, ...] = ("intent", "shortcut")
DrillKind = Literal["recall", "typing"]
RatingName = Literal["again", "hard", "good"]

SLOW_SECONDS = 20.0  # a right answer slower than this is rated Hard
DEFAULT_TYPING_LENGTH = 120  # characters
MAX_TYPED = 20_000
SAMPLE_VALUES: dict[str, str | None] = {"顾客昵称": "小雨", "商品名": "保温杯", "订单号": "3876512049"}


@dataclass(frozen=True)
class RecallPrompt:
    """One recall question. ``prompt`` is the Chinese text to show; ``shortcut`` is set only in
    ``shortcut`` mode (in ``intent`` mode it is the answer)."""

    phrase_key: str
    mode: RecallMode
    prompt: str
    brand: str | None
    scene: str
    intent: str
    shortcut: str | None
    due: datetime | None  # None: never asked before
    is_new: bool


@dataclass(frozen=True)
class RecallResult:
    phrase_key: str
    mode: RecallMode
    answer: str
    correct: bool
    seconds: float
    expected_shortcut: str
    expected_text: str
    matched_key: str | None  # the phrase the answer matched (a sibling wording in intent mode)
    rating: RatingName
    next_due: datetime
    attempt_id: int


@dataclass(frozen=True)
class TypingText:
    """A typing-drill text made of real phrases (``phrase_keys`` in order)."""

    text: str
    phrase_keys: tuple[str, ...]


@dataclass(frozen=True)
class DrillAttemptRecord:
    id: int
    user_id: int
    kind: DrillKind
    phrase_keys: tuple[str, ...]
    mode: str  # recall: intent | shortcut; typing: ""
    prompt: str
    answer: str
    correct: bool | None  # typing: None
    seconds: float
    cpm: float | None
    accuracy: float | None
    net_cpm: float | None
    created_at: datetime


@dataclass(frozen=True)
class DrillStats:
    """One person's drill figures (None where there is nothing to average)."""

    user_id: int
    login: str
    display_name: str
    recall_attempts: int
    recall_correct: int
    recall_accuracy: float | None  # 0..1
    recall_avg_seconds: float | None
    typing_attempts: int
    typing_avg_cpm: float | None
    typing_best_cpm: float | None
    typing_avg_net_cpm: float | None
    typing_best_net_cpm: float | None
    typing_avg_accuracy: float | None
    cards: int  # phrases in the person's recall deck
    due_now: int  # of those, due now


def _utcnow() -> datetime:
    return datetime.now(UTC)


class PhraseDrillService:
    def __init__(
        self, db: Database, phrases: PhraseService, *, clock: Callable[[], datetime] | None = None
    ) -> None:
        self._db = db
        self._phrases = phrases
        self._clock = clock or _utcnow
        self._scheduler = Scheduler(enable_fuzzing=False)

    def now(self) -> datetime:
        return self._clock()

    # --- shortcut recall -------------------------------------------------------------------------------

    def next_recall(self, actor: Actor, n: int = 10, brand: str | None = None) -> list[RecallPrompt]:
        """Up to ``n`` prompts: due cards (most overdue first), then new phrases (most used first)."""
        user_id = _person(actor)
        now = self.now()
        phrases = self._phrases.list_team(actor, brand=brand)
        with self._db.session() as s:
            cards = {
                c.phrase_key: (c.due, c.reviews)
                for c in s.scalars(select(PhraseDrillCard).where(PhraseDrillCard.user_id == user_id))
            }
        due = sorted(
            (p for p in phrases if p.key in cards and cards[p.key][0] <= now), key=lambda p: cards[p.key][0]
        )
        new = sorted(
            (p for p in phrases if p.key not in cards), key=lambda p: (-p.usage_count, p.shortcut, p.key)
        )
        out: list[RecallPrompt] = []
        for p in [*due, *new][: max(0, n)]:
            due_at, reviews = cards.get(p.key, (None, 0))
            mode = _mode_for(p.key, reviews)
            out.append(
                RecallPrompt(
                    phrase_key=p.key, mode=mode, prompt=_prompt_text(p, mode), brand=p.brand, scene=p.scene,
                    intent=p.intent, shortcut=p.shortcut if mode == "shortcut" else None, due=due_at,
                    is_new=p.key not in cards,
                )
            )  # fmt: skip
        return out

    def answer_recall(
        self, actor: Actor, phrase_key: str, answer: str, seconds: float, *, mode: RecallMode = "intent"
    ) -> RecallResult:
        """Check and store an answer to a recall prompt and reschedule the phrase's card."""
        user_id = _person(actor)
        if mode not in RECALL_MODES:
            raise InvalidInput(f"未知的题型：{mode}", field="mode")
        if not seconds >= 0 or seconds == float("inf"):
            raise InvalidInput("用时必须是不小于 0 的数", field="seconds")
        answer = answer.strip()[:MAX_TYPED]
        record = self._phrases.get_team(actor, phrase_key)  # NotFound / PermissionDenied
        matched: str | None = None
        if mode == "shortcut":
            if check_recall(replace(record.item, shortcut=""), answer):
                matched = record.key
        else:
            siblings = [
                p
                for p in self._phrases.list_team(actor, scene=record.scene)
                if p.key != record.key and p.brand == record.brand and p.intent == record.intent
            ]
            matched = next((p.key for p in [record, *siblings] if check_recall(p.item, answer)), None)
        correct = matched is not None
        rating = Rating.Again if not correct else Rating.Hard if seconds > SLOW_SECONDS else Rating.Good
        now = self.now()
        with self._db.session() as s:
            row = s.scalar(
                select(PhraseDrillCard).where(
                    PhraseDrillCard.user_id == user_id, PhraseDrillCard.phrase_key == phrase_key
                )
            )
            if row is None:
                card = Card(card_id=1, due=now)
                row = PhraseDrillCard(user_id=user_id, phrase_key=phrase_key, reviews=0, lapses=0)
                s.add(row)
            else:
                card = Card.from_dict(row.card)  # type: ignore[arg-type]
            card, _log = self._scheduler.review_card(card, rating, review_datetime=now)
            row.card = dict(card.to_dict())
            row.due = card.due
            row.reviews = (row.reviews or 0) + 1
            row.lapses = (row.lapses or 0) + (0 if correct else 1)
            row.updated_at = now
            attempt = PhraseDrillAttempt(
                user_id=user_id, kind="recall", phrase_key=phrase_key, mode=mode,
                prompt=_prompt_text(record, mode), answer=answer, correct=correct, seconds=float(seconds),
                created_at=now,
            )  # fmt: skip
            s.add(attempt)
            s.flush()
            attempt_id = attempt.id
        self._count_use(actor, [phrase_key])
        return RecallResult(
            phrase_key=phrase_key, mode=mode, answer=answer, correct=correct, seconds=float(seconds),
            expected_shortcut=record.shortcut, expected_text=record.text, matched_key=matched,
            rating=_rating_name(rating), next_due=card.due, attempt_id=attempt_id,
        )  # fmt: skip

    def due_count(self, actor: Actor) -> int:
        """How many of the actor's recall cards are due now (not counting new phrases)."""
        user_id = _person(actor)
        now = self.now()
        with self._db.session() as s:
            return sum(
                1
                for due in s.scalars(select(PhraseDrillCard.due).where(PhraseDrillCard.user_id == user_id))
                if due <= now
            )

    # --- typing drill -----------------------------------------------------------------------------------

    def typing_text(
        self,
        actor: Actor,
        brand: str | None = None,
        length: int = DEFAULT_TYPING_LENGTH,
        *,
        seed: int | None = None,
    ) -> TypingText:
        """Random real phrases (placeholders filled with sample values) of about ``length``
        characters together (at least one phrase). Raises NotFound when there is no phrase."""
        _person(actor)
        phrases = [p for p in self._phrases.list_team(actor, brand=brand) if p.text.strip()]
        if not phrases:
            raise NotFound("没有可以练习的话术")
        rng = random.Random(seed)
        rng.shuffle(phrases)
        parts: list[str] = []
        keys: list[str] = []
        total = 0
        for p in phrases:
            text = fill_placeholders(p.text.strip(), SAMPLE_VALUES)
            parts.append(text)
            keys.append(p.key)
            total += len(text)
            if total >= length:
                break
        return TypingText("".join(parts), tuple(keys))

    def submit_typing(
        self, actor: Actor, target: TypingText | str, typed: str, seconds: float
    ) -> TypingResult:
        """Score and store a typing attempt on the committed text ``typed``; ``target`` is the
        text from :meth:`typing_text` (its phrases count as used) or any text."""
        user_id = _person(actor)
        text, keys = (target.text, target.phrase_keys) if isinstance(target, TypingText) else (target, ())
        if len(typed) > MAX_TYPED or len(text) > MAX_TYPED:
            raise InvalidInput("练习文本太长", field="typed")
        try:
            result = score_typing(text, typed, seconds)
        except ValueError as exc:
            raise InvalidInput("用时必须是不小于 0 的数", field="seconds") from exc
        with self._db.session() as s:
            s.add(
                PhraseDrillAttempt(
                    user_id=user_id, kind="typing", phrase_key=",".join(keys), mode="", prompt=text,
                    answer=typed, correct=None, seconds=float(seconds), cpm=result.cpm,
                    accuracy=result.accuracy, net_cpm=result.net_cpm, created_at=self.now(),
                )
            )  # fmt: skip
        self._count_use(actor, keys)
        return result

    # --- history and statistics ---------------------------------------------------------------------------

    def history(
        self, actor: Actor, user_id: int | None = None, *, kind: DrillKind | None = None, limit: int = 100
    ) -> list[DrillAttemptRecord]:
        """A person's drill attempts, newest first (default: the actor's own)."""
        with self._db.session() as s:
            person = self._person_row(s, actor, user_id)
            q = select(PhraseDrillAttempt).where(PhraseDrillAttempt.user_id == person.id)
            if kind is not None:
                q = q.where(PhraseDrillAttempt.kind == kind)
            rows = s.scalars(
                q.order_by(PhraseDrillAttempt.created_at.desc(), PhraseDrillAttempt.id.desc()).limit(limit)
            )
            return [_attempt_record(r) for r in rows]

    def stats(self, actor: Actor, user_id: int | None = None) -> DrillStats:
        """Recall accuracy and typing speeds of one person (default: the actor)."""
        with self._db.session() as s:
            return self._stats(s, self._person_row(s, actor, user_id))

    def team_stats(self, actor: Actor) -> list[DrillStats]:
        """Statistics of everyone the actor may see who has drilled, best net 字/分 first."""
        with self._db.session() as s:
            ids = set(s.scalars(select(PhraseDrillAttempt.user_id).distinct()))
            people = [
                u
                for u in s.scalars(select(User).where(User.id.in_(ids)).order_by(User.login))
                if may_view_person(actor.role, actor.user_id, actor.team_id, u.id, u.team_id)
            ]
            out = [self._stats(s, u) for u in people]
        return sorted(out, key=lambda st: (-(st.typing_best_net_cpm or 0.0), st.login))

    # --- helpers -------------------------------------------------------------------------------------------

    def _person_row(self, s: Session, actor: Actor, user_id: int | None) -> User:
        if user_id is None:
            user_id = _person(actor)
        person = s.get(User, user_id)
        if person is None:
            raise NotFound(f"没有编号为 {user_id} 的人员")
        actor.require_view_person(person.id, person.team_id, person.login)
        return person

    def _stats(self, s: Session, person: User) -> DrillStats:
        rows = s.execute(
            select(
                PhraseDrillAttempt.kind,
                PhraseDrillAttempt.correct,
                PhraseDrillAttempt.seconds,
                PhraseDrillAttempt.cpm,
                PhraseDrillAttempt.net_cpm,
                PhraseDrillAttempt.accuracy,
            ).where(PhraseDrillAttempt.user_id == person.id)
        ).all()
        recall = [r for r in rows if r.kind == "recall"]
        typing = [r for r in rows if r.kind == "typing"]
        right = sum(1 for r in recall if r.correct)
        now = self.now()
        dues = list(s.scalars(select(PhraseDrillCard.due).where(PhraseDrillCard.user_id == person.id)))
        return DrillStats(
            user_id=person.id,
            login=person.login,
            display_name=person.display_name,
            recall_attempts=len(recall),
            recall_correct=right,
            recall_accuracy=right / len(recall) if recall else None,
            recall_avg_seconds=_avg([r.seconds for r in recall]),
            typing_attempts=len(typing),
            typing_avg_cpm=_avg([r.cpm for r in typing]),
            typing_best_cpm=_best([r.cpm for r in typing]),
            typing_avg_net_cpm=_avg([r.net_cpm for r in typing]),
            typing_best_net_cpm=_best([r.net_cpm for r in typing]),
            typing_avg_accuracy=_avg([r.accuracy for r in typing]),
            cards=len(dues),
            due_now=sum(1 for d in dues if d <= now),
        )

    def _count_use(self, actor: Actor, keys: Sequence[str]) -> None:
        for key in keys:
            with contextlib.suppress(NotFound):  # deleted meanwhile
                self._phrases.record_use(actor, key)


def _person(actor: Actor) -> int:
    if actor.user_id is None:
        raise PermissionDenied("话术练习需要登录后使用")
    return actor.user_id


def _mode_for(key: str, reviews: int) -> RecallMode:
    return RECALL_MODES[(zlib.crc32(key.encode("utf-8")) + reviews) % len(RECALL_MODES)]


def _prompt_text(p: PhraseRecord, mode: RecallMode) -> str:
    if mode == "shortcut":
        return f"快捷编码 {p.shortcut}：请写出这句团队话术"
    return f"【{p.scene}】顾客：{p.intent}\n请输入快捷编码或写出团队话术"


def _rating_name(rating: Rating) -> RatingName:
    return {Rating.Again: "again", Rating.Hard: "hard"}.get(rating, "good")  # type: ignore[return-value]


def _avg(values: Sequence[float | None]) -> float | None:
    got = [v for v in values if v is not None]
    return sum(got) / len(got) if got else None


def _best(values: Sequence[float | None]) -> float | None:
    got = [v for v in values if v is not None]
    return max(got) if got else None


def _attempt_record(r: PhraseDrillAttempt) -> DrillAttemptRecord:
    return DrillAttemptRecord(
        id=r.id,
        user_id=r.user_id,
        kind=r.kind,  # type: ignore[arg-type]
        phrase_keys=tuple(k for k in (r.phrase_key or "").split(",") if k),
        mode=r.mode or "",
        prompt=r.prompt,
        answer=r.answer,
        correct=r.correct,
        seconds=r.seconds,
        cpm=r.cpm,
        accuracy=r.accuracy,
        net_cpm=r.net_cpm,
        created_at=r.created_at,
    )
