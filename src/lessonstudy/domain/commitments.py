"""Commitments: a person's use of one school date and period.

Observing, teaching a research lesson, covering, discussing: whatever the
reason, a person has at most one commitment per period, and the database
enforces it, so two concurrent bookings can never both win.
"""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from lessonstudy.db import Base, new_id


class CommitmentKind(enum.StrEnum):
    TEACHING = "teaching"  # teaching a research lesson or an observed lesson
    OBSERVING = "observing"
    COVERING = "covering"
    DISCUSSING = "discussing"


_KINDS = ",".join(f"'{k.value}'" for k in CommitmentKind)


class Commitment(Base):
    __tablename__ = "commitment"
    __table_args__ = (
        UniqueConstraint("staff_id", "day", "period_code"),
        CheckConstraint(f"kind IN ({_KINDS})", name="kind"),
        Index("ix_commitment_school_day", "school_id", "day"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    school_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("school.id", ondelete="CASCADE"), nullable=False
    )
    staff_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("staff.id", ondelete="CASCADE"), nullable=False
    )
    day: Mapped[date] = mapped_column(Date, nullable=False)
    period_code: Mapped[str] = mapped_column(String(20), nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    # What it is for, e.g. "research_lesson" and its id; set by the feature that books it.
    purpose: Mapped[str] = mapped_column(String(40), nullable=False)
    purpose_id: Mapped[uuid.UUID | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )
