"""A generated school timetable, and the scratch service the timetable benchmarks run against.

``build_dataset`` makes the body of ``POST /v1/timetable/imports`` for a
secondary school (or a whole trust) of a given shape: a bell schedule of
50-minute lessons with break and lunch, teachers who teach about 80% of their
periods with some doubles and a little co-teaching, PPA of at least 10% of
each teacher's teaching time, ECT time, part-time working days, break and
lunch duties, meetings in free periods, cover supervisors with their cover
slots and caps, and sickness, courses and trips across one spring term.

``scratch_database``, ``create_school`` and ``serve_in_thread`` give each
benchmark a database of its own (created from nothing, migrated, dropped at
the end), a school with an integration token, and the real app under uvicorn
on a free loopback port.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import math
import random
import threading
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import uvicorn
from litestar import Litestar
from redis.asyncio import Redis
from sqlalchemy import select
from sqlalchemy.engine import make_url

from lessonstudy.db import create_engine, create_session_factory
from lessonstudy.domain import integration_clients, schools, tokens
from lessonstudy.domain.integration_clients import Scope
from lessonstudy.domain.staff import Staff
from lessonstudy.migrate import upgrade
from lessonstudy.settings import Settings, to_plain_postgres_url
from lessonstudy.token_usage import PENDING_KEY

Payload = dict[str, Any]
Slot = tuple[int, int, int]  # (cycle week from 1, weekday index from 0, period number from 1)

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday")

# One spring term of 13 weeks, opening with an INSET day and broken by half term.
TERM_NAME = "Spring"
TERM_STARTS = dt.date(2027, 1, 4)
TERM_ENDS = dt.date(2027, 4, 1)
CLOSURES: list[dict[str, str]] = [
    {"name": "INSET", "kind": "inset", "starts_on": "2027-01-04", "ends_on": "2027-01-04"},
    {"name": "Half term", "kind": "holiday", "starts_on": "2027-02-15", "ends_on": "2027-02-19"},
]
# The calendar months a month-long availability question can ask about.
TERM_MONTHS = (
    (dt.date(2027, 1, 1), dt.date(2027, 1, 31)),
    (dt.date(2027, 2, 1), dt.date(2027, 2, 28)),
    (dt.date(2027, 3, 1), dt.date(2027, 3, 31)),
)

SUBJECTS = (
    ("English", "En"),
    ("Maths", "Ma"),
    ("Science", "Sc"),
    ("History", "Hi"),
    ("Geography", "Gg"),
    ("French", "Fr"),
    ("Spanish", "Sp"),
    ("Computing", "Co"),
    ("Art", "Ar"),
    ("Music", "Mu"),
    ("Drama", "Dr"),
    ("PE", "PE"),
    ("Religious Studies", "RS"),
    ("Design Technology", "DT"),
)
# Core subjects have more teachers, as in any secondary school.
SUBJECT_WEIGHTS = (14, 14, 16, 6, 6, 5, 4, 5, 4, 3, 3, 8, 4, 5)
# fmt: off
FIRST_NAMES = (
    "Aisha", "Ben", "Chloe", "Dev", "Emma", "Farid", "Grace", "Harry", "Imogen", "Jack",
    "Kemi", "Liam", "Maya", "Noah", "Olivia", "Priya", "Quentin", "Rosa", "Sam", "Tom",
    "Uma", "Victor", "Wendy", "Xavier", "Yusuf", "Zara", "Owen", "Nadia", "Leo", "Hana",
)
LAST_NAMES = (
    "Adams", "Bhatt", "Clarke", "Dimitrov", "Evans", "Fraser", "Gill", "Hughes", "Iqbal",
    "Jones", "Khan", "Lewis", "Murphy", "Nowak", "Okafor", "Patel", "Quinn", "Reid", "Singh",
    "Taylor", "Underwood", "Vaughan", "Walsh", "Young", "Zielinski", "Morgan", "Price", "Shah",
)
# fmt: on


@dataclass(frozen=True)
class SchoolShape:
    teachers: int
    cover_supervisors: int
    office_staff: int
    """Admins who teach nothing (business manager, data manager)."""
    timetable_weeks: int = 2
    periods_per_day: int = 6
    teaching_share: float = 0.8
    """Share of a full-timer's periods that are timetabled lessons."""
    lessons: int | None = None
    """Exactly this many lessons, shared out by each teacher's load; None: follow the share."""
    double_share: float = 0.15
    co_taught_share: float = 0.02
    part_time_share: float = 0.1
    ect_share: float = 0.05
    meeting_share: float = 0.3
    """Teachers with a meeting (line management, department) in a teaching period."""
    seed: int = 0


