"""Sharing notes (the observed teacher only), revoking, the read log, and what is shared with me."""

from __future__ import annotations

import uuid
from typing import Annotated

from litestar import Controller, delete, get, post
from litestar.params import JSONBody, PathParameter
from litestar.status_codes import HTTP_201_CREATED

from lessonstudy.api.deps import Caller, Session
from lessonstudy.api.peer_observation.common import ObservationId, me
from lessonstudy.api.peer_observation.schemas import (
    ObservationPersonOut,
    ObservationReadOut,
    ObservationReadPage,
    ObservationShareIn,
    ObservationShareOut,
    ObservationSharePage,
    SharedWithMeOut,
    SharedWithMePage,
)
from lessonstudy.api.problems import COMMON, problem_responses
from lessonstudy.api.schemas import DEFAULT_LIMIT, Cursor, Limit, from_domain
from lessonstudy.auth import staff_only
from lessonstudy.domain.peer_observation import clock, shares
from lessonstudy.domain.peer_observation.access import SharedPart

ShareId = Annotated[uuid.UUID, PathParameter(description="The share's id.")]


def share_out(found: shares.ShareView) -> ObservationShareOut:
    s = found.share
    return ObservationShareOut(
        id=s.id,
        observation_id=s.observation_id,
        people=[from_domain(p, ObservationPersonOut) for p in found.people],
        group_name=s.group_name,
        purpose=s.purpose,
        until=s.until,
        include_reflection=s.include_reflection,
        active=found.active,
        created_at=s.created_at,
        revoked_at=s.revoked_at,
    )


def read_out(found: shares.ReadView) -> ObservationReadOut:
    return ObservationReadOut(
        id=found.read.id,
        reader=from_domain(found.reader, ObservationPersonOut),
        part=SharedPart(found.read.part),
        read_at=found.read.read_at,
        share_id=found.read.share_id,
    )


def shared_with_me_out(found: shares.SharedWithMe) -> SharedWithMeOut:
    o = found.observation
    return SharedWithMeOut(
        share_id=found.share.id,
        observation_id=o.id,
        observed=from_domain(found.observed, ObservationPersonOut),
        observer=from_domain(found.observer, ObservationPersonOut),
        day=o.day,
        period=o.period_code,
        class_code=o.class_code,
        focus=o.focus,
        purpose=found.share.purpose,
        until=found.share.until,
        include_reflection=found.share.include_reflection,
        shared_at=found.share.created_at,
    )


class ObservationShareController(Controller):
    path = "/v1/observations"
    tags = ["Peer observation"]
    guards = [staff_only]

    @post(
        "/{observation_id:uuid}/shares",
        operation_id="shareObservationNotes",
        summary="Share the notes with a named person or a group, for a purpose",
        description="Only the observed teacher can share. The purposes appraisal and "
        "performance management are refused. Every read through the share is logged.",
        status_code=HTTP_201_CREATED,
        responses=problem_responses(*COMMON, 404, 409, 422),
    )
    async def share(
        self,
        session: Session,
        principal: Caller,
        observation_id: ObservationId,
        data: JSONBody[ObservationShareIn],
    ) -> ObservationShareOut:
        found = await shares.share_notes(
            session,
            principal.school_id,
            observation_id,
            me(principal),
            people=data.people,
            group_name=data.group_name,
            purpose=data.purpose,
            until=data.until,
            include_reflection=data.include_reflection,
            now=clock.now(),
        )
        return share_out(found)

    @get(
        "/{observation_id:uuid}/shares",
        operation_id="listObservationShares",
        summary="Who the notes are shared with (revoked and expired shares included)",
        responses=problem_responses(*COMMON, 404, 422),
    )
    async def list_shares(
        self,
        session: Session,
        principal: Caller,
        observation_id: ObservationId,
        limit: Limit = DEFAULT_LIMIT,
        cursor: Cursor = None,
    ) -> ObservationSharePage:
        rows, next_cursor = await shares.list_shares(
            session,
            principal.school_id,
            observation_id,
            me(principal),
            now=clock.now(),
            limit=limit,
            cursor=cursor,
        )
        return ObservationSharePage(items=[share_out(r) for r in rows], next_cursor=next_cursor)

    @delete(
        "/{observation_id:uuid}/shares/{share_id:uuid}",
        operation_id="revokeObservationShare",
        summary="Revoke a share at once",
        responses=problem_responses(*COMMON, 404),
    )
    async def revoke(
        self,
        session: Session,
        principal: Caller,
        observation_id: ObservationId,
        share_id: ShareId,
    ) -> None:
        await shares.revoke_share(
            session, principal.school_id, observation_id, share_id, me(principal), now=clock.now()
        )

    @get(
        "/{observation_id:uuid}/reads",
        operation_id="listObservationReads",
        summary="Who read the shared notes, what and when (the observed teacher)",
        responses=problem_responses(*COMMON, 404, 422),
    )
    async def reads(
        self,
        session: Session,
        principal: Caller,
        observation_id: ObservationId,
        limit: Limit = DEFAULT_LIMIT,
        cursor: Cursor = None,
    ) -> ObservationReadPage:
        rows, next_cursor = await shares.list_reads(
            session,
            principal.school_id,
            observation_id,
            me(principal),
            limit=limit,
            cursor=cursor,
        )
        return ObservationReadPage(items=[read_out(r) for r in rows], next_cursor=next_cursor)

    @get(
        "/shared-with-me",
        operation_id="listObservationsSharedWithMe",
        summary="Observation notes colleagues have shared with you, today",
        responses=problem_responses(*COMMON, 422),
    )
    async def shared_with_me(
        self,
        session: Session,
        principal: Caller,
        limit: Limit = DEFAULT_LIMIT,
        cursor: Cursor = None,
    ) -> SharedWithMePage:
        rows, next_cursor = await shares.shared_with_me(
            session,
            principal.school_id,
            me(principal),
            now=clock.now(),
            limit=limit,
            cursor=cursor,
        )
        return SharedWithMePage(
            items=[shared_with_me_out(r) for r in rows], next_cursor=next_cursor
        )
