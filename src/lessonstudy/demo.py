"""The demo school: a small, realistic school to try the API with at once.

Loading is idempotent (keyed by the demo's external ids), so ``serve --demo``
can run on every start. Each feature adds its own part of the demo here.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from lessonstudy.demo_lesson_study import load_lesson_study_demo
from lessonstudy.demo_observations import load_demo_observations
from lessonstudy.demo_timetable import TEACHING, demo_dataset
from lessonstudy.domain import bookings, calendar_feeds, cover_requests
from lessonstudy.domain.availability import slot_availability
from lessonstudy.domain.bookings import Seat
from lessonstudy.domain.calendar import SchoolDay
from lessonstudy.domain.commitments import CommitmentKind
from lessonstudy.domain.cover_requests import CoverRequest
from lessonstudy.domain.integration_clients import IntegrationClient, Scope
from lessonstudy.domain.scheduling.requests import (
    ObservationRequest,
    ResearchLessonRequest,
    SchedulingRequest,
)
from lessonstudy.domain.scheduling.runs import SchedulingRun, create_run
from lessonstudy.domain.scheduling.solving import solve_in_session
from lessonstudy.domain.schools import School
from lessonstudy.domain.staff import FULL_TIME, Role, Staff, Weekday
from lessonstudy.domain.tokens import ApiToken, issue_token
from lessonstudy.integrations.dataset import StaffIn
from lessonstudy.integrations.importer import import_dataset
from lessonstudy.scheduler import SolverOptions

DEMO_SCHOOL_ID = uuid.UUID("5c4f0d1e-0000-4000-8000-00000000de30")
DEMO_TOKEN_LABEL = "demo"  # noqa: S105 (a label, not a secret)

_T, _CS, _CPD, _ADMIN = Role.TEACHER, Role.COVER_SUPERVISOR, Role.CPD_LEAD, Role.ADMIN
_MON_TO_WED = (Weekday.MONDAY, Weekday.TUESDAY, Weekday.WEDNESDAY)

# (external id, name, email, roles, working days, ECT year)
DEMO_STAFF: tuple[tuple[str, str, str, tuple[Role, ...], tuple[Weekday, ...], int | None], ...] = (
    ("NA-001", "Priya Shah", "p.shah@northfield.example", (_ADMIN, _T), FULL_TIME, None),
    ("NA-002", "Tom Okafor", "t.okafor@northfield.example", (_CPD, _T), FULL_TIME, None),
    ("NA-003", "Hannah Lewis", "h.lewis@northfield.example", (_T,), FULL_TIME, None),
    ("NA-004", "Daniel Price", "d.price@northfield.example", (_T,), FULL_TIME, 1),
    ("NA-005", "Grace Kim", "g.kim@northfield.example", (_T,), _MON_TO_WED, None),
    ("NA-006", "Samir Haddad", "s.haddad@northfield.example", (_T,), FULL_TIME, None),
    ("NA-007", "Rosa Martinez", "r.martinez@northfield.example", (_T,), FULL_TIME, 2),
    ("NA-008", "Owen Hughes", "o.hughes@northfield.example", (_T,), FULL_TIME, None),
    ("NA-009", "Lucy Bennett", "l.bennett@northfield.example", (_T,), FULL_TIME, None),
    ("NA-010", "Jo Walsh", "j.walsh@northfield.example", (_CS,), FULL_TIME, None),
    ("NA-011", "Marcus Reid", "m.reid@northfield.example", (_CS,), FULL_TIME, None),
)
DEMO_ADMIN_EXTERNAL_ID = "NA-001"
DEMO_TEACHER_EXTERNAL_ID = "NA-003"
DEMO_CLIENT_NAME = "MIS timetable sync"
# Research lessons Hannah is released to observe, one for each state a cover request can be in.
DEMO_LESSONS = tuple(uuid.UUID(f"5c4f0d1e-0000-4000-8000-0000000c0{n}00") for n in range(1, 5))


async def _load_timetable(session: AsyncSession) -> None:
    """The demo's timetable for this academic year, through the real import.

    Importing the same dataset again is a no-op, so this is cheap on restarts.
    """
    staff = [
        StaffIn(
            external_id=external_id,
            name=name,
            email=email,
            roles=list(roles),
            working_days=list(days),
            ect_year=ect_year,
        )
        for external_id, name, email, roles, days, ect_year in DEMO_STAFF
    ]
    dataset = demo_dataset(staff, date.today())
    await import_dataset(session, DEMO_SCHOOL_ID, dataset, source="demo")


async def _release_slots(session: AsyncSession, teacher_id: uuid.UUID, wanted: int) -> None:
    """Book the demo teacher out of her own lessons to observe colleagues' research lessons.

    Looks for the first school days to come (or, out of term, this year's) where
    she teaches, a cover supervisor can take her class and a colleague teaches
    too; books it through the real booking code, then gives the requests their
    states: one left requested, one confirmed, one declined, one cancelled.
    """
    days = list(
        await session.scalars(
            text(
                "SELECT day FROM school_day WHERE school_id = :school AND day > :today "
                "ORDER BY day LIMIT 60"
            ),
            {"school": DEMO_SCHOOL_ID, "today": date.today()},
        )
    ) or list(
        await session.scalars(
            text("SELECT day FROM school_day WHERE school_id = :school ORDER BY day LIMIT 60"),
            {"school": DEMO_SCHOOL_ID},
        )
    )
    booked: list[CoverRequest] = []
    for day in days:
        if len(booked) == wanted:
            break
        for period in TEACHING:
            slot = await slot_availability(session, DEMO_SCHOOL_ID, day, period)
            mine = next((r for r in slot.releasable if r.staff_id == teacher_id), None)
            colleague = next((r for r in slot.releasable if r.staff_id != teacher_id), None)
            cover = next((o for o in (mine.cover if mine else ()) if not o.teacher_cover), None)
            if mine is None or colleague is None or cover is None:
                continue
            made = await bookings.book(
                session,
                DEMO_SCHOOL_ID,
                purpose="research_lesson",
                purpose_id=DEMO_LESSONS[len(booked)],
                seats=[
                    Seat(
                        colleague.staff_id,
                        day,
                        period,
                        CommitmentKind.TEACHING,
                        class_code=colleague.class_code,
                    ),
                    Seat(
                        teacher_id, day, period, CommitmentKind.OBSERVING, cover_by=cover.staff_id
                    ),
                ],
            )
            booked += made.cover_requests
            break  # one a day, so they spread out
    if len(booked) < wanted:
        return  # a timetable with little room: what was booked stays requested
    _, confirmed, declined, cancelled = booked  # the first stays requested
    assert confirmed.proposed_cover_staff_id is not None
    await cover_requests.confirm_cover(
        session, DEMO_SCHOOL_ID, confirmed.id, confirmed.proposed_cover_staff_id
    )
    await cover_requests.decline_cover(
        session, DEMO_SCHOOL_ID, declined.id, "No cover supervisor free: they are on a course"
    )
    await bookings.cancel(session, DEMO_SCHOOL_ID, purpose_id=cancelled.purpose_id)


async def _load_cover(session: AsyncSession, teacher_id: uuid.UUID) -> None:
    existing = await session.scalar(
        select(func.count())
        .select_from(CoverRequest)
        .where(CoverRequest.purpose_id.in_(DEMO_LESSONS))
    )
    if not existing:
        await _release_slots(session, teacher_id, len(DEMO_LESSONS))


DEMO_RUN_ID = uuid.UUID("5c4f0d1e-0000-4000-8000-0000005c4ed0")
# The maths triad: Hannah teaches the research lesson, Daniel (an ECT) and Lucy watch.
DEMO_TRIAD = ("NA-003", "NA-004", "NA-009")


async def _load_scheduling_run(session: AsyncSession, staff: dict[str | None, Staff]) -> None:
    """A solved scheduling run for the maths triad and a peer observation, once.

    Its windows are the next three weeks of school from the day the demo is first
    loaded; Tom Okafor, the CPD lead, asked for it. Accept it to see the bookings
    and the cover requests the MIS would receive.
    """
    if await session.get(SchedulingRun, DEMO_RUN_ID) is not None:
        return
    days = list(
        await session.scalars(
            select(SchoolDay.day)
            .where(SchoolDay.school_id == DEMO_SCHOOL_ID, SchoolDay.day > date.today())
            .order_by(SchoolDay.day)
            .limit(15)
        )
    )
    first, last = (days[0], days[-1]) if days else (date.today(), date.today())
    teacher, *members = (staff[key].id for key in DEMO_TRIAD)
    requests: list[SchedulingRequest] = [
        ResearchLessonRequest(
            id=uuid.UUID("5c4f0d1e-0000-4000-8000-0000005c4ed1"),
            teacher_id=teacher,
            class_code="9B/Ma",
            member_ids=tuple(members),
            first_day=first,
            last_day=last,
            priority=2,
        ),
        ObservationRequest(
            id=uuid.UUID("5c4f0d1e-0000-4000-8000-0000005c4ed2"),
            observed_id=staff["NA-006"].id,
            observer_ids=(staff["NA-007"].id, staff["NA-008"].id),
            first_day=first,
            last_day=last,
            class_code="9B/En",
        ),
    ]
    await create_run(
        session, DEMO_SCHOOL_ID, requests, created_by=staff["NA-002"].id, run_id=DEMO_RUN_ID
    )
    await solve_in_session(session, DEMO_RUN_ID, SolverOptions(time_limit_seconds=5.0))


@dataclass(frozen=True)
class DemoTokens:
    school_id: uuid.UUID
    admin: str
    teacher: str
    integration: str
    calendar_feed: str
    """The secret of the demo teacher's calendar feed: GET /v1/calendar/<it>.ics."""


async def load_demo(session: AsyncSession) -> DemoTokens:
    """Create or refresh the demo school and issue fresh demo tokens.

    Earlier demo tokens are revoked, since their secrets were only ever
    printed, never stored.
    """
    school = await session.get(School, DEMO_SCHOOL_ID)
    if school is None:
        school = School(id=DEMO_SCHOOL_ID, name="Northfield Academy", time_zone="Europe/London")
        session.add(school)
        await session.flush()

    existing = {
        s.external_id: s
        for s in (await session.scalars(select(Staff).where(Staff.school_id == DEMO_SCHOOL_ID)))
    }
    for external_id, name, email, roles, days, ect_year in DEMO_STAFF:
        if external_id not in existing:
            staff = Staff(
                school_id=DEMO_SCHOOL_ID,
                external_id=external_id,
                name=name,
                email=email,
                roles=[r.value for r in roles],
                working_days=sorted(d.iso for d in days),
                ect_year=ect_year,
            )
            session.add(staff)
            existing[external_id] = staff
    await session.flush()

    client = await session.scalar(
        select(IntegrationClient).where(
            IntegrationClient.school_id == DEMO_SCHOOL_ID,
            IntegrationClient.name == DEMO_CLIENT_NAME,
        )
    )
    if client is None:
        client = IntegrationClient(
            school_id=DEMO_SCHOOL_ID,
            name=DEMO_CLIENT_NAME,
            scopes=[s.value for s in Scope],
        )
        session.add(client)
        await session.flush()

    await _load_timetable(session)
    await _load_cover(session, existing[DEMO_TEACHER_EXTERNAL_ID].id)
    await _load_scheduling_run(session, existing)
    await load_demo_observations(session, DEMO_SCHOOL_ID, existing, datetime.now(UTC))
    await load_lesson_study_demo(session, DEMO_SCHOOL_ID, existing, date.today())

    await session.execute(
        update(ApiToken)
        .where(
            ApiToken.school_id == DEMO_SCHOOL_ID,
            ApiToken.label == DEMO_TOKEN_LABEL,
            ApiToken.revoked_at.is_(None),
        )
        .values(revoked_at=func.now())
    )
    admin = await issue_token(
        session,
        DEMO_SCHOOL_ID,
        label=DEMO_TOKEN_LABEL,
        staff_id=existing[DEMO_ADMIN_EXTERNAL_ID].id,
    )
    teacher = await issue_token(
        session,
        DEMO_SCHOOL_ID,
        label=DEMO_TOKEN_LABEL,
        staff_id=existing[DEMO_TEACHER_EXTERNAL_ID].id,
    )
    integration = await issue_token(
        session, DEMO_SCHOOL_ID, label=DEMO_TOKEN_LABEL, integration_client_id=client.id
    )
    # Like the tokens, the feed's secret was only ever printed: a new one each load.
    calendar_feed = await calendar_feeds.issue_feed(
        session, DEMO_SCHOOL_ID, existing[DEMO_TEACHER_EXTERNAL_ID].id
    )
    return DemoTokens(
        school_id=DEMO_SCHOOL_ID,
        admin=admin.secret,
        teacher=teacher.secret,
        integration=integration.secret,
        calendar_feed=calendar_feed,
    )
