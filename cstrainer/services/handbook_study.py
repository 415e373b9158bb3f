"""Study mode of the handbooks: flashcards scheduled with fsrs, and progress per product and person.

Cards
- Generated cards are computed from the documents on every call (:func:`generate_cards` over the
  ``data`` of the ``products`` and ``competitors`` rows; handbook entries give none) and never
  stored. Trainers' cards are rows of ``handbook_cards`` (id ``t:<row id>``), for a product, a
  competitor or a handbook entry; retiring hides one for good (its schedules stay in the
  database but no longer count).
- Who sees which cards: trainers and managers all of them; trainees and agents those of the
  documents of their brands (a competitor belongs to the brand of our product it is compared with)
  and of documents without a brand.
- Schedules follow the card id, not its text: when a trainer rewords a card, or a product's
  price or FAQ is edited so the generated card reads differently, everybody keeps their schedule of
  it. A reworded card is almost always the same fact said better; restarting it for everyone on
  each typo fix would punish the people who already know it. A changed fact shows up as a wrong
  answer at the next review and fsrs brings the card back soon.

Scheduling
- One fsrs card per person and card id (``handbook_card_states``), fuzzing off so schedules are
  reproducible. Ratings are fsrs's: 1 Again, 2 Hard, 3 Good, 4 Easy.
- :meth:`HandbookStudyService.queue`: the due cards, most overdue first, then cards never
  reviewed, in handbook order, at most :data:`NEW_PER_DAY` new cards a day (counted over all
  documents on the person's local calendar day: the fsrs ``card_id`` of a state is the time of its
  first review in milliseconds, which is how fsrs itself numbers new cards).
- Mastered: an fsrs stability of at least :data:`MASTERED_STABILITY_DAYS` days (the card would
  still be recalled with 90 % probability three weeks after the last review).

Permissions: everyone logged in studies for themselves; progress of other people follows the
usual rule (trainers their team, or everyone when they belong to no team; managers all); only
trainers and managers write, edit or retire cards.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import Any

from fsrs import Card, Rating, Scheduler
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from cstrainer.domain.accounts import Permission, Role, may_view_person
from cstrainer.domain.handbook import DOC_KINDS, KIND_LABELS
from cstrainer.domain.handbook_cards import (
    TRAINER_SOURCE,
    Flashcard,
    generate_cards,
    parse_trainer_id,
    trainer_id,
)
from cstrainer.domain.wrong_book import local_date
from cstrainer.services import audit
from cstrainer.services.actor import Actor
from cstrainer.services.conflicts import lock_for_edit
from cstrainer.services.errors import InvalidInput, NotFound, PermissionDenied
from cstrainer.services.users import actor_for
from cstrainer.storage.database import Database
from cstrainer.storage.models import (
    AuditEntry,
    Brand,
    Competitor,
    HandbookCard,
    HandbookCardState,
    HandbookEntry,
    Product,
    User,
)

NEW_PER_DAY = 20
DEFAULT_QUEUE = 20
MASTERED_STABILITY_DAYS = 21.0
MAX_FRONT = 1000
MAX_BACK = 5000
AUDIT_ENTITY = "handbook_cards"
#: roles listed by team_progress even before they have reviewed anything
STUDENT_ROLES = (Role.TRAINEE.value, Role.AGENT.value)
_KIND_ORDER: dict[str, int] = {kind: i for i, kind in enumerate(DOC_KINDS)}


@dataclass(frozen=True)
class DocProgress:
    """One person's figures for one document's cards. ``due``: reviewed cards due now."""

    kind: str
    key: str
    title: str
    total: int
    seen: int
    mastered: int
    due: int


@dataclass(frozen=True)
class PersonProgress:
    user_id: int
    login: str
    display_name: str
    total: int
    seen: int
    mastered: int
    due: int


@dataclass(frozen=True)
class _Doc:
    kind: str
    key: str
    title: str
    brand: str | None
    data: dict[str, Any]


@dataclass(frozen=True)
class _Library:
    """Every handbook document, in handbook order, and our product names by key."""

    docs: list[_Doc]
    product_names: dict[str, str]


@dataclass(frozen=True)
class _Viewer:
    """Whose documents: everything (editors) or the documents of some brands plus shared ones."""

    all_docs: bool
    brands: frozenset[str]

    @classmethod
    def of(cls, actor: Actor) -> _Viewer:
        return cls(actor.can(Permission.EDIT_CONTENT), frozenset(actor.brand_keys))

    def sees(self, doc: _Doc) -> bool:
        return self.all_docs or doc.brand is None or doc.brand in self.brands


@dataclass(frozen=True)
class _State:
    due: datetime
    stability: float | None
    first_review: datetime | None


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _utc(when: datetime) -> datetime:
    """An aware UTC time; a naive one is the computer's local time (as elsewhere in the app)."""
    return when.astimezone(UTC)


