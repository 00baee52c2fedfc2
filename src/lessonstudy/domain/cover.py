"""Cover policy: caps on how much cover each person does, as school policy with overrides.

Planned release goes to cover supervisors; teachers cover "rarely", so any
teacher cover is allowed only when the school says so, counted against its
own cap, and flagged.
"""

from __future__ import annotations

import uuid

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, SmallInteger
from sqlalchemy.orm import Mapped, mapped_column

from lessonstudy.db import Base

_CAPS_NON_NEGATIVE = (
    "coalesce(max_per_day, 0) >= 0 AND coalesce(max_per_week, 0) >= 0 "
    "AND coalesce(max_per_term, 0) >= 0"
)


class CoverPolicy(Base):
    """One row per school; absent means the defaults below."""

    __tablename__ = "cover_policy"
    __table_args__ = (
        CheckConstraint(
            "cover_staff_max_per_day >= 0 AND cover_staff_max_per_week >= 0 "
            "AND cover_staff_max_per_term >= 0 AND teacher_max_per_week >= 0 "
            "AND teacher_max_per_term >= 0",
            name="caps_non_negative",
        ),
    )

    school_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("school.id", ondelete="CASCADE"), primary_key=True
    )
    cover_staff_max_per_day: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    cover_staff_max_per_week: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    cover_staff_max_per_term: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    teacher_cover_allowed: Mapped[bool] = mapped_column(Boolean, nullable=False)
    teacher_max_per_week: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    teacher_max_per_term: Mapped[int] = mapped_column(SmallInteger, nullable=False)


DEFAULT_COVER_POLICY = {
    "cover_staff_max_per_day": 5,
    "cover_staff_max_per_week": 20,
    "cover_staff_max_per_term": 250,
    "teacher_cover_allowed": False,
    "teacher_max_per_week": 1,
    "teacher_max_per_term": 3,
}


class CoverCap(Base):
    """A person's own caps, overriding the policy's (null: the policy's value)."""

    __tablename__ = "cover_cap"
    __table_args__ = (CheckConstraint(_CAPS_NON_NEGATIVE, name="caps_non_negative"),)

    staff_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("staff.id", ondelete="CASCADE"), primary_key=True
    )
    school_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("school.id", ondelete="CASCADE"), nullable=False, index=True
    )
    max_per_day: Mapped[int | None] = mapped_column(SmallInteger)
    max_per_week: Mapped[int | None] = mapped_column(SmallInteger)
    max_per_term: Mapped[int | None] = mapped_column(SmallInteger)
