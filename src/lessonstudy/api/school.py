"""The caller's own school."""

from __future__ import annotations

import uuid
from datetime import datetime

import msgspec
from litestar import Controller, get, patch
from litestar.params import JSONBody
from msgspec import UNSET, UnsetType

from lessonstudy.api.deps import Caller, Session
from lessonstudy.api.problems import COMMON, problem_responses
from lessonstudy.api.schemas import Name, TimeZoneName, from_domain
from lessonstudy.auth import requires_role
from lessonstudy.domain import schools
from lessonstudy.domain.schools import School
from lessonstudy.domain.staff import Role


class SchoolOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    name: str
    time_zone: str
    """IANA time zone; school dates and periods are local to it."""
    created_at: datetime
    updated_at: datetime


class SchoolUpdate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    name: Name | UnsetType = UNSET
    time_zone: TimeZoneName | UnsetType = UNSET


def school_out(school: School) -> SchoolOut:
    return from_domain(school, SchoolOut)


class SchoolController(Controller):
    path = "/v1/school"
    tags = ["School"]

    @get(
        operation_id="getSchool",
        summary="Get the caller's school",
        responses=problem_responses(*COMMON),
    )
    async def get_school(self, session: Session, principal: Caller) -> SchoolOut:
        return school_out(await schools.get_school(session, principal.school_id))

    @patch(
        operation_id="updateSchool",
        summary="Change the school's name or time zone",
        guards=[requires_role(Role.ADMIN)],
        responses=problem_responses(*COMMON, 422),
    )
    async def update_school(
        self, session: Session, principal: Caller, data: JSONBody[SchoolUpdate]
    ) -> SchoolOut:
        school = await schools.update_school(
            session,
            principal.school_id,
            name=None if isinstance(data.name, UnsetType) else data.name,
            time_zone=None if isinstance(data.time_zone, UnsetType) else data.time_zone,
        )
        return school_out(school)