class HandbookStudyService:
    def __init__(
        self, db: Database, *, clock: Callable[[], datetime] | None = None, tz: tzinfo | None = None
    ) -> None:
        self._db = db
        self._clock = clock or _utcnow
        self._tz = tz  # the calendar day of the new-card limit (None: the computer's zone)
        self._scheduler = Scheduler(enable_fuzzing=False)

    def now(self) -> datetime:
        return _utc(self._clock())

    # --- cards ------------------------------------------------------------------------------------------

    def cards(self, actor: Actor, kind: str | None = None, key: str | None = None) -> list[Flashcard]:
        """The cards the actor may study: generated ones, then trainers' cards, document by
        document (brand, kind, title). ``key`` alone or with ``kind`` picks one document."""
        with self._db.session() as s:
            return self._cards(s, _Viewer.of(actor), kind, key, actor)

    def get_card(self, actor: Actor, card_id: str) -> Flashcard:
        for card in self.cards(actor):
            if card.id == card_id:
                return card
        raise NotFound(f"找不到卡片 {card_id}（可能已停用，或所属的手册已删除）")

    def add_card(self, actor: Actor, kind: str, key: str, front: str, back: str) -> Flashcard:
        """A trainer's card for a document (trainers and managers)."""
        actor.require(Permission.EDIT_CONTENT)
        _check_kind(kind)
        front, back = _check_text(front, back)
        with self._db.session() as s:
            doc = self._doc(s, kind, key)
            row = HandbookCard(
                doc_kind=kind,
                doc_key=key,
                front=front,
                back=back,
                author=actor.login,
                retired=False,
                version=1,
            )
            s.add(row)
            s.flush()
            audit.record(
                s, actor, "handbook_card.add", AUDIT_ENTITY, trainer_id(row.id), doc_kind=kind, doc_key=key
            )
            return _trainer_card(row, doc.title)

    def update_card(
        self, actor: Actor, card_id: str, front: str, back: str, *, expected_version: int | None = None
    ) -> Flashcard:
        """Reword a trainer's card. ``expected_version`` refuses to overwrite a colleague's edit
        made in the meantime (InvalidInput on ``version``). Schedules are kept (see above)."""
        actor.require(Permission.EDIT_CONTENT)
        front, back = _check_text(front, back)
        with self._db.session() as s:
            row = self._trainer_row(s, card_id)
            if expected_version is not None and row.version != expected_version:
                who = _last_editor(s, card_id) or row.author
                raise InvalidInput(
                    f"这张卡片已被 {who} 修改（版本 {row.version}），请刷新后再改", field="version"
                )
            changed = row.front != front or row.back != back
            if changed:
                row.front, row.back = front, back
                row.version += 1
                audit.record(s, actor, "handbook_card.edit", AUDIT_ENTITY, card_id, version=row.version)
            title = self._title(s, row.doc_kind, row.doc_key)
            return _trainer_card(row, title)

    def retire_card(self, actor: Actor, card_id: str) -> None:
        """Take a trainer's card out of study for good (nobody is asked it again)."""
        actor.require(Permission.EDIT_CONTENT)
        with self._db.session() as s:
            row = self._trainer_row(s, card_id)
            row.retired = True
            row.version += 1
            audit.record(s, actor, "handbook_card.retire", AUDIT_ENTITY, card_id, version=row.version)

    # --- studying ------------------------------------------------------------------------------------

    def queue(
        self,
        actor: Actor,
        *,
        kind: str | None = None,
        key: str | None = None,
        limit: int = DEFAULT_QUEUE,
        now: datetime | None = None,
    ) -> list[Flashcard]:
        """What to study now: due cards (most overdue first), then new ones (at most
        :data:`NEW_PER_DAY` a day), at most ``limit`` cards."""
        user_id = _person(actor)
        now = _utc(now) if now is not None else self.now()
        with self._db.session() as s:
            cards = self._cards(s, _Viewer.of(actor), kind, key, actor)
            states = self._states(s, [user_id])[user_id]
        due = sorted(
            (c for c in cards if c.id in states and states[c.id].due <= now), key=lambda c: states[c.id].due
        )
        today = local_date(now, self._tz)
        started_today = sum(
            1
            for st in states.values()
            if st.first_review is not None and local_date(st.first_review, self._tz) == today
        )
        budget = max(0, NEW_PER_DAY - started_today)
        new = [c for c in cards if c.id not in states][:budget]
        return [*due, *new][: max(0, limit)]

    def review(
        self,
        actor: Actor,
        card_id: str,
        rating: int,
        *,
        now: datetime | None = None,
        seconds: float | None = None,
    ) -> datetime:
        """Record one answer (1 Again, 2 Hard, 3 Good, 4 Easy) and return when the card is due
        next. ``seconds`` (time to answer) is checked but not stored."""
        user_id = _person(actor)
        if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 4:
            raise InvalidInput("评分只能是 1（忘记）、2（困难）、3（良好）或 4（简单）", field="rating")
        if seconds is not None and not 0 <= seconds < float("inf"):
            raise InvalidInput("用时必须是不小于 0 的数", field="seconds")
        now = _utc(now) if now is not None else self.now()
        with self._db.session() as s:
            card = next(
                (c for c in self._cards(s, _Viewer.of(actor), None, None, actor) if c.id == card_id), None
            )
            if card is None:
                raise NotFound(f"找不到卡片 {card_id}（可能已停用，或所属的手册已删除）")
            row = s.scalar(
                select(HandbookCardState).where(
                    HandbookCardState.user_id == user_id, HandbookCardState.card_id == card_id
                )
            )
            if row is None:
                fsrs_card = Card(card_id=int(now.timestamp() * 1000), due=now)
                row = HandbookCardState(
                    user_id=user_id,
                    card_id=card_id,
                    doc_kind=card.doc_kind,
                    doc_key=card.doc_key,
                    reviews=0,
                    lapses=0,
                )
                s.add(row)
            else:
                fsrs_card = Card.from_dict(row.card)  # type: ignore[arg-type]
            fsrs_card, _log = self._scheduler.review_card(fsrs_card, Rating(rating), review_datetime=now)
            row.card = dict(fsrs_card.to_dict())
            row.due = fsrs_card.due
            row.doc_kind, row.doc_key = card.doc_kind, card.doc_key
            row.reviews = (row.reviews or 0) + 1
            row.lapses = (row.lapses or 0) + (1 if rating == Rating.Again else 0)
            row.last_rating = rating
            row.updated_at = now
            return fsrs_card.due

    def due_count(self, actor: Actor, *, now: datetime | None = None) -> int:
        """How many of the actor's reviewed cards are due (new cards not counted)."""
        user_id = _person(actor)
        now = _utc(now) if now is not None else self.now()
        ids = {c.id for c in self.cards(actor)}
        with self._db.session() as s:
            states = self._states(s, [user_id])[user_id]
        return sum(1 for cid, st in states.items() if cid in ids and st.due <= now)

    # --- progress --------------------------------------------------------------------------------------

    def progress(
        self, actor: Actor, person_id: int | None = None, *, now: datetime | None = None
    ) -> list[DocProgress]:
        """One person's progress per document (default: the actor), in handbook order; documents
        without cards are left out. The documents are those the person may study."""
        now = _utc(now) if now is not None else self.now()
        with self._db.session() as s:
            if person_id is None:
                person_id = _person(actor)
            person = s.get(User, person_id, options=[selectinload(User.brands)])
            if person is None:
                raise NotFound(f"没有编号为 {person_id} 的人员")
            actor.require_view_person(person.id, person.team_id, person.login)
            cards = self._cards(s, _Viewer.of(actor_for(person)), None, None, None)
            states = self._states(s, [person.id])[person.id]
        by_doc: dict[tuple[str, str], list[Flashcard]] = {}
        for card in cards:
            by_doc.setdefault((card.doc_kind, card.doc_key), []).append(card)
        out = []
        for (kind, key), doc_cards in by_doc.items():
            total, seen, mastered, due = _tally(doc_cards, states, now)
            out.append(DocProgress(kind, key, doc_cards[0].title, total, seen, mastered, due))
        return out

    def team_progress(self, actor: Actor, *, now: datetime | None = None) -> list[PersonProgress]:
        """Totals of everybody the actor may see (trainees and agents, and anyone else who has
        studied), by login. An agent sees only their own line."""
        now = _utc(now) if now is not None else self.now()
        with self._db.session() as s:
            studied = set(s.scalars(select(HandbookCardState.user_id).distinct()))
            people = [
                u
                for u in s.scalars(select(User).options(selectinload(User.brands)).order_by(User.login))
                if ((u.active and u.role in STUDENT_ROLES) or u.id in studied)
                and may_view_person(actor.role, actor.user_id, actor.team_id, u.id, u.team_id)
            ]
            library = self._docs(s)
            trainer_cards = self._trainer_cards(s)
            states = self._states(s, [u.id for u in people])
        decks: dict[_Viewer, list[Flashcard]] = {}
        out = []
        for u in people:
            viewer = _Viewer.of(actor_for(u))
            if viewer not in decks:
                decks[viewer] = _deck(library, trainer_cards, viewer, None, None)
            total, seen, mastered, due = _tally(decks[viewer], states[u.id], now)
            out.append(PersonProgress(u.id, u.login, u.display_name, total, seen, mastered, due))
        return out

    # --- helpers ---------------------------------------------------------------------------------------

    def _cards(
        self, s: Session, viewer: _Viewer, kind: str | None, key: str | None, actor: Actor | None
    ) -> list[Flashcard]:
        if kind is not None:
            _check_kind(kind)
        library = self._docs(s)
        if key is not None:
            matching = [d for d in library.docs if d.key == key and (kind is None or d.kind == kind)]
            if not matching:
                raise NotFound(f"找不到{KIND_LABELS.get(kind or '', '手册')} {key}")
            if not any(viewer.sees(d) for d in matching):
                who = f"{actor.role.label}（{actor.login}）" if actor else "该人员"
                raise PermissionDenied(f"权限不足：{who}不能查看 {matching[0].title}")
        return _deck(library, self._trainer_cards(s), viewer, kind, key)

    @staticmethod
    def _docs(s: Session) -> _Library:
        brands: dict[int, str] = {bid: bkey for bid, bkey in s.execute(select(Brand.id, Brand.key))}
        products = s.execute(
            select(Product.id, Product.key, Product.name, Product.brand_id, Product.data)
        ).all()
        brand_of_id = {p.id: brands.get(p.brand_id) for p in products}
        brand_of_key = {p.key: brands.get(p.brand_id) for p in products}
        names = {p.key: p.name for p in products}
        docs = [_Doc("product", p.key, p.name, brands.get(p.brand_id), dict(p.data or {})) for p in products]
        for c in s.execute(
            select(Competitor.key, Competitor.product, Competitor.our_product_id, Competitor.data)
        ):
            data = dict(c.data or {})
            brand = (
                brand_of_id.get(c.our_product_id)
                if c.our_product_id is not None
                else brand_of_key.get(str(data.get("our_product") or ""))
            )
            docs.append(_Doc("competitor", c.key, c.product, brand, data))
        for e in s.execute(
            select(HandbookEntry.key, HandbookEntry.title, HandbookEntry.brand_id, HandbookEntry.data)
        ):
            brand = brands.get(e.brand_id) if e.brand_id is not None else None
            docs.append(_Doc("entry", e.key, e.title, brand, dict(e.data or {})))
        docs.sort(key=lambda d: (d.brand or "", _KIND_ORDER.get(d.kind, 9), d.title, d.key))
        return _Library(docs, names)

    @staticmethod
    def _trainer_cards(s: Session) -> dict[tuple[str, str], list[HandbookCard]]:
        out: dict[tuple[str, str], list[HandbookCard]] = defaultdict(list)
        for row in s.scalars(
            select(HandbookCard).where(HandbookCard.retired.is_(False)).order_by(HandbookCard.id)
        ):
            out[(row.doc_kind, row.doc_key)].append(row)
        return out

    @staticmethod
    def _states(s: Session, user_ids: Sequence[int]) -> dict[int, dict[str, _State]]:
        out: dict[int, dict[str, _State]] = {uid: {} for uid in user_ids}
        if not user_ids:
            return out
        rows = s.execute(
            select(HandbookCardState.user_id, HandbookCardState.card_id, HandbookCardState.due, HandbookCardState.card)
            .where(HandbookCardState.user_id.in_(list(user_ids)))
        )  # fmt: skip
        for uid, card_id, due, card in rows:
            out[uid][card_id] = _state(due, card or {})
        return out

    def _doc(self, s: Session, kind: str, key: str) -> _Doc:
        for doc in self._docs(s).docs:
            if doc.kind == kind and doc.key == key:
                return doc
        raise NotFound(f"找不到{KIND_LABELS.get(kind, '手册')} {key}")

    def _title(self, s: Session, kind: str, key: str) -> str:
        model: Any = {"product": Product, "competitor": Competitor, "entry": HandbookEntry}.get(kind)
        if model is None:
            return key
        column = {"product": Product.name, "competitor": Competitor.product, "entry": HandbookEntry.title}[
            kind
        ]
        return s.scalar(select(column).where(model.key == key)) or key

    @staticmethod
    def _trainer_row(s: Session, card_id: str) -> HandbookCard:
        row_id = parse_trainer_id(card_id)
        if row_id is None:
            if card_id.startswith("gen:"):
                raise InvalidInput("自动生成的卡片不能直接修改：请修改手册里的对应内容", field="card_id")
            raise NotFound(f"找不到卡片 {card_id}")
        # locked (callers write): nobody saves between a version check and the write
        row = lock_for_edit(s, HandbookCard, HandbookCard.id == row_id)
        if row is None or row.retired:
            raise NotFound(f"找不到卡片 {card_id}（可能已被同事停用）")
        return row


