"""Dated unavailability: absences, courses, trips and other one-off events."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from lessonstudy.db import Base, new_id


class Absence(Base):
    """A staff member away for whole days, or for some periods when ``period_codes`` is set."""

    __tablename__ = "absence"
    __table_args__ = (
        UniqueConstraint("school_id", "external_id"),
        CheckConstraint("ends_on >= starts_on", name="ends_after_start"),
        CheckConstraint("kind IN ('absence', 'event')", name="kind"),
        Index("ix_absence_staff_dates", "staff_id", "starts_on", "ends_on"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    school_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("school.id", ondelete="CASCADE"), nullable=False
    )
    external_id: Mapped[str] = mapped_column(String(100), nullable=False)
    staff_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("staff.id", ondelete="CASCADE"), nullable=False
    )
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    reason: Mapped[str | None] = mapped_column(String(200))
    starts_on: Mapped[date] = mapped_column(Date, nullable=False)
    ends_on: Mapped[date] = mapped_column(Date, nullable=False)
    # Null: the whole day. Otherwise only these periods, on every day of the range.
    period_codes: Mapped[list[str] | None] = mapped_column(ARRAY(String(20)))
