"""Why a request was left out of a plan, worked out from the timetable rather than the solver.

Every lesson the request could use is judged twice: on its own against the
school's existing load, then against the plan's other bookings. The answer
says which of four things happened, with counts per obstacle per person:
- no such lesson exists in the window at all;
- lessons exist but none can work even on its own (the request needs a change:
  a wider window, cover, a different observer);
- some lessons work on their own but every one clashes with other bookings
  (a priority call: move or drop something else);
- a lesson still fits beside the plan (the solver stopped early; take a suggestion).
"""

from __future__ import annotations

import enum
from collections import defaultdict
from dataclasses import dataclass

from lessonstudy.scheduler.candidates import CoverPools, PersonObstacle, assess
from lessonstudy.scheduler.ledger import Ledger
from lessonstudy.scheduler.plan import Plan
from lessonstudy.scheduler.problem import (
    PeerObservation,
    Problem,
    Request,
    ResearchLesson,
    Slot,
    anchor_teacher,
)
from lessonstudy.scheduler.standing import Obstacle, lessons_in_window, observer_choices


class ExplanationKind(enum.StrEnum):
    NO_LESSON = "no_lesson"
    NO_FEASIBLE_SLOT = "no_feasible_slot"
    CROWDED_OUT = "crowded_out"
    STILL_FITS = "still_fits"


@dataclass(frozen=True)
class Blocker:
    """One obstacle of one person (or of the request itself), and in how many lessons."""

    obstacle: Obstacle
    person: str | None
    slots: int
    details: tuple[str, ...]


@dataclass(frozen=True)
class SlotVerdict:
    slot: Slot
    # Judged against other bookings rather than alone.
    against_plan: bool
    obstacles: tuple[PersonObstacle, ...]


@dataclass(frozen=True)
class Explanation:
    request_id: str
    kind: ExplanationKind
    # Lessons in the window, the notice period not yet applied.
    candidate_slots: int
    # Most frequent first. A lesson can be blocked by several people, so the
    # counts may add up to more than `candidate_slots`.
    blockers: tuple[Blocker, ...]
    verdicts: tuple[SlotVerdict, ...]
    # For STILL_FITS: lessons that could still be booked beside the plan.
    open_slots: tuple[Slot, ...]
    # The reason in words, and the same prefixed with the request's id for logs and lists.
    reason: str
    sentence: str


def explain(problem: Problem, plan: Plan) -> tuple[Explanation, ...]:
    """An explanation for every request the plan leaves unscheduled."""
    alone = Ledger(problem)
    alone_pools = CoverPools(problem, alone, None)
    beside = Ledger(problem)
    for booking in plan.bookings:
        beside.book(booking)
    beside_pools = CoverPools(problem, beside, None)
    return tuple(
        _explain(problem, problem.request(rid), alone, alone_pools, beside, beside_pools)
        for rid in plan.unscheduled
    )


def explain_request(problem: Problem, request_id: str, plan: Plan | None = None) -> Explanation:
    """Why `request_id` has no place, alone or beside the other bookings of `plan`."""
    alone = Ledger(problem)
    beside = Ledger(problem)
    if plan is not None:
        for booking in plan.bookings:
            if booking.request_id != request_id:
                beside.book(booking)
    return _explain(
        problem,
        problem.request(request_id),
        alone,
        CoverPools(problem, alone, None),
        beside,
        CoverPools(problem, beside, None),
    )


def _explain(
    problem: Problem,
    request: Request,
    alone: Ledger,
    alone_pools: CoverPools,
    beside: Ledger,
    beside_pools: CoverPools,
) -> Explanation:
    lessons = lessons_in_window(problem, request)
    verdicts: list[SlotVerdict] = []
    workable: list[Slot] = []
    for slot in lessons:
        obstacles = _obstacles(problem, request, slot, alone, alone_pools)
        if obstacles:
            verdicts.append(SlotVerdict(slot, against_plan=False, obstacles=obstacles))
        else:
            workable.append(slot)
    open_slots: list[Slot] = []
    for slot in workable:
        obstacles = _obstacles(problem, request, slot, beside, beside_pools)
        if obstacles:
            verdicts.append(SlotVerdict(slot, against_plan=True, obstacles=obstacles))
        else:
            open_slots.append(slot)
    if not lessons:
        kind = ExplanationKind.NO_LESSON
    elif not workable:
        kind = ExplanationKind.NO_FEASIBLE_SLOT
    elif not open_slots:
        kind = ExplanationKind.CROWDED_OUT
    else:
        kind = ExplanationKind.STILL_FITS
    verdicts.sort(key=lambda verdict: verdict.slot)
    blockers = _tally(verdicts)
    reason = _reason(request, kind, len(lessons), len(workable), blockers, open_slots)
    return Explanation(
        request_id=request.id,
        kind=kind,
        candidate_slots=len(lessons),
        blockers=blockers,
        verdicts=tuple(verdicts),
        open_slots=tuple(open_slots),
        reason=reason,
        sentence=f"{request.id}: {reason}",
    )


