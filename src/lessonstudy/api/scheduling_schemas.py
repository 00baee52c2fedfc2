"""Bodies of the scheduling API: requests in, suggestions, runs and proposals out."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

import msgspec

from lessonstudy.api.schemas import ShortName
from lessonstudy.domain.scheduling import outcome
from lessonstudy.domain.scheduling.policy import SchedulingRules
from lessonstudy.domain.scheduling.requests import (
    ObservationRequest,
    PeriodRef,
    Purpose,
    RequestFor,
    ResearchLessonRequest,
    SchedulingRequest,
)
from lessonstudy.domain.scheduling.runs import MAX_REQUESTS, RunDetail, SchedulingRun
from lessonstudy.domain.scheduling.suggestions import Suggestions
from lessonstudy.integrations.dataset import PeriodCode
from lessonstudy.scheduler import ExplanationKind, ObjectiveLevel, SolveStatus

Priority = Annotated[int, msgspec.Meta(ge=1, le=10, description="1 (lowest) to 10.")]
Members = Annotated[list[uuid.UUID], msgspec.Meta(min_length=1, max_length=6)]
Observers = Annotated[list[uuid.UUID], msgspec.Meta(min_length=1, max_length=10)]
Days = Annotated[int, msgspec.Meta(ge=0, le=1000)]


class SlotRef(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A school date and one of its periods."""

    day: date = msgspec.field(name="date")
    period: PeriodCode


