"""Fixtures of the web tests: an app from the factory with a small stand-in page (so these tests
do not depend on the console's pages), the test users, and test clients logged in to it."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable, Iterator

import pytest
from dash import Input, Output, dcc, html
from flask.testing import FlaskClient
from sqlalchemy import Engine

from console.config import Settings
from console.runtime import Services
from console.web.app import WebApp, create_app
from console.web.server import start_tasks, stop_tasks
from tests.support.cli import CliRun, in_process
from tests.support.users import add_test_users
from tests.support.web import logged_in


def stand_in_layout() -> html.Div:
    return html.Div([dcc.Input(id="echo-in", value="ping"), html.Div(id="echo-out")])


def stand_in_register(app) -> None:  # type: ignore[no-untyped-def]
    @app.callback(Output("echo-out", "children"), Input("echo-in", "value"))
    def echo(value: str) -> str:
        from console.web.auth import current_viewer

        return f"{current_viewer().username}: {value}"


STAND_IN_PAGES = (stand_in_layout, stand_in_register)


@pytest.fixture
def web_settings(settings: Settings) -> Settings:
    """Test settings on a stream (and so channels and keys) of this test's own."""
    return settings.with_overrides(stream=f"kup:test:{uuid.uuid4().hex[:8]}")


@pytest.fixture
def make_web(
    web_settings: Settings, engine: Engine, redis_client
) -> Iterator[Callable[..., WebApp]]:  # type: ignore[no-untyped-def]
    built: list[WebApp] = []

    def make(
        settings: Settings | None = None, start_push: bool = False, **options: object
    ) -> WebApp:
        """An app on this test's store and Redis (test mode); its push task runs only when
        `start_push` asks for it, as `serve` would start it."""
        options.setdefault("pages", STAND_IN_PAGES)
        settings = (settings or web_settings).with_overrides(testing=True)
        web = create_app(Services(settings, engine=engine), **options)  # type: ignore[arg-type]
        built.append(web)
        if start_push:
            start_tasks(web)
        return web

    yield make
    for web in built:
        stop_tasks(web)


@pytest.fixture
def web(make_web, engine: Engine) -> WebApp:  # type: ignore[no-untyped-def]
    app = make_web()
    add_test_users(engine)
    return app


@pytest.fixture
def client_for(web: WebApp) -> Callable[[str], FlaskClient]:
    """`logged_in` on this test's app (not the real console's, as in tests/support/fixtures)."""
    return functools.partial(logged_in, web)


@pytest.fixture
def cli(monkeypatch, tmp_path, db_url, engine, redis_server, redis_client, capsys) -> CliRun:  # type: ignore[no-untyped-def]
    """`kup-console ARGS...` run in-process on this test's store (migrated by `engine`, as
    `kup-console db upgrade` would) and an emptied Redis (no other test's audit anchors):
    (exit code, stdout, stderr)."""
    return in_process(
        monkeypatch, capsys, db_url=db_url, redis_url=redis_server.url, data_dir=tmp_path
    )
