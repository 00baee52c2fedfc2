"""Brute force over everything a booking could be, judged only by the independent checker.

Used as the oracle for the explanations: it does not know about candidates,
standing or the ledger, only the raw timetable and `check_bookings`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from itertools import permutations

from lessonstudy.scheduler import (
    Booking,
    CoverAssignment,
    Problem,
    Request,
    ResearchLesson,
    Slot,
    Teaching,
    check_bookings,
)

# Adding cover or a discussion period to a booking can only add violations,
# apart from curing these two; so a booking that breaks anything else without
# them is hopeless and the search skips it.
CURABLE = {"uncovered_class", "discussion"}


def bookings_that_fit(
    problem: Problem,
    request: Request,
    beside: tuple[Booking, ...] = (),
    only: Slot | None = None,
) -> Iterator[Booking]:
    cover_people = [s.id for s in problem.cover_supervisors]
    cover_people += [m.id for m in problem.staff if not m.external]
    lineups = (
        [request.observers]
        if isinstance(request, ResearchLesson)
        else [(o,) for o in request.observers]
    )
    for lesson_slot in problem.slots:
        if only is not None and lesson_slot != only:
            continue
        for observers in lineups:
            bare = Booking(request.id, lesson_slot, tuple(observers))
            if any(v.rule not in CURABLE for v in check_bookings(problem, (*beside, bare))):
                continue
            teaching = []
            for observer in observers:
                status = problem.status(observer, lesson_slot)
                if isinstance(status, Teaching):
                    teaching.append((observer, status.class_id))
            for people in permutations(cover_people, len(teaching)):
                covers = tuple(
                    CoverAssignment(
                        lesson_slot, class_id, observer, person, problem.is_staff(person)
                    )
                    for (observer, class_id), person in zip(teaching, people, strict=True)
                )
                booking = replace(bare, covers=covers)
                violations = check_bookings(problem, (*beside, booking))
                if not violations:
                    yield booking
                elif all(v.rule == "discussion" for v in violations):
                    for talk in problem.slots:
                        if talk > lesson_slot:
                            with_talk = replace(booking, discussion=talk)
                            if not check_bookings(problem, (*beside, with_talk)):
                                yield with_talk


def fits(
    problem: Problem,
    request: Request,
    beside: tuple[Booking, ...] = (),
    only: Slot | None = None,
) -> bool:
    return next(bookings_that_fit(problem, request, beside, only), None) is not None
