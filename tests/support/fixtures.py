"""The fixtures every test folder may use (a pytest plugin, registered by tests/conftest.py):
a real Redis server; the case store on SQLite and on PostgreSQL; the console's settings; the
console built by the app factory with its real pages and the test users, and test clients
logged in to it; a served console, a headless Chromium and logged-in pages that record every
browser problem.

A folder's conftest.py may override one of them for its tests (tests/security stores on
SQLite only; tests/web builds its apps with a stand-in page)."""

from __future__ import annotations

import functools
import logging
import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import redis
from flask.testing import FlaskClient
from sqlalchemy import Engine

from console.config import Settings
from console.runtime import Services
from console.web.app import WebApp, create_app
from console.web.server import stop_tasks
from data.db import make_engine
from data.schema import upgrade
from tests.browser.console import BROWSER_ARGS, CHROMIUM, RunningConsole, log_in, running_console
from tests.support.servers import POSTGRES_URL, RedisServer, postgres_available
from tests.support.stores import postgres_schema, sqlite_url, store_url
from tests.support.users import add_test_users
from tests.support.web import logged_in

# In CI (CI=true) nothing may be skipped for want of a server: a missing one fails the run.
IN_CI = os.environ.get("CI") == "true"
REQUIRE_POSTGRES = IN_CI or os.environ.get("KUP_REQUIRE_POSTGRES") == "1"
_pg_ok: bool | None = None


# --- servers and stores ----------------------------------------------------------------------


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    server = RedisServer().start()
    yield server
    server.close()


@pytest.fixture
def redis_client(redis_server: RedisServer) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(redis_server.url, protocol=2)
    client.flushall()
    yield client
    client.flushall()
    client.close()


def _postgres_or_skip() -> None:
    global _pg_ok
    if _pg_ok is None:
        _pg_ok = postgres_available()
    if not _pg_ok:
        if REQUIRE_POSTGRES:
            pytest.fail(f"PostgreSQL required but not reachable at {POSTGRES_URL}")
        pytest.skip("PostgreSQL not reachable (set KUP_TEST_POSTGRES_URL)")


@pytest.fixture(scope="session")
def _postgres_schema_url() -> Iterator[str]:
    """A private schema per test session, so parallel runs don't meet."""
    _postgres_or_skip()
    with postgres_schema("kup_test") as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The store's URL, once on an SQLite file and once on PostgreSQL (emptied)."""
    return store_url(request, tmp_path)


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def settings(tmp_path: Path, db_url: str, redis_server: RedisServer) -> Settings:
    return Settings(
        data_dir=tmp_path,
        database_url=db_url,
        redis_url=redis_server.url,
        consumer="test-1",
        batch_size=100,
        block_ms=100,
        claim_idle_ms=500,
    )


# --- the console app, through Flask's test client ---------------------------------------------


@pytest.fixture
def console(settings: Settings, engine: Engine, redis_client: redis.Redis) -> Iterator[WebApp]:
    """The real console (components.layout and the callbacks) on a stream of its own, with the
    test users (tests/support/users.py)."""
    settings = settings.with_overrides(
        stream=f"kup:test:{uuid.uuid4().hex[:8]}",
        testing=True,
        login_rate="1000 per minute",  # (throttling is tested on its own)
    )
    app = create_app(Services(settings, engine=engine), message_queue=False)
    add_test_users(engine)
    yield app
    stop_tasks(app)


@pytest.fixture
def client_for(console: WebApp) -> Callable[[str], FlaskClient]:
    """A test client of `console` logged in through the form as the test user named, with the
    `_csrf_token` cookie set."""
    return functools.partial(logged_in, console)


# --- a served console in headless Chromium ----------------------------------------------------


@dataclass
class Watched:
    """A logged-in page and the problems the browser reported on it."""

    page: object
    problems: list[str] = field(default_factory=list)
    allowed: tuple[str, ...] = ()  # substrings of errors a test provokes on purpose

    def unexpected(self) -> list[str]:
        return [p for p in self.problems if not any(a in p for a in self.allowed)]


@pytest.fixture(scope="module")
def live_console(
    tmp_path_factory: pytest.TempPathFactory, redis_server: RedisServer
) -> Iterator[RunningConsole]:
    """The console served on SQLite with an ingest worker and the push task, and the test
    users (no cases yet: tests add theirs)."""
    folder: Path = tmp_path_factory.mktemp("console")
    url = sqlite_url(folder)
    engine = make_engine(url)
    upgrade(engine)
    add_test_users(engine)
    settings = Settings(
        data_dir=folder,
        database_url=url,
        redis_url=redis_server.url,
        stream=f"kup:browser:{uuid.uuid4().hex[:8]}",
        consumer="browser-1",
        batch_size=200,
        block_ms=100,
    )
    with running_console(settings, engine, redis_server.url) as console:
        yield console
    engine.dispose()


@pytest.fixture(scope="module")
def chromium() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def open_as(chromium, live_console: RunningConsole) -> Iterator[Callable[..., Watched]]:  # type: ignore[no-untyped-def]
    """Open a fresh browser context logged in as `username` at `path`; after the test, no
    console error, page error or dialog may have occurred (beyond `allowed` ones)."""
    opened: list[tuple[object, Watched]] = []

    def open_page(
        username: str,
        path: str = "/",
        viewport: tuple[int, int] = (1440, 900),
        allowed: tuple[str, ...] = (),
    ) -> Watched:
        context = chromium.new_context(
            viewport={"width": viewport[0], "height": viewport[1]}, accept_downloads=True
        )
        page = context.new_page()
        watched = Watched(page, allowed=allowed)
        page.on(
            "console",
            lambda m: watched.problems.append(f"console: {m.text}") if m.type == "error" else None,
        )
        page.on("pageerror", lambda e: watched.problems.append(f"page error: {e}"))
        page.on("dialog", lambda d: (watched.problems.append(f"dialog: {d.message}"), d.dismiss()))
        log_in(page, live_console.url, username, next_path=path)
        opened.append((context, watched))
        return watched

    yield open_page
    problems = [p for _, w in opened for p in w.unexpected()]
    for context, _ in opened:
        context.close()
    assert problems == [], problems


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Flask-SocketIO's Redis listener threads (daemons) outlive the tests' Redis servers and
    would log reconnection attempts into pytest's closed capture streams: silence them."""
    for name in list(logging.root.manager.loggerDict):
        if name.split(".")[0] in ("socketio", "engineio"):
            logging.getLogger(name).disabled = True
