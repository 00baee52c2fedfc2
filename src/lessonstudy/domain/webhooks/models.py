"""The webhook tables: subscriptions, the outbox of events, and one delivery per event and
subscription.

An event is written once, in the transaction of the change it announces; a
delivery row per matching subscription is written with it, so nothing can be
announced without being delivered or nothing delivered that was rolled back.
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from lessonstudy.db import Base, TimestampedMixin, new_id


class EventType(enum.StrEnum):
    """What a subscription can listen for. The payload (``data``) of each is documented in the
    README; cover request events carry the cover request as the API shows it."""

    COVER_REQUEST_CREATED = "cover_request.created"
    COVER_REQUEST_CHANGED = "cover_request.changed"
    BOOKING_CREATED = "booking.created"
    BOOKING_CANCELLED = "booking.cancelled"
    CYCLE_STAGE_CHANGED = "cycle.stage_changed"
    OBSERVATION_REQUESTED = "observation.requested"
    OBSERVATION_ACCEPTED = "observation.accepted"


class DeliveryStatus(enum.StrEnum):
    PENDING = "pending"  # waiting for its first or next attempt, or being attempted now
    DELIVERED = "delivered"  # the receiver answered 2xx
    DEAD = "dead"  # every attempt failed; only a redelivery sends it again


_EVENT_LIST = ",".join(f"'{e.value}'" for e in EventType)
_STATUS_LIST = ",".join(f"'{s.value}'" for s in DeliveryStatus)


class WebhookSubscription(TimestampedMixin, Base):
    __tablename__ = "webhook_subscription"
    __table_args__ = (
        CheckConstraint(
            f"cardinality(events) > 0 AND events <@ ARRAY[{_EVENT_LIST}]::varchar[]",
            name="events",
        ),
        Index("ix_webhook_subscription_school_id", "school_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    school_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("school.id", ondelete="CASCADE"), nullable=False
    )
    url: Mapped[str] = mapped_column(String(2000), nullable=False)
    description: Mapped[str | None] = mapped_column(String(200))
    events: Mapped[list[str]] = mapped_column(ARRAY(String(40)), nullable=False)
    # Kept in clear: the worker needs it to sign. It is shown to the caller only when
    # created or rotated.
    secret: Mapped[str] = mapped_column(String(100), nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="true")


class WebhookEvent(Base):
    """The outbox: one row per event, written in the transaction of the change."""

    __tablename__ = "webhook_event"
    __table_args__ = (Index("ix_webhook_event_school_id_created_at", "school_id", "created_at"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    school_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("school.id", ondelete="CASCADE"), nullable=False
    )
    type: Mapped[str] = mapped_column(String(40), nullable=False)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )


class WebhookDelivery(Base):
    """One event to one subscription: its attempts so far and what happens next."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (
        CheckConstraint(f"status IN ({_STATUS_LIST})", name="status"),
        # What the worker scans for: due deliveries, oldest first.
        Index(
            "ix_webhook_delivery_due",
            "next_attempt_at",
            postgresql_where=text("status = 'pending'"),
        ),
        # The delivery log, newest first.
        Index("ix_webhook_delivery_subscription_log", "subscription_id", "created_at", "id"),
        Index("ix_webhook_delivery_event_id", "event_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    school_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("school.id", ondelete="CASCADE"), nullable=False
    )
    event_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("webhook_event.id", ondelete="CASCADE"), nullable=False
    )
    subscription_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("webhook_subscription.id", ondelete="CASCADE"), nullable=False
    )
    status: Mapped[str] = mapped_column(
        String(16), nullable=False, server_default=DeliveryStatus.PENDING.value
    )
    attempts: Mapped[int] = mapped_column(SmallInteger, nullable=False, server_default="0")
    next_attempt_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )
    # The lease of the worker attempting it now; once past, another worker may take it over.
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_status_code: Mapped[int | None] = mapped_column(SmallInteger)
    last_error: Mapped[str | None] = mapped_column(String(500))
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Set on a delivery made by the redeliver endpoint: the one it repeats.
    redelivery_of: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("webhook_delivery.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )
