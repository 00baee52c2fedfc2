"""The time observations are judged against: "before the lesson", notice, expiry.

One function, so tests can move time (``monkeypatch`` ``now``) instead of
depending on the day they run; domain functions take ``now`` as an argument
and callers pass ``clock.now()``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo


def now() -> datetime:
    return datetime.now(UTC)


def local_today(moment: datetime, time_zone: str) -> date:
    """The school's date at that moment: school dates are local to its time zone."""
    return moment.astimezone(ZoneInfo(time_zone)).date()


def school_moment(day: date, at: time, time_zone: str) -> datetime:
    """A school-local date and clock time as an aware instant."""
    return datetime.combine(day, at, tzinfo=ZoneInfo(time_zone))


def academic_year(day: date) -> tuple[date, date]:
    """The English academic year holding ``day``: 1 September to 31 August."""
    start_year = day.year if day.month >= 9 else day.year - 1
    return date(start_year, 9, 1), date(start_year + 1, 8, 31)


def minutes_between(start: time, end: time) -> int:
    """A lesson's length: periods never cross midnight."""
    return (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)
