"""The group's write-up: edited by its members, published to the school, exported."""

from __future__ import annotations

from datetime import UTC, datetime

from litestar import Controller, MediaType, Response, get, post, put
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import JSONBody
from litestar.status_codes import HTTP_200_OK

from lessonstudy.api.deps import Caller, Session
from lessonstudy.api.lesson_study.groups import GroupId
from lessonstudy.api.lesson_study.records import ETAG_HEADER, IfMatch
from lessonstudy.api.lesson_study.schemas import (
    PublishedWriteUpOut,
    PublishedWriteUpPage,
    WriteUpIn,
    WriteUpOut,
)
from lessonstudy.api.problems import COMMON, problem_responses
from lessonstudy.api.schemas import DEFAULT_LIMIT, Cursor, Limit, from_domain
from lessonstudy.auth import staff_only
from lessonstudy.domain.lesson_study import plans, rendering, write_ups
from lessonstudy.domain.lesson_study.write_ups import WriteUpFields, WriteUpView

MARKDOWN = "text/markdown; charset=utf-8"
HTML = "text/html; charset=utf-8"
# The page holds only escaped text and its own style: no script may run in it.
_PAGE_POLICY = "default-src 'none'; style-src 'unsafe-inline'"


def _with_etag(found: WriteUpView) -> Response[WriteUpOut]:
    return Response(from_domain(found, WriteUpOut), headers={"ETag": plans.etag(found.version)})


def _export(media_type: str, description: str) -> dict[int, ResponseSpec]:
    return {
        200: ResponseSpec(
            data_container=str,
            description=description,
            media_type=media_type,
            generate_examples=False,
        ),
        **problem_responses(*COMMON, 404),
    }


class WriteUpController(Controller):
    path = "/v1/study-groups/{group_id:uuid}"
    tags = ["Write-ups"]
    guards = [staff_only]

    @get(
        "/write-up",
        operation_id="getWriteUp",
        summary="The group's write-up",
        description="The group reads its draft; once published, every member of staff reads it.",
        response_headers=ETAG_HEADER,
        responses=problem_responses(*COMMON, 404),
    )
    async def get_write_up(
        self, session: Session, principal: Caller, group_id: GroupId
    ) -> Response[WriteUpOut]:
        return _with_etag(await write_ups.get_write_up(session, principal, group_id))

    @put(
        "/write-up",
        operation_id="saveWriteUp",
        summary='Save the write-up (members); needs If-Match (`"0"` before the first save)',
        response_headers=ETAG_HEADER,
        responses=problem_responses(*COMMON, 404, 412),
    )
    async def save_write_up(
        self,
        session: Session,
        principal: Caller,
        group_id: GroupId,
        if_match: IfMatch,
        data: JSONBody[WriteUpIn],
    ) -> Response[WriteUpOut]:
        fields = WriteUpFields(
            focus=data.focus,
            learned=data.learned,
            evidence=data.evidence,
            recommendations=data.recommendations,
        )
        saved = await write_ups.save_write_up(
            session, principal, group_id, if_match=if_match, fields=fields
        )
        return _with_etag(saved)

    @post(
        "/write-up/publish",
        operation_id="publishWriteUp",
        summary="Publish the write-up to the whole school",
        description="Needs a closed cycle and what was learned, the evidence and recommendations.",
        status_code=HTTP_200_OK,
        responses=problem_responses(*COMMON, 404, 409),
    )
    async def publish(self, session: Session, principal: Caller, group_id: GroupId) -> WriteUpOut:
        found = await write_ups.publish(session, principal, group_id, now=datetime.now(UTC))
        return from_domain(found, WriteUpOut)

    @post(
        "/write-up/unpublish",
        operation_id="unpublishWriteUp",
        summary="Withdraw the write-up from the school",
        status_code=HTTP_200_OK,
        responses=problem_responses(*COMMON, 404),
    )
    async def unpublish(self, session: Session, principal: Caller, group_id: GroupId) -> WriteUpOut:
        return from_domain(await write_ups.unpublish(session, principal, group_id), WriteUpOut)

    @get(
        "/write-up.md",
        operation_id="exportWriteUpMarkdown",
        summary="The write-up as Markdown",
        media_type=MARKDOWN,
        responses=_export(MARKDOWN, "The write-up as a Markdown document."),
    )
    async def markdown(self, session: Session, principal: Caller, group_id: GroupId) -> str:
        return rendering.markdown(await write_ups.document(session, principal, group_id))

    @get(
        "/write-up.html",
        operation_id="exportWriteUpHtml",
        summary="The write-up as a standalone HTML page",
        media_type=MediaType.HTML,
        responses=_export(HTML, "The write-up as a standalone HTML page."),
    )
    async def html(self, session: Session, principal: Caller, group_id: GroupId) -> Response[str]:
        page = rendering.html_page(await write_ups.document(session, principal, group_id))
        return Response(page, media_type=HTML, headers={"Content-Security-Policy": _PAGE_POLICY})


class PublishedWriteUpController(Controller):
    path = "/v1/write-ups"
    tags = ["Write-ups"]
    guards = [staff_only]

    @get(
        operation_id="listPublishedWriteUps",
        summary="The school's published write-ups, newest first",
        responses=problem_responses(*COMMON, 422),
    )
    async def list_published(
        self,
        session: Session,
        principal: Caller,
        limit: Limit = DEFAULT_LIMIT,
        cursor: Cursor = None,
    ) -> PublishedWriteUpPage:
        rows, next_cursor = await write_ups.list_published(
            session, principal, limit=limit, cursor=cursor
        )
        return PublishedWriteUpPage(
            items=from_domain(rows, list[PublishedWriteUpOut]), next_cursor=next_cursor
        )
