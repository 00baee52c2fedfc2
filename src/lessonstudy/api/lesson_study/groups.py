"""Study groups and their case pupils."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated

from litestar import Controller, delete, get, patch, post
from litestar.params import JSONBody, PathParameter, QueryParameter
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT
from msgspec import UnsetType

from lessonstudy.api.deps import Caller, Session
from lessonstudy.api.lesson_study.schemas import (
    AcademicYearQuery,
    CasePupilIn,
    CasePupilList,
    CasePupilOut,
    CasePupilUpdate,
    KnowledgeableOtherIn,
    StudyGroupCreate,
    StudyGroupOut,
    StudyGroupPage,
    StudyGroupUpdate,
)
from lessonstudy.api.problems import COMMON, problem_responses
from lessonstudy.api.schemas import DEFAULT_LIMIT, Cursor, Limit, from_domain
from lessonstudy.auth import staff_only
from lessonstudy.domain.lesson_study import groups, outlines, pupils
from lessonstudy.domain.lesson_study.groups import GroupChanges, GroupFields, KnowledgeableOther
from lessonstudy.domain.lesson_study.tables import PUPIL_CODE_PATTERN

GroupId = Annotated[uuid.UUID, PathParameter(description="The study group's id.")]
PupilCodePath = Annotated[
    str,
    PathParameter(
        description="The case pupil's code.", min_length=1, max_length=4, pattern=PUPIL_CODE_PATTERN
    ),
]


def _other(body: KnowledgeableOtherIn | None) -> KnowledgeableOther | None:
    if body is None:
        return None
    return KnowledgeableOther(staff_id=body.staff_id, name=body.name, email=body.email)


def group_out(summary: outlines.GroupSummary) -> StudyGroupOut:
    return from_domain(summary, StudyGroupOut)


class StudyGroupController(Controller):
    path = "/v1/study-groups"
    tags = ["Study groups"]
    guards = [staff_only]

    @get(
        operation_id="listStudyGroups",
        summary="List the study groups you may see",
        description=(
            "CPD leads and admins see every group; others see the groups they belong to "
            "(as a member or knowledgeable other) and groups whose write-up is published."
        ),
        responses=problem_responses(*COMMON, 422),
    )
    async def list_groups(
        self,
        session: Session,
        principal: Caller,
        academic_year: AcademicYearQuery = None,
        mine: Annotated[bool, QueryParameter(description="Only groups you belong to.")] = False,
        limit: Limit = DEFAULT_LIMIT,
        cursor: Cursor = None,
    ) -> StudyGroupPage:
        rows, next_cursor = await outlines.list_groups(
            session,
            principal,
            academic_year=academic_year,
            mine=mine,
            limit=limit,
            cursor=cursor,
        )
        return StudyGroupPage(items=[group_out(g) for g in rows], next_cursor=next_cursor)

    @post(
        operation_id="createStudyGroup",
        summary="Form a study group",
        description="A teacher may form a group they belong to; a CPD lead or admin, any group.",
        status_code=HTTP_201_CREATED,
        responses=problem_responses(*COMMON, 422),
    )
    async def create_group(
        self, session: Session, principal: Caller, data: JSONBody[StudyGroupCreate]
    ) -> StudyGroupOut:
        fields = GroupFields(
            research_focus=data.research_focus,
            focus_class=data.focus_class,
            academic_year=data.academic_year,
            member_ids=data.member_ids,
            planned_cycles=data.planned_cycles,
            knowledgeable_other=_other(data.knowledgeable_other),
            pupils=(
                [(p.code, p.profile) for p in data.case_pupils]
                if data.case_pupils is not None
                else None
            ),
            retention_date=data.retention_date,
        )
        created = await groups.create_group(session, principal, fields, now=datetime.now(UTC))
        return group_out(created)

    @get(
        "/{group_id:uuid}",
        operation_id="getStudyGroup",
        summary="A study group's outline and progress",
        responses=problem_responses(*COMMON, 404),
    )
    async def get_group(
        self, session: Session, principal: Caller, group_id: GroupId
    ) -> StudyGroupOut:
        return group_out(await outlines.get_group(session, principal, group_id))

    @patch(
        "/{group_id:uuid}",
        operation_id="updateStudyGroup",
        summary="Change a study group (members only)",
        description="Its people cannot change while a research lesson is under way (409).",
        responses=problem_responses(*COMMON, 404, 409, 422),
    )
    async def update_group(
        self,
        session: Session,
        principal: Caller,
        group_id: GroupId,
        data: JSONBody[StudyGroupUpdate],
    ) -> StudyGroupOut:
        other = data.knowledgeable_other
        changes = GroupChanges(
            research_focus=data.research_focus,
            focus_class=data.focus_class,
            academic_year=data.academic_year,
            member_ids=data.member_ids,
            planned_cycles=data.planned_cycles,
            knowledgeable_other=other if isinstance(other, UnsetType) else _other(other),
            retention_date=data.retention_date,
        )
        updated = await groups.update_group(
            session, principal, group_id, changes, now=datetime.now(UTC)
        )
        return group_out(updated)

    @get(
        "/{group_id:uuid}/pupils",
        operation_id="listCasePupils",
        summary="The group's case pupils (the group only)",
        responses=problem_responses(*COMMON, 404),
    )
    async def list_pupils(
        self, session: Session, principal: Caller, group_id: GroupId
    ) -> CasePupilList:
        found = await pupils.list_pupils(session, principal, group_id)
        return CasePupilList(items=from_domain(found, list[CasePupilOut]))

    @post(
        "/{group_id:uuid}/pupils",
        operation_id="addCasePupil",
        summary="Add a case pupil",
        status_code=HTTP_201_CREATED,
        responses=problem_responses(*COMMON, 404, 409, 422),
    )
    async def add_pupil(
        self, session: Session, principal: Caller, group_id: GroupId, data: JSONBody[CasePupilIn]
    ) -> CasePupilOut:
        added = await pupils.add_pupil(
            session, principal, group_id, code=data.code, profile=data.profile
        )
        return from_domain(added, CasePupilOut)

    @patch(
        "/{group_id:uuid}/pupils/{code:str}",
        operation_id="updateCasePupil",
        summary="Rewrite a case pupil's learner profile",
        responses=problem_responses(*COMMON, 404, 409),
    )
    async def update_pupil(
        self,
        session: Session,
        principal: Caller,
        group_id: GroupId,
        code: PupilCodePath,
        data: JSONBody[CasePupilUpdate],
    ) -> CasePupilOut:
        updated = await pupils.update_pupil(
            session, principal, group_id, code, profile=data.profile
        )
        return from_domain(updated, CasePupilOut)

    @delete(
        "/{group_id:uuid}/pupils/{code:str}",
        operation_id="removeCasePupil",
        summary="Remove a case pupil and everything recorded about them",
        status_code=HTTP_204_NO_CONTENT,
        responses=problem_responses(*COMMON, 404, 409),
    )
    async def remove_pupil(
        self, session: Session, principal: Caller, group_id: GroupId, code: PupilCodePath
    ) -> None:
        await pupils.remove_pupil(session, principal, group_id, code)
