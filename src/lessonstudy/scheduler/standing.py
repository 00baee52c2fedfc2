"""Whether one person can observe, discuss or cover in one period, and if not, why.

These are the school's rules read off a single person's timetable. The solvers
use them to prune, the explanations use them to say what is in the way.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from lessonstudy.scheduler.ledger import Ledger
from lessonstudy.scheduler.problem import (
    Busy,
    Free,
    PeerObservation,
    Problem,
    Protected,
    Request,
    ResearchLesson,
    Slot,
    Teaching,
)


class Obstacle(enum.StrEnum):
    """What keeps a request out of a period, in words a CPD lead can act on."""

    BEFORE_NOTICE = "before the notice period ends"
    BUSY = "busy"
    PROTECTED_TIME = "in protected time and not opted in to observe then"
    OBSERVATION_CAP = "at the observation cap"
    CLASS_NEVER_COVERED = "teaching a class that is never left to cover"
    NO_COVER = "teaching with no cover available"
    NO_DISCUSSION_SLOT = "no period after the lesson when the whole group is free to discuss"
    BOOKED_IN_PLAN = "already booked in this plan"
    CYCLE_SPACING = "too close to another cycle of the group"


@dataclass(frozen=True)
class Ready:
    """Can observe as things stand."""


@dataclass(frozen=True)
class NeedsRelease:
    """Can observe once someone covers `class_id`."""

    class_id: str


@dataclass(frozen=True)
class Blocked:
    obstacle: Obstacle
    detail: str


Standing = Ready | NeedsRelease | Blocked

READY = Ready()


def observer_standing(problem: Problem, person: str, slot: Slot) -> Standing:
    status = problem.status(person, slot)
    if isinstance(status, Free):
        return READY
    if isinstance(status, Busy):
        return Blocked(Obstacle.BUSY, status.reason)
    if isinstance(status, Protected):
        # Protected time is the owner's: they may give it to observing, nobody else may.
        if problem.staff_member(person).observes_in_protected_time:
            return READY
        return Blocked(Obstacle.PROTECTED_TIME, status.kind)
    if status.class_id in problem.policy.classes_never_covered:
        return Blocked(Obstacle.CLASS_NEVER_COVERED, status.class_id)
    return NeedsRelease(status.class_id)


def can_discuss(problem: Problem, person: str, slot: Slot) -> bool:
    # The discussion is nobody's own observing, so protected time is off limits too.
    return isinstance(problem.status(person, slot), Free)


def lessons_in_window(problem: Problem, request: Request) -> tuple[Slot, ...]:
    """Periods in the request's window in which its lesson exists, notice not yet applied."""
    wanted_class: str | None
    pinned: Slot | None
    if isinstance(request, ResearchLesson):
        teacher, wanted_class, pinned = request.teacher, request.focus_class, None
    else:
        teacher, wanted_class, pinned = request.observed, request.class_id, request.lesson_slot
    lessons = []
    for slot, status in problem.staff_member(teacher).timetable.items():
        if not isinstance(status, Teaching) or slot.date not in request.window:
            continue
        if wanted_class is not None and status.class_id != wanted_class:
            continue
        if pinned is not None and slot != pinned:
            continue
        if problem.has_slot(slot):
            lessons.append(slot)
    return tuple(sorted(lessons))


def observer_choices(request: Request) -> tuple[tuple[str, ...], ...]:
    """The observer line-ups a booking may have: all members, or one candidate."""
    if isinstance(request, PeerObservation):
        return tuple((observer,) for observer in request.observers)
    return (request.observers,)


@dataclass(frozen=True)
class CoverOption:
    person: str
    by_teacher: bool


def cover_options(
    problem: Problem, slot: Slot, ledger: Ledger, teacher_limit: int | None = None
) -> tuple[CoverOption, ...]:
    """Who could cover a class in `slot` within their caps, cheapest and least loaded first.

    `teacher_limit` keeps only the least-loaded teachers: free teachers are
    interchangeable for cover apart from their load, and a school with hundreds of
    them free in a period would otherwise swamp the model with symmetric choices.
    """
    supervisors = [
        supervisor.id
        for supervisor in problem.cover_supervisors
        if slot in supervisor.available and ledger.cover_cap_reached(supervisor.id, slot) is None
    ]
    supervisors.sort(key=lambda person: (ledger.load(person, slot.term), person))
    options = [CoverOption(person, by_teacher=False) for person in supervisors]
    if problem.policy.teachers_may_cover:
        teachers = [
            member.id
            for member in problem.staff
            if not member.external
            and isinstance(member.status(slot), Free)
            and ledger.cover_cap_reached(member.id, slot) is None
        ]
        teachers.sort(key=lambda person: (ledger.load(person, slot.term), person))
        if teacher_limit is not None:
            teachers = teachers[:teacher_limit]
        options.extend(CoverOption(person, by_teacher=True) for person in teachers)
    return tuple(options)
