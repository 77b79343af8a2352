"""The alert ladder's API with the Flask test client: the list by state and region, acknowledge
and claim by role and region, CSRF for sessions, bad bodies (400 with a JSON error), unknown
ids (404), refused transitions (409), and the announcement every step makes."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from data import alerts, users
from data.models import Alert, Case
from tests.support import events as ev
from tests.support.stores import new_case
from tests.support.web import csrf_header


@pytest.fixture
def raised(web, engine) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """Alerts raised by a sweep for an overdue case in Bishkek and one in Osh city."""
    bishkek = new_case(engine, ev.BISHKEK, age=timedelta(days=6))
    osh = new_case(engine, ev.OSH_CITY, age=timedelta(days=6))
    with web.state.writer.begin() as s:
        alerts.sweep(s, datetime.now(UTC), timedelta(hours=1), look_back=timedelta(days=7))
    with web.state.sessions() as s:
        ids = {
            reg_no: alert_id
            for reg_no, alert_id in s.execute(
                select(Case.reg_no, Alert.id).join(Alert, Alert.reg_no == Case.reg_no)
            )
        }
    return {"bishkek": ids[bishkek], "osh": ids[osh]}


def _token(web, username: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    with web.state.writer.begin() as s:
        return {"Authorization": f"Bearer {users.issue_token(s, username)}"}


def test_list_by_state_and_region(web, raised) -> None:  # type: ignore[no-untyped-def]
    client = web.server.test_client()
    every = client.get("/api/v1/alerts", headers=_token(web, "duty")).get_json()
    assert sorted(a["id"] for a in every) == sorted(raised.values())
    first = every[0]
    assert {"id", "reg_no", "state", "raised_at", "escalation_level", "steps"} <= set(first)
    assert first["state"] == "open" and first["escalation_level"] == 0
    assert [s["step"] for s in first["steps"]] == ["raised"]
    assert first["raised_at"].endswith("+06:00")  # the console's zone, as everywhere
    osh = client.get("/api/v1/alerts", headers=_token(web, "manager-osh")).get_json()
    assert [a["id"] for a in osh] == [raised["osh"]]
    assert (
        client.get("/api/v1/alerts?state=acknowledged", headers=_token(web, "duty")).get_json()
        == []
    )
    bad = client.get("/api/v1/alerts?state=sleeping", headers=_token(web, "duty"))
    assert bad.status_code == 400 and "state" in bad.get_json()["error"]


def test_ack_then_claim_pushes_each_step(web, raised, redis_client) -> None:  # type: ignore[no-untyped-def]
    client = web.server.test_client()
    pubsub = redis_client.pubsub(ignore_subscribe_messages=True)
    pubsub.subscribe(alerts.alerts_channel(web.state.settings.streams))
    url = f"/api/v1/alerts/{raised['osh']}"
    acked = client.post(f"{url}/ack", json={"comment": "seen"}, headers=_token(web, "manager-osh"))
    assert acked.status_code == 200, acked.get_json()
    assert acked.get_json()["state"] == "acknowledged"
    claimed = client.post(
        f"{url}/claim",
        json={"comment": "Asanov goes", "assignee": "Asanov"},
        headers=_token(web, "duty"),
    )
    body = claimed.get_json()
    assert claimed.status_code == 200 and (body["state"], body["assignee"]) == ("claimed", "Asanov")
    assert [(s["step"], s["actor"], s["comment"]) for s in body["steps"]] == [
        ("raised", "system", None),
        ("acknowledged", "manager-osh", "seen"),
        ("claimed", "duty", "Asanov goes"),
    ]
    heard = []
    for _ in range(50):
        message = pubsub.get_message(timeout=0.1)
        if message is not None:
            heard.append(json.loads(message["data"]))
        if len(heard) == 2:
            break
    pubsub.close()
    assert [(m["alert_id"], m["state"], m["region"]) for m in heard] == [
        (raised["osh"], "acknowledged", "KG-GO"),
        (raised["osh"], "claimed", "KG-GO"),
    ]
    again = client.post(f"{url}/ack", json={"comment": "x"}, headers=_token(web, "duty"))
    assert again.status_code == 409 and "acknowledged" in again.get_json()["error"]


@pytest.mark.parametrize(
    ("username", "status"),
    [("manager-osh", 404), ("prosecutor", 403), ("monitor", 403), ("admin", 200)],
)
def test_roles_and_regions(web, raised, username, status) -> None:  # type: ignore[no-untyped-def]
    response = web.server.test_client().post(
        f"/api/v1/alerts/{raised['bishkek']}/ack",
        json={"comment": "mine"},
        headers=_token(web, username),
    )
    assert response.status_code == status
    assert "error" in response.get_json() if status != 200 else response.get_json()["id"]


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("ack", None),
        ("ack", {}),
        ("ack", {"comment": "  "}),
        ("ack", {"comment": 5}),
        ("ack", {"comment": "ok", "extra": 1}),
        ("claim", {"comment": "ok"}),
        ("claim", {"comment": "ok", "assignee": " "}),
        ("claim", {"comment": "ok", "assignee": "x" * 65}),
    ],
)
def test_bad_bodies(web, raised, path, body) -> None:  # type: ignore[no-untyped-def]
    response = web.server.test_client().post(
        f"/api/v1/alerts/{raised['bishkek']}/{path}", json=body, headers=_token(web, "admin")
    )
    assert response.status_code == 400 and response.get_json()["error"]


def test_unknown_and_malformed_ids(web, raised) -> None:  # type: ignore[no-untyped-def]
    client, admin = web.server.test_client(), _token(web, "admin")
    missing = client.post("/api/v1/alerts/999999/ack", json={"comment": "x"}, headers=admin)
    assert missing.status_code == 404 and missing.get_json()["error"] == "no alert 999999"
    assert (
        client.post("/api/v1/alerts/abc/ack", json={"comment": "x"}, headers=admin).status_code
        == 400
    )


def test_session_needs_csrf(web, raised, client_for) -> None:  # type: ignore[no-untyped-def]
    browser = client_for("duty")
    url = f"/api/v1/alerts/{raised['bishkek']}/ack"
    assert browser.post(url, json={"comment": "forged"}).status_code == 400
    done = browser.post(url, json={"comment": "real"}, headers=csrf_header(browser))
    assert done.status_code == 200 and done.get_json()["state"] == "acknowledged"
