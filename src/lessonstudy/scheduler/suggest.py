"""Ranked alternative periods for one request, found by direct enumeration.

A person choosing a slot in the app is waiting for the answer, so this walks the
request's own lessons and prices each one's cover on the spot instead of
building a solver model: a term of one teacher's lessons is tens of periods.
"""

from __future__ import annotations

from dataclasses import dataclass

from lessonstudy.scheduler.candidates import CoverPools, assess, lateness
from lessonstudy.scheduler.ledger import Ledger
from lessonstudy.scheduler.objective import booking_cost
from lessonstudy.scheduler.plan import Booking, Plan
from lessonstudy.scheduler.problem import Problem
from lessonstudy.scheduler.standing import lessons_in_window, observer_choices


@dataclass(frozen=True)
class Suggestion:
    booking: Booking
    supervisor_cover: int
    teacher_cover: int
    # Cover cost in supervisor covers, teacher cover weighted by the policy.
    cover_cost: int
    # The busiest teacher involved, counting this booking: lower is fairer.
    peak_load: int
    preferred: bool


def suggest(
    problem: Problem, request_id: str, limit: int = 5, plan: Plan | None = None
) -> tuple[Suggestion, ...]:
    """The `limit` best placements for the request, cheapest in cover first, then fairest,
    then preferred and earliest. With `plan`, its other bookings are taken as fixed."""
    request = problem.request(request_id)
    ledger = Ledger(problem)
    if plan is not None:
        for booking in plan.bookings:
            if booking.request_id != request_id:
                ledger.book(booking)
    pools = CoverPools(problem, ledger, None)
    ranked: list[tuple[tuple[int, int, int], Suggestion]] = []
    for slot in lessons_in_window(problem, request):
        if slot.date < problem.policy.earliest_date:
            continue
        for observers in observer_choices(request):
            found = assess(problem, request, slot, observers, ledger, pools).booking
            if found is None:
                continue
            cost = booking_cost(problem, found, ledger, lateness(problem, request, slot))
            teacher_cover = sum(cover.by_teacher for cover in found.covers)
            suggestion = Suggestion(
                booking=found,
                supervisor_cover=len(found.covers) - teacher_cover,
                teacher_cover=teacher_cover,
                cover_cost=cost[0],
                peak_load=cost[1],
                preferred=slot in request.preferred_slots,
            )
            ranked.append((cost, suggestion))
    ranked.sort(key=lambda item: (item[0], item[1].booking.slot, item[1].booking.observers))
    return tuple(suggestion for _, suggestion in ranked[:limit])
