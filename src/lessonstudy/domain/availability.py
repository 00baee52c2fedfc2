"""Who is free when: the queries people and the scheduler ask of the timetable.

These are hot paths, so each is one SQL statement over the compact, indexed
tables (school days, teaching, duties, absences, commitments) rather than a
walk over ORM objects. A period counts as free for a person when it is a
teaching period of a school day they work, and they have no lesson, duty,
meeting, absence or commitment in it. Protected periods (PPA, ECT) are free
but marked, because they are never used for cover.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, time, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from lessonstudy.db import driver_connection
from lessonstudy.domain.commitments import CommitmentKind
from lessonstudy.domain.cover import DEFAULT_COVER_POLICY
from lessonstudy.domain.staff import Role, get_staff
from lessonstudy.errors import NotFound, RuleBroken

MAX_RANGE_DAYS = 366

# Reused by every query: is this person busy in this period of this school day?
_BUSY = """
    EXISTS (SELECT 1 FROM teaching t WHERE t.version_id = d.version_id AND t.staff_id = {who}
            AND t.week = d.week AND t.weekday = d.weekday AND t.period_code = p.code)
    OR EXISTS (SELECT 1 FROM duty du WHERE du.version_id = d.version_id AND du.staff_id = {who}
            AND du.week = d.week AND du.weekday = d.weekday AND du.period_code = p.code)
    OR EXISTS (SELECT 1 FROM absence a WHERE a.staff_id = {who}
            AND d.day BETWEEN a.starts_on AND a.ends_on
            AND (a.period_codes IS NULL OR p.code = ANY(a.period_codes)))
    OR EXISTS (SELECT 1 FROM commitment c WHERE c.staff_id = {who} AND c.day = d.day
            AND c.period_code = p.code)
"""

# The f-strings below splice only the constant _BUSY fragment; values are bound parameters.
# This one runs on asyncpg directly (positional parameters): it is the hottest read.
FREE_PERIODS_SQL = f"""
    SELECT d.day, p.code, p.starts_at, p.ends_at, pp.kind AS protected
    FROM staff s
    JOIN school_day d ON d.school_id = s.school_id AND d.day BETWEEN $3 AND $4
         AND d.weekday = ANY(s.working_days)
    JOIN bell_period p ON p.version_id = d.version_id AND p.weekday = d.weekday AND p.teaching
    LEFT JOIN protected_period pp ON pp.version_id = d.version_id AND pp.staff_id = s.id
         AND pp.week = d.week AND pp.weekday = d.weekday AND pp.period_code = p.code
    WHERE s.id = $2 AND s.school_id = $1 AND s.active
      AND NOT ({_BUSY.format(who="$2")})
    ORDER BY d.day, p.starts_at
