"""The time observations are judged against: "before the lesson", notice, expiry.

One function, so tests can move time (``monkeypatch`` ``now``) instead of
depending on the day they run; domain functions take ``now`` as an argument
and callers pass ``clock.now()``.
"""

from __future__ import annotations

from datetime import UTC, datetime, time


def now() -> datetime:
    return datetime.now(UTC)


def minutes_between(start: time, end: time) -> int:
    """A lesson's length: periods never cross midnight."""
    return (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)
