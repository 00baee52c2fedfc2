"""The README's first command, end to end: `lessonstudy serve --demo` with embedded services.

Runs the real console script in a subprocess with no service URLs, so it must
start the embedded PostgreSQL and Redis itself, and checks that SIGTERM and
Ctrl-C (SIGINT) stop everything, and that a restart keeps the data.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

BANNER = re.compile(r"serving on (http://127\.0\.0\.1:\d+)")
ADMIN_TOKEN = re.compile(r"admin token \(Priya Shah\):\s+(lst_\S+)")


@pytest.fixture
def data_dir() -> Iterator[Path]:
    # Under /tmp, never in root's home: the embedded PostgreSQL changes permissions of parents.
    folder = Path(tempfile.mkdtemp(prefix="lessonstudy-serve-", dir="/tmp"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _processes_using(folder: Path) -> list[str]:
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if str(folder) in cmdline:
            found.append(f"{proc.name}: {cmdline.strip()}")
    return found


class Served:
    def __init__(self, data_dir: Path) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("LESSONSTUDY_")}
        self.log = data_dir.parent / f"{data_dir.name}.log"
        self._log_file = self.log.open("w")
        script = Path(sys.executable).parent / "lessonstudy"
        self.process = subprocess.Popen(
            [str(script), "--data-dir", str(data_dir), "serve", "--demo", "--port", "0"],
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            env=env,
        )
        self.base_url, self.admin_token = self._wait_for_banner()

    def _wait_for_banner(self) -> tuple[str, str]:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            text = self.log.read_text()
            url, token = BANNER.search(text), ADMIN_TOKEN.search(text)
            if url and token:
                return url.group(1), token.group(1)
            if self.process.poll() is not None:
                break
            time.sleep(0.2)
        self.stop(signal.SIGKILL)
        pytest.fail(f"serve did not start:\n{self.log.read_text()}")

    def stop(self, signum: int) -> int:
        self.process.send_signal(signum)
        try:
            code = self.process.wait(timeout=60)
        finally:
            self._log_file.close()
        return code


def test_serve_demo_stops_cleanly_and_keeps_data(data_dir: Path) -> None:
    first = Served(data_dir)
    assert httpx.get(f"{first.base_url}/v1/staff").status_code == 401
    headers = {"Authorization": f"Bearer {first.admin_token}"}
    staff = httpx.get(f"{first.base_url}/v1/staff?limit=200", headers=headers)
    assert staff.status_code == 200
    assert len(staff.json()["items"]) == 11
    created = httpx.post(
        f"{first.base_url}/v1/staff",
        json={"name": "Zara Quinn", "roles": ["teacher"]},
        headers=headers,
    )
    assert created.status_code == 201
    assert first.stop(signal.SIGTERM) == 0
    assert _processes_using(data_dir) == []

    second = Served(data_dir)
    headers = {"Authorization": f"Bearer {second.admin_token}"}
    names = {
        row["name"]
        for row in httpx.get(f"{second.base_url}/v1/staff?limit=200", headers=headers).json()[
            "items"
        ]
    }
    assert "Zara Quinn" in names
    # The first run's demo tokens were revoked when the second printed new ones.
    old = {"Authorization": f"Bearer {first.admin_token}"}
    assert httpx.get(f"{second.base_url}/v1/me", headers=old).status_code == 401
    assert second.stop(signal.SIGINT) == 0
    assert _processes_using(data_dir) == []
