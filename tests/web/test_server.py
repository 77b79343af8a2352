"""`serve()` for real: the threaded server on a port, a login over HTTP, Socket.IO clients over
a real WebSocket, pushes through the Redis message queue scoped by room, and a clean stop."""

from __future__ import annotations

import json
import re
import threading
import time
from datetime import UTC, datetime

import pytest
import requests
import socketio

from console.runtime import Runtime
from console.web.server import serve
from tests.support.servers import free_port
from tests.support.users import PASSWORD


@pytest.fixture
def running(web, web_settings):  # type: ignore[no-untyped-def]
    """The console served on a free port (users created by the `web` fixture); the store
    makes no difference here, so only on SQLite."""
    del web
    if not web_settings.database_url.startswith("sqlite"):
        pytest.skip("store-independent; runs on SQLite")
    runtime = Runtime(web_settings.with_overrides(secret_key="s" * 32))
    port, stop, ready = free_port(), threading.Event(), threading.Event()
    thread = threading.Thread(
        target=serve,
        args=(runtime, "127.0.0.1", port),
        kwargs={"stop": stop, "ready": ready},
        daemon=True,
    )
    thread.start()
    assert ready.wait(30)
    yield f"http://127.0.0.1:{port}", runtime
    stop.set()
    thread.join(30)
    assert not thread.is_alive()
    runtime.engine.dispose()


def _session(base: str, username: str) -> requests.Session:
    http = requests.Session()
    form = http.get(f"{base}/login", timeout=10).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)  # type: ignore[union-attr]
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
    base, runtime = running
    assert requests.get(f"{base}/healthz", timeout=10).status_code == 200
    with pytest.raises(socketio.exceptions.ConnectionError):
        _socket(base, None)
    country, country_events = _socket(base, _session(base, "duty"))
    osh, osh_events = _socket(base, _session(base, "manager-osh"))
    try:
        _wait(country_events, lambda: country_events and osh_events)
        assert country_events[0] == ("hello", {**country_events[0][1], "room": "country"})
        assert osh_events[0][1]["room"] == "region:KG-GO"
        channel = runtime.settings.changes_channel
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
