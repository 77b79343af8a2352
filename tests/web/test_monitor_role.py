"""The monitoring account (role `monitor`, issue #10 item 9): it reads the health detail and the
metrics, and is refused every case route, page and Dash endpoint at the login gate (403); its
socket hears no case. `kup-console user add NAME --role monitor` needs no region."""

from __future__ import annotations

import time

import pytest

from data import flags, users
from rules.access import NO_CASES_ROOM
from tests.support import events as ev
from tests.support.stores import new_case
from tests.support.users import viewer
from tests.support.web import login

CASE_ROUTES = [
    "/api/v1/workload",
    "/api/v1/cases",
    "/api/v1/cases?status=overdue",
    "/api/v1/cases/KUP-41711000000000-2026-000001",
    "/api/v1/no-such-route",
    "/api/v1/integrity",
    "/api/v1/integrity/cases?key=41711000000000",
]
PAGES = ["/", "/overdue", "/workload", "/cases/KUP-41711000000000-2026-000001", "/integrity"]
DASH_ROUTES = ["/_dash-layout", "/_dash-dependencies", "/_reload-hash"]


def _bearer(web, username: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    with web.state.writer.begin() as s:
        return {"Authorization": f"Bearer {users.issue_token(s, username)}"}


def test_a_monitor_token_reads_the_health_and_nothing_of_a_case(web, engine) -> None:  # type: ignore[no-untyped-def]
    reg_no = new_case(engine, ev.BISHKEK)
    client, token = web.server.test_client(), _bearer(web, "monitor")
    for path in [*CASE_ROUTES, f"/api/v1/cases/{reg_no}", *DASH_ROUTES]:
        response = client.get(path, headers=token)
        assert response.status_code == 403, path
        assert response.get_json() == {
            "error": "this account sees no cases: health detail and metrics only"
        }
    flagged = client.post(f"/api/v1/cases/{reg_no}/flags", json={"comment": "x"}, headers=token)
    assert flagged.status_code == 403
    for page in PAGES:
        response = client.get(page, headers=token)
        assert response.status_code == 403 and reg_no.encode() not in response.get_data(), page
    for path in ("/healthz/detail", "/metrics", "/api/v1/openapi.json"):
        assert client.get(path, headers=token).status_code == 200, path
    # The same routes answer a duty officer's token (the refusal is the role's, not the routes').
    duty = _bearer(web, "duty")
    assert client.get(f"/api/v1/cases/{reg_no}", headers=duty).status_code == 200
    assert client.get("/", headers=duty).status_code == 200


def test_a_monitor_session_gets_no_page_but_the_health(web) -> None:  # type: ignore[no-untyped-def]
    client = web.server.test_client()
    assert login(client, "monitor").status_code == 302
    assert client.get("/").status_code == 403
    assert client.get("/api/v1/cases").status_code == 403
    assert client.get("/healthz/detail").get_json()["status"] in ("ok", "degraded")
    assert client.get("/account/password").status_code == 200  # its own account still works


@pytest.fixture
def local(make_web, web):  # type: ignore[no-untyped-def]
    """An app whose emits stay in this process (the test client refuses a message queue)."""
    del web  # creates the users
    return make_web(message_queue=False)


def _socket(local, username: str):  # type: ignore[no-untyped-def]
    client = local.server.test_client()
    assert login(client, username).status_code == 302
    return local.socketio.test_client(local.server, flask_test_client=client)


def _received(socket, name: str) -> list[dict]:  # type: ignore[type-arg, no-untyped-def]
    return [e["args"][0] for e in socket.get_received() if e["name"] == name]


def test_a_monitors_socket_hears_no_case(local, engine, redis_client) -> None:  # type: ignore[no-untyped-def]
    settings = local.state.settings
    reg_no = new_case(engine, ev.BISHKEK)
    monitor, manager = _socket(local, "monitor"), _socket(local, "manager")
    assert _received(monitor, "hello")[0]["room"] == NO_CASES_ROOM
    assert _received(manager, "hello")[0]["room"] == "country"
    local.state.pusher.start()
    channel = flags.flags_channel(settings.streams)
    deadline = time.monotonic() + 15
    while dict(redis_client.pubsub_numsub(channel)).get(channel.encode(), 0) < 1:
        assert time.monotonic() < deadline, "the pusher never subscribed"
        time.sleep(0.02)
    service = flags.FlagService(local.state.writer, redis_client, settings.streams)
    service.set(viewer("prosecutor"), reg_no, "look")
    deadline = time.monotonic() + 15
    heard: list[dict] = []  # type: ignore[type-arg]
    while not heard:
        assert time.monotonic() < deadline, "the manager never heard of the flag"
        heard += _received(manager, "flags")
        time.sleep(0.02)
    time.sleep(0.3)
    everything = monitor.get_received()
    assert reg_no not in repr(everything)
    assert {e["name"] for e in everything} <= {"health", "status", "resync"}


def test_user_add_monitor_needs_no_region(cli) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = cli(
        "user", "add", "prometheus", "--role", "monitor", "--password", "a long scrape secret"
    )
    assert code == 0 and "(monitor, whole country)" in out
    assert cli("user", "list")[1].splitlines()[1].split()[:3] == ["prometheus", "monitor", "-"]
    code, token, _ = cli("user", "token", "prometheus")
    assert code == 0 and token.strip().startswith("kup_")
