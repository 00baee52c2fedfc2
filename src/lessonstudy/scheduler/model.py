"""The CP-SAT model of a scheduling run, built over the pruned candidates.

Variables:
- one boolean per placement (request, lesson period, observers);
- one boolean per (research lesson, discussion period) when a discussion is needed;
- one boolean per (cover person, period) wherever some placement needs cover.
Cover is counted per period rather than assigned per class: any cover person can
take any class that may be covered, so the model only has to supply as many
cover people in a period as there are released observers, and the classes are
handed out after the solve. That keeps the model linear in people x periods
instead of people x periods x requests.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from ortools.sat.python import cp_model

from lessonstudy.scheduler.candidates import Candidates, Placement
from lessonstudy.scheduler.objective import existing_loads, max_load_bound
from lessonstudy.scheduler.plan import Booking, CoverAssignment, ObjectiveLevel, Plan
from lessonstudy.scheduler.problem import Problem, ResearchLesson, Slot
from lessonstudy.scheduler.standing import CoverOption

PlacementKey = tuple[str, Slot, tuple[str, ...]]
# Variable index -> value: a whole solution, whether from the solver or the greedy plan.
Assignment = dict[int, int]


@dataclass(frozen=True)
class Level:
    """One level of the objective as a linear sum to minimise."""

    level: ObjectiveLevel
    terms: tuple[tuple[cp_model.IntVar, int], ...]

    def expression(self) -> cp_model.LinearExprT:
        return cp_model.LinearExpr.weighted_sum(
            [var for var, _ in self.terms], [coef for _, coef in self.terms]
        )

    def value(self, values: Assignment) -> int:
        return sum(coef * values[var.index] for var, coef in self.terms)


class SchedulingModel:
    def __init__(
        self, problem: Problem, candidates: Candidates, *, with_cover: bool = True
    ) -> None:
        """`with_cover=False` builds the relaxation in which cover is unlimited and
        costs one supervisor cover per release: on every level its optimum bounds
        the real one, and it is far quicker to prove (see `cpsat`)."""
        self.problem = problem
        self.with_cover = with_cover
        self.model = cp_model.CpModel()
        self.variables: list[cp_model.IntVar] = []
        self.placements: dict[PlacementKey, tuple[Placement, cp_model.IntVar]] = {}
        self.scheduled: dict[str, cp_model.IntVar] = {}
        self.discussions: dict[tuple[str, Slot], cp_model.IntVar] = {}
        self.covers: dict[tuple[str, Slot], tuple[CoverOption, cp_model.IntVar]] = {}
        self.max_load = self.model.new_int_var(0, max_load_bound(problem, candidates), "max_load")
        self.variables.append(self.max_load)
        self._in_slot: defaultdict[tuple[str, Slot], list[cp_model.IntVar]] = defaultdict(list)
        self._load: defaultdict[tuple[str, str], list[cp_model.IntVar]] = defaultdict(list)
        self._by_request: dict[str, list[tuple[Placement, cp_model.IntVar]]] = {}
        self._candidates = candidates
        for request in problem.requests:
            self._add_request(request.id)
        if with_cover:
            self._add_cover()
        self._add_observation_caps()
        self._add_cycle_spacing()
        for people in self._in_slot.values():
            if len(people) > 1:
                self.model.add_at_most_one(people)
        self.levels = self._levels()

    def _add_request(self, request_id: str) -> None:
        request = self.problem.request(request_id)
        placements = self._candidates.placements[request_id]
        if not placements:
            return
        chosen = []
        for placement in placements:
            lesson = self._new_bool()
            self.placements[placement.request_id, placement.slot, placement.observers] = (
                placement,
                lesson,
            )
            chosen.append(lesson)
            for person in placement.people:
                self._in_slot[person, placement.slot].append(lesson)
        scheduled = self._new_bool()
        self.model.add(sum(chosen) == scheduled)
        self.scheduled[request_id] = scheduled
        self._by_request[request_id] = list(zip(placements, chosen, strict=True))
        if isinstance(request, ResearchLesson) and request.needs_discussion:
            self._add_discussion(request, placements, scheduled)

    def _add_discussion(
        self,
        request: ResearchLesson,
        placements: Sequence[Placement],
        scheduled: cp_model.IntVar,
    ) -> None:
        # A discussion period may be chosen only together with a lesson it follows:
        # with exactly one lesson chosen, this pins the discussion to that lesson.
        fitting: defaultdict[Slot, list[cp_model.IntVar]] = defaultdict(list)
        for placement in placements:
            lesson = self.placements[request.id, placement.slot, placement.observers][1]
            for slot in placement.discussion_options:
                fitting[slot].append(lesson)
        talks = []
        for slot, lessons in sorted(fitting.items()):
            talk = self._new_bool()
            self.model.add(talk <= sum(lessons))
            self.discussions[request.id, slot] = talk
            talks.append(talk)
            for person in request.group:
                self._in_slot[person, slot].append(talk)
        self.model.add(sum(talks) == scheduled)

    def _add_cover(self) -> None:
        demand: defaultdict[Slot, list[tuple[int, cp_model.IntVar]]] = defaultdict(list)
        for placement, lesson in self.placements.values():
            if placement.releases:
                demand[placement.slot].append((len(placement.releases), lesson))
        # Each cap groups a person's cover variables by day, week or term; any slot
        # of the group tells the ledger which day, week or term has been used.
        caps = _CapGroups()
        for slot, needs in demand.items():
            supply = []
            for option in self._candidates.pools.at(slot):
                cover = self._new_bool()
                self.covers[option.person, slot] = (option, cover)
                supply.append(cover)
                self._in_slot[option.person, slot].append(cover)
                caps.add(("term", option.person, slot.term), slot, cover)
                caps.add(("week", option.person, slot.week), slot, cover)
                if option.by_teacher:
                    self._load[option.person, slot.term].append(cover)
                else:
                    caps.add(("day", option.person, slot.date.isoformat()), slot, cover)
            self.model.add(sum(supply) == sum(count * lesson for count, lesson in needs))
        ledger = self._candidates.ledger
        for (period, person, _key), (slot, covers) in caps.items():
            done_day, done_week, done_term = ledger.cover_counts(person, slot)
            if self.problem.is_cover_supervisor(person):
                supervisor = self.problem.cover_supervisor(person)
                cap, done = {
                    "day": (supervisor.max_per_day, done_day),
                    "week": (supervisor.max_per_week, done_week),
                    "term": (supervisor.max_per_term, done_term),
                }[period]
            elif period == "week":
                per_week = self.problem.teacher_cover_caps(person)[0]
                if per_week is None:
                    continue
                cap, done = per_week, done_week
            else:
                cap, done = self.problem.teacher_cover_caps(person)[1], done_term
            self.model.add(sum(covers) <= cap - done)

    def _add_observation_caps(self) -> None:
        policy = self.problem.policy
        per_term = _CapGroups()
        per_year = _CapGroups()
        for placement, lesson in self.placements.values():
            for observer in placement.observers:
                if self.problem.staff_member(observer).external:
                    continue
                slot = placement.slot
                self._load[observer, slot.term].append(lesson)
                per_term.add(("term", observer, slot.term), slot, lesson)
                per_year.add(("year", observer, ""), slot, lesson)
        ledger = self._candidates.ledger
        if policy.max_observations_per_term is not None:
            for (_, person, _term), (slot, lessons) in per_term.items():
                done = ledger.observation_counts(person, slot)[0]
                self.model.add(sum(lessons) <= policy.max_observations_per_term - done)
        if policy.max_observations_per_year is not None:
            for (_, person, _year), (slot, lessons) in per_year.items():
                done = ledger.observation_counts(person, slot)[1]
                self.model.add(sum(lessons) <= policy.max_observations_per_year - done)

    def _add_cycle_spacing(self) -> None:
        """Later cycles at least `min_days_between_cycles` after earlier ones.

        Written as one at-most-one per threshold day t: no earlier-cycle lesson
        on or after t together with a later-cycle lesson before t + gap. Every
        clashing pair falls under the threshold of its earlier lesson's day, so
        this is exact, and as cliques it propagates and relaxes better than a
        difference of dates switched on by two literals.
        """
        cycles: defaultdict[str, list[ResearchLesson]] = defaultdict(list)
        for request in self.problem.requests:
            if isinstance(request, ResearchLesson) and request.id in self.scheduled:
                cycles[request.group_id].append(request)
        gap = dt.timedelta(days=self.problem.policy.min_days_between_cycles)
        for lessons in cycles.values():
            lessons.sort(key=lambda lesson: lesson.cycle)
            for i, earlier in enumerate(lessons):
                for later in lessons[i + 1 :]:
                    if later.cycle > earlier.cycle:
                        self._space(self._by_request[earlier.id], self._by_request[later.id], gap)

    def _space(
        self,
        earlier: list[tuple[Placement, cp_model.IntVar]],
        later: list[tuple[Placement, cp_model.IntVar]],
        gap: dt.timedelta,
    ) -> None:
        for threshold in sorted({placement.slot.date for placement, _ in earlier}):
            clash = [lesson for placement, lesson in earlier if placement.slot.date >= threshold]
            clash += [
                lesson for placement, lesson in later if placement.slot.date < threshold + gap
            ]
            if len(clash) > 1:
                self.model.add_at_most_one(clash)

    def _new_bool(self) -> cp_model.IntVar:
        # Unnamed: names cost memory and time on models with hundreds of thousands of variables.
        var = self.model.new_bool_var("")
        self.variables.append(var)
        return var

    def _levels(self) -> tuple[Level, ...]:
        loads = existing_loads(self.problem)
        self.model.add(self.max_load >= max(loads.values(), default=0))
        for (person, term), chosen in self._load.items():
            self.model.add(self.max_load >= loads[person, term] + sum(chosen))
        cost = self.problem.policy.teacher_cover_cost
        return (
            Level(
                ObjectiveLevel.SCHEDULED_PRIORITY,
                tuple(
                    (scheduled, -self.problem.request(request_id).priority)
                    for request_id, scheduled in self.scheduled.items()
                ),
            ),
            Level(ObjectiveLevel.COVER_COST, self._cover_cost(cost)),
            Level(ObjectiveLevel.MAX_LOAD, ((self.max_load, 1),)),
            Level(
                ObjectiveLevel.LATENESS,
                tuple(
                    (lesson, placement.lateness)
                    for placement, lesson in self.placements.values()
                    if placement.lateness
                ),
            ),
        )

    def _cover_cost(self, teacher_cost: int) -> tuple[tuple[cp_model.IntVar, int], ...]:
        if self.with_cover:
            return tuple(
                (cover, teacher_cost if option.by_teacher else 1)
                for option, cover in self.covers.values()
            )
        # With cover unlimited, every release is priced as the cheapest cover there is.
        return tuple(
            (lesson, len(placement.releases))
            for placement, lesson in self.placements.values()
            if placement.releases
        )

    def assignment_of(self, plan: Plan) -> Assignment:
        """`plan` as a value for every variable, to start a search from or fall back on."""
        values = dict.fromkeys((var.index for var in self.variables), 0)
        booked = {(b.request_id, b.slot, b.observers) for b in plan.bookings}
        for key, (_, lesson) in self.placements.items():
            if key in booked:
                values[lesson.index] = 1
                values[self.scheduled[key[0]].index] = 1
        for booking in plan.bookings:
            if booking.discussion is not None:
                values[self.discussions[booking.request_id, booking.discussion].index] = 1
            for cover in booking.covers:
                values[self.covers[cover.cover, cover.slot][1].index] = 1
        values[self.max_load.index] = plan.scores.max_load
        return values

    def assignment_from(self, solver: cp_model.CpSolver) -> Assignment:
        return {var.index: int(solver.value(var)) for var in self.variables}

    def read_bookings(self, values: Assignment) -> list[Booking]:
        lessons = [
            placement for placement, lesson in self.placements.values() if values[lesson.index]
        ]
        talks = {
            request_id: slot
            for (request_id, slot), talk in self.discussions.items()
            if values[talk.index]
        }
        # Cover is chosen per period; hand the period's classes to its cover people,
        # supervisors before teachers so the flags read as the model costed them.
        covering: defaultdict[Slot, list[CoverOption]] = defaultdict(list)
        for (_, slot), (option, cover) in self.covers.items():
            if values[cover.index]:
                covering[slot].append(option)
        for options in covering.values():
            options.sort(key=lambda option: (option.by_teacher, option.person))
        bookings = []
        for placement in sorted(lessons, key=lambda p: (p.slot, p.request_id)):
            free_cover = covering[placement.slot]
            taken = len(placement.releases)
            covers = tuple(
                CoverAssignment(
                    placement.slot,
                    release.class_id,
                    release.person,
                    option.person,
                    option.by_teacher,
                )
                for release, option in zip(placement.releases, free_cover[:taken], strict=True)
            )
            del free_cover[:taken]
            bookings.append(
                Booking(
                    request_id=placement.request_id,
                    slot=placement.slot,
                    observers=placement.observers,
                    covers=covers,
                    discussion=talks.get(placement.request_id),
                )
            )
        return bookings


class _CapGroups:
    """Variables counted against one cap, with one of their slots to name the period."""

    def __init__(self) -> None:
        self._groups: dict[tuple[str, str, str], tuple[Slot, list[cp_model.IntVar]]] = {}

    def add(self, key: tuple[str, str, str], slot: Slot, var: cp_model.IntVar) -> None:
        group = self._groups.get(key)
        if group is None:
            self._groups[key] = (slot, [var])
        else:
            group[1].append(var)

    def items(self) -> list[tuple[tuple[str, str, str], tuple[Slot, list[cp_model.IntVar]]]]:
        return list(self._groups.items())
