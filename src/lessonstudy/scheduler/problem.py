"""The scheduling problem: who is where in every period, what is asked, and the school's rules.

A plain data model so that the database layer can build it from timetable rows
without knowing anything about the solver. Every person, class and request is
named by a string id; every collection is a tuple, frozenset or read-only mapping.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Protocol, TypeVar


@dataclass(frozen=True, order=True)
class Slot:
    """One period on one school day.

    Identity and order are (date, period) only; the week and term keys are labels
    the caps count by, so the school decides what a "week" or "term" is.
    """

    date: dt.date
    period: int
    week: str = field(compare=False)
    term: str = field(compare=False)


@dataclass(frozen=True)
class Free:
    """At work and not timetabled."""


@dataclass(frozen=True)
class Teaching:
    class_id: str


@dataclass(frozen=True)
class Protected:
    """Protected non-contact time (PPA or ECT time): never cover, observing only if opted in."""

    kind: str


@dataclass(frozen=True)
class Busy:
    """Anything that rules the period out: absent, a duty, a meeting, a booked commitment."""

    reason: str


SlotStatus = Free | Teaching | Protected | Busy

FREE = Free()
NOT_AT_WORK = Busy("not at work")


@dataclass(frozen=True)
class StaffMember:
    """A teacher, or a visitor such as an external knowledgeable other.

    `timetable` lists the periods the person is at work; a period missing from it
    means not at work (part-time day, outside the contract), so the database layer
    never has to invent "free" rows for days off.
    """

    id: str
    timetable: Mapping[Slot, SlotStatus] = field(default_factory=lambda: MappingProxyType({}))
    observes_in_protected_time: bool = False
    # A visitor from outside the school is available whenever the group needs them,
    # has no timetable here, is never asked to cover and counts against no cap.
    external: bool = False
    # Observing and teacher cover already done or booked this year: they count
    # against the caps and towards the fairness of the load.
    observations_done: tuple[Slot, ...] = ()
    cover_done: tuple[Slot, ...] = ()
    # The person's own caps on covering as a teacher, in place of the policy's.
    cover_cap_per_week: int | None = None
    cover_cap_per_term: int | None = None

    def status(self, slot: Slot) -> SlotStatus:
        if self.external:
            return FREE
        return self.timetable.get(slot, NOT_AT_WORK)


@dataclass(frozen=True)
class CoverSupervisor:
    """Someone employed to cover (cover supervisor, HLTA, booked supply)."""

    id: str
    available: frozenset[Slot]
    max_per_day: int
    max_per_week: int
    max_per_term: int
    cover_done: tuple[Slot, ...] = ()


@dataclass(frozen=True)
class DateWindow:
    first: dt.date
    last: dt.date

    def __contains__(self, day: object) -> bool:
        return isinstance(day, dt.date) and self.first <= day <= self.last


@dataclass(frozen=True)
class ResearchLesson:
    """One cycle of a study group: `teacher` teaches `focus_class`, everyone else watches."""

    id: str
    group_id: str
    cycle: int
    teacher: str
    focus_class: str
    members: tuple[str, ...]
    window: DateWindow
    knowledgeable_other: str | None = None
    needs_discussion: bool = True
    priority: int = 1
    preferred_slots: frozenset[Slot] = frozenset()

    @property
    def observers(self) -> tuple[str, ...]:
        if self.knowledgeable_other is None:
            return self.members
        return (*self.members, self.knowledgeable_other)

    @property
    def group(self) -> tuple[str, ...]:
        """Everyone who meets for the post-lesson discussion."""
        return (self.teacher, *self.observers)


@dataclass(frozen=True)
class PeerObservation:
    """A teacher asks one colleague to watch one of their lessons.

    The lesson is pinned by `lesson_slot`, narrowed by `class_id`, or any lesson in
    the window. `observers` holds one named observer or the candidates the observed
    teacher would accept, of whom exactly one is chosen.
    """

    id: str
    observed: str
    observers: tuple[str, ...]
    window: DateWindow
    lesson_slot: Slot | None = None
    class_id: str | None = None
    priority: int = 1
    preferred_slots: frozenset[Slot] = frozenset()


Request = ResearchLesson | PeerObservation


def anchor_teacher(request: Request) -> str:
    """The person whose own lesson the request is built around."""
    if isinstance(request, ResearchLesson):
        return request.teacher
    return request.observed


@dataclass(frozen=True)
class Policy:
    """The school's rules for release, cover and spacing."""

    today: dt.date
    # Calendar days between asking and the earliest date a request may be booked.
    notice_days: int = 0
    teachers_may_cover: bool = False
    teacher_cover_cap_per_term: int = 0
    # None: teachers' cover is capped per term only.
    teacher_cover_cap_per_week: int | None = None
    # How many supervisor covers one teacher cover is worth in the objective.
    # Above the most releases one request can need, so within a request teacher
    # cover is always the last resort.
    teacher_cover_cost: int = 4
    classes_never_covered: frozenset[str] = frozenset()
    max_observations_per_term: int | None = None
    max_observations_per_year: int | None = None
    # 0 means the discussion is the same day as the research lesson.
    discussion_within_days: int = 0
    min_days_between_cycles: int = 1

    @property
    def earliest_date(self) -> dt.date:
        return self.today + dt.timedelta(days=self.notice_days)


class ProblemError(ValueError):
    """The problem refers to something it does not define."""


