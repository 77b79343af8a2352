"""Fixtures of the console's browser tests: one served console per module (SQLite, a private
Redis stream, an ingest worker, the push task), a headless Chromium, and logged-in pages that
record every browser console error, page error and dialog."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from console.config import Settings
from data.db import make_engine
from data.schema import upgrade
from tests.browser.console import (
    BROWSER_ARGS,
    CHROMIUM,
    RunningConsole,
    add_users,
    log_in,
    running_console,
)
from tests.support.servers import RedisServer


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
    """The console on SQLite with users of every role (no cases yet: tests add theirs)."""
    folder: Path = tmp_path_factory.mktemp("console")
    url = f"sqlite:///{folder / 'kup.db'}"
    engine = make_engine(url)
    upgrade(engine)
    add_users(engine)
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
