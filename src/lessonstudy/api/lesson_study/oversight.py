"""Oversight of lesson study: fidelity figures, the audit log and the school's policy.

CPD leads and admins see progress and fidelity here, never a group's content.
"""

from __future__ import annotations

from litestar import Controller, get, put
from litestar.params import JSONBody

from lessonstudy.api.deps import Caller, Session
from lessonstudy.api.lesson_study.groups import GroupId
from lessonstudy.api.lesson_study.schemas import (
    AcademicYearQuery,
    AuditEntryOut,
    AuditPage,
    FidelityPage,
    GroupFidelityOut,
    LessonStudyPolicyIn,
    LessonStudyPolicyOut,
)
from lessonstudy.api.problems import COMMON, problem_responses
from lessonstudy.api.schemas import DEFAULT_LIMIT, Cursor, Limit, from_domain
from lessonstudy.auth import requires_role, staff_only
from lessonstudy.domain.lesson_study import audit, fidelity, policy
from lessonstudy.domain.staff import Role

overseers = [requires_role(Role.CPD_LEAD, Role.ADMIN)]


class OversightController(Controller):
    path = "/v1"
    tags = ["Lesson study oversight"]
    guards = [staff_only]

    @get(
        "/fidelity",
        operation_id="listFidelity",
        summary="Every study group with its fidelity figures (CPD leads and admins)",
        description=(
            "Per cycle: predictions made, observers submitted, interviews done, days from "
            "lesson to discussion, changes carried forward; per group: cycles done of planned."
        ),
        guards=overseers,
        responses=problem_responses(*COMMON, 422),
    )
    async def list_fidelity(
        self,
        session: Session,
        principal: Caller,
        academic_year: AcademicYearQuery = None,
        limit: Limit = DEFAULT_LIMIT,
        cursor: Cursor = None,
    ) -> FidelityPage:
        rows, next_cursor = await fidelity.school_fidelity(
            session, principal, academic_year=academic_year, limit=limit, cursor=cursor
        )
        return FidelityPage(
            items=from_domain(rows, list[GroupFidelityOut]), next_cursor=next_cursor
        )

    @get(
        "/study-groups/{group_id:uuid}/fidelity",
        operation_id="getGroupFidelity",
        summary="One group's fidelity figures",
        responses=problem_responses(*COMMON, 404),
    )
    async def group_fidelity(
        self, session: Session, principal: Caller, group_id: GroupId
    ) -> GroupFidelityOut:
        found = await fidelity.group_fidelity(session, principal, group_id)
        return from_domain(found, GroupFidelityOut)

    @get(
        "/study-groups/{group_id:uuid}/audit",
        operation_id="listGroupAudit",
        summary="Who moved the group's cycles on, overrode a rule or erased data: when and why",
        responses=problem_responses(*COMMON, 404, 422),
    )
    async def list_audit(
        self,
        session: Session,
        principal: Caller,
        group_id: GroupId,
        limit: Limit = DEFAULT_LIMIT,
        cursor: Cursor = None,
    ) -> AuditPage:
        rows, next_cursor = await audit.list_entries(
            session, principal, group_id, limit=limit, cursor=cursor
        )
        return AuditPage(items=from_domain(rows, list[AuditEntryOut]), next_cursor=next_cursor)

    @get(
        "/lesson-study/policy",
        operation_id="getLessonStudyPolicy",
        summary="The school's lesson-study policy",
        responses=problem_responses(*COMMON),
    )
    async def get_policy(self, session: Session, principal: Caller) -> LessonStudyPolicyOut:
        return from_domain(
            await policy.get_policy(session, principal.school_id), LessonStudyPolicyOut
        )

    @put(
        "/lesson-study/policy",
        operation_id="setLessonStudyPolicy",
        summary="Set the school's lesson-study policy (CPD leads and admins)",
        guards=overseers,
        responses=problem_responses(*COMMON),
    )
    async def set_policy(
        self, session: Session, principal: Caller, data: JSONBody[LessonStudyPolicyIn]
    ) -> LessonStudyPolicyOut:
        found = await policy.set_policy(
            session,
            principal.school_id,
            discussion_allowance_days=data.discussion_allowance_days,
        )
        return from_domain(found, LessonStudyPolicyOut)
