"""The phrase library (话术库 / 快捷短语): team and personal phrases, search as you type, the
compliance linter on every save, and usage counts.

Scopes
- The team library is the ``phrases`` table (filled from content packs and edited by trainers and
  managers). An agent sees the phrases of their brands and the shared ones (brand None); trainers
  and managers see all of it.
- Personal phrases (``personal_phrases``) belong to one person, who alone sees and edits them.
  Library imports and releases never touch them.

Search
- A query is matched, in this order of rank, as an exact shortcut code (``hy1``), a shortcut
  prefix (``hy``), pinyin first letters of the text or the intent (``nh`` finds 你好) and words
  (jieba tokens of text, intent and tags; the last query word may be a prefix, so results appear
  while typing). Within a rank, phrases used more often come first.
- Every save stores the jieba terms (``search_text``) and the initials (``initials``) in the row.
  Searching happens in a per-process in-memory index built from those columns on first use
  (:meth:`PhraseService.warm_up`): an SQL query (FTS5, or a GIN index on PostgreSQL) costs a round
  trip plus ORM work per keystroke, several milliseconds on PostgreSQL over a network, while the
  index answers well under the 2 ms target at 50,000 phrases (``bench/bench_phrases.py``).
  The index notices changes made by other processes (another PC on a shared PostgreSQL, a content
  import) by checking a cheap stamp (row counts and newest ``updated_at`` of both tables) at most
  every ``refresh_seconds``; this process's own saves mark it stale. A stale index keeps
  answering while a background thread builds the new one (a few seconds at 50,000 phrases), so
  typing never waits for a rebuild. Usage order is the order at the last rebuild.
- The database answers the same queries itself (:meth:`PhraseService.search_db`): words through
  FTS5 on SQLite (``phrases_fts`` / ``personal_phrases_fts``, revision 0007) and a GIN-indexed
  ``to_tsvector('simple', search_text)`` on PostgreSQL, codes and initials through LIKE. Searches
  made before the first index is built (the seconds after start-up at 50,000 phrases) are
  answered this way, so the phrase box works from the first keystroke.

Linter
- Every save scans the text with the banned-word scanner. A phrase with hits is refused
  (:class:`PhraseLintRejected`, carrying the hits) unless a trainer or manager gives a written
  justification, which is stored with the phrase and written to the audit log.

Releases
- The draft is the current team library. :meth:`PhraseService.publish` stores it as an immutable
  ``phrase_releases`` row (version unique and newer than every earlier one, items, sha256 of the
  release YAML); a rollback re-publishes an old release's content as a new release and makes it the
  library again; a release zip imported from another PC replaces the team library in the same
  transaction that stores the release (all or nothing). Personal phrases are never touched.
"""

from __future__ import annotations

import bisect
import hashlib
import heapq
import itertools
import logging
import re
import threading
import time
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import and_, func, select, true, update
from sqlalchemy.orm import Session

from cstrainer.domain.accounts import Permission
from cstrainer.domain.phrase_release import PhraseRelease, ReleaseDiff, ReleaseStamp, diff_releases
from cstrainer.domain.phrases import PhraseItem
from cstrainer.services import audit
from cstrainer.services.actor import Actor
from cstrainer.services.conflicts import fields_of, lock_for_edit, who
from cstrainer.services.errors import EditConflict, EditSide, InvalidInput, NotFound, PermissionDenied
from cstrainer.storage.database import Database
from cstrainer.storage.models import (
    Brand,
    PersonalPhrase,
    Phrase,
    PhraseReleaseRow,
    PhraseReleaseSeen,
    utcnow,
)
from cstrainer.text.banned import BannedHit, BannedWordScanner, default_scanner

log = logging.getLogger(__name__)

Scope = Literal["team", "personal"]
MatchKind = Literal["shortcut", "shortcut_prefix", "pinyin", "words"]
MATCH_ORDER: tuple[MatchKind, ...] = ("shortcut", "shortcut_prefix", "pinyin", "words")

_PLACEHOLDER = re.compile(r"\{[^{}\n]*\}")
_ASCII_QUERY = re.compile(r"[a-z0-9]+\Z")


@dataclass(frozen=True)
class PhraseRecord:
    """One phrase as the GUI and CLI see it."""

    key: str
    scope: Scope
    brand: str | None
    scene: str
    intent: str
    shortcut: str
    text: str
    tags: tuple[str, ...]
    usage_count: int
    version: int
    updated_at: datetime | None
    updated_by: str
    lint_justification: str = ""

    @property
    def item(self) -> PhraseItem:
        return PhraseItem(self.key, self.brand, self.scene, self.intent, self.shortcut, self.text, self.tags)


@dataclass(frozen=True)
class PhraseHit:
    """A search result: the phrase and how it matched (see :data:`MATCH_ORDER`)."""

    phrase: PhraseRecord
    match: MatchKind


@dataclass(frozen=True)
class PhraseSaveResult:
    phrase: PhraseRecord
    created: bool
    lint_hits: tuple[BannedHit, ...] = ()  # kept with a justification


RELEASE_INTERVAL_DAYS = 14  # the team settles a new version every two weeks
DRAFT = "draft"  # names the current (unreleased) library in diffs


@dataclass(frozen=True)
class ReleaseInfo:
    version: str
    date: date
    author: str
    notes: str
    items: int
    sha256: str
    source: str  # published | rollback | imported
    rollback_of: str | None
    published_at: datetime

    @property
    def stamp(self) -> ReleaseStamp:
        return ReleaseStamp(self.version, self.date)


@dataclass(frozen=True)
class SeenChanges:
    """What changed for someone since the release they last looked at (``since`` None: nothing)."""

    latest: ReleaseInfo
    since: str | None
    diff: ReleaseDiff


@dataclass(frozen=True)
class ReleaseImportResult:
    release: ReleaseInfo
    already_present: bool  # the same version with the same content was already here


class PhraseLintRejected(InvalidInput):
    """The text has banned wordings and no (allowed) justification was given; ``hits`` lists them."""

    def __init__(self, message: str, hits: Sequence[BannedHit]) -> None:
        super().__init__(message, field="text")
        self.hits = list(hits)


# --- search terms ---------------------------------------------------------------------------------


def _plain(text: str) -> str:
    """The text without placeholders, NFKC-folded and lower-cased (what the index sees)."""
    return unicodedata.normalize("NFKC", _PLACEHOLDER.sub(" ", text)).lower()


def search_terms_of(item: PhraseItem) -> str:
    """jieba search terms of text, intent and tags, space separated with a leading and trailing
    space (never empty, so an empty column means "not indexed yet")."""
    from cstrainer.text.segment import search_terms

    joined = "\n".join([_plain(item.text), _plain(item.intent), *(_plain(t) for t in item.tags)])
    terms = dict.fromkeys(search_terms(joined))
    return " " + " ".join(terms) + " "


