"""Read a timetable dataset from CSV files, one file per section.

Most MIS exports are CSV, so each section of the JSON dataset has a CSV form
with the columns below (a header row first; UTF-8, with or without a BOM).
List cells hold values separated by ";" (e.g. "P3;P4"); an empty cell means
"not given". Every bad cell is reported with its file, row (as a spreadsheet
numbers it, the header being row 1) and column, all at once.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import msgspec

from lessonstudy.domain.cycle import WeekNumbering
from lessonstudy.integrations.dataset import (
    AbsenceIn,
    CalendarIn,
    ClosureIn,
    CoverCapIn,
    CoverPolicyIn,
    CoverSlotIn,
    Dataset,
    DutyIn,
    LessonIn,
    PeriodIn,
    ProtectedPeriodIn,
    StaffIn,
    TermIn,
)

COLUMNS: dict[str, tuple[str, ...]] = {
    "calendar": ("kind", "name", "starts_on", "ends_on"),
    "periods": ("weekday", "code", "starts_at", "ends_at", "teaching"),
    "staff": ("external_id", "name", "email", "roles", "working_days", "ect_year"),
    "lessons": (
        "external_id",
        "class_code",
        "subject",
        "room",
        "teachers",
        "week",
        "weekday",
        "periods",
    ),
    "duties": ("external_id", "staff", "kind", "description", "week", "weekday", "period"),
    "protected_periods": ("staff", "kind", "week", "weekday", "period"),
    "cover_slots": ("staff", "week", "weekday", "period"),
    "cover_caps": ("staff", "max_per_day", "max_per_week", "max_per_term"),
    "absences": ("external_id", "staff", "kind", "reason", "starts_on", "ends_on", "periods"),
}
REQUIRED = ("calendar", "periods", "staff", "lessons")
ROW_TYPES: dict[str, type[msgspec.Struct]] = {
    "periods": PeriodIn,
    "staff": StaffIn,
    "lessons": LessonIn,
    "duties": DutyIn,
    "protected_periods": ProtectedPeriodIn,
    "cover_slots": CoverSlotIn,
    "cover_caps": CoverCapIn,
    "absences": AbsenceIn,
}
# Columns that hold ";"-separated lists, per file.
_LIST_IN = {
    "lessons": {"teachers", "periods"},
    "absences": {"periods"},
    "staff": {"roles", "working_days"},
}


class CsvImportError(ValueError):
    def __init__(self, errors: list[dict[str, str]]) -> None:
        super().__init__(f"{len(errors)} problem(s) in the CSV files")
        self.errors = errors


@dataclass
class _Collected:
    errors: list[dict[str, str]] = field(default_factory=list)

    def error(self, where: str, message: str) -> None:
        self.errors.append({"field": where, "message": message})


def _rows(section: str, raw: bytes, found: _Collected) -> list[tuple[int, dict[str, Any]]]:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        found.error(f"{section}.csv", "is not UTF-8 text")
        return []
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip() for h in (reader.fieldnames or [])]
    unknown = [h for h in header if h not in COLUMNS[section]]
    if unknown or not header:
        found.error(
            f"{section}.csv",
            f"unknown columns {unknown}; expected some of {list(COLUMNS[section])}"
            if unknown
            else "has no header row",
        )
        return []
    rows = []
    for number, record in enumerate(reader, start=2):
        if None in record:  # more cells than headers
            found.error(f"{section}.csv row {number}", "has more cells than the header")
            continue
        row: dict[str, Any] = {}
        for column, cell in record.items():
            value = (cell or "").strip()
            if not value:
                continue
            if column.strip() in _LIST_IN.get(section, set()):
                row[column.strip()] = [part.strip() for part in value.split(";") if part.strip()]
            else:
                row[column.strip()] = value
        rows.append((number, row))
    return rows


def _convert(
    section: str, number: int, row: dict[str, Any], kind: type[Any], found: _Collected
) -> Any:
    try:
        # strict=False: CSV cells are text, so "2" may be a week and "false" a flag.
        return msgspec.convert(row, kind, strict=False)
    except msgspec.ValidationError as exc:
        message = str(exc)
        column = ""
        if " - at `$." in message:
            message, _, path = message.partition(" - at `$.")
            column = path.rstrip("`").split("[")[0].split(".")[0]
        found.error(f"{section}.csv row {number}" + (f" ({column})" if column else ""), message)
        return None


def dataset_from_csv(
    files: dict[str, bytes],
    *,
    effective_from: date,
    timetable_weeks: int,
    week_numbering: WeekNumbering,
    cover_policy: CoverPolicyIn,
) -> Dataset:
    found = _Collected()
    for section in REQUIRED:
        if section not in files:
            found.error(f"{section}.csv", "is required")
    sections: dict[str, list[Any]] = {}
    terms: list[TermIn] = []
    closures: list[ClosureIn] = []
    for section, raw in files.items():
        rows = _rows(section, raw, found)
        if section == "calendar":
            for number, row in rows:
                kind = row.pop("kind", None)
                if kind == "term":
                    term = _convert(section, number, row, TermIn, found)
                    if term is not None:
                        terms.append(term)
                elif kind in ("holiday", "inset", "closure"):
                    closure = _convert(section, number, {**row, "kind": kind}, ClosureIn, found)
                    if closure is not None:
                        closures.append(closure)
                else:
                    found.error(
                        f"calendar.csv row {number} (kind)",
                        "must be term, holiday, inset or closure",
                    )
            continue
        converted = [_convert(section, n, row, ROW_TYPES[section], found) for n, row in rows]
        sections[section] = [c for c in converted if c is not None]
    if not terms and "calendar" in files:
        found.error("calendar.csv", "lists no term")
    if found.errors:
        raise CsvImportError(found.errors)
    try:
        return msgspec.convert(
            {
                "effective_from": effective_from,
                "calendar": CalendarIn(
                    terms=terms,
                    closures=closures,
                    timetable_weeks=timetable_weeks,  # type: ignore[arg-type]
                    week_numbering=week_numbering,
                ),
                "cover_policy": cover_policy,
                **sections,
            },
            Dataset,
            from_attributes=True,
        )
    except msgspec.ValidationError as exc:
        # Only whole-file limits remain here (too many rows, no periods).
        raise CsvImportError([{"field": "csv", "message": str(exc)}]) from None
