"""Where each request could go: its lessons, observer line-ups, releases and discussion slots.

Pruning here matters more than anything in the solver: only periods in which
the anchor lesson exists are considered, and a (request, period, observers)
placement survives only if every observer can be there or released, enough
cover exists for the releases, and a discussion slot exists when one is needed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from lessonstudy.scheduler.ledger import Ledger
from lessonstudy.scheduler.plan import Booking, CoverAssignment
from lessonstudy.scheduler.problem import (
    Busy,
    Problem,
    Protected,
    Request,
    ResearchLesson,
    Slot,
    Teaching,
    anchor_teacher,
)
from lessonstudy.scheduler.standing import (
    Blocked,
    CoverOption,
    NeedsRelease,
    Obstacle,
    can_discuss,
    cover_options,
    lessons_in_window,
    observer_choices,
    observer_standing,
)

# Free teachers kept as cover candidates per period for the solvers: enough for
# every release a busy period can need, few enough that a large school does not
# bury the solver in interchangeable teachers.
TEACHER_COVER_CHOICES = 6


@dataclass(frozen=True)
class Release:
    """An observer who teaches in the period and must hand `class_id` to cover."""

    person: str
    class_id: str


@dataclass(frozen=True)
class Placement:
    """One way to hold a request: a lesson period and the observers who watch it."""

    request_id: str
    slot: Slot
    observers: tuple[str, ...]
    releases: tuple[Release, ...]
    # The anchor teacher first, then the observers: everyone the lesson occupies.
    people: tuple[str, ...]
    discussion_options: tuple[Slot, ...]
    lateness: int


@dataclass(frozen=True)
class PersonObstacle:
    person: str | None
    obstacle: Obstacle
    detail: str


@dataclass(frozen=True)
class Assessment:
    """The verdict on one placement: usable (with a concrete booking), or what blocks it."""

    placement: Placement | None
    booking: Booking | None
    obstacles: tuple[PersonObstacle, ...]


class CoverPools:
    """Cover options per period, worked out once per period on first use."""

    def __init__(self, problem: Problem, ledger: Ledger, teacher_limit: int | None) -> None:
        self._problem = problem
        self._ledger = ledger
        self._teacher_limit = teacher_limit
        self._pools: dict[Slot, tuple[CoverOption, ...]] = {}

    def at(self, slot: Slot) -> tuple[CoverOption, ...]:
        pool = self._pools.get(slot)
        if pool is None:
            pool = cover_options(self._problem, slot, self._ledger, self._teacher_limit)
            self._pools[slot] = pool
        return pool


def lateness(problem: Problem, request: Request, slot: Slot) -> int:
    """Earlier is better; a stated preference outweighs any difference in date."""
    missed_preference = bool(request.preferred_slots) and slot not in request.preferred_slots
    return problem.day_rank(slot.date) + (problem.school_days if missed_preference else 0)


def discussion_options(
    problem: Problem, request: ResearchLesson, lesson: Slot, ledger: Ledger
) -> tuple[Slot, ...]:
    """Periods after the lesson, within the policy's days, when the whole group is free."""
    options = []
    lesson_rank = problem.slot_rank(lesson)
    for offset in range(problem.policy.discussion_within_days + 1):
        day = lesson.date + dt.timedelta(days=offset)
        for slot in problem.slots_on(day):
            if problem.slot_rank(slot) <= lesson_rank:
                continue
            if all(
                can_discuss(problem, person, slot) and ledger.taken_by(person, slot) is None
                for person in request.group
            ):
                options.append(slot)
    return tuple(options)


def discussion_blockers(
    problem: Problem, request: ResearchLesson, lesson: Slot, ledger: Ledger
) -> tuple[PersonObstacle, ...]:
    """Who keeps the group from meeting after the lesson, and doing what.

    Everyone not free in at least one of the periods after the lesson is named,
    with what they do then, so a CPD lead can see whose club or meeting to move.
    With no period after the lesson at all (a research lesson in the last period
    of a school without an after-school slot), nobody is to blame but the timetable.
    """
    later = [
        slot
        for offset in range(problem.policy.discussion_within_days + 1)
        for slot in problem.slots_on(lesson.date + dt.timedelta(days=offset))
        if problem.slot_rank(slot) > problem.slot_rank(lesson)
    ]
    if not later:
        return (PersonObstacle(None, Obstacle.NO_DISCUSSION_SLOT, "no period after the lesson"),)
    blockers = []
    for person in request.group:
        doing = sorted(
            {
                reason
                for slot in later
                if (reason := _why_not_free(problem, ledger, person, slot)) is not None
            }
        )
        if doing:
            blockers.append(PersonObstacle(person, Obstacle.NO_DISCUSSION_SLOT, "; ".join(doing)))
    return tuple(blockers)


