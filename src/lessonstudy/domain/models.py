"""Every table, imported in one place so the metadata is complete for Alembic."""

from lessonstudy.domain.absences import Absence
from lessonstudy.domain.calendar import Closure, SchoolDay, Term
from lessonstudy.domain.commitments import Commitment
from lessonstudy.domain.cover import CoverCap, CoverPolicy
from lessonstudy.domain.cover_requests import CoverRequest
from lessonstudy.domain.integration_clients import IntegrationClient
from lessonstudy.domain.lesson_study.tables import (
    AuditEntry,
    CasePupil,
    DebriefEntry,
    LessonStudyPolicy,
    ObservationNote,
    ObservationSheet,
    PlanVersion,
    PupilInterview,
    ResearchCycle,
    StudyGroup,
    StudyGroupMember,
    WriteUp,
)
from lessonstudy.domain.notifications import Notification
from lessonstudy.domain.schools import School
from lessonstudy.domain.staff import Staff
from lessonstudy.domain.timetable import (
    BellPeriod,
    CoverSlot,
    Duty,
    Lesson,
    ProtectedPeriod,
    Teaching,
    TimetableVersion,
)
from lessonstudy.domain.tokens import ApiToken

__all__ = [
    "Absence",
    "ApiToken",
    "AuditEntry",
    "BellPeriod",
    "CasePupil",
    "Closure",
    "Commitment",
    "CoverCap",
    "CoverPolicy",
    "CoverRequest",
    "CoverSlot",
    "DebriefEntry",
    "Duty",
    "IntegrationClient",
    "Lesson",
    "LessonStudyPolicy",
    "Notification",
    "ObservationNote",
    "ObservationSheet",
    "PlanVersion",
    "ProtectedPeriod",
    "PupilInterview",
    "ResearchCycle",
    "School",
    "SchoolDay",
    "Staff",
    "StudyGroup",
    "StudyGroupMember",
    "Teaching",
    "Term",
    "TimetableVersion",
    "WriteUp",
]