def initials_of(item: PhraseItem) -> str:
    """Pinyin first letters of the text and of the intent, space separated."""
    from cstrainer.text.pinyin import initials

    parts = [initials(_plain(item.text)), initials(_plain(item.intent))]
    return " ".join(dict.fromkeys(p for p in parts if p))


def query_words(query: str) -> list[str]:
    """The words of a search query (jieba, lower-cased, punctuation dropped, order kept)."""
    from cstrainer.text.segment import words

    out = [w.strip().lower() for w in words(unicodedata.normalize("NFKC", query))]
    return list(dict.fromkeys(w for w in out if w and any(ch.isalnum() for ch in w)))


# --- the in-memory index --------------------------------------------------------------------------


@dataclass(slots=True)
class _Entry:
    record: PhraseRecord
    owner: int | None  # None: team library; else the personal phrase's user id


_CACHE_SIZE = 256


@dataclass
class _Index:
    """Phrases numbered by usage rank (0 = most used at build time); every structure holds ranks."""

    entries: list[_Entry] = field(default_factory=list)
    by_key: dict[tuple[int | None, str], _Entry] = field(default_factory=dict)  # (owner, key)
    shortcut_keys: list[str] = field(default_factory=list)  # sorted
    shortcut_ids: list[int] = field(default_factory=list)
    initials_keys: list[str] = field(default_factory=list)  # sorted
    initials_ids: list[int] = field(default_factory=list)
    vocab: list[str] = field(default_factory=list)  # sorted terms
    postings: dict[str, list[int]] = field(default_factory=dict)  # term -> ranks, ascending
    shared: frozenset[int] = frozenset()  # team phrases of no brand
    by_brand: dict[str, frozenset[int]] = field(default_factory=dict)  # team phrases per brand
    by_owner: dict[int, frozenset[int]] = field(default_factory=dict)  # personal phrases per person
    by_scene: dict[str, frozenset[int]] = field(default_factory=dict)
    word_cache: dict[str, frozenset[int]] = field(default_factory=dict)
    visible_cache: dict[tuple[Any, ...], frozenset[int]] = field(default_factory=dict)

    @classmethod
    def build(cls, rows: Iterable[tuple[_Entry, str, str]]) -> _Index:
        """``rows``: (entry, search_text, initials) per phrase."""
        idx = cls()
        loaded = sorted(rows, key=lambda r: (-r[0].record.usage_count, r[0].record.shortcut, r[0].record.key))
        shortcuts: list[tuple[str, int]] = []
        initials: list[tuple[str, int]] = []
        postings: dict[str, list[int]] = {}
        shared: list[int] = []
        brands: dict[str, list[int]] = {}
        owners: dict[int, list[int]] = {}
        scenes: dict[str, list[int]] = {}
        for rank, (entry, terms, inits) in enumerate(loaded):
            rec = entry.record
            idx.entries.append(entry)
            idx.by_key[(entry.owner, rec.key)] = entry
            shortcuts.append((rec.shortcut.lower(), rank))
            for part in inits.split():
                initials.append((part, rank))
            for term in terms.split():
                postings.setdefault(term, []).append(rank)
            if entry.owner is not None:
                owners.setdefault(entry.owner, []).append(rank)
            elif rec.brand is None:
                shared.append(rank)
            else:
                brands.setdefault(rec.brand, []).append(rank)
            scenes.setdefault(rec.scene, []).append(rank)
        shortcuts.sort()
        initials.sort()
        idx.shortcut_keys = [k for k, _ in shortcuts]
        idx.shortcut_ids = [i for _, i in shortcuts]
        idx.initials_keys = [k for k, _ in initials]
        idx.initials_ids = [i for _, i in initials]
        idx.vocab = sorted(postings)
        idx.postings = postings
        idx.shared = frozenset(shared)
        idx.by_brand = {k: frozenset(v) for k, v in brands.items()}
        idx.by_owner = {k: frozenset(v) for k, v in owners.items()}
        idx.by_scene = {k: frozenset(v) for k, v in scenes.items()}
        return idx

    def shortcut_range(self, prefix: str) -> range:
        lo = bisect.bisect_left(self.shortcut_keys, prefix)
        hi = bisect.bisect_left(self.shortcut_keys, prefix + "\U0010ffff", lo)
        return range(lo, hi)

    def initials_range(self, prefix: str) -> range:
        lo = bisect.bisect_left(self.initials_keys, prefix)
        hi = bisect.bisect_left(self.initials_keys, prefix + "\U0010ffff", lo)
        return range(lo, hi)

    def word_set(self, word: str) -> frozenset[int]:
        """Ranks of the phrases with a term starting with ``word`` (cached: typing repeats them)."""
        found = self.word_cache.get(word)
        if found is None:
            lo = bisect.bisect_left(self.vocab, word)
            hi = bisect.bisect_left(self.vocab, word + "\U0010ffff", lo)
            found = frozenset(itertools.chain.from_iterable(self.postings[t] for t in self.vocab[lo:hi]))
            if len(self.word_cache) >= _CACHE_SIZE:
                self.word_cache.pop(next(iter(self.word_cache)))
            self.word_cache[word] = found
        return found

    def visible(self, actor: Actor, brand: str | None, scene: str | None) -> frozenset[int]:
        """Ranks of the phrases ``actor`` may see, optionally of one brand (and shared) and scene."""
        all_brands = actor.can(Permission.EDIT_CONTENT)
        key = (all_brands, actor.brand_keys, actor.user_id, brand, scene)
        found = self.visible_cache.get(key)
        if found is None:
            allowed = set(self.by_brand) if all_brands else set(actor.brand_keys) & set(self.by_brand)
            if brand is not None:
                allowed &= {brand}
            parts = [self.shared, *(self.by_brand[b] for b in allowed)]
            if actor.user_id is not None:
                parts.append(self.by_owner.get(actor.user_id, frozenset()))
            found = frozenset().union(*parts)
            if scene is not None:
                found = found & self.by_scene.get(scene, frozenset())
            if len(self.visible_cache) >= _CACHE_SIZE:
                self.visible_cache.clear()
            self.visible_cache[key] = found
        return found


def _best(ranks: Iterator[int], visible: frozenset[int], limit: int) -> list[int]:
    """Up to ``limit`` visible ranks of a (sorted-by-code) range, most used first. A range may be
    large (``h`` matches thousands of codes): it is walked at most ``50 * limit`` deep."""
    found: list[int] = []
    for n, rank in enumerate(ranks):
        if n >= 50 * limit and len(found) >= limit:
            break
        if rank in visible:
            found.append(rank)
    return heapq.nsmallest(limit, found)


