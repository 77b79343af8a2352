"""A running kup-console for the benchmarks that need the whole system: a private Redis, a
store (SQLite file or a private PostgreSQL schema) with seeded history, a user with a password
and an API token, and the real processes (`kup-console ingest`, `kup-console serve`)."""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import redis
import requests
import socketio
from sqlalchemy import Engine, select

from benchmarks.common import (
    await_answer,
    peak_rss_mb_per_process,
    redis_server,
    spawn,
    stop,
    wait_until,
    workdir,
)
from console.web.server import worker_processes
from data import streams
from data.db import make_engine, make_sessionmaker, writer_engine
from data.models import User
from data.reference import load_geography
from data.schema import upgrade
from data.seed import seed_cases
from data.users import issue_token
from rules.contract import SCHEMA_VERSION
from tests.support.servers import free_port
from tests.support.stores import sqlite_url
from tests.support.users import PASSWORD, add_test_users

USERNAME = "admin"  # the administrator of the test users
SECRET = "bench-secret-key-" + "0" * 32
STREAM = "kup:events"
BROWSER_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
CHROMIUM = "/usr/bin/chromium"
_CATEGORIES = ("theft", "fraud", "hooliganism", "traffic", "assault", "drugs")


@dataclass
class Stack:
    """Where the running console is and how to reach it."""

    dir: Path
    database_url: str
    redis_url: str
    token: str
    web_port: int = 0
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    def env(self, **extra: str) -> dict[str, str]:
        return dict(
            os.environ,
            DATABASE_URL=self.database_url,
            REDIS_URL=self.redis_url,
            KUP_DATA_DIR=str(self.dir),
            KUP_SECRET_KEY=SECRET,
            KUP_STREAM=STREAM,
            PYTHONFAULTHANDLER="1",
            **extra,
        )

    def redis(self) -> redis.Redis:
        return streams.connect(self.redis_url)

    def rss_mb(self, name: str) -> float:
        """Peak RSS of the process `name` (of a web server's largest process)."""
        return peak_rss_mb_per_process(self.processes[name].pid)

    def send_at_rate(
        self, prefix: str, rate: float, count: int, started: float | None = None, phase: float = 0.0
    ) -> dict[str, float]:
        """XADD `count` registrations PREFIX-000001, ..., the i-th `(i + phase) / rate` s after
        `started` (a time.perf_counter(); now by default); when each was sent (epoch ms)."""
        client = self.redis()
        regs = Registrations(prefix)
        sent: dict[str, float] = {}
        started = time.perf_counter() if started is None else started
        for i in range(count):
            sleep_until(started + (i + phase) / rate)
            event = regs.next()
            sent[event["reg_no"]] = time.time() * 1000
            client.xadd(STREAM, event)
        client.close()
        return sent


@dataclass
class WebServer:
    """A running `kup-console serve`."""

    process: subprocess.Popen
    port: int
    workers: int | None  # None: one process, no fork (`--workers 0`)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@contextmanager
def web_server(stack: Stack, workers: int | None = None, name: str = "web") -> Iterator[WebServer]:
    """`kup-console serve` on the stack's store and Redis, from when it answers until the
    block ends: `workers` gunicorn worker processes (the default: one per CPU), or with
    `workers=0` one threaded process (werkzeug, as the demo serves)."""
    port = free_port()
    args = ["console.cli", "serve", "--port", str(port)]
    if workers is not None:
        args += ["--workers", str(workers)]
    proc = spawn(args, stack.env(), stack.dir / f"{name}.log")
    try:
        await_answer(proc, port, "web console")
        yield WebServer(proc, port, worker_processes(workers) if workers != 0 else None)
    finally:
        stop(proc)