"""  # noqa: S608


@dataclass(frozen=True, slots=True)
class FreePeriod:
    day: date
    period: str
    starts_at: time
    ends_at: time
    protected: str | None


def check_range(start: date, end: date) -> None:
    if end < start:
        raise RuleBroken(
            "the range ends before it starts",
            errors=[{"field": "to", "message": "must not be before from", "source": "query"}],
        )
    if end - start > timedelta(days=MAX_RANGE_DAYS):
        raise RuleBroken(
            f"ask for at most {MAX_RANGE_DAYS} days at a time",
            errors=[{"field": "to", "message": "range too long", "source": "query"}],
        )


async def free_periods(
    session: AsyncSession, school_id: uuid.UUID, staff_id: uuid.UUID, start: date, end: date
) -> list[FreePeriod]:
    check_range(start, end)
    connection = await driver_connection(session)
    rows = await connection.fetch(FREE_PERIODS_SQL, school_id, staff_id, start, end)
    if not rows:
        # No rows can also mean "no such person here": only then pay for the check.
        await _ensure_staff(connection, school_id, staff_id)
    return [
        FreePeriod(r["day"], r["code"], r["starts_at"], r["ends_at"], r["protected"]) for r in rows
    ]


async def _ensure_staff(connection: Any, school_id: uuid.UUID, staff_id: uuid.UUID) -> None:
    found = await connection.fetchval(
        "SELECT 1 FROM staff WHERE id = $1 AND school_id = $2", staff_id, school_id
    )
    if found is None:
        raise NotFound("no member of staff with that id")


# Everyone's position in one period of one day, with their cover load so far.
_SLOT_SQL = f"""
    SELECT s.id, s.name, s.roles,
           (d.weekday = ANY(s.working_days)) AS at_work,
           ({_BUSY.format(who="s.id")}) AS busy,
           lesson.class_code, lesson.subject, lesson.room,
           EXISTS (SELECT 1 FROM absence a WHERE a.staff_id = s.id
                   AND d.day BETWEEN a.starts_on AND a.ends_on
                   AND (a.period_codes IS NULL OR p.code = ANY(a.period_codes))) AS absent,
           EXISTS (SELECT 1 FROM commitment c WHERE c.staff_id = s.id AND c.day = d.day
                   AND c.period_code = p.code) AS committed,
           EXISTS (SELECT 1 FROM duty du WHERE du.version_id = d.version_id
                   AND du.staff_id = s.id AND du.week = d.week AND du.weekday = d.weekday
                   AND du.period_code = p.code) AS on_duty,
           pp.kind AS protected,
           EXISTS (SELECT 1 FROM cover_slot cs WHERE cs.version_id = d.version_id
                   AND cs.staff_id = s.id AND cs.week = d.week AND cs.weekday = d.weekday
                   AND cs.period_code = p.code) AS can_cover,
           (SELECT count(*) FROM commitment c WHERE c.staff_id = s.id AND c.kind = 'covering'
                   AND c.day = d.day) AS covers_today,
           (SELECT count(*) FROM commitment c WHERE c.staff_id = s.id AND c.kind = 'covering'
                   AND c.day BETWEEN d.day - (d.weekday - 1) AND d.day + (7 - d.weekday))
                   AS covers_week,
           (SELECT count(*) FROM commitment c JOIN term tm ON tm.id = d.term_id
                   WHERE c.staff_id = s.id AND c.kind = 'covering'
                   AND c.day BETWEEN tm.starts_on AND tm.ends_on) AS covers_term,
           cc.max_per_day, cc.max_per_week, cc.max_per_term
    FROM school_day d
    JOIN bell_period p ON p.version_id = d.version_id AND p.weekday = d.weekday AND p.code = :period
    JOIN staff s ON s.school_id = d.school_id AND s.active
    LEFT JOIN protected_period pp ON pp.version_id = d.version_id AND pp.staff_id = s.id
         AND pp.week = d.week AND pp.weekday = d.weekday AND pp.period_code = p.code
    LEFT JOIN LATERAL (
        SELECT l.class_code, l.subject, l.room FROM teaching t JOIN lesson l ON l.id = t.lesson_id
        WHERE t.version_id = d.version_id AND t.staff_id = s.id AND t.week = d.week
          AND t.weekday = d.weekday AND t.period_code = p.code
        LIMIT 1
    ) lesson ON true
    LEFT JOIN cover_cap cc ON cc.staff_id = s.id
    WHERE d.school_id = :school_id AND d.day = :day
    ORDER BY s.name, s.id
"""  # noqa: S608

_SLOT_INFO_SQL = """
    SELECT d.week, d.weekday, p.code, p.starts_at, p.ends_at, p.teaching
    FROM school_day d
    LEFT JOIN bell_period p ON p.version_id = d.version_id AND p.weekday = d.weekday
         AND p.code = :period
    WHERE d.school_id = :school_id AND d.day = :day
"""


@dataclass(frozen=True, slots=True)
class Person:
    staff_id: uuid.UUID
    name: str
    roles: tuple[Role, ...]
    protected: str | None


@dataclass(frozen=True, slots=True)
class CoverOption:
    staff_id: uuid.UUID
    name: str
    teacher_cover: bool
    """Cover by a teacher: allowed only by policy, counted against the "rarely cover" cap."""
    covers_today: int
    covers_this_week: int
    covers_this_term: int


@dataclass(frozen=True, slots=True)
class Releasable:
    staff_id: uuid.UUID
    name: str
    class_code: str
    subject: str | None
    room: str | None
    cover: tuple[CoverOption, ...]


@dataclass(frozen=True, slots=True)
class SlotAvailability:
    day: date
    period: str
    week: int
    weekday: int
    starts_at: time
    ends_at: time
    free: tuple[Person, ...]
    releasable: tuple[Releasable, ...]
    cover: tuple[CoverOption, ...] = ()
    """Who may cover a class then, whoever's it is (the options of every releasable)."""


