"""Turn an XHSTT week (one chosen solution) into a timetable dataset.

XHSTT files hold a real school's week but no term dates, clock times,
working patterns, duties, protected time or cover staff. The caller gives the
calendar and, optionally, the clock times of each period; everything the file
does not say is left out rather than invented. Events the solution leaves
unplaced are reported as warnings, never guessed.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta

from lessonstudy.domain.staff import Weekday
from lessonstudy.integrations.dataset import (
    CalendarIn,
    CoverPolicyIn,
    Dataset,
    LessonIn,
    PeriodIn,
    StaffIn,
)
from lessonstudy.integrations.xhstt import XhsttTimetable

DEFAULT_FIRST_PERIOD = "09:00"
DEFAULT_PERIOD_MINUTES = 60


def period_code(period_index: int) -> str:
    return f"P{period_index + 1}"


def default_period_times(count: int) -> list[tuple[str, str]]:
    """Back-to-back hour-long periods from 09:00, when the school gives no clock times."""
    start = datetime.combine(
        date(2000, 1, 3), datetime.strptime(DEFAULT_FIRST_PERIOD, "%H:%M").time()
    )
    times = []
    for index in range(count):
        begins = start + timedelta(minutes=DEFAULT_PERIOD_MINUTES * index)
        ends = begins + timedelta(minutes=DEFAULT_PERIOD_MINUTES)
        times.append((begins.strftime("%H:%M"), ends.strftime("%H:%M")))
    return times


def dataset_from_xhstt(
    timetable: XhsttTimetable,
    *,
    effective_from: date,
    calendar: CalendarIn,
    period_times: list[tuple[str, str]] | None,
    cover_policy: CoverPolicyIn,
) -> tuple[Dataset, list[dict[str, str]]]:
    """The dataset, and warnings about what the file could not give."""
    warnings: list[dict[str, str]] = []
    if len(timetable.days) > 7:
        raise ValueError("an XHSTT week with more than seven days cannot map to weekdays")
    per_day = max((t.period_index for t in timetable.times), default=-1) + 1
    times = period_times or default_period_times(per_day)
    if len(times) < per_day:
        raise ValueError(
            f"clock times given for {len(times)} periods; the file has {per_day} a day"
        )
    code_of = {t.id: period_code(t.period_index) for t in timetable.times}
    day_of = {t.id: Weekday.from_iso(t.day_index + 1) for t in timetable.times}

    periods = [
        PeriodIn(
            weekday=Weekday.from_iso(t.day_index + 1),
            code=period_code(t.period_index),
            starts_at=times[t.period_index][0],
            ends_at=times[t.period_index][1],
        )
        for t in timetable.times
    ]
    working_days = sorted({day_of[t.id] for t in timetable.times}, key=lambda d: d.iso)
    staff = [
        StaffIn(external_id=teacher_id, name=name[:200] or teacher_id, working_days=working_days)
        for teacher_id, name in sorted(timetable.teachers.items())
    ]
    seen: Counter[str] = Counter()
    lessons = []
    for lesson in timetable.lessons:
        if not lesson.teacher_ids:
            warnings.append(
                {"field": f"event {lesson.event_id}", "message": "has no teacher; left out"}
            )
            continue
        seen[lesson.event_id] += 1
        # A split event gives several placed parts; each becomes its own lesson.
        external_id = (
            lesson.event_id
            if seen[lesson.event_id] == 1
            else (f"{lesson.event_id}#{seen[lesson.event_id]}")
        )
        classes = [timetable.classes.get(c, c) for c in lesson.class_ids]
        class_code = "+".join(classes) or lesson.course or lesson.name or lesson.event_id
        rooms = [timetable.rooms.get(r, r) for r in lesson.room_ids]
        lessons.append(
            LessonIn(
                external_id=external_id[:100],
                class_code=class_code[:100],
                teachers=list(lesson.teacher_ids),
                weekday=day_of[lesson.time_ids[0]],
                periods=[code_of[t] for t in lesson.time_ids],
                subject=lesson.course[:100] if lesson.course else None,
                room=rooms[0][:100] if rooms else None,
            )
        )
    for event_id in timetable.unplaced_event_ids:
        warnings.append(
            {"field": f"event {event_id}", "message": "left unplaced by the chosen solution"}
        )
    dataset = Dataset(
        effective_from=effective_from,
        calendar=CalendarIn(
            terms=calendar.terms,
            closures=calendar.closures,
            timetable_weeks=1,  # an XHSTT instance is one week that repeats
            week_numbering=calendar.week_numbering,
        ),
        periods=periods,
        staff=staff,
        lessons=lessons,
        cover_policy=cover_policy,
    )
    return dataset, warnings
