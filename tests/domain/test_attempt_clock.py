from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta, timezone

import pytest

from cstrainer.domain.attempt_clock import (
    DEFAULT_GRACE_SECONDS,
    DEFAULT_MAX_GAP_SECONDS,
    AttemptClock,
    charge,
    deadline,
    is_timed_out,
    remaining,
    timeout_reason,
)

START = datetime(2024, 6, 1, 9, 0, 0)
HALF_HOUR = 30 * 60.0


def at(seconds: float) -> datetime:
    return START + timedelta(seconds=seconds)


def test_regular_heartbeats_charge_the_time_between_them() -> None:
    used = 0.0
    last = START
    for t in range(10, 130, 10):
        used = charge(used, last, at(t))
        last = at(t)
    assert used == pytest.approx(120)


def test_first_heartbeat_has_nothing_to_charge() -> None:
    assert charge(0.0, None, at(50)) == 0.0


def test_a_crash_costs_max_gap_and_is_forgiven_up_to_the_grace() -> None:
    # GIVEN 10 minutes of work, then the app crashes; it is reopened 5 minutes later
    used = charge(600.0, at(600), at(900))
    # THEN only max_gap of the 5 minutes is charged
    assert used == pytest.approx(600 + DEFAULT_MAX_GAP_SECONDS)


def test_a_long_absence_is_charged_beyond_the_grace() -> None:
    two_hours = 2 * 3600.0
    used = charge(600.0, at(600), at(600 + two_hours))
    assert used == pytest.approx(
        600 + DEFAULT_MAX_GAP_SECONDS + two_hours - DEFAULT_MAX_GAP_SECONDS - DEFAULT_GRACE_SECONDS
    )
    assert is_timed_out(START, HALF_HOUR, used, at(600 + two_hours))


def test_gap_and_grace_are_parameters() -> None:
    assert charge(0.0, at(0), at(100), max_gap=120) == pytest.approx(100)
    assert charge(0.0, at(0), at(1000), max_gap=10, grace=0) == pytest.approx(1000)


def test_clock_set_backwards_charges_nothing() -> None:
    assert charge(300.0, at(600), at(500)) == 300.0
    assert charge(-5.0, at(600), at(500)) == 0.0


def test_remaining_without_limits_is_infinite() -> None:
    assert remaining(START, None, 10_000.0, at(10**6)) == math.inf
    assert not is_timed_out(START, None, 10_000.0, at(10**6))
    assert deadline(START, None, 0.0, at(5)) is None
    assert timeout_reason(START, None, 10**9, at(10**6)) is None


def test_remaining_counts_used_time_not_wall_time() -> None:
    # 20 minutes used, though the attempt started 3 hours ago (crash, resumed within grace...)
    assert remaining(START, HALF_HOUR, 1200.0, at(3 * 3600)) == pytest.approx(600)
    assert deadline(START, HALF_HOUR, 1200.0, at(3 * 3600)) == at(3 * 3600 + 600)


def test_used_seconds_unknown_falls_back_to_wall_clock() -> None:
    assert remaining(START, HALF_HOUR, None, at(600)) == pytest.approx(1200)
    assert timeout_reason(START, HALF_HOUR, None, at(1800)) == "time_limit"


def test_close_window_is_a_hard_deadline() -> None:
    closes = at(900)
    # 25 of 30 minutes left, but the exam closes in 5 minutes
    assert remaining(START, HALF_HOUR, 300.0, at(600), closes) == pytest.approx(300)
    assert not is_timed_out(START, HALF_HOUR, 300.0, at(899), closes)
    assert is_timed_out(START, HALF_HOUR, 300.0, at(900), closes)
    assert timeout_reason(START, HALF_HOUR, 300.0, at(900), closes) == "closed"
    # a crash gap is forgiven for the time limit, never for the close window
    assert remaining(START, None, 0.0, at(2000), closes) == 0.0


def test_time_limit_reason() -> None:
    assert timeout_reason(START, HALF_HOUR, HALF_HOUR, at(HALF_HOUR)) == "time_limit"
    assert timeout_reason(START, HALF_HOUR, HALF_HOUR - 1, at(HALF_HOUR)) is None
    assert remaining(START, HALF_HOUR, HALF_HOUR + 50, at(0)) == 0.0  # never negative


def test_attempt_clock_crash_and_resume() -> None:
    # GIVEN a 30-minute attempt, started at 9:00, heartbeats every 10 s for 10 minutes
    clock = AttemptClock(START, time_limit=HALF_HOUR)
    for t in range(10, 610, 10):
        clock = clock.beat(at(t))
    assert clock.used_seconds == pytest.approx(600)
    assert clock.remaining(at(600)) == pytest.approx(1200)
    # WHEN the app crashes at 9:10:05 and is reopened at 9:20
    resumed = clock.beat(at(1200))
    # THEN 30 s of the gap were charged, the rest forgiven
    assert resumed.used_seconds == pytest.approx(630)
    assert resumed.last_heartbeat == at(1200)
    assert resumed.remaining(at(1200)) == pytest.approx(1170)
    assert resumed.deadline(at(1200)) == at(1200 + 1170)
    assert not resumed.is_timed_out(at(1200))
    # and the countdown keeps running while open (heartbeats every 10 s): 1170 s later it is over
    clock = resumed
    for t in range(1210, 1200 + 1170 + 1, 10):
        clock = clock.beat(at(t))
    assert clock.used_seconds == pytest.approx(HALF_HOUR)
    assert clock.is_timed_out(at(1200 + 1170))
    assert clock.timeout_reason(at(1200 + 1170)) == "time_limit"


def test_attempt_clock_first_heartbeat_counts_from_the_start() -> None:
    clock = AttemptClock(START, time_limit=HALF_HOUR).beat(at(8))
    assert clock.used_seconds == pytest.approx(8)
    assert clock.remaining(at(8)) == pytest.approx(HALF_HOUR - 8)


def test_attempt_clock_with_close_window() -> None:
    clock = AttemptClock(START, time_limit=HALF_HOUR, closes_at=at(300))
    assert clock.remaining(at(290)) == pytest.approx(10)
    assert clock.timeout_reason(at(300)) == "closed"


def test_aware_datetimes_work_too() -> None:
    utc = UTC
    start = datetime(2024, 6, 1, 1, 0, tzinfo=utc)
    assert charge(0.0, start, start + timedelta(seconds=20)) == pytest.approx(20)
    local = timezone(timedelta(hours=8))
    assert remaining(
        start, 60.0, 0.0, start.astimezone(local), start + timedelta(seconds=30)
    ) == pytest.approx(30)
