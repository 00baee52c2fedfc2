"""How plans are compared: the objective's levels, scored the same way for every solver.

The levels, most important first (`plan.ObjectiveLevel`):
1. schedule as many requests as possible, weighted by priority;
2. as little cover as possible, teacher cover costing `Policy.teacher_cover_cost`
   supervisor covers;
3. fairness: the largest observing-plus-cover load of any teacher in any term,
   counting what they have already done;
4. earlier dates, and stated preferred periods before any date.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from lessonstudy.scheduler.candidates import Candidates, lateness
from lessonstudy.scheduler.ledger import Ledger
from lessonstudy.scheduler.plan import Booking, PlanScores
from lessonstudy.scheduler.problem import Problem


def existing_loads(problem: Problem) -> Counter[tuple[str, str]]:
    """Observing and teacher cover already done, per (teacher, term)."""
    loads: Counter[tuple[str, str]] = Counter()
    for member in problem.staff:
        if member.external:
            continue
        for slot in (*member.observations_done, *member.cover_done):
            loads[member.id, slot.term] += 1
    return loads


def score(problem: Problem, bookings: Iterable[Booking]) -> PlanScores:
    loads = existing_loads(problem)
    scheduled = supervisor_cover = teacher_cover = late = 0
    for booking in bookings:
        request = problem.request(booking.request_id)
        scheduled += request.priority
        late += lateness(problem, request, booking.slot)
        for observer in booking.observers:
            if not problem.staff_member(observer).external:
                loads[observer, booking.slot.term] += 1
        for cover in booking.covers:
            if cover.by_teacher:
                teacher_cover += 1
                loads[cover.cover, cover.slot.term] += 1
            else:
                supervisor_cover += 1
    return PlanScores(
        scheduled_priority=scheduled,
        requested_priority=sum(request.priority for request in problem.requests),
        supervisor_cover=supervisor_cover,
        teacher_cover=teacher_cover,
        max_load=max(loads.values(), default=0),
        lateness=late,
    )


def max_load_bound(problem: Problem, candidates: Candidates) -> int:
    """No teacher's load in any term can exceed this in any plan."""
    could_observe: Counter[str] = Counter()
    for placements in candidates.placements.values():
        for person in {observer for p in placements for observer in p.observers}:
            could_observe[person] += 1
    loads = existing_loads(problem)
    policy = problem.policy
    bound = max(loads.values(), default=0)
    for member in problem.staff:
        if member.external:
            continue
        observed = Counter(slot.term for slot in member.observations_done)
        covered = Counter(slot.term for slot in member.cover_done)
        most_cover = max(covered.values(), default=0)
        if policy.teachers_may_cover:
            most_cover = max(most_cover, problem.teacher_cover_caps(member.id)[1])
        most_observed = max(observed.values(), default=0) + could_observe[member.id]
        bound = max(bound, most_observed + most_cover)
    return bound


def booking_cost(
    problem: Problem, booking: Booking, ledger: Ledger, lateness: int
) -> tuple[int, int, int]:
    """The objective's levels below "scheduled" for one booking on top of `ledger`:
    cover cost, the busiest involved teacher's load afterwards, lateness."""
    teacher_cover = sum(cover.by_teacher for cover in booking.covers)
    supervisor_cover = len(booking.covers) - teacher_cover
    cover_cost = supervisor_cover + problem.policy.teacher_cover_cost * teacher_cover
    loaded = [o for o in booking.observers if not problem.staff_member(o).external]
    loaded.extend(cover.cover for cover in booking.covers if cover.by_teacher)
    peak = max((ledger.load(person, booking.slot.term) + 1 for person in loaded), default=0)
    return (cover_cost, peak, lateness)
