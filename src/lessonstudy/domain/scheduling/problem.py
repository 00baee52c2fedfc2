"""Build the pure scheduler's `Problem` for some requests from a school's timetable.

Pruned before anything is built: only the school days inside the requests'
windows (and the days after them the discussion may use), and only the people
who can matter: the requests' own people, the cover supervisors, and the
other teachers only when the school lets teachers cover; those who are there
only to cover, only in the periods of lessons a request could use. Each table
is read once, in one statement (`rows`), in the style of `availability.py`.

The slots of a day are its teaching periods, then any non-teaching period
after the last of them: an after-school period is where most schools hold the
post-lesson discussion, while registration, break and lunch are not meetings.

People are named in the problem by their names (made unique), so the
scheduler's explanations read as sentences; `SchoolProblem` maps them back.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from lessonstudy.db import driver_connection
from lessonstudy.domain.scheduling import rows
from lessonstudy.domain.scheduling.policy import load_policy
from lessonstudy.domain.scheduling.preferences import opted_in
from lessonstudy.domain.scheduling.requests import (
    ObservationRequest,
    PeriodRef,
    ResearchLessonRequest,
    SchedulingRequest,
    check_request,
    participants,
)
from lessonstudy.domain.scheduling.rows import Period
from lessonstudy.domain.staff import Role
from lessonstudy.errors import NotFound, RuleBroken
from lessonstudy.scheduler import (
    FREE,
    Busy,
    CoverSupervisor,
    DateWindow,
    PeerObservation,
    Problem,
    ProblemError,
    Protected,
    Request,
    ResearchLesson,
    Slot,
    SlotStatus,
    StaffMember,
    Teaching,
)


@dataclass(frozen=True)
class SchoolProblem:
    """A Problem and the way back from its ids to the school's people and periods."""

    problem: Problem
    requests: Mapping[str, SchedulingRequest]
    staff_ids: Mapping[str, uuid.UUID]
    keys: Mapping[uuid.UUID, str]
    periods: Mapping[Slot, str]
    slots: Mapping[tuple[dt.date, str], Slot] = field(repr=False)

    def staff_id(self, key: str) -> uuid.UUID:
        return self.staff_ids[key]

    def period_ref(self, slot: Slot) -> PeriodRef:
        return PeriodRef(slot.date, self.periods[slot])


async def school_today(connection: Any, school_id: uuid.UUID) -> dt.date:
    zone = await connection.fetchval("SELECT time_zone FROM school WHERE id = $1", school_id)
    if zone is None:
        raise NotFound("school not found")
    return dt.datetime.now(ZoneInfo(zone)).date()