class PhraseService:
    def __init__(
        self,
        db: Database,
        scanner: BannedWordScanner | Callable[[], BannedWordScanner] | None = None,
        refresh_seconds: float = 2.0,
        background: bool = True,
    ) -> None:
        self._db = db
        self._scanner = scanner
        self.refresh_seconds = refresh_seconds
        self._lock = threading.RLock()
        self._index: _Index | None = None
        self._stamp: tuple[Any, ...] | None = None
        self._checked_at = 0.0
        self._dirty = False
        self._rebuilding: threading.Thread | None = None
        self._db_searchable = False
        self.background = background

    # --- linter ------------------------------------------------------------------------------------

    @property
    def scanner(self) -> BannedWordScanner:
        """The rules in force: a fixed scanner, the current one of a source (the team's
        compliance rules), or the shipped ones."""
        if self._scanner is None:
            return default_scanner()
        if isinstance(self._scanner, BannedWordScanner):
            return self._scanner
        return self._scanner()

    def lint(self, text: str) -> list[BannedHit]:
        """Every banned wording in ``text`` with its position, reason and rule (no permission needed)."""
        return self.scanner.scan(text)

    # --- search ------------------------------------------------------------------------------------

    def search(
        self,
        actor: Actor,
        query: str,
        *,
        limit: int = 20,
        brand: str | None = None,
        scene: str | None = None,
    ) -> list[PhraseHit]:
        """Phrases the actor may use that match ``query``, best first (see the module docstring)."""
        folded = unicodedata.normalize("NFKC", query).strip().lower()
        if not folded or limit <= 0:
            return []
        with self._lock:
            maybe = self._current_index(wait=False)
        if maybe is None:
            # The first index is still being built: ask the database, unless it holds rows not
            # indexed yet (a content import or an old database; the build fills them in).
            if self._database_searchable():
                return self.search_db(actor, query, limit=limit, brand=brand, scene=scene)
            self.wait_until_fresh()
            with self._lock:
                maybe = self._current_index()
        assert maybe is not None
        idx = maybe
        with self._lock:
            visible = idx.visible(actor, brand, scene)
        entries = idx.entries
        seen: set[int] = set()
        out: list[PhraseHit] = []

        def take(ranks: Iterable[int], kind: MatchKind) -> None:
            for rank in ranks:
                if len(out) >= limit:
                    return
                if rank not in seen:
                    seen.add(rank)
                    out.append(PhraseHit(entries[rank].record, kind))

        compact = "".join(folded.split())
        if _ASCII_QUERY.match(compact):
            r = idx.shortcut_range(compact)
            keys, ids = idx.shortcut_keys, idx.shortcut_ids
            take(sorted(ids[i] for i in r if keys[i] == compact and ids[i] in visible), "shortcut")
            if len(out) < limit:
                take(_best((ids[i] for i in r), visible, limit), "shortcut_prefix")
            if len(out) < limit:
                take(
                    _best((idx.initials_ids[i] for i in idx.initials_range(compact)), visible, limit),
                    "pinyin",
                )
        if len(out) < limit:
            take(self._word_matches(idx, folded, visible, limit + len(seen)), "words")
        return out

    @staticmethod
    def _word_matches(idx: _Index, query: str, visible: frozenset[int], limit: int) -> list[int]:
        """Ranks of visible phrases whose text, intent or tags hold every query word as the start of
        a jieba term (so results appear while the last word is still being typed)."""
        words = query_words(query)
        if not words:
            return []
        sets = sorted((idx.word_set(w) for w in words), key=len)
        found = sets[0] & visible
        for other in sets[1:]:
            if not found:
                break
            found = found & other
        if len(found) <= 4 * limit:
            return sorted(found)[:limit]
        return heapq.nsmallest(limit, found)

    # --- the index -----------------------------------------------------------------------------------

    def warm_up(self) -> None:
        """Load jieba and build the search index now (a GUI calls this in the background)."""
        from cstrainer.text.segment import ensure_ready

        ensure_ready()
        self._current_index()
        self.wait_until_fresh()

    def _database_searchable(self) -> bool:
        """True when every phrase row has its search columns (checked once per service)."""
        if not self._db_searchable:
            with self._db.session() as s:
                missing = s.scalar(select(Phrase.id).where(Phrase.search_text == "").limit(1)) or s.scalar(
                    select(PersonalPhrase.id).where(PersonalPhrase.search_text == "").limit(1)
                )
            self._db_searchable = missing is None
        return self._db_searchable

    def search_db(
        self,
        actor: Actor,
        query: str,
        *,
        limit: int = 20,
        brand: str | None = None,
        scene: str | None = None,
    ) -> list[PhraseHit]:
        """:meth:`search` answered by the database instead of the in-memory index (same ranks:
        exact code, code prefix, pinyin initials, words; within a rank most used first)."""
        folded = unicodedata.normalize("NFKC", query).strip().lower()
        if not folded or limit <= 0:
            return []
        compact = "".join(folded.split())
        words = query_words(folded)
        out: list[PhraseHit] = []
        seen: set[tuple[str, str]] = set()
        with self._db.session() as s:
            brands: dict[int, str] = {i: k for i, k in s.execute(select(Brand.id, Brand.key))}
            team_where, personal_where = self._visible_where(s, actor, brand, scene)
            steps: list[tuple[MatchKind, Any, Any]] = []
            if _ASCII_QUERY.match(compact):
                # Codes are lower-case [a-z0-9] (validated on save), so a prefix is a range
                # ("{" sorts right after "z"): both databases answer it from the shortcut index.
                upper = compact + "{"
                steps += [
                    ("shortcut", Phrase.shortcut == compact, PersonalPhrase.shortcut == compact),
                    (
                        "shortcut_prefix",
                        (Phrase.shortcut >= compact) & (Phrase.shortcut < upper),
                        (PersonalPhrase.shortcut >= compact) & (PersonalPhrase.shortcut < upper),
                    ),
                    (
                        "pinyin",
                        _fulltext(s, Phrase, [compact], "initials"),
                        _fulltext(s, PersonalPhrase, [compact], "initials"),
                    ),
                ]
            if words:
                steps.append(("words", _fulltext(s, Phrase, words), _fulltext(s, PersonalPhrase, words)))
            for kind, team_cond, personal_cond in steps:
                if len(out) >= limit:
                    break
                found: list[PhraseRecord] = []
                for model, where, cond, to_record in (
                    (Phrase, team_where, team_cond, _team_record),
                    (PersonalPhrase, personal_where, personal_cond, _personal_record),
                ):
                    if where is None:
                        continue
                    q = (
                        select(model)
                        .where(where, cond)
                        .order_by(model.usage_count.desc(), model.shortcut, model.key)
                        .limit(limit + len(seen))
                    )
                    found += [to_record(r, brands) for r in s.scalars(q)]  # type: ignore[arg-type]
                found.sort(key=lambda r: (-r.usage_count, r.shortcut.lower(), r.key))
                for rec in found:
                    if len(out) >= limit:
                        break
                    ident = (rec.scope, rec.key)
                    if ident not in seen:
                        seen.add(ident)
                        out.append(PhraseHit(rec, kind))
        return out

    @staticmethod
    def _visible_where(s: Session, actor: Actor, brand: str | None, scene: str | None) -> tuple[Any, Any]:
        """SQL conditions for the team and the personal phrases ``actor`` may see (None: none)."""
        brand_ids: dict[str, int] = {k: i for k, i in s.execute(select(Brand.key, Brand.id))}
        team: list[Any] = []
        if not actor.can(Permission.EDIT_CONTENT):
            mine = [brand_ids[b] for b in actor.brand_keys if b in brand_ids]
            # coalesce() keeps SQLite's planner on the shortcut / full-text indexes: the brand index
            # would select most of the table.
            team.append(func.coalesce(Phrase.brand_id, 0).in_([0, *mine]))
        if brand is not None:
            team.append(Phrase.brand_id.is_(None) | (Phrase.brand_id == brand_ids.get(brand, -1)))
        personal: list[Any] | None = None
        if actor.user_id is not None:
            personal = [PersonalPhrase.user_id == actor.user_id]
            if brand is not None:
                personal.append(
                    PersonalPhrase.brand_id.is_(None) | (PersonalPhrase.brand_id == brand_ids.get(brand, -1))
                )
            if scene is not None:
                personal.append(PersonalPhrase.scene == scene)
        if scene is not None:
            team.append(Phrase.scene == scene)
        return (and_(true(), *team), None if personal is None else and_(*personal))

    def invalidate(self) -> None:
        """Rebuild the index at the next search (this process changed the library)."""
        with self._lock:
            self._dirty = True

    def wait_until_fresh(self, timeout: float | None = None) -> None:
        """Wait for a background rebuild to finish (tests; a GUI never needs to)."""
        thread = self._rebuilding
        if thread is not None:
            thread.join(timeout)

    def _stamp_now(self) -> tuple[Any, ...]:
        # Four small queries: max() is answered from the updated_at indexes; count(*) of the whole
        # table is cheap while count(column) or a combined query would read every row.
        with self._db.session() as s:
            return (
                s.scalar(select(func.count()).select_from(Phrase)),
                s.scalar(select(func.max(Phrase.updated_at))),
                s.scalar(select(func.count()).select_from(PersonalPhrase)),
                s.scalar(select(func.max(PersonalPhrase.updated_at))),
            )

    def _current_index(self, wait: bool = True) -> _Index | None:
        """The index, rebuilt when the library changed. Rebuilds run in a background thread
        (with ``background``) while searches keep using the previous index, so typing never stalls
        for a rebuild. Before the first index exists, ``wait`` builds it now; otherwise the build
        is started in the background and None returned (the caller asks the database)."""
        with self._lock:
            if self._index is None and not wait and self.background:
                if self._rebuilding is None or not self._rebuilding.is_alive():
                    self._dirty = False
                    self._checked_at = time.monotonic()
                    self._rebuilding = threading.Thread(
                        target=self._rebuild, args=(self._stamp_now(),), name="phrase-index", daemon=True
                    )
                    self._rebuilding.start()
                return None
            now = time.monotonic()
            index = self._index
            if index is not None and not self._dirty and now - self._checked_at < self.refresh_seconds:
                return index
            self._checked_at = now
            stamp = self._stamp_now()
            if index is not None and not self._dirty and stamp == self._stamp:
                return index
            if index is not None and self.background:
                if self._rebuilding is None or not self._rebuilding.is_alive():
                    self._dirty = False
                    self._rebuilding = threading.Thread(
                        target=self._rebuild, args=(stamp,), name="phrase-index", daemon=True
                    )
                    self._rebuilding.start()
                return index
            self._dirty = False
            return self._rebuild(stamp)

    def _rebuild(self, stamp: tuple[Any, ...]) -> _Index:
        """Load a new index; ``stamp`` was read before loading, so changes made meanwhile are seen
        by the next check."""
        try:
            index = self._load()
        except Exception:
            log.exception("building the phrase search index failed")
            with self._lock:
                self._dirty = True
            raise
        with self._lock:
            self._index, self._stamp = index, stamp
        return index

    def _load(self) -> _Index:
        self._reindex_missing()
        with self._db.session() as s:
            brands: dict[int, str] = {i: k for i, k in s.execute(select(Brand.id, Brand.key))}
            rows: list[tuple[_Entry, str, str]] = []
            for row in s.execute(
                select(
                    Phrase.id,
                    Phrase.key,
                    Phrase.brand_id,
                    Phrase.scene,
                    Phrase.intent,
                    Phrase.shortcut,
                    Phrase.text,
                    Phrase.data,
                    Phrase.usage_count,
                    Phrase.version,
                    Phrase.updated_at,
                    Phrase.updated_by,
                    Phrase.lint_justification,
                    Phrase.search_text,
                    Phrase.initials,
                )
            ):
                rec = PhraseRecord(
                    key=row.key,
                    scope="team",
                    brand=brands.get(row.brand_id) if row.brand_id else None,
                    scene=row.scene,
                    intent=row.intent,
                    shortcut=row.shortcut,
                    text=row.text,
                    tags=tuple(row.data.get("tags") or ()),
                    usage_count=row.usage_count,
                    version=row.version,
                    updated_at=row.updated_at,
                    updated_by=row.updated_by,
                    lint_justification=row.lint_justification,
                )
                rows.append((_Entry(rec, None), row.search_text, row.initials))
            for prow in s.scalars(select(PersonalPhrase)):
                entry = _Entry(_personal_record(prow, brands), prow.user_id)
                rows.append((entry, prow.search_text, prow.initials))
        return _Index.build(rows)

    def _reindex_missing(self) -> None:
        """Fill the search columns of rows written without them (content imports, old databases)."""
        with self._db.session() as s:
            team = s.scalars(select(Phrase).where(Phrase.search_text == "")).all()
            for row in team:
                item = _team_item(row, None)
                # A core UPDATE, so that ``updated_at`` (the change stamp) is kept.
                s.execute(
                    update(Phrase)
                    .where(Phrase.id == row.id)
                    .values(
                        search_text=search_terms_of(item),
                        initials=initials_of(item)[:255],
                        updated_at=Phrase.updated_at,
                    )
                )
            personal = s.scalars(select(PersonalPhrase).where(PersonalPhrase.search_text == "")).all()
            for prow in personal:
                item = PhraseItem(
                    prow.key, None, prow.scene, prow.intent, prow.shortcut, prow.text, tuple(prow.tags)
                )
                s.execute(
                    update(PersonalPhrase)
                    .where(PersonalPhrase.id == prow.id)
                    .values(
                        search_text=search_terms_of(item),
                        initials=initials_of(item)[:255],
                        updated_at=PersonalPhrase.updated_at,
                    )
                )

    # --- the team library ----------------------------------------------------------------------------

    def list_team(
        self, actor: Actor, *, brand: str | None = None, scene: str | None = None
    ) -> list[PhraseRecord]:
        """The team phrases the actor may see, by scene, intent and shortcut (with usage counts,
        so trainers can retire unused ones)."""
        with self._db.session() as s:
            brands: dict[int, str] = {i: k for i, k in s.execute(select(Brand.id, Brand.key))}
            q = select(Phrase)
            if scene:
                q = q.where(Phrase.scene == scene)
            out = []
            for row in s.scalars(q.order_by(Phrase.scene, Phrase.intent, Phrase.shortcut, Phrase.key)):
                rec = _team_record(row, brands)
                if not (
                    actor.can(Permission.EDIT_CONTENT) or rec.brand is None or rec.brand in actor.brand_keys
                ):
                    continue
                if brand is not None and rec.brand not in (None, brand):
                    continue
                out.append(rec)
            return out

    def get_team(self, actor: Actor, key: str) -> PhraseRecord:
        with self._db.session() as s:
            brands: dict[int, str] = {i: k for i, k in s.execute(select(Brand.id, Brand.key))}
            row = s.scalar(select(Phrase).where(Phrase.key == key))
            if row is None:
                raise NotFound(f"没有编号为 {key} 的话术")
            rec = _team_record(row, brands)
            if not (actor.can(Permission.EDIT_CONTENT) or rec.brand is None or rec.brand in actor.brand_keys):
                raise PermissionDenied(f"权限不足：不能查看话术 {key}")
            return rec

    def save_team(
        self,
        actor: Actor,
        item: PhraseItem,
        *,
        justification: str = "",
        expected_version: int | None = None,
    ) -> PhraseSaveResult:
        """Add or change a team phrase (trainers and managers). ``expected_version`` guards against
        overwriting someone else's newer edit; the linter runs on every save."""
        actor.require(Permission.EDIT_CONTENT)
        _validate(item)
        hits = self._check_lint(actor, item.text, justification)
        data = {k: v for k, v in item.to_dict().items() if k != "key"}
        with self._db.session() as s:
            # Locked until commit: a colleague's save waits and then sees this one's version.
            row = lock_for_edit(s, Phrase, Phrase.key == item.key)
            brand_id = _brand_id(s, item.brand)
            created = row is None
            if row is None:
                if expected_version is not None:
                    raise EditConflict(
                        "phrase",
                        item.key,
                        title=item.intent,
                        mine=EditSide(expected_version, phrase_fields(item, justification)),
                        theirs=None,
                    )
                row = Phrase(key=item.key, version=1, usage_count=0)
                s.add(row)
            elif expected_version is not None and row.version != expected_version:
                stored = _team_record(row, {i: k for i, k in s.execute(select(Brand.id, Brand.key))})
                raise EditConflict(
                    "phrase",
                    item.key,
                    title=stored.intent,
                    mine=EditSide(expected_version, phrase_fields(item, justification)),
                    theirs=EditSide(
                        row.version,
                        phrase_fields(stored.item, stored.lint_justification),
                        who(s, row.updated_by),
                        row.updated_at,
                    ),
                    latest=stored,
                )
            else:
                row.version += 1
            changed = [] if created else audit.changed_fields(row.data or {}, data)
            row.data = data
            row.brand_id = brand_id
            row.scene, row.intent, row.shortcut, row.text = item.scene, item.intent, item.shortcut, item.text
            row.search_text = search_terms_of(item)
            row.initials = initials_of(item)[:255]
            row.lint_justification = justification.strip() if hits else ""
            row.updated_by = actor.login
            audit.record(
                s,
                actor,
                "phrase_added" if created else "phrase_changed",
                "phrases",
                item.key,
                version=row.version,
                **({} if created else {"from_version": row.version - 1, "changed": changed}),
            )
            if hits:
                audit.record(
                    s,
                    actor,
                    "phrase_lint_override",
                    "phrases",
                    item.key,
                    justification=justification.strip(),
                    hits=[_hit_json(h) for h in hits],
                )
            s.flush()
            rec = _team_record(row, {brand_id: item.brand} if brand_id is not None and item.brand else {})
        self.invalidate()
        return PhraseSaveResult(rec, created, tuple(hits))

    def delete_team(self, actor: Actor, key: str) -> None:
        actor.require(Permission.EDIT_CONTENT)
        with self._db.session() as s:
            row = s.scalar(select(Phrase).where(Phrase.key == key))
            if row is None:
                raise NotFound(f"没有编号为 {key} 的话术")
            s.delete(row)
            audit.record(s, actor, "phrase_deleted", "phrases", key, version=row.version, text=row.text)
        self.invalidate()

    # --- personal phrases ---------------------------------------------------------------------------

    def list_personal(self, actor: Actor) -> list[PhraseRecord]:
        user_id = _person(actor)
        with self._db.session() as s:
            brands: dict[int, str] = {i: k for i, k in s.execute(select(Brand.id, Brand.key))}
            rows = s.scalars(
                select(PersonalPhrase)
                .where(PersonalPhrase.user_id == user_id)
                .order_by(PersonalPhrase.scene, PersonalPhrase.shortcut, PersonalPhrase.key)
            )
            return [_personal_record(r, brands) for r in rows]

    def save_personal(self, actor: Actor, item: PhraseItem, *, justification: str = "") -> PhraseSaveResult:
        """Add or change one of the actor's own phrases. The linter runs here too; only a trainer
        or manager may keep a flagged wording (with a justification)."""
        user_id = _person(actor)
        _validate(item)
        hits = self._check_lint(actor, item.text, justification)
        with self._db.session() as s:
            brand_id = _brand_id(s, item.brand)
            row = s.scalar(
                select(PersonalPhrase).where(
                    PersonalPhrase.user_id == user_id, PersonalPhrase.key == item.key
                )
            )
            created = row is None
            if row is None:
                row = PersonalPhrase(user_id=user_id, key=item.key, version=1, usage_count=0)
                s.add(row)
            else:
                row.version += 1
            row.brand_id = brand_id
            row.scene, row.intent, row.shortcut, row.text = item.scene, item.intent, item.shortcut, item.text
            row.tags = list(item.tags)
            row.search_text = search_terms_of(item)
            row.initials = initials_of(item)[:255]
            row.lint_justification = justification.strip() if hits else ""
            if hits:
                audit.record(
                    s,
                    actor,
                    "phrase_lint_override",
                    "personal_phrases",
                    item.key,
                    justification=justification.strip(),
                    hits=[_hit_json(h) for h in hits],
                )
            s.flush()
            rec = _personal_record(row, {brand_id: item.brand} if brand_id is not None and item.brand else {})
        self.invalidate()
        return PhraseSaveResult(rec, created, tuple(hits))

    def delete_personal(self, actor: Actor, key: str) -> None:
        user_id = _person(actor)
        with self._db.session() as s:
            row = s.scalar(
                select(PersonalPhrase).where(PersonalPhrase.user_id == user_id, PersonalPhrase.key == key)
            )
            if row is None:
                raise NotFound(f"没有编号为 {key} 的个人话术")
            s.delete(row)
        self.invalidate()

    # --- usage -----------------------------------------------------------------------------------------

    def record_use(self, actor: Actor, phrase_key: str, *, scope: Scope = "team") -> int:
        """Count one insertion of a phrase (role-play chat, drills); returns the new count.

        The change stamp (``updated_at``) is kept, so counting does not rebuild search indexes.
        """
        with self._db.session() as s:
            if scope == "personal":
                user_id = _person(actor)
                model: Any = PersonalPhrase
                where = [PersonalPhrase.user_id == user_id, PersonalPhrase.key == phrase_key]
            else:
                model = Phrase
                where = [Phrase.key == phrase_key]
            count = s.execute(
                update(model)
                .where(*where)
                .values(usage_count=model.usage_count + 1, updated_at=model.updated_at)
                .returning(model.usage_count)
            ).scalar()
            if count is None:
                raise NotFound(f"没有编号为 {phrase_key} 的{'个人' if scope == 'personal' else ''}话术")
        with self._lock:
            if self._index is not None:
                owner = actor.user_id if scope == "personal" else None
                entry = self._index.by_key.get((owner, phrase_key))
                if entry is not None:
                    entry.record = replace(entry.record, usage_count=int(count))
        return int(count)

    # --- releases ------------------------------------------------------------------------------------

    def draft(self, actor: Actor) -> list[PhraseItem]:
        """The current team library: what :meth:`publish` would release (trainers and managers)."""
        actor.require(Permission.EDIT_CONTENT)
        with self._db.session() as s:
            return _library_items(s)

    def list_releases(self, actor: Actor) -> list[ReleaseInfo]:
        """Every release, newest first (everyone may see them)."""
        with self._db.session() as s:
            rows = s.scalars(select(PhraseReleaseRow)).all()
            return sorted((_release_info(r) for r in rows), key=lambda r: r.stamp.sort_key(), reverse=True)

    def get_release(self, actor: Actor, version: str) -> PhraseRelease:
        with self._db.session() as s:
            return _release_of(self._release_row(s, version))

    def publish(self, actor: Actor, version: str, notes: str, *, on: date | None = None) -> ReleaseInfo:
        """Publish the current team library as release ``version`` (trainers and managers). A
        release never changes afterwards; it must be newer than every earlier one."""
        actor.require(Permission.EDIT_CONTENT)
        with self._db.session() as s:
            items = _library_items(s)
            previous = s.scalar(
                select(PhraseReleaseRow.version).order_by(PhraseReleaseRow.id.desc()).limit(1)
            )
            row = self._add_release(s, actor, version, notes, items, on=on, source="published")
            audit.record(
                s,
                actor,
                "phrase_release_published",
                "phrase_releases",
                version,
                previous=previous,
                items=len(items),
            )
            return _release_info(row)

    def rollback(
        self, actor: Actor, old_version: str, new_version: str, notes: str = "", *, on: date | None = None
    ) -> ReleaseInfo:
        """Publish the content of ``old_version`` as a new release ``new_version`` and make it the
        team library again (personal phrases are not touched)."""
        actor.require(Permission.EDIT_CONTENT)
        with self._db.session() as s:
            old = _release_of(self._release_row(s, old_version))
            _replace_library(s, actor, old.items)
            text = notes.strip() or f"回退到 {old_version} 的内容"
            row = self._add_release(
                s,
                actor,
                new_version,
                text,
                list(old.items),
                on=on,
                source="rollback",
                rollback_of=old_version,
            )
            audit.record(
                s, actor, "phrase_release_rollback", "phrase_releases", new_version, rollback_of=old_version
            )
            info = _release_info(row)
        self.invalidate()
        return info

    def diff(self, actor: Actor, old_version: str, new_version: str) -> ReleaseDiff:
        """Added, removed and changed phrases between two releases (``draft`` names the current
        library, for trainers)."""
        return diff_releases(self._items_of(actor, old_version), self._items_of(actor, new_version))

    def days_since_last_release(self, *, today: date | None = None) -> int | None:
        """Days since the newest release (None: nothing released yet)."""
        with self._db.session() as s:
            newest = s.scalar(select(func.max(PhraseReleaseRow.date)))
        if newest is None:
            return None
        return ((today or date.today()) - newest).days

    def release_reminder(self, actor: Actor, *, today: date | None = None) -> str | None:
        """The reminder a trainer sees when 14 days have passed since the last release."""
        if not actor.can(Permission.EDIT_CONTENT):
            return None
        days = self.days_since_last_release(today=today)
        if days is None:
            return "话术库还没有发布过版本，整理好后请发布第一版"
        if days >= RELEASE_INTERVAL_DAYS:
            return f"距离上次发布话术已经 {days} 天，请组织话术评审并发布新版本"
        return None

    def what_changed_since_seen(self, actor: Actor) -> SeenChanges | None:
        """What changed since the release this person last looked at (None: nothing new).

        Someone who never looked sees the changes of the newest release against the one before."""
        user_id = _person(actor)
        with self._db.session() as s:
            releases = sorted(
                s.scalars(select(PhraseReleaseRow)).all(), key=lambda r: _stamp_of(r).sort_key(), reverse=True
            )
            if not releases:
                return None
            latest = releases[0]
            seen = s.get(PhraseReleaseSeen, user_id)
            if seen is not None and seen.version == latest.version:
                return None
            base = next((r for r in releases if seen is not None and r.version == seen.version), None)
            if base is None and seen is None:
                base = releases[1] if len(releases) > 1 else None
            old_items = list(_release_of(base).items) if base is not None else []
            new = _release_of(latest)
            return SeenChanges(
                latest=_release_info(latest),
                since=base.version if base is not None else None,
                diff=diff_releases(old_items, new.items),
            )

    def mark_seen(self, actor: Actor, version: str | None = None) -> None:
        """Remember that this person has seen ``version`` (default: the newest release)."""
        user_id = _person(actor)
        with self._db.session() as s:
            if version is None:
                infos = self.list_releases(actor)
                if not infos:
                    return
                version = infos[0].version
            else:
                self._release_row(s, version)
            row = s.get(PhraseReleaseSeen, user_id)
            if row is None:
                s.add(PhraseReleaseSeen(user_id=user_id, version=version, seen_at=utcnow()))
            else:
                row.version, row.seen_at = version, utcnow()

    def export_release(self, actor: Actor, version: str, path: Path) -> Path:
        """Write release ``version`` as ``<version>.cstrainer-phrases.zip`` (``path``: file or folder)."""
        from cstrainer.formats.phrase_release import write_release_zip

        actor.require(Permission.EXPORT_CONTENT)
        release = self.get_release(actor, version)
        try:
            return write_release_zip(release, path)
        except OSError as exc:
            raise InvalidInput(f"无法写入 {path}：{exc.strerror or exc}") from exc

    def import_release(self, actor: Actor, path: Path) -> ReleaseImportResult:
        """Import a release zip from another PC: verify it (checksums, safe paths, not older than
        the newest release here) and make its content the team library, all or nothing."""
        from cstrainer.formats.phrase_release import PhraseReleaseError, read_release_zip

        actor.require(Permission.IMPORT_CONTENT)
        with self._db.session() as s:
            newest = max(
                (_stamp_of(r) for r in s.scalars(select(PhraseReleaseRow))), key=_sort_key, default=None
            )
        try:
            release = read_release_zip(path, newest_known=newest)
        except PhraseReleaseError as exc:
            raise InvalidInput(f"发布文件被拒绝：{exc}") from exc
        with self._db.session() as s:
            existing = s.scalar(select(PhraseReleaseRow).where(PhraseReleaseRow.version == release.version))
            if existing is not None:
                if existing.sha256 == _sha256(release):
                    return ReleaseImportResult(_release_info(existing), already_present=True)
                raise InvalidInput(f"发布文件被拒绝：本机已有版本 {release.version}，但内容与文件不同")
            _replace_library(s, actor, release.items)
            row = self._add_release(
                s, actor, release.version, release.notes, list(release.items), on=release.date,
                source="imported", author=release.author,
            )  # fmt: skip
            audit.record(s, actor, "phrase_release_imported", "phrase_releases", release.version)
            info = _release_info(row)
        self.invalidate()
        return ReleaseImportResult(info, already_present=False)

    def import_shipped_releases(self, actor: Actor, folders: Iterable[Path]) -> int:
        """Record the releases shipped as ``phrase_releases/*.yaml`` under ``folders`` (the release
        history of the sample library), oldest first; versions already here are left alone and the
        library itself is not touched (it is imported from the phrase packs). All or nothing.
        Returns how many releases were added."""
        from cstrainer.formats.phrase_release import PhraseReleaseError, load_release

        actor.require(Permission.IMPORT_CONTENT)
        files = sorted(p for folder in folders for p in Path(folder).glob("phrase_releases/*.yaml"))
        releases: list[PhraseRelease] = []
        for file in files:
            try:
                releases.append(load_release(file))
            except PhraseReleaseError as exc:
                raise InvalidInput(f"发布文件 {file.name} 有误：{exc}") from exc
        releases.sort(key=lambda r: r.stamp.sort_key())
        added = 0
        with self._db.session() as s:
            for release in releases:
                if s.scalar(select(PhraseReleaseRow.id).where(PhraseReleaseRow.version == release.version)):
                    continue
                self._add_release(
                    s, actor, release.version, release.notes, list(release.items), on=release.date,
                    source="imported", author=release.author,
                )  # fmt: skip
                added += 1
        return added

    def _items_of(self, actor: Actor, version: str) -> list[PhraseItem]:
        if version == DRAFT:
            return self.draft(actor)
        return list(self.get_release(actor, version).items)

    @staticmethod
    def _release_row(s: Session, version: str) -> PhraseReleaseRow:
        row = s.scalar(select(PhraseReleaseRow).where(PhraseReleaseRow.version == version))
        if row is None:
            raise NotFound(f"没有话术版本 {version}")
        return row

    @staticmethod
    def _add_release(
        s: Session,
        actor: Actor,
        version: str,
        notes: str,
        items: Sequence[PhraseItem],
        *,
        on: date | None,
        source: str,
        rollback_of: str | None = None,
        author: str | None = None,
    ) -> PhraseReleaseRow:
        version = version.strip()
        release = PhraseRelease(version, on or date.today(), author or actor.login, notes, tuple(items))
        if s.scalar(select(PhraseReleaseRow.id).where(PhraseReleaseRow.version == version)) is not None:
            raise InvalidInput(
                f"版本 {version} 已经存在，发布后的版本不能修改，请换一个版本号", field="version"
            )
        for other in s.scalars(select(PhraseReleaseRow)):
            if release.stamp.is_older_than(_stamp_of(other)):
                raise InvalidInput(
                    f"版本 {version}（{release.date}）早于已有的 {other.version}（{other.date}）",
                    field="version",
                )
        digest = _sha256(release)  # also validates the whole release (version, shortcuts, fields)
        row = PhraseReleaseRow(
            version=version,
            date=release.date,
            author=release.author,
            notes=notes,
            items=[it.to_dict() for it in items],
            sha256=digest,
            source=source,
            rollback_of=rollback_of,
            published_at=utcnow(),
            published_by=actor.login,
        )
        s.add(row)
        s.flush()
        return row

    # --- helpers -------------------------------------------------------------------------------------

    def _check_lint(self, actor: Actor, text: str, justification: str) -> list[BannedHit]:
        hits = self.lint(text)
        if not hits:
            return []
        words = "、".join(dict.fromkeys(h.word for h in hits))
        if not actor.can(Permission.EDIT_CONTENT):
            raise PhraseLintRejected(f"话术含违规用语：{words}，请修改后再保存", hits)
        if not justification.strip():
            raise PhraseLintRejected(
                f"话术含违规用语：{words}。如确需保留，请写明理由（会记入操作日志）", hits
            )
        return hits


