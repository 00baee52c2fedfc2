"""Date to cycle-day mapping, over holidays, for one- and two-week timetables."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from lessonstudy.domain.cycle import DateRange, SchoolDate, WeekNumbering, school_dates

WEEKDAYS = frozenset({1, 2, 3, 4, 5})


def _autumn() -> tuple[list[DateRange], list[DateRange]]:
    terms = [
        DateRange(date(2026, 9, 2), date(2026, 10, 16)),  # seven school weeks
        DateRange(date(2026, 11, 2), date(2026, 12, 18)),
    ]
    closures = [DateRange(date(2026, 9, 25), date(2026, 9, 25))]  # an INSET Friday
    return terms, closures


def _week_of(days: list[SchoolDate], day: date) -> int:
    return next(d.week for d in days if d.day == day)


def test_two_week_cycle_continues_across_half_term() -> None:
    terms, closures = _autumn()
    days = school_dates(
        terms,
        closures,
        weeks_in_cycle=2,
        numbering=WeekNumbering.CONTINUOUS,
        open_weekdays=WEEKDAYS,
    )
    assert _week_of(days, date(2026, 9, 2)) == 1
    assert _week_of(days, date(2026, 9, 7)) == 2
    assert _week_of(days, date(2026, 10, 12)) == 1  # the 7th school week
    assert _week_of(days, date(2026, 11, 2)) == 2  # after half term: continues
    assert date(2026, 9, 25) not in {d.day for d in days}
    assert date(2026, 10, 19) not in {d.day for d in days}


def test_by_term_numbering_restarts_at_week_one() -> None:
    terms, closures = _autumn()
    days = school_dates(
        terms,
        closures,
        weeks_in_cycle=2,
        numbering=WeekNumbering.BY_TERM,
        open_weekdays=WEEKDAYS,
    )
    assert _week_of(days, date(2026, 11, 2)) == 1
    assert _week_of(days, date(2026, 11, 9)) == 2


def test_a_holiday_week_does_not_count() -> None:
    terms = [DateRange(date(2027, 1, 4), date(2027, 1, 29))]
    closures = [DateRange(date(2027, 1, 11), date(2027, 1, 15))]
    days = school_dates(
        terms,
        closures,
        weeks_in_cycle=2,
        numbering=WeekNumbering.CONTINUOUS,
        open_weekdays=WEEKDAYS,
    )
    assert _week_of(days, date(2027, 1, 4)) == 1
    assert _week_of(days, date(2027, 1, 18)) == 2


@st.composite
def calendars(draw: st.DrawFn) -> tuple[list[DateRange], list[DateRange], int, WeekNumbering]:
    start = date(2026, 8, 31) + timedelta(days=draw(st.integers(0, 20)))
    terms = []
    for _ in range(draw(st.integers(1, 3))):
        length = draw(st.integers(0, 60))
        terms.append(DateRange(start, start + timedelta(days=length)))
        start = start + timedelta(days=length + draw(st.integers(1, 20)))
    closures = []
    for _ in range(draw(st.integers(0, 4))):
        first = date(2026, 8, 31) + timedelta(days=draw(st.integers(0, 200)))
        closures.append(DateRange(first, first + timedelta(days=draw(st.integers(0, 9)))))
    return terms, closures, draw(st.sampled_from([1, 2])), draw(st.sampled_from(WeekNumbering))


@settings(max_examples=150, deadline=None)
@given(calendars())
def test_properties_of_the_mapping(
    calendar: tuple[list[DateRange], list[DateRange], int, WeekNumbering],
) -> None:
    terms, closures, weeks, numbering = calendar
    days = school_dates(
        terms, closures, weeks_in_cycle=weeks, numbering=numbering, open_weekdays=WEEKDAYS
    )
    dates = [d.day for d in days]
    assert dates == sorted(set(dates))
    for d in days:
        assert any(d.day in t for t in terms)
        assert not any(d.day in c for c in closures)
        assert d.weekday == d.day.isoweekday() in WEEKDAYS
        assert 1 <= d.week <= weeks
    # Within one calendar week, every school day has the same cycle week.
    by_monday: dict[date, set[int]] = {}
    for d in days:
        by_monday.setdefault(d.day - timedelta(days=d.day.weekday()), set()).add(d.week)
    if numbering is WeekNumbering.CONTINUOUS:
        assert all(len(w) == 1 for w in by_monday.values())
        # Consecutive school weeks alternate through the cycle.
        ordered = [next(iter(by_monday[m])) for m in sorted(by_monday)]
        for a, b in itertools.pairwise(ordered):
            assert b == a % weeks + 1
