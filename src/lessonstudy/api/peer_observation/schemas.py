"""Request and response bodies for peer observation.

There is no grade, score or rating anywhere in these bodies, by design (a test
walks the OpenAPI document to keep it so). Notes are lists of short entries so
the judgement guard can point at the entry it objects to (``evidence[2]``).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, time
from typing import Annotated

import msgspec
from msgspec import UNSET, UnsetType

from lessonstudy.api.schemas import Name, ShortName
from lessonstudy.domain.commitments import CommitmentKind
from lessonstudy.domain.cover_requests import CoverStatus
from lessonstudy.domain.peer_observation.access import SharedPart
from lessonstudy.domain.peer_observation.matching import FindObserver
from lessonstudy.domain.peer_observation.models import GuardMode, ObservationOrigin
from lessonstudy.domain.peer_observation.records import ObservationStatus
from lessonstudy.integrations.dataset import PeriodCode

# Multi-line text: tabs and line breaks allowed, other control characters not,
# and something visible required (spelled out for ECMA-262 clients, as in api/schemas.py).
_SPACE = r"\x20\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
_PARA = r"[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]"
_SEEN = rf"[^\x00-\x20\x7f-\x9f{_SPACE}]"
_PARAGRAPH = rf"^{_PARA}*{_SEEN}{_PARA}*$"
_LINE = rf"^[^\x00-\x1f\x7f-\x9f]*{_SEEN}[^\x00-\x1f\x7f-\x9f]*$"

Focus = Annotated[
    str,
    msgspec.Meta(
        min_length=1,
        max_length=2000,
        pattern=_PARAGRAPH,
        description="What the observation looks at, in the teacher's words.",
    ),
]
Entry = Annotated[str, msgspec.Meta(min_length=1, max_length=2000, pattern=_PARAGRAPH)]
Entries = Annotated[list[Entry], msgspec.Meta(max_length=50)]
LongText = Annotated[str, msgspec.Meta(min_length=1, max_length=5000, pattern=_PARAGRAPH)]
Reason = Annotated[str, msgspec.Meta(min_length=1, max_length=500, pattern=_LINE)]
Purpose = Annotated[
    str,
    msgspec.Meta(
        min_length=1,
        max_length=200,
        pattern=_LINE,
        description="Why the notes are shared; appraisal and performance management are refused.",
    ),
]
TagName = Annotated[str, msgspec.Meta(min_length=1, max_length=60, pattern=_LINE)]
TagNames = Annotated[list[TagName], msgspec.Meta(max_length=10)]
GuardPattern = Annotated[str, msgspec.Meta(min_length=1, max_length=300, pattern=_LINE)]


class ObservationPersonOut(msgspec.Struct, kw_only=True):
    staff_id: uuid.UUID
    name: str


# Observations


class ObservationOut(msgspec.Struct, kw_only=True):
    """An observation, as its two people see it."""

    id: uuid.UUID
    origin: ObservationOrigin
    """`request`: the observed teacher asked; `offer`: a colleague asked to come and watch."""
    status: ObservationStatus
    """`booked`: agreed and in the timetable (whoever booked it)."""
    observed: ObservationPersonOut
    observer: ObservationPersonOut
    day: date = msgspec.field(name="date")
    period: str
    starts_at: time
    ends_at: time
    class_code: str
    subject: str | None
    room: str | None
    focus: str | None
    """Chosen by the observed teacher; an offer may suggest one until they accept."""
    focus_tags: list[str]
    beyond_policy: bool
    """The observed teacher asked for this beyond the school's caps or notice period."""
    closing_reason: str | None
    has_notes: bool
    has_reflection: bool
    created_at: datetime
    updated_at: datetime


class ObservationPage(msgspec.Struct, kw_only=True):
    items: list[ObservationOut]
    next_cursor: str | None


class ObservationRequestIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Ask to be observed in one of your timetabled lessons (by date and period).

    Name an observer with `observer_id`, or set `find_observer` to have one
    found among colleagues free (or releasable with cover) then.
    """

    day: date = msgspec.field(name="date")
    period: PeriodCode
    class_code: ShortName | None = None
    """Optional check: the class you expect to be teaching then."""
    focus: Focus
    focus_tags: TagNames = msgspec.field(default_factory=list)
    observer_id: uuid.UUID | None = None
    find_observer: FindObserver | None = None
    beyond_policy: bool = False
    """Ask for it even if it is beyond the school's caps or notice period."""


class ObservationOfferIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Ask a colleague whether you may observe one of their lessons."""

    observed_id: uuid.UUID
    day: date = msgspec.field(name="date")
    period: PeriodCode
    class_code: ShortName | None = None
    focus: Focus | None = None
    """A suggested focus; the observed teacher chooses when they accept."""
    focus_tags: TagNames = msgspec.field(default_factory=list)


class ObservationAcceptIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    focus: Focus | None = None
    """Your focus; needed unless the offer suggested one you are happy with."""
    focus_tags: TagNames | None = None
    beyond_policy: bool = False


class ObservationClosingIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    reason: Reason | None = None


# Booking


class ObservationBookingIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    cover_by: uuid.UUID | None = None
    """If the observer teaches then: who covers their class (default: the first available)."""
    use_protected: bool = False
    """The observer opts in to observing in their own PPA or ECT time (observer only)."""


class ObservationCommitmentOut(msgspec.Struct, kw_only=True):
    staff_id: uuid.UUID
    day: date = msgspec.field(name="date")
    period: str
    kind: CommitmentKind


class ObservationCoverRequestOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    day: date = msgspec.field(name="date")
    period: str
    class_code: str
    released_staff_id: uuid.UUID
    proposed_cover_staff_id: uuid.UUID | None
    cover_staff_id: uuid.UUID | None
    teacher_cover: bool
    status: CoverStatus


class ObservationBookingOut(msgspec.Struct, kw_only=True):
    observation_id: uuid.UUID
    booked: bool
    commitments: list[ObservationCommitmentOut]
    cover_requests: list[ObservationCoverRequestOut]


# Notes and reflection


class ObservationNotesIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    evidence: Entries = msgspec.field(default_factory=list)
    """What pupils and the teacher did and said, against the focus."""
    questions: Entries = msgspec.field(default_factory=list)
    """Questions for the teacher."""
    takeaways: Entries = msgspec.field(default_factory=list)
    """What the observer takes back to their own practice."""


class ObservationNoteWarning(msgspec.Struct, kw_only=True):
    field: str
    """Where: `evidence[2]`, `questions[0]`..."""
    phrase: str


class ObservedLessonOut(msgspec.Struct, kw_only=True):
    observed: ObservationPersonOut
    observer: ObservationPersonOut
    day: date = msgspec.field(name="date")
    period: str
    class_code: str
    subject: str | None
    focus: str | None
    focus_tags: list[str]


class ObservationNotesOut(msgspec.Struct, kw_only=True):
    observation_id: uuid.UUID
    lesson: ObservedLessonOut
    evidence: list[str]
    questions: list[str]
    takeaways: list[str]
    warnings: list[ObservationNoteWarning]
    """Verdict-like phrases kept because the school's guard only warns (the two people only)."""
    created_at: datetime
    updated_at: datetime


class ObservationReflectionIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    reflection: LongText
    follow_up_action: LongText | UnsetType | None = UNSET
    follow_up_on: date | UnsetType = UNSET
    """Default: a week after the lesson (or after today, if later). A reminder comes that day."""


class ObservationReflectionOut(msgspec.Struct, kw_only=True):
    observation_id: uuid.UUID
    reflection: str
    follow_up_action: str | None
    follow_up_on: date
    reminded_at: datetime | None
    created_at: datetime
    updated_at: datetime


# Shares and the read log


class ObservationShareIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    people: Annotated[list[uuid.UUID], msgspec.Meta(min_length=1, max_length=50)]
    """One named person, or the members of a group."""
    group_name: ShortName | None = None
    """What to call the group, e.g. "Maths department"."""
    purpose: Purpose
    until: date | None = None
    """Last day the share lets them read (school-local); none: until revoked."""
    include_reflection: bool = False


class ObservationShareOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    observation_id: uuid.UUID
    people: list[ObservationPersonOut]
    group_name: str | None
    purpose: str
    until: date | None
    include_reflection: bool
    active: bool
    """Not revoked and not past its end date."""
    created_at: datetime
    revoked_at: datetime | None


class ObservationSharePage(msgspec.Struct, kw_only=True):
    items: list[ObservationShareOut]
    next_cursor: str | None


class ObservationReadOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    reader: ObservationPersonOut
    part: SharedPart
    read_at: datetime
    share_id: uuid.UUID


class ObservationReadPage(msgspec.Struct, kw_only=True):
    items: list[ObservationReadOut]
    next_cursor: str | None


class SharedWithMeOut(msgspec.Struct, kw_only=True):
    share_id: uuid.UUID
    observation_id: uuid.UUID
    observed: ObservationPersonOut
    observer: ObservationPersonOut
    day: date = msgspec.field(name="date")
    period: str
    class_code: str
    focus: str | None
    purpose: str
    until: date | None
    include_reflection: bool
    shared_at: datetime


class SharedWithMePage(msgspec.Struct, kw_only=True):
    items: list[SharedWithMeOut]
    next_cursor: str | None


# Policy, focus tags and counts

# Quarter hours; no cap is null, not 0 (a cap of nothing would forbid observation).
Hours = Annotated[float, msgspec.Meta(ge=0.25, le=1000, multiple_of=0.25)]


class ObservationPolicyOut(msgspec.Struct, kw_only=True):
    max_observations_per_year: int | None
    """How many times one teacher may be observed in an academic year; null: no cap."""
    max_hours_per_year: float | None
    min_notice_days: int
    guard_mode: GuardMode
    """`refuse`: judgement language refuses the notes (422); `warn`: kept, with warnings."""
    guard_patterns: list[str] | None
    """The school's own phrase patterns (Python regular expressions, case-insensitive);
    null: the default set."""
    default_guard_patterns: list[str]


class ObservationPolicyUpdate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Only the fields sent change; null removes a cap or restores the default patterns."""

    max_observations_per_year: Annotated[int, msgspec.Meta(ge=0, le=100)] | UnsetType | None = UNSET
    max_hours_per_year: Hours | UnsetType | None = UNSET
    min_notice_days: Annotated[int, msgspec.Meta(ge=0, le=120)] | UnsetType = UNSET
    guard_mode: GuardMode | UnsetType = UNSET
    guard_patterns: (
        Annotated[list[GuardPattern], msgspec.Meta(max_length=100)] | UnsetType | None
    ) = UNSET


class FocusTagIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    name: TagName
    description: Name | None = None


class FocusTagOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    name: str
    description: str | None
    created_at: datetime


class FocusTagPage(msgspec.Struct, kw_only=True):
    items: list[FocusTagOut]
    next_cursor: str | None


class ObservationTermOut(msgspec.Struct, kw_only=True):
    name: str
    starts_on: date
    ends_on: date


class ObservationPersonCountOut(msgspec.Struct, kw_only=True):
    staff_id: uuid.UUID
    name: str
    given: int
    """Booked observations this person made of colleagues in the term."""
    received: int
    """Booked observations of this person's lessons in the term."""


class ObservationCountsOut(msgspec.Struct, kw_only=True):
    """Counts only: nothing written about any observation is ever part of this."""

    term: ObservationTermOut
    deleted: int
    """Observations deleted by their teacher after they took place: anonymous."""
    items: list[ObservationPersonCountOut]
    next_cursor: str | None
