"""Running Alembic from the service, without an alembic.ini."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from alembic import command
from alembic.config import Config

from lessonstudy.settings import to_asyncpg_url


def migrations_dir() -> Path:
    """The revisions: packaged in the wheel, or beside ``src/`` in a checkout."""
    packaged = resources.files("lessonstudy").joinpath("_migrations")
    if packaged.is_dir():
        return Path(str(packaged))
    checkout = Path(__file__).resolve().parents[2] / "migrations"
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError("the Alembic migrations were not found beside the package")


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    # '%' is interpolation syntax in Alembic's config; passwords may contain it.
    config.set_main_option("sqlalchemy.url", to_asyncpg_url(database_url).replace("%", "%%"))
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    """Apply migrations. Runs its own event loop, so call it outside one."""
    command.upgrade(alembic_config(database_url), revision)
