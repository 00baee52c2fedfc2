"""Timetable import and export, for the timetable integration (and a school's admins)."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Annotated, TypeVar

import msgspec
from litestar import Controller, get, post
from litestar.datastructures import UploadFile
from litestar.params import JSONBody, MultipartBody, QueryParameter
from litestar.status_codes import HTTP_200_OK

from lessonstudy.api.deps import Caller, Session
from lessonstudy.api.problems import COMMON, FieldProblem, problem_responses
from lessonstudy.auth import scope_or_role
from lessonstudy.domain.cycle import WeekNumbering
from lessonstudy.domain.integration_clients import Scope
from lessonstudy.domain.staff import Role
from lessonstudy.errors import RuleBroken
from lessonstudy.integrations.csv_import import COLUMNS, CsvImportError, dataset_from_csv
from lessonstudy.integrations.dataset import CalendarIn, ClockTime, Dataset
from lessonstudy.integrations.exporter import current_cover_policy, export_dataset
from lessonstudy.integrations.importer import ImportResult, import_dataset
from lessonstudy.integrations.xhstt import XhsttError, load_xhstt_bytes
from lessonstudy.integrations.xhstt_import import dataset_from_xhstt

T = TypeVar("T")


class CountsOut(msgspec.Struct, kw_only=True):
    created: int
    updated: int
    removed: int


class ConflictOut(msgspec.Struct, kw_only=True):
    """A booked commitment the new timetable contradicts; it is left for people to resolve."""

    commitment_id: uuid.UUID
    staff_id: uuid.UUID
    staff_external_id: str | None
    date: date
    period: str
    kind: str
    purpose: str
    reason: str


class ImportReport(msgspec.Struct, kw_only=True):
    dry_run: bool
    """True when nothing was written: the report shows what the import would do."""
    effective_from: date
    version_id: uuid.UUID | None
    """The version in force from `effective_from`; null on a dry run that would make one."""
    version_created: bool
    counts: dict[str, CountsOut]
    warnings: list[FieldProblem]
    conflicts: list[ConflictOut]


def import_report(result: ImportResult) -> ImportReport:
    return ImportReport(
        dry_run=result.dry_run,
        effective_from=result.effective_from,
        version_id=None if result.dry_run and result.version_created else result.version_id,
        version_created=result.version_created,
        counts={
            label: CountsOut(created=c.created, updated=c.updated, removed=c.removed)
            for label, c in sorted(result.counts.items())
        },
        warnings=[FieldProblem(field=w["field"], message=w["message"]) for w in result.warnings],
        conflicts=[
            ConflictOut(
                commitment_id=c.commitment_id,
                staff_id=c.staff_id,
                staff_external_id=c.staff_external_id,
                date=c.day,
                period=c.period,
                kind=c.kind,
                purpose=c.purpose,
                reason=c.reason,
            )
            for c in result.conflicts
        ],
    )


DryRun = Annotated[
    bool, QueryParameter(description="Validate and report the changes without writing them.")
]


@dataclass
class XhsttUpload:
    """An XHSTT archive and what it does not say: term dates and, optionally, clock times."""

    file: UploadFile
    solution_group: str
    """The SolutionGroup Id whose placement of lessons to use."""
    effective_from: date
    """First date the timetable is in force."""
    calendar: str
    """JSON: the `calendar` object of the JSON import (terms, closures, week numbering)."""
    period_times: str | None = None
    """JSON: [["09:00", "10:00"], ...] for period 1, 2, ...; default: hourly from 09:00."""


def _decode_field(name: str, raw: str, kind: type[T]) -> T:
    """A form field that carries JSON; content that does not fit is 422, naming the path."""
    try:
        return msgspec.json.decode(raw, type=kind)
    except msgspec.DecodeError as exc:
        message = str(exc)
        if " - at `$" in message:
            text_part, _, path = message.partition(" - at `$")
            raise RuleBroken(
                f"{name}: {text_part}",
                errors=[{"field": f"{name}{path.rstrip('`')}", "message": text_part}],
            ) from None
        raise RuleBroken(
            f"{name}: {message}", errors=[{"field": name, "message": message}]
        ) from None


@dataclass
class CsvUpload:
    """The CSV files of a timetable export; the README lists each file's columns."""

    effective_from: date
    calendar: UploadFile
    periods: UploadFile
    staff: UploadFile
    lessons: UploadFile
    timetable_weeks: int = 1
    week_numbering: WeekNumbering = WeekNumbering.CONTINUOUS
    duties: UploadFile | None = None
    protected_periods: UploadFile | None = None
    cover_slots: UploadFile | None = None
    cover_caps: UploadFile | None = None
    absences: UploadFile | None = None


