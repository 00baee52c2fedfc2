"""Benchmark: CP-SAT against the greedy baseline on a real school's timetable (St Paul's).

    python bench/scheduler_stpauls.py [--time-limit 30] [--workers 2] [--seed 1]
        [--teacher-cover both] [--explanations 10]

The week is St Paul's School (68 teachers, 1,227 lessons in 5 days of 5
periods) from the XHSTT archive, as solution group Lectio@ITC2011 places it,
repeated over a 13-week spring term. The archive holds lessons only, so what
a school would also know is added from the seed, each step saying in what
proportion and why: part-time days, PPA and ECT time, an after-school meeting
slot, known absences, cover supervisors, and a term of lesson study (20 triads
with 3 research lessons each) and peer observation (60 requests).

For each school policy on teacher cover, prints greedy and CP-SAT side by side:
solve time, requests and priority scheduled with their ratio, supervisor and
teacher cover, every objective level with CP-SAT's proven bound and gap, the
checker's violations, why each request left out could not be placed, and the
latency of single-request suggestions.

The archive is read from $LESSONSTUDY_XHSTT_DIR, by default ../shared/data/xhstt
next to the repository.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import os
import random
import statistics
import time
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from lessonstudy.integrations.xhstt import XhsttError, load_xhstt
from lessonstudy.scheduler import (
    FREE,
    Busy,
    CoverSupervisor,
    DateWindow,
    ExplanationKind,
    ObjectiveLevel,
    PeerObservation,
    Plan,
    Policy,
    Problem,
    Protected,
    Request,
    ResearchLesson,
    Slot,
    SlotStatus,
    SolverOptions,
    StaffMember,
    Teaching,
    check_plan,
    explain,
    solve,
    solve_greedy,
    suggest,
)
from lessonstudy.scheduler.candidates import enumerate_candidates

ARCHIVE = "EnglandStPaul.xml"
# The one solution in the archive that places every lesson with no teacher in
# two places at once; the others leave lessons unplaced, which would invent
# free periods.
SOLUTION_GROUP = "Lectio@ITC2011"
DATA_DIR_VARIABLE = "LESSONSTUDY_XHSTT_DIR"
DEFAULT_DATA_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "xhstt"

# England's spring term 2025: six weeks, the February half term off, seven more.
FIRST_MONDAY = dt.date(2025, 1, 6)
HALF_TERM_MONDAY = dt.date(2025, 2, 17)
TEACHING_WEEKS = 13
TERM = "spring"
# The previous term, where observations already done this school year sit.
AUTUMN_FIRST_MONDAY = dt.date(2024, 9, 2)
AUTUMN_WEEKS = 15

# The year group whose classes are never handed to cover: Year 13 sit their
# A levels in May, and their small specialist groups have no one to cover them.
EXAM_YEAR = "13"
# A teacher who does not teach this much is part-time or visiting, and is left
# out of the triads: a research lesson needs a class seen several times a week.
MIN_TRIAD_LESSONS = 8


@dataclass(frozen=True)
class Week:
    """St Paul's week as the scheduler needs it: who teaches which class when."""

    instance_id: str
    days: int
    periods_per_day: int
    # Teacher -> (weekday index, period from 1) -> class.
    lessons: Mapping[str, Mapping[tuple[int, int], str]]
    department: Mapping[str, str]
    lesson_count: int

    @property
    def teachers(self) -> tuple[str, ...]:
        return tuple(self.lessons)

    @property
    def after_school(self) -> int:
        return self.periods_per_day + 1


def data_dir() -> Path:
    configured = os.environ.get(DATA_DIR_VARIABLE)
    return Path(configured) if configured else DEFAULT_DATA_DIR


