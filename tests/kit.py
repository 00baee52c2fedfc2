"""Builders for test schools: people with each role, and a token for each."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from lessonstudy.domain import integration_clients, schools, staff, tokens
from lessonstudy.domain.integration_clients import Scope
from lessonstudy.domain.staff import Role, StaffFields, Weekday

# The HTTP client the API tests use, typed once.
Client = AsyncTestClient[Litestar]


@dataclass
class SchoolKit:
    school_id: uuid.UUID
    staff_ids: dict[str, uuid.UUID] = field(default_factory=dict)
    client_ids: dict[str, uuid.UUID] = field(default_factory=dict)
    token_ids: dict[str, uuid.UUID] = field(default_factory=dict)
    secrets: dict[str, str] = field(default_factory=dict)

    def auth(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.secrets[who]}"}


PEOPLE: dict[str, tuple[str, list[Role], int | None]] = {
    "admin": ("Ada Admin", [Role.ADMIN], None),
    "teacher": ("Tess Teacher", [Role.TEACHER], None),
    "ect": ("Eli Early", [Role.TEACHER], 1),
    "cpd_lead": ("Cara Lead", [Role.CPD_LEAD, Role.TEACHER], None),
    "cover": ("Cole Cover", [Role.COVER_SUPERVISOR], None),
}
CLIENTS: dict[str, list[Scope]] = {
    "mis": [Scope.TIMETABLE_WRITE, Scope.COVER_READ, Scope.COVER_WRITE, Scope.STAFF_READ],
    "mis_no_staff": [Scope.COVER_READ],
}


async def make_school(sessions: async_sessionmaker[AsyncSession], name: str) -> SchoolKit:
    slug = name.split()[0].lower()
    async with sessions.begin() as session:
        school = await schools.create_school(session, name=name, time_zone="Europe/London")
        kit = SchoolKit(school_id=school.id)
        for key, (person, roles, ect_year) in PEOPLE.items():
            member = await staff.create_staff(
                session,
                school.id,
                StaffFields(
                    name=f"{person} ({name})",
                    email=f"{key}@{slug}.example",
                    roles=roles,
                    ect_year=ect_year,
                    working_days=[
                        Weekday.MONDAY,
                        Weekday.TUESDAY,
                        Weekday.WEDNESDAY,
                        Weekday.THURSDAY,
                        Weekday.FRIDAY,
                    ],
                ),
            )
            kit.staff_ids[key] = member.id
            issued = await tokens.issue_token(session, school.id, label="test", staff_id=member.id)
            kit.token_ids[key] = issued.token.id
            kit.secrets[key] = issued.secret
        for key, scopes in CLIENTS.items():
            client = await integration_clients.create_client(
                session, school.id, name=f"{key} sync", scopes=scopes
            )
            kit.client_ids[key] = client.id
            issued = await tokens.issue_token(
                session, school.id, label="test", integration_client_id=client.id
            )
            kit.token_ids[key] = issued.token.id
            kit.secrets[key] = issued.secret
    return kit