class TimetableImportController(Controller):
    """The three ways in for a dataset: JSON, CSV files, or an XHSTT archive.

    Mounted under a router with a larger body limit than the rest of the API.
    """

    path = "/imports"
    tags = ["Timetable"]
    guards = [scope_or_role(Scope.TIMETABLE_WRITE, Role.ADMIN)]

    @post(
        operation_id="importTimetable",
        summary="Import the school's timetable dataset (JSON)",
        description=(
            "The whole dataset, keyed by the MIS's external ids. Atomic: any error refuses "
            "the whole import with every error listed (422). Idempotent: the same dataset "
            "twice changes nothing. Reports what was created, updated and removed."
        ),
        status_code=HTTP_200_OK,
        responses=problem_responses(*COMMON, 422),
    )
    async def import_json(
        self, session: Session, principal: Caller, data: JSONBody[Dataset], dry_run: DryRun = False
    ) -> ImportReport:
        result = await import_dataset(
            session, principal.school_id, data, source="json", dry_run=dry_run
        )
        return import_report(result)

    @post(
        "/xhstt",
        operation_id="importTimetableXhstt",
        summary="Import a school's week from an XHSTT archive and one of its solutions",
        description=(
            "Teachers become staff (keyed by their XHSTT ids), the solution's placed events "
            "become lessons of a one-week timetable, and the calendar comes from the request. "
            "Events the solution leaves unplaced are reported as warnings."
        ),
        status_code=HTTP_200_OK,
        responses=problem_responses(*COMMON, 422),
    )
    async def import_xhstt(
        self,
        session: Session,
        principal: Caller,
        data: MultipartBody[XhsttUpload],
        dry_run: DryRun = False,
    ) -> ImportReport:
        calendar = _decode_field("calendar", data.calendar, CalendarIn)
        times = (
            _decode_field("period_times", data.period_times, list[tuple[ClockTime, ClockTime]])
            if data.period_times
            else None
        )
        raw = await data.file.read()
        try:
            timetable = await asyncio.to_thread(load_xhstt_bytes, raw, data.solution_group)
            dataset, warnings = dataset_from_xhstt(
                timetable,
                effective_from=data.effective_from,
                calendar=calendar,
                period_times=times,
                cover_policy=await current_cover_policy(session, principal.school_id),
            )
        except (XhsttError, ValueError) as exc:
            raise RuleBroken(str(exc), errors=[{"field": "file", "message": str(exc)}]) from None
        result = await import_dataset(
            session, principal.school_id, dataset, source="xhstt", dry_run=dry_run
        )
        result.warnings = warnings + result.warnings
        return import_report(result)

    @post(
        "/csv",
        operation_id="importTimetableCsv",
        summary="Import the school's timetable dataset as CSV files",
        description=(
            "One file per section (calendar, periods, staff, lessons required; duties, "
            "protected_periods, cover_slots, cover_caps, absences optional), with the columns "
            "the README lists. Same rules as the JSON import; every bad cell is reported by "
            "file, row and column. The school's cover policy is kept."
        ),
        status_code=HTTP_200_OK,
        responses=problem_responses(*COMMON, 422),
    )
    async def import_csv(
        self,
        session: Session,
        principal: Caller,
        data: MultipartBody[CsvUpload],
        dry_run: DryRun = False,
    ) -> ImportReport:
        if data.timetable_weeks not in (1, 2):
            raise RuleBroken(
                "a timetable cycle is 1 or 2 weeks",
                errors=[{"field": "timetable_weeks", "message": "must be 1 or 2"}],
            )
        files = {
            name: await part.read()
            for name in COLUMNS
            if isinstance(part := getattr(data, name), UploadFile)
        }
        try:
            dataset = dataset_from_csv(
                files,
                effective_from=data.effective_from,
                timetable_weeks=data.timetable_weeks,
                week_numbering=data.week_numbering,
                cover_policy=await current_cover_policy(session, principal.school_id),
            )
        except CsvImportError as exc:
            raise RuleBroken(
                f"the CSV files have {len(exc.errors)} problem(s); nothing was changed",
                errors=exc.errors,
            ) from None
        result = await import_dataset(
            session, principal.school_id, dataset, source="csv", dry_run=dry_run
        )
        return import_report(result)


class TimetableExportController(Controller):
    path = "/v1/timetable"
    tags = ["Timetable"]
    guards = [scope_or_role(Scope.TIMETABLE_READ, Role.ADMIN)]

    @get(
        "/export",
        operation_id="exportTimetable",
        summary="Export the timetable dataset in the import format",
        responses=problem_responses(*COMMON, 404),
    )
    async def export(
        self,
        session: Session,
        principal: Caller,
        as_of: Annotated[
            date | None,
            QueryParameter(description="The version in force on this date; default the latest."),
        ] = None,
    ) -> Dataset:
        return await export_dataset(session, principal.school_id, as_of)