@dataclass
class _Teacher:
    external_id: str
    days: list[int]
    ect_year: int | None
    subject: tuple[str, str]
    free: set[Slot]
    lessons: int = 0
    load: float = 0.0
    ppa: list[Slot] = field(default_factory=list)
    ect: list[Slot] = field(default_factory=list)


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def bell_schedule(periods_per_day: int) -> list[tuple[str, str, str, bool]]:
    """(code, starts, ends, teaching) of one day.

    Break follows the second lesson and lunch the fourth, so the doubles
    (P1+P2, P3+P4, P5+P6) never straddle either.
    """
    rows: list[tuple[str, str, str, bool]] = []
    clock = 8 * 60 + 40
    for code, minutes, teaching in _day_parts(periods_per_day):
        rows.append((code, _hhmm(clock), _hhmm(clock + minutes), teaching))
        clock += minutes
    return rows


def _day_parts(periods_per_day: int) -> Iterable[tuple[str, int, bool]]:
    yield "REG", 10, False
    for n in range(1, periods_per_day + 1):
        yield f"P{n}", 50, True
        if n == 2:
            yield "BREAK", 20, False
        elif n == 4:
            yield "LUNCH", 45, False


def school_days() -> list[dt.date]:
    """Weekdays of the term that are not closed."""
    closed = set()
    for closure in CLOSURES:
        day = dt.date.fromisoformat(closure["starts_on"])
        while day <= dt.date.fromisoformat(closure["ends_on"]):
            closed.add(day)
            day += dt.timedelta(days=1)
    days = []
    day = TERM_STARTS
    while day <= TERM_ENDS:
        if day.weekday() < 5 and day not in closed:
            days.append(day)
        day += dt.timedelta(days=1)
    return days


def _person(rng: random.Random, external_id: str, domain: str) -> dict[str, Any]:
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    # The external id keeps emails unique however often a name repeats.
    email = f"{first}.{last}.{external_id}@{domain}".lower()
    return {"external_id": external_id, "name": f"{first} {last}", "email": email}


def _make_teachers(shape: SchoolShape, rng: random.Random) -> list[_Teacher]:
    teachers = []
    for i in range(shape.teachers):
        days = list(range(5))
        if rng.random() < shape.part_time_share:
            days = sorted(rng.sample(days, rng.choice((3, 4))))
        ect_year = rng.choice((1, 2)) if rng.random() < shape.ect_share else None
        slots = {
            (week, day, period)
            for week in range(1, shape.timetable_weeks + 1)
            for day in days
            for period in range(1, shape.periods_per_day + 1)
        }
        # ECTs teach less by their protected reduction: 10% in year 1, 5% in year 2.
        reduction = {None: 0.0, 1: 0.10, 2: 0.05}[ect_year]
        teacher = _Teacher(
            external_id=f"T{i + 1:04d}",
            days=days,
            ect_year=ect_year,
            subject=rng.choices(SUBJECTS, weights=SUBJECT_WEIGHTS)[0],
            free=slots,
            load=len(slots) * shape.teaching_share * (1 - reduction),
        )
        teacher.ect = _take(rng, teacher.free, round(len(slots) * shape.teaching_share * reduction))
        teacher.ppa = _take(rng, teacher.free, math.ceil(0.1 * teacher.load))
        teachers.append(teacher)
    _share_out_lessons(shape, teachers)
    return teachers