@dataclass(frozen=True)
class Problem:
    slots: tuple[Slot, ...]
    staff: tuple[StaffMember, ...]
    cover_supervisors: tuple[CoverSupervisor, ...]
    requests: tuple[Request, ...]
    policy: Policy
    _staff_by_id: Mapping[str, StaffMember] = field(init=False, repr=False, compare=False)
    _supervisors_by_id: Mapping[str, CoverSupervisor] = field(init=False, repr=False, compare=False)
    _requests_by_id: Mapping[str, Request] = field(init=False, repr=False, compare=False)
    _slot_rank: Mapping[Slot, int] = field(init=False, repr=False, compare=False)
    _day_rank: Mapping[dt.date, int] = field(init=False, repr=False, compare=False)
    _slots_by_day: Mapping[dt.date, tuple[Slot, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        staff_by_id = _unique_ids("staff", self.staff)
        supervisors_by_id = _unique_ids("cover supervisor", self.cover_supervisors)
        both = staff_by_id.keys() & supervisors_by_id.keys()
        if both:
            raise ProblemError(f"ids used for both staff and cover supervisors: {sorted(both)}")
        requests_by_id = _unique_ids("request", self.requests)
        ordered = sorted(set(self.slots))
        if len(ordered) != len(self.slots):
            raise ProblemError("a slot is listed twice")
        days = sorted({slot.date for slot in ordered})
        slots_by_day: dict[dt.date, list[Slot]] = {day: [] for day in days}
        for slot in ordered:
            slots_by_day[slot.date].append(slot)
        # Frozen dataclass: the indexes are derived once here and never change.
        object.__setattr__(self, "_staff_by_id", MappingProxyType(staff_by_id))
        object.__setattr__(self, "_supervisors_by_id", MappingProxyType(supervisors_by_id))
        object.__setattr__(self, "_requests_by_id", MappingProxyType(requests_by_id))
        object.__setattr__(
            self, "_slot_rank", MappingProxyType({slot: i for i, slot in enumerate(ordered)})
        )
        object.__setattr__(
            self, "_day_rank", MappingProxyType({day: i for i, day in enumerate(days)})
        )
        cycles = [(r.group_id, r.cycle) for r in self.requests if isinstance(r, ResearchLesson)]
        if len(set(cycles)) != len(cycles):
            raise ProblemError("two research lessons share a group and a cycle number")
        object.__setattr__(
            self,
            "_slots_by_day",
            MappingProxyType({day: tuple(slots) for day, slots in slots_by_day.items()}),
        )
        for request in self.requests:
            self._check_request(request)

    def _check_request(self, request: Request) -> None:
        people = (
            request.group
            if isinstance(request, ResearchLesson)
            else (request.observed, *request.observers)
        )
        for person in people:
            if person not in self._staff_by_id:
                raise ProblemError(f"request {request.id} names unknown staff member {person}")
        if len(set(people)) != len(people):
            raise ProblemError(f"request {request.id} names a person twice")
        if isinstance(request, PeerObservation) and not request.observers:
            raise ProblemError(f"request {request.id} has no observer")
        if request.priority < 1:
            raise ProblemError(f"request {request.id} has priority below 1")

    def staff_member(self, person: str) -> StaffMember:
        return self._staff_by_id[person]

    def teacher_cover_caps(self, person: str) -> tuple[int | None, int]:
        """How much a teacher may cover in a week (None: no weekly cap) and in a term."""
        member = self._staff_by_id[person]
        week = member.cover_cap_per_week
        if week is None:
            week = self.policy.teacher_cover_cap_per_week
        term = member.cover_cap_per_term
        return week, self.policy.teacher_cover_cap_per_term if term is None else term

    def cover_supervisor(self, person: str) -> CoverSupervisor:
        return self._supervisors_by_id[person]

    def is_staff(self, person: str) -> bool:
        return person in self._staff_by_id

    def is_cover_supervisor(self, person: str) -> bool:
        return person in self._supervisors_by_id

    def request(self, request_id: str) -> Request:
        return self._requests_by_id[request_id]

    def has_request(self, request_id: str) -> bool:
        return request_id in self._requests_by_id

    def status(self, person: str, slot: Slot) -> SlotStatus:
        return self._staff_by_id[person].status(slot)

    def slot_rank(self, slot: Slot) -> int:
        """Position of the slot in time across the whole horizon."""
        return self._slot_rank[slot]

    def has_slot(self, slot: Slot) -> bool:
        return slot in self._slot_rank

    def day_rank(self, day: dt.date) -> int:
        """Position of the school day among the horizon's school days."""
        return self._day_rank[day]

    def slots_on(self, day: dt.date) -> tuple[Slot, ...]:
        """The day's periods in order; empty for a day that is not a school day."""
        return self._slots_by_day.get(day, ())

    @property
    def school_days(self) -> int:
        return len(self._day_rank)

    @property
    def ordered_slots(self) -> tuple[Slot, ...]:
        return tuple(self._slot_rank)


class _HasId(Protocol):
    @property
    def id(self) -> str: ...


_Identified = TypeVar("_Identified", bound=_HasId)


def _unique_ids(kind: str, items: Iterable[_Identified]) -> dict[str, _Identified]:
    by_id: dict[str, _Identified] = {}
    for item in items:
        if item.id in by_id:
            raise ProblemError(f"{kind} id {item.id} is used twice")
        by_id[item.id] = item
    return by_id
