"""The answer to a Problem: bookings, the cover they cost, and how good the answer is."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from lessonstudy.scheduler.problem import Slot


@dataclass(frozen=True)
class CoverAssignment:
    """`cover` supervises `class_id` while its teacher `released` observes."""

    slot: Slot
    class_id: str
    released: str
    cover: str
    # Teachers cover "rarely": the school wants every instance flagged and counted.
    by_teacher: bool


@dataclass(frozen=True)
class Booking:
    request_id: str
    slot: Slot
    observers: tuple[str, ...]
    covers: tuple[CoverAssignment, ...] = ()
    discussion: Slot | None = None


class SolveStatus(enum.StrEnum):
    OPTIMAL = "optimal"
    # A plan that satisfies every rule, with a proven bound on how good a plan can be.
    FEASIBLE = "feasible"
    # The rules admit no plan; with optional requests this means the problem is malformed.
    INFEASIBLE = "infeasible"
    # The solver stopped before it found any plan.
    NO_SOLUTION = "no_solution"


@dataclass(frozen=True)
class PlanScores:
    """The objective's levels, most important first."""

    scheduled_priority: int
    requested_priority: int
    supervisor_cover: int
    teacher_cover: int
    max_load: int
    lateness: int

    @property
    def cover(self) -> int:
        return self.supervisor_cover + self.teacher_cover


class ObjectiveLevel(enum.StrEnum):
    """The objective's levels, most important first (see `objective`)."""

    SCHEDULED_PRIORITY = "scheduled_priority"
    COVER_COST = "cover_cost"
    MAX_LOAD = "max_load"
    LATENESS = "lateness"


@dataclass(frozen=True)
class LevelOutcome:
    level: ObjectiveLevel
    value: int
    # The best any plan can do on this level once the levels above are held at
    # their values: an upper bound for scheduled priority, a lower bound for the
    # costs. None when the solver had no time left to look at this level.
    bound: int | None
    proven: bool

    @property
    def gap(self) -> float | None:
        if self.bound is None:
            return None
        worse = abs(self.bound - self.value)
        scale = max(abs(self.bound), abs(self.value))
        return 0.0 if scale == 0 else worse / scale


@dataclass(frozen=True)
class Plan:
    bookings: tuple[Booking, ...]
    unscheduled: tuple[str, ...]
    scores: PlanScores
    status: SolveStatus
    solver: str
    wall_seconds: float
    # One entry per objective level the solver worked on; empty for the greedy plan,
    # which proves nothing.
    levels: tuple[LevelOutcome, ...] = ()

    def booking(self, request_id: str) -> Booking | None:
        for booking in self.bookings:
            if booking.request_id == request_id:
                return booking
        return None

    @property
    def priority_bound(self) -> int | None:
        """Proven most priority-weighted requests any plan can schedule."""
        for outcome in self.levels:
            if outcome.level is ObjectiveLevel.SCHEDULED_PRIORITY:
                return outcome.bound
        return None

    @property
    def gap(self) -> float | None:
        """Relative gap on the most important level not proven optimal; 0 when optimal."""
        for outcome in self.levels:
            if not outcome.proven:
                return outcome.gap
        return 0.0 if self.levels else None
