"""Every table, imported in one place so the metadata is complete for Alembic."""

from lessonstudy.domain.absences import Absence
from lessonstudy.domain.calendar import Closure, SchoolDay, Term
from lessonstudy.domain.calendar_feeds import CalendarEntry, CalendarFeed
from lessonstudy.domain.commitments import Commitment
from lessonstudy.domain.cover import CoverCap, CoverPolicy
from lessonstudy.domain.cover_changes import CoverRequestChange
from lessonstudy.domain.cover_requests import CoverRequest
from lessonstudy.domain.idempotency import IdempotencyKey
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
from lessonstudy.domain.peer_observation.models import (
    FocusTag,
    Observation,
    ObservationNotes,
    ObservationPolicy,
    ObservationRead,
    ObservationReflection,
    ObservationShare,
    ObservationShareMember,
    ObservationTally,
)
from lessonstudy.domain.scheduling.policy import SchedulingPolicy
from lessonstudy.domain.scheduling.preferences import SchedulingPreference
from lessonstudy.domain.scheduling.runs import SchedulingProposal, SchedulingRun
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
from lessonstudy.domain.webhooks import WebhookDelivery, WebhookEvent, WebhookSubscription

__all__ = [
    "Absence",
    "ApiToken",
    "AuditEntry",
    "BellPeriod",
    "CalendarEntry",
    "CalendarFeed",
    "CasePupil",
    "Closure",
    "Commitment",
    "CoverCap",
    "CoverPolicy",
    "CoverRequest",
    "CoverRequestChange",
    "CoverSlot",
    "DebriefEntry",
    "Duty",
    "FocusTag",
    "IdempotencyKey",
    "IntegrationClient",
    "Lesson",
    "LessonStudyPolicy",
    "Notification",
    "Observation",
    "ObservationNote",
    "ObservationNotes",
    "ObservationPolicy",
    "ObservationRead",
    "ObservationReflection",
    "ObservationShare",
    "ObservationShareMember",
    "ObservationSheet",
    "ObservationTally",
    "PlanVersion",
    "ProtectedPeriod",
    "PupilInterview",
    "ResearchCycle",
    "SchedulingPolicy",
    "SchedulingPreference",
    "SchedulingProposal",
    "SchedulingRun",
    "School",
    "SchoolDay",
    "Staff",
    "StudyGroup",
    "StudyGroupMember",
    "Teaching",
    "Term",
    "TimetableVersion",
    "WebhookDelivery",
    "WebhookEvent",
    "WebhookSubscription",
    "WriteUp",
]
