"""Fixtures of the security tests: the console built by the app factory with its real pages
and callbacks (not a stand-in), users of every role from tests/web/conftest.py, logged-in test
clients, and cases in two regions carrying markers that must never reach the other region.

Most of these tests do not depend on the store and run on SQLite only (`db_url` below); the
property-based tests and the audit-tampering tests run on PostgreSQL too: their modules
override `db_url` with params=["sqlite", "postgresql"] and `both_stores_url`."""

from __future__ import annotations

import functools
import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import Engine

from console.config import Settings
from console.runtime import Services
from console.web.app import WebApp, create_app
from tests.support import events as ev
from tests.support.stores import sqlite_url
from tests.support.stores import store_url as both_stores_url
from tests.web.conftest import (
    PASSWORD,
    USERS,
    add_users,
    csrf_header,
    logged_in,
    login,
    store_events,
)

__all__ = ["PASSWORD", "USERS", "csrf_header", "login", "callback", "Cases", "both_stores_url"]
OSH_UNIT, OSH_OFFICER = "ROVD-Osh-City", "20777"


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    """SQLite only: these tests are about the web layer, not the store."""
    return sqlite_url(tmp_path)


@pytest.fixture
def console(settings: Settings, engine: Engine, redis_client) -> Iterator[WebApp]:  # type: ignore[no-untyped-def]
    """The real console (components.layout + callbacks) with a user of every role."""
    settings = settings.with_overrides(
        stream=f"kup:sec:{uuid.uuid4().hex[:8]}",
        testing=True,
        login_rate="1000 per minute",  # (throttling is tested on its own)
    )
    app = create_app(Services(settings, engine=engine), message_queue=False)
    add_users(engine)
    yield app
    app.state.pusher.stop()


@pytest.fixture
def client_for(console: WebApp) -> Callable[[str], FlaskClient]:
    """A test client logged in through the form, with the `_csrf_token` cookie set."""
    return functools.partial(logged_in, console)


@dataclass(frozen=True)
class Cases:
    """Cases in Bishkek (KG-GB) and in Osh city (KG-GO). Everything Bishkek-specific carries
    a marker that a user of Osh must never be shown."""

    bishkek: str  # overdue, assigned to BISHKEK_UNIT / BISHKEK_OFFICER
    bishkek_hidden: str  # a second Bishkek case, never named in any request
    osh: str  # overdue too, in the viewer's own region
    marker: str = "BISHKEK-SECRET-7f3a"
    unit: str = "OVD-Secret-Unit-7f3a"
    officer: str = "OFFICER-7f3a"

    @property
    def leaks(self) -> tuple[str, ...]:
        """Strings that, in an answer to a user of Osh, mean a Bishkek case leaked."""
        return (self.marker, self.bishkek_hidden, self.unit, self.officer)


@pytest.fixture
def cases(engine: Engine) -> Cases:
    now = datetime.now(UTC)
    made = Cases(
        ev.next_reg_no(ev.BISHKEK), ev.next_reg_no(ev.BISHKEK), ev.next_reg_no(ev.OSH_CITY)
    )
    store_events(
        engine,
        ev.registered(
            made.bishkek,
            now - timedelta(days=6),
            summary=f"{made.marker} one",
            address=f"{made.marker} street",
        ),
        ev.assigned(made.bishkek, now - timedelta(days=5), unit=made.unit, officer=made.officer),
        ev.registered(made.bishkek_hidden, now - timedelta(hours=3), summary=f"{made.marker} two"),
        ev.assigned(
            made.bishkek_hidden, now - timedelta(hours=2), unit=made.unit, officer=made.officer
        ),
        ev.registered(made.osh, now - timedelta(days=6), district=ev.OSH_CITY, summary="osh case"),
        ev.assigned(made.osh, now - timedelta(days=5), unit=OSH_UNIT, officer=OSH_OFFICER),
    )
    return made


def callback(
    web: WebApp,
    client: FlaskClient,
    key: str,
    values: dict[str, object],
    headers: dict[str, str] | None = None,
):  # type: ignore[no-untyped-def]
    """POST the callback `key` of the app's callback map as dash-renderer would, every input
    and state taken from `values` ("id.property" -> value; None when absent), the first input
    as the trigger. `headers` default to the CSRF header of the client's session."""
    spec = web.dash_app.callback_map[key]

    def filled(items: list[dict]) -> list:
        out: list = []
        for item in items:
            ident = item["id"]
            if isinstance(ident, dict):  # a pattern (ALL): the components it matches
                out.append(
                    values.get(f"{json.dumps(ident, sort_keys=True)}.{item['property']}", [])
                )
                continue
            out.append(
                {
                    "id": ident,
                    "property": item["property"],
                    "value": values.get(f"{ident}.{item['property']}"),
                }
            )
        return out

    outputs = [
        dict(zip(("id", "property"), part.rsplit(".", 1))) for part in key.strip(".").split("...")
    ]
    inputs = filled(spec["inputs"])
    body = {
        "output": key,
        "outputs": outputs if len(outputs) > 1 else outputs[0],
        "inputs": inputs,
        "state": filled(spec.get("state", [])),
        "changedPropIds": [f"{spec['inputs'][0]['id']}.{spec['inputs'][0]['property']}"],
    }
    return client.post(
        "/_dash-update-component",
        data=json.dumps(body),
        content_type="application/json",
        headers=csrf_header(client) if headers is None else headers,
    )