def load_week(path: Path) -> Week:
    if not path.is_file():
        raise SystemExit(
            f"St Paul's timetable not found at {path}. Set {DATA_DIR_VARIABLE} to the "
            f"folder holding {ARCHIVE} (the XHSTT archive files shipped in shared/data/xhstt)."
        )
    try:
        timetable = load_xhstt(path, SOLUTION_GROUP)
    except XhsttError as exc:
        raise SystemExit(f"cannot read St Paul's timetable: {exc}") from exc
    if timetable.unplaced_event_ids:
        # An unplaced lesson would show up as a free period and make observers look
        # more available than they are, so the benchmark refuses rather than guess.
        raise SystemExit(
            f"{path}: solution {SOLUTION_GROUP} leaves {len(timetable.unplaced_event_ids)} "
            "lessons without a time"
        )
    position = {t.id: (t.day_index, t.period_index + 1) for t in timetable.times}
    lessons: dict[str, dict[tuple[int, int], str]] = {
        name: {} for name in timetable.teachers.values()
    }
    subjects: defaultdict[str, Counter[str]] = defaultdict(Counter)
    for lesson in timetable.lessons:
        # The course ("Ma-10A": subject and class) is the group a teacher is seen
        # teaching and that cover takes over; the class alone ("10A") is taught by
        # a dozen teachers in a week.
        classes = [timetable.classes[c] for c in lesson.class_ids]
        class_id = lesson.course or "+".join(classes) or lesson.name
        for teacher_id in lesson.teacher_ids:
            teacher = timetable.teachers[teacher_id]
            subjects[teacher][class_id.split("-")[0]] += 1
            for time_id in lesson.time_ids:
                when = position[time_id]
                if when in lessons[teacher]:
                    raise SystemExit(
                        f"{path}: {teacher} teaches {lessons[teacher][when]} and {class_id} "
                        f"at once in solution {SOLUTION_GROUP}"
                    )
                lessons[teacher][when] = class_id
    periods_per_day = max(period for _, period in position.values())
    return Week(
        instance_id=timetable.instance_id,
        days=len(timetable.days),
        periods_per_day=periods_per_day,
        lessons=lessons,
        # A teacher's department is the subject they teach most.
        department={t: subjects[t].most_common(1)[0][0] if subjects[t] else "" for t in lessons},
        lesson_count=len(timetable.lessons),
    )


def teaching_days(days_per_week: int) -> list[dt.date]:
    days: list[dt.date] = []
    monday = FIRST_MONDAY
    while len(days) < TEACHING_WEEKS * days_per_week:
        if monday != HALF_TERM_MONDAY:
            days.extend(monday + dt.timedelta(days=i) for i in range(days_per_week))
        monday += dt.timedelta(weeks=1)
    return days


def week_key(day: dt.date) -> str:
    iso = day.isocalendar()
    return f"{iso.year}-W{iso.week:02d}"


def term_slots(week: Week, days: Sequence[dt.date]) -> list[Slot]:
    # An after-school slot follows the lessons every day: English schools hold
    # the post-lesson discussion there. Without it a triad must share a free
    # lesson period after the research lesson on the same day, and at St Paul's
    # (18 lessons of 25 on average, plus PPA) not one of the 60 research lessons
    # could then be placed.
    return [
        Slot(day, period, week_key(day), TERM)
        for day in days
        for period in range(1, week.after_school + 1)
    ]


@dataclass(frozen=True)
class SchoolFacts:
    """What the seed added to the timetable, to print beside the figures."""

    days_off: int
    ppa_periods: int
    ppa_short_teachers: int
    ppa_short_periods: int
    ects: int
    ect_periods: int
    absent_days: int
    absent_teachers: int
    absence_lessons: int
    absence_lessons_covered: int
    supervisor_periods: int
    exam_classes: int
    exam_lessons: int
    triads_in_department: int
    visitors: int
    observation_kinds: Mapping[str, int]


@dataclass(frozen=True)
class School:
    week: Week
    days: tuple[dt.date, ...]
    slots: tuple[Slot, ...]
    staff: tuple[StaffMember, ...]
    supervisors: tuple[CoverSupervisor, ...]
    requests: tuple[Request, ...]
    exam_classes: frozenset[str]
    facts: SchoolFacts

    def problem(self, teacher_cover: bool) -> Problem:
        return Problem(
            slots=self.slots,
            staff=self.staff,
            cover_supervisors=self.supervisors,
            requests=self.requests,
            policy=school_policy(self.exam_classes, teacher_cover),
        )


