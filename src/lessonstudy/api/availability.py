"""Who is free when: free periods, a slot's availability and a person's timetable."""

from __future__ import annotations

import uuid
from datetime import date, time
from typing import Annotated, Literal

import msgspec
from litestar import Controller, get
from litestar.params import PathParameter, QueryParameter

from lessonstudy.api.deps import Caller, Session
from lessonstudy.api.problems import COMMON, problem_responses
from lessonstudy.api.schemas import from_domain
from lessonstudy.auth import staff_or_scope
from lessonstudy.domain import availability
from lessonstudy.domain.integration_clients import Scope
from lessonstudy.domain.staff import Role
from lessonstudy.integrations.dataset import PERIOD_CODE_PATTERN


class FreePeriodOut(msgspec.Struct, kw_only=True):
    day: date = msgspec.field(name="date")
    period: str
    starts_at: time
    ends_at: time
    protected: Literal["ppa", "ect"] | None
    """PPA or ECT time: free, but never used for cover; observing only if the teacher opts in."""


class FreePeriodList(msgspec.Struct, kw_only=True):
    staff_id: uuid.UUID
    items: list[FreePeriodOut]


class PersonOut(msgspec.Struct, kw_only=True):
    staff_id: uuid.UUID
    name: str
    roles: list[Role]
    protected: Literal["ppa", "ect"] | None


class CoverOptionOut(msgspec.Struct, kw_only=True):
    staff_id: uuid.UUID
    name: str
    teacher_cover: bool
    """A teacher covering: allowed only by policy, within the "rarely cover" cap, flagged."""
    covers_today: int
    covers_this_week: int
    covers_this_term: int


class ReleasableOut(msgspec.Struct, kw_only=True):
    """A teacher teaching then, who could be released if someone covers their class."""

    staff_id: uuid.UUID
    name: str
    class_code: str
    subject: str | None
    room: str | None
    cover: list[CoverOptionOut]
    """Who could cover, cover supervisors first and least loaded first."""


class SlotAvailabilityOut(msgspec.Struct, kw_only=True):
    day: date = msgspec.field(name="date")
    period: str
    week: int
    weekday: int
    starts_at: time
    ends_at: time
    free: list[PersonOut]
    releasable: list[ReleasableOut]


class TimetableEntryOut(msgspec.Struct, kw_only=True):
    day: date = msgspec.field(name="date")
    week: int
    period: str
    starts_at: time
    ends_at: time
    teaching_period: bool
    activity: Literal[
        "not_working",
        "absent",
        "committed",
        "lesson",
        "duty",
        "meeting",
        "protected",
        "free",
        "break",
    ]
    detail: str | None
    class_code: str | None
    subject: str | None
    room: str | None


class TimetableEntryList(msgspec.Struct, kw_only=True):
    staff_id: uuid.UUID
    items: list[TimetableEntryOut]


StaffId = Annotated[uuid.UUID, PathParameter(description="The member of staff's id.")]
From = Annotated[date, QueryParameter(name="from", description="First date (school-local).")]
To = Annotated[date, QueryParameter(name="to", description="Last date, inclusive.")]
read_guard = [staff_or_scope(Scope.TIMETABLE_READ)]


class AvailabilityController(Controller):
    path = "/v1"
    tags = ["Availability"]
    guards = read_guard

    @get(
        "/staff/{staff_id:uuid}/free-periods",
        operation_id="listFreePeriods",
        summary="A member of staff's free periods in a date range",
        responses=problem_responses(*COMMON, 404, 422),
    )
    async def free_periods(
        self, session: Session, principal: Caller, staff_id: StaffId, start: From, end: To
    ) -> FreePeriodList:
        rows = await availability.free_periods(session, principal.school_id, staff_id, start, end)
        return FreePeriodList(staff_id=staff_id, items=from_domain(rows, list[FreePeriodOut]))

    @get(
        "/staff/{staff_id:uuid}/timetable",
        operation_id="getStaffTimetable",
        summary="What a member of staff does in every period of a date range",
        responses=problem_responses(*COMMON, 404, 422),
    )
    async def timetable(
        self, session: Session, principal: Caller, staff_id: StaffId, start: From, end: To
    ) -> TimetableEntryList:
        rows = await availability.staff_timetable(
            session, principal.school_id, staff_id, start, end, own=principal.staff_id == staff_id
        )
        return TimetableEntryList(
            staff_id=staff_id, items=from_domain(rows, list[TimetableEntryOut])
        )

    @get(
        "/availability",
        operation_id="getSlotAvailability",
        summary="Who is free in one period, and who could be released with cover, by whom",
        responses=problem_responses(*COMMON, 422),
    )
    async def slot(
        self,
        session: Session,
        principal: Caller,
        day: Annotated[date, QueryParameter(name="date", description="The school date.")],
        period: Annotated[
            str,
            QueryParameter(
                description="The period code, e.g. P3.",
                min_length=1,
                max_length=20,
                pattern=PERIOD_CODE_PATTERN,
            ),
        ],
    ) -> SlotAvailabilityOut:
        found = await availability.slot_availability(session, principal.school_id, day, period)
        return from_domain(found, SlotAvailabilityOut)