def _sort_key(stamp: ReleaseStamp) -> Any:
    return stamp.sort_key()


def _sha256(release: PhraseRelease) -> str:
    from cstrainer.formats.phrase_release import PhraseReleaseError, dumps_release

    try:
        body = dumps_release(release)
    except PhraseReleaseError as exc:
        raise InvalidInput(f"不能发布：{exc}") from exc
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def _stamp_of(row: PhraseReleaseRow) -> ReleaseStamp:
    return ReleaseStamp(row.version, row.date)


def _release_of(row: PhraseReleaseRow) -> PhraseRelease:
    items = tuple(PhraseItem.from_dict(d) for d in row.items)
    return PhraseRelease(row.version, row.date, row.author, row.notes, items)


def _release_info(row: PhraseReleaseRow) -> ReleaseInfo:
    return ReleaseInfo(
        version=row.version,
        date=row.date,
        author=row.author,
        notes=row.notes,
        items=len(row.items),
        sha256=row.sha256,
        source=row.source,
        rollback_of=row.rollback_of,
        published_at=row.published_at,
    )


def _library_items(s: Session) -> list[PhraseItem]:
    brands: dict[int, str] = {i: k for i, k in s.execute(select(Brand.id, Brand.key))}
    rows = s.scalars(select(Phrase).order_by(Phrase.key))
    return [_team_item(r, brands.get(r.brand_id) if r.brand_id else None) for r in rows]


