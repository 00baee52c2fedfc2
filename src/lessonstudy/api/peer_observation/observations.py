"""Peer observations: request, offer, accept, decline, cancel, delete, and booking.

Only the observation's two people see it; for anyone else, whatever their
role, it answers 404 as if it did not exist.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from litestar import Controller, delete, get, post
from litestar.params import JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from lessonstudy.api.deps import Caller, Session
from lessonstudy.api.peer_observation.common import ObservationId, me
from lessonstudy.api.peer_observation.schemas import (
    ObservationAcceptIn,
    ObservationBookingIn,
    ObservationBookingOut,
    ObservationClosingIn,
    ObservationCommitmentOut,
    ObservationCoverRequestOut,
    ObservationOfferIn,
    ObservationOut,
    ObservationPage,
    ObservationPersonOut,
    ObservationRequestIn,
)
from lessonstudy.api.problems import COMMON, problem_responses
from lessonstudy.api.scheduling_schemas import (
    ObservationSuggestionsIn,
    SuggestionsOut,
    suggestions_out,
)
from lessonstudy.api.schemas import DEFAULT_LIMIT, Cursor, Limit, from_domain
from lessonstudy.auth import staff_only
from lessonstudy.domain.commitments import CommitmentKind
from lessonstudy.domain.cover_requests import CoverStatus
from lessonstudy.domain.peer_observation import (
    booking,
    clock,
    deletion,
    lifecycle,
    records,
)
from lessonstudy.domain.peer_observation.access import ObservationSide
from lessonstudy.domain.peer_observation.models import ObservationOrigin
from lessonstudy.domain.peer_observation.records import ObservationStatus
from lessonstudy.domain.scheduling.records import observation_request
from lessonstudy.domain.scheduling.suggestions import suggest_slots


def observation_out(found: records.ObservationView) -> ObservationOut:
    o = found.observation
    return ObservationOut(
        id=o.id,
        origin=ObservationOrigin(o.origin),
        status=found.status,
        observed=from_domain(found.observed, ObservationPersonOut),
        observer=from_domain(found.observer, ObservationPersonOut),
        day=o.day,
        period=o.period_code,
        starts_at=o.starts_at,
        ends_at=o.ends_at,
        class_code=o.class_code,
        subject=o.subject,
        room=o.room,
        focus=o.focus,
        focus_tags=list(o.focus_tags),
        beyond_policy=o.beyond_policy,
        closing_reason=o.closing_reason,
        has_notes=found.has_notes,
        has_reflection=found.has_reflection,
        created_at=o.created_at,
        updated_at=o.updated_at,
    )


def booking_out(observation_id: uuid.UUID, found: booking.Booking) -> ObservationBookingOut:
    return ObservationBookingOut(
        observation_id=observation_id,
        booked=bool(found.commitments),
        commitments=[
            ObservationCommitmentOut(
                staff_id=c.staff_id, day=c.day, period=c.period_code, kind=CommitmentKind(c.kind)
            )
            for c in found.commitments
        ],
        cover_requests=[
            ObservationCoverRequestOut(
                id=r.id,
                day=r.day,
                period=r.period_code,
                class_code=r.class_code,
                released_staff_id=r.released_staff_id,
                proposed_cover_staff_id=r.proposed_cover_staff_id,
                cover_staff_id=r.cover_staff_id,
                teacher_cover=r.teacher_cover,
                status=CoverStatus(r.status),
            )
            for r in found.cover_requests
        ],
    )


class ObservationController(Controller):
    path = "/v1/observations"
    tags = ["Peer observation"]
    guards = [staff_only]

    @post(
        operation_id="requestObservation",
        summary="Ask to be observed in one of your lessons",
        status_code=HTTP_201_CREATED,
        responses=problem_responses(*COMMON, 422),
    )
    async def request(
        self, session: Session, principal: Caller, data: JSONBody[ObservationRequestIn]
    ) -> ObservationOut:
        """You choose the focus; name an observer or ask for one to be found (same department,
        or anyone). Beyond the school's caps or notice period it is refused with the reason,
        unless you set `beyond_policy`."""
        created = await lifecycle.request_observation(
            session,
            principal.school_id,
            me(principal),
            lifecycle.Request(
                day=data.day,
                period=data.period,
                class_code=data.class_code,
                focus=data.focus,
                focus_tags=data.focus_tags,
                observer_id=data.observer_id,
                find_observer=data.find_observer,
                beyond_policy=data.beyond_policy,
            ),
            now=clock.now(),
        )
        return observation_out(await records.view(session, created))

    @post(
        "/offers",
        operation_id="offerToObserve",
        summary="Ask a colleague if you may observe one of their lessons",
        status_code=HTTP_201_CREATED,
        responses=problem_responses(*COMMON, 422),
    )
    async def offer(
        self, session: Session, principal: Caller, data: JSONBody[ObservationOfferIn]
    ) -> ObservationOut:
        """It becomes an observation only when they accept."""
        created = await lifecycle.offer_observation(
            session,
            principal.school_id,
            me(principal),
            observed_id=data.observed_id,
            day=data.day,
            period=data.period,
            class_code=data.class_code,
            focus=data.focus,
            tags=data.focus_tags,
            now=clock.now(),
        )
        return observation_out(await records.view(session, created))

    @get(
        operation_id="listMyObservations",
        summary="Your observations, given and received",
        responses=problem_responses(*COMMON, 422),
    )
    async def list_mine(
        self,
        session: Session,
        principal: Caller,
        part: Annotated[
            ObservationSide | None,
            QueryParameter(
                name="as", description="Only those where you are the observed or the observer."
            ),
        ] = None,
        status: Annotated[
            ObservationStatus | None, QueryParameter(description="Only this status.")
        ] = None,
        limit: Limit = DEFAULT_LIMIT,
        cursor: Cursor = None,
    ) -> ObservationPage:
        """Latest lesson first."""
        rows, next_cursor = await records.list_observations(
            session,
            principal.school_id,
            me(principal),
            part=part,
            status=status,
            limit=limit,
            cursor=cursor,
        )
        return ObservationPage(items=[observation_out(r) for r in rows], next_cursor=next_cursor)

    @get(
        "/{observation_id:uuid}",
        operation_id="getObservation",
        summary="One of your observations",
        responses=problem_responses(*COMMON, 404),
    )
    async def get_one(
        self, session: Session, principal: Caller, observation_id: ObservationId
    ) -> ObservationOut:
        found = await records.get_observation(
            session, principal.school_id, observation_id, me(principal)
        )
        return observation_out(found)

    @post(
        "/{observation_id:uuid}/accept",
        operation_id="acceptObservationOffer",
        summary="Accept a colleague's offer to observe you, choosing the focus",
        status_code=HTTP_200_OK,
        responses=problem_responses(*COMMON, 404, 409, 422),
    )
    async def accept(
        self,
        session: Session,
        principal: Caller,
        observation_id: ObservationId,
        data: JSONBody[ObservationAcceptIn],
    ) -> ObservationOut:
        body = data
        accepted = await lifecycle.accept_offer(
            session,
            principal.school_id,
            observation_id,
            me(principal),
            focus=body.focus,
            tags=body.focus_tags,
            beyond_policy=body.beyond_policy,
            now=clock.now(),
        )
        return observation_out(await records.view(session, accepted))

    @post(
        "/{observation_id:uuid}/decline",
        operation_id="declineObservation",
        summary="Say no: the observed teacher to an offer, the observer to a request",
        status_code=HTTP_200_OK,
        responses=problem_responses(*COMMON, 404, 409),
    )
    async def decline(
        self,
        session: Session,
        principal: Caller,
        observation_id: ObservationId,
        data: JSONBody[ObservationClosingIn],
    ) -> ObservationOut:
        declined = await lifecycle.decline(
            session,
            principal.school_id,
            observation_id,
            me(principal),
            reason=data.reason,
        )
        return observation_out(await records.view(session, declined))

    @post(
        "/{observation_id:uuid}/cancel",
        operation_id="cancelObservation",
        summary="Call an observation off before the lesson (the observed teacher)",
        description="Releases any booking and cancels its cover requests. A colleague may "
        "withdraw an offer that is still awaiting an answer.",
        status_code=HTTP_200_OK,
        responses=problem_responses(*COMMON, 404, 409),
    )
    async def cancel(
        self,
        session: Session,
        principal: Caller,
        observation_id: ObservationId,
        data: JSONBody[ObservationClosingIn],
    ) -> ObservationOut:
        cancelled = await lifecycle.cancel(
            session,
            principal.school_id,
            observation_id,
            me(principal),
            reason=data.reason,
            now=clock.now(),
        )
        return observation_out(await records.view(session, cancelled))

    @delete(
        "/{observation_id:uuid}",
        operation_id="deleteObservation",
        summary="Delete an observation and everything written about it (the observed teacher)",
        description="Notes, reflection, shares and the read log are deleted for good; only an "
        "anonymous count remains. A booking still to come is cancelled.",
        responses=problem_responses(*COMMON, 404),
    )
    async def delete_one(
        self, session: Session, principal: Caller, observation_id: ObservationId
    ) -> None:
        await deletion.delete_observation(
            session, principal.school_id, observation_id, me(principal), now=clock.now()
        )

    @get(
        "/{observation_id:uuid}/booking",
        operation_id="getObservationBooking",
        summary="Who is booked when for the observation, and the cover it needs",
        responses=problem_responses(*COMMON, 404),
    )
    async def get_booking(
        self, session: Session, principal: Caller, observation_id: ObservationId
    ) -> ObservationBookingOut:
        found = await booking.booking_of(
            session, principal.school_id, observation_id, me(principal)
        )
        return booking_out(observation_id, found)

    @post(
        "/{observation_id:uuid}/booking",
        operation_id="bookObservation",
        summary="Book the observed lesson: the observer free, or released with cover",
        description="The same commitment rules as research lessons; a clash is 409 and lists "
        "every reason in `unmet`.",
        status_code=HTTP_201_CREATED,
        responses=problem_responses(*COMMON, 404, 409),
    )
    async def book(
        self,
        session: Session,
        principal: Caller,
        observation_id: ObservationId,
        data: JSONBody[ObservationBookingIn],
    ) -> ObservationBookingOut:
        body = data
        found = await booking.book_observation(
            session,
            principal.school_id,
            observation_id,
            me(principal),
            cover_by=body.cover_by,
            use_protected=body.use_protected,
            now=clock.now(),
        )
        return booking_out(observation_id, found)

    @post(
        "/{observation_id:uuid}/suggestions",
        operation_id="suggestObservationSlot",
        summary="How the agreed observation's lesson could be booked, with its cover",
        description=(
            "For either of its two people, while it is agreed and not booked: the observed "
            "lesson priced by the scheduler (who would cover the observer), or why it cannot "
            "be booked."
        ),
        status_code=HTTP_200_OK,
        responses=problem_responses(*COMMON, 404, 409, 422),
    )
    async def suggestions(
        self,
        session: Session,
        principal: Caller,
        observation_id: ObservationId,
        data: JSONBody[ObservationSuggestionsIn],
    ) -> SuggestionsOut:
        asked = await observation_request(
            session, principal.school_id, observation_id, me(principal), clock.now()
        )
        found = await suggest_slots(session, principal.school_id, asked, limit=data.limit)
        return suggestions_out(found)