class Window(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    first: date = msgspec.field(name="from")
    last: date = msgspec.field(name="to")
    """Inclusive."""


class ForRecord(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """What the booking is for; its commitments carry it as their purpose."""

    kind: RequestFor
    id: uuid.UUID


Preferred = Annotated[list[SlotRef], msgspec.Meta(max_length=50)]


class ResearchLessonIn(
    msgspec.Struct,
    kw_only=True,
    forbid_unknown_fields=True,
    tag="research_lesson",
    tag_field="kind",
):
    """`teacher_id` teaches `class_code`; every member and the knowledgeable other watch,
    then the group discusses it in a period after the lesson."""

    teacher_id: uuid.UUID
    class_code: ShortName
    member_ids: Members
    window: Window
    knowledgeable_other_id: uuid.UUID | None = None
    needs_discussion: bool = True
    priority: Priority = 1
    preferred_slots: Preferred = msgspec.field(default_factory=list)
    study_group_id: uuid.UUID | None = None
    """Research lessons of one group are kept the policy's days apart, in cycle order."""
    cycle: Annotated[int, msgspec.Meta(ge=1, le=50)] = 1
    for_record: ForRecord | None = msgspec.field(default=None, name="for")


class ObservationIn(
    msgspec.Struct, kw_only=True, forbid_unknown_fields=True, tag="observation", tag_field="kind"
):
    """`observed_id` asks one of `observer_ids` (one named, or candidates) to watch one
    of their lessons: the given one, any with `class_code`, or any in the window."""

    observed_id: uuid.UUID
    observer_ids: Observers
    window: Window
    lesson: SlotRef | None = None
    class_code: ShortName | None = None
    priority: Priority = 1
    preferred_slots: Preferred = msgspec.field(default_factory=list)
    for_record: ForRecord | None = msgspec.field(default=None, name="for")


RequestIn = ResearchLessonIn | ObservationIn


class SuggestionsIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    request: RequestIn
    limit: Annotated[int, msgspec.Meta(ge=1, le=20)] = 5


class RunIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    requests: Annotated[list[RequestIn], msgspec.Meta(min_length=1, max_length=MAX_REQUESTS)]


SuggestionLimit = Annotated[int, msgspec.Meta(ge=1, le=20)]


class CycleRunIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """The cycle names the people, the class and what it is for; the caller the rest."""

    window: Window | None = None
    """Default: from tomorrow for three weeks. Either way it starts no earlier than the
    policy's days after the group's previous research lesson."""
    needs_discussion: bool = True
    """Also book the post-lesson discussion for the group."""


class CycleSuggestionsIn(CycleRunIn, kw_only=True, forbid_unknown_fields=True):
    limit: SuggestionLimit = 5


class ObservationSuggestionsIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    limit: SuggestionLimit = 5


def _refs(slots: list[SlotRef]) -> tuple[PeriodRef, ...]:
    return tuple(PeriodRef(s.day, s.period) for s in slots)


def _purpose(record: ForRecord | None) -> Purpose | None:
    return None if record is None else Purpose(record.kind, record.id)


def to_request(body: RequestIn, request_id: uuid.UUID | None = None) -> SchedulingRequest:
    """The domain request a body asks for, under a new id unless one is given."""
    rid = request_id or uuid.uuid4()
    if isinstance(body, ResearchLessonIn):
        return ResearchLessonRequest(
            id=rid,
            teacher_id=body.teacher_id,
            class_code=body.class_code,
            member_ids=tuple(body.member_ids),
            first_day=body.window.first,
            last_day=body.window.last,
            knowledgeable_other_id=body.knowledgeable_other_id,
            needs_discussion=body.needs_discussion,
            priority=body.priority,
            preferred=_refs(body.preferred_slots),
            group_id=body.study_group_id,
            cycle=body.cycle,
            purpose=_purpose(body.for_record),
        )
    return ObservationRequest(
        id=rid,
        observed_id=body.observed_id,
        observer_ids=tuple(body.observer_ids),
        first_day=body.window.first,
        last_day=body.window.last,
        lesson=None if body.lesson is None else PeriodRef(body.lesson.day, body.lesson.period),
        class_code=body.class_code,
        priority=body.priority,
        preferred=_refs(body.preferred_slots),
        purpose=_purpose(body.for_record),
    )


def _slots(refs: tuple[PeriodRef, ...]) -> list[SlotRef]:
    return [SlotRef(day=r.day, period=r.period) for r in refs]


def _record(purpose: Purpose | None) -> ForRecord | None:
    return None if purpose is None else ForRecord(kind=purpose.kind, id=purpose.id)


def request_out(request: SchedulingRequest) -> RequestIn:
    """A stored request in the form it was asked in."""
    window = Window(first=request.first_day, last=request.last_day)
    if isinstance(request, ResearchLessonRequest):
        return ResearchLessonIn(
            teacher_id=request.teacher_id,
            class_code=request.class_code,
            member_ids=list(request.member_ids),
            window=window,
            knowledgeable_other_id=request.knowledgeable_other_id,
            needs_discussion=request.needs_discussion,
            priority=request.priority,
            preferred_slots=_slots(request.preferred),
            study_group_id=request.group_id,
            cycle=request.cycle,
            for_record=_record(request.purpose),
        )
    lesson = request.lesson
    return ObservationIn(
        observed_id=request.observed_id,
        observer_ids=list(request.observer_ids),
        window=window,
        lesson=None if lesson is None else SlotRef(day=lesson.day, period=lesson.period),
        class_code=request.class_code,
        priority=request.priority,
        preferred_slots=_slots(request.preferred),
        for_record=_record(request.purpose),
    )


# --- what comes back ---


class CoverOut(msgspec.Struct, kw_only=True):
    class_code: str
    released_staff_id: uuid.UUID
    """The observer who teaches then and is released."""
    cover_staff_id: uuid.UUID
    teacher_cover: bool
    """A teacher covering: allowed only by policy, within the "rarely cover" cap, flagged."""


class ProposalOut(msgspec.Struct, kw_only=True):
    day: date = msgspec.field(name="date")
    period: str
    teacher_id: uuid.UUID
    """Who teaches the lesson (the research lesson's teacher, or the observed teacher)."""
    class_code: str
    observer_ids: list[uuid.UUID]
    covers: list[CoverOut]
    teacher_cover_needed: bool
    discussion: SlotRef | None
    """The post-lesson discussion, for a research lesson that needs one."""


class BlockerOut(msgspec.Struct, kw_only=True):
    obstacle: outcome.BlockerKind
    staff_id: uuid.UUID | None
    """Whose timetable is in the way; null when the obstacle is the request's own."""
    slots: int
    """In how many of the candidate slots."""
    details: list[str]


class ExplanationOut(msgspec.Struct, kw_only=True):
    kind: ExplanationKind
    """no_lesson, no_feasible_slot, crowded_out (by the run's other proposals) or still_fits."""
    candidate_slots: int
    reason: str
    blockers: list[BlockerOut]
    open_slots: list[SlotRef]


class SuggestionOut(ProposalOut, kw_only=True):
    supervisor_cover: int
    teacher_cover: int
    cover_cost: int
    """Cover in supervisor covers; a teacher's cover counts as several."""
    peak_load: int
    """The busiest person's observing and cover this term, counting this booking."""
    preferred: bool


class SuggestionsOut(msgspec.Struct, kw_only=True):
    items: list[SuggestionOut]
    """Best first: least cover, then the fairest load, then preferred and earliest."""
    explanation: ExplanationOut | None
    """Why there is no slot, when `items` is empty."""


class LevelOut(msgspec.Struct, kw_only=True):
    level: ObjectiveLevel
    value: int
    bound: int | None
    proven: bool
    gap: float | None


class PlanTotalsOut(msgspec.Struct, kw_only=True):
    scheduled_priority: int
    requested_priority: int
    supervisor_cover: int
    teacher_cover: int
    max_load: int
    lateness: int


class RunItemOut(msgspec.Struct, kw_only=True):
    request_id: uuid.UUID
    request: RequestIn
    status: Literal["pending", "proposed", "unscheduled", "accepted"]
    proposal: ProposalOut | None
    explanation: ExplanationOut | None
    accepted_at: datetime | None
    accepted_by: uuid.UUID | None


class RunSummaryOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    status: Literal["queued", "solving", "solved", "failed"]
    created_by: uuid.UUID | None
    created_at: datetime
    finished_at: datetime | None
    request_count: int
    solver_status: SolveStatus | None


class RunOut(RunSummaryOut, kw_only=True):
    attempt: int
    claimed_at: datetime | None
    time_limit_seconds: float | None
    build_seconds: float | None
    solve_seconds: float | None
    gap: float | None
    """Relative gap on the most important level not proven optimal; 0 when optimal."""
    levels: list[LevelOut] | None
    totals: PlanTotalsOut | None
    """What the plan achieves on each objective level: the priority scheduled, cover used, load."""
    error: str | None
    items: list[RunItemOut]


class RunPage(msgspec.Struct, kw_only=True):
    items: list[RunSummaryOut]
    next_cursor: str | None


class CommitmentOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    staff_id: uuid.UUID
    day: date = msgspec.field(name="date")
    period: str
    kind: Literal["teaching", "observing", "covering", "discussing"]
    purpose: str
    purpose_id: uuid.UUID | None


class CoverRequestOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    day: date = msgspec.field(name="date")
    period: str
    class_code: str
    released_staff_id: uuid.UUID
    proposed_cover_staff_id: uuid.UUID | None
    teacher_cover: bool
    status: str


class AcceptedOut(msgspec.Struct, kw_only=True):
    run_id: uuid.UUID
    accepted_request_ids: list[uuid.UUID]
    commitments: list[CommitmentOut]
    cover_requests: list[CoverRequestOut]


class PolicyBody(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """The school's scheduling rules; cover caps stay in the timetable's cover policy."""

    notice_days: Annotated[int, msgspec.Meta(ge=0, le=90)] = 0
    """Calendar days between asking and the first date that may be booked."""
    max_observations_per_term: Annotated[int, msgspec.Meta(ge=0, le=1000)] | None = None
    max_observations_per_year: Annotated[int, msgspec.Meta(ge=0, le=1000)] | None = None
    discussion_within_days: Annotated[int, msgspec.Meta(ge=0, le=14)] = 0
    """0: the post-lesson discussion is the same day."""
    min_days_between_cycles: Annotated[int, msgspec.Meta(ge=0, le=120)] = 7
    classes_never_covered: Annotated[list[ShortName], msgspec.Meta(max_length=500)] = msgspec.field(
        default_factory=list
    )
    """Classes whose teacher is never released to observe, such as exam groups."""

    def rules(self) -> SchedulingRules:
        values = msgspec.structs.asdict(self)
        values["classes_never_covered"] = tuple(self.classes_never_covered)
        return SchedulingRules(**values)


def policy_out(rules: SchedulingRules) -> PolicyBody:
    return msgspec.convert(rules, PolicyBody, from_attributes=True)


class PreferencesBody(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    observe_in_protected_time: bool
    """Let the scheduler place you as an observer in your own PPA or ECT time (never cover)."""


def proposal_out(found: outcome.Proposal) -> ProposalOut:
    return ProposalOut(
        day=found.day,
        period=found.period,
        teacher_id=found.teacher_id,
        class_code=found.class_code,
        observer_ids=list(found.observer_ids),
        covers=[
            CoverOut(
                class_code=c.class_code,
                released_staff_id=c.released_staff_id,
                cover_staff_id=c.cover_staff_id,
                teacher_cover=c.teacher_cover,
            )
            for c in found.covers
        ],
        teacher_cover_needed=found.teacher_cover > 0,
        discussion=(
            None
            if found.discussion is None
            else SlotRef(day=found.discussion.day, period=found.discussion.period)
        ),
    )


def suggestion_out(option: outcome.Option) -> SuggestionOut:
    base = msgspec.structs.asdict(proposal_out(option.proposal))
    return SuggestionOut(
        **base,
        supervisor_cover=option.supervisor_cover,
        teacher_cover=option.teacher_cover,
        cover_cost=option.cover_cost,
        peak_load=option.peak_load,
        preferred=option.preferred,
    )


def suggestions_out(found: Suggestions) -> SuggestionsOut:
    return SuggestionsOut(
        items=[suggestion_out(option) for option in found.options],
        explanation=None if found.account is None else explanation_out(found.account),
    )


def explanation_out(account: outcome.Account) -> ExplanationOut:
    return ExplanationOut(
        kind=ExplanationKind(account.kind),
        candidate_slots=account.candidate_slots,
        reason=account.reason,
        blockers=[
            BlockerOut(
                obstacle=b.obstacle, staff_id=b.staff_id, slots=b.slots, details=list(b.details)
            )
            for b in account.blockers
        ],
        open_slots=_slots(account.open_slots),
    )


def summary_out(run: SchedulingRun) -> RunSummaryOut:
    return RunSummaryOut(
        id=run.id,
        status=run.status,  # type: ignore[arg-type]
        created_by=run.created_by,
        created_at=run.created_at,
        finished_at=run.finished_at,
        request_count=len(run.requests),
        solver_status=None if run.solver_status is None else SolveStatus(run.solver_status),
    )


def run_out(detail: RunDetail) -> RunOut:
    run = detail.run
    by_request = {p.request_id: p for p in detail.proposals}
    items = []
    for request in detail.requests:
        row = by_request.get(request.id)
        items.append(
            RunItemOut(
                request_id=request.id,
                request=request_out(request),
                status="pending" if row is None else row.status,  # type: ignore[arg-type]
                proposal=(
                    proposal_out(outcome.proposal_from_json(row.proposal))
                    if row is not None and row.proposal is not None
                    else None
                ),
                explanation=(
                    explanation_out(outcome.account_from_json(row.account))
                    if row is not None and row.account is not None
                    else None
                ),
                accepted_at=None if row is None else row.accepted_at,
                accepted_by=None if row is None else row.accepted_by,
            )
        )
    summary = msgspec.structs.asdict(summary_out(run))
    return RunOut(
        **summary,
        attempt=run.attempt,
        claimed_at=run.claimed_at,
        time_limit_seconds=run.time_limit_seconds,
        build_seconds=run.build_seconds,
        solve_seconds=run.solve_seconds,
        gap=run.gap,
        levels=None if run.levels is None else msgspec.convert(run.levels, list[LevelOut]),
        totals=None if run.scores is None else msgspec.convert(run.scores, PlanTotalsOut),
        error=run.error,
        items=items,
    )
