"""Scheduling: quick suggestions for one request, runs over many, and accepting proposals."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Annotated, Any, TypeVar

import msgspec
from arq.connections import ArqRedis
from litestar import Controller, Request, Response, get, post, put
from litestar.background_tasks import BackgroundTask
from litestar.exceptions import ValidationException
from litestar.params import JSONBody, PathParameter
from litestar.status_codes import HTTP_200_OK, HTTP_202_ACCEPTED
from sqlalchemy.ext.asyncio import AsyncSession

from lessonstudy.api.deps import Caller, Session
from lessonstudy.api.problems import COMMON, problem_responses
from lessonstudy.api.scheduling_schemas import (
    AcceptedOut,
    CommitmentOut,
    CoverRequestOut,
    PolicyBody,
    PreferencesBody,
    RunIn,
    RunOut,
    RunPage,
    SuggestionsIn,
    SuggestionsOut,
    policy_out,
    run_out,
    suggestions_out,
    summary_out,
    to_request,
)
from lessonstudy.api.schemas import DEFAULT_LIMIT, Cursor, Limit
from lessonstudy.auth import requires_role, staff_only
from lessonstudy.domain.scheduling import access, policy, preferences, runs
from lessonstudy.domain.scheduling.accept import Accepted, accept
from lessonstudy.domain.scheduling.requests import SchedulingRequest
from lessonstudy.domain.scheduling.suggestions import suggest_slots
from lessonstudy.domain.staff import Role
from lessonstudy.domain.tokens import Principal
from lessonstudy.settings import Settings
from lessonstudy.worker import enqueue_solve

T = TypeVar("T")


async def strictly(request: Request[Any, Any, Any], kind: type[T]) -> T:
    """The body decoded again, with JSON Schema's types rather than Litestar's lenient ones.

    Litestar converts bodies leniently (the string "3" to 3, 0 to false), while
    the schema promises JSON types: a mistyped field in a scheduling request is
    more likely a client bug than an intention, so it is refused. A number with
    no fraction (3.0) is an integer in JSON Schema, so it stays acceptable.
    """
    try:
        raw = msgspec.json.decode(await request.body())
        return msgspec.convert(_integral(raw), kind, strict=True)
    except msgspec.ValidationError as exc:
        message, _, path = str(exc).partition(" - at `$.")
        raise ValidationException(
            f"the request is not valid: {message}",
            extra=[{"key": path.rstrip("`") or "data", "message": message, "source": "body"}],
        ) from None


def _integral(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        return [_integral(item) for item in value]
    if isinstance(value, dict):
        return {key: _integral(item) for key, item in value.items()}
    return value


RunId = Annotated[uuid.UUID, PathParameter(description="The scheduling run's id.")]
RequestId = Annotated[uuid.UUID, PathParameter(description="The request's id within the run.")]


def _accepted_out(accepted: Accepted) -> AcceptedOut:
    return AcceptedOut(
        run_id=accepted.run_id,
        accepted_request_ids=accepted.request_ids,
        commitments=[
            CommitmentOut(
                id=c.id,
                staff_id=c.staff_id,
                day=c.day,
                period=c.period_code,
                kind=c.kind,  # type: ignore[arg-type]
                purpose=c.purpose,
                purpose_id=c.purpose_id,
            )
            for c in accepted.commitments
        ],
        cover_requests=[
            CoverRequestOut(
                id=r.id,
                day=r.day,
                period=r.period_code,
                class_code=r.class_code,
                released_staff_id=r.released_staff_id,
                proposed_cover_staff_id=r.proposed_cover_staff_id,
                teacher_cover=r.teacher_cover,
                status=r.status,
            )
            for r in accepted.cover_requests
        ],
    )


async def _enqueue(request: Request[Any, Any, Any], run_id: uuid.UUID, attempt: int) -> None:
    """Runs after the response, so after the run's transaction has committed."""
    settings: Settings = request.app.state.settings
    redis = ArqRedis(connection_pool=request.app.state.redis.connection_pool)
    await enqueue_solve(redis, settings, run_id, attempt)


async def queue_run(
    request: Request[Any, Any, Any],
    session: AsyncSession,
    principal: Principal,
    requests: Sequence[SchedulingRequest],
) -> Response[RunOut]:
    """Store the run and answer 202; the solver job is enqueued once the response is sent."""
    run = await runs.create_run(
        session, principal.school_id, requests, created_by=principal.staff_id
    )
    detail = runs.RunDetail(run, tuple(requests), ())
    return Response(
        run_out(detail),
        status_code=HTTP_202_ACCEPTED,
        background=BackgroundTask(_enqueue, request, run.id, run.attempt),
    )


