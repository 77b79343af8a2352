"""The production server (`kup-console serve`: gunicorn workers, console/web/server.py) for
real: Socket.IO clients spread over two worker processes all get the pushes (WebSocket only,
through the Redis message queue); SIGTERM lets a request in flight finish, tells the sockets
and exits within 10 s; the Server header names no version and a closed socket leaves no "Bad
request syntax" in the log (nor does the one-process server that the demo and tests use)."""

from __future__ import annotations

import json
import logging
import os
import re
import signal
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

import pytest
import redis
import requests
import socketio

from components.layout import shell
from console.cli import main
from console.config import load_settings
from console.runtime import Services
from console.web.server import (
    CLOSING_EVENT,
    GRACEFUL_TIMEOUT_S,
    SERVER_NAME,
    serve,
    start_tasks,
    worker_processes,
)
from data.db import make_sessionmaker, writer_engine
from data.users import issue_token
from tests.soak.stack import ServeProcess, log_problems, sqlite_store
from tests.support.processes import wait_until
from tests.support.servers import RedisServer, free_port
from tests.support.sockets import child_pids, connection_owners, local_port
from tests.support.stores import sqlite_url
from tests.support.users import PASSWORD, add_test_users
from tests.support.web import csrf_from, logged_in

DRAIN_LIMIT_S = 10.0  # SIGTERM to exit, at most (the issue's figure)


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    """SQLite only (for the tests on the `web` fixture): serving does not depend on the store."""
    return sqlite_url(tmp_path)


@dataclass
class Served:
    """A running `kup-console serve` with an API token of the user "duty"."""

    process: ServeProcess
    token: str
    channel: str

    @property
    def workers(self) -> list[int]:
        return child_pids(self.process.pid)


def start_server(folder: Path, redis_url: str, workers: int) -> Served:
    url, engine = sqlite_store(folder)
    with make_sessionmaker(writer_engine(engine)).begin() as session:
        token = issue_token(session, "duty")
    engine.dispose()
    stream = f"kup:test:{uuid.uuid4().hex[:8]}"
    process = ServeProcess(
        db_url=url,
        redis_url=redis_url,
        stream=stream,
        workdir=folder,
        extra_env={"KUP_WEB_WORKERS": str(workers)},
    ).start()
    served = Served(process, token, f"{stream}:changes")
    wait_until(lambda: len(served.workers) == workers, f"{workers} workers", 60)
    return served


@pytest.fixture(scope="module")
def two_workers(tmp_path_factory, redis_server: RedisServer) -> Iterator[Served]:  # type: ignore[no-untyped-def]
    """`kup-console serve` with two worker processes (KUP_WEB_WORKERS=2)."""
    served = start_server(tmp_path_factory.mktemp("two-workers"), redis_server.url, 2)
    try:
        yield served
    finally:
        served.process.close()


@dataclass
class Listener:
    """A Socket.IO client logged in with an API token, as the benchmarks' viewers are."""

    client: socketio.Client
    events: list[tuple[str, object]] = field(default_factory=list)  # (event, its first argument)

    @classmethod
    def open(cls, url: str, token: str) -> Listener:
        listener = cls(socketio.Client(reconnection=False))
        for event in ("hello", "changes", CLOSING_EVENT, "disconnect"):
            listener.client.on(
                event,
                lambda *data, event=event: listener.events.append((event, (*data, None)[0])),
            )
        listener.client.connect(
            url,
            headers={"Authorization": f"Bearer {token}"},
            transports=["websocket"],
            wait_timeout=20,
        )
        return listener

    def heard(self, event: str) -> list[object]:
        return [data for name, data in self.events if name == event]


def close_all(listeners: list[Listener]) -> None:
    """Disconnect at once (a websocket-client close waits up to 3 s for the close frame)."""
    closing = [threading.Thread(target=lst.client.disconnect) for lst in listeners]
    for thread in closing:
        thread.start()
    for thread in closing:
        thread.join(10)


@pytest.mark.slow
def test_two_workers_share_pushes_with_websocket_clients_spread_over_them(
    two_workers: Served,
) -> None:
    served, url = two_workers, two_workers.process.url
    listeners: list[Listener] = []
    try:
        owners: dict[int, int] = {}
        while len(listeners) < 40:  # until each worker holds two (the kernel picks the worker)
            listeners.append(Listener.open(url, served.token))
            owners = connection_owners(served.process.port, served.workers)
            held = [list(owners.values()).count(pid) for pid in served.workers]
            if len(listeners) >= 6 and min(held) >= 2:
                break
        assert {owners[local_port(lst.client)] for lst in listeners} == set(served.workers)
        wait_until(lambda: all(lst.heard("hello") for lst in listeners), "every hello", 20)
        client = redis.Redis.from_url(served.process.env["REDIS_URL"])
        channel = served.channel
        wait_until(
            lambda: dict(client.pubsub_numsub(channel)).get(channel.encode()), "the push leader"
        )
        client.publish(
            channel,
            json.dumps(
                {
                    "at": datetime.now(UTC).isoformat(),
                    "registered_count": 1,
                    "changed": 1,
                    "regions": ["KG-GB"],
                    "registered": [{"reg_no": "KUP-SPREAD", "region": "KG-GB"}],
                }
            ),
        )
        client.close()

        def everyone_heard() -> bool:
            return all("KUP-SPREAD" in json.dumps(lst.heard("changes")) for lst in listeners)

        wait_until(everyone_heard, "the push on every client of both workers", 20)
    finally:
        close_all(listeners)


