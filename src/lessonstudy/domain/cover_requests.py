"""Cover requests: what the timetable integration sees when a teacher is released.

A booking that releases a teacher from their own lesson (to observe, say)
asks for cover for that class, date and period. The MIS confirms it (with the
cover person it assigned), or declines it with a reason; cancelling the
booking cancels the request. The request names what it is for, so a decline
can put that booking at risk and the scheduler can plan it again.
"""

from __future__ import annotations

import enum
import uuid
from datetime import date

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lessonstudy.db import Base, TimestampedMixin, new_id


class CoverStatus(enum.StrEnum):
    REQUESTED = "requested"
    CONFIRMED = "confirmed"
    DECLINED = "declined"
    CANCELLED = "cancelled"


_STATUSES = ",".join(f"'{s.value}'" for s in CoverStatus)


class CoverRequest(TimestampedMixin, Base):
    __tablename__ = "cover_request"
    __table_args__ = (
        # One open request per released teacher per period: the commitment rules
        # already forbid a second release, this keeps the integration's view clean too.
        UniqueConstraint("released_staff_id", "day", "period_code", "purpose_id"),
        CheckConstraint(f"status IN ({_STATUSES})", name="status"),
        Index("ix_cover_request_school_day", "school_id", "day"),
        Index("ix_cover_request_purpose", "purpose_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    school_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("school.id", ondelete="CASCADE"), nullable=False
    )
    day: Mapped[date] = mapped_column(Date, nullable=False)
    period_code: Mapped[str] = mapped_column(String(20), nullable=False)
    class_code: Mapped[str] = mapped_column(String(40), nullable=False)
    subject: Mapped[str | None] = mapped_column(String(100))
    room: Mapped[str | None] = mapped_column(String(40))
    released_staff_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("staff.id", ondelete="CASCADE"), nullable=False
    )
    # Whom the scheduler (or the person booking) proposed, and whom the MIS confirmed.
    proposed_cover_staff_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("staff.id", ondelete="SET NULL")
    )
    cover_staff_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("staff.id", ondelete="SET NULL")
    )
    # A teacher covering breaks the "rarely cover" expectation: counted and flagged.
    teacher_cover: Mapped[bool] = mapped_column(nullable=False, default=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default=CoverStatus.REQUESTED)
    decline_reason: Mapped[str | None] = mapped_column(String(500))
    # Why the teacher is released: e.g. "research_lesson" and the cycle's id.
    purpose: Mapped[str] = mapped_column(String(40), nullable=False)
    purpose_id: Mapped[uuid.UUID] = mapped_column(nullable=False)
