"""The wrong-answer book (错题本): which questions a person still has to practise.

Rules:

* one entry per (person, question key);
* every wrong answer - in an exam or in practice - adds the entry, or counts one more miss and
  starts the clearing over (the right days collected so far are forgotten);
* the entry leaves the book after right answers on **two different calendar days** (the local
  date of the answer). Two right answers on the same day count once: answering twice in a row
  right after looking at the solution proves less than remembering it the next day.

:func:`record` applies one answer to an entry. :func:`practice_set` draws a practice session:
due entries from the book (most missed first, then the ones missed longest ago) mixed with
questions from the person's weakest categories.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, tzinfo

from cstrainer.domain.questions import Question, QuestionType

__all__ = [
    "BOOK_SHARE",
    "RIGHT_DAYS_TO_CLEAR",
    "WrongBookEntry",
    "is_due",
    "local_date",
    "practice_set",
    "record",
]

RIGHT_DAYS_TO_CLEAR = 2
BOOK_SHARE = 0.6  # share of a practice set taken from the book when weak categories are given
MIN_WEAKNESS = 0.05  # even a 100 % category keeps a little weight so nothing is never drawn

PersonId = int | str


@dataclass(frozen=True)
class WrongBookEntry:
    """A question ``person`` got wrong and has not yet cleared."""

    person: PersonId
    question_key: str
    wrong_count: int
    first_wrong_at: datetime
    last_wrong_at: datetime
    right_days: tuple[date, ...] = ()  # local dates of right answers since the last miss

    @property
    def rights_needed(self) -> int:
        """Right answers on further days needed to clear the entry."""
        return max(0, RIGHT_DAYS_TO_CLEAR - len(self.right_days))


def local_date(when: datetime, tz: tzinfo | None = None) -> date:
    """The calendar date of ``when`` for the person: naive datetimes are taken as local time;
    aware ones are converted to ``tz`` (default: the computer's zone)."""
    if when.tzinfo is None:
        return when.date()
    return when.astimezone(tz).date()


def record(
    entry: WrongBookEntry | None,
    correct: bool,
    when: datetime,
    *,
    person: PersonId | None = None,
    question_key: str | None = None,
    tz: tzinfo | None = None,
) -> WrongBookEntry | None:
    """The entry after one answer at ``when``; None when the question is (now) not in the book.

    A wrong answer without an entry creates one for ``person`` and ``question_key`` (both then
    required).
    """
    if entry is None:
        if correct:
            return None
        if person is None or question_key is None:
            raise ValueError("a new wrong-book entry needs person and question_key")
        return WrongBookEntry(person, question_key, 1, when, when)
    if not correct:
        return replace(
            entry,
            wrong_count=entry.wrong_count + 1,
            last_wrong_at=max(entry.last_wrong_at, when),
            right_days=(),
        )
    day = local_date(when, tz)
    if day in entry.right_days:
        return entry
    days = tuple(sorted((*entry.right_days, day)))
    if len(days) >= RIGHT_DAYS_TO_CLEAR:
        return None
    return replace(entry, right_days=days)


def is_due(entry: WrongBookEntry, today: date | None = None) -> bool:
    """Whether practising the entry ``today`` can help clear it (not already right today)."""
    return today is None or today not in entry.right_days


def _allocate(total: int, weights: Mapping[str, float]) -> dict[str, int]:
    """Split ``total`` over the keys in proportion to ``weights`` (largest remainder)."""
    positive = {k: w for k, w in weights.items() if w > 0}
    if total <= 0 or not positive:
        return {}
    weight_sum = math.fsum(positive.values())
    exact = {k: total * w / weight_sum for k, w in positive.items()}
    shares = {k: int(v) for k, v in exact.items()}
    left = total - sum(shares.values())
    for k in sorted(exact, key=lambda k: (-(exact[k] - shares[k]), k))[:left]:
        shares[k] += 1
    return shares


def practice_set(
    entries: Iterable[WrongBookEntry],
    weak_categories: Mapping[str, float],
    bank: Sequence[Question],
    n: int,
    seed: int,
    *,
    today: date | None = None,
) -> list[Question]:
    """Up to ``n`` questions to practise, in a seeded random order.

    * From the book: due entries (:func:`is_due`), most missed first, then missed longest ago;
      at most ``BOOK_SHARE`` (60 %) of the set when ``weak_categories`` is given, otherwise all
      of it. Entries whose question is no longer in the bank (or retired) are skipped.
    * From the weak categories: ``weak_categories`` maps category -> the person's share of right
      answers there (0..1, lower = weaker). The rest of the set is split over those categories
      in proportion to ``1 − rate`` (at least 5 %), drawn at random from active questions the
      set does not hold yet. A category short of questions passes its share on to the book
      and then to the other categories.
    """
    if n <= 0:
        return []
    rng = random.Random(seed)
    by_key = {q.key: q for q in bank if not q.retired}
    due = sorted(
        (e for e in entries if is_due(e, today) and e.question_key in by_key),
        key=lambda e: (-e.wrong_count, e.last_wrong_at, e.question_key),
    )
    book_keys = list(dict.fromkeys(e.question_key for e in due))
    book_quota = min(len(book_keys), math.ceil(n * BOOK_SHARE) if weak_categories else n)
    chosen: list[Question] = [by_key[k] for k in book_keys[:book_quota]]
    taken = {q.key for q in chosen}

    if weak_categories and len(chosen) < n:
        pools: dict[str, list[Question]] = {category: [] for category in weak_categories}
        for q in by_key.values():
            if q.key not in taken and q.category in pools and q.type is not QuestionType.DESCRIPTION:
                pools[q.category].append(q)
        for pool in pools.values():
            pool.sort(key=lambda q: q.key)
            rng.shuffle(pool)
        weights = {
            c: max(MIN_WEAKNESS, 1.0 - min(1.0, max(0.0, rate))) for c, rate in weak_categories.items()
        }
        need = n - len(chosen)
        while need > 0:
            weights = {c: w for c, w in weights.items() if pools[c]}
            if not weights:
                break
            shares = _allocate(need, weights)
            got_any = False
            for category in sorted(shares):
                pool = pools[category]
                take = min(shares[category], len(pool))
                for q in pool[:take]:
                    chosen.append(q)
                    taken.add(q.key)
                del pool[:take]
                got_any = got_any or take > 0
            need = n - len(chosen)
            if not got_any:
                break
    # Not enough from the categories: more from the book.
    for key in book_keys[book_quota:]:
        if len(chosen) >= n:
            break
        if key not in taken:
            chosen.append(by_key[key])
            taken.add(key)
    rng.shuffle(chosen)
    return chosen[:n]
