"""The demo school: a small, realistic school to try the API with at once.

Loading is idempotent (keyed by the demo's external ids), so ``serve --demo``
can run on every start. Each feature adds its own part of the demo here.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from lessonstudy.demo_lesson_study import load_lesson_study_demo
from lessonstudy.demo_timetable import demo_dataset
from lessonstudy.domain.integration_clients import IntegrationClient, Scope
from lessonstudy.domain.schools import School
from lessonstudy.domain.staff import FULL_TIME, Role, Staff, Weekday
from lessonstudy.domain.tokens import ApiToken, issue_token
from lessonstudy.integrations.dataset import StaffIn
from lessonstudy.integrations.importer import import_dataset

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


@dataclass(frozen=True)
class DemoTokens:
    school_id: uuid.UUID
    admin: str
    teacher: str
    integration: str


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
    return DemoTokens(
        school_id=DEMO_SCHOOL_ID,
        admin=admin.secret,
        teacher=teacher.secret,
        integration=integration.secret,
    )
