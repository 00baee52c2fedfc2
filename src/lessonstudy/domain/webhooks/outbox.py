"""emit: announce an event to the school's webhook subscribers, in the caller's transaction."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

import msgspec
from sqlalchemy import bindparam, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession

from lessonstudy.db import new_id
from lessonstudy.domain.webhooks.models import EventType

# One round trip: the event is stored only when some active subscription wants it,
# with one pending delivery per such subscription.
_EMIT_SQL = text(
    """
    WITH subscribers AS (
        SELECT id FROM webhook_subscription
        WHERE school_id = :school_id AND active AND :type = ANY(events)
    ), stored AS (
        INSERT INTO webhook_event (id, school_id, type, payload)
        SELECT :event_id, :school_id, :type, :payload
        WHERE EXISTS (SELECT 1 FROM subscribers)
        RETURNING id
    )
    INSERT INTO webhook_delivery (id, school_id, event_id, subscription_id)
    SELECT gen_random_uuid(), :school_id, stored.id, subscribers.id FROM stored, subscribers
    """
).bindparams(bindparam("payload", type_=JSONB))


async def emit(
    session: AsyncSession,
    school_id: uuid.UUID,
    event_type: EventType,
    payload: Mapping[str, Any],
) -> uuid.UUID:
    """Queue ``event_type`` with ``payload`` for every subscriber of the school.

    Call it inside the transaction that makes the change, after the change:
    the event and its deliveries commit or roll back with it, and the worker
    delivers them only once committed. ``payload`` becomes the ``data`` of
    the delivered JSON; it may hold ids, dates and datetimes (encoded as
    strings) but no ORM objects. Returns the event id, which receivers see as
    ``id`` and in ``X-Lessonstudy-Event-Id`` and use to drop duplicates.
    """
    event_id = new_id()
    document = msgspec.json.decode(msgspec.json.encode(dict(payload)))
    await session.execute(
        _EMIT_SQL,
        {
            "school_id": school_id,
            "type": EventType(event_type).value,
            "event_id": event_id,
            "payload": document,
        },
    )
    return event_id
