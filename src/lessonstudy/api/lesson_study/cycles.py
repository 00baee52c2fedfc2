"""Research-lesson cycles: starting one, reading it, moving it on, and booking its lesson."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

from litestar import Controller, Request, Response, delete, get, patch, post, put
from litestar.params import JSONBody, PathParameter
from litestar.status_codes import (
    HTTP_200_OK,
    HTTP_201_CREATED,
    HTTP_202_ACCEPTED,
    HTTP_204_NO_CONTENT,
)
from msgspec import UNSET

from lessonstudy.api.deps import Caller, Session
from lessonstudy.api.lesson_study.cycle_schemas import (
    BookingIn,
    BookingOut,
    CycleCreate,
    CycleOut,
    CycleUpdate,
    TransitionIn,
    booking_out,
    cycle_out,
)
from lessonstudy.api.lesson_study.groups import GroupId
from lessonstudy.api.problems import COMMON, problem_responses
from lessonstudy.api.scheduling import queue_run
from lessonstudy.api.scheduling_schemas import (
    CycleRunIn,
    CycleSuggestionsIn,
    RunOut,
    SuggestionsOut,
    Window,
    suggestions_out,
)
from lessonstudy.auth import staff_only
from lessonstudy.domain.lesson_study import booking, cycles, reading, transitions
from lessonstudy.domain.lesson_study.booking import BookingRequest, DiscussionRequest
from lessonstudy.domain.lesson_study.cycles import CycleSettings
from lessonstudy.domain.scheduling.records import CycleAsk, cycle_request
from lessonstudy.domain.scheduling.suggestions import suggest_slots

CycleId = Annotated[uuid.UUID, PathParameter(description="The research-lesson cycle's id.")]


def _ask(window: Window | None, needs_discussion: bool) -> CycleAsk:
    return CycleAsk(
        first_day=None if window is None else window.first,
        last_day=None if window is None else window.last,
        needs_discussion=needs_discussion,
    )


class StartCycleController(Controller):
    path = "/v1/study-groups"
    tags = ["Research lessons"]
    guards = [staff_only]

    @post(
        "/{group_id:uuid}/cycles",
        operation_id="startCycle",
        summary="Start the group's next research-lesson cycle",
        description=(
            "One cycle at a time, up to the number planned. A later cycle starts from a copy "
            "of the last plan, with the changes agreed at the last discussion to answer."
        ),
        status_code=HTTP_201_CREATED,
        responses=problem_responses(*COMMON, 404, 409, 422),
    )
    async def start_cycle(
        self, session: Session, principal: Caller, group_id: GroupId, data: JSONBody[CycleCreate]
    ) -> CycleOut:
        settings = CycleSettings(
            teacher_id=data.teacher_id if data.teacher_id is not None else UNSET,
            class_code=data.class_code if data.class_code is not None else UNSET,
            knowledgeable_other_attends=(
                data.knowledgeable_other_attends
                if data.knowledgeable_other_attends is not None
                else UNSET
            ),
        )
        return cycle_out(await cycles.start_cycle(session, principal, group_id, settings))


class CycleController(Controller):
    path = "/v1/cycles"
    tags = ["Research lessons"]
    guards = [staff_only]

    @get(
        "/{cycle_id:uuid}",
        operation_id="getCycle",
        summary="A cycle with its plan, booking, observations, interviews and discussion",
        description="For the group's members and its knowledgeable other only.",
        responses=problem_responses(*COMMON, 404),
    )
    async def get_cycle(self, session: Session, principal: Caller, cycle_id: CycleId) -> CycleOut:
        return cycle_out(await reading.read_cycle(session, principal, cycle_id))

    @patch(
        "/{cycle_id:uuid}",
        operation_id="updateCycle",
        summary="Choose the teaching member, the class, and whether the knowledgeable other comes",
        description="While the cycle is being planned.",
        responses=problem_responses(*COMMON, 404, 409, 422),
    )
    async def update_cycle(
        self, session: Session, principal: Caller, cycle_id: CycleId, data: JSONBody[CycleUpdate]
    ) -> CycleOut:
        settings = CycleSettings(
            teacher_id=data.teacher_id,
            class_code=data.class_code,
            knowledgeable_other_attends=data.knowledgeable_other_attends,
        )
        return cycle_out(await cycles.change_cycle(session, principal, cycle_id, settings))

    @post(
        "/{cycle_id:uuid}/transitions",
        operation_id="moveCycle",
        summary="Move the cycle to another stage",
        description=(
            "plan -> teach (the plan complete, the lesson booked with every observer), "
            "teach -> observe (the lesson over, or the teacher marks it taught), "
            "teach -> plan (postpone, with a reason: releases the booking), "
            "observe -> debrief (every observer submitted, or a reason to go ahead), "
            "debrief -> closed (the discussion complete). A refusal is 409 with `unmet`."
        ),
        status_code=HTTP_200_OK,
        responses=problem_responses(*COMMON, 404, 409),
    )
    async def move(
        self, session: Session, principal: Caller, cycle_id: CycleId, data: JSONBody[TransitionIn]
    ) -> CycleOut:
        moved = await transitions.move(
            session, principal, cycle_id, data.to, reason=data.reason, now=datetime.now(UTC)
        )
        return cycle_out(moved)

    @get(
        "/{cycle_id:uuid}/booking",
        operation_id="getCycleBooking",
        summary="The lesson's booking, and what it lacks",
        responses=problem_responses(*COMMON, 404),
    )
    async def get_booking(
        self, session: Session, principal: Caller, cycle_id: CycleId
    ) -> BookingOut:
        return booking_out(await booking.get_booking(session, principal, cycle_id))

    @put(
        "/{cycle_id:uuid}/booking",
        operation_id="bookCycleLesson",
        summary="Book the research lesson by hand (replacing any booking)",
        description=(
            "The teaching member with the cycle's class, and every observer; observers who "
            "teach then need someone to cover (`cover`). A clash books nothing: 409 naming "
            "every clash."
        ),
        responses=problem_responses(*COMMON, 404, 409, 422),
    )
    async def book(
        self, session: Session, principal: Caller, cycle_id: CycleId, data: JSONBody[BookingIn]
    ) -> BookingOut:
        discussion = None
        if data.discussion is not None:
            discussion = DiscussionRequest(
                day=data.discussion.day,
                period=data.discussion.period,
                cover={c.staff_id: c.cover_by for c in data.discussion.cover},
            )
        request = BookingRequest(
            day=data.day,
            period=data.period,
            cover={c.staff_id: c.cover_by for c in data.cover},
            use_protected=data.use_protected,
            discussion=discussion,
        )
        return booking_out(await booking.book(session, principal, cycle_id, request))

    @delete(
        "/{cycle_id:uuid}/booking",
        operation_id="cancelCycleBooking",
        summary="Cancel the lesson's booking (while planning)",
        status_code=HTTP_204_NO_CONTENT,
        responses=problem_responses(*COMMON, 404, 409),
    )
    async def cancel(self, session: Session, principal: Caller, cycle_id: CycleId) -> None:
        await booking.cancel(session, principal, cycle_id)

    @post(
        "/{cycle_id:uuid}/suggestions",
        operation_id="suggestCycleSlots",
        summary="Ranked slots for the cycle's research lesson, with their cover",
        description=(
            "For the group's members. The teacher, class and observers come from the cycle; "
            "the window defaults to three weeks from tomorrow and starts no earlier than the "
            "scheduling policy's days after the group's previous research lesson. Book one by "
            "hand (`PUT /v1/cycles/{id}/booking`) or ask for a run."
        ),
        status_code=HTTP_200_OK,
        responses=problem_responses(*COMMON, 404, 409, 422),
    )
    async def suggestions(
        self,
        session: Session,
        principal: Caller,
        cycle_id: CycleId,
        data: JSONBody[CycleSuggestionsIn],
    ) -> SuggestionsOut:
        asked = await cycle_request(
            session,
            principal,
            cycle_id,
            _ask(data.window, data.needs_discussion),
            datetime.now(UTC),
        )
        found = await suggest_slots(session, principal.school_id, asked, limit=data.limit)
        return suggestions_out(found)

    @post(
        "/{cycle_id:uuid}/scheduling-runs",
        operation_id="scheduleCycle",
        summary="Queue a scheduling run for the cycle's research lesson",
        description=(
            "For the group's members; the request is built as for suggestions. Answers 202 with "
            "the queued run: accept its proposal with "
            "`POST /v1/scheduling/runs/{run_id}/proposals/{request_id}/accept`, and the lesson "
            "is booked for the cycle, ready for plan -> teach."
        ),
        status_code=HTTP_202_ACCEPTED,
        responses=problem_responses(*COMMON, 404, 409, 422),
    )
    async def schedule(
        self,
        request: Request[Any, Any, Any],
        session: Session,
        principal: Caller,
        cycle_id: CycleId,
        data: JSONBody[CycleRunIn],
    ) -> Response[RunOut]:
        asked = await cycle_request(
            session,
            principal,
            cycle_id,
            _ask(data.window, data.needs_discussion),
            datetime.now(UTC),
        )
        return await queue_run(request, session, principal, [asked])