def _why_not_free(problem: Problem, ledger: Ledger, person: str, slot: Slot) -> str | None:
    holder = ledger.taken_by(person, slot)
    if holder is not None:
        return f"booked for {holder}"
    if can_discuss(problem, person, slot):
        return None
    status = problem.status(person, slot)
    if isinstance(status, Teaching):
        return f"teaching {status.class_id}"
    if isinstance(status, Protected):
        return f"{status.kind} time"
    if isinstance(status, Busy):
        return status.reason
    return None


def assess(
    problem: Problem,
    request: Request,
    slot: Slot,
    observers: tuple[str, ...],
    ledger: Ledger,
    pools: CoverPools,
) -> Assessment:
    """Can the request be held in `slot` with these observers, given what `ledger` has booked?"""
    if slot.date < problem.policy.earliest_date:
        notice = PersonObstacle(None, Obstacle.BEFORE_NOTICE, str(problem.policy.earliest_date))
        return Assessment(None, None, (notice,))
    people = (anchor_teacher(request), *observers)
    obstacles: list[PersonObstacle] = []
    holder = ledger.taken_by(people[0], slot)
    if holder is not None:
        obstacles.append(PersonObstacle(people[0], Obstacle.BOOKED_IN_PLAN, holder))
    releases: list[Release] = []
    for person in observers:
        standing = observer_standing(problem, person, slot)
        holder = ledger.taken_by(person, slot)
        cap = ledger.observation_cap_reached(person, slot)
        if isinstance(standing, Blocked):
            obstacles.append(PersonObstacle(person, standing.obstacle, standing.detail))
        elif holder is not None:
            obstacles.append(PersonObstacle(person, Obstacle.BOOKED_IN_PLAN, holder))
        elif cap is not None:
            obstacles.append(PersonObstacle(person, Obstacle.OBSERVATION_CAP, cap))
        elif isinstance(standing, NeedsRelease):
            releases.append(Release(person, standing.class_id))
    covers = _cover_for(problem, slot, people, releases, ledger, pools)
    for release in releases[len(covers) :]:
        detail = f"{len(releases)} to cover, {len(covers)} cover available"
        obstacles.append(PersonObstacle(release.person, Obstacle.NO_COVER, detail))
    discussion: tuple[Slot, ...] = ()
    if isinstance(request, ResearchLesson):
        clash = ledger.spacing_clash(request, slot.date)
        if clash is not None:
            obstacles.append(PersonObstacle(None, Obstacle.CYCLE_SPACING, clash))
        if request.needs_discussion:
            discussion = discussion_options(problem, request, slot, ledger)
            if not discussion:
                obstacles.extend(discussion_blockers(problem, request, slot, ledger))
    if obstacles:
        return Assessment(None, None, tuple(obstacles))
    placement = Placement(
        request_id=request.id,
        slot=slot,
        observers=observers,
        releases=tuple(releases),
        people=people,
        discussion_options=discussion,
        lateness=lateness(problem, request, slot),
    )
    booking = Booking(
        request_id=request.id,
        slot=slot,
        observers=observers,
        covers=covers,
        discussion=discussion[0] if discussion else None,
    )
    return Assessment(placement, booking, ())


def _cover_for(
    problem: Problem,
    slot: Slot,
    people: tuple[str, ...],
    releases: list[Release],
    ledger: Ledger,
    pools: CoverPools,
) -> tuple[CoverAssignment, ...]:
    """As many of `releases` as can be covered, by supervisors first and the least loaded."""
    if not releases:
        return ()
    available = [
        option
        for option in pools.at(slot)
        if option.person not in people
        and ledger.taken_by(option.person, slot) is None
        and ledger.cover_cap_reached(option.person, slot) is None
    ]
    available.sort(
        key=lambda option: (option.by_teacher, ledger.load(option.person, slot.term), option.person)
    )
    return tuple(
        CoverAssignment(slot, release.class_id, release.person, option.person, option.by_teacher)
        for release, option in zip(releases, available, strict=False)
    )


@dataclass(frozen=True)
class Candidates:
    """Every usable placement per request, judged against the existing load only."""

    placements: Mapping[str, tuple[Placement, ...]]
    pools: CoverPools
    ledger: Ledger


def enumerate_candidates(
    problem: Problem, teacher_cover_choices: int | None = TEACHER_COVER_CHOICES
) -> Candidates:
    ledger = Ledger(problem)
    pools = CoverPools(problem, ledger, teacher_cover_choices)
    placements: dict[str, tuple[Placement, ...]] = {}
    for request in problem.requests:
        found = []
        for slot in lessons_in_window(problem, request):
            if slot.date < problem.policy.earliest_date:
                continue
            for observers in observer_choices(request):
                placement = assess(problem, request, slot, observers, ledger, pools).placement
                if placement is not None:
                    found.append(placement)
        placements[request.id] = tuple(found)
    return Candidates(MappingProxyType(placements), pools, ledger)
