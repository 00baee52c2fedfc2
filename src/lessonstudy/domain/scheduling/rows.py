"""The timetable rows the scheduler needs, one statement per table, shaped for lookups.

Every query is keyed by what `problem` prunes to: the school days in the
requests' windows, their timetable versions and the people who can matter.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from lessonstudy.domain import school_time
from lessonstudy.scheduler import Slot

CycleDay = tuple[uuid.UUID, int, int]  # timetable version, week, weekday
Period = tuple[uuid.UUID, int, int, str]  # the same and the period code


def periods_by_day(rows: Sequence[Any]) -> dict[tuple[uuid.UUID, int], list[str]]:
    """Each cycle day's slots: teaching periods, then the non-teaching ones after them."""
    by_day: defaultdict[tuple[uuid.UUID, int], list[Any]] = defaultdict(list)
    for row in rows:
        by_day[row["version_id"], row["weekday"]].append(row)
    result = {}
    for key, periods in by_day.items():
        periods.sort(key=lambda p: (p["starts_at"], p["code"]))
        teaching_ends = max((p["ends_at"] for p in periods if p["teaching"]), default=None)
        result[key] = [
            p["code"]
            for p in periods
            if p["teaching"] or (teaching_ends is not None and p["starts_at"] >= teaching_ends)
        ]
    return result


def week_label(day: dt.date) -> str:
    """Caps count by calendar week, Monday to Sunday, as `availability` does."""
    iso = day.isocalendar()
    return f"{iso.year}-W{iso.week:02d}"


def academic_year(day: dt.date) -> dt.date:
    """The 1 September that starts the academic year `day` falls in."""
    return school_time.academic_year(day)[0]


def by_staff(rows: Sequence[Any]) -> dict[uuid.UUID, dict[Period, str]]:
    found: defaultdict[uuid.UUID, dict[Period, str]] = defaultdict(dict)
    for r in rows:
        found[r["staff_id"]][r["version_id"], r["week"], r["weekday"], r["period_code"]] = r["what"]
    return found


def absences(rows: Sequence[Any]) -> dict[uuid.UUID, set[tuple[dt.date, str | None]]]:
    """(date, period) a person is away; period None for the whole day."""
    away: defaultdict[uuid.UUID, set[tuple[dt.date, str | None]]] = defaultdict(set)
    for r in rows:
        day = r["starts_on"]
        while day <= r["ends_on"]:
            for code in r["period_codes"] or [None]:
                away[r["staff_id"]].add((day, code))
            day += dt.timedelta(days=1)
    return away


def done_slots(
    rows: Sequence[Any], by_ref: Mapping[tuple[dt.date, str], Slot], year: dt.date
) -> tuple[dict[uuid.UUID, list[Slot]], dict[uuid.UUID, list[Slot]]]:
    """Cover and observing already booked, as slots the caps can count by day, week, term.

    Outside the horizon the period number is only a label, so 0 does; observing
    before this academic year does not count against its cap.
    """
    covered: defaultdict[uuid.UUID, list[Slot]] = defaultdict(list)
    observed: defaultdict[uuid.UUID, list[Slot]] = defaultdict(list)
    for r in rows:
        slot = by_ref.get((r["day"], r["period_code"])) or Slot(
            r["day"], 0, week_label(r["day"]), str(r["term_id"])
        )
        if r["kind"] == "covering":
            covered[r["staff_id"]].append(slot)
        elif year <= r["day"] < year.replace(year=year.year + 1):
            observed[r["staff_id"]].append(slot)
    return covered, observed


DAYS_SQL = """
    SELECT day, week, weekday, term_id, version_id FROM school_day
    WHERE school_id = $1 AND day = ANY($2::date[]) AND version_id IS NOT NULL ORDER BY day
"""
BELL_SQL = """
    SELECT version_id, weekday, code, starts_at, ends_at, teaching FROM bell_period
    WHERE version_id = ANY($1::uuid[])
"""
STAFF_SQL = "SELECT id, name, roles, working_days, active FROM staff WHERE school_id = $1"
TEACHING_SQL = """
    SELECT t.staff_id, t.version_id, t.week, t.weekday, t.period_code, l.class_code AS what
    FROM teaching t JOIN lesson l ON l.id = t.lesson_id
    WHERE t.version_id = ANY($1::uuid[]) AND t.staff_id = ANY($2::uuid[])
"""
DUTY_SQL = """
    SELECT staff_id, version_id, week, weekday, period_code, description AS what FROM duty
    WHERE version_id = ANY($1::uuid[]) AND staff_id = ANY($2::uuid[])
"""
PROTECTED_SQL = """
    SELECT staff_id, version_id, week, weekday, period_code, kind AS what FROM protected_period
    WHERE version_id = ANY($1::uuid[]) AND staff_id = ANY($2::uuid[])
"""
COVER_SLOT_SQL = """
    SELECT staff_id, version_id, week, weekday, period_code, 'cover' AS what FROM cover_slot
    WHERE version_id = ANY($1::uuid[]) AND staff_id = ANY($2::uuid[])
"""
ABSENCE_SQL = """
    SELECT staff_id, greatest(starts_on, $3) AS starts_on, least(ends_on, $4) AS ends_on,
           period_codes
    FROM absence WHERE school_id = $1 AND staff_id = ANY($2::uuid[])
      AND starts_on <= $4 AND ends_on >= $3
"""
COMMITMENT_SQL = """
    SELECT staff_id, day, period_code, kind FROM commitment
    WHERE school_id = $1 AND staff_id = ANY($2::uuid[]) AND day = ANY($3::date[])
"""
# Cover and observing booked this school year (and the next, for windows that reach it).
DONE_SQL = """
    SELECT c.staff_id, c.day, c.period_code, c.kind, d.term_id
    FROM commitment c LEFT JOIN school_day d ON d.school_id = c.school_id AND d.day = c.day
    WHERE c.school_id = $1 AND c.staff_id = ANY($2::uuid[])
      AND c.kind IN ('covering', 'observing') AND c.day >= $3 AND c.day < $4
"""
CAPS_SQL = """
    SELECT staff_id, max_per_day, max_per_week, max_per_term FROM cover_cap WHERE school_id = $1
"""