@contextmanager
def console_stack(
    cases: int,
    database_url: str | None = None,
    web: bool = True,
    ingest_workers: int = 1,
    open_share: float = 0.0,
    store: Path | None = None,
) -> Iterator[Stack]:
    """A console with `cases` seeded cases (`open_share` of them left open whatever their
    deadline: a backlog), its ingest worker(s) and (with `web`) its web server
    (`kup-console serve`, as configured by default). `store`: an SQLite store to start from
    (a copy of it; the seeded cases are added to its own)."""
    with ExitStack() as stack:
        tmp = stack.enter_context(workdir("kup-bench-stack-"))
        server = stack.enter_context(redis_server())
        url = database_url or sqlite_url(tmp)
        if store is not None:
            shutil.copyfile(store, tmp / "kup.db")
        engine = make_engine(url)
        upgrade(engine)
        if cases:
            seed_cases(engine, cases, seed=5, open_share=open_share)
        token = api_user(engine)
        engine.dispose()
        console = Stack(tmp, url, server.url, token)
        try:
            for i in range(ingest_workers):
                console.processes[f"ingest-{i}"] = spawn(
                    ["console.cli", "ingest", "--consumer", f"bench-{i}"], console.env()
                )
            if web:
                served = stack.enter_context(web_server(console))
                console.processes["web"] = served.process
                console.web_port = served.port
            if ingest_workers:
                client = console.redis()
                ok = wait_until(lambda: _consumers(client) >= ingest_workers, 120, 0.05)
                client.close()
                if not ok:
                    raise RuntimeError("the ingest workers did not start")
            yield console
        finally:
            stop(*console.processes.values())


def api_user(engine: Engine) -> str:
    """Add the test users' administrator USERNAME to the store (unless a store from an
    earlier run has them); an API token of theirs."""
    with engine.connect() as conn:
        known = conn.scalar(select(User.id).where(User.username == USERNAME))
    if known is None:
        add_test_users(engine, [USERNAME])
    with make_sessionmaker(writer_engine(engine)).begin() as session:
        return issue_token(session, USERNAME)


def _consumers(client: redis.Redis) -> int:
    try:
        return sum(int(g["consumers"]) for g in client.xinfo_groups(STREAM))
    except redis.ResponseError:
        return 0


class Registrations:
    """Contract-valid `registered` events happening now, numbered PREFIX-000001, ... in order
    (so the newest is also the highest number, as the live feed sorts them)."""

    def __init__(self, prefix: str, seed: int = 3) -> None:
        self.prefix = prefix
        self.rng = random.Random(f"{prefix}:{seed}")  # event ids of their own per prefix
        self.count = 0
        self.districts = sorted(load_geography().districts)

    def next(self, at: datetime | None = None) -> dict[str, str]:
        self.count += 1
        at = (at or datetime.now(UTC)).replace(microsecond=0)
        return {
            "schema": SCHEMA_VERSION,
            "type": "registered",
            "event_id": uuid.UUID(int=self.rng.getrandbits(128), version=4).hex,
            "reg_no": f"{self.prefix}-{self.count:06d}",
            "occurred_at": at.isoformat(),
            "received_at": (at - timedelta(minutes=10)).isoformat(),
            "district": self.rng.choice(self.districts),
            "category": self.rng.choice(_CATEGORIES),
            "source": "statement",
            "summary": "Кража телефона в маршрутке",
        }


def api_session(token: str) -> requests.Session:
    """An HTTP session sending the API `token`."""
    http = requests.Session()
    http.headers["Authorization"] = f"Bearer {token}"
    return http


def push_client(url: str, token: str, on_changes: Callable[[Any], object]) -> socketio.Client:
    """A Socket.IO client of the console at `url` (logged in with the API `token`, no
    reconnection) handing every "changes" push to `on_changes`."""
    client = socketio.Client(reconnection=False)
    client.on("changes", on_changes)
    client.connect(
        url, headers={"Authorization": f"Bearer {token}"}, transports=["websocket"], wait_timeout=30
    )
    return client


def log_in(page, base_url: str, next_path: str = "/") -> None:  # type: ignore[no-untyped-def]
    """Log in through the /login form, as a person would."""
    page.goto(f"{base_url}/login?next={next_path}")
    page.fill("input[name=username]", USERNAME)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base_url}{next_path}")


def sleep_until(deadline: float) -> None:
    """Sleep until time.perf_counter() reaches `deadline`."""
    left = deadline - time.perf_counter()
    if left > 0:
        time.sleep(left)