def school_policy(exam_classes: frozenset[str], teacher_cover: bool) -> Policy:
    return Policy(
        # The CPD lead plans the term three weeks before it starts, with the
        # school's usual two weeks' notice for a release: nothing in term is too soon.
        today=FIRST_MONDAY - dt.timedelta(days=21),
        notice_days=14,
        teachers_may_cover=teacher_cover,
        # "Rarely": two periods a term per teacher at most, each flagged.
        teacher_cover_cap_per_term=2 if teacher_cover else 0,
        teacher_cover_cost=4,
        classes_never_covered=exam_classes,
        max_observations_per_term=6,
        max_observations_per_year=15,
        # The discussion is the same day, while the lesson is fresh.
        discussion_within_days=0,
        min_days_between_cycles=14,
    )


def build_school(week: Week, seed: int) -> School:
    rng = random.Random(seed)
    days = teaching_days(week.days)
    slots = term_slots(week, days)
    weekly, protected = _weekly_statuses(rng, week)
    absences = _absences(rng, week, days)
    staff = [
        StaffMember(
            teacher,
            timetable=_term_timetable(week, slots, weekly[teacher], absences[teacher]),
            # About a third of teachers say they will give up protected time to observe.
            observes_in_protected_time=rng.random() < 0.3,
            observations_done=_autumn_observations(rng, week),
        )
        for teacher in week.teachers
    ]
    supervisors, absence_lessons, covered = _supervisors(rng, week, slots, absences)
    exam_classes = frozenset(
        c for lessons in week.lessons.values() for c in lessons.values() if _year(c) == EXAM_YEAR
    )
    research, visitors, in_department = _research_lessons(rng, week, days)
    observations, kinds = _peer_observations(rng, week, days, staff)
    short = [need - got for need, got in protected.ppa if got < need]
    facts = SchoolFacts(
        days_off=sum(week.days - len(_working_days(week, t)) for t in week.teachers),
        ppa_periods=sum(got for _, got in protected.ppa),
        ppa_short_teachers=len(short),
        ppa_short_periods=sum(short),
        ects=len(protected.ect),
        ect_periods=sum(protected.ect),
        absent_days=sum(len(d) for d in absences.values()),
        absent_teachers=sum(1 for d in absences.values() if d),
        absence_lessons=absence_lessons,
        absence_lessons_covered=covered,
        supervisor_periods=sum(len(s.available) for s in supervisors),
        exam_classes=len(exam_classes),
        exam_lessons=sum(
            1 for lessons in week.lessons.values() for c in lessons.values() if c in exam_classes
        ),
        triads_in_department=in_department,
        visitors=len(visitors),
        observation_kinds=kinds,
    )
    return School(
        week=week,
        days=tuple(days),
        slots=tuple(slots),
        staff=tuple(staff + visitors),
        supervisors=tuple(supervisors),
        requests=(*research, *observations),
        exam_classes=exam_classes,
        facts=facts,
    )


def _year(class_id: str) -> str:
    """The year group of a course such as "Ma-13a1" or "En-7A"."""
    group = class_id.rsplit("-", 1)[-1]
    return "".join(ch for ch in group[:2] if ch.isdigit())


def _working_days(week: Week, teacher: str) -> set[int]:
    # The archive has no working patterns, so a weekday without a single lesson
    # is taken as a day off. St Paul's has nine, for five teachers: four who
    # teach eight lessons or fewer, and one who teaches 19 in four days, the
    # shape of a four-day contract.
    return {day for day, _ in week.lessons[teacher]}


@dataclass(frozen=True)
class ProtectedTime:
    # (periods the teacher is owed, periods placed) per teacher.
    ppa: tuple[tuple[int, int], ...]
    ect: tuple[int, ...]


def _weekly_statuses(
    rng: random.Random, week: Week
) -> tuple[dict[str, dict[tuple[int, int], SlotStatus]], ProtectedTime]:
    """Each teacher's repeating week: lessons, PPA, ECT time, after-school commitments."""
    weekly: dict[str, dict[tuple[int, int], SlotStatus]] = {}
    free_of: dict[str, list[tuple[int, int]]] = {}
    for teacher in week.teachers:
        statuses: dict[tuple[int, int], SlotStatus] = {}
        free: list[tuple[int, int]] = []
        for day in sorted(_working_days(week, teacher)):
            for period in range(1, week.periods_per_day + 1):
                class_id = week.lessons[teacher].get((day, period))
                if class_id is None:
                    statuses[day, period] = FREE
                    free.append((day, period))
                else:
                    statuses[day, period] = Teaching(class_id)
            # Monday after school is the whole-staff meeting, and two teachers in
            # five also run a club or a detention on one other evening a week.
            statuses[day, week.after_school] = Busy("staff meeting") if day == 0 else FREE
        evenings = [d for d in _working_days(week, teacher) if d != 0]
        if evenings and rng.random() < 0.4:
            statuses[rng.choice(evenings), week.after_school] = Busy("club or detention")
        rng.shuffle(free)
        weekly[teacher] = statuses
        free_of[teacher] = free

    # PPA is at least 10% of timetabled teaching, so it rounds up. It can only
    # go where the timetable left a free period: St Paul's has teachers with 24
    # lessons of 25, who are owed 3 periods and have 1, and the shortfall is
    # printed rather than papered over.
    ppa: list[tuple[int, int]] = []
    for teacher in week.teachers:
        owed = math.ceil(len(week.lessons[teacher]) / 10)
        placed = free_of[teacher][:owed]
        del free_of[teacher][:owed]
        for when in placed:
            weekly[teacher][when] = Protected("PPA")
        ppa.append((owed, len(placed)))

    # Three early career teachers in their first year, owed another 10% on top
    # of PPA. A school builds an ECT's timetable around that time, so they are
    # drawn from teachers whose week still has room for it.
    ect_need = {t: math.ceil(len(week.lessons[t]) / 10) for t in week.teachers}
    room = [
        t
        for t in week.teachers
        if len(week.lessons[t]) >= MIN_TRIAD_LESSONS and len(free_of[t]) >= ect_need[t]
    ]
    ects = rng.sample(room, k=min(3, len(room)))
    for teacher in ects:
        for when in free_of[teacher][: ect_need[teacher]]:
            weekly[teacher][when] = Protected("ECT")
    return weekly, ProtectedTime(tuple(ppa), tuple(ect_need[t] for t in ects))