# --- module helpers ------------------------------------------------------------------------------------


def _deck(
    library: _Library,
    trainer_cards: dict[tuple[str, str], list[HandbookCard]],
    viewer: _Viewer,
    kind: str | None,
    key: str | None,
) -> list[Flashcard]:
    out: list[Flashcard] = []
    for doc in library.docs:
        if (
            (kind is not None and doc.kind != kind)
            or (key is not None and doc.key != key)
            or not viewer.sees(doc)
        ):
            continue
        out.extend(
            generate_cards(doc.kind, doc.key, doc.data, title=doc.title, product_names=library.product_names)
        )
        out.extend(_trainer_card(row, doc.title) for row in trainer_cards.get((doc.kind, doc.key), []))
    return out


def _trainer_card(row: HandbookCard, title: str) -> Flashcard:
    return Flashcard(
        id=trainer_id(row.id),
        doc_kind=row.doc_kind,
        doc_key=row.doc_key,
        title=title,
        front=row.front,
        back=row.back,
        source=TRAINER_SOURCE,
        version=row.version,
    )


def _state(due: datetime, card: dict[str, Any]) -> _State:
    stability = card.get("stability")
    first: datetime | None = None
    card_id = card.get("card_id")
    if isinstance(card_id, int) and 0 < card_id < 10**14:
        first = datetime.fromtimestamp(card_id / 1000, UTC)
    return _State(due, float(stability) if isinstance(stability, int | float) else None, first)