async def build_problem(
    session: AsyncSession,
    school_id: uuid.UUID,
    requests: Sequence[SchedulingRequest],
    *,
    today: dt.date | None = None,
    fields: Sequence[str] | None = None,
) -> SchoolProblem:
    """`fields` names each request in errors; by default `requests[0]`, `requests[1]`..."""
    fields = fields or [f"requests[{index}]" for index in range(len(requests))]
    for request, name in zip(requests, fields, strict=True):
        check_request(request, name)
    connection = await driver_connection(session)
    today = today or await school_today(connection, school_id)
    loaded = await load_policy(session, school_id, today)
    policy = loaded.policy
    dates = _window_dates(requests, policy.discussion_within_days)
    days = await connection.fetch(rows.DAYS_SQL, school_id, dates)
    versions = sorted({d["version_id"] for d in days})
    periods_of = rows.periods_by_day(await connection.fetch(rows.BELL_SQL, versions))

    staff_rows = await connection.fetch(rows.STAFF_SQL, school_id)
    people = {row["id"]: row for row in staff_rows}
    asked = _check_people(requests, people, fields)
    supervisors = {
        row["id"]
        for row in staff_rows
        if row["active"] and Role.COVER_SUPERVISOR.value in row["roles"] and row["id"] not in asked
    }
    teachers = set(asked)
    if policy.teachers_may_cover:
        teachers |= {
            row["id"]
            for row in staff_rows
            if row["active"] and Role.TEACHER.value in row["roles"] and row["id"] not in supervisors
        }
    needed = sorted(teachers | supervisors)

    slots: list[Slot] = []
    slot_period: dict[Slot, Period] = {}
    for day in days:
        week_label = rows.week_label(day["day"])
        for rank, code in enumerate(periods_of.get((day["version_id"], day["weekday"]), ()), 1):
            slot = Slot(day["day"], rank, week_label, str(day["term_id"]))
            slots.append(slot)
            slot_period[slot] = (day["version_id"], day["week"], day["weekday"], code)

    first = min((d["day"] for d in days), default=today)
    last = max((d["day"] for d in days), default=today)
    year_first, year_last = (
        rows.academic_year(first),
        rows.academic_year(last + dt.timedelta(days=366)),
    )
    teaching = rows.by_staff(await connection.fetch(rows.TEACHING_SQL, versions, needed))
    duties = rows.by_staff(await connection.fetch(rows.DUTY_SQL, versions, needed))
    protected = rows.by_staff(await connection.fetch(rows.PROTECTED_SQL, versions, needed))
    cover_slots = rows.by_staff(
        await connection.fetch(rows.COVER_SLOT_SQL, versions, sorted(supervisors))
    )
    absences = rows.absences(
        await connection.fetch(rows.ABSENCE_SQL, school_id, needed, first, last)
    )
    booked = {
        (r["staff_id"], r["day"], r["period_code"]): r["kind"]
        for r in await connection.fetch(rows.COMMITMENT_SQL, school_id, needed, dates)
    }
    done = await connection.fetch(rows.DONE_SQL, school_id, needed, year_first, year_last)
    caps = {r["staff_id"]: r for r in await connection.fetch(rows.CAPS_SQL, school_id)}
    giving = await opted_in(session, school_id)

    by_ref = {(slot.date, period[3]): slot for slot, period in slot_period.items()}
    covered, observed = rows.done_slots(done, by_ref, rows.academic_year(first))
    keys = _keys({person: people[person]["name"] for person in needed})

    def status(person: uuid.UUID, slot: Slot) -> SlotStatus:
        period = slot_period[slot]
        code = period[3]
        if (slot.date, code) in absences.get(person, ()) or (slot.date, None) in absences.get(
            person, ()
        ):
            return Busy("absent")
        kind = booked.get((person, slot.date, code))
        if kind is not None:
            return Busy(f"booked for {kind}")
        class_code = teaching.get(person, {}).get(period)
        if class_code is not None:
            return Teaching(class_code)
        duty = duties.get(person, {}).get(period)
        if duty is not None:
            return Busy(duty)
        kind = protected.get(person, {}).get(period)
        if kind is not None:
            return Protected(kind.upper())
        return FREE

    def at_work(person: uuid.UUID, slot: Slot) -> bool:
        return slot_period[slot][2] in people[person]["working_days"]

    # Someone the requests do not name can only matter as cover, and cover is only
    # ever needed in the period of a lesson a request could use.
    lessons = _lesson_slots(requests, teaching, slot_period)

    staff = []
    for person in sorted(teachers):
        own = caps.get(person)
        relevant = slots if person in asked else lessons
        staff.append(
            StaffMember(
                keys[person],
                timetable={s: status(person, s) for s in relevant if at_work(person, s)},
                observes_in_protected_time=person in giving,
                observations_done=tuple(observed.get(person, ())),
                cover_done=tuple(covered.get(person, ())),
                cover_cap_per_week=own["max_per_week"] if own else None,
                cover_cap_per_term=own["max_per_term"] if own else None,
            )
        )
    cover_staff = []
    for person in sorted(supervisors):
        can = cover_slots.get(person, {})
        own = caps.get(person)
        day_cap, week_cap, term_cap = loaded.supervisor_caps
        cover_staff.append(
            CoverSupervisor(
                keys[person],
                available=frozenset(
                    slot
                    for slot in lessons
                    if slot_period[slot] in can
                    and at_work(person, slot)
                    and status(person, slot) == FREE
                ),
                max_per_day=_cap(own, "max_per_day", day_cap),
                max_per_week=_cap(own, "max_per_week", week_cap),
                max_per_term=_cap(own, "max_per_term", term_cap),
                cover_done=tuple(covered.get(person, ())),
            )
        )
    scheduled = {
        str(r.id): _request(r, keys, by_ref, name) for r, name in zip(requests, fields, strict=True)
    }
    try:
        problem = Problem(
            slots=tuple(slots),
            staff=tuple(staff),
            cover_supervisors=tuple(cover_staff),
            requests=tuple(scheduled.values()),
            policy=policy,
        )
    except ProblemError as exc:
        raise RuleBroken(f"the requests cannot be scheduled together: {exc}") from exc
    return SchoolProblem(
        problem=problem,
        requests={str(r.id): r for r in requests},
        staff_ids={key: person for person, key in keys.items()},
        keys=keys,
        periods={slot: period[3] for slot, period in slot_period.items()},
        slots=by_ref,
    )


