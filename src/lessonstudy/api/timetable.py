"""Timetable import and export, for the timetable integration (and a school's admins)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

import msgspec
from litestar import Controller, get, post
from litestar.params import JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK

from lessonstudy.api.deps import Caller, Session
from lessonstudy.api.problems import COMMON, FieldProblem, problem_responses
from lessonstudy.auth import scope_or_role
from lessonstudy.domain.integration_clients import Scope
from lessonstudy.domain.staff import Role
from lessonstudy.integrations.dataset import Dataset
from lessonstudy.integrations.exporter import export_dataset
from lessonstudy.integrations.importer import ImportResult, import_dataset


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


class TimetableImportController(Controller):
    """Mounted under a router with a larger body limit than the rest of the API."""

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
