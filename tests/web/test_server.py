"""`serve()` for real: the threaded server on a port, a login over HTTP, Socket.IO clients over
a real WebSocket, pushes through the Redis message queue scoped by room, and a clean stop; the
app factory only binds (no migration, no thread), serving refuses a store whose schema is not
this code's (it never migrates) and starts the push task,
and Flask's config comes from Settings through `flask_config` alone."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests
import socketio
from sqlalchemy import inspect, text

from console.config import Settings
from console.runtime import Services
from console.web.app import create_app, flask_config
from console.web.server import serve, start_tasks, stop_tasks
from data.db import make_engine
from data.schema import SchemaNotCurrent
from tests.support.servers import free_port
from tests.support.stores import sqlite_url
from tests.support.users import PASSWORD
from tests.support.web import csrf_from


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    """SQLite only: serving and building the app do not depend on the store."""
    return sqlite_url(tmp_path)


@contextmanager
def served(services: Services) -> Iterator[str]:
    """`serve(services)` on a free port in a thread, until the block ends; its base URL."""
    port, stop, ready = free_port(), threading.Event(), threading.Event()
    thread = threading.Thread(
        target=serve,
        args=(services, "127.0.0.1", port),
        kwargs={"stop": stop, "ready": ready},
        daemon=True,
    )
    thread.start()
    try:
        assert ready.wait(30)
        yield f"http://127.0.0.1:{port}"
    finally:
        stop.set()
        thread.join(30)
        services.engine.dispose()
    assert not thread.is_alive()


@pytest.fixture
def running(web, web_settings):  # type: ignore[no-untyped-def]
    """The console served on a free port (users created by the `web` fixture)."""
    del web
    services = Services(web_settings.with_overrides(secret_key="s" * 32))
    with served(services) as base:
        yield base, services


def _session(base: str, username: str) -> requests.Session:
    http = requests.Session()
    form = http.get(f"{base}/login", timeout=10).text
    token = csrf_from(form)
    response = http.post(
        f"{base}/login",
        timeout=10,
        allow_redirects=False,
        data={"username": username, "password": PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 302
    return http


def _socket(base: str, http: requests.Session | None) -> tuple[socketio.Client, list]:
    received: list[tuple[str, dict]] = []
    client = socketio.Client(reconnection=False)
    for event in ("hello", "changes"):
        client.on(event, lambda data, event=event: received.append((event, data)))
    cookie = "; ".join(f"{k}={v}" for k, v in (http.cookies.items() if http else []))
    client.connect(
        base,
        transports=["websocket"],
        headers={"Cookie": cookie} if cookie else {},
        wait_timeout=10,
    )
    return client, received


def _wait(received: list, done, timeout: float = 20.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not done() and time.monotonic() < deadline:
        time.sleep(0.05)


def test_served_console_pushes_by_room_over_websockets(running, redis_client) -> None:  # type: ignore[no-untyped-def]
    base, services = running
    assert requests.get(f"{base}/healthz", timeout=10).status_code == 200
    with pytest.raises(socketio.exceptions.ConnectionError):
        _socket(base, None)
    country, country_events = _socket(base, _session(base, "duty"))
    osh, osh_events = _socket(base, _session(base, "manager-osh"))
    try:
        _wait(country_events, lambda: country_events and osh_events)
        assert country_events[0] == ("hello", {**country_events[0][1], "room": "country"})
        assert osh_events[0][1]["room"] == "region:KG-GO"
        channel = services.settings.changes_channel
        _wait([], lambda: dict(redis_client.pubsub_numsub(channel)).get(channel.encode(), 0))
        now = datetime.now(UTC).isoformat()
        redis_client.publish(
            channel,
            json.dumps(
                {
                    "at": now,
                    "registered_count": 2,
                    "changed": 2,
                    "rejected": 0,
                    "regions": ["KG-GB", "KG-GO"],
                    "registered": [
                        {"reg_no": "KUP-A", "region": "KG-GB"},
                        {"reg_no": "KUP-B", "region": "KG-GO"},
                    ],
                }
            ),
        )

        def items(events: list) -> set[str]:
            return {
                i["reg_no"]
                for name, data in events
                if name == "changes"
                for i in data["registered"]
            }

        _wait(country_events, lambda: items(country_events) == {"KUP-A", "KUP-B"})
        _wait(osh_events, lambda: "KUP-B" in items(osh_events))
        assert items(country_events) == {"KUP-A", "KUP-B"}
        assert items(osh_events) == {"KUP-B"}
    finally:  # (a websocket-client close waits up to 3 s for the close frame: in parallel)
        closing = [threading.Thread(target=c.disconnect) for c in (country, osh)]
        for thread in closing:
            thread.start()
        for thread in closing:
            thread.join(10)


# --- the factory only binds; serving starts and migrates --------------------------------------


def _threads() -> set[threading.Thread]:
    return set(threading.enumerate())


def _still_running(since: set[threading.Thread], grace: float = 2.0) -> set[threading.Thread]:
    """Threads started after `since` that are still alive after `grace` seconds (a one-shot
    timer, such as the 10 ms expiry timer Flask-Limiter's memory storage arms when it is
    created, ends by itself; a background task does not)."""
    deadline = time.monotonic() + grace
    for thread in _threads() - since:
        thread.join(max(0.0, deadline - time.monotonic()))
    return {thread for thread in _threads() - since if thread.is_alive()}


def test_building_the_app_migrates_nothing_and_starts_no_thread(
    settings: Settings, tmp_path: Path, redis_client
) -> None:  # type: ignore[no-untyped-def]
    """create_app on an empty store, configured as served (no test mode, the Redis message
    queue): the store stays empty and no thread appears until start_tasks, which stop_tasks
    ends again."""
    url = sqlite_url(tmp_path, "empty.db")
    empty = make_engine(url)
    with empty.connect() as conn:  # the store exists, with nothing in it
        conn.execute(text("SELECT 1"))
    settings = settings.with_overrides(database_url=url, secret_key="s" * 32, stream="kup:bind")
    before = _threads()
    web = create_app(Services(settings))
    try:
        assert _still_running(before) == set()
        assert inspect(empty).get_table_names() == []  # no alembic_version, no case table
        assert web.server.test_client().get("/login").status_code == 200  # yet it is an app
        start_tasks(web)
        started = _still_running(before, grace=0.5)
        assert started, "start_tasks started no thread: the test above could not fail"
    finally:
        stop_tasks(web)
        web.state.engine.dispose()
        empty.dispose()
    assert not any(thread.is_alive() for thread in started)


def test_serve_refuses_an_empty_store_and_leaves_it_empty(
    settings: Settings, tmp_path: Path
) -> None:
    """Only `kup-console db upgrade` creates or changes a schema: serve stops before binding."""
    url = sqlite_url(tmp_path, "fresh.db")
    services = Services(settings.with_overrides(database_url=url, secret_key="s" * 32))
    stop = threading.Event()
    stop.set()  # were it to serve, it would stop again at once (no hanging test)
    with pytest.raises(SchemaNotCurrent) as refused:
        serve(services, port=free_port(), stop=stop)
    assert refused.value.status.state == "empty"
    assert inspect(services.engine).get_table_names() == []
    services.engine.dispose()


def test_flask_config_comes_from_settings_through_one_mapping(settings: Settings, engine) -> None:  # type: ignore[no-untyped-def]
    """Two apps on settings that differ in everything Flask could see: each app's config holds
    its `flask_config(settings)`, and every config value that differs between them is one of
    that mapping (nothing else turns a setting into Flask config)."""
    first = settings.with_overrides(secret_key="a" * 32, stream="kup:test:cfg1")
    second = settings.with_overrides(
        secret_key="b" * 32,
        stream="kup:test:cfg2",
        https=True,
        tz="Asia/Almaty",
        login_rate="5 per hour",
        testing=True,
        due_soon_hours=6.0,
        map_tiles="https://tiles.example/{z}/{x}/{y}.png",
    )
    configs = []
    for chosen in (first, second):
        web = create_app(Services(chosen, engine=engine), message_queue=False)
        mapping = flask_config(chosen)
        assert {key: web.server.config[key] for key in mapping} == mapping
        configs.append(dict(web.server.config))
    differing = {
        key
        for key in configs[0].keys() | configs[1].keys()
        if configs[0].get(key) != configs[1].get(key)
    }
    assert differing, "the settings chosen change no config: the test could not fail"
    assert differing <= flask_config(second).keys()
    assert {"SECRET_KEY", "SESSION_COOKIE_SECURE", "KUP_LOGIN_RATE", "TESTING"} <= differing
