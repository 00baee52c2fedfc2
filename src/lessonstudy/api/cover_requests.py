"""Cover requests for the timetable integration: list, read, follow the change feed, confirm
and decline."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.params import JSONBody, PathParameter, QueryParameter
from litestar.status_codes import HTTP_200_OK

from lessonstudy.api.deps import Caller, Session
from lessonstudy.api.idempotency import REPLAYED_HEADER, IdempotencyKey, once
from lessonstudy.api.problems import COMMON, problem_responses
from lessonstudy.api.schemas import DEFAULT_LIMIT, Cursor, Limit, Reason
from lessonstudy.auth import requires_scope, scope_or_role
from lessonstudy.domain import cover_changes, cover_requests
from lessonstudy.domain.cover_requests import CoverRequest, CoverStatus, cover_request_document
from lessonstudy.domain.integration_clients import Scope
from lessonstudy.domain.staff import Role


class CoverRequestOut(msgspec.Struct, kw_only=True):
    """A class, date and period that needs cover because its teacher is released."""

    id: uuid.UUID
    day: date = msgspec.field(name="date")
    period: str
    class_code: str
    subject: str | None
    room: str | None
    released_staff_id: uuid.UUID
    """The teacher released from this lesson."""
    proposed_cover_staff_id: uuid.UUID | None
    """Whom the scheduler proposed, if anyone."""
    cover_staff_id: uuid.UUID | None
    """Whom the MIS confirmed."""
    teacher_cover: bool
    """A teacher (not a cover supervisor) covers: counted against the "rarely cover" cap."""
    status: CoverStatus
    decline_reason: str | None
    purpose: str
    """Why the teacher is released, e.g. `research_lesson` or `observation`."""
    purpose_id: uuid.UUID
    """The research lesson's or observation's id."""
    version: int
    """Goes up by one with every change: apply a change only if its version is newer."""
    created_at: datetime
    updated_at: datetime


class CoverRequestPage(msgspec.Struct, kw_only=True):
    items: list[CoverRequestOut]
    next_cursor: str | None
    """Pass as `cursor` for the next page; null on the last page."""


class CoverChangeOut(msgspec.Struct, kw_only=True):
    change: Literal["created", "changed"]
    version: int
    recorded_at: datetime
    cover_request: CoverRequestOut
    """The request as it was right after this change."""


class CoverChangePage(msgspec.Struct, kw_only=True):
    items: list[CoverChangeOut]
    next_cursor: str
    """Where to continue: pass it as `cursor` next time, even when `items` is empty."""
    has_more: bool
    """True when more changes are ready now; read again at once."""


class CoverConfirm(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    cover_staff_id: uuid.UUID
    """Who covers: the proposed person, or anyone else free and allowed to cover then."""


class CoverDecline(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    reason: Reason


def _out(document: dict[str, Any]) -> CoverRequestOut:
    return msgspec.convert(document, CoverRequestOut)


def cover_request_out(request: CoverRequest) -> CoverRequestOut:
    return _out(cover_request_document(request))


RequestId = Annotated[uuid.UUID, PathParameter(description="The cover request's id.")]
read_guard = [scope_or_role(Scope.COVER_READ, Role.ADMIN, Role.CPD_LEAD)]
write_guard = [requires_scope(Scope.COVER_WRITE)]


class CoverRequestController(Controller):
    path = "/v1/cover-requests"
    tags = ["Cover requests"]

    @get(
        operation_id="listCoverRequests",
        summary="List cover requests",
        guards=read_guard,
        responses=problem_responses(*COMMON, 422),
    )
    async def list_cover_requests(
        self,
        session: Session,
        principal: Caller,
        status: Annotated[
            CoverStatus | None, QueryParameter(description="Only requests with this status.")
        ] = None,
        start: Annotated[
            date | None, QueryParameter(name="from", description="First date, inclusive.")
        ] = None,
        end: Annotated[
            date | None, QueryParameter(name="to", description="Last date, inclusive.")
        ] = None,
        released_staff_id: Annotated[
            uuid.UUID | None, QueryParameter(description="Only this teacher's released lessons.")
        ] = None,
        limit: Limit = DEFAULT_LIMIT,
        cursor: Cursor = None,
    ) -> CoverRequestPage:
        """By date and period. Integrations with `cover:read`, admins and CPD leads."""
        rows, next_cursor = await cover_requests.list_cover_requests(
            session,
            principal.school_id,
            status=status,
            start=start,
            end=end,
            released_staff_id=released_staff_id,
            limit=limit,
            cursor=cursor,
        )
        return CoverRequestPage(items=[cover_request_out(r) for r in rows], next_cursor=next_cursor)

    @get(
        "/changes",
        operation_id="listCoverRequestChanges",
        summary="Follow the change feed",
        guards=read_guard,
        responses=problem_responses(*COMMON, 422),
    )
    async def list_changes(
        self,
        session: Session,
        principal: Caller,
        limit: Limit = DEFAULT_LIMIT,
        cursor: Cursor = None,
    ) -> CoverChangePage:
        """Every creation and change of a cover request, oldest first, from `cursor` on.

        Start without a cursor, keep the `next_cursor` of every page, and pass it
        back next time: no change is missed or repeated, even when writers commit
        out of order. A change may arrive a moment after it commits, while an
        earlier transaction is still open.
        """
        page = await cover_changes.read(session, principal.school_id, cursor=cursor, limit=limit)
        return CoverChangePage(
            items=[
                CoverChangeOut(
                    change="created" if c.change == "created" else "changed",
                    version=c.version,
                    recorded_at=c.recorded_at,
                    cover_request=_out(c.document),
                )
                for c in page.changes
            ],
            next_cursor=page.cursor,
            has_more=page.has_more,
        )

    @get(
        "/{request_id:uuid}",
        operation_id="getCoverRequest",
        summary="Get a cover request",
        guards=read_guard,
        responses=problem_responses(*COMMON, 404),
    )
    async def get_cover_request(
        self, session: Session, principal: Caller, request_id: RequestId
    ) -> CoverRequestOut:
        found = await cover_requests.get_cover_request(session, principal.school_id, request_id)
        return cover_request_out(found)

    @post(
        "/{request_id:uuid}/confirm",
        operation_id="confirmCoverRequest",
        summary="Confirm cover",
        description=(
            "The MIS has arranged cover. Another person than the proposed one is checked to be "
            "free and allowed to cover (409 if not), and the cover duty moves to them. Send an "
            "`Idempotency-Key` so a retry changes nothing."
        ),
        guards=write_guard,
        status_code=HTTP_200_OK,
        response_headers=[REPLAYED_HEADER],
        responses=problem_responses(*COMMON, 404, 409, 422),
    )
    async def confirm(
        self,
        session: Session,
        principal: Caller,
        request: Request[Any, Any, Any],
        request_id: RequestId,
        data: JSONBody[CoverConfirm],
        idempotency_key: IdempotencyKey = None,
    ) -> Response[CoverRequestOut]:
        async def write() -> CoverRequestOut:
            confirmed = await cover_requests.confirm_cover(
                session, principal.school_id, request_id, data.cover_staff_id
            )
            return cover_request_out(confirmed)

        return await once(
            session, principal, request, idempotency_key, data, CoverRequestOut, write
        )

    @post(
        "/{request_id:uuid}/decline",
        operation_id="declineCoverRequest",
        summary="Decline cover",
        description=(
            "The MIS cannot arrange cover. The proposed cover duty is removed, the people booked "
            "are told, and the booking is at risk until it is re-planned. Send an "
            "`Idempotency-Key` so a retry changes nothing."
        ),
        guards=write_guard,
        status_code=HTTP_200_OK,
        response_headers=[REPLAYED_HEADER],
        responses=problem_responses(*COMMON, 404, 409, 422),
    )
    async def decline(
        self,
        session: Session,
        principal: Caller,
        request: Request[Any, Any, Any],
        request_id: RequestId,
        data: JSONBody[CoverDecline],
        idempotency_key: IdempotencyKey = None,
    ) -> Response[CoverRequestOut]:
        async def write() -> CoverRequestOut:
            declined = await cover_requests.decline_cover(
                session, principal.school_id, request_id, data.reason
            )
            return cover_request_out(declined)

        return await once(
            session, principal, request, idempotency_key, data, CoverRequestOut, write
        )
