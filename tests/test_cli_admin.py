"""The administrative commands: schools create, tokens create and revoke, openapi --check."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest

from lessonstudy.cli import main
from lessonstudy.settings import Settings
from tests.kit import Client, SchoolKit

SECRET = re.compile(r"(lst_\S+)")


@pytest.fixture
def configured(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    assert settings.database_url is not None
    monkeypatch.setenv("LESSONSTUDY_DATABASE_URL", settings.database_url)
    return settings


async def test_schools_create_prints_a_working_admin_token(
    configured: Settings, client: Client, capsys: pytest.CaptureFixture[str]
) -> None:
    # The command runs its own event loop, so it runs beside the test's, in a thread.
    code = await asyncio.to_thread(
        main,
        [
            "schools",
            "create",
            "--name",
            "Lakeside Primary",
            "--time-zone",
            "Europe/Dublin",
            "--admin-name",
            "Lee Admin",
            "--admin-email",
            "lee@lakeside.example",
        ],
    )
    assert code == 0
    secret = SECRET.search(capsys.readouterr().out)
    assert secret is not None
    me = await client.get("/v1/me", headers={"Authorization": f"Bearer {secret.group(1)}"})
    assert me.status_code == 200
    assert me.json()["school"]["time_zone"] == "Europe/Dublin"
    assert me.json()["staff"]["roles"] == ["admin"]


async def test_tokens_create_and_revoke(
    configured: Settings, client: Client, school: SchoolKit, capsys: pytest.CaptureFixture[str]
) -> None:
    staff_id = str(school.staff_ids["teacher"])
    assert (
        await asyncio.to_thread(main, ["tokens", "create", "--staff", staff_id, "--label", "ops"])
        == 0
    )
    out = capsys.readouterr().out
    secret = SECRET.search(out)
    assert secret is not None
    headers = {"Authorization": f"Bearer {secret.group(1)}"}
    assert (await client.get("/v1/me", headers=headers)).status_code == 200

    token_id = re.search(r"token (\S+) \(ops\)", out)
    assert token_id is not None
    assert await asyncio.to_thread(main, ["tokens", "revoke", token_id.group(1)]) == 0
    assert (await client.get("/v1/me", headers=headers)).status_code == 401


def test_tokens_create_for_unknown_holder_fails(configured: Settings) -> None:
    with pytest.raises(SystemExit, match="no member of staff"):
        main(["tokens", "create", "--staff", "00000000-0000-4000-8000-000000000000"])


def test_openapi_check_detects_a_stale_file(tmp_path: Path) -> None:
    target = tmp_path / "openapi.json"
    assert main(["openapi", "--output", str(target)]) == 0
    assert main(["openapi", "--output", str(target), "--check"]) == 0
    target.write_text(target.read_text().replace("lessonstudy", "stale", 1))
    assert main(["openapi", "--output", str(target), "--check"]) == 1


def test_bad_setting_is_reported_not_raised(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LESSONSTUDY_PORT", "eighty")
    assert main(["openapi", "--check"]) == 2
    assert "LESSONSTUDY_PORT" in capsys.readouterr().err
