"""The console as real processes, for whole-stack tests: `kup-console serve` and
`kup-console ingest` run as subprocesses on a private Redis stream and an SQLite (or
PostgreSQL) store, users to log in as, logged-in HTTP sessions and Socket.IO clients, the
resident memory of a process, and what a log holds that it should not."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import redis
import requests
import socketio
from sqlalchemy import Engine

from data.db import make_engine
from data.schema import upgrade
from tests.support.processes import (
    CliProcess,
    IngestProcess,
    wait_until,
)
from tests.support.servers import free_port
from tests.support.sockets import child_pids
from tests.support.stores import sqlite_url
from tests.support.users import PASSWORD, add_test_users

SECRET_KEY = "stack-tests-secret-key-0123456789abcdef"
# Lines of a log that mean something went wrong (the log format is "<time> LEVEL name: ...").
LOG_PROBLEM = re.compile(r"Traceback|\bERROR\b|\bCRITICAL\b")


def rss_mb(pid: int) -> float:
    """Resident set size of a process and its children (a `serve`'s workers), in MB (from
    /proc)."""
    total = 0.0
    for each in [pid, *child_pids(pid)]:
        status = Path(f"/proc/{each}/status").read_text()
        match = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
        assert match, f"no VmRSS for process {each}"
        total += int(match.group(1)) / 1024
    return total


_LOG_ENTRY_START = re.compile(r"(?m)^(?=\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ )")


def _client_went_away(entry: str) -> bool:
    """werkzeug's "Error on request" for a browser that closed its WebSocket (1001, going away)
    while the server was sending to it: the client left; no fault of the console."""
    return (
        "Error on request" in entry
        and "simple_websocket.errors.ConnectionClosed: Connection closed: 1001" in entry
    )


def log_problems(text: str, allowed: Iterable[str] = ()) -> list[str]:
    """Lines of a log naming an error or a traceback (except those with an `allowed` part, and
    the entries of clients that went away)."""
    allowed = tuple(allowed)
    kept = "".join(entry for entry in _LOG_ENTRY_START.split(text) if not _client_went_away(entry))
    return [
        line
        for line in kept.splitlines()
        if LOG_PROBLEM.search(line) and not any(a in line for a in allowed)
    ]


class ServeProcess(CliProcess):
    """`kup-console serve` on a fixed port, configured like an operator would (same port, same
    KUP_SECRET_KEY on every start: sessions survive a restart)."""

    log_name = "serve.log"

    def __init__(
        self,
        *,
        db_url: str,
        redis_url: str,
        stream: str,
        workdir: Path,
        port: int | None = None,
        extra_env: dict[str, str] | None = None,
        verbose: bool = False,
    ) -> None:
        super().__init__(
            workdir,
            {
                "DATABASE_URL": db_url,
                "REDIS_URL": redis_url,
                "KUP_STREAM": stream,
                "KUP_SECRET_KEY": SECRET_KEY,
                "PYTHONFAULTHANDLER": "1",
            },
            extra_env,
        )
        self.port = port or free_port()
        self.verbose = verbose  # `kup-console -v`: debug logging

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60.0) -> ServeProcess:
        """Start (or restart) the server and wait until /healthz answers."""
        self._spawn(*(["-v"] if self.verbose else []), "serve", "--port", str(self.port))
        wait_until(self._answers, f"the web console on port {self.port}", timeout, 0.1)
        return self

    def _answers(self) -> bool:
        assert self.running, f"serve exited:\n{self.log()[-3000:]}"
        try:
            return requests.get(f"{self.url}/healthz", timeout=2).status_code in (200, 503)
        except requests.RequestException:
            return False

    def close(self) -> None:
        if self.running:
            self.terminate(timeout=30)


def login_session(base_url: str, username: str, password: str = PASSWORD) -> requests.Session:
    """A requests session logged in through the /login form (CSRF field included), with the
    `_csrf_token` cookie set by a page load."""
    http = requests.Session()
    form = http.get(f"{base_url}/login", timeout=10).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert token, "no CSRF field on the login form"
    response = http.post(
        f"{base_url}/login",
        timeout=10,
        allow_redirects=False,
        data={"username": username, "password": password, "csrf_token": token.group(1)},
    )
    assert response.status_code == 302, response.text[:500]
    assert http.get(f"{base_url}/", timeout=10).status_code == 200
    return http


def csrf_headers(http: requests.Session) -> dict[str, str]:
    """What dash-renderer sends with a callback POST: the `_csrf_token` cookie as a header."""
    return {"X-CSRFToken": http.cookies["_csrf_token"]}


@dataclass
class SocketWatcher:
    """A logged-in Socket.IO client (as a page's DashSocketIO is) counting what it hears."""

    username: str
    http: requests.Session
    client: socketio.Client
    events: dict[str, int] = field(default_factory=dict)
    connects: int = 0
    disconnects: int = 0
    last_changes: dict | None = None
    last_changes_at: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def open(
        cls, base_url: str, username: str, http: requests.Session | None = None
    ) -> SocketWatcher:
        """Connect as `username` (logging in, unless given that user's logged-in `http`:
        several tabs of one browser share a session)."""
        http = http or login_session(base_url, username)
        client = socketio.Client(
            reconnection=True, reconnection_delay=0.5, reconnection_delay_max=2
        )
        watcher = cls(username, http, client)
        for name in ("hello", "changes", "overdue", "flags", "status", "resync"):
            client.on(name, lambda data, name=name: watcher._heard(name, data))
        client.on("connect", watcher._connected)
        client.on("disconnect", watcher._disconnected)
        cookie = "; ".join(f"{k}={v}" for k, v in http.cookies.items())
        client.connect(
            base_url, transports=["websocket"], headers={"Cookie": cookie}, wait_timeout=15
        )
        return watcher

    def _heard(self, name: str, data: object) -> None:
        with self.lock:
            self.events[name] = self.events.get(name, 0) + 1
            if name == "changes" and isinstance(data, dict):
                self.last_changes, self.last_changes_at = data, time.monotonic()

    def _connected(self) -> None:
        self.connects += 1

    def _disconnected(self, *_: object) -> None:
        self.disconnects += 1

    def count(self, name: str) -> int:
        with self.lock:
            return self.events.get(name, 0)

    def close(self) -> None:
        try:
            self.client.disconnect()
        except Exception:
            pass


def sqlite_store(folder: Path) -> tuple[str, Engine]:
    """An SQLite store in `folder`, migrated, with the test users."""
    url = sqlite_url(folder)
    engine = make_engine(url)
    upgrade(engine)
    add_test_users(engine)
    return url, engine


def ingest_process(
    db_url: str, redis_url: str, stream: str, consumer: str = "stack-1", batch_size: int = 200
) -> IngestProcess:
    """`kup-console ingest` for the stack (its log in a folder of its own)."""
    return IngestProcess(
        db_url=db_url,
        redis_url=redis_url,
        consumer=consumer,
        stream=stream,
        batch_size=batch_size,
        block_ms=200,
    )


def redis_client(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, protocol=2)
