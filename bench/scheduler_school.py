"""A synthetic secondary school for the scheduler benchmarks.

One term of 13 weeks, 5 days of 6 lessons plus an after-school slot (when
lesson study groups usually meet to discuss), a weekly timetable in which a
teacher teaches about 80% of lessons, PPA, ECT time, part-time days, absences
and duties, a few cover supervisors, triads running three research lessons each
and peer observations, in the proportions of a real school.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from lessonstudy.scheduler import (
    FREE,
    Busy,
    CoverSupervisor,
    DateWindow,
    PeerObservation,
    Policy,
    Problem,
    Protected,
    Request,
    ResearchLesson,
    Slot,
    SlotStatus,
    StaffMember,
    Teaching,
)

TERM_START = dt.date(2025, 1, 6)  # a Monday
WEEKS = 13
LESSONS_PER_DAY = 6
AFTER_SCHOOL = LESSONS_PER_DAY + 1


@dataclass(frozen=True)
class SchoolShape:
    staff: int
    teaching_share: float = 0.8
    supervisors_per_100: int = 4
    triads_per_100: int = 20
    observations_per_100: int = 60


def term_slots() -> list[Slot]:
    slots = []
    for week in range(WEEKS):
        monday = TERM_START + dt.timedelta(weeks=week)
        week_key = f"{monday.isocalendar().year}-W{monday.isocalendar().week:02d}"
        for weekday in range(5):
            day = monday + dt.timedelta(days=weekday)
            for period in range(1, AFTER_SCHOOL + 1):
                slots.append(Slot(day, period, week_key, "spring"))
    return slots


def build_school(shape: SchoolShape, seed: int = 0) -> Problem:
    rng = random.Random(seed)
    slots = term_slots()
    n_supervisors = max(1, shape.staff * shape.supervisors_per_100 // 100)
    n_teachers = shape.staff - n_supervisors
    teacher_ids = [f"T{i:04d}" for i in range(n_teachers)]
    exam_classes: set[str] = set()
    classes_of: dict[str, list[str]] = {}
    staff = []
    for teacher in teacher_ids:
        member, classes = _teacher(rng, teacher, slots, shape.teaching_share)
        staff.append(member)
        classes_of[teacher] = classes
        exam_classes.update(c for c in classes if rng.random() < 0.05)
    supervisors = [_supervisor(rng, f"CS{i:03d}", slots) for i in range(n_supervisors)]
    requests: list[Request] = []
    externals: list[StaffMember] = []
    for group in range(shape.staff * shape.triads_per_100 // 100):
        triad = rng.sample(teacher_ids, 3)
        knowledgeable_other = None
        if rng.random() < 0.25:
            knowledgeable_other = f"KO{group:03d}"
            externals.append(StaffMember(knowledgeable_other, external=True))
        for cycle in range(3):
            teacher = triad[cycle]
            first = TERM_START + dt.timedelta(weeks=1 + 4 * cycle)
            requests.append(
                ResearchLesson(
                    id=f"RL{group:03d}-{cycle + 1}",
                    group_id=f"G{group:03d}",
                    cycle=cycle + 1,
                    teacher=teacher,
                    focus_class=rng.choice(classes_of[teacher]),
                    members=tuple(t for t in triad if t != teacher),
                    knowledgeable_other=knowledgeable_other,
                    window=DateWindow(first, first + dt.timedelta(weeks=4, days=-3)),
                    priority=2,
                )
            )
    for number in range(shape.staff * shape.observations_per_100 // 100):
        requests.append(_peer_observation(rng, number, teacher_ids, classes_of, staff))
    policy = Policy(
        today=TERM_START - dt.timedelta(days=7),
        notice_days=10,
        teachers_may_cover=True,
        teacher_cover_cap_per_term=2,
        classes_never_covered=frozenset(exam_classes),
        max_observations_per_term=6,
        max_observations_per_year=15,
        discussion_within_days=0,
        min_days_between_cycles=14,
    )
    return Problem(
        slots=tuple(slots),
        staff=tuple(staff + externals),
        cover_supervisors=tuple(supervisors),
        requests=tuple(requests),
        policy=policy,
    )


def _teacher(
    rng: random.Random, teacher: str, slots: list[Slot], teaching_share: float
) -> tuple[StaffMember, list[str]]:
    classes = [f"{teacher}-{c}" for c in "ABCDEF"]
    # A weekly timetable: the same lessons every week, as most schools run.
    weekly: dict[tuple[int, int], SlotStatus] = {}
    lessons = [(d, p) for d in range(5) for p in range(1, LESSONS_PER_DAY + 1)]
    rng.shuffle(lessons)
    n_teaching = round(len(lessons) * teaching_share)
    ect = rng.random() < 0.05
    for i, (weekday, period) in enumerate(lessons):
        if i < n_teaching:
            weekly[weekday, period] = Teaching(classes[i % len(classes)])
        elif i < n_teaching + 3:
            weekly[weekday, period] = Protected("PPA")
        elif ect and i < n_teaching + 5:
            weekly[weekday, period] = Protected("ECT")
        else:
            weekly[weekday, period] = FREE
    day_off = rng.randrange(5) if rng.random() < 0.1 else None
    timetable: dict[Slot, SlotStatus] = {}
    for slot in slots:
        weekday = slot.date.weekday()
        if weekday == day_off:
            continue
        if slot.period == AFTER_SCHOOL:
            timetable[slot] = Busy("meeting") if rng.random() < 0.15 else FREE
        else:
            timetable[slot] = weekly[weekday, slot.period]
    for slot in rng.sample(slots, k=len(slots) // 50):
        if slot in timetable and not isinstance(timetable[slot], Teaching):
            timetable[slot] = Busy("duty")
    for _ in range(rng.randrange(3)):
        absent = TERM_START + dt.timedelta(days=rng.randrange(WEEKS * 7))
        for slot in slots:
            if slot.date == absent:
                timetable[slot] = Busy("absent")
    member = StaffMember(
        teacher,
        timetable=timetable,
        observes_in_protected_time=rng.random() < 0.3,
        observations_done=tuple(rng.sample(slots[:30], k=rng.randrange(3))),
    )
    return member, classes


def _supervisor(rng: random.Random, person: str, slots: list[Slot]) -> CoverSupervisor:
    lessons = [slot for slot in slots if slot.period != AFTER_SCHOOL]
    available = frozenset(slot for slot in lessons if rng.random() < 0.85)
    return CoverSupervisor(
        person,
        available=available,
        max_per_day=4,
        max_per_week=15,
        max_per_term=150,
        cover_done=tuple(rng.sample(lessons[:60], k=rng.randrange(10))),
    )


def _peer_observation(
    rng: random.Random,
    number: int,
    teacher_ids: list[str],
    classes_of: dict[str, list[str]],
    staff: list[StaffMember],
) -> PeerObservation:
    observed = rng.choice(teacher_ids)
    observers = tuple(rng.sample([t for t in teacher_ids if t != observed], rng.randint(1, 3)))
    first = TERM_START + dt.timedelta(days=rng.randrange(7, WEEKS * 7 - 21))
    kind = rng.randrange(3)
    if kind == 0:
        member = next(m for m in staff if m.id == observed)
        lessons = sorted(
            slot
            for slot, status in member.timetable.items()
            if isinstance(status, Teaching) and first <= slot.date <= first + dt.timedelta(days=20)
        )
        pinned = rng.choice(lessons) if lessons else None
        return PeerObservation(
            id=f"PO{number:04d}",
            observed=observed,
            observers=observers,
            window=DateWindow(first, first + dt.timedelta(days=20)),
            lesson_slot=pinned,
            priority=rng.randint(1, 3),
        )
    if kind == 1:
        return PeerObservation(
            id=f"PO{number:04d}",
            observed=observed,
            observers=observers,
            window=DateWindow(first, first + dt.timedelta(days=20)),
            class_id=rng.choice(classes_of[observed]),
            priority=rng.randint(1, 3),
        )
    return PeerObservation(
        id=f"PO{number:04d}",
        observed=observed,
        observers=observers,
        window=DateWindow(first, first + dt.timedelta(days=13)),
        priority=rng.randint(1, 3),
    )
