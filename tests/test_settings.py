"""Settings come from LESSONSTUDY_* variables, with clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from lessonstudy.settings import Settings, SettingsError, to_asyncpg_url


def test_reads_prefixed_variables() -> None:
    settings = Settings.from_env(
        {
            "LESSONSTUDY_DATABASE_URL": "postgresql://u@h/db",
            "LESSONSTUDY_PORT": "9001",
            "LESSONSTUDY_RUN_WORKER": "false",
            "LESSONSTUDY_DATA_DIR": "/srv/ls",
            "UNRELATED": "x",
        }
    )
    assert settings.port == 9001
    assert settings.run_worker is False
    assert settings.data_dir == Path("/srv/ls")
    assert settings.async_database_url == "postgresql+asyncpg://u@h/db"
    assert settings.redis_url is None


def test_overrides_win_and_none_is_ignored() -> None:
    settings = Settings.from_env({"LESSONSTUDY_PORT": "9001"}, port=7000, host=None)
    assert settings.port == 7000
    assert settings.host == "127.0.0.1"


def test_bad_value_names_the_variable() -> None:
    with pytest.raises(SettingsError, match="LESSONSTUDY_PORT"):
        Settings.from_env({"LESSONSTUDY_PORT": "eighty"})


def test_non_postgres_url_is_refused() -> None:
    with pytest.raises(SettingsError, match="postgresql"):
        to_asyncpg_url("mysql://u@h/db")


def test_a_webhook_lease_shorter_than_the_timeout_is_refused() -> None:
    with pytest.raises(SettingsError, match="LESSONSTUDY_WEBHOOK_LEASE_SECONDS"):
        Settings.from_env(
            {"LESSONSTUDY_WEBHOOK_LEASE_SECONDS": "5", "LESSONSTUDY_WEBHOOK_TIMEOUT_SECONDS": "10"}
        )
    settings = Settings.from_env({"LESSONSTUDY_WEBHOOK_LEASE_SECONDS": "30"})
    assert settings.webhook_lease_seconds == 30
