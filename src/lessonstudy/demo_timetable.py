"""The demo school's timetable: a two-week timetable for the current academic year.

Deterministic (a fixed seed), so loading the demo again imports the same
dataset, which the importer recognises and leaves alone.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from lessonstudy.domain.cycle import WeekNumbering
from lessonstudy.domain.staff import Role, Weekday
from lessonstudy.integrations.dataset import (
    CalendarIn,
    ClosureIn,
    CoverSlotIn,
    Dataset,
    DutyIn,
    LessonIn,
    PeriodIn,
    ProtectedPeriodIn,
    StaffIn,
    TermIn,
)

DAYS = (Weekday.MONDAY, Weekday.TUESDAY, Weekday.WEDNESDAY, Weekday.THURSDAY, Weekday.FRIDAY)
BELL = (
    ("REG", "08:40", "08:55", False),
    ("P1", "08:55", "09:55", True),
    ("P2", "09:55", "10:55", True),
    ("P3", "11:15", "12:15", True),
    ("LUNCH", "12:15", "13:00", False),
    ("P4", "13:00", "14:00", True),
    ("P5", "14:00", "15:00", True),
    # After school: where research lessons are discussed while they are fresh.
    ("AFTER", "15:15", "16:15", False),
)
TEACHING = tuple(code for code, _, _, teaching in BELL if teaching)
# Each teacher's subject and classes; the classes rotate through their lessons.
CLASSES = {
    "NA-001": ("History", ["10H1", "11H2"]),
    "NA-002": ("Science", ["7S1", "9S2", "11S1"]),
    "NA-003": ("Maths", ["9B/Ma", "10A/Ma", "7C/Ma", "11X/Ma"]),
    "NA-004": ("Maths", ["8D/Ma", "7A/Ma", "9C/Ma"]),
    "NA-005": ("Science", ["8S1", "10S2"]),
    "NA-006": ("English", ["9B/En", "10A/En", "11E/En", "7B/En"]),
    "NA-007": ("English", ["8C/En", "7D/En", "9D/En"]),
    "NA-008": ("Geography", ["9G1", "10G2", "8G1"]),
    "NA-009": ("Maths", ["11Y/Ma", "10B/Ma", "8B/Ma", "9A/Ma"]),
}
# Share of teaching periods taught: leadership and ECTs teach less.
LOAD = {"NA-001": 0.4, "NA-002": 0.6, "NA-004": 0.6, "NA-007": 0.65}


def academic_year_start(today: date) -> date:
    year = today.year if today.month >= 8 else today.year - 1
    return date(year, 9, 1)


def _calendar(start: date) -> CalendarIn:
    y = start.year

    def term(name: str, first: date, last: date) -> TermIn:
        return TermIn(name=name, starts_on=first, ends_on=last)

    return CalendarIn(
        timetable_weeks=2,
        week_numbering=WeekNumbering.CONTINUOUS,
        terms=[
            term("Autumn 1", date(y, 9, 2), date(y, 10, 23)),
            term("Autumn 2", date(y, 11, 2), date(y, 12, 18)),
            term("Spring 1", date(y + 1, 1, 5), date(y + 1, 2, 12)),
            term("Spring 2", date(y + 1, 2, 22), date(y + 1, 3, 26)),
            term("Summer 1", date(y + 1, 4, 12), date(y + 1, 5, 21)),
            term("Summer 2", date(y + 1, 6, 1), date(y + 1, 7, 21)),
        ],
        closures=[
            ClosureIn(
                name="INSET day", kind="inset", starts_on=date(y, 11, 2), ends_on=date(y, 11, 2)
            ),
            ClosureIn(
                name="Early May bank holiday",
                kind="holiday",
                starts_on=date(y + 1, 5, 3) + timedelta(days=(7 - date(y + 1, 5, 3).weekday()) % 7),
                ends_on=date(y + 1, 5, 3) + timedelta(days=(7 - date(y + 1, 5, 3).weekday()) % 7),
            ),
        ],
    )


def demo_dataset(staff: list[StaffIn], today: date) -> Dataset:
    rng = random.Random(20261122)  # noqa: S311 (demo data, not secrets: the same every time)
    start = academic_year_start(today)
    lessons: list[LessonIn] = []
    protected: list[ProtectedPeriodIn] = []
    duties: list[DutyIn] = []
    for person in staff:
        if person.external_id not in CLASSES:
            continue
        subject, classes = CLASSES[person.external_id]
        days = [d for d in DAYS if d in person.working_days]
        slots = [(w, d, p) for w in (1, 2) for d in days for p in TEACHING]
        rng.shuffle(slots)
        taught = round(len(slots) * LOAD.get(person.external_id, 0.75))
        for n, (week, day, period) in enumerate(
            sorted(slots[:taught], key=lambda s: (s[0], s[1].iso, s[2]))
        ):
            code = classes[n % len(classes)]
            lessons.append(
                LessonIn(
                    external_id=f"{person.external_id}-{week}{day.iso}{period}",
                    class_code=code,
                    teachers=[person.external_id],
                    weekday=day,
                    periods=[period],
                    week=week,
                    subject=subject,
                    room=f"{subject[:2].upper()}{1 + n % 3}",
                )
            )
        free = slots[taught:]
        # PPA: at least 10% of teaching time; ECTs also get their reduction.
        ppa = max(1, round(taught * 0.1))
        for week, day, period in free[:ppa]:
            protected.append(
                ProtectedPeriodIn(
                    staff=person.external_id, kind="ppa", weekday=day, period=period, week=week
                )
            )
        if person.ect_year:
            ect = max(1, round(taught * (0.1 if person.ect_year == 1 else 0.05)))
            for week, day, period in free[ppa : ppa + ect]:
                protected.append(
                    ProtectedPeriodIn(
                        staff=person.external_id, kind="ect", weekday=day, period=period, week=week
                    )
                )
        if len(free) > ppa + 3:
            week, day, period = free[-1]
            duties.append(
                DutyIn(
                    external_id=f"{person.external_id}-duty",
                    staff=person.external_id,
                    description="Corridor duty",
                    weekday=day,
                    period=period,
                    week=week,
                )
            )
    # The whole staff meets after school on Mondays, so discussions go to other days.
    duties += [
        DutyIn(
            external_id=f"{person.external_id}-meeting-{week}",
            staff=person.external_id,
            kind="meeting",
            description="Staff meeting",
            weekday=Weekday.MONDAY,
            period="AFTER",
            week=week,
        )
        for person in staff
        if Role.TEACHER in person.roles and Weekday.MONDAY in person.working_days
        for week in (1, 2)
    ]
    cover = [
        CoverSlotIn(staff=person.external_id, weekday=day, period=period, week=week)
        for person in staff
        if Role.COVER_SUPERVISOR in person.roles
        for week in (1, 2)
        for day in person.working_days
        for period in TEACHING
    ]
    return Dataset(
        effective_from=start,
        calendar=_calendar(start),
        periods=[
            PeriodIn(weekday=day, code=code, starts_at=begins, ends_at=ends, teaching=teaching)
            for day in DAYS
            for code, begins, ends, teaching in BELL
        ],
        staff=staff,
        lessons=lessons,
        duties=duties,
        protected_periods=protected,
        cover_slots=cover,
    )
