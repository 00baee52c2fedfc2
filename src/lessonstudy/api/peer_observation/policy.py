"""The school's observation policy, its focus tags, and participation counts.

Any member of staff may read the policy and the tags (a teacher should know
the caps and what the guard looks for); CPD leads and admins change them and
see the counts, which never include anything written about an observation.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from litestar import Controller, delete, get, patch, post
from litestar.params import JSONBody, PathParameter, QueryParameter
from litestar.status_codes import HTTP_201_CREATED
from msgspec import UnsetType

from lessonstudy.api.deps import Caller, Session
from lessonstudy.api.peer_observation.schemas import (
    FocusTagIn,
    FocusTagOut,
    FocusTagPage,
    ObservationCountsOut,
    ObservationPersonCountOut,
    ObservationPolicyOut,
    ObservationPolicyUpdate,
    ObservationTermOut,
)
from lessonstudy.api.problems import COMMON, problem_responses
from lessonstudy.api.schemas import DEFAULT_LIMIT, Cursor, Limit, from_domain
from lessonstudy.auth import requires_role, staff_only
from lessonstudy.domain.peer_observation import clock, counts, focus_tags, judgement, policy
from lessonstudy.domain.staff import Role

leads = [requires_role(Role.CPD_LEAD, Role.ADMIN)]


def policy_out(found: policy.Policy) -> ObservationPolicyOut:
    minutes = found.max_minutes_per_year
    return ObservationPolicyOut(
        max_observations_per_year=found.max_per_year,
        max_hours_per_year=minutes / 60 if minutes is not None else None,
        min_notice_days=found.min_notice_days,
        guard_mode=found.guard_mode,
        guard_patterns=list(found.guard_patterns) if found.guard_patterns is not None else None,
        default_guard_patterns=list(judgement.DEFAULT_PATTERNS),
    )


class ObservationPolicyController(Controller):
    path = "/v1/observation-policy"
    tags = ["Peer observation policy"]

    @get(
        operation_id="getObservationPolicy",
        summary="The school's observation caps, notice period and judgement guard",
        guards=[staff_only],
        responses=problem_responses(*COMMON),
    )
    async def get_policy(self, session: Session, principal: Caller) -> ObservationPolicyOut:
        return policy_out(await policy.get_policy(session, principal.school_id))

    @patch(
        operation_id="updateObservationPolicy",
        summary="Change the observation policy (CPD leads and admins)",
        guards=leads,
        responses=problem_responses(*COMMON, 422),
    )
    async def update_policy(
        self, session: Session, principal: Caller, data: JSONBody[ObservationPolicyUpdate]
    ) -> ObservationPolicyOut:
        hours = data.max_hours_per_year
        changes = policy.PolicyChanges(
            max_per_year=data.max_observations_per_year,
            max_minutes_per_year=(
                hours if isinstance(hours, UnsetType) or hours is None else round(hours * 60)
            ),
            min_notice_days=data.min_notice_days,
            guard_mode=data.guard_mode,
            guard_patterns=data.guard_patterns,
        )
        return policy_out(await policy.update_policy(session, principal.school_id, changes))


TagId = Annotated[uuid.UUID, PathParameter(description="The focus tag's id.")]


class FocusTagController(Controller):
    path = "/v1/focus-tags"
    tags = ["Peer observation policy"]

    @get(
        operation_id="listFocusTags",
        summary="The school's focus tags, by name",
        guards=[staff_only],
        responses=problem_responses(*COMMON, 422),
    )
    async def list_tags(
        self,
        session: Session,
        principal: Caller,
        limit: Limit = DEFAULT_LIMIT,
        cursor: Cursor = None,
    ) -> FocusTagPage:
        rows, next_cursor = await focus_tags.list_tags(
            session, principal.school_id, limit=limit, cursor=cursor
        )
        return FocusTagPage(
            items=[from_domain(r, FocusTagOut) for r in rows], next_cursor=next_cursor
        )

    @post(
        operation_id="createFocusTag",
        summary="Add a focus tag (CPD leads and admins)",
        guards=leads,
        status_code=HTTP_201_CREATED,
        responses=problem_responses(*COMMON, 409),
    )
    async def create_tag(
        self, session: Session, principal: Caller, data: JSONBody[FocusTagIn]
    ) -> FocusTagOut:
        tag = await focus_tags.create_tag(
            session, principal.school_id, name=data.name, description=data.description
        )
        return from_domain(tag, FocusTagOut)

    @delete(
        "/{tag_id:uuid}",
        operation_id="deleteFocusTag",
        summary="Remove a focus tag (observations keep the tags they were given)",
        guards=leads,
        responses=problem_responses(*COMMON, 404),
    )
    async def delete_tag(self, session: Session, principal: Caller, tag_id: TagId) -> None:
        await focus_tags.delete_tag(session, principal.school_id, tag_id)


class ObservationCountsController(Controller):
    path = "/v1/observation-counts"
    tags = ["Peer observation policy"]

    @get(
        operation_id="getObservationCounts",
        summary="Observations given and received per person in a term (CPD leads and admins)",
        description="Counts only: notes, focus and pairings are never part of this. "
        "Observations deleted by their teacher count only in the term's anonymous `deleted`.",
        guards=leads,
        responses=problem_responses(*COMMON, 422),
    )
    async def get_counts(
        self,
        session: Session,
        principal: Caller,
        day: Annotated[
            date | None,
            QueryParameter(
                name="date",
                description="Any date in the term (default today; in a holiday, the term before).",
            ),
        ] = None,
        limit: Limit = DEFAULT_LIMIT,
        cursor: Cursor = None,
    ) -> ObservationCountsOut:
        found = await counts.observation_counts(
            session, principal.school_id, day, now=clock.now(), limit=limit, cursor=cursor
        )
        return ObservationCountsOut(
            term=ObservationTermOut(
                name=found.term.name,
                starts_on=found.term.starts_on,
                ends_on=found.term.ends_on,
            ),
            deleted=found.deleted,
            items=[from_domain(p, ObservationPersonCountOut) for p in found.people],
            next_cursor=found.next_cursor,
        )
