"""The peer-observation tables.

The observation itself names the two people, the lesson and the focus. What is
written about it lives in separate tables (notes, reflection, shares, the read
log) that cascade with it, so deleting an observation deletes every word and
every trace of who read them; only ``observation_tally`` survives, and it names
no one. There is deliberately no column for a grade, score or rating.
"""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime, time

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
    Text,
    Time,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from lessonstudy.db import Base, TimestampedMixin, new_id


class ObservationOrigin(enum.StrEnum):
    REQUEST = "request"  # the observed teacher asked to be observed
    OFFER = "offer"  # a colleague asked to come and watch


class Stage(enum.StrEnum):
    """The stored lifecycle; "booked" is not stored but read from the commitments."""

    AWAITING_CONSENT = "awaiting_consent"  # an offer the observed teacher has not answered
    AGREED = "agreed"  # asked for, or accepted, by the observed teacher
    DECLINED = "declined"
    CANCELLED = "cancelled"


class GuardMode(enum.StrEnum):
    REFUSE = "refuse"  # judgement language refuses the note (422)
    WARN = "warn"  # the note is kept, with warnings


def _values(kind: type[enum.StrEnum]) -> str:
    return ",".join(f"'{k.value}'" for k in kind)


class Observation(TimestampedMixin, Base):
    __tablename__ = "observation"
    __table_args__ = (
        CheckConstraint(f"origin IN ({_values(ObservationOrigin)})", name="origin"),
        CheckConstraint(f"stage IN ({_values(Stage)})", name="stage"),
        CheckConstraint("observer_staff_id <> observed_staff_id", name="two_people"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        Index("ix_observation_observed", "school_id", "observed_staff_id", "day"),
        Index("ix_observation_observer", "school_id", "observer_staff_id", "day"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    school_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("school.id", ondelete="CASCADE"), nullable=False
    )
    observed_staff_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("staff.id", ondelete="CASCADE"), nullable=False
    )
    observer_staff_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("staff.id", ondelete="CASCADE"), nullable=False
    )
    origin: Mapped[str] = mapped_column(String(16), nullable=False)
    stage: Mapped[str] = mapped_column(String(20), nullable=False)
    # The lesson, as the timetable had it when the observation was asked for.
    day: Mapped[date] = mapped_column(Date, nullable=False)
    period_code: Mapped[str] = mapped_column(String(20), nullable=False)
    starts_at: Mapped[time] = mapped_column(Time, nullable=False)
    ends_at: Mapped[time] = mapped_column(Time, nullable=False)
    class_code: Mapped[str] = mapped_column(String(100), nullable=False)
    subject: Mapped[str | None] = mapped_column(String(100))
    room: Mapped[str | None] = mapped_column(String(100))
    # Chosen by the observed teacher; an offer may suggest one until they accept.
    focus: Mapped[str | None] = mapped_column(Text)
    focus_tags: Mapped[list[str]] = mapped_column(ARRAY(String(60)), nullable=False, default=list)
    # The observed teacher asked for this beyond the school's caps or notice period.
    beyond_policy: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    closing_reason: Mapped[str | None] = mapped_column(String(500))


class ObservationNotes(TimestampedMixin, Base):
    """The observer's notes: evidence against the focus, questions, their own take-aways."""

    __tablename__ = "observation_notes"

    observation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("observation.id", ondelete="CASCADE"), primary_key=True
    )
    evidence: Mapped[list[str]] = mapped_column(ARRAY(Text), nullable=False)
    questions: Mapped[list[str]] = mapped_column(ARRAY(Text), nullable=False)
    takeaways: Mapped[list[str]] = mapped_column(ARRAY(Text), nullable=False)


