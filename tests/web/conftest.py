"""Fixtures of the web tests: an app from the factory (with a small stand-in page, so these tests
do not depend on the console's pages), users of every role, logged-in test clients, cases."""

from __future__ import annotations

import functools
import itertools
import re
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from dash import Input, Output, dcc, html
from flask.testing import FlaskClient
from sqlalchemy import Engine, insert
from werkzeug.security import generate_password_hash

from console.config import Settings
from console.runtime import Services
from console.web.app import WebApp, create_app
from console.web.server import start_tasks, stop_tasks
from data.consumer import intake_rules
from data.db import make_sessionmaker, writer_engine
from data.intake import StreamEntry, apply_batch
from data.models import User
from tests.support import events as ev

PASSWORD = "correct horse battery"
BISHKEK_REGION, OSH_REGION = "KG-GB", "KG-GO"
# name -> (role, region)
USERS = {
    "duty": ("duty", None),
    "manager": ("manager", None),
    "manager-osh": ("manager", OSH_REGION),
    "prosecutor": ("prosecutor", None),
    "prosecutor-osh": ("prosecutor", OSH_REGION),
    "admin": ("admin", None),
}
_entry_ids = itertools.count(1)


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
    add_users(engine)
    return app


def add_users(engine: Engine) -> None:
    """Store the users of USERS, all with PASSWORD."""
    with make_sessionmaker(writer_engine(engine)).begin() as s:
        s.execute(
            insert(User),
            [  # one real scrypt hash for all, computed once (it is slow)
                {
                    "username": name,
                    "password_hash": _password_hash(),
                    "role": role,
                    "region": region,
                    "disabled": False,
                    "failed_logins": 0,
                    "created_at": datetime.now(UTC),
                }
                for name, (role, region) in USERS.items()
            ],
        )


@functools.cache
def _password_hash() -> str:
    return generate_password_hash(PASSWORD, method="scrypt")


def csrf_from(html_text: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html_text)
    assert match, "no CSRF field in the form"
    return match.group(1)


def login(
    client: FlaskClient, username: str, password: str = PASSWORD, next_url: str | None = None
):  # type: ignore[no-untyped-def]
    token = csrf_from(client.get("/login").get_data(as_text=True))
    data = {"username": username, "password": password, "csrf_token": token}
    if next_url is not None:
        data["next"] = next_url
    return client.post("/login", data=data)


def logged_in(web: WebApp, username: str) -> FlaskClient:
    """A test client logged in as one of USERS through the form (its CSRF cookie set by a page
    load)."""
    client = web.server.test_client()
    response = login(client, username)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert client.get("/").status_code == 200
    return client


@pytest.fixture
def client_for(web: WebApp) -> Callable[[str], FlaskClient]:
    """`logged_in` on this test's app."""
    return functools.partial(logged_in, web)


def csrf_header(client: FlaskClient) -> dict[str, str]:
    """What dash-renderer sends: the `_csrf_token` cookie's value as X-CSRFToken."""
    cookie = client.get_cookie("_csrf_token")
    assert cookie is not None, "no _csrf_token cookie"
    return {"X-CSRFToken": cookie.value}


def store_events(engine: Engine, *events: dict[str, str], now: datetime | None = None) -> None:
    entries = [StreamEntry(f"1700000000000-{next(_entry_ids)}", e) for e in events]
    with make_sessionmaker(writer_engine(engine)).begin() as s:
        outcome = apply_batch(s, entries, intake_rules(), now=now)
    assert not outcome.rejected, [r.error for r in outcome.rejected]


def new_case(
    engine: Engine,
    district: str = ev.BISHKEK,
    *,
    age: timedelta = timedelta(hours=1),
    **fields: str,
) -> str:
    """Store a registered case (registered `age` ago); returns its reg_no."""
    reg_no = ev.next_reg_no(district)
    at = datetime.now(UTC) - age
    store_events(engine, ev.registered(reg_no, at, district=district, **fields))
    return reg_no
