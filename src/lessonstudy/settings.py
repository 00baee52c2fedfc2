"""Service configuration, read from environment variables.

Settings are an immutable value passed into ``create_app`` and the worker, so
nothing is configured at import time and tests can build as many differently
configured apps as they like.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated

import msgspec

ENV_PREFIX = "LESSONSTUDY_"


class SettingsError(ValueError):
    """An environment variable holds a value the service cannot use."""


def default_data_dir() -> Path:
    """Where the embedded PostgreSQL and Redis keep their data.

    The embedded PostgreSQL refuses to run as root, so when run as root it
    creates a system user and loosens permissions on the data folder's parents;
    that must never touch root's home, hence a folder under /var/lib for root.
    """
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        return Path("/var/lib/lessonstudy")
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "lessonstudy"


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    """Everything the service needs to know about its surroundings.

    Each field maps to ``LESSONSTUDY_<FIELD NAME IN CAPITALS>``; the README
    lists them all.
    """

    database_url: str | None = None
    """PostgreSQL URL (``postgresql://`` or ``postgresql+asyncpg://``). Unset: embedded."""
    redis_url: str | None = None
    """Redis URL (``redis://`` or ``unix://``). Unset: embedded Redis."""
    data_dir: Path = msgspec.field(default_factory=default_data_dir)
    """Folder for the embedded services' data."""
    host: str = "127.0.0.1"
    port: int = 8000
    run_worker: bool = True
    """Run the arq worker inside the ``serve`` process."""
    max_body_bytes: int = 1_048_576
    """Largest request body accepted; larger ones get 413."""
    max_import_bytes: int = 67_108_864
    """Largest timetable import (a large trust's JSON is tens of megabytes)."""
    db_pool_size: int = 10
    log_level: str = "INFO"
    worker_queue: str = "lessonstudy:queue"
    """arq queue name; tests give each run its own."""
    webhook_timeout_seconds: float = 10.0
    """How long one webhook POST may take before it counts as failed."""
    webhook_lease_seconds: float = 60.0
    """How long a worker holds a claimed delivery; a killed worker's delivery is retried after
    it. Must exceed the timeout, or a slow receiver could get the same delivery twice at once."""
    webhook_max_attempts: int = 15
    """Attempts before a delivery is marked dead (with the backoff, about six hours)."""
    solver_queue: str = "lessonstudy:solver"
    """arq queue of scheduling runs, served one solve at a time by its own worker."""
    solver_time_limit_seconds: Annotated[float, msgspec.Meta(gt=0, le=3600)] = 20.0
    """CP-SAT's time limit for one scheduling run; the job's timeout sits above it."""

    @property
    def async_database_url(self) -> str:
        """The database URL in the form SQLAlchemy's asyncpg dialect expects."""
        if self.database_url is None:
            raise SettingsError("no database URL is configured and no embedded database started")
        return to_asyncpg_url(self.database_url)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: object) -> Settings:
        """Read settings from ``environ`` (default: the process environment)."""
        env = os.environ if environ is None else environ
        values: dict[str, object] = {}
        for name in cls.__struct_fields__:
            raw = env.get(ENV_PREFIX + name.upper())
            if raw is not None and raw != "":
                values[name] = raw
        values.update({k: v for k, v in overrides.items() if v is not None})
        if "data_dir" in values:
            # msgspec converts str to Path only in JSON decoding, not in convert().
            values["data_dir"] = Path(str(values["data_dir"]))
        try:
            # strict=False lets msgspec turn "8000" into 8000 and "false" into False.
            settings = msgspec.convert(values, cls, strict=False)
        except msgspec.ValidationError as exc:
            raise SettingsError(_explain(str(exc))) from exc
        settings.check()
        return settings

    def check(self) -> None:
        """Refuse combinations that would break a guarantee."""
        if self.webhook_timeout_seconds <= 0 or self.webhook_max_attempts < 1:
            raise SettingsError(
                f"{ENV_PREFIX}WEBHOOK_TIMEOUT_SECONDS must be positive and "
                f"{ENV_PREFIX}WEBHOOK_MAX_ATTEMPTS at least 1"
            )
        if self.webhook_lease_seconds <= self.webhook_timeout_seconds:
            raise SettingsError(
                f"{ENV_PREFIX}WEBHOOK_LEASE_SECONDS ({self.webhook_lease_seconds}) must exceed "
                f"{ENV_PREFIX}WEBHOOK_TIMEOUT_SECONDS ({self.webhook_timeout_seconds})"
            )


def _explain(message: str) -> str:
    # msgspec says "... - at `$.port`"; name the environment variable instead.
    if " - at `$." in message:
        text, _, path = message.partition(" - at `$.")
        return f"{ENV_PREFIX}{path.rstrip('`').upper()}: {text}"
    return message


def to_asyncpg_url(url: str) -> str:
    """Accept the plain ``postgresql://`` form people copy from elsewhere."""
    for prefix in ("postgresql+asyncpg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix) :]
    raise SettingsError(f"{ENV_PREFIX}DATABASE_URL must be a postgresql:// URL, got {url!r}")


def to_plain_postgres_url(url: str) -> str:
    """The libpq/asyncpg form, for raw asyncpg connections."""
    return "postgresql://" + to_asyncpg_url(url)[len("postgresql+asyncpg://") :]
