"""What can be asked of the scheduler, in the school's terms: people by id, periods by code.

Plain dataclasses, so the lesson-study cycles and peer observations can build
the same requests from their own records as the scheduling API builds from a
body. A run stores its requests as JSON (`to_json` / `from_json`), which is
also how the worker receives them.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import msgspec

from lessonstudy.errors import RuleBroken

# A request looks at most this far ahead: a school year.
MAX_WINDOW_DAYS = 366


class RequestFor(enum.StrEnum):
    """What an accepted booking is for; the commitments carry it as their purpose."""

    RESEARCH_LESSON = "research_lesson"
    OBSERVATION = "observation"


# The purpose of commitments booked for a request that names nothing it is for.
SCHEDULING_REQUEST = "scheduling_request"


@dataclass(frozen=True, slots=True)
class Purpose:
    kind: RequestFor
    id: uuid.UUID


@dataclass(frozen=True, slots=True)
class PeriodRef:
    """A school date and one of its periods, by code."""

    day: date
    period: str


@dataclass(frozen=True, slots=True)
class ResearchLessonRequest:
    """`teacher_id` teaches `class_code` while the members (and a knowledgeable other) watch."""

    id: uuid.UUID
    teacher_id: uuid.UUID
    class_code: str
    member_ids: tuple[uuid.UUID, ...]
    first_day: date
    last_day: date
    knowledgeable_other_id: uuid.UUID | None = None
    needs_discussion: bool = True
    priority: int = 1
    preferred: tuple[PeriodRef, ...] = ()
    # Cycles of one study group are kept apart by the policy's days, in cycle order.
    group_id: uuid.UUID | None = None
    cycle: int = 1
    purpose: Purpose | None = None

    @property
    def anchor_id(self) -> uuid.UUID:
        return self.teacher_id

    @property
    def observer_ids(self) -> tuple[uuid.UUID, ...]:
        extra = () if self.knowledgeable_other_id is None else (self.knowledgeable_other_id,)
        return (*self.member_ids, *extra)


@dataclass(frozen=True, slots=True)
class ObservationRequest:
    """`observed_id` asks one of `observer_ids` (one named, or candidates) to watch a lesson.

    The lesson is pinned by `lesson`, narrowed to a class by `class_code`, or any
    of the observed teacher's lessons in the window.
    """

    id: uuid.UUID
    observed_id: uuid.UUID
    observer_ids: tuple[uuid.UUID, ...]
    first_day: date
    last_day: date
    lesson: PeriodRef | None = None
    class_code: str | None = None
    priority: int = 1
    preferred: tuple[PeriodRef, ...] = ()
    purpose: Purpose | None = None

    @property
    def anchor_id(self) -> uuid.UUID:
        return self.observed_id


SchedulingRequest = ResearchLessonRequest | ObservationRequest


def participants(request: SchedulingRequest) -> tuple[uuid.UUID, ...]:
    """Everyone the request names: the person teaching first."""
    return (request.anchor_id, *request.observer_ids)


def purpose_of(request: SchedulingRequest) -> tuple[str, uuid.UUID]:
    """The purpose and purpose id its commitments and cover requests will carry."""
    if request.purpose is not None:
        return request.purpose.kind.value, request.purpose.id
    return SCHEDULING_REQUEST, request.id


def check_request(request: SchedulingRequest, field: str = "request") -> None:
    """Refuse a request the scheduler could only misread, naming the field to fix."""
    problems: list[dict[str, str]] = []
    if request.last_day < request.first_day:
        problems.append({"field": f"{field}.window.to", "message": "must not be before from"})
    elif request.last_day - request.first_day > timedelta(days=MAX_WINDOW_DAYS):
        problems.append(
            {"field": f"{field}.window.to", "message": f"at most {MAX_WINDOW_DAYS} days"}
        )
    people = participants(request)
    if len(set(people)) != len(people):
        problems.append({"field": field, "message": "names the same person twice"})
    if not request.observer_ids:
        problems.append({"field": field, "message": "needs at least one observer"})
    lesson = request.lesson if isinstance(request, ObservationRequest) else None
    if lesson is not None and not request.first_day <= lesson.day <= request.last_day:
        problems.append({"field": f"{field}.lesson", "message": "must be inside the window"})
    if problems:
        raise RuleBroken(
            "the scheduling request cannot be planned as it stands: "
            + "; ".join(f"{p['field']} {p['message']}" for p in problems),
            errors=problems,
        )


def check_requests(requests: Iterable[SchedulingRequest]) -> None:
    for index, request in enumerate(requests):
        check_request(request, f"requests[{index}]")


_KINDS: dict[str, type[SchedulingRequest]] = {
    "research_lesson": ResearchLessonRequest,
    "observation": ObservationRequest,
}
_KIND_OF = {kind: name for name, kind in _KINDS.items()}


def to_json(request: SchedulingRequest) -> dict[str, Any]:
    data: dict[str, Any] = msgspec.to_builtins(request)
    data["kind"] = _KIND_OF[type(request)]
    return data


def from_json(data: dict[str, Any]) -> SchedulingRequest:
    fields = {key: value for key, value in data.items() if key != "kind"}
    return msgspec.convert(fields, _KINDS[data["kind"]])
