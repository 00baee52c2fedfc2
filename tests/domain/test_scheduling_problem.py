"""The scheduler's Problem, built from the kit school's timetable (see tests/scheduling_kit.py)."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from lessonstudy.domain.scheduling.policy import SchedulingRules, set_rules
from lessonstudy.domain.scheduling.preferences import set_observes_in_protected_time
from lessonstudy.domain.scheduling.problem import SchoolProblem, build_problem
from lessonstudy.domain.scheduling.requests import (
    ObservationRequest,
    PeriodRef,
    ResearchLessonRequest,
    SchedulingRequest,
)
from lessonstudy.errors import RuleBroken
from lessonstudy.scheduler import FREE, NOT_AT_WORK, Busy, Protected, ResearchLesson, Teaching
from tests import scheduling_kit as kit
from tests.kit import Client, SchoolKit

MONDAY = kit.MONDAY_DATE
NEXT_MONDAY = MONDAY + timedelta(days=7)


@pytest.fixture
async def people(
    client: Client, school: SchoolKit, sessions: async_sessionmaker[AsyncSession]
) -> dict[str, uuid.UUID]:
    return await kit.load(client, school, sessions)


def _lesson(
    people: dict[str, uuid.UUID], first: date = MONDAY, last: date = MONDAY
) -> ResearchLessonRequest:
    return ResearchLessonRequest(
        id=uuid.uuid4(),
        teacher_id=people["T1"],
        class_code="9B/Ma",
        member_ids=(people["T2"], people["T3"]),
        first_day=first,
        last_day=last,
    )


def _observation(people: dict[str, uuid.UUID], **fields: Any) -> ObservationRequest:
    values: dict[str, Any] = {
        "id": uuid.uuid4(),
        "observed_id": people["T1"],
        "observer_ids": (people["T4"],),
        "first_day": MONDAY,
        "last_day": MONDAY,
        **fields,
    }
    return ObservationRequest(**values)


async def _build(
    sessions: async_sessionmaker[AsyncSession], school: SchoolKit, *requests: SchedulingRequest
) -> SchoolProblem:
    async with sessions() as session:
        return await build_problem(session, school.school_id, requests)


def _status(built: SchoolProblem, person: uuid.UUID, day: date, period: str) -> object:
    return built.problem.status(built.keys[person], built.slots[day, period])


async def _commit(
    sessions: async_sessionmaker[AsyncSession],
    school: SchoolKit,
    person: uuid.UUID,
    day: date,
    period: str,
    kind: str,
) -> None:
    async with sessions.begin() as session:
        await session.execute(
            text(
                "INSERT INTO commitment (id, school_id, staff_id, day, period_code, kind, purpose)"
                " VALUES (gen_random_uuid(), :school, :staff, :day, :period, :kind, 'test')"
            ),
            {
                "school": school.school_id,
                "staff": person,
                "day": day,
                "period": period,
                "kind": kind,
            },
        )


async def _set_cover_policy(
    sessions: async_sessionmaker[AsyncSession], school: SchoolKit, **values: Any
) -> None:
    assignments = ", ".join(f"{name} = :{name}" for name in values)
    async with sessions.begin() as session:
        await session.execute(
            text(f"UPDATE cover_policy SET {assignments} WHERE school_id = :school"),
            {"school": school.school_id, **values},
        )


async def test_slots_are_the_teaching_periods_then_the_after_school_period(
    sessions: async_sessionmaker[AsyncSession], school: SchoolKit, people: dict[str, uuid.UUID]
) -> None:
    built = await _build(sessions, school, _lesson(people))
    slots = built.problem.slots_on(MONDAY)
    # Registration and lunch are not meetings; after school comes last.
    assert [built.periods[s] for s in slots] == ["P1", "P2", "P3", "P4", "P5", "AS"]
    assert [s.period for s in slots] == [1, 2, 3, 4, 5, 6]


async def test_only_the_school_days_in_the_windows_are_built(
    sessions: async_sessionmaker[AsyncSession], school: SchoolKit, people: dict[str, uuid.UUID]
) -> None:
    built = await _build(
        sessions,
        school,
        _lesson(people, MONDAY, MONDAY + timedelta(days=1)),
        _observation(people, first_day=NEXT_MONDAY, last_day=NEXT_MONDAY + timedelta(days=6)),
    )
    days = sorted({slot.date for slot in built.problem.slots})
    weekdays = [NEXT_MONDAY + timedelta(days=n) for n in range(5)]
    assert days == [MONDAY, MONDAY + timedelta(days=1), *weekdays]


async def test_discussion_days_after_the_window_are_built_when_the_policy_allows(
    sessions: async_sessionmaker[AsyncSession], school: SchoolKit, people: dict[str, uuid.UUID]
) -> None:
    async with sessions.begin() as session:
        await set_rules(session, school.school_id, SchedulingRules(discussion_within_days=1))
    built = await _build(sessions, school, _lesson(people))
    assert sorted({slot.date for slot in built.problem.slots}) == [
        MONDAY,
        MONDAY + timedelta(days=1),
    ]


async def test_lessons_protected_time_and_duties_come_from_the_timetable(
    sessions: async_sessionmaker[AsyncSession], school: SchoolKit, people: dict[str, uuid.UUID]
) -> None:
    built = await _build(sessions, school, _lesson(people))
    assert _status(built, people["T1"], MONDAY, "P1") == Teaching("9B/Ma")
    assert _status(built, people["T1"], MONDAY, "P5") == Protected("PPA")
    assert _status(built, people["T2"], MONDAY, "P4") == Protected("ECT")
    assert _status(built, people["T1"], MONDAY, "AS") == FREE


async def test_duties_are_busy_with_their_description(
    sessions: async_sessionmaker[AsyncSession], school: SchoolKit, people: dict[str, uuid.UUID]
) -> None:
    built = await _build(sessions, school, _observation(people))
    assert _status(built, people["T4"], MONDAY, "P4") == Busy("Yard duty")


async def test_absences_are_busy_without_their_reason(
    sessions: async_sessionmaker[AsyncSession], school: SchoolKit, people: dict[str, uuid.UUID]
) -> None:
    built = await _build(sessions, school, _lesson(people, MONDAY, NEXT_MONDAY))
    assert _status(built, people["T2"], NEXT_MONDAY, "P1") == Busy("absent")
    assert _status(built, people["T2"], MONDAY, "P1") == FREE


async def test_an_absence_for_some_periods_takes_only_those(
    sessions: async_sessionmaker[AsyncSession], school: SchoolKit, people: dict[str, uuid.UUID]
) -> None:
    built = await _build(sessions, school, _observation(people))
    assert _status(built, people["T4"], MONDAY, "P5") == Busy("absent")
    assert _status(built, people["T4"], MONDAY, "P2") == FREE


async def test_a_part_time_teachers_day_off_is_not_at_work(
    sessions: async_sessionmaker[AsyncSession], school: SchoolKit, people: dict[str, uuid.UUID]
) -> None:
    thursday = MONDAY + timedelta(days=3)
    built = await _build(sessions, school, _lesson(people, MONDAY, thursday))
    assert _status(built, people["T3"], thursday, "P1") == NOT_AT_WORK
    assert _status(built, people["T3"], MONDAY, "P1") == FREE


async def test_booked_commitments_take_the_period(
    sessions: async_sessionmaker[AsyncSession], school: SchoolKit, people: dict[str, uuid.UUID]
) -> None:
    await _commit(sessions, school, people["T2"], MONDAY, "P1", "observing")
    built = await _build(sessions, school, _lesson(people))
    assert _status(built, people["T2"], MONDAY, "P1") == Busy("booked for observing")


async def test_cover_supervisors_cover_in_their_cover_slots_within_their_caps(
    sessions: async_sessionmaker[AsyncSession], school: SchoolKit, people: dict[str, uuid.UUID]
) -> None:
    # Any of Ann's lessons on Monday or Tuesday; Eve covers on Mondays only.
    tuesday = MONDAY + timedelta(days=1)
    request = _observation(people, last_day=tuesday)
    built = await _build(sessions, school, request)
    eve = built.problem.cover_supervisor(built.keys[people["CS1"]])
    assert eve.available == {built.slots[MONDAY, "P1"]}
    # Her own cap of 3 a day; the school's policy for the week and term.
    assert (eve.max_per_day, eve.max_per_week, eve.max_per_term) == (3, 20, 250)


async def test_people_not_named_are_built_only_where_a_lesson_may_need_cover(
    sessions: async_sessionmaker[AsyncSession], school: SchoolKit, people: dict[str, uuid.UUID]
) -> None:
    await _set_cover_policy(sessions, school, teacher_cover_allowed=True)
    built = await _build(sessions, school, _observation(people))
    ben = built.problem.staff_member(built.keys[people["T2"]])
    assert list(ben.timetable) == [built.slots[MONDAY, "P1"]]
    dev = built.problem.staff_member(built.keys[people["T4"]])
    assert len(dev.timetable) == 6  # the observer: every period, for the whole day


async def test_cover_already_booked_counts_against_the_caps(
    sessions: async_sessionmaker[AsyncSession], school: SchoolKit, people: dict[str, uuid.UUID]
) -> None:
    await _commit(sessions, school, people["CS1"], MONDAY - timedelta(days=7), "P2", "covering")
    await _commit(sessions, school, people["CS1"], MONDAY, "P1", "covering")
    built = await _build(sessions, school, _observation(people))
    eve = built.problem.cover_supervisor(built.keys[people["CS1"]])
    assert sorted(s.date for s in eve.cover_done) == [MONDAY - timedelta(days=7), MONDAY]
    assert eve.available == frozenset()


async def test_other_teachers_are_included_only_when_teachers_may_cover(
    sessions: async_sessionmaker[AsyncSession], school: SchoolKit, people: dict[str, uuid.UUID]
) -> None:
    built = await _build(sessions, school, _observation(people))
    assert {m.id for m in built.problem.staff} == {"Ann Archer", "Dev Dale"}
    await _set_cover_policy(
        sessions, school, teacher_cover_allowed=True, teacher_max_per_week=2, teacher_max_per_term=4
    )
    built = await _build(sessions, school, _observation(people))
    assert {"Ben Brook", "Cat Cole"} <= {m.id for m in built.problem.staff}
    policy = built.problem.policy
    assert policy.teachers_may_cover
    assert (policy.teacher_cover_cap_per_week, policy.teacher_cover_cap_per_term) == (2, 4)


async def test_protected_time_is_offered_only_by_its_owner(
    sessions: async_sessionmaker[AsyncSession], school: SchoolKit, people: dict[str, uuid.UUID]
) -> None:
    async with sessions.begin() as session:
        await set_observes_in_protected_time(session, school.school_id, people["T2"], True)
    built = await _build(sessions, school, _lesson(people))
    assert built.problem.staff_member(built.keys[people["T2"]]).observes_in_protected_time
    assert not built.problem.staff_member(built.keys[people["T3"]]).observes_in_protected_time


async def test_people_and_periods_map_back_to_the_school(
    sessions: async_sessionmaker[AsyncSession], school: SchoolKit, people: dict[str, uuid.UUID]
) -> None:
    request = _lesson(people)
    built = await _build(sessions, school, request)
    assert built.keys[people["T1"]] == "Ann Archer"
    assert built.staff_id("Ann Archer") == people["T1"]
    slot = built.slots[MONDAY, "AS"]
    assert built.period_ref(slot) == PeriodRef(MONDAY, "AS")
    lesson = built.problem.request(str(request.id))
    assert isinstance(lesson, ResearchLesson)
    assert lesson.teacher == "Ann Archer"


async def test_the_schools_scheduling_rules_become_the_policy(
    sessions: async_sessionmaker[AsyncSession], school: SchoolKit, people: dict[str, uuid.UUID]
) -> None:
    rules = SchedulingRules(
        notice_days=3,
        max_observations_per_term=4,
        min_days_between_cycles=14,
        classes_never_covered=("11E/Hi",),
    )
    async with sessions.begin() as session:
        await set_rules(session, school.school_id, rules)
    policy = (await _build(sessions, school, _lesson(people))).problem.policy
    assert policy.notice_days == 3
    assert policy.max_observations_per_term == 4
    assert policy.min_days_between_cycles == 14
    assert policy.classes_never_covered == frozenset({"11E/Hi"})


async def test_someone_who_is_not_active_staff_here_is_refused(
    sessions: async_sessionmaker[AsyncSession], school: SchoolKit, people: dict[str, uuid.UUID]
) -> None:
    stranger = _observation(people, observer_ids=(uuid.uuid4(),))
    with pytest.raises(RuleBroken, match="not an active member of staff"):
        await _build(sessions, school, stranger)


async def test_a_pinned_lesson_in_no_period_of_the_timetable_is_refused(
    sessions: async_sessionmaker[AsyncSession], school: SchoolKit, people: dict[str, uuid.UUID]
) -> None:
    pinned = _observation(people, lesson=PeriodRef(MONDAY, "P9"))
    with pytest.raises(RuleBroken, match="no period 'P9'"):
        await _build(sessions, school, pinned)