def _replace_library(s: Session, actor: Actor, items: Sequence[PhraseItem]) -> None:
    """Make ``items`` the team library: update and add by key, delete the others. Usage counts
    and justifications stay with the phrases that remain. Personal phrases are not touched."""
    brands: dict[str, int] = {k: i for i, k in s.execute(select(Brand.id, Brand.key))}
    missing = sorted({it.brand for it in items if it.brand and it.brand not in brands})
    if missing:
        raise InvalidInput(f"本机没有这些品牌：{'、'.join(missing)}，请先导入品牌再导入话术版本")
    rows = {r.key: r for r in s.scalars(select(Phrase))}
    wanted = {it.key for it in items}
    for key, row in rows.items():
        if key not in wanted:
            s.delete(row)
    for it in items:
        data = {k: v for k, v in it.to_dict().items() if k != "key"}
        brand_id = brands.get(it.brand) if it.brand else None
        found = rows.get(it.key)
        if found is None:
            row = Phrase(key=it.key, version=1, usage_count=0, lint_justification="")
            s.add(row)
        elif found.data == data and found.brand_id == brand_id:
            continue
        else:
            row = found
            row.version += 1
            if row.text != it.text:
                row.lint_justification = ""
        row.data, row.brand_id = data, brand_id
        row.scene, row.intent, row.shortcut, row.text = it.scene, it.intent, it.shortcut, it.text
        row.search_text, row.initials = search_terms_of(it), initials_of(it)[:255]
        row.updated_by = actor.login
    s.flush()


