"""docker-compose.yml has the production services, wired with health conditions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from lessonstudy.settings import ENV_PREFIX, Settings

ROOT = Path(__file__).resolve().parents[1]


def _compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return loaded


def test_services_present() -> None:
    assert {"postgres", "redis", "migrate", "api", "worker"} <= set(_compose()["services"])


def test_backing_services_and_api_have_health_checks() -> None:
    services = _compose()["services"]
    for name in ("postgres", "redis", "api", "worker"):
        assert services[name]["healthcheck"]["test"], name


def test_dependencies_wait_for_health_and_migration() -> None:
    services = _compose()["services"]
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    for name in ("api", "worker"):
        depends = services[name]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully", name
        assert depends["redis"]["condition"] == "service_healthy", name
        for dependency in depends:
            assert dependency in services, (name, dependency)


def test_images_build_from_the_repository_dockerfile() -> None:
    services = _compose()["services"]
    assert (ROOT / "Dockerfile").exists()
    for name in ("migrate", "api", "worker"):
        assert services[name]["build"] == ".", name


def test_environment_names_real_settings() -> None:
    known = {ENV_PREFIX + field.upper() for field in Settings.__struct_fields__}
    for name in ("migrate", "api", "worker"):
        environment = _compose()["services"][name]["environment"]
        assert set(environment) <= known, (name, set(environment) - known)
        assert "LESSONSTUDY_DATABASE_URL" in environment
        assert "LESSONSTUDY_REDIS_URL" in environment


def test_api_runs_without_embedded_worker_or_migrations() -> None:
    command = _compose()["services"]["api"]["command"]
    assert "--no-worker" in command
    assert "--no-migrate" in command
