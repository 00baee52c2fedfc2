"""The school calendar's rule: which dates are school days, and their cycle day.

A cycle day is (week, weekday): Monday of Week 1 ("Monday A") to Friday of
Week 2 ("Friday B") in a two-week timetable. This module is pure so the rule
can be tested exhaustively; ``calendar.py`` stores what it computes.

Week numbering, chosen per school:
- ``continuous``: weeks alternate across the academic year counting only
  weeks that hold a school day, so a holiday does not skip a week;
- ``by_term``: every term starts again at Week 1.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta


class WeekNumbering(enum.StrEnum):
    CONTINUOUS = "continuous"
    BY_TERM = "by_term"


@dataclass(frozen=True, slots=True)
class DateRange:
    starts_on: date
    ends_on: date

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.starts_on <= day <= self.ends_on

    def days(self) -> Iterator[date]:
        day = self.starts_on
        while day <= self.ends_on:
            yield day
            day += timedelta(days=1)


@dataclass(frozen=True, slots=True)
class SchoolDate:
    """A date the school is open, with its place in the timetable cycle."""

    day: date
    week: int  # 1 .. weeks in the cycle
    weekday: int  # ISO: Monday = 1


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def school_dates(
    terms: Iterable[DateRange],
    closures: Iterable[DateRange],
    *,
    weeks_in_cycle: int,
    numbering: WeekNumbering,
    open_weekdays: frozenset[int],
) -> list[SchoolDate]:
    """Every school day in the terms, in date order, with its cycle day.

    A school day is a date inside a term, on a weekday that has a bell
    schedule, and not inside a closure (holiday, INSET day).
    """
    if weeks_in_cycle < 1:
        raise ValueError("a timetable cycle has at least one week")
    closed = list(closures)
    result: list[SchoolDate] = []
    week_counter = 0  # counts school weeks since the last restart
    last_monday: date | None = None
    for term in sorted(terms, key=lambda t: t.starts_on):
        if numbering is WeekNumbering.BY_TERM:
            week_counter = 0
            last_monday = None
        for day in term.days():
            if day.isoweekday() not in open_weekdays or any(day in c for c in closed):
                continue
            monday = _monday(day)
            if monday != last_monday:
                week_counter += 1
                last_monday = monday
            result.append(
                SchoolDate(
                    day=day,
                    week=(week_counter - 1) % weeks_in_cycle + 1,
                    weekday=day.isoweekday(),
                )
            )
    return result
