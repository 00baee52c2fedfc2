"""Bodies of the lesson-study API about groups, write-ups and oversight, and the text limits
every lesson-study body shares."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

import msgspec
from litestar.params import QueryParameter
from msgspec import UNSET, UnsetType

from lessonstudy.api.schemas import Email, Name, ShortName
from lessonstudy.domain.lesson_study import tables
from lessonstudy.domain.lesson_study.stages import Stage

# Text of several lines: tabs and line breaks allowed, other control characters
# refused, and something visible required. The leading run may hold only
# spacing, so the pattern cannot backtrack badly on long input.
_SPACE = r"\x20\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
_CHAR = r"[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]"
_VISIBLE = rf"[^\x00-\x1f\x7f-\x9f{_SPACE}]"
_PARAGRAPHS = rf"^[\t\n\r{_SPACE}]*{_VISIBLE}{_CHAR}*$"


def text_limit(limit: int, description: str | None = None) -> msgspec.Meta:
    return msgspec.Meta(
        min_length=1, max_length=limit, pattern=_PARAGRAPHS, description=description
    )


Paragraphs = Annotated[str, text_limit(tables.TEXT_MAX)]
NoteText = Annotated[str, text_limit(tables.NOTE_MAX)]
Reason = Annotated[str, text_limit(tables.REASON_MAX)]
Profile = Annotated[
    str,
    text_limit(
        tables.PROFILE_MAX,
        "A short learner profile: how the pupil learns, never who they are.",
    ),
]
ResearchFocus = Annotated[
    str,
    text_limit(tables.FOCUS_MAX, "Phrased as 'improve how we teach X to Y'."),
]
ClassCode = ShortName
PupilCode = Annotated[
    str,
    msgspec.Meta(
        min_length=1,
        max_length=4,
        pattern=tables.PUPIL_CODE_PATTERN,
        description="A pseudonymous code such as 'A': never a name or an MIS id.",
    ),
]
AcademicYear = Annotated[
    str,
    msgspec.Meta(min_length=7, max_length=7, pattern=r"^[0-9]{4}-[0-9]{2}$", examples=["2026-27"]),
]
# Query parameters take their limits from QueryParameter, not msgspec.Meta.
AcademicYearQuery = Annotated[
    str | None,
    QueryParameter(
        description="Only groups of this academic year, e.g. 2026-27.",
        min_length=7,
        max_length=7,
        pattern=r"^[0-9]{4}-[0-9]{2}$",
    ),
]
PlannedCycles = Annotated[int, msgspec.Meta(ge=1, le=6)]
StageNumber = Annotated[int, msgspec.Meta(ge=1, le=12, description="The plan's stage, from 1.")]


# Study groups and case pupils


class PersonOut(msgspec.Struct, kw_only=True):
    staff_id: uuid.UUID
    name: str


class KnowledgeableOtherIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A member of staff (`staff_id`), or someone from outside (`name` and `email`)."""

    staff_id: uuid.UUID | None = None
    name: Name | None = None
    email: Email | None = None


class KnowledgeableOtherOut(msgspec.Struct, kw_only=True):
    staff_id: uuid.UUID | None
    """Null for someone from outside the school (who has no login)."""
    name: str
    email: str | None
    """An outside person's email, shown to the group only."""


class CasePupilIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    code: PupilCode
    profile: Profile | None = None


class CasePupilUpdate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    profile: Profile | None


class CasePupilOut(msgspec.Struct, kw_only=True):
    code: str
    profile: str | None
    """Null until written, and after the retention job erased it."""


class CasePupilList(msgspec.Struct, kw_only=True):
    items: list[CasePupilOut]


class CycleBriefOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    number: int
    stage: Stage
    teacher_id: uuid.UUID | None
    lesson_date: date | None
    lesson_period: str | None


class StudyGroupCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    research_focus: ResearchFocus
    focus_class: ClassCode
    academic_year: AcademicYear
    member_ids: Annotated[list[uuid.UUID], msgspec.Meta(min_length=2, max_length=4)]
    """2 to 4 teachers; a teacher forming a group includes themselves."""
    planned_cycles: PlannedCycles = 3
    knowledgeable_other: KnowledgeableOtherIn | None = None
    case_pupils: Annotated[list[CasePupilIn], msgspec.Meta(min_length=1, max_length=6)] | None = (
        None
    )
    """Default: pupils A, B and C, profiles to be written."""
    retention_date: date | None = None
    """When pupil data is erased; default 31 August at the end of the academic year."""


