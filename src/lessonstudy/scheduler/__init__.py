"""The pure scheduler: a Problem in, a Plan out.

Imports nothing from the web or database layers; the domain layer builds the
Problem from timetable rows and turns the Plan into commitments and cover requests.
"""

from lessonstudy.scheduler.checker import Violation, check_bookings, check_plan
from lessonstudy.scheduler.cpsat import SolverOptions, solve
from lessonstudy.scheduler.explain import (
    Blocker,
    Explanation,
    ExplanationKind,
    explain,
    explain_request,
)
from lessonstudy.scheduler.greedy import solve_greedy
from lessonstudy.scheduler.plan import (
    Booking,
    CoverAssignment,
    LevelOutcome,
    ObjectiveLevel,
    Plan,
    PlanScores,
    SolveStatus,
)
from lessonstudy.scheduler.problem import (
    FREE,
    NOT_AT_WORK,
    Busy,
    CoverSupervisor,
    DateWindow,
    Free,
    PeerObservation,
    Policy,
    Problem,
    ProblemError,
    Protected,
    Request,
    ResearchLesson,
    Slot,
    SlotStatus,
    StaffMember,
    Teaching,
)
from lessonstudy.scheduler.standing import Obstacle
from lessonstudy.scheduler.suggest import Suggestion, suggest

__all__ = [
    "FREE",
    "NOT_AT_WORK",
    "Blocker",
    "Booking",
    "Busy",
    "CoverAssignment",
    "CoverSupervisor",
    "DateWindow",
    "Explanation",
    "ExplanationKind",
    "Free",
    "LevelOutcome",
    "ObjectiveLevel",
    "Obstacle",
    "PeerObservation",
    "Plan",
    "PlanScores",
    "Policy",
    "Problem",
    "ProblemError",
    "Protected",
    "Request",
    "ResearchLesson",
    "Slot",
    "SlotStatus",
    "SolveStatus",
    "SolverOptions",
    "StaffMember",
    "Suggestion",
    "Teaching",
    "Violation",
    "check_bookings",
    "check_plan",
    "explain",
    "explain_request",
    "solve",
    "solve_greedy",
    "suggest",
]
