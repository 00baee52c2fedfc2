"""The tables of lesson study, in one module so the rule modules can share them freely.

Pupil data lives in exactly these columns and rows, which the retention job
erases: ``case_pupil.profile``, the predictions inside ``plan_version.content``,
``observation_note``, ``pupil_interview`` and the case-pupil evidence of the
discussion (``debrief_entry`` rows of step 1). There is no column for a
pupil's name or MIS id: a case pupil is a short pseudonymous code.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from lessonstudy.db import Base, TimestampedMixin, new_id
from lessonstudy.domain.lesson_study.stages import Stage

# Limits shared with the API schemas, so the database and the API agree.
FOCUS_MAX = 300
CLASS_CODE_MAX = 100
PROFILE_MAX = 500
PUPIL_CODE_PATTERN = "^[A-Z][A-Z0-9]{0,3}$"
NOTE_MAX = 2000
TEXT_MAX = 4000
REASON_MAX = 1000

_STAGES = ",".join(f"'{s.value}'" for s in Stage)
_NOW = func.now()
# The moment of the insert itself, not the transaction's start: entries written
# in one transaction (a move and the release of its booking) keep their order.
_CLOCK = func.clock_timestamp()


def _school_fk() -> Mapped[uuid.UUID]:
    return mapped_column(ForeignKey("school.id", ondelete="CASCADE"), nullable=False)


def _staff_fk_nullable() -> Mapped[uuid.UUID | None]:
    # People are deactivated, never deleted; if a row ever goes, the record stays.
    return mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))


class LessonStudyPolicy(Base):
    """A school's lesson-study rules; absent means the defaults."""

    __tablename__ = "lesson_study_policy"
    __table_args__ = (
        CheckConstraint(
            "discussion_allowance_days BETWEEN 0 AND 30", name="discussion_allowance_days"
        ),
    )

    school_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("school.id", ondelete="CASCADE"), primary_key=True
    )
    # Days the post-lesson discussion may follow the lesson before it is flagged late.
    discussion_allowance_days: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=_NOW, onupdate=_NOW, nullable=False
    )


class StudyGroup(TimestampedMixin, Base):
    __tablename__ = "study_group"
    __table_args__ = (
        CheckConstraint("planned_cycles BETWEEN 1 AND 6", name="planned_cycles"),
        CheckConstraint("academic_year ~ '^[0-9]{4}-[0-9]{2}$'", name="academic_year"),
        # A knowledgeable other is a member of staff, or an outside person with
        # a name and an email, never both.
        CheckConstraint(
            "(ko_name IS NULL) = (ko_email IS NULL) "
            "AND NOT (ko_staff_id IS NOT NULL AND ko_name IS NOT NULL)",
            name="knowledgeable_other",
        ),
        Index("ix_study_group_school_created", "school_id", "created_at", "id"),
        Index("ix_study_group_retention", "retention_date"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    school_id: Mapped[uuid.UUID] = _school_fk()
    research_focus: Mapped[str] = mapped_column(String(FOCUS_MAX), nullable=False)
    focus_class: Mapped[str] = mapped_column(String(CLASS_CODE_MAX), nullable=False)
    academic_year: Mapped[str] = mapped_column(String(7), nullable=False)
    planned_cycles: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    ko_staff_id: Mapped[uuid.UUID | None] = _staff_fk_nullable()
    ko_name: Mapped[str | None] = mapped_column(String(200))
    ko_email: Mapped[str | None] = mapped_column(String(320))
    # After this date the retention job erases the group's pupil data.
    retention_date: Mapped[date] = mapped_column(Date, nullable=False)
    pupil_data_erased_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[uuid.UUID | None] = _staff_fk_nullable()


class StudyGroupMember(Base):
    __tablename__ = "study_group_member"
    __table_args__ = (Index("ix_study_group_member_staff", "staff_id"),)

    group_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("study_group.id", ondelete="CASCADE"), primary_key=True
    )
    staff_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("staff.id", ondelete="CASCADE"), primary_key=True
    )
    # The order members were given in, kept for stable listings.
    position: Mapped[int] = mapped_column(SmallInteger, nullable=False)


