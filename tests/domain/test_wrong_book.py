from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from cstrainer.domain.questions import Option, Question, QuestionType
from cstrainer.domain.wrong_book import WrongBookEntry, is_due, local_date, practice_set, record

MON = datetime(2024, 6, 3, 9, 0)


def day(n: int, hour: int = 9) -> datetime:
    return MON + timedelta(days=n, hours=hour - 9)


def test_a_wrong_answer_opens_an_entry() -> None:
    entry = record(None, False, MON, person=7, question_key="q1")
    assert entry == WrongBookEntry(7, "q1", 1, MON, MON)
    assert entry.rights_needed == 2


def test_a_right_answer_without_entry_does_nothing() -> None:
    assert record(None, True, MON) is None


def test_new_entry_needs_person_and_key() -> None:
    with pytest.raises(ValueError, match="person and question_key"):
        record(None, False, MON)


def test_two_rights_on_different_days_clear_the_entry() -> None:
    # GIVEN a question answered wrong on Monday
    entry = record(None, False, MON, person="li", question_key="q1")
    # WHEN it is answered right on Monday afternoon and again on Wednesday
    entry = record(entry, True, day(0, 15))
    assert entry is not None and entry.right_days == (date(2024, 6, 3),)
    assert entry.rights_needed == 1
    # THEN the second day clears it
    assert record(entry, True, day(2)) is None


def test_two_rights_on_the_same_day_count_once() -> None:
    entry = record(None, False, MON, person="li", question_key="q1")
    entry = record(entry, True, day(1, 10))
    entry = record(entry, True, day(1, 20))
    assert entry is not None
    assert entry.right_days == (date(2024, 6, 4),)


def test_a_wrong_answer_starts_clearing_over() -> None:
    entry = record(None, False, MON, person="li", question_key="q1")
    entry = record(entry, True, day(1))
    entry = record(entry, False, day(2))
    assert entry is not None
    assert entry.wrong_count == 2
    assert entry.right_days == ()
    assert entry.first_wrong_at == MON and entry.last_wrong_at == day(2)
    entry = record(entry, True, day(3))
    assert entry is not None  # one right day is not enough after the reset
    assert record(entry, True, day(4)) is None


def test_local_date_of_aware_datetimes() -> None:
    beijing = timezone(timedelta(hours=8))
    late_utc = datetime(2024, 6, 3, 20, 0, tzinfo=UTC)  # already 6-4 in Beijing
    assert local_date(late_utc, beijing) == date(2024, 6, 4)
    assert local_date(datetime(2024, 6, 3, 23, 59)) == date(2024, 6, 3)
    entry = record(None, False, MON, person=1, question_key="q")
    entry = record(entry, True, datetime(2024, 6, 3, 15, 0, tzinfo=UTC), tz=beijing)  # 6-3 23:00
    assert entry is not None
    # 16:30 UTC is 00:30 on 6-4 in Beijing: a different day
    assert record(entry, True, datetime(2024, 6, 3, 16, 30, tzinfo=UTC), tz=beijing) is None


def test_is_due() -> None:
    entry = WrongBookEntry(1, "q", 1, MON, MON, right_days=(date(2024, 6, 4),))
    assert is_due(entry)
    assert is_due(entry, date(2024, 6, 5))
    assert not is_due(entry, date(2024, 6, 4))


# -- practice sets -------------------------------------------------------------------------------


def question(key: str, category: str, retired: bool = False) -> Question:
    return Question(
        key,
        QuestionType.SINGLE,
        key,
        options=(Option("a", True), Option("b")),
        category=category,
        retired=retired,
    )


BANK = (
    [question(f"book{i}", "产品知识") for i in range(6)]
    + [question(f"rule{i}", "平台规则") for i in range(20)]
    + [question(f"pre{i}", "服务技巧-售前") for i in range(20)]
    + [question(f"after{i}", "服务技巧-售后") for i in range(3)]
    + [question("retired", "产品知识", retired=True)]
)


def entry(key: str, wrong: int, last_day: int) -> WrongBookEntry:
    return WrongBookEntry(1, key, wrong, MON, day(last_day))


ENTRIES = [
    entry("book0", 1, 1),
    entry("book1", 3, 5),
    entry("book2", 1, 0),
    entry("book3", 2, 2),
    entry("book4", 1, 3),
    entry("book5", 1, 4),
    entry("retired", 5, 0),  # no longer in the bank: skipped
    entry("missing", 5, 0),
]


def test_book_entries_come_most_missed_then_oldest_first() -> None:
    chosen = practice_set(ENTRIES, {}, BANK, n=3, seed=1)
    assert sorted(q.key for q in chosen) == ["book1", "book2", "book3"]


def test_book_only_when_no_weak_categories() -> None:
    chosen = practice_set(ENTRIES, {}, BANK, n=20, seed=1)
    assert sorted(q.key for q in chosen) == [f"book{i}" for i in range(6)]


def test_mix_of_book_and_weak_categories() -> None:
    # 60 % of 10 from the book (6), the rest split by weakness: 平台规则 (rate 0.2) : 售前 (rate 0.6) = 0.8 : 0.4
    chosen = practice_set(ENTRIES, {"平台规则": 0.2, "服务技巧-售前": 0.6}, BANK, n=10, seed=3)
    keys = [q.key for q in chosen]
    assert len(keys) == len(set(keys)) == 10
    assert sum(k.startswith("book") for k in keys) == 6
    assert sum(k.startswith("rule") for k in keys) == 3
    assert sum(k.startswith("pre") for k in keys) == 1


def test_weak_categories_fill_up_when_the_book_is_short() -> None:
    chosen = practice_set([entry("book0", 1, 0)], {"平台规则": 0.5}, BANK, n=8, seed=0)
    keys = [q.key for q in chosen]
    assert keys.count("book0") == 1
    assert sum(k.startswith("rule") for k in keys) == 7


def test_a_small_category_passes_its_share_on() -> None:
    # 售后 is weakest but has only 3 questions; the rest comes from 平台规则
    chosen = practice_set([], {"服务技巧-售后": 0.0, "平台规则": 0.9}, BANK, n=10, seed=0)
    keys = [q.key for q in chosen]
    assert sum(k.startswith("after") for k in keys) == 3
    assert sum(k.startswith("rule") for k in keys) == 7


def test_book_tops_up_when_categories_run_dry() -> None:
    chosen = practice_set(ENTRIES, {"服务技巧-售后": 0.0}, BANK, n=10, seed=0)
    keys = [q.key for q in chosen]
    assert sum(k.startswith("after") for k in keys) == 3
    assert sum(k.startswith("book") for k in keys) == 6  # all six due entries
    assert len(keys) == 9  # nothing else to give


def test_practice_set_is_seeded_and_skips_entries_done_today() -> None:
    weak = {"平台规则": 0.3, "服务技巧-售前": 0.5}
    a = practice_set(ENTRIES, weak, BANK, n=12, seed=9)
    b = practice_set(list(reversed(ENTRIES)), weak, list(reversed(BANK)), n=12, seed=9)
    assert [q.key for q in a] == [q.key for q in b]
    done_today = [*ENTRIES[1:], WrongBookEntry(1, "book0", 9, MON, MON, right_days=(date(2024, 6, 10),))]
    keys = {q.key for q in practice_set(done_today, {}, BANK, n=10, seed=0, today=date(2024, 6, 10))}
    assert "book0" not in keys


def test_zero_or_negative_n() -> None:
    assert practice_set(ENTRIES, {"平台规则": 0.1}, BANK, n=0, seed=0) == []
