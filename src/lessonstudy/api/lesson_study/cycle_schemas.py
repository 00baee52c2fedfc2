"""Bodies of the lesson-study API about one research-lesson cycle and what it records."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

import msgspec
from msgspec import UNSET, UnsetType

from lessonstudy.api.lesson_study.schemas import (
    ClassCode,
    NoteText,
    Paragraphs,
    PupilCode,
    Reason,
    StageNumber,
    text_limit,
)
from lessonstudy.api.schemas import Name, from_domain
from lessonstudy.domain.lesson_study.booking import BookingView
from lessonstudy.domain.lesson_study.debrief import DebriefView, EntryView
from lessonstudy.domain.lesson_study.plans import PlanView
from lessonstudy.domain.lesson_study.protocol import StepName
from lessonstudy.domain.lesson_study.reading import CycleView
from lessonstudy.domain.lesson_study.stages import Stage
from lessonstudy.integrations.dataset import PeriodCode

# Cycles and booking


class CycleCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    teacher_id: uuid.UUID | None = None
    """The member who will teach the research lesson (can be chosen later)."""
    class_code: ClassCode | None = None
    """Default: the group's focus class."""
    knowledgeable_other_attends: bool | None = None
    """Default: yes when the knowledgeable other is on the staff."""


class CycleUpdate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    teacher_id: uuid.UUID | UnsetType | None = UNSET
    class_code: ClassCode | UnsetType = UNSET
    knowledgeable_other_attends: bool | UnsetType = UNSET


class TransitionIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    to: Stage
    reason: Reason | None = None
    """Why: needed to postpone, and to hold the discussion before every observer submitted."""


class SlotOut(msgspec.Struct, kw_only=True):
    day: date = msgspec.field(name="date")
    period: str


class BookedPersonOut(msgspec.Struct, kw_only=True):
    staff_id: uuid.UUID
    kind: Literal["teaching", "observing", "covering", "discussing"]
    day: date = msgspec.field(name="date")
    period: str


class CoverRequestOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    day: date = msgspec.field(name="date")
    period_code: str = msgspec.field(name="period")
    class_code: str
    released_staff_id: uuid.UUID
    proposed_cover_staff_id: uuid.UUID | None
    cover_staff_id: uuid.UUID | None
    teacher_cover: bool
    status: Literal["requested", "confirmed", "declined", "cancelled"]
    decline_reason: str | None


class BookingOut(msgspec.Struct, kw_only=True):
    """The commitments made for the lesson, by hand or from the scheduler."""

    lesson: SlotOut | None
    discussion: SlotOut | None
    people: list[BookedPersonOut]
    cover_requests: list[CoverRequestOut]
    gaps: list[str]
    """What the booking lacks to hold the lesson; empty when it is ready."""
    lesson_ends_at: datetime | None


class CoverIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    staff_id: uuid.UUID
    """An observer who teaches then."""
    cover_by: uuid.UUID
    """Who covers their class (see `GET /v1/availability`)."""


class DiscussionIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    day: date = msgspec.field(name="date")
    period: PeriodCode
    cover: Annotated[list[CoverIn], msgspec.Meta(max_length=5)] = msgspec.field(
        default_factory=list
    )


class BookingIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    day: date = msgspec.field(name="date")
    period: PeriodCode
    cover: Annotated[list[CoverIn], msgspec.Meta(max_length=5)] = msgspec.field(
        default_factory=list
    )
    use_protected: Annotated[list[uuid.UUID], msgspec.Meta(max_length=1)] = msgspec.field(
        default_factory=list
    )
    """Your own id, to observe in your PPA or ECT time (only you can give it up)."""
    discussion: DiscussionIn | None = None
    """A period for the post-lesson discussion, booked for the whole group."""


# The plan