class StudyGroupUpdate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Only the fields sent change; send `knowledgeable_other: null` to remove them."""

    research_focus: ResearchFocus | UnsetType = UNSET
    focus_class: ClassCode | UnsetType = UNSET
    academic_year: AcademicYear | UnsetType = UNSET
    member_ids: Annotated[list[uuid.UUID], msgspec.Meta(min_length=2, max_length=4)] | UnsetType = (
        UNSET
    )
    planned_cycles: PlannedCycles | UnsetType = UNSET
    knowledgeable_other: KnowledgeableOtherIn | UnsetType | None = UNSET
    retention_date: date | UnsetType = UNSET


class StudyGroupOut(msgspec.Struct, kw_only=True):
    """A study group's outline and progress (its content is read through its own routes)."""

    id: uuid.UUID
    research_focus: str
    focus_class: str
    academic_year: str
    planned_cycles: int
    members: list[PersonOut]
    knowledgeable_other: KnowledgeableOtherOut | None
    retention_date: date
    pupil_data_erased_at: datetime | None
    case_pupils: int
    """How many case pupils the group follows."""
    cycles: list[CycleBriefOut]
    write_up_published_at: datetime | None
    created_at: datetime
    updated_at: datetime


class StudyGroupPage(msgspec.Struct, kw_only=True):
    items: list[StudyGroupOut]
    next_cursor: str | None


# Write-ups


class WriteUpIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    focus: Paragraphs | None = None
    """Default: the group's research focus."""
    learned: Paragraphs | None = None
    evidence: Paragraphs | None = None
    recommendations: Paragraphs | None = None


class WriteUpOut(msgspec.Struct, kw_only=True):
    group_id: uuid.UUID
    version: int
    """Also the `ETag`; 0 before the first save."""
    focus: str | None
    learned: str | None
    evidence: str | None
    recommendations: str | None
    published_at: datetime | None
    updated_by: uuid.UUID | None
    updated_at: datetime | None


class PublishedWriteUpOut(msgspec.Struct, kw_only=True):
    group_id: uuid.UUID
    research_focus: str
    focus_class: str
    academic_year: str
    published_at: datetime


class PublishedWriteUpPage(msgspec.Struct, kw_only=True):
    items: list[PublishedWriteUpOut]
    next_cursor: str | None


# Oversight


class CycleFidelityOut(msgspec.Struct, kw_only=True):
    cycle_id: uuid.UUID
    number: int
    stage: Stage
    predictions_made: int
    predictions_expected: int
    observers_submitted: int
    observers_expected: int
    interviews_done: int
    interviews_expected: int
    lesson_date: date | None
    discussion_held_on: date | None
    days_to_discussion: int | None
    discussion_late: bool
    changes_agreed_last_cycle: int | None
    changes_carried_forward: int | None
    override_reason: str | None


class GroupFidelityOut(msgspec.Struct, kw_only=True):
    group_id: uuid.UUID
    research_focus: str
    focus_class: str
    academic_year: str
    members: list[PersonOut]
    planned_cycles: int
    cycles_closed: int
    cycles: list[CycleFidelityOut]


class FidelityPage(msgspec.Struct, kw_only=True):
    items: list[GroupFidelityOut]
    next_cursor: str | None


class AuditEntryOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    cycle_id: uuid.UUID | None
    actor_id: uuid.UUID | None
    """Null for the system (the retention job)."""
    action: str
    from_stage: Stage | None
    to_stage: Stage | None
    reason: str | None
    at: datetime


class AuditPage(msgspec.Struct, kw_only=True):
    items: list[AuditEntryOut]
    next_cursor: str | None


class LessonStudyPolicyIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    discussion_allowance_days: Annotated[int, msgspec.Meta(ge=0, le=30)]
    """Days after the lesson the discussion may be held before it is flagged; 0 = same day."""


class LessonStudyPolicyOut(msgspec.Struct, kw_only=True):
    discussion_allowance_days: int
    updated_at: datetime | None
    """Null while the school keeps the defaults."""
