"""Who the caller is: the first call a front-end or integration makes."""

from __future__ import annotations

import uuid
from typing import Literal

import msgspec
from litestar import get

from lessonstudy.api.deps import Caller, Session
from lessonstudy.api.integration_clients import IntegrationClientOut, client_out
from lessonstudy.api.problems import COMMON, problem_responses
from lessonstudy.api.school import SchoolOut, school_out
from lessonstudy.api.staff import StaffOut, staff_out
from lessonstudy.domain import integration_clients, schools, staff


class MeOut(msgspec.Struct, kw_only=True):
    kind: Literal["staff", "integration"]
    school: SchoolOut
    staff: StaffOut | None
    """Set when the token belongs to a member of staff."""
    integration_client: IntegrationClientOut | None
    """Set when the token belongs to an integration client."""
    token_id: uuid.UUID


@get(
    "/v1/me",
    operation_id="getMe",
    summary="Who am I",
    tags=["Me"],
    responses=problem_responses(*COMMON),
)
async def get_me(session: Session, principal: Caller) -> MeOut:
    school = await schools.get_school(session, principal.school_id)
    if principal.staff_id is not None:
        person = await staff.get_staff(session, principal.school_id, principal.staff_id)
        return MeOut(
            kind="staff",
            school=school_out(school),
            staff=staff_out(person),
            integration_client=None,
            token_id=principal.token_id,
        )
    assert principal.integration_client_id is not None
    client = await integration_clients.get_client(
        session, principal.school_id, principal.integration_client_id
    )
    return MeOut(
        kind="integration",
        school=school_out(school),
        staff=None,
        integration_client=client_out(client),
        token_id=principal.token_id,
    )
