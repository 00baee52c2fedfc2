"""Opaque cursors for keyset pagination.

A cursor is the sort key of the last row a page returned, encoded so clients
treat it as opaque. Keyset pagination keeps pages stable while rows are added
and costs the same on page 1,000 as on page 1.
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from datetime import date, datetime
from typing import Any

from lessonstudy.errors import RuleBroken

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


def encode_cursor(kind: str, key: list[Any]) -> str:
    raw = json.dumps([kind, key], separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _invalid() -> RuleBroken:
    # 422, not 400: any string is a well-formed cursor; this one was not issued by us.
    return RuleBroken(
        "the cursor is not one this list issued; start again without a cursor",
        errors=[{"field": "cursor", "message": "invalid cursor", "source": "query"}],
    )


def cursor_uuid(value: str) -> uuid.UUID:
    """An id taken from a cursor; a tampered one is refused like any bad cursor."""
    try:
        return uuid.UUID(value)
    except ValueError:
        raise _invalid() from None


def cursor_date(value: str) -> date:
    """A date taken from a cursor; a tampered one is refused like any bad cursor."""
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise _invalid() from None


def cursor_int(value: str) -> int:
    """A whole number taken from a cursor; a tampered one is refused like any bad cursor."""
    if not (value.isascii() and value.isdigit()) or len(value) > 18:
        raise _invalid()
    return int(value)


def cursor_datetime(value: str) -> datetime:
    """A timestamp taken from a cursor; a tampered one is refused like any bad cursor."""
    try:
        found = datetime.fromisoformat(value)
    except ValueError:
        raise _invalid() from None
    if found.tzinfo is None:
        raise _invalid()
    return found


def decode_cursor(kind: str, cursor: str, length: int) -> list[Any]:
    """Return the key a cursor carries, or refuse it with 400.

    ``kind`` ties a cursor to the list that issued it, so a staff cursor given
    to another list is refused rather than misread.
    """
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        decoded = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        decoded = None
    if (
        not isinstance(decoded, list)
        or len(decoded) != 2
        or decoded[0] != kind
        or not isinstance(decoded[1], list)
        or len(decoded[1]) != length
        or not all(isinstance(v, str) for v in decoded[1])
    ):
        raise _invalid()
    return list(decoded[1])
