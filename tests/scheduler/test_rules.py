"""One small school per rule, solved by both solvers, with the plan and the explanation checked."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from lessonstudy.scheduler import (
    ExplanationKind,
    Obstacle,
    PeerObservation,
    Plan,
    Problem,
    ProblemError,
    ResearchLesson,
    SolverOptions,
    SolveStatus,
    check_plan,
    explain,
    explain_request,
    solve,
    solve_greedy,
    suggest,
)

from .builders import school, slot, slots, supervisor, teacher, window

Solver = Callable[[Problem], Plan]


def cpsat(problem: Problem) -> Plan:
    return solve(problem, SolverOptions(time_limit_seconds=5.0, num_workers=2))


SOLVERS = [pytest.param(solve_greedy, id="greedy"), pytest.param(cpsat, id="cpsat")]
HORIZON = slots(days=2, periods=4)


def observe(
    rid: str, observed: str, observers: tuple[str, ...], at: tuple[int, int], priority: int = 1
) -> PeerObservation:
    return PeerObservation(
        id=rid,
        observed=observed,
        observers=observers,
        window=window(0, 9),
        lesson_slot=slot(*at),
        priority=priority,
    )


def planned(solver: Solver, problem: Problem) -> Plan:
    plan = solver(problem)
    assert check_plan(problem, plan) == []
    return plan


def blockers(problem: Problem, plan: Plan, request_id: str) -> set[tuple[Obstacle, str | None]]:
    explanation = next(e for e in explain(problem, plan) if e.request_id == request_id)
    return {(b.obstacle, b.person) for b in explanation.blockers}


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("opted_in", [False, True])
def test_protected_time_is_for_the_owners_opted_in_observing(
    solver: Solver, opted_in: bool
) -> None:
    problem = school(
        HORIZON,
        [
            teacher("T1", HORIZON, teach={(0, 1): "9B"}),
            teacher("T2", HORIZON, protected={(0, 1): "PPA"}, observes_in_protected_time=opted_in),
        ],
        [observe("PO", "T1", ("T2",), (0, 1))],
    )
    plan = planned(solver, problem)
    if opted_in:
        booking = plan.booking("PO")
        assert booking is not None
        assert booking.covers == ()
    else:
        assert plan.unscheduled == ("PO",)
        assert blockers(problem, plan, "PO") == {(Obstacle.PROTECTED_TIME, "T2")}


@pytest.mark.parametrize("solver", SOLVERS)
def test_protected_time_is_never_used_for_cover(solver: Solver) -> None:
    problem = school(
        HORIZON,
        [
            teacher("T1", HORIZON, teach={(0, 1): "9B"}),
            teacher("T2", HORIZON, teach={(0, 1): "8A"}),
            teacher("T3", HORIZON, protected={(0, 1): "ECT"}),
        ],
        [observe("PO", "T1", ("T2",), (0, 1))],
        teachers_may_cover=True,
        teacher_cover_cap_per_term=5,
    )
    plan = planned(solver, problem)
    assert plan.unscheduled == ("PO",)
    assert blockers(problem, plan, "PO") == {(Obstacle.NO_COVER, "T2")}


def _needs_teacher_cover(**policy: Any) -> Problem:
    return school(
        HORIZON,
        [
            teacher("T1", HORIZON, teach={(0, 1): "9B"}),
            teacher("T2", HORIZON, teach={(0, 1): "8A"}),
            teacher("T3", HORIZON, cover_done=(slot(1, 4),)),
        ],
        [observe("PO", "T1", ("T2",), (0, 1))],
        **policy,
    )


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize(
    ("allowed", "cap", "scheduled"),
    [(False, 5, False), (True, 1, False), (True, 2, True)],
    ids=["not-allowed", "at-cap", "under-cap"],
)
def test_teacher_cover_needs_permission_and_room_under_the_cap(
    solver: Solver, allowed: bool, cap: int, scheduled: bool
) -> None:
    problem = _needs_teacher_cover(teachers_may_cover=allowed, teacher_cover_cap_per_term=cap)
    plan = planned(solver, problem)
    booking = plan.booking("PO")
    if scheduled:
        assert booking is not None
        (cover,) = booking.covers
        assert (cover.cover, cover.class_id, cover.by_teacher) == ("T3", "8A", True)
        assert plan.scores.teacher_cover == 1
    else:
        assert booking is None
        assert blockers(problem, plan, "PO") == {(Obstacle.NO_COVER, "T2")}


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize(
    ("week_cap", "own_caps", "scheduled"),
    [
        (1, {}, False),
        (2, {}, True),
        (None, {"cover_cap_per_term": 1}, False),
        (1, {"cover_cap_per_week": 2}, True),
    ],
    ids=["week-cap-reached", "under-week-cap", "own-term-cap", "own-week-cap-wins"],
)
def test_teacher_cover_keeps_the_weekly_and_the_persons_own_caps(
    solver: Solver, week_cap: int | None, own_caps: dict[str, Any], scheduled: bool
) -> None:
    # T3 has already covered once this week (day 1 is in the same week as day 0).
    problem = school(
        HORIZON,
        [
            teacher("T1", HORIZON, teach={(0, 1): "9B"}),
            teacher("T2", HORIZON, teach={(0, 1): "8A"}),
            teacher("T3", HORIZON, cover_done=(slot(1, 4),), **own_caps),
        ],
        [observe("PO", "T1", ("T2",), (0, 1))],
        teachers_may_cover=True,
        teacher_cover_cap_per_term=5,
        teacher_cover_cap_per_week=week_cap,
    )
    plan = planned(solver, problem)
    assert (plan.booking("PO") is not None) is scheduled
    if not scheduled:
        assert blockers(problem, plan, "PO") == {(Obstacle.NO_COVER, "T2")}


@pytest.mark.parametrize("solver", SOLVERS)
def test_supervisors_cover_before_teachers(solver: Solver) -> None:
    problem = school(
        HORIZON,
        [
            teacher("T1", HORIZON, teach={(0, 1): "9B"}),
            teacher("T2", HORIZON, teach={(0, 1): "8A"}),
            teacher("T3", HORIZON),
        ],
        [observe("PO", "T1", ("T2",), (0, 1))],
        [supervisor("S1", HORIZON)],
        teachers_may_cover=True,
        teacher_cover_cap_per_term=5,
    )
    booking = planned(solver, problem).booking("PO")
    assert booking is not None
    assert [(c.cover, c.by_teacher) for c in booking.covers] == [("S1", False)]


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize(
    ("second_day", "per_day", "per_week", "per_term", "done"),
    [
        (0, 1, 5, 5, ()),
        (1, 5, 1, 5, ()),
        (1, 5, 5, 2, ((0, 4),)),
        (0, 2, 5, 5, ((0, 4),)),
    ],
    ids=["day-cap", "week-cap", "term-cap-counting-past-cover", "day-cap-counting-past-cover"],
)
def test_cover_supervisor_caps(
    solver: Solver,
    second_day: int,
    per_day: int,
    per_week: int,
    per_term: int,
    done: tuple[tuple[int, int], ...],
) -> None:
    first, second = (0, 1), (second_day, 2)
    problem = school(
        HORIZON,
        [
            teacher("T1", HORIZON, teach={first: "9B", second: "9C"}),
            teacher("T2", HORIZON, teach={first: "8A"}),
            teacher("T3", HORIZON, teach={second: "7A"}),
        ],
        [
            observe("PO1", "T1", ("T2",), first, priority=2),
            observe("PO2", "T1", ("T3",), second),
        ],
        [supervisor("S1", HORIZON, per_day, per_week, per_term, tuple(slot(*d) for d in done))],
    )
    plan = planned(solver, problem)
    assert [b.request_id for b in plan.bookings] == ["PO1"]
    explanation = explain_request(problem, "PO2", plan)
    assert explanation.kind is ExplanationKind.CROWDED_OUT
    assert {(b.obstacle, b.person) for b in explanation.blockers} == {(Obstacle.NO_COVER, "T3")}


@pytest.mark.parametrize("solver", SOLVERS)
def test_classes_never_covered_keep_their_teacher(solver: Solver) -> None:
    problem = school(
        HORIZON,
        [
            teacher("T1", HORIZON, teach={(0, 1): "9B"}),
            teacher("T2", HORIZON, teach={(0, 1): "11X"}),
        ],
        [observe("PO", "T1", ("T2",), (0, 1))],
        [supervisor("S1", HORIZON)],
        classes_never_covered=frozenset({"11X"}),
    )
    plan = planned(solver, problem)
    assert plan.unscheduled == ("PO",)
    assert blockers(problem, plan, "PO") == {(Obstacle.CLASS_NEVER_COVERED, "T2")}


@pytest.mark.parametrize("solver", SOLVERS)
def test_notice_period_rules_out_early_lessons(solver: Solver) -> None:
    horizon = slots(days=4, periods=2)
    problem = school(
        horizon,
        [teacher("T1", horizon, teach={(0, 1): "9B", (3, 1): "9B"}), teacher("T2", horizon)],
        [
            PeerObservation("PO", "T1", ("T2",), window(0, 3), class_id="9B"),
            PeerObservation("EARLY", "T1", ("T2",), window(0, 1), class_id="9B"),
        ],
        today=slot(0, 1).date,
        notice_days=2,
    )
    plan = planned(solver, problem)
    booking = plan.booking("PO")
    assert booking is not None
    assert booking.slot == slot(3, 1)
    assert plan.unscheduled == ("EARLY",)
    explanation = explain_request(problem, "EARLY", plan)
    assert explanation.kind is ExplanationKind.NO_FEASIBLE_SLOT
    assert {(b.obstacle, b.slots) for b in explanation.blockers} == {(Obstacle.BEFORE_NOTICE, 1)}


def _research_lesson(**kw: Any) -> ResearchLesson:
    fields: dict[str, Any] = {
        "id": "RL",
        "group_id": "G",
        "cycle": 1,
        "teacher": "T1",
        "focus_class": "9B",
        "members": ("T2", "T3"),
        "window": window(0, 0),
        **kw,
    }
    return ResearchLesson(**fields)


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("within_days", [0, 1])
def test_discussion_follows_the_lesson_when_the_group_is_free(
    solver: Solver, within_days: int
) -> None:
    # The group is free together before the lesson and the next day, never later that day.
    problem = school(
        HORIZON,
        [
            teacher("T1", HORIZON, teach={(0, 2): "9B"}),
            teacher("T2", HORIZON, busy={(0, 3): "duty", (0, 4): "meeting"}),
            teacher("T3", HORIZON),
        ],
        [_research_lesson()],
        discussion_within_days=within_days,
    )
    plan = planned(solver, problem)
    booking = plan.booking("RL")
    if within_days == 0:
        assert booking is None
        # T2's duty and meeting fill the rest of the day: T2 is named, nobody else.
        assert blockers(problem, plan, "RL") == {(Obstacle.NO_DISCUSSION_SLOT, "T2")}
    else:
        assert booking is not None
        assert booking.discussion is not None
        assert booking.discussion.date == slot(1, 1).date


def test_no_discussion_slot_names_who_is_busy_and_doing_what() -> None:
    problem = school(
        HORIZON,
        [
            teacher("T1", HORIZON, teach={(0, 2): "9B", (0, 4): "10C"}),
            teacher("T2", HORIZON, busy={(0, 3): "duty"}),
            teacher("T3", HORIZON, protected={(0, 3): "PPA"}),
        ],
        [_research_lesson()],
    )
    explanation = explain(problem, solve_greedy(problem))[0]
    assert explanation.kind is ExplanationKind.NO_FEASIBLE_SLOT
    named = {(b.person, b.details) for b in explanation.blockers}
    assert named == {("T1", ("teaching 10C",)), ("T2", ("duty",)), ("T3", ("PPA time",))}
    assert "1 by T2 not free to discuss after the lesson (duty)" in explanation.reason
    assert "1 by T1 not free to discuss after the lesson (teaching 10C)" in explanation.reason
    assert explanation.sentence == f"RL: {explanation.reason}"


def test_a_lesson_in_the_last_period_has_no_one_to_blame_for_the_discussion() -> None:
    problem = school(
        HORIZON,
        [teacher("T1", HORIZON, teach={(0, 4): "9B"}), teacher("T2", HORIZON)],
        [_research_lesson(members=("T2",))],
    )
    (blocker,) = explain(problem, solve_greedy(problem))[0].blockers
    assert (blocker.obstacle, blocker.person) == (Obstacle.NO_DISCUSSION_SLOT, None)
    assert blocker.details == ("no period after the lesson",)


@pytest.mark.parametrize("solver", SOLVERS)
def test_discussion_is_the_same_day_by_default(solver: Solver) -> None:
    problem = school(
        HORIZON,
        [
            teacher("T1", HORIZON, teach={(0, 2): "9B"}),
            teacher("T2", HORIZON),
            teacher("T3", HORIZON),
        ],
        [_research_lesson()],
    )
    booking = planned(solver, problem).booking("RL")
    assert booking is not None
    assert booking.discussion is not None
    assert booking.discussion.date == booking.slot.date
    assert booking.discussion > booking.slot


def _two_cycles(last_day: int) -> Problem:
    horizon = slots(days=10, periods=2)
    return school(
        horizon,
        [
            teacher("T1", horizon, teach={(d, 1): "9B" for d in range(10)}),
            teacher("T2", horizon, teach={(d, 2): "9C" for d in range(10)}),
        ],
        [
            _research_lesson(
                id="RL1", members=("T2",), window=window(0, last_day), needs_discussion=False
            ),
            _research_lesson(
                id="RL2",
                cycle=2,
                teacher="T2",
                focus_class="9C",
                members=("T1",),
                window=window(0, last_day),
                needs_discussion=False,
            ),
        ],
        min_days_between_cycles=7,
    )


@pytest.mark.parametrize("solver", SOLVERS)
def test_cycles_of_a_group_are_spaced_in_order(solver: Solver) -> None:
    problem = _two_cycles(last_day=9)
    plan = planned(solver, problem)
    first, second = plan.booking("RL1"), plan.booking("RL2")
    assert first is not None
    assert second is not None
    assert (second.slot.date - first.slot.date).days >= 7


@pytest.mark.parametrize("solver", SOLVERS)
def test_cycles_too_close_leave_one_out(solver: Solver) -> None:
    problem = _two_cycles(last_day=4)
    plan = planned(solver, problem)
    assert len(plan.bookings) == 1
    (left_out,) = plan.unscheduled
    explanation = explain_request(problem, left_out, plan)
    assert explanation.kind is ExplanationKind.CROWDED_OUT
    assert {b.obstacle for b in explanation.blockers} == {Obstacle.CYCLE_SPACING}


@pytest.mark.parametrize("solver", SOLVERS)
def test_one_place_per_person_and_priority_decides(solver: Solver) -> None:
    problem = school(
        HORIZON,
        [
            teacher("T1", HORIZON, teach={(0, 1): "9B"}),
            teacher("T2", HORIZON, teach={(0, 1): "9C"}),
            teacher("T3", HORIZON),
        ],
        [observe("LOW", "T1", ("T3",), (0, 1)), observe("HIGH", "T2", ("T3",), (0, 1), priority=3)],
    )
    plan = planned(solver, problem)
    assert [b.request_id for b in plan.bookings] == ["HIGH"]
    assert blockers(problem, plan, "LOW") == {(Obstacle.BOOKED_IN_PLAN, "T3")}


@pytest.mark.parametrize("solver", SOLVERS)
def test_a_cover_supervisor_covers_one_class_at_a_time(solver: Solver) -> None:
    problem = school(
        HORIZON,
        [
            teacher("T1", HORIZON, teach={(0, 1): "9B"}),
            teacher("T2", HORIZON, teach={(0, 1): "9C"}),
            teacher("T3", HORIZON, teach={(0, 1): "8A"}),
            teacher("T4", HORIZON, teach={(0, 1): "8B"}),
        ],
        [observe("A", "T1", ("T3",), (0, 1)), observe("B", "T2", ("T4",), (0, 1))],
        [supervisor("S1", HORIZON)],
    )
    plan = planned(solver, problem)
    assert len(plan.bookings) == 1
    (left_out,) = plan.unscheduled
    assert {o for o, _ in blockers(problem, plan, left_out)} == {Obstacle.NO_COVER}


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("cap", ["term", "year"])
def test_observation_caps_count_past_observations(solver: Solver, cap: str) -> None:
    problem = school(
        HORIZON,
        [
            teacher("T1", HORIZON, teach={(0, 1): "9B"}),
            teacher("T2", HORIZON, observations_done=(slot(1, 4),)),
        ],
        [observe("PO", "T1", ("T2",), (0, 1))],
        max_observations_per_term=1 if cap == "term" else 5,
        max_observations_per_year=1 if cap == "year" else 5,
    )
    plan = planned(solver, problem)
    assert plan.unscheduled == ("PO",)
    explanation = explain_request(problem, "PO", plan)
    assert [(b.obstacle, b.person, b.details) for b in explanation.blockers] == [
        (Obstacle.OBSERVATION_CAP, "T2", (cap,))
    ]


@pytest.mark.parametrize("solver", SOLVERS)
def test_fairness_prefers_the_less_loaded_observer(solver: Solver) -> None:
    done = (slot(1, 2), slot(1, 3), slot(1, 4))
    problem = school(
        HORIZON,
        [
            teacher("T1", HORIZON, teach={(0, 1): "9B"}),
            teacher("T2", HORIZON, observations_done=done),
            teacher("T3", HORIZON, observations_done=done[:1]),
        ],
        [observe("PO", "T1", ("T2", "T3"), (0, 1))],
    )
    booking = planned(solver, problem).booking("PO")
    assert booking is not None
    assert booking.observers == ("T3",)


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("preferred", [None, (1, 1)])
def test_earlier_lessons_first_unless_a_preference_is_stated(
    solver: Solver, preferred: tuple[int, int] | None
) -> None:
    problem = school(
        HORIZON,
        [teacher("T1", HORIZON, teach={(0, 1): "9B", (1, 1): "9B"}), teacher("T2", HORIZON)],
        [
            PeerObservation(
                "PO",
                "T1",
                ("T2",),
                window(0, 1),
                class_id="9B",
                preferred_slots=frozenset({slot(*preferred)}) if preferred else frozenset(),
            )
        ],
    )
    booking = planned(solver, problem).booking("PO")
    assert booking is not None
    assert booking.slot == slot(*(preferred or (0, 1)))


@pytest.mark.parametrize("solver", SOLVERS)
def test_an_external_knowledgeable_other_is_always_available(solver: Solver) -> None:
    from lessonstudy.scheduler import StaffMember

    problem = school(
        HORIZON,
        [
            teacher("T1", HORIZON, teach={(0, 2): "9B"}),
            teacher("T2", HORIZON),
            teacher("T3", HORIZON),
            StaffMember("KO", external=True),
        ],
        [_research_lesson(knowledgeable_other="KO")],
        max_observations_per_year=0,
    )
    plan = solver(problem)
    assert check_plan(problem, plan) == []
    # The members are at their cap of zero; the visitor counts against no cap.
    assert blockers(problem, plan, "RL") == {
        (Obstacle.OBSERVATION_CAP, "T2"),
        (Obstacle.OBSERVATION_CAP, "T3"),
    }


def test_the_sentence_names_every_blocker_with_counts() -> None:
    problem = school(
        HORIZON,
        [
            teacher("T1", HORIZON, teach={(0, 1): "9B", (0, 2): "9B", (1, 1): "9B"}),
            teacher("T2", HORIZON, teach={(0, 1): "8A", (0, 2): "8A"}, busy={(1, 1): "absent"}),
        ],
        [_research_lesson(members=("T2",), window=window(0, 1), needs_discussion=False)],
    )
    explanation = explain(problem, solve_greedy(problem))[0]
    assert explanation.kind is ExplanationKind.NO_FEASIBLE_SLOT
    assert explanation.sentence == (
        f"RL: no slot between {slot(0, 1).date} and {slot(1, 1).date} where T1 teaches 9B "
        "and T2 can attend: 3 candidate slots; 2 by T2 teaching with no cover available; "
        "1 by T2 busy (absent)."
    )


def test_a_teacher_who_never_teaches_the_class_in_the_window_is_named() -> None:
    problem = school(
        HORIZON,
        [teacher("T1", HORIZON, teach={(0, 1): "9B"}), teacher("T2", HORIZON)],
        [_research_lesson(members=("T2",), focus_class="10C", window=window(0, 1))],
    )
    explanation = explain(problem, solve_greedy(problem))[0]
    assert explanation.kind is ExplanationKind.NO_LESSON
    assert "where T1 teaches 10C" in explanation.sentence


def test_suggestions_put_cheaper_cover_first() -> None:
    problem = school(
        HORIZON,
        [
            teacher("T1", HORIZON, teach={(0, 1): "9B", (0, 2): "9B", (1, 3): "9B"}),
            teacher("T2", HORIZON, teach={(0, 1): "8A", (1, 3): "8A"}),
        ],
        [PeerObservation("PO", "T1", ("T2",), window(0, 1), class_id="9B")],
        [supervisor("S1", HORIZON)],
        teachers_may_cover=True,
        teacher_cover_cap_per_term=1,
    )
    suggestions = suggest(problem, "PO", limit=5)
    assert [(s.booking.slot, s.cover_cost) for s in suggestions] == [
        (slot(0, 2), 0),
        (slot(0, 1), 1),
        (slot(1, 3), 1),
    ]
    assert suggestions[1].booking.covers[0].cover == "S1"


def test_a_proven_optimum_is_reported_as_such() -> None:
    problem = _needs_teacher_cover(teachers_may_cover=True, teacher_cover_cap_per_term=2)
    plan = cpsat(problem)
    assert plan.status is SolveStatus.OPTIMAL
    assert plan.gap == 0.0
    assert [o.proven for o in plan.levels] == [True] * 4
    assert plan.priority_bound == plan.scores.scheduled_priority == 1


def test_no_time_left_still_returns_the_greedy_plan_unproven() -> None:
    problem = _two_cycles(last_day=9)
    plan = solve(problem, SolverOptions(time_limit_seconds=0.0))
    assert check_plan(problem, plan) == []
    assert plan.status is SolveStatus.FEASIBLE
    assert plan.scores == solve_greedy(problem).scores
    assert all(o.bound is None and not o.proven for o in plan.levels)
    assert plan.gap is None


def test_a_problem_naming_an_unknown_person_is_refused() -> None:
    with pytest.raises(ProblemError, match="unknown staff member T9"):
        school(HORIZON, [teacher("T1", HORIZON)], [observe("PO", "T1", ("T9",), (0, 1))])