async def slot_availability(
    session: AsyncSession, school_id: uuid.UUID, day: date, period: str
) -> SlotAvailability:
    params = {"school_id": school_id, "day": day, "period": period}
    info = (await session.execute(text(_SLOT_INFO_SQL), params)).first()
    if info is None:
        raise RuleBroken(
            f"{day} is not a school day",
            errors=[{"field": "date", "message": "not a school day", "source": "query"}],
        )
    if info.code is None:
        raise RuleBroken(
            f"there is no period {period!r} on {day}",
            errors=[{"field": "period", "message": "no such period that day", "source": "query"}],
        )
    policy = dict(DEFAULT_COVER_POLICY)
    stored = (
        (
            await session.execute(
                text("SELECT * FROM cover_policy WHERE school_id = :school_id"), params
            )
        )
        .mappings()
        .first()
    )
    if stored is not None:
        policy.update({k: v for k, v in stored.items() if k in policy})

    free: list[Person] = []
    teaching: list[tuple[uuid.UUID, str, str, str | None, str | None]] = []
    cover_staff: list[CoverOption] = []
    teacher_cover: list[CoverOption] = []
    for row in await session.execute(text(_SLOT_SQL), params):
        roles = tuple(Role(r) for r in row.roles)
        if not row.at_work or row.absent or row.committed:
            continue
        if row.class_code is not None:
            teaching.append((row.id, row.name, row.class_code, row.subject, row.room))
            continue
        if row.busy or row.on_duty:
            continue
        free.append(Person(row.id, row.name, roles, row.protected))
        option = CoverOption(
            row.id, row.name, False, row.covers_today, row.covers_week, row.covers_term
        )
        if Role.COVER_SUPERVISOR in roles and row.can_cover:
            if (
                row.covers_today < _cap(row.max_per_day, policy["cover_staff_max_per_day"])
                and row.covers_week < _cap(row.max_per_week, policy["cover_staff_max_per_week"])
                and row.covers_term < _cap(row.max_per_term, policy["cover_staff_max_per_term"])
            ):
                cover_staff.append(option)
        elif (
            Role.TEACHER in roles
            and row.protected is None
            and policy["teacher_cover_allowed"]
            and row.covers_week < _cap(row.max_per_week, policy["teacher_max_per_week"])
            and row.covers_term < _cap(row.max_per_term, policy["teacher_max_per_term"])
        ):
            teacher_cover.append(
                CoverOption(
                    row.id, row.name, True, row.covers_today, row.covers_week, row.covers_term
                )
            )
    # Cover supervisors first, least loaded first; teachers last, as the rules ask.
    options = tuple(
        sorted(cover_staff, key=lambda o: (o.covers_this_term, o.name))
        + sorted(teacher_cover, key=lambda o: (o.covers_this_term, o.name))
    )
    releasable = tuple(
        Releasable(staff_id, name, class_code, subject, room, options)
        for staff_id, name, class_code, subject, room in teaching
    )
    return SlotAvailability(
        day=day,
        period=info.code,
        week=info.week,
        weekday=info.weekday,
        starts_at=info.starts_at,
        ends_at=info.ends_at,
        free=tuple(free),
        releasable=releasable,
        cover=options,
    )


def _cap(own: int | None, policy: object) -> int:
    return own if own is not None else int(str(policy))


