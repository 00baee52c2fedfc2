"""The greedy baseline: book requests one at a time, each in its cheapest open placement.

It is the yardstick the CP-SAT plan is measured against, the hint that starts
CP-SAT off, and a plan of last resort when the solver finds nothing in time.
"""

from __future__ import annotations

import time

from lessonstudy.scheduler.candidates import (
    Assessment,
    Candidates,
    assess,
    enumerate_candidates,
)
from lessonstudy.scheduler.ledger import Ledger
from lessonstudy.scheduler.objective import booking_cost, score
from lessonstudy.scheduler.plan import Booking, Plan, SolveStatus
from lessonstudy.scheduler.problem import Problem, Request, ResearchLesson

SOLVER_NAME = "greedy"


def solve_greedy(problem: Problem, candidates: Candidates | None = None) -> Plan:
    started = time.perf_counter()
    if candidates is None:
        candidates = enumerate_candidates(problem)
    ledger = candidates.ledger.copy()
    bookings: list[Booking] = []
    for request in booking_order(problem, candidates):
        booking = cheapest_booking(problem, request, candidates, ledger)
        if booking is not None:
            ledger.book(booking)
            bookings.append(booking)
    booked = {booking.request_id for booking in bookings}
    return Plan(
        bookings=tuple(bookings),
        unscheduled=tuple(r.id for r in problem.requests if r.id not in booked),
        scores=score(problem, bookings),
        status=SolveStatus.FEASIBLE,
        solver=SOLVER_NAME,
        wall_seconds=time.perf_counter() - started,
    )


def booking_order(problem: Problem, candidates: Candidates) -> list[Request]:
    """Highest priority first; then earlier cycles, so later ones can keep their spacing;
    then the requests with fewest placements, which are the easiest to crowd out."""

    def key(request: Request) -> tuple[int, int, int, str]:
        cycle = request.cycle if isinstance(request, ResearchLesson) else 1
        return (-request.priority, cycle, len(candidates.placements[request.id]), request.id)

    return sorted(problem.requests, key=key)


def cheapest_booking(
    problem: Problem, request: Request, candidates: Candidates, ledger: Ledger
) -> Booking | None:
    best: tuple[tuple[int, int, int], Booking] | None = None
    for placement in candidates.placements[request.id]:
        verdict: Assessment = assess(
            problem, request, placement.slot, placement.observers, ledger, candidates.pools
        )
        if verdict.booking is None:
            continue
        cost = booking_cost(problem, verdict.booking, ledger, placement.lateness)
        if best is None or cost < best[0]:
            best = (cost, verdict.booking)
    return None if best is None else best[1]
