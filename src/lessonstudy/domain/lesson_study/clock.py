"""School-local dates and times: lessons happen in the school's time zone, records in UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo


def school_today(time_zone: str, now: datetime) -> date:
    """The date at the school at the instant ``now``."""
    return now.astimezone(ZoneInfo(time_zone)).date()


def school_instant(time_zone: str, day: date, clock: time) -> datetime:
    """A school-local date and clock time as a UTC instant."""
    return datetime.combine(day, clock, tzinfo=ZoneInfo(time_zone)).astimezone(UTC)
