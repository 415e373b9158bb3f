"""The time policy of resumable timed attempts.

**Policy.** An exam's time limit is *working time*: the clock runs while the attempt is open in
the app, and the exam's close window (``closes_at``) is a hard wall-clock deadline on top.

* While the attempt is open the app saves the answers and sends a heartbeat every few seconds
  (:data:`HEARTBEAT_SECONDS`). Each heartbeat charges the time since the previous one
  (:func:`charge`).
* A gap longer than ``max_gap`` (30 s) between two heartbeats means the attempt was not open
  the whole time - the app crashed or was closed, the computer slept. Of such a gap ``max_gap``
  is charged (the person was probably still working until the crash, and the unsaved last
  seconds are lost anyway), the rest is forgiven **up to a grace of** ``grace`` (10 minutes) per
  interruption. A longer absence is charged beyond the grace: reopening an exam after two
  hours costs 1 h 50 min minus ``max_gap``, which ends a 30-minute paper. So a crash or a
  restart costs nothing worth mentioning, while "closing the app to look answers up" does not
  stop the clock for long. A trainer can still grant extra time by lowering ``used_seconds``.
* ``closes_at`` is never forgiven: an attempt still open when the exam closes is submitted
  with the answers saved so far, whatever time it has left.
* No time limit and no close window: the attempt never times out.
* A clock set backwards (``now`` before the last heartbeat) charges nothing rather than a
  negative amount.

All functions are pure; datetimes must be all naive or all aware (the storage layer uses naive
UTC). Durations are seconds (``float``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

__all__ = [
    "DEFAULT_GRACE_SECONDS",
    "DEFAULT_MAX_GAP_SECONDS",
    "HEARTBEAT_SECONDS",
    "AttemptClock",
    "charge",
    "deadline",
    "is_timed_out",
    "remaining",
    "timeout_reason",
]

HEARTBEAT_SECONDS = 10.0  # how often an open attempt autosaves and reports
DEFAULT_MAX_GAP_SECONDS = 30.0  # a longer gap between heartbeats is an interruption
DEFAULT_GRACE_SECONDS = 600.0  # forgiven per interruption beyond max_gap


def charge(
    used_seconds: float,
    last_heartbeat: datetime | None,
    now: datetime,
    max_gap: float = DEFAULT_MAX_GAP_SECONDS,
    *,
    grace: float = DEFAULT_GRACE_SECONDS,
) -> float:
    """The used seconds after a heartbeat at ``now`` (see the module docstring).

    ``last_heartbeat`` None means the attempt has just started (or resumed without a recorded
    heartbeat): nothing is charged yet.
    """
    used = max(0.0, used_seconds)
    if last_heartbeat is None:
        return used
    gap = (now - last_heartbeat).total_seconds()
    if gap <= 0:
        return used
    if gap <= max_gap:
        return used + gap
    # An interruption: max_gap is charged, the rest forgiven up to the grace.
    return used + max_gap + max(0.0, gap - max_gap - max(0.0, grace))


def remaining(
    started_at: datetime,
    time_limit: float | None,
    used_seconds: float | None,
    now: datetime,
    closes_at: datetime | None = None,
) -> float:
    """Seconds left: the smaller of the time limit left and the time to ``closes_at``.

    ``time_limit`` is in seconds (None = no limit). ``used_seconds`` None (an attempt with no
    heartbeat accounting) falls back to wall-clock time since ``started_at``. ``math.inf`` when
    neither a limit nor a close window applies; never negative.
    """
    left = math.inf
    if time_limit is not None:
        used = (now - started_at).total_seconds() if used_seconds is None else used_seconds
        left = time_limit - max(0.0, used)
    if closes_at is not None:
        left = min(left, (closes_at - now).total_seconds())
    return max(0.0, left)


def is_timed_out(
    started_at: datetime,
    time_limit: float | None,
    used_seconds: float | None,
    now: datetime,
    closes_at: datetime | None = None,
) -> bool:
    """True when no time is left (the attempt must be submitted)."""
    return remaining(started_at, time_limit, used_seconds, now, closes_at) <= 0.0


def timeout_reason(
    started_at: datetime,
    time_limit: float | None,
    used_seconds: float | None,
    now: datetime,
    closes_at: datetime | None = None,
) -> str | None:
    """``"closed"`` when the exam window has closed, ``"time_limit"`` when the time is used up,
    None while time is left (the close window wins when both apply)."""
    if closes_at is not None and now >= closes_at:
        return "closed"
    if time_limit is not None:
        used = (now - started_at).total_seconds() if used_seconds is None else used_seconds
        if used >= time_limit:
            return "time_limit"
    return None


def deadline(
    started_at: datetime,
    time_limit: float | None,
    used_seconds: float | None,
    now: datetime,
    closes_at: datetime | None = None,
) -> datetime | None:
    """The wall-clock moment the attempt times out if it stays open from ``now`` (for a
    countdown); None when it never does."""
    left = remaining(started_at, time_limit, used_seconds, now, closes_at)
    if math.isinf(left):
        return None
    return now + timedelta(seconds=left)


@dataclass(frozen=True)
class AttemptClock:
    """The clock of one attempt as stored (``Attempt.used_seconds`` / ``last_heartbeat_at``).

    Call :meth:`beat` on every heartbeat, on resuming (after the gap since the last heartbeat
    is charged according to the policy) and on submitting; store the result.
    """

    started_at: datetime
    time_limit: float | None = None  # seconds
    closes_at: datetime | None = None
    used_seconds: float = 0.0
    last_heartbeat: datetime | None = None
    max_gap: float = DEFAULT_MAX_GAP_SECONDS
    grace: float = DEFAULT_GRACE_SECONDS

    def beat(self, now: datetime) -> AttemptClock:
        used = charge(self.used_seconds, self.last_heartbeat, now, self.max_gap, grace=self.grace)
        if self.last_heartbeat is None and self.used_seconds == 0 and now > self.started_at:
            # The first heartbeat of a fresh attempt: the time since the start counts like a
            # heartbeat gap (the paper was on screen).
            used = charge(0.0, self.started_at, now, self.max_gap, grace=self.grace)
        latest = now if self.last_heartbeat is None or now > self.last_heartbeat else self.last_heartbeat
        return replace(self, used_seconds=used, last_heartbeat=latest)

    def remaining(self, now: datetime) -> float:
        """Seconds left at ``now``, counting the time since the last heartbeat as charged."""
        return remaining(self.started_at, self.time_limit, self.beat(now).used_seconds, now, self.closes_at)

    def is_timed_out(self, now: datetime) -> bool:
        return self.remaining(now) <= 0.0

    def timeout_reason(self, now: datetime) -> str | None:
        return timeout_reason(
            self.started_at, self.time_limit, self.beat(now).used_seconds, now, self.closes_at
        )

    def deadline(self, now: datetime) -> datetime | None:
        return deadline(self.started_at, self.time_limit, self.beat(now).used_seconds, now, self.closes_at)
