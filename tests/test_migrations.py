"""Alembic owns the schema: it builds an empty database and matches the models."""

from __future__ import annotations

import asyncio

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from lessonstudy.db import Base
from lessonstudy.domain import models  # noqa: F401  (registers every table)
from lessonstudy.migrate import alembic_config, upgrade
from lessonstudy.settings import to_asyncpg_url


async def _differences(url: str) -> list[object]:
    engine = create_async_engine(to_asyncpg_url(url), poolclass=NullPool)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(
                lambda sync: compare_metadata(
                    MigrationContext.configure(sync, opts={"compare_type": True}), Base.metadata
                )
            )
    finally:
        await engine.dispose()


async def _tables(url: str) -> set[str]:
    engine = create_async_engine(to_asyncpg_url(url), poolclass=NullPool)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(
                text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
            )
            return {row[0] for row in rows}
    finally:
        await engine.dispose()


def test_upgrade_head_on_empty_database_matches_models(empty_database: str) -> None:
    upgrade(empty_database)
    assert asyncio.run(_differences(empty_database)) == []


def test_downgrade_to_base_and_back(empty_database: str) -> None:
    from alembic import command

    upgrade(empty_database)
    command.downgrade(alembic_config(empty_database), "base")
    assert asyncio.run(_tables(empty_database)) == {"alembic_version"}
    upgrade(empty_database)
    assert {"school", "staff", "api_token"} <= asyncio.run(_tables(empty_database))


def test_constraints_are_named_by_convention(empty_database: str) -> None:
    upgrade(empty_database)

    async def names() -> set[str]:
        engine = create_async_engine(to_asyncpg_url(empty_database), poolclass=NullPool)
        try:
            async with engine.connect() as conn:
                rows = await conn.execute(
                    text("SELECT conname FROM pg_constraint WHERE conrelid = 'staff'::regclass")
                )
                return {row[0] for row in rows}
        finally:
            await engine.dispose()

    assert {
        "pk_staff",
        "fk_staff_school_id_school",
        "uq_staff_school_id_email",
        "ck_staff_roles",
    } <= asyncio.run(names())
