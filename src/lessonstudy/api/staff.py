"""Staff API: the people of the caller's school."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import msgspec
from litestar import Controller, get, patch, post
from litestar.params import JSONBody, PathParameter, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED
from msgspec import UNSET, UnsetType

from lessonstudy.api.deps import Caller, Session
from lessonstudy.api.problems import COMMON, problem_responses
from lessonstudy.api.schemas import DEFAULT_LIMIT, Cursor, Email, ExternalId, Limit, Name
from lessonstudy.auth import requires_role, staff_or_scope
from lessonstudy.domain import staff as staff_domain
from lessonstudy.domain.integration_clients import Scope
from lessonstudy.domain.staff import FULL_TIME, Role, Staff, StaffChanges, StaffFields, Weekday

Roles = Annotated[list[Role], msgspec.Meta(min_length=1, max_length=len(Role))]
WorkingDays = Annotated[list[Weekday], msgspec.Meta(min_length=1, max_length=7)]
EctYear = Annotated[int, msgspec.Meta(ge=1, le=2, description="Year of induction (1 or 2).")]


class StaffOut(msgspec.Struct, kw_only=True):
    """A member of staff."""

    id: uuid.UUID
    name: str
    email: str | None
    roles: list[Role]
    working_days: list[Weekday]
    ect_year: int | None
    active: bool
    external_id: str | None
    created_at: datetime
    updated_at: datetime


class StaffCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    name: Name
    roles: Roles
    working_days: WorkingDays = msgspec.field(default_factory=lambda: list(FULL_TIME))
    email: Email | None = None
    ect_year: EctYear | None = None
    external_id: ExternalId | None = None


class StaffUpdate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Only the fields sent change; send null to clear an optional field."""

    name: Name | UnsetType = UNSET
    roles: Roles | UnsetType = UNSET
    working_days: WorkingDays | UnsetType = UNSET
    email: Email | UnsetType | None = UNSET
    ect_year: EctYear | UnsetType | None = UNSET
    external_id: ExternalId | UnsetType | None = UNSET


class StaffPage(msgspec.Struct, kw_only=True):
    items: list[StaffOut]
    next_cursor: str | None
    """Pass as `cursor` for the next page; null on the last page."""


def staff_out(staff: Staff) -> StaffOut:
    return StaffOut(
        id=staff.id,
        name=staff.name,
        email=staff.email,
        roles=[Role(r) for r in staff.roles],
        working_days=[Weekday.from_iso(d) for d in staff.working_days],
        ect_year=staff.ect_year,
        active=staff.active,
        external_id=staff.external_id,
        created_at=staff.created_at,
        updated_at=staff.updated_at,
    )


StaffId = Annotated[uuid.UUID, PathParameter(description="The member of staff's id.")]
admin_only = [requires_role(Role.ADMIN)]


class StaffController(Controller):
    path = "/v1/staff"
    tags = ["Staff"]

    @get(
        operation_id="listStaff",
        summary="List staff",
        guards=[staff_or_scope(Scope.STAFF_READ)],
        responses=problem_responses(*COMMON, 422),
    )
    async def list_staff(
        self,
        session: Session,
        principal: Caller,
        role: Annotated[
            Role | None, QueryParameter(description="Only staff with this role.")
        ] = None,
        active: Annotated[
            bool | None, QueryParameter(description="Only active, or only deactivated.")
        ] = None,
        limit: Limit = DEFAULT_LIMIT,
        cursor: Cursor = None,
    ) -> StaffPage:
        """Staff in name order, a page at a time; filter by role and active flag."""
        rows, next_cursor = await staff_domain.list_staff(
            session, principal.school_id, role=role, active=active, limit=limit, cursor=cursor
        )
        return StaffPage(items=[staff_out(s) for s in rows], next_cursor=next_cursor)

    @post(
        operation_id="createStaff",
        summary="Add a member of staff",
        guards=admin_only,
        status_code=HTTP_201_CREATED,
        responses=problem_responses(*COMMON, 409, 422),
    )
    async def create_staff(
        self, session: Session, principal: Caller, data: JSONBody[StaffCreate]
    ) -> StaffOut:
        fields = StaffFields(
            name=data.name,
            roles=data.roles,
            working_days=data.working_days,
            email=data.email,
            ect_year=data.ect_year,
            external_id=data.external_id,
        )
        return staff_out(await staff_domain.create_staff(session, principal.school_id, fields))

    @get(
        "/{staff_id:uuid}",
        operation_id="getStaff",
        summary="Get a member of staff",
        guards=[staff_or_scope(Scope.STAFF_READ)],
        responses=problem_responses(*COMMON, 404),
    )
    async def get_staff(self, session: Session, principal: Caller, staff_id: StaffId) -> StaffOut:
        return staff_out(await staff_domain.get_staff(session, principal.school_id, staff_id))

    @patch(
        "/{staff_id:uuid}",
        operation_id="updateStaff",
        summary="Change a member of staff",
        guards=admin_only,
        responses=problem_responses(*COMMON, 404, 409, 422),
    )
    async def update_staff(
        self, session: Session, principal: Caller, staff_id: StaffId, data: JSONBody[StaffUpdate]
    ) -> StaffOut:
        changes = StaffChanges(
            name=data.name,
            roles=data.roles,
            working_days=data.working_days,
            email=data.email,
            ect_year=data.ect_year,
            external_id=data.external_id,
        )
        staff = await staff_domain.update_staff(
            session, principal.school_id, staff_id, changes, acting_staff_id=principal.staff_id
        )
        return staff_out(staff)

    @post(
        "/{staff_id:uuid}/deactivate",
        operation_id="deactivateStaff",
        summary="Deactivate a member of staff",
        description="Keeps the record for history; their tokens stop working at once.",
        guards=admin_only,
        status_code=HTTP_200_OK,
        responses=problem_responses(*COMMON, 404, 422),
    )
    async def deactivate_staff(
        self, session: Session, principal: Caller, staff_id: StaffId
    ) -> StaffOut:
        staff = await staff_domain.set_active(
            session, principal.school_id, staff_id, active=False, acting_staff_id=principal.staff_id
        )
        return staff_out(staff)

    @post(
        "/{staff_id:uuid}/reactivate",
        operation_id="reactivateStaff",
        summary="Reactivate a member of staff",
        guards=admin_only,
        status_code=HTTP_200_OK,
        responses=problem_responses(*COMMON, 404),
    )
    async def reactivate_staff(
        self, session: Session, principal: Caller, staff_id: StaffId
    ) -> StaffOut:
        staff = await staff_domain.set_active(session, principal.school_id, staff_id, active=True)
        return staff_out(staff)