class PredictionBody(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    pupil: PupilCode
    prediction: Annotated[str, text_limit(1000)]
    """What the group expects this pupil to do and say in this stage."""


class PlanStageBody(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    title: Name
    minutes: Annotated[int, msgspec.Meta(ge=1, le=180)] | None = None
    activity: Annotated[str, text_limit(2000)] | None = None
    predictions: Annotated[list[PredictionBody], msgspec.Meta(max_length=6)] = msgspec.field(
        default_factory=list
    )


class CarriedChangeBody(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    change: Paragraphs
    """A change agreed at the last cycle's discussion."""
    response: Paragraphs | None = None
    """How this plan makes it."""


class PlanIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    learning_goal: Annotated[str, text_limit(1000)] | None = None
    stages: Annotated[list[PlanStageBody], msgspec.Meta(max_length=12)] = msgspec.field(
        default_factory=list
    )
    carried_changes: Annotated[list[CarriedChangeBody], msgspec.Meta(max_length=20)] = (
        msgspec.field(default_factory=list)
    )


class PlanOut(msgspec.Struct, kw_only=True):
    cycle_id: uuid.UUID
    version: int
    """Also the `ETag`; send it back as `If-Match` to save."""
    learning_goal: str | None
    stages: list[PlanStageBody]
    carried_changes: list[CarriedChangeBody]
    saved_by: uuid.UUID | None
    saved_at: datetime
    missing_predictions: list[str]


class PlanVersionOut(msgspec.Struct, kw_only=True):
    version: int
    saved_by: uuid.UUID | None
    saved_at: datetime


class PlanVersionPage(msgspec.Struct, kw_only=True):
    items: list[PlanVersionOut]
    next_cursor: str | None


# Observations and interviews


class NoteIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    pupil: PupilCode
    stage: StageNumber
    did: NoteText | None = None
    said: NoteText | None = None


class SheetIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    notes: Annotated[list[NoteIn], msgspec.Meta(max_length=72)]


class NoteOut(msgspec.Struct, kw_only=True):
    pupil: str
    stage: int
    did: str | None
    said: str | None


class SheetOut(msgspec.Struct, kw_only=True):
    observer_id: uuid.UUID
    observer_name: str
    submitted_at: datetime | None
    notes: list[NoteOut]


class SheetList(msgspec.Struct, kw_only=True):
    items: list[SheetOut]


class InterviewIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    consent: bool
    """The pupil agreed to talk and to notes being kept."""
    notes: Paragraphs | None = None
    minutes: Annotated[int, msgspec.Meta(ge=1, le=30)] | None = None


class InterviewOut(msgspec.Struct, kw_only=True):
    pupil: str
    interviewer_id: uuid.UUID | None
    consent: bool
    notes: str | None
    minutes: int | None
    recorded_at: datetime


class InterviewList(msgspec.Struct, kw_only=True):
    items: list[InterviewOut]


# The discussion


class DebriefEntryIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    step: StepName
    """In protocol order: evidence, reflection, learning, changes, final_comments."""
    pupil: PupilCode | None = None
    """For evidence: the case pupil it is about."""
    plan_stage: StageNumber | None = None
    body: Paragraphs


class DebriefEntryOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    step: StepName
    pupil: str | None
    plan_stage: int | None
    body: str
    author_id: uuid.UUID | None
    author_name: str
    created_at: datetime


class DebriefUpdate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    held_on: date


class DebriefOut(msgspec.Struct, kw_only=True):
    held_on: date | None
    days_after_lesson: int | None
    allowance_days: int
    late: bool
    """Held later after the lesson than the school's policy allows."""
    current_step: StepName | None
    still_needed: list[str]
    entries: list[DebriefEntryOut]


class CycleOut(msgspec.Struct, kw_only=True):
    """A research-lesson cycle with everything the group recorded in it."""

    id: uuid.UUID
    group_id: uuid.UUID
    number: int
    stage: Stage
    stage_changed_at: datetime
    moves: list[Stage]
    teacher_id: uuid.UUID | None
    class_code: str
    knowledgeable_other_attends: bool
    observer_ids: list[uuid.UUID]
    lesson_date: date | None
    lesson_period: str | None
    lesson_ends_at: datetime | None
    taught_at: datetime | None
    override_reason: str | None
    closed_at: datetime | None
    booking: BookingOut
    plan: PlanOut
    observations: list[SheetOut]
    interviews: list[InterviewOut]
    debrief: DebriefOut
    created_at: datetime
    updated_at: datetime


# Mapping domain views to bodies


def plan_out(plan: PlanView) -> PlanOut:
    return PlanOut(
        cycle_id=plan.cycle_id,
        version=plan.version,
        learning_goal=plan.content.learning_goal,
        stages=from_domain(plan.content.stages, list[PlanStageBody]),
        carried_changes=from_domain(plan.content.carried_changes, list[CarriedChangeBody]),
        saved_by=plan.saved_by,
        saved_at=plan.saved_at,
        missing_predictions=plan.missing_predictions,
    )


def entry_out(entry: EntryView) -> DebriefEntryOut:
    return DebriefEntryOut(
        id=entry.id,
        step=entry.step.slug,
        pupil=entry.pupil,
        plan_stage=entry.plan_stage,
        body=entry.body,
        author_id=entry.author_id,
        author_name=entry.author_name,
        created_at=entry.created_at,
    )


def debrief_out(found: DebriefView) -> DebriefOut:
    return DebriefOut(
        held_on=found.held_on,
        days_after_lesson=found.days_after_lesson,
        allowance_days=found.allowance_days,
        late=found.late,
        current_step=found.current_step.slug if found.current_step else None,
        still_needed=found.still_needed,
        entries=[entry_out(e) for e in found.entries],
    )


def booking_out(found: BookingView) -> BookingOut:
    return from_domain(found, BookingOut)


def cycle_out(found: CycleView) -> CycleOut:
    return CycleOut(
        id=found.id,
        group_id=found.group_id,
        number=found.number,
        stage=found.stage,
        stage_changed_at=found.stage_changed_at,
        moves=found.moves,
        teacher_id=found.teacher_id,
        class_code=found.class_code,
        knowledgeable_other_attends=found.knowledgeable_other_attends,
        observer_ids=found.observer_ids,
        lesson_date=found.lesson_date,
        lesson_period=found.lesson_period,
        lesson_ends_at=found.lesson_ends_at,
        taught_at=found.taught_at,
        override_reason=found.override_reason,
        closed_at=found.closed_at,
        booking=booking_out(found.booking),
        plan=plan_out(found.plan),
        observations=from_domain(found.observations, list[SheetOut]),
        interviews=from_domain(found.interviews, list[InterviewOut]),
        debrief=debrief_out(found.debrief),
        created_at=found.created_at,
        updated_at=found.updated_at,
    )