class CasePupil(Base):
    """A case pupil: a pseudonymous code and a short learner profile, nothing more."""

    __tablename__ = "case_pupil"
    __table_args__ = (
        UniqueConstraint("group_id", "code"),
        CheckConstraint(f"code ~ '{PUPIL_CODE_PATTERN}'", name="code"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    group_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("study_group.id", ondelete="CASCADE"), nullable=False
    )
    code: Mapped[str] = mapped_column(String(4), nullable=False)
    profile: Mapped[str | None] = mapped_column(String(PROFILE_MAX))


class ResearchCycle(TimestampedMixin, Base):
    """One research lesson, from planning to the closed discussion.

    The booking itself is the set of commitments made for the cycle (purpose
    ``research_lesson``, purpose id = this id); the lesson columns are a copy
    taken when the cycle moves to teach, and the figure columns are the
    fidelity figures frozen when the stage they measure ends, so they outlive
    the pupil data they were counted from.
    """

    __tablename__ = "research_cycle"
    __table_args__ = (
        UniqueConstraint("group_id", "number"),
        CheckConstraint(f"stage IN ({_STAGES})", name="stage"),
        CheckConstraint("number BETWEEN 1 AND 6", name="number"),
        # One cycle at a time per group: the next starts from this one's changes.
        Index(
            "ix_research_cycle_one_open",
            "group_id",
            unique=True,
            postgresql_where=text("stage <> 'closed'"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    school_id: Mapped[uuid.UUID] = _school_fk()
    group_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("study_group.id", ondelete="CASCADE"), nullable=False
    )
    number: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    stage: Mapped[str] = mapped_column(String(10), nullable=False)
    stage_changed_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=_NOW, nullable=False
    )
    teacher_id: Mapped[uuid.UUID | None] = _staff_fk_nullable()
    class_code: Mapped[str] = mapped_column(String(CLASS_CODE_MAX), nullable=False)
    # A knowledgeable other on the staff observes and discusses with the group.
    ko_attends: Mapped[bool] = mapped_column(Boolean, nullable=False)
    plan_version: Mapped[int] = mapped_column(Integer, nullable=False)
    lesson_date: Mapped[date | None] = mapped_column(Date)
    lesson_period: Mapped[str | None] = mapped_column(String(20))
    lesson_ends_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    taught_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    predictions_made: Mapped[int | None] = mapped_column(SmallInteger)
    predictions_expected: Mapped[int | None] = mapped_column(SmallInteger)
    observers_submitted: Mapped[int | None] = mapped_column(SmallInteger)
    observers_expected: Mapped[int | None] = mapped_column(SmallInteger)
    interviews_done: Mapped[int | None] = mapped_column(SmallInteger)
    interviews_expected: Mapped[int | None] = mapped_column(SmallInteger)
    override_reason: Mapped[str | None] = mapped_column(String(REASON_MAX))
    discussion_held_on: Mapped[date | None] = mapped_column(Date)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class PlanVersion(Base):
    """Every saved version of a cycle's research-lesson plan; the highest is current."""

    __tablename__ = "plan_version"

    cycle_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("research_cycle.id", ondelete="CASCADE"), primary_key=True
    )
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Learning goal, stages with their predictions, changes carried from the last cycle.
    content: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
    saved_by: Mapped[uuid.UUID | None] = _staff_fk_nullable()
    saved_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=_NOW, nullable=False
    )


class ObservationSheet(Base):
    """One observer's observations of one research lesson; submitted once, then fixed."""

    __tablename__ = "observation_sheet"

    cycle_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("research_cycle.id", ondelete="CASCADE"), primary_key=True
    )
    observer_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("staff.id", ondelete="CASCADE"), primary_key=True
    )
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=_NOW, onupdate=_NOW, nullable=False
    )