def _absences(rng: random.Random, week: Week, days: Sequence[dt.date]) -> dict[str, set[dt.date]]:
    """Days out already known when the term is planned: courses, trips, appointments.

    About one teacher in four has one; a residential trip takes two days in a
    row. Sickness is not known in advance, so it is not here: it is why the
    cover supervisors keep spare periods (see `_supervisors`).
    """
    absences: dict[str, set[dt.date]] = {t: set() for t in week.teachers}
    for teacher in rng.sample(list(week.teachers), k=len(week.teachers) // 4):
        working = _working_days(week, teacher)
        possible = [i for i, day in enumerate(days) if day.weekday() in working]
        start = rng.choice(possible)
        length = 2 if rng.random() < 0.2 else 1
        for day in days[start : start + length]:
            if day.weekday() in working:
                absences[teacher].add(day)
    return absences


def _term_timetable(
    week: Week,
    slots: Sequence[Slot],
    weekly: Mapping[tuple[int, int], SlotStatus],
    absent: set[dt.date],
) -> dict[Slot, SlotStatus]:
    timetable: dict[Slot, SlotStatus] = {}
    for slot in slots:
        status = weekly.get((slot.date.weekday(), slot.period))
        if status is None:
            continue  # a day off: not at work, so absent from the timetable
        timetable[slot] = Busy("absent") if slot.date in absent else status
    return timetable


def _autumn_observations(rng: random.Random, week: Week) -> tuple[Slot, ...]:
    """Up to three observations done last term: they count towards the year's cap."""
    done = []
    for _ in range(rng.randrange(4)):
        day = AUTUMN_FIRST_MONDAY + dt.timedelta(
            weeks=rng.randrange(AUTUMN_WEEKS), days=rng.randrange(week.days)
        )
        done.append(Slot(day, rng.randint(1, week.periods_per_day), week_key(day), "autumn"))
    return tuple(sorted(set(done)))


def _supervisors(
    rng: random.Random,
    week: Week,
    slots: Sequence[Slot],
    absences: Mapping[str, set[dt.date]],
) -> tuple[list[CoverSupervisor], int, int]:
    """Five cover supervisors: three full-time, two on three fixed days a week.

    Before lesson study gets any of their time, they cover the lessons of the
    known absences (those periods become unavailable and count against their
    caps), and about one period in seven is held back for other work (exam
    invigilation, a long-term absence). Each is booked for all but one period
    a day at most, keeping room for the morning's sickness calls; that daily
    cap is the one that binds, the weekly and termly ones only add it up.
    Returns the supervisors, the absent teachers' lessons, and how many of
    those found a supervisor; the rest would go to supply.
    """
    lessons = [slot for slot in slots if slot.period <= week.periods_per_day]
    part_time = min(3, week.days)
    shapes = [("CS1", week.days), ("CS2", week.days), ("CS3", week.days)]
    shapes += [("CS4", part_time), ("CS5", part_time)]
    available: dict[str, set[Slot]] = {}
    done: dict[str, list[Slot]] = {}
    for person, days in shapes:
        workdays = set(rng.sample(range(week.days), k=days))
        available[person] = {
            slot for slot in lessons if slot.date.weekday() in workdays and rng.random() > 1 / 7
        }
        done[person] = []
    per_day = week.periods_per_day - 1
    caps = {
        person: (per_day, per_day * days, per_day * days * TEACHING_WEEKS)
        for person, days in shapes
    }

    absence_lessons = covered = 0
    by_day: Counter[tuple[str, dt.date]] = Counter()
    for teacher, absent in sorted(absences.items()):
        for day in sorted(absent):
            for period in range(1, week.periods_per_day + 1):
                if (day.weekday(), period) not in week.lessons[teacher]:
                    continue
                absence_lessons += 1
                slot = Slot(day, period, week_key(day), TERM)
                for person, _ in shapes:
                    if slot in available[person] and by_day[person, day] < caps[person][0]:
                        available[person].discard(slot)
                        done[person].append(slot)
                        by_day[person, day] += 1
                        covered += 1
                        break
    supervisors = [
        CoverSupervisor(
            person,
            available=frozenset(available[person]),
            max_per_day=caps[person][0],
            max_per_week=caps[person][1],
            max_per_term=caps[person][2],
            cover_done=tuple(sorted(done[person])),
        )
        for person, _ in shapes
    ]
    return supervisors, absence_lessons, covered


def _teaching_window(days: Sequence[dt.date], first: int, length: int) -> DateWindow:
    """`length` teaching days from `first`, so a window spanning half term is not cut short."""
    last = min(first + length, len(days)) - 1
    return DateWindow(days[first], days[last])


def _research_lessons(
    rng: random.Random, week: Week, days: Sequence[dt.date]
) -> tuple[list[ResearchLesson], list[StaffMember], int]:
    """Twenty triads, each running three research lessons, one taught by each member.

    Lesson study groups form within a department where it has three teachers
    to spare, and across departments from the rest; no teacher is in two
    groups. One group in four brings a knowledgeable other from outside. The
    cycles sit in weeks 2-5, 6-9 and 10-13 of the term, and the policy keeps
    them two weeks apart, so a cycle late in its window squeezes the next.
    """
    eligible = [t for t in week.teachers if len(week.lessons[t]) >= MIN_TRIAD_LESSONS]
    by_department: defaultdict[str, list[str]] = defaultdict(list)
    for teacher in eligible:
        by_department[week.department[teacher]].append(teacher)
    triads: list[tuple[tuple[str, ...], bool]] = []
    leftover: list[str] = []
    for department in sorted(by_department):
        members = by_department[department]
        rng.shuffle(members)
        whole = len(members) - len(members) % 3
        triads.extend((tuple(members[i : i + 3]), True) for i in range(0, whole, 3))
        leftover.extend(members[whole:])
    rng.shuffle(leftover)
    whole = len(leftover) - len(leftover) % 3
    triads.extend((tuple(leftover[i : i + 3]), False) for i in range(0, whole, 3))
    triads = rng.sample(triads, k=min(20, len(triads)))

    days_per_week = week.days
    requests: list[ResearchLesson] = []
    visitors: list[StaffMember] = []
    for number, (triad, _) in enumerate(triads, start=1):
        group = f"G{number:02d}"
        visitor = None
        if rng.random() < 0.25:
            visitor = f"KO{number:02d}"
            visitors.append(StaffMember(visitor, external=True))
        for cycle, teacher in enumerate(triad):
            requests.append(
                ResearchLesson(
                    id=f"RL{number:02d}-{cycle + 1}",
                    group_id=group,
                    cycle=cycle + 1,
                    teacher=teacher,
                    focus_class=_focus_class(rng, week, teacher),
                    members=tuple(t for t in triad if t != teacher),
                    knowledgeable_other=visitor,
                    window=_teaching_window(
                        days, (1 + 4 * cycle) * days_per_week, 4 * days_per_week
                    ),
                    priority=2,
                )
            )
    return requests, visitors, sum(1 for _, same in triads if same)


def _focus_class(rng: random.Random, week: Week, teacher: str) -> str:
    # A triad studies a class its teacher sees at least twice a week where there
    # is one: a single weekly lesson gives the term few chances to book.
    seen = Counter(week.lessons[teacher].values())
    regular = sorted(c for c, n in seen.items() if n >= 2)
    return rng.choice(regular or sorted(seen))


def _peer_observations(
    rng: random.Random,
    week: Week,
    days: Sequence[dt.date],
    staff: Sequence[StaffMember],
) -> tuple[list[PeerObservation], dict[str, int]]:
    """Sixty requests over the term, each open for three teaching weeks.

    The observed teacher names one to three colleagues they would welcome,
    from their own department half the time, and pins one lesson, names a
    class, or leaves any lesson open, in equal shares. Priority is 1 to 3,
    against 2 for every research lesson.
    """
    teachers = [t for t in week.teachers if week.lessons[t]]
    members = {member.id: member for member in staff}
    requests: list[PeerObservation] = []
    kinds: Counter[str] = Counter()
    span = 3 * week.days
    for number in range(1, 61):
        observed = rng.choice(teachers)
        colleagues = [t for t in teachers if t != observed]
        department = [t for t in colleagues if week.department[t] == week.department[observed]]
        pool = department if len(department) >= 3 and rng.random() < 0.5 else colleagues
        observers = tuple(rng.sample(pool, rng.randint(1, 3)))
        first = rng.randrange(week.days, len(days) - span)
        window = _teaching_window(days, first, span)
        kind = rng.choice(("pinned lesson", "named class", "any lesson"))
        lesson_slot: Slot | None = None
        class_id: str | None = None
        if kind == "pinned lesson":
            taught = sorted(
                slot
                for slot, status in members[observed].timetable.items()
                if isinstance(status, Teaching) and slot.date in window
            )
            if taught:
                lesson_slot = rng.choice(taught)
            else:
                kind = "any lesson"
        elif kind == "named class":
            class_id = rng.choice(sorted(set(week.lessons[observed].values())))
        kinds[kind] += 1
        requests.append(
            PeerObservation(
                id=f"PO{number:02d}",
                observed=observed,
                observers=observers,
                window=window,
                lesson_slot=lesson_slot,
                class_id=class_id,
                priority=rng.randint(1, 3),
            )
        )
    return requests, dict(kinds)


def describe(school: School, seed: int) -> None:
    week, facts = school.week, school.facts
    research = [r for r in school.requests if isinstance(r, ResearchLesson)]
    observations = [r for r in school.requests if isinstance(r, PeerObservation)]
    triads = len({r.group_id for r in research})
    print(f"St Paul's School (XHSTT {week.instance_id}, solution {SOLUTION_GROUP}), seed {seed}")
    print(
        f"  week         {len(week.teachers)} teachers, {week.lesson_count} lessons in "
        f"{week.days} days x {week.periods_per_day} periods; "
        f"{facts.days_off} weekdays off for teachers with no lesson that day"
    )
    print(
        f"  term         {TEACHING_WEEKS} teaching weeks, {school.days[0]} to {school.days[-1]} "
        f"(half term skipped): {len(school.slots)} slots, an after-school slot each day"
    )
    print(
        f"  protected    PPA {facts.ppa_periods} periods a week; {facts.ppa_short_teachers} "
        f"teachers short of 10% by {facts.ppa_short_periods} periods in all (no free period "
        f"left); {facts.ects} ECTs with {facts.ect_periods} periods of ECT time"
    )
    print(
        f"  absences     {facts.absent_days} known days out for {facts.absent_teachers} teachers: "
        f"{facts.absence_lessons} lessons, {facts.absence_lessons_covered} taken by supervisors"
    )
    print(
        f"  cover staff  {len(school.supervisors)} supervisors, {facts.supervisor_periods} "
        f"periods left for release; {facts.exam_classes} Year {EXAM_YEAR} classes "
        f"({facts.exam_lessons} lessons a week) never left to cover"
    )
    kinds = ", ".join(f"{n} {kind}" for kind, n in sorted(facts.observation_kinds.items()))
    print(
        f"  requests     {len(research)} research lessons ({triads} triads, "
        f"{facts.triads_in_department} within a department, {facts.visitors} with a visitor), "
        f"{len(observations)} peer observations ({kinds}); "
        f"priority {sum(r.priority for r in school.requests)}"
    )


def run(
    problem: Problem,
    label: str,
    time_limit: float,
    workers: int,
    seed: int,
    explanations: int,
) -> None:
    started = time.perf_counter()
    candidates = enumerate_candidates(problem)
    enumerated = time.perf_counter() - started
    placements = sum(len(p) for p in candidates.placements.values())
    without = sum(1 for p in candidates.placements.values() if not p)

    greedy = solve_greedy(problem)
    plan = solve(
        problem,
        SolverOptions(time_limit_seconds=time_limit, num_workers=workers, random_seed=seed),
    )
    greedy_violations = check_plan(problem, greedy)
    plan_violations = check_plan(problem, plan)

    started = time.perf_counter()
    left_out = explain(problem, plan)
    explained = time.perf_counter() - started

    # Suggestions as the API gives them: one request, the term's other bookings fixed.
    rng = random.Random(seed)
    sample = rng.sample(problem.requests, k=min(50, len(problem.requests)))
    latencies = []
    empty = 0
    for request in sample:
        started = time.perf_counter()
        found = suggest(problem, request.id, limit=5, plan=plan)
        latencies.append(time.perf_counter() - started)
        empty += not found

    total = len(problem.requests)
    print()
    print(label)
    print(
        f"  candidates   {placements} placements, {without} of {total} requests with none, "
        f"enumerated in {enumerated:.2f}s"
    )
    rows: list[tuple[str, str, str]] = [
        ("solve time", f"{greedy.wall_seconds:.2f}s", f"{plan.wall_seconds:.2f}s"),
        ("requests scheduled", f"{len(greedy.bookings)}/{total}", f"{len(plan.bookings)}/{total}"),
        (
            "priority scheduled",
            f"{greedy.scores.scheduled_priority}/{greedy.scores.requested_priority}",
            f"{plan.scores.scheduled_priority}/{plan.scores.requested_priority}",
        ),
        (
            "supervisor cover",
            str(greedy.scores.supervisor_cover),
            str(plan.scores.supervisor_cover),
        ),
        ("teacher cover", str(greedy.scores.teacher_cover), str(plan.scores.teacher_cover)),
        ("checker violations", str(len(greedy_violations)), str(len(plan_violations))),
    ]
    print(f"  {'':24}{'greedy':>12}{'cp-sat':>12}")
    for name, left, right in rows:
        print(f"  {name:24}{left:>12}{right:>12}")
    request_ratio = len(plan.bookings) / max(1, len(greedy.bookings))
    priority_ratio = plan.scores.scheduled_priority / max(1, greedy.scores.scheduled_priority)
    print(
        f"  cp-sat/greedy  requests {request_ratio:.3f}, priority {priority_ratio:.3f}; "
        f"status {plan.status.value}, gap {_percent(plan.gap)}"
    )
    print(f"  {'objective level':24}{'greedy':>12}{'cp-sat':>12}{'bound':>8}{'gap':>9}  proof")
    greedy_values = _level_values(problem, greedy)
    for outcome in plan.levels:
        bound = "-" if outcome.bound is None else str(outcome.bound)
        print(
            f"  {outcome.level.value:24}{greedy_values[outcome.level]:>12}{outcome.value:>12}"
            f"{bound:>8}{_percent(outcome.gap):>9}  {'proven' if outcome.proven else 'open'}"
        )
    for violation in (*greedy_violations, *plan_violations):
        print(f"  VIOLATION    {violation.rule}: {violation.message} ({violation.request_id})")

    kinds = Counter(e.kind for e in left_out)
    summary = ", ".join(f"{kinds[k]} {k.value}" for k in ExplanationKind if kinds[k]) or "none"
    print(f"  left out     {len(left_out)} by cp-sat ({summary}), explained in {explained:.2f}s")
    for explanation in left_out[:explanations]:
        print(f"    {explanation.sentence}")
    if len(left_out) > explanations:
        print(f"    ... and {len(left_out) - explanations} more")

    p95 = statistics.quantiles(latencies, n=20)[-1] if len(latencies) > 1 else latencies[0]
    print(
        f"  suggest      median {statistics.median(latencies) * 1000:.1f} ms, "
        f"p95 {p95 * 1000:.1f} ms, max {max(latencies) * 1000:.1f} ms over {len(latencies)} "
        f"requests beside the cp-sat plan; {empty} had no open slot"
    )


def _level_values(problem: Problem, plan: Plan) -> dict[ObjectiveLevel, int]:
    """The greedy plan's score on each level, read the way CP-SAT reports its own."""
    teacher_cover_cost = problem.policy.teacher_cover_cost * plan.scores.teacher_cover
    return {
        ObjectiveLevel.SCHEDULED_PRIORITY: plan.scores.scheduled_priority,
        ObjectiveLevel.COVER_COST: plan.scores.supervisor_cover + teacher_cover_cost,
        ObjectiveLevel.MAX_LOAD: plan.scores.max_load,
        ObjectiveLevel.LATENESS: plan.scores.lateness,
    }


def _percent(gap: float | None) -> str:
    return "-" if gap is None else f"{gap:.2%}"


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--time-limit", type=float, default=30.0, help="CP-SAT seconds per policy")
    parser.add_argument("--workers", type=int, default=2, help="CP-SAT search workers")
    parser.add_argument("--seed", type=int, default=1, help="seed for everything the archive lacks")
    parser.add_argument(
        "--teacher-cover",
        choices=("on", "off", "both"),
        default="both",
        help="whether the school lets teachers cover a released colleague's class",
    )
    parser.add_argument(
        "--explanations", type=int, default=10, help="left-out requests to explain in full"
    )
    args = parser.parse_args()
    week = load_week(data_dir() / ARCHIVE)
    started = time.perf_counter()
    school = build_school(week, args.seed)
    describe(school, args.seed)
    print(f"  built in {time.perf_counter() - started:.2f}s")
    policies = {"off": [False], "on": [True], "both": [False, True]}[args.teacher_cover]
    for teacher_cover in policies:
        policy = school_policy(school.exam_classes, teacher_cover)
        label = (
            f"teacher cover on (at most {policy.teacher_cover_cap_per_term} a term each, "
            f"costed as {policy.teacher_cover_cost} supervisor covers)"
            if teacher_cover
            else "teacher cover off (supervisors only)"
        )
        run(
            school.problem(teacher_cover),
            label,
            args.time_limit,
            args.workers,
            args.seed,
            args.explanations,
        )


if __name__ == "__main__":
    main()