def _obstacles(
    problem: Problem, request: Request, slot: Slot, ledger: Ledger, pools: CoverPools
) -> tuple[PersonObstacle, ...]:
    """What blocks every observer line-up in `slot`; empty when one line-up works."""
    found: dict[tuple[str | None, Obstacle], PersonObstacle] = {}
    for observers in observer_choices(request):
        verdict = assess(problem, request, slot, observers, ledger, pools)
        if verdict.booking is not None:
            return ()
        for obstacle in verdict.obstacles:
            found.setdefault((obstacle.person, obstacle.obstacle), obstacle)
    return tuple(found.values())


def _tally(verdicts: list[SlotVerdict]) -> tuple[Blocker, ...]:
    slots: defaultdict[tuple[Obstacle, str | None], int] = defaultdict(int)
    details: defaultdict[tuple[Obstacle, str | None], set[str]] = defaultdict(set)
    for verdict in verdicts:
        for obstacle in verdict.obstacles:
            key = (obstacle.obstacle, obstacle.person)
            slots[key] += 1
            details[key].add(obstacle.detail)
    blockers = [
        Blocker(obstacle, person, count, tuple(sorted(details[obstacle, person])))
        for (obstacle, person), count in slots.items()
    ]
    blockers.sort(key=lambda b: (-b.slots, b.person or "", b.obstacle.value))
    return tuple(blockers)


def _lesson_words(request: Request) -> str:
    teacher = anchor_teacher(request)
    if isinstance(request, ResearchLesson):
        return f"{teacher} teaches {request.focus_class}"
    if isinstance(request, PeerObservation) and request.lesson_slot is not None:
        return f"{teacher} teaches the requested lesson"
    if request.class_id is not None:
        return f"{teacher} teaches {request.class_id}"
    return f"{teacher} teaches"


def _observer_words(request: Request) -> str:
    if isinstance(request, ResearchLesson):
        return " and ".join(request.observers) + " can attend"
    return " or ".join(request.observers) + " can observe"


def _blocker_words(blocker: Blocker) -> str:
    who = f"{blocker.person} " if blocker.person else ""
    what = blocker.obstacle.value
    if blocker.obstacle is Obstacle.BUSY:
        what = "busy (" + ", ".join(blocker.details) + ")"
    elif blocker.obstacle in (Obstacle.BOOKED_IN_PLAN, Obstacle.CYCLE_SPACING):
        what = f"{what} ({', '.join(blocker.details)})"
    elif blocker.obstacle is Obstacle.NO_DISCUSSION_SLOT:
        # Each lesson lists what the person does in the periods after it, "; " apart.
        doing = sorted({part for detail in blocker.details for part in detail.split("; ")})
        if blocker.person:
            what = f"not free to discuss after the lesson ({', '.join(doing)})"
        else:
            what = f"{what} ({', '.join(doing)})"
    elif blocker.obstacle is Obstacle.BEFORE_NOTICE:
        what = f"{what} (earliest {blocker.details[0]})"
    elif blocker.obstacle in (Obstacle.OBSERVATION_CAP, Obstacle.CLASS_NEVER_COVERED):
        what = f"{what} ({', '.join(blocker.details)})"
    return f"{blocker.slots} by {who}{what}"


def _reason(
    request: Request,
    kind: ExplanationKind,
    lessons: int,
    workable: int,
    blockers: tuple[Blocker, ...],
    open_slots: list[Slot],
) -> str:
    window = f"between {request.window.first} and {request.window.last}"
    if kind is ExplanationKind.NO_LESSON:
        return f"no lesson {window} where {_lesson_words(request)}."
    reasons = "; ".join(_blocker_words(b) for b in blockers)
    plural = "slot" if lessons == 1 else "slots"
    if kind is ExplanationKind.NO_FEASIBLE_SLOT:
        return (
            f"no slot {window} where {_lesson_words(request)} and "
            f"{_observer_words(request)}: {lessons} candidate {plural}; {reasons}."
        )
    if kind is ExplanationKind.CROWDED_OUT:
        return (
            f"{workable} of {lessons} candidate {plural} would work on their own, "
            f"but every one clashes with other bookings in this plan; {reasons}."
        )
    first = open_slots[0]
    return (
        f"{len(open_slots)} candidate {plural} still fit beside this plan, "
        f"the first on {first.date} period {first.period}; the solver stopped before "
        "placing it, so book a suggestion or re-run with a longer time limit."
    )
