"""What a cycle records: the plan (versioned), observations, interviews and the discussion."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import msgspec
from litestar import Controller, Response, get, patch, post, put
from litestar.datastructures import ResponseHeader
from litestar.params import HeaderParameter, JSONBody, PathParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from lessonstudy.api.deps import Caller, Session
from lessonstudy.api.lesson_study.cycle_schemas import (
    DebriefEntryIn,
    DebriefEntryOut,
    DebriefOut,
    DebriefUpdate,
    InterviewIn,
    InterviewList,
    InterviewOut,
    PlanIn,
    PlanOut,
    PlanVersionOut,
    PlanVersionPage,
    SheetIn,
    SheetList,
    SheetOut,
    debrief_out,
    entry_out,
    plan_out,
)
from lessonstudy.api.lesson_study.cycles import CycleId
from lessonstudy.api.lesson_study.groups import PupilCodePath
from lessonstudy.api.problems import COMMON, problem_responses
from lessonstudy.api.schemas import DEFAULT_LIMIT, Cursor, Limit, from_domain
from lessonstudy.auth import staff_only
from lessonstudy.domain.lesson_study import debrief, observations, plans
from lessonstudy.domain.lesson_study.observations import NoteInput
from lessonstudy.domain.lesson_study.plans import PlanContent, PlanView
from lessonstudy.domain.lesson_study.protocol import Step

IfMatch = Annotated[
    str,
    HeaderParameter(
        name="If-Match",
        description="The `ETag` of the version your change is based on.",
        min_length=1,
        max_length=200,
    ),
]
ETAG_HEADER = [
    ResponseHeader(
        name="ETag",
        description="The version; send it as `If-Match` to save a change.",
        documentation_only=True,
    )
]
VersionNumber = Annotated[
    int, PathParameter(description="A saved version, from 1.", ge=1, le=1_000_000)
]


def _with_etag(plan: PlanView) -> Response[PlanOut]:
    return Response(plan_out(plan), headers={"ETag": plans.etag(plan.version)})


class CycleRecordController(Controller):
    path = "/v1/cycles/{cycle_id:uuid}"
    tags = ["Research lessons"]
    guards = [staff_only]

    @get(
        "/plan",
        operation_id="getPlan",
        summary="The research-lesson plan, with its version as ETag",
        response_headers=ETAG_HEADER,
        responses=problem_responses(*COMMON, 404),
    )
    async def get_plan(
        self, session: Session, principal: Caller, cycle_id: CycleId
    ) -> Response[PlanOut]:
        return _with_etag(await plans.get_plan(session, principal, cycle_id))

    @put(
        "/plan",
        operation_id="savePlan",
        summary="Save the plan (members, while planning); needs If-Match",
        description=(
            "Every save is a new version, kept in the history. A stale `If-Match` (someone "
            "saved in between) is 412: read the plan again and reapply your change."
        ),
        response_headers=ETAG_HEADER,
        responses=problem_responses(*COMMON, 404, 409, 412, 422),
    )
    async def save_plan(
        self,
        session: Session,
        principal: Caller,
        cycle_id: CycleId,
        if_match: IfMatch,
        data: JSONBody[PlanIn],
    ) -> Response[PlanOut]:
        content = msgspec.convert(msgspec.to_builtins(data), PlanContent)
        saved = await plans.save_plan(
            session, principal, cycle_id, if_match=if_match, content=content
        )
        return _with_etag(saved)

    @get(
        "/plan/versions",
        operation_id="listPlanVersions",
        summary="The plan's saved versions, newest first",
        responses=problem_responses(*COMMON, 404, 422),
    )
    async def list_versions(
        self,
        session: Session,
        principal: Caller,
        cycle_id: CycleId,
        limit: Limit = DEFAULT_LIMIT,
        cursor: Cursor = None,
    ) -> PlanVersionPage:
        rows, next_cursor = await plans.history(
            session, principal, cycle_id, limit=limit, cursor=cursor
        )
        return PlanVersionPage(
            items=from_domain(rows, list[PlanVersionOut]), next_cursor=next_cursor
        )

    @get(
        "/plan/versions/{version:int}",
        operation_id="getPlanVersion",
        summary="One saved version of the plan",
        responses=problem_responses(*COMMON, 404),
    )
    async def get_version(
        self, session: Session, principal: Caller, cycle_id: CycleId, version: VersionNumber
    ) -> PlanOut:
        return plan_out(await plans.get_plan(session, principal, cycle_id, version))

    @get(
        "/observations",
        operation_id="listObservations",
        summary="Every observer's notes on the case pupils",
        responses=problem_responses(*COMMON, 404),
    )
    async def list_observations(
        self, session: Session, principal: Caller, cycle_id: CycleId
    ) -> SheetList:
        found = await observations.list_sheets(session, principal, cycle_id)
        return SheetList(items=from_domain(found, list[SheetOut]))

    @put(
        "/observations/mine",
        operation_id="saveMyObservations",
        summary="Record your observations (observers, in the observe stage, until submitted)",
        description="What each case pupil did and said in each stage: evidence, not judgement.",
        responses=problem_responses(*COMMON, 404, 409, 422),
    )
    async def save_mine(
        self, session: Session, principal: Caller, cycle_id: CycleId, data: JSONBody[SheetIn]
    ) -> SheetOut:
        notes = [
            NoteInput(pupil=n.pupil, stage=n.stage, did=n.did, said=n.said) for n in data.notes
        ]
        saved = await observations.save_sheet(session, principal, cycle_id, notes)
        return from_domain(saved, SheetOut)

    @post(
        "/observations/mine/submit",
        operation_id="submitMyObservations",
        summary="Submit your observations; they are then fixed",
        status_code=HTTP_200_OK,
        responses=problem_responses(*COMMON, 404, 409),
    )
    async def submit_mine(self, session: Session, principal: Caller, cycle_id: CycleId) -> SheetOut:
        submitted = await observations.submit_sheet(
            session, principal, cycle_id, now=datetime.now(UTC)
        )
        return from_domain(submitted, SheetOut)

    @get(
        "/interviews",
        operation_id="listInterviews",
        summary="The pupil interviews",
        responses=problem_responses(*COMMON, 404),
    )
    async def list_interviews(
        self, session: Session, principal: Caller, cycle_id: CycleId
    ) -> InterviewList:
        found = await observations.list_interviews(session, principal, cycle_id)
        return InterviewList(items=from_domain(found, list[InterviewOut]))

    @put(
        "/interviews/{code:str}",
        operation_id="recordInterview",
        summary="Record the interview with a case pupil (notes only with consent)",
        responses=problem_responses(*COMMON, 404, 409, 422),
    )
    async def record_interview(
        self,
        session: Session,
        principal: Caller,
        cycle_id: CycleId,
        code: PupilCodePath,
        data: JSONBody[InterviewIn],
    ) -> InterviewOut:
        found = await observations.record_interview(
            session,
            principal,
            cycle_id,
            code,
            consent=data.consent,
            notes=data.notes,
            minutes=data.minutes,
        )
        return from_domain(found, InterviewOut)

    @get(
        "/debrief",
        operation_id="getDebrief",
        summary="The post-lesson discussion, in protocol order",
        responses=problem_responses(*COMMON, 404),
    )
    async def get_debrief(
        self, session: Session, principal: Caller, cycle_id: CycleId
    ) -> DebriefOut:
        return debrief_out(await debrief.get_debrief(session, principal, cycle_id))

    @patch(
        "/debrief",
        operation_id="updateDebrief",
        summary="Correct the date the discussion was held",
        responses=problem_responses(*COMMON, 404, 409, 422),
    )
    async def update_debrief(
        self, session: Session, principal: Caller, cycle_id: CycleId, data: JSONBody[DebriefUpdate]
    ) -> DebriefOut:
        found = await debrief.set_held_on(
            session, principal, cycle_id, data.held_on, now=datetime.now(UTC)
        )
        return debrief_out(found)

    @post(
        "/debrief/entries",
        operation_id="addDebriefEntry",
        summary="Add to the discussion, in protocol order",
        description=(
            "(1) evidence about each case pupil against the predictions, from the observers; "
            "(2) the teacher's reflection; (3) what the group learned; (4) what changes for "
            "the next research lesson; (5) the knowledgeable other's final comments. An entry "
            "out of order is 409 with `unmet`."
        ),
        status_code=HTTP_201_CREATED,
        responses=problem_responses(*COMMON, 404, 409, 422),
    )
    async def add_entry(
        self,
        session: Session,
        principal: Caller,
        cycle_id: CycleId,
        data: JSONBody[DebriefEntryIn],
    ) -> DebriefEntryOut:
        entry = await debrief.add_entry(
            session,
            principal,
            cycle_id,
            step=Step.from_slug(data.step),
            pupil=data.pupil,
            plan_stage=data.plan_stage,
            body=data.body,
            now=datetime.now(UTC),
        )
        return entry_out(entry)