def _window_dates(requests: Sequence[SchedulingRequest], discussion_days: int) -> list[dt.date]:
    """Every date a booking could use: the windows, and the discussion days after them."""
    dates: set[dt.date] = set()
    for request in requests:
        extra = discussion_days if isinstance(request, ResearchLessonRequest) else 0
        day = request.first_day
        while day <= request.last_day + dt.timedelta(days=extra):
            dates.add(day)
            day += dt.timedelta(days=1)
    return sorted(dates)


def _lesson_slots(
    requests: Sequence[SchedulingRequest],
    teaching: Mapping[uuid.UUID, Mapping[Period, str]],
    slot_period: Mapping[Slot, Period],
) -> list[Slot]:
    """The periods in which some request's lesson is taught, in time order."""
    found: set[Slot] = set()
    for request in requests:
        taught = teaching.get(request.anchor_id, {})
        wanted = request.class_code
        pinned = request.lesson if isinstance(request, ObservationRequest) else None
        for slot, period in slot_period.items():
            class_code = taught.get(period)
            if class_code is None or not request.first_day <= slot.date <= request.last_day:
                continue
            if wanted is not None and class_code != wanted:
                continue
            if pinned is None or (pinned.day, pinned.period) == (slot.date, period[3]):
                found.add(slot)
    return sorted(found)


def _check_people(
    requests: Sequence[SchedulingRequest], people: Mapping[uuid.UUID, Any], fields: Sequence[str]
) -> set[uuid.UUID]:
    asked: set[uuid.UUID] = set()
    errors = []
    for request, name in zip(requests, fields, strict=True):
        for person in participants(request):
            row = people.get(person)
            if row is None or not row["active"]:
                errors.append(
                    {
                        "field": name,
                        "message": f"no active member of staff {person} in this school",
                    }
                )
            asked.add(person)
    if errors:
        raise RuleBroken(
            "a request names someone who is not an active member of staff here", errors=errors
        )
    return asked


def _keys(names: Mapping[uuid.UUID, str]) -> dict[uuid.UUID, str]:
    """Names as the scheduler's ids, numbered where two people share one."""
    keys: dict[uuid.UUID, str] = {}
    taken: set[str] = set()
    for person, name in sorted(names.items(), key=lambda item: (item[1], str(item[0]))):
        key, n = name, 1
        while key in taken:
            n += 1
            key = f"{name} ({n})"
        taken.add(key)
        keys[person] = key
    return keys


def _cap(own: Any, column: str, default: int) -> int:
    value = own[column] if own is not None else None
    return default if value is None else int(value)


def _request(
    request: SchedulingRequest,
    keys: Mapping[uuid.UUID, str],
    by_ref: Mapping[tuple[dt.date, str], Slot],
    field: str,
) -> Request:
    preferred = frozenset(
        by_ref[p.day, p.period] for p in request.preferred if (p.day, p.period) in by_ref
    )
    window = DateWindow(request.first_day, request.last_day)
    if isinstance(request, ResearchLessonRequest):
        return ResearchLesson(
            id=str(request.id),
            group_id=str(request.group_id or request.id),
            cycle=request.cycle,
            teacher=keys[request.teacher_id],
            focus_class=request.class_code,
            members=tuple(keys[m] for m in request.member_ids),
            window=window,
            knowledgeable_other=(
                keys[request.knowledgeable_other_id] if request.knowledgeable_other_id else None
            ),
            needs_discussion=request.needs_discussion,
            priority=request.priority,
            preferred_slots=preferred,
        )
    assert isinstance(request, ObservationRequest)
    lesson = None
    if request.lesson is not None:
        lesson = by_ref.get((request.lesson.day, request.lesson.period))
        if lesson is None:
            raise RuleBroken(
                f"{request.lesson.day} has no period {request.lesson.period!r} in the timetable",
                errors=[{"field": f"{field}.lesson", "message": "no such period"}],
            )
    return PeerObservation(
        id=str(request.id),
        observed=keys[request.observed_id],
        observers=tuple(keys[o] for o in request.observer_ids),
        window=window,
        lesson_slot=lesson,
        class_id=request.class_code,
        priority=request.priority,
        preferred_slots=preferred,
    )