class ObservationNote(Base):
    """What one case pupil did and said in one stage of the lesson, as one observer saw it."""

    __tablename__ = "observation_note"
    __table_args__ = (
        UniqueConstraint("cycle_id", "observer_id", "pupil_id", "stage"),
        CheckConstraint("stage BETWEEN 1 AND 12", name="stage"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    cycle_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("research_cycle.id", ondelete="CASCADE"), nullable=False
    )
    observer_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("staff.id", ondelete="CASCADE"), nullable=False
    )
    pupil_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("case_pupil.id", ondelete="CASCADE"), nullable=False
    )
    stage: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    did: Mapped[str | None] = mapped_column(String(NOTE_MAX))
    said: Mapped[str | None] = mapped_column(String(NOTE_MAX))


class PupilInterview(Base):
    """A short interview with a case pupil after the lesson, only with their consent."""

    __tablename__ = "pupil_interview"
    __table_args__ = (
        CheckConstraint("consent OR notes IS NULL", name="notes_need_consent"),
        CheckConstraint("minutes BETWEEN 1 AND 30", name="minutes"),
    )

    cycle_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("research_cycle.id", ondelete="CASCADE"), primary_key=True
    )
    pupil_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("case_pupil.id", ondelete="CASCADE"), primary_key=True
    )
    interviewer_id: Mapped[uuid.UUID | None] = _staff_fk_nullable()
    consent: Mapped[bool] = mapped_column(Boolean, nullable=False)
    notes: Mapped[str | None] = mapped_column(String(TEXT_MAX))
    minutes: Mapped[int | None] = mapped_column(SmallInteger)
    recorded_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=_NOW, onupdate=_NOW, nullable=False
    )


class DebriefEntry(Base):
    """One contribution to the post-lesson discussion, at one step of the protocol."""

    __tablename__ = "debrief_entry"
    __table_args__ = (
        CheckConstraint("step BETWEEN 1 AND 5", name="step"),
        CheckConstraint("(step = 1) = (pupil_id IS NOT NULL)", name="evidence_names_a_pupil"),
        Index("ix_debrief_entry_cycle", "cycle_id", "created_at", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    cycle_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("research_cycle.id", ondelete="CASCADE"), nullable=False
    )
    step: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    author_id: Mapped[uuid.UUID | None] = _staff_fk_nullable()
    pupil_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("case_pupil.id", ondelete="CASCADE")
    )
    plan_stage: Mapped[int | None] = mapped_column(SmallInteger)
    body: Mapped[str] = mapped_column(String(TEXT_MAX), nullable=False)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=_CLOCK, nullable=False
    )


class WriteUp(Base):
    """The group's findings, shared with the whole school once published."""

    __tablename__ = "study_write_up"

    group_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("study_group.id", ondelete="CASCADE"), primary_key=True
    )
    school_id: Mapped[uuid.UUID] = _school_fk()
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    focus: Mapped[str | None] = mapped_column(String(TEXT_MAX))
    learned: Mapped[str | None] = mapped_column(String(TEXT_MAX))
    evidence: Mapped[str | None] = mapped_column(String(TEXT_MAX))
    recommendations: Mapped[str | None] = mapped_column(String(TEXT_MAX))
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    published_by: Mapped[uuid.UUID | None] = _staff_fk_nullable()
    updated_by: Mapped[uuid.UUID | None] = _staff_fk_nullable()
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=_NOW, onupdate=_NOW, nullable=False
    )


class AuditEntry(Base):
    """Who moved a cycle (or overrode a rule, or erased data), when and why."""

    __tablename__ = "lesson_study_audit"
    __table_args__ = (Index("ix_lesson_study_audit_group", "group_id", "at", "id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    school_id: Mapped[uuid.UUID] = _school_fk()
    group_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("study_group.id", ondelete="CASCADE"), nullable=False
    )
    cycle_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("research_cycle.id", ondelete="CASCADE")
    )
    # Null for the system (the retention job).
    actor_id: Mapped[uuid.UUID | None] = _staff_fk_nullable()
    action: Mapped[str] = mapped_column(String(40), nullable=False)
    from_stage: Mapped[str | None] = mapped_column(String(10))
    to_stage: Mapped[str | None] = mapped_column(String(10))
    reason: Mapped[str | None] = mapped_column(String(REASON_MAX))
    at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=_CLOCK, nullable=False
    )
