"""Invariants on generated schools: every plan keeps the rules, CP-SAT is never worse than
greedy, explanations are true, suggestions are ranked and feasible."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings

from lessonstudy.scheduler import (
    Booking,
    Busy,
    ExplanationKind,
    Obstacle,
    Problem,
    Protected,
    Slot,
    SolverOptions,
    Teaching,
    check_bookings,
    check_plan,
    explain,
    solve,
    solve_greedy,
    suggest,
)
from lessonstudy.scheduler.explain import Explanation
from lessonstudy.scheduler.problem import ResearchLesson

from .brute import fits
from .generated import schools

FAST = SolverOptions(time_limit_seconds=5.0, num_workers=2)
PROPERTY = settings(
    deadline=None,
    max_examples=100,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@PROPERTY
@given(schools())
def test_both_solvers_keep_every_rule_and_cpsat_never_schedules_less(problem: Problem) -> None:
    greedy = solve_greedy(problem)
    optimised = solve(problem, FAST)
    assert check_plan(problem, greedy) == []
    assert check_plan(problem, optimised) == []
    assert optimised.scores.scheduled_priority >= greedy.scores.scheduled_priority
    bound = optimised.priority_bound
    assert bound is not None
    assert bound >= optimised.scores.scheduled_priority


@settings(PROPERTY, max_examples=60)
@given(schools())
def test_explanations_are_true(problem: Problem) -> None:
    plan = solve(problem, FAST)
    explanations = explain(problem, plan)
    assert [e.request_id for e in explanations] == list(plan.unscheduled)
    for explanation in explanations:
        request = problem.request(explanation.request_id)
        others = tuple(b for b in plan.bookings if b.request_id != request.id)
        if explanation.kind in (ExplanationKind.NO_LESSON, ExplanationKind.NO_FEASIBLE_SLOT):
            assert not fits(problem, request), explanation.sentence
        elif explanation.kind is ExplanationKind.CROWDED_OUT:
            assert fits(problem, request), explanation.sentence
            assert not fits(problem, request, beside=others), explanation.sentence
        else:
            assert fits(problem, request, beside=others), explanation.sentence
        _reasons_hold(problem, explanation, others)


def _reasons_hold(problem: Problem, explanation: Explanation, others: tuple[Booking, ...]) -> None:
    """Every blocked lesson is really blocked, and each stated reason is a fact of the data."""
    request = problem.request(explanation.request_id)
    policy = problem.policy
    for verdict in explanation.verdicts:
        slot = verdict.slot
        beside = others if verdict.against_plan else ()
        assert not fits(problem, request, beside=beside, only=slot), (slot, verdict.obstacles)
        for blocker in verdict.obstacles:
            status = problem.status(blocker.person, slot) if blocker.person else None
            if blocker.obstacle is Obstacle.BEFORE_NOTICE:
                assert slot.date < policy.earliest_date
            elif blocker.obstacle is Obstacle.BUSY:
                assert isinstance(status, Busy)
                assert status.reason == blocker.detail
            elif blocker.obstacle is Obstacle.PROTECTED_TIME:
                assert isinstance(status, Protected)
                assert blocker.person is not None
                assert not problem.staff_member(blocker.person).observes_in_protected_time
            elif blocker.obstacle is Obstacle.CLASS_NEVER_COVERED:
                assert isinstance(status, Teaching)
                assert status.class_id in policy.classes_never_covered
            elif blocker.obstacle is Obstacle.NO_COVER:
                assert isinstance(status, Teaching)
            elif blocker.obstacle is Obstacle.OBSERVATION_CAP:
                assert blocker.person is not None
                _at_cap(problem, blocker.person, slot, blocker.detail, beside)
            elif blocker.obstacle is Obstacle.CYCLE_SPACING:
                assert isinstance(request, ResearchLesson)
                assert any(b.request_id == blocker.detail for b in beside)
            elif blocker.obstacle is Obstacle.BOOKED_IN_PLAN:
                assert any(b.request_id == blocker.detail for b in beside)
    counted = sum(len(v.obstacles) for v in explanation.verdicts)
    assert sum(b.slots for b in explanation.blockers) == counted


def _at_cap(
    problem: Problem, person: str, slot: Slot, period: str, beside: tuple[Booking, ...]
) -> None:
    member = problem.staff_member(person)
    done = list(member.observations_done)
    done += [b.slot for b in beside if person in b.observers]
    if period == "term":
        cap = problem.policy.max_observations_per_term
        assert cap is not None
        assert sum(s.term == slot.term for s in done) >= cap
    else:
        cap = problem.policy.max_observations_per_year
        assert cap is not None
        assert len(done) >= cap


@PROPERTY
@given(schools())
def test_suggestions_are_ranked_and_each_is_feasible(problem: Problem) -> None:
    plan = solve_greedy(problem)
    for request in problem.requests:
        others = tuple(b for b in plan.bookings if b.request_id != request.id)
        for beside, suggestions in (
            ((), suggest(problem, request.id, limit=4)),
            (others, suggest(problem, request.id, limit=4, plan=plan)),
        ):
            assert len(suggestions) <= 4
            keys = [(s.cover_cost, s.peak_load) for s in suggestions]
            assert keys[:1] == sorted(keys)[:1]
            assert [k[0] for k in keys] == sorted(k[0] for k in keys)
            for suggestion in suggestions:
                assert check_bookings(problem, (*beside, suggestion.booking)) == []
            if not suggestions:
                assert not fits(problem, request, beside=beside)
