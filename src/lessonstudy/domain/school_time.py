"""School-local time: lessons happen in the school's time zone, records are kept in UTC.

A school date ("Monday 7 September") means that day where the school is, so
"today", "before the lesson" and "the follow-up date has come" are all read
in the school's own zone. Every feature asks here.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo


def school_today(time_zone: str, now: datetime) -> date:
    """The date at the school at the instant ``now``."""
    return now.astimezone(ZoneInfo(time_zone)).date()


def school_instant(time_zone: str, day: date, clock: time) -> datetime:
    """A school-local date and clock time as a UTC instant."""
    return datetime.combine(day, clock, tzinfo=ZoneInfo(time_zone)).astimezone(UTC)


def academic_year(day: date) -> tuple[date, date]:
    """The academic year holding ``day``: 1 September to 31 August."""
    start_year = day.year if day.month >= 9 else day.year - 1
    return date(start_year, 9, 1), date(start_year + 1, 8, 31)
