"""A real console for browser tests and screenshots: the app from create_app served by a
threaded WSGI server on a free port (WebSockets included), the push task, an IngestWorker
reading the stream, users of every role, and a Chromium logged in through the /login form."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

from sqlalchemy import Engine
from werkzeug.serving import BaseWSGIServer, make_server

from console.config import Settings
from console.runtime import Services, ingest_worker
from console.web.app import WebApp, create_app
from console.web.server import start_tasks, stop_tasks
from data import streams
from data.db import make_sessionmaker
from data.models import Case
from data.reference import load_geography
from data.simulator import Simulator
from rules.clock import DEFAULT_TZ, zone
from tests.support.processes import wait_until
from tests.support.servers import free_port
from tests.support.stores import apply_events
from tests.support.users import PASSWORD

BROWSER_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
CHROMIUM = "/usr/bin/chromium"


def store(
    engine: Engine, events: Iterable[dict[str, str]], now: datetime | None = None, chunk: int = 2000
) -> int:
    """Apply events straight to the store (history that need not go through the stream), in
    batches of `chunk`; how many there were."""
    events = iter(events)
    count = 0
    while batch := list(itertools.islice(events, chunk)):
        apply_events(engine, batch, now=now, allow_refused=True)
        count += len(batch)
    return count


def simulated_history(
    engine: Engine,
    days: float,
    per_day: float,
    seed: int = 11,
    now: datetime | None = None,
    hourly: timedelta = timedelta(0),
) -> Simulator:
    """`days` of simulated history up to `now`, stored (at `now`, but the events of the last
    `hourly` hour by hour, each hour's when it ended: what a look back at an earlier instant
    finds, data.as_of); returns the simulator (for more)."""
    now = now or datetime.now(UTC)
    sim = Simulator(
        load_geography(),
        seed=seed,
        tz=zone(DEFAULT_TZ),
        registrations_per_day=per_day,
        duplicate_rate=0,
    )
    first_hour = (now - hourly).replace(minute=0, second=0, microsecond=0)

    def stored_at(event: dict[str, str]) -> datetime:
        try:
            occurred = datetime.fromisoformat(event.get("occurred_at", ""))
        except ValueError:
            return now  # a flawed entry (the contract refuses it)
        if hourly <= timedelta(0) or occurred.tzinfo is None:
            return now
        hour = occurred.replace(minute=0, second=0, microsecond=0)
        return min(max(hour + timedelta(hours=1), first_hour), now)

    events = sim.backfill(now - timedelta(days=days), now)
    for at, batch in itertools.groupby(events, key=stored_at):  # in time order
        store(engine, batch, now=at)
    return sim


@dataclass
class RunningConsole:
    """The served console and its background workers."""

    web: WebApp
    port: int
    settings: Settings
    engine: Engine
    threads: list[threading.Thread] = field(default_factory=list)
    httpd: BaseWSGIServer | None = None
    http_thread: threading.Thread | None = None
    host: str = "127.0.0.1"  # where it listens ("0.0.0.0": clients from any loopback address)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start_http(self) -> None:
        """Serve the app on the console's port (again, after stop_http)."""
        self.httpd = make_server(self.host, self.port, self.web.server, threaded=True)
        self.http_thread = threading.Thread(
            target=self.httpd.serve_forever, name="kup-web-test", daemon=True
        )
        self.http_thread.start()

    def stop_http(self) -> None:
        """An outage as the browser sees it: stop listening and drop every socket."""
        if self.httpd is not None:
            self.httpd.shutdown()
            self.httpd.server_close()
            self.httpd = None
        if self.http_thread is not None:
            self.http_thread.join(timeout=10)
        engine_io = self.web.socketio.server.eio
        for socket in list(engine_io.sockets.values()):
            socket.close(wait=False)  # the browser may be gone: do not wait for it to read
        engine_io.sockets = {}

    def wait_stored(self, reg_no: str, timeout: float = 30.0) -> None:
        """Wait until the ingest worker has stored the case `reg_no`."""
        sessions = make_sessionmaker(self.engine)

        def stored() -> bool:
            with sessions() as session:
                return session.get(Case, reg_no) is not None

        wait_until(stored, f"case {reg_no} stored", timeout)

    def xadd(self, events: Iterable[dict[str, str]]) -> int:
        """Append events to the console's stream (as the registry would)."""
        client = streams.connect(self.web.state.redis_url)
        try:
            return streams.append_events(client, self.settings.stream, events)
        finally:
            client.close()


@contextmanager
def running_console(
    settings: Settings,
    engine: Engine,
    redis_url: str,
    ingest: bool = True,
    host: str = "127.0.0.1",
) -> Iterator[RunningConsole]:
    """Serve the console on `host` (and run an ingest worker) until the block ends."""
    # Many logins from one address in a minute: the login throttle is for people, not tests.
    settings = settings.with_overrides(
        secret_key="browser-tests-secret-key-0123456789", login_rate="1000 per minute"
    )
    web = create_app(Services(settings, engine=engine, redis_url=redis_url))
    start_tasks(web)
    console = RunningConsole(web, free_port(), settings, engine, host=host)
    console.start_http()
    worker = None
    if ingest:
        worker = ingest_worker(settings, engine, redis_url)
        worker_thread = threading.Thread(target=worker.run, name="kup-ingest-test", daemon=True)
        worker_thread.start()
        console.threads.append(worker_thread)
    try:
        yield console
    finally:
        if worker is not None:
            worker.stop.set()
        for thread in console.threads:
            thread.join(timeout=10)
        console.stop_http()
        stop_tasks(web)


def log_in(
    page,
    base_url: str,
    username: str,
    password: str = PASSWORD,  # type: ignore[no-untyped-def]
    next_path: str = "/",
) -> None:
    """Log in through the plain /login form, as a person would."""
    page.goto(f"{base_url}/login?next={quote(next_path, safe='/')}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base_url}{next_path}")


def expect(locator):  # type: ignore[no-untyped-def]
    """Playwright's `expect` (imported when first used: only the browser tests need it)."""
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


def grid_row(page, grid_id: str, reg_no: str):  # type: ignore[no-untyped-def]
    """The row of the case `reg_no` in the AG Grid `grid_id` of `page`."""
    return page.locator(f"#{grid_id} .ag-center-cols-container .ag-row[row-id='{reg_no}']")
