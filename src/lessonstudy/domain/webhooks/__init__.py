"""Webhooks: tell a school's other systems what changed, with guaranteed delivery.

For other features, the one thing to call is ``emit``::

    from lessonstudy.domain.webhooks import EventType, emit

    await emit(session, school_id, EventType.CYCLE_STAGE_CHANGED,
               {"cycle_id": cycle.id, "from": "plan", "to": "teach"})

Call it in the transaction that makes the change, after making it. The
event goes into an outbox table with one delivery per active subscription
of that school that listens for the type, and commits or rolls back with
the change; nothing is sent before the commit. The worker then POSTs each
delivery, signed, and retries it with backoff until the receiver answers
2xx or the attempts run out. Payloads are small JSON objects (ids, dates,
statuses), never private notes: they leave the school's control.

Events and who emits them:

- ``cover_request.created`` / ``cover_request.changed``: ``domain.cover_requests``
  (``record_cover_change``), with the cover request as the API shows it.
- ``booking.created`` / ``booking.cancelled``: ``domain.bookings``.
- ``cycle.stage_changed``: the lesson-study cycles.
- ``observation.requested`` / ``observation.accepted``: peer observations.

Modules: ``models`` (tables), ``outbox`` (``emit``), ``subscriptions``
(CRUD, the delivery log, redelivery), ``delivery`` (the worker's side),
``signing`` (the signature scheme receivers verify).
"""

from lessonstudy.domain.webhooks.models import (
    DeliveryStatus,
    EventType,
    WebhookDelivery,
    WebhookEvent,
    WebhookSubscription,
)
from lessonstudy.domain.webhooks.outbox import emit

__all__ = [
    "DeliveryStatus",
    "EventType",
    "WebhookDelivery",
    "WebhookEvent",
    "WebhookSubscription",
    "emit",
]
