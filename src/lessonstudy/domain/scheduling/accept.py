"""Accepting proposals: book what a run proposed, re-checked against the school as it is now.

Everything in one transaction: every accepted request's commitments, its cover
commitments and cover requests, and the proposals marked accepted. Each
proposal is booked through `bookings.book`, which re-checks every seat and
whose commitment rows the database keeps unique per person and period, so two
accepts racing for the same person leave one winner. When anything changed
since the solve, nothing is booked and the 409 lists every clash, by request;
that includes a cycle or observation booked some other way since the run.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from lessonstudy.domain.bookings import Seat, book, booked_for
from lessonstudy.domain.commitments import Commitment, CommitmentKind
from lessonstudy.domain.cover_requests import CoverRequest
from lessonstudy.domain.scheduling.access import check_may_see, organises
from lessonstudy.domain.scheduling.outcome import Proposal, proposal_from_json
from lessonstudy.domain.scheduling.preferences import opted_in
from lessonstudy.domain.scheduling.requests import (
    SCHEDULING_REQUEST,
    RequestFor,
    from_json,
    participants,
    purpose_of,
)
from lessonstudy.domain.scheduling.runs import (
    ProposalStatus,
    RunStatus,
    SchedulingProposal,
    SchedulingRun,
)
from lessonstudy.domain.tokens import Principal
from lessonstudy.errors import Conflict, Forbidden, NotFound


@dataclass
class Accepted:
    run_id: uuid.UUID
    request_ids: list[uuid.UUID] = field(default_factory=list)
    commitments: list[Commitment] = field(default_factory=list)
    cover_requests: list[CoverRequest] = field(default_factory=list)


def seats_for(proposal: Proposal, giving_protected_time: set[uuid.UUID]) -> list[Seat]:
    """The teacher teaches, each observer watches (released by their cover), all discuss."""
    cover_of = {c.released_staff_id: c.cover_staff_id for c in proposal.covers}
    seats = [
        Seat(
            proposal.teacher_id,
            proposal.day,
            proposal.period,
            CommitmentKind.TEACHING,
            class_code=proposal.class_code,
        )
    ]
    seats += [
        Seat(
            observer,
            proposal.day,
            proposal.period,
            CommitmentKind.OBSERVING,
            cover_by=cover_of.get(observer),
            use_protected=observer in giving_protected_time,
        )
        for observer in proposal.observer_ids
    ]
    if proposal.discussion is not None:
        talk = proposal.discussion
        seats += [
            Seat(person, talk.day, talk.period, CommitmentKind.DISCUSSING)
            for person in (proposal.teacher_id, *proposal.observer_ids)
        ]
    return seats


async def accept(
    session: AsyncSession,
    principal: Principal,
    run_id: uuid.UUID,
    request_id: uuid.UUID | None = None,
) -> Accepted:
    """Accept one request's proposal, or (without `request_id`) every open one of the run."""
    run = await session.get(SchedulingRun, run_id, with_for_update=True)
    if run is None:
        raise NotFound("no scheduling run with that id")
    check_may_see(principal, run)
    if run.status != RunStatus.SOLVED:
        raise Conflict(
            f"the run is {run.status}; proposals can be accepted once it is solved",
            unmet=["the run is solved"],
        )
    stmt = select(SchedulingProposal).where(SchedulingProposal.run_id == run_id)
    if request_id is not None:
        stmt = stmt.where(SchedulingProposal.request_id == request_id)
    rows = list((await session.scalars(stmt.order_by(SchedulingProposal.position))).all())
    if request_id is not None:
        if not rows:
            raise NotFound("the run has no request with that id")
        _check_open(rows[0])
    open_rows = [r for r in rows if r.status == ProposalStatus.PROPOSED]
    if not open_rows:
        raise Conflict(
            "nothing left to accept: every proposal of this run is accepted or unscheduled",
            unmet=["an open proposal"],
        )
    requests = {str(r.id): r for r in map(from_json, run.requests)}
    if not organises(principal):
        for row in open_rows:
            if principal.staff_id not in participants(requests[str(row.request_id)]):
                raise Forbidden(
                    "you may accept only proposals for requests you take part in; "
                    "ask a CPD lead to accept the whole run"
                )
    giving = await opted_in(session, principal.school_id)
    accepted = Accepted(run_id)
    clashes: list[dict[str, str]] = []
    for row in open_rows:
        assert row.proposal is not None
        proposal = proposal_from_json(row.proposal)
        purpose, purpose_id = purpose_of(requests[str(row.request_id)])
        already = await _booked_already(session, principal.school_id, purpose, purpose_id)
        if already is not None:
            clashes.append({**_clash(proposal, already), "request_id": str(row.request_id)})
            continue
        try:
            booked = await book(
                session,
                principal.school_id,
                purpose=purpose,
                purpose_id=purpose_id,
                seats=seats_for(proposal, giving),
            )
        except Conflict as refused:
            clashes += [
                {**clash, "request_id": str(row.request_id)}
                for clash in refused.extensions.get("clashes", [])
            ]
            continue
        row.status = ProposalStatus.ACCEPTED
        row.accepted_at = datetime.now(UTC)
        row.accepted_by = principal.staff_id
        accepted.request_ids.append(row.request_id)
        accepted.commitments += booked.commitments
        accepted.cover_requests += booked.cover_requests
    if clashes:
        raise Conflict(
            "the timetable changed since the run was solved, so nothing was booked: "
            + "; ".join(f"{c['date']} {c['period']}: {c['reason']}" for c in clashes[:5])
            + ". Ask for new suggestions or run the scheduler again.",
            clashes=clashes,
        )
    await session.flush()
    return accepted


async def _booked_already(
    session: AsyncSession, school_id: uuid.UUID, purpose: str, purpose_id: uuid.UUID
) -> str | None:
    """Why a record's proposal may not be booked: the record was booked meanwhile.

    A cycle or observation booked by hand (or by another run) after the run was
    created holds its own booking; booking it twice would leave two lessons.
    """
    if purpose == SCHEDULING_REQUEST or not await booked_for(session, school_id, purpose_id):
        return None
    what = "research lesson" if purpose == RequestFor.RESEARCH_LESSON else purpose
    return f"the {what} was booked since the run was created; cancel that booking first"


def _clash(proposal: Proposal, reason: str) -> dict[str, str]:
    return {
        "staff_id": str(proposal.teacher_id),
        "date": proposal.day.isoformat(),
        "period": proposal.period,
        "reason": reason,
    }


def _check_open(row: SchedulingProposal) -> None:
    if row.status == ProposalStatus.ACCEPTED:
        raise Conflict("this proposal has already been accepted", unmet=["not yet accepted"])
    if row.status == ProposalStatus.UNSCHEDULED:
        raise Conflict(
            "the run found no slot for this request, so there is nothing to accept; "
            "its explanation says why",
            unmet=["a proposal"],
        )