class SchedulingController(Controller):
    path = "/v1/scheduling"
    tags = ["Scheduling"]
    guards = [staff_only]

    @post(
        "/suggestions",
        operation_id="suggestSlots",
        summary="Ranked slots for one research lesson or observation, with their cover",
        status_code=HTTP_200_OK,
        responses=problem_responses(*COMMON, 422),
    )
    async def suggestions(
        self,
        request: Request[Any, Any, Any],
        session: Session,
        principal: Caller,
        data: JSONBody[SuggestionsIn],
    ) -> SuggestionsOut:
        """Answered at once from the timetable, best first; when there is no slot, the
        explanation says what blocks each candidate lesson and whose timetable it is."""
        data = await strictly(request, SuggestionsIn)
        asked = to_request(data.request)
        access.check_may_schedule(principal, [asked])
        found = await suggest_slots(session, principal.school_id, asked, limit=data.limit)
        return suggestions_out(found)

    @post(
        "/runs",
        operation_id="createSchedulingRun",
        summary="Queue a scheduling run over many requests",
        status_code=HTTP_202_ACCEPTED,
        responses=problem_responses(*COMMON, 422),
    )
    async def create_run(
        self,
        request: Request[Any, Any, Any],
        session: Session,
        principal: Caller,
        data: JSONBody[RunIn],
    ) -> Response[RunOut]:
        """Answers 202 with the queued run; the solver worker picks it up, and
        `GET /v1/scheduling/runs/{id}` shows its progress and, once solved, the proposals."""
        data = await strictly(request, RunIn)
        requests = [to_request(body) for body in data.requests]
        access.check_may_schedule(principal, requests)
        return await queue_run(request, session, principal, requests)

    @get(
        "/runs",
        operation_id="listSchedulingRuns",
        summary="Scheduling runs, newest first",
        responses=problem_responses(*COMMON, 422),
    )
    async def list_runs(
        self,
        session: Session,
        principal: Caller,
        limit: Limit = DEFAULT_LIMIT,
        cursor: Cursor = None,
    ) -> RunPage:
        """CPD leads and admins see every run; others the runs they created or take part in."""
        rows, next_cursor = await runs.list_runs(
            session,
            principal.school_id,
            visible_to=access.visible_to(principal),
            limit=limit,
            cursor=cursor,
        )
        return RunPage(items=[summary_out(r) for r in rows], next_cursor=next_cursor)

    @get(
        "/runs/{run_id:uuid}",
        operation_id="getSchedulingRun",
        summary="A scheduling run: status, timings, objective, proposals and explanations",
        responses=problem_responses(*COMMON, 404),
    )
    async def get_run(self, session: Session, principal: Caller, run_id: RunId) -> RunOut:
        detail = await runs.get_run(session, principal.school_id, run_id)
        access.check_may_see(principal, detail.run)
        return run_out(detail)

    @post(
        "/runs/{run_id:uuid}/accept",
        operation_id="acceptSchedulingRun",
        summary="Book every open proposal of a run, or none",
        status_code=HTTP_200_OK,
        responses=problem_responses(*COMMON, 404, 409),
    )
    async def accept_run(self, session: Session, principal: Caller, run_id: RunId) -> AcceptedOut:
        """One transaction: each proposal is checked against the timetable as it is now and
        booked with its cover requests; if anything changed, 409 lists every clash."""
        return _accepted_out(await accept(session, principal, run_id))

    @post(
        "/runs/{run_id:uuid}/proposals/{request_id:uuid}/accept",
        operation_id="acceptSchedulingProposal",
        summary="Book one request's proposal",
        status_code=HTTP_200_OK,
        responses=problem_responses(*COMMON, 404, 409),
    )
    async def accept_proposal(
        self, session: Session, principal: Caller, run_id: RunId, request_id: RequestId
    ) -> AcceptedOut:
        return _accepted_out(await accept(session, principal, run_id, request_id))

    @get(
        "/policy",
        operation_id="getSchedulingPolicy",
        summary="The school's scheduling rules",
        responses=problem_responses(*COMMON),
    )
    async def get_policy(self, session: Session, principal: Caller) -> PolicyBody:
        return policy_out(await policy.get_rules(session, principal.school_id))

    @put(
        "/policy",
        operation_id="updateSchedulingPolicy",
        summary="Set the school's scheduling rules",
        guards=[requires_role(Role.ADMIN, Role.CPD_LEAD)],
        responses=problem_responses(*COMMON),
    )
    async def update_policy(
        self,
        request: Request[Any, Any, Any],
        session: Session,
        principal: Caller,
        data: JSONBody[PolicyBody],
    ) -> PolicyBody:
        data = await strictly(request, PolicyBody)
        return policy_out(await policy.set_rules(session, principal.school_id, data.rules()))

    @get(
        "/preferences",
        operation_id="getMySchedulingPreferences",
        summary="Your own scheduling choices",
        responses=problem_responses(*COMMON),
    )
    async def get_preferences(self, session: Session, principal: Caller) -> PreferencesBody:
        assert principal.staff_id is not None
        value = await preferences.observes_in_protected_time(
            session, principal.school_id, principal.staff_id
        )
        return PreferencesBody(observe_in_protected_time=value)

    @put(
        "/preferences",
        operation_id="updateMySchedulingPreferences",
        summary="Set your own scheduling choices",
        responses=problem_responses(*COMMON),
    )
    async def update_preferences(
        self,
        request: Request[Any, Any, Any],
        session: Session,
        principal: Caller,
        data: JSONBody[PreferencesBody],
    ) -> PreferencesBody:
        data = await strictly(request, PreferencesBody)
        assert principal.staff_id is not None
        value = await preferences.set_observes_in_protected_time(
            session, principal.school_id, principal.staff_id, data.observe_in_protected_time
        )
        return PreferencesBody(observe_in_protected_time=value)