def _like_prefix(text: str) -> str:
    """A LIKE pattern for "starts with ``text``" (``\\`` escapes)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _fulltext(
    s: Session, model: type[Phrase] | type[PersonalPhrase], words: Sequence[str], column: str = "search_text"
) -> Any:
    """Rows whose ``column`` (space separated terms: ``search_text`` or ``initials``) holds, for
    every word, a term starting with it: FTS5 on SQLite, ``to_tsvector('simple', ...) @@
    to_tsquery`` with prefix lexemes on PostgreSQL (both indexed, revision 0007); LIKE elsewhere."""
    from sqlalchemy import Integer, bindparam, text
    from sqlalchemy import column as sql_column

    dialect = s.get_bind().dialect.name
    table = model.__tablename__
    if dialect == "sqlite":
        match = " AND ".join(f'{column}:"' + w.replace('"', '""') + '"*' for w in words)
        ids = text(f"SELECT rowid FROM {table}_fts WHERE {table}_fts MATCH :match").bindparams(
            bindparam("match", match)
        )
        return model.id.in_(ids.columns(sql_column("rowid", Integer)))
    if dialect == "postgresql":
        lexemes = " & ".join("'" + w.replace("\\", "\\\\").replace("'", "''") + "':*" for w in words)
        return func.to_tsvector(text("'simple'::regconfig"), getattr(model, column)).op("@@")(
            func.to_tsquery(text("'simple'::regconfig"), lexemes)
        )
    col = getattr(model, column)
    return and_(
        *(
            col.like(_like_prefix(w), escape="\\") | col.like("% " + _like_prefix(w), escape="\\")
            for w in words
        )
    )


def _hit_json(h: BannedHit) -> dict[str, Any]:
    return {"word": h.word, "start": h.start, "end": h.end, "reason": h.reason, "rule": h.rule}


def _person(actor: Actor) -> int:
    if actor.user_id is None:
        raise PermissionDenied("个人话术需要登录后使用")
    return actor.user_id


def _validate(item: PhraseItem) -> None:
    """The same checks as a content pack (scene, shortcut code, known placeholders)."""
    from pydantic import ValidationError

    from cstrainer.formats.content_pack import Phrase as PackPhrase
    from cstrainer.formats.content_pack import _describe

    try:
        PackPhrase.model_validate(item.to_dict())
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        raise InvalidInput(f"话术 {where}：{_describe(err)}", field=where or None) from exc


def _brand_id(s: Session, key: str | None) -> int | None:
    if not key:
        return None
    brand_id = s.scalar(select(Brand.id).where(Brand.key == key))
    if brand_id is None:
        raise InvalidInput(f"没有编号为 {key} 的品牌", field="brand")
    return int(brand_id)


def _team_item(row: Phrase, brand: str | None) -> PhraseItem:
    return PhraseItem(
        row.key, brand, row.scene, row.intent, row.shortcut, row.text, tuple(row.data.get("tags") or ())
    )


def phrase_fields(item: PhraseItem, justification: str = "") -> dict[str, str]:
    """A team phrase field by field, as an edit conflict shows it."""
    data = {k: v for k, v in item.to_dict().items() if k != "key"}
    data.setdefault("brand", None)
    data["brand"] = data["brand"] or "通用"
    if justification.strip():
        data["lint_justification"] = justification.strip()
    return fields_of(data)


def _team_record(row: Phrase, brands: dict[int, str]) -> PhraseRecord:
    return PhraseRecord(
        key=row.key,
        scope="team",
        brand=brands.get(row.brand_id) if row.brand_id else None,
        scene=row.scene,
        intent=row.intent,
        shortcut=row.shortcut,
        text=row.text,
        tags=tuple(row.data.get("tags") or ()),
        usage_count=row.usage_count or 0,
        version=row.version,
        updated_at=row.updated_at,
        updated_by=row.updated_by,
        lint_justification=row.lint_justification or "",
    )


def _personal_record(row: PersonalPhrase, brands: dict[int, str]) -> PhraseRecord:
    return PhraseRecord(
        key=row.key,
        scope="personal",
        brand=brands.get(row.brand_id) if row.brand_id else None,
        scene=row.scene,
        intent=row.intent,
        shortcut=row.shortcut,
        text=row.text,
        tags=tuple(row.tags or ()),
        usage_count=row.usage_count or 0,
        version=row.version,
        updated_at=row.updated_at,
        updated_by="",
        lint_justification=row.lint_justification or "",
    )
