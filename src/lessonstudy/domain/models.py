"""Every table, imported in one place so the metadata is complete for Alembic."""

from lessonstudy.domain.integration_clients import IntegrationClient
from lessonstudy.domain.schools import School
from lessonstudy.domain.staff import Staff
from lessonstudy.domain.tokens import ApiToken

__all__ = ["ApiToken", "IntegrationClient", "School", "Staff"]
