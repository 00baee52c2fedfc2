"""Cursor values other than ids: dates, times and instants taken back from a cursor."""

from __future__ import annotations

from datetime import date, datetime, time

from lessonstudy.pagination import cursor_uuid


def _refused() -> None:
    # The same refusal as any tampered cursor: not one this list issued.
    cursor_uuid("not a cursor")


def cursor_instant(value: str) -> datetime:
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        _refused()
        raise


def cursor_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        _refused()
        raise


def cursor_time(value: str) -> time:
    try:
        return time.fromisoformat(value)
    except ValueError:
        _refused()
        raise
