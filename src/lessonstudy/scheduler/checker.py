"""An independent judge of plans: does a plan keep every hard rule of the problem?

Written straight from the rules and the raw timetable, without the candidate
enumeration, the standing rules or the ledger the solvers share, so that a
mistake there cannot hide itself here. Tests run every plan through it; the
domain layer can run proposals through it before it books anything.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass

from lessonstudy.scheduler.plan import Booking, CoverAssignment, Plan
from lessonstudy.scheduler.problem import (
    Busy,
    Free,
    Problem,
    Protected,
    ResearchLesson,
    Slot,
    Teaching,
)


@dataclass(frozen=True)
class Violation:
    rule: str
    message: str
    request_id: str | None = None
    person: str | None = None
    slot: Slot | None = None


def check_plan(problem: Problem, plan: Plan) -> list[Violation]:
    return _Checker(problem).run(plan.bookings, plan.unscheduled)


def check_bookings(problem: Problem, bookings: tuple[Booking, ...]) -> list[Violation]:
    """Check bookings alone, without asking that every request be accounted for."""
    return _Checker(problem).run(bookings, None)


class _Checker:
    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        self.violations: list[Violation] = []

    def fail(
        self,
        rule: str,
        message: str,
        request_id: str | None = None,
        person: str | None = None,
        slot: Slot | None = None,
    ) -> None:
        self.violations.append(Violation(rule, message, request_id, person, slot))

    def run(
        self, bookings: tuple[Booking, ...], unscheduled: tuple[str, ...] | None
    ) -> list[Violation]:
        known = [b for b in bookings if self._known(b)]
        if unscheduled is not None:
            self._accounts_for_every_request(known, unscheduled)
        for booking in known:
            self._booking(booking)
        self._one_place_per_person(known)
        self._cover_caps(known)
        self._observation_caps(known)
        self._cycle_spacing(known)
        return self.violations

    def _known(self, booking: Booking) -> bool:
        if not self.problem.has_request(booking.request_id):
            self.fail("unknown_request", f"no request {booking.request_id}", booking.request_id)
            return False
        if not self.problem.has_slot(booking.slot):
            self.fail("unknown_slot", f"{booking.slot} is not a period", booking.request_id)
            return False
        return True

    def _accounts_for_every_request(
        self, bookings: list[Booking], unscheduled: tuple[str, ...]
    ) -> None:
        seen = Counter(b.request_id for b in bookings) + Counter(unscheduled)
        for request in self.problem.requests:
            if seen[request.id] != 1:
                self.fail(
                    "accounting",
                    f"request {request.id} appears {seen[request.id]} times "
                    "across bookings and unscheduled",
                    request.id,
                )

    def _booking(self, booking: Booking) -> None:
        request = self.problem.request(booking.request_id)
        slot = booking.slot
        rid = request.id
        if slot.date not in request.window:
            self.fail("window", f"{slot.date} is outside the request's window", rid, slot=slot)
        if slot.date < self.problem.policy.today + dt.timedelta(
            days=self.problem.policy.notice_days
        ):
            self.fail("notice", f"{slot.date} is inside the notice period", rid, slot=slot)
        if isinstance(request, ResearchLesson):
            self._lesson_exists(rid, request.teacher, request.focus_class, slot)
            if sorted(booking.observers) != sorted(request.observers):
                self.fail("observers", "every member and the knowledgeable other attend", rid)
            self._discussion(request, booking)
        else:
            self._lesson_exists(rid, request.observed, request.class_id, slot)
            if request.lesson_slot is not None and request.lesson_slot != slot:
                self.fail("no_lesson", "the request asks for a different lesson", rid, slot=slot)
            if len(booking.observers) != 1 or booking.observers[0] not in request.observers:
                self.fail("observers", "one of the requested observers watches", rid)
            if booking.discussion is not None:
                self.fail("discussion", "a peer observation books no discussion", rid)
        self._observers_released(booking)

    def _lesson_exists(self, rid: str, teacher: str, class_id: str | None, slot: Slot) -> None:
        status = self.problem.staff_member(teacher).timetable.get(slot)
        if not isinstance(status, Teaching) or (
            class_id is not None and status.class_id != class_id
        ):
            self.fail("no_lesson", f"{teacher} does not teach that lesson then", rid, teacher, slot)

    def _observers_released(self, booking: Booking) -> None:
        rid, slot = booking.request_id, booking.slot
        policy = self.problem.policy
        needed: dict[str, str] = {}
        for observer in booking.observers:
            member = self.problem.staff_member(observer)
            if member.external:
                continue
            status = member.timetable.get(slot, Busy("not at work"))
            if isinstance(status, Busy):
                self.fail("observer_busy", f"{observer} is {status.reason}", rid, observer, slot)
            elif isinstance(status, Protected) and not member.observes_in_protected_time:
                self.fail("protected_time", f"{observer} has {status.kind} time", rid, observer)
            elif isinstance(status, Teaching):
                if status.class_id in policy.classes_never_covered:
                    self.fail(
                        "class_never_covered",
                        f"{observer} teaches {status.class_id}, which is never left to cover",
                        rid,
                        observer,
                        slot,
                    )
                needed[observer] = status.class_id
        covered: dict[str, CoverAssignment] = {}
        for cover in booking.covers:
            if cover.slot != slot or needed.get(cover.released) != cover.class_id:
                self.fail("cover_mismatch", f"cover for {cover.released} fits no release", rid)
            if cover.released in covered:
                self.fail("cover_mismatch", f"{cover.released}'s class is covered twice", rid)
            covered[cover.released] = cover
            self._cover_person(rid, cover)
        for observer, class_id in needed.items():
            if observer not in covered:
                self.fail(
                    "uncovered_class", f"{class_id} is left without cover", rid, observer, slot
                )

    def _cover_person(self, rid: str, cover: CoverAssignment) -> None:
        person, slot = cover.cover, cover.slot
        if self.problem.is_cover_supervisor(person):
            if cover.by_teacher:
                self.fail("cover_flag", f"{person} is not a teacher", rid, person, slot)
            if slot not in self.problem.cover_supervisor(person).available:
                self.fail("cover_unavailable", f"{person} is not available", rid, person, slot)
            return
        if not self.problem.is_staff(person) or self.problem.staff_member(person).external:
            self.fail("cover_unavailable", f"{person} cannot cover here", rid, person, slot)
            return
        if not cover.by_teacher:
            self.fail("cover_flag", f"teacher cover by {person} is not flagged", rid, person, slot)
        if not self.problem.policy.teachers_may_cover:
            self.fail("teacher_cover", "the school does not allow teacher cover", rid, person)
        status = self.problem.staff_member(person).timetable.get(slot)
        if not isinstance(status, Free):
            self.fail("cover_unavailable", f"{person} is not free to cover", rid, person, slot)

    def _discussion(self, request: ResearchLesson, booking: Booking) -> None:
        rid, talk = request.id, booking.discussion
        if talk is None:
            if request.needs_discussion:
                self.fail("discussion", "the research lesson has no discussion", rid)
            return
        if not request.needs_discussion:
            self.fail("discussion", "a discussion was booked that was not asked for", rid)
        if not self.problem.has_slot(talk):
            self.fail("discussion", f"{talk} is not a period", rid)
            return
        days_after = (talk.date - booking.slot.date).days
        if talk <= booking.slot or days_after > self.problem.policy.discussion_within_days:
            self.fail("discussion", "the discussion does not follow the lesson in time", rid)
        for person in request.group:
            member = self.problem.staff_member(person)
            if not member.external and not isinstance(member.timetable.get(talk), Free):
                self.fail("discussion", f"{person} is not free to discuss", rid, person, talk)

    def _one_place_per_person(self, bookings: list[Booking]) -> None:
        places: defaultdict[tuple[str, Slot], list[str]] = defaultdict(list)
        for booking in bookings:
            request = self.problem.request(booking.request_id)
            teacher = request.teacher if isinstance(request, ResearchLesson) else request.observed
            for person in (teacher, *booking.observers):
                places[person, booking.slot].append(booking.request_id)
            for cover in booking.covers:
                places[cover.cover, cover.slot].append(booking.request_id)
            if isinstance(request, ResearchLesson) and booking.discussion is not None:
                for person in request.group:
                    places[person, booking.discussion].append(booking.request_id)
        for (person, slot), uses in places.items():
            if len(uses) > 1:
                self.fail(
                    "double_booked", f"{person} is in {len(uses)} places", uses[0], person, slot
                )

    def _cover_caps(self, bookings: list[Booking]) -> None:
        # Only counts this plan adds to can break a cap here: a cap already
        # exceeded by past cover is the past's problem, not this plan's.
        done: Counter[tuple[str, str, str]] = Counter()
        for supervisor in self.problem.cover_supervisors:
            for slot in supervisor.cover_done:
                _count_periods(done, supervisor.id, slot)
        for member in self.problem.staff:
            for slot in member.cover_done:
                _count_periods(done, member.id, slot)
        planned: Counter[tuple[str, str, str]] = Counter()
        for booking in bookings:
            for cover in booking.covers:
                _count_periods(planned, cover.cover, cover.slot)
        for (person, period, when), count in planned.items():
            total = count + done[person, period, when]
            if self.problem.is_cover_supervisor(person):
                supervisor = self.problem.cover_supervisor(person)
                cap = {
                    "day": supervisor.max_per_day,
                    "week": supervisor.max_per_week,
                    "term": supervisor.max_per_term,
                }[period]
                if total > cap:
                    self.fail(
                        "cover_cap", f"{person} covers {total} in {period} {when}", None, person
                    )
            elif period in ("week", "term"):
                per_week, per_term = self.problem.teacher_cover_caps(person)
                teacher_cap = per_week if period == "week" else per_term
                if teacher_cap is not None and total > teacher_cap:
                    self.fail(
                        "teacher_cover_cap", f"{person} covers {total} in {when}", None, person
                    )

    def _observation_caps(self, bookings: list[Booking]) -> None:
        done: Counter[tuple[str, str, str]] = Counter()
        for member in self.problem.staff:
            if not member.external:
                for slot in member.observations_done:
                    done[member.id, "term", slot.term] += 1
                    done[member.id, "year", ""] += 1
        planned: Counter[tuple[str, str, str]] = Counter()
        for booking in bookings:
            for observer in booking.observers:
                if not self.problem.staff_member(observer).external:
                    planned[observer, "term", booking.slot.term] += 1
                    planned[observer, "year", ""] += 1
        policy = self.problem.policy
        caps = {"term": policy.max_observations_per_term, "year": policy.max_observations_per_year}
        for (person, period, when), count in planned.items():
            cap = caps[period]
            total = count + done[person, period, when]
            if cap is not None and total > cap:
                self.fail(
                    "observation_cap", f"{person} observes {total} in {period} {when}", None, person
                )

    def _cycle_spacing(self, bookings: list[Booking]) -> None:
        gap = self.problem.policy.min_days_between_cycles
        lessons: defaultdict[str, list[tuple[int, dt.date, str]]] = defaultdict(list)
        for booking in bookings:
            request = self.problem.request(booking.request_id)
            if isinstance(request, ResearchLesson):
                lessons[request.group_id].append((request.cycle, booking.slot.date, request.id))
        for group in lessons.values():
            group.sort()
            for i, (cycle, day, rid) in enumerate(group):
                for later_cycle, later_day, later_rid in group[i + 1 :]:
                    if later_cycle > cycle and (later_day - day).days < gap:
                        self.fail(
                            "cycle_spacing",
                            f"cycle {later_cycle} ({later_rid}) is under {gap} days after "
                            f"cycle {cycle} ({rid})",
                            later_rid,
                        )


def _count_periods(counts: Counter[tuple[str, str, str]], person: str, slot: Slot) -> None:
    counts[person, "day", slot.date.isoformat()] += 1
    counts[person, "week", slot.week] += 1
    counts[person, "term", slot.term] += 1
