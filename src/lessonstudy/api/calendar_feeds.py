"""Calendar feeds: a secret iCalendar URL per member of staff, and the feed it serves."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, delete, get, post
from litestar.params import PathParameter
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT

from lessonstudy.api.deps import Caller, Session
from lessonstudy.api.problems import COMMON, problem_responses
from lessonstudy.auth import staff_only
from lessonstudy.domain import calendar_feeds
from lessonstudy.errors import NotFound

ICS_MEDIA_TYPE = "text/calendar; charset=utf-8"


class CalendarFeedOut(msgspec.Struct, kw_only=True):
    created_at: datetime
    """When the current URL was issued; the URL itself is shown only then."""


class CalendarFeedIssued(msgspec.Struct, kw_only=True):
    url: str
    """Subscribe to this in a calendar app. Anyone with it can read the feed: keep it private."""
    webcal_url: str
    """The same feed as a `webcal://` link, which many calendar apps open directly."""
    created_at: datetime


class CalendarFeedController(Controller):
    path = "/v1/me/calendar-feed"
    tags = ["Calendar feeds"]
    guards = [staff_only]

    @get(
        operation_id="getMyCalendarFeed",
        summary="Whether I have a calendar feed",
        responses=problem_responses(*COMMON, 404),
    )
    async def get_feed(self, session: Session, principal: Caller) -> CalendarFeedOut:
        assert principal.staff_id is not None
        feed = await calendar_feeds.get_feed(session, principal.school_id, principal.staff_id)
        return CalendarFeedOut(created_at=feed.created_at)

    @post(
        operation_id="issueMyCalendarFeed",
        summary="Create my calendar feed, or replace its URL",
        description="Returns the secret URL once; any earlier URL stops working.",
        status_code=HTTP_201_CREATED,
        responses=problem_responses(*COMMON),
    )
    async def issue_feed(
        self, session: Session, principal: Caller, request: Request[Any, Any, Any]
    ) -> CalendarFeedIssued:
        assert principal.staff_id is not None
        secret = await calendar_feeds.issue_feed(session, principal.school_id, principal.staff_id)
        feed = await calendar_feeds.get_feed(session, principal.school_id, principal.staff_id)
        url = str(request.url_for("getCalendarFeed", feed=f"{secret}.ics"))
        return CalendarFeedIssued(
            url=url, webcal_url="webcal://" + url.split("://", 1)[1], created_at=feed.created_at
        )

    @delete(
        operation_id="revokeMyCalendarFeed",
        summary="Revoke my calendar feed",
        description="The URL stops working at once. Revoking when there is none is harmless.",
        status_code=HTTP_204_NO_CONTENT,
        responses=problem_responses(*COMMON),
    )
    async def revoke_feed(self, session: Session, principal: Caller) -> None:
        assert principal.staff_id is not None
        await calendar_feeds.revoke_feed(session, principal.school_id, principal.staff_id)


FeedName = Annotated[
    str,
    PathParameter(
        description="The secret from the feed's URL, followed by `.ics`.",
        max_length=210,
        pattern=r"^[A-Za-z0-9_-]{1,200}\.ics$",
    ),
]


@get(
    "/v1/calendar/{feed:str}",
    name="getCalendarFeed",
    operation_id="getCalendarFeed",
    summary="A calendar feed (iCalendar)",
    description=(
        "No bearer token: the secret in the URL is the credential. The person's research "
        "lessons, observations, discussions and cover duties from a month ago on, as RFC 5545 "
        "iCalendar; changed events carry a higher SEQUENCE, cancelled ones STATUS:CANCELLED."
    ),
    tags=["Calendar feeds"],
    security=[],
    media_type=ICS_MEDIA_TYPE,
    responses=problem_responses(400, 404),
)
async def get_calendar_feed(session: Session, feed: FeedName) -> Response[str]:
    if not feed.endswith(".ics"):
        raise NotFound("no calendar feed at this address")
    body = await calendar_feeds.render_feed(session, feed.removesuffix(".ics"))
    return Response(
        body, media_type=ICS_MEDIA_TYPE, headers={"Cache-Control": "private, max-age=300"}
    )
