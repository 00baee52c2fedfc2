"""Webhook signatures: HMAC-SHA256 over the timestamp and the exact body sent.

The header is ``X-Lessonstudy-Signature: t=<unix seconds>,v1=<hex digest>``,
the digest being HMAC-SHA256 with the subscription's secret over
``"<t>." + body``. A receiver recomputes it over the raw body it received,
compares in constant time, and refuses a ``t`` more than five minutes from
its own clock: a captured request cannot be replayed later, and one
replayed within the window carries an event id the receiver has already
seen (``X-Lessonstudy-Event-Id``), so it drops it. ``verify`` below does the
first two checks and is what our own tests use as a receiver.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

SIGNATURE_HEADER = "X-Lessonstudy-Signature"
EVENT_HEADER = "X-Lessonstudy-Event"
EVENT_ID_HEADER = "X-Lessonstudy-Event-Id"
DELIVERY_ID_HEADER = "X-Lessonstudy-Delivery-Id"
SECRET_PREFIX = "whsec_"  # noqa: S105 (marks our secrets so scanners can find leaks)
TOLERANCE_SECONDS = 300


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def _digest(secret: str, timestamp: int, body: bytes) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The signature header's value for ``body`` sent at ``timestamp``."""
    return f"t={timestamp},v1={_digest(secret, timestamp, body)}"


def verify(
    secret: str, header: str, body: bytes, *, now: int, tolerance: int = TOLERANCE_SECONDS
) -> bool:
    """True when ``header`` signs ``body`` with ``secret`` and is recent enough."""
    parts = dict(item.strip().partition("=")[::2] for item in header.split(","))
    try:
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs(now - timestamp) > tolerance:
        return False
    return hmac.compare_digest(_digest(secret, timestamp, body), parts.get("v1", ""))
