"""The caller's in-app notifications: newest first, and marking them read."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import msgspec
from litestar import Controller, get, post
from litestar.params import PathParameter, QueryParameter
from litestar.status_codes import HTTP_200_OK

from lessonstudy.api.deps import Caller, Session
from lessonstudy.api.problems import COMMON, problem_responses
from lessonstudy.api.schemas import DEFAULT_LIMIT, Cursor, Limit, from_domain
from lessonstudy.auth import staff_only
from lessonstudy.domain import notifications
from lessonstudy.pagination import cursor_datetime, cursor_uuid, decode_cursor, encode_cursor


class NotificationOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    kind: str
    """What happened, e.g. `reminder`, `cover_declined`, `cover_assigned`."""
    subject: str
    body: str
    about: str | None
    """What it is about, e.g. `research_lesson`, `cover_request`, with `about_id`."""
    about_id: uuid.UUID | None
    created_at: datetime
    read_at: datetime | None


class NotificationPage(msgspec.Struct, kw_only=True):
    items: list[NotificationOut]
    next_cursor: str | None
    """Pass as `cursor` for the next page; null on the last page."""


class NotificationController(Controller):
    path = "/v1/me/notifications"
    tags = ["Notifications"]
    guards = [staff_only]

    @get(
        operation_id="listMyNotifications",
        summary="My notifications",
        responses=problem_responses(*COMMON, 422),
    )
    async def list_notifications(
        self,
        session: Session,
        principal: Caller,
        unread: Annotated[
            bool, QueryParameter(description="Only those not yet marked read.")
        ] = False,
        limit: Limit = DEFAULT_LIMIT,
        cursor: Cursor = None,
    ) -> NotificationPage:
        """Newest first."""
        assert principal.staff_id is not None
        after = None
        if cursor is not None:
            created_at, last_id = decode_cursor("notifications", cursor, 2)
            after = (cursor_datetime(created_at), cursor_uuid(last_id))
        rows = list(
            await notifications.list_notifications(
                session,
                principal.school_id,
                principal.staff_id,
                unread_only=unread,
                limit=limit + 1,
                after=after,
            )
        )
        next_cursor = None
        if len(rows) > limit:
            rows = rows[:limit]
            next_cursor = encode_cursor(
                "notifications", [rows[-1].created_at.isoformat(), str(rows[-1].id)]
            )
        return NotificationPage(
            items=from_domain(rows, list[NotificationOut]), next_cursor=next_cursor
        )

    @post(
        "/{notification_id:uuid}/read",
        operation_id="markMyNotificationRead",
        summary="Mark a notification read",
        status_code=HTTP_200_OK,
        responses=problem_responses(*COMMON, 404),
    )
    async def mark_read(
        self,
        session: Session,
        principal: Caller,
        notification_id: Annotated[uuid.UUID, PathParameter(description="The notification's id.")],
    ) -> NotificationOut:
        assert principal.staff_id is not None
        found = await notifications.mark_read(
            session, principal.school_id, principal.staff_id, notification_id
        )
        return from_domain(found, NotificationOut)