_TIMETABLE_SQL = """
    SELECT d.day, d.week, p.code, p.starts_at, p.ends_at, p.teaching,
           (d.weekday = ANY(s.working_days)) AS at_work,
           absence.kind AS absence_kind,
           commitment.kind AS commitment_kind, commitment.purpose,
           lesson.class_code, lesson.subject, lesson.room,
           duty.kind AS duty_kind, duty.description,
           pp.kind AS protected
    FROM staff s
    JOIN school_day d ON d.school_id = s.school_id AND d.day BETWEEN :start AND :end
    JOIN bell_period p ON p.version_id = d.version_id AND p.weekday = d.weekday
    LEFT JOIN LATERAL (
        SELECT a.kind FROM absence a WHERE a.staff_id = s.id
          AND d.day BETWEEN a.starts_on AND a.ends_on
          AND (a.period_codes IS NULL OR p.code = ANY(a.period_codes)) LIMIT 1
    ) absence ON true
    LEFT JOIN commitment ON commitment.staff_id = s.id AND commitment.day = d.day
         AND commitment.period_code = p.code
    LEFT JOIN LATERAL (
        SELECT l.class_code, l.subject, l.room FROM teaching t JOIN lesson l ON l.id = t.lesson_id
        WHERE t.version_id = d.version_id AND t.staff_id = s.id AND t.week = d.week
          AND t.weekday = d.weekday AND t.period_code = p.code LIMIT 1
    ) lesson ON true
    LEFT JOIN duty ON duty.version_id = d.version_id AND duty.staff_id = s.id
         AND duty.week = d.week AND duty.weekday = d.weekday AND duty.period_code = p.code
    LEFT JOIN protected_period pp ON pp.version_id = d.version_id AND pp.staff_id = s.id
         AND pp.week = d.week AND pp.weekday = d.weekday AND pp.period_code = p.code
    WHERE s.id = :staff_id AND s.school_id = :school_id
    ORDER BY d.day, p.starts_at
"""


@dataclass(frozen=True, slots=True)
class TimetableEntry:
    day: date
    week: int
    period: str
    starts_at: time
    ends_at: time
    teaching_period: bool
    activity: str
    """not_working, absent, committed, lesson, duty, meeting, protected, free or break."""
    detail: str | None
    class_code: str | None
    subject: str | None
    room: str | None


async def staff_timetable(
    session: AsyncSession,
    school_id: uuid.UUID,
    staff_id: uuid.UUID,
    start: date,
    end: date,
    *,
    own: bool = True,
) -> list[TimetableEntry]:
    """What a person does in every period of every school day in the range.

    One activity per period, in this order of precedence: not working, absent
    (no reason given: absences are private), a commitment, a lesson, a duty or
    meeting, protected time, free (or a break, outside teaching periods).

    ``own``: the person is reading their own timetable. Only they see what a
    commitment is for ("teaching: observation"); anyone else sees that they
    observe, discuss or cover then, and a lesson they teach for an observation
    or a research lesson as the plain lesson, since who is being observed is
    private to the observation's two people and the study group.
    """
    check_range(start, end)
    await get_staff(session, school_id, staff_id)
    rows = await session.execute(
        text(_TIMETABLE_SQL),
        {"school_id": school_id, "staff_id": staff_id, "start": start, "end": end},
    )
    entries = []
    for r in rows:
        detail = None
        if not r.at_work:
            activity = "not_working"
        elif r.absence_kind is not None:
            activity = "absent"
        elif r.commitment_kind is not None and own:
            activity, detail = "committed", f"{r.commitment_kind}: {r.purpose}"
        elif r.commitment_kind is not None and r.commitment_kind != CommitmentKind.TEACHING:
            activity, detail = "committed", r.commitment_kind
        elif r.class_code is not None:
            activity = "lesson"
        elif r.duty_kind is not None:
            activity, detail = r.duty_kind, r.description
        elif r.protected is not None:
            activity, detail = "protected", r.protected
        else:
            activity = "free" if r.teaching else "break"
        is_lesson = activity == "lesson"
        entries.append(
            TimetableEntry(
                day=r.day,
                week=r.week,
                period=r.code,
                starts_at=r.starts_at,
                ends_at=r.ends_at,
                teaching_period=r.teaching,
                activity=activity,
                detail=detail,
                class_code=r.class_code if is_lesson else None,
                subject=r.subject if is_lesson else None,
                room=r.room if is_lesson else None,
            )
        )
    return entries
