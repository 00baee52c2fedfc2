"""The timetable: versions of the recurring week(s) of a school.

Everything that repeats with the cycle belongs to a version: the bell
schedule, lessons, duties and meetings, protected time (PPA, ECT) and when
cover staff can cover. A version has an effective-from date and is in force
until the next one, so a new timetable replaces the future and leaves what
happened before it as it was.

Periods are named by their code ("P1") on a cycle day (week, weekday), not by
row ids, so commitments keep their meaning when a new version arrives.
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
    SmallInteger,
    String,
    Time,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from lessonstudy.db import Base, new_id

_CYCLE_DAY = "week BETWEEN 1 AND 2 AND weekday BETWEEN 1 AND 7"


class ProtectedKind(enum.StrEnum):
    PPA = "ppa"  # planning, preparation and assessment
    ECT = "ect"  # early career teacher reduction


class DutyKind(enum.StrEnum):
    DUTY = "duty"
    MEETING = "meeting"


class TimetableVersion(Base):
    __tablename__ = "timetable_version"
    __table_args__ = (UniqueConstraint("school_id", "effective_from"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    school_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("school.id", ondelete="CASCADE"), nullable=False
    )
    effective_from: Mapped[date] = mapped_column(Date, nullable=False)
    # Digest of the version's content: importing the same timetable again is a no-op.
    content_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    source: Mapped[str] = mapped_column(String(16), nullable=False)
    imported_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )


def _version_fk() -> Mapped[uuid.UUID]:
    return mapped_column(ForeignKey("timetable_version.id", ondelete="CASCADE"), primary_key=True)


class BellPeriod(Base):
    """A period of the day: registration and lunch are periods that are not for teaching."""

    __tablename__ = "bell_period"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("weekday BETWEEN 1 AND 7", name="weekday"),
    )

    version_id: Mapped[uuid.UUID] = _version_fk()
    weekday: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    starts_at: Mapped[time] = mapped_column(Time, nullable=False)
    ends_at: Mapped[time] = mapped_column(Time, nullable=False)
    teaching: Mapped[bool] = mapped_column(Boolean, nullable=False)


class Lesson(Base):
    """A timetabled lesson: a class with its teacher(s) on one cycle day, one or more periods."""

    __tablename__ = "lesson"
    __table_args__ = (
        UniqueConstraint("version_id", "external_id"),
        CheckConstraint(_CYCLE_DAY, name="cycle_day"),
        CheckConstraint("cardinality(period_codes) > 0", name="has_periods"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    version_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("timetable_version.id", ondelete="CASCADE"), nullable=False
    )
    external_id: Mapped[str] = mapped_column(String(100), nullable=False)
    class_code: Mapped[str] = mapped_column(String(100), nullable=False)
    subject: Mapped[str | None] = mapped_column(String(100))
    room: Mapped[str | None] = mapped_column(String(100))
    week: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    weekday: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    period_codes: Mapped[list[str]] = mapped_column(ARRAY(String(20)), nullable=False)


class Teaching(Base):
    """One teacher in one period of a lesson: the compact form the availability queries read."""

    __tablename__ = "teaching"
    __table_args__ = (
        Index("ix_teaching_version_staff", "version_id", "staff_id", "week", "weekday"),
        Index("ix_teaching_version_slot", "version_id", "week", "weekday", "period_code"),
    )

    lesson_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("lesson.id", ondelete="CASCADE"), primary_key=True
    )
    staff_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("staff.id", ondelete="CASCADE"), primary_key=True
    )
    period_code: Mapped[str] = mapped_column(String(20), primary_key=True)
    version_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("timetable_version.id", ondelete="CASCADE"), nullable=False
    )
    week: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    weekday: Mapped[int] = mapped_column(SmallInteger, nullable=False)


class Duty(Base):
    """A recurring non-teaching commitment: a duty or a meeting."""

    __tablename__ = "duty"
    __table_args__ = (
        UniqueConstraint("version_id", "external_id"),
        CheckConstraint(_CYCLE_DAY, name="cycle_day"),
        CheckConstraint("kind IN ('duty', 'meeting')", name="kind"),
        Index("ix_duty_version_staff", "version_id", "staff_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    version_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("timetable_version.id", ondelete="CASCADE"), nullable=False
    )
    external_id: Mapped[str] = mapped_column(String(100), nullable=False)
    staff_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("staff.id", ondelete="CASCADE"), nullable=False
    )
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    description: Mapped[str] = mapped_column(String(200), nullable=False)
    week: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    weekday: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    period_code: Mapped[str] = mapped_column(String(20), nullable=False)


class ProtectedPeriod(Base):
    """A teacher's PPA or ECT period: never used for cover."""

    __tablename__ = "protected_period"
    __table_args__ = (
        CheckConstraint(_CYCLE_DAY, name="cycle_day"),
        CheckConstraint("kind IN ('ppa', 'ect')", name="kind"),
    )

    version_id: Mapped[uuid.UUID] = _version_fk()
    staff_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("staff.id", ondelete="CASCADE"), primary_key=True
    )
    week: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    weekday: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    period_code: Mapped[str] = mapped_column(String(20), primary_key=True)
    kind: Mapped[str] = mapped_column(String(8), nullable=False)


class CoverSlot(Base):
    """A period in which a cover supervisor (or HLTA) is available to cover."""

    __tablename__ = "cover_slot"
    __table_args__ = (
        CheckConstraint(_CYCLE_DAY, name="cycle_day"),
        Index("ix_cover_slot_version_slot", "version_id", "week", "weekday", "period_code"),
    )

    version_id: Mapped[uuid.UUID] = _version_fk()
    staff_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("staff.id", ondelete="CASCADE"), primary_key=True
    )
    week: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    weekday: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    period_code: Mapped[str] = mapped_column(String(20), primary_key=True)
