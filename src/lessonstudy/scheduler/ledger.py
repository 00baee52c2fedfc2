"""A running tally of who is booked where and how much of each cap is spent.

The greedy solver, the suggestions and the explanations all ask the same
questions of a partial plan ("is this person still free then?", "has this
supervisor room this week?"), so the tally lives in one place. The checker does
not use it: it recounts from the plan on its own.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict

from lessonstudy.scheduler.plan import Booking
from lessonstudy.scheduler.problem import Problem, Request, ResearchLesson, Slot, anchor_teacher


class Ledger:
    def __init__(self, problem: Problem) -> None:
        self._problem = problem
        self._taken: dict[tuple[str, Slot], str] = {}
        self._cover_by_day: Counter[tuple[str, dt.date]] = Counter()
        self._cover_by_week: Counter[tuple[str, str]] = Counter()
        self._cover_by_term: Counter[tuple[str, str]] = Counter()
        self._observed_by_term: Counter[tuple[str, str]] = Counter()
        self._observed_in_year: Counter[str] = Counter()
        self._lessons_by_group: defaultdict[str, list[tuple[int, dt.date, str]]] = defaultdict(list)
        for member in problem.staff:
            for slot in member.observations_done:
                self._count_observation(member.id, slot)
            for slot in member.cover_done:
                self._count_cover(member.id, slot)
        for supervisor in problem.cover_supervisors:
            for slot in supervisor.cover_done:
                self._count_cover(supervisor.id, slot)

    def copy(self) -> Ledger:
        twin = Ledger.__new__(Ledger)
        twin._problem = self._problem
        twin._taken = dict(self._taken)
        twin._cover_by_day = self._cover_by_day.copy()
        twin._cover_by_week = self._cover_by_week.copy()
        twin._cover_by_term = self._cover_by_term.copy()
        twin._observed_by_term = self._observed_by_term.copy()
        twin._observed_in_year = self._observed_in_year.copy()
        twin._lessons_by_group = defaultdict(list)
        for group, lessons in self._lessons_by_group.items():
            twin._lessons_by_group[group] = list(lessons)
        return twin

    def _count_observation(self, person: str, slot: Slot) -> None:
        self._observed_by_term[person, slot.term] += 1
        self._observed_in_year[person] += 1

    def _count_cover(self, person: str, slot: Slot) -> None:
        self._cover_by_day[person, slot.date] += 1
        self._cover_by_week[person, slot.week] += 1
        self._cover_by_term[person, slot.term] += 1

    def taken_by(self, person: str, slot: Slot) -> str | None:
        """The request already using this person in this period, if any."""
        return self._taken.get((person, slot))

    def observation_cap_reached(self, person: str, slot: Slot) -> str | None:
        """Which observation cap ("term" or "year") one more observation would break."""
        if self._problem.staff_member(person).external:
            return None
        policy = self._problem.policy
        per_term = policy.max_observations_per_term
        if per_term is not None and self._observed_by_term[person, slot.term] >= per_term:
            return "term"
        per_year = policy.max_observations_per_year
        if per_year is not None and self._observed_in_year[person] >= per_year:
            return "year"
        return None

    def cover_cap_reached(self, person: str, slot: Slot) -> str | None:
        """Which cover cap ("day", "week", "term") one more cover would break."""
        if self._problem.is_cover_supervisor(person):
            supervisor = self._problem.cover_supervisor(person)
            if self._cover_by_day[person, slot.date] >= supervisor.max_per_day:
                return "day"
            if self._cover_by_week[person, slot.week] >= supervisor.max_per_week:
                return "week"
            if self._cover_by_term[person, slot.term] >= supervisor.max_per_term:
                return "term"
            return None
        per_week, per_term = self._problem.teacher_cover_caps(person)
        if per_week is not None and self._cover_by_week[person, slot.week] >= per_week:
            return "week"
        if self._cover_by_term[person, slot.term] >= per_term:
            return "term"
        return None

    def cover_counts(self, person: str, slot: Slot) -> tuple[int, int, int]:
        """Cover already counted against `person` on the slot's day, week and term."""
        return (
            self._cover_by_day[person, slot.date],
            self._cover_by_week[person, slot.week],
            self._cover_by_term[person, slot.term],
        )

    def observation_counts(self, person: str, slot: Slot) -> tuple[int, int]:
        """Observations already counted against `person` in the slot's term and the year."""
        return self._observed_by_term[person, slot.term], self._observed_in_year[person]

    def load(self, person: str, term: str) -> int:
        """Observing plus cover this term: what fairness evens out."""
        return self._observed_by_term[person, term] + self._cover_by_term[person, term]

    def spacing_clash(self, request: ResearchLesson, day: dt.date) -> str | None:
        """A booked cycle of the same group too close to (or out of order with) `day`."""
        gap = self._problem.policy.min_days_between_cycles
        for cycle, booked_day, request_id in self._lessons_by_group.get(request.group_id, ()):
            if not cycles_spaced(request.cycle, day, cycle, booked_day, gap):
                return request_id
        return None

    def book(self, booking: Booking) -> None:
        request = self._problem.request(booking.request_id)
        for person in booking_people(request, booking):
            self._take(person, booking.slot, booking.request_id)
        if booking.discussion is not None and isinstance(request, ResearchLesson):
            for person in request.group:
                self._take(person, booking.discussion, booking.request_id)
        for cover in booking.covers:
            self._take(cover.cover, cover.slot, booking.request_id)
            self._count_cover(cover.cover, cover.slot)
        for observer in booking.observers:
            if not self._problem.staff_member(observer).external:
                self._count_observation(observer, booking.slot)
        if isinstance(request, ResearchLesson):
            self._lessons_by_group[request.group_id].append(
                (request.cycle, booking.slot.date, request.id)
            )

    def _take(self, person: str, slot: Slot, request_id: str) -> None:
        holder = self._taken.get((person, slot))
        if holder is not None:
            raise ValueError(f"{person} is already booked at {slot} for {holder}")
        self._taken[person, slot] = request_id


def booking_people(request: Request, booking: Booking) -> tuple[str, ...]:
    """Everyone a booking places in its lesson slot, apart from cover."""
    return (anchor_teacher(request), *booking.observers)


def cycles_spaced(
    cycle: int, day: dt.date, other_cycle: int, other_day: dt.date, min_days: int
) -> bool:
    """Cycles of one group run in order, each at least `min_days` after the one before."""
    if cycle == other_cycle:
        return True
    if cycle < other_cycle:
        return (other_day - day).days >= min_days
    return (day - other_day).days >= min_days