def _take(rng: random.Random, free: set[Slot], count: int) -> list[Slot]:
    chosen = rng.sample(sorted(free), min(count, len(free)))
    free.difference_update(chosen)
    return sorted(chosen)


def _share_out_lessons(shape: SchoolShape, teachers: list[_Teacher]) -> None:
    """How many lessons each teacher has: by share, or an exact total split by load."""
    if shape.lessons is None:
        for teacher in teachers:
            # A double covers two periods, so fewer lessons fill the same load.
            teacher.lessons = round(teacher.load / (1 + shape.double_share))
        return
    total_load = sum(t.load for t in teachers)
    exact = [shape.lessons * t.load / total_load for t in teachers]
    for teacher, amount in zip(teachers, exact, strict=True):
        teacher.lessons = math.floor(amount)
    # Largest remainders first, so the total is exactly what was asked for.
    short = shape.lessons - sum(t.lessons for t in teachers)
    by_remainder = sorted(
        range(len(teachers)), key=lambda i: exact[i] - teachers[i].lessons, reverse=True
    )
    for i in by_remainder[:short]:
        teachers[i].lessons += 1


def _place_lessons(
    shape: SchoolShape, rng: random.Random, teacher: _Teacher, first_id: int
) -> list[dict[str, Any]]:
    name, abbr = teacher.subject
    number = int(teacher.external_id[1:])
    # A teacher meets each of their classes three or four times a cycle.
    classes = [
        f"{rng.randint(7, 13)}{rng.choice('ABCDEFGH')}/{abbr}{(number + k) % 9 + 1}"
        for k in range(max(1, teacher.lessons // 4))
    ]
    home_room = f"{abbr}{number % 12 + 1}"
    lessons = []
    for k in range(teacher.lessons):
        # A double only while the periods left can still hold every remaining lesson.
        room_for_double = len(teacher.free) > teacher.lessons - k
        double = room_for_double and rng.random() < shape.double_share
        periods = _double(rng, teacher.free) if double else None
        if periods is None:
            if not teacher.free:
                raise ValueError(
                    f"{teacher.external_id} has no free period left for lesson {k + 1} of "
                    f"{teacher.lessons}; ask for fewer lessons or more teachers"
                )
            periods = _take(rng, teacher.free, 1)
        week, day, _ = periods[0]
        lessons.append(
            {
                "external_id": f"L{first_id + k:06d}",
                "class_code": classes[k % len(classes)],
                "subject": name,
                # Mostly in their own room; sometimes wherever the timetabler found space.
                "room": home_room if rng.random() < 0.8 else f"{abbr}{rng.randint(1, 12)}",
                "teachers": [teacher.external_id],
                "weekday": WEEKDAYS[day],
                "periods": [f"P{p}" for _, _, p in periods],
                "week": week,
            }
        )
    return lessons


def _double(rng: random.Random, free: set[Slot]) -> list[Slot] | None:
    pairs = [
        [(w, d, p), (w, d, p + 1)]
        for (w, d, p) in sorted(free)
        if p % 2 == 1 and (w, d, p + 1) in free
    ]
    if not pairs:
        return None
    pair = rng.choice(pairs)
    free.difference_update(pair)
    return pair


def _add_co_teachers(
    shape: SchoolShape, rng: random.Random, teachers: list[_Teacher], lessons: list[dict[str, Any]]
) -> None:
    """A few lessons get a second teacher (a team-taught practical, a support teacher)."""
    for lesson in rng.sample(lessons, round(len(lessons) * shape.co_taught_share)):
        day = WEEKDAYS.index(lesson["weekday"])
        needed = [(lesson["week"], day, int(code[1:])) for code in lesson["periods"]]
        for candidate in rng.sample(teachers, min(20, len(teachers))):
            if candidate.external_id not in lesson["teachers"] and all(
                s in candidate.free for s in needed
            ):
                candidate.free.difference_update(needed)
                lesson["teachers"].append(candidate.external_id)
                break


def _absences(rng: random.Random, people: list[str], periods_per_day: int) -> list[dict[str, Any]]:
    days = school_days()
    absences: list[dict[str, Any]] = []
    for external_id in people:
        for _ in range(rng.choices((0, 1, 2), weights=(50, 35, 15))[0]):
            start = rng.choice(days)
            kind, reason, periods = rng.choices(
                (
                    ("absence", "Sickness", None),
                    ("absence", "Course", None),
                    (
                        "event",
                        "Trip",
                        [f"P{p}" for p in range(periods_per_day - 1, periods_per_day + 1)],
                    ),
                ),
                weights=(60, 25, 15),
            )[0]
            # Sickness runs on for up to three days, but not over the weekend.
            length = rng.randint(1, 3) if reason == "Sickness" else 1
            end = min(
                start + dt.timedelta(days=length - 1),
                start + dt.timedelta(days=4 - start.weekday()),
            )
            row: dict[str, Any] = {
                "external_id": f"A{len(absences) + 1:06d}",
                "staff": external_id,
                "starts_on": start.isoformat(),
                "ends_on": end.isoformat(),
                "kind": kind,
                "reason": reason,
            }
            if periods is not None:
                row["periods"] = periods
            absences.append(row)
    return absences


def build_dataset(shape: SchoolShape, domain: str = "school.example") -> Payload:
    """The import body for a school of this shape; the same seed gives the same school."""
    rng = random.Random(shape.seed)
    bells = bell_schedule(shape.periods_per_day)
    duty_codes = [code for code, _, _, teaching in bells if not teaching and code != "REG"]
    teachers = _make_teachers(shape, rng)

    staff: list[dict[str, Any]] = []
    for teacher in teachers:
        person = _person(rng, teacher.external_id, domain)
        if len(teacher.days) < 5:
            person["working_days"] = [WEEKDAYS[d] for d in teacher.days]
        if teacher.ect_year is not None:
            person["ect_year"] = teacher.ect_year
        staff.append(person)
    supervisors = [f"CS{i + 1:03d}" for i in range(shape.cover_supervisors)]
    staff += [{**_person(rng, s, domain), "roles": ["cover_supervisor"]} for s in supervisors]
    office = [f"AD{i + 1:03d}" for i in range(shape.office_staff)]
    staff += [{**_person(rng, s, domain), "roles": ["admin"]} for s in office]

    lessons: list[dict[str, Any]] = []
    for teacher in teachers:
        lessons += _place_lessons(shape, rng, teacher, len(lessons) + 1)
    _add_co_teachers(shape, rng, teachers, lessons)

    duties: list[dict[str, Any]] = []
    protected: list[dict[str, Any]] = []
    for teacher in teachers:
        for week in range(1, shape.timetable_weeks + 1):
            duties.append(
                {
                    "external_id": f"D{len(duties) + 1:06d}",
                    "staff": teacher.external_id,
                    "description": "Break duty" if rng.random() < 0.5 else "Lunch duty",
                    "weekday": WEEKDAYS[rng.choice(teacher.days)],
                    "period": rng.choice(duty_codes),
                    "week": week,
                }
            )
        if teacher.free and rng.random() < shape.meeting_share:
            week, day, period = _take(rng, teacher.free, 1)[0]
            duties.append(
                {
                    "external_id": f"D{len(duties) + 1:06d}",
                    "staff": teacher.external_id,
                    "description": rng.choice(("Line management", "Department meeting")),
                    "weekday": WEEKDAYS[day],
                    "period": f"P{period}",
                    "week": week,
                    "kind": "meeting",
                }
            )
        for kind, slots in (("ppa", teacher.ppa), ("ect", teacher.ect)):
            protected += [
                {
                    "staff": teacher.external_id,
                    "kind": kind,
                    "weekday": WEEKDAYS[d],
                    "period": f"P{p}",
                    "week": w,
                }
                for w, d, p in slots
            ]

    cover_slots = [
        {"staff": s, "weekday": WEEKDAYS[d], "period": f"P{p}", "week": w}
        for s in supervisors
        for w in range(1, shape.timetable_weeks + 1)
        for d in range(5)
        for p in range(1, shape.periods_per_day + 1)
    ]
    return {
        "effective_from": TERM_STARTS.isoformat(),
        "calendar": {
            "timetable_weeks": shape.timetable_weeks,
            "week_numbering": "continuous",
            "terms": [
                {
                    "name": TERM_NAME,
                    "starts_on": TERM_STARTS.isoformat(),
                    "ends_on": TERM_ENDS.isoformat(),
                }
            ],
            "closures": CLOSURES,
        },
        "periods": [
            {"weekday": day, "code": code, "starts_at": start, "ends_at": end, "teaching": teaching}
            for day in WEEKDAYS
            for code, start, end, teaching in bells
        ],
        "staff": staff,
        "lessons": lessons,
        "duties": duties,
        "protected_periods": protected,
        "cover_slots": cover_slots,
        # Half the cover supervisors have agreed a lower daily limit than the school's.
        "cover_caps": [{"staff": s, "max_per_day": 4} for s in supervisors[::2]],
        "cover_policy": {"teacher_cover_allowed": False},
        "absences": _absences(
            rng, [t.external_id for t in teachers] + supervisors, shape.periods_per_day
        ),
    }


def change_lessons(payload: Payload, share: float, seed: int = 1) -> tuple[Payload, int]:
    """A copy in which about ``share`` of the lessons changed, as a mid-term MIS sync brings.

    Most changes are room moves; the rest swap the teachers of two lessons
    taught at the same time, which changes both and creates no clash.
    Returns the copy and how many lessons differ.
    """
    rng = random.Random(seed)
    lessons = [dict(lesson) for lesson in payload["lessons"]]
    wanted = round(len(lessons) * share)
    changed: set[int] = set()
    same_time: dict[tuple[int, str, tuple[str, ...]], list[int]] = defaultdict(list)
    for i, lesson in enumerate(lessons):
        same_time[(lesson["week"], lesson["weekday"], tuple(lesson["periods"]))].append(i)
    groups = [g for g in same_time.values() if len(g) >= 2]
    while len(changed) < wanted * 0.4 and groups:
        a, b = rng.sample(rng.choice(groups), 2)
        if a in changed or b in changed:
            continue
        lessons[a]["teachers"], lessons[b]["teachers"] = (
            lessons[b]["teachers"],
            lessons[a]["teachers"],
        )
        changed.update((a, b))
    unchanged = [i for i in range(len(lessons)) if i not in changed]
    for i in rng.sample(unchanged, max(0, wanted - len(changed))):
        lessons[i]["room"] = f"{lessons[i]['room']}-annex"
        changed.add(i)
    return {**payload, "lessons": lessons}, len(changed)


def dataset_sizes(payload: Payload) -> str:
    staff = payload["staff"]
    roles = [s.get("roles", ["teacher"])[0] for s in staff]
    lessons = payload["lessons"]
    return (
        f"{len(staff)} staff ({roles.count('teacher')} teachers, "
        f"{roles.count('cover_supervisor')} cover supervisors, {roles.count('admin')} admins; "
        f"{sum(1 for s in staff if 'working_days' in s)} part-time, "
        f"{sum(1 for s in staff if 'ect_year' in s)} ECTs), "
        f"{len(lessons)} lessons ({sum(1 for x in lessons if len(x['periods']) > 1)} doubles, "
        f"{sum(1 for x in lessons if len(x['teachers']) > 1)} co-taught), "
        f"{len(payload['duties'])} duties and meetings, "
        f"{len(payload['protected_periods'])} protected periods, "
        f"{len(payload['cover_slots'])} cover slots, {len(payload['absences'])} absences; "
        f"{payload['calendar']['timetable_weeks']}-week timetable"
    )


# --- the scratch service ------------------------------------------------------------------------


@contextlib.asynccontextmanager
async def scratch_database(server_url: str, purpose: str) -> AsyncIterator[str]:
    """A freshly migrated database of its own, dropped afterwards whatever happens."""
    admin_url = to_plain_postgres_url(server_url)
    name = f"lsbench_{purpose}_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(admin_url)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    try:
        url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
        # Alembic runs its own event loop, so it cannot run on this one.
        await asyncio.to_thread(upgrade, url)
        yield url
    finally:
        admin = await asyncpg.connect(admin_url)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


@dataclass(frozen=True)
class BenchSchool:
    school_id: uuid.UUID
    integration_token: str
    """A timetable integration's token: it may import, and read anyone's availability."""
    token_ids: list[uuid.UUID]


async def create_school(settings: Settings, name: str) -> BenchSchool:
    engine = create_engine(settings)
    try:
        async with create_session_factory(engine).begin() as session:
            school = await schools.create_school(session, name=name, time_zone="Europe/London")
            client = await integration_clients.create_client(
                session,
                school.id,
                name="MIS sync",
                scopes=[Scope.TIMETABLE_WRITE, Scope.STAFF_READ],
            )
            issued = await tokens.issue_token(
                session, school.id, label="benchmark", integration_client_id=client.id
            )
            return BenchSchool(school.id, issued.secret, [issued.token.id])
    finally:
        await engine.dispose()


async def staff_ids(settings: Settings, school_id: uuid.UUID) -> dict[str, uuid.UUID]:
    """Each imported person's id, by their external id."""
    engine = create_engine(settings)
    try:
        async with create_session_factory(engine)() as session:
            rows = await session.execute(
                select(Staff.external_id, Staff.id).where(
                    Staff.school_id == school_id, Staff.external_id.is_not(None)
                )
            )
            return {str(external): staff_id for external, staff_id in rows.all()}
    finally:
        await engine.dispose()


async def issue_staff_token(settings: Settings, school: BenchSchool, staff_id: uuid.UUID) -> str:
    engine = create_engine(settings)
    try:
        async with create_session_factory(engine).begin() as session:
            issued = await tokens.issue_token(
                session, school.school_id, label="benchmark", staff_id=staff_id
            )
            school.token_ids.append(issued.token.id)
            return issued.secret
    finally:
        await engine.dispose()


async def forget_token_use(redis_url: str, token_ids: list[uuid.UUID]) -> None:
    """Remove the last-used times our requests noted, which no worker will ever flush."""
    if not token_ids:
        return
    redis = Redis.from_url(redis_url)
    try:
        await redis.hdel(PENDING_KEY, *(str(t) for t in token_ids))
    finally:
        await redis.aclose()


@contextlib.asynccontextmanager
async def serve_in_thread(app: Litestar) -> AsyncIterator[str]:
    """Serve ``app`` with uvicorn on a free loopback port; yields the base URL.

    The server runs its own event loop in a background thread, so the
    caller's loop stays free to drive it or to wait on a load generator.
    """
    config = uvicorn.Config(
        app, host="127.0.0.1", port=0, log_level="warning", access_log=False, lifespan="on"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="bench-uvicorn", daemon=True)
    thread.start()
    try:
        while not server.started:
            if not thread.is_alive():
                raise RuntimeError("the app did not start; its error is logged above")
            await asyncio.sleep(0.05)
        port = server.servers[0].sockets[0].getsockname()[1]
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await asyncio.to_thread(thread.join, 30)
