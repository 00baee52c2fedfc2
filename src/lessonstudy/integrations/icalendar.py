"""iCalendar (RFC 5545) text for calendar subscriptions: a VCALENDAR of VEVENTs.

Written by hand because the format is small and the rules that matter are
few: CRLF line ends; lines folded at 75 octets (never inside a UTF-8
character) with a leading space on each continuation; TEXT values with
backslash, semicolon, comma and newline escaped and other control
characters dropped. Times are written in UTC (the ``Z`` form), so no
VTIMEZONE component is needed and every client places them the same way.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

PRODUCT_ID = "-//lessonstudy//calendar feed//EN"
MAX_OCTETS = 75
CRLF = "\r\n"

EventStatus = Literal["CONFIRMED", "TENTATIVE", "CANCELLED"]

# RFC 5545 TEXT may hold no control characters but HTAB; newlines are escaped first.
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


@dataclass(frozen=True, slots=True)
class Event:
    uid: str
    sequence: int
    """Goes up whenever the event's time, text or status changes, so clients take the update."""
    starts_at: datetime
    ends_at: datetime
    summary: str
    description: str
    location: str | None
    status: EventStatus
    last_modified: datetime


def escape_text(value: str) -> str:
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    value = value.replace("\n", "\\n")
    return _CONTROL.sub("", value)


def fold(line: str) -> str:
    """Split a content line into lines of at most 75 octets, continuations starting with a space."""
    encoded = line.encode()
    if len(encoded) <= MAX_OCTETS:
        return line
    pieces: list[str] = []
    current = ""
    size = 0
    limit = MAX_OCTETS
    for char in line:
        width = len(char.encode())
        if size + width > limit:
            pieces.append(current)
            current, size = "", 0
            limit = MAX_OCTETS - 1  # the leading space of a continuation counts
        current += char
        size += width
    pieces.append(current)
    return (CRLF + " ").join(pieces)


def utc_stamp(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("iCalendar times must be timezone-aware")
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _lines(event: Event) -> list[str]:
    lines = [
        "BEGIN:VEVENT",
        f"UID:{escape_text(event.uid)}",
        f"DTSTAMP:{utc_stamp(event.last_modified)}",
        f"LAST-MODIFIED:{utc_stamp(event.last_modified)}",
        f"SEQUENCE:{event.sequence}",
        f"DTSTART:{utc_stamp(event.starts_at)}",
        f"DTEND:{utc_stamp(event.ends_at)}",
        f"SUMMARY:{escape_text(event.summary)}",
        f"STATUS:{event.status}",
        "TRANSP:OPAQUE",
    ]
    if event.description:
        lines.append(f"DESCRIPTION:{escape_text(event.description)}")
    if event.location:
        lines.append(f"LOCATION:{escape_text(event.location)}")
    lines.append("END:VEVENT")
    return lines


def calendar(name: str, events: Iterable[Event]) -> str:
    """A whole calendar: the subscriber's client re-reads it and applies updates by UID."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODUCT_ID}",
        "CALSCALE:GREGORIAN",
        f"NAME:{escape_text(name)}",
        f"X-WR-CALNAME:{escape_text(name)}",
        "REFRESH-INTERVAL;VALUE=DURATION:PT1H",
        "X-PUBLISHED-TTL:PT1H",
    ]
    for event in events:
        lines.extend(_lines(event))
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + CRLF for line in lines)