def _tally(cards: Sequence[Flashcard], states: dict[str, _State], now: datetime) -> tuple[int, int, int, int]:
    seen = [states[c.id] for c in cards if c.id in states]
    mastered = sum(1 for st in seen if st.stability is not None and st.stability >= MASTERED_STABILITY_DAYS)
    return len(cards), len(seen), mastered, sum(1 for st in seen if st.due <= now)


def _person(actor: Actor) -> int:
    if actor.user_id is None:
        raise PermissionDenied("手册学习需要登录后使用")
    return actor.user_id


def _check_kind(kind: str) -> None:
    if kind not in DOC_KINDS:
        raise InvalidInput(f"未知的手册类型：{kind}（可选：product、competitor、entry）", field="kind")


def _check_text(front: str, back: str) -> tuple[str, str]:
    front, back = (front or "").strip(), (back or "").strip()
    if not front:
        raise InvalidInput("卡片正面（问题）不能为空", field="front")
    if not back:
        raise InvalidInput("卡片背面（答案）不能为空", field="back")
    if len(front) > MAX_FRONT:
        raise InvalidInput(f"卡片正面最多 {MAX_FRONT} 个字", field="front")
    if len(back) > MAX_BACK:
        raise InvalidInput(f"卡片背面最多 {MAX_BACK} 个字", field="back")
    return front, back


def _last_editor(s: Session, card_id: str) -> str | None:
    return s.scalar(
        select(AuditEntry.actor_login)
        .where(AuditEntry.entity == AUDIT_ENTITY, AuditEntry.entity_key == card_id)
        .order_by(AuditEntry.id.desc())
        .limit(1)
    )
