"""The scheduler's answers in the school's terms: staff ids, dates and period codes.

A `Proposal` is what a booking would write; an `Account` says why a request
has no place. Both are stored as JSON on a run's proposals, and both are what
the API returns, so they are converted here once.
"""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

import msgspec

from lessonstudy.domain.scheduling.problem import SchoolProblem
from lessonstudy.domain.scheduling.requests import PeriodRef
from lessonstudy.scheduler import Booking, Explanation, Obstacle, Suggestion, Teaching


class BlockerKind(enum.StrEnum):
    """The scheduler's obstacles by a stable code (`Obstacle` holds them in words)."""

    BEFORE_NOTICE = "before_notice"
    BUSY = "busy"
    PROTECTED_TIME = "protected_time"
    OBSERVATION_CAP = "observation_cap"
    CLASS_NEVER_COVERED = "class_never_covered"
    NO_COVER = "no_cover"
    NO_DISCUSSION_SLOT = "no_discussion_slot"
    BOOKED_IN_PLAN = "booked_in_plan"
    CYCLE_SPACING = "cycle_spacing"


assert {kind.name for kind in BlockerKind} == {o.name for o in Obstacle}


@dataclass(frozen=True, slots=True)
class ProposedCover:
    class_code: str
    released_staff_id: uuid.UUID
    cover_staff_id: uuid.UUID
    # A teacher covering: counted against the "rarely cover" cap and flagged.
    teacher_cover: bool


@dataclass(frozen=True, slots=True)
class Proposal:
    """A lesson to watch, who watches it, who covers for them and when they discuss it."""

    request_id: uuid.UUID
    day: date
    period: str
    teacher_id: uuid.UUID
    class_code: str
    observer_ids: tuple[uuid.UUID, ...]
    covers: tuple[ProposedCover, ...]
    discussion: PeriodRef | None

    @property
    def teacher_cover(self) -> int:
        return sum(cover.teacher_cover for cover in self.covers)


@dataclass(frozen=True, slots=True)
class Blocker:
    obstacle: BlockerKind
    staff_id: uuid.UUID | None
    slots: int
    details: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Account:
    """Why a request has no place: how many lessons it could use, and what blocks them."""

    request_id: uuid.UUID
    kind: str
    candidate_slots: int
    reason: str
    blockers: tuple[Blocker, ...]
    open_slots: tuple[PeriodRef, ...]


@dataclass(frozen=True, slots=True)
class Option:
    """One suggested slot for a request, with what it costs."""

    proposal: Proposal
    supervisor_cover: int
    teacher_cover: int
    cover_cost: int
    peak_load: int
    preferred: bool


def proposal_of(school: SchoolProblem, booking: Booking) -> Proposal:
    request = school.requests[booking.request_id]
    status = school.problem.status(school.keys[request.anchor_id], booking.slot)
    assert isinstance(status, Teaching), "a booking is always on the anchor teacher's lesson"
    return Proposal(
        request_id=request.id,
        day=booking.slot.date,
        period=school.periods[booking.slot],
        teacher_id=request.anchor_id,
        class_code=status.class_id,
        observer_ids=tuple(school.staff_id(o) for o in booking.observers),
        covers=tuple(
            ProposedCover(
                class_code=c.class_id,
                released_staff_id=school.staff_id(c.released),
                cover_staff_id=school.staff_id(c.cover),
                teacher_cover=c.by_teacher,
            )
            for c in booking.covers
        ),
        discussion=None if booking.discussion is None else school.period_ref(booking.discussion),
    )


def option_of(school: SchoolProblem, suggestion: Suggestion) -> Option:
    return Option(
        proposal=proposal_of(school, suggestion.booking),
        supervisor_cover=suggestion.supervisor_cover,
        teacher_cover=suggestion.teacher_cover,
        cover_cost=suggestion.cover_cost,
        peak_load=suggestion.peak_load,
        preferred=suggestion.preferred,
    )


def account_of(school: SchoolProblem, explanation: Explanation) -> Account:
    return Account(
        request_id=uuid.UUID(explanation.request_id),
        kind=explanation.kind.value,
        candidate_slots=explanation.candidate_slots,
        reason=explanation.reason,
        blockers=tuple(
            Blocker(
                obstacle=BlockerKind[b.obstacle.name],
                staff_id=None if b.person is None else school.staff_id(b.person),
                slots=b.slots,
                details=b.details,
            )
            for b in explanation.blockers
        ),
        open_slots=tuple(school.period_ref(slot) for slot in explanation.open_slots),
    )


def to_json(record: Proposal | Account) -> dict[str, Any]:
    data: dict[str, Any] = msgspec.to_builtins(record)
    return data


def proposal_from_json(data: dict[str, Any]) -> Proposal:
    return msgspec.convert(data, Proposal)


def account_from_json(data: dict[str, Any]) -> Account:
    return msgspec.convert(data, Account)