class ObservationReflection(TimestampedMixin, Base):
    """The observed teacher's reflection and what they will follow up, by when."""

    __tablename__ = "observation_reflection"
    __table_args__ = (Index("ix_observation_reflection_due", "follow_up_on"),)

    observation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("observation.id", ondelete="CASCADE"), primary_key=True
    )
    reflection: Mapped[str] = mapped_column(Text, nullable=False)
    follow_up_action: Mapped[str | None] = mapped_column(Text)
    follow_up_on: Mapped[date] = mapped_column(Date, nullable=False)
    # Set once the reminder for this follow-up date is sent; cleared when the date moves.
    reminded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ObservationShare(Base):
    """The observed teacher lets named people read the notes, for a purpose, maybe until a date."""

    __tablename__ = "observation_share"
    __table_args__ = (Index("ix_observation_share_observation", "observation_id", "created_at"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    school_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("school.id", ondelete="CASCADE"), nullable=False
    )
    observation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("observation.id", ondelete="CASCADE"), nullable=False
    )
    group_name: Mapped[str | None] = mapped_column(String(100))
    purpose: Mapped[str] = mapped_column(String(200), nullable=False)
    until: Mapped[date | None] = mapped_column(Date)
    include_reflection: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ObservationShareMember(Base):
    __tablename__ = "observation_share_member"

    share_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("observation_share.id", ondelete="CASCADE"), primary_key=True
    )
    staff_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("staff.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class ObservationRead(Base):
    """One read of shared notes (or reflection) by someone other than the two people."""

    __tablename__ = "observation_read"
    __table_args__ = (
        CheckConstraint("part IN ('notes', 'reflection')", name="part"),
        Index("ix_observation_read_observation", "observation_id", "read_at", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    school_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("school.id", ondelete="CASCADE"), nullable=False
    )
    observation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("observation.id", ondelete="CASCADE"), nullable=False
    )
    share_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("observation_share.id", ondelete="CASCADE"), nullable=False
    )
    reader_staff_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("staff.id", ondelete="CASCADE"), nullable=False
    )
    part: Mapped[str] = mapped_column(String(16), nullable=False)
    read_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )


class ObservationPolicy(Base):
    """One row per school; absent means the defaults in ``policy.py``."""

    __tablename__ = "observation_policy"
    __table_args__ = (
        CheckConstraint(
            "coalesce(max_per_year, 0) >= 0 AND coalesce(max_minutes_per_year, 0) >= 0 "
            "AND min_notice_days >= 0",
            name="non_negative",
        ),
        CheckConstraint(f"guard_mode IN ({_values(GuardMode)})", name="guard_mode"),
    )

    school_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("school.id", ondelete="CASCADE"), primary_key=True
    )
    # Caps on how often one teacher is observed in an academic year; null: no cap.
    max_per_year: Mapped[int | None] = mapped_column(SmallInteger)
    max_minutes_per_year: Mapped[int | None] = mapped_column(Integer)
    min_notice_days: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    guard_mode: Mapped[str] = mapped_column(String(16), nullable=False)
    # The school's own phrase patterns; null: the default set.
    guard_patterns: Mapped[list[str] | None] = mapped_column(ARRAY(Text))


class FocusTag(Base):
    """A focus the school suggests, such as "questioning" or "retrieval practice"."""

    __tablename__ = "observation_focus_tag"
    __table_args__ = (
        UniqueConstraint("school_id", "name"),
        Index("ix_observation_focus_tag_school_name", "school_id", "name", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    school_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("school.id", ondelete="CASCADE"), nullable=False
    )
    name: Mapped[str] = mapped_column(String(60), nullable=False)
    description: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )


class ObservationTally(Base):
    """Observations deleted after they took place, counted per term: no people, no dates."""

    __tablename__ = "observation_tally"
    __table_args__ = (CheckConstraint("deleted >= 0", name="deleted"),)

    school_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("school.id", ondelete="CASCADE"), primary_key=True
    )
    term_starts_on: Mapped[date] = mapped_column(Date, primary_key=True)
    term_name: Mapped[str] = mapped_column(String(100), primary_key=True)
    deleted: Mapped[int] = mapped_column(Integer, nullable=False)