@pytest.mark.slow
def test_server_header_names_no_version_and_closed_sockets_leave_no_noise(
    two_workers: Served,
) -> None:
    served, url = two_workers, two_workers.process.url
    for path in ("/healthz", "/login", "/no-such-page"):
        assert requests.get(url + path, timeout=10).headers["Server"] == SERVER_NAME
    refused = requests.get(f"{url}/socket.io/?EIO=4&transport=polling", timeout=10)
    assert refused.status_code == 400  # WebSocket only: a long-poll could reach another worker
    before = len(served.process.log())
    listeners = [Listener.open(url, served.token) for _ in range(4)]
    wait_until(lambda: all(lst.heard("hello") for lst in listeners), "every hello", 20)
    for listener in listeners:  # one by one, each socket closed by its client
        listener.client.disconnect()
    time.sleep(1.0)  # what the workers would log about the closed sockets
    log = served.process.log()[before:]
    assert "Bad request" not in log and "code 400" not in log
    assert log_problems(log) == []


def _slow_login(url: str) -> tuple[socket.socket, bytes]:
    """Start a login POST whose body is only half sent: (the open connection, the rest)."""
    http = requests.Session()
    form = http.get(f"{url}/login", timeout=10).text
    body = urlencode(
        {"username": "duty", "password": PASSWORD, "csrf_token": csrf_from(form)}
    ).encode()
    cookie = "; ".join(f"{k}={v}" for k, v in http.cookies.items())
    host, port = url.removeprefix("http://").split(":")
    conn = socket.create_connection((host, int(port)), timeout=30)
    conn.sendall(
        (
            f"POST /login HTTP/1.1\r\nHost: {host}:{port}\r\nCookie: {cookie}\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        ).encode()
        + body[: len(body) // 2]
    )
    return conn, body[len(body) // 2 :]


def _response(conn: socket.socket) -> bytes:
    received = b""
    while chunk := conn.recv(65536):
        received += chunk
        if b"\r\n\r\n" in received:
            break
    conn.close()
    return received


@pytest.mark.slow
def test_sigterm_finishes_requests_in_flight_tells_the_sockets_and_exits_within_10_s(
    tmp_path: Path, redis_server: RedisServer
) -> None:
    served = start_server(tmp_path, redis_server.url, 2)
    listeners: list[Listener] = []
    try:
        url = served.process.url
        listeners = [Listener.open(url, served.token) for _ in range(4)]
        wait_until(lambda: all(lst.heard("hello") for lst in listeners), "every hello", 20)
        conn, rest = _slow_login(url)
        time.sleep(0.5)  # the worker is reading the body
        assert served.process.process is not None
        stopped_at = time.monotonic()
        served.process.process.send_signal(signal.SIGTERM)
        time.sleep(1.0)  # the server is draining: the body comes in late
        conn.sendall(rest)
        answer = _response(conn)
        assert answer.startswith(b"HTTP/1.1 302"), answer[:300]  # logged in: the request ran
        code = served.process.process.wait(timeout=DRAIN_LIMIT_S + 5)
        took = time.monotonic() - stopped_at
        assert code == 0 and took < DRAIN_LIMIT_S, (code, took)
        for listener in listeners:
            assert listener.heard(CLOSING_EVENT), listener.events
            assert listener.heard("disconnect"), listener.events
            assert not listener.client.connected
    finally:
        close_all(listeners)
        served.process.close()
    log = served.process.log()
    assert "told" in log and log_problems(log) == []


@pytest.mark.slow
def test_workers_of_a_killed_master_tell_their_sockets_and_free_the_port(
    tmp_path: Path, redis_server: RedisServer
) -> None:
    """The master dies (SIGKILL: a crash, an OOM kill): its workers notice within a second,
    tell their sockets and exit, so that a new server can take the port (and the push
    leadership) at once instead of waiting for orphans to drain."""
    served = start_server(tmp_path, redis_server.url, 2)
    workers = served.workers
    listeners: list[Listener] = []
    try:
        listeners = [Listener.open(served.process.url, served.token) for _ in range(4)]
        wait_until(lambda: all(lst.heard("hello") for lst in listeners), "every hello", 20)
        served.process.kill()

        def port_free() -> bool:
            with socket.socket() as probe:  # binds as a new server would
                probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                try:
                    probe.bind(("127.0.0.1", served.process.port))
                except OSError:
                    return False
                return True

        wait_until(port_free, "the port to be free", 3)  # not when the orphans have drained
        wait_until(
            lambda: not any(Path(f"/proc/{pid}").exists() for pid in workers),
            "the orphaned workers to exit",
            GRACEFUL_TIMEOUT_S - 2,  # fails if they wait out the grace period
        )
        for listener in listeners:
            assert listener.heard(CLOSING_EVENT), listener.events
    finally:
        close_all(listeners)


# --- the one-process server (the demo's, tests') ----------------------------------------------


@pytest.mark.slow
def test_one_process_server_names_no_version_and_leaves_no_noise(
    web, web_settings, engine, caplog
) -> None:  # type: ignore[no-untyped-def]
    """`serve(services)` in a thread (werkzeug, as before this server): the same header, and
    no "Bad request syntax" when a client closes its socket."""
    del web  # its users
    with make_sessionmaker(writer_engine(engine)).begin() as session:
        token = issue_token(session, "duty")
    services = Services(web_settings.with_overrides(secret_key="s" * 32))
    port, stop, ready = free_port(), threading.Event(), threading.Event()
    thread = threading.Thread(
        target=serve,
        args=(services, "127.0.0.1", port),
        kwargs={"stop": stop, "ready": ready},
        daemon=True,
    )
    caplog.set_level(logging.INFO, logger="werkzeug")
    thread.start()
    try:
        assert ready.wait(30)
        url = f"http://127.0.0.1:{port}"
        assert requests.get(f"{url}/login", timeout=10).headers["Server"] == SERVER_NAME
        listeners = [Listener.open(url, token) for _ in range(2)]
        wait_until(lambda: all(lst.heard("hello") for lst in listeners), "every hello", 20)
        for listener in listeners:
            listener.client.disconnect()
        time.sleep(0.5)
    finally:
        stop.set()
        thread.join(30)
        services.engine.dispose()
    noise = [r.getMessage() for r in caplog.records if r.name == "werkzeug"]
    assert not [m for m in noise if "Bad request" in m or "code 400" in m], noise


# --- configuration -----------------------------------------------------------------------------


def test_the_pages_socket_asks_for_websocket_only() -> None:
    """The browser's socket.io-client is told to skip HTTP long-polling (which the server
    refuses: its requests could reach different workers)."""
    found = []

    def walk(component: object) -> None:
        if type(component).__name__ == "DashSocketIO":
            found.append(component)
        children = getattr(component, "children", None)
        for child in children if isinstance(children, list) else [children]:
            if child is not None and not isinstance(child, str):
                walk(child)

    walk(shell(None))
    assert len(found) == 1
    assert found[0].options == {"transports": ["websocket"]}  # type: ignore[attr-defined]


def test_socketio_refuses_long_polling(web) -> None:  # type: ignore[no-untyped-def]
    client = web.server.test_client()
    response = client.get("/socket.io/?EIO=4&transport=polling")
    assert response.status_code == 400
    response.close()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["serve", "--workers", "-1"], "--workers must be 0 or more"),
        (["serve", "--workers", "1", "--threads", "0"], "threads must be at least 1"),
    ],
)
def test_serve_refuses_impossible_sizes(argv, message, monkeypatch, capsys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("KUP_SECRET_KEY", "k" * 32)
    monkeypatch.setenv("KUP_DATA_DIR", str(tmp_path))
    assert main(argv) == 2
    assert message in capsys.readouterr().err


def test_workers_default_to_one_per_cpu_and_zero_means_one_process() -> None:
    cpus = len(os.sched_getaffinity(0))
    assert worker_processes(None) == cpus
    assert worker_processes(3) == 3
    assert worker_processes(0) is None  # serve() in this process, no fork
    assert load_settings({}).web_workers is None
    assert load_settings({"KUP_WEB_WORKERS": "0"}).web_workers == 0
    assert load_settings({"KUP_WEB_WORKERS": "4", "KUP_WEB_THREADS": "9"}).web_threads == 9


def _scripts(web) -> list[str]:  # type: ignore[no-untyped-def]
    """The component-suite scripts a page of `web` loads (rendering it sets `web` up)."""
    page = logged_in(web, "duty").get("/")
    urls = re.findall(r'src="(/_dash-component-suites/[^"]+)"', page.get_data(as_text=True))
    page.close()
    assert urls
    return urls


def test_a_fresh_worker_serves_a_burst_of_script_requests(make_web, engine) -> None:  # type: ignore[no-untyped-def]
    """A worker's first requests may be a browser's parallel fetches of a page's scripts (the
    page came from another worker): each is served, none is 404 (Dash registers the scripts on
    a process's first request, and flagged that done before it was)."""
    add_test_users(engine)
    scripts = _scripts(make_web()) * 3  # the same files for every app of these versions
    fresh = make_web()
    start_tasks(fresh)  # what a worker does before it takes connections
    together = threading.Barrier(len(scripts))

    def fetch(url: str) -> int:
        together.wait(10)
        response = fresh.server.test_client().get(url)
        response.close()
        return response.status_code

    with ThreadPoolExecutor(len(scripts)) as pool:
        codes = list(pool.map(fetch, scripts))
    assert codes == [200] * len(scripts)
